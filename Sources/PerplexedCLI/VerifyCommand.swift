import ArgumentParser
import Foundation
import MultiPrecision
import Prover
import Reporting

/// `perplexed verify`: proves or refutes the catalogue of claims with interval subdivision.
struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Prove (or refute with a certified counterexample) the paper's claims by interval subdivision.",
        discussion: """
            Each claim is an inequality over a box of parameters. The prover evaluates it on boxes \
            with outward-rounded interval arithmetic, splits undecided boxes, and ends with \
            "proved" (every box decided), "refuted" (a point where it fails, re-checked at four \
            times the precision) or "undecided" (budget exhausted). Identities are "checked" at \
            every point of a grid; their proofs are algebraic (Proofs/). The exit code is \
            non-zero if any verdict differs from the one the claim expects.

            Examples:
              perplexed verify                       # the whole catalogue
              perplexed verify half-accuracy-raises-bar appendix-a-printed --details
              perplexed verify --list
            """
    )

    @Argument(help: "Claim ids to check (default: all). See --list.")
    var claims: [String] = []

    @Option(help: "Most boxes to evaluate per claim before giving up (>= 1).")
    var budget: Int = 400_000

    @Option(name: .customLong("time-limit"), help: "Seconds per claim before giving up (> 0).")
    var timeLimit: Double?

    @Option(help: "Binary precision of the box evaluations (counterexamples are re-checked at 4x).")
    var precision: Int = 128

    @Option(help: "Output format: text or json.")
    var format: TableFormat = .text

    @Flag(help: "Print each claim's statement, box, edge handling, proof file and counterexample.")
    var details = false

    @Flag(help: "List the claims and exit.")
    var list = false

    func validate() throws {
        guard budget >= 1 else { throw ValidationError("--budget must be at least 1 box, got \(budget)") }
        if let timeLimit, !(timeLimit > 0) { throw ValidationError("--time-limit must be > 0 seconds, got \(timeLimit)") }
        guard (16...4096).contains(precision) else { throw ValidationError("--precision must be in 16…4096 bits for the prover, got \(precision)") }
        guard format == .text || format == .json else { throw ValidationError("--format must be text or json for verify, got \(format.rawValue)") }
        let known = Set(Catalogue.all(precision: 64).map(\.id))
        let unknown = claims.filter { !known.contains($0) }
        guard unknown.isEmpty else {
            throw ValidationError("unknown claim id \(unknown.map { "'\($0)'" }.joined(separator: ", ")); known ids: \(known.sorted().joined(separator: ", "))")
        }
    }

    func run() async throws {
        let catalogue = Catalogue.all(precision: precision)
        if list {
            for claim in catalogue { print("\(claim.id)  (expected \(claim.expected.rawValue))\n    \(claim.statement)") }
            return
        }
        let selected = claims.isEmpty ? catalogue : catalogue.filter { claims.contains($0.id) }
        let prover = Prover(budget: ProverBudget(boxes: budget, seconds: timeLimit, precision: precision))
        var table = Table(columns: ["claim", "expected", "verdict", "on the box", "boxes", "bits", "seconds", "ok"], numericColumns: [4, 5, 6])
        var records: [JSONValue] = []
        var failures = 0
        let interactive = isatty(STDERR_FILENO) != 0
        for claim in selected {
            let start = Date()
            if interactive { FileHandle.standardError.write(Data("checking \(claim.id)…\r".utf8)) }
            let verdict = await prover.check(claim)
            let seconds = Date().timeIntervalSince(start)
            let ok = verdict.matches(claim.expected)
            if !ok { failures += 1 }
            table.append([claim.id, claim.expected.rawValue, verdict.name, claim.box, "\(verdict.boxes)", "\(precision)", String(format: "%.2f", seconds), ok ? "yes" : "NO"])
            records.append(record(claim, verdict, seconds: seconds, ok: ok))
            if details && format == .text { print(describe(claim, verdict)) }
        }
        if interactive { FileHandle.standardError.write(Data((String(repeating: " ", count: 60) + "\r").utf8)) }
        switch format {
        case .json:
            print(JSONValue.object([("precision", .number("\(precision)")), ("budget", .number("\(budget)")),
                                    ("failures", .number("\(failures)")), ("claims", .array(records))]).rendered())
        default:
            print(table.rendered(as: .text), terminator: "")
            print("""

                Machine verdicts cover only the box printed for each claim ("checked" identities: a grid \
                of its points). The full open domain of each statement is proved by hand in the Proofs/ \
                file that `--details` names.
                """)
            print(failures == 0 ? "\nAll \(selected.count) verdicts as expected." : "\n\(failures) verdict(s) differ from the expected ones.")
        }
        if failures > 0 { throw ExitCode(1) }
    }

    func counterexampleJSON(_ c: Counterexample) -> JSONValue {
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

    func record(_ claim: Claim, _ verdict: Verdict, seconds: Double, ok: Bool) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("id", .string(claim.id)), ("statement", .string(claim.statement)), ("symbols", .string(claim.symbols)),
            ("box", .object(claim.variables.map { ($0.name, .array([.string($0.lower.description), .string($0.upper.description)])) })),
            ("full_domain", .string(claim.fullDomain)), ("coverage", .string(claim.coverage)),
            ("expected", .string(claim.expected.rawValue)), ("verdict", .string(verdict.name)),
            ("boxes", .number("\(verdict.boxes)")), ("seconds", .double(seconds)), ("as_expected", .bool(ok)),
            ("edges", .string(claim.edges)), ("proof", .string(claim.proof)),
        ]
        if case .refuted(_, let c) = verdict { members.append(("counterexample", counterexampleJSON(c))) }
        return .object(members)
    }

    func describe(_ claim: Claim, _ verdict: Verdict) -> String {
        var lines = ["", "\(claim.id): \(verdict.name) (expected \(claim.expected.rawValue))",
                     "  \(claim.statement)", "  \(claim.symbols)",
                     "  box: \(claim.box)", "  full domain: \(claim.fullDomain)", "  coverage: \(claim.coverage)",
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
            for t in Catalogue.thresholdShifts(precision: precision) {
                let lo = (try? BigFloat(t.low, precision: 64).decimal(digits: 12, rounding: .down)) ?? "?"
                let hi = (try? BigFloat(t.high, precision: 64).decimal(digits: 12, rounding: .up)) ?? "?"
                lines.append("  γ = \(t.gamma), τ = \(t.tau): a′ − 1/2 > τ exactly for s > s* ∈ [\(lo), \(hi)]")
            }
        }
        return lines.joined(separator: "\n")
    }
}
