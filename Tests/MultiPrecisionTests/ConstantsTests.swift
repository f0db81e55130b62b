import Testing
import MultiPrecision

/// π, e, log 2 and log 10 against 1000 digits computed by mpmath (scripts/make_constant_digits.py).
///
/// The digits are certified: both ends of an enclosing interval, truncated to 1000 significant
/// digits, must print the same text, and that text must equal mpmath's truncated digits.
@Suite struct ConstantsTests {
    static let bits = 3_500  // 1000 decimal digits need 3322 bits; the rest is margin

    func reference(_ name: String) throws -> String {
        let lines = try fixture("constants.txt").split(separator: "\n")
        let line = try #require(lines.first { $0.hasPrefix(name + " ") })
        return String(line.dropFirst(name.count + 1))
    }

    func certifiedDigits(_ value: Interval, significant: Int) throws -> String {
        let low = try value.lower.decimal(digits: significant, rounding: .towardZero)
        let high = try value.upper.decimal(digits: significant, rounding: .towardZero)
        #expect(low == high, "the enclosure is too wide to certify \(significant) digits")
        return low
    }

    @Test("π to 1000 digits") func pi() throws {
        let digits = try certifiedDigits(Interval.pi(precision: Self.bits), significant: 1000)
        #expect(digits == (try reference("pi")))
    }

    @Test("e to 1000 digits") func e() throws {
        let digits = try certifiedDigits(Interval.e(precision: Self.bits), significant: 1000)
        #expect(digits == (try reference("e")))
    }

    @Test("log 2 to 1000 digits") func log2() throws {
        let digits = try certifiedDigits(Interval.ln2(precision: Self.bits), significant: 1000)
        #expect(digits == (try reference("log2")))
        let viaLog = try certifiedDigits(Interval.log(Interval(2, precision: Self.bits)), significant: 1000)
        #expect(viaLog == digits)
    }

    @Test("log 10 to 1000 digits") func log10() throws {
        let digits = try certifiedDigits(Interval.log(Interval(10, precision: Self.bits)), significant: 1000)
        #expect(digits == (try reference("log10")))
    }

    @Test("BigFloat constants agree with the certified enclosures")
    func bigFloatConstants() throws {
        for bits in [53, 166, 1000] {
            #expect(try BigFloat.pi(precision: bits, rounding: .down) == Interval.pi(precision: bits).lower)
            #expect(try BigFloat.pi(precision: bits, rounding: .up) == Interval.pi(precision: bits).upper)
            #expect(try BigFloat.ln2(precision: bits, rounding: .down) == Interval.ln2(precision: bits).lower)
            #expect(try Interval.e(precision: bits).contains(BigFloat.e(precision: bits)))
        }
        // The 53-bit values are the IEEE doubles.
        #expect(try BigFloat.pi(precision: 53).double() == Double.pi)
        #expect(try BigFloat.ln2(precision: 53).double() == 0.6931471805599453)
        #expect(try BigFloat.e(precision: 53).double() == 2.718281828459045)
    }
}
