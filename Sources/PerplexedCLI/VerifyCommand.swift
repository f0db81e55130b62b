import ArgumentParser
import Foundation
import MultiPrecision
import Experiments
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
            every point of a grid; their proofs are algebraic (Proofs/). The exit status is 2 \
            if any verdict differs from the one the claim expects.

            The domain column says how much of each statement's whole domain the machine covers: \
            "full (machine)" (the box is the closure of the domain, edges included through edge \
            coordinates such as u = 1/(−log γ)), "full (factorised)" (an exact factorisation with \
            plainly signed factors decides the sign everywhere; an identity claim checks it) or \
            "part" (--details says what is covered and how the rest is proved).

            Examples:
              perplexed verify                       # the whole catalogue
              perplexed verify half-accuracy-raises-bar appendix-a-printed --details
              perplexed verify --list
            """
    )

    @Argument(help: "Claim ids to check (default: all). See --list.")
    var claims: [String] = []

    @Option(parsing: .unconditional, help: "Most boxes to evaluate per claim before giving up, 1…100000000.")
    var budget: Int = 400_000

    @Option(name: .customLong("time-limit"), parsing: .unconditional, help: "Seconds per claim before giving up, in (0, 86400].", transform: exactNumber)
    var timeLimit: BigRational?

    @Option(parsing: .unconditional, help: "Binary precision of the box evaluations (counterexamples are re-checked at 4x).")
    var precision: Int = 128

    @Option(help: "Output format: text or json.")
    var format: TableFormat = .text

    @Flag(help: "Print each claim's statement, box, domain covered, edge handling, proof file and counterexample.")
    var details = false

    @Flag(help: "List the claims and exit.")
    var list = false

    /// The library's configuration with these arguments.
    var verification: VerificationConfiguration {
        VerificationConfiguration(claims: claims, budget: budget, timeLimit: timeLimit?.doubleApproximation, precision: precision)
    }

    func validate() throws {
        if let timeLimit { try require(timeLimit > 0 && timeLimit <= 86400, "--time-limit", "in (0, 86400] seconds", timeLimit) }
        try flagged { try verification.validate() }
        guard format == .text || format == .json else { throw ValidationError("--format must be text or json for verify, got \(format.rawValue)") }
        do { _ = try Verification.selectedClaims(verification) } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        if list {
            for claim in Catalogue.all(precision: precision) { print("\(claim.id)  (expected \(claim.expected.rawValue))\n    \(claim.statement)") }
            return
        }
        let interactive = isatty(STDERR_FILENO) != 0
        let result = try await Verification.run(verification) { progress in
            if interactive { FileHandle.standardError.write(Data((progress.message + "\r").utf8)) }
        }
        if interactive { FileHandle.standardError.write(Data((String(repeating: " ", count: 60) + "\r").utf8)) }
        switch format {
        case .json:
            print(result.json().rendered())
        default:
            if details { for entry in result.entries { print(result.details(entry)) } }
            print(result.text(), terminator: "")
        }
        if result.failures > 0 { throw ExitCode(2) }
    }
}
