import Testing
import Kernels
@testable import Witnesses

/// The Monte Carlo of `samplingMeasurement` as it was first written: every sample fed through
/// the model step by step, inverse-CDF sampling over the full tempered distribution. The
/// library now decides each draw from stored bounds without calling the model; this is the
/// reference it must equal exactly.
func stepwiseRate<M: LanguageModel>(model: inout M, prompt: [Int], tokens: [Int], theta: Double, samples: Int,
                                    generator: inout SplitMix64) throws -> Double {
    var hits = 0
    for _ in 0..<samples {
        var fed = prompt, ok = true
        for k in tokens.indices {
            let p = softmaxDouble(try model.logits(after: fed).map { $0 / Float(theta) })
            let u = Double(generator.next() >> 11) * 0x1p-53
            var acc = 0.0, token = p.count - 1
            for (i, pi) in p.enumerated() { acc += pi; if u < acc { token = i; break } }
            if token != tokens[k] { ok = false; break }
            fed.append(token)
        }
        if ok { hits += 1 }
    }
    return Double(hits) / Double(samples)
}

@Suite("Sampling measurement")
struct SamplingMeasurementTests {
    @Test("the Monte Carlo rates equal sampling through the model step by step", arguments: [(4, 0.5), (6, 1.0), (8, 2.0), (5, 8.0)])
    func ratesEqualStepwiseSampling(n: Int, theta: Double) throws {
        var model = MeanModel(c: 2)
        let samples = 400, seed: UInt64 = 9
        let m = try samplingMeasurement(model: &model, prompting: BitCopyPrompting(), length: n, theta: theta, samples: samples, seed: seed)
        let alpha = [Int](repeating: 0, count: n)
        var beta = alpha
        beta[n - 1] = 1
        var generator = SplitMix64(seed: seed ^ UInt64(n) &* 0x9E37 ^ UInt64(theta * 1000))
        var reference = MeanModel(c: 2)
        let copy = try stepwiseRate(model: &reference, prompt: alpha + [2], tokens: alpha, theta: theta, samples: samples, generator: &generator)
        let alphaForBeta = try stepwiseRate(model: &reference, prompt: beta + [2], tokens: alpha, theta: theta, samples: samples, generator: &generator)
        #expect(m.copyRate == copy)
        #expect(m.alphaForBetaRate == alphaForBeta)
        // Not a vacuous equality: at these temperatures some samples miss and some copy.
        #expect(copy > 0 && (copy < 1 || alphaForBeta < 1))
    }

    @Test("a draw samples a token exactly where the accumulated distribution says")
    func sampledTokenBounds() {
        let p = [0.25, 0.5, 0.125, 0.125]
        #expect(SampledToken(0, in: p).isSampled(by: 0))
        #expect(!SampledToken(0, in: p).isSampled(by: 0.25))
        #expect(SampledToken(1, in: p).isSampled(by: 0.25))
        #expect(!SampledToken(1, in: p).isSampled(by: 0.75))
        #expect(SampledToken(3, in: p).isSampled(by: 0.875))
        // The last token also takes draws beyond a total that rounded below 1.
        #expect(SampledToken(3, in: [0.5, 0.25, 0.125, 0.0625]).isSampled(by: 0.99))
    }
}
