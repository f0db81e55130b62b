import Foundation
import Kernels
import MultiPrecision
import PerplexityTheory
import Reporting
import Witnesses

/// Which base strings α_N a Lemma 3.1 test draws (``LemmaTestConfiguration/base``).
public enum LemmaBaseStrings: Sendable, Equatable {
    /// Each bit of α is 1 with this probability, independently (1/2: uniform random bitstrings).
    /// Calibration and test share no string, α or β.
    case random(onesProbability: Double)
    /// α_N = 0…0 for every pair (Fig. 2's base string, the only one the default copy
    /// Transformer copies past its training length). Calibration and test share α and differ
    /// in their flipped positions: no β is in both.
    case zeros
}

/// The settings of a Lemma 3.1 prediction test (``LemmaTest``).
///
/// Base strings: `base`; the flipped position j is uniform in the class
/// ⌊`flipsAfter`·N⌋ + 1 … N (all of 1…N by default). Calibration draws from
/// `SeededGenerator(seed:)` with `calibrationSeed`, the test from `testSeed`, one generator per
/// length (seeded with the seed and N), and the test refuses every pair whose β (and, for random
/// base strings, whose α) was copied in calibration at that length: the draws are disjoint as
/// strings, not only as seeds.
public struct LemmaTestConfiguration: Sendable, Equatable {
    /// Lengths N, in increasing order, each calibrated and tested. Default: 16, 32, 64, 128, 256.
    public var lengths: [Int]
    /// Calibration pairs (α, j) per length (1…100000). Default: 100.
    public var calibrationPairs: Int
    /// Fresh test pairs per length (1…100000). Default: 100.
    public var testPairs: Int
    /// Seed of the calibration draws (seed A). Default: 1.
    public var calibrationSeed: UInt64
    /// Seed of the test draws (seed B, different from A). Default: 2.
    public var testSeed: UInt64
    /// The base strings. Default: uniform random bits.
    public var base: LemmaBaseStrings
    /// The flipped positions j form the class ⌊flipsAfter·N⌋ + 1 … N, flipsAfter in [0, 1).
    /// Default 0: every position, as Lemma 3.1 states it; 1/2 restricts the lemma (and its
    /// prediction) to flips in the second half.
    public var flipsAfter: Double
    /// ε_model: a certified lower bound on every probability the model gives, on any input
    /// (exact, in (0, 1)); nil when none is known, and then no bound and no n′ are predicted.
    public var floor: BigRational?
    /// The gaps ξ for which n′ is predicted (each > 0). Default: 1/10 and 1/20.
    public var xis: [BigRational]
    /// Bits of the interval arithmetic of every witness (16…4096). Default: 128.
    public var precision: Int

    /// A test over `lengths` with `calibrationPairs` and `testPairs` pairs per length.
    public init(
        lengths: [Int] = [16, 32, 64, 128, 256], calibrationPairs: Int = 100, testPairs: Int = 100,
        calibrationSeed: UInt64 = 1, testSeed: UInt64 = 2, base: LemmaBaseStrings = .random(onesProbability: 0.5), flipsAfter: Double = 0,
        floor: BigRational? = nil, xis: [BigRational] = [try! BigRational(1, 10), try! BigRational(1, 20)], precision: Int = 128
    ) {
        self.lengths = lengths
        self.calibrationPairs = calibrationPairs
        self.testPairs = testPairs
        self.calibrationSeed = calibrationSeed
        self.testSeed = testSeed
        self.base = base
        self.flipsAfter = flipsAfter
        self.floor = floor
        self.xis = xis
        self.precision = precision
    }

    /// The largest number of pairs per length, calibration or test.
    public static let pairLimit = 100_000

    /// The class of flipped positions at length N: ⌊flipsAfter·N⌋ + 1 … N.
    public func flips(length n: Int) -> ClosedRange<Int> {
        Swift.min(n, Int((flipsAfter * Double(n)).rounded(.down)) + 1)...n
    }

    /// How the report names the base strings and flips.
    public var drawDescription: String {
        let bases = switch base {
        case .random(let ρ): "random base strings α (each bit 1 with probability \(ρ))"
        case .zeros: "α_N = 0…0 (shared by calibration and test; their flipped positions differ)"
        }
        return bases + (flipsAfter == 0 ? ", flips at every position" : ", flips j > ⌊\(flipsAfter)·N⌋ only")
    }

    /// Throws the first field outside its range.
    public func validate() throws(ConfigurationError) {
        try CopySweepConfiguration(lengths: lengths, precision: precision).validate()
        try ConfigurationError.require(zip(lengths, lengths.dropFirst()).allSatisfy { $0 < $1 }, "lengths", "must be increasing, without repeats",
                                       lengths.map(String.init).joined(separator: ","))
        try ConfigurationError.require((1...Self.pairLimit).contains(calibrationPairs), "calibrationPairs", "must be in 1…\(Self.pairLimit)", calibrationPairs)
        try ConfigurationError.require((1...Self.pairLimit).contains(testPairs), "testPairs", "must be in 1…\(Self.pairLimit)", testPairs)
        try ConfigurationError.require(calibrationSeed != testSeed, "testSeed", "must differ from the calibration seed", testSeed)
        if case .random(let ρ) = base { try ConfigurationError.require(ρ > 0 && ρ < 1, "onesProbability", "must be in (0, 1)", ρ) }
        try ConfigurationError.require(flipsAfter >= 0 && flipsAfter < 1, "flipsAfter", "must be in [0, 1)", flipsAfter)
        if let floor { try ConfigurationError.require(floor > 0 && floor < 1, "floor", "must be in (0, 1)", floor.briefText) }
        try ConfigurationError.require(!xis.isEmpty, "xis", "must list at least one gap", "none")
        if let bad = xis.first(where: { $0 <= 0 }) { try ConfigurationError.require(false, "xis", element: "gap", "must be > 0", bad.briefText) }
        // n′ must fit in 64 bits whatever the calibration finds: its dilution part depends on ξ and ε alone.
        if let floor {
            for xi in xis {
                do {
                    _ = try lemmaThreshold(xi: xi, margin: try! BigRational(1, 4), floor: floor, delta: 1, precision: 256)
                } catch {
                    try ConfigurationError.require(false, "xis", element: "gap", "must be \(error.requirement)", xi.briefText)
                }
            }
        }
    }
}

/// One pair: the base string α_N and the flipped position j (1-based); β_N is α_N with bit j flipped.
public struct LemmaPair: Sendable, Equatable {
    public let alpha: [Int]
    public let flip: Int

    public init(alpha: [Int], flip: Int) {
        self.alpha = alpha
        self.flip = flip
    }

    /// β_N.
    public var beta: [Int] {
        var b = alpha
        b[flip - 1] ^= 1
        return b
    }
}

/// Why a prediction test could not run.
public enum LemmaTestError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Too few distinct strings at this length to draw the pairs asked for apart from calibration.
    case cannotDrawDisjointPairs(length: Int, wanted: Int, drawn: Int)
    /// A test pair shares a string (its α or β) with the calibration at the same length.
    case notDisjoint(length: Int, bits: String)
    /// The pairs given do not match the calibrated lengths.
    case lengthsMismatch(calibrated: [Int], tested: [Int])

    public var description: String {
        switch self {
        case let .cannotDrawDisjointPairs(length, wanted, drawn):
            return "at N = \(length) only \(drawn) of \(wanted) pairs could be drawn with strings not seen before (too few distinct strings: raise N or the ones probability, or ask for fewer pairs)"
        case let .notDisjoint(length, bits):
            return "the test string \(bits) at N = \(length) was also copied in calibration"
        case let .lengthsMismatch(calibrated, tested):
            return "test lengths \(tested) differ from the calibrated lengths \(calibrated)"
        }
    }
}

/// What calibration measured at one length N.
public struct LemmaCalibration: Sendable {
    /// N.
    public let length: Int
    /// Calibration pairs at N.
    public let pairs: Int
    /// η(N): the largest L∞ distance between the α and β next-token distributions at the same
    /// copy step, over every pair at N (the upper end of each witness's certified η); NaN when
    /// no pair was run (``LemmaTest/calibrate(model:prompting:pairs:lengths:precision:skipWithoutMargin:progress:afterLength:)``).
    public let eta: Double
    /// m(N): the smallest margin (smallest p(α_k) − 1/2 on α's own greedy copy) over the
    /// calibration α's at N: the model's copy margin as calibrated. At most 0 when some α is not
    /// copied with a margin.
    public let margin: Double
    /// The smallest margin per calibration α, in draw order (for the JSON report).
    public let margins: [Double]
    /// The certified η per calibration pair, in draw order.
    public let etas: [Double]
}

/// What Lemma 3.1 predicts at one length, from calibration alone.
public struct LemmaLengthPrediction: Sendable {
    /// N.
    public let length: Int
    /// η(N) from calibration.
    public let eta: Double
    /// m(N) from calibration.
    public let margin: Double
    /// Whether the lemma predicts that β_N is copied as α_N for an α with the calibrated margin:
    /// η(N) < m(N). (For each test pair the test α's own margin is used: ``LemmaTestPair``.)
    public let copyPredicted: Bool
    /// The predicted bound (−log ε_model)/N + 2η(N)(N − 1)/N (certified), nil when ε_model is
    /// unknown or η(N) >= 1/2 (outside the lemma).
    public let bound: Interval?
}

/// The predicted n′ for one gap ξ, on the finite grid of tested lengths.
public struct LemmaThresholdPrediction: Sendable {
    /// ξ.
    public let xi: BigRational
    /// The grid n′: the smallest tested N such that every tested N′ >= N has η(N′) < m(N′) and a
    /// predicted bound certainly below ξ; nil when no tested length qualifies (or ε_model is unknown).
    public let gridThreshold: Int?
    /// The lemma's own n′ (`lemmaThreshold(xi:margin:floor:delta:precision:)`) with
    /// η = min(m, ξ/4), m the smallest calibrated margin from N_c on, and δ = 1/N_c, where N_c
    /// is the smallest tested N from which every tested N′ >= N has η(N′) <= min(m(N′), ξ/4): the
    /// largest δ whose lengths 1/(N + 1) < δ are all calibrated lengths at or beyond N_c. nil
    /// when there is no such N_c or ε_model is unknown.
    public let lemma: LemmaThreshold?
}

/// Everything predicted before any test pair is run.
public struct LemmaPredictionRecord: Sendable {
    /// ε_model as given (nil: unknown).
    public let floor: BigRational?
    /// Calibration pairs per length.
    public let calibrationPairs: Int
    /// Per length, in order.
    public let lengths: [LemmaLengthPrediction]
    /// Per ξ.
    public let thresholds: [LemmaThresholdPrediction]
    /// The strings copied in calibration at each length, which the test must avoid: α and β
    /// for random base strings, β only when every pair shares α = 0…0.
    public let calibrationStrings: [Int: Set<[Int]>]
}

/// One test pair: what was predicted from α's own copy and the calibration, and what happened.
public struct LemmaTestPair: Sendable {
    public let pair: LemmaPair
    /// The margin of this α: smallest p(α_k) − 1/2 over its own greedy copy (float32 probabilities).
    public let margin: Double
    /// Predicted before β was run: β copied as α, because η(N) < this α's margin.
    public let copyPredicted: Bool
    /// Observed.
    public let copiedAsAlpha: Bool
    /// Certified |pplx(α_N) − pplx(β_N)|.
    public let gap: Interval
    /// This pair's own η (upper end of its certified enclosure).
    public let eta: Double
    /// The per-witness consistency check: the gap within the bound made from this pair's own ε
    /// and η (nil when the pair is outside the lemma's hypotheses or undecided).
    public let withinOwnBound: Bool?
    /// The smallest probability of a target bit over both copies (float32).
    public let smallestProbability: Float
}

extension LemmaTestPair {
    /// The outcome of `pair` read off its witness, with the copy prediction made before β was copied.
    init(pair: LemmaPair, witness w: CopyWitness, copyPredicted: Bool) {
        self.init(pair: pair, margin: w.alpha.margin, copyPredicted: copyPredicted, copiedAsAlpha: w.betaCopiedAsAlpha, gap: w.certified.gap,
                  eta: w.certified.eta.upper.double(rounding: .up), withinOwnBound: w.certified.withinBound,
                  smallestProbability: (w.alpha.targetProbability + w.beta.targetProbability).min() ?? 0)
    }
}

/// The test at one length.
public struct LemmaLengthOutcome: Sendable {
    public let prediction: LemmaLengthPrediction
    public let pairs: [LemmaTestPair]

    /// Pairs whose copy was predicted (η(N) < their α's margin).
    public var covered: [LemmaTestPair] { pairs.filter(\.copyPredicted) }
    /// Fraction of pairs predicted to be copied as α (the lemma predicts nothing about the others).
    public var predictedFraction: Double { Double(covered.count) / Double(max(1, pairs.count)) }
    /// Fraction of all pairs observed copied as α.
    public var observedFraction: Double { Double(pairs.filter(\.copiedAsAlpha).count) / Double(max(1, pairs.count)) }
    /// Covered pairs not copied as α: failures of the copy prediction.
    public var copyFailures: Int { covered.filter { !$0.copiedAsAlpha }.count }
    /// The largest certified gap (upper end) over the covered pairs.
    public var largestCoveredGap: Double? { covered.map { $0.gap.upper.double(rounding: .up) }.max() }
    /// The largest gap over all pairs.
    public var largestGap: Double { pairs.map { $0.gap.upper.double(rounding: .up) }.max() ?? 0 }
    /// Covered pairs whose gap is certainly above the predicted bound; nil without a bound.
    public var boundFailures: Int? {
        prediction.bound.map { bound in covered.filter { $0.gap.lower > bound.upper }.count }
    }
    /// Covered pairs neither certainly within nor certainly beyond the bound.
    public var boundUndecided: Int {
        guard let bound = prediction.bound else { return 0 }
        return covered.filter { !($0.gap.upper <= bound.lower) && !($0.gap.lower > bound.upper) }.count
    }
}

/// Lemma 3.1 as a prediction, then its test (issue 14; Proofs/lemma-3-1.md, "As a prediction").
///
/// 1. Calibration (seed A): per length N, pairs (α, j); each α's margin from its own greedy copy
///    and each pair's η from `copyWitness(model:prompting:alpha:flip:threshold:precision:)`.
///    η(N) is the largest; m(N) the smallest margin. No curve is fitted: η(N) is used only at the
///    lengths where it was measured, and the test runs at those same lengths.
/// 2. Prediction (``predict(calibration:floor:xis:calibrationStrings:precision:)``), from (m, ε_model, η(N), ξ):
///    the copy at each N, the bound at each N and n′ per ξ, recorded before any test pair runs.
/// 3. Test (seed B): fresh pairs; for each, α's own copy first, its copy prediction
///    (η(N) < margin of α) recorded, then β's copy; per N predicted against observed.
public struct LemmaTest: Sendable {
    /// The settings.
    public let configuration: LemmaTestConfiguration
    /// What calibration measured, per length.
    public let calibration: [LemmaCalibration]
    /// What was predicted.
    public let prediction: LemmaPredictionRecord
    /// What the test found, per length.
    public let outcomes: [LemmaLengthOutcome]
    /// How the report names the test pairs; nil: fresh pairs drawn from the test seed.
    public let testDescription: String?

    // MARK: Drawing pairs

    /// The pairs at length N from `seed`: `count` pairs with flips in `flips` (default 1…N),
    /// none of whose β, and for random base strings none of whose α, is in `avoiding`; random
    /// base strings are distinct, and with ``LemmaBaseStrings/zeros`` the flips are. Throws when
    /// too few distinct strings exist to find them.
    public static func draw(
        length n: Int, count: Int, seed: UInt64, base: LemmaBaseStrings, flips: ClosedRange<Int>? = nil, avoiding: Set<[Int]> = []
    ) throws -> [LemmaPair] {
        var generator = SeededGenerator(seed: seed ^ (UInt64(n) &* 0x9E37_79B9_7F4A_7C15))
        let flips = flips ?? 1...n
        precondition(flips.lowerBound >= 1 && flips.upperBound <= n, "flips must lie in 1…N")
        switch base {
        case .zeros:
            // Without replacement: the class shuffled (Fisher–Yates on our own generator, so a
            // seed replays on every Swift version), skipping β's to avoid.
            let alpha = Array(repeating: 0, count: n)
            var order = Array(flips)
            for i in order.indices.dropLast() { order.swapAt(i, generator.nextInt(in: i...(order.count - 1))) }
            let pairs = order.lazy.map { LemmaPair(alpha: alpha, flip: $0) }.filter { !avoiding.contains($0.beta) }.prefix(count)
            guard pairs.count == count else { throw LemmaTestError.cannotDrawDisjointPairs(length: n, wanted: count, drawn: pairs.count) }
            return Array(pairs)
        case .random(let ρ):
            var pairs: [LemmaPair] = [], seen = avoiding
            var attempts = 0
            let limit = 50 * count + 1000
            while pairs.count < count {
                guard attempts < limit else { throw LemmaTestError.cannotDrawDisjointPairs(length: n, wanted: count, drawn: pairs.count) }
                attempts += 1
                let alpha = (0..<n).map { _ in generator.nextUnit() < ρ ? 1 : 0 }
                let pair = LemmaPair(alpha: alpha, flip: generator.nextInt(in: flips))
                guard !seen.contains(alpha), !seen.contains(pair.beta) else { continue }
                seen.insert(alpha)
                seen.insert(pair.beta)
                pairs.append(pair)
            }
            return pairs
        }
    }

    // MARK: The three steps

    /// Step 1: η(N) and m(N) from the pairs at each length (calibration never sees a test pair).
    ///
    /// With `skipWithoutMargin`, for pairs that all share one α (a copy sweep's 0…0): where α's
    /// own copy has no margin (m ≤ 0: some p(α_k) ≤ 1/2), no flip of it can be predicted whatever
    /// η(N) is, so its flips are not copied at all; that length is recorded with no pairs, m
    /// from α's copy and η(N) unmeasured (NaN). This is what keeps a long model that no longer
    /// copies α (Gemma 3 from N = 256) from spending most of a sweep on calibration.
    ///
    /// `afterLength` runs after each length's calibration with the model, what was
    /// measured there and the shared α's copy (nil when the pairs do not share one α): a copy
    /// sweep builds that length's witness there from the same α copy instead of copying α
    /// again. Nothing it does reaches calibration, so it cannot change η(N) or m(N) anywhere.
    public static func calibrate<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, pairs: [Int: [LemmaPair]], lengths: [Int], precision: Int = 128,
        skipWithoutMargin: Bool = false, progress: (ExperimentProgress) -> Void = { _ in },
        afterLength: (inout M, LemmaCalibration, GreedyCopy?) throws -> Void = { _, _, _ in }
    ) throws -> [LemmaCalibration] {
        let total = lengths.reduce(0) { $0 + (pairs[$1]?.count ?? 0) }
        var done = 0
        return try lengths.map { n in
            let (calibration, alpha) = try calibrateLength(n, model: &model, prompting: prompting, pairs: pairs[n] ?? [], precision: precision,
                                                           skipWithoutMargin: skipWithoutMargin, done: &done, total: total, progress: progress)
            try afterLength(&model, calibration, alpha)
            return calibration
        }
    }

    /// One length of ``calibrate(model:prompting:pairs:lengths:precision:skipWithoutMargin:progress:afterLength:)``:
    /// what was measured, and the shared α's copy when the pairs share one α.
    private static func calibrateLength<M: LanguageModel>(
        _ n: Int, model: inout M, prompting: some CopyPrompting, pairs: [LemmaPair], precision: Int, skipWithoutMargin: Bool,
        done: inout Int, total: Int, progress: (ExperimentProgress) -> Void
    ) throws -> (LemmaCalibration, GreedyCopy?) {
        progress(ExperimentProgress(.stage, "calibration at N = \(n)"))
        var etas: [Double] = [], margins: [Double] = []
        var alphaCopy: GreedyCopy? = nil  // α's copy, reused while consecutive pairs share α
        let shared = pairs.allSatisfy { $0.alpha == pairs.first?.alpha } ? pairs.first?.alpha : nil
        if skipWithoutMargin, let alpha = shared {
            let copy = try greedyCopy(alpha, model: &model, prompting: prompting)
            if copy.margin <= 0 {
                done += pairs.count
                progress(ExperimentProgress(.step, "calibration at N = \(n) skipped: α is not copied with a margin (m = \(formatMargin(copy.margin))), so no flip can be predicted",
                                            completed: done, total: total))
                return (LemmaCalibration(length: n, pairs: 0, eta: .nan, margin: copy.margin, margins: [], etas: []), copy)
            }
            alphaCopy = copy
        }
        for pair in pairs {
            let alpha = try copyOfAlpha(pair, reusing: &alphaCopy, model: &model, prompting: prompting)
            let w = try copyWitness(model: &model, prompting: prompting, alphaCopy: alpha, flip: pair.flip, precision: precision)
            etas.append(w.certified.eta.upper.double(rounding: .up))
            margins.append(w.alpha.margin)
            done += 1
            progress(ExperimentProgress(.step, "calibration pair \(done)/\(total) (N = \(n))", completed: done, total: total))
        }
        let calibration = LemmaCalibration(length: n, pairs: etas.count, eta: etas.max() ?? 0, margin: margins.min() ?? 0, margins: margins, etas: etas)
        return (calibration, shared == nil ? nil : alphaCopy)
    }

    /// α's greedy copy for `pair`: `last` when it is already α's copy (consecutive pairs that
    /// share α copy it once), else a new copy, which becomes `last`.
    static func copyOfAlpha<M: LanguageModel>(
        _ pair: LemmaPair, reusing last: inout GreedyCopy?, model: inout M, prompting: some CopyPrompting
    ) throws -> GreedyCopy {
        if let last, last.target == pair.alpha { return last }
        let copy = try greedyCopy(pair.alpha, model: &model, prompting: prompting)
        last = copy
        return copy
    }

    /// Step 2: the prediction from calibration, ε_model and the gaps ξ. Pure arithmetic.
    public static func predict(
        calibration: [LemmaCalibration], floor: BigRational?, xis: [BigRational], calibrationStrings: [Int: Set<[Int]>] = [:], precision: Int = 128
    ) throws -> LemmaPredictionRecord {
        let epsilon = try floor.map { try Interval($0, precision: precision) }
        let lengths = try calibration.map { c -> LemmaLengthPrediction in
            var bound: Interval? = nil
            if let epsilon, c.eta < 0.5 {
                bound = try lemmaBound(length: c.length, eta: Interval(c.eta, precision: precision), floor: epsilon)
            }
            return LemmaLengthPrediction(length: c.length, eta: c.eta, margin: c.margin, copyPredicted: c.eta < c.margin, bound: bound)
        }
        let thresholds = try xis.map { xi -> LemmaThresholdPrediction in
            guard let floor else { return LemmaThresholdPrediction(xi: xi, gridThreshold: nil, lemma: nil) }
            let x = try Interval(xi, precision: precision)
            // Scanning down from the longest length: the suffix where every length qualifies.
            func suffixStart(_ qualifies: (LemmaLengthPrediction) -> Bool) -> Int? {
                var start: Int? = nil
                for p in lengths.reversed() {
                    guard qualifies(p) else { break }
                    start = p.length
                }
                return start
            }
            let grid = suffixStart { p in p.copyPredicted && p.bound.map { $0.isCertainlyLess(than: x) } == true }
            let quarter = xi.doubleApproximation / 4
            var lemma: LemmaThreshold? = nil
            if let nc = suffixStart({ $0.margin > 0 && $0.eta <= Swift.min($0.margin, quarter) }) {
                // A float32 probability rounded to 1 reads as m = 1/2, which Eq. 5 excludes (the
                // exact probability is below 1): just below 1/2 instead (η = min(m, ξ/4) is then ξ/4
                // for every ξ < 2).
                let m = Swift.min(lengths.filter { $0.length >= nc }.map(\.margin).min()!, 0.5 - 0x1p-30)
                if let margin = try? BigRational(m) {
                    lemma = try lemmaThreshold(xi: xi, margin: margin, floor: floor, delta: try BigRational(1, nc), precision: 256).threshold
                }
            }
            return LemmaThresholdPrediction(xi: xi, gridThreshold: grid, lemma: lemma)
        }
        return LemmaPredictionRecord(floor: floor, calibrationPairs: calibration.map(\.pairs).filter { $0 > 0 }.min() ?? 0, lengths: lengths,
                                     thresholds: thresholds, calibrationStrings: calibrationStrings)
    }

    /// Step 3: the fresh pairs, against a prediction already made. Each α is copied first and its
    /// copy prediction recorded before β runs. Throws ``LemmaTestError/notDisjoint(length:bits:)``
    /// if a test string was copied in calibration.
    public static func test<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, prediction: LemmaPredictionRecord, pairs: [Int: [LemmaPair]], precision: Int = 128,
        progress: (ExperimentProgress) -> Void = { _ in }
    ) throws -> [LemmaLengthOutcome] {
        let total = prediction.lengths.reduce(0) { $0 + (pairs[$1.length]?.count ?? 0) }
        var done = 0
        return try prediction.lengths.map { p in
            let n = p.length
            let seen = prediction.calibrationStrings[n] ?? []
            progress(ExperimentProgress(.stage, "test at N = \(n)"))
            var results: [LemmaTestPair] = []
            var alphaCopy: GreedyCopy? = nil  // α's copy, reused while consecutive pairs share α
            for pair in pairs[n] ?? [] {
                for s in [pair.alpha, pair.beta] where seen.contains(s) { throw LemmaTestError.notDisjoint(length: n, bits: WitnessReport.bits(s)) }
                let alpha = try copyOfAlpha(pair, reusing: &alphaCopy, model: &model, prompting: prompting)
                let margin = alpha.margin
                let predicted = p.eta < margin  // recorded before β is copied
                let w = try copyWitness(model: &model, prompting: prompting, alphaCopy: alpha, flip: pair.flip, precision: precision)
                results.append(LemmaTestPair(pair: pair, witness: w, copyPredicted: predicted))
                done += 1
                progress(ExperimentProgress(.step, "test pair \(done)/\(total) (N = \(n))", completed: done, total: total))
            }
            return LemmaLengthOutcome(prediction: p, pairs: results)
        }
    }

    /// All three steps with pairs drawn from the configuration's seeds.
    public static func run<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, configuration: LemmaTestConfiguration = LemmaTestConfiguration(),
        progress: (ExperimentProgress) -> Void = { _ in }
    ) throws -> LemmaTest {
        try configuration.validate()
        let c = configuration
        // Every pair is drawn first, so that a length with too few distinct strings is refused
        // before any copy runs; the test pairs are not looked at until the prediction is made.
        var calibrationPairs: [Int: [LemmaPair]] = [:], testPairs: [Int: [LemmaPair]] = [:], strings: [Int: Set<[Int]>] = [:]
        for n in c.lengths {
            let pairs = try draw(length: n, count: c.calibrationPairs, seed: c.calibrationSeed, base: c.base, flips: c.flips(length: n))
            calibrationPairs[n] = pairs
            // With α = 0…0 for every pair, only the β's are calibration's own.
            strings[n] = Set(pairs.flatMap { c.base == .zeros ? [$0.beta] : [$0.alpha, $0.beta] })
            testPairs[n] = try draw(length: n, count: c.testPairs, seed: c.testSeed, base: c.base, flips: c.flips(length: n), avoiding: strings[n] ?? [])
        }
        let calibration = try calibrate(model: &model, prompting: prompting, pairs: calibrationPairs, lengths: c.lengths, precision: c.precision, progress: progress)
        let prediction = try predict(calibration: calibration, floor: c.floor, xis: c.xis, calibrationStrings: strings, precision: c.precision)
        progress(ExperimentProgress(.stage, "prediction recorded"))
        let outcomes = try test(model: &model, prompting: prompting, prediction: prediction, pairs: testPairs, precision: c.precision, progress: progress)
        return LemmaTest(configuration: c, calibration: calibration, prediction: prediction, outcomes: outcomes)
    }

    /// A test from its parts (built by the three steps).
    /// `testDescription` names the test pairs in the summary when they were not drawn from the
    /// test seed (a copy sweep tests its own witnesses).
    public init(configuration: LemmaTestConfiguration, calibration: [LemmaCalibration], prediction: LemmaPredictionRecord, outcomes: [LemmaLengthOutcome],
                testDescription: String? = nil) {
        self.configuration = configuration
        self.calibration = calibration
        self.prediction = prediction
        self.outcomes = outcomes
        self.testDescription = testDescription
    }

    // MARK: Verdicts

    /// Whether the n′ prediction for `t` held: every test pair at every tested N >= n′ copied as
    /// α with a gap certainly below ξ. nil when n′ was not predicted or no tested length reaches it.
    public func thresholdHeld(_ t: LemmaThresholdPrediction, lemma: Bool = false) -> Bool? {
        guard let start = lemma ? t.lemma?.threshold : t.gridThreshold,
              case let beyond = outcomes.filter({ $0.prediction.length >= start }), !beyond.isEmpty,
              let xi = try? Interval(t.xi, precision: configuration.precision) else { return nil }
        return beyond.allSatisfy { o in o.pairs.allSatisfy { $0.copiedAsAlpha && $0.gap.isCertainlyLess(than: xi) } }
    }

    /// Whether some prediction failed (a finding, reported; not an error).
    public var predictionFailed: Bool {
        outcomes.contains { $0.copyFailures > 0 || ($0.boundFailures ?? 0) > 0 }
            || prediction.thresholds.contains { thresholdHeld($0) == false || thresholdHeld($0, lemma: true) == false }
    }

    /// The smallest target probability seen on any test copy (float32), and whether it is below
    /// ε_model (then the given floor is not a floor of this model).
    public var smallestProbability: (value: Float, belowFloor: Bool?) {
        let value = outcomes.flatMap(\.pairs).map(\.smallestProbability).min() ?? 1
        return (value, prediction.floor.map { floor in (try? BigRational(Double(value))).map { $0 < floor } ?? false })
    }

    // MARK: Reports

    private static func format(_ x: Double) -> String { x.isNaN ? "n/a" : String(format: "%.4g", x) }
    /// Margins near 1/2 to five decimals: rounded to four digits, m = 0.49997 would read as 1/2,
    /// which Eq. 5 excludes.
    private static func formatMargin(_ m: Double) -> String { String(format: "%.5f", m) }
    private static func format(_ x: Interval?) -> String { x.map { format($0.upper.double(rounding: .up)) } ?? "n/a" }

    /// One row per length: calibration, prediction and outcome.
    public func table() -> Table {
        var table = Table(
            columns: ["N", "calibration pairs", "alphas copied (calibration)", "eta(N)", "m(N)", "test pairs", "alphas copied (test)", "copy predicted",
                      "copied as alpha", "copy held", "predicted bound", "max gap (predicted pairs)", "max gap (all)", "bound held", "own-bound check"],
            numericColumns: [0, 1, 3, 4, 5, 10, 11, 12],
            caption: "Lemma 3.1 predicted from calibration (seed \(configuration.calibrationSeed)), tested on fresh pairs (seed \(configuration.testSeed))")
        for (c, o) in zip(calibration, outcomes) {
            let p = o.prediction
            let copyHeld = o.covered.isEmpty ? "n/a" : (o.copyFailures == 0 ? "yes" : "NO (\(o.copyFailures) of \(o.covered.count))")
            let boundHeld: String
            if let failures = o.boundFailures, !o.covered.isEmpty {
                boundHeld = failures > 0 ? "NO (\(failures) of \(o.covered.count))" : (o.boundUndecided > 0 ? "undecided (\(o.boundUndecided))" : "yes")
            } else {
                boundHeld = "n/a"
            }
            let own = o.pairs.compactMap(\.withinOwnBound)
            table.append([
                "\(p.length)", "\(c.pairs)", "\(c.margins.filter { $0 > 0 }.count)/\(c.pairs)", Self.format(p.eta), Self.formatMargin(p.margin), "\(o.pairs.count)",
                "\(o.pairs.filter { $0.margin > 0 }.count)/\(o.pairs.count)", "\(o.covered.count)/\(o.pairs.count)", "\(o.pairs.filter(\.copiedAsAlpha).count)/\(o.pairs.count)", copyHeld,
                Self.format(p.bound), o.largestCoveredGap.map(Self.format) ?? "n/a", Self.format(o.largestGap), boundHeld,
                "\(own.filter { $0 }.count)/\(own.count) within",
            ])
        }
        return table
    }

    /// One row per ξ: the predicted n′ (on the grid, and the lemma's own) and whether it held.
    public func thresholdTable() -> Table {
        var table = Table(columns: ["xi", "grid n'", "held", "lemma n'", "continuity length", "dilution length", "held"],
                          caption: "n′ per ξ from ε_model = \(prediction.floor?.briefText ?? "unknown")")
        func verdict(_ held: Bool?, _ predicted: Bool) -> String {
            guard predicted else { return "n/a" }
            return held.map { $0 ? "yes" : "NO" } ?? "no tested length"
        }
        for t in prediction.thresholds {
            table.append([
                t.xi.briefText, t.gridThreshold.map(String.init) ?? "none", verdict(thresholdHeld(t), t.gridThreshold != nil),
                t.lemma.map { "\($0.threshold)" } ?? "none", t.lemma.map { "\($0.continuityLength)" } ?? "-",
                t.lemma.map { "\($0.dilutionLength)" } ?? "-", verdict(thresholdHeld(t, lemma: true), t.lemma != nil),
            ])
        }
        return table
    }

    /// What was predicted from what, and what happened, in words.
    public func summary() -> String {
        let c = configuration
        let floorText = prediction.floor.map { "ε_model = \($0.briefText)" } ?? "no ε_model (the floor is unknown, so no bound and no n′ were predicted)"
        let etas = prediction.lengths.map { "η(\($0.length)) = \(Self.format($0.eta))" }.joined(separator: ", ")
        let margins = prediction.lengths.map { "m(\($0.length)) = \(Self.formatMargin($0.margin))" }.joined(separator: ", ")
        let counts = calibration.map(\.pairs)
        let pairCounts = Set(counts).count <= 1 ? "\(counts.first ?? 0)" : zip(calibration, counts).map { "\($1) at N = \($0.length)" }.joined(separator: ", ")
        var text = "From the margins \(margins) (smallest p(α_k) − 1/2 on each calibration α's own greedy copy), \(floorText) and \(etas) "
            + "(largest certified L∞ distance over \(pairCounts) calibration pairs per length, seed \(c.calibrationSeed), \(c.drawDescription); no curve fitted), Lemma 3.1 predicted: "
        let copies = prediction.lengths.filter(\.copyPredicted).map(\.length)
        text += copies.isEmpty ? "at no tested length does η(N) fall below m(N), so the lemma predicts no miscopy there" : "β_N copied as α_N at N ∈ {\(copies.map(String.init).joined(separator: ", "))}"
        for t in prediction.thresholds where prediction.floor != nil {
            text += "; for ξ = \(t.xi.briefText), n′ = \(t.gridThreshold.map(String.init) ?? "none") on the grid"
            if let l = t.lemma { text += " and \(l.threshold) in the lemma's explicit form" }
        }
        text += ". On " + (testDescription ?? "\(c.testPairs) fresh pairs per length (seed \(c.testSeed), no string shared with calibration)")
            + ", each test pair's copy was predicted from its own α's margin before β ran: "
        let parts = outcomes.map { o -> String in
            var s = "N = \(o.prediction.length): \(o.covered.count) predicted, \(o.pairs.filter(\.copiedAsAlpha).count) copied as α"
            if o.copyFailures > 0 { s += ", \(o.copyFailures) predicted but NOT copied as α" }
            if let f = o.boundFailures, f > 0 { s += ", \(f) beyond the predicted bound" }
            return s
        }
        text += parts.joined(separator: "; ") + ". "
        let skipped = calibration.filter { $0.pairs == 0 && $0.eta.isNaN }.map(\.length)
        if !skipped.isEmpty {
            text += "At N ∈ {\(skipped.map(String.init).joined(separator: ", "))} α was not copied with a margin (m(N) ≤ 0), so no flip could be predicted there "
                + "and none was calibrated (η(N) not measured). "
        }
        text += predictionFailed ? "Some prediction FAILED (see the tables): the calibration did not capture the model's behaviour on fresh pairs." : "No prediction failed."
        let (smallest, below) = smallestProbability
        if below == true { text += " The smallest probability seen on a test copy, \(smallest), is below the given ε_model: it is not a floor of this model." }
        let own = outcomes.flatMap(\.pairs).compactMap(\.withinOwnBound)
        text += " The per-witness check (each pair's gap against the bound from its own ε and η, a consistency check of the proof's steps on one pair, not a prediction): \(own.filter { $0 }.count) of \(own.count) within."
        return text
    }

    /// Everything as JSON: configuration, calibration, prediction, outcome per pair.
    public func json() -> JSONValue {
        let c = configuration
        func interval(_ x: Interval?) -> JSONValue { x.map { WitnessReport.interval($0) } ?? .null }
        return .object([
            ("configuration", .object([
                ("lengths", .array(c.lengths.map { .number("\($0)") })), ("calibration_pairs", .number("\(c.calibrationPairs)")),
                ("test_pairs", .number("\(c.testPairs)")), ("calibration_seed", .string("\(c.calibrationSeed)")), ("test_seed", .string("\(c.testSeed)")),
                ("base", .string(c.base == .zeros ? "zeros" : "random")),
                ("ones_probability", { if case .random(let ρ) = c.base { .double(ρ) } else { .null } }()),
                ("flips_after", .double(c.flipsAfter)), ("floor", c.floor.map { .string($0.decimalText) } ?? .null),
                ("xis", .array(c.xis.map { .string($0.decimalText) })),
            ])),
            ("calibration", .array(calibration.map { k in .object([
                ("length", .number("\(k.length)")), ("pairs", .number("\(k.pairs)")), ("eta", .double(k.eta)), ("margin", .double(k.margin)),
                ("etas", .array(k.etas.map { .double($0) })), ("margins", .array(k.margins.map { .double($0) })),
            ]) })),
            ("prediction", .object([
                ("lengths", .array(prediction.lengths.map { p in .object([
                    ("length", .number("\(p.length)")), ("eta", .double(p.eta)), ("margin", .double(p.margin)),
                    ("copy_predicted", .bool(p.copyPredicted)), ("bound", interval(p.bound)),
                ]) })),
                ("thresholds", .array(prediction.thresholds.map { t in .object([
                    ("xi", .string(t.xi.decimalText)), ("grid_threshold", t.gridThreshold.map { .number("\($0)") } ?? .null),
                    ("grid_threshold_held", thresholdHeld(t).map { .bool($0) } ?? .null),
                    ("lemma_threshold", t.lemma.map { .number("\($0.threshold)") } ?? .null),
                    ("lemma_continuity_length", t.lemma.map { .number("\($0.continuityLength)") } ?? .null),
                    ("lemma_dilution_length", t.lemma.map { .number("\($0.dilutionLength)") } ?? .null),
                    ("lemma_threshold_held", thresholdHeld(t, lemma: true).map { .bool($0) } ?? .null),
                ]) })),
            ])),
            ("outcomes", .array(outcomes.map { o in .object([
                ("length", .number("\(o.prediction.length)")), ("covered", .number("\(o.covered.count)")),
                ("copied_as_alpha", .number("\(o.pairs.filter(\.copiedAsAlpha).count)")), ("copy_failures", .number("\(o.copyFailures)")),
                ("bound_failures", o.boundFailures.map { .number("\($0)") } ?? .null),
                ("pairs", .array(o.pairs.map { t in .object([
                    ("alpha", .string(WitnessReport.bits(t.pair.alpha))), ("flip", .number("\(t.pair.flip)")), ("margin", .double(t.margin)),
                    ("copy_predicted", .bool(t.copyPredicted)), ("copied_as_alpha", .bool(t.copiedAsAlpha)), ("gap", interval(t.gap)),
                    ("eta", .double(t.eta)), ("within_own_bound", t.withinOwnBound.map { .bool($0) } ?? .null),
                ]) })),
            ]) })),
            ("prediction_failed", .bool(predictionFailed)),
            ("summary", .string(summary())),
        ])
    }
}
