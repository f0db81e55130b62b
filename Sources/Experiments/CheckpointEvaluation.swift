import Foundation
import Reporting
import Transformer
import Witnesses

/// A list given as text that could not be read: a length list ("1-16,32") or bit strings ("0101,11").
public enum ListParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// An entry that is neither a length N nor a range A-B with A <= B.
    case notALengthOrRange(String)
    /// An entry (a length or a range) reaching outside ``CheckpointEvaluation/lengthRange``.
    case lengthOutOfRange(String)
    /// An entry that is not a non-empty string of 0s and 1s.
    case notABitString(String)

    public var description: String {
        switch self {
        case .notALengthOrRange(let part): return "\"\(part)\" is not a length N or a range A-B with A <= B"
        case .lengthOutOfRange(let part):
            return "lengths must be in \(CheckpointEvaluation.lengthRange.lowerBound)…\(CheckpointEvaluation.lengthRange.upperBound), got \(part)"
        case .notABitString(let part): return "\"\(part)\" is not a bit string of 0s and 1s"
        }
    }
}

/// Why a checkpoint cannot be evaluated as asked.
public enum CheckpointEvaluationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No task was given and the checkpoint (a bare model) records none.
    case taskNotRecorded
    /// Strings of `length` bits need `needed` positions; the model's learned position table has `maximum`.
    case sequenceTooLong(length: Int, needed: Int, maximum: Int)

    public var description: String {
        switch self {
        case .taskNotRecorded: return "a task is required: the checkpoint does not record one"
        case let .sequenceTooLong(length, needed, maximum):
            return "length \(length) needs \(needed) positions but this model's learned position table has \(maximum)"
        }
    }
}

/// What to evaluate a checkpoint on. The defaults are `perplexed eval`'s.
public struct CheckpointEvaluationConfiguration: Sendable, Equatable {
    /// Which bit strings to evaluate.
    public enum Strings: Sendable, Equatable {
        /// For each length: all 2^N strings when there are at most ``CheckpointEvaluationConfiguration/samples``,
        /// otherwise that many drawn from ``CheckpointEvaluationConfiguration/seed``.
        case lengths([Int])
        /// Exactly these bit strings, grouped by length.
        case given([[Int]])
    }

    /// A checkpoint written by ``TrainingRun`` (or any `Checkpoint`).
    public var checkpoint: String
    /// The strings to evaluate.
    public var strings: Strings
    /// The task (nil: the checkpoint's). Default: nil.
    public var task: TaskKind?
    /// Parity targets (nil: the checkpoint's). Default: nil.
    public var parityVariant: ParityVariant?
    /// Strings per length, in 1…1000000. Default: 1000.
    public var samples: Int
    /// Seed for drawing strings. Default: 1.
    public var seed: UInt64

    /// An evaluation of `checkpoint` on `strings`.
    public init(
        checkpoint: String, strings: Strings, task: TaskKind? = nil, parityVariant: ParityVariant? = nil, samples: Int = 1000, seed: UInt64 = 1
    ) {
        self.checkpoint = checkpoint
        self.strings = strings
        self.task = task
        self.parityVariant = parityVariant
        self.samples = samples
        self.seed = seed
    }

    /// Throws if the samples are outside 1…1000000 or a length is outside ``CheckpointEvaluation/lengthRange``.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require((1...1_000_000).contains(samples), "samples", "must be in 1…1000000", samples)
        if case .lengths(let lengths) = strings, let bad = lengths.first(where: { !CheckpointEvaluation.lengthRange.contains($0) }) {
            try ConfigurationError.require(
                false, "lengths", element: "length",
                "must be in \(CheckpointEvaluation.lengthRange.lowerBound)…\(CheckpointEvaluation.lengthRange.upperBound)", bad)
        }
    }
}

/// A checkpoint's accuracy, perplexity and entropy on the copy or parity task, length by length.
public struct CheckpointEvaluation: Sendable {
    /// The lengths a length list may name.
    public static let lengthRange = 1...100_000

    /// The checkpoint evaluated (its path).
    public let checkpoint: String
    /// The task it was evaluated on.
    public let task: TaskSpec
    /// The checkpoint's training step, if it records one.
    public let step: Int?
    /// One result per length, in order.
    public let results: [EvaluationResult]

    /// "1-16,32" → [1, …, 16, 32]: comma-separated lengths N and ranges A-B (A <= B), each in
    /// ``lengthRange``, in the order given.
    public static func parseLengths(_ text: String) throws(ListParseError) -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            let range: ClosedRange<Int>
            if bounds.count == 1, let a = bounds[0] {
                range = a...a
            } else if bounds.count == 2, let a = bounds[0], let b = bounds[1], a <= b {
                range = a...b
            } else {
                throw .notALengthOrRange(String(part))
            }
            guard range.lowerBound >= lengthRange.lowerBound && range.upperBound <= lengthRange.upperBound else {
                throw .lengthOutOfRange(String(part))
            }
            out.append(contentsOf: range)
        }
        return out
    }

    /// "0101,11" → [[0, 1, 0, 1], [1, 1]]: comma-separated strings of 0s and 1s (empty entries skipped).
    public static func parseBitStrings(_ text: String) throws(ListParseError) -> [[Int]] {
        try text.split(separator: ",").map { (s) throws(ListParseError) -> [Int] in
            guard s.allSatisfy({ $0 == "0" || $0 == "1" }) else { throw .notABitString(String(s)) }
            return s.map { $0 == "1" ? 1 : 0 }
        }
    }

    /// Loads the checkpoint and evaluates it on every group of strings, reporting a step per length.
    public static func run(
        _ configuration: CheckpointEvaluationConfiguration, progress: (ExperimentProgress) -> Void = { _ in }
    ) throws -> CheckpointEvaluation {
        try configuration.validate()
        let loaded = try Checkpoint.load(from: URL(fileURLWithPath: configuration.checkpoint))
        var spec = loaded.training?.run.task ?? TaskSpec(kind: configuration.task ?? .copy)
        guard let kind = configuration.task ?? loaded.training?.run.task.kind else { throw CheckpointEvaluationError.taskNotRecorded }
        spec.kind = kind
        if let parityVariant = configuration.parityVariant { spec.parityVariant = parityVariant }
        // The strings of each length are made when that length is evaluated: all of them at once
        // would be lengths × samples × N integers (terabytes for --lengths 1-100000).
        let groups: [(length: Int, count: Int, strings: () -> [[Int]])]
        switch configuration.strings {
        case .lengths(let lengths):
            groups = lengths.map { n in
                (n, n < 62 && (1 << n) <= configuration.samples ? 1 << n : configuration.samples,
                 { evaluationStrings(length: n, limit: configuration.samples, seed: configuration.seed) })
            }
        case .given(let strings):
            let byLength = Dictionary(grouping: strings, by: \.count)
            groups = byLength.keys.sorted().map { n in (n, byLength[n]!.count, { byLength[n]! }) }
        }
        let model = loaded.model
        if model.config.position == .learned, let longest = groups.map(\.length).max() {
            let needed = spec.sequenceLength(bits: longest)
            guard needed <= model.config.maxPositions else {
                throw CheckpointEvaluationError.sequenceTooLong(length: longest, needed: needed, maximum: model.config.maxPositions)
            }
        }
        try announceEstimate(model: model, task: spec, groups: groups.map { ($0.length, $0.count) }, progress: progress)
        var results: [EvaluationResult] = []
        for (i, g) in groups.enumerated() {
            progress(ExperimentProgress(.step, "length \(g.length): \(g.count) strings", completed: i, total: groups.count))
            results.append(try evaluate(model: model, task: spec, strings: g.strings()))
        }
        return CheckpointEvaluation(checkpoint: configuration.checkpoint, task: spec, step: loaded.training?.step, results: results)
    }

    /// For a big evaluation (a sequence past 4,096 positions, or 10^6 positions in all), measures
    /// the model, reports the estimated time and memory as a stage, and refuses what cannot fit.
    /// Each string is decoded twice (greedy, then teacher-forced) for copy, once for parity.
    static func announceEstimate(
        model: TransformerModel, task: TaskSpec, groups: [(length: Int, count: Int)], progress: (ExperimentProgress) -> Void
    ) throws {
        let passes = task.kind == .copy ? 2.0 : 1.0
        let positions = groups.reduce(0.0) { $0 + Double($1.count) * Double(task.sequenceLength(bits: $1.length)) }
        guard let longest = groups.map(\.length).max(),
              task.sequenceLength(bits: longest) > 4096 || passes * positions > 1e6 else { return }
        var copyModel = CopyModel.transformer(TransformerLanguageModel(model))
        let rate = try DecodingRate.measure(&copyModel, prompting: BitCopyPrompting(separator: Token.separator))
        let seconds = groups.reduce(0.0) { total, group in
            let prompt = task.kind == .copy ? group.length + 1 : 0
            let scored = task.sequenceLength(bits: group.length) - prompt
            return total + passes * Double(group.count) * rate.copySeconds(prompt: prompt, copied: scored, certified: false)
        }
        // One length's strings and one decoding cache are held at a time.
        let strings = groups.map { Double($0.count) * Double($0.length) * 8 }.max() ?? 0
        let cache = Double(task.sequenceLength(bits: longest)) * Double(copyModel.cacheBytesPerToken)
        let estimate = WorkEstimate(seconds: seconds, bytes: strings + cache)
        try estimate.checkMemory()
        if estimate.isLarge {
            progress(ExperimentProgress(.stage, "estimated \(estimate.summary) for \(groups.count) length(s), \(Int(positions)) positions (measured on this machine)"))
        }
    }

    /// The checkpoint, task, step and results as JSON.
    public func json() throws -> JSONValue {
        struct Report: Encodable {
            let checkpoint: String
            let task: TaskKind
            let parityVariant: ParityVariant?
            let step: Int?
            let results: [EvaluationResult]
        }
        return try JSONValue(encoding: Report(
            checkpoint: checkpoint, task: task.kind, parityVariant: task.kind == .parity ? task.parityVariant : nil, step: step, results: results))
    }

    /// A title line and one row per length.
    public func text() -> String {
        var lines = [
            "\(task.kind.rawValue)\(task.kind == .parity ? " (\(task.parityVariant.rawValue))" : "") — \(checkpoint)",
            "length  strings  token_acc  seq_acc  greedy_pplx  teacher_pplx  entropy  max_wrong_p",
        ]
        for r in results {
            lines.append(String(
                format: "%6d  %7d  %9.4f  %7.4f  %11.5g  %12.5g  %7.4f  %11.4g", r.length, r.sequences,
                r.tokenAccuracy, r.sequenceAccuracy, r.greedyLogPerplexity, r.teacherForcedLogPerplexity,
                r.meanEntropy, r.maxWrongProbability))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
