import MultiPrecision

/// A forward-mode dual number v + d·ε (ε² = 0): running a formula on `Dual` values computes the
/// formula and its derivative along one direction, with no separate derivative code.
///
/// Over `Interval` components the derivative is itself certified: `criticalAccuracy` on
/// `Dual<Interval>` with `delta: Dual(0, derivative: 1)` encloses d a′/dΔ exactly as the library
/// computes a′, which is how the free-lunch criterion is checked (Proofs/free-lunch.md).
public struct Dual<T: PerplexityScalar>: PerplexityScalar {
    /// The value.
    public var value: T
    /// The directional derivative.
    public var derivative: T

    /// `value` with derivative `derivative` (0 for a constant, 1 for the variable).
    public init(_ value: T, derivative: T) {
        self.value = value
        self.derivative = derivative
    }

    /// A constant: derivative 0.
    public init(constant value: T) { self.init(value, derivative: value.integer(0)) }

    public static func + (lhs: Dual, rhs: Dual) -> Dual { Dual(lhs.value + rhs.value, derivative: lhs.derivative + rhs.derivative) }
    public static func - (lhs: Dual, rhs: Dual) -> Dual { Dual(lhs.value - rhs.value, derivative: lhs.derivative - rhs.derivative) }
    public static func * (lhs: Dual, rhs: Dual) -> Dual {
        Dual(lhs.value * rhs.value, derivative: lhs.derivative * rhs.value + lhs.value * rhs.derivative)
    }
    public static func / (lhs: Dual, rhs: Dual) -> Dual {
        let q = lhs.value / rhs.value
        return Dual(q, derivative: (lhs.derivative - q * rhs.derivative) / rhs.value)
    }
    public static prefix func - (x: Dual) -> Dual { Dual(-x.value, derivative: -x.derivative) }

    public static func log(_ x: Dual) -> Dual { Dual(T.log(x.value), derivative: x.derivative / x.value) }
    public static func log(onePlus x: Dual) -> Dual {
        Dual(T.log(onePlus: x.value), derivative: x.derivative / (x.value + x.value.integer(1)))
    }
    public static func exp(_ x: Dual) -> Dual {
        let e = T.exp(x.value)
        return Dual(e, derivative: x.derivative * e)
    }
    public static func expMinusOne(_ x: Dual) -> Dual {
        Dual(T.expMinusOne(x.value), derivative: x.derivative * T.exp(x.value))
    }
    public static func pow(_ x: Dual, _ n: Int) -> Dual {
        guard n != 0 else { return Dual(constant: x.value.integer(1)) }
        return Dual(T.pow(x.value, n), derivative: x.value.integer(n) * T.pow(x.value, n - 1) * x.derivative)
    }
    public static func pow(_ x: Dual, _ y: Dual) -> Dual { exp(y * log(x)) }
    public static func sqrt(_ x: Dual) -> Dual {
        let r = T.sqrt(x.value)
        return Dual(r, derivative: x.derivative / (x.value.integer(2) * r))
    }

    /// |x|; its derivative is taken from the side the value certainly lies on (at a value that
    /// may be 0 the derivative is not defined and the input's derivative is passed through).
    public var magnitude: Dual {
        let zero = value.integer(0)
        if value.isCertainlyLess(than: zero) { return -self }
        return Dual(value.magnitude, derivative: derivative)
    }

    public func integer(_ n: Int) -> Dual { Dual(constant: value.integer(n)) }
    public func rational(_ r: BigRational) -> Dual { Dual(constant: value.rational(r)) }
    public func isCertainlyLess(than other: Dual) -> Bool { value.isCertainlyLess(than: other.value) }
    public func isCertainlyLessOrEqual(to other: Dual) -> Bool { value.isCertainlyLessOrEqual(to: other.value) }
    public var isUsable: Bool { value.isUsable && derivative.isUsable }
    public var approximateDouble: Double { value.approximateDouble }
    public var description: String { "\(value) + \(derivative)ε" }
}

/// d a′/dΔ at Δ = 0 in closed form: (1 − a/(1 − γ)) / (γ·log((1 − γ)/γ)).
///
/// Negative iff a > 1 − γ: a free-lunch dip exists for small shifts iff the base model is
/// under-confident (Proofs/free-lunch.md). The same slope is available for any Δ by running
/// ``criticalAccuracy(accuracy:gamma:delta:)`` on ``Dual`` values.
public func criticalAccuracySlopeAtZero<T: PerplexityScalar>(accuracy a: T, gamma γ: T) throws(ParameterError) -> T {
    try checkBase(a, γ)
    let one = a.integer(1)
    return (one - a / (one - γ)) / (γ * logOdds(γ))
}
