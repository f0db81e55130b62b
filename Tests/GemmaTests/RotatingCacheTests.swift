import Testing
@testable import Gemma

/// Pseudo-random weights for any configuration, a fixed function of each tensor's name:
/// norms near 1, other tensors uniform in ±0.25 (outputs of order 1 at width 32).
struct SyntheticWeights: GemmaWeights {
    let path = "synthetic"

    func contains(_ name: String) -> Bool { false }   // no separate output head: tied

    func floats(_ name: String, dimensions: [Int]) throws(GemmaError) -> [Float] {
        // FNV-1a of the name seeds a linear congruential generator.
        var state: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in name.utf8 { state = (state ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let norm = name.hasSuffix("norm.weight")
        return (0..<dimensions.reduce(1, *)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let u = Float(state >> 40) / Float(1 << 24) * 2 - 1
            return norm ? 1 + 0.2 * u : 0.25 * u
        }
    }
}

/// The local layers' ring buffer against a cache that keeps every position, on a small
/// synthetic model whose window (8) the contexts wrap dozens of times.
@Suite struct RotatingCacheTests {
    /// Layers 0, 1, 3 and 4 local (window 8), 2 and 5 global; 4 query heads on 2 key/value heads.
    static let configuration = GemmaConfiguration(
        hiddenSize: 32, layerCount: 6, intermediateSize: 48, headCount: 4, kvHeadCount: 2, headDimension: 8,
        vocabularySize: 64, contextLength: 1024, rmsNormEpsilon: 1e-6, ropeBaseGlobal: 1_000_000,
        ropeBaseLocal: 10_000, ropeScalingGlobal: 1, slidingWindow: 8, slidingWindowPattern: 3,
        queryScale: 1 / Float(8).squareRoot(), attentionSoftcap: nil, finalSoftcap: nil)
    let model: GemmaTextModel
    /// 300 tokens: 37 turns of the ring, and more than two blocks of 128 queries.
    let tokens = (0..<300).map { ($0 * 37 + $0 * $0 * 11 + 5) % 64 }

    init() throws {
        model = try GemmaTextModel(configuration: Self.configuration, weights: SyntheticWeights())
    }

    /// Feeds `tokens` in passes of `chunks` (cycled) and returns the logits after every token.
    func run(_ chunks: [Int], everyPosition: Bool = false) -> [[Float]] {
        var cache = GemmaCache(configuration: Self.configuration, keepingEveryPosition: everyPosition)
        var logits: [[Float]] = []
        var i = 0, c = 0
        while i < tokens.count {
            let n = min(chunks[c % chunks.count], tokens.count - i)
            logits += model.forward(Array(tokens[i..<(i + n)]), cache: &cache, logitRows: 0..<n, threads: 2)
            i += n
            c += 1
        }
        #expect(cache.count == tokens.count)
        return logits
    }

    func largestDifference(_ a: [[Float]], _ b: [[Float]]) -> Float {
        zip(a, b).map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!
    }

    /// One pass from an empty cache attends over the pass's own keys: the same numbers as a
    /// cache that keeps everything, to the bit.
    @Test func onePassIsExact() {
        #expect(run([tokens.count]) == run([tokens.count], everyPosition: true))
    }

    /// Token by token, the ring wraps 37 times; every step matches the unbounded cache, to
    /// the bit while the context fits in the window.
    @Test func tokenByTokenMatchesUnboundedCache() {
        let ring = run([1]), reference = run([1], everyPosition: true)
        #expect(Array(ring.prefix(8)) == Array(reference.prefix(8)))
        // Past the window the weighted sum adds the ring's two runs separately: float32
        // rounding only, on logits of order 1.
        #expect(largestDifference(ring, reference) < 1e-5)
        // And the whole sequence as one pass (matrix-vector against matrix-matrix products).
        // Measured: 2.3e-6 and 4.8e-6 at most.
        #expect(largestDifference(ring, run([tokens.count], everyPosition: true)) < 2e-5)
    }

    /// Passes of many sizes, among them longer than the window (9, 20) and longer than a
    /// block of queries (150), starting at every phase of the ring.
    @Test func chunksMatchUnboundedCache() {
        for chunks in [[3, 5, 20, 1], [9, 150, 2, 7, 1, 1], [13], [7, 8, 9]] {
            let ring = run(chunks), reference = run(chunks, everyPosition: true)
            #expect(largestDifference(ring, reference) < 1e-5, "\(chunks)")
            #expect(largestDifference(ring, run([tokens.count], everyPosition: true)) < 2e-5, "\(chunks)")
        }
    }

    /// The ring against Gemma 3 written out plainly in Double with an explicit window mask
    /// (NaiveGemma.swift), fed token by token and in passes longer than the window.
    @Test func matchesNaiveReference() throws {
        let naive = try naiveGemmaLogits(tokens, configuration: Self.configuration, weights: SyntheticWeights())
        for chunks in [[1], [9, 150, 2, 7, 1, 1]] {
            let ring = run(chunks)
            // float32 against Double (RoPE angles near 300 radians alone are rounded by ~2e-5
            // radians); measured: 3.6e-6 at most.
            let worst = zip(ring, naive).map { zip($0, $1).map { abs(Double($0) - $1) }.max()! }.max()!
            #expect(worst < 2e-5, "\(chunks)")
        }
    }

    /// After twice the window, a local layer holds the window's rows, a global one every row.
    @Test func localLayersStayAtTheWindow() {
        let configuration = Self.configuration, width = configuration.kvHeadCount * configuration.headDimension
        for chunks in [[1], [2 * configuration.slidingWindow], [3, 11, 2]] {
            var cache = GemmaCache(configuration: configuration)
            var fed = 0, pass = 0
            while fed < 2 * configuration.slidingWindow {
                let n = chunks[pass % chunks.count]
                _ = model.forward(Array(tokens[fed..<(fed + n)]), cache: &cache, logitRows: (n - 1)..<n, threads: 2)
                fed += n
                pass += 1
            }
            #expect(fed == 2 * configuration.slidingWindow)
            for (l, layer) in cache.layers.enumerated() {
                let global = configuration.isGlobal(layer: l), rows = global ? fed : configuration.slidingWindow
                #expect(layer.rows == rows && layer.keys.count == rows * width && layer.values.count == rows * width)
                // Nothing reserved beyond the window (malloc may round up by a few floats).
                if !global { #expect(layer.keys.capacity < (rows + 1) * width) }
            }
        }
    }
}

/// The ring on the real model, past its 512-token window: a prompt pass, a pass longer than
/// the window that wraps the ring, then decoding.
@Suite(.enabled(if: sharedModel != nil, Comment(rawValue: skipMessage)))
struct RotatingCacheModelTests {
    @Test func matchesUnboundedCachePastTheWindow() throws {
        let model = sharedModel!
        let ids = (0..<708).map { 2 + ($0 * 7919) % 20_000 }
        // The logits after each pass and each decoded token (not after every position: the
        // output head over 262144 tokens is most of a pass's time).
        func run(_ cache: GemmaCache) throws -> [[Float]] {
            var cache = cache
            var logits = [try model.logits(appending: Array(ids[0..<100]), to: &cache),
                          try model.logits(appending: Array(ids[100..<700]), to: &cache)]
            for id in ids[700...] { logits.append(try model.logits(appending: [id], to: &cache)) }
            return logits
        }
        let ring = try run(model.newCache()), reference = try run(model.newUnboundedCache())
        // The passes read the same keys at the same offsets: identical.
        #expect(Array(ring.prefix(2)) == Array(reference.prefix(2)))
        // Decoding past the window sums the ring's two runs separately; within the
        // tolerance of the comparison with transformers.
        let worst = zip(ring, reference).map { zip($0, $1).map { abs($0 - $1) }.max()! }.max()!
        #expect(worst < 1e-4)
    }
}
