import CMPFR
import RealModule

// MARK: - Arithmetic operators (round to nearest, precision of the more precise operand)

extension BigFloat {
    public static func + (lhs: BigFloat, rhs: BigFloat) -> BigFloat { binary(lhs, rhs, bits: resultBits(lhs, rhs), rounding: .nearest, mpfr_add) }
    public static func - (lhs: BigFloat, rhs: BigFloat) -> BigFloat { binary(lhs, rhs, bits: resultBits(lhs, rhs), rounding: .nearest, mpfr_sub) }
    public static func * (lhs: BigFloat, rhs: BigFloat) -> BigFloat { binary(lhs, rhs, bits: resultBits(lhs, rhs), rounding: .nearest, mpfr_mul) }
    public static func / (lhs: BigFloat, rhs: BigFloat) -> BigFloat { binary(lhs, rhs, bits: resultBits(lhs, rhs), rounding: .nearest, mpfr_div) }

    /// Applies `op` in place when the storage is not shared and keeps its precision,
    /// otherwise builds a new value (copy-on-write).
    
    static func inPlace(
        _ lhs: inout BigFloat, _ rhs: BigFloat,
        _ op: (UnsafeMutablePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>, mpfr_rnd_t) -> Int32
    ) {
        let bits = resultBits(lhs, rhs)
        if !lhs.adoptsPrecision, bits == lhs.precision, isKnownUniquelyReferenced(&lhs.storage) {
            let target = lhs.storage.pointer
            rhs.withPointer { _ = op(target, target, $0, MPFR_RNDN) }
        } else {
            lhs = binary(lhs, rhs, bits: bits, rounding: .nearest, op)
        }
    }

    public static func += (lhs: inout BigFloat, rhs: BigFloat) { inPlace(&lhs, rhs, mpfr_add) }
    public static func -= (lhs: inout BigFloat, rhs: BigFloat) { inPlace(&lhs, rhs, mpfr_sub) }
    public static func *= (lhs: inout BigFloat, rhs: BigFloat) { inPlace(&lhs, rhs, mpfr_mul) }
    public static func /= (lhs: inout BigFloat, rhs: BigFloat) { inPlace(&lhs, rhs, mpfr_div) }

    public static prefix func - (value: BigFloat) -> BigFloat {
        var result = value.unary(bits: value.precision, mpfr_neg)
        result.adoptsPrecision = value.adoptsPrecision
        return result
    }

    public mutating func negate() { self = -self }
}

// MARK: - FloatingPoint

extension BigFloat: Real {
    public typealias Exponent = Int
    public typealias IntegerLiteralType = Int
    public typealias Magnitude = BigFloat
    public typealias Stride = BigFloat

    public init(integerLiteral value: Int) { self.init(value) }

    public init<Source: BinaryInteger>(_ value: Source) {
        if let small = Int(exactly: value) {
            self.init(small)
        } else {
            // Wider than Int: go through exact decimal text.
            self = (try? BigFloat(BigRational(parsing: String(value)), precision: Swift.max(Precision.standard, value.bitWidth)))
                ?? .nan
        }
    }

    public init?<Source: BinaryInteger>(exactly value: Source) {
        guard let small = Int(exactly: value) else { return nil }
        self.init(small)
    }

    public init(sign: FloatingPointSign, exponent: Int, significand: BigFloat) {
        var result = significand.unary(bits: significand.precision) { r, a, rnd in mpfr_mul_2si(r, a, exponent, rnd) }
        if sign == .minus { result = -result }
        self = result
    }

    public init(signOf sign: BigFloat, magnitudeOf magnitude: BigFloat) {
        self = sign.withPointer { s in magnitude.unary(bits: magnitude.precision) { r, m, rnd in mpfr_copysign(r, m, s, rnd) } }
    }

    /// A special value of ``Precision/standard`` bits that defers to its partner's precision.
    private static func special(_ body: (UnsafeMutablePointer<__mpfr_struct>) -> Void) -> BigFloat {
        var value = make(bits: Precision.standard, body)
        value.adoptsPrecision = true
        return value
    }

    public static var radix: Int { 2 }
    public static var nan: BigFloat { special { mpfr_set_nan($0) } }
    public static var signalingNaN: BigFloat { nan }
    public static var infinity: BigFloat { special { mpfr_set_inf($0, 1) } }
    public static var greatestFiniteMagnitude: BigFloat { special { mpfr_set_inf($0, 1); mpfr_nextbelow($0) } }
    public static var leastNormalMagnitude: BigFloat { leastNonzeroMagnitude }
    public static var leastNonzeroMagnitude: BigFloat { special { mpfr_set_zero($0, 1); mpfr_nextabove($0) } }
    /// π at ``Precision/standard`` bits; use ``pi(precision:rounding:)`` to choose.
    public static var pi: BigFloat { make(bits: Precision.standard) { _ = mpfr_const_pi($0, MPFR_RNDN) } }
    public static var ulpOfOne: BigFloat { special { _ = mpfr_set_si_2exp($0, 1, -(Precision.standard - 1), MPFR_RNDN) } }

    public var ulp: BigFloat {
        guard isFinite else { return .nan }
        if isZero { return .leastNonzeroMagnitude }
        let bits = precision
        let e = exponent - (bits - 1)
        return Self.make(bits: bits) { _ = mpfr_set_si_2exp($0, 1, e, MPFR_RNDN) }
    }

    public var sign: FloatingPointSign { withPointer { mpfr_signbit($0) != 0 ? .minus : .plus } }

    /// The binary exponent e with 1 <= |self| / 2^e < 2.
    public var exponent: Int {
        guard isFinite, !isZero else { return isZero ? Int.min : Int.max }
        return withPointer { Int(mpfr_get_exp($0)) - 1 }
    }

    public var significand: BigFloat {
        guard isFinite, !isZero else { return isNaN ? .nan : (isZero ? 0 : 1) }
        let e = exponent
        return withPointer { a in Self.make(bits: precision) { r in _ = mpfr_mul_2si(r, a, -e, MPFR_RNDN); _ = mpfr_abs(r, r, MPFR_RNDN) } }
    }

    public var magnitude: BigFloat {
        var result = unary(bits: precision, mpfr_abs)
        result.adoptsPrecision = adoptsPrecision
        return result
    }

    public mutating func formRemainder(dividingBy other: BigFloat) {
        self = Self.binary(self, other, bits: Self.resultBits(self, other), rounding: .nearest, mpfr_remainder)
    }

    public mutating func formTruncatingRemainder(dividingBy other: BigFloat) {
        self = Self.binary(self, other, bits: Self.resultBits(self, other), rounding: .nearest, mpfr_fmod)
    }

    public mutating func formSquareRoot() { self = unary(mpfr_sqrt) }

    public mutating func addProduct(_ lhs: BigFloat, _ rhs: BigFloat) {
        let bits = Swift.max(Self.resultBits(lhs, rhs), adoptsPrecision ? 0 : precision)
        self = withPointer { c in
            lhs.withPointer { a in rhs.withPointer { b in Self.make(bits: bits) { _ = mpfr_fma($0, a, b, c, MPFR_RNDN) } } }
        }
    }

    public mutating func round(_ rule: FloatingPointRoundingRule) {
        let source = self
        let op: (UnsafeMutablePointer<__mpfr_struct>, UnsafePointer<__mpfr_struct>) -> Int32
        switch rule {
        case .toNearestOrAwayFromZero: op = mpfr_round
        case .toNearestOrEven: op = mpfr_roundeven
        case .up: op = mpfr_ceil
        case .down: op = mpfr_floor
        case .towardZero: op = mpfr_trunc
        case .awayFromZero: op = source.sign == .minus ? mpfr_floor : mpfr_ceil
        @unknown default: op = mpfr_round
        }
        var result = source.withPointer { a in Self.make(bits: source.precision) { _ = op($0, a) } }
        result.adoptsPrecision = source.adoptsPrecision
        self = result
    }

    public var nextUp: BigFloat {
        var result = withPointer { a in Self.make(bits: precision) { _ = mpfr_set($0, a, MPFR_RNDN); mpfr_nextabove($0) } }
        result.adoptsPrecision = false
        return result
    }

    public func isEqual(to other: BigFloat) -> Bool { withPointer { a in other.withPointer { b in mpfr_equal_p(a, b) != 0 } } }
    public func isLess(than other: BigFloat) -> Bool { withPointer { a in other.withPointer { b in mpfr_less_p(a, b) != 0 } } }
    public func isLessThanOrEqualTo(_ other: BigFloat) -> Bool { withPointer { a in other.withPointer { b in mpfr_lessequal_p(a, b) != 0 } } }
    public func isTotallyOrdered(belowOrEqualTo other: BigFloat) -> Bool {
        withPointer { a in other.withPointer { b in mpfr_total_order_p(a, b) != 0 } }
    }

    public var isNormal: Bool { withPointer { mpfr_regular_p($0) != 0 } }
    public var isFinite: Bool { withPointer { mpfr_number_p($0) != 0 } }
    public var isZero: Bool { withPointer { mpfr_zero_p($0) != 0 } }
    public var isSubnormal: Bool { false }
    public var isInfinite: Bool { withPointer { mpfr_inf_p($0) != 0 } }
    public var isNaN: Bool { withPointer { mpfr_nan_p($0) != 0 } }
    public var isSignalingNaN: Bool { false }
    public var isCanonical: Bool { true }

    public func distance(to other: BigFloat) -> BigFloat { other - self }
    public func advanced(by n: BigFloat) -> BigFloat { self + n }

    public func hash(into hasher: inout Hasher) {
        // Equal values (of any precision, and ±0) must hash alike; the nearest double does.
        let d = isZero ? 0.0 : double()
        hasher.combine(d)
    }

    public static func == (lhs: BigFloat, rhs: BigFloat) -> Bool { lhs.isEqual(to: rhs) }
    public static func < (lhs: BigFloat, rhs: BigFloat) -> Bool { lhs.isLess(than: rhs) }
    public static func <= (lhs: BigFloat, rhs: BigFloat) -> Bool { lhs.isLessThanOrEqualTo(rhs) }
    public static func > (lhs: BigFloat, rhs: BigFloat) -> Bool { rhs.isLess(than: lhs) }
    public static func >= (lhs: BigFloat, rhs: BigFloat) -> Bool { rhs.isLessThanOrEqualTo(lhs) }
}

// MARK: - ElementaryFunctions and RealFunctions (round to nearest, operand's precision)

extension BigFloat {
    public static func exp(_ x: BigFloat) -> BigFloat { x.unary(mpfr_exp) }
    public static func expMinusOne(_ x: BigFloat) -> BigFloat { x.unary(mpfr_expm1) }
    public static func cosh(_ x: BigFloat) -> BigFloat { x.unary(mpfr_cosh) }
    public static func sinh(_ x: BigFloat) -> BigFloat { x.unary(mpfr_sinh) }
    public static func tanh(_ x: BigFloat) -> BigFloat { x.unary(mpfr_tanh) }
    public static func cos(_ x: BigFloat) -> BigFloat { x.unary(mpfr_cos) }
    public static func sin(_ x: BigFloat) -> BigFloat { x.unary(mpfr_sin) }
    public static func tan(_ x: BigFloat) -> BigFloat { x.unary(mpfr_tan) }
    public static func log(_ x: BigFloat) -> BigFloat { x.unary(mpfr_log) }
    public static func log(onePlus x: BigFloat) -> BigFloat { x.unary(mpfr_log1p) }
    public static func acosh(_ x: BigFloat) -> BigFloat { x.unary(mpfr_acosh) }
    public static func asinh(_ x: BigFloat) -> BigFloat { x.unary(mpfr_asinh) }
    public static func atanh(_ x: BigFloat) -> BigFloat { x.unary(mpfr_atanh) }
    public static func acos(_ x: BigFloat) -> BigFloat { x.unary(mpfr_acos) }
    public static func asin(_ x: BigFloat) -> BigFloat { x.unary(mpfr_asin) }
    public static func atan(_ x: BigFloat) -> BigFloat { x.unary(mpfr_atan) }
    public static func pow(_ x: BigFloat, _ y: BigFloat) -> BigFloat { binary(x, y, bits: resultBits(x, y), rounding: .nearest, mpfr_pow) }
    public static func pow(_ x: BigFloat, _ n: Int) -> BigFloat { x.unary { r, a, rnd in mpfr_pow_si(r, a, n, rnd) } }
    public static func sqrt(_ x: BigFloat) -> BigFloat { x.unary(mpfr_sqrt) }
    public static func root(_ x: BigFloat, _ n: Int) -> BigFloat {
        guard n != 0 else { return .nan }
        let r = x.unary { r, a, rnd in mpfr_rootn_ui(r, a, UInt(n.magnitude), rnd) }
        return n > 0 ? r : 1 / r
    }
    public static func atan2(y: BigFloat, x: BigFloat) -> BigFloat { binary(y, x, bits: resultBits(y, x), rounding: .nearest, mpfr_atan2) }
    public static func erf(_ x: BigFloat) -> BigFloat { x.unary(mpfr_erf) }
    public static func erfc(_ x: BigFloat) -> BigFloat { x.unary(mpfr_erfc) }
    public static func exp2(_ x: BigFloat) -> BigFloat { x.unary(mpfr_exp2) }
    public static func exp10(_ x: BigFloat) -> BigFloat { x.unary(mpfr_exp10) }
    public static func hypot(_ x: BigFloat, _ y: BigFloat) -> BigFloat { binary(x, y, bits: resultBits(x, y), rounding: .nearest, mpfr_hypot) }
    public static func gamma(_ x: BigFloat) -> BigFloat { x.unary(mpfr_gamma) }
    public static func log2(_ x: BigFloat) -> BigFloat { x.unary(mpfr_log2) }
    public static func log10(_ x: BigFloat) -> BigFloat { x.unary(mpfr_log10) }
    public static func logGamma(_ x: BigFloat) -> BigFloat {
        x.withPointer { a in make(bits: x.adoptsPrecision ? Precision.standard : x.precision) { r in var s: Int32 = 0; _ = mpfr_lgamma(r, &s, a, MPFR_RNDN) } }
    }
}
