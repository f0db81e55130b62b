import ArgumentParser
import Experiments
import MultiPrecision
import PerplexityTheory
import Reporting

/// `perplexed critical`: Eq. 11, the accuracy a shifted model needs to match the base perplexity.
struct CriticalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "critical",
        abstract: "Critical accuracy a′ of a confidence-shifted model (Eq. 11), and a candidate's verdict.",
        discussion: """
            A base model has accuracy a and puts 1 − γ on its choice. A new model shifts its \
            confidence by Δ ∈ [0, γ] (right answers get 1 − γ + Δ, wrong ones leave γ − Δ on the \
            truth). It has the same log-perplexity as the base iff its accuracy is

              a′ = (pplx(a, γ) + log(γ − Δ)) / (log(γ − Δ) − log(1 − γ + Δ)),

            and perplexity selects it iff its accuracy exceeds a′. Between a and a′ perplexity \
            and accuracy disagree (the unfavourable band). Give the shift either normalised, \
            --shift S = Δ/γ (the x-axis of Fig. 3), or absolute, --delta D. With \
            --candidate-accuracy X the candidate is classified; with --reach X the shifts at \
            which a′ equals X are enclosed (certified root finding).

            Examples:
              perplexed critical --accuracy 0.5 --gamma 0.1 --shift 0.5
              perplexed critical --accuracy 0.9 --gamma 0.4 --delta 0.1 --candidate-accuracy 0.88 --certified
              perplexed critical --accuracy 0.5 --gamma 0.1 --reach 0.6
            """
    )

    @Option(parsing: .unconditional, help: "Base accuracy a, in [0, 1].", transform: exactNumber)
    var accuracy: BigRational

    @Option(parsing: .unconditional, help: "Base γ, in (0, 1/2): the base model puts 1 − γ on its choice.", transform: exactNumber)
    var gamma: BigRational

    @Option(parsing: .unconditional, help: "Normalised shift S = Δ/γ, in [0, 1].", transform: exactNumber)
    var shift: BigRational?

    @Option(parsing: .unconditional, help: "Absolute shift Δ, in [0, γ].", transform: exactNumber)
    var delta: BigRational?

    @Option(parsing: .unconditional, help: "Accuracy of a candidate model at this shift, in [0, 1]: classify it.", transform: exactNumber)
    var candidateAccuracy: BigRational?

    @Option(parsing: .unconditional, help: "Instead of a shift: find the shifts Δ at which a′ equals this accuracy, in [0, 1].", transform: exactNumber)
    var reach: BigRational?

    @OptionGroup var numeric: NumericOptions

    @Option(help: "Output format: text, json, csv, markdown or latex.")
    var format: TableFormat = .text

    func validate() throws {
        try require(accuracy >= 0 && accuracy <= 1, "--accuracy", "in [0, 1]", accuracy)
        try require(gamma > 0 && gamma < half, "--gamma", "in (0, 1/2)", gamma)
        if let reach {
            guard shift == nil, delta == nil, candidateAccuracy == nil else {
                throw ValidationError("--reach replaces --shift/--delta/--candidate-accuracy: give it alone")
            }
            try require(reach >= 0 && reach <= 1, "--reach", "in [0, 1]", reach)
            return
        }
        switch (shift, delta) {
        case (nil, nil): throw ValidationError("give the shift: either --shift S (= delta/gamma, in [0, 1]) or --delta D (in [0, gamma])")
        case (.some, .some): throw ValidationError("--shift and --delta are two ways to give the same shift: give only one")
        case (let s?, nil): try require(s >= 0 && s <= 1, "--shift", "in [0, 1]", s)
        case (nil, let d?): try require(d >= 0 && d <= gamma, "--delta", "in [0, gamma] = [0, \(gamma.decimalText)]", d)
        }
        if let x = candidateAccuracy { try require(x >= 0 && x <= 1, "--candidate-accuracy", "in [0, 1]", x) }
    }

    /// The shift normalised exactly: s = Δ/γ from rationals, so Δ = γ gives exactly 1.
    var normalisedShift: BigRational { shift ?? (delta! / gamma) }

    func run() throws {
        if let reach {
            print(try reachReport(reach).rendered(as: format), terminator: "")
            return
        }
        print(try numeric.compute { try report($0) }.rendered(as: format), terminator: "")
    }

    func report<A: Arithmetic>(_ arithmetic: A) throws -> Report {
        let s = normalisedShift
        let a = try arithmetic.make(accuracy), g = try arithmetic.make(gamma), sN = try arithmetic.make(s)
        let L = try logPerplexity(accuracy: a, gamma: g).total
        let band = try unfavourableBand(accuracy: a, gamma: g, shift: sN)
        var r = Report(title: "Eq. 11: critical accuracy of the shifted model")
        r.input("accuracy", accuracy)
        r.input("gamma", gamma)
        r.input("shift (delta/gamma)", s)
        r.input("delta", s * gamma)
        r.input("shifted gamma (gamma - delta)", gamma - s * gamma)
        r.result("base log-perplexity", numeric.render(L))
        r.result("critical accuracy", numeric.render(band.criticalAccuracy))
        r.result("a' - a", numeric.render(band.gap))
        r.result("unfavourable band width", numeric.render(band.width))
        let a0 = a.integer(0)
        let direction: String
        if a0.isCertainlyLess(than: band.gap) {
            direction = "rejected-though-better: candidates with accuracy in (a, a') are more accurate but lose on perplexity"
        } else if band.gap.isCertainlyLess(than: a0) {
            direction = "selected-though-worse (free lunch): candidates with accuracy in (a', a) are less accurate but win on perplexity"
        } else {
            direction = s == 0 ? "none: no shift, a' = a" : "undecided at this precision"
        }
        r.result("unfavourable band", text: direction)
        if let x = candidateAccuracy {
            r.input("candidate accuracy", x)
            let v = verdict(candidateAccuracy: try arithmetic.make(x), accuracy: a, criticalAccuracy: band.criticalAccuracy)
            r.result("verdict", text: v.rawValue)
            r.result("unfavourable", v.isUnfavourable)
        }
        if s == 1 { r.notes.append("At delta = gamma the shifted model is certain; a' is the limit 1 (only a perfect model matches).") }
        return r
    }

    func reachReport(_ target: BigRational) throws -> Report {
        let shifts = try decided(at: numeric.precision) { try shiftReaching(targetAccuracy: target, accuracy: accuracy, gamma: gamma, precision: $0) }
        var r = Report(title: "Shifts delta in [0, gamma) at which the critical accuracy a' equals the target")
        r.input("accuracy", accuracy)
        r.input("gamma", gamma)
        r.input("target accuracy", target)
        r.result("solutions", shifts.count)
        let g = try Interval(gamma, precision: numeric.precision)
        for (i, d) in shifts.enumerated() {
            let name = shifts.count == 1 ? "" : " \(i + 1)"
            r.result("delta\(name)", numeric.certified ? numeric.render(d) : numeric.render(d.midpoint))
            r.result("shift (delta/gamma)\(name)", numeric.certified ? numeric.render(d / g) : numeric.render((d / g).midpoint))
        }
        if shifts.isEmpty {
            r.notes.append(target == 1 ? "a' reaches 1 only in the limit delta -> gamma." : "No shift in [0, gamma) gives this critical accuracy.")
        }
        return r
    }
}
