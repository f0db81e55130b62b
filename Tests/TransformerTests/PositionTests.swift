import Foundation
import Kernels
import Testing

@testable import Transformer

@Suite("Position schemes and inference")
struct PositionTests {
    @Test("RoPE query-key scores depend only on the relative offset")
    func ropeRelative() {
        var rng = SeededGenerator(seed: 7)
        let hd = 8, heads = 1
        var table = RopeTable<Double>(headDim: hd, base: 10_000)
        table.ensure(300)
        let q0 = (0..<hd).map { _ in rng.nextGaussian() }
        let k0 = (0..<hd).map { _ in rng.nextGaussian() }
        func score(_ m: Int, _ n: Int) -> Double {
            var q = q0, k = k0
            table.cos.withUnsafeBufferPointer { c in
                table.sin.withUnsafeBufferPointer { s in
                    ropeRotate(&q, heads: heads, headDim: hd, cos: c.baseAddress! + m * hd / 2,
                               sin: s.baseAddress! + m * hd / 2, inverse: false)
                    ropeRotate(&k, heads: heads, headDim: hd, cos: c.baseAddress! + n * hd / 2,
                               sin: s.baseAddress! + n * hd / 2, inverse: false)
                }
            }
            return zip(q, k).map(*).reduce(0, +)
        }
        for (m, n) in [(5, 2), (9, 9), (3, 0), (17, 11)] {
            let base = score(m, n)
            for shift in [1, 10, 100, 250] {
                #expect(abs(score(m + shift, n + shift) - base) < 1e-9)
            }
        }
        // And it does depend on the offset (the test is not vacuous).
        #expect(abs(score(5, 2) - score(5, 3)) > 1e-3)
        // Position 0 is the identity rotation.
        #expect(abs(score(0, 0) - zip(q0, k0).map(*).reduce(0, +)) < 1e-12)
    }

    @Test("ALiBi slopes are the geometric sequence of Press et al.")
    func alibiSlopeValues() {
        #expect(alibiSlopes(heads: 8) == (1...8).map { pow(2.0, -Double($0)) })
        #expect(alibiSlopes(heads: 4) == [0.25, 0.0625, 0.015625, 0.00390625])
        #expect(alibiSlopes(heads: 1) == [pow(2.0, -8)])
        // Six heads: the four power-of-two slopes, then slopes 1 and 3 of the eight-head list.
        #expect(alibiSlopes(heads: 6) == [0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125])
    }

    @Test("ALiBi attention is softmax(−slope·(t−s)) when queries and keys carry no signal")
    func alibiBiases() {
        let c = TransformerConfig(vocabSize: 3, dModel: 4, heads: 2, layers: 1, mlpHidden: 4, position: .alibi)
        var p = randomParams(c, seed: 3)
        let layout = ParameterLayout(c)
        let qkv = layout.blocks[0].qkv
        for i in 0..<(2 * c.dModel * c.dModel) { p[qkv + i] = 0 }  // query and key rows
        let net = Network<Double>(config: c, params: p)
        let T = 6
        let batch = Batch(batchSize: 1, length: T, tokens: [0, 1, 2, 0, 1, 2].map(Int32.init),
                          targets: Array(repeating: -1, count: T))
        let ws = Workspace<Double>(config: c, batchSize: 1, length: T)
        net.forward(batch, ws)
        let slopes = [0.0625, 0.00390625]  // 2^(−8·1/2), 2^(−8·2/2)
        for h in 0..<2 {
            for t in 0..<T {
                let z = (0...t).map { exp(-slopes[h] * Double(t - $0)) }.reduce(0, +)
                for s in 0..<T {
                    let expected = s <= t ? exp(-slopes[h] * Double(t - s)) / z : 0
                    #expect(abs(ws.att.p[(h * T + t) * T + s] - expected) < 1e-14)
                }
            }
        }
    }

    /// A small random model, ten tokens, and the training forward pass's logits for them (the
    /// reference the decoding session is checked against).
    static func sessionReference(_ position: PositionScheme, seed: UInt64) throws -> (TransformerModel, [Int], [Float]) {
        let c = TransformerConfig(
            vocabSize: 3, dModel: 16, heads: 4, layers: 2, mlpHidden: 24, position: position, norm: .layer,
            maxPositions: 12)
        let model = try TransformerModel(
            config: c, parameters: randomParams(c, seed: seed, scale: 0.3).map { Float($0) })
        let tokens = [0, 1, 1, 2, 0, 1, 0, 0, 2, 1]
        let all = model.logits(Batch(batchSize: 1, length: tokens.count, tokens: tokens.map(Int32.init),
                                     targets: Array(repeating: -1, count: tokens.count)))
        return (model, tokens, all)
    }

    @Test("KV-cache logits equal the batched forward pass", arguments: PositionScheme.allCases)
    func sessionMatchesBatch(position: PositionScheme) throws {
        let (model, tokens, all) = try Self.sessionReference(position, seed: 11)
        var session = DecodingSession(model: model)
        for (t, token) in tokens.enumerated() {
            let logits = try session.append(token)
            for v in 0..<3 { #expect(abs(logits[v] - all[t * 3 + v]) < 1e-4) }
        }
        #expect(session.count == tokens.count)
    }

    @Test("several tokens per session pass, and rewinding, give the training forward pass's logits", arguments: PositionScheme.allCases)
    func sessionPassesAndRewind(position: PositionScheme) throws {
        let (model, tokens, all) = try Self.sessionReference(position, seed: 12)
        var session = DecodingSession(model: model)
        // A wrong draft fed and rewound first, so the rows below must not see it.
        _ = try session.logitsAtEveryPosition(appending: [2, 2, 2, 2])
        try session.rewind(to: 0)
        var rows: [[Float]] = []
        for piece in [0..<3, 3..<4, 4..<10] {
            rows += try session.logitsAtEveryPosition(appending: Array(tokens[piece]))
            if piece.upperBound < tokens.count {
                _ = try session.logitsAtEveryPosition(appending: [2])
                try session.rewind(to: piece.upperBound)
            }
        }
        #expect(session.tokens == tokens && rows.count == tokens.count)
        for (t, row) in rows.enumerated() {
            for v in 0..<3 { #expect(abs(row[v] - all[t * 3 + v]) < 1e-4) }
        }
        #expect(throws: TransformerError.self) { try session.rewind(to: tokens.count + 1) }
        #expect(throws: TransformerError.self) { try session.logitsAtEveryPosition(appending: []) }
        if position == .learned {
            #expect(throws: TransformerError.self) { try session.logitsAtEveryPosition(appending: [0, 0, 0]) }
            #expect(session.count == tokens.count)
        }
    }

    @Test("learned positions refuse to run past their table")
    func learnedLimit() throws {
        let c = TransformerConfig(dModel: 8, heads: 2, layers: 1, mlpHidden: 8, position: .learned, maxPositions: 3)
        var session = DecodingSession(model: try TransformerModel(config: c, seed: 1))
        _ = try session.append(contentsOf: [0, 1, 2])
        #expect(throws: TransformerError.self) { try session.append(0) }
        #expect(throws: TransformerError.self) { try session.append(7) }
    }

    @Test("greedy ties go to the lowest token; temperature sampling is seeded")
    func decodingRules() throws {
        #expect(greedyToken([0.5, 0.5, 0.1], candidates: 0..<3) == 0)
        #expect(greedyToken([0.1, 0.5, 0.5], candidates: 0..<3) == 1)
        #expect(greedyToken([0.1, 0.2, 9], candidates: 0..<2) == 1)
        var a = SeededGenerator(seed: 5), b = SeededGenerator(seed: 5)
        let logits: [Float] = [0, 1, 0.5]
        let xs = try (0..<200).map { _ in try sampleToken(logits, temperature: 1, using: &a) }
        let ys = try (0..<200).map { _ in try sampleToken(logits, temperature: 1, using: &b) }
        #expect(xs == ys)
        // Empirical frequencies near softmax([0, 1, 0.5]) = (0.186, 0.506, 0.307); 3σ ≈ 0.11 at n=200.
        let p1 = Double(xs.filter { $0 == 1 }.count) / 200
        #expect(abs(p1 - 0.506) < 0.11)
        #expect(throws: TransformerError.self) { try sampleToken(logits, temperature: -1, using: &a) }
    }
}
