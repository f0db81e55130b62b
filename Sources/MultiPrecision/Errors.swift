/// Errors raised by the arbitrary-precision types. Each message names the offending input,
/// so that a command-line user can see which argument was wrong and why.
public enum MultiPrecisionError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A string that is not a decimal number (`"0.1"`, `"-2.5e-3"`) or a fraction (`"3/7"`).
    case malformedNumber(input: String, reason: String)
    /// A precision outside ``Precision/range``.
    case precisionOutOfRange(bits: Int)
    /// A digit count for decimal output below 1 or above the supported maximum.
    case digitsOutOfRange(digits: Int)
    /// A function evaluated outside its domain, e.g. the logarithm of zero.
    case domain(function: String, argument: String, requirement: String)
    /// A division whose divisor is zero or (for intervals) may be zero.
    case divisionByZero(dividend: String, divisor: String)
    /// A value that must be finite (not NaN, not infinite) but is not.
    case notFinite(what: String, value: String)

    public var description: String {
        switch self {
        case let .malformedNumber(input, reason):
            return "malformed number \"\(input)\": \(reason)"
        case let .precisionOutOfRange(bits):
            return "precision \(bits) bits is outside the supported range \(Precision.range.lowerBound)…\(Precision.range.upperBound)"
        case let .digitsOutOfRange(digits):
            return "digit count \(digits) is outside the supported range \(DecimalText.digitRange.lowerBound)…\(DecimalText.digitRange.upperBound)"
        case let .domain(function, argument, requirement):
            return "\(function) is undefined at \(argument): the argument must be \(requirement)"
        case let .divisionByZero(dividend, divisor):
            return "cannot divide \(dividend) by \(divisor): the divisor is or may be zero"
        case let .notFinite(what, value):
            return "\(what) must be finite, got \(value)"
        }
    }
}
