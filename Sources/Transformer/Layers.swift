import Kernels
import RealModule

// The layers, each forward pass beside its backward pass, as plain loops and BLAS calls over
// flat row-major buffers (attention and positions are in Attention.swift). Backward functions
// that take a gradient buffer of an input or a parameter *accumulate* (+=) into it, so residual
// branches add up without extra copies, unless they say they write it; GELU's backward works
// in place.

/// The Transformer cuts parallel work into this many fixed pieces, so results are
/// bit-identical on any machine (``SplitPolicy/fixed(parts:)``).
let workParts = 2

/// ``workParts`` pieces when the work is `large` enough to pay for the hand-off, one otherwise
/// (tiny work, such as in the tests, runs inline).
@inline(__always)
func split(when large: Bool) -> SplitPolicy { .fixed(parts: large ? workParts : 1) }

// MARK: Embedding

/// out[r] = tokenEmbedding[tokens[r]] (+ positionEmbedding[r mod length]) for every row r.
func embeddingForward<S: NetworkScalar>(
    tokens: [Int32], length T: Int, tokenEmbedding: UnsafePointer<S>, positionEmbedding: UnsafePointer<S>?,
    out: UnsafeMutablePointer<S>, d: Int
) {
    for r in 0..<tokens.count {
        let e = tokenEmbedding + Int(tokens[r]) * d, y = out + r * d
        if let positionEmbedding {
            let pe = positionEmbedding + (r % T) * d
            for j in 0..<d { y[j] = e[j] + pe[j] }
        } else {
            for j in 0..<d { y[j] = e[j] }
        }
    }
}

/// Backward of `embeddingForward`: adds each row of `dout` into its token's (and position's) row.
func embeddingBackward<S: NetworkScalar>(
    tokens: [Int32], length T: Int, dout: UnsafePointer<S>, dTokenEmbedding: UnsafeMutablePointer<S>,
    dPositionEmbedding: UnsafeMutablePointer<S>?, d: Int
) {
    for r in 0..<tokens.count {
        let g = dTokenEmbedding + Int(tokens[r]) * d, dr = dout + r * d
        for j in 0..<d { g[j] += dr[j] }
        if let dPositionEmbedding {
            let gp = dPositionEmbedding + (r % T) * d
            for j in 0..<d { gp[j] += dr[j] }
        }
    }
}

// MARK: Linear layers and residual connections

/// out[rows × outputs] = input[rows × inputs] · Wᵀ (W is outputs × inputs), added onto `out`
/// when `accumulate` (how a residual branch joins the stream).
@inline(__always)
func linearForward<S: NetworkScalar>(
    _ input: UnsafePointer<S>, weight: UnsafePointer<S>, out: UnsafeMutablePointer<S>,
    rows: Int, inputs: Int, outputs: Int, accumulate: Bool = false
) {
    S.parallelGemm(parts: workParts, transA: false, transB: true, m: rows, n: outputs, k: inputs, alpha: 1,
                   a: input, lda: inputs, b: weight, ldb: inputs, beta: accumulate ? 1 : 0, c: out, ldc: outputs)
}

/// Backward of `linearForward`: *writes* dinput = dout · W and adds doutᵀ · input into dweight.
@inline(__always)
func linearBackward<S: NetworkScalar>(
    _ dout: UnsafePointer<S>, input: UnsafePointer<S>, weight: UnsafePointer<S>,
    dinput: UnsafeMutablePointer<S>, dweight: UnsafeMutablePointer<S>, rows: Int, inputs: Int, outputs: Int
) {
    S.parallelGemm(parts: workParts, transA: false, transB: false, m: rows, n: inputs, k: outputs, alpha: 1,
                   a: dout, lda: outputs, b: weight, ldb: inputs, beta: 0, c: dinput, ldc: inputs)
    S.parallelGemm(parts: workParts, transA: true, transB: false, m: outputs, n: inputs, k: rows, alpha: 1,
                   a: dout, lda: outputs, b: input, ldb: inputs, beta: 1, c: dweight, ldc: inputs)
}

/// The skip path of a residual connection: the stream is copied into `out`, and the branch is
/// then added onto it (`linearForward(..., accumulate: true)`).
@inline(__always)
func residualForward<S: NetworkScalar>(skip: UnsafePointer<S>, into out: UnsafeMutablePointer<S>, count: Int) {
    out.update(from: skip, count: count)
}

/// Backward of the skip path: the stream's gradient passes unchanged to `skip` (written), and
/// the branch's backward then adds its own part into it.
@inline(__always)
func residualBackward<S: NetworkScalar>(dout: UnsafePointer<S>, skip: UnsafeMutablePointer<S>, count: Int) {
    skip.update(from: dout, count: count)
}

// MARK: Normalisation

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

/// `normForward` with the rows split across ``workParts`` workers when there are enough.
func normForwardParallel<S: NetworkScalar>(
    _ kind: NormKind, x: UnsafePointer<S>, weight: UnsafePointer<S>, bias: UnsafePointer<S>?,
    out: UnsafeMutablePointer<S>, mean: UnsafeMutablePointer<S>, rstd: UnsafeMutablePointer<S>,
    rows: Int, d: Int
) {
    parallelFor(rows, split: split(when: rows * d >= 1 << 14)) { _, r in
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
    let policy = split(when: rows * d >= 1 << 14), parts = policy.parts(for: rows)
    if parts == 1 {
        normBackward(kind, dout: dout, x: x, weight: weight, mean: mean, rstd: rstd, dx: dx, dweight: dweight,
                     dbias: dbias, rows: rows, d: d)
        return
    }
    withUnsafeTemporaryAllocation(of: S.self, capacity: 2 * d * parts) { tmp in
        let partial = tmp.baseAddress!
        partial.initialize(repeating: 0, count: 2 * d * parts)
        parallelFor(rows, split: policy) { i, r in
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

// MARK: MLP activation

/// GELU with the tanh approximation (GPT-2's; PyTorch's `approximate="tanh"`), computed as
/// x·σ(2u) with u = √(2/π)(x + 0.044715x³), since ½(1 + tanh u) = σ(2u): one vectorised exp.
/// Saves σ(2u) in `sig` for the backward pass.
@inline(__always)
func geluForward<S: NetworkScalar>(
    _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, sig: UnsafeMutablePointer<S>, count: Int,
    on isa: InstructionSet = .best
) {
    if S.self == Float.self {
        // The same loop on the machine's widest vectors, bit for bit (Kernels' Elementwise.swift).
        geluForwardFloat(
            UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self),
            sig: UnsafeMutableRawPointer(sig).assumingMemoryBound(to: Float.self), count: count,
            a: -2 * Float(0.7978845608028654), k: 0.044715, on: isa)
        return
    }
    geluForwardLoop(x, y, sig: sig, count: count)
}

/// `geluForward` as a plain loop: the reference, and the `Double` path.
@inline(__always)
func geluForwardLoop<S: NetworkScalar>(
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
    _ x: UnsafePointer<S>, sig: UnsafePointer<S>, _ dy: UnsafeMutablePointer<S>, count: Int,
    on isa: InstructionSet = .best
) {
    if S.self == Float.self {
        geluBackwardFloat(
            UnsafeRawPointer(x).assumingMemoryBound(to: Float.self), sig: UnsafeRawPointer(sig).assumingMemoryBound(to: Float.self),
            UnsafeMutableRawPointer(dy).assumingMemoryBound(to: Float.self), count: count,
            c: Float(0.7978845608028654), k3: 3 * 0.044715, on: isa)
        return
    }
    geluBackwardLoop(x, sig: sig, dy, count: count)
}

/// `geluBackward` as a plain loop: the reference, and the `Double` path.
@inline(__always)
func geluBackwardLoop<S: NetworkScalar>(
    _ x: UnsafePointer<S>, sig: UnsafePointer<S>, _ dy: UnsafeMutablePointer<S>, count: Int
) {
    let c = S(0.7978845608028654)
    for i in 0..<count {
        let v = x[i], sg = sig[i]
        let dudx = c * (1 + 3 * 0.044715 * v * v)
        dy[i] *= sg + 2 * v * sg * (1 - sg) * dudx
    }
}

/// `geluForward` with the elements split across ``workParts`` workers when there are enough.
func geluForwardParallel<S: NetworkScalar>(
    _ x: UnsafePointer<S>, _ y: UnsafeMutablePointer<S>, sig: UnsafeMutablePointer<S>, count: Int
) {
    parallelFor(count, split: split(when: count >= 1 << 14)) { _, r in
        geluForward(x + r.lowerBound, y + r.lowerBound, sig: sig + r.lowerBound, count: r.count)
    }
}

/// `geluBackward` with the elements split across ``workParts`` workers when there are enough.
func geluBackwardParallel<S: NetworkScalar>(
    _ x: UnsafePointer<S>, sig: UnsafePointer<S>, _ dy: UnsafeMutablePointer<S>, count: Int
) {
    parallelFor(count, split: split(when: count >= 1 << 14)) { _, r in
        geluBackward(x + r.lowerBound, sig: sig + r.lowerBound, dy + r.lowerBound, count: r.count)
    }
}

// MARK: Output head: softmax and cross-entropy

/// Softmax of every row of `logits` into `probs`; returns the mean cross-entropy over the rows
/// whose target is not negative (0 if there are none).
func crossEntropyForward<S: NetworkScalar>(
    logits: UnsafePointer<S>, probs: UnsafeMutablePointer<S>, targets: [Int32], rows: Int, vocabulary V: Int
) -> S {
    var loss: S = 0
    var count = 0
    for r in 0..<rows {
        let lg = logits + r * V
        let (mx, sum) = softmaxRow(lg, into: probs + r * V, count: V, exp: .exact)
        let target = Int(targets[r])
        if target >= 0 {
            loss += mx + S.log(sum) - lg[target]
            count += 1
        }
    }
    return count > 0 ? loss / S(count) : 0
}

/// Backward of `crossEntropyForward`: *writes* dLoss/dlogits = (p − onehot)/targetCount at
/// rows with a target, 0 elsewhere.
func crossEntropyBackward<S: NetworkScalar>(
    probs: UnsafePointer<S>, targets: [Int32], targetCount: Int, dlogits: UnsafeMutablePointer<S>,
    rows: Int, vocabulary V: Int
) {
    let invCount = targetCount > 0 ? 1 / S(targetCount) : 0
    for r in 0..<rows {
        let target = Int(targets[r])
        let row = dlogits + r * V, pr = probs + r * V
        if target < 0 {
            for v in 0..<V { row[v] = 0 }
        } else {
            for v in 0..<V { row[v] = pr[v] * invCount }
            row[target] -= invCount
        }
    }
}
