import Foundation
import Kernels
import QuantisedKernels

/// One transformer block (`blk.N.*`): attention and a GeGLU MLP, each between a norm of its
/// input and a norm of its output, each added back to the residual stream.
struct GemmaBlock: Sendable {
    let attentionNorm: GemmaNorm          // attn_norm
    let attention: GemmaAttention
    let postAttentionNorm: GemmaNorm      // post_attention_norm
    let feedForwardNorm: GemmaNorm        // ffn_norm
    let mlp: GemmaMLP
    let postFeedForwardNorm: GemmaNorm    // post_ffw_norm

    /// Loads block `index`, checking every tensor's presence and shape.
    init(index: Int, configuration c: GemmaConfiguration, weights: some GemmaWeights) throws(GemmaError) {
        let p = "blk.\(index).", d = c.hiddenSize
        attentionNorm = try GemmaNorm(p + "attn_norm.weight", width: d, configuration: c, weights: weights)
        attention = try GemmaAttention(block: index, configuration: c, weights: weights)
        postAttentionNorm = try GemmaNorm(p + "post_attention_norm.weight", width: d, configuration: c, weights: weights)
        feedForwardNorm = try GemmaNorm(p + "ffn_norm.weight", width: d, configuration: c, weights: weights)
        mlp = try GemmaMLP(block: index, configuration: c, weights: weights)
        postFeedForwardNorm = try GemmaNorm(p + "post_ffw_norm.weight", width: d, configuration: c, weights: weights)
    }

    /// Runs the block on the residual stream `x` (`work.rows` tokens at positions `start…`),
    /// storing this layer's keys and values in `cache`.
    func forward(_ x: inout [Float], start: Int, cache: inout KeyValueCache, work: inout GemmaWorkspace, threads: Int) {
        attentionNorm.apply(x, into: &work.hidden, threads: threads)
        attention.forward(&work, start: start, cache: &cache, threads: threads)
        postAttentionNorm.applyInPlace(&work.hidden, addingTo: &x, threads: threads)

        feedForwardNorm.apply(x, into: &work.hidden, threads: threads)
        mlp.forward(&work, threads: threads)
        postFeedForwardNorm.applyInPlace(&work.hidden, addingTo: &x, threads: threads)
    }
}

/// A block's GeGLU feed-forward layer (`blk.N.ffn_*`): down(gelu_tanh(gate(x)) · up(x)).
struct GemmaMLP: Sendable {
    /// ffn_gate and ffn_up stacked: one matrix product gives both.
    let gateUp: WeightMatrix
    let down: WeightMatrix

    /// Loads the MLP of block `index`.
    init(block index: Int, configuration c: GemmaConfiguration, weights: some GemmaWeights) throws(GemmaError) {
        let p = "blk.\(index).", d = c.hiddenSize, f = c.intermediateSize
        gateUp = .stack([try weights.weightMatrix(p + "ffn_gate.weight", columns: d, rows: f),
                         try weights.weightMatrix(p + "ffn_up.weight", columns: d, rows: f)])
        down = try weights.weightMatrix(p + "ffn_down.weight", columns: f, rows: d)
    }

    /// Replaces the normalised inputs in `work.hidden` with the layer's outputs.
    func forward(_ work: inout GemmaWorkspace, threads: Int) {
        let n = work.rows, f = down.columns
        linear(work.hidden, rows: n, gateUp, into: &work.gateUp, threads: threads)
        work.gateUp.withUnsafeBufferPointer { gu in
            work.gate.withUnsafeMutableBufferPointer { g in
                let (input, output) = (SharedPointer(gu.baseAddress!), SharedPointer(g.baseAddress!))
                parallelFor(n, split: .balanced(threads: threads)) { _, tokens in
                    for t in tokens { geluTanhGate(input.pointer + t * 2 * f, into: output.pointer + t * f, count: f) }
                }
            }
        }
        linear(work.gate, rows: n, down, into: &work.hidden, threads: threads)
    }
}

/// Gemma's RMSNorm over rows of `weight.count` values: x / sqrt(mean(x²) + ε) · w, where the
/// GGUF weight already holds 1 + w.
struct GemmaNorm: Sendable {
    let weight: [Float]
    let epsilon: Float

    /// Loads the norm `name`, of `width` values.
    init(_ name: String, width: Int, configuration: GemmaConfiguration, weights: some GemmaWeights) throws(GemmaError) {
        weight = try weights.vector(name, width)
        epsilon = configuration.rmsNormEpsilon
    }

    /// Normalises every row of `x` into `y` (of the same size), rows split over `threads` (each
    /// row's arithmetic is the same whichever thread runs it).
    func apply(_ x: [Float], into y: inout [Float], threads: Int = 1) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in normalise(xp.baseAddress!, yp.baseAddress!, count: xp.count, residual: nil, threads: threads) }
        }
    }

    /// Normalises every row of `x` in place.
    func applyInPlace(_ x: inout [Float], threads: Int = 1) {
        x.withUnsafeMutableBufferPointer { xp in normalise(xp.baseAddress!, xp.baseAddress!, count: xp.count, residual: nil, threads: threads) }
    }

    /// Normalises every row of `x` in place and adds it to `residual` (a block's output joining
    /// the residual stream), in one pass over the rows.
    func applyInPlace(_ x: inout [Float], addingTo residual: inout [Float], threads: Int) {
        precondition(x.count == residual.count, "a residual of another size")
        residual.withUnsafeMutableBufferPointer { rp in
            x.withUnsafeMutableBufferPointer { xp in
                normalise(xp.baseAddress!, xp.baseAddress!, count: xp.count, residual: rp.baseAddress!, threads: threads)
            }
        }
    }

    private func normalise(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
                           residual: UnsafeMutablePointer<Float>?, threads: Int) {
        let width = weight.count, eps = epsilon, rows = count / width
        let (source, target, sum) = (SharedPointer(x), SharedPointer(y), residual.map { SharedPointer($0) })
        weight.withUnsafeBufferPointer { wp in
            let gain = SharedPointer(wp.baseAddress!)
            // A few rows (a decoding step) are not worth a hand-off.
            parallelFor(rows, split: .balanced(threads: rows >= 16 ? threads : 1)) { _, range in
                for r in range {
                    let xr = source.pointer + r * width, yr = target.pointer + r * width
                    let inv = 1 / (dot(xr, xr, width) / Float(width) + eps).squareRoot()
                    for j in 0..<width { yr[j] = xr[j] * inv * gain.pointer[j] }
                    if let sum { for j in 0..<width { sum.pointer[r * width + j] += yr[j] } }
                }
            }
        }
    }
}

/// The buffers a forward pass over `rows` tokens reuses in every block, allocated once per
/// pass.
struct GemmaWorkspace {
    let rows: Int
    /// A block's normalised input, then the output of its attention or MLP.
    var hidden: [Float]
    var queryKeyValue: [Float]
    var queries: [Float]
    var keys: [Float]
    var values: [Float]
    var attended: [Float]
    var gateUp: [Float]
    var gate: [Float]

    init(rows n: Int, configuration c: GemmaConfiguration) {
        let q = c.headCount * c.headDimension, kv = c.kvHeadCount * c.headDimension, f = c.intermediateSize
        func buffer(_ width: Int) -> [Float] { [Float](repeating: 0, count: n * width) }
        rows = n
        hidden = buffer(c.hiddenSize)
        queryKeyValue = buffer(q + 2 * kv)
        queries = buffer(q)
        keys = buffer(kv)
        values = buffer(kv)
        attended = buffer(q)
        gateUp = buffer(2 * f)
        gate = buffer(f)
    }
}

/// y = x · Wᵀ for the first `rows` rows of x (see `multiply`).
func linear(_ x: [Float], rows m: Int, _ w: WeightMatrix, into y: inout [Float], threads: Int) {
    x.withUnsafeBufferPointer { xp in
        y.withUnsafeMutableBufferPointer { yp in multiply(xp.baseAddress!, rows: m, by: w, into: yp.baseAddress!, threads: threads) }
    }
}

/// out[i] = gelu(row[i]) · row[count + i] for i < count (a gate|up row), GELU with the tanh
/// approximation (PyTorch's `gelu_pytorch_tanh`), 0.5·x·(1 + tanh(u)) with
/// u = √(2/π)(x + 0.044715x³), written as x / (1 + e^(−2u)): the same function with one `exp`
/// instead of `tanh`. The exponentials of the whole row are taken by `Float.expInPlace`
/// (vectorised, within about 2 ulp of `exp`; it clamps its argument to ±88, where the GELU is
/// already x or 0 in float32).
@inline(__always)
func geluTanhGate(_ row: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        let x = row[i]
        out[i] = -2 * (0.797_884_56 * (x + 0.044_715 * x * x * x))
    }
    Float.expInPlace(out, count: count)
    for i in 0..<count { out[i] = row[i] / (1 + out[i]) * row[count + i] }
}
