import Transformer
import Witnesses

/// The float32 Transformer as a `LanguageModel`: a KV-cache session reused while successive
/// prefixes extend each other (as greedy decoding does), restarted when a prefix diverges.
public struct TransformerLanguageModel: LanguageModel {
    /// The model scored.
    public let model: TransformerModel
    private var session: DecodingSession
    private var lastLogits: [Float] = []

    /// The model with a fresh decoding session.
    public init(_ model: TransformerModel) {
        self.model = model
        session = DecodingSession(model: model)
    }

    /// The model's vocabulary size.
    public var vocabularySize: Int { model.config.vocabSize }

    /// The longest sequence (prompt + copy) the model can score, if its positions are bounded.
    public var maximumSequenceLength: Int? { model.config.position == .learned ? model.config.maxPositions : nil }

    /// Logits after `prefix`, extending the session when `prefix` extends the last one.
    public mutating func logits(after prefix: [Int]) throws -> [Float] {
        let fed = session.tokens
        if prefix.count > fed.count, Array(prefix.prefix(fed.count)) == fed, !fed.isEmpty {
            lastLogits = try session.append(contentsOf: Array(prefix[fed.count...]))
            return lastLogits
        }
        if prefix == fed, !lastLogits.isEmpty { return lastLogits }
        session = DecodingSession(model: model)
        lastLogits = try session.append(contentsOf: prefix)
        return lastLogits
    }
}
