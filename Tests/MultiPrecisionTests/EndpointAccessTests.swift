import Testing
import MultiPrecision
import PropertyBased
import PropertyTesting

/// The fast paths that read an interval's endpoints in place (comparisons, precision, the fused
/// a·b + c) against the definitions they replace, computed from the exact rational values and
/// from the endpoint copies (`lower`, `upper`), and new storage at every kind of precision.
@Suite struct EndpointAccessTests {
    static let bits = 128

    @Test("in-place comparisons agree with the exact values and with the endpoint copies (disjoint, touching, overlapping)")
    func comparisons() async {
        // mode 0: independent values; 1: y starts exactly where x ends (touching); 2: y overlaps x.
        await seededCheck(input: rationals, denominators, rationals, denominators, Gen.int(in: 0...2)) { a, b, c, d, mode in
            let r = try rational(a, b), s = try rational(c, d)
            let x = try Interval(lower: r, upper: r + (try rational(1, d)), precision: Self.bits)
            let y: Interval
            switch mode {
            case 0: y = try Interval(s, precision: Self.bits)
            case 1: y = try Interval(lower: x.upper, upper: x.upper + 1, precision: Self.bits)
            default: y = try Interval(lower: r - 1, upper: r + (try rational(1, 2 * d)), precision: Self.bits)
            }
            for (u, v) in [(x, y), (y, x)] {
                #expect(u.isCertainlyLess(than: v) == (u.upper < v.lower))
                #expect(u.isCertainlyAtMost(v) == (u.upper <= v.lower))
                #expect(u.isPossiblyLess(than: v) == (u.lower < v.upper))
                #expect(u.isCertainlyPositive == (u.lower > 0))
                #expect(u.isCertainlyNegative == (u.upper < 0))
                #expect(u.isCertainlyNonNegative == (u.lower >= 0))
                #expect(u.isCertainlyNonPositive == (u.upper <= 0))
            }
            // Exact consequences: certainly-less orders every point, touching intervals are only "at most".
            if x.isCertainlyLess(than: y), let xu = x.upper.exactRational, let yl = y.lower.exactRational { #expect(xu < yl) }
            if mode == 1 { #expect(x.isCertainlyAtMost(y) && !x.isCertainlyLess(than: y)) }
            if mode == 2 { #expect(!x.isCertainlyAtMost(y) && !y.isCertainlyAtMost(x)) }
        }
    }

    @Test("comparisons with a NaN interval are all false")
    func nanComparisons() throws {
        let nan = Interval.log(try Interval(-1, precision: Self.bits))
        #expect(nan.isNaN)
        let one = try Interval(1, precision: Self.bits)
        #expect(!nan.isCertainlyLess(than: one) && !one.isCertainlyLess(than: nan))
        #expect(!nan.isCertainlyAtMost(one) && !one.isCertainlyAtMost(nan))
        #expect(!nan.isPossiblyLess(than: one) && !one.isPossiblyLess(than: nan))
        #expect(!nan.isCertainlyPositive && !nan.isCertainlyNegative)
        #expect(!nan.isCertainlyNonNegative && !nan.isCertainlyNonPositive)
    }

    @Test("an end exactly at 0 (also −0) counts as non-negative or non-positive, not as signed")
    func zeroEnds() throws {
        let zero = try Interval(0, precision: Self.bits), minusZero = -zero
        let up = try Interval(lower: BigRational(0), upper: BigRational(1), precision: Self.bits)
        let down = try Interval(lower: BigRational(-1), upper: BigRational(0), precision: Self.bits)
        for z in [zero, minusZero] { #expect(z.isCertainlyNonNegative && z.isCertainlyNonPositive && !z.isCertainlyPositive && !z.isCertainlyNegative) }
        #expect(up.isCertainlyNonNegative && !up.isCertainlyNonPositive && !up.isCertainlyPositive)
        #expect(down.isCertainlyNonPositive && !down.isCertainlyNonNegative && !down.isCertainlyNegative)
    }

    @Test("new intervals and floats carry exactly the requested precision, and hold their value")
    func precisionOfNewStorage() throws {
        for bits in [2, 53, 63, 64, 65, 127, 128, 129, 166, 1000] {
            let third = try BigRational(1, 3)
            let x = try Interval(third, precision: bits)
            #expect(x.precision == bits && x.lower.precision == bits && x.upper.precision == bits)
            #expect(x.contains(third) && !x.isNaN)
            let f = try BigFloat(third, precision: bits)
            #expect(f.precision == bits && !f.isNaN)
            #expect(x.contains(f), "the nearest \(bits)-bit float to 1/3 lies in its enclosure")
            // In-place results keep the precision of their operands.
            var y = try Interval(2, precision: bits)
            y.formProduct(x, y)
            #expect(y.precision == bits && y.contains(third * 2))
        }
    }

    @Test("productSum(a, b, c) has the endpoints of a * b + c and contains the exact value")
    func productSum() async {
        await seededCheck(input: rationals, denominators, rationals, denominators, Gen.int(in: -1_000_000...1_000_000)) { p, q, u, v, w in
            let r = try rational(p, q), s = try rational(u, v), t = try rational(w, 7)
            let a = try Interval(r, precision: Self.bits), b = try Interval(s, precision: Self.bits)
            let c = try Interval(t, precision: Self.bits)
            let fused = Interval.productSum(a, b, c)
            let separate = a * b + c
            #expect(fused.lower == separate.lower && fused.upper == separate.upper)
            #expect(fused.precision == Self.bits)
            #expect(fused.contains(r * s + t))
            // A wider c: the sum is at its precision, the product at the operands' (as a * b + c).
            let wide = try Interval(t, precision: 4 * Self.bits)
            let mixed = Interval.productSum(a, b, wide)
            let reference = a * b + wide
            #expect(mixed.precision == 4 * Self.bits)
            #expect(mixed.lower == reference.lower && mixed.upper == reference.upper)
            #expect(mixed.contains(r * s + t))
        }
    }

    @Test("rational ends are MPFR's directed roundings of the exact value (word-sized and large rationals, 53 to 166 bits)")
    func rationalEnds() async throws {
        // scale 0: word-sized numerator and denominator (the fast path); 1: a numerator beyond a
        // word (MPFI's own conversion); the value may be 0 (MPFI's signed zeros).
        await seededCheck(input: rationals, denominators, rationals, denominators, Gen.int(in: 0...1)) { p, q, u, v, scale in
            var r = try rational(p, q), s = try rational(u, v)
            if scale == 1 { r = r * (try BigRational(parsing: "1e30")); s = s * (try BigRational(parsing: "1e30")) }
            let (low, high) = r <= s ? (r, s) : (s, r)
            for bits in [53, 64, 128, 166] {
                let point = try Interval(r, precision: bits)
                #expect(point.lower == (try BigFloat(r, precision: bits, rounding: .down)))
                #expect(point.upper == (try BigFloat(r, precision: bits, rounding: .up)))
                let span = try Interval(lower: low, upper: high, precision: bits)
                #expect(span.lower == (try BigFloat(low, precision: bits, rounding: .down)))
                #expect(span.upper == (try BigFloat(high, precision: bits, rounding: .up)))
                #expect(span.contains(low) && span.contains(high) && point.contains(r))
            }
        }
        let zero = try Interval(BigRational(0), precision: 128)
        #expect(zero.lower.isZero && zero.upper.isZero && zero.contains(BigRational(0)))
    }
}
