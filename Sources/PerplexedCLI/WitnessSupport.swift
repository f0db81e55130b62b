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
