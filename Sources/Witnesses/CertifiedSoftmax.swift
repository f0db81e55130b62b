import MultiPrecision
import RealModule
import Kernels

/// Log-softmax of float32 logits, certified: each float is an exact binary number, so the
/// interval log p_y = z_y − log Σ_i e^(z_i) encloses the exact value for the logits the model
/// produced; comparing it with the float32 result measures the float32 error.
///
/// Two ways to enclose a row's Σ e^(z_i − z_max), both rigorous:
/// - ``Method/binary64`` (the default): every term in IEEE double with a proven relative error
///   bound of 2^−48, summed pairwise with the summation's error bound (Proofs/certified-log-softmax.md).
///   A 262,144-wide row takes about a millisecond and its log-sum-exp is enclosed to about 1e-14.
/// - ``Method/multiPrecision``: every term near the top enclosed by an MPFI exponential at
///   `precision` bits, the rest bounded together. Kept as the reference the fast path is tested
///   and benchmarked against; about a second per 262,144-wide row.
public struct CertifiedLogSoftmax: Sendable {
    /// How the exponentials of a row are enclosed.
    public enum Method: String, Sendable, CaseIterable {
        /// Binary64 with a proven per-term error bound (fast).
        case binary64
        /// MPFI intervals at the chosen precision (slow reference).
        case multiPrecision
    }

    /// Bits of the MPFI intervals returned (and of every term, for ``Method/multiPrecision``).
    public let precision: Int
    /// How a row's exponentials are enclosed.
    public let method: Method

    public init(precision: Int = 128, method: Method = .binary64) {
        self.precision = precision
        self.method = method
    }

    /// With ``Method/multiPrecision``, logits more than this many nats below the largest are
    /// summed as one bounded tail.
    public static let tailCutoff: Float = 40

    /// Enclosure of log Σ_i e^(z_i), shifted by the largest logit for a tight sum.
    public func logSumExp(_ logits: [Float]) throws -> Interval {
        try enclose(logits).normaliser
    }

    /// The ``Method/multiPrecision`` enclosure of Σ e^(z_i − z_max), with z_max. Terms within
    /// ``tailCutoff`` of the largest logit are enclosed one by one; the others are enclosed
    /// together by [0, m·e^(z_tail − z_max)], with m their count and z_tail the largest of them.
    private func multiPrecisionSum(_ logits: [Float]) throws -> (top: Float, sum: Interval) {
        guard !logits.isEmpty else { throw MultiPrecisionError.domain(function: "log-sum-exp", argument: "an empty row", requirement: "a non-empty row") }
        let top = logits.max()!
        let shift = try Interval(Double(top), precision: precision)
        var total = try Interval(0, precision: precision)
        var tailCount = 0
        var tailTop = -Float.infinity
        for z in logits {
            if top - z <= Self.tailCutoff {
                total += Interval.exp(try Interval(Double(z), precision: precision) - shift)
            } else {
                tailCount += 1
                tailTop = Swift.max(tailTop, z)
            }
        }
        if tailCount > 0 {
            let largest = Interval.exp(try Interval(Double(tailTop), precision: precision) - shift) * tailCount
            total += try Interval(lower: BigFloat(0, precision: precision), upper: largest.upper, precision: precision)
        }
        return (top, total)
    }

    /// A row with its normaliser enclosed once, for the per-position work of a witness.
    struct EnclosedRow {
        init(logits: [Float], top: Float, logSum: Interval, exponentials: ExponentialRow?) throws {
            self.logits = logits
            self.top = top
            self.logSum = logSum
            normaliser = logSum + (try Interval(Double(top), precision: logSum.precision))
            self.exponentials = exponentials
        }

        let logits: [Float]
        /// The largest logit.
        let top: Float
        /// Enclosure of log Σ e^(z_i − top), in [0, log n].
        let logSum: Interval
        /// Enclosure of log Σ e^(z_i): logSum + top.
        let normaliser: Interval
        /// The binary64 terms (``Method/binary64`` only), reused by the distance.
        let exponentials: ExponentialRow?
    }

    /// Encloses `logits`' normaliser, keeping what the distance of two enclosed rows reuses.
    func enclose(_ logits: [Float]) throws -> EnclosedRow {
        switch method {
        case .binary64:
            let row = try ExponentialRow(logits, precision: precision)
            return try EnclosedRow(logits: logits, top: row.top, logSum: Interval.log(row.sum), exponentials: row)
        case .multiPrecision:
            let (top, sum) = try multiPrecisionSum(logits)
            return try EnclosedRow(logits: logits, top: top, logSum: Interval.log(sum), exponentials: nil)
        }
    }

    /// Enclosure of log p_y = (z_y − top) − log Σ e^(z_i − top) for token `y` of an enclosed
    /// row (subtracting the top first keeps the enclosure tight for logits of any magnitude).
    func logProbability(_ row: EnclosedRow, of y: Int) throws -> Interval {
        (try Interval(Double(row.logits[y]), precision: precision) - Interval(Double(row.top), precision: precision)) - row.logSum
    }

    /// The L∞ distance of two enclosed rows (see ``distance(_:_:normalisers:)``).
    func distance(_ a: EnclosedRow, _ b: EnclosedRow) throws -> Interval {
        precondition(a.logits.count == b.logits.count && !a.logits.isEmpty, "distance of rows of different or zero length")
        if a.logits == b.logits { return try Interval(0, precision: precision) }
        if let ea = a.exponentials, let eb = b.exponentials { return try distance(ea, eb) }
        return try multiPrecisionDistance(a.logits, b.logits, normalisers: (a.normaliser, b.normaliser))
    }

    /// Enclosures of log p_y for each requested token.
    public func logProbabilities(_ logits: [Float], of tokens: [Int]) throws -> [Interval] {
        try logProbabilities(logits, of: tokens, normaliser: logSumExp(logits))
    }

    /// Enclosures of log p_y = z_y − log Σ e^z, given the row's ``logSumExp(_:)``.
    public func logProbabilities(_ logits: [Float], of tokens: [Int], normaliser: Interval) throws -> [Interval] {
        try tokens.map { try Interval(Double(logits[$0]), precision: precision) - normaliser }
    }

    /// Enclosure of p_i = e^(z_i − log Σ e^z), given the normaliser's enclosure.
    func probability(_ z: Float, normaliser: Interval) throws -> Interval {
        Interval.exp(try Interval(Double(z), precision: precision) - normaliser)
    }

    /// Enclosure of the L∞ distance ‖softmax(a) − softmax(b)‖_∞ of two rows of float32 logits
    /// (the exact distributions of the logits the model produced, as in Lemma 3.1's η).
    ///
    /// - Parameters:
    ///   - a: the first row of float32 logits.
    ///   - b: the second row, of the same length.
    ///   - normalisers: the rows' `logSumExp`, when already computed (used by
    ///     ``Method/multiPrecision`` only; the binary64 path recomputes its own in about a millisecond).
    public func distance(_ a: [Float], _ b: [Float], normalisers: (Interval, Interval)? = nil) throws -> Interval {
        precondition(a.count == b.count && !a.isEmpty, "distance of rows of different or zero length")
        if a == b { return try Interval(0, precision: precision) }  // identical rows: exactly 0
        if method == .multiPrecision, let (na, nb) = normalisers {
            return try multiPrecisionDistance(a, b, normalisers: (na, nb))
        }
        return try distance(enclose(a), enclose(b))
    }

    /// The binary64 distance (``ExponentialRow/distance(_:_:)``), as an interval.
    func distance(_ a: ExponentialRow, _ b: ExponentialRow) throws -> Interval {
        let (lower, upper) = ExponentialRow.distance(a, b)
        return try Interval(lower: BigFloat(lower, precision: 53), upper: BigFloat(upper, precision: 53), precision: precision)
    }

    /// The ``Method/multiPrecision`` distance. Enclosing every |p_i − q_i| would cost an interval
    /// exponential per vocabulary entry. Instead:
    /// the few entries where the double-precision difference is largest are enclosed first, giving
    /// a certified lower bound D ≤ max_i |p_i − q_i|. An entry with both z_i − max a and
    /// z′_i − max b below log D has |p_i − q_i| ≤ max(p_i, q_i) ≤ max(e^(z_i − max a), e^(z′_i − max b)) < D
    /// (the normaliser is at least the largest logit), so it cannot be the maximum and is skipped;
    /// every other entry is enclosed. The skip test keeps a margin of 10^-3 nats for its own
    /// double-precision rounding.
    private func multiPrecisionDistance(_ a: [Float], _ b: [Float], normalisers: (Interval, Interval)) throws -> Interval {
        let (na, nb) = normalisers
        func term(_ i: Int) throws -> Interval {
            (try probability(a[i], normaliser: na) - probability(b[i], normaliser: nb)).magnitude
        }
        // Candidates: the largest differences in double precision.
        let p = softmaxDouble(a), q = softmaxDouble(b)
        let candidates = a.indices.sorted { abs(p[$0] - q[$0]) > abs(p[$1] - q[$1]) }.prefix(8)
        var lower = try Interval(0, precision: precision).lower
        var upper = lower
        var enclosed = Set<Int>()
        for i in candidates {
            let t = try term(i)
            lower = Swift.max(lower, t.lower)
            upper = Swift.max(upper, t.upper)
            enclosed.insert(i)
        }
        let topA = Double(a.max()!), topB = Double(b.max()!)
        // log D with the margin; −∞ when D = 0 (then every entry is enclosed).
        let cut = lower > 0 ? Double.log(lower.double(rounding: .down)) - 1e-3 : -Double.infinity
        for i in a.indices where !enclosed.contains(i) {
            if Swift.max(Double(a[i]) - topA, Double(b[i]) - topB) < cut { continue }
            let t = try term(i)
            lower = Swift.max(lower, t.lower)
            upper = Swift.max(upper, t.upper)
        }
        return try Interval(lower: lower, upper: upper, precision: precision)
    }
}
