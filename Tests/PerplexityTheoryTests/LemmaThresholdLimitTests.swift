import Testing
import MultiPrecision
import PerplexityTheory

/// n′ is an Int: when it would not fit in 64 bits lemmaThreshold throws a ParameterError naming
/// the parameter that made it huge, instead of trapping on a conversion.
@Suite struct LemmaThresholdLimitTests {
    let margin = try! BigRational(parsing: "0.2"), floor = try! BigRational(parsing: "0.001"), xi = try! BigRational(parsing: "0.1")

    /// δ below 1/Int.max makes ⌊1/δ⌋ + 1 too large; a tiny ξ makes ⌈−2 log ε / ξ⌉ + 1 too large.
    @Test("n′ beyond 64 bits is a typed error for the parameter that made it huge", arguments: [
        ("delta", "0.1", "1e-19"), ("delta", "0.1", "1e-300"), ("delta", "0.1", "1e-100000"), ("delta", "0.1", "1/9223372036854775807"),
        ("xi", "1e-18", "0.01"), ("xi", "1e-300", "0.01"), ("xi", "1e-400", "0.01"), ("xi", "1e-100000", "0.01"),
    ])
    func beyond64Bits(_ parameter: String, _ x: String, _ d: String) throws {
        let (ξ, δ) = (try BigRational(parsing: x), try BigRational(parsing: d))
        do {
            _ = try lemmaThreshold(xi: ξ, margin: margin, floor: floor, delta: δ)
            Issue.record("xi = \(x), delta = \(d) was accepted")
        } catch {
            #expect(error.parameter == parameter, "\(error)")
            #expect(error.requirement.contains("64-bit"), "\(error)")
        }
    }

    @Test("the largest delta-driven n′ that fits is exact") func largestDelta() throws {
        // 1/δ just above Int.max − 1: ⌊1/δ⌋ = Int.max − 1, so the continuity length is Int.max.
        let delta = try BigRational(1, Int.max - 1) * (try BigRational(parsing: "0.9999999999999999999999"))
        let (t, _) = try lemmaThreshold(xi: xi, margin: margin, floor: floor, delta: delta)
        #expect(t.continuityLength == Int.max && t.threshold == Int.max)
        // 10^18 fits, and is exact (it would not survive a Double round trip plus one).
        let (u, _) = try lemmaThreshold(xi: xi, margin: margin, floor: floor, delta: try BigRational(parsing: "1e-18"))
        #expect(u.continuityLength == 1_000_000_000_000_000_001)
    }

    @Test("a dilution length beyond 2^53 is exact, not rounded through a Double") func exactDilution() throws {
        // −2 log(1/1000)/10^-16 = 1.3815510557964274…e17: n′ = 138155105579642743 (ceiling + 1).
        let (t, _) = try lemmaThreshold(xi: try BigRational(parsing: "1e-16"), margin: margin, floor: floor, delta: try BigRational(parsing: "0.01"))
        let value = (-2 * Interval.log(try Interval(floor, precision: 256))) / (try Interval(try BigRational(parsing: "1e-16"), precision: 256))
        let ceiling = try #require(value.upper.rounded(.up).exactRational)
        #expect(value.lower.rounded(.up).exactRational == ceiling)
        #expect(BigRational(t.dilutionLength) == ceiling + 1 && t.threshold == t.dilutionLength)
    }

    @Test("other extremes stay finite and in range", arguments: [
        ("1e-300", "0.001", "0.1", "0.01"), ("0.4999999999999", "0.001", "0.1", "1"), ("0.2", "1e-300", "0.1", "0.01"),
        ("0.2", "1e-100000", "0.1", "0.01"), ("0.2", "0.9999999999", "1e10000", "1"), ("1e-10000", "0.5", "1e-10000", "1"),
    ])
    func extremes(_ m: String, _ e: String, _ x: String, _ d: String) throws {
        let (ξ, margin, ε, δ) = (try BigRational(parsing: x), try BigRational(parsing: m), try BigRational(parsing: e), try BigRational(parsing: d))
        do {
            let (t, eta) = try lemmaThreshold(xi: ξ, margin: margin, floor: ε, delta: δ)
            #expect(t.threshold >= 2 && t.threshold == max(t.continuityLength, t.dilutionLength) && eta > 0)
        } catch {
            // Only a threshold beyond 64 bits may be refused, and then for xi.
            #expect(error.parameter == "xi" && error.requirement.contains("64-bit"), "\(error)")
        }
    }
}
