import Kernels
import MultiPrecision

/// The last two layers of a language model: a final normalisation (LayerNorm or RMSNorm) and an
/// unembedding W (one row per token, with an optional output bias b), then an optional logit
/// soft cap c·tanh(z/c). Whatever the blocks before them compute, the logits are
/// z_v = W_v · norm(x) + b_v, and the normalisation bounds norm(x); ``ProbabilityFloor`` turns
/// that into a floor on every next-token probability (Proofs/model-floor.md).
///
/// The weights are float32 numbers, read as the exact binary fractions they are. The rows of W
/// come through a reader, so a model kept in quantised blocks (Gemma) is decoded a chunk of rows
/// at a time rather than all at once.
public struct OutputHead: Sendable {
    /// The final normalisation, with its learned parameters (each of the model's width).
    public enum Normalisation: Sendable, Equatable {
        /// n = (x − mean(x)) / √(var(x) + eps) ⊙ gain + bias (any eps ≥ 0).
        case layerNorm(gain: [Float], bias: [Float])
        /// n = x / √(mean(x²) + eps) ⊙ gain (any eps ≥ 0); Gemma's (1 + w) gain is the gain.
        case rmsNorm(gain: [Float])

        /// The gain.
        public var gain: [Float] {
            switch self {
            case .layerNorm(let gain, _), .rmsNorm(let gain): gain
            }
        }

        /// The bias (LayerNorm only).
        public var bias: [Float]? {
            switch self {
            case .layerNorm(_, let bias): bias
            case .rmsNorm: nil
            }
        }

        /// Whether the normalised vector has mean zero (LayerNorm).
        var centres: Bool { bias != nil }
    }

    /// The final normalisation.
    public let normalisation: Normalisation
    /// Number of tokens (rows of W).
    public let vocabularySize: Int
    /// The model's width d (the length of every row).
    public var width: Int { normalisation.gain.count }
    /// The output bias b, one per token, if the head has one.
    public let outputBias: [Float]?
    /// The logit soft cap c (logits become c·tanh(z/c)), if the model applies one.
    public let softcap: Float?
    private let reader: @Sendable (_ rows: Range<Int>, _ destination: UnsafeMutablePointer<Float>) throws -> Void

    /// A head whose rows `reader` writes: for a range of token ids, their rows one after the
    /// other (`width` floats each) into the destination.
    public init(
        normalisation: Normalisation, vocabularySize: Int, outputBias: [Float]? = nil, softcap: Float? = nil,
        rows reader: @escaping @Sendable (_ rows: Range<Int>, _ destination: UnsafeMutablePointer<Float>) throws -> Void
    ) throws(ProbabilityFloorError) {
        let d = normalisation.gain.count
        guard d >= 1 else { throw .invalidHead("the normalisation's gain is empty") }
        // The binary64 error bound of the row norms needs (d + 7)·2^−53 ≤ 1/4 with room to spare.
        guard d <= 1 << 24 else { throw .invalidHead("the width must be at most 16777216, got \(d)") }
        if let bias = normalisation.bias, bias.count != d {
            throw .invalidHead("the normalisation's bias has \(bias.count) values but its gain has \(d)")
        }
        guard vocabularySize >= 1 else { throw .invalidHead("the vocabulary must hold at least one token, got \(vocabularySize)") }
        if let outputBias, outputBias.count != vocabularySize {
            throw .invalidHead("the output bias has \(outputBias.count) values but the vocabulary has \(vocabularySize) tokens")
        }
        if let softcap, !(softcap.isFinite && softcap > 0) { throw .invalidHead("the logit soft cap must be finite and > 0, got \(softcap)") }
        for (name, values) in [("gain", normalisation.gain), ("bias", normalisation.bias ?? []), ("output bias", outputBias ?? [])] {
            if let j = values.firstIndex(where: { !$0.isFinite }) { throw .notFinite("\(name)[\(j)] = \(values[j])") }
        }
        self.normalisation = normalisation
        self.vocabularySize = vocabularySize
        self.outputBias = outputBias
        self.softcap = softcap
        self.reader = reader
    }

    /// A head whose unembedding is held in memory, row-major (`vocabularySize` × width).
    public init(normalisation: Normalisation, unembedding: [Float], outputBias: [Float]? = nil, softcap: Float? = nil) throws(ProbabilityFloorError) {
        let d = normalisation.gain.count
        guard d >= 1 else { throw .invalidHead("the normalisation's gain is empty") }
        guard unembedding.count % d == 0 else {
            throw .invalidHead("the unembedding has \(unembedding.count) values, not a whole number of rows of width \(d)")
        }
        try self.init(normalisation: normalisation, vocabularySize: unembedding.count / d, outputBias: outputBias, softcap: softcap) { rows, destination in
            unembedding.withUnsafeBufferPointer { w in
                destination.update(from: w.baseAddress! + rows.lowerBound * d, count: rows.count * d)
            }
        }
    }

    /// The rows `range` of W, row-major, as the reader gives them (the floor checks that they
    /// are finite before it uses them).
    public func unembeddingRows(_ range: Range<Int>) throws -> [Float] {
        precondition(range.lowerBound >= 0 && range.upperBound <= vocabularySize, "rows outside the vocabulary")
        var values = [Float](repeating: 0, count: range.count * width)
        try values.withUnsafeMutableBufferPointer { try reader(range, $0.baseAddress!) }
        return values
    }

    /// Throws `notFinite` naming the first infinite or NaN weight of row `token`.
    static func checkFinite(_ row: UnsafeBufferPointer<Float>, token: Int) throws(ProbabilityFloorError) {
        if let j = row.firstIndex(where: { !$0.isFinite }) { throw .notFinite("unembedding row \(token), column \(j) = \(row[j])") }
    }
}

/// Why a floor could not be computed.
public enum ProbabilityFloorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The head's parts do not fit together.
    case invalidHead(String)
    /// A weight is infinite or NaN.
    case notFinite(String)
    /// The interval precision is outside 64…4096 bits.
    case invalidPrecision(Int)

    public var description: String {
        switch self {
        case .invalidHead(let reason): "invalid output head: \(reason)"
        case .notFinite(let what): "a weight is not finite: \(what)"
        case .invalidPrecision(let bits): "precision must be in 64…4096 bits, got \(bits)"
        }
    }
}

/// A certified floor ε_model ≤ p(v | any prefix) for every token v and every input of every
/// length, from an ``OutputHead`` alone (Proofs/model-floor.md).
///
/// The normalised vector n satisfies ‖n‖₂ < √d (and Σ n_j = 0 for LayerNorm), so each logit
/// difference is bounded: z_u − z_v ≤ D_uv = c_u − c_v + √d·‖P(g ⊙ (W_u − W_v))‖₂ with
/// c_u = W_u · β + b_u, g the gain, β the norm's bias and P the projection onto mean-zero
/// vectors (the identity for RMSNorm). Hence p(v) = 1/(1 + Σ_{u≠v} e^{z_u − z_v}) ≥ B_v, and
/// ε_model = min_v B_v. Two forms of B_v, by the vocabulary's size:
/// - ``Method/pairwise``: B_v = 1/(1 + Σ_{u≠v} e^{D_uv}) with every D_uv enclosed (small
///   vocabularies: V²·d ≤ 2^22, such as the copy Transformer's three tokens).
/// - ``Method/perLogit``: each logit alone lies in [lo_u, hi_u] = [c_u − r_u, c_u + r_u] with
///   r_u = √d·‖P(g ⊙ W_u)‖₂, and B_v = 1/(1 + e^{−lo_v} Σ_{u≠v} e^{hi_u}) (Gemma's 262,144
///   tokens). A soft cap maps the interval through c·tanh(·/c), which is increasing.
///
/// ``floor`` is an MPFI enclosure of ε_model; its lower end is the certified floor.
public struct ProbabilityFloor: Sendable {
    /// How the logit differences are bounded.
    public enum Method: String, Sendable, CaseIterable {
        /// Every pair of tokens bounded together.
        case pairwise
        /// Every logit bounded alone.
        case perLogit = "per-logit"
    }

    /// Enclosure of ε_model; the lower end is the floor (certified, rounded outward).
    public let floor: Interval
    /// Enclosure of −log ε_model (its upper end bounds −log p(v | any prefix)).
    public let negativeLog: Interval
    /// A token whose bound B_v has the smallest lower end: the least favoured token the bound sees.
    public let token: Int
    /// How the bound was formed.
    public let method: Method
    /// An upper bound on |z_v| over every token and every input: no logit leaves [−reach, reach].
    public let logitReach: Double
    /// The slack the float32 forward pass may need, in nats: the observed log p(v) of a float32
    /// model is at least log ε_model − ``float32Slack`` (a first-order rounding bound, for
    /// LayerNorm inputs whose mean is within d standard deviations of zero; see the proof).
    public let float32Slack: Double
    /// Width and vocabulary of the head.
    public let width: Int, vocabularySize: Int

    /// Vocabularies with V²·d at most this are bounded pair by pair.
    public static let pairwiseBudget = 1 << 22
    /// In the per-logit form, tokens whose logit can come within this many nats (plus log V) of
    /// the second largest are enclosed one by one; the others are bounded together, and add at
    /// most e^−64 of any sum they join.
    static let topWindow = 64.0

    /// Computes the floor of `head` with `precision`-bit intervals (64…4096), rows split over
    /// `threads` threads.
    public init(head: OutputHead, precision: Int = 128, threads: Int = 1) throws {
        guard (64...4096).contains(precision) else { throw ProbabilityFloorError.invalidPrecision(precision) }
        let d = head.width, V = head.vocabularySize
        width = d
        vocabularySize = V
        let rows = try RowBounds(head: head, precision: precision, threads: max(1, threads))
        logitReach = rows.reach
        // First order: each logit moves by at most ρ·M_u, so log p by at most 2ρ·max M_u.
        let rho = head.normalisation.centres ? Double((d + 1) * (d + 3)) * 0x1p-24 : Double(3 * d + 16) * 0x1p-24
        float32Slack = 2 * rho * rows.largestMagnitude
        let result: (floor: Interval, token: Int)
        if V <= 1 << 11 && V * V <= Self.pairwiseBudget / d {
            method = .pairwise
            result = try Self.pairwise(head: head, rows: rows, precision: precision)
        } else {
            method = .perLogit
            result = try Self.perLogit(rows: rows, precision: precision)
        }
        floor = result.floor
        token = result.token
        negativeLog = -Interval.log(result.floor)
    }

    /// The pairwise form: B_v = 1/(1 + Σ_{u≠v} e^{D′_uv}), every D_uv enclosed in MPFI.
    private static func pairwise(head: OutputHead, rows: RowBounds, precision: Int) throws -> (floor: Interval, token: Int) {
        let V = head.vocabularySize, d = head.width
        let w = try head.unembeddingRows(0..<V)
        let one = try Interval(1, precision: precision)
        // The centres c_u, exactly enclosed.
        let centres = try (0..<V).map { u in try centre(head: head, row: Array(w[(u * d)..<((u + 1) * d)]), token: u, precision: precision) }
        // Radii R_uv = √d‖P(g ⊙ (W_u − W_v))‖₂, symmetric in u and v.
        var radius = [[Interval?]](repeating: [Interval?](repeating: nil, count: V), count: V)
        for u in 0..<V {
            for v in (u + 1)..<max(u + 1, V) {
                let difference = try (0..<d).map { j in try Interval(Double(w[u * d + j]), precision: precision) - Interval(Double(w[v * d + j]), precision: precision) }
                let r = try Self.radius(differences: difference, normalisation: head.normalisation, precision: precision)
                radius[u][v] = r
                radius[v][u] = r
            }
        }
        var candidates: [(floor: Interval, token: Int)] = []
        for v in 0..<V {
            var sum = try Interval(0, precision: precision)
            for u in 0..<V where u != v {
                var bound = centres[u] - centres[v] + radius[u][v]!
                if head.softcap != nil {
                    // cap is increasing and 1-Lipschitz: cap(z_u) − cap(z_v) ≤ max(z_u − z_v, 0),
                    // and never more than cap(hi_u) − cap(lo_v).
                    let reach = try rows.high(u, precision: precision) - rows.low(v, precision: precision)
                    let zero = try BigFloat(0, precision: precision)
                    bound = try Interval(lower: min(max(bound.lower, zero), reach.lower),
                                         upper: min(max(bound.upper, zero), reach.upper), precision: precision)
                }
                sum += Interval.exp(bound)
            }
            candidates.append((one / (one + sum), v))
        }
        return try smallest(candidates, precision: precision)
    }

    /// [min of the lower ends, min of the upper ends] encloses the minimum of the bounds; the
    /// token is the one with the smallest lower end.
    private static func smallest(_ candidates: [(floor: Interval, token: Int)], precision: Int) throws -> (floor: Interval, token: Int) {
        let lowest = candidates.min { $0.floor.lower < $1.floor.lower }!
        let upper = candidates.map(\.floor.upper).min()!
        return (try Interval(lower: lowest.floor.lower, upper: upper, precision: precision), lowest.token)
    }

    /// The per-logit form: B_v = 1/(1 + e^{−lo_v} Σ_{u≠v} e^{hi_u}). Tokens whose hi can come
    /// within `topWindow` of the largest are enclosed one by one (sums without v from prefix
    /// and suffix sums, so no term is subtracted); the others' e^{hi} are bounded together, and
    /// their B_v all from below by the one with the smallest lo.
    private static func perLogit(rows: RowBounds, precision: Int) throws -> (floor: Interval, token: Int) {
        let V = rows.count
        // Every Σ_{u≠v} e^{hi_u} holds a term at least e^{second largest hi}; the tail's m terms
        // below e^{cut} then add at most e^{−topWindow} of it.
        let (first, second) = rows.highUpper.reduce((-Double.infinity, -Double.infinity)) { best, x in
            x > best.0 ? (x, best.0) : (best.0, Swift.max(best.1, x))
        }
        let cut = (V > 1 ? second : first) - topWindow - 0.7 * Double(V.bitWidth - V.leadingZeroBitCount)  // 0.7·bits ≥ log V
        let members = (0..<V).filter { rows.highUpper[$0] >= cut }
        let others = (0..<V).filter { rows.highUpper[$0] < cut }
        let zero = try Interval(0, precision: precision), one = try Interval(1, precision: precision)
        // The others' Σ e^{hi_u} ∈ [0, m·e^{max hi}].
        var tail = zero
        if let largest = others.map({ rows.highUpper[$0] }).max() {
            let bound = Interval.exp(try Interval(largest, precision: precision)) * others.count
            tail = try Interval(lower: zero.lower, upper: bound.upper, precision: precision)
        }
        let terms = try members.map { Interval.exp(try rows.high($0, precision: precision)) }
        var prefix = [zero]
        for t in terms { prefix.append(prefix.last! + t) }
        var suffix = [zero]
        for t in terms.reversed() { suffix.append(suffix.last! + t) }
        var candidates: [(floor: Interval, token: Int)] = []
        for (i, v) in members.enumerated() {
            let without = prefix[i] + suffix[terms.count - 1 - i] + tail
            candidates.append((one / (one + Interval.exp(-(try rows.low(v, precision: precision))) * without), v))
        }
        if let v = others.min(by: { rows.lowLower[$0] < rows.lowLower[$1] }) {
            // Every other token w has lo_w ≥ lo_v's lower end and Σ_{u≠w} e^{hi_u} ≤ the whole sum.
            let total = prefix.last! + tail
            let without = try Interval(lower: prefix.last!.lower, upper: total.upper, precision: precision)
            candidates.append((one / (one + Interval.exp(-(try rows.low(v, precision: precision))) * without), v))
        }
        return try smallest(candidates, precision: precision)
    }

    /// c_u = W_u · β + b_u, enclosed.
    static func centre(head: OutputHead, row: [Float], token: Int, precision: Int) throws -> Interval {
        var c = try Interval(Double(head.outputBias?[token] ?? 0), precision: precision)
        if let beta = head.normalisation.bias {
            // A product of two float32 numbers is exact in binary64.
            for j in row.indices where beta[j] != 0 { c += try Interval(Double(row[j]) * Double(beta[j]), precision: precision) }
        }
        return c
    }

    /// √d · ‖P(g ⊙ a)‖₂ for a row (or a difference of rows) `a`, enclosed; P is the projection
    /// onto mean-zero vectors for LayerNorm, the identity for RMSNorm.
    static func radius(differences a: [Interval], normalisation: OutputHead.Normalisation, precision: Int) throws -> Interval {
        let g = normalisation.gain, d = g.count
        let scaled = try a.indices.map { j in a[j] * (try Interval(Double(g[j]), precision: precision)) }
        var centre = try Interval(0, precision: precision)
        if normalisation.centres {
            for x in scaled { centre += x }
            centre = centre / d
        }
        var sum = try Interval(0, precision: precision)
        for x in scaled { sum += (x - centre).squared }  // `squared` of an interval is never negative
        return Interval.sqrt(sum * d)
    }
}

/// Enclosures [lo_u, hi_u] of every logit over all inputs, with binary64 bounds of their ends.
///
/// RMSNorm heads without a soft cap take the binary64 route for r_u (a sum of squares with
/// Higham's error bound; ends stepped outward with `nextUp`/`nextDown`): Gemma's 262,144 rows
/// in well under a second. LayerNorm heads and soft caps go through MPFI row by row
/// (about a microsecond per weight).
struct RowBounds {
    /// Binary64 bounds lo⁻ ≤ lo_u ≤ lo⁺ and hi⁻ ≤ hi_u ≤ hi⁺ with lo_u = cap(c_u − r_u) and
    /// hi_u = cap(c_u + r_u).
    let lowLower: [Double], lowUpper: [Double], highLower: [Double], highUpper: [Double]
    /// max_u max(|lo_u|, |hi_u|), rounded up.
    let reach: Double
    /// max_u M_u with M_u = Σ_j |W_uj β_j| + |b_u| + √d‖g ⊙ W_u‖₂ (approximate, for the slack).
    let largestMagnitude: Double
    var count: Int { lowLower.count }

    /// The enclosure [lo⁻, lo⁺] of lo_u.
    func low(_ u: Int, precision: Int) throws -> Interval {
        try Interval(lower: BigFloat(lowLower[u], precision: precision), upper: BigFloat(lowUpper[u], precision: precision), precision: precision)
    }

    /// The enclosure [hi⁻, hi⁺] of hi_u.
    func high(_ u: Int, precision: Int) throws -> Interval {
        try Interval(lower: BigFloat(highLower[u], precision: precision), upper: BigFloat(highUpper[u], precision: precision), precision: precision)
    }

    /// One row's binary64 bounds lo⁻, lo⁺, hi⁻, hi⁺ and its M.
    struct Ends {
        let lowLower: Double, lowUpper: Double, highLower: Double, highUpper: Double, magnitude: Double
    }

    /// Rows are read in chunks of this many.
    static let chunk = 256

    init(head: OutputHead, precision: Int, threads: Int) throws {
        let V = head.vocabularySize, d = head.width
        let fast = !head.normalisation.centres && head.softcap == nil
        // Per token: lo⁻, lo⁺, hi⁻, hi⁺, M (binary64).
        var ends = [Double](repeating: 0, count: 5 * V)
        let chunks = (V + Self.chunk - 1) / Self.chunk
        let failures = ResultSlots<Bool>(count: chunks)
        ends.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(buffer.baseAddress!)
            parallelFor(chunks, split: .balanced(threads: threads)) { _, range in
                for k in range {
                    let tokens = (k * Self.chunk)..<min((k + 1) * Self.chunk, V)
                    do {
                        let w = try head.unembeddingRows(tokens)
                        for (i, u) in tokens.enumerated() {
                            let e = try w.withUnsafeBufferPointer { p in
                                let row = UnsafeBufferPointer(rebasing: p[(i * d)..<((i + 1) * d)])
                                return fast ? try Self.binary64Ends(head: head, row: row, token: u)
                                            : try Self.multiPrecisionEnds(head: head, row: row, token: u, precision: precision)
                            }
                            (out.pointer + 5 * u).update(from: [e.lowLower, e.lowUpper, e.highLower, e.highUpper, e.magnitude], count: 5)
                        }
                        failures.store(k, true)
                    } catch {
                        failures.fail(k, error)
                    }
                }
            }
        }
        if let error = failures.error { throw error }
        lowLower = (0..<V).map { ends[5 * $0] }
        lowUpper = (0..<V).map { ends[5 * $0 + 1] }
        highLower = (0..<V).map { ends[5 * $0 + 2] }
        highUpper = (0..<V).map { ends[5 * $0 + 3] }
        reach = Swift.max(-lowLower.min()!, highUpper.max()!, 0)
        largestMagnitude = (0..<V).map { ends[5 * $0 + 4] }.max()!
    }

    /// The ends for an RMSNorm row without a soft cap, in binary64.
    ///
    /// Each a_j = g_j·W_uj is exact (a product of two float32 numbers); Kernels'
    /// `squaredScaledNorm` returns ŝ with at most d + 7 roundings per term, so the exact
    /// s = Σ a_j² lies in [ŝ/(1 + γ), ŝ/(1 − γ)], γ = ku/(1 − ku), k = d + 7, u = 2^−53, which
    /// for ku ≤ 1/4 lies in [ŝ(1 − 2ku), ŝ(1 + 2ku)]. Every later operation is rounded to
    /// nearest and then stepped one binary64 number outward (Proofs/model-floor.md).
    /// A row with an infinite or NaN weight makes ŝ infinite or NaN (a finite row's ŝ is below
    /// 2^525), which is how it is caught here.
    static func binary64Ends(head: OutputHead, row: UnsafeBufferPointer<Float>, token: Int) throws -> Ends {
        let g = head.normalisation.gain, d = g.count
        let s = g.withUnsafeBufferPointer { squaredScaledNorm($0.baseAddress!, row.baseAddress!, d) }
        if !s.isFinite { try OutputHead.checkFinite(row, token: token) }
        let f = Double(d + 7) * 0x1p-52  // 2ku, exact
        let sHigh = (s * (1 + f)).nextUp, sLow = Swift.max(0, (s * (1 - f)).nextDown)
        let rHigh = (Double(d) * sHigh).nextUp.squareRoot().nextUp
        let rLow = Swift.max(0, (Double(d) * sLow).nextDown.squareRoot().nextDown)
        let c = Double(head.outputBias?[token] ?? 0)  // exact
        return Ends(lowLower: (c - rHigh).nextDown, lowUpper: (c - rLow).nextUp, highLower: (c + rLow).nextDown,
                    highUpper: (c + rHigh).nextUp, magnitude: (Swift.abs(c) + rHigh) * (1 + 0x1p-40))
    }

    /// The ends for any row, from MPFI enclosures (LayerNorm, soft caps).
    static func multiPrecisionEnds(head: OutputHead, row: UnsafeBufferPointer<Float>, token: Int, precision: Int) throws -> Ends {
        try OutputHead.checkFinite(row, token: token)
        let row = Array(row)
        let c = try ProbabilityFloor.centre(head: head, row: row, token: token, precision: precision)
        let r = try ProbabilityFloor.radius(differences: row.map { try Interval(Double($0), precision: precision) },
                                            normalisation: head.normalisation, precision: precision)
        var low = c - r, high = c + r
        if let cap = head.softcap {
            low = try softcapped(low, cap: cap)
            high = try softcapped(high, cap: cap)
        }
        // M: the unprojected norm, and Σ|W β|, in binary64 with a margin (it only sizes the slack).
        let g = head.normalisation.gain, beta = head.normalisation.bias
        var plain = 0.0, offsets = Swift.abs(Double(head.outputBias?[token] ?? 0))
        for j in row.indices {
            let a = Double(g[j]) * Double(row[j])
            plain += a * a
            if let beta { offsets += Swift.abs(Double(row[j]) * Double(beta[j])) }
        }
        let magnitude = (offsets + (Double(row.count) * plain).squareRoot()) * (1 + 0x1p-40)
        return Ends(lowLower: low.lower.double(rounding: .down), lowUpper: low.upper.double(rounding: .up),
                    highLower: high.lower.double(rounding: .down), highUpper: high.upper.double(rounding: .up), magnitude: magnitude)
    }

    /// c·tanh(z/c) = c·(1 − 2/(e^{2z/c} + 1)), enclosed (z appears once, so the enclosure is as
    /// tight as its operations).
    static func softcapped(_ z: Interval, cap: Float) throws -> Interval {
        let c = try Interval(Double(cap), precision: z.precision)
        return c * (1 - 2 / (Interval.exp(z * 2 / c) + 1))
    }
}
