/// A batch of equal-length token sequences with per-position targets.
///
/// `targets[b·length + t]` is the token expected *after* position t of sequence b, or −1 where
/// no loss is taken (prompt positions, padding). Shorter sequences are padded at the end: the
/// causal mask keeps padding from influencing earlier positions.
public struct Batch: Sendable, Equatable {
    public let batchSize: Int
    public let length: Int
    public var tokens: [Int32]
    public var targets: [Int32]

    public init(batchSize: Int, length: Int, tokens: [Int32], targets: [Int32]) {
        precondition(tokens.count == batchSize * length && targets.count == batchSize * length)
        self.batchSize = batchSize
        self.length = length
        self.tokens = tokens
        self.targets = targets
    }

    /// Number of positions that carry a target.
    public var targetCount: Int { targets.reduce(0) { $0 + ($1 >= 0 ? 1 : 0) } }
}

/// A heap buffer of scalars owned by a workspace (freed with it).
final class Buffer<S: NetworkScalar> {
    let p: UnsafeMutablePointer<S>
    let count: Int
    init(_ count: Int) {
        self.count = count
        p = .allocate(capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
    }
    deinit { p.deallocate() }
}

/// Activations saved by the forward pass for the backward pass, and gradient scratch space,
/// sized for one batch shape. Reused across steps so training allocates nothing per step.
final class Workspace<S: NetworkScalar> {
    let B: Int, T: Int
    let residual: Buffer<S>  // (layers + 1) × BT × d: input of each block, then the final stream
    let mid: Buffer<S>  // layers × BT × d: stream after attention
    let n1, n2: Buffer<S>  // layers × BT × d
    let mean1, rstd1, mean2, rstd2: Buffer<S>  // layers × BT
    let qkv: Buffer<S>  // layers × BT × 3d (queries and keys already rotated)
    let att: Buffer<S>  // layers × B × heads × T × T
    let atty: Buffer<S>  // layers × BT × d
    let fcPre, fcAct, fcSig: Buffer<S>  // layers × BT × mlpHidden (fcSig: GELU's σ(2u))
    let nf, meanF, rstdF: Buffer<S>
    let logits: Buffer<S>  // BT × vocab
    let probs: Buffer<S>  // BT × vocab
    // Backward scratch.
    let dres, dmid, dsmall, dqkv, dbig, dlogits: Buffer<S>
    var rope: RopeTable<S>

    init(config c: TransformerConfig, batchSize B: Int, length T: Int) {
        self.B = B
        self.T = T
        let BT = B * T, d = c.dModel, L = c.layers, F = c.mlpHidden, V = c.vocabSize
        residual = Buffer((L + 1) * BT * d)
        mid = Buffer(L * BT * d)
        n1 = Buffer(L * BT * d)
        n2 = Buffer(L * BT * d)
        mean1 = Buffer(L * BT)
        rstd1 = Buffer(L * BT)
        mean2 = Buffer(L * BT)
        rstd2 = Buffer(L * BT)
        qkv = Buffer(L * BT * 3 * d)
        att = Buffer(L * B * c.heads * T * T)
        atty = Buffer(L * BT * d)
        fcPre = Buffer(L * BT * F)
        fcAct = Buffer(L * BT * F)
        fcSig = Buffer(L * BT * F)
        nf = Buffer(BT * d)
        meanF = Buffer(BT)
        rstdF = Buffer(BT)
        logits = Buffer(BT * V)
        probs = Buffer(BT * V)
        dres = Buffer(BT * d)
        dmid = Buffer(BT * d)
        dsmall = Buffer(BT * d)
        dqkv = Buffer(BT * 3 * d)
        dbig = Buffer(BT * F)
        dlogits = Buffer(BT * V)
        rope = RopeTable(headDim: c.headDim, base: c.ropeBase)
        rope.ensure(T)
        _ = Parallel.configured
    }
}

/// The network, generic over the scalar so the tests can run the very same code in Double.
struct Network<S: NetworkScalar>: Sendable {
    let config: TransformerConfig
    let layout: ParameterLayout
    var params: [S]
    let slopes: [S]

    init(config: TransformerConfig, params: [S]) {
        self.config = config
        self.layout = ParameterLayout(config)
        precondition(params.count == layout.count)
        self.params = params
        self.slopes = config.position == .alibi ? alibiSlopes(heads: config.heads).map { S($0) } : []
    }

    /// Forward pass over a batch; returns the mean cross-entropy over positions with a target
    /// (0 if none) and leaves activations, logits and probabilities in `ws`.
    @discardableResult
    func forward(_ batch: Batch, _ ws: Workspace<S>) -> S {
        let c = config, B = batch.batchSize, T = batch.length, BT = B * T
        let d = c.dModel, F = c.mlpHidden, V = c.vocabSize, H = c.heads, hd = c.headDim
        precondition(ws.B == B && ws.T == T)
        return params.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            // Embedding (+ learned position).
            let x0 = ws.residual.p
            for r in 0..<BT {
                let tok = Int(batch.tokens[r]), t = r % T
                let e = P + layout.tokEmb + tok * d, y = x0 + r * d
                if layout.posEmb >= 0 {
                    let pe = P + layout.posEmb + t * d
                    for j in 0..<d { y[j] = e[j] + pe[j] }
                } else {
                    for j in 0..<d { y[j] = e[j] }
                }
            }
            for l in 0..<c.layers {
                let blk = layout.blocks[l]
                let x = ws.residual.p + l * BT * d, out = ws.residual.p + (l + 1) * BT * d
                let mid = ws.mid.p + l * BT * d
                let n1 = ws.n1.p + l * BT * d, n2 = ws.n2.p + l * BT * d
                let qkv = ws.qkv.p + l * BT * 3 * d, att = ws.att.p + l * B * H * T * T
                let atty = ws.atty.p + l * BT * d
                let fcPre = ws.fcPre.p + l * BT * F, fcAct = ws.fcAct.p + l * BT * F, fcSig = ws.fcSig.p + l * BT * F
                normForwardParallel(
                    c.norm, x: x, weight: P + blk.norm1W, bias: blk.norm1B >= 0 ? P + blk.norm1B : nil,
                    out: n1, mean: ws.mean1.p + l * BT, rstd: ws.rstd1.p + l * BT, rows: BT, d: d)
                S.parallelGemm(
                    transA: false, transB: true, m: BT, n: 3 * d, k: d, alpha: 1, a: n1, lda: d,
                    b: P + blk.qkv, ldb: d, beta: 0, c: qkv, ldc: 3 * d)
                if c.position == .rope {
                    ws.rope.cos.withUnsafeBufferPointer { cb in
                        ws.rope.sin.withUnsafeBufferPointer { sb in
                            for r in 0..<BT {
                                let t = r % T, half = hd / 2
                                let row = qkv + r * 3 * d
                                ropeRotate(row, heads: H, headDim: hd, cos: cb.baseAddress! + t * half,
                                           sin: sb.baseAddress! + t * half, inverse: false)
                                ropeRotate(row + d, heads: H, headDim: hd, cos: cb.baseAddress! + t * half,
                                           sin: sb.baseAddress! + t * half, inverse: false)
                            }
                        }
                    }
                }
                attentionForward(qkv: qkv, att: att, out: atty, B: B, T: T)
                // mid = x + atty · Wprojᵀ
                mid.update(from: x, count: BT * d)
                S.parallelGemm(
                    transA: false, transB: true, m: BT, n: d, k: d, alpha: 1, a: atty, lda: d,
                    b: P + blk.proj, ldb: d, beta: 1, c: mid, ldc: d)
                normForwardParallel(
                    c.norm, x: mid, weight: P + blk.norm2W, bias: blk.norm2B >= 0 ? P + blk.norm2B : nil,
                    out: n2, mean: ws.mean2.p + l * BT, rstd: ws.rstd2.p + l * BT, rows: BT, d: d)
                S.parallelGemm(
                    transA: false, transB: true, m: BT, n: F, k: d, alpha: 1, a: n2, lda: d,
                    b: P + blk.fc, ldb: d, beta: 0, c: fcPre, ldc: F)
                let parts = BT * F >= 1 << 14 ? Parallel.chunks : 1
                Parallel.forEach(parts) { i in
                    let r = Parallel.slice(i, of: parts, BT * F)
                    geluForward(fcPre + r.lowerBound, fcAct + r.lowerBound, sig: fcSig + r.lowerBound, count: r.count)
                }
                out.update(from: mid, count: BT * d)
                S.parallelGemm(
                    transA: false, transB: true, m: BT, n: d, k: F, alpha: 1, a: fcAct, lda: F,
                    b: P + blk.fcProj, ldb: F, beta: 1, c: out, ldc: d)
            }
            let xL = ws.residual.p + c.layers * BT * d
            normForwardParallel(
                c.norm, x: xL, weight: P + layout.normFW, bias: layout.normFB >= 0 ? P + layout.normFB : nil,
                out: ws.nf.p, mean: ws.meanF.p, rstd: ws.rstdF.p, rows: BT, d: d)
            S.parallelGemm(
                transA: false, transB: true, m: BT, n: V, k: d, alpha: 1, a: ws.nf.p, lda: d,
                b: P + layout.head, ldb: d, beta: 0, c: ws.logits.p, ldc: V)
            // Softmax and cross-entropy.
            var loss: S = 0
            var count = 0
            for r in 0..<BT {
                let lg = ws.logits.p + r * V, pr = ws.probs.p + r * V
                var mx = lg[0]
                for v in 1..<V where lg[v] > mx { mx = lg[v] }
                var sum: S = 0
                for v in 0..<V {
                    pr[v] = S.exp(lg[v] - mx)
                    sum += pr[v]
                }
                let inv = 1 / sum
                for v in 0..<V { pr[v] *= inv }
                let target = Int(batch.targets[r])
                if target >= 0 {
                    loss += mx + S.log(sum) - lg[target]
                    count += 1
                }
            }
            return count > 0 ? loss / S(count) : 0
        }
    }

    /// Causal multi-head attention with softmax((q·k)/√headDim + ALiBi bias); saves the
    /// attention probabilities `att[b, h, t, s]` (zero above the diagonal).
    ///
    /// For each (sequence, head) pair the head's queries, keys and values are T×headDim
    /// blocks of `qkv` with row stride 3·dModel, which BLAS reads in place, so the scores and
    /// outputs are single small matrix products (OpenBLAS has dedicated kernels for these
    /// sizes). The masked upper triangle holds exact zeros, so it adds nothing.
    private func attentionForward(
        qkv: UnsafeMutablePointer<S>, att: UnsafeMutablePointer<S>, out: UnsafeMutablePointer<S>, B: Int, T: Int
    ) {
        let d = config.dModel, H = config.heads, hd = config.headDim
        let scale = 1 / S(hd).squareRoot()
        let alibi = config.position == .alibi
        let parts = B >= Parallel.chunks && B * T * T * d >= 1 << 14 ? Parallel.chunks : 1
        Parallel.forEach(parts) { part in
            for b in Parallel.slice(part, of: parts, B) {
                for h in 0..<H {
                    let q = qkv + (b * T) * 3 * d + h * hd, k = q + d, v = q + 2 * d
                    let a = att + (b * H + h) * T * T
                    // Scores = scale · Q Kᵀ (full T×T; the upper triangle is overwritten below).
                    S.gemm(transA: false, transB: true, m: T, n: T, k: hd, alpha: scale, a: q, lda: 3 * d,
                           b: k, ldb: 3 * d, beta: 0, c: a, ldc: T)
                    let slope = alibi ? slopes[h] : 0
                    for t in 0..<T {
                        let row = a + t * T
                        var mx = -S.greatestFiniteMagnitude
                        for s in 0...t {
                            row[s] -= slope * S(t - s)
                            if row[s] > mx { mx = row[s] }
                        }
                        for s in 0...t { row[s] -= mx }
                        S.expInPlace(row, count: t + 1)
                        var sum: S = 0
                        for s in 0...t { sum += row[s] }
                        let inv = 1 / sum
                        for s in 0...t { row[s] *= inv }
                        for s in (t + 1)..<T { row[s] = 0 }
                    }
                    // Y = A V, written straight into the head's columns of `out`.
                    S.gemm(transA: false, transB: false, m: T, n: hd, k: T, alpha: 1, a: a, lda: T,
                           b: v, ldb: 3 * d, beta: 0, c: out + (b * T) * d + h * hd, ldc: d)
                }
            }
        }
    }

    /// Backward of `attentionForward`: writes (not accumulates) the query, key and value
    /// gradients into `dqkv`.
    private func attentionBackward(
        dout: UnsafePointer<S>, qkv: UnsafePointer<S>, att: UnsafePointer<S>, dqkv: UnsafeMutablePointer<S>,
        B: Int, T: Int
    ) {
        let d = config.dModel, H = config.heads, hd = config.headDim
        let scale = 1 / S(hd).squareRoot()
        let parts = B >= Parallel.chunks && B * T * T * d >= 1 << 14 ? Parallel.chunks : 1
        Parallel.forEach(parts) { part in
            let da = UnsafeMutablePointer<S>.allocate(capacity: T * T)
            defer { da.deallocate() }
            for b in Parallel.slice(part, of: parts, B) {
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

    /// Backward pass after `forward` on the same batch and workspace: writes the gradient of the
    /// mean loss with respect to every parameter into `grads` (overwriting it).
    func backward(_ batch: Batch, _ ws: Workspace<S>, grads: inout [S]) {
        let c = config, B = batch.batchSize, T = batch.length, BT = B * T
        let d = c.dModel, F = c.mlpHidden, V = c.vocabSize, H = c.heads, hd = c.headDim
        precondition(grads.count == layout.count)
        let count = batch.targetCount
        params.withUnsafeBufferPointer { pb in
            grads.withUnsafeMutableBufferPointer { gb in
                let P = pb.baseAddress!, G = gb.baseAddress!
                G.update(repeating: 0, count: layout.count)
                // dLoss/dlogits = (p − onehot)/count at target positions.
                let dl = ws.dlogits.p
                let invCount = count > 0 ? 1 / S(count) : 0
                for r in 0..<BT {
                    let target = Int(batch.targets[r])
                    let row = dl + r * V, pr = ws.probs.p + r * V
                    if target < 0 {
                        for v in 0..<V { row[v] = 0 }
                    } else {
                        for v in 0..<V { row[v] = pr[v] * invCount }
                        row[target] -= invCount
                    }
                }
                // Head: logits = nf · Wᵀ.
                let dnf = ws.dsmall.p
                S.parallelGemm(transA: false, transB: false, m: BT, n: d, k: V, alpha: 1, a: dl, lda: V,
                       b: P + layout.head, ldb: d, beta: 0, c: dnf, ldc: d)
                S.parallelGemm(transA: true, transB: false, m: V, n: d, k: BT, alpha: 1, a: dl, lda: V,
                       b: ws.nf.p, ldb: d, beta: 1, c: G + layout.head, ldc: d)
                let dres = ws.dres.p, dmid = ws.dmid.p
                dres.update(repeating: 0, count: BT * d)
                normBackwardParallel(
                    c.norm, dout: dnf, x: ws.residual.p + c.layers * BT * d, weight: P + layout.normFW,
                    mean: ws.meanF.p, rstd: ws.rstdF.p, dx: dres, dweight: G + layout.normFW,
                    dbias: layout.normFB >= 0 ? G + layout.normFB : nil, rows: BT, d: d)
                for l in stride(from: c.layers - 1, through: 0, by: -1) {
                    let blk = layout.blocks[l]
                    let x = ws.residual.p + l * BT * d, mid = ws.mid.p + l * BT * d
                    let n1 = ws.n1.p + l * BT * d, n2 = ws.n2.p + l * BT * d
                    let qkv = ws.qkv.p + l * BT * 3 * d, att = ws.att.p + l * B * H * T * T
                    let atty = ws.atty.p + l * BT * d
                    let fcPre = ws.fcPre.p + l * BT * F, fcAct = ws.fcAct.p + l * BT * F, fcSig = ws.fcSig.p + l * BT * F
                    // MLP branch: out = mid + gelu(n2 · Wfcᵀ) · Wprojᵀ.
                    dmid.update(from: dres, count: BT * d)
                    let dbig = ws.dbig.p
                    S.parallelGemm(transA: false, transB: false, m: BT, n: F, k: d, alpha: 1, a: dres, lda: d,
                           b: P + blk.fcProj, ldb: F, beta: 0, c: dbig, ldc: F)
                    S.parallelGemm(transA: true, transB: false, m: d, n: F, k: BT, alpha: 1, a: dres, lda: d,
                           b: fcAct, ldb: F, beta: 1, c: G + blk.fcProj, ldc: F)
                    let parts = BT * F >= 1 << 14 ? Parallel.chunks : 1
                    Parallel.forEach(parts) { i in
                        let r = Parallel.slice(i, of: parts, BT * F)
                        geluBackward(fcPre + r.lowerBound, sig: fcSig + r.lowerBound, dbig + r.lowerBound, count: r.count)
                    }
                    let dn2 = ws.dsmall.p
                    S.parallelGemm(transA: false, transB: false, m: BT, n: d, k: F, alpha: 1, a: dbig, lda: F,
                           b: P + blk.fc, ldb: d, beta: 0, c: dn2, ldc: d)
                    S.parallelGemm(transA: true, transB: false, m: F, n: d, k: BT, alpha: 1, a: dbig, lda: F,
                           b: n2, ldb: d, beta: 1, c: G + blk.fc, ldc: d)
                    normBackwardParallel(
                        c.norm, dout: dn2, x: mid, weight: P + blk.norm2W, mean: ws.mean2.p + l * BT,
                        rstd: ws.rstd2.p + l * BT, dx: dmid, dweight: G + blk.norm2W,
                        dbias: blk.norm2B >= 0 ? G + blk.norm2B : nil, rows: BT, d: d)
                    // Attention branch: mid = x + attn(n1) · Wprojᵀ.
                    dres.update(from: dmid, count: BT * d)
                    let datty = ws.dsmall.p
                    S.parallelGemm(transA: false, transB: false, m: BT, n: d, k: d, alpha: 1, a: dmid, lda: d,
                           b: P + blk.proj, ldb: d, beta: 0, c: datty, ldc: d)
                    S.parallelGemm(transA: true, transB: false, m: d, n: d, k: BT, alpha: 1, a: dmid, lda: d,
                           b: atty, ldb: d, beta: 1, c: G + blk.proj, ldc: d)
                    let dqkv = ws.dqkv.p
                    attentionBackward(dout: datty, qkv: qkv, att: att, dqkv: dqkv, B: B, T: T)
                    if c.position == .rope {
                        ws.rope.cos.withUnsafeBufferPointer { cb in
                            ws.rope.sin.withUnsafeBufferPointer { sb in
                                for r in 0..<BT {
                                    let t = r % T, half = hd / 2
                                    let row = dqkv + r * 3 * d
                                    ropeRotate(row, heads: H, headDim: hd, cos: cb.baseAddress! + t * half,
                                               sin: sb.baseAddress! + t * half, inverse: true)
                                    ropeRotate(row + d, heads: H, headDim: hd, cos: cb.baseAddress! + t * half,
                                               sin: sb.baseAddress! + t * half, inverse: true)
                                }
                            }
                        }
                    }
                    let dn1 = ws.dsmall.p
                    S.parallelGemm(transA: false, transB: false, m: BT, n: d, k: 3 * d, alpha: 1, a: dqkv, lda: 3 * d,
                           b: P + blk.qkv, ldb: d, beta: 0, c: dn1, ldc: d)
                    S.parallelGemm(transA: true, transB: false, m: 3 * d, n: d, k: BT, alpha: 1, a: dqkv, lda: 3 * d,
                           b: n1, ldb: d, beta: 1, c: G + blk.qkv, ldc: d)
                    normBackwardParallel(
                        c.norm, dout: dn1, x: x, weight: P + blk.norm1W, mean: ws.mean1.p + l * BT,
                        rstd: ws.rstd1.p + l * BT, dx: dres, dweight: G + blk.norm1W,
                        dbias: blk.norm1B >= 0 ? G + blk.norm1B : nil, rows: BT, d: d)
                }
                // Embeddings.
                for r in 0..<BT {
                    let tok = Int(batch.tokens[r]), t = r % T
                    let g = G + layout.tokEmb + tok * d, dr = dres + r * d
                    for j in 0..<d { g[j] += dr[j] }
                    if layout.posEmb >= 0 {
                        let gp = G + layout.posEmb + t * d
                        for j in 0..<d { gp[j] += dr[j] }
                    }
                }
            }
        }
    }
}

