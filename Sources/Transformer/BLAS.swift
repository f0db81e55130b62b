import CBLAS

/// The floating-point types the network is written for. Training and inference use `Float`;
/// the tests instantiate the same code with `Double` to check gradients by finite differences.
protocol NetworkScalar: BinaryFloatingPoint, SIMDScalar, Codable, Sendable where Self.RawSignificand: FixedWidthInteger {
    /// Row-major C = alpha · op(A) · op(B) + beta · C, with op(A) m×k and op(B) k×n.
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    /// p[i] = exp(p[i]) for i in 0..<count (vectorised for Float).
    static func expInPlace(_ p: UnsafeMutablePointer<Self>, count: Int)
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func cos(_ x: Self) -> Self
    static func sin(_ x: Self) -> Self
}

extension Float: NetworkScalar {
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    static func exp(_ x: Float) -> Float { expf(x) }
    /// A plain loop that LLVM vectorises (Swift's generic SIMD conversions do not).
    static func expInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { p[i] = fastExp(p[i]) }
    }
    static func log(_ x: Float) -> Float { logf(x) }
    static func tanh(_ x: Float) -> Float { tanhf(x) }
    static func cos(_ x: Float) -> Float { cosf(x) }
    static func sin(_ x: Float) -> Float { sinf(x) }
}

extension Double: NetworkScalar {
    static func gemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double,
        a: UnsafePointer<Double>, lda: Int, b: UnsafePointer<Double>, ldb: Int,
        beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int
    ) {
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    static func expInPlace(_ p: UnsafeMutablePointer<Double>, count: Int) {
        for i in 0..<count { p[i] = Glibc.exp(p[i]) }
    }
    static func log(_ x: Double) -> Double { Glibc.log(x) }
    static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    static func sin(_ x: Double) -> Double { Glibc.sin(x) }
}

#if canImport(Glibc)
import Glibc
#endif

/// exp within about 2 ulp of `expf` on [−87.3, 88.3] (inputs are clamped to it), branch-free
/// so loops over it vectorise: x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by Cephes' degree-6
/// polynomial, and 2ⁿ built directly as the float's exponent bits.
@inline(__always)
func fastExp(_ x0: Float) -> Float {
    var x = x0 < -87.3 ? -87.3 : x0
    x = x > 88.3 ? 88.3 : x
    // Round x·log2(e) to the nearest integer n by adding 1.5·2²³: the sum's low mantissa bits
    // then hold n itself, which also gives 2ⁿ without a (trapping, unvectorisable) conversion.
    let t = x * 1.44269504088896341 + 12_582_912
    let n = t - 12_582_912
    let r = (x - n * 0.693359375) + n * 2.12194440e-4
    var y: Float = 1.9875691500e-4
    y = y * r + 1.3981999507e-3
    y = y * r + 8.3334519073e-3
    y = y * r + 4.1665795894e-2
    y = y * r + 1.6666665459e-1
    y = y * r + 5.0000001201e-1
    y = y * (r * r) + r + 1
    return y * Float(bitPattern: (t.bitPattern &- 0x4B40_0000 &+ 127) &<< 23)
}

/// Σ a[i]·b[i] with four-lane partial sums: a plain loop would stay scalar, because LLVM may
/// not reorder a floating-point reduction on its own.
@inline(__always)
func dot<S: NetworkScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ n: Int) -> S {
    var acc = SIMD4<S>()
    var i = 0
    while i + 4 <= n {
        acc += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD4<S>.self)
            * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD4<S>.self)
        i += 4
    }
    var sum = acc.sum()
    while i < n {
        sum += a[i] * b[i]
        i += 1
    }
    return sum
}

/// y[i] += alpha·x[i], four lanes at a time (the pointers may alias as far as the compiler
/// knows, which otherwise keeps the loop scalar).
@inline(__always)
func axpy<S: NetworkScalar>(_ alpha: S, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
    let a = SIMD4<S>(repeating: alpha)
    var i = 0
    while i + 4 <= n {
        let yi = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD4<S>.self)
        let xi = UnsafeRawPointer(x + i).loadUnaligned(as: SIMD4<S>.self)
        UnsafeMutableRawPointer(y + i).storeBytes(of: yi + a * xi, as: SIMD4<S>.self)
        i += 4
    }
    while i < n {
        y[i] += alpha * x[i]
        i += 1
    }
}
