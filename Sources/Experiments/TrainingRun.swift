import Foundation
import Reporting
import Transformer

/// A training run's settings: where it writes, how it starts and how often it saves. The
/// defaults are `perplexed train`'s.
public struct TrainingRunConfiguration: Sendable, Equatable {
    /// How a run begins.
    public enum Start: Sendable, Equatable {
        /// A new run of `run` whose weights and batches come from `seed` (default 1).
        case fresh(RunConfig, seed: UInt64 = 1)
        /// The run saved in this checkpoint file, continued exactly.
        case resume(checkpoint: String)
    }

    /// The output directory (created if missing; it must not hold another run unless resuming).
    public var directory: String
    /// A fresh run or a resumed one.
    public var start: Start
    /// Write a checkpoint every this many steps (>= 1). Default: 100.
    public var checkpointEvery: Int
    /// Total optimiser steps (>= 1), replacing the run's or the checkpoint's when set. Changing
    /// a saved run's total changes its learning-rate schedule. Default: nil (keep).
    public var steps: Int?

    /// A run that starts at `start` and writes into `directory`.
    public init(directory: String, start: Start, checkpointEvery: Int = 100, steps: Int? = nil) {
        self.directory = directory
        self.start = start
        self.checkpointEvery = checkpointEvery
        self.steps = steps
    }

    /// Throws if the checkpoint interval or the total steps are below 1.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(!directory.isEmpty, "directory", "must name a directory", "an empty value")
        try ConfigurationError.require(checkpointEvery >= 1, "checkpointEvery", "must be >= 1", checkpointEvery)
        if let steps { try ConfigurationError.require((1...100_000_000).contains(steps), "steps", "must be in 1…100000000", steps) }
    }
}

/// Why a training run cannot start or continue.
public enum TrainingRunError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The run is already at `step` of its `total` steps: nothing is left to train.
    case alreadyComplete(step: Int, total: Int)
    /// The output directory could not be created.
    case cannotCreateDirectory(path: String, reason: String)
    /// A fresh run was pointed at a directory that already holds a run's metrics.csv.
    case directoryHoldsRun(path: String)

    public var description: String {
        switch self {
        case let .alreadyComplete(step, total):
            return "the checkpoint is already at step \(step) of \(total); raise the total steps to continue"
        case let .cannotCreateDirectory(path, reason): return "cannot create directory \(path): \(reason)"
        case let .directoryHoldsRun(path): return "\(path) already holds a run (metrics.csv)"
        }
    }
}

/// A Transformer trained on the copy or parity task, saved as it goes: config.json, metrics.csv
/// (one row per step) and a checkpoint every ``TrainingRunConfiguration/checkpointEvery`` steps
/// and at the end (final.safetensors). A resumed run continues bit-for-bit as if it had never
/// stopped, and keeps the metrics rows up to its checkpoint.
///
/// Two phases: ``init(_:)`` loads or creates the trainer (so a caller can inspect the run before
/// anything is written), ``train(progress:)`` trains and writes.
public struct TrainingRun {
    /// The settings the run was made with.
    public let configuration: TrainingRunConfiguration
    /// The trainer: its run configuration, seed, model and step.
    public private(set) var trainer: Trainer
    /// The step the run starts from (0 when fresh, the checkpoint's step when resuming).
    public let startStep: Int
    /// When a resumed run's total was changed by ``TrainingRunConfiguration/steps``: the
    /// checkpoint's own total.
    public let replacedSteps: Int?

    /// The header of metrics.csv.
    public static let metricsHeader = "step,loss,token_accuracy,sequence_accuracy,learning_rate,gradient_norm"

    /// Validates the configuration and makes the trainer; writes nothing.
    public init(_ configuration: TrainingRunConfiguration) throws {
        try configuration.validate()
        self.configuration = configuration
        switch configuration.start {
        case .fresh(var run, let seed):
            if let steps = configuration.steps { run.training.steps = steps }
            trainer = try Trainer(run: run, seed: seed)
            replacedSteps = nil
        case .resume(let path):
            var resumed = try Checkpoint.load(from: URL(fileURLWithPath: path)).trainer()
            var replaced: Int?
            if let steps = configuration.steps, steps != resumed.run.training.steps {
                var run = resumed.run
                replaced = run.training.steps
                run.training.steps = steps
                resumed = try Trainer(run: run, seed: resumed.seed, model: resumed.model, adamM: resumed.adamM,
                                      adamV: resumed.adamV, step: resumed.step, dataGenerator: resumed.dataGenerator)
            }
            trainer = resumed
            replacedSteps = replaced
        }
        startStep = trainer.step
    }

    /// The metrics row of one step.
    public static func metricsRow(_ m: StepMetrics) -> String {
        "\(m.step),\(m.loss),\(m.tokenAccuracy),\(m.sequenceAccuracy),\(m.learningRate),\(m.gradientNorm)"
    }

    /// The progress line of one step: loss, accuracies, speed since `start` and the time left.
    static func progressLine(_ m: StepMetrics, total: Int, startStep: Int, since start: Date) -> String {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(m.step - startStep) / max(elapsed, 1e-9)
        let eta = Double(total - m.step) / max(rate, 1e-9)
        return String(
            format: "step %d/%d  loss %.4f  acc %.1f%%  seq %.1f%%  %.1f steps/s  ETA %@", m.step, total, m.loss,
            100 * m.tokenAccuracy, 100 * m.sequenceAccuracy, rate, clock(eta))
    }

    /// Seconds as m:ss ("?" when unknown).
    static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }

    /// Trains to the configured total, writing config.json first, then a checkpoint (and
    /// metrics.csv) every ``TrainingRunConfiguration/checkpointEvery`` steps and at the last step,
    /// then final.safetensors. Reports every step: the message is a progress line (loss,
    /// accuracies, steps/s, time left), `completed` the step and `total` the run's total.
    public mutating func train(progress: (ExperimentProgress) -> Void = { _ in }) throws -> TrainingRunResult {
        let total = trainer.run.training.steps
        guard trainer.step < total else { throw TrainingRunError.alreadyComplete(step: trainer.step, total: total) }
        let dir = URL(fileURLWithPath: configuration.directory)
        let metricsURL = dir.appendingPathComponent("metrics.csv")
        var rows: [String] = []
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw TrainingRunError.cannotCreateDirectory(path: dir.path, reason: fileErrorReason(error))
        }
        if FileManager.default.fileExists(atPath: metricsURL.path) {
            guard case .resume = configuration.start else { throw TrainingRunError.directoryHoldsRun(path: dir.path) }
            // Keep the rows up to the checkpoint; later rows are recomputed identically.
            let text = (try? String(contentsOf: metricsURL, encoding: .utf8)) ?? ""
            rows = text.split(separator: "\n").dropFirst().map(String.init).filter {
                (Int($0.split(separator: ",").first ?? "") ?? .max) <= startStep
            }
        }
        try AtomicFile.write(JSONValue(encoding: trainer.run).rendered() + "\n", to: dir.appendingPathComponent("config.json").path)

        let start = Date()
        while trainer.step < total {
            let m = trainer.trainStep()
            rows.append(Self.metricsRow(m))
            progress(ExperimentProgress(.step, Self.progressLine(m, total: total, startStep: startStep, since: start), completed: m.step, total: total))
            if m.step % configuration.checkpointEvery == 0 || m.step == total {
                let name = String(format: "step-%06d.safetensors", m.step)
                try AtomicFile.write(Checkpoint(trainer: trainer).serialized(), to: dir.appendingPathComponent(name).path)
                try AtomicFile.write(([Self.metricsHeader] + rows).joined(separator: "\n") + "\n", to: metricsURL.path)
            }
        }
        let final = dir.appendingPathComponent("final.safetensors")
        try AtomicFile.write(Checkpoint(trainer: trainer).serialized(), to: final.path)
        return TrainingRunResult(
            finalCheckpoint: final.path, metrics: metricsURL.path, steps: total, stepsTrained: total - startStep,
            seconds: Date().timeIntervalSince(start))
    }
}

/// What a finished training run wrote and how long it took.
public struct TrainingRunResult: Sendable, Equatable {
    /// The path of final.safetensors.
    public let finalCheckpoint: String
    /// The path of metrics.csv.
    public let metrics: String
    /// The run's total steps.
    public let steps: Int
    /// Steps trained by this call (the total less the resumed checkpoint's step).
    public let stepsTrained: Int
    /// Wall-clock seconds of training.
    public let seconds: Double
}
