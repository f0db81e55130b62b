import Foundation
import Reporting

/// The copy configurations of a merged study report: per witness length, over the seeds.
extension StudyReport {
    static func gap(_ v: Double?) -> String { v.map { String(format: "%.3g", $0) } ?? "n/a" }

    /// The verdict on Fig. 2's claim for one configuration: agrees when more than half the seeds
    /// give a perplexity-wrong witness at the longest length, differs when no seed gives one at
    /// any length, partly otherwise.
    static func agreement(_ c: CopyConfiguration) -> Agreement {
        guard let last = c.lengths.last else { return .notRun }
        if 2 * last.perplexityWrong > last.runs { return .agrees }
        return c.lengths.allSatisfy { $0.perplexityWrong == 0 } ? .differs : .partly
    }

    /// "held on 3, not copied on 1, …" for the verdicts with seeds.
    static func verdictText(_ verdicts: [(verdict: CopyPredictionVerdict, seeds: Int)]) -> String {
        let words: [CopyPredictionVerdict: String] = [.held: "held", .notCopied: "failed (β not copied as α)", .gapAboveBound: "failed (gap above the bound)",
                                                      .undecided: "undecided (gap and bound overlap)", .notPredicted: "nothing predicted"]
        return verdicts.filter { $0.seeds > 0 }.map { "\(words[$0.verdict] ?? $0.verdict.rawValue) on \($0.seeds)" }.joined(separator: ", ")
    }

    func copySection(_ c: CopyConfiguration) -> ReportSection {
        let n = c.results.count
        let accuracy = Distribution(c.results.map(\.trainingAccuracy))
        var lines = ["Over \(n) seed\(n == 1 ? "" : "s") (copy accuracy on the training lengths: median \(Self.accuracy(accuracy?.median)), "
                     + "range \(Self.accuracy(accuracy?.minimum)) … \(Self.accuracy(accuracy?.maximum))):"]
        for l in c.lengths {
            lines.append("At N = \(l.length), \(l.perplexityWrong) of \(l.runs) seeds give a perplexity-wrong witness "
                         + "(α copied on \(l.alphaCopied), β copied as α on \(l.betaCopiedAsAlpha)), median |gap| \(Self.gap(l.gap?.median))"
                         + (l.verdicts.map { "; Lemma 3.1's prediction: " + Self.verdictText($0) } ?? "") + ".")
        }
        var table = Table(columns: ["N", "seeds", "alpha copied", "beta copied as alpha", "perplexity-wrong", "min |gap|", "median |gap|", "max |gap|"]
                          + (c.lengths.first?.verdicts == nil ? [] : ["copy predicted"] + CopyPredictionVerdict.allCases.map { "prediction " + $0.rawValue }),
                          numericColumns: Set(0..<(8 + (c.lengths.first?.verdicts == nil ? 0 : 1 + CopyPredictionVerdict.allCases.count))))
        for l in c.lengths {
            table.append(["\(l.length)", "\(l.runs)", "\(l.alphaCopied)", "\(l.betaCopiedAsAlpha)", "\(l.perplexityWrong)",
                          Self.gap(l.gap?.minimum), Self.gap(l.gap?.median), Self.gap(l.gap?.maximum)]
                         + (l.copyPredicted.map { ["\($0)"] } ?? []) + (l.verdicts?.map { "\($0.seeds)" } ?? []))
        }
        table.caption = "Per witness length, over the seeds: perplexity-wrong = α_N copied right and β_N copied as α_N; "
            + "|gap| = |pplx(α_N) − pplx(β_N)| (nats per token); prediction columns count the seeds of each verdict"
        var seeds = Table(columns: ["run", "copy accuracy"] + c.lengths.map { "N = \($0.length)" })
        for result in c.results {
            seeds.append([result.id, Self.accuracy(result.trainingAccuracy)] + result.witnesses.map { w in
                Self.gap(w.gap) + (w.perplexityWrong ? ", perplexity-wrong" : w.alphaCopied ? "" : ", α miscopied")
                    + (w.prediction.map { ", prediction \($0.verdict)" } ?? "")
            })
        }
        seeds.caption = "Per run: |gap| at each length, and what the witness shows"
        return ReportSection(
            title: "copy, \(c.position) positions\(Self.settingsText(c.settings)) (\(n) seed\(n == 1 ? "" : "s"))",
            claim: "Fig. 2 (one model): from some length on, β_N = 0…01 is copied as α_N = 0…0 while |pplx(α_N) − pplx(β_N)| becomes small, "
                + "so perplexity cannot tell the wrong copy from the right one. Verdict rule here: agrees when more than half the seeds give a "
                + "perplexity-wrong witness at the longest length, differs when no seed gives one at any length.",
            measured: lines.joined(separator: " "), agreement: Self.agreement(c), tables: [table, seeds],
            figures: [(file: "\(c.id).svg", svg: copyFigure(c).svg())])
    }

    /// Each seed's gap against log₂ N, coloured by whether its witness is perplexity-wrong, and the median.
    func copyFigure(_ c: CopyConfiguration) -> Figure {
        let ticks = c.lengths.map { Foundation.log2(Double($0.length)) }
        var chart = Chart(title: "copy, \(c.position)\(Self.settingsText(c.settings)): |pplx(α_N) − pplx(β_N)| per seed",
                          xAxis: ChartAxis(label: "N (log scale)", ticks: ticks, tickFormat: { "\(Int(Foundation.pow(2, $0).rounded()))" }),
                          yAxis: ChartAxis(label: "|gap| (nats per token)"))
        let points = c.results.flatMap { result in
            result.witnesses.map { (x: Foundation.log2(Double($0.length)), y: $0.gap, value: $0.perplexityWrong ? 1.0 : 0.0) }
        }
        chart.scatters = [ScatterSeries(name: "seeds", points: points, valueRange: 0...1, valueLabel: "perplexity-wrong (1) or not (0)")]
        chart.lines = [LineSeries(name: "median", points: zip(ticks, c.lengths).compactMap { x, l in l.gap.map { (x, $0.median) } }, color: "#888888")]
        chart.legend = .topRight
        return Figure(panels: [chart])
    }

    /// One copy configuration in report.json.
    func copyJSON(_ c: CopyConfiguration) -> JSONValue {
        func distribution(_ d: Distribution?) -> JSONValue {
            d.map { .object([("min", .double($0.minimum)), ("lower_quartile", .double($0.lowerQuartile)), ("median", .double($0.median)),
                             ("upper_quartile", .double($0.upperQuartile)), ("max", .double($0.maximum))]) } ?? .null
        }
        return .object([
            ("task", "copy"), ("position", .string(c.position))] + Self.settingsJSON(c.settings) + [
            ("runs", .array(c.results.map { .string($0.id) })), ("verdict", .string(Self.agreement(c).rawValue)),
            ("training_sequence_accuracy", distribution(Distribution(c.results.map(\.trainingAccuracy)))),
            ("witnesses", .array(c.lengths.map { l in
                .object([
                    ("length", .number("\(l.length)")), ("seeds", .number("\(l.runs)")), ("alpha_copied", .number("\(l.alphaCopied)")),
                    ("beta_copied_as_alpha", .number("\(l.betaCopiedAsAlpha)")), ("perplexity_wrong", .number("\(l.perplexityWrong)")),
                    ("gap", distribution(l.gap)),
                    ("prediction", l.verdicts.map { verdicts in
                        .object([("copy_predicted", .number("\(l.copyPredicted ?? 0)"))] + verdicts.map { ($0.verdict.rawValue, .number("\($0.seeds)")) })
                    } ?? .null),
                ])
            })),
        ])
    }
}
