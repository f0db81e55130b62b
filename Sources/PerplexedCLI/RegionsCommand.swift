import ArgumentParser
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

    enum Panel: String, ExpressibleByArgument, CaseIterable {
        case left, right, both
    }

    @Option(help: "Which panel of Fig. 3: left, right or both.")
    var panel: Panel = .both

    @Option(help: "Base accuracies (comma-separated, in [0, 1]); replaces the panels by a custom grid (γ defaults to 0.4).", transform: exactNumberList)
    var accuracies: [BigRational]?

    @Option(help: "Base γ values (comma-separated, in (0, 1/2)); replaces the panels by a custom grid (a defaults to 0.5).", transform: exactNumberList)
    var gammas: [BigRational]?

    @Option(help: "Step of the normalised shift Δ/γ, in (0, 1] (default: 0.1).", transform: exactNumber)
    var shiftStep: BigRational = try! BigRational(1, 10)

    @Option(help: "Largest normalised shift Δ/γ, in [0, 1] (default: 0.9; 1 is the limit a′ = 1).", transform: exactNumber)
    var lastShift: BigRational = try! BigRational(9, 10)

    @Option(help: "Write an SVG figure of the chosen panels (as Fig. 3) to this file.")
    var plot: String?

    @Option(help: "Write the table to this file instead of standard output.")
    var out: String?

    @Option(help: "Worker threads for --certified (default: the processor count).")
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    static let leftGammas = ["0.01", "0.05", "0.1", "0.2", "0.3", "0.4"].map { try! BigRational(parsing: $0) }
    static let rightAccuracies = ["0.5", "0.6", "0.7", "0.8", "0.9", "0.95"].map { try! BigRational(parsing: $0) }

    /// One named grid per panel.
    var grids: [(name: String, grid: RegionsGrid)] {
        get throws {
            let shifts = try userFacing { try RegionsGrid.shifts(step: shiftStep, through: lastShift) }
            if accuracies != nil || gammas != nil {
                let a = accuracies ?? [half], g = try gammas ?? [BigRational(2, 5)]
                return [("custom", RegionsGrid(accuracies: a, gammas: g, shifts: shifts))]
            }
            var out: [(String, RegionsGrid)] = []
            if panel != .right { out.append(("left", RegionsGrid(accuracies: [half], gammas: Self.leftGammas, shifts: shifts))) }
            if panel != .left { out.append(("right", RegionsGrid(accuracies: Self.rightAccuracies, gammas: [try BigRational(2, 5)], shifts: shifts))) }
            return out
        }
    }

    func validate() throws {
        for a in accuracies ?? [] { try require(a >= 0 && a <= 1, "--accuracies", "in [0, 1] (each)", a) }
        for g in gammas ?? [] { try require(g > 0 && g < half, "--gammas", "in (0, 1/2) (each)", g) }
        try require(shiftStep > 0 && shiftStep <= 1, "--shift-step", "in (0, 1]", shiftStep)
        try require(lastShift >= 0 && lastShift <= 1, "--last-shift", "in [0, 1]", lastShift)
        try require(threads >= 1 && threads <= 256, "--threads", "in 1…256", threads)
        if let plot { guard !plot.isEmpty else { throw ValidationError("--plot needs a file name, got an empty value") } }
        if let out { guard !out.isEmpty else { throw ValidationError("--out needs a file name, got an empty value") } }
        let points = try grids.map(\.grid.count).reduce(0, +)
        try require(points <= 5_000_000, "the grid", "at most 5,000,000 points (raise --shift-step or shorten the lists)", points)
    }

    func run() throws {
        var rows: [[(String, Rendered)]] = []
        for (name, grid) in try grids {
            rows += try tabulate(name: name, grid: grid)
        }
        let text = render(rows)
        if let out {
            do { try AtomicFile.write(text, to: out) } catch { throw ValidationError("--out: \(error.description)") }
        } else {
            print(text, terminator: "")
        }
        if let plot {
            let svg = try figure().svg()
            do { try AtomicFile.write(svg, to: plot) } catch { throw ValidationError("--plot: \(error.description)") }
        }
    }

    /// The table rows of one grid, certified (fast path) or with BigFloat.
    func tabulate(name: String, grid: RegionsGrid) throws -> [[(String, Rendered)]] {
        if numeric.certified {
            let table = try userFacing { try certifiedRegionsTable(grid, precision: numeric.precision, threads: threads) }
            return rows(name: name, table)
        }
        let table = try userFacing { try regionsTable(grid) { try! BigFloat($0, precision: numeric.precision) } }
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
                    let zero = gap.integer(0)
                    // At s = 0, a′ = a exactly; a rounded gap of 1e-77 there is noise, not a band.
                    let band = s == 0 ? "none" : zero.isCertainlyLess(than: gap) ? "rejected-though-better"
                        : gap.isCertainlyLess(than: zero) ? "selected-though-worse" : "undecided"
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

    /// Fig. 3 for the chosen panels, from Double arithmetic on s = 0, 0.01, …, 1 (plot precision).
    func figure() throws -> Figure {
        let fine = try userFacing { try RegionsGrid.shifts(step: try BigRational(1, 100), through: 1) }
        var panels: [Chart] = []
        for (name, grid) in try grids {
            let g = RegionsGrid(accuracies: grid.accuracies, gammas: grid.gammas, shifts: fine)
            let table = try userFacing { try regionsTable(g) { $0.doubleApproximation } }
            panels.append(Self.chart(name: name, table: table))
        }
        let custom = accuracies != nil || gammas != nil
        return Figure(panels: panels, title: (custom ? "Eq. 11" : "Fig. 3") + ": critical accuracy a′ against the normalised shift Δ/γ")
    }

    /// One panel: a line a′(s) per curve, the band between a and a′ shaded in the curve's colour,
    /// and a dashed line at each base accuracy.
    static func chart(name: String, table: RegionsTable<Double>) -> Chart {
        let grid = table.grid
        let s = grid.shifts.map(\.doubleApproximation)
        let byGamma = grid.gammas.count > 1 || grid.accuracies.count == 1
        var curves: [(label: String, a: Double, values: [Double])] = []
        for (g, gamma) in grid.gammas.enumerated() {
            for (i, a) in grid.accuracies.enumerated() {
                let values = s.indices.map { table.critical[table.index(gamma: g, accuracy: i, shift: $0)] }
                let label: String
                if grid.gammas.count > 1 && grid.accuracies.count > 1 { label = "a = \(a.decimalText), γ = \(gamma.decimalText)" }
                else if byGamma { label = "γ = \(gamma.decimalText)" } else { label = "a = \(a.decimalText)" }
                curves.append((label, a.doubleApproximation, values))
            }
        }
        let title: String
        switch name {
        case "left": title = "a = 0.5, several γ"
        case "right": title = "γ = 0.4, several a"
        default: title = grid.gammas.count == 1 ? "γ = \(grid.gammas[0].decimalText)" : (grid.accuracies.count == 1 ? "a = \(grid.accuracies[0].decimalText)" : "custom grid")
        }
        let lowest = min(curves.flatMap(\.values).min() ?? 0, curves.map(\.a).min() ?? 0)
        let yLow = max(0, (lowest * 20).rounded(.down) / 20 - 0.02)
        var chart = Chart(
            title: title,
            xAxis: ChartAxis(label: "normalised shift Δ/γ", range: 0...1),
            yAxis: ChartAxis(label: "critical accuracy a′", range: yLow...1.02))
        chart.legend = .outsideRight
        chart.width = 720
        // Light shading: the bands of several curves overlap near a and must stay readable.
        for (i, curve) in curves.enumerated() {
            chart.regions.append(ShadedRegion(
                name: nil, points: zip(s, curve.values).map { (x: $0, lower: min(curve.a, $1), upper: max(curve.a, $1)) },
                color: Palette.color(i), opacity: 0.09))
            chart.lines.append(LineSeries(name: curve.label, points: zip(s, curve.values).map { (x: $0, y: $1) }, color: Palette.color(i)))
        }
        var baseLines: Set<Double> = []
        for (i, curve) in curves.enumerated() where !baseLines.contains(curve.a) {
            baseLines.insert(curve.a)
            chart.lines.append(LineSeries(
                name: baseLines.count == 1 ? "base accuracy a" : nil, points: [(0, curve.a), (1, curve.a)],
                color: curves.count > 1 && !byGamma ? Palette.color(i) : "#444444", width: 1.2, dash: "5 4"))
        }
        chart.regions.insert(ShadedRegion(name: "unfavourable band", points: [], color: "#777777", opacity: 0.3), at: 0)
        return chart
    }
}
