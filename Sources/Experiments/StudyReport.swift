import Foundation
import Reporting
import Witnesses

/// Runs of a study that have no result yet: the merge refuses to report on part of a study.
public struct StudyMissingRuns: Error, Equatable, Sendable, CustomStringConvertible {
    /// The missing ids, in plan order.
    public let ids: [String]
    /// Runs in the study.
    public let total: Int

    public var description: String {
        let shown = ids.prefix(20).joined(separator: ", ") + (ids.count > 20 ? ", … (\(ids.count - 20) more)" : "")
        return "\(ids.count) of \(total) runs have no result.json for this study: \(shown); run their shards, then merge again"
    }
}

/// The merged report of a study: per configuration (task × position scheme × the settings that
/// vary), for parity the distribution over seeds of Pearson's r in and out of distribution and
/// how each selection rule fares; for copy, at each witness length, how many seeds give a
/// perplexity-wrong witness, the distribution of the perplexity gap and how often the Lemma 3.1
/// prediction held.
/// Made from the result files alone, in the plan's order, so the same results give the same
/// bytes whichever order the shards ran in; timings (result metadata) are left out.
public struct StudyReport: Sendable {
    /// The selection rules compared (`SelectionStudy`'s, without the oracle).
    public static let selectors = ["lowest log-perplexity", "lowest Brier score", "lowest calibration error", "lowest mean entropy"]

    /// Quartiles of r over the seeds where it is defined (linear interpolation, as
    /// `Statistics.quantile`), and how many of those r are positive.
    public struct Distribution: Sendable, Equatable {
        public let count: Int
        public let minimum, lowerQuartile, median, upperQuartile, maximum: Double
        public let positive: Int

        init?(_ values: [Double]) {
            let sorted = values.sorted()
            guard let first = sorted.first, let last = sorted.last else { return nil }
            count = sorted.count
            minimum = first
            lowerQuartile = Statistics.quantile(sorted, 0.25)
            median = Statistics.quantile(sorted, 0.5)
            upperQuartile = Statistics.quantile(sorted, 0.75)
            maximum = last
            positive = sorted.filter { $0 > 0 }.count
        }
    }

    /// One rule on one evaluation set, over the seeds.
    public struct Selector: Sendable, Equatable {
        public let rule: String
        public let runs: Int
        /// Seeds where the rule's checkpoint is as accurate as the most accurate one.
        public let picksMostAccurate: Int
        /// The accuracy lost on the other seeds: mean and largest (nil when there are none).
        public let meanLossWhenNot: Double?
        public let maxLossWhenNot: Double?
    }

    /// One evaluation set of one configuration.
    public struct SetSummary: Sendable, Equatable {
        /// Nil when r is undefined (a constant metric) on every seed.
        public let pearson: Distribution?
        /// Seeds where r is undefined.
        public let undefined: Int
        public let selectors: [Selector]
    }

    /// One parity configuration over the study's seeds.
    public struct Configuration: Sendable {
        /// ``Study/Run/configurationID``: `parity-rope`, `parity-rope-steps2000`.
        public let id: String
        public let task: String
        public let position: String
        /// The settings that vary over the task's runs, at this configuration's values.
        public let settings: [Study.AxisValue]
        /// The runs' results, in seed order of the study.
        public let results: [StudyRunResult]
        public let inDistribution: SetSummary
        public let outOfDistribution: SetSummary
        /// The rules choosing in distribution, judged by out-of-distribution accuracy.
        public let chosenInJudgedOut: [Selector]
    }

    /// One witness length of one copy configuration, over the seeds.
    public struct CopyLength: Sendable, Equatable {
        public let length: Int
        public let runs: Int
        public let alphaCopied: Int
        public let betaCopiedAsAlpha: Int
        /// Seeds whose witness is perplexity-wrong (α copied right, β copied as α).
        public let perplexityWrong: Int
        /// |pplx(α_N) − pplx(β_N)| over the seeds (midpoints).
        public let gap: Distribution?
        /// Seeds where β's copy as α was predicted, and each verdict's count
        /// (``CopyPredictionVerdict`` order); nil when the prediction was not run.
        public let copyPredicted: Int?
        public let verdicts: [(verdict: CopyPredictionVerdict, seeds: Int)]?

        public static func == (a: CopyLength, b: CopyLength) -> Bool {
            a.length == b.length && a.runs == b.runs && a.alphaCopied == b.alphaCopied && a.betaCopiedAsAlpha == b.betaCopiedAsAlpha
                && a.perplexityWrong == b.perplexityWrong && a.gap == b.gap && a.copyPredicted == b.copyPredicted
                && a.verdicts?.map(\.seeds) == b.verdicts?.map(\.seeds)
        }
    }

    /// One copy configuration over the study's seeds.
    public struct CopyConfiguration: Sendable {
        /// ``Study/Run/configurationID``: `copy-rope`, `copy-rope-steps2000`.
        public let id: String
        public let position: String
        public let settings: [Study.AxisValue]
        /// The runs' results, in seed order of the study.
        public let results: [CopyStudyRunResult]
        /// One per witness length, in order.
        public let lengths: [CopyLength]
    }

    public let study: Study
    /// The parity configurations, in plan order.
    public let configurations: [Configuration]
    /// The copy configurations, in plan order.
    public let copyConfigurations: [CopyConfiguration]
    /// Directories under `runs/` that are no run of the study (left out of the report).
    public let unlisted: [String]

    /// Reads every run's `runs/<id>/result.json` in `directory` (a study's output directory).
    /// - Throws: ``StudyMissingRuns`` naming every run without a result of this study,
    ///   ``StudyFileError`` when `study.json` is missing or unreadable.
    public static func merge(_ directory: String) throws -> StudyReport {
        let files = StudyDirectory(directory)
        guard let study = try files.study() else {
            throw StudyFileError(reason: "\(files.studyFile) does not exist: \(directory) is no study's output directory (`perplexed study run` writes it)")
        }
        let fingerprint = study.fingerprint, runs = study.runs
        var results: [String: StudyRunResult] = [:], copies: [String: CopyStudyRunResult] = [:], missing: [String] = []
        for run in runs {
            if run.task == .copy, let result = try files.copyResult(run.id, fingerprint: fingerprint) { copies[run.id] = result }
            else if run.task == .parity, let result = try files.result(run.id, fingerprint: fingerprint) { results[run.id] = result }
            else { missing.append(run.id) }
        }
        guard missing.isEmpty else { throw StudyMissingRuns(ids: missing, total: runs.count) }
        let ids = Set(runs.map(\.id))
        let present = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/runs")) ?? []
        var configurations: [Configuration] = [], copyConfigurations: [CopyConfiguration] = []
        // Runs are listed configuration by configuration, seeds innermost.
        var groups: [[Study.Run]] = []
        for run in runs {
            if let last = groups.last?.last, last.configurationID == run.configurationID { groups[groups.count - 1].append(run) } else { groups.append([run]) }
        }
        for group in groups {
            let first = group[0]
            if first.task == .copy {
                let mine = group.compactMap { copies[$0.id] }
                copyConfigurations.append(CopyConfiguration(id: first.configurationID, position: first.position.rawValue, settings: first.axisValues,
                                                            results: mine, lengths: copyLengths(mine)))
            } else {
                let mine = group.compactMap { results[$0.id] }
                configurations.append(Configuration(id: first.configurationID, task: first.task.rawValue, position: first.position.rawValue,
                                                    settings: first.axisValues, results: mine,
                                                    inDistribution: summary(mine.map(\.inDistribution)),
                                                    outOfDistribution: summary(mine.map(\.outOfDistribution)),
                                                    chosenInJudgedOut: selectors(mine.map(\.inDistributionChoiceJudgedOutOfDistribution))))
            }
        }
        return StudyReport(study: study, configurations: configurations, copyConfigurations: copyConfigurations,
                           unlisted: present.filter { !ids.contains($0) }.sorted())
    }

    /// Each witness length over the runs (every run has the study's lengths, in order).
    static func copyLengths(_ results: [CopyStudyRunResult]) -> [CopyLength] {
        guard let lengths = results.first?.witnesses.map(\.length) else { return [] }
        return lengths.enumerated().map { i, n in
            let witnesses = results.compactMap { $0.witnesses.indices.contains(i) ? $0.witnesses[i] : nil }
            let predictions = witnesses.compactMap(\.prediction)
            let predicted = predictions.count == witnesses.count && !witnesses.isEmpty
            return CopyLength(length: n, runs: witnesses.count, alphaCopied: witnesses.filter(\.alphaCopied).count,
                              betaCopiedAsAlpha: witnesses.filter(\.betaCopiedAsAlpha).count, perplexityWrong: witnesses.filter(\.perplexityWrong).count,
                              gap: Distribution(witnesses.map(\.gap)), copyPredicted: predicted ? predictions.filter(\.copyPredicted).count : nil,
                              verdicts: predicted ? CopyPredictionVerdict.allCases.map { v in (v, predictions.filter { $0.verdict == v.rawValue }.count) } : nil)
        }
    }

    static func summary(_ analyses: [StudyRunResult.Analysis]) -> SetSummary {
        let r = analyses.compactMap(\.pearson)
        return SetSummary(pearson: Distribution(r), undefined: analyses.count - r.count, selectors: selectors(analyses.map(\.selections)))
    }

    /// Each rule over the runs (one list of selections per run).
    static func selectors(_ runs: [[StudyRunResult.Selection]]) -> [Selector] {
        selectors.map { rule in
            let losses = runs.compactMap { $0.first { $0.rule == rule }?.accuracyLost }
            let lost = losses.filter { $0 > 0 }
            return Selector(rule: rule, runs: losses.count, picksMostAccurate: losses.count - lost.count,
                            meanLossWhenNot: lost.isEmpty ? nil : Statistics.mean(lost), maxLossWhenNot: lost.max())
        }
    }

    // MARK: Rendering

    static func r(_ v: Double?) -> String { v.map { String(format: "%+.3f", $0) } ?? "n/a" }
    static func accuracy(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "–" }

    /// The verdict on Fig. 4's claim for one configuration: agrees when the median r is negative
    /// in distribution and positive out of it, differs when neither holds, partly otherwise.
    static func agreement(_ c: Configuration) -> Agreement {
        guard let id = c.inDistribution.pearson, let ood = c.outOfDistribution.pearson else { return .notRun }
        switch (id.median < 0, ood.median > 0) {
        case (true, true): return .agrees
        case (false, false): return .differs
        default: return .partly
        }
    }

    /// ", steps 2000, layers 2" for varying settings, else "".
    static func settingsText(_ settings: [Study.AxisValue]) -> String {
        settings.map { ", \($0.axis.rawValue) \($0.value)" }.joined()
    }

    func section(_ c: Configuration) -> ReportSection {
        let n = c.results.count
        func describe(_ name: String, _ s: SetSummary, sign: String) -> String {
            guard let d = s.pearson else { return "\(name), r is undefined on every seed (a constant metric)." }
            let count = sign == "positive" ? d.positive : d.count - d.positive
            return "\(name), r(L, F1) has median \(Self.r(d.median)) (quartiles \(Self.r(d.lowerQuartile)) … \(Self.r(d.upperQuartile)), "
                + "range \(Self.r(d.minimum)) … \(Self.r(d.maximum))) and is \(sign == "positive" ? "positive" : "not positive") on \(count) of \(d.count) seeds"
                + (s.undefined > 0 ? " (undefined on \(s.undefined))." : ".")
        }
        let ppl = c.outOfDistribution.selectors[0]
        func fares(_ s: Selector) -> String {
            "on \(s.picksMostAccurate) of \(s.runs) seeds"
                + (s.meanLossWhenNot.map { " and loses \(Self.accuracy($0)) accuracy on average on the others (at most \(Self.accuracy(s.maxLossWhenNot)))" } ?? "")
        }
        let selection = "Out of distribution, the lowest-perplexity checkpoint is also a most accurate one \(fares(ppl)). "
            + "Chosen by in-distribution perplexity, it is a most accurate one out of distribution \(fares(c.chosenInJudgedOut[0]))."
        var correlations = Table(columns: ["set", "seeds with r", "min", "lower quartile", "median", "upper quartile", "max", "r > 0", "r undefined"])
        for (name, s) in [("in distribution", c.inDistribution), ("out of distribution", c.outOfDistribution)] {
            if let d = s.pearson {
                correlations.append([name, "\(d.count)", Self.r(d.minimum), Self.r(d.lowerQuartile), Self.r(d.median), Self.r(d.upperQuartile),
                                     Self.r(d.maximum), "\(d.positive)", "\(s.undefined)"])
            } else {
                correlations.append([name, "0", "n/a", "n/a", "n/a", "n/a", "n/a", "0", "\(s.undefined)"])
            }
        }
        correlations.caption = "Pearson r(log-perplexity, micro-F1) across checkpoints, distribution over seeds"
        var selectors = Table(columns: ["set", "rule", "picks a most accurate checkpoint", "mean accuracy lost when not", "max accuracy lost when not"])
        let judged = "chosen in distribution, judged out of distribution"
        for (name, rules) in [("in distribution", c.inDistribution.selectors), ("out of distribution", c.outOfDistribution.selectors), (judged, c.chosenInJudgedOut)] {
            for sel in rules {
                selectors.append([name, sel.rule, "\(sel.picksMostAccurate) of \(sel.runs)", Self.accuracy(sel.meanLossWhenNot), Self.accuracy(sel.maxLossWhenNot)])
            }
        }
        selectors.caption = "Selection rules: does each pick a checkpoint as accurate as the most accurate one (ties count as yes)? "
            + "The last rows choose on the in-distribution metrics and count accuracy out of distribution."
        var seeds = Table(columns: ["run", "ID r", "ID 95% interval", "OOD r", "OOD 95% interval", "OOD best accuracy", "OOD accuracy of lowest perplexity"])
        for result in c.results {
            func interval(_ a: StudyRunResult.Analysis) -> String {
                guard let lo = a.pearsonLower, let hi = a.pearsonUpper else { return "n/a" }
                return "\(Self.r(lo)) … \(Self.r(hi))"
            }
            let pick = result.outOfDistribution.selections.first { $0.rule == Self.selectors[0] }
            seeds.append([result.id, Self.r(result.inDistribution.pearson), interval(result.inDistribution), Self.r(result.outOfDistribution.pearson),
                          interval(result.outOfDistribution), Self.accuracy(result.outOfDistribution.mostAccurateAccuracy), Self.accuracy(pick?.accuracy)])
        }
        seeds.caption = "Per run"
        let measured = "Over \(n) seed\(n == 1 ? "" : "s"): " + describe("In distribution", c.inDistribution, sign: "negative") + " "
            + describe("Out of distribution", c.outOfDistribution, sign: "positive") + " " + selection
        return ReportSection(
            title: "\(c.task), \(c.position) positions\(Self.settingsText(c.settings)) (\(n) seed\(n == 1 ? "" : "s"))",
            claim: "Fig. 4 (one training run): r(L, F1) = −0.94 in distribution and positive (about +0.31) out of distribution. "
                + "Verdict rule here: agrees when the median r over seeds is negative in distribution and positive out of it.",
            measured: measured, agreement: Self.agreement(c), tables: [correlations, selectors, seeds],
            figures: [(file: "\(c.id).svg", svg: figure(c).svg())])
    }

    /// Each seed as a point (ID r, OOD r), coloured by the OOD accuracy the lowest-perplexity pick loses.
    func figure(_ c: Configuration) -> Figure {
        var chart = Chart(title: "\(c.task), \(c.position)\(Self.settingsText(c.settings)): r(L, F1) per seed",
                          xAxis: ChartAxis(label: "in-distribution r"), yAxis: ChartAxis(label: "out-of-distribution r"))
        let points = c.results.compactMap { result -> (x: Double, y: Double, value: Double)? in
            guard let x = result.inDistribution.pearson, let y = result.outOfDistribution.pearson else { return nil }
            let lost = result.outOfDistribution.selections.first { $0.rule == Self.selectors[0] }?.accuracyLost ?? 0
            return (x, y, lost)
        }
        chart.scatters = [ScatterSeries(name: "seeds", points: points, valueLabel: "OOD accuracy lost by lowest perplexity")]
        if let lo = points.map(\.x).min(), let hi = points.map(\.x).max() {
            chart.lines = [LineSeries(name: "r = 0 out of distribution", points: [(min(lo, -1), 0), (max(hi, 0), 0)], color: "#888888", width: 1, dash: "4 3")]
        }
        chart.legend = .bottomLeft
        return Figure(panels: [chart])
    }

    /// The report in the shape of the project's reproduction reports (Markdown and HTML).
    public var document: ReproductionReport {
        let parity = study.tasks.contains(.parity), copy = study.tasks.contains(.copy)
        let unit = study.grid.isEmpty ? "task × position scheme" : "task × position scheme × the settings given as lists"
        let paritySummary = "the distribution of Pearson's r between log-perplexity and micro-F1 across checkpoints, "
            + "and how often each selection rule picks a checkpoint as accurate as the most accurate one (on the same evaluation set)"
        let copySummary = "at each witness length, how many seeds give a perplexity-wrong witness (α_N = 0…0 copied right, β_N = 0…01 copied as α_N), "
            + "the distribution of |pplx(α_N) − pplx(β_N)|, and how often the Lemma 3.1 prediction of the witness held"
        let summaries = (parity ? [(copy ? "for parity, " : "") + paritySummary] : []) + (copy ? [(parity ? "for copy, " : "") + copySummary] : [])
        var report = ReproductionReport(
            title: "Study \(study.name): \(study.runs.count) runs",
            preamble: "Merged from the runs' result.json files by `perplexed study merge`. Each configuration (\(unit)) is "
                + "summarised over its seeds: " + summaries.joined(separator: "; ") + ".")
        let s = study.settings
        func listed(_ axis: StudyAxis) -> String { study.values(of: axis).map(String.init).joined(separator: ", ") }
        let lengths = study.grid[.maxLength] == nil ? "training 1…\(s.maxLength)" : "training up to \(listed(.maxLength)) bits"
        var run: [(String, String)] = [
            ("study fingerprint", study.fingerprint), ("tasks", study.tasks.map(\.rawValue).joined(separator: ", ")),
            ("positions", study.positions.map(\.rawValue).joined(separator: ", ")),
            ("seeds", study.positions.map { "\($0.rawValue): \(Self.seedList(study.seeds(for: $0)))" }.joined(separator: "; ")),
        ]
        run.append(("steps", listed(.steps) + (parity ? ", a checkpoint every \(s.checkpointEvery)" : "")))
        run.append(("lengths", lengths + (parity ? ", out of distribution \(listed(.oodLength))" : "")))
        if parity { run.append(("evaluation strings", "\(s.idSequences) in distribution, \(s.oodSequences) out of distribution")) }
        run.append(("model", "dModel \(listed(.dModel)), heads \(s.model.heads), layers \(listed(.layers)), mlpHidden \(s.model.mlpHidden)"))
        if let analyses = study.analyses { run.append(("analyses", analyses.map(\.rawValue).joined(separator: ", "))) }
        if copy {
            let predicted = study.resolvedAnalyses.contains(.prediction)
                ? "; Lemma 3.1 predicted from \(study.calibrationPairs) calibration pairs per length" : "; not predicted"
            run.append(("copy witnesses", "N = " + study.witnessLengths.map(String.init).joined(separator: ", ") + predicted))
        }
        report.run = run
        report.sections = study.tasks.flatMap { $0 == .copy ? copyConfigurations.map(copySection) : configurations.map(section) }
        return report
    }

    /// "1…20" for consecutive seeds, else the list.
    static func seedList(_ seeds: [UInt64]) -> String {
        if let first = seeds.first, seeds.count > 2, seeds == (0..<UInt64(seeds.count)).map({ first + $0 }) { return "\(first)…\(seeds.last!) (\(seeds.count))" }
        return seeds.map { "\($0)" }.joined(separator: ", ")
    }

    /// The numbers of the report as data.
    public func json() -> JSONValue {
        func optional(_ v: Double?) -> JSONValue { v.map(JSONValue.double) ?? .null }
        func selector(_ sel: Selector) -> JSONValue {
            .object([("rule", .string(sel.rule)), ("runs", .number("\(sel.runs)")), ("picks_most_accurate", .number("\(sel.picksMostAccurate)")),
                     ("mean_accuracy_lost_when_not", optional(sel.meanLossWhenNot)), ("max_accuracy_lost_when_not", optional(sel.maxLossWhenNot))])
        }
        func set(_ s: SetSummary) -> JSONValue {
            .object([
                ("pearson", s.pearson.map { d in
                    .object([("seeds", .number("\(d.count)")), ("min", .double(d.minimum)), ("lower_quartile", .double(d.lowerQuartile)),
                             ("median", .double(d.median)), ("upper_quartile", .double(d.upperQuartile)), ("max", .double(d.maximum)),
                             ("positive", .number("\(d.positive)"))])
                } ?? .null),
                ("pearson_undefined", .number("\(s.undefined)")),
                ("selectors", .array(s.selectors.map(selector))),
            ])
        }
        return .object([
            ("format", "perplexed-study-report/1"),
            ("study", study.json()), ("fingerprint", .string(study.fingerprint)),
            ("configurations", .array(study.tasks.flatMap { $0 == .copy ? copyConfigurations.map(copyJSON) : configurations.map { c in
                .object([
                    ("task", .string(c.task)), ("position", .string(c.position))] + Self.settingsJSON(c.settings) + [("runs", .array(c.results.map { .string($0.id) })),
                    ("verdict", .string(Self.agreement(c).rawValue)),
                    ("in_distribution", set(c.inDistribution)), ("out_of_distribution", set(c.outOfDistribution)),
                    ("id_choice_judged_ood", .object([("selectors", .array(c.chosenInJudgedOut.map(selector)))])),
                ])
            } })),
        ])
    }

    /// Writes report.md, report.html, report.json and one SVG figure per configuration.
    /// `("settings", {axis: value})` for varying settings; nothing when none vary (as before grids existed).
    static func settingsJSON(_ settings: [Study.AxisValue]) -> [(String, JSONValue)] {
        settings.isEmpty ? [] : [("settings", .object(settings.map { ($0.axis.rawValue, .number("\($0.value)")) }))]
    }

    public func write(to directory: String) throws(FileWriteError) {
        let document = self.document
        for s in document.sections { for f in s.figures { try AtomicFile.write(f.svg, named: f.file, in: directory) } }
        try AtomicFile.write(json().rendered() + "\n", named: "report.json", in: directory)
        try AtomicFile.write(document.markdown(), named: "report.md", in: directory)
        try AtomicFile.write(document.html(), named: "report.html", in: directory)
    }
}
