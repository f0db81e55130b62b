import Testing
import MultiPrecision
import PropertyBased
import PropertyTesting

/// Short decimal and fraction texts (read by a machine-integer fast path) against the value built
/// from their parts with exact rational arithmetic, on both sides of the fast path's 18-digit limit.
@Suite struct ShortRationalParsingTests {
    /// 1 to 19 digits, so that some parts exceed the fast path's 18 digits and take the general path.
    static let part = Gen.int(in: 0...Int.max).map { v in String(String(v).prefix(v % 19 + 1)) }

    static func exact(_ whole: String, _ fraction: String) throws -> BigRational {
        let w = try BigRational(parsing: "\(whole)e0")       // the exponent forces the general path
        let f = fraction.isEmpty ? BigRational(0) : try BigRational(parsing: "\(fraction)e-\(fraction.count)")
        return w + f
    }

    @Test("p.q / r.s, with signs, equals the value built from its parts")
    func decimalsAndFractions() async {
        await seededCheck(input: Self.part, Self.part, Self.part, Self.part, Gen.int(in: 0...7)) { a, b, c, d, shape in
            let negative = shape & 1 == 1, fraction = shape & 2 == 2, point = shape & 4 == 4
            let top = point ? "\(a).\(b)" : "\(a)"
            var expected = try Self.exact(a, point ? b : "")
            var text = (negative ? "-" : "") + top
            if fraction {
                let bottom = try Self.exact(c, d)
                guard bottom.signum != 0 else {
                    #expect(throws: MultiPrecisionError.self) { try BigRational(parsing: text + "/\(c).\(d)") }
                    return
                }
                text += "/\(c).\(d)"
                expected = expected / bottom
            }
            if negative { expected = -expected }
            #expect(try BigRational(parsing: text) == expected, "\(text)")
        }
    }

    @Test("forms outside the fast path still parse or fail as before")
    func otherForms() throws {
        #expect(try BigRational(parsing: "1/-2") == (try BigRational(-1, 2)))
        #expect(try BigRational(parsing: "+.5") == (try BigRational(1, 2)))
        #expect(try BigRational(parsing: "5.") == BigRational(5))
        #expect(try BigRational(parsing: " 1/100 ") == (try BigRational(1, 100)))
        #expect(try BigRational(parsing: "1_000") == BigRational(1000))
        #expect(try BigRational(parsing: "1e-3") == (try BigRational(1, 1000)))
        #expect(try BigRational(parsing: "999999999999999999/1000000000000000000") == (try BigRational(999_999_999_999_999_999, 1_000_000_000_000_000_000)))
        for bad in ["", ".", "-", "1/0", "1/0.0", "1/2/3", "1..2", "--1", "1-2", "/2", "2/"] {
            #expect(throws: MultiPrecisionError.self, "\(bad)") { try BigRational(parsing: bad) }
        }
    }

    @Test("BigRational(p, q) is p / q reduced, for every sign and the extreme integers")
    func fromIntegers() async throws {
        await seededCheck(input: rationals, Gen.int(in: -1_000_000_000...1_000_000_000)) { p, q in
            guard q != 0 else { return }
            let r = try BigRational(p, q)
            #expect(r == BigRational(p) / BigRational(q), "\(p)/\(q)")
        }
        for (p, q) in [(Int.min, -1), (Int.min, Int.min), (Int.max, Int.min), (0, -5), (6, -4), (-6, -4)] {
            #expect(try BigRational(p, q) == BigRational(p) / BigRational(q), "\(p)/\(q)")
        }
        #expect(try BigRational(6, -4).description == "-3/2")
    }
}
