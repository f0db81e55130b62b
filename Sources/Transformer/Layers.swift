// The layers, each forward pass beside its backward pass, as plain loops over flat row-major
// buffers. The norm backward functions *accumulate* (+=) into their input-gradient and
// parameter-gradient buffers, so residual branches add up without extra copies; GELU's
// backward works in place. (Attention lives in Network.swift, next to its BLAS calls.)

/// Normalisation over the last dimension of `rows` rows of width `d`.
/// Saves the mean (LayerNorm only) and the reciprocal standard deviation for the backward pass.
@inline(__always)
func normForward<S: NetworkScalar>(
    _ kind: NormKind, x: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
    out: UnsafeMutablePointer<S>, mean: UnsafeMutablePointer<S>, rstd: UnsafeMutablePointer<S>,
    rows: Int, d: Int
) {
    let eps: S = 1e-5
    let invD = 1 / S(d)
    for r in 0..<rows {
        let xr = x + r * d, yr = out + r * d
        // Four-lane partial sums, so the reductions vectorise.
        var acc = SIMD4<S>()
        var j = 0
        var mu: S = 0
        if kind == .layer {
            while j + 4 <= d {
                acc += UnsafeRawPointer(xr + j).loadUnaligned(as: SIMD4<S>.self)
                j += 4
            }
            mu = acc.sum()
            while j < d {
                mu += xr[j]
                j += 1
            }
            mu *= invD
        }
        acc = SIMD4<S>()
        j = 0
        let mu4 = SIMD4<S>(repeating: mu)
        while j + 4 <= d {
            let c = UnsafeRawPointer(xr + j).loadUnaligned(as: SIMD4<S>.self) - mu4
            acc += c * c
            j += 4
        }
        var v = acc.sum()
        while j < d {
            let c = xr[j] - mu
            v += c * c
            j += 1
        }
        let rs = 1 / (v * invD + eps).squareRoot()
        mean[r] = mu
        rstd[r] = rs
        if let bias {
            for j in 0..<d { yr[j] = (xr[j] - mu) * rs * weight[j] + bias[j] }
        } else {
            for j in 0..<d { yr[j] = (xr[j] - mu) * rs * weight[j] }
        }
    }
}

/// Backward of `normForward`: with x̂ the normalised input and g = weight ⊙ dy,
/// dx = rstd · (g − mean(g) − x̂ · mean(g ⊙ x̂)) for LayerNorm (no mean(g) term for RMSNorm).
@inline(__always)
func normBackward<S: NetworkScalar>(
    _ kind: NormKind, dout: UnsafePointer<S>, x: UnsafePointer<S>, weight: UnsafePointer<S>,
    mean: UnsafePointer<S>, rstd: UnsafePointer<S>,
    dx: UnsafeMutablePointer<S>, dweight: UnsafeMutablePointer<S>, dbias: UnsafeMutablePointer<S>?,
    rows: Int, d: Int
) {
    let invD = 1 / S(d)
    for r in 0..<rows {
        let xr = x + r * d, dyr = dout + r * d, dxr = dx + r * d
        let mu = mean[r], rs = rstd[r]
        var accG = SIMD4<S>(), accGX = SIMD4<S>()
        let mu4 = SIMD4<S>(repeating: mu), rs4 = SIMD4<S>(repeating: rs)
        var j = 0
        while j + 4 <= d {
            let xh = (UnsafeRawPointer(xr + j).loadUnaligned(as: SIMD4<S>.self) - mu4) * rs4
            let dy = UnsafeRawPointer(dyr + j).loadUnaligned(as: SIMD4<S>.self)
            let g = UnsafeRawPointer(weight + j).loadUnaligned(as: SIMD4<S>.self) * dy
            accG += g
            accGX += g * xh
            let dw = UnsafeRawPointer(dweight + j).loadUnaligned(as: SIMD4<S>.self)
            UnsafeMutableRawPointer(dweight + j).storeBytes(of: dw + dy * xh, as: SIMD4<S>.self)
            j += 4
        }
        var sumG = accG.sum(), sumGX = accGX.sum()
        while j < d {
            let xh = (xr[j] - mu) * rs
            let g = weight[j] * dyr[j]
            sumG += g
            sumGX += g * xh
            dweight[j] += dyr[j] * xh
            j += 1
        }
        if let dbias { for j in 0..<d { dbias[j] += dyr[j] } }
        let meanG = kind == .layer ? sumG * invD : 0
        let meanGX = sumGX * invD
        for j in 0..<d {
            let xh = (xr[j] - mu) * rs
            dxr[j] += rs * (weight[j] * dyr[j] - meanG - xh * meanGX)
        }
    }
}

/// `normForward` with the rows split across `Parallel.chunks` workers.
func normForwardParallel<S: NetworkScalar>(
    _ kind: NormKind, x: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
    out: UnsafeMutablePointer<S>, mean: UnsafeMutablePointer<S>, rstd: UnsafeMutablePointer<S>,
    rows: Int, d: Int
) {
    let parts = rows * d >= 1 << 14 ? Parallel.chunks : 1
    Parallel.forEach(parts) { i in
        let r = Parallel.slice(i, of: parts, rows)
        normForward(kind, x: x + r.lowerBound * d, weight: weight, bias: bias, out: out + r.lowerBound * d,
                    mean: mean + r.lowerBound, rstd: rstd + r.lowerBound, rows: r.count, d: d)
    }
}

/// `normBackward` with the rows split across workers; each worker sums its gain and bias
/// gradients privately and the partial sums are added in a fixed order (so the result does
/// not depend on scheduling).
func normBackwardParallel<S: NetworkScalar>(
    _ kind: NormKind, dout: UnsafePointer<S>, x: UnsafePointer<S>, weight: UnsafePointer<S>,
    mean: UnsafePointer<S>, rstd: UnsafePointer<S>,
    dx: UnsafeMutablePointer<S>, dweight: UnsafeMutablePointer<S>, dbias: UnsafeMutablePointer<S>?,
    rows: Int, d: Int
) {
    let parts = rows * d >= 1 << 14 ? Parallel.chunks : 1
    if parts == 1 {
        normBackward(kind, dout: dout, x: x, weight: weight, mean: mean, rstd: rstd, dx: dx, dweight: dweight,
                     dbias: dbias, rows: rows, d: d)
        return
    }
    withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * d * parts) { tmp in
        let partial = tmp.baseAddress!
        partial.initialize(repeating: 0, count: 2 * d * parts)
        Parallel.forEach(parts) { i in
            let r = Parallel.slice(i, of: parts, rows)
            normBackward(kind, dout: dout + r.lowerBound * d, x: x + r.lowerBound * d, weight: weight,
                         mean: mean + r.lowerBound, rstd: rstd + r.lowerBound, dx: dx + r.lowerBound * d,
                         dweight: partial + 2 * d * i, dbias: dbias == nil ? nil : partial + 2 * d * i + d,
                         rows: r.count, d: d)
        }
        for i in 0..<parts {
            for j in 0..<d { dweight[j] += partial[2 * d * i + j] }
            if let dbias { for j in 0..<d { dbias[j] += partial[2 * d * i + d + j] } }
        }
    }
}

/// GELU with the tanh approximation (GPT-2's; PyTorch's `approximate="tanh"`), computed as
/// x·σ(2u) with u = √(2/π)(x + 0.044715x³), since ½(1 + tanh u) = σ(2u): one vectorised exp.
/// Saves σ(2u) in `sig` for the backward pass.
@inline(__always)
func geluForward<S: NetworkScalar>(
    _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, sig: UnsafeMutablePointer<S>, count: Int
) {
    let c = S(0.7978845608028654)  // sqrt(2/pi)
    for i in 0..<count {
        let v = x[i]
        sig[i] = -2 * c * (v + 0.044715 * v * v * v)
    }
    S.expInPlace(sig, count: count)  // e^(−2u)
    for i in 0..<count {
        sig[i] = 1 / (1 + sig[i])
        y[i] = x[i] * sig[i]
    }
}

/// dx = dy · gelu′(x) with gelu′ = σ + 2x·σ(1 − σ)·u′ (σ = σ(2u) saved by the forward pass);
/// overwrites `dy` in place.
@inline(__always)
func geluBackward<S: NetworkScalar>(
    _ x: UnsafePointer<S>, sig: UnsafePointer<S>, _ dy: UnsafeMutablePointer<S>, count: Int
) {
    let c = S(0.7978845608028654)
    for i in 0..<count {
        let v = x[i], sg = sig[i]
        let dudx = c * (1 + 3 * 0.044715 * v * v)
        dy[i] *= sg + 2 * v * sg * (1 - sg) * dudx
    }
}

/// RoPE rotation tables: `cos[t·half + i]`, `sin[t·half + i]` for the angle t · base^(−2i/headDim).
/// Angles are computed in Double so float32 tables are correctly rounded at long positions.
struct RopeTable<S: NetworkScalar> {
    var cos: [S] = []
    var sin: [S] = []
    let half: Int
    let base: Double
    private(set) var positions = 0

    init(headDim: Int, base: Double) {
        half = headDim / 2
        self.base = base
    }

    /// Extends the table to cover positions `0..<n`.
    mutating func ensure(_ n: Int) {
        guard n > positions else { return }
        let newCount = max(n, positions * 2)
        cos.reserveCapacity(newCount * half)
        sin.reserveCapacity(newCount * half)
        for t in positions..<newCount {
            for i in 0..<half {
                let freq = powD(base, -2 * Double(i) / Double(2 * half))
                let angle = Double(t) * freq
                cos.append(S(Double.cos(angle)))
                sin.append(S(Double.sin(angle)))
            }
        }
        positions = newCount
    }
}

/// Rotates each head's adjacent pairs (x[2i], x[2i+1]) of one row of queries or keys by the
/// position's angles; `inverse` applies the transpose, which is the backward pass.
@inline(__always)
func ropeRotate<S: NetworkScalar>(
    _ v: UnsafeMutablePointer<S>, heads: Int, headDim: Int, cos: UnsafePointer<S>, sin: UnsafePointer<S>,
    inverse: Bool
) {
    let half = headDim / 2
    for h in 0..<heads {
        let p = v + h * headDim
        for i in 0..<half {
            let c = cos[i], s = inverse ? -sin[i] : sin[i]
            let a = p[2 * i], b = p[2 * i + 1]
            p[2 * i] = a * c - b * s
            p[2 * i + 1] = a * s + b * c
        }
    }
}

/// ALiBi head slopes (Press et al. 2022): for n a power of two, slope_h = 2^(−8(h+1)/n);
/// otherwise the slopes of the largest power of two below n, then every other slope of twice
/// that count.
public func alibiSlopes(heads n: Int) -> [Double] {
    func powerOfTwo(_ n: Int) -> [Double] {
        (0..<n).map { powD(2, -8 * Double($0 + 1) / Double(n)) }
    }
    var p = 1
    while p * 2 <= n { p *= 2 }
    if p == n { return powerOfTwo(n) }
    let extra = alibiSlopes(heads: 2 * p).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
    return powerOfTwo(p) + extra.prefix(n - p)
}

#if canImport(Glibc)
import Glibc
#endif
@inline(__always) func powD(_ x: Double, _ y: Double) -> Double { pow(x, y) }
