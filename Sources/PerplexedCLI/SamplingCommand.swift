import ArgumentParser
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed sampling`: Remark 3.5, Prop. 3.6 and the three regimes of section 3.3.
struct SamplingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sampling",
        abstract: "Copying under sampling: (1 − γ)^N, Boole's bound Nγ, N(γ + ϵ) and the regime (section 3.3).",
        discussion: """
            A model that puts 1 − γ on each correct bit copies all N bits of α_N by sampling \
            with probability exactly (1 − γ)^N; Boole's inequality bounds the failure by Nγ \
            (Remark 3.5), and Prop. 3.6 bounds the probability of not emitting α_N when asked \
            to copy β_N by N(γ + ϵ). Section 3.3's regimes read "≪ 1" as "below --threshold" \
            (default 0.1).

            Example:
              perplexed sampling --gamma 0.001 --length 64 --epsilon 0.0001
            """
    )

    @Option(parsing: .unconditional, help: "γ in [0, 1): the model puts 1 − γ on each correct bit.", transform: exactNumber)
    var gamma: BigRational

    @Option(parsing: .unconditional, help: "Copy length N >= 1.")
    var length: Int

    @Option(parsing: .unconditional, help: "Continuity tolerance ϵ >= 0 at this length (Prop. 3.6; default: 0).", transform: exactNumber)
    var epsilon: BigRational = 0

    @Option(parsing: .unconditional, help: "Threshold τ > 0 standing for \"≪ 1\" (default: 0.1).", transform: exactNumber)
    var threshold: BigRational = try! BigRational(1, 10)

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try require(gamma >= 0 && gamma < 1, "--gamma", "in [0, 1)", gamma)
        try require(length >= 1, "--length", ">= 1", length)
        try require(epsilon >= 0, "--epsilon", ">= 0", epsilon)
        try require(threshold > 0, "--threshold", "> 0", threshold)
    }

    func run() throws {
        print(try numeric.compute { try report($0) }.rendered(as: format), terminator: "")
    }

    func report<A: Arithmetic>(_ arithmetic: A) throws -> Report {
        let s = try sampling(gamma: try arithmetic.make(gamma), length: length, epsilon: try arithmetic.make(epsilon), threshold: try arithmetic.make(threshold))
        var r = Report(title: "Section 3.3: copying by sampling")
        r.input("gamma", gamma)
        r.input("length", length)
        r.input("epsilon", epsilon)
        r.input("threshold", threshold)
        r.result("P(copy all N bits) = (1-gamma)^N", numeric.render(s.copyProbability))
        r.result("P(miscopy)", numeric.render(s.failureProbability))
        r.result("Boole bound N*gamma", numeric.render(s.booleBound))
        r.result("Prop. 3.6 bound N*(gamma+epsilon)", numeric.render(s.propositionBound))
        r.result("N*epsilon", numeric.render(s.nEpsilon))
        r.result("regime", text: s.regime.rawValue)
        r.notes.append(s.regime.explanation + ".")
        return r
    }
}
