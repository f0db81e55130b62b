import ArgumentParser
import Experiments
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed lemma`: Lemma 3.1 in the corrected explicit form, beside the bound as printed.
struct LemmaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lemma",
        abstract: "Lemma 3.1 made explicit: the threshold n′ and the perplexity-gap bound, beside the paper's printed bound.",
        discussion: """
            If a model copies α with margin m, its log-probabilities are floored at log ε, and \
            prefixes within relative Hamming distance δ give next-token distributions within \
            η = min(m, ξ/4), then for N >= n′ = max(⌊1/δ⌋, ⌈−2 log ε / ξ⌉) + 1 a one-bit flip β_N \
            is miscopied yet

              |pplx(α_N) − pplx(β_N)| <= (−log ε)/N + 2η(N − 1)/N < ξ.

            The bound is shown at --length N (default n′). Beside it, the expression printed in \
            the paper's Appendix A, −(1/N)(log(1/2 + m) − log ε + (N − 1)m), evaluated as \
            printed with its ϵ read as the margin m: it is negative, so it cannot bound an \
            absolute value. With --gamma (confidence 1 − γ, Prop. 3.2) it also bounds the \
            perplexity of the miscopied β_N: pplx(β_N) < −log(1 − γ) + the bound above.

            Example:
              perplexed lemma --margin 0.2 --floor 0.001 --xi 0.1 --delta 0.01 --certified
              perplexed lemma --margin 0.2 --floor 0.001 --xi 0.1 --delta 0.01 --gamma 0.3 --length 1000
            """
    )

    @Option(parsing: .unconditional, help: "Copy margin m in (0, 1/2): the model puts more than 1/2 + m on each correct bit.", transform: exactNumber)
    var margin: BigRational

    @Option(parsing: .unconditional, help: "Probability floor ε in (0, 1): every log-probability is at least log ε.", transform: exactNumber)
    var floor: BigRational

    @Option(parsing: .unconditional, help: "Target gap ξ > 0 between the two log-perplexities.", transform: exactNumber)
    var xi: BigRational

    @Option(parsing: .unconditional, help: "Continuity radius δ in (0, 1] for the tolerance η (Pasten et al.).", transform: exactNumber)
    var delta: BigRational

    @Option(parsing: .unconditional, help: "Length N >= 1 at which to evaluate the bounds (default: n′).")
    var length: Int?

    @Option(parsing: .unconditional, help: "Confidence parameter γ in [0, 1/2) for Prop. 3.2 (needs --margin <= 1/2 − γ): bound pplx(β_N).", transform: exactNumber)
    var gamma: BigRational?

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try require(margin > 0 && margin < half, "--margin", "in (0, 1/2)", margin)
        try require(floor > 0 && floor < 1, "--floor", "in (0, 1)", floor)
        try require(xi > 0, "--xi", "> 0", xi)
        try require(delta > 0 && delta <= 1, "--delta", "in (0, 1]", delta)
        if let length { try require(length >= 1, "--length", ">= 1", length) }
        if let gamma {
            try require(gamma >= 0 && gamma < half, "--gamma", "in [0, 1/2)", gamma)
            try require(margin <= half - gamma, "--margin", "at most 1/2 - gamma = \((half - gamma).decimalText) for Prop. 3.2", margin)
        }
        _ = try threshold()  // n′ must fit in 64 bits: decided from the arguments, so a usage error
    }

    func run() throws {
        print(try numeric.compute { try report($0) }.rendered(as: format), terminator: "")
    }

    /// n′ and η. The library names each parameter as this command's flag does (xi, delta, …), so
    /// its message becomes the flag's, e.g. when n′ would exceed 64 bits: a usage error. An
    /// enclosure of n′ too wide to decide is a failure of --precision (see `decided`).
    func threshold() throws -> (threshold: LemmaThreshold, eta: BigRational) {
        try decided(at: numeric.precision) { bits in
            do {
                return try lemmaThreshold(xi: xi, margin: margin, floor: floor, delta: delta, precision: bits)
            } catch let error as ParameterError where error.parameter != "precision" {
                // Quote the value briefly: an extreme --delta or --xi may have thousands of digits.
                let given = ["xi": xi, "margin": margin, "floor": floor, "delta": delta][error.parameter]?.briefText ?? error.value
                throw ValidationError("--\(error.parameter) must be \(error.requirement), got \(given)")
            }
        }
    }

    func report<A: Arithmetic>(_ arithmetic: A) throws -> Report {
        let (t, eta) = try threshold()
        let N = length ?? t.threshold
        let eps = try arithmetic.make(floor)
        let bound = try lemmaBound(length: N, eta: try arithmetic.make(eta), floor: eps)
        let printed = try printedAppendixBound(length: N, epsilon: try arithmetic.make(margin), floor: eps)
        var r = Report(title: "Lemma 3.1, corrected and explicit")
        r.input("margin", margin)
        r.input("floor", floor)
        r.input("xi", xi)
        r.input("delta", delta)
        r.input("length", N)
        r.result("eta = min(m, xi/4)", text: eta.decimalText)
        r.result("n' (threshold)", t.threshold)
        r.result("continuity length floor(1/delta)+1", t.continuityLength)
        r.result("dilution length ceil(-2 log eps/xi)+1", t.dilutionLength)
        r.result("corrected bound at N", numeric.render(bound))
        r.result("corrected bound < xi", bound.isCertainlyLess(than: try arithmetic.make(xi)))
        r.result("printed Appendix A bound at N", numeric.render(printed))
        if let gamma {
            r.input("gamma", gamma)
            let collapse = try collapsingConfidenceBound(gamma: try arithmetic.make(gamma), length: N, eta: try arithmetic.make(eta), floor: eps)
            r.result("Prop. 3.2: pplx(beta_N) below", numeric.render(collapse))
        }
        if printed.isCertainlyLess(than: printed.integer(0)) {
            r.notes.append("The Appendix A expression, evaluated as printed, is negative: it cannot bound the absolute value |pplx(alpha_N) - pplx(beta_N)|. The corrected bound above is the explicit form.")
        }
        if N < t.threshold { r.notes.append("N = \(N) is below n' = \(t.threshold): the lemma does not apply at this length (one flipped bit may be outside the continuity radius).") }
        return r
    }
}
