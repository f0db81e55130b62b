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

    /// The rows of one section, e.g. `"critical"`; a missing or malformed section is an error,
    /// not an empty loop that passes.
    func rows(_ section: String) throws -> [Row] {
        guard let rows = root[section] as? [[String: Any]] else {
            throw FixtureError("theory.json has no section \"\(section)\" (a list of objects); run scripts/make_theory_fixtures.py")
        }
        return rows.map(Row.init)
    }
}

struct FixtureMissing: Error, CustomStringConvertible {
    var description: String { "missing Fixtures/theory.json; run scripts/make_theory_fixtures.py" }
}

/// A malformed fixture: a missing section or field, or text that does not parse.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// One fixture row: exact decimal inputs and 60-digit reference outputs, all as text.
struct Row: CustomStringConvertible {
    let fields: [String: Any]
    init(_ fields: [String: Any]) { self.fields = fields }

    /// The text of a field (an integer field as its decimal text); a missing field is an error.
    subscript(_ key: String) -> String {
        get throws {
            if let s = fields[key] as? String { return s }
            if let n = fields[key] as? Int { return String(n) }
            throw FixtureError("no text field \"\(key)\" in fixture row \(self)")
        }
    }
    func int(_ key: String) throws -> Int {
        guard let n = fields[key] as? Int else { throw FixtureError("no integer field \"\(key)\" in fixture row \(self)") }
        return n
    }
    func bool(_ key: String) throws -> Bool {
        guard let b = fields[key] as? Bool else { throw FixtureError("no boolean field \"\(key)\" in fixture row \(self)") }
        return b
    }
    /// Absent or JSON null (the generator omits a root that does not exist when no γ fits).
    func isNull(_ key: String) -> Bool { fields[key] == nil || fields[key] is NSNull }
    var description: String { fields.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ") }
}

/// Working precision of the certified checks.
let bits = 256

// Fixture text that does not parse is a thrown error (the test fails, naming the text), not a
// crash of the whole test process.
func exact(_ text: String) throws -> BigRational { try BigRational(parsing: text) }
func enclosure(_ text: String, precision: Int = bits) throws -> Interval { try Interval(exact(text), precision: precision) }
func float256(_ text: String) throws -> BigFloat { try BigFloat(exact(text), precision: bits) }
func double(_ text: String) throws -> Double {
    guard let x = Double(text) else { throw FixtureError("\"\(text)\" is not a Double") }
    return x
}
func float(_ text: String) throws -> Float {
    guard let x = Float(text) else { throw FixtureError("\"\(text)\" is not a Float") }
    return x
}

/// The fixture values carry 60 significant digits computed at 60 digits working precision, so
/// they are within a few units of the 57th digit of the truth; an enclosure at 256 bits (77
/// digits) is checked against the reference widened by that much, and must itself be far
/// narrower (so that a wide, vacuous enclosure fails).
func expectEncloses(
    _ x: Interval, _ reference: String, _ context: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let r: BigRational, tiny: BigRational, loose: BigRational, tight: BigRational
    do {
        r = try exact(reference)
        (tiny, loose, tight) = (try exact("1e-70"), try exact("1e-55"), try exact("1e-65"))
    } catch {
        Issue.record("unreadable reference \"\(reference)\": \(error) (\(context()))", sourceLocation: sourceLocation)
        return
    }
    // Relative tolerances, so that a tiny reference (a root of 1e-87) gets a tiny tolerance; an
    // exact 0 gets an absolute one.
    let zero = r.signum == 0
    let slack = zero ? tiny : r.magnitude * loose
    guard let lower = x.lower.exactRational, let upper = x.upper.exactRational else {
        Issue.record("unbounded enclosure \(x) for \(context())", sourceLocation: sourceLocation)
        return
    }
    #expect(lower <= r + slack && r - slack <= upper, "\(x) misses \(reference) (\(context()))", sourceLocation: sourceLocation)
    #expect(upper - lower <= (zero ? tiny : r.magnitude * tight), "\(x) is too wide (\(context()))", sourceLocation: sourceLocation)
}

/// |value − reference| <= tolerance · max(1, |reference|).
func expectClose(
    _ value: Double, _ reference: String, tolerance: Double, _ context: @autoclosure () -> String,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let r = Double(reference) else {
        Issue.record("unreadable reference \"\(reference)\" (\(context()))", sourceLocation: sourceLocation)
        return
    }
    #expect(value.isFinite && abs(value - r) <= tolerance * max(1, abs(r)),
            "\(value) vs \(reference) (\(context()))", sourceLocation: sourceLocation)
}
