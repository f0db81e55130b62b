import ArgumentParser
import Experiments
import Foundation
import MultiPrecision
import Reporting

/// `perplexed lemma-test`: Lemma 3.1 as a prediction made from calibration, then tested on fresh pairs.
struct LemmaTestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lemma-test",
        abstract: "Predict Lemma 3.1's outcome from calibration pairs, then test it on fresh pairs.",
        discussion: """
            Lemma 3.1: if a model copies α with margin m, one flipped bit moves the next-token \
            distributions by at most η < m, and every probability is at least ε, then β_N (α_N \
            with one bit flipped) is copied as α_N and |pplx(α_N) − pplx(β_N)| <= \
            (−log ε)/N + 2η(N − 1)/N. Here the lemma is used as a prediction:

            1. Calibration (--seed): per length N, --calibration-pairs random pairs (α, j). m(N) \
            is the smallest p(α_k) − 1/2 over each α's own greedy copy; η(N) the largest \
            certified L∞ distance between α's and β's distributions at the same copy step.
            2. Prediction, recorded before any test pair runs: β copied as α where η(N) < m; the \
            bound with ε = --floor (by default the model's certified floor ε_model, from its \
            final norm and output head; with `none` no bound and no n′ are predicted); n′ for each --xi on the grid of \
            --lengths (the smallest tested N from which every tested length has η(N) < m(N) and \
            a bound below ξ) and in the lemma's explicit form.
            3. Test (--test-seed): --test-pairs fresh pairs per length, no string shared with \
            calibration; each pair's copy is predicted from its own α's margin before β runs.

            A prediction that fails is a finding: it is reported (and the command still exits 0). \
            Each pair's gap is also checked against the bound from its own ε and η (the \
            consistency check of `perplexed witness`, not a prediction).

            Gemma 3 (--model) is slow: at N = 256 one pair (one witness) takes about 10 s; use few pairs and short lengths.

            Examples:
              perplexed lemma-test --checkpoint runs/copy/final.safetensors
              perplexed lemma-test --checkpoint runs/copy/final.safetensors --ones-probability 0.05 --lengths 16,32,64,128,256,512
              perplexed lemma-test --model gemma-3-270m.gguf --lengths 8,16 --calibration-pairs 5 --test-pairs 5
            """
    )

    @OptionGroup var source: ModelSourceOptions

    @Option(parsing: .unconditional, help: "Comma-separated increasing lengths N (each in 1…524287, and short enough for the model).", transform: integerList)
    var lengths: [Int] = LemmaTestConfiguration().lengths

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "ε_model: `certified` (the default) computes the model's certified floor from its final norm and output head, as `perplexed model floor` prints it; a number (exact, in (0, 1)) is taken as given; `none` predicts no bound and no n′.",
        valueName: "certified|none|VALUE"), transform: FloorChoice.init)
    var floor: FloorChoice = .certified

    @Option(parsing: .unconditional, help: "Comma-separated gaps ξ > 0 for which n′ is predicted.", transform: exactNumberList)
    var xi: [BigRational] = LemmaTestConfiguration().xis

    @Option(parsing: .unconditional, help: "Calibration pairs per length (1…\(LemmaTestConfiguration.pairLimit)).")
    var calibrationPairs: Int = 100

    @Option(parsing: .unconditional, help: "Fresh test pairs per length (1…\(LemmaTestConfiguration.pairLimit)).")
    var testPairs: Int = 100

    @Option(parsing: .unconditional, help: "Seed of the calibration draws.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Seed of the test draws (default: --seed + 1; must differ from --seed).")
    var testSeed: UInt64?

    @Option(parsing: .unconditional, help: "Probability of a 1 in each bit of α, in (0, 1): 0.5 draws uniform bitstrings, a small value strings of mostly zeros (like Fig. 2's α = 0…0).")
    var onesProbability: Double = 0.5

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    @Option(help: "Also write the report (in --format) to this file.")
    var out: String?

    /// The settings with ε_model = `floor` (a given value is checked in `validate()`).
    func settings(floor: BigRational?) -> LemmaTestConfiguration {
        LemmaTestConfiguration(
            lengths: lengths, calibrationPairs: calibrationPairs, testPairs: testPairs, calibrationSeed: seed,
            testSeed: testSeed ?? (seed &+ 1), onesProbability: onesProbability, floor: floor, xis: xi)
    }

    func validate() throws {
        if let out { try requireFileName(out, "--out") }
        let given: BigRational? = if case .value(let v) = floor { v } else { nil }
        try flagged(renaming: ["xis": "xi", "calibrationSeed": "seed"]) { try settings(floor: given).validate() }
    }

    func run() throws {
        let epsilon: BigRational?
        switch floor {
        case .value(let v): epsilon = v
        case .none: epsilon = nil
        case .certified: epsilon = try certifiedFloor()
        }
        var (model, prompting) = try source.load()
        for n in lengths {
            try checkLength(n, model: model, prompting: prompting, flag: "--lengths")
        }
        try announceCopyCost(&model, prompting: prompting, lengths: lengths, pairs: calibrationPairs + testPairs, flag: "--lengths")
        let status = StatusLine(clearing: String(repeating: " ", count: 50) + "\r")
        // Stages always; pair steps about every 5 % (a thousand lines in a log say nothing more).
        let test = try LemmaTest.run(model: &model, prompting: prompting, configuration: settings(floor: epsilon)) { p in
            if p.level == .stage || p.completed % max(1, p.total / 20) == 0 { status.show(p) }
        }
        status.finish()
        let rendered: String
        switch format {
        case .json: rendered = test.json().rendered() + "\n"
        case .text: rendered = test.table().rendered(as: .text) + "\n" + test.thresholdTable().rendered(as: .text) + "\n" + test.summary() + "\n"
        default: rendered = test.table().rendered(as: format) + "\n" + test.thresholdTable().rendered(as: format)
        }
        if let out { try write(rendered, to: out, flag: "--out") }
        print(rendered, terminator: "")
    }

    /// ε for the float32 model: the lower end of the certified ε_model (a floor of the
    /// exact-arithmetic model), lowered by e^(−slack) for the float32 forward pass's rounding
    /// (Proofs/model-floor.md; the slack is a first-order bound, which the report says).
    func certifiedFloor() throws -> BigRational {
        let report: ModelFloorReport
        do { report = try ModelFloorReport.run(source.source) } catch { throw CommandFailure(source.flag, error) }
        let slack = try Interval(BigRational(-report.floor.float32Slack), precision: 128)
        guard let floor = report.floor.floor.lower.exactRational, let factor = Interval.exp(slack).lower.exactRational,
              floor > 0 else {
            throw CommandFailure("\(source.flag): the certified floor of this model is not a positive number")
        }
        FileHandle.standardError.write(Data(("ε_model ≥ \(floor.briefText) (certified, `perplexed model floor`); with the float32 slack of "
            + "\(String(format: "%.3g", report.floor.float32Slack)) nats, ε = \((floor * factor).briefText)\n").utf8))
        return floor * factor
    }
}

/// What `lemma-test --floor` names.
enum FloorChoice: Equatable, CustomStringConvertible {
    /// The model's certified floor, computed from its weights.
    case certified
    /// No floor: no bound and no n′ are predicted.
    case none
    /// A floor given on the command line.
    case value(BigRational)

    init(_ text: String) throws {
        switch text {
        case "certified": self = .certified
        case "none": self = .none
        default: self = .value(try exactNumber(text))
        }
    }

    /// The option's text.
    var description: String {
        switch self {
        case .certified: "certified"
        case .none: "none"
        case .value(let v): v.briefText
        }
    }
}
