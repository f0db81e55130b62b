/// A configuration value outside its range: which field, what it must be, and the value given.
///
/// Fields are named as the configuration's Swift properties (`checkpointEvery`); a front end can
/// name them its own way with ``message(naming:)`` (the command line shows `--checkpoint-every`).
public struct ConfigurationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The fields at fault (two or more when only their combination is wrong).
    public let fields: [String]
    /// For a list field: the name of one element ("length"), when one element is at fault.
    public let element: String?
    /// What the value must be, e.g. "must be in 1…256".
    public let requirement: String
    /// The value given, as text.
    public let value: String

    /// An error for `fields` (Swift property names): "`fields` `requirement`, got `value`".
    public init(_ fields: [String], element: String? = nil, _ requirement: String, got value: String) {
        self.fields = fields
        self.element = element
        self.requirement = requirement
        self.value = value
    }

    /// The message with each field named by `name`.
    public func message(naming name: (String) -> String) -> String {
        let subject = fields.map(name).joined(separator: " / ")
        if let element { return "\(subject): every \(element) \(requirement), got \(value)" }
        return "\(subject) \(requirement), got \(value)"
    }

    /// The message with the Swift property names.
    public var description: String { message { $0 } }

    /// Throws unless `condition` holds.
    static func require(
        _ condition: Bool, _ field: String, element: String? = nil, _ requirement: String, _ value: some CustomStringConvertible
    ) throws(ConfigurationError) {
        guard condition else { throw ConfigurationError([field], element: element, requirement, got: value.description) }
    }
}

/// A report from a running experiment, for a progress display.
public struct ExperimentProgress: Sendable, Equatable {
    /// A stage starts a new part of a long run; a step reports within the current stage.
    public enum Level: Sendable, Equatable {
        case stage, step
    }

    /// Whether a new stage starts or the current one advances.
    public let level: Level
    /// One line for a person to read.
    public let message: String
    /// Steps done and steps in all (0 and 0 when not counted).
    public let completed: Int
    public let total: Int

    /// A report at `level`; `completed` of `total` steps (0 and 0 when not counted).
    public init(_ level: Level, _ message: String, completed: Int = 0, total: Int = 0) {
        self.level = level
        self.message = message
        self.completed = completed
        self.total = total
    }
}
