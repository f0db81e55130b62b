import ArgumentParser
import Foundation
import Reporting
import Witnesses

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

    @Option(help: "Comma-separated lengths N (each >= 1).", transform: integerList)
    var lengths: [Int] = [16, 32, 64, 128, 256, 512, 1024]

    @Option(help: "Write the three panels of Fig. 2 to this SVG file.")
    var plot: String?

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    @Option(help: "Also write the table (in --format) to this file.")
    var out: String?

    func validate() throws {
        guard !lengths.isEmpty else { throw ValidationError("--lengths must list at least one length") }
        if let bad = lengths.first(where: { $0 < 1 }) { throw ValidationError("--lengths: every length must be >= 1, got \(bad)") }
        if let plot, !plot.hasSuffix(".svg") { throw ValidationError("--plot must name an .svg file, got \(plot)") }
    }

    func run() throws {
        var (model, prompting) = try source.load()
        for n in lengths { try checkLength(n, model: model, prompting: prompting) }
        let witnesses = try CopySweep.run(model: &model, prompting: prompting, lengths: lengths)
        let rendered = format == .json
            ? JSONValue.array(witnesses.map { WitnessReport.json($0, includeLogits: false) }).rendered() + "\n"
            : CopySweep.table(witnesses).rendered(as: format)
        if let out { try AtomicFile.write(rendered, to: out) }
        if let plot { try AtomicFile.write(CopySweep.figure(witnesses, title: "Copy witnesses (Fig. 2)").svg(), to: plot) }
        print(rendered, terminator: "")
        if witnesses.contains(where: { $0.certified.withinBound == false }) {
            FileHandle.standardError.write(Data("a witness violates the corrected Lemma 3.1 bound: this is a bug, please report it\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// The sweep behind `copy-sweep` and `reproduce`.
enum CopySweep {
    static func run<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, lengths: [Int], flipLast: Bool = true
    ) throws -> [CopyWitness] {
        var result: [CopyWitness] = []
        let interactive = isatty(STDERR_FILENO) != 0
        for (i, n) in lengths.enumerated() {
            let line = "witness \(i + 1)/\(lengths.count): N = \(n)"
            FileHandle.standardError.write(Data((interactive ? line + "\r" : line + "\n").utf8))
            result.append(try copyWitness(model: &model, prompting: prompting, alpha: Array(repeating: 0, count: n)))
        }
        if interactive { FileHandle.standardError.write(Data((String(repeating: " ", count: 40) + "\r").utf8)) }
        return result
    }

    static func table(_ witnesses: [CopyWitness]) -> Table {
        var table = Table(
            columns: ["N", "beta copied as alpha", "eta", "min p(alpha_k)", "min p(alpha_k | bits)", "max p(beta bit)", "pplx(alpha)", "pplx(beta)",
                      "|gap|", "lemma bound", "within", "N gamma", "N eta", "regime", "early stops"],
            numericColumns: [0, 2, 3, 4, 5, 6, 7, 8, 11, 12, 14])
        for w in witnesses {
            let c = w.certified
            table.append([
                "\(w.length)", w.betaCopiedAsAlpha ? "yes" : "no", String(format: "%.3g", w.eta),
                String(format: "%.6f", Double(w.minimumAlphaProbability)), String(format: "%.6f", Double(w.minimumRestrictedAlphaProbability)),
                String(format: "%.3g", Double(w.maximumBetaProbability)),
                String(format: "%.6g", c.alphaLogPerplexity.doubleMidpoint), String(format: "%.6g", c.betaLogPerplexity.doubleMidpoint),
                String(format: "%.3g", c.gap.upper.double(rounding: .up)),
                c.lemmaBound.map { String(format: "%.3g", $0.upper.double(rounding: .up)) } ?? "n/a",
                c.withinBound.map { $0 ? "yes" : "NO" } ?? "n/a",
                String(format: "%.3g", c.nGamma), String(format: "%.3g", c.nEta), c.regime.rawValue,
                "\(w.alpha.prematureStops.count + w.beta.prematureStops.count)",
            ])
        }
        return table
    }

    /// Fig. 2's three panels against log₂ N.
    static func figure(_ witnesses: [CopyWitness], title: String) -> Figure {
        let xs = witnesses.map { Foundation.log2(Double($0.length)) }
        let ticks = Array(Set(xs.map { $0.rounded() })).sorted()
        let xAxis = ChartAxis(label: "N (log scale)", ticks: ticks, tickFormat: { "\(Int(Foundation.pow(2, $0).rounded()))" })
        func points(_ f: (CopyWitness) -> Double) -> [(x: Double, y: Double)] { zip(xs, witnesses).map { ($0, f($1)) } }
        var left = Chart(title: "L∞ distance of α and β distributions", xAxis: xAxis, yAxis: ChartAxis(label: "max over copy positions"))
        left.lines = [LineSeries(name: "η", points: points(\.eta), color: Palette.color(0))]
        var middle = Chart(title: "Confidence", xAxis: xAxis, yAxis: ChartAxis(label: "probability", range: 0...1))
        middle.lines = [
            LineSeries(name: "min p(α_k)  (≈ 1 − γ)", points: points { Double($0.minimumAlphaProbability) }, color: Palette.color(1)),
            LineSeries(name: "min p(α_k), restricted to {0, 1}", points: points { Double($0.minimumRestrictedAlphaProbability) }, color: Palette.color(5), dash: "2 2"),
            LineSeries(name: "max p(β's bit)", points: points { Double($0.maximumBetaProbability) }, color: Palette.color(2), dash: "5 3"),
        ]
        middle.legend = .bottomLeft
        var right = Chart(title: "Log-perplexity along greedy outputs", xAxis: xAxis, yAxis: ChartAxis(label: "pplx (nats per token)"))
        right.lines = [
            LineSeries(name: "pplx(α_N)", points: points { $0.certified.alphaLogPerplexity.doubleMidpoint }, color: Palette.color(3)),
            LineSeries(name: "pplx(β_N)", points: points { $0.certified.betaLogPerplexity.doubleMidpoint }, color: Palette.color(4), dash: "5 3"),
        ]
        right.legend = .topRight
        return Figure(panels: [left, middle, right], columns: 3, title: title)
    }
}
