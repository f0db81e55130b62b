import MultiPrecision
import RealModule

/// The number types the paper's formulas run on: every swift-numerics `Real` (Float, Double,
/// ``MultiPrecision/BigFloat``) and the certified ``MultiPrecision/Interval``.
///
/// Each formula in this module is written once against this protocol. On a `Real` type it
/// computes a rounded value; on `Interval` the same code computes an enclosure of the exact
/// value, because every operation below rounds outward there. Any other `Real` type joins
/// with an empty extension (`extension Float80: PerplexityScalar {}`).
public protocol PerplexityScalar: Sendable, CustomStringConvertible {
    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (value: Self) -> Self

    static func log(_ x: Self) -> Self
    static func log(onePlus x: Self) -> Self
    static func exp(_ x: Self) -> Self
    static func expMinusOne(_ x: Self) -> Self
    static func pow(_ x: Self, _ n: Int) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
    static func sqrt(_ x: Self) -> Self

    /// |self| (for intervals, the enclosure of the absolute values).
    var magnitude: Self { get }

    /// The integer `n` in the same type and precision as `self`.
    func integer(_ n: Int) -> Self

    /// The exact rational `r` (an enclosure of it for intervals) at `self`'s precision.
    func rational(_ r: BigRational) -> Self

    /// Whether every value `self` stands for is below every value `other` stands for.
    func isCertainlyLess(than other: Self) -> Bool

    /// Whether every value `self` stands for is at most every value `other` stands for.
    func isCertainlyLessOrEqual(to other: Self) -> Bool

    /// Whether `self` is a usable number (not NaN; for intervals, bounded).
    var isUsable: Bool { get }

    /// A representative point as a `Double`, for plotting and messages.
    var approximateDouble: Double { get }
}

extension PerplexityScalar {
    /// Whether some value of `self` may be below some value of `other`.
    public func isPossiblyLess(than other: Self) -> Bool { !other.isCertainlyLessOrEqual(to: self) }
}

// MARK: - Real types

extension PerplexityScalar where Self: Real {
    public func integer(_ n: Int) -> Self { Self(n) }
    public func isCertainlyLess(than other: Self) -> Bool { self < other }
    public func isCertainlyLessOrEqual(to other: Self) -> Bool { self <= other }
    public var isUsable: Bool { !isNaN }
}

extension Double: PerplexityScalar {
    public func rational(_ r: BigRational) -> Double { (try? BigFloat(r, precision: 53).double()) ?? .nan }
    public var approximateDouble: Double { self }
}

extension Float: PerplexityScalar {
    public func rational(_ r: BigRational) -> Float { Float((try? BigFloat(r, precision: 24).double()) ?? .nan) }
    public var approximateDouble: Double { Double(self) }
}

extension BigFloat: PerplexityScalar {
    public func integer(_ n: Int) -> BigFloat { (try? BigFloat(n, precision: precision)) ?? BigFloat(n) }
    public func rational(_ r: BigRational) -> BigFloat { (try? BigFloat(r, precision: precision)) ?? .nan }
    public var approximateDouble: Double { double() }
}

// MARK: - Intervals

extension Interval: PerplexityScalar {
    public func integer(_ n: Int) -> Interval { (try? Interval(n, precision: precision)) ?? self * 0 + n }
    public func rational(_ r: BigRational) -> Interval { (try? Interval(r, precision: precision)) ?? self }
    // isCertainlyLess(than:) comes from MultiPrecision; redeclaring it here made every call
    // ambiguous in code that imports both modules.
    public func isCertainlyLessOrEqual(to other: Interval) -> Bool { isCertainlyAtMost(other) }
    public var isUsable: Bool { !isNaN && isBounded }
    public var approximateDouble: Double { midpoint.double() }
}
