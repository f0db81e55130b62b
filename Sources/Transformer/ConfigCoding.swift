// JSON decoding for configuration files: every field is optional (missing fields take their
// defaults, so a file states only what it changes) and unknown fields are errors (a typo
// such as "dmodel" must not silently train the default model).

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws naming the first key of `decoder`'s object that is not in `known`.
func rejectUnknownKeys(_ decoder: any Decoder, known: [String], in object: String) throws {
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys where !known.contains(key.stringValue) {
        throw TransformerError.invalidConfiguration(
            "unknown field \"\(key.stringValue)\" in \(object); known fields: \(known.joined(separator: ", "))")
    }
}

extension KeyedDecodingContainer {
    func value<T: Decodable>(_ key: Key, default value: T) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? value
    }
}

extension TransformerConfig {
    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, known: CodingKeys.allNames, in: "model")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TransformerConfig()
        self.init(
            vocabSize: try c.value(.vocabSize, default: d.vocabSize), dModel: try c.value(.dModel, default: d.dModel),
            heads: try c.value(.heads, default: d.heads), layers: try c.value(.layers, default: d.layers),
            mlpHidden: try c.value(.mlpHidden, default: d.mlpHidden),
            position: try c.value(.position, default: d.position), norm: try c.value(.norm, default: d.norm),
            tiedHead: try c.value(.tiedHead, default: d.tiedHead),
            maxPositions: try c.value(.maxPositions, default: d.maxPositions),
            ropeBase: try c.value(.ropeBase, default: d.ropeBase))
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case vocabSize, dModel, heads, layers, mlpHidden, position, norm, tiedHead, maxPositions, ropeBase
        static var allNames: [String] { allCases.map(\.rawValue) }
    }
}

extension TaskSpec {
    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, known: CodingKeys.allNames, in: "task")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = TaskSpec(kind: .copy)
        self.init(
            kind: try c.value(.kind, default: d.kind), parityVariant: try c.value(.parityVariant, default: d.parityVariant),
            minLength: try c.value(.minLength, default: d.minLength),
            maxLength: try c.value(.maxLength, default: d.maxLength))
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, parityVariant, minLength, maxLength
        static var allNames: [String] { allCases.map(\.rawValue) }
    }
}

extension TrainingOptions {
    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, known: CodingKeys.allNames, in: "training")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        batchSize = try c.value(.batchSize, default: batchSize)
        steps = try c.value(.steps, default: steps)
        learningRate = try c.value(.learningRate, default: learningRate)
        warmupSteps = try c.value(.warmupSteps, default: warmupSteps)
        minLearningRateFraction = try c.value(.minLearningRateFraction, default: minLearningRateFraction)
        weightDecay = try c.value(.weightDecay, default: weightDecay)
        beta1 = try c.value(.beta1, default: beta1)
        beta2 = try c.value(.beta2, default: beta2)
        epsilon = try c.value(.epsilon, default: epsilon)
        clipNorm = try c.value(.clipNorm, default: clipNorm)
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case batchSize, steps, learningRate, warmupSteps, minLearningRateFraction, weightDecay, beta1, beta2
        case epsilon, clipNorm
        static var allNames: [String] { allCases.map(\.rawValue) }
    }
}

extension RunConfig {
    /// Decodes a partial run configuration: absent sections and fields take their defaults.
    public init(from decoder: any Decoder) throws {
        try rejectUnknownKeys(decoder, known: CodingKeys.allNames, in: "run configuration")
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            model: try c.value(.model, default: TransformerConfig()),
            task: try c.value(.task, default: TaskSpec(kind: .copy)),
            training: try c.value(.training, default: TrainingOptions()))
    }
    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, task, training
        static var allNames: [String] { allCases.map(\.rawValue) }
    }
}
