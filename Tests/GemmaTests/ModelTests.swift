import Foundation
import Testing
@testable import Gemma
import GGUF

@Suite(.enabled(if: sharedModel != nil, Comment(rawValue: skipMessage)))
struct ModelTests {
    let model = sharedModel!

    @Test func configurationFromMetadata() {
        let c = model.configuration
        #expect(c.hiddenSize == 640)
        #expect(c.layerCount == 18)
        #expect(c.headCount == 4 && c.kvHeadCount == 1 && c.headDimension == 256)
        #expect(c.vocabularySize == 262_144)
        #expect(c.slidingWindow == 512)
        #expect(c.ropeBaseGlobal == 1_000_000 && c.ropeBaseLocal == 10_000)
        #expect((0..<18).filter(c.isGlobal) == [5, 11, 17])
    }

    /// Logits after each fixed prompt agree with PyTorch transformers (float32, same GGUF):
    /// top-10 ids and logits, log-sum-exp, mean and spread of all 262144 logits, and the
    /// argmax after every prompt position.
    @Test func logitsAgreeWithTransformers() throws {
        let fixture = try load(LogitsFixture.self, "logits.json")
        // Absolute, on logits of size 10–25. Measured: within 1e-5, the fixture's rounding; the
        // tolerance leaves room for other BLAS summation orders.
        let tolerance: Float = 1e-4
        for c in fixture.cases {
            #expect(model.tokenizer.encode(c.prompt) == c.ids)
            var cache = model.newCache()
            let all = try model.logitsAtEveryPosition(appending: c.ids, to: &cache)
            let last = all.last!
            let order = last.indices.sorted { last[$0] > last[$1] }
            #expect(Array(order.prefix(10)) == c.top_ids, "\(c.prompt)")
            for (id, expected) in zip(c.top_ids, c.top_logits) {
                #expect(abs(last[id] - expected) <= tolerance, "\(c.prompt): logit of \(id) is \(last[id]), reference \(expected)")
            }
            let logSoftmax = GemmaModel.logSoftmax(last)
            #expect(abs((last[0] - logSoftmax[0]) - c.logsumexp) <= tolerance)
            // Summed in Double: 262144 float32 additions would lose more than the tolerance.
            let mean = last.reduce(0.0) { $0 + Double($1) } / Double(last.count)
            let variance = last.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(last.count - 1)
            #expect(abs(Float(mean) - c.mean) <= tolerance && abs(Float(variance.squareRoot()) - c.std) <= tolerance)
            #expect(all.map(GemmaModel.argmax) == c.argmax_each_position, "\(c.prompt)")
        }
    }

    @Test func greedyDecodingAgreesWithTransformers() throws {
        let fixture = try load(LogitsFixture.self, "logits.json")
        for c in fixture.cases {
            #expect(try model.greedy(prompt: c.ids, maxNewTokens: 8, stopTokens: []) == c.greedy_8, "\(c.prompt)")
        }
    }

    /// Running a prompt token by token through the KV cache gives the logits of one pass.
    @Test func cacheMatchesOnePass() throws {
        let ids = model.tokenizer.encode("The capital of France is Paris, and the capital of Italy is")
        var one = model.newCache()
        let whole = try model.logits(appending: ids, to: &one)
        var cache = model.newCache()
        var stepwise: [Float] = []
        for id in ids { stepwise = try model.logits(appending: [id], to: &cache) }
        #expect(cache.count == ids.count)
        let worst = zip(whole, stepwise).map { abs($0 - $1) }.max()!
        #expect(worst < 1e-3)
        #expect(GemmaModel.argmax(whole) == GemmaModel.argmax(stepwise))
    }

    @Test func badRequestsAreErrors() throws {
        var cache = model.newCache()
        #expect(throws: GemmaError.emptyInput) { try model.logits(appending: [], to: &cache) }
        #expect(throws: GemmaError.invalidToken(262_144, vocabularySize: 262_144)) { try model.logits(appending: [262_144], to: &cache) }
        #expect(throws: GemmaError.invalidToken(-1, vocabularySize: 262_144)) { try model.logits(appending: [-1], to: &cache) }
        let tooLong = [Int](repeating: 236771, count: model.configuration.contextLength + 1)
        #expect(throws: GemmaError.contextExceeded(path: model.path, tokens: tooLong.count, context: 32768)) {
            try model.logits(appending: tooLong, to: &cache)
        }
        #expect(cache.count == 0)
    }

    // A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
    // tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
    @Test("every public entry point refuses a context beyond the model's, counting the cache, before any work",
          .timeLimit(.minutes(10)))
    func contextIsCheckedUpFront() throws {
        let context = model.configuration.contextLength
        var cache = model.newCache()
        _ = try model.logits(appending: [2, 818], to: &cache)
        let rest = [Int](repeating: 236771, count: context - 1)
        #expect(throws: GemmaError.contextExceeded(path: model.path, tokens: context + 1, context: context)) {
            try model.logits(appending: rest, to: &cache)
        }
        #expect(throws: GemmaError.contextExceeded(path: model.path, tokens: context + 1, context: context)) {
            try model.logitsAtEveryPosition(appending: rest, to: &cache)
        }
        #expect(cache.count == 2)
        // greedy: the prompt and all but the last new token must fit.
        #expect(throws: GemmaError.contextExceeded(path: model.path, tokens: context + 1, context: context)) {
            try model.greedy(prompt: [2, 818], maxNewTokens: context)
        }
        #expect(throws: GemmaError.contextExceeded(path: model.path, tokens: Int.max, context: context)) {
            try model.greedy(prompt: [2, 818], maxNewTokens: Int.max)
        }
        // Invalid ids in a too-long input: the context is reported first, without scanning them.
        #expect(throws: GemmaError.contextExceeded(path: model.path, tokens: context + 1, context: context)) {
            var fresh = model.newCache()
            _ = try model.logits(appending: [Int](repeating: -1, count: context + 1), to: &fresh)
        }
    }
}

/// Files that are not Gemma models fail with a typed error naming the file; no model needed.
@Suite struct BadModelFileTests {
    @Test func missingKeysAndWrongArchitecture() throws {
        let incomplete = fixture("incomplete_gemma3.gguf").path
        #expect(throws: GemmaError.file(GGUFError(path: incomplete, .missingMetadata("gemma3.block_count")))) {
            try GemmaModel(path: incomplete)
        }
        let notGemma = fixture("logits.json").path
        #expect(throws: GemmaError.file(GGUFError(path: notGemma, .notGGUF))) { try GemmaModel(path: notGemma) }
        let missing = "/nonexistent/gemma.gguf"
        #expect(throws: GemmaError.self) { try GemmaModel(path: missing) }
    }
}
