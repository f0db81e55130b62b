import Foundation
import Reporting
import Transformer
import Witnesses

/// How fast one parity configuration trains and evaluates on this machine, measured by a short
/// probe: a training step, and the evaluation of one string of each set.
public struct ParityRate: Sendable, Equatable {
    public var stepSeconds: Double
    public var idStringSeconds: Double
    public var oodStringSeconds: Double

    public init(stepSeconds: Double, idStringSeconds: Double, oodStringSeconds: Double) {
        self.stepSeconds = stepSeconds
        self.idStringSeconds = idStringSeconds
        self.oodStringSeconds = oodStringSeconds
    }

    /// Training steps and evaluation strings the probe times.
    public static let probeSteps = 3, probeIDStrings = 64, probeOODStrings = 16

    /// Measures `configuration`'s model: one untimed step (first-touch allocations), then
    /// ``ParityRate/probeSteps`` timed steps and the evaluation of up to ``ParityRate/probeIDStrings`` and
    /// ``ParityRate/probeOODStrings`` of its evaluation strings. Well under a second at the paper's settings.
    public static func measure(_ configuration: ParityStudyConfiguration) throws -> ParityRate {
        var trainer = try Trainer(run: configuration.runConfig, seed: configuration.seed)
        let task = configuration.runConfig.task
        let clock = ContinuousClock()
        _ = trainer.trainStep()
        var began = clock.now
        for _ in 0..<probeSteps { _ = trainer.trainStep() }
        let step = (clock.now - began).seconds / Double(probeSteps)
        var sample = configuration
        sample.idSequences = min(configuration.idSequences, probeIDStrings)
        sample.oodSequences = min(configuration.oodSequences, probeOODStrings)
        let (id, ood) = sample.evaluationStrings()
        began = clock.now
        _ = ParityStudy.evaluate(trainer.model, task, id, step: 0)
        let idSeconds = (clock.now - began).seconds / Double(id.count)
        began = clock.now
        _ = ParityStudy.evaluate(trainer.model, task, ood, step: 0)
        let oodSeconds = (clock.now - began).seconds / Double(ood.count)
        return ParityRate(stepSeconds: step, idStringSeconds: idSeconds, oodStringSeconds: oodSeconds)
    }
}

extension ParityStudyConfiguration {
    /// The run's cost at `rate`: every step, and every checkpoint's evaluation of both sets.
    /// Memory is computed, not measured: the trainer's (`RunConfig.trainingBytes`), about 96
    /// bytes per scored position kept for the metrics, and one evaluation batch of 64 strings.
    public func estimate(at rate: ParityRate) -> WorkEstimate {
        let checkpoints = Double(steps / checkpointEvery)
        let seconds = Double(steps) * rate.stepSeconds
            + checkpoints * (Double(idSequences) * rate.idStringSeconds + Double(oodSequences) * rate.oodStringSeconds)
        let positions = Double(idSequences) * Double(maxLength + 1) / 2 + Double(oodSequences) * Double(oodLength)
        let t = Double(max(maxLength, oodLength)), m = model
        let batch = 4 * 64 * t * (Double(m.layers) * (16 * Double(m.dModel) + 2 * Double(m.mlpHidden) + 2 * Double(m.heads) * t) + 2 * Double(m.vocabSize))
        return WorkEstimate(seconds: seconds, bytes: runConfig.trainingBytes + 96 * positions + batch)
    }
}

/// Every run of a study with its shard and its estimated cost.
public struct StudyPlan: Sendable {
    public struct Entry: Sendable {
        public let run: Study.Run
        /// 1-based.
        public let shard: Int
        public let estimate: WorkEstimate
    }

    public let study: Study
    public let shards: Int
    public let entries: [Entry]
    /// How the estimates were obtained, in a sentence.
    public let method: String

    /// The plan of `study` cut into `shards`, with each configuration (task × position scheme ×
    /// the settings that vary) measured once with its first seed: parity runs by
    /// ``ParityRate/measure(_:)``, copy runs by ``CopyStudyConfiguration/measureEstimate()``.
    public init(_ study: Study, shards: Int, progress: (ExperimentProgress) -> Void = { _ in }) throws {
        try study.validate()
        _ = try StudyShard(1, of: shards)
        // Runs of one configuration differ only in their seed: the first one's estimate stands for all.
        var estimates: [String: WorkEstimate] = [:]
        var entries: [Entry] = []
        for run in study.runs {
            let key = run.configurationID
            if estimates[key] == nil {
                progress(ExperimentProgress(.stage, "probing \(key) on this machine"))
                estimates[key] = try run.copy?.measureEstimate() ?? run.configuration.estimate(at: ParityRate.measure(run.configuration))
            }
            entries.append(Entry(run: run, shard: Study.shard(ofRunAt: run.index, shards: shards), estimate: estimates[key] ?? WorkEstimate(seconds: 0, bytes: 0)))
        }
        self.study = study
        self.shards = shards
        self.entries = entries
        let parity = "time measured on this machine by a probe of each task and position scheme (\(ParityRate.probeSteps) training steps and "
            + "the evaluation of \(ParityRate.probeIDStrings) + \(ParityRate.probeOODStrings) strings), scaled to each run's steps and checkpoints; "
            + "memory computed from the model's size (trainer state, one evaluation batch, the scored positions kept)"
        let copy = "copy runs: time measured on this machine by a probe of each configuration (\(CopyStudyConfiguration.probeSteps) training steps and the decoding rate of the untrained model), "
            + "scaled to the steps and to each length's witness and calibration pairs (copies that verify in one pass); memory from the trainer and the witnesses kept"
        // The parity sentence alone when there is no copy task, as before copy studies existed.
        method = study.tasks == [.copy] ? copy : study.tasks.contains(.copy) ? parity + "; " + copy : parity
    }

    /// Per shard: runs, estimated seconds one after the other, and the largest run's memory.
    public var shardTotals: [(shard: Int, runs: Int, seconds: Double, bytes: Double)] {
        (1...shards).map { shard in
            let mine = entries.filter { $0.shard == shard }
            return (shard, mine.count, mine.reduce(0) { $0 + $1.estimate.seconds }, mine.map(\.estimate.bytes).max() ?? 0)
        }
    }

    /// A table of the runs, then the shards' totals.
    public func text() -> String {
        var table = Table(columns: ["id", "task", "position", "seed", "shard", "time", "memory"], numericColumns: [3, 4])
        for e in entries {
            table.append([e.run.id, e.run.task.rawValue, e.run.position.rawValue, "\(e.run.seed)", "\(e.shard)",
                          WorkEstimate.duration(e.estimate.seconds), WorkEstimate.size(e.estimate.bytes)])
        }
        var totals = Table(columns: ["shard", "runs", "time", "memory"], numericColumns: [0, 1])
        for t in shardTotals { totals.append(["\(t.shard)/\(shards)", "\(t.runs)", WorkEstimate.duration(t.seconds), WorkEstimate.size(t.bytes)]) }
        let all = entries.reduce(0) { $0 + $1.estimate.seconds }
        return """
            Study "\(study.name)" (fingerprint \(study.fingerprint)): \(entries.count) runs, \(shards) shard\(shards == 1 ? "" : "s"); \
            about \(WorkEstimate.duration(all)) one after the other.
            Estimates: \(method).

            \(table.rendered(as: .text))
            \(totals.rendered(as: .text))
            """
    }

    /// The plan as data: runs with their shard, seconds and bytes; the shards' totals.
    public func json() -> JSONValue {
        .object([
            ("study", .string(study.name)), ("fingerprint", .string(study.fingerprint)), ("shards", .number("\(shards)")),
            ("estimate_method", .string(method)),
            ("runs", .array(entries.map { e in
                .object([("id", .string(e.run.id)), ("task", .string(e.run.task.rawValue)), ("position", .string(e.run.position.rawValue))]
                        + StudyReport.settingsJSON(e.run.axisValues) + [("seed", .number("\(e.run.seed)")), ("shard", .number("\(e.shard)")),
                         ("seconds", .number(String(format: "%.1f", e.estimate.seconds))), ("bytes", .number(String(format: "%.0f", e.estimate.bytes)))])
            })),
            ("shard_totals", .array(shardTotals.map { t in
                .object([("shard", .number("\(t.shard)")), ("runs", .number("\(t.runs)")),
                         ("seconds", .number(String(format: "%.1f", t.seconds))), ("bytes", .number(String(format: "%.0f", t.bytes)))])
            })),
        ])
    }
}
