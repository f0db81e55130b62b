import CBLAS
import RealModule

/// The floating-point types the kernels are written for: `Float` for real work, `Double` so
/// that tests can run the very same generic code with enough precision to check gradients by
/// finite differences.
///
/// The elementary functions (`S.exp`, `S.log`, `S.tanh`, `S.cos`, `S.sin`) come from
/// swift-numerics' `Real`; for `Float` and `Double` they are the C library's `expf`/`exp` and
/// so on, so generic code computes exactly what hand-written float code would.
public protocol NetworkScalar: Real, BinaryFloatingPoint, SIMDScalar, Codable, Sendable
where Self.RawSignificand: FixedWidthInteger {
    /// Row-major C = alpha · op(A) · op(B) + beta · C, with op(A) m×k and op(B) k×n (BLAS).
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    /// p[i] = exp(p[i]) for i in 0..<count: ``fastExp(_:)`` for `Float` (vectorised, within
    /// about 2 ulp), the C library's `exp` for `Double`.
    static func expInPlace(_ p: UnsafeMutablePointer<Self>, count: Int)
}

extension Float: NetworkScalar {
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// A plain loop that LLVM vectorises (Swift's generic SIMD conversions do not).
    @inlinable
    public static func expInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = fastExp(p[i]) }
    }
}

extension Double: NetworkScalar {
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    @inlinable
    public static func expInPlace(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = Double.exp(p[i]) }
    }
}
