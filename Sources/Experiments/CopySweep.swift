import Foundation
import MultiPrecision
import Reporting
import Witnesses

/// How a copy sweep predicts its witnesses from Lemma 3.1 before building them (issue 14;
/// Proofs/lemma-3-1.md, "As a prediction"): at each length N, calibration pairs (0…0, j) with j
/// drawn from the witness's own class of flips ⌊flipsAfter·N⌋ + 1 … N, never j = N; η(N) and
/// m(N) from them; the copy of β_N = 0…01, the bound and n′ predicted from (m, ε, η(N), ξ); the
/// witness is then the test.
public struct CopySweepPrediction: Sendable, Equatable {
    /// Calibration pairs per length (1…1000), fewer where the class has fewer other positions. Default: 10.
    public var calibrationPairs: Int
    /// Seed of the calibration flips. Default: 1.
    public var seed: UInt64
    /// The class of flips, [0, 1): 1/2 (the default) calibrates on the second half, where the
    /// witness's own flip (the last bit) lies; 0 takes every position, as the lemma states it.
    public var flipsAfter: Double
    /// ε for the predicted bound: a floor of every probability the model gives (nil: no bound, no n′).
    public var floor: BigRational?
    /// The gaps ξ for which n′ is predicted. Default: 1/10 and 1/20.
    public var xis: [BigRational]

    /// A prediction with `calibrationPairs` pairs per length from `seed`.
    public init(calibrationPairs: Int = 10, seed: UInt64 = 1, flipsAfter: Double = 0.5, floor: BigRational? = nil,
                xis: [BigRational] = LemmaTestConfiguration().xis) {
        self.calibrationPairs = calibrationPairs
        self.seed = seed
        self.flipsAfter = flipsAfter
        self.floor = floor
        self.xis = xis
    }

    /// The largest number of calibration pairs per length.
    public static let pairLimit = 1000

    /// The same settings as a Lemma 3.1 test with α = 0…0 and one test pair per length.
    func lemmaConfiguration(lengths: [Int], precision: Int) -> LemmaTestConfiguration {
        LemmaTestConfiguration(lengths: lengths, calibrationPairs: calibrationPairs, testPairs: 1, calibrationSeed: seed, testSeed: seed &+ 1,
                               base: .zeros, flipsAfter: flipsAfter, floor: floor, xis: xis, precision: precision)
    }
}

/// The copy sweep's settings: the lengths N, each with α_N = 0…0 and β_N = 0…01.
public struct CopySweepConfiguration: Sendable, Equatable {
    /// Lengths N (each >= 1), in order. Default: 16, 32, …, 1024 (the paper's Fig. 2).
    public var lengths: [Int]
    /// Bits of the interval arithmetic that recomputes each witness. Default: 128.
    public var precision: Int
    /// The Lemma 3.1 prediction of each witness; nil (the default here): only each witness's
    /// check against the bound from its own ε and η.
    public var prediction: CopySweepPrediction?

    /// A sweep over `lengths` certified at `precision` bits, predicted from calibration when `prediction` is given.
    public init(lengths: [Int] = [16, 32, 64, 128, 256, 512, 1024], precision: Int = 128, prediction: CopySweepPrediction? = nil) {
        self.lengths = lengths
        self.precision = precision
        self.prediction = prediction
    }

    /// Throws if the list is empty, a length is outside 1…`CopyModel.lengthLimit` or the
    /// precision is outside 16…4096; with a prediction, also if the lengths are not increasing,
    /// a length has no other position to calibrate on in its class, or a prediction setting is
    /// out of range. (Each length must also fit the model: `CopyModel.checkLength`.)
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(!lengths.isEmpty, "lengths", "must list at least one length", "none")
        if let bad = lengths.first(where: { $0 < 1 }) { try ConfigurationError.require(false, "lengths", element: "length", "must be >= 1", bad) }
        if let bad = lengths.first(where: { $0 > CopyModel.lengthLimit }) {
            try ConfigurationError.require(false, "lengths", element: "length", "must be in 1…\(CopyModel.lengthLimit)", bad)
        }
        try ConfigurationError.require((16...4096).contains(precision), "precision", "must be in 16…4096", precision)
        guard let prediction else { return }
        try ConfigurationError.require((1...CopySweepPrediction.pairLimit).contains(prediction.calibrationPairs), "calibrationPairs",
                                       "must be in 1…\(CopySweepPrediction.pairLimit)", prediction.calibrationPairs)
        let lemma = prediction.lemmaConfiguration(lengths: lengths, precision: precision)
        try lemma.validate()
        if let bad = lengths.first(where: { lemma.flips(length: $0).count < 2 }) {
            try ConfigurationError.require(false, "lengths", element: "length",
                                           "must leave a position other than N to calibrate on (⌊\(prediction.flipsAfter)·N⌋ + 1 < N)", bad)
        }
    }
}

/// The paper's Fig. 2 on one model: an α_N/β_N witness per length.
public struct CopySweep: Sendable {
    /// One witness per configured length, in order.
    public let witnesses: [CopyWitness]
    /// Lemma 3.1 predicted from calibration and tested on the witnesses (one test pair per
    /// length); nil when the sweep was run without a prediction.
    public let lemma: LemmaTest?

    /// A sweep from witnesses built elsewhere (to tabulate or plot them), with their prediction if any.
    public init(witnesses: [CopyWitness], lemma: LemmaTest? = nil) {
        self.witnesses = witnesses
        self.lemma = lemma
    }

    /// Builds the witness of every length, reporting progress per calibration pair and per
    /// witness. With a prediction, each length is calibrated first, and its witness is then
    /// built from the same copy of α = 0…0 (copying it once, not twice); the prediction comes
    /// from the calibration alone (``LemmaTest/predict(calibration:floor:xis:calibrationStrings:precision:)``
    /// never sees a witness), and each witness's copy prediction from η(N) and its α's margin,
    /// both read before its β is copied. A length where the model does not copy α = 0…0 with a
    /// margin is not calibrated: nothing can be predicted there.
    public static func run<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, configuration: CopySweepConfiguration = CopySweepConfiguration(),
        progress: (ExperimentProgress) -> Void = { _ in }
    ) throws -> CopySweep {
        try configuration.validate()
        let lengths = configuration.lengths
        var result: [CopyWitness] = []
        func witness(_ model: inout M, alphaCopy: GreedyCopy?) throws {
            let i = result.count, n = lengths[i]
            progress(ExperimentProgress(.step, "witness \(i + 1)/\(lengths.count): N = \(n)", completed: i, total: lengths.count))
            if let alphaCopy, alphaCopy.target == Array(repeating: 0, count: n) {
                result.append(try copyWitness(model: &model, prompting: prompting, alphaCopy: alphaCopy, flip: n, precision: configuration.precision))
            } else {
                result.append(try copyWitness(model: &model, prompting: prompting, alpha: Array(repeating: 0, count: n), precision: configuration.precision))
            }
        }
        guard let settings = configuration.prediction else {
            for _ in lengths { try witness(&model, alphaCopy: nil) }
            return CopySweep(witnesses: result)
        }
        let lemma = settings.lemmaConfiguration(lengths: lengths, precision: configuration.precision)
        var pairs: [Int: [LemmaPair]] = [:], strings: [Int: Set<[Int]>] = [:]
        for n in lengths {
            // The witness's own β (flip N) is kept out of calibration.
            let own = LemmaPair(alpha: Array(repeating: 0, count: n), flip: n).beta
            let flips = lemma.flips(length: n)
            pairs[n] = try LemmaTest.draw(length: n, count: Swift.min(settings.calibrationPairs, flips.count - 1), seed: settings.seed, base: .zeros,
                                          flips: flips, avoiding: [own])
            strings[n] = Set(pairs[n, default: []].map(\.beta))
        }
        let calibration = try LemmaTest.calibrate(model: &model, prompting: prompting, pairs: pairs, lengths: lengths,
                                                  precision: configuration.precision, skipWithoutMargin: true, progress: progress) { model, _, alpha in
            try witness(&model, alphaCopy: alpha)
        }
        let record = try LemmaTest.predict(calibration: calibration, floor: settings.floor, xis: settings.xis, calibrationStrings: strings,
                                           precision: configuration.precision)
        // The copy prediction needs only η(N) and α's margin, both known before β was copied.
        let outcomes = zip(record.lengths, result).map { p, w in
            LemmaLengthOutcome(prediction: p, pairs: [LemmaTestPair(pair: LemmaPair(alpha: w.alpha.target, flip: w.length), witness: w,
                                                                    copyPredicted: p.eta < w.alpha.margin)])
        }
        return CopySweep(witnesses: result, lemma: LemmaTest(configuration: lemma, calibration: calibration, prediction: record, outcomes: outcomes,
                                                             testDescription: "each length's witness β_N = 0…01 (its flip, N, never flipped in calibration)"))
    }

    /// Whether some witness is certainly outside the corrected Lemma 3.1 bound (a bug: the bound is a theorem).
    public var violatesBound: Bool { witnesses.contains { $0.certified.withinBound == false } }

    /// The witnesses (without logits) and the prediction (null without one) as JSON.
    public func json() -> JSONValue {
        .object([("witnesses", .array(witnesses.map { WitnessReport.json($0, includeLogits: false) })), ("prediction", lemma?.json() ?? .null)])
    }

    /// One row per length: the quantities of Fig. 2, the check of each witness against the bound
    /// from its own ε and η, and with a prediction, Lemma 3.1's prediction and whether it held.
    public func table() -> Table {
        var columns = ["N", "beta copied as alpha", "eta", "min p(alpha_k)", "min p(alpha_k | bits)", "max p(beta bit)", "pplx(alpha)", "pplx(beta)",
                       "|gap|", "own bound (check)", "within own bound", "N gamma", "N eta", "regime", "early stops"]
        var numeric = [0, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14]
        if lemma != nil {
            numeric += [columns.count, columns.count + 2]
            columns += ["eta(N) calibrated", "copy predicted", "predicted bound", "prediction held"]
        }
        var table = Table(columns: columns, numericColumns: Set(numeric))
        for (i, w) in witnesses.enumerated() {
            let c = w.certified
            var predicted: [String] = []
            if let outcome = lemma?.outcomes[i], let pair = outcome.pairs.first {
                let p = outcome.prediction
                predicted = [p.eta.isNaN ? "n/a (alpha not copied)" : String(format: "%.3g", p.eta), pair.copyPredicted ? "yes" : "no",
                             p.bound.map { String(format: "%.3g", $0.upper.double(rounding: .up)) } ?? "n/a", Self.verdict(outcome)]
            }
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
            ] + predicted)
        }
        return table
    }

    /// Whether the witness bore out what was predicted for it: "yes", "NO (…)", "undecided"
    /// (gap and bound overlap), or "n/a" when nothing was predicted (η(N) not below its margin).
    static func verdict(_ outcome: LemmaLengthOutcome) -> String { CopyPredictionVerdict(outcome).text }

    /// Fig. 2's three panels against log₂ N.
    public func figure(title: String) -> Figure {
        let xs = witnesses.map { Foundation.log2(Double($0.length)) }
        let ticks = Array(Set(xs.map { $0.rounded() })).sorted()
        let xAxis = ChartAxis(label: "N (log scale)", ticks: ticks, tickFormat: { "\(Int(Foundation.pow(2, $0).rounded()))" })
        func points(_ f: (CopyWitness) -> Double) -> [(x: Double, y: Double)] { zip(xs, witnesses).map { ($0, f($1)) } }
        var left = Chart(title: "L∞ distance of α and β distributions", xAxis: xAxis, yAxis: ChartAxis(label: "max over copy positions"))
        left.lines = [LineSeries(name: "η", points: points(\.eta), color: Palette.color(0))]
        if let lemma {
            left.lines.append(LineSeries(name: "η(N), calibrated (largest over other flips)", points: zip(xs, lemma.prediction.lengths).filter { !$1.eta.isNaN }.map { ($0, $1.eta) },
                                         color: Palette.color(2), dash: "5 3"))
        }
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

/// How one length's witness bore out its Lemma 3.1 prediction (raw values as stored in a
/// study's copy results).
public enum CopyPredictionVerdict: String, Sendable, CaseIterable {
    /// Copied as predicted, and the gap within the predicted bound (or no bound was predicted).
    case held
    /// Predicted to be copied as α, but it was not.
    case notCopied = "not_copied"
    /// Copied, but the gap is certainly above the predicted bound.
    case gapAboveBound = "gap_above_bound"
    /// Copied; the gap's enclosure overlaps the bound's.
    case undecided
    /// Nothing was predicted: η(N) was not below the margin of α's copy.
    case notPredicted = "not_predicted"

    /// The verdict on `outcome`'s witness.
    public init(_ outcome: LemmaLengthOutcome) {
        if outcome.covered.isEmpty { self = .notPredicted }
        else if outcome.copyFailures > 0 { self = .notCopied }
        else if (outcome.boundFailures ?? 0) > 0 { self = .gapAboveBound }
        else { self = outcome.boundUndecided > 0 ? .undecided : .held }
    }

    /// As the sweep's table shows it.
    public var text: String {
        switch self {
        case .held: "yes"
        case .notCopied: "NO (not copied as alpha)"
        case .gapAboveBound: "NO (gap above bound)"
        case .undecided: "undecided"
        case .notPredicted: "n/a"
        }
    }
}
