import Foundation
import Testing
import MultiPrecision
import PerplexityTheory
@testable import Witnesses
import Kernels

/// A hand-built copy model whose outputs are known in closed form: at every copy step it puts
/// logit c·(1 − 2m) on bit 0 and c·(2m − 1) on bit 1, where m is the fraction of ones among the
/// input bits, and logit −8 on the separator. It copies 0…0 confidently and, for one flipped bit,
/// still emits 0…0: exactly the failure Lemma 3.1 predicts.
struct MeanModel: LanguageModel {
    let c: Float
    var calls = 0
    var vocabularySize: Int { 3 }

    mutating func logits(after prefix: [Int]) throws -> [Float] {
        calls += 1
        let end = prefix.firstIndex(of: 2) ?? prefix.count
        let bits = prefix[..<end]
        let m = Float(bits.filter { $0 == 1 }.count) / Float(Swift.max(bits.count, 1))
        return [c * (1 - 2 * m), c * (2 * m - 1), -8]
    }
}

/// The closed-form probabilities of MeanModel, in double precision.
func meanModelProbabilities(c: Double, ones: Int, length: Int) -> [Double] {
    let m = Double(ones) / Double(length)
    let z = [c * (1 - 2 * m), c * (2 * m - 1), -8.0]
    let top = z.max()!
    let e = z.map { Foundation.exp($0 - top) }
    let s = e.reduce(0, +)
    return e.map { $0 / s }
}

@Suite struct WitnessTests {
    @Test("witness quantities on a hand-built model match their closed forms", arguments: [4, 16, 64])
    func closedForm(_ n: Int) throws {
        var model = MeanModel(c: 3)
        let w = try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: Array(repeating: 0, count: n))
        let pAlpha = meanModelProbabilities(c: 3, ones: 0, length: n)
        let pBeta = meanModelProbabilities(c: 3, ones: 1, length: n)
        #expect(w.alpha.output == Array(repeating: 0, count: n))
        #expect(w.beta.output == Array(repeating: 0, count: n), "β_N is copied as α_N")
        #expect(w.betaCopiedAsAlpha && !w.beta.isCorrect && w.alpha.isCorrect)
        #expect(w.flip == n)
        // Eq. 3 along greedy outputs.
        let expectedAlpha = -Foundation.log(pAlpha[0])
        let expectedBeta = -((Double(n - 1) * Foundation.log(pBeta[0])) + Foundation.log(pBeta[1])) / Double(n)
        #expect(abs(w.alpha.logPerplexity - expectedAlpha) < 1e-5)
        #expect(abs(w.beta.logPerplexity - expectedBeta) < 1e-5)
        #expect(abs(w.certified.alphaLogPerplexity.doubleMidpoint - expectedAlpha) < 1e-6)
        #expect(abs(w.certified.betaLogPerplexity.doubleMidpoint - expectedBeta) < 1e-6)
        // η = L∞ distance, the same at every position for this model: in double, and certified
        // against a 1024-bit computation from the model's float32 logits.
        let eta = zip(pAlpha, pBeta).map { abs($0 - $1) }.max()!
        #expect(abs(w.eta - eta) < 1e-6)
        let exactEta = try exactDistance(w.alpha.logits[0], w.beta.logits[0])
        #expect(w.certified.eta.contains(exactEta) && w.certified.distance.allSatisfy { $0.contains(exactEta) })
        #expect(abs(w.certified.eta.doubleMidpoint - eta) < 1e-6)
        #expect(abs(Double(w.minimumAlphaProbability) - pAlpha[0]) < 1e-6)
        #expect(abs(Double(w.maximumBetaProbability) - pBeta[1]) < 1e-6)
        // The measured gap lies under the corrected Lemma 3.1 bound.
        #expect(w.certified.hypothesesHold)
        #expect(w.certified.withinBound == true)
        #expect(w.certified.float32Error < 1e-5)
    }

    @Test("η comes from the logits: a doctored β raises it, or breaks the hypotheses and withholds the bound")
    func doctored() throws {
        var model = MeanModel(c: 3)
        let w = try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: Array(repeating: 0, count: 16))
        func doctor(_ row: [Float]) -> GreedyCopy {
            var logits = w.beta.logits
            for k in 0..<15 { logits[k] = row }
            return GreedyCopy(
                target: w.beta.target, output: w.beta.output, logits: logits,
                targetProbability: logits.enumerated().map { softmax($0.element)[w.beta.target[$0.offset]] },
                restrictedTargetProbability: w.beta.restrictedTargetProbability, prematureStops: [])
        }
        // β's target probability drops to about 0.6 at every non-flipped position: η rises to the
        // distance of those rows, computed here at 1024 bits, and the bound uses it.
        let raised = try certify(alpha: w.alpha, beta: doctor([0.4, 0, -8]), flip: 16, prompting: BitCopyPrompting(), threshold: 0.1, precision: 128)
        let exact = try exactDistance(w.alpha.logits[0], [0.4, 0, -8])
        #expect(raised.eta.contains(exact), "\(raised.eta) vs \(exact)")
        #expect(raised.hypothesesHold && raised.withinBound == true)
        // Below 1/2 on β's own target: the lemma's hypotheses fail and no bound is claimed.
        let broken = try certify(alpha: w.alpha, beta: doctor([0, 0.4, -8]), flip: 16, prompting: BitCopyPrompting(), threshold: 0.1, precision: 128)
        #expect(!broken.hypothesesHold && broken.lemmaBound == nil && broken.withinBound == nil)
    }

    /// ‖softmax(a) − softmax(b)‖_∞ at 1024 bits over every entry, written out independently.
    func exactDistance(_ a: [Float], _ b: [Float]) throws -> BigFloat {
        func probabilities(_ z: [Float]) throws -> [BigFloat] {
            let e = try z.map { BigFloat.exp(try BigFloat(Double($0), precision: 1024)) }
            var sum = try BigFloat(0, precision: 1024)
            for v in e { sum += v }
            return e.map { $0 / sum }
        }
        let p = try probabilities(a), q = try probabilities(b)
        return zip(p, q).map { ($0 - $1).magnitude }.max()!
    }

    @Test("the certified L∞ distance encloses a 1024-bit computation (wide rows, ties, identical rows)")
    func certifiedDistance() throws {
        let softmax = CertifiedLogSoftmax(precision: 128, method: .multiPrecision)
        var rng = SplitMix64(seed: 11)
        for trial in 0..<12 {
            // Rows of 1…3000 logits spread over ±60 nats, b a perturbation of a (some entries tied).
            let width = [2, 3, 50, 3000][trial % 4]
            let a = (0..<width).map { _ in Float(Int.random(in: -60_000...60_000, using: &rng)) / 1000 }
            let b = a.map { Int.random(in: 0...2, using: &rng) == 0 ? $0 : $0 + Float(Int.random(in: -500...500, using: &rng)) / 1000 }
            let d = try softmax.distance(a, b)
            let exact = try exactDistance(a, b)
            #expect(d.contains(exact), "trial \(trial), width \(width): \(d) vs \(exact)")
            // Width: 128-bit rounding (~1e-38) plus the log-softmax's bounded tail, at most
            // (entries more than 40 nats down) · e^-40 ≈ 3000 · 4.3e-18 ≈ 1.3e-14 here.
            let tail = Double(width) * Foundation.exp(-40) * 2 + 1e-30
            #expect(d.width < (try BigFloat(tail, precision: 64)), "trial \(trial): \(d)")
        }
        let row: [Float] = [1, 2, 3, -50]
        #expect(try softmax.distance(row, row).contains(BigFloat(0)))
        #expect(try softmax.distance(row, row).width == 0)
    }

    @Test("the certified log-softmax encloses a 1024-bit computation") func certifiedLogSoftmax() throws {
        let logits: [Float] = [1.5, -2.25, 0.125, 17.0, -40.0]
        let enclosures = try CertifiedLogSoftmax(precision: 128, method: .multiPrecision).logProbabilities(logits, of: [0, 3, 4])
        let z = try logits.map { try BigFloat(Double($0), precision: 1024) }
        var sum = try BigFloat(0, precision: 1024)
        for v in z { sum += BigFloat.exp(v) }
        let lse = BigFloat.log(sum)
        for (index, token) in [0, 3, 4].enumerated() {
            #expect(enclosures[index].contains(z[token] - lse))
            // Logits more than 40 nats below the top form a bounded tail: here e^-57 of width.
            #expect(enclosures[index].width < (try BigFloat(parsing: "1e-24", precision: 64)))
        }
    }

    @Test("the greedy decision breaks ties toward 0 (Eq. 2)") func ties() throws {
        struct Tie: LanguageModel {
            var vocabularySize: Int { 3 }
            mutating func logits(after prefix: [Int]) throws -> [Float] { [0.5, 0.5, 0] }
        }
        var model = Tie()
        let copy = try greedyCopy([1, 1, 0], model: &model, prompting: BitCopyPrompting())
        #expect(copy.output == [0, 0, 0])
    }

    @Test("bad input: N < 1, a flip out of range, bits other than 0 and 1, bad logits") func badInput() {
        var model = MeanModel(c: 3)
        #expect(throws: WitnessError.invalidLength(0, maximum: nil)) { try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: []) }
        #expect(throws: WitnessError.flipOutOfRange(5, length: 4)) { try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: [0, 0, 0, 0], flip: 5) }
        #expect(throws: WitnessError.flipOutOfRange(0, length: 4)) { try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: [0, 0, 0, 0], flip: 0) }
        #expect(throws: WitnessError.self) { try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: [0, 2]) }
        struct Broken: LanguageModel {
            var vocabularySize: Int { 3 }
            mutating func logits(after prefix: [Int]) throws -> [Float] { [.nan, 0, 0] }
        }
        var broken = Broken()
        #expect(throws: WitnessError.self) { try greedyCopy([0], model: &broken, prompting: BitCopyPrompting()) }
        #expect(WitnessError.flipOutOfRange(5, length: 4).description.contains("1…4"))
    }
}

@Suite struct StatisticsTests {
    struct Fixture: Decodable {
        struct Boot: Decodable { let resamples: Int; let confidence: Double; let seed: UInt64; let lower: Double; let upper: Double }
        let x: [Double], y: [Double], pearson: Double, spearman: Double
        let tied_x: [Double], tied_y: [Double], tied_spearman: Double, tied_ranks: [Double]
        let bootstrap: Boot
        let predicted: [Int], actual: [Int], binary_f1: Double, micro_f1: Double
        let p_one: [Double], brier: Double, ece: Double, confidence: [Double], correct: [Bool]
        let distribution: [Double], entropy: Double
    }

    func load() throws -> Fixture {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/statistics", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    @Test("Pearson, Spearman and ranks against scipy") func correlations() throws {
        let f = try load()
        #expect(abs(try #require(Statistics.pearson(f.x, f.y)) - f.pearson) < 1e-12)
        #expect(abs(try #require(Statistics.spearman(f.x, f.y)) - f.spearman) < 1e-12)
        #expect(abs(try #require(Statistics.spearman(f.tied_x, f.tied_y)) - f.tied_spearman) < 1e-12)
        #expect(Statistics.ranks(f.tied_x) == f.tied_ranks)
        #expect(Statistics.pearson([1, 1, 1], [1, 2, 3]) == nil)
    }

    @Test("the seeded bootstrap matches an independent Python implementation") func bootstrap() throws {
        let f = try load()
        let ci = try #require(Statistics.bootstrapPearson(f.x, f.y, resamples: f.bootstrap.resamples,
                                                          confidence: f.bootstrap.confidence, seed: f.bootstrap.seed))
        #expect(abs(ci.lower - f.bootstrap.lower) < 1e-12)
        #expect(abs(ci.upper - f.bootstrap.upper) < 1e-12)
        #expect(ci.lower < f.pearson && f.pearson < ci.upper)
    }

    @Test("F1, Brier, ECE and entropy against numpy") func classification() throws {
        let f = try load()
        #expect(abs(Statistics.binaryF1(predicted: f.predicted, actual: f.actual) - f.binary_f1) < 1e-15)
        #expect(abs(Statistics.microF1(predicted: f.predicted, actual: f.actual) - f.micro_f1) < 1e-15)
        #expect(abs(Statistics.brier(probabilityOfOne: f.p_one, actual: f.actual) - f.brier) < 1e-15)
        #expect(abs(Statistics.expectedCalibrationError(confidence: f.confidence, correct: f.correct) - f.ece) < 1e-12)
        #expect(abs(Statistics.entropy(f.distribution) - f.entropy) < 1e-15)
    }
}

@Suite struct SelectionStudyTests {
    @Test("checkpoint metrics from logits match closed forms") func metrics() {
        let logits: [Float] = [Float(Foundation.log(0.7)), Float(Foundation.log(0.2)), Float(Foundation.log(0.1))]
        let m = CheckpointMetrics(step: 100, scored: ScoredPositions(logits: [logits, logits], targets: [0, 1]))
        #expect(abs(m.logPerplexity - -(Foundation.log(0.7) + Foundation.log(0.2)) / 2) < 1e-6)
        #expect(m.accuracy == 0.5 && m.microF1 == 0.5 && m.binaryF1 == 0)
        let pOne = 0.2 / 0.9
        #expect(abs(m.brier - (pOne * pOne + (pOne - 1) * (pOne - 1)) / 2) < 1e-6)
        let entropy = -(0.7 * Foundation.log(0.7) + 0.2 * Foundation.log(0.2) + 0.1 * Foundation.log(0.1))
        #expect(abs(m.meanEntropy - entropy) < 1e-6)
        // Both positions have confidence 7/9 in bin 7; accuracy 1/2.
        #expect(abs(m.calibrationError - abs(0.5 - 0.7 / 0.9)) < 1e-6)
    }

    @Test("selection rules pick different checkpoints when accuracy and perplexity disagree") func selection() {
        // Targets 0, 0, 1. Each checkpoint gives, per position, its probability of bit 0.
        func checkpoint(_ step: Int, pZero: [Double]) -> CheckpointMetrics {
            let logits = pZero.map { p -> [Float] in [Float(Foundation.log(p)), Float(Foundation.log(1 - p)), -30] }
            return CheckpointMetrics(step: step, scored: ScoredPositions(logits: logits, targets: [0, 0, 1]))
        }
        // 1: confident, misses the 1 mildly: accuracy 2/3, L = −(2 log 0.95 + log 0.4)/3 ≈ 0.340.
        // 2: right everywhere but unsure:       accuracy 1,   L = −log 0.55 ≈ 0.598.
        // 3: near-certain 0 everywhere:         accuracy 2/3, L = −(2 log 0.999 + log 0.001)/3 ≈ 2.303,
        //    and the lowest entropy (≈ 0.008 nats against ≈ 0.357 and ≈ 0.688).
        let study = SelectionStudy([
            checkpoint(1, pZero: [0.95, 0.95, 0.6]), checkpoint(2, pZero: [0.55, 0.55, 0.45]), checkpoint(3, pZero: [0.999, 0.999, 0.999]),
        ])
        let byRule = Dictionary(uniqueKeysWithValues: study.selections.map { ($0.rule, ($0.step, $0.accuracy)) })
        #expect(byRule["lowest log-perplexity"]?.0 == 1)
        #expect(abs((byRule["lowest log-perplexity"]?.1 ?? 0) - 2.0 / 3) < 1e-12)
        #expect(byRule["highest micro-F1 (oracle)"]?.0 == 2)
        #expect(byRule["highest micro-F1 (oracle)"]?.1 == 1)
        #expect(byRule["lowest mean entropy"]?.0 == 3)
        // Brier (mean squared error of the restricted p(1)): 0.122, 0.202, 0.333; calibration
        // error (10 bins): 0.233, 0.450, 0.332 (computed by hand from the probabilities above).
        #expect(byRule["lowest Brier score"]?.0 == 1)
        #expect(byRule["lowest calibration error"]?.0 == 1)
    }
}

@Suite struct TailBoundTests {
    @Test("the bounded tail keeps large-vocabulary log-softmax certified and tight") func tail() throws {
        // 5000 logits far below the top (the tail) and a few near it, against 1024-bit sums.
        var logits: [Float] = [3, 2.5, -1]
        for i in 0..<5000 { logits.append(-60 - Float(i % 17) / 8) }
        let enclosure = try CertifiedLogSoftmax(precision: 128, method: .multiPrecision).logSumExp(logits)
        var sum = try BigFloat(0, precision: 1024)
        for z in logits { sum += BigFloat.exp(try BigFloat(Double(z), precision: 1024)) }
        #expect(enclosure.contains(BigFloat.log(sum)))
        // The tail adds at most 5000·e^-63 ≈ 2e-24 of width.
        #expect(enclosure.width < (try BigFloat(parsing: "1e-20", precision: 64)))
    }
}
