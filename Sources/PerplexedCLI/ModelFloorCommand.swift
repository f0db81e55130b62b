import ArgumentParser
import Experiments
import Foundation
import Gemma
import Reporting

/// `perplexed model floor`: the certified probability floor of a model, from its weights alone.
struct ModelFloorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floor",
        abstract: "Certify a floor ε_model ≤ p(token | any prefix) from a model's final norm and output head.",
        discussion: """
            Whatever the layers before them compute, a model's logits are z = W·norm(x) (+ b): \
            LayerNorm and RMSNorm keep ‖norm(x)‖ below √d before the gain, so every logit, and \
            every difference of two logits, stays in a range fixed by the weights. That gives a \
            floor on every next-token probability, for every input of every length: the ε of \
            Lemma 3.1, known before any copy is run. It is computed with interval arithmetic \
            from the float32 weights (each an exact binary fraction), rounded outward; the \
            lower end of the printed enclosure of ε_model is the floor. The proof and what it \
            covers (LayerNorm or RMSNorm, tied or untied head, with or without output bias, \
            soft-capped or not, temperature 1) are in Proofs/model-floor.md.

            The bound is for the exact-arithmetic model with these weights; the float32 forward \
            pass rounds, so an observed log-probability may fall below log ε_model by the \
            "float32 slack" printed (a first-order rounding bound).

            With neither --checkpoint nor --model, the fetched Gemma 3 270M is read.

            Examples:
              perplexed model floor --checkpoint runs/copy/final.safetensors
              perplexed model floor --model ~/.cache/perplexed/models/gemma-3-270m-q4_k_m.gguf --format json
            """
    )

    @Option(help: "A Transformer checkpoint (.safetensors) written by `perplexed train`.")
    var checkpoint: String?

    @Option(help: ArgumentHelp("A Gemma 3 GGUF file (default: the fetched gemma3-270m).", valueName: "FILE"))
    var model: String?

    @Option(help: "text or json.")
    var format: TableFormat = .text

    func validate() throws {
        if checkpoint != nil && model != nil {
            throw ValidationError("give at most one of --checkpoint FILE (a Transformer) or --model FILE.gguf (Gemma 3)")
        }
        if let checkpoint { try requireFileName(checkpoint, "--checkpoint") }
        if let model { try requireFileName(model, "--model") }
        try requireTextOrJSON(format)
    }

    func run() throws {
        let source: CopyModelSource = checkpoint.map { .checkpoint(path: $0) }
            ?? .gemma(path: model ?? ModelStore().location(of: .gemma3_270m).path)
        let flag = checkpoint != nil ? "--checkpoint" : model != nil ? "--model" : "the fetched gemma3-270m (perplexed model fetch gemma3-270m)"
        let report: ModelFloorReport
        do {
            report = try ModelFloorReport.run(source)
        } catch CopyModelError.unreadable(let path, let reason) where reason.contains(path) {
            throw CommandFailure("\(flag): \(reason)")
        } catch {
            throw CommandFailure(flag, error)
        }
        switch format {
        case .json: print(report.json().rendered())
        default: print(report.text(), terminator: "")  // text: validate() admits text and json only
        }
    }
}
