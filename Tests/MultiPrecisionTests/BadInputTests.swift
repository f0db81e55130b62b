import Testing
import MultiPrecision

/// Bad input is a typed error whose message names the input; never a crash.
@Suite struct BadInputTests {
    @Test("malformed decimal strings", arguments: ["", "  ", "abc", "1.2.3", "1e", "1e+", "--1", "0x10", "1/", "/2", "1/2/3", "nan", "inf", "1,5", "1e2.5"])
    func malformed(_ text: String) {
        #expect(throws: MultiPrecisionError.self) { try BigRational(parsing: text) }
        do {
            _ = try BigFloat(parsing: text, precision: 64)
            Issue.record("\"\(text)\" was accepted")
        } catch {
            #expect(error.description.contains("\"\(text)\""), "the message must name the input: \(error)")
        }
    }

    @Test("zero denominators") func zeroDenominator() {
        #expect(throws: MultiPrecisionError.divisionByZero(dividend: "1", divisor: "0")) { try BigRational(parsing: "1/0") }
        #expect(throws: MultiPrecisionError.divisionByZero(dividend: "3", divisor: "0")) { try BigRational(3, 0) }
    }

    @Test("precision outside MPFR's range", arguments: [Int.min, -1, 0, 1, (1 << 24) + 1, Int.max])
    func precision(_ bits: Int) {
        #expect(throws: MultiPrecisionError.precisionOutOfRange(bits: bits)) { try BigFloat(1, precision: bits) }
        #expect(throws: MultiPrecisionError.precisionOutOfRange(bits: bits)) { try Interval(1, precision: bits) }
        #expect(MultiPrecisionError.precisionOutOfRange(bits: bits).description.contains("\(bits)"))
    }

    @Test("log of zero or of a negative") func logDomain() throws {
        for text in ["0", "-1", "-0.5"] {
            let x = try BigFloat(parsing: text, precision: 64)
            #expect(throws: MultiPrecisionError.self) { try x.logarithm() }
            let i = try Interval(parsing: text, precision: 64)
            do {
                _ = try Interval.checkedLog(i)
                Issue.record("log(\(text)) was accepted")
            } catch {
                #expect(error.description.contains("log"))
                #expect(error.description.contains("positive"))
            }
        }
        // An interval that straddles zero is rejected too, even though part of it is positive.
        let straddle = try Interval(lower: BigRational(-1), upper: BigRational(1), precision: 64)
        #expect(throws: MultiPrecisionError.self) { try Interval.checkedLog(straddle) }
        #expect(throws: MultiPrecisionError.self) { try Interval.checkedSqrt(straddle) }
        #expect(throws: MultiPrecisionError.self) { try BigFloat(-2, precision: 64).squareRoot(rounding: .down) }
    }

    @Test("division by an interval that contains zero") func divisionByZero() throws {
        let one = try Interval(1, precision: 64)
        let straddle = try Interval(lower: BigRational(-1), upper: BigRational(1), precision: 64)
        #expect(throws: MultiPrecisionError.self) { try one.divided(by: straddle) }
        #expect(throws: MultiPrecisionError.self) { try one.divided(by: Interval(0, precision: 64)) }
        #expect(throws: MultiPrecisionError.self) {
            try BigFloat(1, precision: 64).divided(by: BigFloat(0, precision: 64), precision: 64, rounding: .nearest)
        }
        // The total operator stays sound: the quotient is unbounded rather than wrong.
        #expect(!(one / straddle).isBounded)
    }

    @Test("ordered interval ends and digit counts") func misc() throws {
        #expect(throws: MultiPrecisionError.self) { try Interval(lower: BigRational(2), upper: BigRational(1), precision: 64) }
        #expect(throws: MultiPrecisionError.digitsOutOfRange(digits: 0)) { try BigFloat(1, precision: 64).decimal(digits: 0) }
        #expect(throws: MultiPrecisionError.self) { try BigRational(Double.nan) }
        #expect(throws: MultiPrecisionError.self) { try Interval(Double.infinity, precision: 64) }
    }
}
