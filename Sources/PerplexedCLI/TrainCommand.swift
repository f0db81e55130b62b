import ArgumentParser
import Foundation
import Experiments
import Reporting
import Transformer

/// `perplexed train`: trains a Transformer on the copy or parity task.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a float32 Transformer on the copy or parity task.",
        discussion: """
            Writes into --out DIR:
              config.json                  the full run configuration (defaults filled in)
              metrics.csv                  one row per step: loss, accuracies, learning rate, gradient norm
              step-000100.safetensors …    checkpoints every --checkpoint-every steps
              final.safetensors            the last step's checkpoint

            Checkpoints are safetensors files (Python: safetensors.numpy.load_file) holding the \
            parameters, AdamW's moments and the data generator's state, so `--resume FILE` \
            continues bit-for-bit as if the run had never stopped.

            The model, task and optimiser come from built-in defaults (a 3-layer RoPE model with LayerNorm, \
            64 wide, 4 heads; lengths 1…16; 3000 steps of AdamW at 1e-3 with warm-up and cosine decay) and \
            can be changed with --config FILE, a JSON object with any of the sections \
            "model", "task", "training" and any of their fields, for example
              {"model": {"position": "alibi", "norm": "rms"}, "training": {"steps": 5000}}
            Run `perplexed train --print-config --task copy` to see every field. --task always \
            sets the task kind, whatever the file says.

            Examples:
              perplexed train --task copy --out runs/copy
              perplexed train --task parity --steps 5000 --checkpoint-every 100 --out runs/parity
              perplexed train --resume runs/copy/step-001000.safetensors --out runs/copy
            """)

    @Option(help: "The task: copy or parity. Required unless --resume gives it.")
    var task: TaskKind?

    @Option(name: .customLong("parity-variant"), help: "Parity targets: running (after every bit) or final (last bit only).")
    var parityVariant: ParityVariant?

    @Option(help: "A JSON run configuration (see the discussion above).")
    var config: String?

    @Option(parsing: .unconditional, help: "Total optimiser steps, 1…100000000 (overrides the configuration; default 3000).")
    var steps: Int?

    @Option(name: .customLong("checkpoint-every"), parsing: .unconditional, help: "Write a checkpoint every this many steps.")
    var checkpointEvery: Int = 100

    @Option(parsing: .unconditional, help: "Seed for initialisation and data (any unsigned 64-bit integer; default 1).")
    var seed: UInt64?

    @Option(help: "Output directory (created if missing; must not hold another run unless resuming).")
    var out: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?

    @Flag(name: .customLong("print-config"), help: "Print the full run configuration as JSON and exit.")
    var printConfig = false

    func validate() throws {
        try flagged(renaming: ["directory": "out"]) {
            try TrainingRunConfiguration(directory: out ?? ".", start: .resume(checkpoint: resume ?? ""), checkpointEvery: checkpointEvery, steps: steps).validate()
        }
        if resume != nil && config != nil {
            throw ValidationError("--config cannot be combined with --resume (the checkpoint holds the configuration)")
        }
        if resume != nil && seed != nil {
            throw ValidationError("--seed cannot be combined with --resume (the checkpoint holds the seed and generator state)")
        }
        if resume == nil && task == nil { throw ValidationError("--task is required (copy or parity)") }
        if !printConfig && out == nil { throw ValidationError("--out DIR is required") }
        if let resume { try requireFileName(resume, "--resume") }
        if let config { try requireFileName(config, "--config") }
    }

    func run() throws {
        let start: TrainingRunConfiguration.Start
        if let resume {
            start = .resume(checkpoint: resume)
        } else {
            var run = RunConfig.defaults(for: task!)
            if let config {
                let data: Data
                do { data = try readRegularFile(config) } catch { throw CommandFailure("--config", error) }
                do {
                    run = try JSONDecoder().decode(RunConfig.self, from: data)
                } catch let e as TransformerError {
                    throw CommandFailure("--config \(config): \(e)")
                } catch {
                    throw CommandFailure("--config \(config): not a valid run configuration: \(TransformerCLI.describe(error))")
                }
                run.task.kind = task!
            }
            if let parityVariant { run.task.parityVariant = parityVariant }
            if let steps { run.training.steps = steps }
            do { try run.validate() } catch {
                throw CommandFailure("\(config.map { "--config \($0): " } ?? "")\(error)")
            }
            if printConfig {
                print(try JSONValue(encoding: run).rendered())
                return
            }
            start = .fresh(run, seed: seed ?? 1)
        }
        var training: TrainingRun
        do {
            training = try TrainingRun(TrainingRunConfiguration(directory: out!, start: start, checkpointEvery: checkpointEvery, steps: steps))
        } catch {
            throw CommandFailure(resume == nil ? nil : "--resume", error)
        }
        let saved = training.trainer.run
        if let task, task != saved.task.kind {
            throw CommandFailure("--task \(task.rawValue) differs from the checkpoint's task \(saved.task.kind.rawValue)")
        }
        if let steps, let replaced = training.replacedSteps {
            TransformerCLI.printToStderr("note: --steps \(steps) changes the learning-rate schedule of the saved run "
                     + "(it was \(replaced) steps); the run will differ from an uninterrupted one")
        }
        // Made here, once the run is set up and before training, so that a failure is told in
        // the C library's words (the library's own attempt would be Foundation's).
        try createOutputDirectory(out!, flag: "--out")
        let progress = TransformerProgress()
        let result: TrainingRunResult
        do {
            result = try training.train(progress: progress.update)
        } catch let e as TrainingRunError {
            switch e {
            case let .alreadyComplete(step, total):
                throw CommandFailure("the checkpoint is already at step \(step) of \(total); pass a larger --steps to continue")
            case .cannotCreateDirectory:
                throw CommandFailure("--out: \(e)")
            case let .directoryHoldsRun(path):
                throw CommandFailure("--out \(path) already holds a run (metrics.csv); choose another directory or --resume")
            }
        } catch {
            throw CommandFailure("--out", error)
        }
        progress.finish(result)
        print("wrote \(result.finalCheckpoint) after \(result.steps) steps; metrics in \(result.metrics)")
    }
}
