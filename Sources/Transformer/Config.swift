/// How a Transformer learns where a token sits in its sequence.
///
/// RoPE and ALiBi are *compact* position embeddings (the paper's CPE, which Pasten et al.'s
/// continuity theorem needs); a learned absolute table is not, and `none` relies on the causal
/// mask alone.
public enum PositionScheme: String, Codable, Sendable, CaseIterable {
    /// Rotary embeddings: queries and keys are rotated by an angle proportional to the position.
    case rope
    /// Attention with linear biases: a head-specific penalty proportional to the query–key distance.
    case alibi
    /// A learned table of `maxPositions` vectors added to the token embeddings.
    case learned
    /// No position information beyond the causal mask.
    case none
}

/// The normalisation used before attention, before the MLP and before the output head.
public enum NormKind: String, Codable, Sendable, CaseIterable {
    /// RMSNorm: scale by the inverse root mean square, then by a learned gain.
    case rms
    /// LayerNorm: subtract the mean, divide by the standard deviation, then a learned gain and bias.
    case layer
}

/// The shape of a decoder-only Transformer. Build one with `init(...)`, then `validate()` it
/// (every entry point that takes a configuration validates it).
public struct TransformerConfig: Codable, Sendable, Equatable, Hashable {
    /// Number of token ids; ids are `0..<vocabSize`.
    public var vocabSize: Int
    /// Width of the residual stream.
    public var dModel: Int
    /// Number of attention heads; must divide `dModel`, and the head width must be even for RoPE.
    public var heads: Int
    /// Number of Transformer blocks.
    public var layers: Int
    /// Width of the hidden layer of each block's GELU MLP.
    public var mlpHidden: Int
    /// The position scheme.
    public var position: PositionScheme
    /// The normalisation layer.
    public var norm: NormKind
    /// Whether the output head reuses the token embedding matrix.
    public var tiedHead: Bool
    /// Longest sequence the learned absolute table covers. Only `learned` is limited by it:
    /// RoPE, ALiBi and `none` run at any length.
    public var maxPositions: Int
    /// RoPE's base wavelength (10 000 in the RoPE paper).
    public var ropeBase: Double

    /// A configuration; the defaults are the small copy-task model.
    public init(
        vocabSize: Int = 3, dModel: Int = 64, heads: Int = 4, layers: Int = 3, mlpHidden: Int = 256,
        position: PositionScheme = .rope, norm: NormKind = .layer, tiedHead: Bool = false,
        maxPositions: Int = 64, ropeBase: Double = 10_000
    ) {
        self.vocabSize = vocabSize
        self.dModel = dModel
        self.heads = heads
        self.layers = layers
        self.mlpHidden = mlpHidden
        self.position = position
        self.norm = norm
        self.tiedHead = tiedHead
        self.maxPositions = maxPositions
        self.ropeBase = ropeBase
    }

    /// Width of one attention head.
    public var headDim: Int { dModel / heads }

    /// Throws `TransformerError.invalidConfiguration` naming the first field out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ field: String, _ rule: String, _ value: any CustomStringConvertible) throws {
            if !ok {
                throw TransformerError.invalidConfiguration("\(field) must be \(rule), got \(value)")
            }
        }
        try check((2...1_000_000).contains(vocabSize), "vocabSize", "in 2…1000000", vocabSize)
        try check((1...8192).contains(dModel), "dModel", "in 1…8192", dModel)
        try check((1...1024).contains(heads), "heads", "in 1…1024", heads)
        try check(dModel % heads == 0, "heads", "a divisor of dModel (\(dModel))", heads)
        try check((0...256).contains(layers), "layers", "in 0…256", layers)
        try check((1...65536).contains(mlpHidden), "mlpHidden", "in 1…65536", mlpHidden)
        try check((1...1_000_000).contains(maxPositions), "maxPositions", "in 1…1000000", maxPositions)
        if position == .rope {
            try check(headDim % 2 == 0, "dModel / heads", "even for RoPE", headDim)
            try check(ropeBase.isFinite && ropeBase > 1, "ropeBase", "finite and > 1", ropeBase)
        }
    }
}

/// Errors from the Transformer module. Each message names the argument, the allowed range and
/// the value given.
public enum TransformerError: Error, Equatable, CustomStringConvertible {
    case invalidConfiguration(String)
    case invalidArgument(String)
    case invalidCheckpoint(String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidConfiguration(let m): "invalid Transformer configuration: \(m)"
        case .invalidArgument(let m): "invalid argument: \(m)"
        case .invalidCheckpoint(let m): "invalid checkpoint: \(m)"
        case .io(let m): m
        }
    }
}
