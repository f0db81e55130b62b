import MultiPrecision

/// Eq. 11: the critical accuracy a′ at which a model whose confidence is shifted by Δ has the
/// same log-perplexity as the base model (accuracy a, confidence 1 − γ).
///
/// Right answers of the shifted model get 1 − γ + Δ, wrong ones leave γ′ = γ − Δ on the truth:
///
///     a′ = (pplx(a, γ) + log γ′) / (log γ′ − log(1 − γ′))
///
/// It is evaluated as `1 + (pplx(a, γ) + log(1 − γ′)) / (log γ′ − log(1 − γ′))`, which is the same
/// number but tends to 1 without 0/0 as γ′ → 0, so the limit Δ → γ gives 1, not NaN.
///
/// - Parameters:
///   - a: (`accuracy`) the base accuracy a ∈ [0, 1].
///   - γ: (`gamma`) the base γ ∈ (0, 1/2); the base model puts 1 − γ on its choice.
///   - Δ: (`delta`) the absolute shift Δ ∈ [0, γ]; at Δ = γ the limit 1 is returned.
/// - Throws: ``ParameterError`` when a parameter is out of range.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func criticalAccuracy<T: PerplexityScalar>(accuracy a: T, gamma γ: T, delta Δ: T) throws(ParameterError) -> T {
    try checkBase(a, γ)
    try Check.range(Δ, "delta", above: Δ.integer(0), below: γ, requirement: "in [0, gamma] = [0, \(γ)]")
    return criticalAccuracy(logPerplexity: try logPerplexity(accuracy: a, gamma: γ).total, shiftedGamma: γ - Δ)
}

/// Eq. 11 with the normalised shift s = Δ/γ ∈ [0, 1] (the x-axis of Fig. 3).
///
/// - Throws: ``ParameterError`` when a parameter is out of range.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func criticalAccuracy<T: PerplexityScalar>(accuracy a: T, gamma γ: T, shift s: T) throws(ParameterError) -> T {
    try checkBase(a, γ)
    try Check.range(s, "shift", above: s.integer(0), below: s.integer(1), requirement: "in [0, 1] (shift = delta/gamma)")
    return criticalAccuracy(logPerplexity: try logPerplexity(accuracy: a, gamma: γ).total, shiftedGamma: γ * (s.integer(1) - s))
}

/// The accuracy a model putting 1 − γ′ on its choice needs to reach log-perplexity `L`,
/// i.e. the solution a′ of pplx(a′, γ′) = L (Eq. 11 written for its shifted γ′).
///
/// γ′ = 0 returns the limit 1. The caller guarantees 0 <= γ′ < 1/2.
public func criticalAccuracy<T: PerplexityScalar>(logPerplexity L: T, shiftedGamma γʹ: T) -> T {
    let one = γʹ.integer(1)
    if γʹ.isCertainlyLessOrEqual(to: γʹ.integer(0)) { return one }  // Δ = γ: the limit
    let logRight = T.log(onePlus: -γʹ)           // log(1 − γ′)
    let slope = T.log(γʹ) - logRight              // log γ′ − log(1 − γ′) < 0
    return one + (L + logRight) / slope
}

/// The base model's parameters as Eq. 11 needs them: a ∈ [0, 1], γ ∈ (0, 1/2).
///
/// γ must stay below 1/2 so that the base model's choice is its most likely symbol and the
/// shifted denominator log γ′ − log(1 − γ′) never vanishes.
func checkBase<T: PerplexityScalar>(_ a: T, _ γ: T) throws(ParameterError) {
    try Check.accuracy(a)
    let half = γ.rational(try! .init(1, 2))
    try Check.range(γ, "gamma", above: γ.integer(0), .open, below: half, .open, requirement: "in (0, 1/2)")
}

/// How perplexity judges a candidate model against a base model, and whether it is right to.
public enum SelectionVerdict: String, Sendable, CaseIterable, Codable {
    /// Lower perplexity and more accurate: perplexity picks the better model.
    case selectedAndBetter = "selected-and-better"
    /// Lower perplexity but less accurate: the paper's "unjustified free lunch" (unfavourable).
    case selectedThoughWorse = "selected-though-worse"
    /// Higher perplexity though more accurate (unfavourable).
    case rejectedThoughBetter = "rejected-though-better"
    /// Higher perplexity and less accurate: perplexity rejects the worse model.
    case rejectedAndWorse = "rejected-and-worse"
    /// A tie in perplexity or in accuracy (a_new = a′ or a_new = a), or, for intervals,
    /// a comparison that the enclosures cannot decide.
    case undecided = "undecided"

    /// Whether perplexity and accuracy disagree (the unfavourable regions of Fig. 3).
    public var isUnfavourable: Bool { self == .selectedThoughWorse || self == .rejectedThoughBetter }
}

/// Classifies a candidate with accuracy `candidateAccuracy` at shift Δ against the base (a, γ).
///
/// The candidate is selected by perplexity iff a_new > a′ (its log-perplexity is lower), and it
/// is better iff a_new > a.
///
/// - Throws: ``ParameterError`` when a parameter is out of range.
public func classify<T: PerplexityScalar>(
    candidateAccuracy aNew: T, accuracy a: T, gamma γ: T, delta Δ: T
) throws(ParameterError) -> (verdict: SelectionVerdict, criticalAccuracy: T) {
    try Check.accuracy(aNew, "candidate accuracy")
    let critical = try criticalAccuracy(accuracy: a, gamma: γ, delta: Δ)
    return (verdict(candidateAccuracy: aNew, accuracy: a, criticalAccuracy: critical), critical)
}

/// Classifies a candidate with accuracy `candidateAccuracy` at normalised shift s = Δ/γ; unlike
/// the Δ form this reaches s = 1 (Δ = γ) also for intervals, where two enclosures of one
/// non-dyadic γ cannot be proven equal.
///
/// - Throws: ``ParameterError`` when a parameter is out of range.
public func classify<T: PerplexityScalar>(
    candidateAccuracy aNew: T, accuracy a: T, gamma γ: T, shift s: T
) throws(ParameterError) -> (verdict: SelectionVerdict, criticalAccuracy: T) {
    try Check.accuracy(aNew, "candidate accuracy")
    let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: s)
    return (verdict(candidateAccuracy: aNew, accuracy: a, criticalAccuracy: critical), critical)
}

/// The verdict on a candidate of accuracy a_new against a base of accuracy a, given the critical
/// accuracy a′ at the candidate's shift: selected iff a_new > a′, better iff a_new > a.
public func verdict<T: PerplexityScalar>(candidateAccuracy aNew: T, accuracy a: T, criticalAccuracy critical: T) -> SelectionVerdict {
    let selected = critical.isCertainlyLess(than: aNew)
    let rejected = aNew.isCertainlyLess(than: critical)
    let better = a.isCertainlyLess(than: aNew)
    let worse = aNew.isCertainlyLess(than: a)
    let verdict: SelectionVerdict
    switch (selected, rejected, better, worse) {
    case (true, _, true, _): verdict = .selectedAndBetter
    case (true, _, _, true): verdict = .selectedThoughWorse
    case (_, true, true, _): verdict = .rejectedThoughBetter
    case (_, true, _, true): verdict = .rejectedAndWorse
    default: verdict = .undecided
    }
    return verdict
}

/// The unfavourable band at one shift: between the base accuracy a and the critical accuracy
/// a′ perplexity and accuracy disagree. Its width is |a′ − a|; when a′ < a the band is a free
/// lunch (selected though worse), when a′ > a a rejection of better models.
public struct UnfavourableBand<T: PerplexityScalar>: Sendable {
    /// The critical accuracy a′.
    public let criticalAccuracy: T
    /// a′ − a: positive when better models are rejected, negative for a free lunch.
    public let gap: T

    /// |a′ − a|.
    public var width: T { gap.magnitude }
}

/// The unfavourable band of the base (a, γ) at normalised shift s = Δ/γ.
///
/// - Throws: ``ParameterError`` when a parameter is out of range.
public func unfavourableBand<T: PerplexityScalar>(accuracy a: T, gamma γ: T, shift s: T) throws(ParameterError) -> UnfavourableBand<T> {
    let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: s)
    return UnfavourableBand(criticalAccuracy: critical, gap: critical - a)
}
