import Kernels
import RealModule

// Positions (RoPE, ALiBi) and causal self-attention, forward beside backward.

// MARK: RoPE

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

/// Rotates the queries and keys of rows of `qkv` (each row 3·heads·headDim wide: queries, keys,
/// values) by their positions; rows are sequences of `length` tokens one after another, and
/// row r is at position `firstPosition + r mod length`. `inverse` applies the transpose, which
/// is the backward pass (on the query and key gradients).
func ropeRows<S: NetworkScalar>(
    _ qkv: UnsafeMutablePointer<S>, rows: Int, length T: Int, heads: Int, table: RopeTable<S>, inverse: Bool,
    firstPosition: Int = 0
) {
    let half = table.half, hd = 2 * half, d = heads * hd
    table.cos.withUnsafeBufferPointer { cb in
        table.sin.withUnsafeBufferPointer { sb in
            for r in 0..<rows {
                let t = firstPosition + r % T
                let row = qkv + r * 3 * d
                ropeRotate(row, heads: heads, headDim: hd, cos: cb.baseAddress! + t * half,
                           sin: sb.baseAddress! + t * half, inverse: inverse)
                ropeRotate(row + d, heads: heads, headDim: hd, cos: cb.baseAddress! + t * half,
                           sin: sb.baseAddress! + t * half, inverse: inverse)
            }
        }
    }
}

// MARK: Attention

/// Causal multi-head attention with softmax((q·k)/√headDim − ALiBi bias) over `qkv` (B·T rows
/// of 3d: queries, keys, values); saves the attention probabilities `att[b, h, t, s]` (zero
/// above the diagonal) and writes the heads' outputs into `out` (B·T × d). `slopes` holds one
/// ALiBi slope per head, or nothing.
///
/// For each (sequence, head) pair the head's queries, keys and values are T×headDim
/// blocks of `qkv` with row stride 3·dModel, which BLAS reads in place, so the scores and
/// outputs are single small matrix products (OpenBLAS has dedicated kernels for these
/// sizes). The masked upper triangle holds exact zeros, so it adds nothing.
func attentionForward<S: NetworkScalar>(
    qkv: UnsafeMutablePointer<S>, att: UnsafeMutablePointer<S>, out: UnsafeMutablePointer<S>,
    batchSize B: Int, length T: Int, heads H: Int, headDim hd: Int, slopes: [S]
) {
    let d = H * hd
    let scale = 1 / S(hd).squareRoot()
    parallelFor(B, split: split(when: B >= workParts && B * T * T * d >= 1 << 14)) { _, sequences in
        for b in sequences {
            for h in 0..<H {
                let q = qkv + (b * T) * 3 * d + h * hd, k = q + d, v = q + 2 * d
                let a = att + (b * H + h) * T * T
                // Scores = scale · Q Kᵀ (full T×T; the upper triangle is overwritten below).
                S.gemm(transA: false, transB: true, m: T, n: T, k: hd, alpha: scale, a: q, lda: 3 * d,
                       b: k, ldb: 3 * d, beta: 0, c: a, ldc: T)
                for t in 0..<T {
                    let row = a + t * T
                    if !slopes.isEmpty {
                        let slope = slopes[h]
                        for s in 0...t { row[s] -= slope * S(t - s) }
                    }
                    softmaxRow(row, into: row, count: t + 1, exp: .vectorised)
                    for s in (t + 1)..<T { row[s] = 0 }
                }
                // Y = A V, written straight into the head's columns of `out`.
                S.gemm(transA: false, transB: false, m: T, n: hd, k: T, alpha: 1, a: a, lda: T,
                       b: v, ldb: 3 * d, beta: 0, c: out + (b * T) * d + h * hd, ldc: d)
            }
        }
    }
}

/// Backward of `attentionForward`: *writes* the query, key and value gradients into `dqkv`.
func attentionBackward<S: NetworkScalar>(
    dout: UnsafePointer<S>, qkv: UnsafePointer<S>, att: UnsafePointer<S>, dqkv: UnsafeMutablePointer<S>,
    batchSize B: Int, length T: Int, heads H: Int, headDim hd: Int
) {
    let d = H * hd
    let scale = 1 / S(hd).squareRoot()
    parallelFor(B, split: split(when: B >= workParts && B * T * T * d >= 1 << 14)) { _, sequences in
        let da = UnsafeMutablePointer<S>.allocate(capacity: T * T)
        defer { da.deallocate() }
        for b in sequences {
            for h in 0..<H {
                let base = (b * T) * 3 * d + h * hd
                let q = qkv + base, k = q + d, v = q + 2 * d
                let dq = dqkv + base, dk = dq + d, dv = dq + 2 * d
                let dy = dout + (b * T) * d + h * hd
                let a = att + (b * H + h) * T * T
                // dA = dY Vᵀ; dV = Aᵀ dY.
                S.gemm(transA: false, transB: true, m: T, n: T, k: hd, alpha: 1, a: dy, lda: d,
                       b: v, ldb: 3 * d, beta: 0, c: da, ldc: T)
                S.gemm(transA: true, transB: false, m: T, n: hd, k: T, alpha: 1, a: a, lda: T,
                       b: dy, ldb: d, beta: 0, c: dv, ldc: 3 * d)
                // Softmax backward, in place: dScore = scale · A ⊙ (dA − Σ A·dA), zero above
                // the diagonal because A is (the bias has no parameters).
                for t in 0..<T {
                    let ar = a + t * T, dr = da + t * T
                    var dotAD: S = 0
                    for s in 0...t { dotAD += ar[s] * dr[s] }
                    for s in 0...t { dr[s] = ar[s] * (dr[s] - dotAD) * scale }
                    for s in (t + 1)..<T { dr[s] = 0 }
                }
                // dQ = dS K; dK = dSᵀ Q.
                S.gemm(transA: false, transB: false, m: T, n: hd, k: T, alpha: 1, a: da, lda: T,
                       b: k, ldb: 3 * d, beta: 0, c: dq, ldc: 3 * d)
                S.gemm(transA: true, transB: false, m: T, n: hd, k: T, alpha: 1, a: da, lda: T,
                       b: q, ldb: 3 * d, beta: 0, c: dk, ldc: 3 * d)
            }
        }
    }
}

// MARK: ALiBi

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
