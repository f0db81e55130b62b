import Foundation
import Testing
import MultiPrecision
import PerplexityTheory

/// One number type a theorem is checked in, with the accuracy it is held to.
///
/// Every theorem test is written once, generically, and run in `Double` (53 bits), in `BigFloat`
/// at 256 bits and, where cheap, in `Interval` at 256 bits. For `Double` and `BigFloat`,
/// "certainly less" is plain `<`; for `Interval` it is certified (every point of one enclosure
/// is below every point of the other), so the same assertion becomes a proof at that point.
struct Scalars<T: PerplexityScalar>: Sendable {
    let name: String
    /// 0 in the type and precision of the checks; every other constant is derived from it.
    let zero: T
    /// Relative accuracy budget for comparing two evaluations of the same quantity.
    ///
    /// Double: the formulas here chain at most a few dozen roundings of 2^-53 ≈ 1.1e-16 through
    /// logarithms whose arguments stay in [10^-6, 1] on the parameter grids used, so errors stay
    /// below ~1e-13 relative; 1e-10 leaves three orders of margin and still fails on any formula
    /// error (those are O(Δ), i.e. ≥ 1e-6 here). 256 bits: 2^-256 ≈ 8.6e-78; 1e-60 likewise.
    let tolerance: T

    /// numerator/denominator; the denominators here are non-zero literals.
    func q(_ numerator: Int, _ denominator: Int) -> T { zero.rational(BigRational(numerator) / BigRational(denominator)) }
    func q(_ r: BigRational) -> T { zero.rational(r) }
    func n(_ k: Int) -> T { zero.integer(k) }
    var one: T { zero.integer(1) }
    var half: T { q(1, 2) }
}

let inDouble = Scalars<Double>(name: "Double", zero: 0, tolerance: 1e-10)
let inBig = Scalars<BigFloat>(name: "BigFloat256", zero: try! BigFloat(0, precision: 256), tolerance: try! BigFloat(parsing: "1e-60", precision: 256))
let inInterval = Scalars<Interval>(name: "Interval256", zero: try! Interval(0, precision: 256), tolerance: try! Interval(parsing: "1e-60", precision: 256))

/// k/1000 as an exact rational.
func milli(_ k: Int) -> BigRational { BigRational(k) / BigRational(1000) }

// MARK: - Assertions that hold in every type (certified for intervals)

/// Whether `x` is a finite number and, for intervals, a narrow enclosure: width at most
/// `inInterval.tolerance` · (1 + |x|). Comparisons against NaN, ±∞, unbounded or wide enclosures
/// prove nothing (NaN makes `!(b < a)` true; −∞ is below everything; a wide interval is "possibly"
/// below anything), so the helpers below record an issue for them instead of passing.
func isUsableForComparison<T: PerplexityScalar>(_ x: T) -> Bool {
    guard x.isUsable else { return false }
    switch x {
    case let d as Double: return d.isFinite
    case let b as BigFloat: return b.isFinite
    case let i as Interval:
        return i.width <= inInterval.tolerance.upper * (inBig.one + i.magnitude.upper)
    default: return true
    }
}

/// Records an issue (and returns false) unless every operand is usable for a comparison.
func expectComparable<T: PerplexityScalar>(
    _ operands: [(String, T)], _ context: () -> String, sourceLocation: SourceLocation
) -> Bool {
    let bad = operands.filter { !isUsableForComparison($0.1) }
    guard bad.isEmpty else {
        let list = bad.map { "\($0.0) = \($0.1)" }.joined(separator: ", ")
        Issue.record("not finite or too wide to compare (\(list)): \(context())", sourceLocation: sourceLocation)
        return false
    }
    return true
}

/// `a < b` (certified for intervals); both sides must be finite (narrow, for intervals).
func expectLess<T: PerplexityScalar>(
    _ a: T, _ b: T, _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard expectComparable([("a", a), ("b", b)], context, sourceLocation: sourceLocation) else { return }
    #expect(a.isCertainlyLess(than: b), "\(a) < \(b) fails: \(context())", sourceLocation: sourceLocation)
}

/// `a <= b + slack` (for intervals: some point of a is within slack above b, i.e. not certainly
/// violated). a, b and slack must be finite and, for intervals, narrow (width ≤ 1e-60·(1 + |x|)),
/// so that "not certainly violated" says nearly as much as the point comparison; slack ≥ 0.
func expectAtMost<T: PerplexityScalar>(
    _ a: T, _ b: T, slack: T, _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    guard expectComparable([("a", a), ("b", b), ("slack", slack)], context, sourceLocation: sourceLocation) else { return }
    #expect(!slack.isCertainlyLess(than: slack.integer(0)), "negative slack \(slack): \(context())", sourceLocation: sourceLocation)
    #expect(!(b + slack).isCertainlyLess(than: a), "\(a) <= \(b) fails: \(context())", sourceLocation: sourceLocation)
}

/// |a − b| <= tolerance · (1 + |b|) (certified for intervals: every point of a − b is that small).
func expectClose<T: PerplexityScalar>(
    _ a: T, _ b: T, tolerance: T, _ context: @autoclosure () -> String, sourceLocation: SourceLocation = #_sourceLocation
) {
    let bound = tolerance * (b.integer(1) + b.magnitude)
    #expect(a.isUsable && b.isUsable && (a - b).magnitude.isCertainlyLessOrEqual(to: bound),
            "\(a) vs \(b): \(context())", sourceLocation: sourceLocation)
}

// MARK: - Formulas written out independently of the library

/// Eq. 10 written out with plain logarithms (no log1p), valid for any a (even outside [0, 1]).
func eq10<T: PerplexityScalar>(_ a: T, _ γ: T) -> T {
    let one = a.integer(1)
    return -(a * T.log(one - γ)) - (one - a) * T.log(γ)
}

/// L(x) = log((1 − x)/x) with plain logarithms.
func logOddsWritten<T: PerplexityScalar>(_ x: T) -> T { T.log(x.integer(1) - x) - T.log(x) }

/// A small deterministic generator (SplitMix64) for the many values one property case needs.
struct SplitMix: Sendable {
    var state: UInt64
    init(seed: Int) { state = UInt64(bitPattern: Int64(seed)) &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// An integer in `range`.
    mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.upperBound - range.lowerBound + 1))
    }
}

// MARK: - The helpers themselves

@Suite struct ComparisonHelperTests {
    @Test("the comparison helpers refuse NaN, infinities and wide or unbounded enclosures")
    func refuseUnusable() throws {
        // The predicate the helpers guard with (testing it directly keeps the run free of
        // deliberately recorded issues).
        #expect(!isUsableForComparison(Double.nan) && !isUsableForComparison(Double.infinity) && !isUsableForComparison(-Double.infinity))
        #expect(!isUsableForComparison(inBig.zero / inBig.zero))
        // An enclosure [0, 2] is "possibly ≤" 1 but says nothing; [0, 10^-50] is too wide at 256 bits.
        #expect(!isUsableForComparison(try Interval(lower: BigRational(0), upper: BigRational(2), precision: 256)))
        #expect(!isUsableForComparison(try Interval(lower: BigRational(0), upper: try BigRational(parsing: "1e-50"), precision: 256)))
        // Proper operands are usable, and pass (ties included for expectAtMost).
        #expect(isUsableForComparison(1.0) && isUsableForComparison(inBig.half) && isUsableForComparison(inInterval.q(1, 3)))
        expectAtMost(1.0, 1.0, slack: 0, "tie")
        expectAtMost(inInterval.q(1, 3), inInterval.q(1, 3), slack: inInterval.zero, "interval tie")
        expectLess(inInterval.q(1, 3), inInterval.half, "1/3 < 1/2")
    }
}
