import Gemma
import Witnesses

/// A Gemma 3 model as a `LanguageModel`: one KV cache, extended while successive prefixes
/// extend each other (greedy decoding), and batched draft passes for verified copies.
///
/// A draft pass runs in chunks (`DraftChunks`: 1, 2, 4, … rows up to the `chunk` asked for),
/// each one forward pass over its tokens with all its rows unembedded, so a pass that the
/// consumer stops early spares both the network and the unembedding of the rest.
///
/// Rolling back after a rejected draft: the cache cannot simply be truncated, since a local
/// layer's ring of `slidingWindow` positions overwrites the oldest ones as a pass goes on (a
/// draft longer than the ring loses positions the rolled-back cache needs again). So before
/// each chunk of a draft pass the cache is snapshotted (a value copy, which shares storage
/// until the chunk writes, then costs one copy of the cache: under 40 MB at 1,000 positions),
/// and a later request that diverges inside that chunk restarts from the snapshot and re-runs
/// only the chunk's accepted tokens (fewer than `chunk`, without unembedding them). A prefix
/// that extends neither the cache nor the snapshot starts over from an empty cache.
public struct GemmaLanguageModel: LanguageModel {
    /// The model scored.
    public let model: GemmaModel
    private var cache: GemmaCache
    private var fed: [Int] = []
    private var lastLogits: [Float] = []
    /// The cache before the latest chunk of a draft pass, and the tokens it holds.
    private var checkpoint: (cache: GemmaCache, fed: [Int])?

    /// The model with a fresh cache.
    public init(_ model: GemmaModel) {
        self.model = model
        cache = model.newCache()
    }

    /// The model's vocabulary size.
    public var vocabularySize: Int { model.configuration.vocabularySize }

    /// Logits after `prefix`, extending the cache when `prefix` extends the last one.
    public mutating func logits(after prefix: [Int]) throws -> [Float] {
        if prefix == fed, !lastLogits.isEmpty { return lastLogits }
        guard !prefix.isEmpty else { throw GemmaError.emptyInput }
        restore(within: prefix[..<(prefix.count - 1)])
        lastLogits = try model.logits(appending: Array(prefix[fed.count...]), to: &cache)
        fed = prefix
        return lastLogits
    }

    /// One pass over the draft in chunks of `chunk` tokens: each chunk extends the cache and
    /// has all its rows unembedded at once (4 × 262,144 × `chunk` bytes), then goes to
    /// `consume`; a chunk refused by `consume` ends the pass, sparing the rest of the draft.
    public mutating func logits(
        after prefix: [Int], continuedBy draft: [Int], chunk: Int,
        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool
    ) throws {
        guard !prefix.isEmpty else { throw GemmaError.emptyInput }
        guard !draft.isEmpty else { return }
        lastLogits = []
        // Row i is the logits after prefix + draft[0..<i]: the tokens run with logits are the
        // prefix's last and every draft token but the last; the rest of the prefix is context.
        let context = prefix[..<(prefix.count - 1)]
        let scored = [prefix[prefix.count - 1]] + draft.dropLast()
        restore(within: context)
        if fed.count < context.count {
            try model.append(Array(context[fed.count...]), to: &cache)
            fed = Array(context)
        }
        for range in DraftChunks(count: scored.count, largest: chunk) {
            let piece = Array(scored[range])
            // A later request can only diverge inside a chunk of two rows or more (after its
            // last row, the cache holds exactly what it needs): only those are snapshotted.
            if piece.count > 1 { checkpoint = (cache, fed) }
            let rows = try model.logitsAtEveryPosition(appending: piece, to: &cache)
            fed += piece
            guard try consume(range.lowerBound, rows) else { return }
        }
    }

    /// Sets the cache to the longest start of `context` it can resume from without running
    /// anything: itself or the checkpoint when they hold a prefix of `context`, else empty.
    private mutating func restore(within context: ArraySlice<Int>) {
        func holds(_ tokens: [Int]) -> Bool { tokens.count <= context.count && context.starts(with: tokens) }
        let resume = holds(fed) ? fed.count : -1
        if let checkpoint, holds(checkpoint.fed), checkpoint.fed.count > resume {
            (cache, fed) = checkpoint
        } else if resume < 0 {
            cache = model.newCache()
            fed = []
        }
    }
}

/// The documented few-shot copy prompt for a text model:
///
///     Copy the bits exactly.
///     Input: 0110100110
///     Output: 0110100110
///     Input: 1110001011010010
///     Output: 1110001011010010
///     Input: 00101101
///     Output: 00101101
///     Input: <the N bits>
///     Output: <the copy is scored here>
///
/// Gemma's tokenizer splits digits, so every bit is one token ("0" or "1"); the answer starts
/// right after "Output: ". A newline or end-of-text predicted before N bits is a premature stop.
public struct FewShotCopyPrompting: CopyPrompting, Sendable {
    /// The model's tokenizer.
    public let tokenizer: GemmaTokenizer
    /// The single tokens of "0" and "1".
    public let bitTokens: (zero: Int, one: Int)
    /// End of text, end of turn and newline: a premature stop when predicted.
    public let stopTokens: [Int]

    /// The three worked examples of the prompt.
    public static let examples = ["0110100110", "1110001011010010", "00101101"]

    /// The prompting for `model`; throws if its tokenizer does not give each bit one token.
    public init(model: GemmaModel) throws {
        tokenizer = model.tokenizer
        let zero = tokenizer.encode("0", addBOS: false), one = tokenizer.encode("1", addBOS: false)
        guard zero.count == 1, one.count == 1 else {
            throw WitnessError.invalidBits("this tokenizer does not encode the bits 0 and 1 as single tokens")
        }
        bitTokens = (zero[0], one[0])
        var stops = Array(model.defaultStopTokens)
        let newline = tokenizer.encode("\n", addBOS: false)
        if newline.count == 1 { stops.append(newline[0]) }
        stopTokens = stops.sorted()
    }

    /// The few-shot prompt for `bits`, BOS first.
    public func prompt(for bits: [Int]) throws -> [Int] {
        guard bits.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw WitnessError.invalidBits(bits.map(String.init).joined()) }
        var text = "Copy the bits exactly.\n"
        for example in Self.examples { text += "Input: \(example)\nOutput: \(example)\n" }
        text += "Input: \(bits.map(String.init).joined())\nOutput: "
        let tokens = tokenizer.encode(text, addBOS: true)
        // The bits must stay single tokens inside the prompt too, or the copy positions shift.
        let (zero, one) = bitTokens
        let input = tokens.filter { $0 == zero || $0 == one }
        guard input.count >= bits.count else {
            throw WitnessError.invalidBits("the prompt's bits did not tokenize one token per bit")
        }
        return tokens
    }
}
