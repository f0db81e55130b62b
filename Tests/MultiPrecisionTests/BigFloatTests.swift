import Testing
import RealModule
import MultiPrecision
import PropertyBased
import PropertyTesting

@Suite struct BigFloatTests {
    @Test("every rounding direction is respected when converting a rational")
    func roundingDirections() async {
        await seededCheck(input: rationals, denominators, Gen.int(in: 2...200)) { p, q, bits in
            let r = try rational(p, q)
            let down = try #require(try BigFloat(r, precision: bits, rounding: .down).exactRational)
            let up = try #require(try BigFloat(r, precision: bits, rounding: .up).exactRational)
            let zero = try #require(try BigFloat(r, precision: bits, rounding: .towardZero).exactRational)
            let away = try #require(try BigFloat(r, precision: bits, rounding: .awayFromZero).exactRational)
            let nearest = try #require(try BigFloat(r, precision: bits, rounding: .nearest).exactRational)
            #expect(down <= r && r <= up)
            #expect(zero.magnitude <= r.magnitude && r.magnitude <= away.magnitude)
            #expect(nearest == down || nearest == up)
            #expect((nearest - r).magnitude <= (up - down).magnitude * BigRational(1) / BigRational(2))
        }
    }

    @Test("directed decimal output brackets the value")
    func decimalDirections() async {
        await seededCheck(input: rationals, denominators, Gen.int(in: 1...40)) { p, q, digits in
            let r = try rational(p, q)
            let x = try BigFloat(r, precision: 300)
            let exact = try #require(x.exactRational)
            let down = try BigRational(parsing: x.decimal(digits: digits, rounding: .down))
            let up = try BigRational(parsing: x.decimal(digits: digits, rounding: .up))
            #expect(down <= exact && exact <= up)
        }
    }

    @Test("string ↔ value round trips")
    func roundTrips() async {
        await seededCheck(input: rationals, denominators, Gen.int(in: 2...400)) { p, q, bits in
            let x = try BigFloat(try rational(p, q), precision: bits)
            // Enough digits for the precision make the text read back to the same value.
            let text = try x.decimal(digits: x.naturalDigits)
            let back = try BigFloat(parsing: text, precision: bits)
            #expect(back == x, "\(text) at \(bits) bits")
            // Rationals: description parses back exactly.
            let r = try rational(p, q)
            #expect(try BigRational(parsing: r.description) == r)
        }
    }

    @Test("decimal parsing is exact") func exactParsing() throws {
        #expect(try BigRational(parsing: "0.1") == (try BigRational(1, 10)))
        #expect(try BigRational(parsing: "-12.5e-3") == (try BigRational(-1, 80)))
        #expect(try BigRational(parsing: "3/7").description == "3/7")
        #expect(try BigRational(parsing: " 1_000 ") == 1000)
        #expect(try BigRational(parsing: "2.5E+2") == 250)
        #expect(try BigRational(parsing: "0.873") == (try BigRational(873, 1000)))
        #expect(try BigRational(parsing: ".5") == (try BigRational(1, 2)))
    }

    @Test("precision follows the operands") func precisionRules() throws {
        let x = try BigFloat(parsing: "1.5", precision: 300)
        #expect((x * 2).precision == 300)
        #expect((2 * x).precision == 300)
        #expect((BigFloat(1) / 3).precision == Precision.standard)
        let y = try BigFloat(1, precision: 80)
        #expect((x + y).precision == 300)
        #expect(BigFloat.log(y).precision == 80)
    }

    @Test("elementary functions against closed forms") func closedForms() throws {
        let bits = 200
        let one = try BigFloat(1, precision: bits)
        let ulp = try BigFloat(parsing: "1e-58", precision: bits)
        func close(_ a: BigFloat, _ b: BigFloat) -> Bool { (a - b).magnitude <= ulp * (1 + b.magnitude) }
        #expect(close(BigFloat.exp(BigFloat.log(try BigFloat(7, precision: bits))), try BigFloat(7, precision: bits)))
        #expect(close(BigFloat.log(one), 0))
        #expect(close(BigFloat.sqrt(try BigFloat(2, precision: bits)) * BigFloat.sqrt(try BigFloat(2, precision: bits)), try BigFloat(2, precision: bits)))
        #expect(close(BigFloat.pow(try BigFloat(2, precision: bits), try BigFloat(10, precision: bits)), try BigFloat(1024, precision: bits)))
        #expect(close(BigFloat.log(onePlus: one), try BigFloat.ln2(precision: bits)))
        #expect(close(BigFloat.expMinusOne(try BigFloat.ln2(precision: bits)), one))
        #expect(close(BigFloat.exp(one), try BigFloat.e(precision: bits)))
        // 4·atan(1) = π
        #expect(close(4 * BigFloat.atan(one), try BigFloat.pi(precision: bits)))
    }

    /// A formula written once against swift-numerics' `Real` runs on Float, Double and BigFloat.
    func binaryEntropy<T: Real>(_ p: T) -> T { -(p * T.log(p) + (1 - p) * T.log(onePlus: -p)) }

    @Test("generic Real code runs on BigFloat") func genericReal() throws {
        let half = try BigFloat(parsing: "0.5", precision: 256)
        let h = binaryEntropy(half)
        #expect(h.precision == 256)
        #expect((h - (try BigFloat.ln2(precision: 256))).magnitude < (try BigFloat(parsing: "1e-75", precision: 256)))
        #expect(abs(binaryEntropy(0.5 as Double) - 0.6931471805599453) < 1e-15)
        #expect(abs(binaryEntropy(Float(0.5)) - 0.6931472) < 1e-6)
    }

    @Test("FloatingPoint parts") func floatingPointParts() throws {
        let x = try BigFloat(parsing: "-12", precision: 64)
        #expect(x.exponent == 3)
        #expect(x.significand == (try BigFloat(parsing: "1.5", precision: 64)))
        #expect(x.sign == .minus)
        #expect(BigFloat(sign: .minus, exponent: 3, significand: try BigFloat(parsing: "1.5", precision: 64)) == x)
        #expect(x.rounded(.down) == -12)
        #expect((try BigFloat(parsing: "2.5", precision: 64)).rounded(.toNearestOrEven) == 2)
        #expect((try BigFloat(parsing: "2.5", precision: 64)).rounded() == 3)
        #expect(BigFloat.nan.isNaN && BigFloat.infinity.isInfinite)
        #expect(x.nextUp > x)
        #expect(Set([BigFloat(3), try BigFloat(3, precision: 500)]).count == 1)
    }
}
