import Kernels

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
    private let d: Int, F: Int, H: Int

    init(config c: TransformerConfig, batchSize B: Int, length T: Int) {
        self.B = B
        self.T = T
        let BT = B * T, d = c.dModel, L = c.layers, F = c.mlpHidden, V = c.vocabSize
        (self.d, self.F, H) = (d, F, c.heads)
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
        OpenBLAS.useSingleThread()
    }

    /// Block `l`'s slices of the saved activations.
    func block(_ l: Int) -> BlockActivations<S> {
        let BT = B * T
        return BlockActivations(
            x: residual.p + l * BT * d, mid: mid.p + l * BT * d, out: residual.p + (l + 1) * BT * d,
            n1: n1.p + l * BT * d, mean1: mean1.p + l * BT, rstd1: rstd1.p + l * BT,
            qkv: qkv.p + l * BT * 3 * d, att: att.p + l * B * H * T * T, atty: atty.p + l * BT * d,
            n2: n2.p + l * BT * d, mean2: mean2.p + l * BT, rstd2: rstd2.p + l * BT,
            fcPre: fcPre.p + l * BT * F, fcAct: fcAct.p + l * BT * F, fcSig: fcSig.p + l * BT * F)
    }
}

/// One block's activations inside a ``Workspace``, in the order the forward pass makes them.
struct BlockActivations<S: NetworkScalar> {
    /// Input stream, stream after attention, output stream (BT × d).
    let x, mid, out: UnsafeMutablePointer<S>
    /// First norm's output (BT × d) and its statistics (BT).
    let n1, mean1, rstd1: UnsafeMutablePointer<S>
    /// Queries, keys, values (BT × 3d), attention probabilities (B × H × T × T), output (BT × d).
    let qkv, att, atty: UnsafeMutablePointer<S>
    /// Second norm's output and statistics.
    let n2, mean2, rstd2: UnsafeMutablePointer<S>
    /// MLP pre-activation, activation and GELU's σ(2u) (BT × mlpHidden).
    let fcPre, fcAct, fcSig: UnsafeMutablePointer<S>
}

/// The network, generic over the scalar so the tests can run the very same code in Double.
///
/// Forward and backward are short sequences of layer calls (Layers.swift, Attention.swift) over
/// the flat buffers of a ``Workspace``; each layer's backward sits beside its forward.
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
        let c = config, BT = batch.batchSize * batch.length, d = c.dModel
        precondition(ws.B == batch.batchSize && ws.T == batch.length)
        return params.withUnsafeBufferPointer { pb in
            let P = pb.baseAddress!
            embeddingForward(tokens: batch.tokens, length: batch.length, tokenEmbedding: P + layout.tokEmb,
                             positionEmbedding: layout.posEmb >= 0 ? P + layout.posEmb : nil,
                             out: ws.residual.p, d: d)
            for l in 0..<c.layers { blockForward(l, P, ws) }
            normForwardParallel(
                c.norm, x: ws.residual.p + c.layers * BT * d, weight: P + layout.normFW,
                bias: layout.normFB >= 0 ? P + layout.normFB : nil,
                out: ws.nf.p, mean: ws.meanF.p, rstd: ws.rstdF.p, rows: BT, d: d)
            linearForward(ws.nf.p, weight: P + layout.head, out: ws.logits.p, rows: BT, inputs: d,
                          outputs: c.vocabSize)
            return crossEntropyForward(logits: ws.logits.p, probs: ws.probs.p, targets: batch.targets, rows: BT,
                                       vocabulary: c.vocabSize)
        }
    }

    /// Backward pass after `forward` on the same batch and workspace: writes the gradient of the
    /// mean loss with respect to every parameter into `grads` (overwriting it).
    func backward(_ batch: Batch, _ ws: Workspace<S>, grads: inout [S]) {
        let c = config, BT = batch.batchSize * batch.length, d = c.dModel
        precondition(grads.count == layout.count)
        params.withUnsafeBufferPointer { pb in
            grads.withUnsafeMutableBufferPointer { gb in
                let P = pb.baseAddress!, G = gb.baseAddress!
                G.update(repeating: 0, count: layout.count)
                crossEntropyBackward(probs: ws.probs.p, targets: batch.targets, targetCount: batch.targetCount,
                                     dlogits: ws.dlogits.p, rows: BT, vocabulary: c.vocabSize)
                let dnf = ws.dsmall.p
                linearBackward(ws.dlogits.p, input: ws.nf.p, weight: P + layout.head, dinput: dnf,
                               dweight: G + layout.head, rows: BT, inputs: d, outputs: c.vocabSize)
                ws.dres.p.update(repeating: 0, count: BT * d)
                normBackwardParallel(
                    c.norm, dout: dnf, x: ws.residual.p + c.layers * BT * d, weight: P + layout.normFW,
                    mean: ws.meanF.p, rstd: ws.rstdF.p, dx: ws.dres.p, dweight: G + layout.normFW,
                    dbias: layout.normFB >= 0 ? G + layout.normFB : nil, rows: BT, d: d)
                for l in stride(from: c.layers - 1, through: 0, by: -1) { blockBackward(l, P, G, ws) }
                embeddingBackward(tokens: batch.tokens, length: batch.length, dout: ws.dres.p,
                                  dTokenEmbedding: G + layout.tokEmb,
                                  dPositionEmbedding: layout.posEmb >= 0 ? G + layout.posEmb : nil, d: d)
            }
        }
    }

    /// Block `l`: mid = x + attention(norm1(x)) · Wprojᵀ, then out = mid + gelu(norm2(mid) · Wfcᵀ) · Wfcprojᵀ.
    private func blockForward(_ l: Int, _ P: UnsafePointer<S>, _ ws: Workspace<S>) {
        let c = config, w = layout.blocks[l], a = ws.block(l), BT = ws.B * ws.T, d = c.dModel, F = c.mlpHidden
        normForwardParallel(c.norm, x: a.x, weight: P + w.norm1W, bias: w.norm1B >= 0 ? P + w.norm1B : nil,
                            out: a.n1, mean: a.mean1, rstd: a.rstd1, rows: BT, d: d)
        linearForward(a.n1, weight: P + w.qkv, out: a.qkv, rows: BT, inputs: d, outputs: 3 * d)
        if c.position == .rope { ropeRows(a.qkv, rows: BT, length: ws.T, heads: c.heads, table: ws.rope, inverse: false) }
        attentionForward(qkv: a.qkv, att: a.att, out: a.atty, batchSize: ws.B, length: ws.T, heads: c.heads,
                         headDim: c.headDim, slopes: slopes)
        residualForward(skip: a.x, into: a.mid, count: BT * d)
        linearForward(a.atty, weight: P + w.proj, out: a.mid, rows: BT, inputs: d, outputs: d, accumulate: true)
        normForwardParallel(c.norm, x: a.mid, weight: P + w.norm2W, bias: w.norm2B >= 0 ? P + w.norm2B : nil,
                            out: a.n2, mean: a.mean2, rstd: a.rstd2, rows: BT, d: d)
        linearForward(a.n2, weight: P + w.fc, out: a.fcPre, rows: BT, inputs: d, outputs: F)
        geluForwardParallel(a.fcPre, a.fcAct, sig: a.fcSig, count: BT * F)
        residualForward(skip: a.mid, into: a.out, count: BT * d)
        linearForward(a.fcAct, weight: P + w.fcProj, out: a.out, rows: BT, inputs: F, outputs: d, accumulate: true)
    }

    /// Backward of `blockForward`: on entry `ws.dres` holds dLoss/d(out), on exit dLoss/dx;
    /// parameter gradients are added into `G`.
    private func blockBackward(_ l: Int, _ P: UnsafePointer<S>, _ G: UnsafeMutablePointer<S>, _ ws: Workspace<S>) {
        let c = config, w = layout.blocks[l], a = ws.block(l), BT = ws.B * ws.T, d = c.dModel, F = c.mlpHidden
        let dres = ws.dres.p, dmid = ws.dmid.p, dsmall = ws.dsmall.p, dbig = ws.dbig.p, dqkv = ws.dqkv.p
        residualBackward(dout: dres, skip: dmid, count: BT * d)
        linearBackward(dres, input: a.fcAct, weight: P + w.fcProj, dinput: dbig, dweight: G + w.fcProj,
                       rows: BT, inputs: F, outputs: d)
        geluBackwardParallel(a.fcPre, sig: a.fcSig, dbig, count: BT * F)
        linearBackward(dbig, input: a.n2, weight: P + w.fc, dinput: dsmall, dweight: G + w.fc,
                       rows: BT, inputs: d, outputs: F)
        normBackwardParallel(c.norm, dout: dsmall, x: a.mid, weight: P + w.norm2W, mean: a.mean2, rstd: a.rstd2,
                             dx: dmid, dweight: G + w.norm2W, dbias: w.norm2B >= 0 ? G + w.norm2B : nil,
                             rows: BT, d: d)
        residualBackward(dout: dmid, skip: dres, count: BT * d)
        linearBackward(dmid, input: a.atty, weight: P + w.proj, dinput: dsmall, dweight: G + w.proj,
                       rows: BT, inputs: d, outputs: d)
        attentionBackward(dout: dsmall, qkv: a.qkv, att: a.att, dqkv: dqkv, batchSize: ws.B, length: ws.T,
                          heads: c.heads, headDim: c.headDim)
        if c.position == .rope { ropeRows(dqkv, rows: BT, length: ws.T, heads: c.heads, table: ws.rope, inverse: true) }
        linearBackward(dqkv, input: a.n1, weight: P + w.qkv, dinput: dsmall, dweight: G + w.qkv,
                       rows: BT, inputs: d, outputs: 3 * d)
        normBackwardParallel(c.norm, dout: dsmall, x: a.x, weight: P + w.norm1W, mean: a.mean1, rstd: a.rstd1,
                             dx: dres, dweight: G + w.norm1W, dbias: w.norm1B >= 0 ? G + w.norm1B : nil,
                             rows: BT, d: d)
    }
}
