import Foundation
import Testing
import MultiPrecision
@testable import Witnesses
import Kernels
import RealModule

/// The fixture of scripts/make_logsumexp_fixtures.py: mpmath values at 70 digits.
struct LogSumExpFixture: Decodable {
    struct Recipe: Decodable {
        let seed: UInt64, count: Int, offset: Int, shift: Int
        let perturb: Bool?
    }
    struct Row: Decodable {
        let name: String
        let bits: [UInt32]?
        let recipe: Recipe?
        let logSumExp: String
    }
    struct Distance: Decodable {
        let a: String, b: String
        let bBits: [UInt32]?
        let distance: String
    }
    let rows: [Row]
    let distances: [Distance]

    static func load() throws -> LogSumExpFixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/logsumexp", withExtension: "json"))
        return try JSONDecoder().decode(LogSumExpFixture.self, from: Data(contentsOf: url))
    }

    /// The row's float32 logits: its bit patterns, or its recipe replayed with SplitMix64
    /// exactly as the script does (24-bit integers scaled by a power of two: exact floats).
    static func logits(_ row: Row) throws -> [Float] {
        if let bits = row.bits { return bits.map(Float.init(bitPattern:)) }
        let recipe = try #require(row.recipe)
        var rng = SplitMix64(seed: recipe.seed)
        let scale = Float(sign: .plus, exponent: -recipe.shift, significand: 1)
        var values = (0..<recipe.count).map { _ in Float(Int(rng.next() >> 40) - recipe.offset) * scale }
        if recipe.perturb == true {
            for i in stride(from: 0, to: values.count, by: 7) { values[i] += 0.125 }
        }
        return values
    }

    func logits(named name: String) throws -> [Float] {
        try Self.logits(#require(rows.first { $0.name == name }))
    }
}

/// An mpmath value as a 256-bit point (70 digits: far inside any enclosure's width).
func reference(_ text: String) throws -> BigFloat { try BigFloat(parsing: text, precision: 256) }

@Suite("Certified log-softmax: binary64 path against mpmath and MPFI")
struct CertifiedLogSoftmaxTests {
    let fast = CertifiedLogSoftmax(precision: 128, method: .binary64)
    let slow = CertifiedLogSoftmax(precision: 128, method: .multiPrecision)

    @Test("log-sum-exp encloses mpmath's value within 1e-12 on every fixture row")
    func logSumExpAgainstMpmath() throws {
        let fixture = try LogSumExpFixture.load()
        for row in fixture.rows {
            let logits = try LogSumExpFixture.logits(row)
            let exact = try reference(row.logSumExp)
            let enclosed = try fast.enclose(logits)
            #expect(enclosed.normaliser.contains(exact), "\(row.name): \(enclosed.normaliser) does not contain \(row.logSumExp)")
            // The row's own part, log Σ e^(z − top), is where the binary64 error lives.
            #expect(enclosed.logSum.width.double(rounding: .up) < 1e-12, "\(row.name): width \(enclosed.logSum.width)")
            // log p of the largest and the smallest logit, against z − mpmath's log-sum-exp.
            for y in [logits.indices.max { logits[$0] < logits[$1] }!, logits.indices.min { logits[$0] < logits[$1] }!] {
                let logP = try fast.logProbability(enclosed, of: y)
                let expected = try BigFloat(Double(logits[y]), precision: 256) - exact
                #expect(logP.contains(expected), "\(row.name) token \(y): \(logP) vs \(expected)")
                // Relative to the value: a log-probability near −6.8e38 (the "huge" row) is held
                // at 128 bits, whose spacing there is 4.
                let scale = Swift.max(1, expected.double().magnitude)
                #expect(logP.width.double(rounding: .up) < 1e-12 * scale, "\(row.name) token \(y): width \(logP.width)")
            }
        }
    }

    @Test("the MPFI reference path encloses the same mpmath values")
    func referencePathAgainstMpmath() throws {
        let fixture = try LogSumExpFixture.load()
        // The 262,144-wide rows take the reference about a second each: the small ones suffice.
        for row in fixture.rows where row.bits != nil {
            let enclosure = try slow.logSumExp(LogSumExpFixture.logits(row))
            #expect(enclosure.contains(try reference(row.logSumExp)), "\(row.name)")
        }
    }

    @Test("the L∞ distance encloses mpmath's value within 1e-12")
    func distanceAgainstMpmath() throws {
        let fixture = try LogSumExpFixture.load()
        for pair in fixture.distances {
            let a = try fixture.logits(named: pair.a)
            let b = try pair.bBits.map { $0.map(Float.init(bitPattern:)) } ?? fixture.logits(named: pair.b)
            let d = try fast.distance(a, b)
            #expect(d.contains(try reference(pair.distance)), "\(pair.a) vs \(pair.b): \(d) vs \(pair.distance)")
            #expect(d.width.double(rounding: .up) < 1e-12, "\(pair.a) vs \(pair.b): width \(d.width)")
        }
    }

    @Test("each binary64 term is within the proof's 22u of e^d (MPFR at 256 bits), seeds printed")
    func termErrorBound() throws {
        let tables = ExponentialTables.shared
        let seed: UInt64 = 20_261_201
        var rng = SplitMix64(seed: seed)
        // Edges and grid points first, then random exact differences of float32 logits.
        var samples: [Double] = [0, -700, -699.99999999999, -1, -1.0 / 256, -255.0 / 256, -0.5, -2.0.nextDown, -1e-300]
        for _ in 0..<20_000 {
            let top = Float(Int.random(in: -(1 << 23)...(1 << 23), using: &rng)) * 0x1p-16
            let z = top - Float(Int.random(in: 0...(1 << 24), using: &rng)) * Float(sign: .plus, exponent: -Int.random(in: 14...30, using: &rng), significand: 1)
            let d = Double(z) - Double(top)
            if d >= -700 { samples.append(d) }
        }
        for _ in 0..<5_000 { samples.append(-Double.random(in: 0...700, using: &rng)) }
        let bound = try BigFloat(22, precision: 256) * BigFloat(parsing: "1.1102230246251565404236316680908203125e-16", precision: 256)  // 22 · 2^-53
        for d in samples {
            let v = tables.exponential(d)
            let exact = BigFloat.exp(try BigFloat(d, precision: 256))
            let relative = (try BigFloat(v, precision: 256) - exact).magnitude / exact
            #expect(relative <= bound, "seed \(seed): d = \(d), relative error \(relative)")
        }
    }

    @Test("the pairwise sum stays within γ_h of the exact sum, h its recorded depth")
    func pairwiseSumBound() throws {
        var rng = SplitMix64(seed: 42)
        for count in [1, 7, 8, 9, 1000, 4097] {
            let x = (0..<count).map { _ in Double.random(in: 0...1, using: &rng) * Double(sign: .plus, exponent: Int.random(in: -40...0, using: &rng), significand: 1) }
            let (sum, depth) = x.withUnsafeBufferPointer { ExponentialRow.pairwiseSum($0) }
            var exact = BigRational(0)
            for v in x { exact = exact + (try BigRational(v)) }
            let error = try BigRational(sum) - exact
            let magnitude = error < 0 ? BigRational(0) - error : error
            #expect(magnitude <= ExponentialRow.gamma(depth) * exact, "count \(count) (seed 42)")
            #expect(depth <= ExponentialRow.block - 1 + Int(Double.log2(Double(count)).rounded(.up)))
        }
        // 262,144 terms: 7 additions inside a block of 8, then 15 pairwise levels.
        let wide = [Double](repeating: 1, count: 262_144)
        #expect(wide.withUnsafeBufferPointer { ExponentialRow.pairwiseSum($0) } == (262_144, 22))
    }

    @Test("binary64 and MPFI enclosures of random rows overlap and contain a 1024-bit sum, seeds printed")
    func pathsAgree() throws {
        let seed: UInt64 = 77
        var rng = SplitMix64(seed: seed)
        for trial in 0..<20 {
            let width = [1, 2, 30, 700][trial % 4]
            let spread = [1.0, 50, 800, 1e-6][trial % 4 == 3 ? 3 : Int.random(in: 0...2, using: &rng)]
            let logits = (0..<width).map { _ in Float(Double.random(in: -spread...spread, using: &rng)) }
            let a = try fast.logSumExp(logits), b = try slow.logSumExp(logits)
            #expect(a.intersection(b) != nil, "seed \(seed) trial \(trial)")
            var sum = try BigFloat(0, precision: 1024)
            for z in logits { sum += BigFloat.exp(try BigFloat(Double(z), precision: 1024)) }
            #expect(a.contains(BigFloat.log(sum)), "seed \(seed) trial \(trial): \(a)")
        }
    }

    @Test("the distance's skipping (proof step 9) loses nothing: the lower end of every entry's enclosure, an upper end no wider, seeds printed")
    func distanceSkipsSafely() throws {
        let seed: UInt64 = 91
        var rng = SplitMix64(seed: seed)
        for trial in 0..<40 {
            let width = [3, 50, 4000, 262_144][trial % 4]
            let spread = [0.5, 8, 40, 300][Int.random(in: 0...3, using: &rng)]
            let a = (0..<width).map { _ in Float(Double.random(in: -spread...spread, using: &rng)) }
            // b: a nudged (a close pair, most entries below D) or redrawn (a distant pair), with an
            // occasional logit near zero that takes the MPFI path.
            let nudge = trial % 2 == 0 ? 1e-3 : spread
            var b = a.map { $0 + Float(Double.random(in: -nudge...nudge, using: &rng)) }
            if trial % 3 == 0 { b[Int.random(in: 0..<width, using: &rng)] = 0x1p-30 }
            let ra = try ExponentialRow(a, precision: 128), rb = try ExponentialRow(b, precision: 128)
            var lower = 0.0, upper = 0.0
            for i in 0..<width {
                let p = ra.probability(i), q = rb.probability(i)
                lower = max(lower, (p.lower - q.upper).nextDown, (q.lower - p.upper).nextDown)
                upper = max(upper, (p.upper - q.lower).nextUp, (q.upper - p.lower).nextUp)
            }
            let skipped = ExponentialRow.distance(ra, rb)
            #expect(skipped.lower == lower && skipped.upper <= upper && skipped.upper >= skipped.lower,
                    "seed \(seed) trial \(trial): \(skipped) against every entry's \((lower, upper))")
        }
    }

    @Test("bad rows: an infinite or NaN logit and an empty row are errors naming the logit")
    func badRows() {
        #expect(throws: MultiPrecisionError.notFinite(what: "logit 1", value: "inf")) { try fast.logSumExp([0, .infinity]) }
        #expect(throws: MultiPrecisionError.notFinite(what: "logit 0", value: "nan")) { try fast.logSumExp([.nan]) }
        #expect(throws: MultiPrecisionError.self) { try fast.logSumExp([]) }
    }

    @Test("a witness certified both ways gives overlapping enclosures of every quantity")
    func witnessUnchanged() throws {
        var model = MeanModel(c: 6)
        let w = try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: [Int](repeating: 0, count: 24), flip: 5)
        let slowCertified = try certify(alpha: w.alpha, beta: w.beta, flip: 5, prompting: BitCopyPrompting(),
                                        threshold: 0.1, precision: 128, method: .multiPrecision)
        let fastCertified = w.certified
        #expect(fastCertified.alphaLogPerplexity.intersection(slowCertified.alphaLogPerplexity) != nil)
        #expect(fastCertified.betaLogPerplexity.intersection(slowCertified.betaLogPerplexity) != nil)
        #expect(fastCertified.gap.intersection(slowCertified.gap) != nil)
        #expect(fastCertified.eta.intersection(slowCertified.eta) != nil)
        for (x, y) in zip(fastCertified.distance, slowCertified.distance) { #expect(x.intersection(y) != nil) }
        #expect(fastCertified.hypothesesHold == slowCertified.hypothesesHold)
        #expect(fastCertified.withinBound == slowCertified.withinBound)
    }
}
