import MultiPrecision

/// Certified enclosures of e^(z_i − z_max) for one row of float32 logits, computed in binary64
/// (IEEE double, round to nearest) with a proven error bound per term, and of their sum.
///
/// Enclosing every term with 128-bit MPFI costs about 3 µs; this costs a few nanoseconds and is
/// still rigorous. The proof is Proofs/certified-log-softmax.md; in short, for a term whose
/// difference d = z − z_max is exact in binary64 and lies in [−700, 0]:
///
///     e^d = e^(−t) · e^(−j/256) · e^g,   t = ⌊−d⌋,  j = ⌊256(−d − t)⌋,  g = −(−d − t − j/256),
///
/// where every split is exact (Sterbenz's lemma), g ∈ (−1/256, 0], e^(−t) and e^(−j/256) come
/// from tables enclosed with MPFI, and e^g from a degree-5 Taylor polynomial. The computed
/// value v satisfies |v − e^d| ≤ ρ·e^d with ρ = 2^−48 (the proof gives 22·2^−53). Terms that
/// do not meet the conditions are enclosed by MPFI one by one (a logit within 2^−20 of zero
/// but not zero, rare) or bounded together (d < −700: each below 2^−1009).
struct ExponentialRow {
    /// The largest logit, z_max.
    let top: Float
    /// v_i for the terms evaluated in binary64; NaN where ``special`` holds the term instead.
    private let values: [Double]
    /// Enclosures [lower, upper] of the terms not evaluated in binary64, by index.
    private let special: [Int: (lower: Double, upper: Double)]
    /// Enclosure of Σ_i e^(z_i − z_max) (at least 1: the largest term is e^0).
    let sum: Interval
    /// The sum's enclosure rounded outward to binary64.
    let sumBounds: (lower: Double, upper: Double)

    /// Bound ρ on the relative error of each binary64 term: 2^−48.
    static let relativeError = BigRational(1) / BigRational(1 << 48)
    /// 1 − ρ and 1 + 2ρ, both exact in binary64: e^d ∈ [v/(1+ρ), v/(1−ρ)] ⊂ [v(1−ρ), v(1+2ρ)].
    private static let shrink = 1 - 0x1p-48, grow = 1 + 0x1p-47
    /// Terms with d below this are bounded, not evaluated: e^(−700) < 2^−1009.
    static let floorExponent = -700.0
    private static let tailBound = 0x1p-1009
    /// Logits below this in magnitude (and not zero) may make d inexact in binary64.
    private static let exactnessThreshold: Float = 0x1p-20
    /// The row is summed in blocks of this many terms, then the block sums pairwise.
    static let block = 8

    /// Encloses the terms and their sum; throws `notFinite` for an infinite or NaN logit.
    init(_ logits: [Float], precision: Int) throws {
        guard !logits.isEmpty else { throw MultiPrecisionError.domain(function: "log-sum-exp", argument: "an empty row", requirement: "a non-empty row") }
        if let bad = logits.firstIndex(where: { !$0.isFinite }) {
            throw MultiPrecisionError.notFinite(what: "logit \(bad)", value: "\(logits[bad])")
        }
        let top = logits.max()!
        self.top = top
        let tables = ExponentialTables.shared
        let topIsExact = Self.hasCoarseGrid(top)
        var values = [Double](repeating: .nan, count: logits.count)
        var special: [Int: (lower: Double, upper: Double)] = [:]
        var extra = try Interval(0, precision: precision)
        var tail = 0
        let shift = try Interval(Double(top), precision: precision)
        try logits.withUnsafeBufferPointer { z in
            try values.withUnsafeMutableBufferPointer { v in
                for i in 0..<z.count {
                    let d = Double(z[i]) - Double(top)
                    if topIsExact && Self.hasCoarseGrid(z[i]) {
                        // d is exact (both logits are multiples of 2^−43 and |d| < 2^10).
                        if d < Self.floorExponent {
                            tail += 1
                            special[i] = (0, Self.tailBound)
                        } else {
                            v[i] = tables.exponential(d)
                        }
                    } else {
                        let term = Interval.exp(try Interval(Double(z[i]), precision: precision) - shift)
                        extra += term
                        special[i] = (term.lower.double(rounding: .down), term.upper.double(rounding: .up))
                    }
                }
            }
        }
        self.values = values
        self.special = special
        // Σ v_i over the binary64 terms; the NaNs of the special ones are skipped by the sum.
        let (total, depth) = values.withUnsafeBufferPointer { Self.pairwiseSum($0) }
        let gamma = Self.gamma(depth)
        let rho = Self.relativeError
        let exactTotal = try BigRational(total)
        var sum = try Interval(lower: exactTotal / ((1 + rho) * (1 + gamma)),
                               upper: exactTotal / ((1 - rho) * (1 - gamma)), precision: precision)
        sum += extra
        if tail > 0 {
            sum += try Interval(lower: BigRational(0), upper: try BigRational(Self.tailBound) * BigRational(tail), precision: precision)
        }
        self.sum = sum
        sumBounds = (sum.lower.double(rounding: .down), sum.upper.double(rounding: .up))
    }

    /// Number of terms.
    var count: Int { values.count }

    /// Enclosure [lower, upper] of e^(z_i − z_max) in binary64.
    func term(_ i: Int) -> (lower: Double, upper: Double) {
        let v = values[i]
        if v.isNaN { return special[i]! }
        return ((v * Self.shrink).nextDown, (v * Self.grow).nextUp)
    }

    /// Enclosure of p_i = e^(z_i − z_max) / Σ_k e^(z_k − z_max) in binary64: each rounded
    /// operation is followed by a step outward, which covers its rounding error.
    func probability(_ i: Int) -> (lower: Double, upper: Double) {
        let e = term(i)
        return ((e.lower / sumBounds.upper).nextDown, (e.upper / sumBounds.lower).nextUp)
    }

    /// Enclosure [lower, upper] of max_i |p_i − q_i| for the distributions of rows `a` and `b`
    /// (of one length), from the ``probability(_:)`` enclosures.
    ///
    /// Most entries cannot hold the maximum, and are skipped unenclosed: a first pass finds the
    /// entry with the largest approximate difference and encloses it, giving D ≤ max_i |p_i − q_i|;
    /// an entry with p_i ≤ D and q_i ≤ D has |p_i − q_i| ≤ D, so the maximum is that of the other
    /// entries. p_i ≤ v_i(1 + 2ρ)/S_lower, so v_i < D·S_lower/(1 + 2ρ), computed with a relative
    /// margin of 2^−50 for its three roundings, proves p_i ≤ D (a special term's NaN never passes).
    /// Proofs/certified-log-softmax.md, step 9.
    static func distance(_ a: ExponentialRow, _ b: ExponentialRow) -> (lower: Double, upper: Double) {
        precondition(a.count == b.count, "distance of rows of different lengths")
        var lower = 0.0, upper = 0.0
        func enclose(_ i: Int) {
            let p = a.probability(i), q = b.probability(i)
            lower = Swift.max(lower, (p.lower - q.upper).nextDown, (q.lower - p.upper).nextDown)
            upper = Swift.max(upper, (p.upper - q.lower).nextUp, (q.upper - p.lower).nextUp)
        }
        a.values.withUnsafeBufferPointer { va in
            b.values.withUnsafeBufferPointer { vb in
                // The candidate: largest |v_a/S_a − v_b/S_b| in plain double (NaNs never win).
                let ia = 1 / a.sumBounds.lower, ib = 1 / b.sumBounds.lower
                var candidate = 0, largest = -1.0
                for i in 0..<va.count {
                    let difference = Swift.abs(va[i] * ia - vb[i] * ib)
                    if difference > largest { largest = difference; candidate = i }
                }
                enclose(candidate)
                // Three roundings of at most 2^−53 each, relatively, against a margin of 2^−50;
                // below 2^−1000 (near the subnormals, where roundings are not relative) nothing
                // is skipped.
                let skips = lower >= 0x1p-1000
                let cutA = skips ? lower * a.sumBounds.lower / Self.grow * (1 - 0x1p-50) : 0
                let cutB = skips ? lower * b.sumBounds.lower / Self.grow * (1 - 0x1p-50) : 0
                for i in 0..<va.count where !(va[i] < cutA && vb[i] < cutB) { enclose(i) }
            }
        }
        return (lower, upper)
    }

    /// Whether every multiple of this float's ulp is a multiple of 2^−43 (zero, or |x| ≥ 2^−20),
    /// so that differences of such floats below 2^10 in magnitude are exact in binary64.
    @inline(__always)
    private static func hasCoarseGrid(_ x: Float) -> Bool { x == 0 || x.magnitude >= exactnessThreshold }

    /// Sum of the non-NaN entries: blocks of ``block`` terms added in order, then the block
    /// sums added pairwise. Returns the sum and the largest number of additions any term went
    /// through (the h of γ_h; skipped NaNs only lower the true count).
    static func pairwiseSum(_ x: UnsafeBufferPointer<Double>) -> (sum: Double, depth: Int) {
        if x.count <= block {
            var s = 0.0
            for value in x where !value.isNaN { s += value }
            // Adding to the initial zero is exact, so at most count − 1 additions round.
            return (s, Swift.max(x.count - 1, 0))
        }
        let half = x.count / 2
        let left = pairwiseSum(UnsafeBufferPointer(rebasing: x[..<half]))
        let right = pairwiseSum(UnsafeBufferPointer(rebasing: x[half...]))
        return (left.sum + right.sum, 1 + Swift.max(left.depth, right.depth))
    }

    /// γ_h = h·u / (1 − h·u) with u = 2^−53: the relative error bound of a sum of non-negative
    /// terms each of which passes through at most h rounded additions (Higham, Accuracy and Stability of Numerical Algorithms, Lemma 3.1 and §4.2).
    static func gamma(_ h: Int) -> BigRational {
        let hu = BigRational(h) / BigRational(1 << 53)
        return hu / (1 - hu)
    }
}

/// The constants of the binary64 exponential: e^(−t) for t = 0…700 and e^(−j/256) for
/// j = 0…255, each the binary64 number just below a 128-bit MPFI enclosure, with at most two
/// binary64 numbers between it and the enclosure's upper end (so within 4u of the true value).
struct ExponentialTables: Sendable {
    let integer: [Double]
    let fraction: [Double]

    /// Built once, on first use (about a thousand MPFI exponentials).
    static let shared = ExponentialTables()

    private init() {
        func entry(_ exponent: BigRational) -> Double {
            do {
                let e = Interval.exp(try Interval(exponent, precision: 128))
                let lower = e.lower.double(rounding: .down), upper = e.upper.double(rounding: .up)
                precondition(upper <= lower.nextUp.nextUp, "a 128-bit enclosure of e^\(exponent) spans more than two binary64 steps")
                return lower
            } catch {
                preconditionFailure("128-bit MPFI cannot enclose e^\(exponent): \(error)")
            }
        }
        integer = (0...700).map { entry(BigRational(-$0)) }
        fraction = (0..<256).map { j in
            do { return entry(try BigRational(-j, 256)) } catch { preconditionFailure("\(error)") }
        }
    }

    /// e^d for d ∈ [−700, 0] exact in binary64, within relative error 22u (see the proof).
    @inline(__always)
    func exponential(_ d: Double) -> Double {
        let s = -d
        let t = Int(s)                       // ⌊−d⌋, 0…700
        let r = s - Double(t)                // exact: Sterbenz (t ≥ 1) or r = s (t = 0)
        let j = Int(r * 256)                 // ⌊256 r⌋, 0…255; the scaling is exact
        let g = Double(j) * 0x1p-8 - r       // exact, in (−1/256, 0]
        // e^g by Horner on the degree-5 Taylor polynomial (truncation below 2^−57).
        let p = 1 + g * (1 + g * (0.5 + g * (1.0 / 6 + g * (1.0 / 24 + g * (1.0 / 120)))))
        return integer[t] * fraction[j] * p
    }
}
