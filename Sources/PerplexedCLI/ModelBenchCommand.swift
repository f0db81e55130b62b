import ArgumentParser
import Foundation
import Experiments
import Gemma
import Reporting

/// `perplexed model bench`: prompt-processing and greedy-decoding speed of a Gemma 3 file.
struct ModelBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure prompt processing and greedy decoding speed (tokens/s).",
        discussion: """
            Prompt processing: one forward pass over N tokens (ids 2, then a fixed arithmetic \
            sequence, so any peer can use the same ones) that yields the next-token logits, best \
            of --repeats runs. Decoding: after a 16-token prompt, --decode greedy steps through \
            the KV cache, each producing full-vocabulary logits; prompt time excluded. \
            Benchmarks/gemma/run runs this against PyTorch transformers on the same file.
            """
    )

    @Option(help: ArgumentHelp("A Gemma 3 GGUF file (default: the fetched gemma3-270m).", valueName: "FILE"))
    var model: String?

    @Option(parsing: .upToNextOption, help: "Prompt lengths to time, each in 1…1048576 and within the model's context.")
    var promptLengths: [Int] = ModelBenchmarkConfiguration(model: "").promptLengths

    @Option(parsing: .unconditional, help: "Greedy decoding steps to time, 0…1048576 and within the model's context.")
    var decode: Int = ModelBenchmarkConfiguration(model: "").decode

    @Option(parsing: .unconditional, help: "Runs per measurement, 1…1000; the best is kept.")
    var repeats: Int = ModelBenchmarkConfiguration(model: "").repeats

    @Option(parsing: .unconditional, help: "Threads (default: all active cores).")
    var threads: Int?

    @Option(help: "How the model keeps its matrices: quantised (decoded inside each product) or float32.")
    var weights: GemmaWeightStorage = ModelBenchmarkConfiguration(model: "").weights

    @Option(help: "text or json.")
    var format: TableFormat = .text

    /// The library's configuration with these flags.
    var benchmark: ModelBenchmarkConfiguration {
        var configuration = ModelBenchmarkConfiguration(
            model: model ?? ModelStore().location(of: .gemma3_270m).path, promptLengths: promptLengths, decode: decode, repeats: repeats,
            threads: threads)
        configuration.weights = weights
        return configuration
    }

    func validate() throws {
        try requireTextOrJSON(format)
        if let model { try requireFileName(model, "--model") }
        if let threads { try require(threads >= 1 && threads <= 256, "--threads", "in 1…256", threads) }
        try flagged { try benchmark.validate() }
    }

    func run() throws {
        let result: ModelBenchmark
        do { result = try ModelBenchmark.run(benchmark) } catch { throw CommandFailure(nil, error) }
        switch format {
        case .json: print(result.json().rendered())
        default: print(result.text(), terminator: "")  // text: validate() admits text and json only
        }
    }
}
