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

    /// A batched pass over the draft in chunks (`DraftChunks`), each one
    /// `DecodingSession.logitsAtEveryPosition` call, so a pass stopped early runs no further.
    /// The session rolls back exactly (its cache is one row per position), so a later prefix
    /// that diverges inside the draft rewinds to the common part instead of starting over.
    public mutating func logits(
        after prefix: [Int], continuedBy draft: [Int], chunk: Int,
        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool
    ) throws {
        guard !prefix.isEmpty else { throw TransformerError.invalidArgument("prompt must hold at least one token, got none") }
        guard !draft.isEmpty else { return }
        lastLogits = []
        let context = prefix[..<(prefix.count - 1)]
        let common = zip(session.tokens, context).prefix { $0 == $1 }.count
        try session.rewind(to: common)
        // The rest of the context goes with the first chunk; its rows are not handed over.
        var pending = Array(context[common...])
        let scored = [prefix[prefix.count - 1]] + draft.dropLast()
        for range in DraftChunks(count: scored.count, largest: chunk) {
            let rows = try session.logitsAtEveryPosition(appending: pending + scored[range])
            guard try consume(range.lowerBound, Array(rows.suffix(range.count))) else { return }
            pending = []
        }
    }
}
