import Foundation
import Kernels
import Testing
import MultiPrecision
import PerplexityTheory
import Prover
import Reporting
import Transformer
import Witnesses
@testable import Experiments

/// Independent references: Eq. 10 and Eq. 11 written out here at 1024 bits, not taken from
/// PerplexityTheory's implementation.
enum ClosedForm {
    static let bits = 1024

    static func q(_ text: String) -> Interval { try! Interval(parsing: text, precision: bits) }

    /// Eq. 10: pplx(a, γ) = −a log(1 − γ) − (1 − a) log γ.
    static func logPerplexity(_ a: Interval, _ gamma: Interval) -> Interval {
        let one = q("1")
        return -(a * .log(one - gamma)) - (one - a) * .log(gamma)
    }

    /// Eq. 11: the accuracy a′ at which γ′ = γ(1 − s) has the base model's log-perplexity L:
    /// −log γ′ − a′ log((1 − γ′)/γ′) = L, so a′ = (−log γ′ − L) / log((1 − γ′)/γ′).
    static func criticalAccuracy(_ a: Interval, _ gamma: Interval, shift s: Interval) -> Interval {
        let one = q("1"), L = logPerplexity(a, gamma)
        let g = gamma * (one - s)
        return (-Interval.log(g) - L) / .log((one - g) / g)
    }
}

/// A scratch directory per test run.
func scratch(_ name: String) -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("perplexed-experiments-\(ProcessInfo.processInfo.processIdentifier)-\(name)")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// A small copy model trained for a few steps: enough to exercise every experiment quickly.
let tinyCopyModel: TransformerModel = {
    var run = RunConfig(model: TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32), task: TaskSpec(kind: .copy))
    run.training.batchSize = 8
    run.training.steps = 10
    var trainer = try! Trainer(run: run, seed: 1)
    while trainer.step < run.training.steps { _ = trainer.trainStep() }
    return trainer.model
}()

@Suite struct DemoTests {
    /// Fig. 3's grid written out as the paper gives it.
    static let leftGammas = ["1/100", "1/20", "1/10", "1/5", "3/10", "2/5"]
    static let rightAccuracies = ["1/2", "3/5", "7/10", "4/5", "9/10", "19/20"]

    @Test("the demo encloses Eq. 10 and Eq. 11 at every base model of Fig. 3") func enclosures() throws {
        let demo = try Demo.run(DemoConfiguration(precision: 128, digits: 12))
        let expected = Self.leftGammas.map { ("a = 1/2", "1/2", $0) } + Self.rightAccuracies.map { ("gamma = 2/5", $0, "2/5") }
        #expect(demo.rows.count == expected.count)
        for (row, (panel, a, gamma)) in zip(demo.rows, expected) {
            #expect(row.panel == panel && row.accuracy.description == a && row.gamma.description == gamma)
            let aI = ClosedForm.q(a), gI = ClosedForm.q(gamma)
            #expect(row.logPerplexity.contains(ClosedForm.logPerplexity(aI, gI)), "pplx(\(a), \(gamma))")
            for (value, s) in zip(row.criticalAccuracies, ["1/4", "1/2", "3/4"]) {
                #expect(value.contains(ClosedForm.criticalAccuracy(aI, gI, shift: ClosedForm.q(s))), "a′(\(a), \(gamma), \(s))")
            }
        }
        let table = try demo.table()
        #expect(table.columns == ["panel", "a", "gamma", "pplx(a, gamma)", "a' at shift 1/4", "a' at shift 1/2", "a' at shift 3/4"])
        #expect(table.rows.count == 12 && table.rows[0][0...2] == ["a = 1/2", "1/2", "1/100"])
    }

    @Test("invalid demo settings give typed errors naming the field") func invalid() {
        #expect(throws: ConfigurationError(["precision"], "must be in 2…16777216", got: "1")) { try Demo.run(DemoConfiguration(precision: 1)) }
        #expect(throws: ConfigurationError(["digits"], "must be in 1…1000", got: "0")) { try DemoConfiguration(digits: 0).validate() }
    }
}

@Suite struct RegionsTests {
    @Test("Fig. 3's default grids and the band at each point follow the sign of a′ − a") func bands() throws {
        let configuration = RegionsConfiguration()
        let shifts = try configuration.shifts()
        #expect(shifts.map(\.description) == ["0", "1/10", "1/5", "3/10", "2/5", "1/2", "3/5", "7/10", "4/5", "9/10"])
        let grids = configuration.grids(shifts: shifts)
        #expect(grids.map(\.name) == ["left", "right"])
        #expect(grids[0].grid.gammas.map(\.description) == DemoTests.leftGammas && grids[0].grid.accuracies.map(\.description) == ["1/2"])
        #expect(grids[1].grid.accuracies.map(\.description) == DemoTests.rightAccuracies && grids[1].grid.gammas.map(\.description) == ["2/5"])
        // At γ = 2/5 the slope of a′ at s = 0 has the sign of 1 − γ − a: a = 1/2 is over-confident
        // (a′ rises), a = 9/10 under-confident (a′ dips: the free lunch).
        let gamma = ClosedForm.q("2/5"), s = ClosedForm.q("1/20")
        for (a, band) in [("1/2", RegionBand.rejectedThoughBetter), ("9/10", .selectedThoughWorse)] {
            let gap = ClosedForm.criticalAccuracy(ClosedForm.q(a), gamma, shift: s) - ClosedForm.q(a)
            #expect(RegionBand(gap: gap, shift: try BigRational(parsing: "1/20")) == band)
            #expect(RegionBand(gap: gap, shift: BigRational(0)) == RegionBand.none)
        }
        #expect(RegionBand(gap: ClosedForm.q("-1/10") + ClosedForm.q("1/5") * ClosedForm.q("1/2"), shift: 1) == .undecided)
        let figure = try configuration.figure()
        #expect(figure.panels.count == 2 && figure.svg().contains("<svg"))
    }

    @Test("invalid regions settings give typed errors naming the field, range and value") func invalid() throws {
        func errors(_ c: RegionsConfiguration) -> ConfigurationError? {
            do { try c.validate(); return nil } catch { return error }
        }
        let six = try BigRational(parsing: "0.6")
        #expect(errors(RegionsConfiguration(gammas: [six]))?.description == "gammas must be in (0, 1/2) (each), got 0.6")
        #expect(errors(RegionsConfiguration(shiftStep: 0))?.message { "--" + $0 } == "--shiftStep must be in (0, 1], got 0")
        #expect(errors(RegionsConfiguration(lastShift: 2))?.fields == ["lastShift"])
        // 6 accuracies × 9 γ × 100,001 shifts > 5,000,000 points.
        let accuracies = try ["0", "0.2", "0.4", "0.6", "0.8", "1"].map { try BigRational(parsing: $0) }
        let gammas = try (1...9).map { try BigRational(parsing: "0.0\($0)") }
        let step = try BigRational(parsing: "1/100000")
        #expect(errors(RegionsConfiguration(accuracies: accuracies, gammas: gammas, shiftStep: step, lastShift: 1))?.fields == ["grid"])
    }
}

@Suite struct CopySweepTests {
    @Test("the copy sweep reports the witnesses that certify builds directly") func sameWitnesses() throws {
        var swept = TransformerLanguageModel(tinyCopyModel)
        var messages: [String] = []
        let sweep = try CopySweep.run(model: &swept, prompting: BitCopyPrompting(), configuration: CopySweepConfiguration(lengths: [4, 8])) {
            messages.append($0.message)
        }
        #expect(messages == ["witness 1/2: N = 4", "witness 2/2: N = 8"])
        var direct = TransformerLanguageModel(tinyCopyModel)
        for (w, n) in zip(sweep.witnesses, [4, 8]) {
            let d = try copyWitness(model: &direct, prompting: BitCopyPrompting(), alpha: Array(repeating: 0, count: n))
            #expect(w.length == n && d.length == n && w.flip == n)
            #expect(w.alpha.output == d.alpha.output && w.beta.output == d.beta.output && w.betaCopiedAsAlpha == d.betaCopiedAsAlpha)
            #expect(w.eta == d.eta && w.distance == d.distance)
            let (a, b) = (w.certified, d.certified)
            #expect(a.gap.lower == b.gap.lower && a.gap.upper == b.gap.upper)
            #expect(a.alphaLogPerplexity.lower == b.alphaLogPerplexity.lower && a.betaLogPerplexity.upper == b.betaLogPerplexity.upper)
            #expect(a.withinBound == b.withinBound && a.regime == b.regime)
        }
        #expect(sweep.table().rows.map { $0[0] } == ["4", "8"])
        guard case .object(let fields) = sweep.json(), case .array(let records)? = fields.first(where: { $0.0 == "witnesses" })?.1 else {
            Issue.record("the sweep's JSON has no witnesses array"); return
        }
        #expect(records.count == 2 && sweep.lemma == nil)
        #expect(sweep.figure(title: "t").panels.count == 3)
    }

    @Test("invalid sweep settings give typed errors naming the field") func invalid() {
        #expect(throws: ConfigurationError(["lengths"], "must list at least one length", got: "none")) { try CopySweepConfiguration(lengths: []).validate() }
        do {
            try CopySweepConfiguration(lengths: [4, 0]).validate()
            Issue.record("a zero length was accepted")
        } catch {
            #expect(error.fields == ["lengths"] && error.element == "length" && error.value == "0")
            #expect(error.message { "--" + $0 } == "--lengths: every length must be >= 1, got 0")
        }
        #expect(throws: ConfigurationError(["precision"], "must be in 16…4096", got: "8")) { try CopySweepConfiguration(precision: 8).validate() }
    }

    @Test("a model too short for the copy refuses it with the positions it needs") func length() throws {
        let config = TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32, position: .learned, maxPositions: 16)
        let model = CopyModel.transformer(TransformerLanguageModel(try TransformerModel(config: config, seed: 1)))
        #expect(throws: CopyModelError.sequenceTooLong(length: 10, needed: 21, maximum: 16)) { try model.checkLength(10, prompting: BitCopyPrompting()) }
        #expect(throws: WitnessError.invalidLength(0, maximum: nil)) { try model.checkLength(0, prompting: BitCopyPrompting()) }
        #expect(throws: CopyModelError.noSuchFile("/nonexistent.safetensors")) { _ = try CopyModel.load(.checkpoint(path: "/nonexistent.safetensors")) }
    }

    @Test("huge lengths are refused before any prompt is built, with the model's maximum") func hugeLengths() throws {
        let bits = BitCopyPrompting()
        let learned = TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32, position: .learned, maxPositions: 16)
        let short = CopyModel.transformer(TransformerLanguageModel(try TransformerModel(config: learned, seed: 1)))
        // 2N + 1 ≤ 16 positions: N ≤ 7.
        #expect(try short.maximumLength(prompting: bits) == 7)
        try short.checkLength(7, prompting: bits)
        for huge in [Int.max, 1 << 62, 17] {
            #expect(throws: WitnessError.invalidLength(huge, maximum: 7)) { try short.checkLength(huge, prompting: bits) }
        }
        // RoPE has no position table, but the sequence is still held to 2^20 tokens.
        let rope = TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32, position: .rope)
        let unbounded = CopyModel.transformer(TransformerLanguageModel(try TransformerModel(config: rope, seed: 1)))
        #expect(CopyModel.sequenceLimit == 1_048_576 && CopyModel.lengthLimit == 524_287)
        #expect(unbounded.sequenceCapacity == CopyModel.sequenceLimit)
        #expect(try unbounded.maximumLength(prompting: bits) == CopyModel.lengthLimit)
        #expect(throws: WitnessError.invalidLength(Int.max, maximum: CopyModel.lengthLimit)) { try unbounded.checkLength(Int.max, prompting: bits) }
        let over = CopyModel.lengthLimit + 1
        #expect(throws: CopyModelError.sequenceTooLong(length: over, needed: 2 * over + 1, maximum: CopyModel.sequenceLimit)) {
            try unbounded.checkLength(over, prompting: bits)
        }
        // The sweep's configuration refuses them without a model.
        #expect(throws: ConfigurationError(["lengths"], element: "length", "must be in 1…524287", got: "\(Int.max)")) {
            try CopySweepConfiguration(lengths: [4, Int.max]).validate()
        }
        try CopySweepConfiguration(lengths: [CopyModel.lengthLimit]).validate()
    }
}

@Suite struct ParityAndTemperatureTests {
    @Test("invalid parity settings name the field, range and value") func invalidParity() {
        #expect(throws: ConfigurationError(["steps"], "must be in 1…100000000", got: "0")) { try ParityStudyConfiguration(steps: 0).validate() }
        #expect(throws: ConfigurationError(["steps"], "must be in 1…100000000", got: "9223372036854775807")) {
            try ParityStudyConfiguration(steps: .max).validate()
        }
        #expect(throws: ConfigurationError(["steps", "checkpointEvery"], "must give at most 10000 checkpoints", got: "10001")) {
            try ParityStudyConfiguration(steps: 10001, checkpointEvery: 1).validate()
        }
        #expect(throws: ConfigurationError(["idSequences"], "must be in 1…1000000", got: "1000001")) {
            try ParityStudyConfiguration(idSequences: 1_000_001).validate()
        }
        #expect(throws: ConfigurationError(["steps", "checkpointEvery"], "must give at least 3 checkpoints to correlate", got: "2")) {
            try ParityStudy.run(ParityStudyConfiguration(steps: 10, checkpointEvery: 5))
        }
        #expect(throws: ConfigurationError(["maxLength"], "must be in 1…256", got: "300")) { try ParityStudyConfiguration(maxLength: 300).validate() }
        #expect(throws: ConfigurationError(["oodSequences"], "must be in 1…1000000", got: "0")) { try ParityStudyConfiguration(oodSequences: 0).validate() }
        #expect(ParityStudyConfiguration() == ParityStudyConfiguration(steps: 5000, checkpointEvery: 100, maxLength: 16, oodLength: 128,
                                                                        idSequences: 512, oodSequences: 128, seed: 1))
    }

    @Test("sampling on the copy Transformer: the batched exact path probabilities equal step-by-step decoding's")
    func samplingAlongBatchedPasses() throws {
        for (n, theta) in [(6, 0.5), (12, 1.0), (20, 2.0)] {
            var model = TransformerLanguageModel(tinyCopyModel)
            let prompting = BitCopyPrompting(separator: Token.separator)
            let m = try samplingMeasurement(model: &model, prompting: prompting, length: n, theta: theta, samples: 10, seed: 3)
            // The same products from logits(after:), one decoding step per position.
            var step = TransformerLanguageModel(tinyCopyModel)
            let alpha = [Int](repeating: 0, count: n), beta = alpha.dropLast() + [1]
            func path(_ bits: [Int]) throws -> (product: Double, missing: Double) {
                let prompt = try prompting.prompt(for: bits)
                var product = 1.0, missing = 0.0
                for k in 0..<n {
                    let p = softmaxDouble(try step.logits(after: prompt + Array(repeating: prompting.bitTokens.zero, count: k)).map { $0 / Float(theta) })
                    product *= p[prompting.bitTokens.zero]
                    missing = max(missing, 1 - p[prompting.bitTokens.zero])
                }
                return (product, missing)
            }
            let (copy, gamma) = try path(alpha), (alphaForBeta, _) = try path(Array(beta))
            // Batched and step-by-step logits differ by float32 summation order only.
            #expect(abs(m.copyExact - copy) <= 1e-4 * copy, "n \(n), θ \(theta): \(m.copyExact) vs \(copy)")
            #expect(abs(m.alphaForBetaExact - alphaForBeta) <= 1e-4 * alphaForBeta, "n \(n), θ \(theta): \(m.alphaForBetaExact) vs \(alphaForBeta)")
            #expect(abs(m.gammaPrime - gamma) <= 1e-5, "n \(n), θ \(theta)")
            // Not a vacuous comparison: neither probability is 0 or 1.
            #expect(copy > 1e-12 && copy < 1 && alphaForBeta > 1e-12 && alphaForBeta < 1, "n \(n), θ \(theta): \(copy), \(alphaForBeta)")
        }
    }

    @Test("invalid temperature sweeps name the field") func invalidTemperature() {
        #expect(throws: ConfigurationError(["thetas"], element: "temperature", "must be > 0 and finite", got: "0.0")) {
            try TemperatureSweepConfiguration(thetas: [1, 0]).validate()
        }
        #expect(throws: ConfigurationError(["samples"], "must be in 1…1000000", got: "0")) { try TemperatureSweepConfiguration(samples: 0).validate() }
        #expect(throws: ConfigurationError(["lengths"], element: "length", "must be in 1…524287", got: "524288")) {
            try TemperatureSweepConfiguration(lengths: [16, 524_288]).validate()
        }
    }
}

/// A reproduction on small settings, section by section, each verdict recomputed here from its
/// written-out rule on independently computed values.
@Suite(.serialized) struct ReproductionTests {
    static func configuration(_ name: String) -> ReproductionConfiguration {
        var c = ReproductionConfiguration(quick: true, seed: 1, directory: scratch(name), gemma: "/nonexistent/gemma.gguf")
        c.copyModel = TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32)
        c.copySteps = 20
        c.copyEvaluationStrings = 4
        c.copyLengths = [4, 64, 80]
        c.temperature = TemperatureSweepConfiguration(lengths: [4, 8], thetas: [0.5, 1], samples: 50, seed: 1)
        c.parity = ParityStudyConfiguration(steps: 30, checkpointEvery: 10, maxLength: 4, oodLength: 8, idSequences: 16, oodSequences: 8, seed: 1)
        c.proverBoxes = 50
        return c
    }

    @Test("theory: Fig. 3's thresholds bracket a′ − 1/2 = τ and exactly the under-confident models dip") func theory() throws {
        let section = try Reproduction(Self.configuration("theory")).theorySection()
        #expect(section.agreement == .agrees)
        #expect(section.figures.map(\.file) == ["fig3.svg"])
        // At γ = 2/5 the curve dips at s = 1/20 exactly where 1 − γ − a < 0, i.e. a > 3/5.
        let dips = DemoTests.rightAccuracies.filter {
            let a = ClosedForm.q($0)
            return ClosedForm.criticalAccuracy(a, ClosedForm.q("2/5"), shift: ClosedForm.q("1/20")).isCertainlyLess(than: a)
        }
        #expect(dips == ["7/10", "4/5", "9/10", "19/20"])
        #expect(section.measured.contains("a ∈ {\(dips.joined(separator: ", "))}"))
        // Each bracket [low, high] of s*: a′(1/2, γ, s) − 1/2 − τ changes sign across it.
        let thresholds = section.tables[1]
        #expect(thresholds.rows.count == 12)
        for row in thresholds.rows {
            let gamma = ClosedForm.q(row[0]), tau = ClosedForm.q(row[1]), half = ClosedForm.q("1/2")
            let bracket = row[2].dropFirst().dropLast().split(separator: ",").map { ClosedForm.q($0.trimmingCharacters(in: .whitespaces)) }
            #expect((ClosedForm.criticalAccuracy(half, gamma, shift: bracket[0]) - half - tau).isCertainlyNegative, "\(row)")
            #expect((ClosedForm.criticalAccuracy(half, gamma, shift: bracket[1]) - half - tau).isCertainlyPositive, "\(row)")
        }
    }

    @Test("the position schemes reuse the trained copy model for its own scheme, the very model training it again gives")
    func positionSchemesReuseTheCopyModel() throws {
        var c = Self.configuration("schemes")
        c.copyModel = TransformerConfig()  // the scheme section's own configuration (RoPE), so it is reused
        c.copySteps = 3
        let reproduction = Reproduction(c)
        let copy = try reproduction.trainCopyModel(steps: c.copySteps)
        let own = c.copyModel.position, other = PositionScheme.allCases.first { $0 != own }!
        var stages: [String] = []
        let (run, reused) = try reproduction.positionSchemeModel(own, reusing: copy) { stages.append($0.message) }
        let (_, retrained) = try reproduction.positionSchemeModel(own, reusing: nil) { stages.append($0.message) }
        let (otherRun, _) = try reproduction.positionSchemeModel(other, reusing: copy) { stages.append($0.message) }
        #expect(run.training.steps == 3 && run.model == c.copyModel && otherRun.model.position == other)
        #expect(reused == copy.model && retrained == copy.model, "training is deterministic: the same parameters")
        #expect(stages == ["position scheme \(own.rawValue): the copy model trained above", "position scheme \(own.rawValue): training 3 steps",
                           "position scheme \(other.rawValue): training 3 steps"])
    }

    @Test("copy, temperature and parity verdicts follow their rules on the measured values") func sections() throws {
        let reproduction = Reproduction(Self.configuration("sections"))
        let copy = try reproduction.trainCopyModel(steps: reproduction.configuration.copySteps)
        #expect(FileManager.default.fileExists(atPath: reproduction.configuration.directory + "/copy-model.safetensors"))

        // Lemma 3.1's verdict: β_N copied as α_N for every N >= 64, the gap shrinking there, every
        // witness within the bound.
        var model = TransformerLanguageModel(copy.model)
        let witnesses = try [4, 64, 80].map { try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: Array(repeating: 0, count: $0)) }
        let long = witnesses.filter { $0.length >= 64 }
        let shrinking = long[1].certified.gap.doubleMidpoint <= long[0].certified.gap.doubleMidpoint
        let bounded = witnesses.allSatisfy { $0.certified.withinBound != false }
        let expected: Agreement = long.allSatisfy(\.betaCopiedAsAlpha) && shrinking && bounded ? .agrees : (bounded ? .partly : .differs)
        let copySection = try #require(try reproduction.copySections(copy).first)
        #expect(copySection.agreement == expected)
        let failing = witnesses.filter(\.betaCopiedAsAlpha).map { String($0.length) }
        #expect(copySection.measured.contains("N ∈ {\(failing.joined(separator: ", "))}"))
        #expect(copySection.tables[0].rows.map { $0[0] } == ["4", "64", "80"])
        // The prediction: calibrated on 10 other flips of the second half (1 at N = 4) where the
        // model copies α = 0…0 with a margin (none elsewhere: nothing could be predicted), with
        // the copy model's certified floor, and reported in words and in its own n′ table.
        let etaColumn = try #require(copySection.tables[0].columns.firstIndex(of: "eta(N) calibrated"))
        #expect(copySection.tables[1].columns.first == "xi")
        let calibrated = witnesses.map { $0.alpha.margin > 0 }
        #expect(copySection.tables[0].rows.map { $0[etaColumn] != "n/a (alpha not copied)" } == calibrated)
        let counts = zip(calibrated, [1, 10, 10]).map { $0 ? $1 : 0 }
        let countText = Set(counts).count == 1 ? "over \(counts[0]) calibration pairs" : zip([4, 64, 80], counts).map { "\($1) at N = \($0)" }.joined(separator: ", ")
        #expect(copySection.measured.contains(countText), "expected \(countText)")
        let floor = try ProbabilityFloor(head: OutputHead(transformer: copy.model)).float32Epsilon()
        #expect(copySection.measured.contains("As a prediction") && copySection.measured.contains("ε_model = \(floor.briefText)"))

        // Sampling: rates within 4 standard errors (+10⁻³) of the exact values, bounds below them.
        var sampled = TransformerLanguageModel(copy.model)
        var consistent = true
        for n in [4, 8] {
            for theta in [0.5, 1.0] {
                let m = try samplingMeasurement(model: &sampled, prompting: BitCopyPrompting(), length: n, theta: theta, samples: 50, seed: 1)
                let se = { (p: Double) in (p * (1 - p) / 50).squareRoot() + 1e-3 }
                consistent = consistent && abs(m.copyRate - m.copyExact) <= 4 * se(m.copyExact)
                    && abs(m.alphaForBetaRate - m.alphaForBetaExact) <= 4 * se(m.alphaForBetaExact)
                    && m.copyLowerBound <= m.copyExact + 1e-12 && m.booleLowerBound <= m.copyExact + 1e-12
                    && m.propositionLowerBound <= m.alphaForBetaExact + 1e-12
            }
        }
        let temperature = try reproduction.temperatureSection(copy.model)
        #expect(temperature.agreement == (consistent ? .agrees : .differs))
        #expect(temperature.tables[0].rows.count == 4)

        // Parity: agrees when r < 0 in distribution and r > 0 out of it (read back from study.json).
        let parity = try reproduction.paritySection()
        let directory = reproduction.configuration.directory + "/parity"
        for file in ["metrics.csv", "study.json", "study.md", "fig4.svg"] {
            #expect(FileManager.default.fileExists(atPath: directory + "/" + file), "\(file)")
        }
        let study = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: directory + "/study.json"))) as? [String: Any])
        func pearson(_ key: String) -> Double { ((study[key] as? [String: Any])?["pearson_log_perplexity_f1"] as? Double) ?? 0 }
        let (id, ood) = (pearson("in_distribution") < 0, pearson("out_of_distribution") > 0)
        #expect(parity.agreement == (id && ood ? .agrees : (id ? .partly : .differs)))
        #expect(study["steps"] as? Int == 30 && study["checkpoint_every"] as? Int == 10)
    }

    @Test("a whole small reproduction: every section in order, the missing Gemma model and the quick run's skip reported") func whole() async throws {
        let configuration = Self.configuration("whole")
        var stages: [String] = []
        let report = try await Reproduction(configuration).run { if $0.level == .stage { stages.append($0.message) } }
        #expect(report.sections.map { String($0.title.prefix(4)) } == ["Iso-", "Cert", "Copy", "Copy", "Samp", "Pari", "Posi"])
        #expect(report.sections[3].agreement == .notRun && report.sections[3].measured.contains("/nonexistent/gemma.gguf"))
        #expect(report.sections[6].agreement == .notRun)
        // The prover's verdict: it agrees exactly when every claim got its expected verdict.
        let claims = report.sections[1].tables[0]
        #expect(claims.rows.count == Catalogue.all(precision: 128).count)
        #expect((report.sections[1].agreement == .agrees) == claims.rows.allSatisfy { $0[1] == $0[2] })
        #expect(stages.first == "certified Eq. 10 / Eq. 11 and Fig. 3" && stages.contains("parity study"))
        #expect(report.run.map(\.key) == ["command", "settings", "seed", "perplexed version", "finished (UTC)", "duration"])
        #expect(report.run[0].value == "perplexed reproduce --quick --seed 1 --gemma /nonexistent/gemma.gguf")
    }

    @Test("a reproduction refuses bad settings and an unusable directory with typed errors") func invalid() async throws {
        var c = Self.configuration("invalid")
        c.copySteps = 0
        await #expect(throws: ConfigurationError(["copySteps"], "must be in 1…100000000", got: "0")) { _ = try await Reproduction(c).run() }
        var d = Self.configuration("invalid")
        d.directory = "/proc/no/such/dir"
        do {
            _ = try await Reproduction(d).run()
            Issue.record("an unusable directory was accepted")
        } catch let error as ReproductionError {
            guard case .cannotCreateDirectory(let path, _) = error else { return }
            #expect(path == "/proc/no/such/dir")
        }
    }
}
