import ArgumentParser
import Foundation
import Kernels
import Reporting
import Transformer
import Witnesses

/// `perplexed parity-study`: the paper's Fig. 4: does perplexity pick the most accurate checkpoint?
struct ParityStudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parity-study",
        abstract: "Train on running parity, evaluate every checkpoint in and out of distribution, and ask whether perplexity picks the most accurate one.",
        discussion: """
            Trains the default Transformer on running parity (lengths 1…--max-length), keeps a \
            checkpoint every --checkpoint-every steps, and evaluates each one in distribution \
            (random lengths 1…--max-length) and out of distribution (length --ood-length): \
            log-perplexity L, accuracy, micro-F1 and binary F1, mean entropy, Brier score and \
            expected calibration error. Reports Pearson's r between L and F1 with a bootstrap \
            95% interval, Spearman's ρ, and which checkpoint each metric would select, with that \
            checkpoint's real accuracy. The paper reports r = −0.94 in distribution and a positive \
            r out of distribution.

            Example:
              perplexed parity-study --out runs/parity-study
              perplexed parity-study --steps 1000 --checkpoint-every 50 --out runs/quick
            """
    )

    @OptionGroup var options: ParityStudyOptions

    @Option(help: "Directory for metrics.csv, study.json, study.md and fig4.svg.")
    var out: String = "parity-study"

    func run() throws {
        let study = try ParityStudy.run(options)
        try study.write(to: out)
        print(study.summary())
        FileHandle.standardError.write(Data("wrote \(out)/metrics.csv, study.json, study.md and fig4.svg\n".utf8))
    }
}

struct ParityStudyOptions: ParsableArguments {
    @Option(help: "Training steps (>= 1).")
    var steps: Int = 5000

    @Option(name: .customLong("checkpoint-every"), help: "Evaluate a checkpoint every this many steps (>= 1).")
    var checkpointEvery: Int = 100

    @Option(name: .customLong("max-length"), help: "Longest training (and in-distribution) bit string.")
    var maxLength: Int = 16

    @Option(name: .customLong("ood-length"), help: "Length of the out-of-distribution strings.")
    var oodLength: Int = 128

    @Option(name: .customLong("id-sequences"), help: "In-distribution evaluation strings.")
    var idSequences: Int = 512

    @Option(name: .customLong("ood-sequences"), help: "Out-of-distribution evaluation strings.")
    var oodSequences: Int = 128

    @Option(help: "Seed for the weights, the training data and the evaluation strings.")
    var seed: UInt64 = 1

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be >= 1, got \(steps)") }
        guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be >= 1, got \(checkpointEvery)") }
        guard steps / checkpointEvery >= 3 else {
            throw ValidationError("--steps / --checkpoint-every must give at least 3 checkpoints to correlate, got \(steps / checkpointEvery)")
        }
        guard (1...256).contains(maxLength) else { throw ValidationError("--max-length must be in 1…256, got \(maxLength)") }
        guard (1...4096).contains(oodLength) else { throw ValidationError("--ood-length must be in 1…4096, got \(oodLength)") }
        guard idSequences >= 1, oodSequences >= 1 else { throw ValidationError("--id-sequences and --ood-sequences must be >= 1") }
    }
}

/// The study's computation and its reports.
struct ParityStudy {
    var inDistribution: [CheckpointMetrics] = []
    var outOfDistribution: [CheckpointMetrics] = []
    let options: ParityStudyOptions
    var trainingSeconds = 0.0

    static func run(_ options: ParityStudyOptions) throws -> ParityStudy {
        var run = RunConfig(task: TaskSpec(kind: .parity, maxLength: options.maxLength))
        run.training.steps = options.steps
        var trainer = try Trainer(run: run, seed: options.seed)
        var study = ParityStudy(options: options)
        // Fixed evaluation sets, drawn once, shared by every checkpoint.
        var generator = SeededGenerator(seed: options.seed &+ 0xE7A1)
        let idStrings = (0..<options.idSequences).map { _ -> [Int] in
            let n = generator.nextInt(in: 1...options.maxLength)
            return (0..<n).map { _ in Int(generator.next() & 1) }
        }
        let oodStrings = evaluationStrings(length: options.oodLength, limit: options.oodSequences, seed: options.seed &+ 0x00D)
        let start = Date()
        let interactive = isatty(STDERR_FILENO) != 0
        while trainer.step < options.steps {
            let metrics = trainer.trainStep()
            if trainer.step % options.checkpointEvery == 0 {
                study.inDistribution.append(evaluate(trainer.model, run.task, idStrings, step: trainer.step))
                study.outOfDistribution.append(evaluate(trainer.model, run.task, oodStrings, step: trainer.step))
                let elapsed = Date().timeIntervalSince(start)
                let eta = elapsed / Double(trainer.step) * Double(options.steps - trainer.step)
                let line = String(format: "step %d/%d  loss %.4f  ID acc %.3f  OOD acc %.3f  ETA %.0f s",
                                  trainer.step, options.steps, metrics.loss, study.inDistribution.last!.accuracy,
                                  study.outOfDistribution.last!.accuracy, eta)
                FileHandle.standardError.write(Data((interactive ? line + "   \r" : line + "\n").utf8))
            }
        }
        if interactive { FileHandle.standardError.write(Data("\n".utf8)) }
        study.trainingSeconds = Date().timeIntervalSince(start)
        return study
    }

    /// Teacher-forced parity predictions at every position of every string.
    static func evaluate(_ model: TransformerModel, _ task: TaskSpec, _ strings: [[Int]], step: Int) -> CheckpointMetrics {
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

    var idStudy: SelectionStudy { SelectionStudy(inDistribution, seed: options.seed) }
    var oodStudy: SelectionStudy { SelectionStudy(outOfDistribution, seed: options.seed) }

    func metricsTable() -> Table {
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

    static func correlationJSON(_ s: SelectionStudy) -> JSONValue {
        .object([
            ("pearson_log_perplexity_f1", s.pearson.map { .double($0) } ?? .null),
            ("pearson_95_interval", s.pearsonInterval.map { .array([.double($0.lower), .double($0.upper)]) } ?? .null),
            ("spearman_log_perplexity_f1", s.spearman.map { .double($0) } ?? .null),
            ("selections", .array(s.selections.map { .object([("rule", .string($0.rule)), ("step", .number("\($0.step)")), ("accuracy", .double($0.accuracy))]) })),
        ])
    }

    func summary() -> String {
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
            String(format: "Parity study: %d steps, %d checkpoints, trained and evaluated in %.0f s", options.steps, inDistribution.count, trainingSeconds),
            block("In distribution (lengths 1…\(options.maxLength))", idStudy, paper: "r = −0.94"),
            block("Out of distribution (length \(options.oodLength))", oodStudy, paper: "r positive (about +0.31)"),
        ].joined(separator: "\n")
    }

    func figure() -> Figure {
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
        return Figure(panels: [panel("In distribution (lengths 1…\(options.maxLength))", inDistribution),
                               panel("Out of distribution (length \(options.oodLength))", outOfDistribution)],
                      columns: 2, title: "Parity: log-perplexity against F1 across checkpoints (Fig. 4)")
    }

    func json() -> JSONValue {
        .object([
            ("steps", .number("\(options.steps)")), ("checkpoint_every", .number("\(options.checkpointEvery)")),
            ("max_length", .number("\(options.maxLength)")), ("ood_length", .number("\(options.oodLength)")),
            ("seed", .number("\(options.seed)")), ("seconds", .double(trainingSeconds)),
            ("in_distribution", ParityStudy.correlationJSON(idStudy)),
            ("out_of_distribution", ParityStudy.correlationJSON(oodStudy)),
            ("paper", .object([("in_distribution_pearson", .double(-0.94)), ("out_of_distribution_pearson", .string("positive (about +0.31)"))])),
        ])
    }

    func write(to directory: String) throws {
        try AtomicFile.write(metricsTable().rendered(as: .csv), to: directory + "/metrics.csv")
        try AtomicFile.write(json().rendered() + "\n", to: directory + "/study.json")
        try AtomicFile.write("```\n" + summary() + "\n```\n", to: directory + "/study.md")
        try AtomicFile.write(figure().svg(), to: directory + "/fig4.svg")
    }
}
