import CMPFR

/// Binary precision, in bits, of a ``BigFloat`` or ``Interval``.
///
/// Precision is always explicit: it is carried by every value and passed to every
/// constructor that has to round. There is no process-wide default that could change.
public enum Precision {
    /// Precisions accepted by this module. MPFR allows more; 2^24 bits (about five million
    /// decimal digits) is already far beyond what any computation here needs and keeps a
    /// mistyped precision from exhausting memory.
    public static let range: ClosedRange<Int> = 2...(1 << 24)

    /// The precision used when a value is created without one (integer literals combined
    /// only with other literals, and the static constants required by `FloatingPoint`).
    public static let standard = 256

    /// The precision of a single `Double` significand.
    public static let double = 53

    /// Checks that `bits` lies in ``range``.
    
    public static func validate(_ bits: Int) throws(MultiPrecisionError) -> Int {
        guard range.contains(bits) else { throw .precisionOutOfRange(bits: bits) }
        return bits
    }

    /// Number of bits needed to hold `value` exactly (at least 2, MPFR's practical minimum).
    static func exactBits(for value: Int) -> Int {
        let magnitude = value.magnitude
        return Swift.max(2, UInt.bitWidth - magnitude.leadingZeroBitCount - magnitude.trailingZeroBitCount)
    }
}

/// The direction in which a result that is not exactly representable is rounded.
public enum RoundingDirection: Sendable, CaseIterable, Hashable {
    /// Round to nearest, ties to even (MPFR's `MPFR_RNDN`).
    case nearest
    /// Round toward −∞ (`MPFR_RNDD`): the result is a lower bound.
    case down
    /// Round toward +∞ (`MPFR_RNDU`): the result is an upper bound.
    case up
    /// Round toward zero (`MPFR_RNDZ`).
    case towardZero
    /// Round away from zero (`MPFR_RNDA`).
    case awayFromZero


    var mpfr: mpfr_rnd_t {
        switch self {
        case .nearest: return MPFR_RNDN
        case .down: return MPFR_RNDD
        case .up: return MPFR_RNDU
        case .towardZero: return MPFR_RNDZ
        case .awayFromZero: return MPFR_RNDA
        }
    }
}
