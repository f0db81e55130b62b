import Testing
import MultiPrecision

/// The decimal parser bounds its work up front: exponents beyond ±DecimalText.exponentLimit are
/// rejected before 10^|exponent| is built, while everything inside stays exact.
@Suite struct ParserLimitTests {
    @Test("exponents at the limit parse exactly") func atLimit() throws {
        #expect(DecimalText.exponentLimit == 100_000)
        let tiny = try BigRational(parsing: "1e-100000")
        #expect(tiny == BigRational(1) / BigRational(10).power(100_000))
        #expect(try BigRational(parsing: "2.5E+100000") == BigRational(25) * BigRational(10).power(99_999))
        #expect(try BigRational(parsing: "1e-00000000000000100000") == tiny)
        // The most extreme fixture reference (mpmath) parses exactly.
        let fixture = try BigRational(parsing: "1.46400615449632675935207086932683176353935421970127952503685e-13029")
        #expect(fixture * BigRational(10).power(13_029 + 59) == (try BigRational(parsing: "146400615449632675935207086932683176353935421970127952503685")))  // leading zeros are no exponent digits
        // Certified semantics are unchanged: 0.1 is exactly 1/10, 1e-3 is 1/1000.
        #expect(try BigRational(parsing: "0.1") == BigRational(1, 10))
        #expect(try BigRational(parsing: "1e-3") == BigRational(1, 1000))
        #expect(try BigRational(parsing: "3/7e1") == BigRational(3, 70))
    }

    @Test("exponents beyond the limit are rejected at once, naming the exponent and the limit", arguments: [
        ("1e-100001", "-100001"), ("1e+100001", "+100001"), ("1e100001", "+100001"), ("1e-999999", "-999999"), ("1e+999999", "+999999"),
        ("1e-999999999999", "-999999999999"), ("1e-99999999999999999999999999999999", "-99999999999999999999999999999999"),
        ("1/1e-999999", "-999999"), ("0.5e-0000999999", "-999999"),
    ])
    func beyondLimit(_ text: String, _ exponent: String) {
        let clock = ContinuousClock()
        let start = clock.now
        do {
            _ = try BigRational(parsing: text)
            Issue.record("\"\(text)\" was accepted")
        } catch {
            #expect(error.description.contains("\"\(text)\""), "the message must name the input: \(error)")
            #expect(error.description.contains("exponent \(exponent) is outside the supported range -100000…+100000"), "\(error)")
        }
        #expect(throws: MultiPrecisionError.self) { try BigFloat(parsing: text, precision: 64) }
        #expect(throws: MultiPrecisionError.self) { try Interval(parsing: text, precision: 64) }
        #expect(clock.now - start < .seconds(1), "\(text) took \(clock.now - start)")
    }

    @Test("an exponent of any length is cut short, not accumulated") func endlessExponent() {
        let text = "1e-" + String(repeating: "9", count: 100_000)
        do {
            _ = try BigRational(parsing: text)
            Issue.record("a 100,000-digit exponent was accepted")
        } catch {
            #expect(error.description.contains("exponent -" + String(repeating: "9", count: 40) + "… is outside"), "\(error.description.suffix(120))")
        }
    }

    @Test("floor and exact Int conversion never trap") func integerParts() throws {
        #expect(try BigRational(parsing: "7/2").roundedDown == 3)
        #expect(try BigRational(parsing: "-7/2").roundedDown == -4)
        #expect(BigRational(5).roundedDown == 5)
        #expect(BigRational(Int.max).exactInt == Int.max)
        #expect(BigRational(Int.min).exactInt == Int.min)
        #expect((BigRational(Int.max) + 1).exactInt == nil)
        #expect((BigRational(Int.min) - 1).exactInt == nil)
        #expect(try BigRational(1, 2).exactInt == nil)
        #expect(try BigRational(parsing: "1e19").exactInt == nil)
        #expect(try BigRational(parsing: "1e+19").roundedDown == BigRational(10).power(19))
    }
}
