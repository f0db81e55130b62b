import ArgumentParser
import Foundation
import Reporting
import Gemma

/// `perplexed next-token`: the most likely next tokens after a prompt.
struct NextTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "next-token",
        abstract: "Print the most likely next tokens after a prompt, with probabilities.",
        discussion: """
            Loads a Gemma 3 GGUF file in float32, tokenizes the prompt (SentencePiece, with the \
            BOS token first), and prints the top K tokens of the next-token distribution over the \
            whole vocabulary: id, text, probability and logit. Probabilities are a softmax over \
            all logits at temperature 1.

            Examples:
              perplexed model fetch gemma3-270m
              perplexed next-token --prompt "The capital of France is"
              perplexed next-token --model my-gemma-3-4b.gguf --prompt "0 1 1 0 |" --top 5 --format json
            """
    )

    @Option(help: ArgumentHelp("A Gemma 3 GGUF file (default: the one `perplexed model fetch gemma3-270m` keeps).", valueName: "FILE"))
    var model: String?

    @Option(help: "The prompt text. Write control tokens literally, e.g. <start_of_turn>.")
    var prompt: String

    @Option(parsing: .unconditional, help: "How many tokens to list.")
    var top: Int = 10

    @Option(help: "text or json.")
    var format: TableFormat = .text

    func validate() throws {
        try requireTextOrJSON(format)
        guard top >= 1 else { throw ValidationError("--top must be at least 1, got \(top)") }
        if let model { try requireFileName(model, "--model") }
    }

    func run() throws {
        let path = model ?? ModelStore().location(of: .gemma3_270m).path
        if model == nil, !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure("no --model given and \(path) is absent; run `perplexed model fetch gemma3-270m` first")
        }
        let gemma: GemmaModel
        do { gemma = try GemmaModel(path: path) } catch { throw CommandFailure(error.description) }
        let ids = gemma.tokenizer.encode(prompt)
        var cache = gemma.newCache()
        let logits: [Float]
        do { logits = try gemma.logits(appending: ids, to: &cache) } catch { throw CommandFailure("--prompt", error) }
        let logProbabilities = GemmaModel.logSoftmax(logits)
        let k = min(top, logits.count)
        let best = logits.indices.sorted { logits[$0] > logits[$1] || (logits[$0] == logits[$1] && $0 < $1) }.prefix(k)
        let rows = best.map { id in
            (id: id, piece: gemma.tokenizer.pieces[id], probability: exp(Double(logProbabilities[id])), logit: logits[id])
        }
        switch format {
        case .json:
            printJSON([
                "model": .string(path), "prompt": .string(prompt), "prompt_tokens": .array(ids.map { .number("\($0)") }),
                "top": .array(rows.map {
                    .object([("id", .number("\($0.id)")), ("logit", .decimal(Double($0.logit))), ("probability", .decimal($0.probability)), ("token", .string($0.piece))])
                }),
            ])
        default:  // text: validate() admits text and json only
            print("\(path)\nprompt: \(ids.count) tokens (BOS included)\n")
            print("rank  id      probability  logit     token")
            for (rank, r) in rows.enumerated() {
                let p = String(format: "%.6f", r.probability), l = String(format: "%.4f", r.logit)
                print(String(rank + 1).padding(toLength: 6, withPad: " ", startingAt: 0)
                      + String(r.id).padding(toLength: 8, withPad: " ", startingAt: 0)
                      + p.padding(toLength: 13, withPad: " ", startingAt: 0)
                      + l.padding(toLength: 10, withPad: " ", startingAt: 0)
                      + r.piece.debugDescription)
            }
        }
    }
}
