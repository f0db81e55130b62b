import ArgumentParser
import Experiments
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

    @Option(parsing: .unconditional, help: "Binary precision in bits.")
    var precision: Int = DemoConfiguration().precision

    @Option(parsing: .unconditional, help: "Significant digits printed per bound.")
    var digits: Int = DemoConfiguration().digits

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try flagged { try DemoConfiguration(precision: precision, digits: digits).validate() }
    }

    func run() throws {
        let demo = try decided(at: precision) { try Demo.run(DemoConfiguration(precision: $0, digits: digits)) }
        print(try demo.table().rendered(as: format), terminator: "")
        if format == .text {
            print("\n" + Demo.note)
        }
    }
}
