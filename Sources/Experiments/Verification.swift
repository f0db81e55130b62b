import Foundation
import MultiPrecision
import Prover
import Reporting

/// Which claims of the catalogue to check, and the prover's budget. The defaults are `perplexed verify`'s.
public struct VerificationConfiguration: Sendable, Equatable {
    /// Claim ids to check (empty: the whole catalogue). Default: empty.
    public var claims: [String]
    /// Most boxes to evaluate per claim before giving up (1…100000000). Default: 400,000.
    public var budget: Int
    /// Seconds per claim before giving up (> 0; nil: no limit). Default: nil.
    public var timeLimit: Double?
    /// Binary precision of the box evaluations, in 16…4096 (counterexamples are re-checked at 4×). Default: 128.
    public var precision: Int

    /// A check of `claims` (all when empty) with the given budget.
    public init(claims: [String] = [], budget: Int = 400_000, timeLimit: Double? = nil, precision: Int = 128) {
        self.claims = claims
        self.budget = budget
        self.timeLimit = timeLimit
        self.precision = precision
    }

    /// Throws the first setting outside its range; unknown claim ids are ``VerificationError``s of ``Verification/run(_:progress:)``.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require((1...100_000_000).contains(budget), "budget", "must be in 1…100000000 boxes", budget)
        if let timeLimit { try ConfigurationError.require(timeLimit > 0, "timeLimit", "must be > 0 seconds", timeLimit) }
        try ConfigurationError.require((16...4096).contains(precision), "precision", "must be in 16…4096 bits for the prover", precision)
    }
}

/// Claim ids that are not in the catalogue.
public struct VerificationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The ids given that the catalogue lacks, in the order given.
    public let unknown: [String]
    /// Every id of the catalogue, sorted.
    public let known: [String]

    /// The named ids, the closest known id to each misspelt one, and where the whole list is
    /// (the catalogue outgrew one error line).
    public var description: String {
        let suggestions = unknown.compactMap { id in Self.closest(to: id, in: known).map { "'\($0)' for '\(id)'" } }
        return "unknown claim id \(unknown.map { "'\($0)'" }.joined(separator: ", "))"
            + (suggestions.isEmpty ? "" : "; did you mean \(suggestions.joined(separator: ", "))?")
            + "; `perplexed verify --list` lists the \(known.count) claims"
    }

    /// The known id nearest to `id` by edit distance, if it is at most a third of `id`'s length
    /// (a typo, not a different word).
    static func closest(to id: String, in known: [String]) -> String? {
        let target = Array(id)
        func distance(_ other: String) -> Int {
            let other = Array(other)
            var previous = Array(0...other.count)
            for (i, a) in target.enumerated() {
                var current = [i + 1]
                for (j, b) in other.enumerated() {
                    current.append(Swift.min(previous[j + 1] + 1, current[j] + 1, previous[j] + (a == b ? 0 : 1)))
                }
                previous = current
            }
            return previous[other.count]
        }
        guard !target.isEmpty, target.count <= 100,
              let best = known.map({ ($0, distance($0)) }).min(by: { $0.1 < $1.1 }), best.1 * 3 <= target.count else { return nil }
        return best.0
    }
}

/// The prover's verdict on each selected claim of the catalogue, with its time and whether it is the expected one.
public struct Verification: Sendable {
    /// One checked claim.
    public struct Entry: Sendable {
        /// The claim.
        public let claim: Claim
        /// The prover's verdict.
        public let verdict: Verdict
        /// Wall-clock seconds of the check.
        public let seconds: Double
        /// Whether the verdict is the one the claim expects.
        public var asExpected: Bool { verdict.matches(claim.expected) }
    }

    /// The settings the check ran with.
    public let configuration: VerificationConfiguration
    /// The checked claims, in catalogue order.
    public let entries: [Entry]

    /// Verdicts that differ from the expected ones.
    public var failures: Int { entries.filter { !$0.asExpected }.count }

    /// The catalogue's claims at `configuration`'s precision, filtered to its ids; throws on an unknown id.
    public static func selectedClaims(_ configuration: VerificationConfiguration) throws(VerificationError) -> [Claim] {
        let catalogue = Catalogue.all(precision: configuration.precision)
        let known = Set(catalogue.map(\.id))
        let unknown = configuration.claims.filter { !known.contains($0) }
        guard unknown.isEmpty else { throw VerificationError(unknown: unknown, known: known.sorted()) }
        return configuration.claims.isEmpty ? catalogue : catalogue.filter { configuration.claims.contains($0.id) }
    }

    /// Checks every selected claim, reporting a step ("checking id…") before each.
    public static func run(_ configuration: VerificationConfiguration, progress: (ExperimentProgress) -> Void = { _ in }) async throws -> Verification {
        try configuration.validate()
        let selected = try selectedClaims(configuration)
        let prover = Prover(budget: ProverBudget(boxes: configuration.budget, seconds: configuration.timeLimit, precision: configuration.precision))
        var entries: [Entry] = []
        for (i, claim) in selected.enumerated() {
            progress(ExperimentProgress(.step, "checking \(claim.id)…", completed: i, total: selected.count))
            let start = Date()
            let verdict = await prover.check(claim)
            entries.append(Entry(claim: claim, verdict: verdict, seconds: Date().timeIntervalSince(start)))
        }
        return Verification(configuration: configuration, entries: entries)
    }

    /// One row per claim: expected and actual verdict, the domain covered, the box, boxes, bits, seconds, ok.
    public func table() -> Table {
        var table = Table(columns: ["claim", "expected", "verdict", "domain", "on the box", "boxes", "bits", "seconds", "ok"], numericColumns: [5, 6, 7])
        for e in entries {
            table.append([e.claim.id, e.claim.expected.rawValue, e.verdict.name, e.claim.domain.label, e.claim.box, "\(e.verdict.boxes)",
                          "\(configuration.precision)", String(format: "%.2f", e.seconds), e.asExpected ? "yes" : "NO"])
        }
        return table
    }

    /// The settings, the failure count and every claim's record as JSON.
    public func json() -> JSONValue {
        .object([("precision", .number("\(configuration.precision)")), ("budget", .number("\(configuration.budget)")),
                 ("failures", .number("\(failures)")), ("claims", .array(entries.map(Self.record)))])
    }

    /// The table, the note on what the machine verdicts cover, and the summary line.
    public func text() -> String {
        table().rendered(as: .text) + """

            A verdict covers the box printed for its claim ("checked" identities: a grid of its \
            points). The domain column says how much of the statement's whole domain the machine \
            covers: "full (machine)" when the box is the whole domain; "full (factorised)" when an \
            exact factorisation with plainly signed factors decides the sign everywhere, its identity \
            proved by hand and checked by machine at grid points reaching the domain's edges; "part" \
            when the rest is proved by hand. `--details` says which part and why.

            """ + (failures == 0 ? "\nAll \(entries.count) verdicts as expected." : "\n\(failures) verdict(s) differ from the expected ones.") + "\n"
    }

    /// A counterexample's point, derived values and certified values as JSON.
    static func counterexampleJSON(_ c: Counterexample) -> JSONValue {
        .object([
            ("point", .object(c.point.map { ($0.name, .string($0.value.description)) })),
            ("derived", .object(c.derived.map { ($0.name, .string($0.value.description)) })),
            ("values", .array(c.values.map { v in
                let (lo, hi) = (try? v.decimalBounds(digits: 20)) ?? ("nan", "nan")
                return .object([("lower", .string(lo)), ("upper", .string(hi))])
            })),
            ("precision", .number("\(c.precision)")),
        ])
    }

    /// How much of the domain the machine covers, as JSON: `full_machine`, `full_factorised` (with the
    /// identity claim and the factors' signs) or `part` (with what is covered and how the rest is).
    static func domainJSON(_ domain: DomainCoverage) -> JSONValue {
        switch domain {
        case .machine: return .object([("coverage", .string("full_machine"))])
        case .factorised(let identity, let signs):
            return .object([("coverage", .string("full_factorised")), ("identity", .string(identity)), ("signs", .string(signs))])
        case .part(let covered, let remainder):
            return .object([("coverage", .string("part")), ("covered", .string(covered)), ("remainder", .string(remainder))])
        }
    }

    /// One claim's statement, box, verdict and timing as JSON.
    static func record(_ e: Entry) -> JSONValue {
        let claim = e.claim
        var members: [(String, JSONValue)] = [
            ("id", .string(claim.id)), ("statement", .string(claim.statement)), ("symbols", .string(claim.symbols)),
            ("box", .object(claim.variables.map { ($0.name, .array([.string($0.lower.description), .string($0.upper.description)])) })),
            ("full_domain", .string(claim.fullDomain)), ("coverage", .string(claim.coverage)), ("domain", domainJSON(claim.domain)),
            ("expected", .string(claim.expected.rawValue)), ("verdict", .string(e.verdict.name)),
            ("boxes", .number("\(e.verdict.boxes)")), ("seconds", .double(e.seconds)), ("as_expected", .bool(e.asExpected)),
            ("edges", .string(claim.edges)), ("proof", .string(claim.proof)),
        ]
        if case .refuted(_, let c) = e.verdict { members.append(("counterexample", counterexampleJSON(c))) }
        return .object(members)
    }

    /// One claim in full: statement, symbols, box, domain, coverage, edges, proof file, and the
    /// counterexample or what is left undecided (for five-ten-points also the certified threshold brackets).
    public func details(_ e: Entry) -> String {
        let claim = e.claim, verdict = e.verdict
        var lines = ["", "\(claim.id): \(verdict.name) (expected \(claim.expected.rawValue))",
                     "  \(claim.statement)", "  \(claim.symbols)",
                     "  box: \(claim.box)", "  full domain: \(claim.fullDomain)", "  domain covered: \(claim.domain.label)",
                     "  coverage: \(claim.coverage)",
                     "  edges: \(claim.edges)", "  proof: \(claim.proof)"]
        switch verdict {
        case .refuted(_, let c):
            lines.append("  counterexample: " + c.point.map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
            if !c.derived.isEmpty {
                lines.append("  at which: " + c.derived.map { "\($0.name) = \($0.value)" }.joined(separator: ", "))
            }
            for v in c.values { lines.append("    value ∈ \((try? v.decimal(digits: 20)) ?? "nan")  (\(c.precision) bits)") }
        case .undecided(_, let remaining, let example):
            lines.append("  \(remaining) boxes left undecided" + (example.map { ", e.g. \($0)" } ?? ""))
        default: break
        }
        if claim.id == "five-ten-points" {
            for t in Catalogue.thresholdShifts(precision: configuration.precision) {
                let lo = (try? BigFloat(t.low, precision: 64).decimal(digits: 12, rounding: .down)) ?? "?"
                let hi = (try? BigFloat(t.high, precision: 64).decimal(digits: 12, rounding: .up)) ?? "?"
                lines.append("  γ = \(t.gamma), τ = \(t.tau): a′ − 1/2 > τ exactly for s > s* ∈ [\(lo), \(hi)]")
            }
        }
        return lines.joined(separator: "\n")
    }
}
