import MultiPrecision
import PerplexityTheory

/// The claims `perplexed verify` checks: each result of the paper (and of Proofs/) that can be
/// stated as an inequality over a box of parameters, with the verdict the project expects.
public enum Catalogue {
    /// Every claim, in the order `perplexed verify` runs them.
    public static func all(precision: Int = 128) -> [Claim] {
        [isoPerplexity, halfAccuracy, halfAccuracyMonotone, freeLunchUnderConfident, freeLunchOverConfident,
         freeLunchClosedForm, risesToOne, fivePoints(precision: precision), temperatureInto, temperatureMonotone, boole,
         lemmaCorrected, appendixPrinted]
    }

    /// The claim with identifier `id`, if any.
    public static func claim(_ id: String, precision: Int = 128) -> Claim? { all(precision: precision).first { $0.id == id } }

    static func q(_ text: String) -> BigRational { try! BigRational(parsing: text) }

    // MARK: Section 4

    static let isoPerplexity = Claim(
        id: "eq11-iso-perplexity",
        statement: "Eq. 11 solves the iso-perplexity equation: the shifted model at accuracy a′ has the base model's log-perplexity",
        symbols: "pplx(a′(a, γ, s), γ(1 − s)) − pplx(a, γ) = 0",
        variables: [Variable("a", "0", "1"), Variable("gamma", "1/100", "49/100"), Variable("s", "0", "99/100")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2, 0 ≤ s < 1",
        expected: .checked,
        edges: "An identity: proved algebraically in Proofs/eq-11.md; checked at every point of a 9×9×9 grid (ends included) to 10^-30.",
        proof: "Proofs/eq-11.md", mode: .grid(perSide: 9)
    ) { x in
        let (a, γ, s) = (x[0], x[1], x[2])
        let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: s)
        let shifted = γ * (1 - s)
        // Eq. 10 written out: a′ may exceed [0, 1] by a rounding error at the ends (a = 1, s = 0),
        // which the range-checked logPerplexity would reject.
        let shiftedLogPerplexity = -(critical * Interval.log(onePlus: -shifted)) - (1 - critical) * Interval.log(shifted)
        let difference = shiftedLogPerplexity - (try logPerplexity(accuracy: a, gamma: γ).total)
        return .zero(difference, tolerance: q("1e-30"))
    }

    static let halfAccuracy = Claim(
        id: "half-accuracy-raises-bar",
        statement: "At a = 1/2 every confidence shift raises the accuracy needed to match perplexity: a′ > a",
        symbols: "a′(1/2, γ, s) − 1/2 > 0  for 0 < s < 1, 0 < γ < 1/2",
        variables: [Variable("gamma", "1/100", "49/100"), Variable("s", "1/100", "99/100")],
        fullDomain: "0 < γ < 1/2, 0 < s < 1",
        expected: .proved,
        edges: "a′ − 1/2 → 0 as s → 0 or γ → 0, so boxes cannot reach those edges; Proofs/half-accuracy.md shows a′ − 1/2 = ½·log(γ′(1−γ′)/(γ(1−γ)))/(log γ′ − log(1−γ′)) > 0 on the whole open domain.",
        proof: "Proofs/half-accuracy.md"
    ) { x in
        let half = x[0].rational(q("1/2"))
        return .positive(try criticalAccuracy(accuracy: half, gamma: x[0], shift: x[1]) - half)
    }

    static let halfAccuracyMonotone = Claim(
        id: "half-accuracy-monotone",
        statement: "At a = 1/2, a′ increases with the shift, so each accuracy target is crossed at one shift",
        symbols: "∂a′/∂s (1/2, γ, s) > 0",
        variables: [Variable("gamma", "1/100", "49/100"), Variable("s", "0", "99/100")],
        fullDomain: "0 < γ < 1/2, 0 ≤ s < 1",
        expected: .proved,
        edges: "s ≤ 99/100 keeps γ′ = γ(1−s) away from 0, where the derivative grows without bound (still positive).",
        proof: "Proofs/half-accuracy.md"
    ) { x in
        let half = Dual(constant: x[0].rational(q("1/2")))
        let slope = try criticalAccuracy(accuracy: half, gamma: Dual(constant: x[0]), shift: Dual(x[1], derivative: x[1].integer(1)))
        return .positive(slope.derivative)
    }

    /// a = 1 − γ(1 − u): under-confident base models (a > 1 − γ) for u ∈ (0, 1].
    static let freeLunchUnderConfident = Claim(
        id: "free-lunch-under-confident",
        statement: "If the base model is under-confident (a > 1 − γ), small shifts lower the bar: d a′/dΔ < 0 at Δ = 0 (a free lunch)",
        symbols: "∂a′/∂Δ |Δ=0 < 0  for a = 1 − γ(1 − u), u ∈ [1/100, 1]",
        variables: [Variable("gamma", "1/100", "49/100"), Variable("u", "1/100", "1")],
        fullDomain: "0 < γ < 1/2, 1 − γ < a ≤ 1",
        boxMeaning: "a = 1 − γ(1 − u) ∈ [1 − 99γ/100, 1]",
        expected: .proved,
        edges: "u ≥ 1/100 leaves out the strip 1 − γ < a < 1 − 99γ/100 (width γ/100 ≤ 0.0049) next to the calibrated line a = 1 − γ, where the slope tends to 0 and no box can decide its sign. There, and on the whole open domain, the sign is that of 1 − γ − a by the closed form d a′/dΔ|Δ=0 = (1 − γ − a)/((1 − γ)γ log((1 − γ)/γ)) (Proofs/free-lunch.md; checked by free-lunch-slope-closed-form).",
        proof: "Proofs/free-lunch.md"
    ) { x in
        let γ = x[0]
        let a = 1 - γ * (1 - x[1])
        let slope = try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), delta: Dual(γ.integer(0), derivative: γ.integer(1)))
        return .negative(slope.derivative)
    }

    /// a = (1 − γ)v: calibrated or over-confident base models for v ∈ [0, 1).
    static let freeLunchOverConfident = Claim(
        id: "free-lunch-over-confident",
        statement: "If the base model is over-confident (a < 1 − γ), every small shift raises the bar: d a′/dΔ > 0 at Δ = 0",
        symbols: "∂a′/∂Δ |Δ=0 > 0  for a = (1 − γ)v, v ∈ [0, 99/100]",
        variables: [Variable("gamma", "1/100", "49/100"), Variable("v", "0", "99/100")],
        fullDomain: "0 < γ < 1/2, 0 ≤ a < 1 − γ",
        boxMeaning: "a = (1 − γ)v ∈ [0, 99(1 − γ)/100]",
        expected: .proved,
        edges: "v ≤ 99/100 leaves out the strip 99(1 − γ)/100 < a < 1 − γ (width (1 − γ)/100 ≤ 0.0099) next to the calibrated line (v = 1, slope 0). There the sign follows from the closed form (Proofs/free-lunch.md; checked by free-lunch-slope-closed-form).",
        proof: "Proofs/free-lunch.md"
    ) { x in
        let γ = x[0]
        let a = (1 - γ) * x[1]
        let slope = try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), delta: Dual(γ.integer(0), derivative: γ.integer(1)))
        return .positive(slope.derivative)
    }

    /// a = 1 − γ + cγ/2: both sides of the calibrated line (c = 0), inside (0, 1).
    static let freeLunchClosedForm = Claim(
        id: "free-lunch-slope-closed-form",
        statement: "The free-lunch slope has the sign of 1 − γ − a: d a′/dΔ at Δ = 0 times (1 − γ)·γ·log((1 − γ)/γ) equals 1 − γ − a",
        symbols: "∂a′/∂Δ|Δ=0 · (1 − γ)γL(γ) − (1 − γ − a) = 0  for a = 1 − γ + cγ/2, c ∈ [−1, 1]",
        variables: [Variable("gamma", "1/100", "49/100"), Variable("c", "-1", "1")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2",
        boxMeaning: "a = 1 − γ + cγ/2",
        expected: .checked,
        edges: "An identity: proved algebraically in Proofs/free-lunch.md; checked at every point of a 9×9 grid (c = 0 is the calibrated line) to 10^-30. Since (1 − γ)γL(γ) > 0 for 0 < γ < 1/2, it decides the slope's sign in the strips the two free-lunch boxes leave out.",
        proof: "Proofs/free-lunch.md", mode: .grid(perSide: 9)
    ) { x in
        let (γ, c) = (x[0], x[1])
        let a = 1 - γ + c * γ * c.rational(q("1/2"))
        let slope = try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), delta: Dual(γ.integer(0), derivative: γ.integer(1)))
        let scale = (1 - γ) * γ * (Interval.log(onePlus: -γ) - Interval.log(γ))
        return .zero(slope.derivative * scale - (1 - γ - a), tolerance: q("1e-30"))
    }

    static let risesToOne = Claim(
        id: "rises-to-one",
        statement: "Near the end of the shift range a′ increases (to its limit 1 at Δ = γ) for every base accuracy",
        symbols: "∂a′/∂s (a, γ, s) > 0  for s ∈ [19/20, 99/100]",
        variables: [Variable("a", "0", "1"), Variable("gamma", "1/100", "49/100"), Variable("s", "19/20", "99/100")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2, s → 1",
        expected: .proved,
        edges: "The limit a′ → 1 as s → 1 is proved on the full open domain in Proofs/limit-to-one.md; the box stops at s = 99/100, where the derivative is still finite, and at γ = 1/100. The increase starts earlier than s = 19/20 (near s = 0.87 at a = 1, γ = 1/100; earlier for larger γ).",
        proof: "Proofs/limit-to-one.md"
    ) { x in
        let slope = try criticalAccuracy(accuracy: Dual(constant: x[0]), gamma: Dual(constant: x[1]), shift: Dual(x[2], derivative: x[2].integer(1)))
        return .positive(slope.derivative)
    }

    // MARK: Section 4 in words: "many confidence shifts require increasing accuracy by over 5–10 points"

    /// The γ values of Fig. 3 (left) and the two thresholds of the paper's sentence.
    public static let figureGammas = FigureThree.leftGammas.map(\.description)
    public static let pointThresholds = ["1/20", "1/10"]

    /// Certified shifts s*(γ, τ) where a′(1/2, γ, s) − 1/2 = τ, as rational brackets [low, high].
    public static func thresholdShifts(precision: Int) -> [(gamma: String, tau: String, low: BigRational, high: BigRational)] {
        var result: [(String, String, BigRational, BigRational)] = []
        for g in figureGammas {
            for t in pointThresholds {
                var low = BigRational(0), high = q("99/100")
                let γ = try! Interval(q(g), precision: precision)
                let half = try! Interval(FigureThree.leftAccuracy, precision: precision)
                let τ = try! Interval(q(t), precision: precision)
                for _ in 0..<40 {
                    let mid = (low + high) * Box.half
                    guard let value = try? criticalAccuracy(accuracy: half, gamma: γ, shift: Interval(mid, precision: precision)) - half - τ
                    else { break }
                    if value.isCertainlyPositive { high = mid } else if value.isCertainlyNegative { low = mid } else { break }
                }
                result.append((g, t, low, high))
            }
        }
        return result
    }

    static func fivePoints(precision: Int) -> Claim {
        let thresholds = thresholdShifts(precision: precision)
        return Claim(
            id: "five-ten-points",
            statement: "At a = 1/2, for each γ of Fig. 3 the shifts needing more than 5 (and 10) points of accuracy are exactly those beyond a certified s*(γ)",
            symbols: "a′(1/2, γ, s) − 1/2 − τ < 0 on [0, s*_low], > 0 on [s*_high, 99/100], τ ∈ {1/20, 1/10}",
            variables: [Variable("u", "0", "1")],
            fullDomain: "a = 1/2, γ ∈ {1/100, 1/20, 1/10, 1/5, 3/10, 2/5}, 0 ≤ s ≤ 99/100",
            boxMeaning: "a = 1/2, Fig. 3's six γ, s ∈ [0, 99/100] outside the certified brackets",
            expected: .proved,
            edges: "u maps [0, 1] onto both sub-ranges of every (γ, τ); the brackets [s*_low, s*_high] (width < 10^-11) come from certified bisection and are printed by `perplexed verify --details`.",
            proof: "Proofs/half-accuracy.md"
        ) { x in
            let u = x[0]
            var parts: [Condition] = []
            for (g, t, low, high) in thresholds {
                let half = u.rational(FigureThree.leftAccuracy)
                let γ = u.rational(q(g))
                let τ = u.rational(q(t))
                let below = u * low
                let above = u.rational(high) + u * (q("99/100") - high)
                parts.append(.negative(try criticalAccuracy(accuracy: half, gamma: γ, shift: below) - half - τ))
                parts.append(.positive(try criticalAccuracy(accuracy: half, gamma: γ, shift: above) - half - τ))
            }
            return .all(parts)
        }
    }

    // MARK: Remark 3.4 (temperature)

    static let temperatureInto = Claim(
        id: "temperature-into",
        statement: "Temperature maps (0, 1/2) into itself: a confident binary model stays confident at any θ > 0",
        symbols: "0 < γ′(γ, θ) < 1/2  for γ ∈ (0, 1/2), θ > 0",
        variables: [Variable("gamma", "1/1000", "499/1000"), Variable("theta", "1/100", "100")],
        fullDomain: "0 < γ < 1/2, θ > 0",
        expected: .proved,
        edges: "Proofs/temperature.md covers all γ ∈ (0, 1/2), θ > 0 (γ′ = 1/(1 + e^(ℓ/θ)) with ℓ > 0); the box is the range users set.",
        proof: "Proofs/temperature.md"
    ) { x in
        let tempered = try temperedGamma(gamma: x[0], theta: x[1])
        return .all([.positive(tempered), .positive(x[0].rational(q("1/2")) - tempered)])
    }

    static let temperatureMonotone = Claim(
        id: "temperature-monotone",
        statement: "Raising the temperature lowers the confidence: γ′ increases with θ",
        symbols: "∂γ′/∂θ > 0  for γ ∈ (0, 1/2), θ > 0",
        variables: [Variable("gamma", "1/1000", "499/1000"), Variable("theta", "1/100", "100")],
        fullDomain: "0 < γ < 1/2, θ > 0",
        expected: .proved,
        edges: "Proofs/temperature.md proves it for all γ ∈ (0, 1/2), θ > 0. At γ = 1/2 the map is constant (γ′ = 1/2); the box stops at 499/1000.",
        proof: "Proofs/temperature.md"
    ) { x in
        let tempered = try temperedGamma(gamma: Dual(constant: x[0]), theta: Dual(x[1], derivative: x[1].integer(1)))
        return .positive(tempered.derivative)
    }

    // MARK: Remark 3.5 (Boole)

    static let booleLengths = [2, 16, 128, 1024]

    static let boole = Claim(
        id: "boole-bound",
        statement: "Boole's bound: the probability of miscopying N bits under sampling, 1 − (1 − γ)^N, is at most Nγ",
        symbols: "Nγ − (1 − (1 − γ)^N) ≥ 0  for N ∈ {2, 16, 128, 1024}",
        variables: [Variable("gamma", "1/1000", "99/100")],
        fullDomain: "0 ≤ γ ≤ 1, every N ≥ 1",
        expected: .proved,
        edges: "N = 1 is an identity; at γ = 0 both sides are 0 and the difference grows like N(N−1)γ²/2 (Proofs/boole.md proves it for all γ ∈ [0, 1] by induction).",
        proof: "Proofs/boole.md"
    ) { x in
        .all(try booleLengths.map { n in
            let analysis = try sampling(gamma: x[0], length: n)
            return .nonNegative(analysis.booleBound - analysis.failureProbability)
        })
    }

    // MARK: Lemma 3.1 and Appendix A

    /// Parameter sets (ξ, m, ε, δ) on which "bound < ξ for every N ≥ n′" is proved.
    public static let lemmaParameters: [(xi: String, margin: String, floor: String, delta: String)] = {
        var sets: [(String, String, String, String)] = []
        for xi in ["1/10", "1/100"] {
            for margin in ["1/4", "1/100"] {
                for floor in ["1/1000", "1e-9"] {
                    for delta in ["1/10", "1/1000"] { sets.append((xi, margin, floor, delta)) }
                }
            }
        }
        return sets
    }()

    static let lemmaCorrected: Claim = {
        // n′ and η for each parameter set, from the library (exact integers and rationals).
        let thresholds = lemmaParameters.map { p in
            try! lemmaThreshold(xi: q(p.xi), margin: q(p.margin), floor: q(p.floor), delta: q(p.delta))
        }
        return Claim(
            id: "lemma-3-1-corrected",
            statement: "The threshold arithmetic of the corrected Lemma 3.1: n′(ξ, m, ε, δ) makes the bound (−log ε)/N + 2η(N − 1)/N, η = min(m, ξ/4), fall below ξ for every N ≥ n′. It does not check the lemma's Steps 1–2 (continuity keeps the greedy copy on α; the per-position log bound), which Proofs/lemma-3-1.md proves by hand",
            symbols: "ξ − ((−log ε)·t + 2η(1 − t)) > 0  for t = 1/N ∈ [0, 1/n′], 16 parameter sets",
            variables: [Variable("u", "0", "1")],
            fullDomain: "ξ > 0, 0 < m < 1/2, 0 < ε < 1, 0 < δ ≤ 1, N ≥ n′",
            boxMeaning: "1/N = u/n′, every N ≥ n′, 16 parameter sets",
            expected: .proved,
            edges: "t = u/n′ covers every N ≥ n′ (and N → ∞ at u = 0) for the 16 parameter sets ξ ∈ {1/10, 1/100}, m ∈ {1/4, 1/100}, ε ∈ {1/1000, 10^-9}, δ ∈ {1/10, 1/1000}; the threshold for all parameters, and the lemma itself, are proved by hand in Proofs/lemma-3-1.md.",
            proof: "Proofs/lemma-3-1.md"
        ) { x in
            let u = x[0]
            return .all(zip(lemmaParameters, thresholds).map { p, threshold in
                let ξ = u.rational(q(p.xi))
                let t = u / threshold.threshold.threshold
                let bound = lemmaBound(inverseLength: t, eta: u.rational(threshold.eta), floor: u.rational(q(p.floor)))
                return .positive(ξ - bound)
            })
        }
    }()

    /// ε = r·(1/2 − ϵ)/2: the floor bound the lemma's hypotheses imply, (1/2 − ϵ)/2, scaled by r.
    /// Eq. 5's inequality is strict, so r < 1 is needed; the box takes r ≤ 99/100.
    static func feasibleFloor(_ epsilon: BigRational, _ r: BigRational) -> BigRational {
        r * (q("1/2") - epsilon) * q("1/2")
    }

    static let appendixPrinted = Claim(
        id: "appendix-a-printed",
        statement: "The bound printed in Appendix A is non-negative at every point satisfying the lemma's hypotheses, as a bound on |pplx(α_N) − pplx(β_N)| must be (expected: refuted)",
        symbols: "−(1/n_c)(log(1/2 + ϵ) − log ε + (n_c − 1)ϵ) ≥ 0  at n_c = 16, ε = r(1/2 − ϵ)/2",
        variables: [Variable("epsilon", "1/100", "49/100"), Variable("r", "1/1000000", "99/100")],
        fullDomain: "0 < ϵ < 1/2, 0 < ε < (1/2 − ϵ)/2",
        boxMeaning: "floor ε = r(1/2 − ϵ)/2",
        expected: .refuted,
        edges: "Only feasible parameters are searched: on the vocabulary {0, 1, |}, p(α_k) > 1/2 + ϵ leaves at most 1/2 − ϵ for the two other symbols, each at least the floor ε, so ε < (1/2 − ϵ)/2 (strictly, as p(α_k) > 1/2 + ϵ is strict); the box writes ε = r(1/2 − ϵ)/2 with r ∈ [10^-6, 99/100]. One certified point where the printed right-hand side is negative refutes it (by hand: ϵ = 1/100, ε = 1/1000 gives ≈ −0.399).",
        proof: "Proofs/lemma-3-1.md",
        derived: { point in [("floor", feasibleFloor(point[0], point[1])), ("floor_limit", feasibleFloor(point[0], 1))] }
    ) { x in
        let floor = x[1] * (x[0].rational(q("1/2")) - x[0]) * x[0].rational(q("1/2"))
        return .nonNegative(try printedAppendixBound(length: 16, epsilon: x[0], floor: floor))
    }
}
