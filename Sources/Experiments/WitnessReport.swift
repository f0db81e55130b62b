import Foundation
import MultiPrecision
import Reporting
import Witnesses

/// A witness as text (for a person) and JSON (every measured and certified value).
public enum WitnessReport {
    /// A certified value as {"lower", "upper"} decimal strings rounded outward.
    public static func interval(_ value: Interval, digits: Int = 12) -> JSONValue {
        guard let (lo, hi) = try? value.decimalBounds(digits: digits) else { return .null }
        return .object([("lower", .string(lo)), ("upper", .string(hi))])
    }

    /// A certified value as one rounded decimal.
    public static func text(_ value: Interval, digits: Int = 8) -> String { (try? value.decimal(digits: digits)) ?? "nan" }

    /// Bits as a string of 0s and 1s.
    public static func bits(_ b: [Int]) -> String { b.map(String.init).joined() }

    /// float32 values as JSON numbers (shortest round-tripping text).
    public static func floats(_ values: [Float]) -> JSONValue { .array(values.map { .number("\($0)") }) }

    /// The witness as JSON; `includeLogits` adds the float32 logits of every copy position.
    public static func json(_ w: CopyWitness, includeLogits: Bool = true) -> JSONValue {
        let c = w.certified
        func run(_ copy: GreedyCopy) -> JSONValue {
            var members: [(String, JSONValue)] = [
                ("target", .string(bits(copy.target))), ("output", .string(bits(copy.output))),
                ("correct", .bool(copy.isCorrect)), ("log_perplexity_float32", .double(copy.logPerplexity)),
                ("target_probability", floats(copy.targetProbability)),
                ("target_probability_restricted_to_bits", floats(copy.restrictedTargetProbability)),
                ("premature_stops", .array(copy.prematureStops.map { .number("\($0 + 1)") })),
            ]
            if includeLogits { members.append(("logits", .array(copy.logits.map(floats)))) }
            return .object(members)
        }
        return .object([
            ("length", .number("\(w.length)")), ("flip", .number("\(w.flip)")),
            ("alpha", run(w.alpha)), ("beta", run(w.beta)),
            ("linf_distance", .array(w.distance.map { .double($0) })),
            ("eta", .double(w.eta)),
            ("min_alpha_probability", .number("\(w.minimumAlphaProbability)")),
            ("max_beta_probability", .number("\(w.maximumBetaProbability)")),
            ("beta_copied_as_alpha", .bool(w.betaCopiedAsAlpha)),
            ("certified", .object([
                ("alpha_log_perplexity", interval(c.alphaLogPerplexity)),
                ("beta_log_perplexity", interval(c.betaLogPerplexity)),
                ("gap", interval(c.gap)),
                ("linf_distance", .array(c.distance.map { interval($0) })),
                ("eta", interval(c.eta)),
                ("float32_error", .double(c.float32Error)),
                ("floor", .string((try? c.floor.decimal(digits: 12, rounding: .down)) ?? "nan")),
                ("lemma_hypotheses_hold", .bool(c.hypothesesHold)),
                ("lemma_bound", c.lemmaBound.map { interval($0) } ?? .null),
                ("within_bound", c.withinBound.map { .bool($0) } ?? .null),
                ("n_gamma", .double(c.nGamma)), ("n_eta", .double(c.nEta)),
                ("regime", .string(c.regime.rawValue)),
            ])),
        ])
    }

    /// One row per witness of the same α_N with different flipped bits: which flip, whether β was
    /// copied as α, both perplexities, the gap and the Lemma 3.1 check.
    public static func flipTable(_ witnesses: [CopyWitness]) -> Table {
        var table = emptyFlipTable()
        for w in witnesses { table.append(flipRow(w)) }
        return table
    }

    /// The flip table's columns, with no rows yet (a scan appends ``flipRow(_:)`` as it goes,
    /// so that no witness, with its logits, has to be kept).
    public static func emptyFlipTable() -> Table {
        Table(columns: ["flip", "β copied as α", "pplx(α)", "pplx(β)", "|gap|", "bound", "within"], numericColumns: [0])
    }

    /// One witness's row of the flip table.
    public static func flipRow(_ w: CopyWitness) -> [String] {
        let c = w.certified
        return ["\(w.flip)", w.betaCopiedAsAlpha ? "yes" : "no", text(c.alphaLogPerplexity, digits: 6),
                text(c.betaLogPerplexity, digits: 6), text(c.gap, digits: 6),
                c.lemmaBound.map { text($0, digits: 6) } ?? "n/a", c.withinBound.map { $0 ? "yes" : "NO" } ?? "n/a"]
    }

    /// The witness in a few lines: both copies, the perplexities, η and the Lemma 3.1 check.
    public static func summary(_ w: CopyWitness) -> String {
        let c = w.certified
        var lines = [
            "α_N = \(bits(w.alpha.target))",
            "β_N = \(bits(w.beta.target))   (bit \(w.flip) flipped)",
            "copy of α_N: \(bits(w.alpha.output))  \(w.alpha.isCorrect ? "correct" : "WRONG")",
            "copy of β_N: \(bits(w.beta.output))  \(w.beta.isCorrect ? "correct" : (w.betaCopiedAsAlpha ? "wrong: the model emitted α_N (Lemma 3.1's failure)" : "wrong"))",
            "pplx(α_N) ∈ \(text(c.alphaLogPerplexity))   pplx(β_N) ∈ \(text(c.betaLogPerplexity))   |gap| ∈ \(text(c.gap))",
            String(format: "η (max L∞ distance) = %.3g   min p(α_k) = %.6f   max p(β bit) = %.3g   float32 error ≤ %.2g",
                   w.eta, Double(w.minimumAlphaProbability), Double(w.maximumBetaProbability), c.float32Error),
        ]
        if let bound = c.lemmaBound {
            let verdict = c.withinBound == true ? "within the bound" : (c.withinBound == false ? "VIOLATES THE BOUND (a bug: the bound is a theorem)" : "undecided at this precision")
            lines.append("corrected Lemma 3.1 bound (−log ε)/N + 2η(N−1)/N ∈ \(text(bound)), η ∈ \(text(c.eta)): the gap is \(verdict)")
            lines.append("  (ε and η are this witness's own measurements, so this checks consistency, not a prediction)")
        } else {
            lines.append("corrected Lemma 3.1 bound: hypotheses not met (some non-flipped target probability ≤ 1/2, or η ≥ 1/2)")
        }
        lines.append(String(format: "Nγ = %.3g, Nη = %.3g: %@", c.nGamma, c.nEta, c.regime.explanation))
        return lines.joined(separator: "\n")
    }
}
