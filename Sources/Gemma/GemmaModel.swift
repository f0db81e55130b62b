import Foundation
import GGUF
import Kernels

/// A Gemma 3 text model from a GGUF file, run in float32.
///
/// Matrices stay in the file's quantised blocks and are decoded inside every product
/// (``GemmaWeightStorage/quantised``, the default: about the file's size in memory, and the
/// fastest path where the AVX2 or AVX-512 kernels run), or are dequantised to float32 when the
/// model loads and multiplied with OpenBLAS (``GemmaWeightStorage/float32``: 4 bytes per
/// parameter, 1.1 GB for Gemma 3 270M; the reference). Activations are float32 either way, and
/// the two agree up to the order of their sums. The tokenizer comes from the same file.
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
    /// The network: embeddings, blocks and final norm.
    let text: GemmaTextModel

    /// Threads one forward pass uses.
    public let threads: Int
    /// How the matrices are kept.
    public let weights: GemmaWeightStorage

    /// Loads the model in `path`, checking every tensor's presence and shape. `threads`
    /// defaults to the number of active cores; `weights` says how the matrices are kept. A file
    /// of the default model store is checked against its SHA-256 on first use
    /// (`ModelStore.verifyIfCached`).
    public convenience init(path: String, threads: Int? = nil, weights: GemmaWeightStorage = .quantised) throws(GemmaError) {
        do { try ModelStore().verifyIfCached(path) } catch { throw .store(error) }
        let file = try gguf { () throws(GGUFError) in try GGUFFile(path: path) }
        try self.init(file: file, threads: threads, weights: weights)
    }

    /// Loads the model in an opened GGUF file.
    ///
    /// Gemma splits its work over `threads` itself and sets OpenBLAS to one thread per call
    /// (process-wide, `OpenBLAS.useSingleThread()`): see the Kernels module's `SplitPolicy.balanced` for why.
    public init(file: GGUFFile, threads: Int? = nil, weights: GemmaWeightStorage = .quantised) throws(GemmaError) {
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.weights = weights
        OpenBLAS.useSingleThread()
        let c = try GemmaConfiguration(file: file)
        path = file.path
        configuration = c
        tokenizer = try GemmaTokenizer(file: file)
        guard tokenizer.count == c.vocabularySize else {
            throw .badConfiguration(path: path, "the vocabulary has \(tokenizer.count) tokens but token_embd has \(c.vocabularySize) rows")
        }
        text = try GemmaTextModel(configuration: c, weights: GGUFWeights(file: file, storage: weights))
        warmUp(threads: self.threads)
    }

    /// The final RMSNorm's weight tensor. GGUF files hold Gemma's gain 1 + w with the 1 already
    /// added (llama.cpp's converter adds it), and the model multiplies by the stored value.
    public static let finalNormTensor = "output_norm.weight"

    /// The tensor the output head multiplies by: `output.weight` if the file has one (a
    /// converter may write a copy), else `token_embd.weight`, which Gemma 3 ties to the head
    /// (unscaled: only the input embeddings are multiplied by √d). `present` says whether a
    /// tensor exists.
    public static func outputHeadTensor(present: (String) -> Bool) -> String {
        present("output.weight") ? "output.weight" : "token_embd.weight"
    }

    /// An empty cache for this model.
    public func newCache() -> GemmaCache { GemmaCache(configuration: configuration) }

    /// A cache whose local layers keep every position, as global ones do: the layout before
    /// the rotating cache, kept as a reference for tests.
    func newUnboundedCache() -> GemmaCache { GemmaCache(configuration: configuration, keepingEveryPosition: true) }

    /// Checks `tokens` and runs them after the ones in `cache` (see `GemmaTextModel.forward`).
    /// The context check comes first, before anything is sized by the number of tokens.
    func forward(_ tokens: [Int], cache: inout GemmaCache, logitRows: Range<Int>) throws(GemmaError) -> [[Float]] {
        let c = configuration
        guard !tokens.isEmpty else { throw .emptyInput }
        guard cache.count + tokens.count <= c.contextLength else {
            throw .contextExceeded(path: path, tokens: cache.count + tokens.count, context: c.contextLength)
        }
        for t in tokens where !(0..<c.vocabularySize).contains(t) { throw .invalidToken(t, vocabularySize: c.vocabularySize) }
        return text.forward(tokens, cache: &cache, logitRows: logitRows, threads: threads)
    }

    /// Runs `tokens` after the ones already in `cache`, appends them to it, and returns the
    /// logits (unnormalised log-probabilities over the vocabulary) of the token that follows
    /// the last one. Scoring a long continuation one token at a time is linear in its length.
    /// Throws `contextExceeded` if the cached and new tokens together exceed the context length.
    public func logits(appending tokens: [Int], to cache: inout GemmaCache) throws(GemmaError) -> [Float] {
        try forward(tokens, cache: &cache, logitRows: (tokens.count - 1)..<tokens.count)[0]
    }

    /// Runs `tokens` after the ones already in `cache` and appends them to it, without computing
    /// any logits: the way to extend a cache whose next-token distribution is not needed (it
    /// saves the unembedding, a vocabulary × hidden product).
    public func append(_ tokens: [Int], to cache: inout GemmaCache) throws(GemmaError) {
        _ = try forward(tokens, cache: &cache, logitRows: tokens.count..<tokens.count)
    }

    /// Like `logits(appending:to:)`, but returns the next-token logits after every one of
    /// `tokens` (as for teacher-forced scoring): `result[i]` predicts the token after `tokens[i]`.
    /// Memory: 4 bytes × vocabulary per token (1 MiB per token for Gemma 3).
    public func logitsAtEveryPosition(appending tokens: [Int], to cache: inout GemmaCache) throws(GemmaError) -> [[Float]] {
        try forward(tokens, cache: &cache, logitRows: tokens.indices)
    }

    /// Greedy decoding: the `maxNewTokens` most likely tokens after `prompt` (ties go to the
    /// lower id), stopping early after `stopTokens` (default: EOS and `<end_of_turn>` if present).
    /// Throws `contextExceeded` up front if the prompt and all but the last new token would not
    /// fit the context.
    public func greedy(prompt: [Int], maxNewTokens: Int, stopTokens: Set<Int>? = nil) throws(GemmaError) -> [Int] {
        let stops = stopTokens ?? defaultStopTokens
        // Every generated token but the last is run after the prompt: refuse a request that
        // cannot fit the context before any work, rather than fail part-way through it.
        let (needed, overflow) = prompt.count.addingReportingOverflow(max(0, maxNewTokens - 1))
        guard !overflow, needed <= configuration.contextLength else {
            throw .contextExceeded(path: path, tokens: overflow ? Int.max : needed, context: configuration.contextLength)
        }
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
    public static func logSoftmax(_ logits: [Float]) -> [Float] { Kernels.logSoftmax(logits) }
}
