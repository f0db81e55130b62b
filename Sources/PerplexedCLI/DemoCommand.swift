import ArgumentParser
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed demo`: the main job on built-in defaults (what `make demo` runs).
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "A quick look: certified Eq. 10 and Eq. 11 at the paper's Fig. 3 settings (the full job is `reproduce --quick`).",
        discussion: """
            Prints certified enclosures of the log-perplexity pplx(a, γ) (Eq. 10) and of the \
            critical accuracy a′ (Eq. 11) for the two panels of Fig. 3: a = 1/2 with several γ, \
            and γ = 2/5 with several a, at normalised shifts Δ/γ = 1/4, 1/2 and 3/4. Every \
            printed interval contains the exact value.
            """
    )

    @Option(help: "Binary precision in bits.")
    var precision: Int = 256

    @Option(help: "Significant digits printed per bound.")
    var digits: Int = 12

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        guard Precision.range.contains(precision) else { throw ValidationError("--precision must be in 2…16777216, got \(precision)") }
        guard (1...1000).contains(digits) else { throw ValidationError("--digits must be in 1…1000, got \(digits)") }
    }

    func run() throws {
        let table = try Self.table(precision: precision, digits: digits)
        print(table.rendered(as: format), terminator: "")
        if format == .text {
            print("\nRows with a' < a at some shift are the paper's free lunch: a less accurate model wins on perplexity.")
        }
    }

    /// Certified Eq. 10 and Eq. 11 at the paper's Fig. 3 settings.
    static func table(precision: Int, digits: Int) throws -> Table {
        let shifts = ["1/4", "1/2", "3/4"]
        var table = Table(
            columns: ["panel", "a", "gamma", "pplx(a, gamma)"] + shifts.map { "a' at shift \($0)" },
            numericColumns: [],
            caption: "Certified Eq. 10 and Eq. 11 (enclosures at \(precision) bits, rounded outward)")
        let left = ["1/100", "1/20", "1/10", "1/5", "3/10", "2/5"].map { ("a = 1/2", "1/2", $0) }
        let right = ["1/2", "3/5", "7/10", "4/5", "9/10", "19/20"].map { ("gamma = 2/5", $0, "2/5") }
        for (panel, a, gamma) in left + right {
            let aI = try Interval(parsing: a, precision: precision)
            let gI = try Interval(parsing: gamma, precision: precision)
            let L = try userFacing { try logPerplexity(accuracy: aI, gamma: gI).total }
            var row = [panel, a, gamma, try L.decimal(digits: digits)]
            for s in shifts {
                let critical = try userFacing { try criticalAccuracy(accuracy: aI, gamma: gI, shift: try Interval(parsing: s, precision: precision)) }
                row.append(try critical.decimal(digits: digits))
            }
            table.append(row)
        }
        return table
    }
}
