import Foundation
import ArgumentParser
import Experiments
import Gemma
import MultiPrecision
import PerplexityTheory
import Reporting

/// Parses a numeric argument exactly: "0.1" is 1/10, "3/7" is 3/7. Used as `transform:` so that
/// ArgumentParser reports the option's name together with the reason.
func exactNumber(_ text: String) throws -> BigRational {
    do {
        return try BigRational(parsing: text)
    } catch {
        throw ValidationError(error.description)
    }
}

/// Parses a comma-separated list of exact numbers ("0.1,0.2,1/3").
func exactNumberList(_ text: String) throws -> [BigRational] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    guard !parts.isEmpty, !text.isEmpty else { throw ValidationError("expected a comma-separated list of numbers, got an empty value") }
    return try parts.map { try exactNumber(String($0)) }
}

/// Parses a comma-separated list of integers ("16,32,64").
func integerList(_ text: String) throws -> [Int] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false)
    return try parts.map { part in
        guard let n = Int(part.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("expected a comma-separated list of integers, got '\(part)' in '\(text)'")
        }
        return n
    }
}

extension TableFormat: ExpressibleByArgument {}
extension GemmaWeightStorage: ExpressibleByArgument {}
extension RegionsConfiguration.Panels: ExpressibleByArgument {}

/// `--precision`, `--certified` and `--digits`, shared by every numeric subcommand.
struct NumericOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: "Binary precision in bits of the arbitrary-precision arithmetic (2…16777216).")
    var precision: Int = 256

    @Flag(help: "Print certified enclosures [lower, upper], rounded outward, instead of rounded values.")
    var certified = false

    @Option(parsing: .unconditional, help: "Significant decimal digits to print (1…1000).")
    var digits: Int = 20

    func validate() throws {
        guard Precision.range.contains(precision) else {
            throw ValidationError("--precision must be in \(Precision.range.lowerBound)…\(Precision.range.upperBound) bits, got \(precision)")
        }
        guard (1...1000).contains(digits) else {
            throw ValidationError("--digits must be in 1…1000, got \(digits)")
        }
    }

    /// An exact input as a value of the computation's type.
    func interval(_ r: BigRational) throws -> Interval { try Interval(r, precision: precision) }
    func float(_ r: BigRational) throws -> BigFloat { try BigFloat(r, precision: precision) }
}

/// How one computed quantity is shown: a rounded decimal, or an outward-rounded enclosure.
struct Rendered {
    /// For text and table cells.
    let text: String
    /// For JSON: a decimal string, or {"lower": …, "upper": …}.
    let json: JSONValue
}

extension NumericOptions {
    /// Renders a result computed either as a `BigFloat` or (certified) as an `Interval`.
    func render<T: PerplexityScalar>(_ value: T) -> Rendered {
        if let interval = value as? Interval {
            guard let (lo, hi) = try? interval.decimalBounds(digits: digits) else { return Rendered(text: "nan", json: .null) }
            return Rendered(text: "[\(lo), \(hi)]", json: .object([("lower", .string(lo)), ("upper", .string(hi))]))
        }
        if let float = value as? BigFloat {
            let text = (try? float.decimal(digits: digits)) ?? "nan"
            return Rendered(text: text, json: .string(text))
        }
        return Rendered(text: value.description, json: .string(value.description))
    }
}

/// Runs a computation at `precision` bits (as `--precision` gives it).
///
/// The inputs were checked exactly in `validate()`, so a computation that still fails (an
/// enclosure too wide to pass a range check, to separate a root, or to keep a logarithm's
/// argument positive) failed for want of precision, not for a wrong input. The failure then says
/// so and names the lowest doubling of the precision that decides, found by trying doublings up
/// to twice the precision given or 4096 bits, whichever is more (at most 65536 bits, so that the
/// search stays short).
func decided<R>(at precision: Int, _ body: (Int) throws -> R) throws -> R {
    do {
        return try body(precision)
    } catch {
        guard let reason = undecided(error), Precision.range.contains(precision) else { throw error }
        let ceiling = min(65536, Precision.range.upperBound, max(4096, 2 * precision))
        var higher = 2 * precision
        while higher <= ceiling {
            if (try? body(higher)) != nil {
                throw CommandFailure("--precision \(precision) is too low: \(reason); try --precision \(higher)")
            }
            higher *= 2
        }
        let tried = 2 * precision <= ceiling ? ", nor can any precision up to \(ceiling)" : ""
        throw CommandFailure("--precision \(precision) cannot decide\(tried): \(reason)")
    }
}

/// Why a computation on exactly checked inputs failed at its precision, or nil when `error` is
/// not a failure of precision.
private func undecided(_ error: any Error) -> String? {
    switch error {
    case let error as ParameterError where error.parameter == "precision":
        return "it must be \(error.requirement)"
    case let error as ParameterError:
        return "the rounded \(error.parameter) \(error.value) is not certainly \(error.requirement)"
    case RootError.undecided(let what):
        return "could not certify \(what)"
    case let error as MultiPrecisionError:
        switch error {
        case .domain, .divisionByZero, .notFinite: return error.description
        case .malformedNumber, .precisionOutOfRange, .digitsOutOfRange: return nil
        }
    default:
        return nil
    }
}
