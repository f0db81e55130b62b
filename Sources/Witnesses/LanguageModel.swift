/// A next-token model: float32 logits over its vocabulary after a token prefix.
///
/// Implementations keep whatever cache makes extending the last prefix by one token cheap (a KV
/// cache), so that scoring a greedy continuation of length N costs O(N) steps, not O(N²).
public protocol LanguageModel {
    /// Number of tokens in the vocabulary (the length of every logits vector).
    var vocabularySize: Int { get }

    /// Logits for the token that follows `prefix` (non-empty).
    mutating func logits(after prefix: [Int]) throws -> [Float]
}

/// How a model is asked to copy a bitstring: the prompt for the bits, and the tokens that stand
/// for the bits 0 and 1 in its answer.
///
/// The toy Transformer's prompt is the bits followed by `|`; a language model such as Gemma gets
/// a few-shot text prompt.
public protocol CopyPrompting {
    /// Token ids of the symbols 0 and 1.
    var bitTokens: (zero: Int, one: Int) { get }

    /// The prompt that asks the model to copy `bits` (each 0 or 1).
    func prompt(for bits: [Int]) throws -> [Int]

    /// Tokens that end an answer early (newline, end of text) and are counted when predicted.
    var stopTokens: [Int] { get }
}

/// Errors raised while building witnesses.
public enum WitnessError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLength(Int, maximum: Int?)
    case flipOutOfRange(Int, length: Int)
    case invalidBits(String)
    case baseLengthMismatch(given: Int, length: Int)
    case badLogits(position: Int, reason: String)

    public var description: String {
        switch self {
        case let .invalidLength(n, maximum):
            return "length must be >= 1" + (maximum.map { " and at most \($0) for this model" } ?? "") + ", got \(n)"
        case let .flipOutOfRange(j, length):
            return "flip position must be in 1…\(length) (1-based), got \(j)"
        case let .invalidBits(text):
            return "base bits must be a string of 0s and 1s, got \"\(text)\""
        case let .baseLengthMismatch(given, length):
            return "base bits have length \(given) but the witness length is \(length)"
        case let .badLogits(position, reason):
            return "the model returned unusable logits at copy position \(position): \(reason)"
        }
    }
}

/// The copy task's own vocabulary {0, 1, |}: tokens 0 and 1 are the bits, token 2 the separator.
/// The prompt for b_1…b_N is b_1 … b_N |, as in the paper's section 3.
public struct BitCopyPrompting: CopyPrompting, Sendable {
    /// The separator token `|`.
    public let separator: Int

    public init(separator: Int = 2) { self.separator = separator }

    public var bitTokens: (zero: Int, one: Int) { (0, 1) }
    public var stopTokens: [Int] { [] }

    public func prompt(for bits: [Int]) throws -> [Int] {
        guard bits.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw WitnessError.invalidBits(bits.map(String.init).joined()) }
        return bits + [separator]
    }
}
