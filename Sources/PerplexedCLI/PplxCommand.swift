import ArgumentParser
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed pplx`: Eq. 10, the log-perplexity of the homogeneous-confidence binary model.
struct PplxCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pplx",
        abstract: "Log-perplexity of a model right with probability a and confidence 1 − γ (Eq. 10).",
        discussion: """
            pplx(a, γ) = −a·log(1 − γ) − (1 − a)·log γ, in nats per token, split into what is \
            paid on right answers (the first term) and on wrong ones (the second); perplexity is \
            its exponential. Inputs are exact decimals.

            Example:
              perplexed pplx --accuracy 0.5 --gamma 0.1 --certified
            """
    )

    @Option(parsing: .unconditional, help: "Accuracy a of the model, in [0, 1].", transform: exactNumber)
    var accuracy: BigRational

    @Option(parsing: .unconditional, help: "γ in (0, 1): the model puts 1 − γ on its choice.", transform: exactNumber)
    var gamma: BigRational

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try require(accuracy >= 0 && accuracy <= 1, "--accuracy", "in [0, 1]", accuracy)
        try require(gamma > 0 && gamma < 1, "--gamma", "in (0, 1)", gamma)
    }

    func run() throws {
        print(try numeric.compute { try report($0) }.rendered(as: format), terminator: "")
    }

    func report<A: Arithmetic>(_ arithmetic: A) throws -> Report {
        let c = try logPerplexity(accuracy: arithmetic.make(accuracy), gamma: arithmetic.make(gamma))
        var r = Report(title: "Eq. 10: log-perplexity of the binary model (nats per token)")
        r.input("accuracy", accuracy)
        r.input("gamma", gamma)
        r.result("paid on right answers", numeric.render(c.onRight))
        r.result("paid on wrong answers", numeric.render(c.onWrong))
        r.result("log-perplexity", numeric.render(c.total))
        r.result("perplexity", numeric.render(c.perplexity))
        return r
    }
}
