import Foundation
import Reporting
import Transformer
import Witnesses

/// A task a study trains on.
public enum StudyTask: String, Sendable, Equatable, CaseIterable {
    /// Running parity, as in the paper's Fig. 4 (``ParityStudy``).
    case parity
    /// Copying bits, with the paper's Fig. 2 witnesses on the trained model (``CopyStudy``).
    case copy

    /// The analyses that fit the task; all of them run unless the study's `analyses` says otherwise.
    public var analyses: [StudyAnalysis] { StudyAnalysis.allCases.filter { $0.task == self } }

    /// The settings that may vary over the task's runs: copy runs have no out-of-distribution
    /// evaluation length (their evaluation lengths are the witness lengths).
    public var axes: [StudyAxis] { self == .copy ? [.steps, .maxLength, .dModel, .layers] : StudyAxis.allCases }
}

/// An analysis a study runs on its runs' results.
public enum StudyAnalysis: String, Sendable, Equatable, CaseIterable {
    /// Parity: Pearson's r (with a bootstrap interval) and Spearman's ρ of log-perplexity against
    /// micro-F1 across checkpoints, and which checkpoint each selection rule picks.
    case correlation
    /// Copy: the α_N/β_N witness at each witness length (Fig. 2).
    case witnesses
    /// Copy: each witness predicted first from Lemma 3.1 and calibration pairs (needs `witnesses`).
    case prediction

    /// The task the analysis fits.
    public var task: StudyTask { self == .correlation ? .parity : .copy }
}

/// A setting that a study may give as a list of values: a grid axis.
public enum StudyAxis: String, Sendable, Equatable, Hashable, CaseIterable {
    /// Training steps.
    case steps
    /// Longest training string.
    case maxLength
    /// Length of the out-of-distribution strings (parity only).
    case oodLength
    /// The Transformer's width.
    case dModel
    /// The Transformer's depth.
    case layers

    /// This axis's value in `configuration`.
    func value(in configuration: ParityStudyConfiguration) -> Int {
        switch self {
        case .steps: configuration.steps
        case .maxLength: configuration.maxLength
        case .oodLength: configuration.oodLength
        case .dModel: configuration.model.dModel
        case .layers: configuration.model.layers
        }
    }

    /// Sets this axis to `value` in `configuration`.
    func set(_ value: Int, in configuration: inout ParityStudyConfiguration) {
        switch self {
        case .steps: configuration.steps = value
        case .maxLength: configuration.maxLength = value
        case .oodLength: configuration.oodLength = value
        case .dModel: configuration.model.dModel = value
        case .layers: configuration.model.layers = value
        }
    }
}

/// A declarative study: a grid of tasks × position schemes × the settings given as lists ×
/// seeds (issue 15). Read from a JSON study file with ``init(parsing:)``; ``json()`` is its
/// normalised form (defaults filled in, seeds listed), which parses back to the same study.
///
/// Run ids are `<task>-<position>[-<axis><value>…]-seed<seed>`: the grid's coordinates, with
/// only the settings that vary over the task's runs (`parity-rope-seed3`,
/// `parity-rope-steps2000-seed3`), so an id is stable when the grid grows, and unique because
/// no list may repeat an entry. The settings that do not vary are not in the id; they are in
/// the study's ``fingerprint``.
public struct Study: Sendable, Equatable {
    /// A name for the report's title (1…100 characters).
    public var name: String
    public var tasks: [StudyTask]
    public var positions: [PositionScheme]
    /// The seeds of every position scheme without its own list in ``Study/seedsByPosition``.
    public var seeds: [UInt64]
    /// Position schemes with seeds of their own (a long study of one scheme beside a short one of another).
    public var seedsByPosition: [PositionScheme: [UInt64]]
    /// Every run's settings but its seed, position scheme and the values of ``Study/grid``'s
    /// axes (the seed field is unused). Copy runs use its steps, maxLength and model.
    public var settings: ParityStudyConfiguration
    /// The settings given as lists of two or more values, each in the file's order: the grid's
    /// axes beyond tasks, positions and seeds. ``Study/settings`` holds each one's first value.
    public var grid: [StudyAxis: [Int]]
    /// The analyses to run; nil: every analysis that fits the tasks (``StudyTask/analyses``).
    public var analyses: [StudyAnalysis]?
    /// The copy runs' witness lengths and calibration pairs (``CopyStudyConfiguration``).
    public var witnessLengths: [Int]
    public var calibrationPairs: Int

    /// Most seeds a study may list, most values of one axis, and most runs in all: bounds on
    /// the grid, so that a typo cannot plan a billion runs.
    public static let seedLimit = 10_000
    public static let axisLimit = 100
    public static let runLimit = 100_000

    /// A study of the given grid. A `grid` list of one value sets that value in `settings`.
    public init(name: String = "study", tasks: [StudyTask] = [.parity], positions: [PositionScheme] = [.rope], seeds: [UInt64],
                seedsByPosition: [PositionScheme: [UInt64]] = [:], settings: ParityStudyConfiguration = ParityStudyConfiguration(),
                grid: [StudyAxis: [Int]] = [:], analyses: [StudyAnalysis]? = nil, witnessLengths: [Int] = CopyStudyConfiguration().witnessLengths,
                calibrationPairs: Int = CopyStudyConfiguration().calibrationPairs) {
        self.name = name
        self.tasks = tasks
        self.positions = positions
        self.seeds = seeds
        self.seedsByPosition = seedsByPosition
        var settings = settings
        for (axis, values) in grid { if let first = values.first { axis.set(first, in: &settings) } }
        self.settings = settings
        self.grid = grid.filter { $0.value.count > 1 }
        self.analyses = analyses
        self.witnessLengths = witnessLengths
        self.calibrationPairs = calibrationPairs
    }

    /// The seeds run with `position`.
    public func seeds(for position: PositionScheme) -> [UInt64] { seedsByPosition[position] ?? seeds }

    /// The analyses that run: ``Study/analyses``, or every one that fits the tasks.
    public var resolvedAnalyses: [StudyAnalysis] { analyses ?? StudyAnalysis.allCases.filter { tasks.contains($0.task) } }

    /// The values of `axis`: its list, or the one value of ``Study/settings``.
    public func values(of axis: StudyAxis) -> [Int] { grid[axis] ?? [axis.value(in: settings)] }

    /// One setting of a run that varies over its task's runs.
    public struct AxisValue: Sendable, Equatable, Hashable {
        public let axis: StudyAxis
        public let value: Int
        /// As in a run id: "steps2000".
        public var label: String { "\(axis.rawValue)\(value)" }
    }

    /// One run of the grid.
    public struct Run: Sendable, Equatable {
        /// `<task>-<position>[-<axis><value>…]-seed<seed>`.
        public let id: String
        public let task: StudyTask
        public let position: PositionScheme
        public let seed: UInt64
        /// The run's place in ``Study/runs`` (0-based): it decides the shard.
        public let index: Int
        /// The settings that vary over the task's runs, in ``StudyAxis`` order (none in a grid of
        /// tasks, positions and seeds alone).
        public let axisValues: [AxisValue]
        /// The parity study this run is; for a copy run, its training settings (steps,
        /// maxLength, model and seed) are ``Study/Run/copy``'s.
        public let configuration: ParityStudyConfiguration
        /// The copy run's settings; nil for a parity run.
        public let copy: CopyStudyConfiguration?

        /// The id without the seed: the configuration whose seeds the report gathers.
        public var configurationID: String { Study.configurationID(task: task, position: position, axisValues) }
    }

    /// `<task>-<position>[-<axis><value>…]`.
    static func configurationID(task: StudyTask, position: PositionScheme, _ values: [AxisValue]) -> String {
        ([task.rawValue, position.rawValue] + values.map(\.label)).joined(separator: "-")
    }

    /// The combinations of the axes that vary over `task`'s runs, the first axis outermost.
    func combinations(for task: StudyTask) -> [[AxisValue]] {
        var combinations: [[AxisValue]] = [[]]
        for axis in task.axes {
            guard let values = grid[axis] else { continue }
            combinations = combinations.flatMap { prefix in values.map { prefix + [AxisValue(axis: axis, value: $0)] } }
        }
        return combinations
    }

    /// How many runs the grid holds, computed without listing them (a Double: a huge grid must not overflow).
    var runCount: Double {
        let seeds = positions.reduce(0.0) { $0 + Double(self.seeds(for: $1).count) }
        return tasks.reduce(0.0) { total, task in
            total + seeds * task.axes.reduce(1.0) { $0 * Double(grid[$1]?.count ?? 1) }
        }
    }

    /// Every run, tasks outermost, then position schemes, then the varying settings, then
    /// seeds, each in the file's order.
    public var runs: [Run] {
        var runs: [Run] = []
        for task in tasks {
            for position in positions {
                for values in combinations(for: task) {
                    let (configuration, copy) = self.configuration(task: task, position: position, values)
                    for seed in seeds(for: position) {
                        var parity = configuration, copy = copy
                        parity.seed = seed
                        copy?.seed = seed
                        runs.append(Run(id: Self.configurationID(task: task, position: position, values) + "-seed\(seed)", task: task, position: position,
                                        seed: seed, index: runs.count, axisValues: values, configuration: parity, copy: copy))
                    }
                }
            }
        }
        return runs
    }

    /// The settings of `task`'s runs with `position` and the axis `values` (seed unset).
    func configuration(task: StudyTask, position: PositionScheme, _ values: [AxisValue]) -> (ParityStudyConfiguration, CopyStudyConfiguration?) {
        var configuration = settings
        for v in values { v.axis.set(v.value, in: &configuration) }
        guard task == .copy else {
            configuration.model = Self.model(configuration.model, position: position, covering: max(configuration.maxLength, configuration.oodLength))
            return (configuration, nil)
        }
        var copy = CopyStudyConfiguration(steps: configuration.steps, maxLength: configuration.maxLength, witnessLengths: witnessLengths,
                                          calibrationPairs: calibrationPairs, predicts: resolvedAnalyses.contains(.prediction), model: configuration.model)
        copy.model = Self.model(configuration.model, position: position, covering: copy.positionsNeeded)
        configuration.model = copy.model
        return (configuration, copy)
    }

    /// `base` with `position`; a learned table gets a row for every position evaluated.
    static func model(_ base: TransformerConfig, position: PositionScheme, covering length: Int) -> TransformerConfig {
        var model = base
        model.position = position
        if position == .learned { model.maxPositions = max(model.maxPositions, length) }
        return model
    }

    /// The runs of shard `shard` (1-based) of `count`: run k (0-based) is in shard k mod count + 1,
    /// so consecutive runs (seeds of one scheme, which cost about the same) spread over all shards.
    public func runs(inShard shard: Int, of count: Int) -> [Run] {
        runs.filter { Self.shard(ofRunAt: $0.index, shards: count) == shard }
    }

    /// The shard (1-based) of the run at `index` among `shards`.
    public static func shard(ofRunAt index: Int, shards: Int) -> Int { index % max(shards, 1) + 1 }

    /// The normalised study: every field, seeds as a list, an axis as its list when it varies.
    /// `analyses` appears when it is not the tasks' default, and the copy settings when a task
    /// is copy, so that a study of the earlier fields keeps its normalised form and fingerprint.
    /// It parses back to this study.
    public func json() -> JSONValue {
        let s = settings, m = settings.model
        func number(_ n: Int) -> JSONValue { .number("\(n)") }
        func axis(_ axis: StudyAxis) -> JSONValue { grid[axis].map { .array($0.map(number)) } ?? number(axis.value(in: s)) }
        return .object([
            ("name", .string(name)),
            ("tasks", .array(tasks.map { .string($0.rawValue) })),
            ("positions", .array(positions.map { .string($0.rawValue) })),
            ("seeds", .array(seeds.map { .number("\($0)") })),
        ] + (seedsByPosition.isEmpty ? [] : [
            ("seedsByPosition", .object(positions.compactMap { p in seedsByPosition[p].map { (p.rawValue, .array($0.map { .number("\($0)") })) } })),
        ]) + [
            ("steps", axis(.steps)), ("checkpointEvery", number(s.checkpointEvery)),
            ("maxLength", axis(.maxLength)), ("oodLength", axis(.oodLength)),
            ("idSequences", number(s.idSequences)), ("oodSequences", number(s.oodSequences)),
            ("dModel", axis(.dModel)), ("heads", number(m.heads)), ("layers", axis(.layers)),
            ("mlpHidden", number(m.mlpHidden)),
        ] + (analyses.map { [("analyses", .array($0.map { .string($0.rawValue) }))] } ?? [])
          + (tasks.contains(.copy) ? [("witnessLengths", .array(witnessLengths.map(number))), ("calibrationPairs", number(calibrationPairs))] : []))
    }

    /// 16 hex digits (FNV-1a, 64 bits) of the compact normalised study: equal studies, equal
    /// fingerprints, on every machine. It marks each result with the study it belongs to.
    public var fingerprint: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in json().rendered(pretty: false).utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Throws the first field out of range (fields named as in the study file).
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require((1...100).contains(name.count) && !name.contains(where: \.isNewline), "name",
                                       "must be 1…100 characters on one line", "'\(name.prefix(100))'")
        try ConfigurationError.require(!tasks.isEmpty, "tasks", "must list at least one task", "[]")
        try ConfigurationError.require(!positions.isEmpty, "positions", "must list at least one position scheme", "[]")
        var lists = [("tasks", tasks.map(\.rawValue)), ("positions", positions.map(\.rawValue)), ("seeds", seeds.map { "\($0)" })]
        for (position, list) in seedsByPosition.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            try ConfigurationError.require(positions.contains(position), "seedsByPosition", "must name only schemes listed in positions", "'\(position.rawValue)'")
            lists.append(("seedsByPosition.\(position.rawValue)", list.map { "\($0)" }))
        }
        for (field, list) in lists where field.hasPrefix("seeds") {
            try ConfigurationError.require((1...Self.seedLimit).contains(list.count), field, "must give 1…\(Self.seedLimit) seeds", list.count)
        }
        for axis in StudyAxis.allCases {
            guard let values = grid[axis] else { continue }
            let shown = values.count > 8 ? "a list of \(values.count)" : "[\(values.map(String.init).joined(separator: ", "))]"
            try ConfigurationError.require((2...Self.axisLimit).contains(values.count), axis.rawValue,
                                           "must be one integer or a list of 2…\(Self.axisLimit) of them", shown)
            try ConfigurationError.require(tasks.contains { $0.axes.contains(axis) }, axis.rawValue,
                                           "must be one value: no task of the study uses it (copy runs have no \(axis.rawValue))", shown)
            lists.append((axis.rawValue, values.map(String.init)))
        }
        if let analyses { lists.append(("analyses", analyses.map(\.rawValue))) }
        for (field, list) in lists {
            var seen = Set<String>()
            for item in list where !seen.insert(item).inserted {
                throw ConfigurationError([field], "must not repeat an entry (run ids would clash)", got: item)
            }
        }
        try validateAnalyses()
        let count = runCount
        guard count <= Double(Self.runLimit) else {
            throw ConfigurationError(["seeds"] + StudyAxis.allCases.filter { grid[$0] != nil }.map(\.rawValue),
                                     "must give at most \(Self.runLimit) runs with the tasks and positions", got: String(format: "%.0f", count))
        }
        for task in tasks {
            for position in positions {
                for values in combinations(for: task) {
                    let (parity, copy) = configuration(task: task, position: position, values)
                    if let copy { try copy.validate() } else { try parity.validate() }
                }
            }
        }
    }

    /// Throws unless every analysis fits a task of the study and every task has one.
    private func validateAnalyses() throws(ConfigurationError) {
        guard let analyses else { return }
        let given = "[\(analyses.map(\.rawValue).joined(separator: ", "))]"
        try ConfigurationError.require(!analyses.isEmpty, "analyses", "must list at least one analysis", given)
        for analysis in analyses where !tasks.contains(analysis.task) {
            throw ConfigurationError(["analyses"], "must fit the study's tasks: '\(analysis.rawValue)' is an analysis of the \(analysis.task.rawValue) task, "
                                     + "which tasks does not list (\(Self.analysisList))", got: "'\(analysis.rawValue)'")
        }
        for task in tasks where !analyses.contains(where: { $0.task == task }) {
            throw ConfigurationError(["analyses"], "must give every task an analysis: \(task.rawValue) has none (\(Self.analysisList))", got: given)
        }
        if analyses.contains(.prediction) && !analyses.contains(.witnesses) {
            throw ConfigurationError(["analyses"], "must list witnesses with prediction (the witnesses test the prediction)", got: given)
        }
    }

    /// Each analysis with its task, for errors and help.
    static var analysisList: String {
        "the analyses: " + StudyAnalysis.allCases.map { "\($0.rawValue) (\($0.task.rawValue))" }.joined(separator: ", ")
    }
}

// MARK: - The study file

extension Study {
    /// The fields a study file may hold.
    public static let fields = ["name", "tasks", "positions", "seeds", "seedsByPosition", "steps", "checkpointEvery", "maxLength", "oodLength",
                                "idSequences", "oodSequences", "dModel", "heads", "layers", "mlpHidden", "analyses", "witnessLengths", "calibrationPairs"]

    /// Parses and validates a study file (JSON). Every field but `seeds` is optional, with
    /// ``ParityStudyConfiguration``'s defaults (the paper's) and `tasks` `["parity"]`,
    /// `positions` `["rope"]`. `seeds` is a list of integers or `{"from": F, "count": C}`
    /// (the seeds F, F+1, …, F+C−1). Each ``StudyAxis`` field is an integer or a list of them.
    /// `witnessLengths` and `calibrationPairs` belong to the copy task and are refused without it.
    /// - Throws: ``StudyFileError`` for text that is no JSON object, ``ConfigurationError``
    ///   naming the first field that is unknown, of the wrong type or out of range.
    public init(parsing data: Data) throws {
        let raw: RawJSON
        do {
            raw = try JSONDecoder().decode(RawJSON.self, from: data)
        } catch let error as DecodingError {
            throw StudyFileError(reason: "it is not valid JSON (\(Self.describe(error)))")
        }
        guard case .object(let members) = raw else { throw StudyFileError(reason: "it must hold one JSON object of study fields, got \(raw.kind)") }
        if let unknown = members.keys.sorted().first(where: { !Self.fields.contains($0) }) {
            throw ConfigurationError([unknown], "is not a study field (the fields: \(Self.fields.joined(separator: ", ")))", got: "a value")
        }
        func integer(_ key: String, _ range: ClosedRange<Int>, _ defaultValue: Int) throws(ConfigurationError) -> Int {
            guard let value = members[key] else { return defaultValue }
            guard case .integer(let n) = value, let int = Int(exactly: n), range.contains(int) else {
                throw ConfigurationError([key], "must be an integer in \(range.lowerBound)…\(range.upperBound)", got: value.description)
            }
            return int
        }
        func names(_ key: String, _ defaultValue: [String]) throws(ConfigurationError) -> [String] {
            guard let value = members[key] else { return defaultValue }
            guard case .array(let items) = value else { throw ConfigurationError([key], "must be a list of names", got: value.description) }
            var names: [String] = []
            for item in items {
                guard case .string(let s) = item else { throw ConfigurationError([key], element: "entry", "must be a name (a string)", got: item.description) }
                names.append(s)
            }
            return names
        }
        var name = "study"
        if let value = members["name"] {
            guard case .string(let s) = value else { throw ConfigurationError(["name"], "must be a string", got: value.description) }
            name = s
        }
        var tasks: [StudyTask] = []
        for task in try names("tasks", ["parity"]) {
            guard let known = StudyTask(rawValue: task) else {
                throw ConfigurationError(["tasks"], element: "task", "must be one of: \(StudyTask.allCases.map(\.rawValue).joined(separator: ", "))",
                                         got: "'\(task.prefix(60))'")
            }
            tasks.append(known)
        }
        var analyses: [StudyAnalysis]?
        if members["analyses"] != nil {
            analyses = try names("analyses", []).map { name throws(ConfigurationError) in
                guard let known = StudyAnalysis(rawValue: name) else {
                    throw ConfigurationError(["analyses"], element: "analysis", "must be one of: \(Self.analysisList)", got: "'\(name.prefix(60))'")
                }
                return known
            }.sorted { StudyAnalysis.allCases.firstIndex(of: $0)! < StudyAnalysis.allCases.firstIndex(of: $1)! }
        }
        for key in ["witnessLengths", "calibrationPairs"] where members[key] != nil && !tasks.contains(.copy) {
            throw ConfigurationError([key], "must be given only when tasks lists copy (it is a setting of copy runs)", got: members[key]!.description)
        }
        var positions: [PositionScheme] = []
        for position in try names("positions", ["rope"]) {
            guard let known = PositionScheme(rawValue: position) else {
                throw ConfigurationError(["positions"], element: "scheme",
                                         "must be one of: \(PositionScheme.allCases.map(\.rawValue).joined(separator: ", ")) (learned is the absolute table)",
                                         got: "'\(position.prefix(60))'")
            }
            positions.append(known)
        }
        guard let seedValue = members["seeds"] else { throw ConfigurationError(["seeds"], "must be given: a list of integers or {\"from\": F, \"count\": C}", got: "nothing") }
        let seeds = try Self.seeds(seedValue, field: "seeds")
        var seedsByPosition: [PositionScheme: [UInt64]] = [:]
        if let value = members["seedsByPosition"] {
            guard case .object(let lists) = value else {
                throw ConfigurationError(["seedsByPosition"], "must be an object from position schemes to seeds", got: value.description)
            }
            for (key, list) in lists.sorted(by: { $0.key < $1.key }) {
                guard let position = PositionScheme(rawValue: key), positions.contains(position) else {
                    throw ConfigurationError(["seedsByPosition"], "must name only schemes listed in positions", got: "'\(key.prefix(60))'")
                }
                seedsByPosition[position] = try Self.seeds(list, field: "seedsByPosition.\(key)")
            }
        }
        let d = ParityStudyConfiguration(), m = d.model
        // The ranges here only keep the integers sane; validate() gives each field's real range.
        let wide = 0...Int(Int32.max)
        /// An axis: one integer, or a list of them (each in `wide`).
        func values(_ axis: StudyAxis) throws(ConfigurationError) -> [Int] {
            let key = axis.rawValue
            guard case .array(let items)? = members[key] else { return [try integer(key, wide, axis.value(in: d))] }
            try ConfigurationError.require((1...Self.axisLimit).contains(items.count), key,
                                           "must be one integer or a list of 1…\(Self.axisLimit) of them", items.isEmpty ? "[]" : "a list of \(items.count)")
            return try items.map { item throws(ConfigurationError) in
                guard case .integer(let n) = item, let int = Int(exactly: n), wide.contains(int) else {
                    throw ConfigurationError([key], element: "value", "must be an integer in \(wide.lowerBound)…\(wide.upperBound)", got: item.description)
                }
                return int
            }
        }
        var grid: [StudyAxis: [Int]] = [:]
        for axis in StudyAxis.allCases { grid[axis] = try values(axis) }
        let settings = ParityStudyConfiguration(
            checkpointEvery: try integer("checkpointEvery", wide, d.checkpointEvery),
            idSequences: try integer("idSequences", wide, d.idSequences), oodSequences: try integer("oodSequences", wide, d.oodSequences),
            model: TransformerConfig(vocabSize: m.vocabSize, heads: try integer("heads", wide, m.heads), mlpHidden: try integer("mlpHidden", wide, m.mlpHidden)))
        let copy = CopyStudyConfiguration()
        var witnessLengths = copy.witnessLengths
        if let value = members["witnessLengths"] {
            guard case .array(let items) = value else {
                throw ConfigurationError(["witnessLengths"], "must be a list of lengths, e.g. [16, 32, 64]", got: value.description)
            }
            witnessLengths = try items.map { item throws(ConfigurationError) in
                guard case .integer(let n) = item, let int = Int(exactly: n), wide.contains(int) else {
                    throw ConfigurationError(["witnessLengths"], element: "length", "must be an integer in 3…\(CopyStudyConfiguration.lengthLimit)", got: item.description)
                }
                return int
            }
        }
        // An explicit list equal to the default is the default: the same study, the same fingerprint.
        let defaultAnalyses = StudyAnalysis.allCases.filter { tasks.contains($0.task) }
        self.init(name: name, tasks: tasks, positions: positions, seeds: seeds, seedsByPosition: seedsByPosition, settings: settings, grid: grid,
                  analyses: analyses.map(Set.init) == Set(defaultAnalyses) && analyses?.count == defaultAnalyses.count ? nil : analyses,
                  witnessLengths: witnessLengths, calibrationPairs: try integer("calibrationPairs", wide, copy.calibrationPairs))
        try validate()
    }

    /// A list of seeds, or a range {"from": F, "count": C}.
    private static func seeds(_ value: RawJSON, field: String) throws(ConfigurationError) -> [UInt64] {
        let form = "must be a list of integers in 0…\(UInt64.max) or {\"from\": F, \"count\": C}"
        switch value {
        case .array(let items):
            var seeds: [UInt64] = []
            for item in items {
                guard case .integer(let n) = item, let seed = UInt64(exactly: n) else {
                    throw ConfigurationError([field], element: "seed", "must be an integer in 0…\(UInt64.max)", got: item.description)
                }
                seeds.append(seed)
            }
            return seeds
        case .object(let members):
            guard Set(members.keys) == ["from", "count"], case .integer(let from)? = members["from"], case .integer(let count)? = members["count"] else {
                throw ConfigurationError([field], form, got: value.description)
            }
            guard let first = UInt64(exactly: from) else { throw ConfigurationError([field + ".from"], "must be an integer in 0…\(UInt64.max)", got: "\(from)") }
            guard (1...Int128(seedLimit)).contains(count) else { throw ConfigurationError([field + ".count"], "must be in 1…\(seedLimit)", got: "\(count)") }
            guard UInt64.max - first >= UInt64(count - 1) else {
                throw ConfigurationError([field + ".from", field + ".count"], "must keep every seed at most \(UInt64.max)", got: "\(from) + \(count) − 1")
            }
            return (0..<UInt64(count)).map { first + $0 }
        default:
            throw ConfigurationError([field], form, got: value.description)
        }
    }

    /// A decoding error in a few words, with where it happened.
    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .dataCorrupted(let context), .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context):
            let reason = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String ?? context.debugDescription
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? reason : "\(path): \(reason)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A study file (or a study's results) that is not what a study needs, for a reason other than
/// one field.
public struct StudyFileError: Error, Equatable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Any JSON value, as read, so that a wrong field can be quoted in its error.
enum RawJSON: Decodable, Sendable, CustomStringConvertible {
    case null, bool(Bool), integer(Int128), real(Double), string(String), array([RawJSON]), object([String: RawJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let b = try? container.decode(Bool.self) { self = .bool(b) }
        else if let n = try? container.decode(Int64.self) { self = .integer(Int128(n)) }
        else if let n = try? container.decode(UInt64.self) { self = .integer(Int128(n)) }
        else if let x = try? container.decode(Double.self) { self = .real(x) }
        else if let s = try? container.decode(String.self) { self = .string(s) }
        else if let a = try? container.decode([RawJSON].self) { self = .array(a) }
        else { self = .object(try container.decode([String: RawJSON].self)) }
    }

    /// What kind of value this is, for an error.
    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .real: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// The value, shortened: numbers and short strings as they are, lists and objects by kind.
    var description: String {
        switch self {
        case .bool(let b): "\(b)"
        case .integer(let n): "\(n)"
        case .real(let x): "\(x)"
        case .string(let s): "'\(s.prefix(60))\(s.count > 60 ? "…" : "")'"
        default: kind
        }
    }
}

// MARK: - Shards

/// One of N disjoint slices of a study's runs: "I/N", I from 1 to N.
public struct StudyShard: Sendable, Equatable, CustomStringConvertible {
    /// 1-based.
    public let index: Int
    public let count: Int
    /// Most shards a study may be cut into.
    public static let limit = 1_000_000

    /// Shard `index` of `count`.
    public init(_ index: Int, of count: Int) throws(ConfigurationError) {
        try ConfigurationError.require((1...Self.limit).contains(count), "shards", "must be in 1…\(Self.limit)", count)
        try ConfigurationError.require((1...count).contains(index), "shard", "must be in 1…\(count) (shards are numbered from 1)", index)
        self.index = index
        self.count = count
    }

    /// Parses "I/N".
    public init(parsing text: String) throws(ConfigurationError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
            throw ConfigurationError(["shard"], "must be I/N with 1 ≤ I ≤ N (1-based), e.g. 2/8", got: "'\(text.prefix(60))'")
        }
        try self.init(i, of: n)
    }

    public var description: String { "\(index)/\(count)" }
}
