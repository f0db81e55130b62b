// Small vector kernels that the compiler inlines into the callers' loops (hence @inlinable):
// a vectorisable exp and four-lane dot and axpy.

/// exp within about 2 ulp of `expf` on [−87.3, 88.3] (inputs are clamped to it), branch-free
/// so loops over it vectorise: x = n·ln2 + r with |r| ≤ ln2/2, exp(r) by Cephes' degree-6
/// polynomial, and 2ⁿ built directly as the float's exponent bits.
@inlinable @inline(__always)
public func fastExp(_ x0: Float) -> Float {
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
@inlinable @inline(__always)
public func dot<S: NetworkScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ n: Int) -> S {
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

/// Σ (g[i]·x[i])² in binary64, with four-lane partial sums (compiled optimised, not inlined
/// into callers). Each product g[i]·x[i] of two float32 numbers is exact in binary64 (at most
/// 48 significant bits, no overflow or underflow); then each term's square rounds once and the
/// term passes through at most ⌈n/4⌉ − 1 lane additions, 3 additions of the lanes and 3 of the
/// remainder: at most n + 7 roundings, so the result is within a relative γ_{n+7} of the exact
/// sum, γ_k = ku/(1 − ku), u = 2^−53 (Higham, Lemma 3.1; the terms are non-negative). The
/// Witnesses module's probability floor relies on this bound.
public func squaredScaledNorm(_ g: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) -> Double {
    var acc = SIMD4<Double>()
    var i = 0
    while i + 4 <= n {
        let a = SIMD4<Double>(Double(g[i]), Double(g[i + 1]), Double(g[i + 2]), Double(g[i + 3]))
            * SIMD4<Double>(Double(x[i]), Double(x[i + 1]), Double(x[i + 2]), Double(x[i + 3]))
        acc += a * a
        i += 4
    }
    var sum = (acc[0] + acc[1]) + (acc[2] + acc[3])
    while i < n {
        let a = Double(g[i]) * Double(x[i])
        sum += a * a
        i += 1
    }
    return sum
}

/// y[i] += alpha·x[i], four lanes at a time (the pointers may alias as far as the compiler
/// knows, which otherwise keeps the loop scalar).
@inlinable @inline(__always)
public func axpy<S: NetworkScalar>(_ alpha: S, _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, _ n: Int) {
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

/// p[i] = exp(p[i]) for i in 0..<count (``NetworkScalar/expInPlace(_:count:)``).
@inlinable @inline(__always)
public func expInPlace<S: NetworkScalar>(_ p: UnsafeMutablePointer<S>, count: Int) {
    S.expInPlace(p, count: count)
}
