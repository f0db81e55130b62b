import CMPFR

/// Owns one GMP rational. Never mutated after construction, so sharing it is safe.
final class RationalStorage: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<__mpq_struct>

    init() {
        pointer = .allocate(capacity: 1)
        __gmpq_init(pointer)
    }

    deinit {
        __gmpq_clear(pointer)
        pointer.deallocate()
    }
}

/// An exact rational number (GMP `mpq_t`), always in lowest terms with a positive denominator.
///
/// Inputs such as an accuracy of 873/1000 or the decimal `"0.1"` are rationals: `"0.1"`
/// is exactly 1/10, never the nearest `Double`.
public struct BigRational: Sendable, Hashable, Comparable, CustomStringConvertible,
    ExpressibleByIntegerLiteral
{
    let storage: RationalStorage

    init(storage: RationalStorage) { self.storage = storage }

    /// Builds a value by running `body` on a fresh, zero-initialised `mpq_t`.
    static func make(_ body: (UnsafeMutablePointer<__mpq_struct>) -> Void) -> BigRational {
        let storage = RationalStorage()
        body(storage.pointer)
        return BigRational(storage: storage)
    }

    /// The integer `value`.
    public init(_ value: Int) {
        self = .make { __gmpq_set_si($0, value, 1) }
    }

    public init(integerLiteral value: Int) { self.init(value) }

    /// `numerator / denominator`, reduced.
    ///
    /// - Throws: ``MultiPrecisionError/divisionByZero(dividend:divisor:)`` when `denominator` is 0.
    public init(_ numerator: Int, _ denominator: Int) throws(MultiPrecisionError) {
        guard denominator != 0 else {
            throw .divisionByZero(dividend: String(numerator), divisor: "0")
        }
        // One mpq set and reduction (the prover's formulas build constants such as 1/2 per box).
        self = .make { q in
            __gmpq_set_si(q, numerator, UInt(denominator.magnitude))
            __gmpq_canonicalize(q)
            if denominator < 0 { __gmpq_neg(q, q) }
        }
    }

    /// The exact value of a finite `Double` (every double is a dyadic rational).
    public init(_ value: Double) throws(MultiPrecisionError) {
        guard value.isFinite else { throw .notFinite(what: "rational input", value: "\(value)") }
        self = .make { __gmpq_set_d($0, value) }
    }

    /// Parses a decimal (`"0.1"`, `"-12.5e-3"`, `"7"`) or a fraction (`"3/7"`, `"-1/3"`) exactly.
    ///
    /// - Throws: ``MultiPrecisionError/malformedNumber(input:reason:)`` for anything else,
    ///   ``MultiPrecisionError/divisionByZero(dividend:divisor:)`` for a zero denominator.
    public init(parsing text: String) throws(MultiPrecisionError) {
        self = try DecimalText.parseRational(text)
    }

    /// The integer whose decimal digits (with optional leading `-`) are `digits`.
    static func integer(digits: String) -> BigRational {
        make { q in
            _ = digits.withCString { __gmpz_set_str(&q.pointee._mp_num, $0, 10) }
            __gmpz_set_ui(&q.pointee._mp_den, 1)
        }
    }

    /// 10^exponent for exponent >= 0.
    static func powerOfTen(_ exponent: Int) -> BigRational {
        make { q in
            __gmpz_ui_pow_ui(&q.pointee._mp_num, 10, UInt(exponent))
            __gmpz_set_ui(&q.pointee._mp_den, 1)
        }
    }

    // MARK: Parts

    /// The sign: -1, 0 or 1.
    public var signum: Int {
        let size = storage.pointer.pointee._mp_num._mp_size
        return size > 0 ? 1 : (size < 0 ? -1 : 0)
    }

    /// Whether the value is an integer.
    public var isInteger: Bool { __gmpz_cmp_ui(&storage.pointer.pointee._mp_den, 1) == 0 }

    /// The numerator in decimal.
    public var numeratorDescription: String { Self.string(of: &storage.pointer.pointee._mp_num) }

    /// The (positive) denominator in decimal.
    public var denominatorDescription: String { Self.string(of: &storage.pointer.pointee._mp_den) }

    private static func string(of z: UnsafeMutablePointer<__mpz_struct>) -> String {
        let size = __gmpz_sizeinbase(z, 10) + 2
        var buffer = [CChar](repeating: 0, count: size)
        _ = __gmpz_get_str(&buffer, 10, z)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `"p/q"`, or `"p"` for an integer.
    public var description: String {
        isInteger ? numeratorDescription : "\(numeratorDescription)/\(denominatorDescription)"
    }

    /// The nearest `Double` (rounded by GMP toward zero; use ``BigFloat`` for controlled rounding).
    public var doubleApproximation: Double { __gmpq_get_d(storage.pointer) }

    /// ⌊self⌋, the largest integer not above the value (exact; GMP floor division).
    public var roundedDown: BigRational {
        withExtendedLifetime(self) {
            BigRational.make { q in
                __gmpz_fdiv_q(&q.pointee._mp_num, &storage.pointer.pointee._mp_num, &storage.pointer.pointee._mp_den)
                __gmpz_set_ui(&q.pointee._mp_den, 1)
            }
        }
    }

    /// The value as an `Int` when it is an integer that fits in one, otherwise nil — never a
    /// trap, so a threshold too large for 64 bits can be reported instead of crashing.
    public var exactInt: Int? {
        guard isInteger else { return nil }
        return withExtendedLifetime(self) {
            __gmpz_fits_slong_p(&storage.pointer.pointee._mp_num) != 0 ? Int(__gmpz_get_si(&storage.pointer.pointee._mp_num)) : nil
        }
    }

    // MARK: Arithmetic

    private static func binary(
        _ lhs: BigRational, _ rhs: BigRational,
        _ op: (UnsafeMutablePointer<__mpq_struct>, UnsafePointer<__mpq_struct>, UnsafePointer<__mpq_struct>) -> Void
    ) -> BigRational {
        withExtendedLifetime((lhs, rhs)) { make { op($0, lhs.storage.pointer, rhs.storage.pointer) } }
    }

    public static func + (lhs: BigRational, rhs: BigRational) -> BigRational { binary(lhs, rhs, __gmpq_add) }
    public static func - (lhs: BigRational, rhs: BigRational) -> BigRational { binary(lhs, rhs, __gmpq_sub) }
    public static func * (lhs: BigRational, rhs: BigRational) -> BigRational { binary(lhs, rhs, __gmpq_mul) }

    /// Exact quotient. Dividing by zero is a programming error here; use
    /// ``divided(by:)`` where the divisor comes from input.
    public static func / (lhs: BigRational, rhs: BigRational) -> BigRational {
        precondition(rhs.signum != 0, "BigRational division by zero")
        return binary(lhs, rhs, __gmpq_div)
    }

    /// Exact quotient, or a typed error when `divisor` is zero.
    public func divided(by divisor: BigRational) throws(MultiPrecisionError) -> BigRational {
        guard divisor.signum != 0 else { throw .divisionByZero(dividend: description, divisor: "0") }
        return self / divisor
    }

    public static prefix func - (value: BigRational) -> BigRational {
        withExtendedLifetime(value) { make { __gmpq_neg($0, value.storage.pointer) } }
    }

    public static func += (lhs: inout BigRational, rhs: BigRational) { lhs = lhs + rhs }
    public static func -= (lhs: inout BigRational, rhs: BigRational) { lhs = lhs - rhs }
    public static func *= (lhs: inout BigRational, rhs: BigRational) { lhs = lhs * rhs }

    /// The absolute value.
    public var magnitude: BigRational { signum < 0 ? -self : self }

    /// `self` raised to a non-negative integer power.
    public func power(_ exponent: Int) -> BigRational {
        precondition(exponent >= 0, "negative exponent")
        var result: BigRational = 1
        var base = self
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result *= base }
            e >>= 1
            if e > 0 { base *= base }
        }
        return result
    }

    // MARK: Comparison and hashing

    public static func == (lhs: BigRational, rhs: BigRational) -> Bool {
        withExtendedLifetime((lhs, rhs)) { __gmpq_equal(lhs.storage.pointer, rhs.storage.pointer) != 0 }
    }

    public static func < (lhs: BigRational, rhs: BigRational) -> Bool {
        withExtendedLifetime((lhs, rhs)) { __gmpq_cmp(lhs.storage.pointer, rhs.storage.pointer) < 0 }
    }

    public func hash(into hasher: inout Hasher) {
        // Canonical form (lowest terms, positive denominator) makes the text canonical.
        hasher.combine(description)
    }
}
