import RealModule
import Kernels

/// The scored predictions of one checkpoint on one evaluation set: at each scored position the
/// float32 logits and the target bit.
public struct ScoredPositions: Sendable {
    public var logits: [[Float]]
    public var targets: [Int]
    /// Token ids of the bits 0 and 1.
    public var bitTokens: (zero: Int, one: Int)

    public init(logits: [[Float]], targets: [Int], bitTokens: (zero: Int, one: Int) = (0, 1)) {
        self.logits = logits
        self.targets = targets
        self.bitTokens = bitTokens
    }
}

/// Every metric the parity study compares, for one checkpoint on one evaluation set.
public struct CheckpointMetrics: Sendable {
    public let step: Int
    /// Mean −log p(target) over scored positions, full-vocabulary softmax (nats).
    public let logPerplexity: Double
    /// Fraction of positions whose greedy bit (argmax over {0, 1}, ties to 0) is the target.
    public let accuracy: Double
    /// Micro-averaged F1 over the two classes (equals the accuracy for single-label predictions).
    public let microF1: Double
    /// F1 of the class 1.
    public let binaryF1: Double
    /// Mean Shannon entropy of the predicted distribution over the vocabulary (nats).
    public let meanEntropy: Double
    /// Brier score of p(1) restricted to {0, 1}.
    public let brier: Double
    /// Expected calibration error (10 bins) of the greedy bit's restricted probability.
    public let calibrationError: Double

    /// Computes the metrics from scored positions.
    public init(step: Int, scored: ScoredPositions) {
        self.step = step
        var nll = 0.0, entropy = 0.0
        var predicted: [Int] = [], pOne: [Double] = [], confidence: [Double] = [], correct: [Bool] = []
        let (zero, one) = scored.bitTokens
        for (logits, target) in zip(scored.logits, scored.targets) {
            let p = softmaxDouble(logits)
            nll -= Double.log(p[target == 0 ? zero : one])
            entropy += Statistics.entropy(p)
            let restrictedOne = p[one] / (p[zero] + p[one])
            let bit = logits[one] > logits[zero] ? 1 : 0
            predicted.append(bit)
            pOne.append(restrictedOne)
            confidence.append(bit == 1 ? restrictedOne : 1 - restrictedOne)
            correct.append(bit == target)
        }
        let n = Double(Swift.max(scored.targets.count, 1))
        logPerplexity = nll / n
        accuracy = Double(correct.filter { $0 }.count) / n
        microF1 = Statistics.microF1(predicted: predicted, actual: scored.targets)
        binaryF1 = Statistics.binaryF1(predicted: predicted, actual: scored.targets)
        meanEntropy = entropy / n
        brier = Statistics.brier(probabilityOfOne: pOne, actual: scored.targets)
        calibrationError = Statistics.expectedCalibrationError(confidence: confidence, correct: correct)
    }
}

/// How well log-perplexity tracks F1 across checkpoints, and which checkpoint each metric picks.
public struct SelectionStudy: Sendable {
    /// Pearson r between log-perplexity and micro-F1 across checkpoints.
    public let pearson: Double?
    /// A 95% percentile-bootstrap interval for r.
    public let pearsonInterval: (lower: Double, upper: Double)?
    /// Spearman's ρ between log-perplexity and micro-F1.
    public let spearman: Double?
    /// For each selection rule, the checkpoint it picks and that checkpoint's real accuracy.
    public let selections: [(rule: String, step: Int, accuracy: Double)]

    /// Studies `checkpoints` (at least 3).
    public init(_ checkpoints: [CheckpointMetrics], seed: UInt64 = 1) {
        let L = checkpoints.map(\.logPerplexity), F = checkpoints.map(\.microF1)
        pearson = Statistics.pearson(L, F)
        pearsonInterval = Statistics.bootstrapPearson(L, F, seed: seed)
        spearman = Statistics.spearman(L, F)
        func pick(_ rule: String, _ better: (CheckpointMetrics, CheckpointMetrics) -> Bool) -> (String, Int, Double)? {
            // Ties go to the earliest checkpoint: `min(by:)` keeps the first of equal elements.
            guard let best = checkpoints.min(by: better) else { return nil }
            return (rule, best.step, best.accuracy)
        }
        selections = [
            pick("lowest log-perplexity") { $0.logPerplexity < $1.logPerplexity },
            pick("highest micro-F1 (oracle)") { $0.microF1 > $1.microF1 },
            pick("lowest Brier score") { $0.brier < $1.brier },
            pick("lowest calibration error") { $0.calibrationError < $1.calibrationError },
            pick("lowest mean entropy") { $0.meanEntropy < $1.meanEntropy },
        ].compactMap { $0 }
    }
}
