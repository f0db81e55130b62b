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
    /// The C BLAS matrix product of this precision (`cblas_sgemm`, `cblas_dgemm`); call it
    /// through ``gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)``.
    static var blasGemm: BLASGemm<Self> { get }
    /// p[i] = exp(p[i]) for i in 0..<count: ``fastExp(_:)`` for `Float` (vectorised, within
    /// about 2 ulp), the C library's `exp` for `Double`.
    static func expInPlace(_ p: UnsafeMutablePointer<Self>, count: Int)
}

/// The signature of the C BLAS `?gemm` routines (order, transposes, m, n, k, alpha, A, lda, B,
/// ldb, beta, C, ldc).
public typealias BLASGemm<S> = (
    CBLAS_ORDER, CBLAS_TRANSPOSE, CBLAS_TRANSPOSE, blasint, blasint, blasint, S, UnsafePointer<S>?, blasint,
    UnsafePointer<S>?, blasint, S, UnsafeMutablePointer<S>?, blasint
) -> Void

extension NetworkScalar {
    /// Row-major C = alpha · op(A) · op(B) + beta · C, with op(A) m×k and op(B) k×n (BLAS).
    @inlinable
    public static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        blasGemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
}

extension Float: NetworkScalar {
    public static var blasGemm: BLASGemm<Float> { cblas_sgemm }

    /// ``fastExpInPlace(_:count:on:)``: ``fastExp(_:)`` of every element, bit for bit, on the
    /// machine's widest vectors.
    @inlinable
    public static func expInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        fastExpInPlace(p, count: count)
    }
}

extension Double: NetworkScalar {
    public static var blasGemm: BLASGemm<Double> { cblas_dgemm }

    @inlinable
    public static func expInPlace(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = Double.exp(p[i]) }
    }
}
