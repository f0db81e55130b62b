import ArgumentParser
import Experiments
import Foundation
import Gemma
import MultiPrecision
import Reporting
import Witnesses

/// Where the model comes from: a Transformer checkpoint (the toy copy model) or a Gemma 3 GGUF file.
struct ModelSourceOptions: ParsableArguments {
    @Option(help: "A Transformer checkpoint (.safetensors) written by `perplexed train`.")
    var checkpoint: String?

    @Option(help: "A Gemma 3 GGUF file (see `perplexed model fetch gemma3-270m`), prompted few-shot to copy.")
    var model: String?

    @Option(help: "With --model: how Gemma keeps its matrices, quantised (decoded inside each product, the default) or float32 (the reference).")
    var weights: GemmaWeightStorage?

    func validate() throws {
        guard (checkpoint == nil) != (model == nil) else {
            throw ValidationError("give exactly one of --checkpoint FILE (a trained copy model) or --model FILE.gguf (Gemma 3)")
        }
        if weights != nil, model == nil {
            throw ValidationError("--weights applies to a Gemma model (--model FILE.gguf), not to --checkpoint")
        }
        if let checkpoint { try requireFileName(checkpoint, "--checkpoint") }
        if let model { try requireFileName(model, "--model") }
    }

    /// The file named, and what kind of model it holds.
    var source: CopyModelSource { model.map { .gemma(path: $0) } ?? .checkpoint(path: checkpoint ?? "") }

    /// The option that names the file, for error messages.
    var flag: String { model == nil ? "--checkpoint" : "--model" }

    /// Loads the model and the way it is asked to copy.
    func load() throws -> (model: CopyModel, prompting: any CopyPrompting) {
        do {
            return try CopyModel.load(source, weights: weights ?? .quantised)
        } catch .unreadable(let path, let reason) where reason.contains(path) {
            throw CommandFailure("\(flag): \(reason)")  // the reason names the file already
        } catch {
            throw CommandFailure(flag, error)
        }
    }
}

extension ModelSourceOptions {
    /// ε for Lemma 3.1 predictions: the model's certified floor lowered for float32 rounding
    /// (`ProbabilityFloor.float32Epsilon()`), printed on standard error with where it came from.
    func certifiedFloor() throws -> BigRational {
        let epsilon: BigRational, report: ModelFloorReport
        do {
            report = try ModelFloorReport.run(source)
            epsilon = try report.floor.float32Epsilon()
        } catch {
            throw CommandFailure(flag, error)
        }
        let certified = report.floor.floor.lower.exactRational.map(\.briefText) ?? "?"
        FileHandle.standardError.write(Data(("ε_model ≥ \(certified) (certified, `perplexed model floor`); with the float32 slack of "
            + "\(String(format: "%.3g", report.floor.float32Slack)) nats, ε = \(epsilon.briefText)\n").utf8))
        return epsilon
    }

    /// ε as `--floor` chose it: computed, given, or none.
    func epsilon(_ choice: FloorChoice) throws -> BigRational? {
        switch choice {
        case .value(let v): v
        case .none: nil
        case .certified: try certifiedFloor()
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

/// Checks that a copy of length N fits the model (learned absolute positions are bounded): a
/// runtime failure naming `flag`, since only the model file decides it.
func checkLength(_ n: Int, model: CopyModel, prompting: any CopyPrompting, flag: String) throws {
    do {
        try model.checkLength(n, prompting: prompting)
    } catch {
        throw CommandFailure(flag, error)
    }
}

/// The options of a Lemma 3.1 prediction that `lemma-test` and `copy-sweep` share: ε and the gaps ξ.
struct LemmaPredictionOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp(
        "ε for the predicted bound: `certified` (the default) is the model's certified floor ε_model from its final norm and output head, as `perplexed model floor` prints it, lowered for float32 rounding; a number (exact, in (0, 1)) is taken as given; `none` predicts no bound and no n′.",
        valueName: "certified|none|VALUE"), transform: FloorChoice.init)
    var floor: FloorChoice = .certified

    @Option(parsing: .unconditional, help: "Comma-separated gaps ξ > 0 for which n′ is predicted.", transform: exactNumberList)
    var xi: [BigRational] = LemmaTestConfiguration().xis
}

/// What `--floor` names.
enum FloorChoice: Equatable, CustomStringConvertible {
    /// The model's certified floor, computed from its weights.
    case certified
    /// No floor: no bound and no n′ are predicted.
    case none
    /// A floor given on the command line.
    case value(BigRational)

    init(_ text: String) throws {
        switch text {
        case "certified": self = .certified
        case "none": self = .none
        default: self = .value(try exactNumber(text))
        }
    }

    /// The option's text.
    var description: String {
        switch self {
        case .certified: "certified"
        case .none: "none"
        case .value(let v): v.briefText
        }
    }
}
