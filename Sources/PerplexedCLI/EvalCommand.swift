import ArgumentParser
import Foundation
import Reporting
import Transformer

/// `perplexed eval`: accuracy, perplexity and entropy of a checkpoint, per length.
struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a trained checkpoint on the copy or parity task, length by length.",
        discussion: """
            For each length the command reports, over the evaluated bit strings:
              token_acc, seq_acc   greedy accuracy per target position and per whole string
                                   (ties go to 0, as the paper's Eq. 2)
              greedy_pplx          log-perplexity of the correct answer scored along the
                                   model's OWN greedy outputs: the paper's Eq. 3 (nats)
              teacher_pplx         the same with the correct bits fed back (teacher forcing)
              entropy              mean entropy (nats) of the next-token distribution
              max_wrong_p          the largest probability put on a wrong bit

            A low perplexity with a low accuracy is the paper's point: compare greedy_pplx and
            seq_acc beyond the training lengths.

            Strings: all 2^N strings when 2^N <= --samples (exact), otherwise --samples random
            strings drawn from --seed; or exactly the strings given with --strings.

            Examples:
              perplexed eval --checkpoint runs/copy/final.safetensors --task copy --lengths 1-16,32,64
              perplexed eval --checkpoint runs/parity/final.safetensors --task parity --lengths 16,128 --format json
              perplexed eval --checkpoint runs/copy/final.safetensors --task copy --strings 0000000000000001
            """)

    @Option(help: "A checkpoint written by `perplexed train`.")
    var checkpoint: String

    @Option(help: "The task: copy or parity (default: the checkpoint's task).")
    var task: TaskKind?

    @Option(name: .customLong("parity-variant"), help: "Parity targets: running or final (default: the checkpoint's).")
    var parityVariant: ParityVariant?

    @Option(help: "Lengths to evaluate: a comma-separated list of N or A-B ranges, e.g. 1-16,32,128.")
    var lengths: String?

    @Option(help: "Evaluate exactly these bit strings (comma-separated), grouped by length.")
    var strings: String?

    @Option(help: "Strings per length (all strings when there are at most this many).")
    var samples: Int = 1000

    @Option(help: "Seed for drawing strings.")
    var seed: UInt64 = 1

    @Option(help: "Output format: text or json.")
    var format: TableFormat = .text

    func validate() throws {
        try requireTextOrJSON(format)
        guard (1...1_000_000).contains(samples) else {
            throw ValidationError("--samples must be in 1…1000000, got \(samples)")
        }
        guard (lengths == nil) != (strings == nil) else {
            throw ValidationError("give exactly one of --lengths and --strings")
        }
    }

    func run() throws {
        do {
            try execute()
        } catch let e as TransformerError {
            throw TransformerCLIError(e.description)
        }
    }

    private func execute() throws {
        let loaded = try Checkpoint.load(from: URL(fileURLWithPath: checkpoint))
        var spec = loaded.training?.run.task ?? TaskSpec(kind: task ?? .copy)
        guard let kind = task ?? loaded.training?.run.task.kind else {
            throw TransformerCLIError("--task is required: the checkpoint does not record one")
        }
        spec.kind = kind
        if let parityVariant { spec.parityVariant = parityVariant }
        var groups: [[[Int]]] = []
        if let lengths {
            for n in try Self.parseLengths(lengths) {
                groups.append(evaluationStrings(length: n, limit: samples, seed: seed))
            }
        } else if let strings {
            var byLength: [Int: [[Int]]] = [:]
            for s in strings.split(separator: ",") {
                guard !s.isEmpty, s.allSatisfy({ $0 == "0" || $0 == "1" }) else {
                    throw TransformerCLIError("--strings: \"\(s)\" is not a bit string of 0s and 1s")
                }
                byLength[s.count, default: []].append(s.map { $0 == "1" ? 1 : 0 })
            }
            groups = byLength.keys.sorted().map { byLength[$0]! }
        }
        let model = loaded.model
        if model.config.position == .learned {
            let longest = spec.sequenceLength(bits: groups.map { $0[0].count }.max() ?? 0)
            guard longest <= model.config.maxPositions else {
                throw TransformerCLIError(
                    "--lengths: length \(groups.map { $0[0].count }.max()!) needs \(longest) positions but this "
                        + "model's learned position table has \(model.config.maxPositions)")
            }
        }
        var results: [EvaluationResult] = []
        for g in groups { results.append(try evaluate(model: model, task: spec, strings: g)) }
        switch format {
        case .json:
            struct Report: Encodable {
                let checkpoint: String
                let task: TaskKind
                let parityVariant: ParityVariant?
                let step: Int?
                let results: [EvaluationResult]
            }
            print(try JSONValue(encoding: Report(
                checkpoint: checkpoint, task: spec.kind, parityVariant: spec.kind == .parity ? spec.parityVariant : nil,
                step: loaded.training?.step, results: results)).rendered())
        default:  // text: validate() admits text and json only
            print("\(spec.kind.rawValue)\(spec.kind == .parity ? " (\(spec.parityVariant.rawValue))" : "") — \(checkpoint)")
            print("length  strings  token_acc  seq_acc  greedy_pplx  teacher_pplx  entropy  max_wrong_p")
            for r in results {
                print(String(
                    format: "%6d  %7d  %9.4f  %7.4f  %11.5g  %12.5g  %7.4f  %11.4g", r.length, r.sequences,
                    r.tokenAccuracy, r.sequenceAccuracy, r.greedyLogPerplexity, r.teacherForcedLogPerplexity,
                    r.meanEntropy, r.maxWrongProbability))
            }
        }
    }

    /// "1-16,32" → [1, …, 16, 32]; every length must be in 1…100000.
    static func parseLengths(_ text: String) throws -> [Int] {
        var out: [Int] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            let range: ClosedRange<Int>
            if bounds.count == 1, let a = bounds[0] {
                range = a...a
            } else if bounds.count == 2, let a = bounds[0], let b = bounds[1], a <= b {
                range = a...b
            } else {
                throw TransformerCLIError("--lengths: \"\(part)\" is not a length N or a range A-B with A <= B")
            }
            guard range.lowerBound >= 1 && range.upperBound <= 100_000 else {
                throw TransformerCLIError("--lengths: lengths must be in 1…100000, got \(part)")
            }
            out.append(contentsOf: range)
        }
        return out
    }
}
