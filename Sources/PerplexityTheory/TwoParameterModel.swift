import MultiPrecision

/// Beyond the paper: a binary model whose right answers put 1 − γ_r on the truth and whose wrong
/// answers leave γ_w on it (the paper's model is γ_r = γ_w = γ). Its reviewers asked for this.
///
/// pplx(a; γ_r, γ_w) = −a·log(1 − γ_r) − (1 − a)·log γ_w.
///
/// - Throws: ``ParameterError`` when a parameter is out of range.
public func logPerplexity<T: PerplexityScalar>(accuracy a: T, gammaRight γr: T, gammaWrong γw: T) throws(ParameterError) -> LogPerplexityDecomposition<T> {
    try Check.accuracy(a)
    try Check.range(γr, "gamma right", above: γr.integer(0), below: γr.integer(1), .open, requirement: "in [0, 1)")
    try Check.openUnit(γw, "gamma wrong")
    return LogPerplexityDecomposition(
        onRight: -(a * T.log(onePlus: -γr)),
        onWrong: -((a.integer(1) - a) * T.log(γw)),
        accuracy: a)
}

/// The critical accuracy of the two-parameter model under independent shifts: right answers move
/// to 1 − γ_r + Δ_r, wrong answers to γ_w − Δ_w on the truth; a′ solves
/// pplx(a′; γ_r − Δ_r, γ_w − Δ_w) = pplx(a; γ_r, γ_w):
///
///     a′ = (L + log(γ_w − Δ_w)) / (log(γ_w − Δ_w) − log(1 − γ_r + Δ_r)).
///
/// - Throws: ``ParameterError`` when a parameter is out of range, including shifts that make the
///   new model put no more on the truth when right than when wrong (the denominator must be < 0).
public func criticalAccuracy<T: PerplexityScalar>(
    accuracy a: T, gammaRight γr: T, gammaWrong γw: T, deltaRight Δr: T, deltaWrong Δw: T
) throws(ParameterError) -> T {
    let L = try logPerplexity(accuracy: a, gammaRight: γr, gammaWrong: γw).total
    try Check.range(Δr, "delta right", above: Δr.integer(0), below: γr, requirement: "in [0, gamma right]")
    try Check.range(Δw, "delta wrong", above: Δw.integer(0), below: γw, requirement: "in [0, gamma wrong]")
    let wrong = γw - Δw
    let one = a.integer(1)
    if wrong.isCertainlyLessOrEqual(to: a.integer(0)) { return one }  // the limit Δ_w → γ_w
    let logRight = T.log(onePlus: Δr - γr)
    let slope = T.log(wrong) - logRight
    guard slope.isCertainlyLess(than: a.integer(0)) else {
        throw ParameterError(
            parameter: "shifts", requirement: "such that gamma wrong − delta wrong < 1 − gamma right + delta right",
            value: "delta right = \(Δr), delta wrong = \(Δw)")
    }
    return one + (L + logRight) / slope
}
