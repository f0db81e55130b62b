import ArgumentParser
import Experiments
import Foundation
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed regions`: Eq. 11 over a grid, the unfavourable bands, and Fig. 3.
struct RegionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions",
        abstract: "Unfavourable regions: critical accuracy a′ and the band where perplexity and accuracy disagree, over a grid (Fig. 3).",
        discussion: """
            For every base model (a, γ) and normalised shift s = Δ/γ on the grid, prints the \
            critical accuracy a′ (Eq. 11), the gap a′ − a and the width |a′ − a| of the \
            unfavourable band: when a′ > a, candidates more accurate than the base but below a′ \
            are rejected by perplexity; when a′ < a, candidates less accurate than the base but \
            above a′ are selected (the paper's free lunch).

            The grid is one of Fig. 3's panels (--panel left: a = 0.5 with γ in \
            {0.01, 0.05, 0.1, 0.2, 0.3, 0.4}; --panel right: γ = 0.4 with a in \
            {0.5, 0.6, 0.7, 0.8, 0.9, 0.95}; both by default), or your own with --accuracies and \
            --gammas (comma-separated exact decimals). Shifts run 0, step, 2·step, … up to \
            --last-shift. --certified uses the fast certified path (hoisted logarithms, two \
            threads). --plot FILE.svg draws the chosen panels as in Fig. 3, with the \
            unfavourable regions shaded, on a fine grid (step 0.01).

            Examples:
              perplexed regions --panel left --shift-step 0.25
              perplexed regions --plot fig3.svg --format csv --out fig3.csv
              perplexed regions --gammas 0.01,0.05,0.1,0.2,0.3,0.4 --accuracies 0.5,0.9 --certified --format json
            """
    )

    @Option(help: "Which panel of Fig. 3: left, right or both.")
    var panel: RegionsConfiguration.Panels = .both

    @Option(parsing: .unconditional, help: "Base accuracies (comma-separated, in [0, 1]); replaces the panels by a custom grid (γ defaults to 0.4).", transform: exactNumberList)
    var accuracies: [BigRational]?

    @Option(parsing: .unconditional, help: "Base γ values (comma-separated, in (0, 1/2)); replaces the panels by a custom grid (a defaults to 0.5).", transform: exactNumberList)
    var gammas: [BigRational]?

    @Option(parsing: .unconditional, help: "Step of the normalised shift Δ/γ, in (0, 1] (default: 0.1).", transform: exactNumber)
    var shiftStep: BigRational = RegionsConfiguration().shiftStep

    @Option(parsing: .unconditional, help: "Largest normalised shift Δ/γ, in [0, 1] (default: 0.9; 1 is the limit a′ = 1).", transform: exactNumber)
    var lastShift: BigRational = RegionsConfiguration().lastShift

    @Option(help: "Write an SVG figure of the chosen panels (as Fig. 3) to this file.")
    var plot: String?

    @Option(help: "Write the table to this file instead of standard output.")
    var out: String?

    @Option(parsing: .unconditional, help: "Worker threads for --certified (default: the processor count).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    /// The library's configuration with these flags.
    var configuration: RegionsConfiguration {
        RegionsConfiguration(panels: panel, accuracies: accuracies, gammas: gammas, shiftStep: shiftStep, lastShift: lastShift)
    }

    func validate() throws {
        do {
            try configuration.validate()
        } catch {
            guard error.fields != ["grid"] else {
                throw ValidationError("the grid must be at most 5,000,000 points (raise --shift-step or shorten the lists), got \(error.value)")
            }
            throw ValidationError(error.message { "--" + flagName($0) })
        }
        try require(threads >= 1 && threads <= 256, "--threads", "in 1…256", threads)
        if let plot { try requireFileName(plot, "--plot") }
        if let out { try requireFileName(out, "--out") }
    }

    func run() throws {
        var rows: [[(String, Rendered)]] = []
        let configuration = configuration
        for (name, grid) in configuration.grids(shifts: try configuration.shifts()) {
            rows += try tabulate(name: name, grid: grid)
        }
        let text = render(rows)
        if let out {
            try write(text, to: out, flag: "--out")
        } else {
            print(text, terminator: "")
        }
        if let plot {
            try write(try configuration.figure().svg(), to: plot, flag: "--plot")
        }
    }

    /// The table rows of one grid, certified (fast path) or with BigFloat.
    func tabulate(name: String, grid: RegionsGrid) throws -> [[(String, Rendered)]] {
        if numeric.certified {
            let table = try decided(at: numeric.precision) { try certifiedRegionsTable(grid, precision: $0, threads: threads) }
            return rows(name: name, table)
        }
        let table = try decided(at: numeric.precision) { bits in try regionsTable(grid) { try! BigFloat($0, precision: bits) } }
        return rows(name: name, table)
    }

    func rows<T: PerplexityScalar>(name: String, _ table: RegionsTable<T>) -> [[(String, Rendered)]] {
        var out: [[(String, Rendered)]] = []
        let grid = table.grid
        func plain(_ s: String) -> Rendered { Rendered(text: s, json: .string(s)) }
        for (g, gamma) in grid.gammas.enumerated() {
            for (i, a) in grid.accuracies.enumerated() {
                for (k, s) in grid.shifts.enumerated() {
                    let index = table.index(gamma: g, accuracy: i, shift: k)
                    let gap = table.gap(at: index)
                    let band = RegionBand(gap: gap, shift: s).rawValue
                    out.append([
                        ("panel", plain(name)), ("gamma", plain(gamma.decimalText)), ("a", plain(a.decimalText)),
                        ("shift", plain(s.decimalText)), ("critical accuracy", numeric.render(table.critical[index])),
                        ("a' - a", numeric.render(gap)), ("band width", numeric.render(gap.magnitude)), ("band", plain(band)),
                    ])
                }
            }
        }
        return out
    }

    func render(_ rows: [[(String, Rendered)]]) -> String {
        if format == .json {
            return JSONValue.array(rows.map { .object($0.map { ($0.0, $0.1.json) }) }).rendered() + "\n"
        }
        let columns = rows.first?.map(\.0) ?? ["panel", "gamma", "a", "shift", "critical accuracy", "a' - a", "band width", "band"]
        var table = Table(
            columns: columns, numericColumns: [],
            caption: "Eq. 11: critical accuracy a' and the unfavourable band |a' - a| (\(numeric.certified ? "certified enclosures" : "rounded"), \(numeric.precision) bits)")
        for row in rows { table.append(row.map(\.1.text)) }
        return table.rendered(as: format)
    }
}
