import Gemma
import Witnesses

/// A Gemma 3 model as a `LanguageModel`: one KV cache, extended while successive prefixes
/// extend each other (greedy decoding), rebuilt when a prefix diverges.
public struct GemmaLanguageModel: LanguageModel {
    /// The model scored.
    public let model: GemmaModel
    private var cache: GemmaCache
    private var fed: [Int] = []
    private var lastLogits: [Float] = []

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
        if !(prefix.count > fed.count && !fed.isEmpty && Array(prefix.prefix(fed.count)) == fed) {
            cache = model.newCache()
            fed = []
        }
        lastLogits = try model.logits(appending: Array(prefix[fed.count...]), to: &cache)
        fed = prefix
        return lastLogits
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
