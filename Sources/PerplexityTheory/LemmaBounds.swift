import MultiPrecision

/// Lemma 3.1 in the corrected explicit form (see Proofs/lemma-3-1.md).
///
/// If the model copies α with margin m, β_N flips one bit of α_N, every prefix pair is within
/// the continuity radius δ of tolerance η ≤ m, and every log-probability is at least log ε, then
///
///     |pplx(α_N) − pplx(β_N)| ≤ (−log ε)/N + 2η(N − 1)/N.
///
/// The flipped position costs at most −log ε; every other position differs by at most
/// |log p − log q| ≤ |p − q| / min(p, q) ≤ 2η because both probabilities exceed 1/2.
///
/// - Parameters:
///   - N: (`length`) N >= 1.
///   - η: (`eta`) the continuity tolerance η ∈ [0, 1/2).
///   - ε: (`floor`) the probability floor ε ∈ (0, 1].
/// - Throws: ``ParameterError`` when a parameter is out of range.
public func lemmaBound<T: PerplexityScalar>(length N: Int, eta η: T, floor ε: T) throws(ParameterError) -> T {
    try Check.count(N, "length")
    try Check.range(η, "eta", above: η.integer(0), below: η.rational(try! .init(1, 2)), .open, requirement: "in [0, 1/2)")
    try Check.range(ε, "floor", above: ε.integer(0), .open, below: ε.integer(1), requirement: "in (0, 1]")
    return lemmaBound(inverseLength: ε.integer(1) / ε.integer(N), eta: η, floor: ε)
}

/// The corrected Lemma 3.1 bound written in t = 1/N, (−log ε)·t + 2η·(1 − t), so that the
/// prover can treat every length N >= n′ at once as t ∈ (0, 1/n′]. No range checks.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func lemmaBound<T: PerplexityScalar>(inverseLength t: T, eta η: T, floor ε: T) -> T {
    -T.log(ε) * t + t.integer(2) * η * (t.integer(1) - t)
}

/// The explicit threshold of Lemma 3.1: with η = min(m, ξ/4),
/// n′ = max(⌊1/δ⌋, ⌈−2 log ε / ξ⌉) + 1, so that every N >= n′ has 1/(N + 1) < δ and a bound
/// below ξ.
public struct LemmaThreshold: Sendable, Equatable {
    /// n′.
    public let threshold: Int
    /// ⌊1/δ⌋ + 1: the length from which one flipped bit is within the continuity radius.
    public let continuityLength: Int
    /// ⌈−2 log ε / ξ⌉ + 1: the length from which the flipped position costs under ξ/2.
    public let dilutionLength: Int
}

/// Computes n′(ξ, m, ε, δ) for Lemma 3.1 (and its tolerance η = min(m, ξ/4)).
///
/// The integer parts are decided with certified enclosures at `precision` bits, so n′ is exact.
/// - Throws: ``ParameterError`` when a parameter is out of range, or when an integer part lies too
///   close to an integer to decide at this precision (raise the precision).
public func lemmaThreshold(
    xi ξ: BigRational, margin m: BigRational, floor ε: BigRational, delta δ: BigRational, precision: Int = 256
) throws(ParameterError) -> (threshold: LemmaThreshold, eta: BigRational) {
    let zero = BigRational(0), one = BigRational(1), half = try! BigRational(1, 2)
    guard ξ > zero else { throw ParameterError(parameter: "xi", requirement: "> 0", value: ξ.description) }
    // Eq. 5 asks for a probability above 1/2 + m, so m < 1/2.
    guard m > zero, m < half else { throw ParameterError(parameter: "margin", requirement: "in (0, 1/2)", value: m.description) }
    guard ε > zero, ε < one else { throw ParameterError(parameter: "floor", requirement: "in (0, 1)", value: ε.description) }
    guard δ > zero, δ <= one else { throw ParameterError(parameter: "delta", requirement: "in (0, 1]", value: δ.description) }
    let eta = Swift.min(m, ξ * (try! BigRational(1, 4)))
    // n′ must be an Int (it is a length), so each part is checked against Int.max − 1 before
    // the + 1; the error names the parameter that made it huge and the limit it must respect.
    // ⌊1/δ⌋ is exact rational arithmetic; ⌊1/δ⌋ + 1 fits exactly when 1/δ < Int.max.
    guard let floorInverse = (one / δ).roundedDown.exactInt, floorInverse < Int.max else {
        throw ParameterError(
            parameter: "delta",
            requirement: "> 1/\(Int.max) (about 1.08e-19), so that n′ >= ⌊1/δ⌋ + 1 fits in a 64-bit integer",
            value: δ.description)
    }
    let continuity = floorInverse + 1
    // ⌈−2 log ε / ξ⌉ needs a certified enclosure of the logarithm.
    let ratio = try certifiedLogRatio(ε: ε, ξ: ξ, precision: precision)
    let dilution = ratio + 1
    return (LemmaThreshold(threshold: Swift.max(continuity, dilution), continuityLength: continuity, dilutionLength: dilution), eta)
}

/// ⌈−2 log ε / ξ⌉, certified: the enclosure must not contain an integer other than at most one
/// end that is decided exactly. Throws for `xi` when the result is Int.max or more, so that the
/// caller's + 1 cannot overflow.
func certifiedLogRatio(ε: BigRational, ξ: BigRational, precision: Int) throws(ParameterError) -> Int {
    guard let e = try? Interval(ε, precision: precision), let x = try? Interval(ξ, precision: precision) else {
        throw ParameterError(parameter: "precision", requirement: "in 2…16777216", value: "\(precision)")
    }
    let value = (-2 * Interval.log(e)) / x
    // Both ends are integers after rounding up; they convert exactly (no Double in between).
    let low = value.lower.rounded(.up).exactRational
    let high = value.upper.rounded(.up).exactRational
    if let low, low >= BigRational(Int.max) {
        let smallest = ((-2 * Interval.log(e)) / (try! Interval(Int.max - 1, precision: precision))).upper.double(rounding: .up)
        throw ParameterError(
            parameter: "xi",
            requirement: "large enough that n′ >= ⌈−2 log(floor) / xi⌉ + 1 fits in a 64-bit integer (with this floor: xi > \(smallest))",
            value: ξ.description)
    }
    guard let low, let high, low == high, let result = low.exactInt else {
        throw ParameterError(
            parameter: "precision", requirement: "high enough to decide ⌈−2 log ε / ξ⌉ (enclosure \(value))",
            value: "\(precision)")
    }
    return result
}

/// The bound printed in the paper's Appendix A, evaluated exactly as printed:
/// −(1/n_c)·(log(1/2 + ϵ) − log ε + (n_c − 1)·ϵ).
///
/// It is negative whenever log(1/2 + ϵ) − log ε + (n_c − 1)ϵ > 0, e.g. for every ε < 1/2, so it
/// cannot bound an absolute value; ``lemmaBound(length:eta:floor:)`` is the corrected form.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func printedAppendixBound<T: PerplexityScalar>(length n: Int, epsilon ϵ: T, floor ε: T) throws(ParameterError) -> T {
    try Check.count(n, "length")
    try Check.positive(ϵ, "epsilon")
    try Check.range(ε, "floor", above: ε.integer(0), .open, below: ε.integer(1), requirement: "in (0, 1]")
    let nc = ε.integer(n)
    let half = ε.rational(try! .init(1, 2))
    return -((T.log(half + ϵ) - T.log(ε) + ε.integer(n - 1) * ϵ) / nc)
}

/// Proposition 3.2: with confidence 1 − γ (margin 1/2 − γ), the perplexity of the miscopied β_N is
/// below −log(1 − γ) plus the Lemma 3.1 bound. Returns that upper bound on pplx(β_N).
///
/// - Throws: ``ParameterError`` when a parameter is out of range.
public func collapsingConfidenceBound<T: PerplexityScalar>(gamma γ: T, length N: Int, eta η: T, floor ε: T) throws(ParameterError) -> T {
    let half = γ.rational(try! .init(1, 2))
    try Check.range(γ, "gamma", above: γ.integer(0), below: half, .open, requirement: "in [0, 1/2)")
    // The lemma's greedy step needs η below the margin 1/2 − γ, otherwise β's copy may flip.
    try Check.range(η, "eta", above: η.integer(0), below: half - γ, .open, requirement: "in [0, 1/2 − gamma)")
    return -T.log(onePlus: -γ) + (try lemmaBound(length: N, eta: η, floor: ε))
}

/// Corollary 3.7: ‖∇L(β_N)‖ ≤ (K/N) Σ_i ‖p_i − y_i‖₂, with p_i the predicted distribution at
/// position i, y_i the one-hot target and K a bound on the parameter Jacobian.
///
/// - Parameters:
///   - K: (`jacobianBound`) K >= 0.
///   - distributions: one probability vector per position (N >= 1 of them).
///   - targets: the target symbol at each position.
/// - Throws: ``ParameterError`` for mismatched lengths or targets outside the vocabulary.
public func gradientBound<T: PerplexityScalar>(jacobianBound K: T, distributions: [[T]], targets: [Int]) throws(ParameterError) -> T {
    try Check.nonNegative(K, "jacobian bound")
    guard !distributions.isEmpty else { throw ParameterError(parameter: "distributions", requirement: "non-empty", value: "[]") }
    guard distributions.count == targets.count else {
        throw ParameterError(parameter: "targets", requirement: "one per distribution (\(distributions.count))", value: "\(targets.count)")
    }
    var total = K.integer(0)
    for (i, (p, y)) in zip(distributions, targets).enumerated() {
        guard p.indices.contains(y) else {
            throw ParameterError(parameter: "target \(i)", requirement: "in 0..<\(p.count)", value: "\(y)")
        }
        var squares = K.integer(0)
        for (j, pj) in p.enumerated() {
            let d = j == y ? pj - pj.integer(1) : pj
            squares = squares + d * d
        }
        total = total + T.sqrt(squares)
    }
    return K * total / K.integer(distributions.count)
}
