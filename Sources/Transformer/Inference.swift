import Kernels

/// Token-by-token inference with a key/value cache.
///
/// Each `append` feeds one token and returns the float32 logits for the *next* token. Keys and
/// values of earlier positions are cached, so a prefix is never recomputed: scoring an
/// N-token greedy continuation costs N steps, each linear in the current length.
/// `logitsAtEveryPosition(appending:)` feeds several tokens in one pass (a draft to verify), and
/// `rewind(to:)` drops the last positions again when the draft is rejected.
///
/// ```swift
/// var session = DecodingSession(model: model)
/// var logits = try session.append(contentsOf: prompt)   // logits after the last prompt token
/// let next = greedyToken(logits, candidates: 0..<2)
/// logits = try session.append(next)
/// ```
public struct DecodingSession: Sendable {
    /// The model being run.
    public let model: TransformerModel
    /// Tokens fed so far.
    public private(set) var tokens: [Int] = []
    private var keys: [[Float]]  // per layer: position × d (keys rotated for RoPE)
    private var values: [[Float]]
    private var rope: RopeTable<Float>
    private let slopes: [Float]

    /// An empty session (no tokens yet).
    public init(model: TransformerModel) {
        self.model = model
        let c = model.config
        keys = Array(repeating: [], count: c.layers)
        values = Array(repeating: [], count: c.layers)
        rope = RopeTable(headDim: c.headDim, base: c.ropeBase)
        slopes = c.position == .alibi ? alibiSlopes(heads: c.heads).map { Float($0) } : []
    }

    /// Number of tokens fed so far (the position of the next token).
    public var count: Int { tokens.count }

    /// Feeds the tokens in order; returns the logits after the last one.
    /// Throws if `tokens` is empty or holds an id outside the vocabulary.
    public mutating func append(contentsOf tokens: [Int]) throws -> [Float] {
        guard !tokens.isEmpty else {
            throw TransformerError.invalidArgument("prompt must hold at least one token, got none")
        }
        var last: [Float] = []
        for t in tokens { last = try append(t) }
        return last
    }

    /// Feeds one token; returns the logits (length `vocabSize`) for the token after it.
    public mutating func append(_ token: Int) throws -> [Float] {
        try forward([token], logitRows: 0..<1)[0]
    }

    /// Feeds `tokens` in one pass (each position's products done for all of them at once) and
    /// returns the logits after every one of them: `result[i]` predicts the token after
    /// `tokens[i]`, as `append(_:)` one token at a time would, up to float32 summation order.
    /// Throws if `tokens` is empty or holds an id outside the vocabulary.
    public mutating func logitsAtEveryPosition(appending tokens: [Int]) throws -> [[Float]] {
        try forward(tokens, logitRows: tokens.indices)
    }

    /// Forgets every token after the first `count` (0 ≤ `count` ≤ `self.count`), as if only they
    /// had been fed: the cache holds one key and value row per position and nothing else, so
    /// dropping the last rows is exact (a rejected draft is rolled back this way).
    public mutating func rewind(to count: Int) throws {
        guard (0...tokens.count).contains(count) else {
            throw TransformerError.invalidArgument("can rewind to 0…\(tokens.count) tokens, got \(count)")
        }
        let d = model.config.dModel
        tokens.removeLast(tokens.count - count)
        for l in keys.indices {
            keys[l].removeLast(keys[l].count - count * d)
            values[l].removeLast(values[l].count - count * d)
        }
    }

    /// Feeds `tokens` at positions `count…` (the causal mask within them) and returns the logits
    /// after the tokens at indices `rows`.
    private mutating func forward(_ newTokens: [Int], logitRows rows: Range<Int>) throws -> [[Float]] {
        let c = model.config
        guard !newTokens.isEmpty else {
            throw TransformerError.invalidArgument("prompt must hold at least one token, got none")
        }
        for token in newTokens where !(0..<c.vocabSize).contains(token) {
            throw TransformerError.invalidArgument("token must be in 0..<\(c.vocabSize), got \(token)")
        }
        let pos = tokens.count, m = newTokens.count
        if c.position == .learned && pos + m > c.maxPositions {
            throw TransformerError.invalidArgument(
                "position \(max(pos, c.maxPositions)) is beyond the learned position table (maxPositions \(c.maxPositions))")
        }
        if c.position == .rope { rope.ensure(pos + m) }
        tokens.append(contentsOf: newTokens)
        let d = c.dModel, F = c.mlpHidden, V = c.vocabSize, H = c.heads, hd = c.headDim
        let layout = model.layout
        let T = pos + m
        var x = [Float](repeating: 0, count: m * d)
        var n = [Float](repeating: 0, count: m * d)
        var qkv = [Float](repeating: 0, count: m * 3 * d)
        var y = [Float](repeating: 0, count: m * d)
        var hidden = [Float](repeating: 0, count: m * F)
        var act = [Float](repeating: 0, count: m * F)
        var sig = [Float](repeating: 0, count: m * F)
        var scores = [Float](repeating: 0, count: T)
        var logits = [Float](repeating: 0, count: rows.count * V)
        var mean = [Float](repeating: 0, count: m), rstd = [Float](repeating: 0, count: m)
        let scale = 1 / Float(hd).squareRoot()
        model.network.params.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            for (t, token) in newTokens.enumerated() {
                for j in 0..<d {
                    x[t * d + j] = P[layout.tokEmb + token * d + j] + (layout.posEmb >= 0 ? P[layout.posEmb + (pos + t) * d + j] : 0)
                }
            }
            for l in 0..<c.layers {
                let blk = layout.blocks[l]
                normForward(c.norm, x: x, weight: P + blk.norm1W, bias: blk.norm1B >= 0 ? P + blk.norm1B : nil,
                            out: &n, mean: &mean, rstd: &rstd, rows: m, d: d)
                Float.gemm(transA: false, transB: true, m: m, n: 3 * d, k: d, alpha: 1, a: n, lda: d,
                           b: P + blk.qkv, ldb: d, beta: 0, c: &qkv, ldc: 3 * d)
                if c.position == .rope {
                    ropeRows(&qkv, rows: m, length: m, heads: H, table: rope, inverse: false, firstPosition: pos)
                }
                for t in 0..<m {
                    keys[l].append(contentsOf: qkv[(t * 3 * d + d)..<(t * 3 * d + 2 * d)])
                    values[l].append(contentsOf: qkv[(t * 3 * d + 2 * d)..<(t * 3 * d + 3 * d)])
                }
                keys[l].withUnsafeBufferPointer { kb in
                    values[l].withUnsafeBufferPointer { vb in
                        qkv.withUnsafeBufferPointer { qb in
                            scores.withUnsafeMutableBufferPointer { sb in
                                y.withUnsafeMutableBufferPointer { yb in
                                    let K = kb.baseAddress!, Vp = vb.baseAddress!, Sc = sb.baseAddress!
                                    // Row t (position pos + t) sees positions 0...pos + t.
                                    for t in 0..<m {
                                        let Q = qb.baseAddress! + t * 3 * d, Y = yb.baseAddress! + t * d
                                        let here = pos + t, seen = here + 1
                                        for h in 0..<H {
                                            let slope: Float = slopes.isEmpty ? 0 : slopes[h]
                                            for s in 0..<seen {
                                                Sc[s] = dot(Q + h * hd, K + s * d + h * hd, hd) * scale - slope * Float(here - s)
                                            }
                                            softmaxRow(Sc, into: Sc, count: seen, exp: .vectorised)
                                            let yh = Y + h * hd
                                            yh.update(repeating: 0, count: hd)
                                            for s in 0..<seen { axpy(Sc[s], Vp + s * d + h * hd, yh, hd) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                Float.gemm(transA: false, transB: true, m: m, n: d, k: d, alpha: 1, a: y, lda: d,
                           b: P + blk.proj, ldb: d, beta: 1, c: &x, ldc: d)
                normForward(c.norm, x: x, weight: P + blk.norm2W, bias: blk.norm2B >= 0 ? P + blk.norm2B : nil,
                            out: &n, mean: &mean, rstd: &rstd, rows: m, d: d)
                Float.gemm(transA: false, transB: true, m: m, n: F, k: d, alpha: 1, a: n, lda: d,
                           b: P + blk.fc, ldb: d, beta: 0, c: &hidden, ldc: F)
                geluForward(hidden, &act, sig: &sig, count: m * F)
                Float.gemm(transA: false, transB: true, m: m, n: d, k: F, alpha: 1, a: act, lda: F,
                           b: P + blk.fcProj, ldb: F, beta: 1, c: &x, ldc: d)
            }
            guard !rows.isEmpty else { return }
            let first = rows.lowerBound * d
            normForward(c.norm, x: Array(x[first..<(rows.upperBound * d)]), weight: P + layout.normFW,
                        bias: layout.normFB >= 0 ? P + layout.normFB : nil,
                        out: &n, mean: &mean, rstd: &rstd, rows: rows.count, d: d)
            Float.gemm(transA: false, transB: true, m: rows.count, n: V, k: d, alpha: 1, a: n, lda: d,
                       b: P + layout.head, ldb: d, beta: 0, c: &logits, ldc: V)
        }
        return (0..<rows.count).map { Array(logits[($0 * V)..<(($0 + 1) * V)]) }
    }
}
