import RealModule
import Kernels

/// Sampling at temperature θ on the copy task, measured two ways: exact path probabilities from
/// the model's own distributions, and seeded Monte Carlo; beside them the bounds of Remark 3.5
/// and Prop. 3.6.
public struct SamplingMeasurement: Sendable {
    public let length: Int
    public let theta: Double
    public let samples: Int
    /// Monte Carlo rate of emitting α_N exactly when asked to copy α_N.
    public let copyRate: Double
    /// The exact probability Π_k T_θ(α_N| α_<k)(α_k) of that event.
    public let copyExact: Double
    /// γ′: the largest tempered probability of missing α_k along α's path.
    public let gammaPrime: Double
    /// (1 − γ′)^N, a lower bound of ``copyExact``.
    public let copyLowerBound: Double
    /// 1 − Nγ′, Boole's lower bound of ``copyExact`` (Remark 3.5).
    public let booleLowerBound: Double
    /// Monte Carlo rate of emitting α_N when asked to copy β_N.
    public let alphaForBetaRate: Double
    /// The exact probability of emitting α_N for β_N.
    public let alphaForBetaExact: Double
    /// ϵ: the largest L∞ distance between the tempered distributions after α_N| and β_N| along α's outputs.
    public let epsilon: Double
    /// 1 − N(γ′ + ϵ), Prop. 3.6's lower bound of ``alphaForBetaExact``.
    public let propositionLowerBound: Double
}

/// Measures sampling at temperature `theta` for α_N = 0…0 and β_N = 0…01.
public func samplingMeasurement<M: LanguageModel>(
    model: inout M, prompting: some CopyPrompting, length n: Int, theta: Double, samples: Int, seed: UInt64
) throws -> SamplingMeasurement {
    guard n >= 1 else { throw WitnessError.invalidLength(n, maximum: nil) }
    let alpha = Array(repeating: 0, count: n)
    var beta = alpha
    beta[n - 1] = 1
    let (zero, one) = prompting.bitTokens
    let alphaTokens = alpha.map { $0 == 0 ? zero : one }
    func tempered(_ logits: [Float]) -> [Double] { softmaxDouble(logits.map { $0 / Float(theta) }) }

    // Exact path probabilities along α's outputs, for both prompts, and for each position the
    // draws u that sample α's token (see `SampledToken`).
    let alphaPrompt = try prompting.prompt(for: alpha), betaPrompt = try prompting.prompt(for: beta)
    var copyExact = 1.0, alphaForBeta = 1.0, gammaPrime = 0.0, epsilon = 0.0
    var pDistributions: [[Double]] = []
    var alphaDraws: [SampledToken] = [], betaDraws: [SampledToken] = []
    // Each prompt followed by α's tokens is one batched pass (the model's logits after every
    // prefix), not n decoding steps.
    func alongAlpha(after prompt: [Int], _ visit: (_ k: Int, _ distribution: [Double]) -> Void) throws {
        var next = 0
        try model.logits(after: prompt, continuedBy: alphaTokens, chunk: 64) { first, rows in
            guard first == next else {
                throw WitnessError.badLogits(position: next + 1, reason: "the model handed over row \(first) when row \(next) was due")
            }
            for row in rows { visit(next, tempered(row)); next += 1 }
            return next < n
        }
        guard next == n else { throw WitnessError.badLogits(position: next + 1, reason: "the model handed over \(next) of \(n) rows") }
    }
    try alongAlpha(after: alphaPrompt) { k, p in
        pDistributions.append(p)
        alphaDraws.append(SampledToken(alphaTokens[k], in: p))
        copyExact *= p[alphaTokens[k]]
        gammaPrime = Swift.max(gammaPrime, 1 - p[alphaTokens[k]])
    }
    try alongAlpha(after: betaPrompt) { k, q in
        betaDraws.append(SampledToken(alphaTokens[k], in: q))
        alphaForBeta *= q[alphaTokens[k]]
        epsilon = Swift.max(epsilon, zip(pDistributions[k], q).map { abs($0 - $1) }.max() ?? 0)
    }

    // Monte Carlo: sample from the tempered full-vocabulary distribution; stop at the first miss.
    // A sample that has not missed has fed the model exactly α's tokens, so its distribution at
    // step k is the one computed above: each draw is decided from the stored bounds, with no
    // model call (the same draws and outcomes as sampling through the model step by step).
    var generator = SplitMix64(seed: seed ^ UInt64(n) &* 0x9E37 ^ UInt64(theta * 1000))
    func rate(_ draws: [SampledToken]) -> Double {
        var hits = 0
        for _ in 0..<samples {
            var ok = true
            for step in draws {
                let u = Double(generator.next() >> 11) * 0x1p-53
                if !step.isSampled(by: u) { ok = false; break }
            }
            if ok { hits += 1 }
        }
        return Double(hits) / Double(samples)
    }
    let copyRate = rate(alphaDraws)
    let alphaForBetaRate = rate(betaDraws)
    let N = Double(n)
    return SamplingMeasurement(
        length: n, theta: theta, samples: samples, copyRate: copyRate, copyExact: copyExact, gammaPrime: gammaPrime,
        copyLowerBound: Double.pow(1 - gammaPrime, n), booleLowerBound: 1 - N * gammaPrime,
        alphaForBetaRate: alphaForBetaRate, alphaForBetaExact: alphaForBeta, epsilon: epsilon,
        propositionLowerBound: 1 - N * (gammaPrime + epsilon))
}

/// When inverse-CDF sampling from a distribution p draws `token`: the sampler takes the first i
/// with u < acc_i, where acc_i = p_0 + … + p_i is accumulated left to right in double precision
/// (the last token if none), so it returns `token` exactly when acc_(token−1) ≤ u (or token is
/// the first) and u < acc_token (or token is the last). The bounds are those same accumulated
/// sums, so the decision is bit-for-bit the sampler's.
struct SampledToken {
    /// acc_(token−1), or −∞ for the first token.
    let lower: Double
    /// acc_token, or +∞ for the last token.
    let upper: Double

    init(_ token: Int, in p: [Double]) {
        var acc = 0.0, before = -Double.infinity
        for i in 0..<token { acc += p[i] }
        if token > 0 { before = acc }
        lower = before
        upper = token == p.count - 1 ? .infinity : acc + p[token]
    }

    /// Whether the draw u ∈ [0, 1) samples the token.
    func isSampled(by u: Double) -> Bool { u >= lower && u < upper }
}
