import Foundation
import Reporting
import Witnesses

/// The copy sweep's settings: the lengths N, each with α_N = 0…0 and β_N = 0…01.
public struct CopySweepConfiguration: Sendable, Equatable {
    /// Lengths N (each >= 1), in order. Default: 16, 32, …, 1024 (the paper's Fig. 2).
    public var lengths: [Int]
    /// Bits of the interval arithmetic that recomputes each witness. Default: 128.
    public var precision: Int

    /// A sweep over `lengths` certified at `precision` bits.
    public init(lengths: [Int] = [16, 32, 64, 128, 256, 512, 1024], precision: Int = 128) {
        self.lengths = lengths
        self.precision = precision
    }

    /// Throws if the list is empty, a length is outside 1…`CopyModel.lengthLimit` or the
    /// precision is outside 16…4096. (Each length must also fit the model: `CopyModel.checkLength`.)
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(!lengths.isEmpty, "lengths", "must list at least one length", "none")
        if let bad = lengths.first(where: { $0 < 1 }) { try ConfigurationError.require(false, "lengths", element: "length", "must be >= 1", bad) }
        if let bad = lengths.first(where: { $0 > CopyModel.lengthLimit }) {
            try ConfigurationError.require(false, "lengths", element: "length", "must be in 1…\(CopyModel.lengthLimit)", bad)
        }
        try ConfigurationError.require((16...4096).contains(precision), "precision", "must be in 16…4096", precision)
    }
}

/// The paper's Fig. 2 on one model: an α_N/β_N witness per length.
public struct CopySweep: Sendable {
    /// One witness per configured length, in order.
    public let witnesses: [CopyWitness]

    /// A sweep from witnesses built elsewhere (to tabulate or plot them).
    public init(witnesses: [CopyWitness]) { self.witnesses = witnesses }

    /// Builds the witnesses, reporting one step per length.
    public static func run<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, configuration: CopySweepConfiguration = CopySweepConfiguration(),
        progress: (ExperimentProgress) -> Void = { _ in }
    ) throws -> CopySweep {
        try configuration.validate()
        let lengths = configuration.lengths
        var result: [CopyWitness] = []
        for (i, n) in lengths.enumerated() {
            progress(ExperimentProgress(.step, "witness \(i + 1)/\(lengths.count): N = \(n)", completed: i, total: lengths.count))
            result.append(try copyWitness(model: &model, prompting: prompting, alpha: Array(repeating: 0, count: n), precision: configuration.precision))
        }
        return CopySweep(witnesses: result)
    }

    /// Whether some witness is certainly outside the corrected Lemma 3.1 bound (a bug: the bound is a theorem).
    public var violatesBound: Bool { witnesses.contains { $0.certified.withinBound == false } }

    /// The witnesses as JSON (without logits).
    public func json() -> JSONValue { .array(witnesses.map { WitnessReport.json($0, includeLogits: false) }) }

    /// One row per length: the quantities of Fig. 2 and the Lemma 3.1 check.
    public func table() -> Table {
        var table = Table(
            columns: ["N", "beta copied as alpha", "eta", "min p(alpha_k)", "min p(alpha_k | bits)", "max p(beta bit)", "pplx(alpha)", "pplx(beta)",
                      "|gap|", "lemma bound", "within", "N gamma", "N eta", "regime", "early stops"],
            numericColumns: [0, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14])
        for w in witnesses {
            let c = w.certified
            table.append([
                "\(w.length)", w.betaCopiedAsAlpha ? "yes" : "no", String(format: "%.3g", w.eta),
                String(format: "%.6f", Double(w.minimumAlphaProbability)), String(format: "%.6f", Double(w.minimumRestrictedAlphaProbability)),
                String(format: "%.3g", Double(w.maximumBetaProbability)),
                String(format: "%.6g", c.alphaLogPerplexity.doubleMidpoint), String(format: "%.6g", c.betaLogPerplexity.doubleMidpoint),
                String(format: "%.3g", c.gap.upper.double(rounding: .up)),
                c.lemmaBound.map { String(format: "%.3g", $0.upper.double(rounding: .up)) } ?? "n/a",
                c.withinBound.map { $0 ? "yes" : "NO" } ?? "n/a",
                String(format: "%.3g", c.nGamma), String(format: "%.3g", c.nEta), c.regime.rawValue,
                "\(w.alpha.prematureStops.count + w.beta.prematureStops.count)",
            ])
        }
        return table
    }

    /// Fig. 2's three panels against log₂ N.
    public func figure(title: String) -> Figure {
        let xs = witnesses.map { Foundation.log2(Double($0.length)) }
        let ticks = Array(Set(xs.map { $0.rounded() })).sorted()
        let xAxis = ChartAxis(label: "N (log scale)", ticks: ticks, tickFormat: { "\(Int(Foundation.pow(2, $0).rounded()))" })
        func points(_ f: (CopyWitness) -> Double) -> [(x: Double, y: Double)] { zip(xs, witnesses).map { ($0, f($1)) } }
        var left = Chart(title: "L∞ distance of α and β distributions", xAxis: xAxis, yAxis: ChartAxis(label: "max over copy positions"))
        left.lines = [LineSeries(name: "η", points: points(\.eta), color: Palette.color(0))]
        var middle = Chart(title: "Confidence", xAxis: xAxis, yAxis: ChartAxis(label: "probability", range: 0...1))
        middle.lines = [
            LineSeries(name: "min p(α_k)  (≈ 1 − γ)", points: points { Double($0.minimumAlphaProbability) }, color: Palette.color(1)),
            LineSeries(name: "min p(α_k), restricted to {0, 1}", points: points { Double($0.minimumRestrictedAlphaProbability) }, color: Palette.color(5), dash: "2 2"),
            LineSeries(name: "max p(β's bit)", points: points { Double($0.maximumBetaProbability) }, color: Palette.color(2), dash: "5 3"),
        ]
        middle.legend = .bottomLeft
        var right = Chart(title: "Log-perplexity along greedy outputs", xAxis: xAxis, yAxis: ChartAxis(label: "pplx (nats per token)"))
        right.lines = [
            LineSeries(name: "pplx(α_N)", points: points { $0.certified.alphaLogPerplexity.doubleMidpoint }, color: Palette.color(3)),
            LineSeries(name: "pplx(β_N)", points: points { $0.certified.betaLogPerplexity.doubleMidpoint }, color: Palette.color(4), dash: "5 3"),
        ]
        right.legend = .topRight
        return Figure(panels: [left, middle, right], columns: 3, title: title)
    }
}
