import MultiPrecision

/// Remark 3.5 and Proposition 3.6: what sampling (rather than greedy decoding) does to a copy.
public struct SamplingAnalysis<T: PerplexityScalar>: Sendable {
    /// The exact probability (1 − γ)^N that sampling copies all N bits of α_N.
    public let copyProbability: T
    /// 1 − (1 − γ)^N, the probability that sampling miscopies α_N.
    public let failureProbability: T
    /// Boole's bound Nγ on ``failureProbability`` (Remark 3.5).
    public let booleBound: T
    /// The Prop. 3.6 bound N(γ + ϵ) on the probability of not emitting α_N for β_N.
    public let propositionBound: T
    /// Nγ compared with the threshold.
    public let nGamma: T
    /// Nϵ compared with the threshold.
    public let nEpsilon: T
    /// The regime of section 3.3.
    public let regime: SamplingRegime
}

/// The three regimes of section 3.3, with "≪ 1" read as "below a threshold τ".
public enum SamplingRegime: String, Sendable, Codable, CaseIterable {
    /// Nγ < τ and Nϵ < τ: the model emits α_N when asked to copy β_N (Prop. 3.6).
    case emitsAlphaForBeta = "emits-alpha-for-beta"
    /// Nγ < τ but Nϵ >= τ: the theory says nothing.
    case theorySilent = "theory-silent"
    /// Nγ >= τ: even α_N itself is not copied reliably.
    case alphaUnreliable = "alpha-unreliable"
    /// For intervals: a product straddles the threshold.
    case undecided = "undecided"

    /// One sentence for reports.
    public var explanation: String {
        switch self {
        case .emitsAlphaForBeta: return "Nγ and Nϵ are both small: sampling emits α_N for β_N with high probability (Prop. 3.6)"
        case .theorySilent: return "Nγ is small but Nϵ is not: Prop. 3.6 gives no useful bound"
        case .alphaUnreliable: return "Nγ is not small: α_N itself is not copied reliably under sampling"
        case .undecided: return "an enclosure straddles the threshold"
        }
    }
}

/// Sampling quantities for a model with confidence 1 − γ on a copy of length N.
///
/// - Parameters:
///   - γ: (`gamma`) γ ∈ [0, 1).
///   - N: (`length`) N >= 1.
///   - ϵ: (`epsilon`) the continuity tolerance ϵ >= 0 at size N (default 0).
///   - τ: (`threshold`) τ > 0, the reading of "≪ 1" (default 1/10).
/// - Throws: ``ParameterError`` when a parameter is out of range.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func sampling<T: PerplexityScalar>(
    gamma γ: T, length N: Int, epsilon ϵ: T? = nil, threshold τ: T? = nil
) throws(ParameterError) -> SamplingAnalysis<T> {
    try Check.range(γ, "gamma", above: γ.integer(0), below: γ.integer(1), .open, requirement: "in [0, 1)")
    try Check.count(N, "length")
    let eps = ϵ ?? γ.integer(0)
    try Check.nonNegative(eps, "epsilon")
    let tau = τ ?? γ.rational(try! .init(1, 10))
    try Check.positive(tau, "threshold")
    let n = γ.integer(N)
    // (1 − γ)^N = exp(N·log1p(−γ)) keeps full relative accuracy for tiny γ.
    let copy = T.exp(n * T.log(onePlus: -γ))
    let failure = -T.expMinusOne(n * T.log(onePlus: -γ))
    let nGamma = n * γ
    let nEpsilon = n * eps
    let regime: SamplingRegime
    if tau.isCertainlyLessOrEqual(to: nGamma) {
        regime = .alphaUnreliable
    } else if nGamma.isCertainlyLess(than: tau) {
        if nEpsilon.isCertainlyLess(than: tau) { regime = .emitsAlphaForBeta }
        else if tau.isCertainlyLessOrEqual(to: nEpsilon) { regime = .theorySilent }
        else { regime = .undecided }
    } else {
        regime = .undecided
    }
    return SamplingAnalysis(
        copyProbability: copy, failureProbability: failure, booleBound: nGamma,
        propositionBound: n * (γ + eps), nGamma: nGamma, nEpsilon: nEpsilon, regime: regime)
}
