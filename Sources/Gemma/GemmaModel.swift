import CBLAS
import Foundation
import GGUF

/// The keys and values a model has computed so far, one row per token and layer.
///
/// A value type: copying a cache (e.g. to score two continuations of one prompt) shares its
/// storage until one copy grows.
public struct GemmaCache: Sendable {
    /// Number of tokens already processed.
    public private(set) var count = 0
    var keys: [[Float]]
    var values: [[Float]]

    init(layers: Int) {
        keys = Array(repeating: [], count: layers)
        values = Array(repeating: [], count: layers)
    }

    mutating func advance(by n: Int) { count += n }
}

/// One transformer block's weights (names as in the GGUF file, `blk.N.*`).
struct GemmaLayer: Sendable {
    let attentionNorm: [Float]          // attn_norm (GGUF stores 1 + w)
    /// attn_q, attn_k and attn_v stacked: one matrix product gives all three, which keeps
    /// OpenBLAS's threads busier than three thin ones.
    let queryKeyValue: Matrix
    let output: Matrix
    let queryNorm: [Float], keyNorm: [Float]
    let postAttentionNorm: [Float]
    let feedForwardNorm: [Float]
    /// ffn_gate and ffn_up stacked, for the same reason.
    let gateUp: Matrix
    let down: Matrix
    let postFeedForwardNorm: [Float]
    let isGlobal: Bool
}

/// A Gemma 3 text model from a GGUF file, run in float32.
///
/// Weights are dequantised to float32 when the model loads (about 4 bytes per parameter:
/// 1.1 GB for Gemma 3 270M) and multiplied with OpenBLAS. The tokenizer comes from the same file.
///
/// ```swift
/// let model = try GemmaModel(path: "gemma-3-270m-q4_k_m.gguf")
/// var cache = model.newCache()
/// let logits = try model.logits(appending: model.tokenizer.encode("The capital of France is"), to: &cache)
/// ```
public final class GemmaModel: Sendable {
    /// The file the model was loaded from.
    public let path: String
    /// The architecture read from metadata.
    public let configuration: GemmaConfiguration
    /// The tokenizer read from the same file.
    public let tokenizer: GemmaTokenizer
    let embedding: Matrix               // token_embd: vocabulary × hidden
    let outputHead: Matrix?             // output.weight if the file has one; else the embedding
    let layers: [GemmaLayer]
    let finalNorm: [Float]
    let inverseFrequencyLocal: [Float]
    let inverseFrequencyGlobal: [Float]

    /// Threads one forward pass uses.
    public let threads: Int

    /// Loads the model in `path`, checking every tensor's presence and shape. `threads`
    /// defaults to the number of active cores.
    public convenience init(path: String, threads: Int? = nil) throws(GemmaError) {
        let file = try gguf { () throws(GGUFError) in try GGUFFile(path: path) }
        try self.init(file: file, threads: threads)
    }

    /// Loads the model in an opened GGUF file.
    ///
    /// Gemma splits its work over `threads` itself and sets OpenBLAS to one thread per call
    /// (`openblas_set_num_threads(1)`, process-wide): see `inParallel` for why.
    public init(file: GGUFFile, threads: Int? = nil) throws(GemmaError) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        openblas_set_num_threads(1)
        let c = try GemmaConfiguration(file: file)
        path = file.path
        configuration = c
        tokenizer = try GemmaTokenizer(file: file)
        guard tokenizer.count == c.vocabularySize else {
            throw .badConfiguration(path: path, "the vocabulary has \(tokenizer.count) tokens but token_embd has \(c.vocabularySize) rows")
        }
        func vector(_ name: String, _ n: Int) throws(GemmaError) -> [Float] {
            let t = try gguf { () throws(GGUFError) in try file.tensor(name) }
            guard t.dimensions == [n] else { throw .badShape(path: file.path, tensor: name, found: t.dimensions, expected: [n]) }
            return try gguf { () throws(GGUFError) in try file.floats(t) }
        }
        func matrix(_ name: String, columns: Int, rows: Int) throws(GemmaError) -> Matrix {
            let t = try gguf { () throws(GGUFError) in try file.tensor(name) }
            guard t.dimensions == [columns, rows] else {
                throw .badShape(path: file.path, tensor: name, found: t.dimensions, expected: [columns, rows])
            }
            return Matrix(rows: rows, columns: columns, values: try gguf { () throws(GGUFError) in try file.floats(t) })
        }
        let d = c.hiddenSize, q = c.headCount * c.headDimension, kv = c.kvHeadCount * c.headDimension
        embedding = try matrix("token_embd.weight", columns: d, rows: c.vocabularySize)
        finalNorm = try vector("output_norm.weight", d)
        var layers: [GemmaLayer] = []
        for i in 0..<c.layerCount {
            let p = "blk.\(i)."
            layers.append(GemmaLayer(
                attentionNorm: try vector(p + "attn_norm.weight", d),
                queryKeyValue: stack([try matrix(p + "attn_q.weight", columns: d, rows: q),
                                      try matrix(p + "attn_k.weight", columns: d, rows: kv),
                                      try matrix(p + "attn_v.weight", columns: d, rows: kv)]),
                output: try matrix(p + "attn_output.weight", columns: q, rows: d),
                queryNorm: try vector(p + "attn_q_norm.weight", c.headDimension),
                keyNorm: try vector(p + "attn_k_norm.weight", c.headDimension),
                postAttentionNorm: try vector(p + "post_attention_norm.weight", d),
                feedForwardNorm: try vector(p + "ffn_norm.weight", d),
                gateUp: stack([try matrix(p + "ffn_gate.weight", columns: d, rows: c.intermediateSize),
                               try matrix(p + "ffn_up.weight", columns: d, rows: c.intermediateSize)]),
                down: try matrix(p + "ffn_down.weight", columns: c.intermediateSize, rows: d),
                postFeedForwardNorm: try vector(p + "post_ffw_norm.weight", d),
                isGlobal: c.isGlobal(layer: i)))
        }
        self.layers = layers
        // Gemma 3 ties the output head to the embedding; a converter may still write a copy.
        outputHead = file.tensors.contains { $0.name == "output.weight" }
            ? try matrix("output.weight", columns: d, rows: c.vocabularySize) : nil
        // RoPE frequencies as the reference computes them: base^(-2i/d), divided by the
        // linear scaling factor on global layers.
        func frequencies(base: Float, scale: Float) -> [Float] {
            (0..<(c.headDimension / 2)).map { i in
                Float(1 / pow(Double(base), Double(2 * i) / Double(c.headDimension))) / scale
            }
        }
        inverseFrequencyLocal = frequencies(base: c.ropeBaseLocal, scale: 1)
        inverseFrequencyGlobal = frequencies(base: c.ropeBaseGlobal, scale: c.ropeScalingGlobal)
        warmUp(threads: self.threads)
    }

    /// An empty cache for this model.
    public func newCache() -> GemmaCache { GemmaCache(layers: configuration.layerCount) }

    /// Runs `tokens` after the ones already in `cache`, appends them to it, and returns the
    /// logits (unnormalised log-probabilities over the vocabulary) of the token that follows
    /// the last one. Scoring a long continuation one token at a time is linear in its length.
    public func logits(appending tokens: [Int], to cache: inout GemmaCache) throws(GemmaError) -> [Float] {
        try forward(tokens, cache: &cache, allPositions: false)[0]
    }

    /// Like `logits(appending:to:)`, but returns the next-token logits after every one of
    /// `tokens` (as for teacher-forced scoring): `result[i]` predicts the token after `tokens[i]`.
    /// Memory: 4 bytes × vocabulary per token (1 MiB per token for Gemma 3).
    public func logitsAtEveryPosition(appending tokens: [Int], to cache: inout GemmaCache) throws(GemmaError) -> [[Float]] {
        try forward(tokens, cache: &cache, allPositions: true)
    }

    /// Greedy decoding: the `maxNewTokens` most likely tokens after `prompt` (ties go to the
    /// lower id), stopping early after `stopTokens` (default: EOS and `<end_of_turn>` if present).
    public func greedy(prompt: [Int], maxNewTokens: Int, stopTokens: Set<Int>? = nil) throws(GemmaError) -> [Int] {
        let stops = stopTokens ?? defaultStopTokens
        var cache = newCache()
        var logits = try logits(appending: prompt, to: &cache)
        var out: [Int] = []
        while out.count < maxNewTokens {
            let next = Self.argmax(logits)
            out.append(next)
            if stops.contains(next) || out.count == maxNewTokens { break }
            logits = try self.logits(appending: [next], to: &cache)
        }
        return out
    }

    /// EOS and, if the vocabulary has it, `<end_of_turn>`.
    public var defaultStopTokens: Set<Int> {
        var s: Set<Int> = [tokenizer.eos]
        if let i = tokenizer.pieces.firstIndex(of: "<end_of_turn>") { s.insert(i) }
        return s
    }

    /// The index of the largest value (the first one on ties).
    public static func argmax(_ v: [Float]) -> Int {
        var best = 0
        for i in v.indices where v[i] > v[best] { best = i }
        return best
    }

    /// Log-softmax of `logits` (natural logarithm), computed stably.
    public static func logSoftmax(_ logits: [Float]) -> [Float] {
        let m = logits.max() ?? 0
        var sum: Double = 0
        for l in logits { sum += Double(exp(l - m)) }
        let lse = m + Float(log(sum))
        return logits.map { $0 - lse }
    }
}
