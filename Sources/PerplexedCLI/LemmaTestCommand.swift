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

            1. Calibration (--seed): per length N, --calibration-pairs pairs (α, j) (--base-strings, \
            --flips-after). m(N) \
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
              perplexed lemma-test --checkpoint runs/copy/final.safetensors --base-strings zeros --flips-after 0.5 --lengths 512,768,1024
              perplexed lemma-test --model gemma-3-270m.gguf --lengths 8,16 --calibration-pairs 5 --test-pairs 5
            """
    )

    @OptionGroup var source: ModelSourceOptions

    @Option(parsing: .unconditional, help: "Comma-separated increasing lengths N (each in 1…524287, and short enough for the model).", transform: integerList)
    var lengths: [Int] = LemmaTestConfiguration().lengths

    @OptionGroup var prediction: LemmaPredictionOptions

    @Option(parsing: .unconditional, help: "Calibration pairs per length (1…\(LemmaTestConfiguration.pairLimit)).")
    var calibrationPairs: Int = 100

    @Option(parsing: .unconditional, help: "Fresh test pairs per length (1…\(LemmaTestConfiguration.pairLimit)).")
    var testPairs: Int = 100

    @Option(parsing: .unconditional, help: "Seed of the calibration draws.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Seed of the test draws (default: --seed + 1; must differ from --seed).")
    var testSeed: UInt64?

    @Option(parsing: .unconditional, help: ArgumentHelp(
        "Base strings α: `random` draws each bit 1 with probability --ones-probability, and calibration and test share no string; `zeros` takes α = 0…0 (Fig. 2's base string) for every pair, and calibration and test flip different positions.",
        valueName: "random|zeros"), transform: BaseStringsChoice.init)
    var baseStrings: BaseStringsChoice = .random

    @Option(parsing: .unconditional, help: "With --base-strings random: the probability of a 1 in each bit of α, in (0, 1); 0.5 draws uniform bitstrings.")
    var onesProbability: Double?

    @Option(parsing: .unconditional, help: "Flip only positions j > ⌊F·N⌋, F in [0, 1): 0 (the default) flips anywhere, as Lemma 3.1 states it; 0.5 restricts calibration, prediction and test to flips in the second half.")
    var flipsAfter: Double = 0

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    @Option(help: "Also write the report (in --format) to this file.")
    var out: String?

    /// The settings with ε_model = `floor` (a given value is checked in `validate()`).
    func settings(floor: BigRational?) -> LemmaTestConfiguration {
        LemmaTestConfiguration(
            lengths: lengths, calibrationPairs: calibrationPairs, testPairs: testPairs, calibrationSeed: seed,
            testSeed: testSeed ?? (seed &+ 1),
            base: baseStrings == .zeros ? .zeros : .random(onesProbability: onesProbability ?? 0.5), flipsAfter: flipsAfter, floor: floor, xis: prediction.xi)
    }

    func validate() throws {
        if let out { try requireFileName(out, "--out") }
        if baseStrings == .zeros, let onesProbability {
            throw ValidationError("--ones-probability applies to --base-strings random only, got \(onesProbability) with --base-strings zeros")
        }
        let given: BigRational? = if case .value(let v) = prediction.floor { v } else { nil }
        try flagged(renaming: ["xis": "xi", "calibrationSeed": "seed"]) { try settings(floor: given).validate() }
    }

    func run() throws {
        let epsilon = try source.epsilon(prediction.floor)
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
}

/// What `lemma-test --base-strings` names.
enum BaseStringsChoice: String, Equatable, CustomStringConvertible {
    case random, zeros

    init(_ text: String) throws {
        guard let choice = Self(rawValue: text) else { throw ValidationError("must be random or zeros, got '\(text)'") }
        self = choice
    }

    var description: String { rawValue }
}
