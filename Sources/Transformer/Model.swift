import Kernels

/// A float32 decoder-only Transformer: its configuration and its parameters.
///
/// A value type: copies share storage until one is modified. Train it with `Trainer`, save and
/// load it with `Checkpoint`, and run it token by token with `DecodingSession`.
public struct TransformerModel: Sendable, Equatable {
    /// The shape of the network.
    public var config: TransformerConfig { network.config }
    /// Where each named tensor lives in `parameters`.
    public var layout: ParameterLayout { network.layout }
    /// All parameters in one flat buffer, in `layout` order.
    public var parameters: [Float] {
        get { network.params }
        set {
            precondition(newValue.count == network.params.count, "parameter count must not change")
            network.params = newValue
        }
    }

    var network: Network<Float>

    /// A freshly initialised model: weights from N(0, 0.02²) drawn from a generator seeded with
    /// `seed`, the output projections of each block scaled down by √(2·layers) (GPT-2's scheme,
    /// so the residual stream does not grow with depth), norm gains 1, biases 0.
    public init(config: TransformerConfig, seed: UInt64) throws {
        try config.validate()
        let layout = ParameterLayout(config)
        var rng = SeededGenerator(seed: seed)
        var p = [Float](repeating: 0, count: layout.count)
        let residualScale = 1 / (2 * Double(max(config.layers, 1))).squareRoot()
        for t in layout.tensors {
            let isGain = t.shape.count == 1 && t.name.hasSuffix(".weight")
            let isBias = t.name.hasSuffix(".bias")
            let isResidualOut = t.name.hasSuffix("attn.proj.weight") || t.name.hasSuffix("mlp.proj.weight")
            for i in 0..<t.count {
                let value: Double
                if isGain { value = 1 } else if isBias { value = 0 } else {
                    value = 0.02 * rng.nextGaussian() * (isResidualOut ? residualScale : 1)
                }
                p[t.offset + i] = Float(value)
            }
        }
        network = Network(config: config, params: p)
    }

    /// A model with the given parameters (count must equal `ParameterLayout(config).count`).
    public init(config: TransformerConfig, parameters: [Float]) throws {
        try config.validate()
        let layout = ParameterLayout(config)
        guard parameters.count == layout.count else {
            throw TransformerError.invalidArgument(
                "parameters must hold \(layout.count) values for this configuration, got \(parameters.count)")
        }
        network = Network(config: config, params: parameters)
    }

    /// Number of trainable scalars.
    public var parameterCount: Int { network.params.count }

    /// Mean cross-entropy of `batch` (over the positions with a target), without gradients.
    public func loss(_ batch: Batch) -> Float {
        let ws = Workspace<Float>(config: config, batchSize: batch.batchSize, length: batch.length)
        return network.forward(batch, ws)
    }

    /// Next-token logits at every position of `batch` (rows of `vocabSize`), by the batched
    /// training forward pass (no cache). Mostly for checking `DecodingSession`.
    public func logits(_ batch: Batch) -> [Float] {
        let ws = Workspace<Float>(config: config, batchSize: batch.batchSize, length: batch.length)
        network.forward(batch, ws)
        return Array(UnsafeBufferPointer(start: ws.logits.p, count: batch.batchSize * batch.length * config.vocabSize))
    }

    /// Greedy continuation of `prompt` for `count` tokens, choosing only among `candidates`
    /// (all tokens by default) with ties to the lowest id, as the paper's Eq. 2.
    public func greedyDecode(prompt: [Int], count: Int, candidates: Range<Int>? = nil) throws -> [Int] {
        var session = DecodingSession(model: self)
        var logits = try session.append(contentsOf: prompt)
        var out: [Int] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let next = greedyToken(logits, candidates: candidates ?? 0..<config.vocabSize)
            out.append(next)
            if i + 1 < count { logits = try session.append(next) }
        }
        return out
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.config == b.config && a.network.params == b.network.params
    }
}

/// The candidate with the largest logit; ties go to the lowest token id (the paper's Eq. 2:
/// ties always go to 0).
public func greedyToken(_ logits: [Float], candidates: Range<Int>) -> Int {
    precondition(!candidates.isEmpty && candidates.upperBound <= logits.count)
    var best = candidates.lowerBound
    for v in candidates where logits[v] > logits[best] { best = v }
    return best
}

/// Softmax of `logits / temperature` restricted to `candidates`, computed in Double.
public func softmax(_ logits: [Float], temperature: Double = 1, candidates: Range<Int>? = nil) -> [Double] {
    let range = candidates ?? 0..<logits.count
    var probs = [Double](repeating: 0, count: logits.count)
    let mx = range.map { Double(logits[$0]) }.max() ?? 0
    var sum = 0.0
    for v in range {
        probs[v] = expD((Double(logits[v]) - mx) / temperature)
        sum += probs[v]
    }
    for v in range { probs[v] /= sum }
    return probs
}

/// Draws a token from softmax(logits / temperature) over `candidates` with a seeded generator.
/// Temperature 0 is greedy decoding.
public func sampleToken(
    _ logits: [Float], temperature: Double, candidates: Range<Int>? = nil, using rng: inout SeededGenerator
) throws -> Int {
    let range = candidates ?? 0..<logits.count
    guard temperature.isFinite && temperature >= 0 else {
        throw TransformerError.invalidArgument("temperature must be finite and >= 0, got \(temperature)")
    }
    if temperature == 0 { return greedyToken(logits, candidates: range) }
    let probs = softmax(logits, temperature: temperature, candidates: range)
    let u = rng.nextUnit()
    var acc = 0.0
    for v in range {
        acc += probs[v]
        if u < acc { return v }
    }
    return range.upperBound - 1  // rounding left u above the last partial sum
}

#if canImport(Glibc)
import Glibc
#endif
@inline(__always) func expD(_ x: Double) -> Double { exp(x) }
