import CMPFR
import PropertyBased
import PropertyTesting
import Testing

@testable import MultiPrecision

/// `Interval.exp`, `log`, `expMinusOne` and `log(onePlus:)` go through Arb (Sources/CIntervalArb). These tests hold them
/// to independent references: mpmath's 1,000-digit constants (Fixtures/constants.txt, made by
/// scripts/make_constant_digits.py), and MPFI's own exp and log, called directly, for containment,
/// width and the behaviour at the edges of the domain.
@Suite struct ArbBackendTests {
    /// MPFI's enclosure, the path `Interval` used before Arb.
    func mpfiExp(_ x: Interval) -> Interval { x.unary(mpfi_exp) }
    func mpfiLog(_ x: Interval) -> Interval { x.unary(mpfi_log) }
    func mpfiExpm1(_ x: Interval) -> Interval { x.unary(mpfi_expm1) }
    func mpfiLog1p(_ x: Interval) -> Interval { x.unary(mpfi_log1p) }

    /// The mpmath digits d of `name` (truncated to 1,000 significant digits) as the interval
    /// [d, d + 10^(1 − 1000 + exponent)] at `bits`, which contains the true value.
    func reference(_ name: String, bits: Int) throws -> Interval {
        let lines = try fixture("constants.txt").split(separator: "\n")
        let line = try #require(lines.first { $0.hasPrefix(name + " ") })
        let digits = String(line.dropFirst(name.count + 1))
        let low = try BigRational(parsing: digits)
        // Every constant here lies in [0.1, 10): the last digit's place follows from the point.
        let integerDigits = digits.prefix { $0 != "." }.count
        let lastPlace = try BigRational(parsing: "1e-\(1000 - integerDigits)")
        return try Interval(lower: low, upper: low + lastPlace, precision: bits)
    }

    static let precisions = [53, 64, 113, 128, 166, 200, 256, 512, 1000, 2000, 3000]

    @Test("exp 1, expm1 1 + 1, log 2, log1p 1 and log 10 contain mpmath's 1,000 digits at every precision")
    func constants() throws {
        for bits in Self.precisions {
            // The reference is 10^-999 wide, narrower than a 3,000-bit ulp (10^-903), so a correct
            // enclosure contains all of it unless an end falls within 10^-999 of the constant.
            let cases: [(String, Interval, Interval)] = [
                ("e", Interval.exp(try Interval(1, precision: bits)), try reference("e", bits: 3400)),
                ("log2", Interval.log(try Interval(2, precision: bits)), try reference("log2", bits: 3400)),
                ("log10", Interval.log(try Interval(10, precision: bits)), try reference("log10", bits: 3400)),
                ("log1p", Interval.log(onePlus: try Interval(1, precision: bits)), try reference("log2", bits: 3400)),
            ]
            for (name, value, truth) in cases {
                #expect(value.precision == bits)
                #expect(value.contains(truth), "\(name) at \(bits) bits: \(value) does not contain mpmath's digits")
                #expect(value.lower.nextUp == value.upper || value.lower.nextUp.nextUp == value.upper,
                        "\(name) at \(bits) bits is more than two ulps wide: \(value)")
            }
            // exp(−1) · e encloses 1, and log(e's enclosure) encloses 1.
            let e = try reference("e", bits: bits)
            #expect((Interval.exp(try Interval(-1, precision: bits)) * e).contains(BigRational(1)))
            #expect(Interval.log(e).contains(BigRational(1)))
            #expect((Interval.expMinusOne(try Interval(1, precision: bits)) + 1).contains(try reference("e", bits: 3400)))
        }
    }

    /// [r, r + w] with r = ±p/q and w = 0, up to 1,000 · |r| · 2^-180 (a few ulps at most
    /// precisions), up to 1,000 · |r| · 2^-40 (narrow but over Arb's one-ball threshold at
    /// ≥ 128 bits), or up to 4 |r|, at one of seven precisions.
    func interval(_ p: Int, _ q: Int, widthKind: Int, widthScale: Int, precisionIndex: Int, negative: Bool) throws -> (lower: BigRational, upper: BigRational, bits: Int) {
        let bits = [53, 64, 128, 166, 200, 512, 1000][precisionIndex]
        let r = try BigRational(negative ? -p : p, q)
        let magnitude = r.magnitude
        let two = BigRational(2)
        let width: BigRational
        switch widthKind {
        case 0: width = BigRational(0)
        case 1: width = magnitude * BigRational(widthScale) / two.power(180)
        case 2: width = magnitude * BigRational(widthScale + 1) / two.power(40)
        default: width = magnitude * BigRational(widthScale) / BigRational(250)
        }
        return (r, r + width, bits)
    }

    @Test("exp, log, expm1, log1p through Arb contain MPFI's enclosures at 4× the precision of both ends, and are at most 2× MPFI's width")
    func agreesWithMPFI() async {
        await seededCheck(
            count: 300, input: Gen.int(in: 1...1_000_000_000_000), Gen.int(in: 1...1_000_000_000),
            Gen.int(in: 0...3), Gen.int(in: 0...1_000), Gen.int(in: 0...6), Gen.bool
        ) { p, q, kind, scale, index, negative in
            let (low, high, bits) = try interval(p, q, widthKind: kind, widthScale: scale, precisionIndex: index, negative: negative)
            let x = try Interval(lower: low, upper: high, precision: bits)
            // Arguments of exp beyond ±2^20 go to MPFI (the same endpoints, so the checks still hold).
            // log and log1p take |x| (log1p of negative x below −1 would go to MPFI); log1p also
            // takes t / (1 + |t|) over [low, high] (increasing, so exact from the ends), which lies
            // in (−1, 1) and so reaches near −1 and 0.
            func squeeze(_ t: BigRational) -> BigRational { t / (t.magnitude + 1) }
            let squeezed = try Interval(lower: squeeze(low), upper: squeeze(high), precision: bits)
            let checks: [(String, Interval, Interval, Interval, (Interval) -> Interval)] = [
                ("exp", x, Interval.exp(x), mpfiExp(x), mpfiExp),
                ("log", x.magnitude, Interval.log(x.magnitude), mpfiLog(x.magnitude), mpfiLog),
                ("expm1", x, Interval.expMinusOne(x), mpfiExpm1(x), mpfiExpm1),
                ("log1p", x.magnitude, Interval.log(onePlus: x.magnitude), mpfiLog1p(x.magnitude), mpfiLog1p),
                ("log1p", squeezed, Interval.log(onePlus: squeezed), mpfiLog1p(squeezed), mpfiLog1p),
            ]
            for (name, argument, arb, mpfi, reference) in checks {
                #expect(arb.precision == bits)
                for end in [argument.lower, argument.upper] {
                    // The end as a point at 4× the precision: MPFI's enclosure of f(end) is tiny
                    // and contains the truth, which the Arb result must contain too.
                    let fine = reference(try Interval(lower: end, upper: end, precision: 4 * bits))
                    if fine.isBounded {
                        #expect(arb.contains(fine), "\(name)(\(argument)) = \(arb) misses \(fine)")
                    }
                }
                if mpfi.isBounded {
                    #expect(arb.width <= mpfi.width * 2, "\(name)(\(x)): Arb \(arb.width) vs MPFI \(mpfi.width)")
                } else {
                    #expect(arb.lower == mpfi.lower && arb.upper == mpfi.upper)
                }
            }
        }
    }

    /// The same endpoints (and the same signs of zero ends) as MPFI, or NaN where MPFI gives NaN.
    func expectSameAsMPFI(_ value: Interval, _ mpfi: Interval, _ what: String) {
        for (a, b) in [(value.lower, mpfi.lower), (value.upper, mpfi.upper)] {
            if b.isNaN {
                #expect(a.isNaN, "\(what): \(value), MPFI gives \(mpfi)")
            } else {
                #expect(a == b && a.sign == b.sign, "\(what): \(value), MPFI gives \(mpfi)")
            }
        }
    }

    @Test("at the edges of the domain exp and log give exactly MPFI's endpoints")
    func edges() throws {
        for bits in [53, 166, 1000] {
            let inf = BigFloat.infinity
            func make(_ lower: BigFloat, _ upper: BigFloat) throws -> Interval { try Interval(lower: lower, upper: upper, precision: bits) }
            let huge = try BigFloat(parsing: "1e99999", precision: bits)
            let tiny = try BigFloat(parsing: "1e-99999", precision: bits)
            let logCases: [(String, Interval)] = [
                ("[0, 0]", try make(0, 0)), ("[0, 1]", try make(0, 1)), ("[-1, 1]", try make(-1, 1)),
                ("[-2, -1]", try make(-2, -1)), ("[-inf, 0]", try make(-inf, 0)), ("[1, inf]", try make(1, inf)),
                ("[0, inf]", try make(0, inf)), ("[1, 1]", try make(1, 1)), ("[tiny, huge]", try make(tiny, huge)),
                ("[tiny, tiny]", try make(tiny, tiny)), ("[huge, huge]", try make(huge, huge)),
            ]
            for (text, x) in logCases {
                let value = Interval.log(x), mpfi = mpfiLog(x)
                if ["[1, 1]", "[tiny, huge]", "[tiny, tiny]", "[huge, huge]"].contains(text) {
                    // Inside the domain: Arb's enclosure, which must contain MPFI's at 4× the bits.
                    #expect(value.width <= mpfi.width * 2, "log \(text) at \(bits) bits")
                    let fine = mpfiLog(try Interval(lower: x.lower, upper: x.upper, precision: 4 * bits))
                    #expect(value.contains(fine), "log \(text) at \(bits) bits: \(value)")
                    if text == "[1, 1]" { expectSameAsMPFI(value, mpfi, "log [1, 1] is exactly [+0, -0]") }
                } else {
                    expectSameAsMPFI(value, mpfi, "log \(text) at \(bits) bits")
                }
                var inPlace = try Interval(0, precision: bits)
                inPlace.formLog(x)
                expectSameAsMPFI(inPlace, value, "formLog \(text)")
            }
            let limit = try BigFloat(1 << 20, precision: bits)
            let expCases: [(String, Interval)] = [
                ("[-inf, 0]", try make(-inf, 0)), ("[0, inf]", try make(0, inf)), ("[-inf, inf]", try make(-inf, inf)),
                ("[2^20, 2^20 + 1]", try make(limit, limit + 1)), ("[-2^21, -2^20]", try make(-limit * 2, -limit)),
                ("[huge, huge]", try make(huge, huge)), ("[-huge, 0]", try make(-huge, 0)),
            ]
            for (text, x) in expCases {
                expectSameAsMPFI(Interval.exp(x), mpfiExp(x), "exp \(text) at \(bits) bits")
                expectSameAsMPFI(Interval.expMinusOne(x), mpfiExpm1(x), "expm1 \(text) at \(bits) bits")
            }
            let log1pCases: [(String, Interval)] = [
                ("[-1, -1]", try make(-1, -1)), ("[-1, 0]", try make(-1, 0)), ("[-2, 1]", try make(-2, 1)),
                ("[-inf, -2]", try make(-inf, -2)), ("[0, inf]", try make(0, inf)), ("[0, 0]", try make(0, 0)),
            ]
            for (text, x) in log1pCases {
                expectSameAsMPFI(Interval.log(onePlus: x), mpfiLog1p(x), "log1p \(text) at \(bits) bits")
            }
            expectSameAsMPFI(Interval.expMinusOne(try make(0, 0)), mpfiExpm1(try make(0, 0)), "expm1 [0, 0] is exactly [+0, -0]")
            // Inside Arb's range: exact at 0, and tight on points, tiny and wide intervals.
            expectSameAsMPFI(Interval.exp(try make(0, 0)), mpfiExp(try make(0, 0)), "exp [0, 0] is exactly [1, 1]")
            let insideCases: [(String, Interval)] = [
                ("[tiny, tiny]", try make(tiny, tiny)), ("[-tiny, tiny]", try make(-tiny, tiny)),
                ("[0, 10]", try make(0, 10)), ("[-1000, 1000]", try make(-1000, 1000)),
                ("[2^20 - 1, 2^20]", try make(limit - 1, limit)), ("[-2^20, -2^20 + 1]", try make(-limit, -limit + 1)),
            ]
            for (text, x) in insideCases {
                let value = Interval.exp(x), mpfi = mpfiExp(x)
                #expect(value.width <= mpfi.width * 2, "exp \(text) at \(bits) bits: \(value) vs \(mpfi)")
                #expect(value.isCertainlyPositive, "exp \(text) at \(bits) bits: \(value)")
                for end in [x.lower, x.upper] {
                    let fine = mpfiExp(try Interval(lower: end, upper: end, precision: 4 * bits))
                    #expect(value.contains(fine), "exp \(text) at \(bits) bits: \(value) misses \(fine)")
                }
            }
        }
    }
}
