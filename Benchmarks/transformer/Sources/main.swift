// Times the Transformer on the reference configuration of issue 5 and prints one JSON line.
// Run through Benchmarks/transformer/run, which also times the PyTorch peer and prints the ratio.
import Foundation
import Kernels
import Transformer

// OpenBLAS on the kernels this CPU supports, as `perplexed` runs it (its own detection may settle
// for SSE3 kernels on an AVX-512 machine it does not know).
OpenBLAS.reexecuteWithPreferredCoreType()
let arguments = CommandLine.arguments
let steps = arguments.count > 1 ? Int(arguments[1]) ?? 100 : 100

// Reference: 2 layers, d_model 64, 4 heads, MLP 256, batch 64, copy with 16 bits (33 tokens).
var run = RunConfig(
    model: TransformerConfig(vocabSize: 3, dModel: 64, heads: 4, layers: 2, mlpHidden: 256, position: .rope, norm: .layer),
    task: TaskSpec(kind: .copy, minLength: 16, maxLength: 16))
run.training.batchSize = 64
run.training.steps = steps + 10
var trainer = try Trainer(run: run, seed: 1)

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// User + system CPU seconds of this process (all threads): wall time alone hides contention.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

for _ in 0..<10 { _ = trainer.trainStep() }  // warm-up: allocation, page faults, thread start
let cpuStart = cpuSeconds()
let trainTime = seconds { for _ in 0..<steps { _ = trainer.trainStep() } }
let trainCPU = cpuSeconds() - cpuStart

// Inference with the KV cache: prompt of 16 bits and `|`, then 16 greedy tokens, repeated.
let model = trainer.model
var rng = SeededGenerator(seed: 2)
var tokens = 0
let shortTime = try seconds {
    for _ in 0..<200 {
        let bits = (0..<16).map { _ in Int(rng.next() & 1) }
        var session = DecodingSession(model: model)
        var logits = try session.append(contentsOf: bits + [Token.separator])
        for _ in 0..<16 { logits = try session.append(greedyToken(logits, candidates: Token.bits)) }
        tokens += session.count
    }
}
// A long greedy continuation: 2048 tokens through one session (cost per token grows linearly).
var longSession = DecodingSession(model: model)
var longLogits = try longSession.append(contentsOf: [0, 1, Token.separator])
let longTime = try seconds {
    for _ in 0..<2045 { longLogits = try longSession.append(greedyToken(longLogits, candidates: Token.bits)) }
}

print(
    """
    {"train_ms_per_step": \(trainTime / Double(steps) * 1000), "train_steps_per_s": \(Double(steps) / trainTime), \
    "train_cpu_ms_per_step": \(trainCPU / Double(steps) * 1000), \
    "infer_tokens_per_s_len33": \(Double(tokens) / shortTime), "infer_tokens_per_s_len2048": \(2045 / longTime), \
    "openblas_core": "\(OpenBLAS.coreName)"}
    """)
