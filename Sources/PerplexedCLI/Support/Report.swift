import ArgumentParser
import Experiments
import MultiPrecision
import PerplexityTheory
import Reporting

/// The result of a one-shot numeric subcommand: its exact inputs, its named results and notes,
/// rendered in any ``TableFormat``. In JSON a certified result is {"lower", "upper"} and a plain
/// one a decimal string; the other formats show a two-column (quantity, value) table.
struct Report {
    var title: String
    var inputs: [(String, String)] = []
    var results: [(String, Rendered)] = []
    var notes: [String] = []

    mutating func input(_ name: String, _ value: BigRational) { inputs.append((name, value.decimalText)) }
    mutating func input(_ name: String, _ value: Int) { inputs.append((name, String(value))) }
    mutating func result(_ name: String, _ value: Rendered) { results.append((name, value)) }
    mutating func result(_ name: String, text: String) { results.append((name, Rendered(text: text, json: .string(text)))) }
    mutating func result(_ name: String, _ value: Int) { results.append((name, Rendered(text: String(value), json: .number(String(value))))) }
    mutating func result(_ name: String, _ value: Bool) { results.append((name, Rendered(text: value ? "yes" : "no", json: .bool(value)))) }

    func rendered(as format: TableFormat) -> String {
        switch format {
        case .json:
            return JSONValue.object([
                ("inputs", .object(inputs.map { ($0.0, .string($0.1)) })),
                ("results", .object(results.map { ($0.0, $0.1.json) })),
                ("notes", .array(notes.map { .string($0) })),
            ]).rendered() + "\n"
        case .text:
            let width = (inputs.map(\.0) + results.map(\.0)).map(\.count).max() ?? 0
            func pad(_ s: String) -> String { s + String(repeating: " ", count: width - s.count) }
            var out = title + "\n"
            for (name, value) in inputs { out += "  \(pad(name))  \(value)\n" }
            out += "\n"
            for (name, value) in results { out += "  \(pad(name))  \(value.text)\n" }
            for note in notes { out += "\n" + note + "\n" }
            return out
        case .csv, .markdown, .latex:
            var table = Table(columns: ["quantity", "value"], caption: format == .csv ? nil : title)
            for (name, value) in inputs { table.append([name, value]) }
            for (name, value) in results { table.append([name, value.text]) }
            var out = table.rendered(as: format)
            if format == .markdown { for note in notes { out += "\n" + note + "\n" } }
            if format == .latex { for note in notes { out += "% " + note + "\n" } }
            return out
        }
    }
}

/// Range checks on exact command-line inputs, before any rounding, so the message quotes the
/// option and the value exactly as typed: `--gamma must be in (0, 1/2), got 0.5`.
func require(_ ok: Bool, _ option: String, _ requirement: String, _ value: BigRational) throws {
    guard ok else { throw ValidationError("\(option) must be \(requirement), got \(value.briefText)") }
}

func require(_ ok: Bool, _ option: String, _ requirement: String, _ value: Int) throws {
    guard ok else { throw ValidationError("\(option) must be \(requirement), got \(value)") }
}

/// Common ranges.
let half = try! BigRational(1, 2)

extension NumericOptions {
    /// Runs `body` in the chosen arithmetic: certified intervals or rounded BigFloats.
    /// A failure for want of precision names the precision that decides (see ``decided(at:_:)``).
    func compute(_ body: (any Arithmetic) throws -> Report) throws -> Report {
        try decided(at: precision) { bits in
            certified ? try body(IntervalArithmetic(precision: bits)) : try body(FloatArithmetic(precision: bits))
        }
    }
}

/// Makes numbers of one ``PerplexityScalar`` type from exact inputs; lets a command write its
/// computation once (as a generic function) and run it certified or not.
protocol Arithmetic {
    associatedtype Number: PerplexityScalar
    var precision: Int { get }
    func make(_ r: BigRational) throws -> Number
}

struct IntervalArithmetic: Arithmetic {
    let precision: Int
    func make(_ r: BigRational) throws -> Interval { try Interval(r, precision: precision) }
}

struct FloatArithmetic: Arithmetic {
    let precision: Int
    func make(_ r: BigRational) throws -> BigFloat { try BigFloat(r, precision: precision) }
}
