import Foundation
import Testing
import MultiPrecision

/// The mpmath fixtures (scripts/make_theory_fixtures.py), decoded once per use.
struct Fixtures {
    let root: [String: Any]

    static func load() throws -> Fixtures {
        guard let url = Bundle.module.url(forResource: "Fixtures/theory", withExtension: "json") else {
            throw FixtureMissing()
        }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let root = object as? [String: Any] else { throw FixtureMissing() }
        return Fixtures(root: root)
    }

    /// The rows of one section, e.g. `"critical"`.
    func rows(_ section: String) -> [Row] {
        ((root[section] as? [[String: Any]]) ?? []).map(Row.init)
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    var description: String { "missing Fixtures/theory.json; run scripts/make_theory_fixtures.py" }
}

/// One fixture row: exact decimal inputs and 60-digit reference outputs, all as text.
struct Row: CustomStringConvertible {
    let fields: [String: Any]
    init(_ fields: [String: Any]) { self.fields = fields }

    subscript(_ key: String) -> String {
        if let s = fields[key] as? String { return s }
        if let n = fields[key] as? Int { return String(n) }
        return "nan"
    }
    func int(_ key: String) -> Int { fields[key] as? Int ?? -1 }
    func isNull(_ key: String) -> Bool { fields[key] == nil || fields[key] is NSNull }
    var description: String { fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
}

/// Working precision of the certified checks.
let bits = 256

func exact(_ text: String) -> BigRational { try! BigRational(parsing: text) }
func enclosure(_ text: String, precision: Int = bits) -> Interval { try! Interval(exact(text), precision: precision) }
func float256(_ text: String) -> BigFloat { try! BigFloat(exact(text), precision: bits) }
func double(_ text: String) -> Double { Double(text)! }
func float(_ text: String) -> Float { Float(text)! }

/// The fixture values carry 60 significant digits computed at 60 digits working precision, so
/// they are within a few units of the 57th digit of the truth; an enclosure at 256 bits (77
/// digits) is checked against the reference widened by that much, and must itself be far
/// narrower (so that a wide, vacuous enclosure fails).
func expectEncloses(
    _ x: Interval, _ reference: String, _ context: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let r = exact(reference)
    // Relative tolerances, so that a tiny reference (a root of 1e-87) gets a tiny tolerance; an
    // exact 0 gets an absolute one.
    let zero = r.signum == 0
    let slack = zero ? exact("1e-70") : r.magnitude * exact("1e-55")
    guard let lower = x.lower.exactRational, let upper = x.upper.exactRational else {
        Issue.record("unbounded enclosure \(x) for \(context())", sourceLocation: sourceLocation)
        return
    }
    #expect(lower <= r + slack && r - slack <= upper, "\(x) misses \(reference) (\(context()))", sourceLocation: sourceLocation)
    #expect(upper - lower <= (zero ? exact("1e-70") : r.magnitude * exact("1e-65")), "\(x) is too wide (\(context()))", sourceLocation: sourceLocation)
}

/// |value − reference| <= tolerance · max(1, |reference|).
func expectClose(
    _ value: Double, _ reference: String, tolerance: Double, _ context: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let r = Double(reference)!
    #expect(value.isFinite && abs(value - r) <= tolerance * max(1, abs(r)),
            "\(value) vs \(reference) (\(context()))", sourceLocation: sourceLocation)
}
