import Foundation
import Kernels
import Testing

/// The generators against Fixtures/rng.json, written by Fixtures/make_rng_fixture.py from the
/// published algorithms in plain Python integers (an implementation sharing no code with these).
@Suite("Seeded generators")
struct RandomTests {
    struct Stream: Decodable {
        let seed: String
        let outputs: [String]
    }
    struct Fixture: Decodable {
        let splitMix64: [Stream]
        let xoshiro256StarStar: [Stream]
    }

    func fixture() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "rng", withExtension: "json", subdirectory: "Fixtures"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    func parse(_ s: Stream) throws -> (seed: UInt64, outputs: [UInt64]) {
        (try #require(UInt64(s.seed)), try s.outputs.map { try #require(UInt64($0)) })
    }

    /// Checks the generators `make(seed)` against the fixture's streams.
    func check<G: RandomNumberGenerator>(_ streams: [Stream], _ make: (UInt64) -> G) throws {
        #expect(streams.count >= 6)
        for stream in streams {
            let (seed, outputs) = try parse(stream)
            var g = make(seed)
            #expect(outputs.map { _ in g.next() } == outputs, "seed \(seed)")
        }
    }

    @Test("SplitMix64 reproduces the reference streams")
    func splitMix() throws { try check(fixture().splitMix64, SplitMix64.init(seed:)) }

    @Test("SeededGenerator (xoshiro256** seeded by SplitMix64) reproduces the reference streams")
    func xoshiro() throws { try check(fixture().xoshiro256StarStar, SeededGenerator.init(seed:)) }

    @Test("state words round-trip; all-zero or short states are refused; draws stay in range")
    func stateAndDraws() throws {
        var g = SeededGenerator(seed: 9)
        _ = g.next()
        var restored = try #require(SeededGenerator(state: g.stateWords))
        #expect(restored == g)
        #expect((0..<5).map { _ in restored.next() } == (0..<5).map { _ in g.next() })
        #expect(SeededGenerator(state: [0, 0, 0, 0]) == nil)
        #expect(SeededGenerator(state: [1, 2, 3]) == nil)
        for _ in 0..<1000 {
            let u = g.nextUnit()
            #expect(u >= 0 && u < 1)
            #expect((-3...4).contains(g.nextInt(in: -3...4)))
            #expect(g.nextGaussian().isFinite)
        }
    }

    @Test("nextInt covers ranges wider than Int.max and the full range without overflow")
    func wideRanges() {
        var g = SeededGenerator(seed: 11)
        for _ in 0..<1000 {
            // The full range takes one raw draw as it is.
            var copy = g
            #expect(g.nextInt(in: Int.min...Int.max) == Int(truncatingIfNeeded: copy.next()))
            #expect((-1...Int.max).contains(g.nextInt(in: -1...Int.max)))
            #expect((Int.min...0).contains(g.nextInt(in: Int.min...0)))
            #expect(g.nextInt(in: 7...7) == 7)
        }
    }
}
