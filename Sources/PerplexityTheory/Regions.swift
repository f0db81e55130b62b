import Foundation
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

/// Eq. 11 tabulated over a ``RegionsGrid``: the critical accuracy a′ and the gap a′ − a (whose
/// magnitude is the width of the unfavourable band) at every point.
///
/// Values are stored γ-major, then a, then s: index `(g·|a| + i)·|s| + k`.
public struct RegionsTable<T: PerplexityScalar>: Sendable {
    /// The grid tabulated.
    public let grid: RegionsGrid
    /// a′ at each grid point.
    public let critical: [T]
    /// a′ − a at each grid point: > 0 rejects better models, < 0 is a free lunch.
    public let gap: [T]

    /// The flat index of (γ index, a index, s index).
    public func index(gamma g: Int, accuracy i: Int, shift k: Int) -> Int {
        (g * grid.accuracies.count + i) * grid.shifts.count + k
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
    var critical: [T] = [], gap: [T] = []
    critical.reserveCapacity(grid.count)
    gap.reserveCapacity(grid.count)
    for gamma in g {
        for accuracy in a {
            for shift in s {
                let band = try unfavourableBand(accuracy: accuracy, gamma: gamma, shift: shift)
                critical.append(band.criticalAccuracy)
                gap.append(band.gap)
            }
        }
    }
    return RegionsTable(grid: grid, critical: critical, gap: gap)
}

/// Tabulates Eq. 11 with certified enclosures, fast: the same numbers as the generic path (every
/// step is interval arithmetic with outward rounding), but with the logarithms hoisted out.
///
/// pplx(a, γ) = −log γ + a·(log γ − log(1 − γ)) is affine in a, and the logarithms of γ′ = γ(1 − s)
/// depend only on (γ, s), so with ℓ′ = log(1 − γ′) and D = log γ′ − ℓ′,
///
///     a′ = 1 + (pplx(a, γ) + ℓ′)/D = P + a·Q,   P = 1 + (ℓ′ − log γ)/D,   Q = (log γ − log(1 − γ))/D,
///
/// and a′ − a = P + a·(Q − 1). Each grid point then costs two multiply-adds on intervals whose
/// result is uniquely referenced, so they run in place; rows (γ, a) are split over `threads`.
/// Because a enters once, the enclosure is as tight as the generic one up to a few ulps.
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
    // Per (γ, s): P and Q − 1 (for the gap) and Q. At s = 1 (γ′ = 0) a′ is the limit 1: P = 1, Q = 0.
    var P: [Interval] = [], Q: [Interval] = [], Qm1: [Interval] = []
    let one = try Interval(1, precision: precision), zero = try Interval(0, precision: precision)
    for gamma in grid.gammas {
        let g = try Interval(gamma, precision: precision)
        let logG = Interval.log(g)
        let slopeBase = logG - Interval.log(onePlus: -g)
        for s in grid.shifts {
            if s == 1 {
                P.append(one); Q.append(zero); Qm1.append(zero - 1)
                continue
            }
            // γ′ = γ(1 − s) from exact rationals: one rounding, not two.
            let gp = try Interval(gamma * (1 - s), precision: precision)
            let logRight = Interval.log(onePlus: -gp)
            let D = Interval.log(gp) - logRight
            let q = slopeBase / D
            P.append(((logRight - logG) / D) + 1); Q.append(q); Qm1.append(q - 1)
        }
    }
    // Rows r = g·nA + i; each worker fills a contiguous slice of rows in its own buffers.
    let (P0, Q0, Qm10) = (P, Q, Qm1)  // immutable copies for the workers
    let rows = nG * nA
    let workers = max(1, min(threads, rows))
    let chunks = (0..<workers).map { w in (rows * w / workers)..<(rows * (w + 1) / workers) }
    let results = ResultSlots(count: workers)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        var critical: [Interval] = [], gap: [Interval] = []
        critical.reserveCapacity(chunks[w].count * nS)
        gap.reserveCapacity(chunks[w].count * nS)
        for r in chunks[w] {
            let g = r / nA, ai = a[r % nA], base = g * nS
            for k in 0..<nS {
                var c = ai * Q0[base + k]      // fresh, uniquely referenced: += runs in place
                c += P0[base + k]
                var d = ai * Qm10[base + k]
                d += P0[base + k]
                critical.append(c)
                gap.append(d)
            }
        }
        results.store(w, (critical, gap))
    }
    var critical: [Interval] = [], gap: [Interval] = []
    critical.reserveCapacity(grid.count)
    gap.reserveCapacity(grid.count)
    for part in results.values() {
        critical += part.0
        gap += part.1
    }
    return RegionsTable(grid: grid, critical: critical, gap: gap)
}

/// One result slot per worker; each slot is written by exactly one worker, under a lock so that
/// the hand-over to the calling thread is ordered.
private final class ResultSlots: @unchecked Sendable {
    private var slots: [([Interval], [Interval])?]
    private let lock = NSLock()

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func store(_ index: Int, _ value: ([Interval], [Interval])) {
        lock.lock(); defer { lock.unlock() }
        slots[index] = value
    }

    func values() -> [([Interval], [Interval])] {
        lock.lock(); defer { lock.unlock() }
        return slots.compactMap { $0 }
    }
}
