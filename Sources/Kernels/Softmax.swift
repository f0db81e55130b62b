// Softmax in the forms the package needs. Each function fixes its arithmetic (the order of
// the sums, which exp, which precision), because results computed elsewhere are compared
// bit for bit with it; do not "improve" one without checking every caller.

import RealModule

/// Which exponential ``softmaxRow(_:into:count:exp:)`` uses.
public enum RowExp: Sendable {
    /// The C library's exp (`S.exp`): correctly rounded in practice.
    case exact
    /// ``NetworkScalar/expInPlace(_:count:)``: ``fastExp(_:)`` for `Float` (vectorised), the
    /// C library's exp for `Double`.
    case vectorised
}

/// The max-shifted softmax of `x[0..<count]` written into `y[0..<count]` (`y` may be `x`):
/// y = exp(x − max) / Σ exp(x − max), the sum taken in index order. Returns the maximum and
/// the sum, from which log Σ exp(x) = max + log(sum). `count` must be at least 1.
@inlinable @inline(__always)
@discardableResult
public func softmaxRow<S: NetworkScalar>(
    _ x: UnsafePointer<S>, into y: UnsafeMutablePointer<S>, count: Int, exp kind: RowExp
) -> (max: S, sum: S) {
    var mx = x[0]
    var i = 1
    while i < count {
        if x[i] > mx { mx = x[i] }
        i += 1
    }
    var sum: S = 0
    switch kind {
    case .exact:
        for j in 0..<count {
            y[j] = S.exp(x[j] - mx)
            sum += y[j]
        }
    case .vectorised:
        for j in 0..<count { y[j] = x[j] - mx }
        S.expInPlace(y, count: count)
        for j in 0..<count { sum += y[j] }
    }
    let inv = 1 / sum
    for j in 0..<count { y[j] *= inv }
    return (mx, sum)
}

/// Float32 softmax with max-shift, as a float32 model's own arithmetic computes it: exp in
/// float32, the sum accumulated left to right in float32, then each term divided by it.
public func softmax(_ logits: [Float]) -> [Float] {
    let top = logits.max() ?? 0
    var exps = logits.map { Float.exp($0 - top) }
    let total = exps.reduce(0, +)
    for i in exps.indices { exps[i] /= total }
    return exps
}

/// Softmax in double precision from float32 logits (max-shifted; the sum accumulated left to
/// right, then each term divided by it).
public func softmaxDouble(_ logits: [Float]) -> [Double] {
    let top = Double(logits.max() ?? 0)
    var exps = logits.map { Double.exp(Double($0) - top) }
    let total = exps.reduce(0, +)
    for i in exps.indices { exps[i] /= total }
    return exps
}

/// Log-softmax of float32 logits (natural logarithm), computed stably: the max-shifted
/// exponentials in float32 summed in double, log-sum-exp rounded back to float32, and each
/// logit minus it.
public func logSoftmax(_ logits: [Float]) -> [Float] {
    let m = logits.max() ?? 0
    var sum: Double = 0
    for l in logits { sum += Double(Float.exp(l - m)) }
    let lse = m + Float(Double.log(sum))
    return logits.map { $0 - lse }
}
