import ArgumentParser
import Foundation
import Reporting
import Experiments
import MultiPrecision

/// `perplexed copy-sweep`: the paper's Fig. 2 on a trained copy model.
struct CopySweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy-sweep",
        abstract: "Witnesses for a list of lengths N: the table and the three panels of the paper's Fig. 2.",
        discussion: """
            For each N, α_N = 0…0 and β_N = 0…01 (the last bit flipped). Left panel: the L∞ \
            distance between the next-token distributions of α and β over the copy positions; \
            middle: the smallest probability of α_k (an estimate of 1 − γ) and the largest \
            probability of producing β's bit; right: pplx(α_N) and pplx(β_N) along greedy outputs.

            The Lemma 3.1 columns are a prediction made before each witness is built (see \
            `perplexed lemma-test`): at each N, --calibration-pairs flips of 0…0 at other \
            positions of the witness's class (j > ⌊--flips-after·N⌋, never j = N) give η(N) and \
            the margin m(N); from them and ε (--floor, by default the model's certified floor) \
            the lemma predicts whether β_N is copied as α_N, a bound on the gap, and n′ per --xi. \
            The witness then shows whether the prediction held. Where the model does not copy \
            0…0 itself with a margin (m(N) ≤ 0), no flip can be predicted, so none is calibrated. \
            The "own bound" columns are the \
            older check, with ε and η taken from the witness itself: a consistency check of the \
            proof's steps on one pair, not a prediction. --calibration-pairs 0 leaves the \
            prediction out.

            Example:
              perplexed copy-sweep --checkpoint runs/copy/final.safetensors --lengths 16,32,64,128,256,512,1024 --plot fig2.svg
            """
    )

    @OptionGroup var source: ModelSourceOptions

    @Option(parsing: .unconditional, help: "Comma-separated lengths N (each in 1…524287, and short enough for the model). A long sweep prints its estimated time and memory first.", transform: integerList)
    var lengths: [Int] = CopySweepConfiguration().lengths

    @Option(parsing: .unconditional, help: "Calibration pairs per length for the Lemma 3.1 prediction (0…\(CopySweepPrediction.pairLimit); 0: no prediction, only each witness's own-bound check).")
    var calibrationPairs: Int = CopySweepPrediction().calibrationPairs

    @Option(parsing: .unconditional, help: "Seed of the calibration flips.")
    var seed: UInt64 = 1

    @Option(parsing: .unconditional, help: "Calibrate on flips j > ⌊F·N⌋, F in [0, 1): 0.5 (the default) is the second half, where the witness's own flip lies; 0 is every position, as the lemma states it.")
    var flipsAfter: Double = CopySweepPrediction().flipsAfter

    @OptionGroup var prediction: LemmaPredictionOptions

    @Option(help: "Write the three panels of Fig. 2 to this SVG file.")
    var plot: String?

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    @Option(help: "Also write the table (in --format) to this file.")
    var out: String?

    /// The settings, with ε = `floor` for the prediction (a given value is checked in `validate()`).
    func settings(floor: BigRational?) -> CopySweepConfiguration {
        guard calibrationPairs != 0 else { return CopySweepConfiguration(lengths: lengths) }
        return CopySweepConfiguration(lengths: lengths, prediction: CopySweepPrediction(
            calibrationPairs: calibrationPairs, seed: seed, flipsAfter: flipsAfter, floor: floor, xis: prediction.xi))
    }

    func validate() throws {
        if let out { try requireFileName(out, "--out") }
        let given: BigRational? = if case .value(let v) = prediction.floor { v } else { nil }
        try flagged(renaming: ["xis": "xi", "calibrationSeed": "seed"]) { try settings(floor: given).validate() }
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got \(plot)") }
    }

    func run() throws {
        let epsilon = calibrationPairs == 0 ? nil : try source.epsilon(prediction.floor)
        var (model, prompting) = try source.load()
        for n in lengths {
            try checkLength(n, model: model, prompting: prompting, flag: "--lengths")
        }
        try announceCopyCost(&model, prompting: prompting, lengths: lengths, calibration: calibrationPairs, flag: "--lengths")
        let status = StatusLine(clearing: String(repeating: " ", count: 50) + "\r")
        let sweep = try CopySweep.run(model: &model, prompting: prompting, configuration: settings(floor: epsilon), progress: status.show)
        status.finish()
        let rendered = switch format {
        case .json: sweep.json().rendered() + "\n"
        case .text: sweep.table().rendered(as: .text) + (sweep.lemma.map { "\n" + $0.thresholdTable().rendered(as: .text) + "\n" + $0.summary() + "\n" } ?? "")
        default: sweep.table().rendered(as: format)
        }
        if let out { try write(rendered, to: out, flag: "--out") }
        if let plot { try write(sweep.figure(title: "Copy witnesses (Fig. 2)").svg(), to: plot, flag: "--plot") }
        print(rendered, terminator: "")
        if sweep.violatesBound {
            FileHandle.standardError.write(Data("a witness violates the corrected Lemma 3.1 bound: this is a bug, please report it\n".utf8))
            throw ExitCode(2)
        }
    }
}
