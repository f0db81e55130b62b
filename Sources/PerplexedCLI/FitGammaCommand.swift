import ArgumentParser
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed fit-gamma`: section 4.3's inverse problem, which γ explain a measured (L, a).
struct FitGammaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit-gamma",
        abstract: "Which confidences 1 − γ explain a measured log-perplexity L at accuracy a (section 4.3).",
        discussion: """
            Solves pplx(a, γ) = L for γ. For fixed a, pplx(a, ·) is convex with minimum H(a) \
            (the binary entropy, in nats) at γ = 1 − a, so some γ fits iff L >= H(a); then there \
            are two roots, the confident one (γ <= 1 − a) and the diffident one. Both are found \
            by certified bisection: the printed enclosures contain the exact roots.

            Example:
              perplexed fit-gamma --log-perplexity 1 --accuracy 0.5 --certified
            """
    )

    @Option(parsing: .unconditional, help: "Measured log-perplexity L in nats per token, > 0.", transform: exactNumber)
    var logPerplexity: BigRational

    @Option(parsing: .unconditional, help: "Measured accuracy a, in [0, 1].", transform: exactNumber)
    var accuracy: BigRational

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try require(logPerplexity > 0, "--log-perplexity", "> 0", logPerplexity)
        try require(accuracy >= 0 && accuracy <= 1, "--accuracy", "in [0, 1]", accuracy)
    }

    func run() throws {
        let fit = try decided(at: numeric.precision) { try fitGamma(logPerplexity: logPerplexity, accuracy: accuracy, precision: $0) }
        // Root finding is certified either way; without --certified the midpoints are shown.
        func show(_ x: Interval) -> Rendered { numeric.certified ? numeric.render(x) : numeric.render(x.midpoint) }
        var r = Report(title: "Section 4.3: gamma with pplx(a, gamma) = L")
        r.input("log-perplexity", logPerplexity)
        r.input("accuracy", accuracy)
        r.result("binary entropy H(a)", show(fit.entropy))
        r.result("some gamma fits", fit.fits)
        if let c = fit.confident { r.result("confident gamma (<= 1 - a)", show(c)) }
        if let d = fit.diffident { r.result("diffident gamma (>= 1 - a)", show(d)) }
        if !fit.fits {
            r.notes.append("L < H(a): no model of the section 4 family has this log-perplexity at this accuracy.")
        } else if fit.confident != nil {
            r.notes.append("The confident root is the one the paper's model describes (gamma < 1/2 when a > 1/2).")
        }
        print(r.rendered(as: format), terminator: "")
    }
}
