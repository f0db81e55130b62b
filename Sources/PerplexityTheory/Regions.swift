import Foundation
import Kernels
import MultiPrecision

/// A grid of base models and normalised shifts s = Δ/γ over which Eq. 11 is tabulated
/// (Fig. 3: rows are curves, columns are points along the x-axis).
public struct RegionsGrid: Sendable {
    /// Base accuracies a ∈ [0, 1].
    public var accuracies: [BigRational]
    /// Base γ ∈ (0, 1/2).
    public var gammas: [BigRational]
    /// Normalised shifts s = Δ/γ ∈ [0, 1].
    public var shifts: [BigRational]

    public init(accuracies: [BigRational], gammas: [BigRational], shifts: [BigRational]) {
        self.accuracies = accuracies
        self.gammas = gammas
        self.shifts = shifts
    }

    /// Number of grid points, |γ|·|a|·|s|.
    public var count: Int { gammas.count * accuracies.count * shifts.count }

    /// s = 0, step, 2·step, … while s <= last (exact rationals, so 0.01 steps do not drift).
    public static func shifts(step: BigRational, through last: BigRational) throws(ParameterError) -> [BigRational] {
        guard step > 0 else { throw ParameterError(parameter: "shift step", requirement: "> 0", value: step.description) }
        guard last >= 0, last <= 1 else { throw ParameterError(parameter: "last shift", requirement: "in [0, 1]", value: last.description) }
        var out: [BigRational] = []
        var s = BigRational(0)
        while s <= last {
            out.append(s)
            s += step
            guard out.count <= 1_000_000 else {
                throw ParameterError(parameter: "shift step", requirement: "large enough for at most 1,000,000 shifts", value: step.description)
            }
        }
        return out
    }

    /// Checks every parameter once, so the tabulation itself cannot fail on range.
    public func validate() throws(ParameterError) {
        let half = try! BigRational(1, 2)
        for a in accuracies where a < 0 || a > 1 { throw ParameterError(parameter: "accuracy", requirement: "in [0, 1]", value: a.description) }
        for g in gammas where g <= 0 || g >= half { throw ParameterError(parameter: "gamma", requirement: "in (0, 1/2)", value: g.description) }
        for s in shifts where s < 0 || s > 1 { throw ParameterError(parameter: "shift", requirement: "in [0, 1] (shift = delta/gamma)", value: s.description) }
        if accuracies.isEmpty { throw ParameterError(parameter: "accuracy", requirement: "a non-empty list", value: "[]") }
        if gammas.isEmpty { throw ParameterError(parameter: "gamma", requirement: "a non-empty list", value: "[]") }
        if shifts.isEmpty { throw ParameterError(parameter: "shift", requirement: "a non-empty list", value: "[]") }
    }
}

/// Eq. 11 tabulated over a ``RegionsGrid``: the critical accuracy a′ at every point, and the
/// gap a′ − a (whose magnitude is the width of the unfavourable band) on demand.
///
/// Values are stored γ-major, then a, then s: index `(g·|a| + i)·|s| + k`.
public struct RegionsTable<T: PerplexityScalar>: Sendable {
    /// The grid tabulated.
    public let grid: RegionsGrid
    /// a′ at each grid point.
    public let critical: [T]
    /// The base accuracies as `T` (one per grid accuracy).
    public let accuracies: [T]

    /// The flat index of (γ index, a index, s index).
    public func index(gamma g: Int, accuracy i: Int, shift k: Int) -> Int {
        (g * grid.accuracies.count + i) * grid.shifts.count + k
    }

    /// a′ − a at a flat index: > 0 rejects better models, < 0 is a free lunch. Computed when asked
    /// (one subtraction), so the table costs one number per point.
    public func gap(at index: Int) -> T {
        critical[index] - accuracies[(index / grid.shifts.count) % grid.accuracies.count]
    }
}

/// Tabulates Eq. 11 point by point with the generic ``criticalAccuracy(accuracy:gamma:shift:)``
/// (Double, BigFloat, or Interval through `make`, which turns an exact input into `T`).
///
/// This is the reference the fast certified path is tested against.
public func regionsTable<T: PerplexityScalar>(
    _ grid: RegionsGrid, make: (BigRational) -> T
) throws(ParameterError) -> RegionsTable<T> {
    try grid.validate()
    let a = grid.accuracies.map(make), g = grid.gammas.map(make), s = grid.shifts.map(make)
    var critical: [T] = []
    critical.reserveCapacity(grid.count)
    for gamma in g {
        for accuracy in a {
            for shift in s {
                critical.append(try criticalAccuracy(accuracy: accuracy, gamma: gamma, shift: shift))
            }
        }
    }
    return RegionsTable(grid: grid, critical: critical, accuracies: a)
}

/// Tabulates Eq. 11 with certified enclosures, fast: the same numbers as the generic path (every
/// step is interval arithmetic with outward rounding), but with the logarithms hoisted out.
///
/// pplx(a, γ) = −log γ + a·(log γ − log(1 − γ)) is affine in a, and the logarithms of γ′ = γ(1 − s)
/// depend only on (γ, s), so with ℓ′ = log(1 − γ′) and D = log γ′ − ℓ′,
///
///     a′ = 1 + (pplx(a, γ) + ℓ′)/D = P + a·Q,   P = 1 + (ℓ′ − log γ)/D,   Q = (log γ − log(1 − γ))/D.
///
/// Each grid point then costs one interval multiply and one add into one new interval
/// (`Interval.productSum`). Because a enters once, the enclosure is as tight as the generic one
/// up to a few ulps. log γ′ = log γ + log(1 − s) shares the |s| logarithms log(1 − s) between all γ. Rows
/// (γ, a) are split into contiguous slices over `threads` workers; each computes P and Q for the
/// γ values it touches and copies a, so the workers never touch a shared reference count.
///
/// - Parameters:
///   - grid: the grid; validated first.
///   - precision: bits of every enclosure.
///   - threads: worker threads (default: the active processor count).
public func certifiedRegionsTable(
    _ grid: RegionsGrid, precision: Int, threads: Int = ProcessInfo.processInfo.activeProcessorCount
) throws -> RegionsTable<Interval> {
    try grid.validate()
    _ = try Precision.validate(precision)
    let nA = grid.accuracies.count, nS = grid.shifts.count, nG = grid.gammas.count
    let a = try grid.accuracies.map { r throws(MultiPrecisionError) in try Interval(r, precision: precision) }
    // log γ′ = log γ + log(1 − s): the |s| logarithms log(1 − s) are shared by every γ, which
    // halves the logarithms of the set-up (the slow part of it). nil marks s = 1 (γ′ = 0).
    let logOneMinusS: [Interval?] = try grid.shifts.map { s throws(MultiPrecisionError) in
        s == 1 ? nil : Interval.log(try Interval(1 - s, precision: precision))
    }
    // Rows r = g·nA + i, in contiguous slices, one per worker.
    let rows = nG * nA
    let workers = max(1, min(threads, rows))
    let results = ResultSlots<[Interval]>(count: workers)
    parallelFor(rows, split: .fixed(parts: workers)) { w, chunk in
        do {
            // Own copies (x + 0 is exact and allocates): workers never share a reference count.
            let a = a.map { $0 + 0 }
            let logOneMinusS = logOneMinusS.map { $0.map { $0 + 0 } }
            var critical: [Interval] = []
            critical.reserveCapacity(chunk.count * nS)
            var P: [Interval] = [], Q: [Interval] = [], currentGamma = -1
            for r in chunk {
                let g = r / nA
                if g != currentGamma {
                    // P and Q for this γ, once per γ this worker touches.
                    (P, Q) = try coefficients(gamma: grid.gammas[g], shifts: grid.shifts, logOneMinusS: logOneMinusS, precision: precision)
                    currentGamma = g
                }
                let ai = a[r % nA]
                P.withUnsafeBufferPointer { P in
                    Q.withUnsafeBufferPointer { Q in
                        // a·Q + P into one new interval (the same two outward roundings as ai * Q[k] + P[k]).
                        for k in 0..<nS { critical.append(Interval.productSum(ai, Q[k], P[k])) }
                    }
                }
            }
            results.store(w, critical)
        } catch {
            results.fail(w, error)
        }
    }
    var critical: [Interval] = []
    critical.reserveCapacity(grid.count)
    for part in try results.results() { critical += part }
    return RegionsTable(grid: grid, critical: critical, accuracies: a)
}

/// P and Q of ``certifiedRegionsTable(_:precision:threads:)`` for one γ and every shift:
/// a′ = P + a·Q with D = log γ′ − log(1 − γ′), P = 1 + (log(1 − γ′) − log γ)/D,
/// Q = (log γ − log(1 − γ))/D; at s = 1 the limit a′ = 1 (P = 1, Q = 0).
private func coefficients(
    gamma: BigRational, shifts: [BigRational], logOneMinusS: [Interval?], precision: Int
) throws -> (P: [Interval], Q: [Interval]) {
    let g = try Interval(gamma, precision: precision)
    let logG = Interval.log(g)
    let slopeBase = logG - Interval.log(onePlus: -g)
    var P: [Interval] = [], Q: [Interval] = []
    P.reserveCapacity(shifts.count)
    Q.reserveCapacity(shifts.count)
    for (s, logFactor) in zip(shifts, logOneMinusS) {
        guard let logFactor else {
            P.append(try Interval(1, precision: precision)); Q.append(try Interval(0, precision: precision))
            continue
        }
        // γ′ = γ(1 − s) from exact rationals: one rounding, not two.
        let logRight = Interval.log(onePlus: -(try Interval(gamma * (1 - s), precision: precision)))
        let D = (logG + logFactor) - logRight
        P.append(((logRight - logG) / D) + 1)
        Q.append(slopeBase / D)
    }
    return (P, Q)
}
