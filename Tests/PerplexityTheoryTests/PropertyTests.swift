import Foundation
import Testing
import MultiPrecision
import PerplexityTheory
import PropertyBased
import PropertyTesting

/// Identities and limits over random parameters (thousandths, so every input is exact).
/// What "agrees to Float precision" means for Eq. 11 at (a, γ, s) in thousandths: a few ulps
/// of the terms it adds, (pplx + |log(1 − γ′)|), amplified by the division by
/// |log γ′ − log(1 − γ′)|, which is small near γ′ = 1/2 (the conditioning of the formula).
func floatTolerance(_ a: Int, _ g: Int, _ s: Int) -> Double {
    let A = Double(a) / 1000, G = Double(g) / 1000, Gp = G * (1 - Double(s) / 1000)
    let L = -A * log1p(-G) - (1 - A) * log(G)
    let slope = abs(log(Gp) - log1p(-Gp))
    return 16 * Double(Float.ulpOfOne) * (1 + (L + abs(log1p(-Gp))) / slope)
}

@Suite struct PropertyTests {
    func milli(_ k: Int) -> BigRational { BigRational(k) / BigRational(1000) }
    func I(_ k: Int) throws -> Interval { try Interval(milli(k), precision: bits) }

    @Test("Eq. 11 makes both sides of the iso-perplexity equation equal (certified: overlap, narrow)")
    func isoPerplexity() async {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499), Gen.int(in: 0...999)) { a, g, s in
            let aI = try I(a), gI = try I(g), sI = try I(s)
            let critical = try criticalAccuracy(accuracy: aI, gamma: gI, shift: sI)
            let shifted = gI * (1 - sI)
            let base = -(aI * Interval.log(onePlus: -gI)) - ((1 - aI) * Interval.log(gI))
            let moved = -(critical * Interval.log(onePlus: -shifted)) - ((1 - critical) * Interval.log(shifted))
            #expect(base.intersection(moved) != nil, "a=\(a) g=\(g) s=\(s): \(base) vs \(moved)")
            #expect(moved.width.double() < 1e-60 && critical.width.double() < 1e-60)
            // a′ is an accuracy: Eq. 11 never leaves [0, 1] (it is < 1 for Δ < γ).
            let one = try Interval(1, precision: bits)
            #expect(!critical.isCertainlyNegative && critical.isCertainlyLess(than: one))
        }
    }

    @Test("a′ = a at Δ = 0, in every type")
    func noShift() async {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499)) { a, g in
            #expect(try criticalAccuracy(accuracy: I(a), gamma: I(g), delta: I(0)).contains(milli(a)))
            let d = try criticalAccuracy(accuracy: Double(a) / 1000, gamma: Double(g) / 1000, delta: 0)
            #expect(abs(d - Double(a) / 1000) < 1e-13)
            let f = try criticalAccuracy(accuracy: Float(a) / 1000, gamma: Float(g) / 1000, delta: 0)
            #expect(abs(Double(f) - Double(a) / 1000) < floatTolerance(a, g, 0), "a=\(a) g=\(g): \(f)")
        }
    }

    @Test("a′ → 1 as Δ → γ, exactly 1 at Δ = γ, never NaN (Float, Double, BigFloat, Interval)")
    func limitAtGamma() async {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499)) { a, g in
            let one = try Interval(1, precision: bits)
            #expect(try criticalAccuracy(accuracy: I(a), gamma: I(g), shift: one).contains(BigRational(1)))
            #expect(try criticalAccuracy(accuracy: Double(a) / 1000, gamma: Double(g) / 1000, shift: 1) == 1)
            #expect(try criticalAccuracy(accuracy: Float(a) / 1000, gamma: Float(g) / 1000, shift: 1) == 1)
            #expect(try criticalAccuracy(accuracy: Float(a) / 1000, gamma: Float(g) / 1000, delta: Float(g) / 1000) == 1)
            // Approaching the limit: 1 − a′ shrinks towards 0 (like 1/|log γ′|), without NaN.
            var previous = 2.0
            for k in [3, 6, 12, 30] {
                let s = try Interval(BigRational(1) - (try BigRational(1, 1)) / BigRational(10).power(k), precision: bits)
                let gap = (1 - (try criticalAccuracy(accuracy: I(a), gamma: I(g), shift: s))).upper.double()
                #expect(gap >= 0 && gap < previous, "a=\(a) g=\(g) k=\(k): 1 − a′ = \(gap)")
                previous = gap
            }
            #expect(previous < 0.1)
            let nearFloat = try criticalAccuracy(accuracy: Float(a) / 1000, gamma: Float(g) / 1000, shift: Float(1).nextDown)
            #expect(!nearFloat.isNaN && nearFloat <= 1)
        }
    }

    @Test("Temperature and its inverse compose to the identity (V = 2 and V > 2)")
    func temperatureRoundTrip() async {
        // V from a fixed list so that V = 2 (the paper's binary case) is a quarter of the cases;
        // γ = (g/1000)·(V − 1)/V stays inside the valid range (0, (V − 1)/V).
        await seededCheck(input: Gen.int(in: 1...999), Gen.int(in: 50...5000), Gen.int(in: 0...3)) { g, t, v in
            let V = [2, 3, 10, 1000][v]
            let gamma = milli(g) * BigRational(V - 1) / BigRational(V)
            let gI = try Interval(gamma, precision: bits)
            let theta = try Interval(milli(t), precision: bits)
            let tempered = try temperedGamma(gamma: gI, theta: theta, vocabulary: V)
            // γ′ can underflow towards 0 for confident models at low temperature; the inverse
            // needs it resolvable, which 256 bits give for γ′ > 1e-300 (every case but a few).
            guard tempered.isCertainlyPositive, tempered.upper.double() > 1e-300 else { return }
            let back = try temperature(gamma: gI, targetGamma: tempered, vocabulary: V)
            #expect(back.contains(milli(t)), "γ=\(gamma) θ=\(t) V=\(V): \(back)")
            #expect(back.relativeWidth.double() < 1e-50)
            let G = gamma.doubleApproximation
            let d = try temperature(gamma: G, targetGamma: temperedGamma(gamma: G, theta: Double(t) / 1000, vocabulary: V), vocabulary: V)
            #expect(abs(d - Double(t) / 1000) <= 1e-9 * Double(t) / 1000, "γ=\(gamma) θ=\(t) V=\(V): \(d)")
        }
    }

    @Test("Sampling: the copy probability is exactly (1−γ)^N, and Boole's bound Nγ lies between the Bonferroni bounds of the failure probability")
    func bernoulli() async {
        // γ = g/(1000·N) keeps Nγ < 1, where 1 − Nγ > 0 and Boole's bound says something.
        await seededCheck(input: Gen.int(in: 0...999), Gen.int(in: 1...1000)) { g, N in
            let gamma = milli(g) / BigRational(N)
            let s = try sampling(gamma: try Interval(gamma, precision: bits), length: N)
            // Exact rational references.
            let copy = (BigRational(1) - gamma).power(N)
            let boole = BigRational(N) * gamma
            let bonferroni = boole - BigRational(N * (N - 1)) / BigRational(2) * gamma * gamma
            let context = "γ=\(gamma) N=\(N)"
            #expect(s.copyProbability.contains(copy), "\(context): \(s.copyProbability)")
            #expect(s.booleBound.contains(boole), "\(context)")
            #expect(s.failureProbability.contains(BigRational(1) - copy), "\(context)")
            #expect(s.copyProbability.width.double() < 1e-60, "\(context)")
            // 1 − Nγ ≤ (1 − γ)^N and Nγ − C(N, 2)γ² ≤ 1 − (1 − γ)^N ≤ Nγ, in exact arithmetic.
            #expect(BigRational(1) - boole <= copy && bonferroni <= BigRational(1) - copy, "\(context)")
            let d = try sampling(gamma: gamma.doubleApproximation, length: N)
            #expect(d.copyProbability >= 1 - d.booleBound - 1e-15, "\(context)")
            #expect(abs(d.copyProbability - copy.doubleApproximation) < 1e-12, "\(context)")
        }
    }

    @Test("Double and Float agree with the certified interval to their own precision")
    func floatsAgreeWithIntervals() async {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499), Gen.int(in: 0...999)) { a, g, s in
            // Reference: Eq. 10 and Eq. 11 written out here on 256-bit intervals, not the library's
            // generic code: a′ = (pplx(a, γ) + log γ′)/(log γ′ − log(1 − γ′)), γ′ = γ(1 − s).
            let aI = try I(a), gI = try I(g), shifted = gI * (1 - (try I(s)))
            let pplx = -(aI * Interval.log(onePlus: -gI)) - (1 - aI) * Interval.log(gI)
            let written = (pplx + Interval.log(shifted)) / (Interval.log(shifted) - Interval.log(onePlus: -shifted))
            let exact = written.midpoint.double()
            let d = try criticalAccuracy(accuracy: Double(a) / 1000, gamma: Double(g) / 1000, shift: Double(s) / 1000)
            let f = try criticalAccuracy(accuracy: Float(a) / 1000, gamma: Float(g) / 1000, shift: Float(s) / 1000)
            #expect(abs(d - exact) < 1e-13, "a=\(a) g=\(g) s=\(s)")
            #expect(abs(Double(f) - exact) < floatTolerance(a, g, s), "a=\(a) g=\(g) s=\(s)")
        }
    }

    @Test("The corrected Lemma 3.1 bound falls below ξ from n′ on; the printed Appendix A bound is negative at every feasible point")
    func lemmaThresholdSuffices() async {
        // m in (0, 1/2) as Eq. 5 requires (the library rejects m = 1/2); the floor ε is drawn
        // inside the lemma's hypotheses: p(α_k) > 1/2 + m leaves at most 1/2 − m for the two
        // other symbols of {0, 1, |}, each at least ε, so ε = r·(1/2 − m)/2 with r in (0, 1].
        await seededCheck(input: Gen.int(in: 1...1000), Gen.int(in: 1...499), Gen.int(in: 1...1000), Gen.int(in: 1...1000)) { xi, m, r, d in
            let margin = milli(m)
            let floor = milli(r) * (BigRational(1) / BigRational(2) - margin) / BigRational(2)
            let (t, eta) = try lemmaThreshold(xi: milli(xi), margin: margin, floor: floor, delta: milli(d))
            let context = "ξ=\(xi)/1000 m=\(m)/1000 ε=\(floor) δ=\(d)/1000 n′=\(t.threshold)"
            // η = min(m, ξ/4) and n′ = max(⌊1/δ⌋, ⌈−2 log ε/ξ⌉) + 1, checked from their definitions.
            #expect(eta == min(margin, milli(xi) / BigRational(4)), "\(context)")
            let c = t.continuityLength, D = t.dilutionLength
            #expect(t.threshold == max(c, D), "\(context)")
            // c − 1 = ⌊1/δ⌋: exact.
            #expect(BigRational(c - 1) <= BigRational(1) / milli(d) && BigRational(1) / milli(d) < BigRational(c), "\(context)")
            #expect(BigRational(1) / BigRational(t.threshold + 1) < milli(d), "\(context)")
            // D − 1 = ⌈−2 log ε/ξ⌉: the enclosure must be consistent with D − 2 < x ≤ D − 1.
            let floorI = try Interval(floor, precision: bits), xiI = try I(xi)
            // The library decides ⌈−2 log ε/ξ⌉ on 256-bit intervals; the reference is a 1024-bit
            // BigFloat, which must satisfy D − 2 < x ≤ D − 1 (to its own rounding).
            let x = -2 * BigFloat.log(try BigFloat(floor, precision: 1024)) / (try BigFloat(milli(xi), precision: 1024))
            let ulp = try BigFloat(parsing: "1e-250", precision: 1024)
            let below = try BigFloat(D - 2, precision: 1024) - ulp, above = try BigFloat(D - 1, precision: 1024) + ulp
            #expect(x > below && x <= above, "\(context): \(x)")
            for N in [t.threshold, t.threshold + 1, 2 * t.threshold] {
                let bound = try lemmaBound(length: N, eta: try Interval(eta, precision: bits), floor: floorI)
                #expect(bound.isCertainlyLess(than: xiI), "\(context) N=\(N): \(bound)")
            }
            // The printed bound −(1/n)(log(1/2 + m) − log ε + (n − 1)m) is negative whenever
            // ε < 1/2 + m, which every feasible floor satisfies: it cannot bound |Δ|.
            for n in [1, 16, t.threshold] {
                let printed = try printedAppendixBound(length: n, epsilon: try Interval(margin, precision: bits), floor: floorI)
                #expect(printed.isCertainlyNegative, "\(context) n_c=\(n): printed bound \(printed)")
            }
        }
    }
}

@Suite struct InverseProblemTests {
    @Test("shiftReaching: at every returned shift, Eq. 11 gives the target accuracy")
    func shiftReachingSolves() async {
        await seededCheck(input: Gen.int(in: 1...999), Gen.int(in: 1...499), Gen.int(in: 1...999)) { a, g, t in
            let thousandth = BigRational(1) / BigRational(1000)
            let A = BigRational(a) * thousandth, G = BigRational(g) * thousandth, target = BigRational(t) * thousandth
            let shifts = try shiftReaching(targetAccuracy: target, accuracy: A, gamma: G, precision: 128)
            // a′ runs continuously from a (Δ = 0) to 1 (Δ → γ): every target in (a, 1) is reached.
            if t > a { #expect(!shifts.isEmpty, "a=\(a) g=\(g) t=\(t): no shift found") }
            let gI = try Interval(G, precision: 128)
            let L = try logPerplexity(accuracy: try Interval(A, precision: 128), gamma: gI).total
            for delta in shifts {
                #expect(delta.width.double() < 1e-30, "a=\(a) g=\(g) t=\(t): \(delta)")
                // Certified, because a Double Δ near γ loses γ′ = γ − Δ to cancellation.
                let shifted = gI - delta
                guard shifted.isCertainlyPositive else { continue }  // γ′ below 128-bit resolution of γ
                let critical = criticalAccuracy(logPerplexity: L, shiftedGamma: shifted)
                let goal = try Interval(target, precision: 128)
                #expect(critical.intersection(goal) != nil || abs(critical.midpoint.double() - goal.midpoint.double()) < 1e-25,
                        "a=\(a) g=\(g) t=\(t): a′ = \(critical) at Δ = \(delta)")
            }
        }
    }

    @Test("shiftReaching finds both crossings of a dip, one on a rising curve, none below the dip")
    func shiftReachingCounts() throws {
        func count(_ target: String, _ a: String, _ g: String) throws -> Int {
            try shiftReaching(targetAccuracy: exact(target), accuracy: exact(a), gamma: exact(g), precision: 128).count
        }
        #expect(try count("0.8", "0.9", "0.4") == 2)   // a′ dips from 0.9 to about 0.76, then rises to 1
        #expect(try count("0.95", "0.9", "0.4") == 1)
        #expect(try count("0.7", "0.9", "0.4") == 0)
        #expect(try count("0.6", "0.5", "0.1") == 1)   // a = 1/2: a′ rises monotonically
        #expect(try count("0.4", "0.5", "0.1") == 0)
        #expect(try count("1", "0.5", "0.1") == 0)     // reached only in the limit Δ → γ
    }
}
