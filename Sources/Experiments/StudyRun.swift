import Foundation
import Reporting
import Transformer
import Witnesses

/// What one parity run of a study wrote to `runs/<id>/result.json`: every checkpoint's metrics, the
/// correlations and the selections in and out of distribution, and (apart, in `metadata`)
/// how long it took. The merge reads everything but the metadata.
public struct StudyRunResult: Codable, Sendable, Equatable {
    /// "perplexed-study-run/1".
    public var format: String
    /// The ``Study/fingerprint`` of the study the run belongs to.
    public var studyFingerprint: String
    public var id: String
    public var task: String
    public var position: String
    public var seed: UInt64
    /// One entry per checkpoint, in training order.
    public var checkpoints: [Checkpoint]
    public var inDistribution: Analysis
    public var outOfDistribution: Analysis
    /// Each rule's in-distribution pick judged out of distribution: the checkpoint chosen on
    /// the data one has, its accuracy on the longer strings, and what it loses there against
    /// the checkpoint most accurate on them.
    public var inDistributionChoiceJudgedOutOfDistribution: [Selection]
    /// Wall-clock facts about the run: never part of a report.
    public var metadata: Metadata

    /// The format tag this version writes and reads.
    public static let formatTag = "perplexed-study-run/1"

    /// One checkpoint's metrics on both evaluation sets.
    public struct Checkpoint: Codable, Sendable, Equatable {
        public var step: Int
        public var inDistribution: Metrics
        public var outOfDistribution: Metrics
    }

    /// `CheckpointMetrics` as stored.
    public struct Metrics: Codable, Sendable, Equatable {
        public var logPerplexity: Double
        public var accuracy: Double
        public var microF1: Double
        public var binaryF1: Double
        public var meanEntropy: Double
        public var brier: Double
        public var calibrationError: Double

        init(_ m: CheckpointMetrics) {
            logPerplexity = m.logPerplexity
            accuracy = m.accuracy
            microF1 = m.microF1
            binaryF1 = m.binaryF1
            meanEntropy = m.meanEntropy
            brier = m.brier
            calibrationError = m.calibrationError
        }
    }

    /// One evaluation set's `SelectionStudy`: Pearson's r of log-perplexity against micro-F1
    /// (absent when either is constant), its 95% bootstrap interval, Spearman's ρ, the most
    /// accurate checkpoint, and each rule's pick with the accuracy it loses against that one.
    public struct Analysis: Codable, Sendable, Equatable {
        public var pearson: Double?
        public var pearsonLower: Double?
        public var pearsonUpper: Double?
        public var spearman: Double?
        public var mostAccurateStep: Int
        public var mostAccurateAccuracy: Double
        public var selections: [Selection]

        init(_ study: SelectionStudy, _ metrics: [CheckpointMetrics]) {
            pearson = study.pearson
            pearsonLower = study.pearsonInterval?.lower
            pearsonUpper = study.pearsonInterval?.upper
            spearman = study.spearman
            // The first of equally accurate checkpoints, as the selection rules break ties.
            let best = metrics.min { $0.accuracy > $1.accuracy }
            let top = best?.accuracy ?? 0
            mostAccurateStep = best?.step ?? 0
            mostAccurateAccuracy = top
            selections = study.selections.map { Selection(rule: $0.rule, step: $0.step, accuracy: $0.accuracy, accuracyLost: top - $0.accuracy) }
        }
    }

    /// The checkpoint one rule picks.
    public struct Selection: Codable, Sendable, Equatable {
        public var rule: String
        public var step: Int
        public var accuracy: Double
        /// The most accurate checkpoint's accuracy minus this one's (0 when it is one of the most accurate).
        public var accuracyLost: Double
    }

    /// How the run went, for people and schedulers; the merge never prints it.
    public struct Metadata: Codable, Sendable, Equatable {
        public var seconds: Double
        public var perplexedVersion: String
    }

    enum CodingKeys: String, CodingKey {
        case format, studyFingerprint = "study_fingerprint", id, task, position, seed, checkpoints
        case inDistribution = "in_distribution", outOfDistribution = "out_of_distribution"
        case inDistributionChoiceJudgedOutOfDistribution = "id_choice_judged_ood", metadata
    }

    /// The result of `study` (run `run` of the study with fingerprint `fingerprint`).
    public init(_ study: ParityStudy, run: Study.Run, fingerprint: String) {
        format = Self.formatTag
        studyFingerprint = fingerprint
        id = run.id
        task = run.task.rawValue
        position = run.position.rawValue
        seed = run.seed
        checkpoints = zip(study.inDistribution, study.outOfDistribution).map {
            Checkpoint(step: $0.step, inDistribution: Metrics($0), outOfDistribution: Metrics($1))
        }
        inDistribution = Analysis(study.idStudy, study.inDistribution)
        outOfDistribution = Analysis(study.oodStudy, study.outOfDistribution)
        let best = outOfDistribution.mostAccurateAccuracy
        let oodByStep = Dictionary(study.outOfDistribution.map { ($0.step, $0.accuracy) }, uniquingKeysWith: { a, _ in a })
        inDistributionChoiceJudgedOutOfDistribution = inDistribution.selections.map { pick in
            let accuracy = oodByStep[pick.step] ?? 0
            return Selection(rule: pick.rule, step: pick.step, accuracy: accuracy, accuracyLost: best - accuracy)
        }
        metadata = Metadata(seconds: study.trainingSeconds, perplexedVersion: PackageInfo.version)
    }

}

extension StudyRunResult.Metrics {
    enum CodingKeys: String, CodingKey {
        case logPerplexity = "log_perplexity", accuracy, microF1 = "micro_f1", binaryF1 = "binary_f1", meanEntropy = "mean_entropy"
        case brier, calibrationError = "calibration_error"
    }
}

extension StudyRunResult.Checkpoint {
    enum CodingKeys: String, CodingKey {
        case step, inDistribution = "in_distribution", outOfDistribution = "out_of_distribution"
    }
}

extension StudyRunResult.Analysis {
    enum CodingKeys: String, CodingKey {
        case pearson, pearsonLower = "pearson_95_lower", pearsonUpper = "pearson_95_upper", spearman
        case mostAccurateStep = "most_accurate_step", mostAccurateAccuracy = "most_accurate_accuracy", selections
    }
}

extension StudyRunResult.Selection {
    enum CodingKeys: String, CodingKey {
        case rule, step, accuracy, accuracyLost = "accuracy_lost"
    }
}

extension StudyRunResult.Metadata {
    enum CodingKeys: String, CodingKey {
        case seconds, perplexedVersion = "perplexed_version"
    }
}

/// A run's result file as the directory checks it: its format and the study and run it belongs to.
public protocol StoredStudyResult: Codable {
    static var formatTag: String { get }
    var format: String { get }
    var studyFingerprint: String { get }
    var id: String { get }
}

extension StoredStudyResult {
    /// The result as pretty JSON, keys sorted.
    public func rendered() throws -> String {
        do {
            return try JSONValue(encoding: self).rendered() + "\n"
        } catch {
            throw StudyFileError(reason: "run \(id) produced a value that is not a finite number; its result cannot be stored as JSON")
        }
    }
}

extension StudyRunResult: StoredStudyResult {}
extension CopyStudyRunResult: StoredStudyResult {}

// MARK: - Files

/// The files of a study's output directory: `study.json` (the normalised study) and
/// `runs/<id>/result.json`.
public struct StudyDirectory: Sendable {
    public let path: String

    public init(_ path: String) { self.path = path }

    public var studyFile: String { path + "/study.json" }
    public func resultFile(_ id: String) -> String { path + "/runs/\(id)/result.json" }

    /// The bytes of the regular file at `file`, or nil when there is none. A directory, FIFO or
    /// device is an error before it is opened (reading a FIFO would block), as is a file over
    /// `limit` bytes.
    static func read(_ file: String, limit: Int = 256 << 20) throws -> Data? {
        var status = stat()
        guard stat(file, &status) == 0 else {
            if errno == ENOENT { return nil }
            throw StudyFileError(reason: "cannot read \(file): \(String(cString: strerror(errno)))")
        }
        guard status.st_mode & S_IFMT == S_IFREG else { throw StudyFileError(reason: "cannot read \(file): it is not a regular file") }
        guard Int(status.st_size) <= limit else { throw StudyFileError(reason: "cannot read \(file): it holds over \(limit >> 20) MB") }
        do {
            return try Data(contentsOf: URL(fileURLWithPath: file))
        } catch {
            throw StudyFileError(reason: "cannot read \(file): \(fileErrorReason(error))")
        }
    }

    /// The study in `study.json`, or nil when there is none yet.
    public func study() throws -> Study? {
        guard let data = try Self.read(studyFile, limit: 1 << 20) else { return nil }
        do {
            return try Study(parsing: data)
        } catch {
            throw StudyFileError(reason: "\(studyFile) is not a study: \(error)")
        }
    }

    /// The result of parity run `id`, or nil when there is none, it does not parse, or it
    /// belongs to another study (a different fingerprint).
    public func result(_ id: String, fingerprint: String) throws -> StudyRunResult? { try stored(id, fingerprint: fingerprint) }

    /// The result of copy run `id`, or nil as for ``result(_:fingerprint:)``.
    public func copyResult(_ id: String, fingerprint: String) throws -> CopyStudyRunResult? { try stored(id, fingerprint: fingerprint) }

    /// Whether `run` has a result of the study with `fingerprint`.
    public func hasResult(_ run: Study.Run, fingerprint: String) throws -> Bool {
        run.task == .copy ? try copyResult(run.id, fingerprint: fingerprint) != nil : try result(run.id, fingerprint: fingerprint) != nil
    }

    private func stored<Result: StoredStudyResult>(_ id: String, fingerprint: String) throws -> Result? {
        guard let data = try Self.read(resultFile(id)) else { return nil }
        guard let result = try? JSONDecoder().decode(Result.self, from: data),
              result.format == Result.formatTag, result.studyFingerprint == fingerprint, result.id == id else { return nil }
        return result
    }

    /// Writes `study.json`, or checks that the one there holds the same study.
    public func claim(for study: Study) throws {
        if let existing = try self.study() {
            guard existing == study else {
                throw StudyFileError(reason: "\(studyFile) holds a different study (fingerprint \(existing.fingerprint), this one's \(study.fingerprint)); "
                                     + "give another output directory or remove that one")
            }
            return
        }
        try AtomicFile.write(study.json().rendered() + "\n", to: studyFile)
    }
}

/// What `Study.run` did.
public struct StudyRunSummary: Sendable, Equatable {
    /// Ids of the runs trained, in order.
    public var ran: [String] = []
    /// Ids of the runs whose results were already there.
    public var skipped: [String] = []
}

extension Study {
    /// Runs the runs of `shard` (every run when nil), one after the other, into `directory`:
    /// each writes `runs/<id>/result.json` atomically when it ends, and a run whose result is
    /// there (same study fingerprint) is skipped, so a run that was stopped resumes at the run
    /// it was in. Writes `study.json` first, or refuses a directory that holds another study.
    ///
    /// Runs go one at a time: training already uses the machine's cores (the trainer's matrix
    /// products are split over them), so running two at once would only make each slower.
    public func run(in directory: String, shard: StudyShard? = nil, progress: (ExperimentProgress) -> Void = { _ in }) throws -> StudyRunSummary {
        try validate()
        let files = StudyDirectory(directory)
        try files.claim(for: self)
        let selected = shard.map { runs(inShard: $0.index, of: $0.count) } ?? runs
        let fingerprint = self.fingerprint
        var summary = StudyRunSummary()
        for (k, run) in selected.enumerated() {
            let place = "run \(k + 1)/\(selected.count)" + (shard.map { " of shard \($0)" } ?? "")
            if try files.hasResult(run, fingerprint: fingerprint) {
                summary.skipped.append(run.id)
                progress(ExperimentProgress(.stage, "\(place): \(run.id): skipped, its result.json is there"))
                continue
            }
            progress(ExperimentProgress(.stage, "\(place): \(run.id): training"))
            let rendered: String
            if let copy = run.copy {
                rendered = try CopyStudyRunResult(try CopyStudy.run(copy, progress: progress), run: run, fingerprint: fingerprint).rendered()
            } else {
                rendered = try StudyRunResult(try ParityStudy.run(run.configuration, progress: progress), run: run, fingerprint: fingerprint).rendered()
            }
            try AtomicFile.write(rendered, to: files.resultFile(run.id))
            summary.ran.append(run.id)
        }
        return summary
    }
}
