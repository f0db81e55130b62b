import MultiPrecision

/// A parameter outside the range where a formula is defined. The message names the
/// parameter, the range and the value given, e.g. `accuracy must be in [0, 1], got 1.5`.
public struct ParameterError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The parameter's name as the user knows it (`accuracy`, `gamma`, `shift`, …).
    public let parameter: String
    /// The condition it must meet, in words or symbols (`in [0, 1]`, `> 0`).
    public let requirement: String
    /// The value given, as text.
    public let value: String

    public init(parameter: String, requirement: String, value: String) {
        self.parameter = parameter
        self.requirement = requirement
        self.value = value
    }

    public var description: String { "\(parameter) must be \(requirement), got \(value)" }
}

/// Range checks shared by every formula. For intervals a check passes only if it holds for
/// every point, so a certified result never rests on a parameter outside its domain.
enum Check {
    enum Bound { case open, closed }

    /// `lower (<|<=) x (<|<=) upper`, with either side optional.
    static func range<T: PerplexityScalar>(
        _ x: T, _ name: String,
        above lower: T? = nil, _ lowerKind: Bound = .closed,
        below upper: T? = nil, _ upperKind: Bound = .closed,
        requirement: @autoclosure () -> String
    ) throws(ParameterError) {
        var ok = x.isUsable
        if ok, let lower {
            ok = lowerKind == .closed ? lower.isCertainlyLessOrEqual(to: x) : lower.isCertainlyLess(than: x)
        }
        if ok, let upper {
            ok = upperKind == .closed ? x.isCertainlyLessOrEqual(to: upper) : x.isCertainlyLess(than: upper)
        }
        // The requirement's text is built only on failure: the prover passes every box through here.
        guard ok else { throw ParameterError(parameter: name, requirement: requirement(), value: x.description) }
    }

    /// a ∈ [0, 1].
    static func accuracy<T: PerplexityScalar>(_ a: T, _ name: String = "accuracy") throws(ParameterError) {
        try range(a, name, above: a.integer(0), below: a.integer(1), requirement: "in [0, 1]")
    }

    /// A probability strictly inside (0, 1).
    static func openUnit<T: PerplexityScalar>(_ p: T, _ name: String) throws(ParameterError) {
        try range(p, name, above: p.integer(0), .open, below: p.integer(1), .open, requirement: "in (0, 1)")
    }

    /// x > 0.
    static func positive<T: PerplexityScalar>(_ x: T, _ name: String) throws(ParameterError) {
        try range(x, name, above: x.integer(0), .open, requirement: "> 0")
    }

    /// x >= 0.
    static func nonNegative<T: PerplexityScalar>(_ x: T, _ name: String) throws(ParameterError) {
        try range(x, name, above: x.integer(0), requirement: ">= 0")
    }

    /// An integer count N >= minimum.
    static func count(_ n: Int, _ name: String, minimum: Int = 1) throws(ParameterError) {
        guard n >= minimum else { throw ParameterError(parameter: name, requirement: ">= \(minimum)", value: "\(n)") }
    }
}
