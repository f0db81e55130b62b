import MultiPrecision
import PerplexityTheory

/// The truth of a condition on a box, as far as interval evaluation can tell.
public enum Truth: Sendable, Equatable {
    /// True at every point of the box.
    case holds
    /// False at every point of the box.
    case fails
    /// The enclosures cannot decide: split the box.
    case unknown
}

/// A condition on the enclosure of f over a box: f > 0, f >= 0, or a conjunction.
public indirect enum Condition: Sendable {
    /// f > 0 everywhere.
    case positive(Interval)
    /// f >= 0 everywhere.
    case nonNegative(Interval)
    /// f < 0 everywhere.
    case negative(Interval)
    /// f = 0: the enclosure contains 0 and is narrower than the tolerance (identities, grid mode).
    case zero(Interval, tolerance: BigRational)
    /// Every part holds.
    case all([Condition])

    /// Decides the condition from the enclosures.
    public var truth: Truth {
        switch self {
        // The endpoint tests read the ends in place (copies of `lower`/`upper` would allocate on every box).
        case .positive(let f):
            guard f.isUsable else { return .unknown }
            if f.isCertainlyPositive { return .holds }
            return f.isCertainlyNonPositive ? .fails : .unknown
        case .nonNegative(let f):
            guard f.isUsable else { return .unknown }
            if f.isCertainlyNonNegative { return .holds }
            return f.isCertainlyNegative ? .fails : .unknown
        case .negative(let f):
            guard f.isUsable else { return .unknown }
            if f.isCertainlyNegative { return .holds }
            return f.isCertainlyNonNegative ? .fails : .unknown
        case .zero(let f, let tolerance):
            guard f.isUsable else { return .unknown }
            if f.lower > 0 || f.upper < 0 { return .fails }
            guard let width = f.width.exactRational else { return .unknown }
            return width <= tolerance ? .holds : .unknown
        case .all(let parts):
            var result = Truth.holds
            for part in parts {
                switch part.truth {
                case .fails: return .fails
                case .unknown: result = .unknown
                case .holds: break
                }
            }
            return result
        }
    }

    /// The enclosures, for counterexample reports.
    public var values: [Interval] {
        switch self {
        case .positive(let f), .nonNegative(let f), .negative(let f), .zero(let f, _): return [f]
        case .all(let parts): return parts.flatMap(\.values)
        }
    }
}

/// The verdict a claim is expected to get.
public enum ExpectedVerdict: String, Sendable, Codable {
    /// Every box decided true.
    case proved
    /// A certified counterexample exists.
    case refuted
    /// An identity, checked pointwise: at every grid point the enclosure is consistent and narrow.
    case checked
}

/// How a claim is checked.
public enum CheckMode: Sendable {
    /// Interval evaluation on boxes with bisection: a proof when every box is decided.
    case boxes
    /// Evaluation at the points of a grid with `perSide` points per variable. Used for identities
    /// (f = 0), which interval evaluation on a box cannot prove because both sides widen alike;
    /// their proof is algebraic (see the claim's Proofs/ file).
    case grid(perSide: Int)
}

/// How much of a claim's full domain its machine checks cover.
public enum DomainCoverage: Sendable, Equatable {
    /// The statement's domain is the box itself, so the machine verdict covers all of it.
    case machine
    /// The whole open domain, by an exact factorisation: the claim's quantity equals a product
    /// (or quotient) of factors whose signs are plain on the whole domain (`signs`), by an
    /// identity proved algebraically in the claim's Proofs/ file and checked by machine at grid
    /// points reaching the domain's edges by the identity claim `identity`. The box verdict then
    /// checks the library's implementation, not the result.
    case factorised(identity: String, signs: String)
    /// Part of the domain: `covered` by machine, and why and how the `remainder` is covered by hand.
    case part(covered: String, remainder: String)

    /// `full (machine)`, `full (factorised)` or `part`: the domain column of `perplexed verify`.
    public var label: String {
        switch self {
        case .machine: return "full (machine)"
        case .factorised: return "full (factorised)"
        case .part: return "part"
        }
    }

    /// Whether the machine checks cover the whole domain.
    public var isFull: Bool {
        if case .part = self { return false }
        return true
    }
}

/// A statement about every point of a box of parameters, checkable by interval subdivision.
public struct Claim: Sendable {
    /// A short stable identifier (`half-accuracy`, `appendix-a-printed`, …).
    public let id: String
    /// The statement in words.
    public let statement: String
    /// The statement in symbols.
    public let symbols: String
    /// The parameters and their ranges.
    public let variables: [Variable]
    /// The verdict the project expects.
    public let expected: ExpectedVerdict
    /// How degenerate edges of the domain are handled (sub-boxes, monotonicity arguments).
    public let edges: String
    /// The Proofs/ file that states and proves the result.
    public let proof: String
    /// Boxes or a grid of points.
    public let mode: CheckMode
    /// The statement's full domain in words (for example "0 < γ < 1/2, 0 < s < 1"). The machine
    /// check covers only ``variables``' box; ``edges`` says how the rest is covered.
    public let fullDomain: String
    /// What the box's variables mean when they reparametrise the statement's own (for example
    /// "a = 1 − γ(1 − u)"); nil when the variables are the statement's.
    public let boxMeaning: String?
    /// Exact quantities derived from a point of the box that a reader needs to judge a
    /// counterexample (for example the floor ε when the box is parametrised by a fraction of it).
    public let derived: (@Sendable ([BigRational]) -> [(name: String, value: BigRational)])?
    /// How much of ``fullDomain`` the machine checks cover (``DomainCoverage``).
    public let domain: DomainCoverage
    /// Evaluates the condition on enclosures of the variables.
    public let condition: @Sendable ([Interval]) throws -> Condition

    public init(
        id: String, statement: String, symbols: String, variables: [Variable], fullDomain: String,
        boxMeaning: String? = nil, expected: ExpectedVerdict, edges: String, proof: String, mode: CheckMode = .boxes,
        derived: (@Sendable ([BigRational]) -> [(name: String, value: BigRational)])? = nil,
        domain: DomainCoverage? = nil,
        condition: @escaping @Sendable ([Interval]) throws -> Condition
    ) {
        self.fullDomain = fullDomain
        self.boxMeaning = boxMeaning
        self.derived = derived
        self.mode = mode
        self.id = id
        self.statement = statement
        self.symbols = symbols
        self.variables = variables
        self.expected = expected
        self.edges = edges
        self.proof = proof
        self.condition = condition
        self.domain = domain ?? .part(covered: "the box", remainder: "by hand in \(proof.isEmpty ? "the claim's proof" : proof)")
    }

    /// The box the machine check covers, compactly: `γ ∈ [1/100, 49/100], s ∈ [1/100, 99/100]`.
    public var box: String {
        variables.map { "\($0.name) ∈ [\($0.lower), \($0.upper)]" }.joined(separator: ", ")
            + (boxMeaning.map { " (\($0))" } ?? "")
    }

    /// What the verdict covers, in words: the box for boxes, the grid for identities, and how
    /// the rest of the full domain is covered (``domain``).
    public var coverage: String {
        let verdict: String
        switch (mode, expected) {
        case (.grid(let perSide), _): verdict = "checked at \(perSide)^\(variables.count) grid points of the box"
        case (.boxes, .refuted): verdict = "searched for a counterexample on the box"
        case (.boxes, _): verdict = "proved by interval subdivision on the box"
        }
        switch domain {
        case .machine:
            return verdict + ", which is the statement's whole domain (\(fullDomain))"
        case .factorised(let identity, let signs):
            return verdict + "; the whole domain (\(fullDomain)) by an exact factorisation that decides the sign: \(signs) "
                + "(identity proved in \(proof), checked by machine by \(identity))"
        case .part(let covered, let remainder):
            return verdict + "; covered: \(covered); the rest of the domain (\(fullDomain)): \(remainder)"
        }
    }
}
