import MultiPrecision

/// Remark 3.4, Eq. 7: sampling at temperature θ turns a model that puts 1 − γ on its choice
/// into one that puts 1 − γ′ on it.
///
/// With V symbols, the chosen one holding 1 − γ and the other V − 1 sharing γ evenly,
/// p_i^(1/θ) renormalised gives γ′ = 1 / (1 + e^(ℓ/θ) / (V − 1)) with ℓ = log((1 − γ)(V − 1)/γ).
/// V = 2 is the paper's Eq. 7, γ′ = γ^(1/θ) / ((1 − γ)^(1/θ) + γ^(1/θ)).
///
/// - Parameters:
///   - γ: (`gamma`) γ ∈ (0, 1).
///   - θ: (`theta`) θ > 0.
///   - V: (`vocabulary`) V >= 2.
/// - Throws: ``ParameterError`` when a parameter is out of range.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func temperedGamma<T: PerplexityScalar>(gamma γ: T, theta θ: T, vocabulary V: Int = 2) throws(ParameterError) -> T {
    try Check.openUnit(γ, "gamma")
    try Check.positive(θ, "theta")
    try Check.count(V, "vocabulary", minimum: 2)
    let others = γ.integer(V - 1)
    let ell = logOdds(γ) + T.log(others)
    // 1 / (1 + e^(ℓ/θ)/(V−1)), written with e^(−ℓ/θ) so that large ℓ/θ underflows to 0 cleanly.
    let r = T.exp(-(ell / θ)) * others        // (V − 1)·e^(−ℓ/θ) = 1/(e^(ℓ/θ)/(V − 1))
    return r / (r + γ.integer(1))
}

/// The inverse of ``temperedGamma(gamma:theta:vocabulary:)``: the temperature θ that turns γ into γ′,
/// θ = log((1 − γ)(V − 1)/γ) / log((1 − γ′)(V − 1)/γ′).
///
/// Both γ and γ′ must lie on the same side of the uniform point (V − 1)/V, and γ′ must differ
/// from it, otherwise no positive θ exists.
///
/// - Throws: ``ParameterError`` when a parameter is out of range or no temperature exists.
public func temperature<T: PerplexityScalar>(gamma γ: T, targetGamma γʹ: T, vocabulary V: Int = 2) throws(ParameterError) -> T {
    try Check.openUnit(γ, "gamma")
    try Check.openUnit(γʹ, "target gamma")
    try Check.count(V, "vocabulary", minimum: 2)
    let others = γ.integer(V - 1)
    let numerator = logOdds(γ) + T.log(others)
    let denominator = logOdds(γʹ) + T.log(others)
    let zero = γ.integer(0)
    let sameSide = (zero.isCertainlyLess(than: numerator) && zero.isCertainlyLess(than: denominator))
        || (numerator.isCertainlyLess(than: zero) && denominator.isCertainlyLess(than: zero))
    guard sameSide else {
        throw ParameterError(
            parameter: "target gamma",
            requirement: "strictly on the same side of the uniform value (V-1)/V = \(V - 1)/\(V) as gamma = \(γ)",
            value: γʹ.description)
    }
    return numerator / denominator
}

/// log((1 − p)/p), the log-odds of the complement; L(x) in the notes.
public func logOdds<T: PerplexityScalar>(_ p: T) -> T { T.log(onePlus: -p) - T.log(p) }

/// Temperature applied to any probability vector: p_i^(1/θ) / Σ_j p_j^(1/θ), computed in the log
/// domain so that very small probabilities do not underflow before the normalisation.
///
/// - Throws: ``ParameterError`` for an empty vector, a negative entry, an all-zero vector or θ <= 0.
public func applyTemperature<T: PerplexityScalar>(_ probabilities: [T], theta θ: T) throws(ParameterError) -> [T] {
    try Check.positive(θ, "theta")
    guard let first = probabilities.first else {
        throw ParameterError(parameter: "probabilities", requirement: "non-empty", value: "[]")
    }
    let zero = first.integer(0)
    var logs: [T?] = []
    for (index, p) in probabilities.enumerated() {
        try Check.nonNegative(p, "probability \(index)")
        logs.append(zero.isCertainlyLess(than: p) ? T.log(p) / θ : nil)  // exact zeros stay zero
    }
    let present = logs.compactMap { $0 }
    guard var largest = present.first else {
        throw ParameterError(parameter: "probabilities", requirement: "not all zero", value: "all zero")
    }
    for value in present.dropFirst() where largest.isCertainlyLess(than: value) { largest = value }
    var total = zero
    let shifted = logs.map { $0.map { T.exp($0 - largest) } }
    for value in shifted { if let value { total = total + value } }
    return shifted.map { $0.map { $0 / total } ?? zero }
}
