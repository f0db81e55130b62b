import MultiPrecision
import RealModule
import Kernels

/// Log-softmax of float32 logits, certified: each float is an exact binary number, so the
/// interval log p_y = z_y − log Σ_i e^(z_i) encloses the exact value for the logits the model
/// produced; comparing it with the float32 result measures the float32 error.
public struct CertifiedLogSoftmax: Sendable {
    public let precision: Int

    public init(precision: Int = 128) { self.precision = precision }

    /// Logits more than this many nats below the largest are summed as one bounded tail.
    public static let tailCutoff: Float = 40

    /// Enclosure of log Σ_i e^(z_i), shifted by the largest logit for a tight sum.
    ///
    /// Terms within ``tailCutoff`` of the largest logit are enclosed one by one; the others (most of
    /// a large vocabulary) are enclosed together by [0, m·e^(z_tail − z_max)], with m their count
    /// and z_tail the largest of them. That keeps the result certified while costing a few hundred
    /// interval exponentials instead of one per vocabulary entry.
    public func logSumExp(_ logits: [Float]) throws -> Interval {
        let top = logits.max() ?? 0
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
        return Interval.log(total) + shift
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
    /// Enclosing every |p_i − q_i| would cost an interval exponential per vocabulary entry. Instead:
    /// the few entries where the double-precision difference is largest are enclosed first, giving
    /// a certified lower bound D ≤ max_i |p_i − q_i|. An entry with both z_i − max a and
    /// z′_i − max b below log D has |p_i − q_i| ≤ max(p_i, q_i) ≤ max(e^(z_i − max a), e^(z′_i − max b)) < D
    /// (the normaliser is at least the largest logit), so it cannot be the maximum and is skipped;
    /// every other entry is enclosed. The skip test keeps a margin of 10^-3 nats for its own
    /// double-precision rounding.
    ///
    /// - Parameters:
    ///   - a: the first row of float32 logits.
    ///   - b: the second row, of the same length.
    ///   - normalisers: the rows' `logSumExp`, when already computed.
    public func distance(_ a: [Float], _ b: [Float], normalisers: (Interval, Interval)? = nil) throws -> Interval {
        precondition(a.count == b.count && !a.isEmpty, "distance of rows of different or zero length")
        if a == b { return try Interval(0, precision: precision) }  // identical rows: exactly 0
        let (na, nb) = try normalisers ?? (logSumExp(a), logSumExp(b))
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
