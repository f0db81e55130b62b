import Testing
import MultiPrecision
import PropertyBased
import PropertyTesting

/// Each interval operation must contain the exact result: exact rational arithmetic where the
/// result is rational, a value computed at 8x the precision otherwise.
@Suite struct IntervalPropertyTests {
    static let bits = 128
    static let referenceBits = 1024

    func enclose(_ r: BigRational) throws -> Interval { try Interval(r, precision: Self.bits) }

    @Test("the enclosure of a rational contains it and is one ulp wide at most")
    func rationalEnclosure() async {
        await seededCheck(input: rationals, denominators) { p, q in
            let r = try rational(p, q)
            let x = try enclose(r)
            #expect(x.contains(r))
            if let lower = x.lower.exactRational, let upper = x.upper.exactRational {
                #expect(lower <= r && r <= upper)
                // Tight: the ends are neighbours (or equal) at 128 bits.
                #expect(x.lower == x.upper || x.lower.nextUp == x.upper)
            }
        }
    }

    @Test("+, -, ×, ÷ contain the exact rational result")
    func arithmetic() async {
        await seededCheck(input: rationals, denominators, rationals, denominators) { a, b, c, d in
            let r = try rational(a, b), s = try rational(c, d)
            let x = try enclose(r), y = try enclose(s)
            #expect((x + y).contains(r + s))
            #expect((x - y).contains(r - s))
            #expect((x * y).contains(r * s))
            if s.signum != 0 {
                #expect((x / y).contains(r / s))
                #expect((try? x.divided(by: y))?.contains(r / s) == true)
            }
            var z = x
            z += y
            #expect(z.contains(r + s))
            #expect(x.contains(r), "in-place update must not touch the shared original")
            #expect(x.squared.contains(r * r))
            #expect(Interval.pow(x, 3).contains(r * r * r))
            #expect((-x).contains(-r))
        }
    }

    @Test("log, log1p, exp, expm1, sqrt, pow contain a value computed at 1024 bits")
    func elementary() async {
        await seededCheck(input: positiveNumerators, denominators, Gen.int(in: -40...40)) { p, q, k in
            let r = try rational(p, q)
            let x = try enclose(r)
            let v = try BigFloat(r, precision: Self.referenceBits)
            #expect(Interval.log(x).contains(BigFloat.log(v)))
            #expect(Interval.log(onePlus: x).contains(BigFloat.log(onePlus: v)))
            #expect(Interval.sqrt(x).contains(BigFloat.sqrt(v)))
            // Keep exp's argument moderate: k/7 + r/(r+1).
            let t = try rational(k, 7) + r / (r + 1)
            let y = try enclose(t)
            let w = try BigFloat(t, precision: Self.referenceBits)
            #expect(Interval.exp(y).contains(BigFloat.exp(w)))
            #expect(Interval.expMinusOne(y).contains(BigFloat.expMinusOne(w)))
            #expect(Interval.pow(x, y).contains(BigFloat.pow(v, w)))
        }
    }

    @Test("comparisons, hull and intersection agree with the exact values (disjoint, equal and overlapping enclosures)")
    func comparisons() async {
        // mode 0: two independent values (disjoint enclosures); 1: the same value twice;
        // 2: y is a wide interval [s − w, s + w] around a value s within w of r (overlapping).
        await seededCheck(input: rationals, denominators, rationals, denominators, Gen.int(in: 0...2)) { a, b, c, d, mode in
            let r = try rational(a, b)
            let w = try rational(1, d)
            let s = mode == 0 ? try rational(c, d) : (mode == 1 ? r : r + w * (try rational(c % 1000, 2000)))
            let x = try enclose(r)
            let y = mode == 2 ? try Interval(lower: s - w, upper: s + w, precision: Self.bits) : try enclose(s)
            if x.isCertainlyLess(than: y) { #expect(r < s) }
            if r < s && mode != 2 { #expect(x.isPossiblyLess(than: y)) }
            #expect(x.hull(y).contains(r) && x.hull(y).contains(s))
            #expect(x.intersection(x)?.contains(r) == true)
            #expect(x.hull(y).intersection(x)?.contains(r) == true)
            if let meet = x.intersection(y) {
                // A meet lies inside both, with the tighter end of each side.
                #expect(meet.lower == Swift.max(x.lower, y.lower) && meet.upper == Swift.min(x.upper, y.upper))
                // r is in x and, in modes 1 and 2, in y (|s − r| ≤ w/2 < w): so in the meet.
                if mode != 0 { #expect(meet.contains(r), "mode \(mode): \(meet) misses \(r)") }
            } else {
                #expect(mode == 0 && r != s, "mode \(mode): enclosures of \(r) and \(s) must meet")
                #expect(x.isCertainlyLess(than: y) || y.isCertainlyLess(than: x))
            }
        }
    }

    @Test("width and midpoint") func widthAndMidpoint() throws {
        let x = try Interval(lower: BigRational(1), upper: BigRational(3), precision: 64)
        #expect(x.width == 2)
        #expect(x.midpoint == 2)
        #expect(x.contains(BigRational(2)))
        #expect(!x.contains(BigRational(4)))
        #expect(x.isCertainlyPositive)
        let tenth = try Interval(parsing: "0.1", precision: 64)
        #expect(tenth.contains(try BigRational(parsing: "1/10")))
        #expect(!tenth.contains(try BigFloat(0.1, precision: 53)), "the double 0.1 is not 1/10")
    }

    @Test("printed intervals still enclose the value")
    func outwardDecimalOutput() async {
        await seededCheck(input: rationals, denominators, Gen.int(in: 1...30)) { p, q, digits in
            let r = try rational(p, q)
            let (lo, hi) = try enclose(r).decimalBounds(digits: digits)
            let low = try BigRational(parsing: lo), high = try BigRational(parsing: hi)
            #expect(low <= r && r <= high, "[\(lo), \(hi)] must contain \(r)")
        }
    }
}
