import ArgumentParser
import Experiments
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed two-parameter`: the reviewers' extension with separate γ for right and wrong answers.
struct TwoParameterCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "two-parameter",
        abstract: "Beyond the paper: log-perplexity and critical accuracy when right and wrong answers have their own γ.",
        discussion: """
            Right answers put 1 − γ_r on the truth, wrong answers leave γ_w on it (the paper's \
            model is γ_r = γ_w). pplx(a) = −a·log(1 − γ_r) − (1 − a)·log γ_w. A new model \
            shifts both independently (1 − γ_r + Δ_r, γ_w − Δ_w); its critical accuracy is

              a′ = (pplx + log(γ_w − Δ_w)) / (log(γ_w − Δ_w) − log(1 − γ_r + Δ_r)).

            Example:
              perplexed two-parameter --accuracy 0.8 --gamma-right 0.1 --gamma-wrong 0.3 --delta-right 0.05 --delta-wrong 0.1
            """
    )

    @Option(parsing: .unconditional, help: "Base accuracy a, in [0, 1].", transform: exactNumber)
    var accuracy: BigRational

    @Option(parsing: .unconditional, help: "γ_r in [0, 1): right answers put 1 − γ_r on the truth.", transform: exactNumber)
    var gammaRight: BigRational

    @Option(parsing: .unconditional, help: "γ_w in (0, 1): wrong answers leave γ_w on the truth.", transform: exactNumber)
    var gammaWrong: BigRational

    @Option(parsing: .unconditional, help: "Shift Δ_r in [0, γ_r] of the right answers' confidence (default: 0).", transform: exactNumber)
    var deltaRight: BigRational = 0

    @Option(parsing: .unconditional, help: "Shift Δ_w in [0, γ_w] of the wrong answers' mass on the truth (default: 0).", transform: exactNumber)
    var deltaWrong: BigRational = 0

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try require(accuracy >= 0 && accuracy <= 1, "--accuracy", "in [0, 1]", accuracy)
        try require(gammaRight >= 0 && gammaRight < 1, "--gamma-right", "in [0, 1)", gammaRight)
        try require(gammaWrong > 0 && gammaWrong < 1, "--gamma-wrong", "in (0, 1)", gammaWrong)
        try require(deltaRight >= 0 && deltaRight <= gammaRight, "--delta-right", "in [0, gamma-right] = [0, \(gammaRight.decimalText)]", deltaRight)
        try require(deltaWrong >= 0 && deltaWrong <= gammaWrong, "--delta-wrong", "in [0, gamma-wrong] = [0, \(gammaWrong.decimalText)]", deltaWrong)
        try require(gammaWrong - deltaWrong < 1 - gammaRight + deltaRight, "--delta-wrong",
                    "such that gamma-wrong - delta-wrong < 1 - gamma-right + delta-right (right answers must keep more on the truth)", deltaWrong)
    }

    func run() throws {
        print(try numeric.compute { try report($0) }.rendered(as: format), terminator: "")
    }

    func report<A: Arithmetic>(_ arithmetic: A) throws -> Report {
        let a = try arithmetic.make(accuracy), gr = try arithmetic.make(gammaRight), gw = try arithmetic.make(gammaWrong)
        let c = try logPerplexity(accuracy: a, gammaRight: gr, gammaWrong: gw)
        var r = Report(title: "Two-parameter model (gamma right, gamma wrong)")
        r.input("accuracy", accuracy)
        r.input("gamma right", gammaRight)
        r.input("gamma wrong", gammaWrong)
        r.input("delta right", deltaRight)
        r.input("delta wrong", deltaWrong)
        r.result("paid on right answers", numeric.render(c.onRight))
        r.result("paid on wrong answers", numeric.render(c.onWrong))
        r.result("log-perplexity", numeric.render(c.total))
        // Δ_w = γ_w is decided exactly here: the new model is certain when wrong, a′ is the limit 1.
        if deltaWrong == gammaWrong {
            r.result("critical accuracy", numeric.render(a.integer(1)))
            r.notes.append("delta wrong = gamma wrong: wrong answers leave nothing on the truth, a' is the limit 1.")
        } else {
            let critical = try criticalAccuracy(accuracy: a, gammaRight: gr, gammaWrong: gw, deltaRight: try arithmetic.make(deltaRight), deltaWrong: try arithmetic.make(deltaWrong))
            r.result("critical accuracy", numeric.render(critical))
            r.result("a' - a", numeric.render(critical - a))
        }
        return r
    }
}
