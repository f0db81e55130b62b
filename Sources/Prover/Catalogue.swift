import MultiPrecision
import PerplexityTheory

/// The claims `perplexed verify` checks: each result of the paper (and of Proofs/) that can be
/// stated as an inequality over a box of parameters, with the verdict the project expects.
public enum Catalogue {
    /// Every claim, in the order `perplexed verify` runs them.
    public static func all(precision: Int = 128) -> [Claim] {
        [isoPerplexity, halfAccuracy, halfAccuracyFactorised, halfAccuracyMonotone, halfAccuracySlopeFactorised,
         freeLunchUnderConfident, freeLunchOverConfident, freeLunchClosedForm, risesToOne, risesToOneSmallGamma, risesToOneWindow, risesToOneWindowIdentity,
         fivePoints(precision: precision), temperatureInto, temperatureMonotone, temperatureFactorised, boole,
         lemmaCorrected, appendixPrinted]
    }

    /// The claim with identifier `id`, if any.
    public static func claim(_ id: String, precision: Int = 128) -> Claim? { all(precision: precision).first { $0.id == id } }

    static func q(_ text: String) -> BigRational { try! BigRational(parsing: text) }

    // MARK: Edge coordinates
    //
    // The identity claims that back a factorisation check it at grid points that reach the
    // domain's open edges: γ → 0 on the scale u = 1/(−log γ), the shift's complement 1 − s → 0 on
    // a logarithmic scale, and the temperature on a logarithmic scale.

    /// γ = e^(−1/u): u ∈ [1/1000, 36/25] spans γ from e^(−1000) ≈ 10^(−434) to 0.4994.
    static let edgeGamma = Variable("u", "1/1000", "36/25")
    static func gamma(_ u: Interval) -> Interval { Interval.exp(-(1 / u)) }

    /// 1 − s = e^(−z/(1 − z)): z ∈ [0, 99/100] spans s from 0 to 1 − e^(−99) with a 9-point grid
    /// at s ≈ 0, 0.13, 0.28, 0.45, 0.62, 0.80, 0.94, 0.998, 1 − 10^(−43).
    static let edgeShift = Variable("z", "0", "99/100")
    static func shiftComplement(_ z: Interval) -> Interval { Interval.exp(-(z / (1 - z))) }

    /// L(x) = log((1 − x)/x).
    static func logOdds(_ x: Interval) -> Interval { Interval.log(onePlus: -x) - Interval.log(x) }

    /// The variables at four times their precision: edge coordinates map to parameters through
    /// steep functions (1 − s = e^(−z/(1 − z)) loses up to 143 bits when the library forms 1 − s
    /// again from s), so the identity checks reach the edges only with the extra bits.
    static func promoted(_ x: [Interval]) throws -> [Interval] {
        try x.map { try Interval(lower: $0.lower, upper: $0.upper, precision: 4 * $0.precision) }
    }

    /// An enclosure of a function through its values at the ends of `x`, for a function that
    /// increases (or decreases) on the whole of `x`: each end is evaluated as a point, so a limit
    /// at an end (`atZero`, `atInfinity`) stands in where the formula is 0/0 or ∞·0 there.
    static func monotone(
        _ x: Interval, increasing: Bool, atZero: Int? = nil, atInfinity: Int? = nil, _ f: (Interval) -> Interval
    ) throws -> Interval {
        func end(_ point: BigFloat) throws -> Interval {
            if let atZero, point.isZero { return try Interval(atZero, precision: x.precision) }
            if let atInfinity, point.isInfinite { return try Interval(atInfinity, precision: x.precision) }
            return f(Interval(point))
        }
        let (low, high) = (try end(x.lower), try end(x.upper))
        return increasing ? try Interval(lower: low.lower, upper: high.upper, precision: x.precision)
                          : try Interval(lower: high.lower, upper: low.upper, precision: x.precision)
    }

    /// e^(−1/v)/v for v ∈ [0, 1], where it increases from 0 (its limit at 0).
    static func expInverseOverV(_ v: Interval) throws -> Interval {
        guard v.lower >= 0, v.upper <= 1 else { return Interval.exp(-(1 / v)) / v }
        return try monotone(v, increasing: true, atZero: 0) { Interval.exp(-(1 / $0)) / $0 }
    }

    /// y·e^(−y) for y ∈ [1, ∞], where it decreases to 0 (its limit at ∞).
    static func yExpMinusY(_ y: Interval) throws -> Interval {
        guard y.lower >= 1 else { return y * Interval.exp(-y) }
        return try monotone(y, increasing: false, atInfinity: 0) { $0 * Interval.exp(-$0) }
    }

    /// ∂a′/∂s at (a, γ, s): the library's Eq. 11 differentiated by Dual numbers.
    static func shiftSlope(accuracy a: Interval, gamma γ: Interval, shift s: Interval) throws -> Interval {
        try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), shift: Dual(s, derivative: s.integer(1))).derivative
    }

    /// ∂a′/∂Δ at Δ = 0 (the free-lunch slope): the library's Eq. 11 differentiated by Dual numbers.
    static func freeLunchSlope(accuracy a: Interval, gamma γ: Interval) throws -> Interval {
        try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), delta: Dual(γ.integer(0), derivative: γ.integer(1))).derivative
    }

    /// f/g − 1, the relative difference (g is away from 0 wherever it is used).
    static func relativeDifference(_ f: Interval, _ g: Interval) -> Interval { f / g - 1 }

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
        proof: "Proofs/half-accuracy.md",
        domain: .factorised(identity: "half-accuracy-factorised", signs: "a′ − 1/2 = log1p(X)/(2L(γ′)) with X = s(1 − 2γ + γs)/((1 − s)(1 − γ′)) > 0 and L(γ′) > 0 for 0 < γ′ < γ < 1/2")
    ) { x in
        let half = x[0].rational(q("1/2"))
        return .positive(try criticalAccuracy(accuracy: half, gamma: x[0], shift: x[1]) - half)
    }

    static let halfAccuracyFactorised = Claim(
        id: "half-accuracy-factorised",
        statement: "At a = 1/2, a′ − 1/2 factorises with plainly positive factors: log1p(X)/(2L(γ′)), X = s(1 − 2γ + γs)/((1 − s)(1 − γ′)), γ′ = γ(1 − s)",
        symbols: "a′(1/2, γ, s) − 1/2 − log1p(X)/(2L(γ′)) = 0",
        variables: [edgeGamma, edgeShift],
        fullDomain: "0 < γ < 1/2, 0 ≤ s < 1",
        boxMeaning: "γ = e^(−1/u) ∈ [e^(−1000), 0.4994], 1 − s = e^(−z/(1 − z)) ∈ [e^(−99), 1]",
        expected: .checked,
        edges: "An identity: proved algebraically in Proofs/half-accuracy.md (statement 1 and g(γ) − g(γ′) = γs(1 − 2γ + γs) for g(x) = x(1 − x)); checked against the library's Eq. 11 at every point of a 9×9 grid in edge coordinates (γ down to e^(−1000), 1 − s down to e^(−99)) to 10^-30.",
        proof: "Proofs/half-accuracy.md", mode: .grid(perSide: 9)
    ) { variables in
        let x = try promoted(variables)
        let γ = gamma(x[0]), rest = shiftComplement(x[1])
        let s = 1 - rest, shifted = γ * rest
        let half = γ.rational(q("1/2"))
        let X = s * (1 - 2 * γ + γ * s) / (rest * (1 - shifted))
        let factorised = Interval.log(onePlus: X) / (2 * logOdds(shifted))
        return .zero(try criticalAccuracy(accuracy: half, gamma: γ, shift: s) - half - factorised, tolerance: q("1e-30"))
    }

    static let halfAccuracyMonotone = Claim(
        id: "half-accuracy-monotone",
        statement: "At a = 1/2, a′ increases with the shift, so each accuracy target is crossed at one shift",
        symbols: "∂a′/∂s (1/2, γ, s) > 0",
        variables: [Variable("gamma", "1/100", "49/100"), Variable("s", "0", "99/100")],
        fullDomain: "0 < γ < 1/2, 0 ≤ s < 1",
        expected: .proved,
        edges: "s ≤ 99/100 keeps γ′ = γ(1−s) away from 0, where the derivative grows without bound (still positive).",
        proof: "Proofs/half-accuracy.md",
        domain: .factorised(identity: "half-accuracy-slope-factorised", signs: "∂a′/∂s = γ(h(t) − log(4γ(1 − γ)))/(2γ′(1 − γ′)L(γ′)²) with h(t) = (1 + t)log(1 + t) + (1 − t)log(1 − t) = Σ t^(2k)/(k(2k − 1)) > 0 for t = 1 − 2γ′ ∈ (0, 1) and −log(4γ(1 − γ)) > 0 for γ < 1/2")
    ) { x in
        return .positive(try shiftSlope(accuracy: x[0].rational(q("1/2")), gamma: x[0], shift: x[1]))
    }

    static let halfAccuracySlopeFactorised = Claim(
        id: "half-accuracy-slope-factorised",
        statement: "At a = 1/2, ∂a′/∂s factorises with plainly positive factors: γ(h(t) − log(4γ(1 − γ)))/(2γ′(1 − γ′)L(γ′)²), t = 1 − 2γ′, h(t) = (1 + t)log(1 + t) + (1 − t)log(1 − t)",
        symbols: "∂a′/∂s (1/2, γ, s) / [γ(h(t) − log(4γ(1 − γ)))/(2γ′(1 − γ′)L(γ′)²)] − 1 = 0",
        variables: [edgeGamma, edgeShift],
        fullDomain: "0 < γ < 1/2, 0 ≤ s < 1",
        boxMeaning: "γ = e^(−1/u) ∈ [e^(−1000), 0.4994], 1 − s = e^(−z/(1 − z)) ∈ [e^(−99), 1]",
        expected: .checked,
        edges: "An identity: proved algebraically in Proofs/half-accuracy.md (statement 3); checked against the library's Eq. 11 differentiated by Dual numbers at every point of a 9×9 grid in edge coordinates, as a relative difference (the slope reaches about e^99 as s → 1) to 10^-30.",
        proof: "Proofs/half-accuracy.md", mode: .grid(perSide: 9)
    ) { variables in
        let x = try promoted(variables)
        let γ = gamma(x[0]), rest = shiftComplement(x[1])
        let s = 1 - rest, shifted = γ * rest
        // h(t) at t = 1 − 2γ′, written with γ′ itself: 1 − t = 2γ′ and 1 + t = 2(1 − γ′), so
        // nothing cancels when γ′ is far below the working precision's ulp of 1.
        let ln2 = try Interval.ln2(precision: shifted.precision)
        let up: Interval = 2 * (1 - shifted) * (ln2 + Interval.log(onePlus: -shifted))
        let down: Interval = 2 * shifted * (ln2 + Interval.log(shifted))
        let numerator: Interval = γ * (up + down - Interval.log(4 * γ * (1 - γ)))
        let denominator: Interval = 2 * shifted * (1 - shifted) * logOdds(shifted).squared
        let factorised = numerator / denominator
        let slope = try shiftSlope(accuracy: γ.rational(q("1/2")), gamma: γ, shift: s)
        return .zero(relativeDifference(slope, factorised), tolerance: q("1e-30"))
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
        proof: "Proofs/free-lunch.md",
        domain: .factorised(identity: "free-lunch-slope-closed-form", signs: "∂a′/∂Δ|Δ=0 = (1 − γ − a)/((1 − γ)γL(γ)) with (1 − γ)γL(γ) > 0 for 0 < γ < 1/2, so the slope has the sign of 1 − γ − a")
    ) { x in
        let γ = x[0]
        let a = 1 - γ * (1 - x[1])
        return .negative(try freeLunchSlope(accuracy: a, gamma: γ))
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
        proof: "Proofs/free-lunch.md",
        domain: .factorised(identity: "free-lunch-slope-closed-form", signs: "∂a′/∂Δ|Δ=0 = (1 − γ − a)/((1 − γ)γL(γ)) with (1 − γ)γL(γ) > 0 for 0 < γ < 1/2, so the slope has the sign of 1 − γ − a")
    ) { x in
        let γ = x[0]
        let a = (1 - γ) * x[1]
        return .positive(try freeLunchSlope(accuracy: a, gamma: γ))
    }

    /// a = 1 − γ + cγ/2: both sides of the calibrated line (c = 0), inside (0, 1).
    static let freeLunchClosedForm = Claim(
        id: "free-lunch-slope-closed-form",
        statement: "The free-lunch slope has the sign of 1 − γ − a: d a′/dΔ at Δ = 0 times (1 − γ)·γ·log((1 − γ)/γ) equals 1 − γ − a",
        symbols: "∂a′/∂Δ|Δ=0 · (1 − γ)γL(γ) − (1 − γ − a) = 0  for a = 1 − γ + cγ/2, c ∈ [−1, 1]",
        // γ stops at e^(−300): a = 1 − γ/2 must stay below 1 at the 512 bits of the check.
        variables: [Variable("u", "1/300", "36/25"), Variable("c", "-1", "1")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2",
        boxMeaning: "γ = e^(−1/u) ∈ [e^(−300), 0.4994], a = 1 − γ + cγ/2",
        expected: .checked,
        edges: "An identity: proved algebraically in Proofs/free-lunch.md; checked at every point of a 9×9 grid (c = 0 is the calibrated line; γ in edge coordinates, down to e^(−300)) to 10^-30. Since (1 − γ)γL(γ) > 0 for 0 < γ < 1/2, it decides the slope's sign on the whole domain, including the strips the two free-lunch boxes leave out.",
        proof: "Proofs/free-lunch.md", mode: .grid(perSide: 9)
    ) { variables in
        let x = try promoted(variables)
        let (γ, c) = (gamma(x[0]), x[1])
        let a = 1 - γ + c * γ * c.rational(q("1/2"))
        let scale = (1 - γ) * γ * logOdds(γ)
        return .zero(try freeLunchSlope(accuracy: a, gamma: γ) * scale - (1 - γ - a), tolerance: q("1e-30"))
    }

    static let risesToOne = Claim(
        id: "rises-to-one",
        statement: "Near the end of the shift range a′ increases (to its limit 1 at Δ = γ) for every base accuracy",
        symbols: "∂a′/∂s (a, γ, s) > 0  for s ∈ [19/20, 99/100]",
        variables: [Variable("a", "0", "1"), Variable("gamma", "1/100", "49/100"), Variable("s", "19/20", "99/100")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2, s → 1",
        expected: .proved,
        edges: "The limit a′ → 1 as s → 1 is proved on the full open domain in Proofs/limit-to-one.md; the box stops at s = 99/100, where the derivative is still finite, and at γ = 1/100. The increase starts earlier than s = 19/20 (near s = 0.87 at a = 1, γ = 1/100; earlier for larger γ).",
        proof: "Proofs/limit-to-one.md",
        domain: .part(covered: "γ ≥ 1/100 and 19/20 ≤ s ≤ 99/100",
                      remainder: "rises-to-one-window proves by machine on the whole domain that a′ increases once γ′ = γ(1 − s) ≤ γ², which reaches s → 1 for every γ and a; the limit a′ → 1 is proved by hand (Proofs/limit-to-one.md). A fixed window of s cannot serve every γ: rises-to-one-small-gamma refutes s ≥ 19/20 for small γ")
    ) { x in
        return .positive(try shiftSlope(accuracy: x[0], gamma: x[1], shift: x[2]))
    }

    static let risesToOneSmallGamma = Claim(
        id: "rises-to-one-small-gamma",
        statement: "rises-to-one's window s ∈ [19/20, 99/100] extends to every γ below 1/100 (expected: refuted at a = 1; the increase starts later as γ → 0)",
        symbols: "∂a′/∂s (1, γ, s) > 0  for γ = e^(−1/u), s ∈ [19/20, 99/100]",
        variables: [Variable("u", "1/100", "1/5"), Variable("s", "19/20", "99/100")],
        fullDomain: "a = 1, 0 < γ < 1/100, s ∈ [19/20, 99/100]",
        boxMeaning: "γ = e^(−1/u) ∈ [e^(−100), e^(−5)]",
        expected: .refuted,
        edges: "A certified point with ∂a′/∂s ≤ 0 refutes the extension (by hand: a = 1, γ = 10^(−12), s = 0.96 has slope < 0). So the window on which a′ increases toward 1 must move toward s = 1 as γ → 0, and rises-to-one cannot be proved on a fixed window for the full γ range; the limit itself holds (Proofs/limit-to-one.md).",
        proof: "Proofs/limit-to-one.md",
        domain: .part(covered: "searched on the box", remainder: "one certified counterexample refutes the statement; nothing remains to cover")
    ) { x in
        return .positive(try shiftSlope(accuracy: x[0].integer(1), gamma: gamma(x[0]), shift: x[1]))
    }

    // MARK: rises-to-one on the whole domain
    //
    // With v = 1/(−log γ′), a′ = (1 − Pv)/(1 + v·log(1 − γ′)) =: N/M (P = pplx(a, γ)), and
    // da′/dv = −Q/M² with Q = PM + NM′, M′ = log(1 − γ′) − γ′/(v(1 − γ′)). As v decreases when s
    // grows, ∂a′/∂s > 0 exactly when Q > 0 (Proofs/limit-to-one.md, statement 4). The claim proves
    // Q/P > 0 on the closure of γ′ ≤ γ² in edge coordinates: u = 1/(−log γ) ∈ [0, 13/9] and
    // r = v/u = log γ/log γ′ ∈ [0, 1/2], so u = 0 is γ → 0 and r = 0 is s → 1.

    /// The terms of Q/P for a box away from γ = 0 (u > 0): γ, v, γ′, P = pplx(a, γ), M and Q/P
    /// itself, with e^(−1/v)/v enclosed through its ends so that r = 0 (s → 1) stays finite.
    struct WindowTerms {
        let gamma, v, shifted, p, m, quotient: Interval
    }

    static func windowTerms(a: Interval, u: Interval, r: Interval) throws -> WindowTerms {
        let γ = gamma(u), v = r * u
        let shifted = Interval.exp(-(1 / v)), λ = Interval.log(onePlus: -shifted)
        let p = -(a * Interval.log(onePlus: -γ)) + (1 - a) / u
        let m = v * λ + 1, n = 1 - p * v
        let mPrime = λ - (try expInverseOverV(v)) / (1 - shifted)
        return WindowTerms(gamma: γ, v: v, shifted: shifted, p: p, m: m, quotient: m + n * mPrime / p)
    }

    /// Q/P for a box away from γ = 0 (``windowTerms(a:u:r:)``).
    static func windowQuotient(a: Interval, u: Interval, r: Interval) throws -> Interval {
        try windowTerms(a: a, u: u, r: r).quotient
    }

    /// An enclosure of Q/P for u ≤ 1/2 (γ ≤ e^(−2)), finite at u = 0, from P ≥ γ, so γ/P ∈ (0, 1];
    /// γ′/γ = e^(−y) with y = (1 − r)/(ru) ≥ 2; −log(1 − γ′)/γ′ ∈ [1, 1/(1 − γ′)]; and
    /// γ′/(vγ) = y·e^(−y)/(1 − r). Proofs/limit-to-one.md, statement 4, proves each.
    static func windowQuotientNearZero(a: Interval, u: Interval, r: Interval) throws -> Interval {
        let precision = u.precision
        let y = (1 - r) / (r * u)
        let ratio = Interval.exp(-y)                                  // γ′/γ
        let γ = gamma(u), shifted = γ * ratio, v = r * u
        let λ = Interval.log(onePlus: -shifted)
        let unit = try Interval(lower: BigRational(0), upper: BigRational(1), precision: precision)
        let logRatio = try Interval(lower: BigFloat(1, precision: precision), upper: (1 / (1 - shifted)).upper, precision: precision)
        let mPrimeOverGamma = -(ratio * logRatio) - (try yExpMinusY(y)) / ((1 - r) * (1 - shifted))
        // p̃ = uP = (1 − a) + a·u·γ·(−log(1 − γ)/γ), with the last factor in [1, 1/(1 − γ)].
        let logGamma = try Interval(lower: BigFloat(1, precision: precision), upper: (1 / (1 - γ)).upper, precision: precision)
        let scaled = (1 - a) + a * u * γ * logGamma
        let m = v * λ + 1, n = 1 - scaled * r
        return m + n * mPrimeOverGamma * unit
    }

    static let risesToOneWindow = Claim(
        id: "rises-to-one-window",
        statement: "Once the shifted confidence is the square of the base one or below (γ′ ≤ γ²), a′ increases with the shift, for every base accuracy and every 0 < γ < 1/2",
        symbols: "∂a′/∂s (a, γ, s) > 0  whenever γ′ = γ(1 − s) ≤ γ², as Q/P > 0 with u = 1/(−log γ), r = log γ/log γ′",
        variables: [Variable("a", "0", "1"), Variable("u", "0", "13/9"), Variable("r", "0", "1/2")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2, 0 < γ(1 − s) ≤ γ²",
        boxMeaning: "γ = e^(−1/u) ∈ [0, 0.5005], γ′ = γ^(1/r) ∈ [0, γ²]; u = 0 is γ → 0, r = 0 is s → 1",
        expected: .proved,
        edges: "The box is the closure of the whole domain in edge coordinates. Q/P stays finite and above 0.15 on it (u = 0 and r = 0 included): boxes with u > 1/2 evaluate Q/P itself, with e^(−1/v)/v enclosed through its ends (its limit 0 at v = 0); boxes with u ≤ 1/2 evaluate a lower enclosure from P ≥ γ and y·e^(−y) decreasing for y ≥ 1 (Proofs/limit-to-one.md, statement 4). That Q > 0 is ∂a′/∂s > 0 is algebra, checked against the library by rises-to-one-window-identity.",
        proof: "Proofs/limit-to-one.md",
        domain: .machine
    ) { x in
        let (a, u, r) = (x[0], x[1], x[2])
        if u.upper <= (try BigFloat(1, precision: u.precision)) / 2 { return .positive(try windowQuotientNearZero(a: a, u: u, r: r)) }
        return .positive(try windowQuotient(a: a, u: u, r: r))
    }

    static let risesToOneWindowIdentity = Claim(
        id: "rises-to-one-window-identity",
        statement: "The slope of a′ in the shift is Q·γ·v²/(M²·γ′) with v = 1/(−log γ′): the sign of Q is the sign of ∂a′/∂s",
        symbols: "∂a′/∂s / (Qγv²/(M²γ′)) − 1 = 0, Q from the window proof's own Q/P",
        variables: [Variable("a", "0", "1"), Variable("u", "1/10", "36/25"), Variable("r", "1/8", "1/2")],
        fullDomain: "0 ≤ a ≤ 1, 0 < γ < 1/2, 0 ≤ s < 1",
        boxMeaning: "γ = e^(−1/u) ∈ [e^(−10), 0.4994], γ′ = γ^(1/r) (1 − s = γ′/γ down to e^(−70))",
        expected: .checked,
        edges: "An identity: proved in Proofs/limit-to-one.md (statement 4); checked against the library's Eq. 11 differentiated by Dual numbers at every point of a 9×9×9 grid, at four times the working precision (the library forms 1 − s again from s), as a relative difference to 10^-30. The grid stops short of u = 0 and r = 0, where the library's s would round to 1.",
        proof: "Proofs/limit-to-one.md", mode: .grid(perSide: 9)
    ) { variables in
        let x = try promoted(variables)
        let (a, u, r) = (x[0], x[1], x[2])
        // Q from the very function the window's proof evaluates (Q/P), times P.
        let t = try windowTerms(a: a, u: u, r: r)
        let s = 1 - t.shifted / t.gamma
        let slope = try shiftSlope(accuracy: a, gamma: t.gamma, shift: s)
        return .zero(relativeDifference(slope, t.quotient * t.p * t.gamma * t.v.squared / (t.m.squared * t.shifted)), tolerance: q("1e-30"))
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
            proof: "Proofs/half-accuracy.md",
            domain: .machine
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
        proof: "Proofs/temperature.md",
        domain: .factorised(identity: "temperature-factorised", signs: "γ′ = e^(−q)/(1 + e^(−q)) > 0 and 1/2 − γ′ = −expm1(−q)/(2(1 + e^(−q))) > 0, as q = L(γ)/θ > 0 for 0 < γ < 1/2, θ > 0")
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
        proof: "Proofs/temperature.md",
        domain: .factorised(identity: "temperature-factorised", signs: "∂γ′/∂θ = (L(γ)/θ²)·e^(−q)/(1 + e^(−q))² with q = L(γ)/θ, and L(γ) > 0 for 0 < γ < 1/2")
    ) { x in
        let tempered = try temperedGamma(gamma: Dual(constant: x[0]), theta: Dual(x[1], derivative: x[1].integer(1)))
        return .positive(tempered.derivative)
    }

    static let temperatureFactorised = Claim(
        id: "temperature-factorised",
        statement: "Temperature in closed form: γ′ = e^(−q)/(1 + e^(−q)) and ∂γ′/∂θ = (L(γ)/θ²)·e^(−q)/(1 + e^(−q))², q = L(γ)/θ",
        symbols: "γ′/(e^(−q)/(1 + e^(−q))) − 1 = 0 and (∂γ′/∂θ)/((L/θ²)e^(−q)/(1 + e^(−q))²) − 1 = 0",
        variables: [edgeGamma, Variable("zeta", "-10", "10")],
        fullDomain: "0 < γ < 1/2, θ > 0",
        boxMeaning: "γ = e^(−1/u) ∈ [e^(−1000), 0.4994], θ = e^ζ ∈ [e^(−10), e^10]",
        expected: .checked,
        edges: "Identities: proved in Proofs/temperature.md; checked against the library's temperedGamma (and its Dual derivative) at every point of a 9×9 grid in edge coordinates, as relative differences (γ′ reaches about e^(−2·10^7)) to 10^-30.",
        proof: "Proofs/temperature.md", mode: .grid(perSide: 9)
    ) { variables in
        let x = try promoted(variables)
        let γ = gamma(x[0]), θ = Interval.exp(x[1])
        let ell = logOdds(γ), r = Interval.exp(-(ell / θ))
        let tempered = try temperedGamma(gamma: Dual(constant: γ), theta: Dual(θ, derivative: θ.integer(1)))
        let slope = ell / θ.squared * r / (r + 1).squared
        return .all([.zero(relativeDifference(tempered.value, r / (r + 1)), tolerance: q("1e-30")),
                     .zero(relativeDifference(tempered.derivative, slope), tolerance: q("1e-30"))])
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
        proof: "Proofs/boole.md",
        domain: .part(covered: "N ∈ {2, 16, 128, 1024} and 1/1000 ≤ γ ≤ 99/100", remainder: "every N ≥ 1 and γ ∈ [0, 1] by induction on N in Proofs/boole.md (a box cannot hold every N)")
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
            proof: "Proofs/lemma-3-1.md",
            domain: .part(covered: "16 parameter sets (ξ, m, ε, δ), every N ≥ n′ each", remainder: "every parameter set by hand in Proofs/lemma-3-1.md: n′ is defined by the parameters, so a box over them would need n′ as a function, not a set of integers")
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
        derived: { point in [("floor", feasibleFloor(point[0], point[1])), ("floor_limit", feasibleFloor(point[0], 1))] },
        domain: .part(covered: "searched on the box", remainder: "one certified counterexample refutes the statement; nothing remains to cover")
    ) { x in
        let floor = x[1] * (x[0].rational(q("1/2")) - x[0]) * x[0].rational(q("1/2"))
        return .nonNegative(try printedAppendixBound(length: 16, epsilon: x[0], floor: floor))
    }
}
