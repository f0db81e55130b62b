import Foundation
import Gemma
import Prover
import Testing
import Transformer
@testable import Experiments

/// The tiny run of these tests: one narrow layer, small batches, a few steps.
func tinyRun(steps: Int) -> RunConfig {
    var run = RunConfig(model: TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32), task: TaskSpec(kind: .copy))
    run.training.batchSize = 8
    run.training.steps = steps
    return run
}

func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

@Suite struct TrainingRunTests {
    @Test("a run resumed from its middle checkpoint ends with the same checkpoint, config.json and metrics.csv") func resumeIsExact() throws {
        let whole = scratch("train-whole"), resumed = scratch("train-resumed")
        var reports: [ExperimentProgress] = []
        var run = try TrainingRun(TrainingRunConfiguration(directory: whole, start: .fresh(tinyRun(steps: 4), seed: 3), checkpointEvery: 2))
        let result = try run.train { reports.append($0) }
        #expect(result == TrainingRunResult(finalCheckpoint: whole + "/final.safetensors", metrics: whole + "/metrics.csv", steps: 4,
                                            stepsTrained: 4, seconds: result.seconds))
        #expect(reports.map(\.completed) == [1, 2, 3, 4] && reports.allSatisfy { $0.total == 4 && $0.message.hasPrefix("step \($0.completed)/4  loss ") })
        for name in ["step-000002.safetensors", "step-000004.safetensors", "final.safetensors", "config.json", "metrics.csv"] {
            #expect(FileManager.default.fileExists(atPath: whole + "/" + name), "\(name)")
        }
        let metrics = try #require(bytes(whole + "/metrics.csv"))
        let lines = String(decoding: metrics, as: UTF8.self).split(separator: "\n")
        #expect(lines.first.map(String.init) == TrainingRun.metricsHeader && lines.count == 5)

        // Into a new directory: the same final checkpoint and configuration.
        var continued = try TrainingRun(TrainingRunConfiguration(directory: resumed, start: .resume(checkpoint: whole + "/step-000002.safetensors")))
        #expect(continued.startStep == 2 && continued.replacedSteps == nil && continued.trainer.seed == 3)
        let second = try continued.train()
        #expect(second.stepsTrained == 2 && second.steps == 4)
        #expect(bytes(resumed + "/final.safetensors") == bytes(whole + "/final.safetensors"))
        #expect(bytes(resumed + "/step-000004.safetensors") == bytes(whole + "/step-000004.safetensors"))
        #expect(bytes(resumed + "/config.json") == bytes(whole + "/config.json"))

        // Into its own directory: the rows after the checkpoint are recomputed identically.
        var again = try TrainingRun(TrainingRunConfiguration(directory: whole, start: .resume(checkpoint: whole + "/step-000002.safetensors")))
        _ = try again.train()
        #expect(bytes(whole + "/metrics.csv") == metrics)
        #expect(bytes(resumed + "/final.safetensors") == bytes(whole + "/final.safetensors"))
    }

    @Test("a longer total on resume replaces the saved one and says so") func longerResume() throws {
        let dir = scratch("train-longer")
        var run = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 2))))
        _ = try run.train()
        var longer = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .resume(checkpoint: dir + "/final.safetensors"), steps: 3))
        #expect(longer.replacedSteps == 2 && longer.trainer.run.training.steps == 3)
        #expect(try longer.train().stepsTrained == 1)
    }

    @Test("a checkpoint name that is a symbolic link is written through to its target; the link stays")
    func checkpointThroughSymlink() throws {
        let dir = scratch("train-link"), elsewhere = scratch("train-link-target") + "/kept.safetensors"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: dir + "/final.safetensors", withDestinationPath: elsewhere)
        var run = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 2), seed: 5)))
        _ = try run.train()
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/final.safetensors") == elsewhere)
        // The target holds the final checkpoint, the same bytes as the last periodic one.
        #expect(bytes(elsewhere) != nil && bytes(elsewhere) == bytes(dir + "/step-000002.safetensors"))
    }

    @Test("invalid runs give typed errors: the field and value, a finished run, an occupied directory") func invalid() throws {
        let dir = scratch("train-invalid")
        #expect(throws: ConfigurationError(["checkpointEvery"], "must be >= 1", got: "0")) {
            try TrainingRun(TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 2)), checkpointEvery: 0))
        }
        #expect(throws: ConfigurationError(["steps"], "must be in 1…100000000", got: "-1")) {
            try TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 2)), steps: -1).validate()
        }
        var run = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 1))))
        _ = try run.train()
        var fresh = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 1))))
        #expect(throws: TrainingRunError.directoryHoldsRun(path: dir)) { try fresh.train() }
        var finished = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .resume(checkpoint: dir + "/final.safetensors")))
        #expect(throws: TrainingRunError.alreadyComplete(step: 1, total: 1)) { try finished.train() }
        #expect(throws: TransformerError.self) { try TrainingRun(TrainingRunConfiguration(directory: dir, start: .resume(checkpoint: dir + "/none.safetensors"))) }
    }
}

@Suite struct CheckpointEvaluationTests {
    @Test("length lists: single lengths and ranges in order; anything else is a typed error quoting the entry") func lengthLists() throws {
        #expect(try CheckpointEvaluation.parseLengths("1-3,5") == [1, 2, 3, 5])
        #expect(try CheckpointEvaluation.parseLengths("7") == [7])
        #expect(try CheckpointEvaluation.parseLengths("64,2-2,100000") == [64, 2, 100_000])
        let rejected: [(String, ListParseError)] = [
            ("0", .lengthOutOfRange("0")), ("1-200000", .lengthOutOfRange("1-200000")), ("3-1", .notALengthOrRange("3-1")),
            ("x", .notALengthOrRange("x")), ("", .notALengthOrRange("")), ("1,,2", .notALengthOrRange("")), ("-1", .notALengthOrRange("-1")),
            ("1-2-3", .notALengthOrRange("1-2-3")), ("4, 5", .notALengthOrRange(" 5")),
        ]
        for (text, error) in rejected {
            #expect(throws: error, "\(text)") { try CheckpointEvaluation.parseLengths(text) }
        }
        #expect(ListParseError.lengthOutOfRange("0").description == "lengths must be in 1…100000, got 0")
        #expect(try CheckpointEvaluation.parseBitStrings("0101,11") == [[0, 1, 0, 1], [1, 1]])
        #expect(throws: ListParseError.notABitString("01a")) { try CheckpointEvaluation.parseBitStrings("01,01a") }
    }

    @Test("an evaluation matches Transformer's evaluate on the same strings, grouped by length") func matches() throws {
        let dir = scratch("eval")
        var run = try TrainingRun(TrainingRunConfiguration(directory: dir, start: .fresh(tinyRun(steps: 2))))
        let trained = try run.train()
        let model = try Checkpoint.load(from: URL(fileURLWithPath: trained.finalCheckpoint)).model
        let byLength = try CheckpointEvaluation.run(CheckpointEvaluationConfiguration(checkpoint: trained.finalCheckpoint, strings: .lengths([2, 1]), samples: 3))
        #expect(byLength.step == 2 && byLength.task.kind == .copy)
        #expect(byLength.results == [
            try evaluate(model: model, task: TaskSpec(kind: .copy), strings: evaluationStrings(length: 2, limit: 3, seed: 1)),
            try evaluate(model: model, task: TaskSpec(kind: .copy), strings: evaluationStrings(length: 1, limit: 3, seed: 1)),
        ])
        let given = try CheckpointEvaluation.run(CheckpointEvaluationConfiguration(
            checkpoint: trained.finalCheckpoint, strings: .given([[1, 0, 1], [1], [0, 0, 1]]), task: .parity, parityVariant: .final))
        #expect(given.results.map(\.length) == [1, 3] && given.results.map(\.sequences) == [1, 2])
        #expect(given.text().hasPrefix("parity (final) — \(trained.finalCheckpoint)\nlength  strings"))
    }

    @Test("invalid evaluations give typed errors: samples, lengths, a missing task, too short a position table") func invalid() throws {
        #expect(throws: ConfigurationError(["samples"], "must be in 1…1000000", got: "0")) {
            try CheckpointEvaluation.run(CheckpointEvaluationConfiguration(checkpoint: "none", strings: .lengths([1]), samples: 0))
        }
        #expect(throws: ConfigurationError(["lengths"], element: "length", "must be in 1…100000", got: "0")) {
            try CheckpointEvaluationConfiguration(checkpoint: "none", strings: .lengths([3, 0])).validate()
        }
        let dir = scratch("eval-invalid")
        let bare = dir + "/bare.safetensors"
        try Checkpoint(model: tinyCopyModel).serialized().write(to: URL(fileURLWithPath: bare))
        #expect(throws: CheckpointEvaluationError.taskNotRecorded) {
            try CheckpointEvaluation.run(CheckpointEvaluationConfiguration(checkpoint: bare, strings: .lengths([1])))
        }
        let learned = dir + "/learned.safetensors"
        let config = TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32, position: .learned, maxPositions: 8)
        try Checkpoint(model: TransformerModel(config: config, seed: 1)).serialized().write(to: URL(fileURLWithPath: learned))
        #expect(throws: CheckpointEvaluationError.sequenceTooLong(length: 4, needed: 9, maximum: 8)) {
            try CheckpointEvaluation.run(CheckpointEvaluationConfiguration(checkpoint: learned, strings: .lengths([3, 4]), task: .copy))
        }
    }
}

@Suite struct ModelBenchmarkTests {
    @Test("the benchmark refuses zero or negative sizes, naming the field, its range and the value") func invalid() {
        let model = "/nonexistent.gguf"
        #expect(throws: ConfigurationError(["promptLengths"], element: "length", "must be in 1…1048576", got: "0")) {
            try ModelBenchmark.run(ModelBenchmarkConfiguration(model: model, promptLengths: [16, 0]))
        }
        #expect(throws: ConfigurationError(["decode"], "must be in 0…1048576", got: "-1")) { try ModelBenchmarkConfiguration(model: model, decode: -1).validate() }
        #expect(throws: ConfigurationError(["repeats"], "must be in 1…1000", got: "0")) { try ModelBenchmarkConfiguration(model: model, repeats: 0).validate() }
        #expect(throws: ConfigurationError(["repeats"], "must be in 1…1000", got: "-1")) { try ModelBenchmarkConfiguration(model: model, repeats: -1).validate() }
        #expect(throws: ConfigurationError(["repeats"], "must be in 1…1000", got: "1001")) { try ModelBenchmarkConfiguration(model: model, repeats: 1001).validate() }
        #expect(throws: ConfigurationError(["decode"], "must be in 0…1048576", got: "1048577")) {
            try ModelBenchmarkConfiguration(model: model, decode: 1_048_577).validate()
        }
        #expect(throws: Never.self) { try ModelBenchmarkConfiguration(model: model, promptLengths: [1], decode: 0, repeats: 1).validate() }
    }

    @Test("the prompt ids: BOS, then 7919·i mod 200000 + 1000") func promptIDs() {
        #expect(ModelBenchmark.promptIDs(4) == [2, 8919, 16838, 24757])
        #expect(ModelBenchmark.promptIDs(1) == [2])
    }

    static let gemmaPath = ModelStore().location(of: .gemma3_270m).path

    @Test("a small benchmark on Gemma 3 reports every measurement", .enabled(if: FileManager.default.fileExists(atPath: gemmaPath)))
    func small() throws {
        let bench = try ModelBenchmark.run(ModelBenchmarkConfiguration(model: Self.gemmaPath, promptLengths: [4, 2], decode: 2, repeats: 1, threads: 1))
        #expect(bench.threads == 1 && bench.generated.count == 2 && bench.promptTokensPerSecond.map(\.length) == [4, 2])
        guard case .object(let members) = bench.json() else { Issue.record("not an object"); return }
        #expect(members.map(\.0) == ["decode_steps", "decode_tokens_per_second", "generated", "implementation", "load_seconds", "model",
                                     "prompt_cpu_seconds", "prompt_tokens_per_second", "threads"])
        #expect(bench.text().split(separator: "\n").count == 4)
    }
}

@Suite struct VerificationTests {
    @Test("the table, details and JSON say how much of each claim's domain the machine covers")
    func domains() async throws {
        let result = try await Verification.run(VerificationConfiguration(claims: ["rises-to-one-window", "temperature-factorised", "boole-bound"]))
        #expect(result.failures == 0)
        let table = result.table()
        #expect(table.columns[3] == "domain" && table.rows.map { $0[3] } == ["full (machine)", "part", "part"])
        #expect(result.details(result.entries[0]).contains("  domain covered: full (machine)"))
        #expect(result.details(result.entries[2]).contains("every N ≥ 1"))
        let json = result.json().rendered()
        #expect(json.contains("\"coverage\": \"full_machine\"") && json.contains("\"remainder\": "))
        let factorised = try await Verification.run(VerificationConfiguration(claims: ["temperature-into"]))
        #expect(factorised.json().rendered().contains("\"identity\": \"temperature-factorised\""))
        #expect(factorised.table().rows[0][3] == "full (factorised)")
    }

    @Test("two claims of the catalogue get their expected verdicts, in catalogue order") func twoClaims() async throws {
        var messages: [String] = []
        let result = try await Verification.run(VerificationConfiguration(claims: ["appendix-a-printed", "lemma-3-1-corrected"], budget: 100)) {
            messages.append($0.message)
        }
        #expect(result.entries.map(\.claim.id) == ["lemma-3-1-corrected", "appendix-a-printed"])
        #expect(messages == ["checking lemma-3-1-corrected…", "checking appendix-a-printed…"])
        #expect(result.failures == 0 && result.entries.map(\.verdict.name) == ["proved", "refuted"])
        #expect(result.text().hasSuffix("\nAll 2 verdicts as expected.\n"))
        #expect(result.details(result.entries[1]).contains("  counterexample: "))
    }

    @Test("invalid checks give typed errors: the budget, time limit and precision, and unknown claim ids") func invalid() async {
        await #expect(throws: ConfigurationError(["budget"], "must be in 1…100000000 boxes", got: "0")) { try await Verification.run(VerificationConfiguration(budget: 0)) }
        #expect(throws: ConfigurationError(["timeLimit"], "must be > 0 seconds", got: "-1.0")) { try VerificationConfiguration(timeLimit: -1).validate() }
        #expect(throws: ConfigurationError(["precision"], "must be in 16…4096 bits for the prover", got: "8")) { try VerificationConfiguration(precision: 8).validate() }
        #expect(throws: VerificationError.self) { try Verification.selectedClaims(VerificationConfiguration(claims: ["rises-to-one", "nope"])) }
        do {
            _ = try Verification.selectedClaims(VerificationConfiguration(claims: ["nope"]))
        } catch {
            #expect(error.unknown == ["nope"] && error.known.contains("rises-to-one") && error.known == error.known.sorted())
            #expect(error.description == "unknown claim id 'nope'; `perplexed verify --list` lists the \(error.known.count) claims")
        }
        do {
            _ = try Verification.selectedClaims(VerificationConfiguration(claims: ["rises-to-on", "boole"]))
        } catch {
            #expect(error.description.hasPrefix("unknown claim id 'rises-to-on', 'boole'; did you mean 'rises-to-one' for 'rises-to-on'?"))
        }
    }
}
