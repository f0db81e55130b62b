import Foundation
import Kernels
import Reporting
import Transformer
import Witnesses

/// The parity study's settings (the paper's Fig. 4). The defaults are the paper's.
public struct ParityStudyConfiguration: Sendable, Equatable {
    /// Training steps (1…100000000, at most 10,000 checkpoints). Default: 5000.
    public var steps: Int
    /// Evaluate a checkpoint every this many steps (>= 1; at least 3 checkpoints). Default: 100.
    public var checkpointEvery: Int
    /// Longest training (and in-distribution) bit string, in 1…256. Default: 16.
    public var maxLength: Int
    /// Length of the out-of-distribution strings, in 1…4096. Default: 128.
    public var oodLength: Int
    /// In-distribution evaluation strings (1…1000000). Default: 512.
    public var idSequences: Int
    /// Out-of-distribution evaluation strings (1…1000000). Default: 128.
    public var oodSequences: Int
    /// Seed for the weights, the training data and the evaluation strings. Default: 1.
    public var seed: UInt64
    /// The Transformer trained (its vocabulary is the task's three tokens). Default: the default
    /// `TransformerConfig` (RoPE, 3 layers of width 64), the paper's. With learned positions,
    /// `maxPositions` must cover `oodLength`: the table has no row for a later position.
    public var model: TransformerConfig

    /// A study with the given settings (each defaulting to the paper's).
    public init(
        steps: Int = 5000, checkpointEvery: Int = 100, maxLength: Int = 16, oodLength: Int = 128,
        idSequences: Int = 512, oodSequences: Int = 128, seed: UInt64 = 1, model: TransformerConfig = TransformerConfig()
    ) {
        self.steps = steps
        self.checkpointEvery = checkpointEvery
        self.maxLength = maxLength
        self.oodLength = oodLength
        self.idSequences = idSequences
        self.oodSequences = oodSequences
        self.seed = seed
        self.model = model
    }

    /// The shorter run of `reproduce --quick`: 1000 steps, a checkpoint every 50, 256 and 64 strings.
    public static func quick(seed: UInt64 = 1) -> ParityStudyConfiguration {
        ParityStudyConfiguration(steps: 1000, checkpointEvery: 50, idSequences: 256, oodSequences: 64, seed: seed)
    }

    /// The training run: parity up to `maxLength` bits, `steps` steps, this `model`.
    public var runConfig: RunConfig {
        var run = RunConfig(model: model, task: TaskSpec(kind: .parity, maxLength: maxLength))
        run.training.steps = steps
        return run
    }

    /// Throws the first field outside its range.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require((1...100_000_000).contains(steps), "steps", "must be in 1…100000000", steps)
        try ConfigurationError.require(checkpointEvery >= 1, "checkpointEvery", "must be >= 1", checkpointEvery)
        guard steps / checkpointEvery >= 3 else {
            throw ConfigurationError(["steps", "checkpointEvery"], "must give at least 3 checkpoints to correlate", got: "\(steps / checkpointEvery)")
        }
        // Every checkpoint is evaluated on every string: bound the product's first factor.
        guard steps / checkpointEvery <= 10_000 else {
            throw ConfigurationError(["steps", "checkpointEvery"], "must give at most 10000 checkpoints", got: "\(steps / checkpointEvery)")
        }
        try ConfigurationError.require((1...256).contains(maxLength), "maxLength", "must be in 1…256", maxLength)
        try ConfigurationError.require((1...4096).contains(oodLength), "oodLength", "must be in 1…4096", oodLength)
        try ConfigurationError.require((1...1_000_000).contains(idSequences), "idSequences", "must be in 1…1000000", idSequences)
        try ConfigurationError.require((1...1_000_000).contains(oodSequences), "oodSequences", "must be in 1…1000000", oodSequences)
        try Self.validate(model: model)
        if model.position == .learned {
            try ConfigurationError.require(model.maxPositions >= max(maxLength, oodLength), "maxPositions",
                                           "must cover maxLength and oodLength with learned positions", model.maxPositions)
        }
    }

    /// Throws the first of the model's size fields out of range: bounded well below what the
    /// training memory limit would refuse later.
    static func validate(model: TransformerConfig) throws(ConfigurationError) {
        try ConfigurationError.require((1...1024).contains(model.dModel), "dModel", "must be in 1…1024", model.dModel)
        try ConfigurationError.require((1...64).contains(model.heads), "heads", "must be in 1…64", model.heads)
        try ConfigurationError.require(model.dModel % model.heads == 0, "heads", "must divide dModel (\(model.dModel))", model.heads)
        if model.position == .rope {
            try ConfigurationError.require(model.headDim % 2 == 0, "heads", "must leave an even head width (dModel / heads) for RoPE", model.heads)
        }
        try ConfigurationError.require((1...16).contains(model.layers), "layers", "must be in 1…16", model.layers)
        try ConfigurationError.require((1...8192).contains(model.mlpHidden), "mlpHidden", "must be in 1…8192", model.mlpHidden)
    }

    /// The fixed evaluation strings, drawn once from the seed and shared by every checkpoint:
    /// in distribution, lengths uniform in 1…`maxLength`; out of distribution, length `oodLength`.
    public func evaluationStrings() -> (inDistribution: [[Int]], outOfDistribution: [[Int]]) {
        var generator = SeededGenerator(seed: seed &+ 0xE7A1)
        let id = (0..<idSequences).map { _ -> [Int] in
            let n = generator.nextInt(in: 1...maxLength)
            return (0..<n).map { _ in Int(generator.next() & 1) }
        }
        return (id, Transformer.evaluationStrings(length: oodLength, limit: oodSequences, seed: seed &+ 0x00D))
    }
}

/// The parity study (Fig. 4): every checkpoint's metrics in and out of distribution, and which
/// checkpoint each metric would select.
public struct ParityStudy: Sendable {
    /// One entry per checkpoint, evaluated on the in-distribution strings.
    public private(set) var inDistribution: [CheckpointMetrics] = []
    /// The same checkpoints on the out-of-distribution strings.
    public private(set) var outOfDistribution: [CheckpointMetrics] = []
    /// The settings the study ran with.
    public let configuration: ParityStudyConfiguration
    /// Wall-clock seconds of training and evaluation.
    public private(set) var trainingSeconds = 0.0

    /// Trains, evaluates every checkpoint, and reports one step per checkpoint.
    public static func run(_ configuration: ParityStudyConfiguration, progress: (ExperimentProgress) -> Void = { _ in }) throws -> ParityStudy {
        try configuration.validate()
        let run = configuration.runConfig
        var trainer = try Trainer(run: run, seed: configuration.seed)
        var study = ParityStudy(configuration: configuration)
        let (idStrings, oodStrings) = configuration.evaluationStrings()
        let start = Date()
        while trainer.step < configuration.steps {
            let metrics = trainer.trainStep()
            if trainer.step % configuration.checkpointEvery == 0 {
                study.inDistribution.append(evaluate(trainer.model, run.task, idStrings, step: trainer.step))
                study.outOfDistribution.append(evaluate(trainer.model, run.task, oodStrings, step: trainer.step))
                let elapsed = Date().timeIntervalSince(start)
                let eta = elapsed / Double(trainer.step) * Double(configuration.steps - trainer.step)
                let line = String(format: "step %d/%d  loss %.4f  ID acc %.3f  OOD acc %.3f  ETA %.0f s",
                                  trainer.step, configuration.steps, metrics.loss, study.inDistribution.last!.accuracy,
                                  study.outOfDistribution.last!.accuracy, eta)
                progress(ExperimentProgress(.step, line, completed: trainer.step, total: configuration.steps))
            }
        }
        study.trainingSeconds = Date().timeIntervalSince(start)
        return study
    }

    /// Teacher-forced parity predictions at every position of every string.
    public static func evaluate(_ model: TransformerModel, _ task: TaskSpec, _ strings: [[Int]], step: Int) -> CheckpointMetrics {
        var logits: [[Float]] = [], targets: [Int] = []
        let vocabulary = model.config.vocabSize
        // Batches of equal-length strings avoid padding work.
        let groups = Dictionary(grouping: strings, by: \.count)
        for (_, group) in groups.sorted(by: { $0.key < $1.key }) {
            for chunk in stride(from: 0, to: group.count, by: 64).map({ Array(group[$0..<min($0 + 64, group.count)]) }) {
                let batch = TaskSpec.pad(chunk.map { task.example(bits: $0) })
                let flat = model.logits(batch)
                for b in 0..<batch.batchSize {
                    for t in 0..<batch.length {
                        let target = Int(batch.targets[b * batch.length + t])
                        guard target >= 0 else { continue }
                        let offset = (b * batch.length + t) * vocabulary
                        logits.append(Array(flat[offset..<offset + vocabulary]))
                        targets.append(target)
                    }
                }
            }
        }
        return CheckpointMetrics(step: step, scored: ScoredPositions(logits: logits, targets: targets))
    }

    /// Correlations and selections in distribution.
    public var idStudy: SelectionStudy { SelectionStudy(inDistribution, seed: configuration.seed) }
    /// Correlations and selections out of distribution.
    public var oodStudy: SelectionStudy { SelectionStudy(outOfDistribution, seed: configuration.seed) }

    /// Every checkpoint's metrics, in and out of distribution (metrics.csv).
    public func metricsTable() -> Table {
        var table = Table(columns: ["step", "id_log_perplexity", "id_accuracy", "id_micro_f1", "id_binary_f1", "id_mean_entropy",
                                    "id_brier", "id_ece", "ood_log_perplexity", "ood_accuracy", "ood_micro_f1", "ood_binary_f1",
                                    "ood_mean_entropy", "ood_brier", "ood_ece"],
                          numericColumns: Set(0..<15))
        for (a, b) in zip(inDistribution, outOfDistribution) {
            func cells(_ m: CheckpointMetrics) -> [String] {
                [m.logPerplexity, m.accuracy, m.microF1, m.binaryF1, m.meanEntropy, m.brier, m.calibrationError].map { String(format: "%.6g", $0) }
            }
            table.append(["\(a.step)"] + cells(a) + cells(b))
        }
        return table
    }

    /// One set's correlations and selections as JSON.
    public static func correlationJSON(_ s: SelectionStudy) -> JSONValue {
        .object([
            ("pearson_log_perplexity_f1", s.pearson.map { .double($0) } ?? .null),
            ("pearson_95_interval", s.pearsonInterval.map { .array([.double($0.lower), .double($0.upper)]) } ?? .null),
            ("spearman_log_perplexity_f1", s.spearman.map { .double($0) } ?? .null),
            ("selections", .array(s.selections.map { .object([("rule", .string($0.rule)), ("step", .number("\($0.step)")), ("accuracy", .double($0.accuracy))]) })),
        ])
    }

    /// The correlations and selections in a few lines, beside the paper's values.
    public func summary() -> String {
        func r(_ v: Double?) -> String { v.map { String(format: "%+.3f", $0) } ?? "n/a (constant)" }
        func block(_ name: String, _ s: SelectionStudy, paper: String) -> String {
            var lines = ["\(name): Pearson r(L, F1) = \(r(s.pearson))"
                         + (s.pearsonInterval.map { String(format: " (95%% bootstrap interval %+.3f … %+.3f)", $0.lower, $0.upper) } ?? "")
                         + ", Spearman ρ = \(r(s.spearman));  the paper: \(paper)"]
            for sel in s.selections {
                let rule = sel.rule.padding(toLength: 28, withPad: " ", startingAt: 0)
                lines.append("  \(rule) picks step " + String(format: "%5d  (its accuracy %.4f)", sel.step, sel.accuracy))
            }
            return lines.joined(separator: "\n")
        }
        return [
            String(format: "Parity study: %d steps, %d checkpoints, trained and evaluated in %.0f s", configuration.steps, inDistribution.count, trainingSeconds),
            block("In distribution (lengths 1…\(configuration.maxLength))", idStudy, paper: "r = −0.94"),
            block("Out of distribution (length \(configuration.oodLength))", oodStudy, paper: "r positive (about +0.31)"),
        ].joined(separator: "\n")
    }

    /// Fig. 4: log-perplexity against micro-F1 per checkpoint, in and out of distribution.
    public func figure() -> Figure {
        func panel(_ title: String, _ metrics: [CheckpointMetrics]) -> Chart {
            var chart = Chart(title: title, xAxis: ChartAxis(label: "log-perplexity L (nats per position)"), yAxis: ChartAxis(label: "micro-F1"))
            chart.scatters = [ScatterSeries(name: "checkpoints", points: metrics.map { ($0.logPerplexity, $0.microF1, $0.meanEntropy) },
                                            valueLabel: "mean entropy (nats)")]
            if let best = metrics.max(by: { $0.accuracy < $1.accuracy }) {
                chart.markers = [ChartMarker(x: best.logPerplexity, y: best.microF1, label: "most accurate (step \(best.step))", name: "most accurate")]
            }
            chart.legend = .bottomLeft
            return chart
        }
        return Figure(panels: [panel("In distribution (lengths 1…\(configuration.maxLength))", inDistribution),
                               panel("Out of distribution (length \(configuration.oodLength))", outOfDistribution)],
                      columns: 2, title: "Parity: log-perplexity against F1 across checkpoints (Fig. 4)")
    }

    /// The settings, correlations and selections as JSON (study.json).
    public func json() -> JSONValue {
        .object([
            ("steps", .number("\(configuration.steps)")), ("checkpoint_every", .number("\(configuration.checkpointEvery)")),
            ("max_length", .number("\(configuration.maxLength)")), ("ood_length", .number("\(configuration.oodLength)")),
            ("seed", .number("\(configuration.seed)")), ("seconds", .double(trainingSeconds)),
            ("in_distribution", ParityStudy.correlationJSON(idStudy)),
            ("out_of_distribution", ParityStudy.correlationJSON(oodStudy)),
            ("paper", .object([("in_distribution_pearson", .double(-0.94)), ("out_of_distribution_pearson", .string("positive (about +0.31)"))])),
        ])
    }

    /// Writes metrics.csv, study.json, study.md and fig4.svg into `directory`.
    public func write(to directory: String) throws(FileWriteError) {
        try AtomicFile.write(metricsTable().rendered(as: .csv), named: "metrics.csv", in: directory)
        try AtomicFile.write(json().rendered() + "\n", named: "study.json", in: directory)
        try AtomicFile.write("```\n" + summary() + "\n```\n", named: "study.md", in: directory)
        try AtomicFile.write(figure().svg(), named: "fig4.svg", in: directory)
    }
}
