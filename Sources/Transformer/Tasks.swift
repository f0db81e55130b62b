import Kernels

/// The token ids shared by the copy and parity tasks: the vocabulary {0, 1, |}.
public enum Token {
    public static let zero = 0
    public static let one = 1
    /// The separator `|` (also used as padding, where no loss is taken).
    public static let separator = 2
    /// Candidates for a prediction: the bits only (the paper's Eq. 2 takes the argmax over {0, 1}).
    public static let bits = 0..<2
}

/// The synthetic tasks.
public enum TaskKind: String, Codable, Sendable, CaseIterable {
    /// Read bits b1…bN, then `|`, then emit b1…bN. Loss on the N copy positions.
    case copy
    /// Read bits; predict the parity (XOR) of the bits so far.
    case parity
}

/// Which parity positions carry a target.
public enum ParityVariant: String, Codable, Sendable, CaseIterable {
    /// After every bit, the running parity of the prefix (every position has a target).
    case running
    /// Only after the last bit, the parity of the whole string.
    case final
}

/// A task with its length range: which sequences to draw and where the loss is taken.
public struct TaskSpec: Codable, Sendable, Equatable, Hashable {
    public var kind: TaskKind
    /// Only for parity.
    public var parityVariant: ParityVariant
    /// Shortest bit string drawn for training (≥ 1).
    public var minLength: Int
    /// Longest bit string drawn for training.
    public var maxLength: Int

    /// A task; the default lengths 1…16 are the paper's training range.
    public init(kind: TaskKind, parityVariant: ParityVariant = .running, minLength: Int = 1, maxLength: Int = 16) {
        self.kind = kind
        self.parityVariant = parityVariant
        self.minLength = minLength
        self.maxLength = maxLength
    }

    /// Throws naming the field out of range.
    public func validate() throws {
        guard minLength >= 1 else {
            throw TransformerError.invalidConfiguration("minLength must be >= 1, got \(minLength)")
        }
        guard maxLength >= minLength && maxLength <= 100_000 else {
            throw TransformerError.invalidConfiguration(
                "maxLength must be in \(minLength)…100000 (at least minLength), got \(maxLength)")
        }
    }

    /// The input tokens and per-position targets (−1 = no loss) for one bit string.
    ///
    /// Copy: tokens `b1…bN | b1…bN`; the target after `|` is b1, after the k-th copied bit it is
    /// b(k+1); the last token has no target. Parity: tokens `b1…bN`; the target after bit t is
    /// the parity of b1…bt (running) or, only after bN, the parity of all bits (final).
    public func example(bits: [Int]) -> (tokens: [Int], targets: [Int]) {
        let n = bits.count
        switch kind {
        case .copy:
            let tokens = bits + [Token.separator] + bits
            var targets = [Int](repeating: -1, count: tokens.count)
            for k in 0..<n { targets[n + k] = bits[k] }
            return (tokens, targets)
        case .parity:
            var targets = [Int](repeating: -1, count: n)
            var p = 0
            for t in 0..<n {
                p ^= bits[t]
                if parityVariant == .running || t == n - 1 { targets[t] = p }
            }
            return (bits, targets)
        }
    }

    /// Length of the token sequence for `n` bits.
    public func sequenceLength(bits n: Int) -> Int { kind == .copy ? 2 * n + 1 : n }

    /// A batch of examples with lengths uniform in `minLength…maxLength` and uniform random bits,
    /// padded at the end with `|` (no target) to the longest.
    public func sampleBatch(size: Int, using rng: inout SeededGenerator) -> Batch {
        var examples: [(tokens: [Int], targets: [Int])] = []
        examples.reserveCapacity(size)
        for _ in 0..<size {
            let n = rng.nextInt(in: minLength...maxLength)
            let bits = (0..<n).map { _ in Int(rng.next() & 1) }
            examples.append(example(bits: bits))
        }
        return Self.pad(examples)
    }

    /// Pads examples to a common length with `|` (no target).
    public static func pad(_ examples: [(tokens: [Int], targets: [Int])]) -> Batch {
        let T = examples.map(\.tokens.count).max() ?? 0
        var tokens = [Int32](repeating: Int32(Token.separator), count: examples.count * T)
        var targets = [Int32](repeating: -1, count: examples.count * T)
        for (b, e) in examples.enumerated() {
            for t in 0..<e.tokens.count {
                tokens[b * T + t] = Int32(e.tokens[t])
                targets[b * T + t] = Int32(e.targets[t])
            }
        }
        return Batch(batchSize: examples.count, length: T, tokens: tokens, targets: targets)
    }
}
