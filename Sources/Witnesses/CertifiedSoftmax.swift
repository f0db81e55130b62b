import MultiPrecision
import RealModule

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
        let normaliser = try logSumExp(logits)
        return try tokens.map { try Interval(Double(logits[$0]), precision: precision) - normaliser }
    }
}

/// Float32 softmax with max-shift, as the model's own arithmetic would compute it.
func softmax(_ logits: [Float]) -> [Float] {
    let top = logits.max() ?? 0
    var exps = logits.map { Float.exp($0 - top) }
    let total = exps.reduce(0, +)
    for i in exps.indices { exps[i] /= total }
    return exps
}

/// Softmax in double precision from float32 logits (max-shifted).
public func softmaxDouble(_ logits: [Float]) -> [Double] {
    let top = Double(logits.max() ?? 0)
    var exps = logits.map { Double.exp(Double($0) - top) }
    let total = exps.reduce(0, +)
    for i in exps.indices { exps[i] /= total }
    return exps
}
