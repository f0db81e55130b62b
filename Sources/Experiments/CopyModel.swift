import Foundation
import Gemma
import Transformer
import Witnesses

/// Where a copy model comes from: a Transformer checkpoint (the toy copy model) or a Gemma 3 GGUF file.
public enum CopyModelSource: Sendable, Equatable {
    /// A `.safetensors` checkpoint written by `Checkpoint` (the `perplexed train` output).
    case checkpoint(path: String)
    /// A Gemma 3 GGUF file, prompted few-shot to copy (``FewShotCopyPrompting``).
    case gemma(path: String)

    /// The file the source names.
    public var path: String {
        switch self {
        case .checkpoint(let path), .gemma(let path): return path
        }
    }
}

/// Why a copy model could not be loaded or cannot score a copy.
public enum CopyModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The named file does not exist.
    case noSuchFile(String)
    /// The file exists but could not be read as a model.
    case unreadable(path: String, reason: String)
    /// A checkpoint whose vocabulary lacks the copy task's three symbols.
    case vocabularyTooSmall(path: String, size: Int)
    /// A copy of `length` bits needs `needed` positions (prompt and copy); the model has `maximum`.
    case sequenceTooLong(length: Int, needed: Int, maximum: Int)

    public var description: String {
        switch self {
        case .noSuchFile(let path): return "no such file: \(path)"
        case let .unreadable(path, reason): return "\(path): \(reason)"
        case let .vocabularyTooSmall(path, size): return "\(path): a copy model needs the vocabulary {0, 1, |}, this one has \(size) tokens"
        case let .sequenceTooLong(length, needed, maximum):
            return "length \(length) needs \(needed) positions (prompt and copy), but this model has \(maximum)"
        }
    }
}

/// The models the witness experiments run, as one `LanguageModel`.
public enum CopyModel: LanguageModel {
    /// The toy copy Transformer.
    case transformer(TransformerLanguageModel)
    /// Gemma 3, prompted few-shot.
    case gemma(GemmaLanguageModel)

    /// Loads the model a source names, with the way it is asked to copy: the bits and `|` for a
    /// checkpoint, the few-shot text prompt for Gemma (its matrices kept as `weights` says).
    public static func load(
        _ source: CopyModelSource, weights: GemmaWeightStorage = .quantised
    ) throws(CopyModelError) -> (model: CopyModel, prompting: any CopyPrompting) {
        let path = source.path
        guard FileManager.default.fileExists(atPath: path) else { throw .noSuchFile(path) }
        switch source {
        case .gemma:
            do {
                let gemma = try GemmaModel(path: path, weights: weights)
                return (.gemma(GemmaLanguageModel(gemma)), try FewShotCopyPrompting(model: gemma))
            } catch {
                throw .unreadable(path: path, reason: "\(error)")
            }
        case .checkpoint:
            let loaded: Checkpoint
            do {
                loaded = try Checkpoint.load(from: URL(fileURLWithPath: path))
            } catch {
                throw .unreadable(path: path, reason: "\(error)")
            }
            guard loaded.model.config.vocabSize >= 3 else { throw .vocabularyTooSmall(path: path, size: loaded.model.config.vocabSize) }
            return (.transformer(TransformerLanguageModel(loaded.model)), BitCopyPrompting(separator: Token.separator))
        }
    }

    /// The vocabulary size of the model inside.
    public var vocabularySize: Int {
        switch self {
        case .transformer(let m): return m.vocabularySize
        case .gemma(let m): return m.vocabularySize
        }
    }

    /// The model inside's logits (its cache carried across calls).
    public mutating func logits(after prefix: [Int]) throws -> [Float] {
        switch self {
        case .transformer(var m):
            defer { self = .transformer(m) }
            return try m.logits(after: prefix)
        case .gemma(var m):
            defer { self = .gemma(m) }
            return try m.logits(after: prefix)
        }
    }

    /// The model inside's batched draft scoring (its cache carried across calls).
    public mutating func logits(
        after prefix: [Int], continuedBy draft: [Int], chunk: Int,
        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool
    ) throws {
        switch self {
        case .transformer(var m):
            defer { self = .transformer(m) }
            try m.logits(after: prefix, continuedBy: draft, chunk: chunk, consume)
        case .gemma(var m):
            defer { self = .gemma(m) }
            try m.logits(after: prefix, continuedBy: draft, chunk: chunk, consume)
        }
    }

    /// The longest sequence (prompt + copy) the model can score, if bounded.
    public var maximumSequenceLength: Int? {
        switch self {
        case .transformer(let m): return m.maximumSequenceLength
        case .gemma(let m): return m.model.configuration.contextLength
        }
    }

    /// The longest sequence (prompt and copy) any copy model is asked to score: 2^20 = 1,048,576
    /// tokens. Models without a position table (RoPE, ALiBi, none) are held to it too, so that a
    /// huge length is refused before anything is allocated.
    public static let sequenceLimit = 1 << 20

    /// The longest copy any model accepts: N bits need at least 2N + 1 positions (the bits, a
    /// separator and the copy), so N ≤ 524,287.
    public static let lengthLimit = (sequenceLimit - 1) / 2

    /// The positions this model can score: its own bound, and never more than `sequenceLimit`.
    public var sequenceCapacity: Int { min(maximumSequenceLength ?? Self.sequenceLimit, Self.sequenceLimit) }

    /// The longest copy this model accepts with `prompting`: the prompt and the copy must fit
    /// in `sequenceCapacity` (for Gemma, the context minus the few-shot prompt). Measured on
    /// one- and two-bit prompts and extended linearly; 0 if not even one bit fits.
    public func maximumLength(prompting: any CopyPrompting) throws -> Int {
        let one = try prompting.prompt(for: [0]).count + 1, two = try prompting.prompt(for: [0, 0]).count + 2
        let perBit = max(1, two - one), capacity = sequenceCapacity
        return capacity < one ? 0 : (capacity - one) / perBit + 1
    }

    /// Checks that a copy of `length` bits (>= 1) fits the model: learned absolute positions and
    /// Gemma's context are bounded, and every model is held to `sequenceLimit`. A length beyond
    /// the capacity is refused before its prompt is built.
    public func checkLength(_ length: Int, prompting: any CopyPrompting) throws {
        guard length >= 1 else { throw WitnessError.invalidLength(length, maximum: nil) }
        let capacity = sequenceCapacity
        guard length <= capacity else { throw WitnessError.invalidLength(length, maximum: try maximumLength(prompting: prompting)) }
        let needed = try prompting.prompt(for: Array(repeating: 0, count: length)).count + length
        if needed > capacity {
            throw CopyModelError.sequenceTooLong(length: length, needed: needed, maximum: capacity)
        }
    }
}
