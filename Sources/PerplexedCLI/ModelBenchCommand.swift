import ArgumentParser
import Foundation
import Reporting
import Gemma

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

    @Option(parsing: .upToNextOption, help: "Prompt lengths to time.")
    var promptLengths: [Int] = [512, 1024]

    @Option(help: "Greedy decoding steps to time.")
    var decode: Int = 64

    @Option(help: "Runs per measurement; the best is kept.")
    var repeats: Int = 3

    @Option(help: "Threads (default: all active cores).")
    var threads: Int?

    @Option(help: "text or json.")
    var format: TableFormat = .text

    /// The benchmark's token ids: BOS, then (7919·i mod 200000) + 1000.
    static func promptIDs(_ n: Int) -> [Int] { [2] + (1..<n).map { (7919 * $0) % 200_000 + 1000 } }

    func validate() throws { try requireTextOrJSON(format) }

    func run() throws {
        let path = model ?? ModelStore().location(of: .gemma3_270m).path
        let clock = ContinuousClock()
        let gemma: GemmaModel
        let loadStart = clock.now
        do { gemma = try GemmaModel(path: path, threads: threads) } catch { throw fail(error.description) }
        let load = seconds(clock.now - loadStart)

        var prompt: [(Int, Double)] = []
        var promptCPU: [(Int, Double)] = []
        for n in promptLengths {
            var best = Double.infinity, bestCPU = Double.infinity
            for _ in 0..<repeats {
                var cache = gemma.newCache()
                let t = clock.now, cpu = Self.cpuSeconds()
                _ = try gemma.logits(appending: Self.promptIDs(n), to: &cache)
                best = min(best, seconds(clock.now - t))
                bestCPU = min(bestCPU, Self.cpuSeconds() - cpu)
            }
            prompt.append((n, Double(n) / best))
            promptCPU.append((n, bestCPU))
        }
        var bestDecode = Double.infinity
        var generated: [Int] = []
        for _ in 0..<repeats {
            var cache = gemma.newCache()
            var logits = try gemma.logits(appending: Self.promptIDs(16), to: &cache)
            generated = []
            let t = clock.now
            for _ in 0..<decode {
                let next = GemmaModel.argmax(logits)
                generated.append(next)
                logits = try gemma.logits(appending: [next], to: &cache)
            }
            bestDecode = min(bestDecode, seconds(clock.now - t))
        }
        let decodeRate = Double(decode) / bestDecode
        switch format {
        case .json:
            func byLength(_ pairs: [(Int, Double)]) -> JSONValue {
                .object(pairs.map { (String($0.0), JSONValue.decimal($0.1)) }.sorted { $0.0 < $1.0 })
            }
            printJSON([
                "implementation": "perplexed", "model": .string(path), "threads": .number("\(gemma.threads)"), "load_seconds": .decimal(load),
                "prompt_tokens_per_second": byLength(prompt), "decode_tokens_per_second": .decimal(decodeRate),
                "prompt_cpu_seconds": byLength(promptCPU), "decode_steps": .number("\(decode)"), "generated": .array(generated.map { .number("\($0)") }),
            ])
        default:  // text: validate() admits text and json only
            print("load: \(String(format: "%.2f", load)) s")
            for (n, r) in prompt { print("prompt \(n): \(String(format: "%.1f", r)) tokens/s") }
            print("decode: \(String(format: "%.2f", decodeRate)) tokens/s (\(decode) steps)")
        }
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

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
