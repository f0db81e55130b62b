import Foundation
import Testing
import Gemma
import Kernels
import Transformer
import Witnesses
@testable import Experiments

/// Forwards to `inner` and counts how it is called: batched draft passes and single steps.
struct CountingModel<Inner: LanguageModel>: LanguageModel {
    var inner: Inner
    var passes = 0
    var steps = 0

    var vocabularySize: Int { inner.vocabularySize }

    mutating func logits(after prefix: [Int]) throws -> [Float] {
        steps += 1
        return try inner.logits(after: prefix)
    }

    mutating func logits(
        after prefix: [Int], continuedBy draft: [Int], chunk: Int,
        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool
    ) throws {
        passes += 1
        try inner.logits(after: prefix, continuedBy: draft, chunk: chunk, consume)
    }
}

/// A copier whose errors are chosen: at copy position k it reads b_k from the prompt
/// (bits + `|`) and puts logit 1 on b_k, or on the other bit when k is in `wrong`, and −1 on the
/// rest. It implements only `logits(after:)`, so batched copies go through the protocol's
/// step-by-step default.
struct ScriptedCopier: LanguageModel {
    let wrong: Set<Int>
    var vocabularySize: Int { 3 }

    func logits(after prefix: [Int]) throws -> [Float] {
        let bits = prefix.prefix { $0 != 2 }
        let k = prefix.count - bits.count - 1
        let emitted = bits[k] ^ (wrong.contains(k) ? 1 : 0)
        return (0..<3).map { $0 == emitted ? 1 : -1 }
    }
}

/// Largest |a − b| over two copies' logits (both must have the same shape).
func largestLogitDifference(_ a: GreedyCopy, _ b: GreedyCopy) -> Float {
    zip(a.logits, b.logits).map { zip($0, $1).map { abs($0 - $1) }.max() ?? 0 }.max() ?? 0
}

/// The positions where a copy's output differs from its target before the last one: each
/// costs the batched copy one more pass.
func extraPasses(_ copy: GreedyCopy) -> Int {
    zip(copy.output, copy.target).dropLast().filter { $0 != $1 }.count
}

@Suite struct BatchedCopyTests {
    @Test("k wrong bits before the last cost k + 1 passes, and the copy equals the step-by-step one")
    func passCount() throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("BatchedCopyTests.passCount seed \(seed)")
        var generator = SplitMix64(seed: seed)
        for _ in 0..<20 {
            let n = Int.random(in: 1...40, using: &generator)
            let bits = (0..<n).map { _ in Int.random(in: 0...1, using: &generator) }
            let wrong = Set((0..<n).filter { _ in Int.random(in: 0..<6, using: &generator) == 0 })
            var model = CountingModel(inner: ScriptedCopier(wrong: wrong))
            let batched = try greedyCopy(bits, model: &model, prompting: BitCopyPrompting(), chunk: Int.random(in: 1...8, using: &generator))
            var reference = ScriptedCopier(wrong: wrong)
            let stepwise = try greedyCopyStepwise(bits, model: &reference, prompting: BitCopyPrompting())
            // The scripted errors, in closed form.
            #expect(batched.output == bits.indices.map { bits[$0] ^ (wrong.contains($0) ? 1 : 0) }, "seed \(seed)")
            #expect(model.passes == 1 + wrong.filter { $0 < n - 1 }.count, "seed \(seed), n \(n), wrong \(wrong.sorted())")
            #expect(batched.logits == stepwise.logits && batched.targetProbability == stepwise.targetProbability, "seed \(seed)")
        }
    }

    @Test("a model that hands over no rows, or rows out of order, is an error, not a hang")
    func misbehavingModels() throws {
        struct Silent: LanguageModel {
            let skip: Int
            var vocabularySize: Int { 3 }
            func logits(after prefix: [Int]) throws -> [Float] { [1, 0, 0] }
            func logits(after prefix: [Int], continuedBy draft: [Int], chunk: Int,
                        _ consume: (_ first: Int, _ rows: [[Float]]) throws -> Bool) throws {
                if skip > 0 { _ = try consume(skip, [[1, 0, 0]]) }
            }
        }
        for skip in [0, 1] {
            var model = Silent(skip: skip)
            #expect(throws: WitnessError.self) { try greedyCopy([0, 0, 0], model: &model, prompting: BitCopyPrompting()) }
        }
    }

    /// Seeded random weights copy badly: many wrong bits, hence many passes, each rolling the
    /// session back. Tolerance: a pass multiplies several rows at once where a step multiplies
    /// one, so sums may be ordered differently; on logits of size ≲ 10 from 16–32-wide dot
    /// products that is a few float32 ulps (1e-6), far below 1e-4, while a row scored at the
    /// wrong position or after the wrong prefix differs by O(0.1) or more.
    @Test("the batched copy on a copy Transformer equals step-by-step decoding", arguments: [PositionScheme.learned, .rope, .alibi])
    func transformer(_ position: PositionScheme) throws {
        let seed = UInt64.random(in: 0...UInt64.max)
        print("BatchedCopyTests.transformer seed \(seed)")
        var generator = SplitMix64(seed: seed)
        var config = TransformerConfig(dModel: 32, heads: 2, layers: 2, mlpHidden: 64)
        config.position = position
        config.maxPositions = 128
        let model = try TransformerModel(config: config, seed: seed)
        var passes = 0, wrong = 0
        for n in [1, 5, 17, 40] {
            let bits = (0..<n).map { _ in Int.random(in: 0...1, using: &generator) }
            var batchedModel = CountingModel(inner: TransformerLanguageModel(model))
            let batched = try greedyCopy(bits, model: &batchedModel, prompting: BitCopyPrompting(), chunk: 3)
            var stepModel = TransformerLanguageModel(model)
            let stepwise = try greedyCopyStepwise(bits, model: &stepModel, prompting: BitCopyPrompting())
            #expect(batched.output == stepwise.output, "seed \(seed), n \(n)")
            #expect(largestLogitDifference(batched, stepwise) < 1e-4, "seed \(seed), n \(n)")
            #expect(batchedModel.passes == 1 + extraPasses(stepwise), "seed \(seed), n \(n)")
            #expect(batchedModel.steps == 0)
            passes += batchedModel.passes
            wrong += extraPasses(stepwise)
        }
        // The copies must have exercised rolling back: random weights get many bits wrong.
        #expect(wrong >= 3, "seed \(seed): only \(wrong) wrong bits, too few to test rolling back")
        print("BatchedCopyTests.transformer \(position): \(passes) passes for 63 positions, \(wrong) wrong bits")
    }

    /// The same check on the trained tiny copy model, with the session reused across copies
    /// (as a witness reuses it for α and β).
    @Test("one Transformer session serves several batched copies in turn")
    func reusedSession() throws {
        var batchedModel = TransformerLanguageModel(tinyCopyModel)
        var stepModel = TransformerLanguageModel(tinyCopyModel)
        for bits in [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 1], [1, 0, 1, 1, 0, 0], [1, 0, 1]] {
            let batched = try greedyCopy(bits, model: &batchedModel, prompting: BitCopyPrompting(), chunk: 2)
            let stepwise = try greedyCopyStepwise(bits, model: &stepModel, prompting: BitCopyPrompting())
            #expect(batched.output == stepwise.output && largestLogitDifference(batched, stepwise) < 1e-4, "\(bits)")
        }
    }
}

/// Gemma 3 270M, past its 512-token sliding window. Tolerance 1e-3 on logits of size 10–30:
/// the bound the Gemma suite already uses between one prompt pass and token-by-token decoding
/// of the same tokens (`ModelTests.cacheMatchesOnePass`), since a batched copy is exactly that
/// difference: 18 layers of 640-wide float32 products summed in another order.
/// Gemma 3 270M as GemmaTests finds it (`PERPLEXED_GEMMA_GGUF`, else the model store), or nil.
let batchedCopyGemma: GemmaModel? = {
    let path = ProcessInfo.processInfo.environment["PERPLEXED_GEMMA_GGUF"] ?? ModelStore().location(of: .gemma3_270m).path
    return FileManager.default.fileExists(atPath: path) ? try? GemmaModel(path: path) : nil
}()

@Suite(.serialized, .enabled(if: batchedCopyGemma != nil, Comment(rawValue:
    "Gemma 3 270M is absent: run `perplexed model fetch gemma3-270m` (or set PERPLEXED_GEMMA_GGUF)")))
struct BatchedGemmaCopyTests {
    /// Random bits, which Gemma 3 270M copies badly (many passes, rolled back also after the
    /// ring of its local layers has wrapped: at 256 bits the sequence reaches 618 positions),
    /// and the witness's all-zero α, which it copies well (few passes).
    @Test("the batched copy on Gemma 3 equals step-by-step decoding, short and past the window",
          arguments: [(16, true), (256, true), (64, false)])
    func gemma(_ n: Int, random: Bool) throws {
        let gemma = try #require(batchedCopyGemma)
        let prompting = try FewShotCopyPrompting(model: gemma)
        var generator = SplitMix64(seed: 13)
        let bits = (0..<n).map { _ in random ? Int.random(in: 0...1, using: &generator) : 0 }
        let promptLength = try prompting.prompt(for: bits).count
        var batchedModel = CountingModel(inner: GemmaLanguageModel(gemma))
        let batched = try greedyCopy(bits, model: &batchedModel, prompting: prompting)
        var stepModel = GemmaLanguageModel(gemma)
        let stepwise = try greedyCopyStepwise(bits, model: &stepModel, prompting: prompting)
        let worst = largestLogitDifference(batched, stepwise)
        print("BatchedGemmaCopyTests n \(n): prompt \(promptLength) tokens, \(batchedModel.passes) passes, \(extraPasses(stepwise)) wrong bits before the last, largest logit difference \(worst)")
        #expect(n < 256 || promptLength + n > gemma.configuration.slidingWindow + 100)
        #expect(batched.output == stepwise.output)
        #expect(batched.prematureStops == stepwise.prematureStops)
        #expect(worst < 1e-3)
        #expect(batchedModel.passes == 1 + extraPasses(stepwise) && batchedModel.steps == 0)
    }
}
