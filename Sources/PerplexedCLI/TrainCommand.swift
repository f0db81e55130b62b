import ArgumentParser
import Foundation
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

    @Option(help: "Total optimiser steps (overrides the configuration; default 3000).")
    var steps: Int?

    @Option(name: .customLong("checkpoint-every"), help: "Write a checkpoint every this many steps.")
    var checkpointEvery: Int = 100

    @Option(help: "Seed for initialisation and data (any unsigned 64-bit integer; default 1).")
    var seed: UInt64?

    @Option(help: "Output directory (created if missing; must not hold another run unless resuming).")
    var out: String?

    @Option(help: "Continue the run saved in this checkpoint.")
    var resume: String?

    @Flag(name: .customLong("print-config"), help: "Print the full run configuration as JSON and exit.")
    var printConfig = false

    func validate() throws {
        guard checkpointEvery >= 1 else {
            throw ValidationError("--checkpoint-every must be >= 1, got \(checkpointEvery)")
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be >= 1, got \(steps)") }
        if resume != nil && config != nil {
            throw ValidationError("--config cannot be combined with --resume (the checkpoint holds the configuration)")
        }
        if resume != nil && seed != nil {
            throw ValidationError("--seed cannot be combined with --resume (the checkpoint holds the seed and generator state)")
        }
        if resume == nil && task == nil { throw ValidationError("--task is required (copy or parity)") }
        if !printConfig && out == nil { throw ValidationError("--out DIR is required") }
    }

    func run() throws {
        do {
            try execute()
        } catch let e as TransformerError {
            throw TransformerCLIError(e.description)
        }
    }

    private func execute() throws {
        var trainer: Trainer
        var checkpointStep = 0
        if let resume {
            let checkpoint = try Checkpoint.load(from: URL(fileURLWithPath: resume))
            trainer = try checkpoint.trainer()
            if let task, task != trainer.run.task.kind {
                throw TransformerCLIError("--task \(task.rawValue) differs from the checkpoint's task \(trainer.run.task.kind.rawValue)")
            }
            if let steps, steps != trainer.run.training.steps {
                var run = trainer.run
                run.training.steps = steps
                trainer = try Trainer(run: run, seed: trainer.seed, model: trainer.model, adamM: trainer.adamM,
                                      adamV: trainer.adamV, step: trainer.step, dataGenerator: trainer.dataGenerator)
                TransformerCLI.printToStderr("note: --steps \(steps) changes the learning-rate schedule of the saved run "
                         + "(it was \(checkpoint.training!.run.training.steps) steps); the run will differ from an uninterrupted one")
            }
            checkpointStep = trainer.step
        } else {
            var run = RunConfig.defaults(for: task!)
            if let config {
                let data: Data
                do { data = try Data(contentsOf: URL(fileURLWithPath: config)) } catch {
                    throw TransformerCLIError("--config: cannot read \(config): \(error.localizedDescription)")
                }
                do {
                    run = try JSONDecoder().decode(RunConfig.self, from: data)
                } catch let e as TransformerError {
                    throw TransformerCLIError("--config \(config): \(e)")
                } catch {
                    throw TransformerCLIError("--config \(config): not a valid run configuration: \(TransformerCLI.describe(error))")
                }
                run.task.kind = task!
            }
            if let parityVariant { run.task.parityVariant = parityVariant }
            if let steps { run.training.steps = steps }
            do { try run.validate() } catch let e as TransformerError {
                throw TransformerCLIError("\(config.map { "--config \($0): " } ?? "")\(e)")
            }
            if printConfig {
                print(try JSONValue(encoding: run).rendered())
                return
            }
            trainer = try Trainer(run: run, seed: seed ?? 1)
        }
        let total = trainer.run.training.steps
        guard trainer.step < total else {
            throw TransformerCLIError("the checkpoint is already at step \(trainer.step) of \(total); pass a larger --steps to continue")
        }

        let dir = URL(fileURLWithPath: out!)
        let metricsURL = dir.appendingPathComponent("metrics.csv")
        var rows: [String] = []
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw TransformerCLIError("--out: cannot create directory \(dir.path): \(error.localizedDescription)")
        }
        if FileManager.default.fileExists(atPath: metricsURL.path) {
            guard resume != nil else {
                throw TransformerCLIError("--out \(dir.path) already holds a run (metrics.csv); choose another directory or --resume")
            }
            // Keep the rows up to the checkpoint; later rows are recomputed identically.
            let text = (try? String(contentsOf: metricsURL, encoding: .utf8)) ?? ""
            rows = text.split(separator: "\n").dropFirst().map(String.init).filter {
                (Int($0.split(separator: ",").first ?? "") ?? .max) <= checkpointStep
            }
        }
        try TransformerCLI.writeAtomically(JSONValue(encoding: trainer.run).rendered() + "\n", to: dir.appendingPathComponent("config.json"))

        let progress = TransformerProgress(total: total, startStep: trainer.step)
        let header = "step,loss,token_accuracy,sequence_accuracy,learning_rate,gradient_norm"
        func saveMetrics() throws {
            try TransformerCLI.writeAtomically(([header] + rows).joined(separator: "\n") + "\n", to: metricsURL)
        }
        while trainer.step < total {
            let m = trainer.trainStep()
            rows.append("\(m.step),\(m.loss),\(m.tokenAccuracy),\(m.sequenceAccuracy),\(m.learningRate),\(m.gradientNorm)")
            progress.update(m)
            if m.step % checkpointEvery == 0 || m.step == total {
                let name = String(format: "step-%06d.safetensors", m.step)
                try Checkpoint(trainer: trainer).write(to: dir.appendingPathComponent(name))
                try saveMetrics()
            }
        }
        try Checkpoint(trainer: trainer).write(to: dir.appendingPathComponent("final.safetensors"))
        progress.finish()
        print("wrote \(dir.path)/final.safetensors after \(total) steps; metrics in \(metricsURL.path)")
    }
}

