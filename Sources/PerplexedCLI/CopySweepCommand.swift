import ArgumentParser
import Foundation
import Reporting
import Experiments

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

            Example:
              perplexed copy-sweep --checkpoint runs/copy/final.safetensors --lengths 16,32,64,128,256,512,1024 --plot fig2.svg
            """
    )

    @OptionGroup var source: ModelSourceOptions

    @Option(parsing: .unconditional, help: "Comma-separated lengths N (each in 1…524287, and short enough for the model). A long sweep prints its estimated time and memory first.", transform: integerList)
    var lengths: [Int] = CopySweepConfiguration().lengths

    @Option(help: "Write the three panels of Fig. 2 to this SVG file.")
    var plot: String?

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    @Option(help: "Also write the table (in --format) to this file.")
    var out: String?

    func validate() throws {
        if let out { try requireFileName(out, "--out") }
        try flagged { try CopySweepConfiguration(lengths: lengths).validate() }
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got \(plot)") }
    }

    func run() throws {
        var (model, prompting) = try source.load()
        for n in lengths {
            try checkLength(n, model: model, prompting: prompting, flag: "--lengths")
        }
        try announceCopyCost(&model, prompting: prompting, lengths: lengths, flag: "--lengths")
        let status = StatusLine(clearing: String(repeating: " ", count: 40) + "\r")
        let sweep = try CopySweep.run(model: &model, prompting: prompting, configuration: CopySweepConfiguration(lengths: lengths), progress: status.show)
        status.finish()
        let rendered = format == .json ? sweep.json().rendered() + "\n" : sweep.table().rendered(as: format)
        if let out { try write(rendered, to: out, flag: "--out") }
        if let plot { try write(sweep.figure(title: "Copy witnesses (Fig. 2)").svg(), to: plot, flag: "--plot") }
        print(rendered, terminator: "")
        if sweep.violatesBound {
            FileHandle.standardError.write(Data("a witness violates the corrected Lemma 3.1 bound: this is a bug, please report it\n".utf8))
            throw ExitCode(2)
        }
    }
}
