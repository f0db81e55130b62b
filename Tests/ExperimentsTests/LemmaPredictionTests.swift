import Foundation
import Kernels
import MultiPrecision
import PerplexityTheory
import Reporting
import PropertyTesting
import Testing
import Witnesses
@testable import Experiments

/// A copier with Lemma 3.1's quantities in closed form. It has memorised some strings, each with a
/// sensitivity d; on input b (N bits) it finds the memorised string α* nearest to b (Hamming
/// distance h) and, at every copy step k whatever it emitted before, gives α*_k the probability
/// 1/2 + c − d·h/N, the separator `separator` and the other bit the rest. So α* is copied with
/// margin c, and a one-bit flip β of α* moves every step's distribution by exactly d/N (L∞).
struct MemorisingCopier: LanguageModel {
    let memory: [[Int]: Double]
    let c: Double
    let separator: Double
    /// A margin of its own for inputs of some lengths (c elsewhere); below 0, α* is not copied.
    var marginByLength: [Int: Double] = [:]
    private var nearest: [[Int]: (bits: [Int], h: Int, d: Double)] = [:]

    init(memory: [[Int]: Double], c: Double, separator: Double) {
        self.memory = memory
        self.c = c
        self.separator = separator
    }

    var vocabularySize: Int { 3 }

    mutating func logits(after prefix: [Int]) throws -> [Float] {
        let input = Array(prefix.prefix { $0 != 2 })
        let k = prefix.count - input.count - 1
        let found: (bits: [Int], h: Int, d: Double)
        if let cached = nearest[input] {
            found = cached
        } else {
            found = memory.filter { $0.key.count == input.count }
                .map { (bits: $0.key, h: zip($0.key, input).filter { $0 != $1 }.count, d: $0.value) }
                .min { $0.h < $1.h }!
            nearest[input] = found
        }
        let p = 0.5 + (marginByLength[input.count] ?? c) - found.d * Double(found.h) / Double(input.count)
        var probabilities = [0.0, 0.0, separator]
        probabilities[found.bits[k]] = p
        probabilities[1 - found.bits[k]] = 1 - separator - p
        return probabilities.map { Float(Foundation.log($0)) }
    }
}

@Suite struct LemmaPredictionTests {
    static let c = 0.2, separator = 0.05
    static let floor = try! BigRational(1, 20)
    static let lengths = [32, 64, 128, 256, 512]

    /// The calibration and test pairs `run` draws, and a copier that memorised them with
    /// sensitivities `calibration` and `test`.
    static func setting(seed: UInt64, pairs: Int, calibration d: Double, test dTest: Double) throws -> (LemmaTestConfiguration, MemorisingCopier, [Int: [LemmaPair]]) {
        let configuration = LemmaTestConfiguration(lengths: lengths, calibrationPairs: pairs, testPairs: pairs, calibrationSeed: seed, testSeed: seed &+ 1, floor: floor)
        var memory: [[Int]: Double] = [:], tests: [Int: [LemmaPair]] = [:]
        for n in lengths {
            let calibration = try LemmaTest.draw(length: n, count: pairs, seed: seed, base: .random(onesProbability: 0.5))
            for p in calibration { memory[p.alpha] = d }
            let seen = Set(calibration.flatMap { [$0.alpha, $0.beta] })
            let test = try LemmaTest.draw(length: n, count: pairs, seed: seed &+ 1, base: .random(onesProbability: 0.5), avoiding: seen)
            for p in test { memory[p.alpha] = dTest }
            tests[n] = test
        }
        return (configuration, MemorisingCopier(memory: memory, c: c, separator: separator), tests)
    }

    /// The gap of a pair on the copier, in closed form, when β is copied as α (d/N < c).
    static func gap(n: Int, d: Double) -> Double {
        let p = 0.5 + c, shift = d / Double(n)
        let alpha = -Foundation.log(p)
        let beta = -(Double(n - 1) * Foundation.log(p - shift) + Foundation.log(1 - separator - p + shift)) / Double(n)
        return abs(alpha - beta)
    }

    @Test("a copier with known margin and η: η(N), the bounds, n′ and every outcome are the closed forms, and every prediction holds")
    func closedForm() throws {
        let seed = testSeed()
        let d = 8.0
        let (configuration, copier, tests) = try Self.setting(seed: seed, pairs: 6, calibration: d, test: d)
        var model = copier
        var stages: [String] = []
        let result = try LemmaTest.run(model: &model, prompting: BitCopyPrompting(), configuration: configuration) { p in
            if p.level == .stage { stages.append(p.message) }
        }
        #expect(stages.firstIndex(of: "prediction recorded")! == Self.lengths.count, "seed \(seed)")
        for (p, n) in zip(result.prediction.lengths, Self.lengths) {
            let eta = d / Double(n)
            #expect(abs(p.eta - eta) < 1e-5 && abs(p.margin - Self.c) < 1e-5, "seed \(seed), N \(n): η \(p.eta), m \(p.margin)")
            #expect(p.copyPredicted == (eta < Self.c), "seed \(seed), N \(n)")
            let bound = -Foundation.log(0.05) / Double(n) + 2 * eta * Double(n - 1) / Double(n)
            #expect(p.bound.map { abs($0.doubleMidpoint - bound) < 1e-5 } == true, "seed \(seed), N \(n)")
        }
        // By hand: bounds 0.293 (64), 0.147 (128), 0.074 (256), 0.037 (512). ξ = 1/10 from 256 on,
        // ξ = 1/20 at 512. The lemma's η = min(m, ξ/4) = 1/40 is reached at 512 only (8/512 ≈
        // 0.016), so δ = 1/512 and n′ = max(513, ⌈−2 log(1/20)/(1/10)⌉ + 1 = 61) = 513, beyond the
        // grid; for ξ = 1/20, ξ/4 = 1/80 < 8/512: no N_c.
        #expect(result.prediction.thresholds.map(\.gridThreshold) == [256, 512])
        let lemma = result.prediction.thresholds[0].lemma
        #expect(lemma?.threshold == 513 && lemma?.continuityLength == 513 && lemma?.dilutionLength == 61)
        #expect(result.prediction.thresholds[1].lemma == nil)
        #expect(result.thresholdHeld(result.prediction.thresholds[0]) == true)
        #expect(result.thresholdHeld(result.prediction.thresholds[0], lemma: true) == nil)
        for (o, n) in zip(result.outcomes, Self.lengths) {
            #expect(o.pairs.map(\.pair) == tests[n]!, "seed \(seed)")
            let copied = d / Double(n) < Self.c
            #expect(o.pairs.allSatisfy { $0.copiedAsAlpha == copied && $0.copyPredicted == copied }, "seed \(seed), N \(n)")
            if copied {
                for t in o.pairs { #expect(abs(t.gap.doubleMidpoint - Self.gap(n: n, d: d)) < 1e-5, "seed \(seed), N \(n)") }
                #expect(o.boundFailures == 0 && o.copyFailures == 0)
            }
            // Every witness's own bound holds when its hypotheses do.
            #expect(o.pairs.allSatisfy { $0.withinOwnBound != false })
        }
        #expect(!result.predictionFailed)
        #expect(result.summary().contains("No prediction failed"))
        #expect(result.table().rows.map { $0[0] } == Self.lengths.map(String.init))
        #expect(result.table().rows[0][9] == "n/a" && result.table().rows[1][9] == "yes" && result.table().rows[0][2] == "6/6")
        #expect(result.thresholdTable().rows.map { $0[1] } == ["256", "512"])
        #expect(try JSONSerialization.jsonObject(with: Data(result.json().rendered().utf8)) is [String: Any])
    }

    @Test("a copier more sensitive on the test strings than on the calibration ones: the copy and bound predictions fail, and the report says so")
    func failingPrediction() throws {
        let seed = testSeed()
        var (configuration, copier, _) = try Self.setting(seed: seed, pairs: 4, calibration: 8, test: 16)
        configuration.lengths = [32, 64, 128]
        var model = copier
        let result = try LemmaTest.run(model: &model, prompting: BitCopyPrompting(), configuration: configuration)
        // Calibrated η(64) = 1/8 < c predicts the copy; on the test strings η = 1/4 > c: β copied as its own complement.
        let at64 = result.outcomes[1], at128 = result.outcomes[2]
        #expect(at64.covered.count == 4 && at64.copyFailures == 4, "seed \(seed)")
        // At 128 the copy holds (η = 1/8 < c) but the gap, by hand about 0.20, exceeds the bound from η = 1/16 (0.147).
        #expect(at128.copyFailures == 0 && at128.boundFailures == 4, "seed \(seed)")
        #expect(abs(at128.pairs[0].gap.doubleMidpoint - Self.gap(n: 128, d: 16)) < 1e-5)
        #expect(result.predictionFailed)
        #expect(result.summary().contains("FAILED") && result.summary().contains("4 predicted but NOT copied as α"))
        #expect(result.table().rows[1][9] == "NO (4 of 4)" && result.table().rows[2][13] == "NO (4 of 4)")
    }

    @Test("without ε_model nothing but the copy is predicted, and the report says the floor is unknown")
    func unknownFloor() throws {
        let calibration = [LemmaCalibration(length: 64, pairs: 1, eta: 0.1, margin: 0.2, margins: [0.2], etas: [0.1])]
        let record = try LemmaTest.predict(calibration: calibration, floor: nil, xis: [try BigRational(1, 10)])
        #expect(record.lengths[0].copyPredicted && record.lengths[0].bound == nil)
        #expect(record.thresholds[0].gridThreshold == nil && record.thresholds[0].lemma == nil)
        let test = LemmaTest(configuration: LemmaTestConfiguration(lengths: [64]), calibration: calibration, prediction: record, outcomes: [])
        #expect(test.summary().contains("the floor is unknown"))
        #expect(test.thresholdTable().rows[0][1] == "none")
    }

    @Test("test draws never reuse a calibration string; a length too short to draw them is refused; a shared string is refused")
    func disjoint() throws {
        let seed = testSeed()
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<20 {
            let n = generator.nextInt(in: 8...40), count = generator.nextInt(in: 1...20)
            let rho = [0.5, 0.2][generator.nextInt(in: 0...1)]
            let calibration = try LemmaTest.draw(length: n, count: count, seed: generator.next(), base: .random(onesProbability: rho))
            let seen = Set(calibration.flatMap { [$0.alpha, $0.beta] })
            let test = try LemmaTest.draw(length: n, count: count, seed: generator.next(), base: .random(onesProbability: rho), avoiding: seen)
            #expect(test.count == count && Set(test.map(\.alpha)).count == count, "seed \(seed)")
            #expect(test.allSatisfy { !seen.contains($0.alpha) && !seen.contains($0.beta) && (1...n).contains($0.flip) }, "seed \(seed)")
        }
        #expect(throws: LemmaTestError.self) { try LemmaTest.draw(length: 3, count: 10, seed: 1, base: .random(onesProbability: 0.5)) }
        let pair = LemmaPair(alpha: Array(repeating: 0, count: 32), flip: 3)
        let record = try LemmaTest.predict(calibration: [LemmaCalibration(length: 32, pairs: 1, eta: 0.1, margin: 0.2, margins: [0.2], etas: [0.1])],
                                           floor: nil, xis: [1], calibrationStrings: [32: [pair.beta]])
        var model = ScriptedCopier(wrong: [])
        #expect(throws: LemmaTestError.notDisjoint(length: 32, bits: WitnessReport.bits(pair.beta))) {
            _ = try LemmaTest.test(model: &model, prompting: BitCopyPrompting(), prediction: record, pairs: [32: [pair]])
        }
    }

    @Test("α = 0…0: calibration and test flip disjoint positions inside the class; the same seed draws the same flips; too small a class is refused")
    func zeros() throws {
        let seed = testSeed()
        var generator = SeededGenerator(seed: seed)
        for _ in 0..<20 {
            let n = generator.nextInt(in: 4...300), after = [0, 0.25, 0.5, 0.9][generator.nextInt(in: 0...3)]
            let configuration = LemmaTestConfiguration(base: .zeros, flipsAfter: after)
            let flips = configuration.flips(length: n)
            // The class is ⌊F·N⌋ + 1 … N, counted independently of `flips(length:)`.
            let first = (1...n).first { Double($0) > after * Double(n) }!
            #expect(flips == first...n, "seed \(seed)")
            let count = generator.nextInt(in: 1...max(1, flips.count / 2))
            let s1 = generator.next(), s2 = generator.next()
            let calibration = try LemmaTest.draw(length: n, count: count, seed: s1, base: .zeros, flips: flips)
            #expect(try LemmaTest.draw(length: n, count: count, seed: s1, base: .zeros, flips: flips) == calibration, "seed \(seed)")
            let test = try LemmaTest.draw(length: n, count: flips.count - count, seed: s2, base: .zeros, flips: flips, avoiding: Set(calibration.map(\.beta)))
            #expect((calibration + test).allSatisfy { $0.alpha == Array(repeating: 0, count: n) && flips.contains($0.flip) }, "seed \(seed)")
            // Together they use every position of the class exactly once.
            #expect((calibration + test).map(\.flip).sorted() == Array(flips), "seed \(seed)")
            #expect(throws: LemmaTestError.cannotDrawDisjointPairs(length: n, wanted: flips.count - count + 1, drawn: flips.count - count)) {
                try LemmaTest.draw(length: n, count: flips.count - count + 1, seed: s2, base: .zeros, flips: flips, avoiding: Set(calibration.map(\.beta)))
            }
        }
    }

    @Test("α = 0…0 on a copier: the shared α is copied, only β's are kept apart, and the summary names the draw")
    func zerosRun() throws {
        let configuration = LemmaTestConfiguration(lengths: [64, 128], calibrationPairs: 10, testPairs: 20, base: .zeros, flipsAfter: 0.5,
                                                   floor: Self.floor)
        var model = ScriptedCopier(wrong: [])
        let result = try LemmaTest.run(model: &model, prompting: BitCopyPrompting(), configuration: configuration)
        for (k, n) in [64, 128].enumerated() {
            let strings = result.prediction.calibrationStrings[n] ?? []
            #expect(strings.count == 10 && !strings.contains(Array(repeating: 0, count: n)))
            #expect(result.outcomes[k].pairs.count == 20 && result.outcomes[k].pairs.allSatisfy { $0.pair.flip > n / 2 && !strings.contains($0.pair.beta) })
        }
        // This copier reads every flipped bit: η(N) is far above the margin, nothing is predicted, nothing copied as α.
        #expect(result.outcomes.allSatisfy { $0.covered.isEmpty && $0.pairs.allSatisfy { !$0.copiedAsAlpha } })
        #expect(result.summary().contains("α_N = 0…0") && result.summary().contains("flips j > ⌊0.5·N⌋ only"))
        #expect(result.json().rendered().contains("\"base\": \"zeros\""))
    }

    @Test("a copy sweep with a prediction, on the closed-form copier: η(N) = d/N from other flips, the copy, bound and gap as derived by hand")
    func sweep() throws {
        let d = 8.0, lengths = [16, 64, 128, 256]
        let memory = Dictionary(uniqueKeysWithValues: lengths.map { (Array(repeating: 0, count: $0), d) })
        var model = MemorisingCopier(memory: memory, c: Self.c, separator: Self.separator)
        let prediction = CopySweepPrediction(calibrationPairs: 12, seed: 7, floor: Self.floor)
        let sweep = try CopySweep.run(model: &model, prompting: BitCopyPrompting(), configuration: CopySweepConfiguration(lengths: lengths, prediction: prediction))
        let lemma = try #require(sweep.lemma)
        // N = 16: the second half has 8 positions, 7 of them other than N.
        #expect(lemma.calibration.map(\.pairs) == [7, 12, 12, 12])
        #expect(lengths.allSatisfy { n in !(lemma.prediction.calibrationStrings[n] ?? []).contains(LemmaPair(alpha: Array(repeating: 0, count: n), flip: n).beta) })
        #expect(lemma.prediction.calibrationStrings.allSatisfy { n, betas in betas.allSatisfy { $0.firstIndex(of: 1)! >= n / 2 } })
        for (k, n) in lengths.enumerated() {
            let eta = d / Double(n), p = lemma.prediction.lengths[k], pair = try #require(lemma.outcomes[k].pairs.first)
            #expect(abs(p.eta - eta) < 1e-5 && pair.copyPredicted == (eta < Self.c) && pair.copiedAsAlpha == (eta < Self.c), "N \(n)")
            let bound = -Foundation.log(0.05) / Double(n) + 2 * eta * Double(n - 1) / Double(n)
            // At N = 16, η = 1/2: outside the lemma, no bound.
            #expect(p.bound.map { abs($0.doubleMidpoint - bound) < 1e-5 } == (eta < 0.5 ? true : nil), "N \(n)")
            if eta < Self.c { #expect(abs(pair.gap.doubleMidpoint - Self.gap(n: n, d: d)) < 1e-5, "N \(n)") }
            // The sweep's own witness is the test pair.
            #expect(pair.pair.flip == n && sweep.witnesses[k].betaCopiedAsAlpha == pair.copiedAsAlpha)
        }
        // d/16 = 1/2 is not below c = 1/5; d/64 = 1/8 is, and so on.
        let rows = sweep.table().rows
        #expect(rows.map { $0[16] } == ["no", "yes", "yes", "yes"] && rows.map { $0[18] } == ["n/a", "yes", "yes", "yes"])
        #expect(sweep.table().columns[9] == "own bound (check)")
        #expect(lemma.summary().contains("each length's witness β_N = 0…01") && lemma.summary().contains("7 at N = 16, 12 at N = 64"))
        guard case .object(let fields) = sweep.json() else { Issue.record("the sweep's JSON is not an object"); return }
        #expect(fields.map(\.0) == ["witnesses", "prediction"])
        #expect(sweep.figure(title: "t").panels[0].lines.count == 2)
    }

    @Test("a sweep does not calibrate where α = 0…0 is not copied with a margin: nothing could be predicted there")
    func sweepSkipsLengthsWithoutMargin() throws {
        let d = 8.0, lengths = [16, 64, 128]
        let memory = Dictionary(uniqueKeysWithValues: lengths.map { (Array(repeating: 0, count: $0), d) })
        var model = MemorisingCopier(memory: memory, c: Self.c, separator: Self.separator)
        // At N = 128, p(α_k) = 1/2 − 1/10 while the other bit gets 0.55: α is not copied (m = −1/10).
        model.marginByLength[128] = -0.1
        let prediction = CopySweepPrediction(calibrationPairs: 12, seed: 7, floor: Self.floor)
        let sweep = try CopySweep.run(model: &model, prompting: BitCopyPrompting(), configuration: CopySweepConfiguration(lengths: lengths, prediction: prediction))
        let lemma = try #require(sweep.lemma)
        #expect(lemma.calibration.map(\.pairs) == [7, 12, 0])
        #expect(lemma.calibration[2].eta.isNaN && abs(lemma.calibration[2].margin + 0.1) < 1e-6)
        // Elsewhere as before: η(N) = d/N.
        #expect(abs(lemma.calibration[1].eta - d / 64) < 1e-5)
        #expect(lemma.prediction.calibrationPairs == 7)
        let p = lemma.prediction.lengths[2]
        #expect(!p.copyPredicted && p.bound == nil)
        // The witness at N = 128 is still built (and its α is not copied), with nothing predicted for it.
        #expect(sweep.witnesses.count == 3 && sweep.witnesses[2].alpha.margin < 0)
        #expect(lemma.outcomes[2].covered.isEmpty && CopySweep.verdict(lemma.outcomes[2]) == "n/a")
        let row = sweep.table().rows[2]
        #expect(row[15] == "n/a (alpha not copied)" && row[16] == "no" && row[18] == "n/a")
        #expect(lemma.summary().contains("At N ∈ {128} α was not copied with a margin"))
        #expect(lemma.json().rendered().contains("\"eta\": null"))
        #expect(sweep.figure(title: "t").panels[0].lines[1].points.count == 2)
    }

    @Test("a sweep's prediction needs increasing lengths and another position to calibrate on")
    func sweepSettings() {
        func fields(_ c: CopySweepConfiguration) -> [String]? {
            do { try c.validate(); return nil } catch { return error.fields }
        }
        #expect(fields(CopySweepConfiguration(lengths: [8, 4], prediction: CopySweepPrediction())) == ["lengths"])
        #expect(fields(CopySweepConfiguration(lengths: [8, 4])) == nil)
        #expect(fields(CopySweepConfiguration(lengths: [1], prediction: CopySweepPrediction())) == ["lengths"])
        #expect(fields(CopySweepConfiguration(lengths: [2], prediction: CopySweepPrediction(flipsAfter: 0))) == nil)
        #expect(fields(CopySweepConfiguration(lengths: [8], prediction: CopySweepPrediction(calibrationPairs: 0))) == ["calibrationPairs"])
        #expect(fields(CopySweepConfiguration(lengths: [8], prediction: CopySweepPrediction(flipsAfter: 1))) == ["flipsAfter"])
    }

    @Test("invalid settings name the field") func invalid() {
        func fields(_ c: LemmaTestConfiguration) -> [String]? {
            do { try c.validate(); return nil } catch { return error.fields }
        }
        #expect(fields(LemmaTestConfiguration(lengths: [32, 16])) == ["lengths"])
        #expect(fields(LemmaTestConfiguration(testPairs: 0)) == ["testPairs"])
        #expect(fields(LemmaTestConfiguration(calibrationPairs: 100_001)) == ["calibrationPairs"])
        #expect(fields(LemmaTestConfiguration(calibrationSeed: 5, testSeed: 5)) == ["testSeed"])
        #expect(fields(LemmaTestConfiguration(base: .random(onesProbability: 1))) == ["onesProbability"])
        #expect(fields(LemmaTestConfiguration(flipsAfter: 1)) == ["flipsAfter"])
        #expect(fields(LemmaTestConfiguration(flipsAfter: -0.1)) == ["flipsAfter"])
        #expect(fields(LemmaTestConfiguration(floor: 1)) == ["floor"])
        #expect(fields(LemmaTestConfiguration(xis: [0])) == ["xis"])
        #expect(fields(LemmaTestConfiguration()) == nil)
    }

    @Test("on a small copy Transformer the pipeline reports what copyWitness measures on the same pairs")
    func transformer() throws {
        let seed = testSeed()
        let configuration = LemmaTestConfiguration(lengths: [8, 16], calibrationPairs: 3, testPairs: 3, calibrationSeed: seed, testSeed: seed &+ 1,
                                                   floor: try BigRational(1, 1_000_000))
        var model = TransformerLanguageModel(tinyCopyModel)
        let result = try LemmaTest.run(model: &model, prompting: BitCopyPrompting(), configuration: configuration)
        // The model reuses its KV cache for a prompt's common prefix with the one before, so a
        // row's float32 rounding depends on what ran before it. Replaying the library's order of
        // copies (every length's calibration, then every length's test; α's copy reused while
        // consecutive pairs share α) makes the same calls, so the numbers must be equal exactly.
        var direct = TransformerLanguageModel(tinyCopyModel)
        func witnesses(_ pairs: [LemmaPair]) throws -> [CopyWitness] {
            var alphaCopy: GreedyCopy? = nil
            return try pairs.map { pair in
                let alpha = try alphaCopy.flatMap { $0.target == pair.alpha ? $0 : nil }
                    ?? greedyCopy(pair.alpha, model: &direct, prompting: BitCopyPrompting())
                alphaCopy = alpha
                return try copyWitness(model: &direct, prompting: BitCopyPrompting(), alphaCopy: alpha, flip: pair.flip)
            }
        }
        for (k, n) in [8, 16].enumerated() {
            let calibration = try witnesses(try LemmaTest.draw(length: n, count: 3, seed: seed, base: .random(onesProbability: 0.5)))
            #expect(result.calibration[k].eta == calibration.map { $0.certified.eta.upper.double(rounding: .up) }.max(), "seed \(seed)")
            #expect(result.calibration[k].margin == calibration.map { Double($0.minimumAlphaProbability) - 0.5 }.min(), "seed \(seed)")
        }
        for k in 0..<2 {
            let outcomes = result.outcomes[k].pairs
            let measured = try witnesses(outcomes.map(\.pair))
            for (t, w) in zip(outcomes, measured) {
                #expect(t.copiedAsAlpha == w.betaCopiedAsAlpha && t.gap.lower == w.certified.gap.lower && t.gap.upper == w.certified.gap.upper, "seed \(seed)")
                #expect(t.margin == Double(w.minimumAlphaProbability) - 0.5, "seed \(seed)")
                #expect(t.copyPredicted == (result.calibration[k].eta < t.margin), "seed \(seed)")
            }
        }
        #expect(result.table().rows.map { $0[0] } == ["8", "16"] && result.table().rows.allSatisfy { $0[5] == "3" })
    }
}

@Suite(.serialized, .enabled(if: batchedCopyGemma != nil, Comment(rawValue:
    "Gemma 3 270M is absent: run `perplexed model fetch gemma3-270m` (or set PERPLEXED_GEMMA_GGUF)")))
struct LemmaPredictionGemmaTests {
    /// Tiny on purpose: a Gemma witness costs seconds (about 10 s at N = 256).
    @Test("on Gemma 3 the pipeline runs through the same protocol and reports what copyWitness measures")
    func gemma() throws {
        let gemma = try #require(batchedCopyGemma)
        let prompting = try FewShotCopyPrompting(model: gemma)
        let configuration = LemmaTestConfiguration(lengths: [4], calibrationPairs: 1, testPairs: 1, floor: try BigRational(1, 1_000_000_000))
        var model = GemmaLanguageModel(gemma)
        let result = try LemmaTest.run(model: &model, prompting: prompting, configuration: configuration)
        // The test pair recomputed alone (the calibration pair goes through the same function).
        var direct = GemmaLanguageModel(gemma)
        let t = try #require(result.outcomes.first?.pairs.first)
        let w = try copyWitness(model: &direct, prompting: prompting, alpha: t.pair.alpha, flip: t.pair.flip)
        #expect(t.copiedAsAlpha == w.betaCopiedAsAlpha && abs(t.gap.doubleMidpoint - w.certified.gap.doubleMidpoint) < 1e-4)
        #expect(t.copyPredicted == (result.calibration[0].eta < t.margin))
    }
}
