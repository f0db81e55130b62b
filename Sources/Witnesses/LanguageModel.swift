/// A next-token model: float32 logits over its vocabulary after a token prefix.
///
/// Implementations keep whatever cache makes extending the last prefix by one token cheap (a KV
/// cache), so that scoring a greedy continuation of length N costs O(N) steps, not O(N²).
public protocol LanguageModel {
    /// Number of tokens in the vocabulary (the length of every logits vector).
    var vocabularySize: Int { get }

    /// Logits for the token that follows `prefix` (non-empty).
    mutating func logits(after prefix: [Int]) throws -> [Float]

    /// Scores a draft continuation in batch, as speculative decoding verifies one: the logits
    /// after `prefix + draft[0..<i]` for every `i` in `0..<draft.count` (row `i` is the
    /// distribution the model gives `draft[i]`; the last draft token itself is never run).
    ///
    /// Rows go to `consume` in order, in chunks of at most `chunk` rows (values below 1 count as
    /// 1), with the index in `draft` of each chunk's first row; `consume` returns false to stop
    /// early, and the model then skips the rest of the draft (a greedy copy stops at the first
    /// bit it would not emit). Memory: the model holds at most one chunk of rows at a time,
    /// 4 × vocabulary × `chunk` bytes (32 MiB for 32 rows of Gemma 3's 262,144 tokens), so a
    /// long draft needs no vocabulary × length buffer; what `consume` keeps is its own.
    ///
    /// The default runs `logits(after:)` once per row (one row per chunk): correct for any
    /// model, as slow as step-by-step decoding. A model with a batched forward pass overrides it.
    mutating func logits(
        after prefix: [Int], continuedBy draft: [Int], chunk: Int,
        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool
    ) throws
}

extension LanguageModel {
    /// Step by step: `logits(after:)` at each draft position, each row handed over at once.
    public mutating func logits(
        after prefix: [Int], continuedBy draft: [Int], chunk: Int,
        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool
    ) throws {
        for i in draft.indices {
            let row = try logits(after: prefix + draft[..<i])
            guard try consume(i, [row]) else { return }
        }
    }
}

/// The chunks a draft pass is cut into: 1, 2, 4, … rows, doubling up to `largest`, over
/// `0..<count`. A pass that goes wrong at its first rows (a copy that fails often) then costs
/// about one decoding step, not a chunk's worth of work thrown away, while a long pass soon
/// runs in chunks of `largest` rows.
public struct DraftChunks: Sequence, Sendable {
    /// Rows in the draft.
    public let count: Int
    /// The largest chunk (values below 1 count as 1).
    public let largest: Int

    public init(count: Int, largest: Int) {
        self.count = count
        self.largest = Swift.max(1, largest)
    }

    public func makeIterator() -> AnyIterator<Range<Int>> {
        var start = 0, size = 1
        let (count, largest) = (count, largest)
        return AnyIterator {
            guard start < count else { return nil }
            let chunk = start..<Swift.min(start + size, count)
            start = chunk.upperBound
            size = Swift.min(2 * size, largest)
            return chunk
        }
    }
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
