import CMPFR
import CIntervalArb

/// One MPFI interval (two MPFR endpoints) and both endpoints' limbs in a single allocation.
@usableFromInline
final class IntervalStorage: ManagedBuffer<__mpfi_struct, mp_limb_t> {
    /// The interval [NaN, NaN] of precision `bits` (the caller overwrites it).
    @usableFromInline
    static func make(bits: Int) -> IntervalStorage {
        let limbs = (bits + mp_limb_t.bitWidth - 1) / mp_limb_t.bitWidth
        let buffer = create(minimumCapacity: 2 * limbs) { _ in __mpfi_struct() }
        let storage = unsafeDowncast(buffer, to: IntervalStorage.self)
        storage.withUnsafeMutablePointers { header, limbPointer in
            perplexed_mpfi_init_on(header, mpfr_prec_t(bits), limbPointer, mp_size_t(limbs))
        }
        return storage
    }

    @inlinable
    var pointer: UnsafeMutablePointer<__mpfi_struct> { withUnsafeMutablePointerToHeader { $0 } }
}

/// A closed interval [lower, upper] with outward rounding (MPFI): every operation returns an
/// interval that contains the exact result for every choice of points in its operands.
///
/// Constructors from rationals and decimal text enclose the exact value (`"0.1"` gives the
/// tightest interval around 1/10 at the chosen precision). Decimal output rounds the lower
/// end down and the upper end up, so a printed interval still encloses the value.
public struct Interval: @unchecked Sendable {
    @usableFromInline var storage: IntervalStorage

    init(storage: IntervalStorage) { self.storage = storage }

    static func make(bits: Int, _ body: (UnsafeMutablePointer<__mpfi_struct>) -> Void) -> Interval {
        let storage = IntervalStorage.make(bits: bits)
        body(storage.pointer)
        return Interval(storage: storage)
    }

    @inlinable
    func withPointer<R>(_ body: (UnsafePointer<__mpfi_struct>) -> R) -> R {
        withExtendedLifetime(storage) { body(storage.pointer) }
    }

    // MARK: Construction

    /// The tightest interval of `precision` bits around the rational `value`.
    public init(_ value: BigRational, precision: Int) throws(MultiPrecisionError) {
        let bits = try Precision.validate(precision)
        self = withExtendedLifetime(value) { Self.make(bits: bits) { _ = perplexed_mpfi_set_q($0, value.storage.pointer) } }
    }

    /// The tightest interval around the exact value of decimal or fraction text.
    public init(parsing text: String, precision: Int) throws(MultiPrecisionError) {
        try self.init(BigRational(parsing: text), precision: precision)
    }

    /// The integer `value` (a point interval unless it needs more than `precision` bits).
    public init(_ value: Int, precision: Int) throws(MultiPrecisionError) {
        let bits = try Precision.validate(precision)
        self = Self.make(bits: bits) { _ = mpfi_set_si($0, value) }
    }

    /// The exact value of the double `value` (a point interval when `precision >= 53`).
    public init(_ value: Double, precision: Int) throws(MultiPrecisionError) {
        guard value.isFinite else { throw .notFinite(what: "interval endpoint", value: "\(value)") }
        let bits = try Precision.validate(precision)
        self = Self.make(bits: bits) { _ = mpfi_set_d($0, value) }
    }

    /// A point enclosing `value`, at `value`'s precision.
    public init(_ value: BigFloat) {
        self = value.withPointer { p in Self.make(bits: value.precision) { _ = mpfi_set_fr($0, p) } }
    }

    /// [lower, upper], widened outward if either end needs more than `precision` bits.
    ///
    /// - Throws: ``MultiPrecisionError/domain(function:argument:requirement:)`` if `lower > upper`
    ///   or either end is NaN.
    public init(lower: BigRational, upper: BigRational, precision: Int) throws(MultiPrecisionError) {
        guard lower <= upper else {
            throw .domain(function: "interval", argument: "[\(lower), \(upper)]", requirement: "ordered, lower <= upper")
        }
        let bits = try Precision.validate(precision)
        self = withExtendedLifetime((lower, upper)) {
            Self.make(bits: bits) { _ = perplexed_mpfi_interv_q($0, lower.storage.pointer, upper.storage.pointer) }
        }
    }

    /// [lower, upper] from floating-point ends, widened outward to `precision` bits.
    public init(lower: BigFloat, upper: BigFloat, precision: Int) throws(MultiPrecisionError) {
        guard !lower.isNaN, !upper.isNaN, lower <= upper else {
            throw .domain(function: "interval", argument: "[\(lower), \(upper)]", requirement: "ordered, lower <= upper")
        }
        let bits = try Precision.validate(precision)
        self = lower.withPointer { a in upper.withPointer { b in Self.make(bits: bits) { _ = mpfi_interv_fr($0, a, b) } } }
    }

    /// An enclosure of π.
    public static func pi(precision: Int) throws(MultiPrecisionError) -> Interval {
        let bits = try Precision.validate(precision)
        return make(bits: bits) { _ = mpfi_const_pi($0) }
    }

    /// An enclosure of log 2.
    public static func ln2(precision: Int) throws(MultiPrecisionError) -> Interval {
        let bits = try Precision.validate(precision)
        return make(bits: bits) { _ = mpfi_const_log2($0) }
    }

    /// An enclosure of e.
    public static func e(precision: Int) throws(MultiPrecisionError) -> Interval {
        Interval.exp(try Interval(1, precision: precision))
    }

    // MARK: Inspection

    /// The precision in bits of each endpoint.
    @inlinable
    public var precision: Int {
        // Read from the lower end's field (MPFI's own definition of the precision): mpfi_get_prec
        // is two library calls, and the in-place operations read the precision three times.
        Int(withExtendedLifetime(storage) { storage.pointer.pointee.left._mpfr_prec })
    }

    /// The lower endpoint (exact).
    public var lower: BigFloat {
        withPointer { p in BigFloat.make(bits: precision) { _ = mpfi_get_left($0, p) } }
    }

    /// The upper endpoint (exact).
    public var upper: BigFloat {
        withPointer { p in BigFloat.make(bits: precision) { _ = mpfi_get_right($0, p) } }
    }

    /// The midpoint, rounded to nearest (it lies inside the interval).
    public var midpoint: BigFloat {
        withPointer { p in BigFloat.make(bits: precision) { _ = mpfi_mid($0, p) } }
    }

    /// upper − lower, rounded up (an upper bound of the true width).
    public var width: BigFloat {
        withPointer { p in BigFloat.make(bits: precision) { _ = mpfi_diam_abs($0, p) } }
    }

    /// Width relative to the magnitude, rounded up; 0 for a point.
    public var relativeWidth: BigFloat {
        withPointer { p in BigFloat.make(bits: precision) { _ = mpfi_diam($0, p) } }
    }

    /// Whether either end is NaN (the result of an invalid operation).
    public var isNaN: Bool { withPointer { mpfi_nan_p($0) != 0 } }

    /// Whether both ends are finite.
    public var isBounded: Bool { withPointer { mpfi_bounded_p($0) != 0 } }

    /// Whether 0 lies in the interval.
    public var containsZero: Bool { withPointer { mpfi_has_zero($0) != 0 } }

    /// Whether the exact rational `value` lies in the interval.
    public func contains(_ value: BigRational) -> Bool {
        withExtendedLifetime(value) { withPointer { mpfi_is_inside_q(value.storage.pointer, $0) != 0 } }
    }

    /// Whether `value` lies in the interval.
    public func contains(_ value: BigFloat) -> Bool {
        value.withPointer { v in withPointer { mpfi_is_inside_fr(v, $0) != 0 } }
    }

    /// Whether `other` lies entirely inside this interval.
    public func contains(_ other: Interval) -> Bool {
        other.withPointer { o in withPointer { mpfi_is_inside(o, $0) != 0 } }
    }

    // The comparisons read the endpoints in place: the prover makes several per box, and the
    // `lower`/`upper` copies would each allocate. A NaN end makes every comparison false.

    /// Whether every point of `self` is below every point of `other` (upper < other.lower).
    public func isCertainlyLess(than other: Interval) -> Bool {
        withPointer { a in other.withPointer { b in mpfr_less_p(perplexed_mpfi_right(a), perplexed_mpfi_left(b)) != 0 } }
    }

    /// Whether every point of `self` is at most every point of `other` (upper ≤ other.lower).
    public func isCertainlyAtMost(_ other: Interval) -> Bool {
        withPointer { a in other.withPointer { b in mpfr_lessequal_p(perplexed_mpfi_right(a), perplexed_mpfi_left(b)) != 0 } }
    }

    /// Whether some point of `self` is below some point of `other` (lower < other.upper).
    public func isPossiblyLess(than other: Interval) -> Bool {
        withPointer { a in other.withPointer { b in mpfr_less_p(perplexed_mpfi_left(a), perplexed_mpfi_right(b)) != 0 } }
    }

    /// Whether every point is > 0.
    public var isCertainlyPositive: Bool { withPointer { mpfr_nan_p(perplexed_mpfi_left($0)) == 0 && mpfr_sgn(perplexed_mpfi_left($0)) > 0 } }

    /// Whether every point is < 0.
    public var isCertainlyNegative: Bool { withPointer { mpfr_nan_p(perplexed_mpfi_right($0)) == 0 && mpfr_sgn(perplexed_mpfi_right($0)) < 0 } }

    /// Whether every point is ≥ 0.
    public var isCertainlyNonNegative: Bool { withPointer { mpfr_nan_p(perplexed_mpfi_left($0)) == 0 && mpfr_sgn(perplexed_mpfi_left($0)) >= 0 } }

    /// Whether every point is ≤ 0.
    public var isCertainlyNonPositive: Bool { withPointer { mpfr_nan_p(perplexed_mpfi_right($0)) == 0 && mpfr_sgn(perplexed_mpfi_right($0)) <= 0 } }

    /// The intersection, or `nil` when the intervals are disjoint.
    public func intersection(_ other: Interval) -> Interval? {
        let bits = Swift.max(precision, other.precision)
        let result = withPointer { a in other.withPointer { b in Self.make(bits: bits) { _ = mpfi_intersect($0, a, b) } } }
        return result.withPointer { mpfi_is_empty($0) != 0 } ? nil : result
    }

    /// The smallest interval containing both.
    public func hull(_ other: Interval) -> Interval {
        let bits = Swift.max(precision, other.precision)
        return withPointer { a in other.withPointer { b in Self.make(bits: bits) { _ = mpfi_union($0, a, b) } } }
    }

    /// Decimal text `[lower, upper]` with `digits` significant digits, rounded outward.
    public func decimal(digits: Int) throws(MultiPrecisionError) -> String {
        let (lo, hi) = try decimalBounds(digits: digits)
        return "[\(lo), \(hi)]"
    }

    /// The two ends as decimal text, the lower rounded down and the upper rounded up.
    public func decimalBounds(digits: Int) throws(MultiPrecisionError) -> (lower: String, upper: String) {
        (try lower.decimal(digits: digits, rounding: .down), try upper.decimal(digits: digits, rounding: .up))
    }
}

extension Interval: CustomStringConvertible {
    /// `[lower, upper]` rounded outward with enough digits for the precision.
    public var description: String {
        let digits = lower.naturalDigits
        return (try? decimal(digits: digits)) ?? "[nan, nan]"
    }
}

// MARK: - Arithmetic (outward rounding; result precision is the larger operand's)

extension Interval {
    @usableFromInline typealias Binary = (UnsafeMutablePointer<__mpfi_struct>, UnsafePointer<__mpfi_struct>, UnsafePointer<__mpfi_struct>) -> Int32
    @usableFromInline typealias Unary = (UnsafeMutablePointer<__mpfi_struct>, UnsafePointer<__mpfi_struct>) -> Int32

    static func binary(_ lhs: Interval, _ rhs: Interval, _ op: Binary) -> Interval {
        let bits = Swift.max(lhs.precision, rhs.precision)
        return lhs.withPointer { a in rhs.withPointer { b in make(bits: bits) { _ = op($0, a, b) } } }
    }

    func unary(_ op: Unary) -> Interval {
        withPointer { a in Self.make(bits: precision) { _ = op($0, a) } }
    }

    /// Applies `op` in place when the storage is not shared and keeps its precision.
    static func inPlace(_ lhs: inout Interval, _ rhs: Interval, _ op: Binary) {
        if rhs.precision <= lhs.precision, isKnownUniquelyReferenced(&lhs.storage) {
            let target = lhs.storage.pointer
            rhs.withPointer { _ = op(target, target, $0) }
        } else {
            lhs = binary(lhs, rhs, op)
        }
    }

    public static func + (lhs: Interval, rhs: Interval) -> Interval { binary(lhs, rhs, mpfi_add) }
    public static func - (lhs: Interval, rhs: Interval) -> Interval { binary(lhs, rhs, mpfi_sub) }
    public static func * (lhs: Interval, rhs: Interval) -> Interval { binary(lhs, rhs, mpfi_mul) }
    /// The enclosure of the quotient. A divisor containing 0 gives an unbounded interval;
    /// use ``divided(by:)`` to get an error instead.
    public static func / (lhs: Interval, rhs: Interval) -> Interval { binary(lhs, rhs, mpfi_div) }
    public static prefix func - (value: Interval) -> Interval { value.unary(mpfi_neg) }

    public static func += (lhs: inout Interval, rhs: Interval) { inPlace(&lhs, rhs, mpfi_add) }
    public static func -= (lhs: inout Interval, rhs: Interval) { inPlace(&lhs, rhs, mpfi_sub) }
    public static func *= (lhs: inout Interval, rhs: Interval) { inPlace(&lhs, rhs, mpfi_mul) }

    public static func + (lhs: Interval, rhs: Int) -> Interval { lhs.withPointer { a in make(bits: lhs.precision) { _ = mpfi_add_si($0, a, rhs) } } }
    public static func - (lhs: Interval, rhs: Int) -> Interval { lhs.withPointer { a in make(bits: lhs.precision) { _ = mpfi_sub_si($0, a, rhs) } } }
    public static func - (lhs: Int, rhs: Interval) -> Interval { rhs.withPointer { b in make(bits: rhs.precision) { _ = mpfi_si_sub($0, lhs, b) } } }
    public static func * (lhs: Interval, rhs: Int) -> Interval { lhs.withPointer { a in make(bits: lhs.precision) { _ = mpfi_mul_si($0, a, rhs) } } }
    public static func * (lhs: Int, rhs: Interval) -> Interval { rhs * lhs }
    public static func / (lhs: Interval, rhs: Int) -> Interval { lhs.withPointer { a in make(bits: lhs.precision) { _ = mpfi_div_si($0, a, rhs) } } }
    public static func / (lhs: Int, rhs: Interval) -> Interval { rhs.withPointer { b in make(bits: rhs.precision) { _ = mpfi_si_div($0, lhs, b) } } }
    public static func + (lhs: Interval, rhs: BigRational) -> Interval {
        withExtendedLifetime(rhs) { lhs.withPointer { a in make(bits: lhs.precision) { _ = mpfi_add_q($0, a, rhs.storage.pointer) } } }
    }
    public static func * (lhs: Interval, rhs: BigRational) -> Interval {
        withExtendedLifetime(rhs) { lhs.withPointer { a in make(bits: lhs.precision) { _ = mpfi_mul_q($0, a, rhs.storage.pointer) } } }
    }

    /// a × b + c, rounded outward after the product and after the sum exactly as `a * b + c` is,
    /// but into one new interval (one allocation, no uniqueness check): the inner loop of tables
    /// such as the certified regions table. The precision is the largest of the three.
    public static func productSum(_ a: Interval, _ b: Interval, _ c: Interval) -> Interval {
        let bits = Swift.max(a.precision, b.precision)
        // A wider c would widen the sum but not the product: two intervals, as in a * b + c.
        guard c.precision <= bits else { return a * b + c }
        return a.withPointer { x in
            b.withPointer { y in
                c.withPointer { z in
                    make(bits: bits) { r in
                        _ = mpfi_mul(r, x, y)
                        _ = mpfi_add(r, r, z)
                    }
                }
            }
        }
    }

    /// The quotient, or a typed error when the divisor contains zero.
    public func divided(by divisor: Interval) throws(MultiPrecisionError) -> Interval {
        guard !divisor.containsZero else { throw .divisionByZero(dividend: description, divisor: divisor.description) }
        return self / divisor
    }

    /// The square, tighter than `x * x` when the interval contains 0.
    public var squared: Interval { unary(mpfi_sqr) }

    /// The absolute value.
    public var magnitude: Interval { unary(mpfi_abs) }

    // MARK: Elementary functions (total versions follow MPFI; the `checked…` versions throw)

    /// Enclosure of log x (evaluated by Arb, see `CIntervalArb`). If x reaches 0 or below the
    /// result is unbounded or NaN, as MPFI gives it; ``checkedLog(_:)`` reports that as an error.
    public static func log(_ x: Interval) -> Interval { x.unary(perplexed_arb_log) }
    /// Enclosure of log(1 + x) (by Arb; x reaching −1 or below, or unbounded, by MPFI).
    public static func log(onePlus x: Interval) -> Interval { x.unary(perplexed_arb_log1p) }
    /// Enclosure of exp x (evaluated by Arb; unbounded endpoints and |x| > 2^20 by MPFI).
    public static func exp(_ x: Interval) -> Interval { x.unary(perplexed_arb_exp) }
    /// Enclosure of exp x − 1 (by Arb; unbounded endpoints and |x| > 2^20 by MPFI).
    public static func expMinusOne(_ x: Interval) -> Interval { x.unary(perplexed_arb_expm1) }
    public static func sqrt(_ x: Interval) -> Interval { x.unary(mpfi_sqrt) }

    /// x^n for an integer n by binary powering with squarings (tight for even powers).
    public static func pow(_ x: Interval, _ n: Int) -> Interval {
        if n < 0 { return 1 / pow(x, -n) }
        var result = try! Interval(1, precision: x.precision)  // precision is valid: it is x's
        var base = x
        var e = n
        while e > 0 {
            if e & 1 == 1 { result = result * base }
            e >>= 1
            if e > 0 { base = base.squared }
        }
        return result
    }

    /// x^y = exp(y log x) for x > 0.
    public static func pow(_ x: Interval, _ y: Interval) -> Interval { exp(y * log(x)) }

    /// log x, or an error unless every point of x is positive.
    public static func checkedLog(_ x: Interval) throws(MultiPrecisionError) -> Interval {
        guard x.isCertainlyPositive else { throw .domain(function: "log", argument: x.description, requirement: "positive") }
        return log(x)
    }

    /// log(1 + x), or an error unless every point of x is above −1.
    public static func checkedLog(onePlus x: Interval) throws(MultiPrecisionError) -> Interval {
        guard x.lower > -1 else { throw .domain(function: "log1p", argument: x.description, requirement: "greater than -1") }
        return log(onePlus: x)
    }

    /// √x, or an error if x has negative points.
    public static func checkedSqrt(_ x: Interval) throws(MultiPrecisionError) -> Interval {
        guard x.lower >= 0 else { throw .domain(function: "sqrt", argument: x.description, requirement: "non-negative") }
        return sqrt(x)
    }

    /// x^y, or an error unless every point of x is positive.
    public static func checkedPow(_ x: Interval, _ y: Interval) throws(MultiPrecisionError) -> Interval {
        guard x.isCertainlyPositive else { throw .domain(function: "pow", argument: x.description, requirement: "positive") }
        return pow(x, y)
    }
}

// MARK: - In-place forms (reuse this value's storage, like MPFI's own calling convention)

extension Interval {
    /// The midpoint as the nearest `Double` (cheap; for summaries, not for certified work).
    public var doubleMidpoint: Double { withPointer { mpfi_get_d($0) } }

    /// Makes the storage unique at `bits`, so that it can be written in place.
    @inlinable
    mutating func prepareTarget(bits: Int) -> UnsafeMutablePointer<__mpfi_struct> {
        if bits != precision || !isKnownUniquelyReferenced(&storage) {
            storage = IntervalStorage.make(bits: bits)
        }
        return storage.pointer
    }

    @inlinable
    mutating func form(_ a: Interval, _ b: Interval, _ op: Binary) {
        let target = prepareTarget(bits: Swift.max(a.precision, b.precision))
        a.withPointer { x in b.withPointer { y in _ = op(target, x, y) } }
    }

    @inlinable
    mutating func form(_ a: Interval, _ op: Unary) {
        let target = prepareTarget(bits: a.precision)
        a.withPointer { x in _ = op(target, x) }
    }

    /// self = a + b, reusing storage when possible. `a` or `b` may be `self`.
    @inlinable
    public mutating func formSum(_ a: Interval, _ b: Interval) { form(a, b, mpfi_add) }
    /// self = a − b, reusing storage when possible.
    @inlinable
    public mutating func formDifference(_ a: Interval, _ b: Interval) { form(a, b, mpfi_sub) }
    /// self = a × b, reusing storage when possible.
    @inlinable
    public mutating func formProduct(_ a: Interval, _ b: Interval) { form(a, b, mpfi_mul) }
    /// self = a / b, reusing storage when possible (unbounded if b contains 0).
    @inlinable
    public mutating func formQuotient(_ a: Interval, _ b: Interval) { form(a, b, mpfi_div) }
    /// self = log a, reusing storage when possible.
    @inlinable
    public mutating func formLog(_ a: Interval) { form(a, perplexed_arb_log) }
    /// self = exp a, reusing storage when possible.
    @inlinable
    public mutating func formExp(_ a: Interval) { form(a, perplexed_arb_exp) }
}
