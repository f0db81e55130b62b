import GGUF

/// The shape of a Gemma 3 text model, read from a GGUF file's `gemma3.*` metadata.
///
/// Keys that Gemma 3 GGUF files commonly omit take the values of the reference
/// implementation (`transformers`' `Gemma3TextConfig` and llama.cpp): local RoPE base 10000,
/// one global layer in every six, query scale 1/sqrt(head dimension).
public struct GemmaConfiguration: Equatable, Sendable {
    /// Width of the residual stream (`embedding_length`).
    public var hiddenSize: Int
    /// Number of transformer blocks (`block_count`).
    public var layerCount: Int
    /// Width of the GeGLU hidden layer (`feed_forward_length`).
    public var intermediateSize: Int
    /// Query heads (`attention.head_count`).
    public var headCount: Int
    /// Key/value heads, shared by groups of query heads (`attention.head_count_kv`).
    public var kvHeadCount: Int
    /// Per-head width (`attention.key_length`; must equal `attention.value_length`).
    public var headDimension: Int
    /// Number of tokens in the vocabulary (the embedding's row count).
    public var vocabularySize: Int
    /// Longest sequence the model was trained for (`context_length`).
    public var contextLength: Int
    /// RMSNorm epsilon (`attention.layer_norm_rms_epsilon`).
    public var rmsNormEpsilon: Float
    /// RoPE base of the global layers (`rope.freq_base`, 1e6 for Gemma 3).
    public var ropeBaseGlobal: Float
    /// RoPE base of the sliding-window layers (`rope.freq_base_swa` if present, else 10000).
    public var ropeBaseLocal: Float
    /// Linear RoPE position scaling of the global layers (`rope.scaling.factor`, 1 if absent;
    /// 8 for Gemma 3 4B and larger).
    public var ropeScalingGlobal: Float
    /// Keys a local layer can see, the query's own position included (`attention.sliding_window`).
    public var slidingWindow: Int
    /// Every `slidingWindowPattern`-th layer is global (6 for Gemma 3).
    public var slidingWindowPattern: Int
    /// Factor applied to queries before the dot product.
    public var queryScale: Float
    /// `tanh` soft cap on attention scores, if the file asks for one.
    public var attentionSoftcap: Float?
    /// `tanh` soft cap on output logits, if the file asks for one.
    public var finalSoftcap: Float?

    /// Whether layer `index` attends globally (otherwise within `slidingWindow`).
    public func isGlobal(layer index: Int) -> Bool { (index + 1) % slidingWindowPattern == 0 }
}

// In an extension, so that the struct keeps its memberwise initialiser (internal: tests build
// small configurations with it).
extension GemmaConfiguration {
    /// Reads the configuration of `file`, which must hold a `gemma3` model.
    public init(file: GGUFFile) throws(GemmaError) {
        let arch = try gguf { () throws(GGUFError) in try file.string("general.architecture") }
        guard arch == "gemma3" else { throw .wrongArchitecture(path: file.path, found: arch) }
        func int(_ key: String) throws(GemmaError) -> Int { try gguf { () throws(GGUFError) in try file.int("gemma3." + key) } }
        func optional(_ key: String) -> Double? { file.metadata["gemma3." + key]?.double }
        hiddenSize = try int("embedding_length")
        layerCount = try int("block_count")
        intermediateSize = try int("feed_forward_length")
        headCount = try int("attention.head_count")
        kvHeadCount = try int("attention.head_count_kv")
        headDimension = try int("attention.key_length")
        contextLength = try int("context_length")
        slidingWindow = try int("attention.sliding_window")
        rmsNormEpsilon = Float(try gguf { () throws(GGUFError) in try file.double("gemma3.attention.layer_norm_rms_epsilon") })
        ropeBaseGlobal = Float(optional("rope.freq_base") ?? 1_000_000)
        ropeBaseLocal = Float(optional("rope.freq_base_swa") ?? 10_000)
        ropeScalingGlobal = Float(optional("rope.scaling.factor") ?? 1)
        slidingWindowPattern = 6
        queryScale = 1 / Float(headDimension).squareRoot()
        attentionSoftcap = optional("attn_logit_softcapping").map(Float.init)
        finalSoftcap = optional("final_logit_softcapping").map(Float.init)
        vocabularySize = try gguf { () throws(GGUFError) in try file.tensor("token_embd.weight").rowCount }
        // Compared as a Double: the value may be any number, NaN or infinite included.
        if let v = optional("attention.value_length"), v != Double(headDimension) {
            let shown = Int(exactly: v).map(String.init) ?? "\(v)"
            throw .badConfiguration(path: file.path, "value length \(shown) differs from key length \(headDimension)")
        }
        if let scaling = file.metadata["gemma3.rope.scaling.type"]?.string, scaling != "linear", scaling != "none" {
            throw .badConfiguration(path: file.path, "RoPE scaling '\(scaling)' is not supported (only linear)")
        }
        guard hiddenSize > 0, layerCount > 0, headCount > 0, kvHeadCount > 0, headDimension > 0,
              headDimension % 2 == 0, headCount % kvHeadCount == 0, slidingWindow > 0, contextLength > 0,
              ropeScalingGlobal > 0
        else {
            throw .badConfiguration(path: file.path, "sizes must be positive, heads a multiple of key/value heads, head dimension even")
        }
        try checkPlausibility(against: file)
    }

    /// The longest context length accepted from metadata: 2^20 = 1,048,576 tokens (Gemma 3
    /// has 32,768 or 131,072). A larger value is taken for a corrupt file.
    public static let maximumContextLength = 1 << 20

    /// Checks the metadata's counts against what the file holds, before anything is sized by
    /// them: every layer needs its own `blk.N.` tensors, and every width (hidden, feed-forward,
    /// all query heads, all key/value heads) is a dimension of some weight tensor, so it cannot
    /// exceed the largest tensor's element count. Products are overflow-checked.
    private func checkPlausibility(against file: GGUFFile) throws(GemmaError) {
        var layers = Set<Int>()
        for t in file.tensors where t.name.hasPrefix("blk.") {
            if let n = t.name.dropFirst(4).split(separator: ".", maxSplits: 1).first.flatMap({ Int($0) }) { layers.insert(n) }
        }
        guard layerCount <= layers.count else {
            throw .badConfiguration(path: file.path, "block_count \(layerCount) exceeds the \(layers.count) layers whose tensors (blk.N.*) the file holds")
        }
        let largest = file.tensors.map(\.elementCount).max() ?? 0
        let (queryWidth, queryOverflow) = headCount.multipliedReportingOverflow(by: headDimension)
        let (kvWidth, kvOverflow) = kvHeadCount.multipliedReportingOverflow(by: headDimension)
        let widths = [("embedding_length", hiddenSize), ("feed_forward_length", intermediateSize),
                      ("attention.head_count × key_length", queryOverflow ? Int.max : queryWidth),
                      ("attention.head_count_kv × key_length", kvOverflow ? Int.max : kvWidth)]
        for (name, width) in widths where width > largest {
            throw .badConfiguration(path: file.path, "\(name) is \(width), more than the \(largest) weights of the largest tensor")
        }
        guard contextLength <= Self.maximumContextLength else {
            throw .badConfiguration(path: file.path, "context_length \(contextLength) exceeds the supported maximum \(Self.maximumContextLength)")
        }
    }
}

/// Runs a GGUF read, wrapping its error as `GemmaError.file`.
@inline(__always)
func gguf<T>(_ body: () throws(GGUFError) -> T) throws(GemmaError) -> T {
    do { return try body() } catch { throw .file(error) }
}
