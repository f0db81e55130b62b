import Experiments
import Foundation
import Gemma
import Kernels
import MultiPrecision
import PropertyBased
import PropertyTesting
import Testing
import Transformer
import Witnesses

/// The model floor against an independent recomputation (scripts/make_floor_fixtures.py, numpy
/// float64 on the same weights), on the Transformer's and Gemma's heads, and against the
/// probabilities real models give on random inputs.
@Suite struct ModelFloorTests {
    struct Fixture: Decodable {
        struct Head: Decodable {
            let name, norm, method: String
            let vocabulary_size, width, token: Int
            let seed: UInt64
            let gain: [Double]
            let bias_scale, unembedding_scale, negative_log_epsilon, tolerance: Double
            let output_bias_scale, softcap: Double?
        }
        struct GemmaFloor: Decodable {
            let negative_log_epsilon, tolerance: Double
            let token, vocabulary_size, width: Int
            let sha256: String
        }
        let heads: [Head]
        let gemma: GemmaFloor?
    }

    static let fixture: Fixture? = {
        guard let url = Bundle.module.url(forResource: "Fixtures/model_floor", withExtension: "json"),
              let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(Fixture.self, from: data)
    }()

    /// The weights of a fixture head, drawn as the script draws them: one SplitMix64 stream,
    /// gain, bias (LayerNorm), unembedding, output bias; offset + scale·((⌊z/2^40⌋ − 2^23)/2^23)
    /// in binary64, then rounded to float32.
    static func weights(_ h: Fixture.Head) -> (gain: [Float], bias: [Float]?, w: [Float], outputBias: [Float]?) {
        var rng = SplitMix64(seed: h.seed)
        func take(_ count: Int, _ offset: Double, _ scale: Double) -> [Float] {
            (0..<count).map { _ in Float(offset + scale * (Double(Int64(rng.next() >> 40) - (1 << 23)) / 8_388_608)) }
        }
        let gain = take(h.width, h.gain[0], h.gain[1])
        let bias = h.norm == "layer" ? take(h.width, 0, h.bias_scale) : nil
        let w = take(h.vocabulary_size * h.width, 0, h.unembedding_scale)
        let outputBias = h.output_bias_scale.map { take(h.vocabulary_size, 0, $0) }
        return (gain, bias, w, outputBias)
    }

    static func head(_ h: Fixture.Head) throws -> OutputHead {
        let (gain, bias, w, outputBias) = weights(h)
        return try OutputHead(normalisation: bias.map { .layerNorm(gain: gain, bias: $0) } ?? .rmsNorm(gain: gain), unembedding: w,
                              outputBias: outputBias, softcap: h.softcap.map(Float.init))
    }

    /// The script's value lies in the enclosure, widened by the float64 computation's own error.
    static func agrees(_ floor: ProbabilityFloor, _ value: Double, tolerance: Double) -> Bool {
        floor.negativeLog.lower.double(rounding: .down) - tolerance <= value && value <= floor.negativeLog.upper.double(rounding: .up) + tolerance
    }

    @Test("every fixture head's certified −log ε_model contains numpy's float64 value (both bounds, every norm, bias and soft cap)")
    func fixtureHeads() throws {
        let fixture = try #require(Self.fixture)
        #expect(fixture.heads.count == 6)
        for h in fixture.heads {
            let floor = try ProbabilityFloor(head: Self.head(h), threads: 2)
            #expect(floor.method.rawValue == h.method, "\(h.name)")
            #expect(floor.token == h.token, "\(h.name)")
            #expect(Self.agrees(floor, h.negative_log_epsilon, tolerance: h.tolerance),
                    "\(h.name): \(floor.negativeLog) against numpy's \(h.negative_log_epsilon) ± \(h.tolerance)")
            // The enclosure is tight: far narrower than the quantity.
            #expect(floor.negativeLog.width.double(rounding: .up) < 1e-8 * max(1, h.negative_log_epsilon), "\(h.name): \(floor.negativeLog)")
        }
    }

    @Test("a Transformer's head is its final norm and head.weight, or tok_emb.weight when tied")
    func transformerHead() throws {
        let fixture = try #require(Self.fixture)
        for (name, norm, tied) in [("layer-pairwise", NormKind.layer, false), ("rms-pairwise", NormKind.rms, true)] {
            let h = try #require(fixture.heads.first { $0.name == name })
            let config = TransformerConfig(vocabSize: h.vocabulary_size, dModel: h.width, heads: 2, layers: 1, mlpHidden: 8, norm: norm, tiedHead: tied)
            var model = try TransformerModel(config: config, seed: 3)
            let (gain, bias, w, _) = Self.weights(h)
            var p = model.parameters
            for t in model.layout.tensors {
                let values: [Float]? = switch t.name {
                case "norm_f.weight": gain
                case "norm_f.bias": bias
                case "head.weight" where !tied, "tok_emb.weight" where tied: w
                default: nil
                }
                if let values { p.replaceSubrange(t.offset..<(t.offset + t.count), with: values) }
            }
            model.parameters = p
            let floor = try ProbabilityFloor(head: OutputHead(transformer: model))
            #expect(Self.agrees(floor, h.negative_log_epsilon, tolerance: h.tolerance), "\(name): \(floor.negativeLog) against \(h.negative_log_epsilon)")
        }
    }

    @Test("random Transformers on random inputs of random lengths: every next-token probability stays above the floor (minus the float32 slack)")
    func randomTransformers() async {
        await seededCheck(count: 16, input: Gen.int(in: 0...Int.max)) { seed in
            var rng = SplitMix64(seed: UInt64(seed))
            let position = PositionScheme.allCases.randomElement(using: &rng)!
            let config = TransformerConfig(
                vocabSize: Int.random(in: 3...6, using: &rng), dModel: [8, 16].randomElement(using: &rng)!, heads: 2,
                layers: Int.random(in: 0...2, using: &rng), mlpHidden: 16, position: position,
                norm: NormKind.allCases.randomElement(using: &rng)!, tiedHead: Bool.random(using: &rng), maxPositions: 48)
            var model = try TransformerModel(config: config, seed: UInt64(seed))
            // Weights far from initialisation (gains and biases too), some large, so that
            // probabilities get small and the bound has something to hold.
            let spread = Double.random(in: 0.5...4, using: &rng)
            model.parameters = model.parameters.map { $0 + Float(spread * Double.random(in: -1...1, using: &rng)) }
            let floor = try ProbabilityFloor(head: OutputHead(transformer: model))
            let limit = floor.negativeLog.upper.double(rounding: .up) + floor.float32Slack
            var session = DecodingSession(model: model)
            let tokens = (0..<Int.random(in: 1...40, using: &rng)).map { _ in Int.random(in: 0..<config.vocabSize, using: &rng) }
            var worst = 0.0
            for row in try session.logitsAtEveryPosition(appending: tokens) {
                let z = row.map(Double.init), top = z.max()!
                let normaliser = top + log(z.reduce(0) { $0 + exp($1 - top) })
                worst = max(worst, normaliser - z.min()!)
            }
            #expect(worst <= limit, "observed −log p = \(worst) beyond −log ε = \(floor.negativeLog) + slack \(floor.float32Slack)")
        }
    }

    @Test("Gemma 3 270M: the floor from its weights contains numpy's value, and a few random inputs stay above it",
          .enabled(if: batchedCopyGemma != nil, Comment(rawValue: "Gemma 3 270M is absent: run `perplexed model fetch gemma3-270m` (or set PERPLEXED_GEMMA_GGUF)")))
    func gemma() throws {
        let model = try #require(batchedCopyGemma)
        let expected = try #require(Self.fixture?.gemma)
        let report = try ModelFloorReport.run(.gemma(path: model.path), threads: 2)
        let floor = report.floor
        #expect(floor.method == .perLogit && floor.vocabularySize == expected.vocabulary_size && floor.width == expected.width)
        #expect(Self.agrees(floor, expected.negative_log_epsilon, tolerance: expected.tolerance),
                "\(floor.negativeLog) against numpy's \(expected.negative_log_epsilon) ± \(expected.tolerance)")
        let limit = floor.negativeLog.upper.double(rounding: .up) + floor.float32Slack
        var rng = SplitMix64(seed: 0x6E4D)
        var worst = 0.0
        for _ in 0..<3 {
            var cache = model.newCache()
            let tokens = (0..<Int.random(in: 1...12, using: &rng)).map { _ in Int.random(in: 0..<model.configuration.vocabularySize, using: &rng) }
            let z = try model.logits(appending: tokens, to: &cache).map(Double.init), top = z.max()!
            worst = max(worst, top + log(z.reduce(0) { $0 + exp($1 - top) }) - z.min()!)
        }
        print("Gemma 3 270M: largest −log p seen on random inputs \(worst); −log ε_model \(floor.negativeLog)")
        #expect(worst <= limit)
    }
}
