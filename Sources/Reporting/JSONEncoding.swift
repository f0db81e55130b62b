/// `Encodable` values as ``JSONValue``: the one JSON writer of the package serves Codable types
/// too (a run configuration, evaluation results). Object keys are sorted, nil optionals are
/// left out, and numbers are written as ``JSONValue/decimal(_:)`` writes them.
extension JSONValue {
    /// The JSON tree of `value`.
    /// - Throws: `EncodingError.invalidValue` for a non-finite floating-point number (JSON has none).
    public init(encoding value: some Encodable) throws {
        let node = Node()
        try value.encode(to: TreeEncoder(node: node, codingPath: []))
        self = node.value
    }

    /// A number as JSONEncoder writes it: integral values without a fractional part (`10000`,
    /// not `10000.0`), others in Swift's shortest round-tripping form (`0.001`, `1e-08`).
    public static func decimal(_ value: Double) -> JSONValue { decimal(value, text: "\(value)") }

    /// A float32 number the same way, in float32's shortest form (`0.1`, not `0.10000000149011612`).
    public static func decimal(_ value: Float) -> JSONValue { decimal(Double(value), text: "\(value)") }

    /// Non-finite values become null.
    fileprivate static func decimal(_ value: Double, text: String) -> JSONValue {
        guard value.isFinite else { return .null }
        if value == value.rounded(), abs(value) < 1e15 { return .number(String(Int64(value))) }
        return .number(text)
    }
}

/// One value under construction: filled once, as a scalar, an object or an array.
private final class Node {
    enum Content {
        case empty, scalar(JSONValue), object([(String, Node)]), array([Node])
    }
    var content = Content.empty

    var value: JSONValue {
        switch content {
        case .empty: return .object([])
        case .scalar(let v): return v
        case .object(let members): return .object(members.map { ($0.0, $0.1.value) }.sorted { $0.0 < $1.0 })
        case .array(let items): return .array(items.map(\.value))
        }
    }

    func member(_ key: String) -> Node {
        if case .object(let members) = content, let existing = members.first(where: { $0.0 == key }) { return existing.1 }
        let child = Node()
        if case .object(var members) = content { members.append((key, child)); content = .object(members) } else { content = .object([(key, child)]) }
        return child
    }

    func appended() -> Node {
        let child = Node()
        if case .array(var items) = content { items.append(child); content = .array(items) } else { content = .array([child]) }
        return child
    }

    var count: Int { if case .array(let items) = content { return items.count } else { return 0 } }
}

/// Writes a scalar (or a nested Encodable) into a node.
private func store<T: Encodable>(_ value: T, into node: Node, codingPath: [any CodingKey]) throws {
    switch value {
    case let v as Bool: node.content = .scalar(.bool(v))
    case let v as String: node.content = .scalar(.string(v))
    case let v as Double: node.content = .scalar(try finite(v, codingPath, .decimal(v)))
    case let v as Float: node.content = .scalar(try finite(Double(v), codingPath, .decimal(v)))
    case let v as any BinaryInteger: node.content = .scalar(.number("\(v)"))
    default: try value.encode(to: TreeEncoder(node: node, codingPath: codingPath))
    }
}

/// `json` when `value` is finite; JSON has no NaN or infinity, so those are an encoding error.
private func finite(_ value: Double, _ codingPath: [any CodingKey], _ json: JSONValue) throws -> JSONValue {
    guard value.isFinite else {
        throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: codingPath, debugDescription: "JSON has no \(value)"))
    }
    return json
}

private struct IndexKey: CodingKey {
    var stringValue: String { "\(intValue!)" }
    var intValue: Int?
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}

private struct TreeEncoder: Encoder {
    let node: Node
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object = node.content {} else { node.content = .object([]) }
        return KeyedEncodingContainer(KeyedContainer<Key>(node: node, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array = node.content {} else { node.content = .array([]) }
        return UnkeyedContainer(node: node, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleContainer(node: node, codingPath: codingPath) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).content = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try store(value, into: node.member(key.stringValue), codingPath: codingPath + [key])
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.member("super"), codingPath: codingPath) }
    mutating func superEncoder(forKey key: Key) -> any Encoder { TreeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]
    var count: Int { node.count }

    mutating func encodeNil() throws { node.appended().content = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws {
        let path = codingPath + [IndexKey(count)]
        try store(value, into: node.appended(), codingPath: path)
    }
    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        TreeEncoder(node: node.appended(), codingPath: codingPath + [IndexKey(count)]).container(keyedBy: keyType)
    }
    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        TreeEncoder(node: node.appended(), codingPath: codingPath + [IndexKey(count)]).unkeyedContainer()
    }
    mutating func superEncoder() -> any Encoder { TreeEncoder(node: node.appended(), codingPath: codingPath) }
}

private struct SingleContainer: SingleValueEncodingContainer {
    let node: Node
    let codingPath: [any CodingKey]

    mutating func encodeNil() throws { node.content = .scalar(.null) }
    mutating func encode<T: Encodable>(_ value: T) throws { try store(value, into: node, codingPath: codingPath) }
}
