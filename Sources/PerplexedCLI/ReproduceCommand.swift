import ArgumentParser
import Experiments
import Foundation
import GGUF
import Reporting

/// `perplexed reproduce`: every table and figure of the paper, checked, in one report.
struct ReproduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reproduce",
        abstract: "Rebuild the paper's tables and figures, check each claim, and write a Markdown and HTML report.",
        discussion: """
            Runs, in order: certified Eq. 10 / Eq. 11 and Fig. 3; the prover on the claim \
            catalogue; a copy model trained from scratch and its α_N/β_N witnesses (Fig. 2); the \
            parity study (Fig. 4); a temperature sweep by seeded Monte Carlo; with the full run \
            also the position-scheme comparison. Writes report.md, report.html (figures inline), \
            the SVG figures, the copy checkpoint and per-step data into --out.

            --quick finishes in a few minutes on 2 cores (shorter training, fewer lengths) and is \
            what `make demo` runs; without it the paper's settings are used (5,000 parity steps, \
            lengths up to 1024, four position schemes), which takes much longer.

            Examples:
              perplexed reproduce --quick --out report
              perplexed reproduce --out report-full
            """
    )

    @Flag(help: "A shorter run (a few minutes on 2 cores) with the same structure.")
    var quick = false

    @Option(help: "Directory for the report and its files.")
    var out: String = "perplexed-report"

    @Option(parsing: .unconditional, help: "Seed for every model and every sample.")
    var seed: UInt64 = 1

    @Option(help: "A Gemma 3 GGUF file for the copy experiment on a real model (default: the fetched gemma3-270m, if present).")
    var gemma: String?

    func validate() throws {
        if let gemma { try requireFileName(gemma, "--gemma") }
        try flagged(renaming: ["directory": "out"]) {
            try ReproductionConfiguration(quick: quick, seed: seed, directory: out, gemma: gemma).validate()
        }
    }

    func run() async throws {
        // A --gemma file that cannot be read is told now, not skipped after minutes of work.
        if let gemma {
            do { _ = try GGUFFile(path: gemma) } catch { throw CommandFailure("--gemma", error) }
        }
        try createOutputDirectory(out, flag: "--out")
        let started = Date()
        let configuration = ReproductionConfiguration(quick: quick, seed: seed, directory: out, gemma: gemma)
        let status = StatusLine(clearing: "\n")
        let report: ReproductionReport
        do {
            report = try await Reproduction(configuration).run { progress in
                switch progress.level {
                case .stage: FileHandle.standardError.write(Data("[\(Int(Date().timeIntervalSince(started)))s] \(progress.message)\n".utf8))
                case .step: status.show(progress)
                }
            }
        } catch let error as ReproductionError {
            throw CommandFailure("--out", error)
        }
        let seconds = Int(Date().timeIntervalSince(started))
        do { try report.write(to: out) } catch { throw CommandFailure("--out", error) }
        FileHandle.standardError.write(Data("[\(seconds)s] wrote \(out)/report.md and \(out)/report.html\n".utf8))
        // One column as wide as the longest verdict ("beyond the paper") and two spaces.
        let width = report.sections.map(\.agreement.rawValue.count).max().map { $0 + 2 } ?? 0
        print(report.sections.map { "\($0.agreement.rawValue.padding(toLength: width, withPad: " ", startingAt: 0))\($0.title)" }.joined(separator: "\n"))
        print("\nReport: \(out)/report.html (open in a browser), \(out)/report.md and \(out)/report.json, in \(seconds) s.")
    }
}
