import MultiPrecision

/// Log-perplexity split into what is paid on right answers and on wrong ones.
///
/// For the homogeneous-confidence binary model of section 4 (Eq. 10),
/// `pplx(a, γ) = −a·log(1−γ) − (1−a)·log γ`: the first term is paid on the fraction `a` of
/// right answers (probability 1−γ on the truth), the second on wrong answers (γ on the truth).
public struct LogPerplexityDecomposition<T: PerplexityScalar>: Sendable {
    /// The share of log-perplexity paid on right answers (nats per token).
    public let onRight: T
    /// The share paid on wrong answers (nats per token).
    public let onWrong: T
    /// The fraction of right answers.
    public let accuracy: T

    /// The log-perplexity, `onRight + onWrong` (nats per token).
    public var total: T { onRight + onWrong }

    /// The perplexity, `exp(total)`.
    public var perplexity: T { T.exp(total) }
}

/// Eq. 10: log-perplexity of a model that is right with probability `accuracy` and always puts
/// 1 − `gamma` on its choice.
///
/// - Parameters:
///   - a: (`accuracy`) a ∈ [0, 1].
///   - γ: (`gamma`) γ ∈ (0, 1); 1 − γ is the confidence.
/// - Throws: ``ParameterError`` when a parameter is out of range.
// Specialised for the prover's types: the generic entry point checks T and jumps to code without
// witness-table calls or generic metadata lookups per operation (same results, only faster).
@_specialize(where T == Interval)
@_specialize(where T == Dual<Interval>)
public func logPerplexity<T: PerplexityScalar>(accuracy a: T, gamma γ: T) throws(ParameterError) -> LogPerplexityDecomposition<T> {
    try Check.accuracy(a)
    try Check.openUnit(γ, "gamma")
    return LogPerplexityDecomposition(
        onRight: -(a * T.log(onePlus: -γ)),
        onWrong: -((a.integer(1) - a) * T.log(γ)),
        accuracy: a
    )
}

/// One scored position of a sequence: the probability the model gave the target symbol, and
/// whether the model's own choice at that position was right.
public struct ScoredToken<T: PerplexityScalar>: Sendable {
    /// The probability of the target symbol, in (0, 1].
    public var probability: T
    /// Whether the model's choice (its argmax) equals the target.
    public var isCorrect: Bool

    public init(probability: T, isCorrect: Bool) {
        self.probability = probability
        self.isCorrect = isCorrect
    }
}

/// The decomposition of Eq. 10 for any scored sequence: the mean of −log p over positions,
/// split by whether the model was right there, together with the accuracy.
///
/// - Throws: ``ParameterError`` for an empty sequence or a probability outside (0, 1].
public func logPerplexity<T: PerplexityScalar>(of tokens: [ScoredToken<T>]) throws(ParameterError) -> LogPerplexityDecomposition<T> {
    guard let first = tokens.first else {
        throw ParameterError(parameter: "sequence", requirement: "non-empty", value: "0 tokens")
    }
    var right = first.probability.integer(0)
    var wrong = right
    var correct = 0
    for (index, token) in tokens.enumerated() {
        let p = token.probability
        try Check.range(p, "probability at position \(index)", above: p.integer(0), .open, below: p.integer(1), requirement: "in (0, 1]")
        if token.isCorrect {
            right = right - T.log(p)
            correct += 1
        } else {
            wrong = wrong - T.log(p)
        }
    }
    let n = first.probability.integer(tokens.count)
    return LogPerplexityDecomposition(onRight: right / n, onWrong: wrong / n, accuracy: first.probability.integer(correct) / n)
}

/// Binary entropy H(a) = −a log a − (1−a) log(1−a) in nats: the least log-perplexity of Eq. 10
/// at accuracy a, attained at γ = 1 − a (section 4.3).
public func binaryEntropy<T: PerplexityScalar>(_ a: T) throws(ParameterError) -> T {
    try Check.accuracy(a)
    let one = a.integer(1)
    let zero = a.integer(0)
    // x·log x → 0 as x → 0, so an end that is exactly 0 contributes 0. An interval that
    // straddles an end is refused rather than enclosed loosely.
    func term(_ x: T, _ logOfX: () -> T) throws(ParameterError) -> T {
        if zero.isCertainlyLess(than: x) { return -(x * logOfX()) }
        if x.isCertainlyLessOrEqual(to: zero) { return zero }
        throw ParameterError(parameter: "accuracy", requirement: "strictly inside (0, 1) or exactly 0 or 1", value: a.description)
    }
    return try term(a) { T.log(a) } + term(one - a) { T.log(onePlus: -a) }
}
