import Foundation
import Reporting
import Transformer
import Witnesses

/// A task a study trains on.
public enum StudyTask: String, Sendable, Equatable, CaseIterable {
    /// Running parity, as in the paper's Fig. 4 (``ParityStudy``).
    case parity
}

/// A declarative study: a grid of tasks × position schemes × seeds, every run with the same
/// training and evaluation settings (issue 15). Read from a JSON study file with
/// ``init(parsing:)``; ``json()`` is its normalised form (defaults filled in, seeds listed),
/// which parses back to the same study.
///
/// Run ids are `<task>-<position>-seed<seed>` (`parity-rope-seed3`): the grid's coordinates,
/// so an id is stable when the grid grows, and unique because no list may repeat an entry. The
/// shared settings are not in the id; they are in the study's ``fingerprint``.
public struct Study: Sendable, Equatable {
    /// A name for the report's title (1…100 characters).
    public var name: String
    public var tasks: [StudyTask]
    public var positions: [PositionScheme]
    /// The seeds of every position scheme without its own list in ``Study/seedsByPosition``.
    public var seeds: [UInt64]
    /// Position schemes with seeds of their own (a long study of one scheme beside a short one of another).
    public var seedsByPosition: [PositionScheme: [UInt64]]
    /// Every run's settings but its seed and position scheme (the seed field is unused).
    public var settings: ParityStudyConfiguration

    /// Most seeds a study may list, and most runs in all: bounds on the grid, so that a typo
    /// cannot plan a billion runs.
    public static let seedLimit = 10_000
    public static let runLimit = 100_000

    /// A study of the given grid.
    public init(name: String = "study", tasks: [StudyTask] = [.parity], positions: [PositionScheme] = [.rope], seeds: [UInt64],
                seedsByPosition: [PositionScheme: [UInt64]] = [:], settings: ParityStudyConfiguration = ParityStudyConfiguration()) {
        self.name = name
        self.tasks = tasks
        self.positions = positions
        self.seeds = seeds
        self.seedsByPosition = seedsByPosition
        self.settings = settings
    }

    /// The seeds run with `position`.
    public func seeds(for position: PositionScheme) -> [UInt64] { seedsByPosition[position] ?? seeds }

    /// One run of the grid.
    public struct Run: Sendable, Equatable {
        /// `<task>-<position>-seed<seed>`.
        public let id: String
        public let task: StudyTask
        public let position: PositionScheme
        public let seed: UInt64
        /// The run's place in ``Study/runs`` (0-based): it decides the shard.
        public let index: Int
        /// The parity study this run is.
        public let configuration: ParityStudyConfiguration
    }

    /// Every run, tasks outermost, then position schemes, then seeds, in the file's order.
    public var runs: [Run] {
        var runs: [Run] = []
        for task in tasks {
            for position in positions {
                for seed in seeds(for: position) {
                    var configuration = settings
                    configuration.seed = seed
                    configuration.model = Self.model(settings.model, position: position, covering: max(settings.maxLength, settings.oodLength))
                    runs.append(Run(id: "\(task.rawValue)-\(position.rawValue)-seed\(seed)", task: task, position: position, seed: seed,
                                    index: runs.count, configuration: configuration))
                }
            }
        }
        return runs
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

    /// The normalised study: every field, seeds as a list. It parses back to this study.
    public func json() -> JSONValue {
        let s = settings, m = settings.model
        return .object([
            ("name", .string(name)),
            ("tasks", .array(tasks.map { .string($0.rawValue) })),
            ("positions", .array(positions.map { .string($0.rawValue) })),
            ("seeds", .array(seeds.map { .number("\($0)") })),
        ] + (seedsByPosition.isEmpty ? [] : [
            ("seedsByPosition", .object(positions.compactMap { p in seedsByPosition[p].map { (p.rawValue, .array($0.map { .number("\($0)") })) } })),
        ]) + [
            ("steps", .number("\(s.steps)")), ("checkpointEvery", .number("\(s.checkpointEvery)")),
            ("maxLength", .number("\(s.maxLength)")), ("oodLength", .number("\(s.oodLength)")),
            ("idSequences", .number("\(s.idSequences)")), ("oodSequences", .number("\(s.oodSequences)")),
            ("dModel", .number("\(m.dModel)")), ("heads", .number("\(m.heads)")), ("layers", .number("\(m.layers)")),
            ("mlpHidden", .number("\(m.mlpHidden)")),
        ])
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
        for (field, list) in lists {
            var seen = Set<String>()
            for item in list where !seen.insert(item).inserted {
                throw ConfigurationError([field], "must not repeat an entry (run ids would clash)", got: item)
            }
        }
        let count = tasks.count * positions.reduce(0) { $0 + seeds(for: $1).count }
        try ConfigurationError.require(count <= Self.runLimit, "seeds", "must give at most \(Self.runLimit) runs with the tasks and positions", count)
        for position in positions {
            var configuration = settings
            configuration.model = Self.model(settings.model, position: position, covering: max(settings.maxLength, settings.oodLength))
            try configuration.validate()
        }
    }
}

// MARK: - The study file

extension Study {
    /// The fields a study file may hold.
    public static let fields = ["name", "tasks", "positions", "seeds", "seedsByPosition", "steps", "checkpointEvery", "maxLength", "oodLength",
                                "idSequences", "oodSequences", "dModel", "heads", "layers", "mlpHidden"]

    /// Parses and validates a study file (JSON). Every field but `seeds` is optional, with
    /// ``ParityStudyConfiguration``'s defaults (the paper's) and `tasks` `["parity"]`,
    /// `positions` `["rope"]`. `seeds` is a list of integers or `{"from": F, "count": C}`
    /// (the seeds F, F+1, …, F+C−1).
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
            if task == "copy" {
                throw ConfigurationError(["tasks"], "must hold only parity: the copy task is not yet supported in studies (its analysis, copy witnesses, is planned)", got: "'copy'")
            }
            guard let known = StudyTask(rawValue: task) else {
                throw ConfigurationError(["tasks"], element: "task", "must be one of: parity (copy is not yet supported)", got: "'\(task.prefix(60))'")
            }
            tasks.append(known)
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
        let settings = ParityStudyConfiguration(
            steps: try integer("steps", wide, d.steps), checkpointEvery: try integer("checkpointEvery", wide, d.checkpointEvery),
            maxLength: try integer("maxLength", wide, d.maxLength), oodLength: try integer("oodLength", wide, d.oodLength),
            idSequences: try integer("idSequences", wide, d.idSequences), oodSequences: try integer("oodSequences", wide, d.oodSequences),
            model: TransformerConfig(vocabSize: m.vocabSize, dModel: try integer("dModel", wide, m.dModel), heads: try integer("heads", wide, m.heads),
                                     layers: try integer("layers", wide, m.layers), mlpHidden: try integer("mlpHidden", wide, m.mlpHidden)))
        self.init(name: name, tasks: tasks, positions: positions, seeds: seeds, seedsByPosition: seedsByPosition, settings: settings)
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
