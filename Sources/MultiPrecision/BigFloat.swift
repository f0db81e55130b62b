import CMPFR

/// One MPFR number and its significand limbs in a single allocation (MPFR's custom
/// interface), so creating a value costs one `malloc` and freeing it needs no `mpfr_clear`.
final class FloatStorage: ManagedBuffer<__mpfr_struct, mp_limb_t> {
    /// A NaN of precision `bits` (the caller overwrites it).
    static func make(bits: Int) -> FloatStorage {
        let limbs = (bits + mp_limb_t.bitWidth - 1) / mp_limb_t.bitWidth
        let buffer = create(minimumCapacity: limbs) { _ in __mpfr_struct() }
        let storage = unsafeDowncast(buffer, to: FloatStorage.self)
        storage.withUnsafeMutablePointers { header, limbPointer in
            perplexed_mpfr_init_on(header, mpfr_prec_t(bits), limbPointer)
        }
        return storage
    }

    /// The `mpfr_t`. Stable for the lifetime of the object (class instances never move).
    var pointer: UnsafeMutablePointer<__mpfr_struct> { withUnsafeMutablePointerToHeader { $0 } }
}

/// A binary floating-point number with explicit precision, correctly rounded (MPFR).
///
/// `BigFloat` has value semantics (copy-on-write storage) and is `Sendable`. Every value
/// carries its precision in bits. A binary operation returns the larger of its operands'
/// precisions, rounded to nearest; the methods that take `precision:` and `rounding:`
/// give full control, like Rust's `rug`. Values made from integers without a precision
/// (including literals) adopt the precision of whatever they are combined with, so
/// `x * 2` keeps the precision of `x`.
///
/// `BigFloat` conforms to swift-numerics' `Real`, so generic formulas run on it unchanged.
public struct BigFloat: @unchecked Sendable {
    var storage: FloatStorage
    /// True for exact integers created without a precision: they defer to their partner's.
    var adoptsPrecision: Bool

    init(storage: FloatStorage, adoptsPrecision: Bool = false) {
        self.storage = storage
        self.adoptsPrecision = adoptsPrecision
    }

    /// Runs `body` on a fresh `mpfr_t` of `bits` precision and wraps the result.
    
    static func make(bits: Int, _ body: (UnsafeMutablePointer<__mpfr_struct>) -> Void) -> BigFloat {
        let storage = FloatStorage.make(bits: bits)
        body(storage.pointer)
        return BigFloat(storage: storage)
    }

    /// Read-only access to the underlying `mpfr_t`.
    
    func withPointer<R>(_ body: (UnsafePointer<__mpfr_struct>) -> R) -> R {
        withExtendedLifetime(storage) { body(storage.pointer) }
    }

    // MARK: Construction

    /// The integer `value`, exactly, at `precision` bits (rounded only if it needs more).
    public init(_ value: Int, precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) {
        let bits = try Precision.validate(precision)
        self = Self.make(bits: bits) { _ = mpfr_set_si($0, value, rounding.mpfr) }
    }

    /// The integer `value` exactly; it adopts the precision of the values it meets.
    public init(_ value: Int) {
        self = Self.make(bits: Swift.max(Precision.exactBits(for: value), 2)) { _ = mpfr_set_si($0, value, MPFR_RNDN) }
        adoptsPrecision = true
    }

    /// `value` rounded to `precision` bits (exact when `precision >= 53`).
    public init(_ value: Double, precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) {
        let bits = try Precision.validate(precision)
        self = Self.make(bits: bits) { _ = mpfr_set_d($0, value, rounding.mpfr) }
    }

    /// The rational `value`, correctly rounded to `precision` bits in direction `rounding`.
    public init(_ value: BigRational, precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) {
        let bits = try Precision.validate(precision)
        self = withExtendedLifetime(value) {
            Self.make(bits: bits) { _ = mpfr_set_q($0, value.storage.pointer, rounding.mpfr) }
        }
    }

    /// Parses decimal or fraction text exactly, then rounds once to `precision` bits.
    ///
    /// `BigFloat(parsing: "0.1", precision: 256, rounding: .down)` is the largest 256-bit
    /// number not above 1/10.
    public init(parsing text: String, precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) {
        try self.init(BigRational(parsing: text), precision: precision, rounding: rounding)
    }

    /// `value` re-rounded to `precision` bits.
    public init(_ value: BigFloat, precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) {
        let bits = try Precision.validate(precision)
        self = value.withPointer { source in Self.make(bits: bits) { _ = mpfr_set($0, source, rounding.mpfr) } }
    }

    /// π rounded to `precision` bits.
    public static func pi(precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) -> BigFloat {
        let bits = try Precision.validate(precision)
        return make(bits: bits) { _ = mpfr_const_pi($0, rounding.mpfr) }
    }

    /// log 2 rounded to `precision` bits.
    public static func ln2(precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) -> BigFloat {
        let bits = try Precision.validate(precision)
        return make(bits: bits) { _ = mpfr_const_log2($0, rounding.mpfr) }
    }

    /// Euler's number e rounded to `precision` bits.
    public static func e(precision: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) -> BigFloat {
        let bits = try Precision.validate(precision)
        let one = make(bits: bits) { _ = mpfr_set_si($0, 1, MPFR_RNDN) }
        return one.withPointer { p in make(bits: bits) { _ = mpfr_exp($0, p, rounding.mpfr) } }
    }

    // MARK: Inspection

    /// The precision in bits.
    public var precision: Int { Int(mpfr_get_prec(storage.pointer)) }

    /// The nearest `Double` (or rounded in `rounding`).
    public func double(rounding: RoundingDirection = .nearest) -> Double {
        withPointer { mpfr_get_d($0, rounding.mpfr) }
    }

    /// The exact rational value, or `nil` for NaN and infinities.
    public var exactRational: BigRational? {
        guard isFinite else { return nil }
        return withPointer { p in BigRational.make { mpfr_get_q($0, p) } }
    }

    /// Decimal text with `digits` significant digits rounded in direction `rounding`.
    ///
    /// With `.down` the printed number is a lower bound of `self`, with `.up` an upper bound.
    public func decimal(digits: Int, rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) -> String {
        try DecimalText.validateDigits(digits)
        return withPointer { DecimalText.format($0, digits: digits, rounding: rounding) }
    }

    /// Enough significant decimal digits for this precision.
    public var naturalDigits: Int { Swift.max(1, Int((Double(precision) * 0.30102999566398120).rounded(.up)) + 1) }

    // MARK: Operations with explicit precision and rounding

    
    static func resultBits(_ lhs: BigFloat, _ rhs: BigFloat) -> Int {
        switch (lhs.adoptsPrecision, rhs.adoptsPrecision) {
        case (true, true): return Precision.standard
        case (true, false): return rhs.precision
        case (false, true): return lhs.precision
        case (false, false): return Swift.max(lhs.precision, rhs.precision)
        }
    }

    
    static func binary(
        _ lhs: BigFloat, _ rhs: BigFloat, bits: Int, rounding: RoundingDirection,
        _ op: (UnsafeMutablePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>, mpfr_rnd_t) -> Int32
    ) -> BigFloat {
        lhs.withPointer { a in rhs.withPointer { b in make(bits: bits) { _ = op($0, a, b, rounding.mpfr) } } }
    }

    
    func unary(
        bits: Int? = nil, rounding: RoundingDirection = .nearest,
        _ op: (UnsafeMutablePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>, mpfr_rnd_t) -> Int32
    ) -> BigFloat {
        let target = bits ?? (adoptsPrecision ? Precision.standard : precision)
        return withPointer { a in Self.make(bits: target) { _ = op($0, a, rounding.mpfr) } }
    }

    /// `self + other` rounded to `precision` bits in direction `rounding`.
    public func adding(_ other: BigFloat, precision: Int, rounding: RoundingDirection) throws(MultiPrecisionError) -> BigFloat {
        Self.binary(self, other, bits: try Precision.validate(precision), rounding: rounding, mpfr_add)
    }

    /// `self - other` rounded to `precision` bits in direction `rounding`.
    public func subtracting(_ other: BigFloat, precision: Int, rounding: RoundingDirection) throws(MultiPrecisionError) -> BigFloat {
        Self.binary(self, other, bits: try Precision.validate(precision), rounding: rounding, mpfr_sub)
    }

    /// `self × other` rounded to `precision` bits in direction `rounding`.
    public func multiplied(by other: BigFloat, precision: Int, rounding: RoundingDirection) throws(MultiPrecisionError) -> BigFloat {
        Self.binary(self, other, bits: try Precision.validate(precision), rounding: rounding, mpfr_mul)
    }

    /// `self / other` rounded to `precision` bits in direction `rounding`.
    ///
    /// - Throws: ``MultiPrecisionError/divisionByZero(dividend:divisor:)`` when `other` is zero.
    public func divided(by other: BigFloat, precision: Int, rounding: RoundingDirection) throws(MultiPrecisionError) -> BigFloat {
        guard !other.isZero else { throw .divisionByZero(dividend: shortDescription, divisor: "0") }
        return Self.binary(self, other, bits: try Precision.validate(precision), rounding: rounding, mpfr_div)
    }

    /// Natural logarithm rounded in direction `rounding`.
    ///
    /// - Throws: ``MultiPrecisionError/domain(function:argument:requirement:)`` unless `self > 0`.
    public func logarithm(rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) -> BigFloat {
        guard self > 0 else { throw .domain(function: "log", argument: shortDescription, requirement: "positive") }
        return unary(rounding: rounding, mpfr_log)
    }

    /// log(1 + self) rounded in direction `rounding`.
    ///
    /// - Throws: ``MultiPrecisionError/domain(function:argument:requirement:)`` unless `self > -1`.
    public func logOnePlus(rounding: RoundingDirection = .nearest) throws(MultiPrecisionError) -> BigFloat {
        guard self > -1 else { throw .domain(function: "log1p", argument: shortDescription, requirement: "greater than -1") }
        return unary(rounding: rounding, mpfr_log1p)
    }

    /// Square root rounded in direction `rounding`.
    ///
    /// - Throws: ``MultiPrecisionError/domain(function:argument:requirement:)`` when `self < 0`.
    public func squareRoot(rounding: RoundingDirection) throws(MultiPrecisionError) -> BigFloat {
        guard self >= 0 else { throw .domain(function: "sqrt", argument: shortDescription, requirement: "non-negative") }
        return unary(rounding: rounding, mpfr_sqrt)
    }

    /// e^self rounded in direction `rounding`.
    public func exponential(rounding: RoundingDirection = .nearest) -> BigFloat { unary(rounding: rounding, mpfr_exp) }

    /// A short, round-to-nearest rendering for messages.
    var shortDescription: String { withPointer { DecimalText.format($0, digits: 17, rounding: .nearest) } }
}

extension BigFloat: CustomStringConvertible, LosslessStringConvertible {
    /// Decimal text with enough digits for the precision, rounded to nearest.
    public var description: String { withPointer { DecimalText.format($0, digits: naturalDigits, rounding: .nearest) } }

    /// Parses text at ``Precision/standard`` bits; `nil` if malformed.
    public init?(_ description: String) {
        guard let value = try? BigFloat(parsing: description, precision: Precision.standard) else { return nil }
        self = value
    }
}
