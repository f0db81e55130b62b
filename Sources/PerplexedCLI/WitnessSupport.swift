import ArgumentParser
import Foundation
import Gemma
import MultiPrecision
import Reporting
import Transformer
import Witnesses

/// Where the model comes from: a Transformer checkpoint (the toy copy model) or a Gemma 3 GGUF file.
struct ModelSourceOptions: ParsableArguments {
    @Option(help: "A Transformer checkpoint (.safetensors) written by `perplexed train`.")
    var checkpoint: String?

    @Option(help: "A Gemma 3 GGUF file (see `perplexed model fetch gemma3-270m`), prompted few-shot to copy.")
    var model: String?

    func validate() throws {
        guard (checkpoint == nil) != (model == nil) else {
            throw ValidationError("give exactly one of --checkpoint FILE (a trained copy model) or --model FILE.gguf (Gemma 3)")
        }
    }

    /// Loads the model and the way it is asked to copy.
    func load() throws -> (model: CopyModel, prompting: any CopyPrompting) {
        if let model {
            guard FileManager.default.fileExists(atPath: model) else { throw ValidationError("--model: no such file: \(model)") }
            do {
                let gemma = try GemmaModel(path: model)
                return (.gemma(GemmaLanguageModel(gemma)), try FewShotCopyPrompting(model: gemma))
            } catch {
                throw ValidationError("--model \(model): \(error)")
            }
        }
        let checkpoint = checkpoint ?? ""
        guard FileManager.default.fileExists(atPath: checkpoint) else {
            throw ValidationError("--checkpoint: no such file: \(checkpoint)")
        }
        do {
            let loaded = try Checkpoint.load(from: URL(fileURLWithPath: checkpoint))
            guard loaded.model.config.vocabSize >= 3 else {
                throw ValidationError("--checkpoint \(checkpoint): a copy model needs the vocabulary {0, 1, |}, this one has \(loaded.model.config.vocabSize) tokens")
            }
            return (.transformer(TransformerLanguageModel(loaded.model)), BitCopyPrompting(separator: Token.separator))
        } catch let error as ValidationError {
            throw error
        } catch {
            throw ValidationError("--checkpoint \(checkpoint): \(error)")
        }
    }
}

/// The models the witness commands run, as one ``LanguageModel``.
enum CopyModel: LanguageModel {
    case transformer(TransformerLanguageModel)
    case gemma(GemmaLanguageModel)

    var vocabularySize: Int {
        switch self {
        case .transformer(let m): return m.vocabularySize
        case .gemma(let m): return m.vocabularySize
        }
    }

    mutating func logits(after prefix: [Int]) throws -> [Float] {
        switch self {
        case .transformer(var m):
            defer { self = .transformer(m) }
            return try m.logits(after: prefix)
        case .gemma(var m):
            defer { self = .gemma(m) }
            return try m.logits(after: prefix)
        }
    }

    /// The longest sequence (prompt + copy) the model can score, if bounded.
    var maximumSequenceLength: Int? {
        switch self {
        case .transformer(let m): return m.maximumSequenceLength
        case .gemma(let m): return m.model.configuration.contextLength
        }
    }
}

/// Parses a bit string such as "0010".
func parseBits(_ text: String) throws -> [Int] {
    guard !text.isEmpty, text.allSatisfy({ $0 == "0" || $0 == "1" }) else {
        throw ValidationError("--base must be a string of 0s and 1s, got \"\(text)\"")
    }
    return text.map { $0 == "1" ? 1 : 0 }
}

/// Checks that a copy of length N fits the model (learned absolute positions are bounded).
func checkLength(_ n: Int, model: CopyModel, prompting: any CopyPrompting) throws {
    guard n >= 1 else { throw ValidationError("--length must be >= 1, got \(n)") }
    let needed = try prompting.prompt(for: Array(repeating: 0, count: n)).count + n
    if let maximum = model.maximumSequenceLength, needed > maximum {
        throw ValidationError("length \(n) needs \(needed) positions (prompt and copy), but this model has \(maximum)")
    }
}

/// Witness → text and JSON.
enum WitnessReport {
    static func interval(_ value: Interval, digits: Int = 12) -> JSONValue {
        guard let (lo, hi) = try? value.decimalBounds(digits: digits) else { return .null }
        return .object([("lower", .string(lo)), ("upper", .string(hi))])
    }

    static func text(_ value: Interval, digits: Int = 8) -> String { (try? value.decimal(digits: digits)) ?? "nan" }

    static func bits(_ b: [Int]) -> String { b.map(String.init).joined() }

    static func floats(_ values: [Float]) -> JSONValue { .array(values.map { .number("\($0)") }) }

    static func json(_ w: CopyWitness, includeLogits: Bool = true) -> JSONValue {
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

    static func summary(_ w: CopyWitness) -> String {
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
