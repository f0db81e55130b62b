import MultiPrecision

/// Section 4.3: the γ values that explain a measured (log-perplexity L, accuracy a) pair.
public struct GammaFit: Sendable {
    /// H(a), the least log-perplexity any γ gives at accuracy a (attained at γ = 1 − a).
    public let entropy: Interval
    /// The root in (0, 1 − a]: the confident explanation (small γ, high confidence).
    public let confident: Interval?
    /// The root in [1 − a, 1): the diffident explanation.
    public let diffident: Interval?

    /// Whether any γ fits, i.e. L >= H(a).
    public var fits: Bool { confident != nil || diffident != nil }
}

/// Errors of the certified root finders.
public enum RootError: Error, Sendable, CustomStringConvertible {
    /// The enclosures could not separate the root from the target at this precision.
    case undecided(String)

    public var description: String {
        switch self {
        case .undecided(let what): return "could not certify \(what); raise the working precision"
        }
    }
}

/// Solves pplx(a, γ) = L for γ with certified enclosures.
///
/// pplx(a, ·) is convex on (0, 1) with its minimum H(a) at γ = 1 − a, so some γ fits iff L >= H(a);
/// then there is one root on each side of 1 − a (they coincide when L = H(a); at a = 0 or 1 only
/// one side exists). Each root is enclosed by interval bisection, k = max(precision − 8, 8)
/// halvings, using the monotonicity of pplx(a, ·) on each side; the two sides end with different
/// widths:
///
/// - The confident root, in (0, 1 − a], is first bracketed between consecutive powers of two
///   below 1 − a, so its enclosure is at most 2^−k wide *relative* to the root (which can be
///   astronomically small).
/// - The diffident root, in [1 − a, 1), is bisected from the bracket [1 − a, 1] of width a, so its
///   enclosure is at most a·2^−k wide in *absolute* terms (relative to the root, which is at
///   least 1 − a, that is up to a/(1 − a)·2^−k). At a = 1, where 1 − a = 0, it is bracketed like
///   the confident root and the bound is relative.
///
/// These are the widths when every sign is decided. Otherwise the result is still a certified
/// bracket, only wider: bisection stops at a point whose sign cannot be decided at this
/// precision, and the power-of-two bracketing keeps a bracket starting at 0 (an absolute width
/// only) for a root below (1 − a)·2^−65536 or when a sign is undecided before the root is
/// bracketed.
///
/// - Parameters:
///   - L: (`logPerplexity`) L > 0 (exact).
///   - a: (`accuracy`) a ∈ [0, 1] (exact).
///   - precision: bits for the enclosures.
public func fitGamma(logPerplexity L: BigRational, accuracy a: BigRational, precision: Int) throws -> GammaFit {
    guard L > 0 else { throw ParameterError(parameter: "log-perplexity", requirement: "> 0", value: L.description) }
    guard a >= 0, a <= 1 else { throw ParameterError(parameter: "accuracy", requirement: "in [0, 1]", value: a.description) }
    let target = try Interval(L, precision: precision)
    let aI = try Interval(a, precision: precision)
    let H = try binaryEntropy(aI)
    if target.isCertainlyLess(than: H) {
        return GammaFit(entropy: H, confident: nil, diffident: nil)
    }
    guard H.isCertainlyLess(than: target) else {
        // L is rational and H(a) is not (for 0 < a < 1), so only precision can leave this open.
        throw RootError.undecided("whether L = \(L) lies above H(a) = \(H)")
    }
    let pivot = BigRational(1) - a
    func f(_ γ: Interval) -> Interval { -(aI * Interval.log(onePlus: -γ)) - ((1 - aI) * Interval.log(γ)) - target }
    // Left of 1 − a, f decreases from +∞; right of it, f increases to +∞ (for 0 < a < 1).
    var confident: Interval? = nil
    var diffident: Interval? = nil
    if pivot > 0 {
        confident = try bisect(f, from: BigRational(0), to: pivot, decreasing: true, precision: precision, what: "the confident root")
    }
    if pivot < 1 {
        diffident = try bisect(f, from: pivot, to: BigRational(1), decreasing: false, precision: precision, what: "the diffident root")
    }
    return GammaFit(entropy: H, confident: confident, diffident: diffident)
}

/// Bisection on [lo, hi] for a monotone f with a root inside; returns an enclosure of the root.
///
/// Sign decisions use certified enclosures of f at exact rational points; a point whose sign
/// cannot be decided ends the search with the current (still certified) bracket.
func bisect(
    _ f: (Interval) -> Interval, from lo: BigRational, to hi: BigRational,
    decreasing: Bool, precision: Int, what: String
) throws -> Interval {
    var low = lo, high = hi
    let two = BigRational(2)
    // A root next to 0 can be astronomically small (pplx(0.99, γ) = 2 at γ ≈ 1.4e-87), and plain
    // bisection from [0, hi] would end at [0, hi·2^−steps], certified but relatively useless (its
    // midpoint was off by ten orders of magnitude). So first bracket the root between
    // consecutive powers of two below hi (doubling, then bisecting, the exponent).
    if low == 0 && high > 0 {
        func rootIsLeft(ofExponent e: Int) throws -> Bool? {
            let value = f(try Interval(high / two.power(e), precision: precision))
            guard value.isUsable else { return nil }
            if value.isCertainlyPositive { return !decreasing }
            if value.isCertainlyNegative { return decreasing }
            return nil
        }
        var inside = 0, outside = 1  // root left of hi·2^−inside, and (so far) of hi·2^−outside
        var bracketed = false
        while outside <= 1 << 16 {  // γ down to 2^−65536: beyond that, keep [0, …]
            guard let left = try rootIsLeft(ofExponent: outside) else { break }
            if !left { bracketed = true; break }
            inside = outside
            outside *= 2
        }
        if bracketed {
            while outside - inside > 1 {
                let middle = (inside + outside) / 2
                guard let left = try rootIsLeft(ofExponent: middle) else { break }
                if left { inside = middle } else { outside = middle }
            }
            let top = high
            (low, high) = (top / two.power(outside), top / two.power(inside))
        } else if inside > 0 {
            high = high / two.power(inside)
        }
    }
    let steps = precision - 8
    for _ in 0..<Swift.max(steps, 8) {
        let mid = (low + high) / two
        let value = f(try Interval(mid, precision: precision))
        guard value.isUsable else { break }
        let positive = value.isCertainlyPositive
        let negative = value.isCertainlyNegative
        if !positive && !negative { break }  // the root is within rounding of mid: stop here
        // For a decreasing f the root lies right of points where f > 0.
        if positive == decreasing { low = mid } else { high = mid }
    }
    // Widen by the enclosure of any undecided last midpoint: the root lies in [low, high].
    return try Interval(lower: low, upper: high, precision: precision)
}

/// Given a base (a, γ) and a target accuracy a*, the shifts Δ ∈ [0, γ) at which the critical
/// accuracy a′ equals a*.
///
/// a′(Δ) = a* means pplx(a*, γ − Δ) = pplx(a, γ): the γ′ = γ − Δ are the γ fits of
/// (pplx(a, γ), a*) that lie in (0, γ]. a′ only reaches 1 in the limit Δ → γ.
///
/// Each shift is returned as γ − γ′ with γ′ enclosed by the same bisection as in
/// ``fitGamma(logPerplexity:accuracy:precision:)`` (k = max(precision − 8, 8)): a γ′ left of
/// 1 − a* is enclosed to 2^−k relative to γ′ (so the shift to at most γ′·2^−k absolute);
/// a γ′ in [1 − a*, γ] is bisected from that bracket, so its width, and the shift's, is at most
/// (γ − (1 − a*))·2^−k absolute (relative to γ′ when a* = 1, where the bracket
/// starts at 0). Undecidable signs leave a wider certified bracket, as there.
public func shiftReaching(targetAccuracy aStar: BigRational, accuracy a: BigRational, gamma γ: BigRational, precision: Int) throws -> [Interval] {
    guard γ > 0, γ < (try BigRational(1, 2)) else {
        throw ParameterError(parameter: "gamma", requirement: "in (0, 1/2)", value: γ.description)
    }
    guard aStar >= 0, aStar <= 1 else { throw ParameterError(parameter: "target accuracy", requirement: "in [0, 1]", value: aStar.description) }
    let gI = try Interval(γ, precision: precision)
    let L = try logPerplexity(accuracy: try Interval(a, precision: precision), gamma: gI).total
    // Solve pplx(a*, γ′) = L for γ′ ∈ (0, γ] directly (L is an enclosure, not a rational).
    let aS = try Interval(aStar, precision: precision)
    func f(_ g: Interval) -> Interval { -(aS * Interval.log(onePlus: -g)) - ((1 - aS) * Interval.log(g)) - L }
    var shifts: [Interval] = []
    let pivot = BigRational(1) - aStar
    // Candidate brackets: (0, min(γ, 1 − a*)] where f decreases, [1 − a*, γ] where f increases.
    let left = Swift.min(γ, pivot)
    if left > 0 {
        let atLeft = f(try Interval(left, precision: precision))
        if atLeft.isCertainlyNegative || left == γ && !atLeft.isCertainlyPositive {
            let root = try bisect(f, from: BigRational(0), to: left, decreasing: true, precision: precision, what: "the shift")
            shifts.append(gI - root)
        }
    }
    if pivot < γ {
        // f increases on [1 − a*, γ]: a root needs f(1 − a*) <= 0 <= f(γ). Checking f(γ) alone
        // let bisection "find" a root at 1 − a* when f > 0 throughout (L < H(a*): no solution).
        let atPivot = f(try Interval(pivot, precision: precision))
        let atRight = f(gI)
        if !atPivot.isCertainlyPositive && !atRight.isCertainlyNegative {
            let root = try bisect(f, from: pivot, to: γ, decreasing: false, precision: precision, what: "the shift")
            shifts.append(gI - root)
        }
    }
    return shifts
}
