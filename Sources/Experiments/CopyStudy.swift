import Foundation
import MultiPrecision
import Reporting
import Transformer
import Witnesses

/// One copy run of a study (issue 15): the copy Transformer trained at the study's settings,
/// then the paper's Fig. 2 witness sweep (``CopySweep``) on it at a few lengths, each witness
/// predicted first from Lemma 3.1 (``CopySweepPrediction``) unless the prediction is left out.
public struct CopyStudyConfiguration: Sendable, Equatable {
    /// Training steps (1…100000000). Default: 3000 (`perplexed train`'s).
    public var steps: Int
    /// Longest training string, in 1…256. Default: 16.
    public var maxLength: Int
    /// Witness lengths N, increasing, each in 3…``CopyStudyConfiguration/lengthLimit``
    /// (at most ``CopyStudyConfiguration/witnessLimit`` of them). Default: 16, 32, 64.
    public var witnessLengths: [Int]
    /// Calibration pairs per length for the prediction (1…1000). Default: 10 (`copy-sweep`'s).
    public var calibrationPairs: Int
    /// Whether each witness is predicted from calibration first. Default: true.
    public var predicts: Bool
    /// Seed of the weights, the training data, the evaluation strings and the calibration flips. Default: 1.
    public var seed: UInt64
    /// The Transformer trained (its vocabulary is the task's three tokens). With learned
    /// positions, `maxPositions` must cover the longest witness (2N + 1 positions).
    public var model: TransformerConfig

    /// Longest witness a study run builds, and most witness lengths: a study's runs stay small.
    public static let lengthLimit = 4096, witnessLimit = 32
    /// Strings of each training length on which the trained model's copy accuracy is measured.
    public static let accuracyStrings = 32

    /// A copy run with the given settings.
    public init(steps: Int = 3000, maxLength: Int = 16, witnessLengths: [Int] = [16, 32, 64], calibrationPairs: Int = 10, predicts: Bool = true,
                seed: UInt64 = 1, model: TransformerConfig = TransformerConfig()) {
        self.steps = steps
        self.maxLength = maxLength
        self.witnessLengths = witnessLengths
        self.calibrationPairs = calibrationPairs
        self.predicts = predicts
        self.seed = seed
        self.model = model
    }

    /// The training run: copy of 1…`maxLength` bits, `steps` steps, this `model`.
    public var runConfig: RunConfig {
        var run = RunConfig(model: model, task: TaskSpec(kind: .copy, maxLength: maxLength))
        run.training.steps = steps
        return run
    }

    /// Positions the model must hold: a training string or the longest witness, copied.
    public var positionsNeeded: Int { TaskSpec(kind: .copy).sequenceLength(bits: max(maxLength, witnessLengths.max() ?? 0)) }

    /// The sweep run on the trained model, with ε = `floor` for the prediction.
    func sweep(floor: BigRational?) -> CopySweepConfiguration {
        CopySweepConfiguration(lengths: witnessLengths,
                               prediction: predicts ? CopySweepPrediction(calibrationPairs: calibrationPairs, seed: seed, floor: floor) : nil)
    }

    /// Throws the first field outside its range (fields named as in a study file).
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require((1...100_000_000).contains(steps), "steps", "must be in 1…100000000", steps)
        try ConfigurationError.require((1...256).contains(maxLength), "maxLength", "must be in 1…256", maxLength)
        try ParityStudyConfiguration.validate(model: model)
        let lengths = witnessLengths.map(String.init).joined(separator: ", ")
        try ConfigurationError.require((1...Self.witnessLimit).contains(witnessLengths.count), "witnessLengths",
                                       "must list 1…\(Self.witnessLimit) lengths", "[\(lengths)]")
        if let bad = witnessLengths.first(where: { !(3...Self.lengthLimit).contains($0) }) {
            // N ≥ 3: the prediction calibrates on flips after ⌊N/2⌋ other than N itself.
            throw ConfigurationError(["witnessLengths"], element: "length", "must be in 3…\(Self.lengthLimit)", got: "\(bad)")
        }
        try ConfigurationError.require(zip(witnessLengths, witnessLengths.dropFirst()).allSatisfy { $0 < $1 }, "witnessLengths",
                                       "must be increasing (each length once)", "[\(lengths)]")
        if predicts {
            try ConfigurationError.require((1...CopySweepPrediction.pairLimit).contains(calibrationPairs), "calibrationPairs",
                                           "must be in 1…\(CopySweepPrediction.pairLimit)", calibrationPairs)
        }
        if model.position == .learned {
            try ConfigurationError.require(model.maxPositions >= positionsNeeded, "maxPositions",
                                           "must cover 2N + 1 positions of the longest witness and training string with learned positions", model.maxPositions)
        }
    }
}

/// A trained copy model and its witness sweep.
public struct CopyStudy: Sendable {
    public let configuration: CopyStudyConfiguration
    /// Sequence accuracy of the trained model on ``CopyStudyConfiguration/accuracyStrings``
    /// strings of each training length 1…`maxLength` (all strings of a length when fewer).
    public let trainingAccuracy: Double
    /// The witnesses, with their prediction unless it was left out.
    public let sweep: CopySweep
    /// Wall-clock seconds of training, evaluation and the sweep.
    public let seconds: Double

    /// Trains, measures the copy accuracy, computes the model's certified probability floor
    /// (ε of the prediction, as `reproduce` does) and runs the sweep.
    public static func run(_ configuration: CopyStudyConfiguration, progress: (ExperimentProgress) -> Void = { _ in }) throws -> CopyStudy {
        try configuration.validate()
        let run = configuration.runConfig, steps = configuration.steps
        var trainer = try Trainer(run: run, seed: configuration.seed)
        let start = Date()
        // About 20 progress lines per run, whatever its length.
        let every = max(1, steps / 20)
        while trainer.step < steps {
            let m = trainer.trainStep()
            if trainer.step % every == 0 || trainer.step == steps {
                progress(ExperimentProgress(.step, String(format: "copy step %d/%d  loss %.4f  sequence accuracy %.3f", trainer.step, steps, m.loss, m.sequenceAccuracy),
                                            completed: trainer.step, total: steps))
            }
        }
        var correct = 0.0, total = 0
        for n in 1...configuration.maxLength {
            let strings = evaluationStrings(length: n, limit: CopyStudyConfiguration.accuracyStrings, seed: configuration.seed)
            let result = try evaluate(model: trainer.model, task: run.task, strings: strings)
            correct += result.sequenceAccuracy * Double(result.sequences)
            total += result.sequences
        }
        let floor = configuration.predicts ? try ProbabilityFloor(head: OutputHead(transformer: trainer.model)).float32Epsilon() : nil
        var model = TransformerLanguageModel(trainer.model)
        let sweep = try CopySweep.run(model: &model, prompting: BitCopyPrompting(), configuration: configuration.sweep(floor: floor), progress: progress)
        return CopyStudy(configuration: configuration, trainingAccuracy: correct / Double(max(total, 1)), sweep: sweep,
                         seconds: Date().timeIntervalSince(start))
    }
}

/// What a copy run of a study wrote to `runs/<id>/result.json`: the trained model's copy
/// accuracy and, per witness length, what the Fig. 2 witness showed and whether its prediction held.
public struct CopyStudyRunResult: Codable, Sendable, Equatable {
    /// "perplexed-study-copy-run/1".
    public var format: String
    /// The ``Study/fingerprint`` of the study the run belongs to.
    public var studyFingerprint: String
    public var id: String
    public var task: String
    public var position: String
    public var seed: UInt64
    /// ``CopyStudy/trainingAccuracy``.
    public var trainingAccuracy: Double
    /// One per witness length, in order.
    public var witnesses: [Witness]
    /// Wall-clock facts about the run: never part of a report.
    public var metadata: StudyRunResult.Metadata

    /// The format tag this version writes and reads.
    public static let formatTag = "perplexed-study-copy-run/1"

    /// The witness α_N = 0…0, β_N = 0…01 at one length.
    public struct Witness: Codable, Sendable, Equatable {
        public var length: Int
        /// α_N's greedy copy is α_N.
        public var alphaCopied: Bool
        /// β_N's greedy copy is α_N (the failure Lemma 3.1 predicts).
        public var betaCopiedAsAlpha: Bool
        /// Both: the model copies α right and β wrong, as α, and perplexity hardly tells the
        /// two apart (by ``gap``): a witness that perplexity cannot tell right from wrong.
        public var perplexityWrong: Bool
        /// Log-perplexities along the greedy outputs (midpoints of their certified enclosures).
        public var alphaLogPerplexity: Double
        public var betaLogPerplexity: Double
        /// |pplx(α_N) − pplx(β_N)|: the enclosure's midpoint and its upper end.
        public var gap: Double
        public var gapUpper: Double
        /// η: the largest L∞ distance of α's and β's next-token distributions over the copy.
        public var eta: Double
        /// The Lemma 3.1 prediction made before the witness was built; nil when it was left out.
        public var prediction: Prediction?
    }

    /// What was predicted for one witness, and how it came out.
    public struct Prediction: Codable, Sendable, Equatable {
        /// η(N) from the calibration pairs; nil where none was calibrated (α = 0…0 not copied
        /// with a margin, so nothing could be predicted: ``LemmaCalibration/eta``).
        public var calibratedEta: Double?
        /// Whether β_N was predicted to be copied as α_N (η(N) below α's margin).
        public var copyPredicted: Bool
        /// The predicted bound on the gap (upper end), nil without one.
        public var boundUpper: Double?
        /// ``CopyPredictionVerdict``'s raw value: held, not_copied, gap_above_bound, undecided or not_predicted.
        public var verdict: String
    }

    /// The result of `study`, run `run` of the study with fingerprint `fingerprint`.
    public init(_ study: CopyStudy, run: Study.Run, fingerprint: String) {
        format = Self.formatTag
        studyFingerprint = fingerprint
        id = run.id
        task = run.task.rawValue
        position = run.position.rawValue
        seed = run.seed
        trainingAccuracy = study.trainingAccuracy
        witnesses = study.sweep.witnesses.enumerated().map { i, w in
            let c = w.certified
            let outcome = study.sweep.lemma?.outcomes[i]
            return Witness(length: w.length, alphaCopied: w.alpha.isCorrect, betaCopiedAsAlpha: w.betaCopiedAsAlpha,
                           perplexityWrong: w.alpha.isCorrect && w.betaCopiedAsAlpha,
                           alphaLogPerplexity: c.alphaLogPerplexity.doubleMidpoint, betaLogPerplexity: c.betaLogPerplexity.doubleMidpoint,
                           gap: c.gap.doubleMidpoint, gapUpper: c.gap.upper.double(rounding: .up), eta: w.eta,
                           prediction: outcome.map { o in
                               Prediction(calibratedEta: o.prediction.eta.isNaN ? nil : o.prediction.eta, copyPredicted: o.pairs.first?.copyPredicted ?? false,
                                          boundUpper: o.prediction.bound.map { $0.upper.double(rounding: .up) }, verdict: CopyPredictionVerdict(o).rawValue)
                           })
        }
        metadata = StudyRunResult.Metadata(seconds: study.seconds, perplexedVersion: PackageInfo.version)
    }

    enum CodingKeys: String, CodingKey {
        case format, studyFingerprint = "study_fingerprint", id, task, position, seed, trainingAccuracy = "training_sequence_accuracy", witnesses, metadata
    }
}

extension CopyStudyRunResult.Witness {
    enum CodingKeys: String, CodingKey {
        case length, alphaCopied = "alpha_copied", betaCopiedAsAlpha = "beta_copied_as_alpha", perplexityWrong = "perplexity_wrong"
        case alphaLogPerplexity = "alpha_log_perplexity", betaLogPerplexity = "beta_log_perplexity", gap, gapUpper = "gap_upper", eta, prediction
    }
}

extension CopyStudyRunResult.Prediction {
    enum CodingKeys: String, CodingKey {
        case calibratedEta = "calibrated_eta", copyPredicted = "copy_predicted", boundUpper = "bound_upper", verdict
    }
}

extension CopyStudyConfiguration {
    /// Training steps a probe times.
    public static let probeSteps = 3

    /// The run's cost on this machine, from a probe: one untimed training step (first-touch
    /// allocations), ``CopyStudyConfiguration/probeSteps`` timed ones, then the decoding rate of
    /// the (untrained) model (`DecodingRate.measure`). Every witness length costs its witness and
    /// its calibration pairs, each two greedy copies, timed as copies that verify in one pass
    /// (a model that copies; a model that does not copies step by step and takes longer). Memory:
    /// the trainer's, and the witnesses kept with their logits.
    public func measureEstimate() throws -> WorkEstimate {
        var trainer = try Trainer(run: runConfig, seed: seed)
        let clock = ContinuousClock()
        _ = trainer.trainStep()
        let began = clock.now
        for _ in 0..<Self.probeSteps { _ = trainer.trainStep() }
        let step = (clock.now - began).seconds / Double(Self.probeSteps)
        var model = CopyModel.transformer(TransformerLanguageModel(trainer.model))
        let prompting = BitCopyPrompting()
        let rate = try DecodingRate.measure(&model, prompting: prompting, positions: positionsNeeded)
        var seconds = Double(steps) * step, bytes = 0.0
        for n in witnessLengths {
            let witnesses = 1 + (predicts ? calibrationPairs : 0)
            let cost = try model.witnessEstimate(length: n, witnesses: witnesses, retained: witnessLengths.count, prompting: prompting, rate: rate)
            seconds += cost.seconds
            bytes = max(bytes, cost.bytes)
        }
        return WorkEstimate(seconds: seconds, bytes: runConfig.trainingBytes + bytes)
    }
}
