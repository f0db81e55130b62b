import Foundation
import Gemma
import Kernels
import Reporting

/// The Gemma speed benchmark's settings. The defaults are `perplexed model bench`'s.
public struct ModelBenchmarkConfiguration: Sendable, Equatable {
    /// The Gemma 3 GGUF file to time.
    public var model: String
    /// Prompt lengths to time (each in 1…1048576, and within the model's context). Default: 512, 1024.
    public var promptLengths: [Int]
    /// Greedy decoding steps to time after a 16-token prompt (0…1048576, within the context). Default: 64.
    public var decode: Int
    /// Runs per measurement (1…1000); the best is kept. Default: 3.
    public var repeats: Int
    /// Threads (nil: all active cores). Default: nil.
    public var threads: Int?
    /// How the model keeps its matrices. Default: quantised.
    public var weights: GemmaWeightStorage = .quantised

    /// A benchmark of the file at `model`.
    public init(model: String, promptLengths: [Int] = [512, 1024], decode: Int = 64, repeats: Int = 3, threads: Int? = nil) {
        self.model = model
        self.promptLengths = promptLengths
        self.decode = decode
        self.repeats = repeats
        self.threads = threads
    }

    /// Throws the first field outside its range: prompt lengths in 1…1048576, decoding steps in
    /// 0…1048576, repeats in 1…1000 (the model's context is checked when it is loaded).
    public func validate() throws(ConfigurationError) {
        if let bad = promptLengths.first(where: { !(1...1_048_576).contains($0) }) {
            try ConfigurationError.require(false, "promptLengths", element: "length", "must be in 1…1048576", bad)
        }
        try ConfigurationError.require((0...1_048_576).contains(decode), "decode", "must be in 0…1048576", decode)
        try ConfigurationError.require((1...1000).contains(repeats), "repeats", "must be in 1…1000", repeats)
    }
}

/// Prompt-processing and greedy-decoding speed of a Gemma 3 file.
///
/// Prompt processing: one forward pass over N tokens (``promptIDs(_:)``) yielding the next-token
/// logits, best of the repeats. Decoding: after a 16-token prompt, greedy steps through the KV
/// cache, each producing full-vocabulary logits; prompt time excluded.
public struct ModelBenchmark: Sendable {
    /// The settings the benchmark ran with.
    public let configuration: ModelBenchmarkConfiguration
    /// The threads the model used.
    public let threads: Int
    /// Seconds to load the model.
    public let loadSeconds: Double
    /// Per prompt length, in the configured order: the best tokens per second.
    public let promptTokensPerSecond: [(length: Int, rate: Double)]
    /// Per prompt length, in the configured order: the process's CPU seconds (all threads) of the best run.
    public let promptCPUSeconds: [(length: Int, seconds: Double)]
    /// Greedy decoding tokens per second, best of the repeats.
    public let decodeTokensPerSecond: Double
    /// The tokens the last decoding run produced.
    public let generated: [Int]

    /// The benchmark's token ids for a prompt of `n` tokens: BOS (2), then (7919·i mod 200000) + 1000,
    /// so any peer implementation can use the same ones (`n` >= 1; a smaller `n` gives BOS alone).
    public static func promptIDs(_ n: Int) -> [Int] { [2] + (1..<max(n, 1)).map { (7919 * $0) % 200_000 + 1000 } }

    /// Loads the model and times it, reporting a stage per prompt length and one for decoding.
    public static func run(_ configuration: ModelBenchmarkConfiguration, progress: (ExperimentProgress) -> Void = { _ in }) throws -> ModelBenchmark {
        try configuration.validate()
        let clock = ContinuousClock()
        let loadStart = clock.now
        let gemma = try GemmaModel(path: configuration.model, threads: configuration.threads, weights: configuration.weights)
        let load = seconds(clock.now - loadStart)

        var prompt: [(Int, Double)] = []
        var promptCPU: [(Int, Double)] = []
        for n in configuration.promptLengths {
            progress(ExperimentProgress(.stage, "prompt of \(n) tokens"))
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<configuration.repeats {
                var cache = gemma.newCache()
                let t = clock.now, cpu = cpuSeconds()
                _ = try gemma.logits(appending: promptIDs(n), to: &cache)
                best = min(best, seconds(clock.now - t))
                bestCPU = min(bestCPU, cpuSeconds() - cpu)
            }
            prompt.append((n, Double(n) / best))
            promptCPU.append((n, bestCPU))
        }
        progress(ExperimentProgress(.stage, "\(configuration.decode) greedy decoding steps"))
        var bestDecode = Double.infinity
        var generated: [Int] = []
        for _ in 0..<configuration.repeats {
            var cache = gemma.newCache()
            var logits = try gemma.logits(appending: promptIDs(16), to: &cache)
            generated = []
            let t = clock.now
            for _ in 0..<configuration.decode {
                let next = GemmaModel.argmax(logits)
                generated.append(next)
                logits = try gemma.logits(appending: [next], to: &cache)
            }
            bestDecode = min(bestDecode, seconds(clock.now - t))
        }
        return ModelBenchmark(
            configuration: configuration, threads: gemma.threads, loadSeconds: load, promptTokensPerSecond: prompt,
            promptCPUSeconds: promptCPU, decodeTokensPerSecond: Double(configuration.decode) / bestDecode, generated: generated)
    }

    /// The measurements as one JSON object with sorted keys (what Benchmarks/gemma/run compares).
    public func json() -> JSONValue {
        func byLength(_ pairs: [(Int, Double)]) -> JSONValue {
            .object(pairs.map { (String($0.0), JSONValue.decimal($0.1)) }.sorted { $0.0 < $1.0 })
        }
        let members: [String: JSONValue] = [
            "implementation": .string("perplexed (\(configuration.weights == .quantised ? "quantised" : "float32") weights, OpenBLAS \(OpenBLAS.coreName) kernels)"),
            "model": .string(configuration.model), "threads": .number("\(threads)"),
            "load_seconds": .decimal(loadSeconds), "prompt_tokens_per_second": byLength(promptTokensPerSecond.map { ($0.length, $0.rate) }),
            "decode_tokens_per_second": .decimal(decodeTokensPerSecond),
            "prompt_cpu_seconds": byLength(promptCPUSeconds.map { ($0.length, $0.seconds) }), "decode_steps": .number("\(configuration.decode)"),
            "generated": .array(generated.map { .number("\($0)") }),
        ]
        return .object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    }

    /// The load time, each prompt length's rate and the decoding rate, one line each.
    public func text() -> String {
        var lines = ["load: \(String(format: "%.2f", loadSeconds)) s"]
        for (n, r) in promptTokensPerSecond { lines.append("prompt \(n): \(String(format: "%.1f", r)) tokens/s") }
        lines.append("decode: \(String(format: "%.2f", decodeTokensPerSecond)) tokens/s (\(configuration.decode) steps)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// CPU time of the whole process (all threads), user plus system: under contention from
    /// other jobs this measures work done, which wall-clock time does not.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
            + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
