import ArgumentParser
import Experiments
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed temperature`: Remark 3.4 (Eq. 7) and its inverse.
struct TemperatureCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "temperature",
        abstract: "Temperature folds into confidence (Remark 3.4, Eq. 7), and its inverse.",
        discussion: """
            A model puts 1 − γ on its choice and spreads γ evenly over the other V − 1 symbols. \
            Sampling at temperature θ (p_i^(1/θ), renormalised) gives it confidence 1 − γ′; for \
            V = 2 this is Eq. 7, γ′ = γ^(1/θ) / ((1 − γ)^(1/θ) + γ^(1/θ)). With --target-gamma \
            the inverse is computed: θ = log((1 − γ)(V − 1)/γ) / log((1 − γ′)(V − 1)/γ′). \
            With --probabilities instead of --gamma, temperature θ is applied to any \
            probability vector (p_i^(1/θ), renormalised; exact zeros stay zero).

            Examples:
              perplexed temperature --gamma 0.1 --theta 0.5
              perplexed temperature --gamma 0.1 --target-gamma 0.01 --certified
              perplexed temperature --gamma 0.3 --theta 2 --vocabulary 50000
              perplexed temperature --probabilities 0.7,0.2,0.1 --theta 0.5
            """
    )

    @Option(parsing: .unconditional, help: "γ in (0, 1) before tempering.", transform: exactNumber)
    var gamma: BigRational?

    @Option(parsing: .unconditional, help: "Instead of --gamma: a probability vector (comma-separated, >= 0, not all 0) to temper with --theta.", transform: exactNumberList)
    var probabilities: [BigRational]?

    @Option(parsing: .unconditional, help: "Temperature θ > 0: compute the tempered γ′.", transform: exactNumber)
    var theta: BigRational?

    @Option(parsing: .unconditional, help: "Target γ′ in (0, 1): compute the temperature that reaches it.", transform: exactNumber)
    var targetGamma: BigRational?

    @Option(parsing: .unconditional, help: "Vocabulary size V >= 2; the other V − 1 symbols share γ evenly.")
    var vocabulary: Int = 2

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        if let probabilities {
            guard gamma == nil, targetGamma == nil else {
                throw ValidationError("--probabilities replaces --gamma and works with --theta only: give --probabilities P1,P2,… --theta T")
            }
            guard let theta else { throw ValidationError("--probabilities needs --theta T") }
            try require(theta > 0, "--theta", "> 0", theta)
            for p in probabilities { try require(p >= 0, "--probabilities", ">= 0 (each)", p) }
            guard probabilities.contains(where: { $0 > 0 }) else { throw ValidationError("--probabilities must not be all zero") }
            return
        }
        guard let gamma else { throw ValidationError("give --gamma G (or --probabilities P1,P2,… with --theta)") }
        try require(gamma > 0 && gamma < 1, "--gamma", "in (0, 1)", gamma)
        try require(vocabulary >= 2, "--vocabulary", ">= 2", vocabulary)
        switch (theta, targetGamma) {
        case (nil, nil): throw ValidationError("give either --theta T (to temper) or --target-gamma G2 (to find the temperature)")
        case (.some, .some): throw ValidationError("--theta and --target-gamma are the two directions of one formula: give only one")
        case (let t?, nil): try require(t > 0, "--theta", "> 0", t)
        case (nil, let g?):
            try require(g > 0 && g < 1, "--target-gamma", "in (0, 1)", g)
            // A positive θ keeps γ′ on γ's side of the uniform value (V − 1)/V and never reaches it.
            let uniform = BigRational(vocabulary - 1) / BigRational(vocabulary)
            try require(gamma != uniform, "--gamma", "different from the uniform value (V-1)/V = \(uniform) (no temperature moves it)", gamma)
            try require((g < uniform) == (gamma < uniform) && g != uniform, "--target-gamma",
                        "strictly on the same side of the uniform value (V-1)/V = \(uniform) as --gamma \(gamma.decimalText)", g)
        }
    }

    func run() throws {
        print(try numeric.compute { try report($0) }.rendered(as: format), terminator: "")
    }

    func report<A: Arithmetic>(_ arithmetic: A) throws -> Report {
        if let probabilities, let theta {
            let tempered = try applyTemperature(try probabilities.map(arithmetic.make), theta: try arithmetic.make(theta))
            var r = Report(title: "Temperature applied to a probability vector")
            r.input("theta", theta)
            for (i, (p, q)) in zip(probabilities, tempered).enumerated() {
                r.input("p\(i + 1)", p)
                r.result("tempered p\(i + 1)", numeric.render(q))
            }
            return r
        }
        let gamma = gamma!  // validate() guarantees it
        let g = try arithmetic.make(gamma)
        var r = Report(title: "Remark 3.4: temperature and confidence (V = \(vocabulary))")
        r.input("gamma", gamma)
        r.input("vocabulary", vocabulary)
        if let theta {
            r.input("theta", theta)
            let t = try temperedGamma(gamma: g, theta: try arithmetic.make(theta), vocabulary: vocabulary)
            r.result("tempered gamma", numeric.render(t))
            r.result("tempered confidence (1 - gamma')", numeric.render(t.integer(1) - t))
        } else if let targetGamma {
            r.input("target gamma", targetGamma)
            let t = try temperature(gamma: g, targetGamma: try arithmetic.make(targetGamma), vocabulary: vocabulary)
            r.result("theta", numeric.render(t))
        }
        return r
    }
}
