import Kernels

/// How a model does on one length of a task.
public struct EvaluationResult: Codable, Sendable, Equatable {
    /// Bits per string.
    public var length: Int
    /// Strings evaluated.
    public var sequences: Int
    /// Fraction of target positions where the greedy bit (Eq. 2) is right. For copy the model
    /// runs free: each greedy output is fed back, as in the paper's Eq. 4.
    public var tokenAccuracy: Double
    /// Fraction of strings with every target position right.
    public var sequenceAccuracy: Double
    /// Mean over strings of the log-perplexity of the correct answer scored along the model's
    /// own greedy outputs (the paper's Eq. 3), in nats.
    public var greedyLogPerplexity: Double
    /// The same under teacher forcing (the correct bits fed back instead of the model's).
    /// For parity the inputs never depend on the outputs, so both are equal.
    public var teacherForcedLogPerplexity: Double
    /// Mean Shannon entropy (nats) of the next-token distribution over the whole vocabulary at the
    /// target positions, along the greedy path.
    public var meanEntropy: Double
    /// The largest probability the model ever put on a wrong bit at a target position (greedy path).
    public var maxWrongProbability: Double
}

/// One run of the paper's copy experiment (Eq. 3 and 4) on one bit string: the model reads
/// `bits` and `|`, then runs free, each greedy output (Eq. 2, over {0, 1}, ties to 0) fed back.
public struct CopyTrace: Sendable, Equatable {
    /// The input bits b1…bN.
    public var bits: [Int]
    /// The greedy outputs o1…oN.
    public var outputs: [Int]
    /// At each copy position k, the model's next-token distribution over the whole vocabulary
    /// (softmax of the float32 logits, computed in Double) after `b1…bN | o1…o(k−1)`.
    public var distributions: [[Double]]

    /// Whether every output equals its input bit.
    public var isCorrect: Bool { outputs == bits }

    /// The paper's Eq. 3: −(1/N) Σₖ log T(b | o1…o(k−1))(bₖ), in nats.
    public var logPerplexity: Double {
        -zip(bits, distributions).map { logD($1[$0]) }.reduce(0, +) / Double(bits.count)
    }
}

/// Runs the copy experiment on `bits` with the KV cache (linear in the number of steps).
public func copyTrace(model: TransformerModel, bits: [Int]) throws -> CopyTrace {
    guard !bits.isEmpty, bits.allSatisfy(Token.bits.contains) else {
        throw TransformerError.invalidArgument("bits must be a non-empty string of 0s and 1s, got \(bits)")
    }
    var session = DecodingSession(model: model)
    var logits = try session.append(contentsOf: bits + [Token.separator])
    var outputs: [Int] = [], distributions: [[Double]] = []
    for k in 0..<bits.count {
        distributions.append(softmaxDouble(logits))
        let out = greedyToken(logits, candidates: Token.bits)
        outputs.append(out)
        if k + 1 < bits.count { logits = try session.append(out) }
    }
    return CopyTrace(bits: bits, outputs: outputs, distributions: distributions)
}

/// Evaluates `model` on `task` for each given bit string (all of one length) with the KV cache.
public func evaluate(model: TransformerModel, task: TaskSpec, strings: [[Int]]) throws -> EvaluationResult {
    guard let n = strings.first?.count, n >= 1 else {
        throw TransformerError.invalidArgument("strings must be non-empty bit strings, got none")
    }
    guard strings.allSatisfy({ $0.count == n && $0.allSatisfy(Token.bits.contains) }) else {
        throw TransformerError.invalidArgument("strings must all be bit strings (0/1) of length \(n)")
    }
    var right = 0, total = 0, seqRight = 0
    var greedySum = 0.0, teacherSum = 0.0, entropySum = 0.0, maxWrong = 0.0
    for bits in strings {
        let (tokens, targets) = task.example(bits: bits)
        var allRight = true
        switch task.kind {
        case .copy:
            // Free-running greedy pass (Eq. 3 and 4), then a teacher-forced pass.
            let trace = try copyTrace(model: model, bits: bits)
            for k in 0..<n {
                let probs = trace.distributions[k]
                entropySum += entropy(probs)
                maxWrong = max(maxWrong, probs[1 - bits[k]])
                total += 1
                if trace.outputs[k] == bits[k] { right += 1 } else { allRight = false }
            }
            greedySum += trace.logPerplexity
            var teacher = DecodingSession(model: model)
            var logits = try teacher.append(contentsOf: bits + [Token.separator])
            var nll = 0.0
            for k in 0..<n {
                nll -= logD(softmaxDouble(logits)[bits[k]])
                if k + 1 < n { logits = try teacher.append(bits[k]) }
            }
            teacherSum += nll / Double(n)
        case .parity:
            var session = DecodingSession(model: model)
            var nll = 0.0, count = 0
            for (t, token) in tokens.enumerated() {
                let logits = try session.append(token)
                guard targets[t] >= 0 else { continue }
                let probs = softmaxDouble(logits)
                nll -= logD(probs[targets[t]])
                entropySum += entropy(probs)
                maxWrong = max(maxWrong, probs[1 - targets[t]])
                count += 1
                total += 1
                if greedyToken(logits, candidates: Token.bits) == targets[t] { right += 1 } else { allRight = false }
            }
            greedySum += nll / Double(count)
            teacherSum += nll / Double(count)
        }
        if allRight { seqRight += 1 }
    }
    let s = Double(strings.count)
    return EvaluationResult(
        length: n, sequences: strings.count, tokenAccuracy: Double(right) / Double(total),
        sequenceAccuracy: Double(seqRight) / s, greedyLogPerplexity: greedySum / s,
        teacherForcedLogPerplexity: teacherSum / s, meanEntropy: entropySum / Double(total),
        maxWrongProbability: maxWrong)
}

/// Bit strings of length `n` to evaluate: all 2ⁿ of them when that is at most `limit`
/// (an exact answer), otherwise `limit` uniform draws from a generator seeded with `seed`.
public func evaluationStrings(length n: Int, limit: Int, seed: UInt64) -> [[Int]] {
    if n < 62 && (1 << n) <= limit {
        return (0..<(1 << n)).map { v in (0..<n).map { (v >> ($0)) & 1 } }
    }
    var rng = SeededGenerator(seed: seed &+ UInt64(n))
    return (0..<limit).map { _ in (0..<n).map { _ in Int(rng.next() & 1) } }
}

func entropy(_ p: [Double]) -> Double {
    p.reduce(0) { $0 - ($1 > 0 ? $1 * logD($1) : 0) }
}

#if canImport(Glibc)
import Glibc
#endif
@inline(__always) func logD(_ x: Double) -> Double { log(x) }
