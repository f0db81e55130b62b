import Kernels

/// Optimiser and schedule settings for a training run.
public struct TrainingOptions: Codable, Sendable, Equatable, Hashable {
    /// Sequences per step.
    public var batchSize: Int = 64
    /// Total optimiser steps; the learning-rate schedule ends here.
    public var steps: Int = 3000
    /// Peak learning rate, reached after the warm-up.
    public var learningRate: Double = 1e-3
    /// Steps of linear warm-up from 0 to `learningRate`.
    public var warmupSteps: Int = 100
    /// After the warm-up the rate follows a cosine down to `learningRate · minLearningRateFraction`.
    public var minLearningRateFraction: Double = 0.1
    /// AdamW's decoupled weight decay, applied to matrices only.
    public var weightDecay: Double = 0.01
    public var beta1: Double = 0.9
    public var beta2: Double = 0.98
    public var epsilon: Double = 1e-8
    /// Gradients are rescaled so their global L2 norm is at most this (0 disables clipping).
    public var clipNorm: Double = 1.0

    public init() {}

    /// Throws naming the first field out of range.
    public func validate() throws {
        func check(_ ok: Bool, _ msg: @autoclosure () -> String) throws {
            if !ok { throw TransformerError.invalidConfiguration(msg()) }
        }
        try check((1...65536).contains(batchSize), "batchSize must be in 1…65536, got \(batchSize)")
        try check((1...100_000_000).contains(steps), "steps must be in 1…100000000, got \(steps)")
        try check(learningRate.isFinite && learningRate > 0 && learningRate < 10,
                  "learningRate must be in (0, 10), got \(learningRate)")
        try check(warmupSteps >= 0, "warmupSteps must be >= 0, got \(warmupSteps)")
        try check((0...1).contains(minLearningRateFraction),
                  "minLearningRateFraction must be in 0…1, got \(minLearningRateFraction)")
        try check(weightDecay.isFinite && weightDecay >= 0, "weightDecay must be >= 0, got \(weightDecay)")
        try check((0..<1).contains(beta1), "beta1 must be in [0, 1), got \(beta1)")
        try check((0..<1).contains(beta2), "beta2 must be in [0, 1), got \(beta2)")
        try check(epsilon > 0 && epsilon < 1, "epsilon must be in (0, 1), got \(epsilon)")
        try check(clipNorm.isFinite && clipNorm >= 0, "clipNorm must be >= 0 (0 = off), got \(clipNorm)")
    }

    /// The learning rate for 0-based `step`: linear warm-up, then cosine decay.
    public func learningRate(atStep step: Int) -> Double {
        if step < warmupSteps { return learningRate * Double(step + 1) / Double(warmupSteps) }
        let span = max(steps - warmupSteps, 1)
        let progress = min(Double(step - warmupSteps) / Double(span), 1)
        let cosine = 0.5 * (1 + cosD(Double.pi * progress))
        return learningRate * (minLearningRateFraction + (1 - minLearningRateFraction) * cosine)
    }
}

/// Everything that defines a run besides its seed: model, task and optimiser.
/// This is the `--config FILE` JSON; every field may be omitted to take its default.
public struct RunConfig: Codable, Sendable, Equatable {
    public var model: TransformerConfig
    public var task: TaskSpec
    public var training: TrainingOptions

    public init(model: TransformerConfig = .init(), task: TaskSpec, training: TrainingOptions = .init()) {
        self.model = model
        self.task = task
        self.training = training
    }

    /// The built-in defaults for a task (the ones the README's timings use).
    public static func defaults(for kind: TaskKind) -> RunConfig {
        RunConfig(task: TaskSpec(kind: kind))
    }

    /// The most memory a training run may need: 16 GiB. Checked before anything is allocated,
    /// so an oversized configuration is an error, not a crash.
    public static let trainingMemoryLimit = 16 * Double(1 << 30)

    /// Bytes a training run holds (an estimate, computed without allocating): four float32
    /// copies of the parameters (values, gradients, Adam's two moments) and one batch's
    /// activations, about 16·dModel + 2·mlpHidden + 2·heads·T floats per position and layer plus
    /// two rows of logits per position.
    public var trainingBytes: Double {
        let t = Double(task.sequenceLength(bits: task.maxLength)), positions = Double(training.batchSize) * t
        let perLayer = 16 * Double(model.dModel) + 2 * Double(model.mlpHidden) + 2 * Double(model.heads) * t
        let activations = positions * (Double(model.layers) * perLayer + 2 * Double(model.vocabSize))
        return 4 * (4 * Double(ParameterLayout(model).count) + activations)
    }

    /// Throws naming the first field out of range, or the combination that needs too much memory.
    public func validate() throws {
        try model.validate()
        try task.validate()
        try training.validate()
        if model.vocabSize < 3 {
            throw TransformerError.invalidConfiguration(
                "vocabSize must be >= 3 for the copy and parity tasks (tokens 0, 1, |), got \(model.vocabSize)")
        }
        // The saved attention probabilities grow with T²; refuse sizes that cannot be allocated
        // instead of crashing on allocation.
        let T = Double(task.sequenceLength(bits: task.maxLength))
        let attentionBytes = 4 * Double(training.batchSize) * Double(model.heads) * Double(model.layers) * T * T
        if attentionBytes > 4 * Double(1 << 30) {
            throw TransformerError.invalidConfiguration(
                "batchSize × heads × layers × (sequence length)² attention probabilities would need "
                    + "\(Int(attentionBytes / Double(1 << 30))) GiB (limit 4 GiB); reduce maxLength (\(task.maxLength)) or batchSize (\(training.batchSize))")
        }
        if trainingBytes > Self.trainingMemoryLimit {
            throw TransformerError.invalidConfiguration(
                "training this model needs about \(Int((trainingBytes / Double(1 << 30)).rounded(.up))) GiB "
                    + "(\(ParameterLayout(model).count) parameters, each held 4 times, and one batch's activations; limit 16 GiB); "
                    + "reduce dModel, layers, mlpHidden, vocabSize or batchSize")
        }
        if model.position == .learned && task.sequenceLength(bits: task.maxLength) > model.maxPositions {
            throw TransformerError.invalidConfiguration(
                "maxPositions must be >= \(task.sequenceLength(bits: task.maxLength)) (the longest training "
                    + "sequence) with learned positions, got \(model.maxPositions)")
        }
    }
}

/// What one training step measured (on its own batch, before the update).
public struct StepMetrics: Sendable, Equatable {
    /// 1-based number of the step just taken.
    public var step: Int
    public var loss: Double
    /// Fraction of target positions where the greedy bit (Eq. 2) is right.
    public var tokenAccuracy: Double
    /// Fraction of sequences whose every target position is right.
    public var sequenceAccuracy: Double
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
}

/// A training run in progress: model, AdamW moments, step and data generator.
///
/// Deterministic: the same `RunConfig` and seed give bit-identical parameters, and a trainer
/// restored from a checkpoint of step k continues exactly as the original did after step k.
public struct Trainer {
    public let run: RunConfig
    public let seed: UInt64
    public internal(set) var model: TransformerModel
    /// Adam's first and second moments, in the parameter layout.
    public internal(set) var adamM: [Float]
    public internal(set) var adamV: [Float]
    /// Steps taken so far.
    public internal(set) var step: Int
    /// The generator that draws the training batches.
    public internal(set) var dataGenerator: SeededGenerator
    private var grads: [Float]
    private let cache = WorkspaceCache()

    /// A fresh run: parameters from `seed`, batches from a generator derived from `seed`.
    public init(run: RunConfig, seed: UInt64) throws {
        try run.validate()
        self.run = run
        self.seed = seed
        model = try TransformerModel(config: run.model, seed: seed)
        adamM = [Float](repeating: 0, count: model.parameterCount)
        adamV = adamM
        grads = adamM
        step = 0
        // A different stream from the initialisation's, so data and weights are independent.
        dataGenerator = SeededGenerator(seed: seed ^ 0x5DEE_CE66_D1CE_5EED)
    }

    /// A run restored from saved state (see `Checkpoint`).
    public init(
        run: RunConfig, seed: UInt64, model: TransformerModel, adamM: [Float], adamV: [Float], step: Int,
        dataGenerator: SeededGenerator
    ) throws {
        try run.validate()
        guard model.config == run.model, adamM.count == model.parameterCount, adamV.count == model.parameterCount
        else { throw TransformerError.invalidCheckpoint("optimizer state does not match the model's parameters") }
        guard step >= 0 else { throw TransformerError.invalidCheckpoint("step must be >= 0, got \(step)") }
        self.run = run
        self.seed = seed
        self.model = model
        self.adamM = adamM
        self.adamV = adamV
        self.step = step
        self.dataGenerator = dataGenerator
        grads = adamM
    }

    /// Draws a batch, takes one AdamW step and returns the batch's metrics.
    public mutating func trainStep() -> StepMetrics {
        let batch = run.task.sampleBatch(size: run.training.batchSize, using: &dataGenerator)
        return trainStep(on: batch)
    }

    /// One AdamW step on a given batch (the data generator is not advanced).
    @discardableResult
    public mutating func trainStep(on batch: Batch) -> StepMetrics {
        let opts = run.training
        let ws = cache.workspace(config: run.model, batchSize: batch.batchSize, length: batch.length)
        let loss = model.network.forward(batch, ws)
        let (tokenAcc, seqAcc) = accuracy(batch, probs: ws.probs.p, vocab: run.model.vocabSize)
        model.network.backward(batch, ws, grads: &grads)
        let lr = opts.learningRate(atStep: step)
        let norm = applyAdamW(lr: lr)
        step += 1
        return StepMetrics(step: step, loss: Double(loss), tokenAccuracy: tokenAcc, sequenceAccuracy: seqAcc,
                           learningRate: lr, gradientNorm: norm)
    }

    /// Clips `grads` to the global norm, then AdamW; returns the norm before clipping.
    private mutating func applyAdamW(lr: Double) -> Double {
        let opts = run.training
        let norm = Double(grads.withUnsafeBufferPointer { dot($0.baseAddress!, $0.baseAddress!, $0.count) })
            .squareRoot()
        let clip: Float = opts.clipNorm > 0 && norm > opts.clipNorm ? Float(opts.clipNorm / norm) : 1
        let t = Double(step + 1)
        let b1 = Float(opts.beta1), b2 = Float(opts.beta2)
        let c1 = Float(1 / (1 - powD(opts.beta1, t))), c2 = Float(1 / (1 - powD(opts.beta2, t)))
        let lrF = Float(lr), eps = Float(opts.epsilon), wd = Float(opts.weightDecay)
        let layout = model.layout
        model.network.params.withUnsafeMutableBufferPointer { p in
            adamM.withUnsafeMutableBufferPointer { m in
                adamV.withUnsafeMutableBufferPointer { v in
                    grads.withUnsafeBufferPointer { g in
                        // Elementwise, so the parameter range is split across workers; results do
                        // not depend on the split.
                        let (p, m, v, g) = (p.baseAddress!, m.baseAddress!, v.baseAddress!, g.baseAddress!)
                        parallelFor(workParts, split: .fixed(parts: workParts)) { part, _ in
                        for tensor in layout.tensors {
                            let step = AdamWStep(clip: clip, beta1: b1, beta2: b2, correction1: c1, correction2: c2,
                                                 learningRate: lrF, epsilon: eps, decay: tensor.decays ? wd : 0)
                            let range = SplitPolicy.slice(part, of: workParts, tensor.count)
                            let i = tensor.offset + range.lowerBound
                            step.apply(parameters: p + i, firstMoments: m + i, secondMoments: v + i, gradients: g + i,
                                       count: range.count)
                        }
                        }
                    }
                }
            }
        }
        return norm
    }
}

/// Token and sequence accuracy of greedy bit predictions (ties to 0) at target positions.
func accuracy(_ batch: Batch, probs: UnsafePointer<Float>, vocab: Int) -> (token: Double, sequence: Double) {
    var right = 0, total = 0, seqRight = 0, seqTotal = 0
    for b in 0..<batch.batchSize {
        var all = true, any = false
        for t in 0..<batch.length {
            let r = b * batch.length + t
            let target = Int(batch.targets[r])
            guard target >= 0 else { continue }
            any = true
            let guess = probs[r * vocab + 1] > probs[r * vocab] ? 1 : 0
            total += 1
            if guess == target { right += 1 } else { all = false }
        }
        if any {
            seqTotal += 1
            if all { seqRight += 1 }
        }
    }
    return (total > 0 ? Double(right) / Double(total) : 0, seqTotal > 0 ? Double(seqRight) / Double(seqTotal) : 0)
}

/// Workspaces by batch shape, so steps of the same shape reuse their buffers. A reference type
/// held privately by one trainer.
final class WorkspaceCache {
    private var byShape: [Int: Workspace<Float>] = [:]
    func workspace(config: TransformerConfig, batchSize: Int, length: Int) -> Workspace<Float> {
        let key = batchSize &* 1_000_003 &+ length
        if let ws = byShape[key], ws.B == batchSize, ws.T == length { return ws }
        let ws = Workspace<Float>(config: config, batchSize: batchSize, length: length)
        byShape[key] = ws
        return ws
    }
}

#if canImport(Glibc)
import Glibc
#endif
@inline(__always) func cosD(_ x: Double) -> Double { cos(x) }
