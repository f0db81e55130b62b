import Foundation
import PropertyTesting
import Testing
import Gemma
import Kernels
import Transformer
@testable import Witnesses
@testable import Experiments

/// Forwards to `inner` and counts how it is called: batched draft passes (with each pass's
/// prefix length and draft) and single steps.
struct CountingModel<Inner: LanguageModel>: LanguageModel {
    var inner: Inner
    var passes = 0
    var steps = 0
    var drafts: [(prefix: Int, draft: [Int])] = []

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
        drafts.append((prefix.count, draft))
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

/// The wrong draft guesses before the last position of a batched copy whose passes `model`
/// recorded, checked against the step-by-step output `reference`: each pass must start right
/// after the previous pass's first wrong guess (prompt of `promptLength` tokens + the bits so
/// far), and only a pass that guessed everything after it right may end the copy. nil when the
/// passes do not chain so (a pass cut short, or one that went on past a wrong guess).
func wrongGuesses<M>(_ model: CountingModel<M>, reference: GreedyCopy, promptLength: Int, bitTokens: (zero: Int, one: Int)) -> Int? {
    let expected = reference.output.map { $0 == 0 ? bitTokens.zero : bitTokens.one }
    var start = 0, wrong = 0
    for (index, pass) in model.drafts.enumerated() {
        guard start < expected.count, pass.prefix == promptLength + start, pass.draft.count == expected.count - start else { return nil }
        guard let miss = pass.draft.indices.first(where: { pass.draft[$0] != expected[start + $0] }).map({ start + $0 }) else {
            // All guessed right: this must be the last pass.
            return index == model.drafts.count - 1 ? wrong : nil
        }
        if miss < expected.count - 1 { wrong += 1 }
        start = miss + 1
    }
    return start == expected.count ? wrong : nil
}

/// A copier stuck in a pattern, whatever the prompt: it emits `head`, then `tail` over and over
/// (as Gemma 3 270M, asked for many zeros, emits its prompt's first example and then `1010…`).
/// It implements only `logits(after:)`; `promptLength` tells it where the copy starts.
struct PatternCopier: LanguageModel {
    let head: [Int], tail: [Int]
    let promptLength: Int
    var vocabularySize: Int { 3 }

    func logits(after prefix: [Int]) throws -> [Float] {
        let k = prefix.count - promptLength
        let emitted = k < head.count ? head[k] : tail[(k - head.count) % tail.count]
        return (0..<3).map { $0 == emitted ? 1 : -1 }
    }
}

@Suite struct BatchedCopyTests {
    @Test("k wrong draft guesses before the last cost k + 1 passes, and the copy equals the step-by-step one")
    func passCount() throws {
        let seed = testSeed()
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
            let guesses = wrongGuesses(model, reference: stepwise, promptLength: n + 1, bitTokens: (0, 1))
            #expect(guesses.map { model.passes == 1 + $0 } == true, "seed \(seed), n \(n), wrong \(wrong.sorted())")
            // The target is the first draft, so a copy without wrong bits is one pass.
            if wrong.filter({ $0 < n - 1 }).isEmpty { #expect(model.passes == 1, "seed \(seed)") }
            #expect(batched.logits == stepwise.logits && batched.targetProbability == stepwise.targetProbability, "seed \(seed)")
        }
    }

    /// Gemma's failure in miniature: asked for n zeros, the copier emits 0110 then 10 forever,
    /// about n/2 wrong bits. By hand (m = 16, the target while its agreement with the last bits
    /// is at least the matched suffix): passes start at bits 0, 2, 3, 5, 7 with the target as draft
    /// (the suffixes 01, 11 do not recur; 01 and 101 recur, but are no longer than the 2 and 3
    /// zeros of 01101 and 0110101), each wrong at its first 1; at bit 9 the suffix 10101 (5 > 4
    /// zeros in 011010101) recurs two bits back and drafts 0101… to the end: 6 passes for any
    /// n ≥ 10, where drafting the target would take 1 + (wrong bits before the last).
    @Test("a copier stuck in a pattern is drafted by lookup: few passes, the step-by-step copy", arguments: [10, 33, 256])
    func patternCopier(_ n: Int) throws {
        let bits = Array(repeating: 0, count: n)
        let copier = PatternCopier(head: [0, 1, 1, 0], tail: [1, 0], promptLength: n + 1)
        var model = CountingModel(inner: copier)
        let batched = try greedyCopy(bits, model: &model, prompting: BitCopyPrompting(), chunk: 4)
        var reference = copier
        let stepwise = try greedyCopyStepwise(bits, model: &reference, prompting: BitCopyPrompting())
        #expect(batched.output == stepwise.output && batched.logits == stepwise.logits)
        let pattern: [Int] = (0..<n).map { $0 < 4 ? [0, 1, 1, 0][$0] : [1, 0][($0 - 4) % 2] }
        #expect(batched.output == pattern)
        #expect(model.passes == 6)
        #expect(model.drafts.map(\.prefix) == [0, 2, 3, 5, 7, 9].map { n + 1 + $0 })
        #expect(wrongGuesses(model, reference: stepwise, promptLength: n + 1, bitTokens: (0, 1)) == 5)
        // The ones: two in 0110, then every other bit from bit 4.
        #expect(zip(batched.output, bits).filter { $0 != $1 }.count == 2 + (n - 3) / 2)
    }

    @Test("prompt lookup: the longest recurring suffix, its most recent occurrence, read on periodically")
    func promptLookup() {
        let lookup = PromptLookup()
        let isBit: (Int) -> Bool = { $0 == 0 || $0 == 1 }
        // 0 1 recurs at 1…2, followed by 1 and then 7, not a bit.
        let stopped = lookup.continuation(of: [5, 0, 1, 1, 7, 0, 1], count: 4, where: isBit)
        #expect(stopped?.matched == 2 && stopped?.tokens == [1])
        // 1 0 recurs 2 back: the continuation reads its own tokens, period 2.
        let periodic = lookup.continuation(of: [2, 1, 0, 1, 0], count: 5, where: isBit)
        #expect(periodic?.matched == 2 && periodic?.tokens == [1, 0, 1, 0, 1])
        #expect(lookup.continuation(of: [2, 1, 0, 1, 0], count: 2, where: isBit)?.tokens == [1, 0])
        // 3 0 1 recurs twice, followed by 1 and by 0: the most recent wins (then 9 stops it).
        let recent = lookup.continuation(of: [3, 0, 1, 1, 3, 0, 1, 0, 9, 3, 0, 1], count: 4, where: isBit)
        #expect(recent?.matched == 3 && recent?.tokens == [0])
        // Longer beats more recent: 4 0 1 (followed by 1) over 0 1 (most recently followed by 0).
        let longer = lookup.continuation(of: [4, 0, 1, 1, 0, 1, 0, 6, 4, 0, 1], count: 4, where: isBit)
        #expect(longer?.matched == 3 && longer?.tokens == [1, 0, 1, 0])
        // Capped at `longest`: with m = 2 only 0 1 counts, most recently followed by 0, then 6.
        let capped = PromptLookup(longest: 2).continuation(of: [4, 0, 1, 1, 0, 1, 0, 6, 4, 0, 1], count: 4, where: isBit)
        #expect(capped?.matched == 2 && capped?.tokens == [0])
        // Nothing of 2 tokens recurs (a single 1 does): no draft.
        #expect(lookup.continuation(of: [1, 0, 0, 1], count: 3, where: isBit) == nil)
        #expect(lookup.continuation(of: [1, 1], count: 3, where: isBit) == nil)
        #expect(lookup.continuation(of: [], count: 3, where: isBit) == nil)
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
        let seed = testSeed()
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
            let guesses = wrongGuesses(batchedModel, reference: stepwise, promptLength: n + 1, bitTokens: (0, 1))
            #expect(guesses.map { batchedModel.passes == 1 + $0 } == true, "seed \(seed), n \(n)")
            #expect(batchedModel.steps == 0)
            passes += batchedModel.passes
            wrong += guesses ?? 0
        }
        // The copies must have exercised rolling back: random weights get many bits wrong.
        #expect(wrong >= 3, "seed \(seed): only \(wrong) wrong draft guesses, too few to test rolling back")
        print("BatchedCopyTests.transformer \(position): \(passes) passes for 63 positions, \(wrong) wrong draft guesses")
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
    /// Random bits, which Gemma 3 270M copies badly (many wrong draft guesses, each rolled
    /// back), and the witness's β for N = 224 (zeros, the last bit one), which it copies as its
    /// first example and then `1010…`: lookup drafts it in a few passes, so the step-by-step
    /// reference is most of the cost, while the copy still runs past the 512-token window of its
    /// local layers (prompt + copy = 554 positions) and ends with a draft passing the ring's wrap.
    @Test("the batched copy on Gemma 3 equals step-by-step decoding, short and past the window",
          arguments: [(16, true), (224, false)])
    func gemma(_ n: Int, random: Bool) throws {
        let gemma = try #require(batchedCopyGemma)
        let prompting = try FewShotCopyPrompting(model: gemma)
        var generator = SplitMix64(seed: 13)
        var bits = (0..<n).map { _ in random ? Int.random(in: 0...1, using: &generator) : 0 }
        if !random { bits[n - 1] = 1 }
        let promptLength = try prompting.prompt(for: bits).count
        var batchedModel = CountingModel(inner: GemmaLanguageModel(gemma))
        let batched = try greedyCopy(bits, model: &batchedModel, prompting: prompting)
        var stepModel = GemmaLanguageModel(gemma)
        let stepwise = try greedyCopyStepwise(bits, model: &stepModel, prompting: prompting)
        let worst = largestLogitDifference(batched, stepwise)
        let guesses = wrongGuesses(batchedModel, reference: stepwise, promptLength: promptLength, bitTokens: prompting.bitTokens)
        let wrongBits = zip(stepwise.output, bits).filter { $0 != $1 }.count
        print("BatchedGemmaCopyTests n \(n): prompt \(promptLength) tokens, \(batchedModel.passes) passes (from bits \(batchedModel.drafts.map { $0.prefix - promptLength })), \(guesses.map(String.init) ?? "unchained") wrong draft guesses, \(wrongBits) wrong bits, largest logit difference \(worst)")
        #expect(random || promptLength + n > gemma.configuration.slidingWindow + 30)
        #expect(batched.output == stepwise.output)
        #expect(batched.prematureStops == stepwise.prematureStops)
        #expect(worst < 1e-3)
        #expect(guesses.map { batchedModel.passes == 1 + $0 } == true && batchedModel.steps == 0)
    }
}
