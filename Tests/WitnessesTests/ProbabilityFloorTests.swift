import Foundation
import Kernels
import MultiPrecision
import PropertyBased
import PropertyTesting
import Testing
import Witnesses

/// The model floor on output heads alone: closed forms, sharpness, random heads against their
/// own float32 forward pass, and bad input. (The Python recomputation and real models are in
/// ExperimentsTests/ModelFloorTests.swift.)
@Suite struct ProbabilityFloorTests {
    /// The kinds of random head.
    enum Kind: Int, CaseIterable {
        /// Small enough to be bounded pair by pair.
        case pairwise
        /// Too large for that (V²·d > 2^22).
        case perLogit
        /// Two tokens, RMSNorm, no bias, no cap: the floor is the supremum, approached as ‖n‖ → √d.
        case twoTokens
    }

    /// A head of `kind` drawn from `seed`: either norm, gains of either sign, sometimes an output
    /// bias and a soft cap (except for `twoTokens`).
    static func randomHead(seed: UInt64, kind: Kind) throws -> OutputHead {
        var rng = SplitMix64(seed: seed)
        func uniform(_ range: ClosedRange<Double>) -> Float { Float(Double.random(in: range, using: &rng)) }
        let d = kind == .perLogit ? 8 : Int.random(in: 1...24, using: &rng)
        let V = switch kind {
        case .pairwise: Int.random(in: 2...12, using: &rng)
        case .perLogit: Int.random(in: 1100...1400, using: &rng)
        case .twoTokens: 2
        }
        let plain = kind == .twoTokens
        let layer = !plain && Bool.random(using: &rng)
        let gain = (0..<d).map { _ in uniform(-2...2) }
        let normalisation: OutputHead.Normalisation = layer ? .layerNorm(gain: gain, bias: (0..<d).map { _ in uniform(-1...1) }) : .rmsNorm(gain: gain)
        let scale = Double.random(in: 0.1...3, using: &rng)
        let w = (0..<(V * d)).map { _ in uniform(-scale...scale) }
        let bias = !plain && Int.random(in: 0..<3, using: &rng) == 0 ? (0..<V).map { _ in uniform(-2...2) } : nil
        let cap = !plain && Int.random(in: 0..<3, using: &rng) == 0 ? uniform(2...20) : nil
        return try OutputHead(normalisation: normalisation, unembedding: w, outputBias: bias, softcap: cap)
    }

    /// The head's float32 forward pass on a hidden state x, as the models compute it (the
    /// normalisation with eps = 1e-5, float32 products), then log-softmax in Double.
    static func logProbabilities(_ head: OutputHead, unembedding w: [Float], x: [Float]) -> [Double] {
        let d = head.width, g = head.normalisation.gain
        var mean: Float = 0
        if head.normalisation.bias != nil { mean = x.reduce(0, +) / Float(d) }
        let variance = x.reduce(Float(0)) { $0 + ($1 - mean) * ($1 - mean) } / Float(d)
        let rs = 1 / (variance + 1e-5).squareRoot()
        let n = (0..<d).map { j in (x[j] - mean) * rs * g[j] + (head.normalisation.bias?[j] ?? 0) }
        let z: [Double] = (0..<head.vocabularySize).map { v in
            var s: Float = head.outputBias?[v] ?? 0
            for j in 0..<d { s += w[v * d + j] * n[j] }
            if let c = head.softcap { s = c * Float(tanh(Double(s / c))) }
            return Double(s)
        }
        let top = z.max()!
        let log = top + Foundation.log(z.reduce(0) { $0 + exp($1 - top) })
        return z.map { $0 - log }
    }

    @Test("closed forms: two tokens one unit apart give 1/(1 + e^√3) under RMSNorm, 1/(1 + e^√2) under LayerNorm")
    func closedForms() throws {
        let w: [Float] = [0, 0, 0, 1, 0, 0]
        let rms = try ProbabilityFloor(head: OutputHead(normalisation: .rmsNorm(gain: [1, 1, 1]), unembedding: w))
        // With W_1 − W_0 = e_1: RMSNorm allows n = √3·e_1, LayerNorm only its mean-zero part
        // (2/3, −1/3, −1/3)·√3/‖·‖, whose product with e_1 is √3·√(2/3) = √2.
        let layer = try ProbabilityFloor(head: OutputHead(normalisation: .layerNorm(gain: [1, 1, 1], bias: [0, 0, 0]), unembedding: w))
        for (floor, exponent) in [(rms, 3.0.squareRoot()), (layer, 2.0.squareRoot())] {
            #expect(floor.method == .pairwise)
            let expected = 1 / (1 + exp(exponent))
            #expect(abs(floor.floor.doubleMidpoint - expected) < 1e-15 * expected)
            #expect(floor.floor.width.double(rounding: .up) < 1e-30)
            #expect(abs(floor.negativeLog.doubleMidpoint - log(1 + exp(exponent))) < 1e-14)
        }
        // A LayerNorm bias shifts both logits by W_v · β: c_1 − c_0 = β_1 = 0.5.
        let shifted = try ProbabilityFloor(head: OutputHead(normalisation: .layerNorm(gain: [1, 1, 1], bias: [0.5, 0, 0]), unembedding: w))
        #expect(abs(shifted.floor.doubleMidpoint - 1 / (1 + exp(0.5 + 2.0.squareRoot()))) < 1e-15)
    }

    @Test("random heads: no float32 probability on random or worst-case hidden states falls below the floor (minus its slack); two-token floors are sharp")
    func randomHeads() async {
        await seededCheck(count: 60, input: Gen.int(in: 0...Int.max), Gen.int(in: 0...2)) { seed, kindNumber in
            let kind = Kind(rawValue: kindNumber)!
            let head = try Self.randomHead(seed: UInt64(seed), kind: kind)
            let floor = try ProbabilityFloor(head: head, threads: 2)
            #expect(floor.method == (kind == .perLogit ? .perLogit : .pairwise))
            #expect(floor.floor.lower > 0 && floor.floor.upper <= 1)
            let limit = floor.negativeLog.upper.double(rounding: .up) + floor.float32Slack
            let w = try head.unembeddingRows(0..<head.vocabularySize)
            var rng = SplitMix64(seed: UInt64(seed) ^ 0xF100)
            var worst = 0.0
            // Random hidden states, with a common offset (LayerNorm removes it) and scales from tiny to large.
            for _ in 0..<20 {
                let offset = Double.random(in: -5...5, using: &rng), scale = pow(10, Double.random(in: -3...3, using: &rng))
                let x = (0..<head.width).map { _ in Float(offset + scale * Double.random(in: -1...1, using: &rng)) }
                worst = max(worst, -(Self.logProbabilities(head, unembedding: w, x: x).min()!))
            }
            // Worst cases: for the least favoured token v, the direction P(g ⊙ (W_u − W_v)) of
            // every u (of 16 random ones in a large vocabulary).
            let v = floor.token, g = head.normalisation.gain, d = head.width
            let others = head.vocabularySize <= 16 ? Array(0..<head.vocabularySize) : (0..<16).map { _ in Int.random(in: 0..<head.vocabularySize, using: &rng) }
            for u in others where u != v {
                var a = (0..<d).map { j in Double(g[j]) * (Double(w[u * d + j]) - Double(w[v * d + j])) }
                if head.normalisation.bias != nil { let m = a.reduce(0, +) / Double(d); a = a.map { $0 - m } }
                // z_u − z_v = a · n + c_u − c_v, and x ∝ a gives n ∝ P(x) = a at ‖n‖ → √d.
                let x = a.map { Float(1e3 * $0) }
                worst = max(worst, -Self.logProbabilities(head, unembedding: w, x: x)[v])
            }
            #expect(worst <= limit, "observed −log p = \(worst) beyond −log ε = \(floor.negativeLog) + slack \(floor.float32Slack)")
            if kind == .twoTokens {
                // Two tokens, RMSNorm: the supremum is approached in that direction (‖n‖ → √d).
                #expect(worst >= floor.negativeLog.lower.double(rounding: .down) - floor.float32Slack - 1e-6,
                        "the floor \(floor.negativeLog) is not approached: worst observed \(worst)")
            }
        }
    }

    @Test("a float32 head's floor is the same from any number of threads")
    func threads() throws {
        let head = try Self.randomHead(seed: 7, kind: .perLogit)
        let one = try ProbabilityFloor(head: head, threads: 1), two = try ProbabilityFloor(head: head, threads: 2)
        #expect(one.floor.lower == two.floor.lower && one.floor.upper == two.floor.upper && one.token == two.token)
    }

    @Test("bad heads are refused with the reason")
    func badHeads() throws {
        func reason(_ body: () throws -> Void) -> String {
            do { try body(); return "accepted" } catch { return "\(error)" }
        }
        #expect(reason { _ = try OutputHead(normalisation: .rmsNorm(gain: []), unembedding: []) }.contains("gain is empty"))
        #expect(reason { _ = try OutputHead(normalisation: .layerNorm(gain: [1, 1], bias: [0]), unembedding: [1, 2]) }.contains("bias has 1 values but its gain has 2"))
        #expect(reason { _ = try OutputHead(normalisation: .rmsNorm(gain: [1, 1]), unembedding: [1, 2, 3]) }.contains("not a whole number of rows"))
        #expect(reason { _ = try OutputHead(normalisation: .rmsNorm(gain: [1, .nan]), unembedding: [1, 2]) }.contains("gain[1] = nan"))
        #expect(reason { _ = try OutputHead(normalisation: .rmsNorm(gain: [1]), unembedding: [1, 2], softcap: 0) }.contains("soft cap must be finite and > 0"))
        #expect(reason { _ = try OutputHead(normalisation: .rmsNorm(gain: [1]), unembedding: [1, 2], outputBias: [1]) }.contains("output bias has 1 values"))
        let infinite = try OutputHead(normalisation: .rmsNorm(gain: [1, 1]), unembedding: [1, 2, 3, .infinity])
        #expect(reason { _ = try ProbabilityFloor(head: infinite) }.contains("row 1, column 1 = inf"))
        let nan = try OutputHead(normalisation: .layerNorm(gain: [1, 1], bias: [0, 0]), unembedding: [.nan, 2, 3, 4])
        #expect(reason { _ = try ProbabilityFloor(head: nan) }.contains("row 0, column 0 = nan"))
        let fine = try OutputHead(normalisation: .rmsNorm(gain: [1]), unembedding: [1, 2])
        #expect(reason { _ = try ProbabilityFloor(head: fine, precision: 8) }.contains("precision must be in 64…4096"))
    }
}
