import Foundation
import Testing
@testable import Gemma

/// The float32 reference path, loaded once for these tests (1.1 GB).
let float32Model: GemmaModel? = modelPath.flatMap { try? GemmaModel(path: $0, weights: .float32) }

/// The quantised weights (the default, `sharedModel`) against the float32 reference path.
@Suite(.enabled(if: sharedModel != nil && float32Model != nil, Comment(rawValue: skipMessage)))
struct WeightStorageTests {
    let quantised = sharedModel!, reference = float32Model!

    @Test func storageAndSize() throws {
        #expect(quantised.weights == .quantised && reference.weights == .float32)
        // Float32: 4 bytes per weight of the matrices (the tied embedding, and per layer Q, K, V,
        // output, gate, up and down). Quantised: the file's blocks, less than its 253,113,024
        // bytes (the norms, tokenizer and header make up the rest).
        let c = quantised.configuration, d = c.hiddenSize, f = c.intermediateSize
        let q = c.headCount * c.headDimension, kv = c.kvHeadCount * c.headDimension
        let weights = c.vocabularySize * d + c.layerCount * (d * (q + 2 * kv) + q * d + 2 * d * f + f * d)
        #expect(reference.text.matrixBytes == 4 * weights)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: modelPath!)[.size] as? Int)
        #expect(quantised.text.matrixBytes < size && quantised.text.matrixBytes > size * 9 / 10)
    }

    /// Next-token logits after each fixture prompt and after every step of a 16-token greedy
    /// generation. The products differ only in summation order (each within about n·2⁻²⁴ of
    /// Σ|w||x|, see QuantisedKernelsTests), which the 18 layers carry into logits of size 10–30.
    /// Measured: at most 6e-5 apart; the tolerance is 1e-3 absolute.
    @Test func logitsAndGreedyDecodingMatchFloat32() throws {
        let fixture = try load(LogitsFixture.self, "logits.json")
        let tolerance: Float = 1e-3
        var largest: Float = 0
        for c in fixture.cases {
            var a = quantised.newCache(), b = reference.newCache()
            var la = try quantised.logits(appending: c.ids, to: &a), lb = try reference.logits(appending: c.ids, to: &b)
            var generated: [Int] = []
            for _ in 0..<16 {
                let difference = zip(la, lb).map { abs($0 - $1) }.max()!
                largest = max(largest, difference)
                #expect(difference <= tolerance, "\(c.prompt) after \(generated): logits \(difference) apart")
                let next = GemmaModel.argmax(la)
                #expect(next == GemmaModel.argmax(lb), "\(c.prompt) after \(generated)")
                generated.append(next)
                la = try quantised.logits(appending: [next], to: &a)
                lb = try reference.logits(appending: [next], to: &b)
            }
        }
        print("largest logit difference, quantised vs float32: \(largest)")
    }
}
