import ArgumentParser
import Foundation
import Experiments
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

    @Option(help: "Lengths to evaluate: a comma-separated list of N or A-B ranges, each in 1…100000, e.g. 1-16,32,128. A long evaluation prints its estimated time and memory first.")
    var lengths: String?

    @Option(help: "Evaluate exactly these bit strings (comma-separated), grouped by length.")
    var strings: String?

    @Option(parsing: .unconditional, help: "Strings per length (all strings when there are at most this many).")
    var samples: Int = 1000

    @Option(parsing: .unconditional, help: "Seed for drawing strings.")
    var seed: UInt64 = 1

    @Option(help: "Output format: text or json.")
    var format: TableFormat = .text

    func validate() throws {
        try requireTextOrJSON(format)
        try requireFileName(checkpoint, "--checkpoint")
        try flagged { try CheckpointEvaluationConfiguration(checkpoint: checkpoint, strings: .given([]), samples: samples).validate() }
        guard (lengths == nil) != (strings == nil) else {
            throw ValidationError("give exactly one of --lengths and --strings")
        }
        _ = try selection()
    }

    /// The strings to evaluate, as --lengths or --strings give them.
    func selection() throws -> CheckpointEvaluationConfiguration.Strings {
        let selection: CheckpointEvaluationConfiguration.Strings
        do {
            selection = try lengths.map { .lengths(try CheckpointEvaluation.parseLengths($0)) }
                ?? .given(try CheckpointEvaluation.parseBitStrings(strings ?? ""))
        } catch {
            throw ValidationError("\(lengths == nil ? "--strings" : "--lengths"): \(error)")
        }
        if case .given(let given) = selection, given.isEmpty {
            throw ValidationError("--strings needs at least one bit string, got \"\(strings ?? "")\"")
        }
        return selection
    }

    func run() throws {
        let configuration = CheckpointEvaluationConfiguration(
            checkpoint: checkpoint, strings: try selection(), task: task, parityVariant: parityVariant, samples: samples, seed: seed)
        let evaluation: CheckpointEvaluation
        do {
            // Only the up-front estimate of a big evaluation is shown.
            evaluation = try CheckpointEvaluation.run(configuration) { progress in
                if progress.level == .stage { TransformerCLI.printToStderr(progress.message) }
            }
        } catch let e as WorkTooLarge {
            throw CommandFailure("\(lengths == nil ? "--strings" : "--lengths / --samples"): this evaluation \(e); ask for fewer or shorter strings")
        } catch CheckpointEvaluationError.taskNotRecorded {
            throw CommandFailure("--task is required: the checkpoint does not record one")
        } catch let e as CheckpointEvaluationError {
            throw CommandFailure("--lengths: \(e)")
        } catch {
            throw CommandFailure("--checkpoint", error)
        }
        switch format {
        case .json: print(try evaluation.json().rendered())
        default: print(evaluation.text(), terminator: "")  // text: validate() admits text and json only
        }
    }
}
