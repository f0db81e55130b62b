import Foundation
import Testing
import MultiPrecision
import PerplexityTheory
import PropertyBased
import PropertyTesting

// Property tests of the section 4 theorems in Proofs/ (eq-10, eq-11, half-accuracy, free-lunch,
// limit-to-one, gamma-fit, two-parameter). Parameters are exact rationals built from random
// integers; each theorem is asserted in Double, in BigFloat at 256 bits and, where cheap, with
// certified 256-bit intervals, against formulas written out independently of the library.

// MARK: - Eq. 10

@Suite struct Eq10Theorems {
    func homogeneous<T: PerplexityScalar>(_ s: Scalars<T>, n: Int, right: Int, g: Int, seed: Int) throws {
        let γ = s.q(milli(g))
        var rng = SplitMix(seed: seed)
        // `right` correct positions, scattered by a random permutation of the pattern.
        var pattern = Array(repeating: true, count: right) + Array(repeating: false, count: n - right)
        for i in stride(from: pattern.count - 1, to: 0, by: -1) { pattern.swapAt(i, rng.int(in: 0...i)) }
        let tokens = pattern.map { ScoredToken(probability: $0 ? s.one - γ : γ, isCorrect: $0) }
        let scored = try logPerplexity(of: tokens)
        let a = s.q(try BigRational(right, n))
        let closed = try logPerplexity(accuracy: a, gamma: γ)
        let context = "\(s.name) N=\(n) right=\(right) γ=\(g)/1000"
        expectClose(scored.accuracy, a, tolerance: s.tolerance, context)
        // The split written out: −a·log(1 − γ) on the right positions, −(1 − a)·log γ on the wrong.
        let onRight = -(a * T.log(s.one - γ)), onWrong = -((s.one - a) * T.log(γ))
        expectClose(scored.onRight, onRight, tolerance: s.tolerance, context)
        expectClose(scored.onWrong, onWrong, tolerance: s.tolerance, context)
        expectClose(closed.onRight, onRight, tolerance: s.tolerance, context)
        expectClose(closed.onWrong, onWrong, tolerance: s.tolerance, context)
        // Eq. 10 written out, and the mean of −log p computed position by position.
        var mean = s.zero
        for token in tokens { mean = mean - T.log(token.probability) }
        mean = mean / s.n(n)
        expectClose(scored.total, mean, tolerance: s.tolerance, context)
        expectClose(closed.total, eq10(a, γ), tolerance: s.tolerance, context)
    }

    @Test("Eq. 10 is the mean of −log p of a homogeneous scored sequence, split by correctness")
    func scoredSequence() async throws {
        await seededCheck(input: Gen.int(in: 1...60), Gen.int(in: 0...60), Gen.int(in: 1...999), Gen.int(in: 0...1_000_000)) { n, r, g, seed in
            let right = r % (n + 1)
            try homogeneous(inDouble, n: n, right: right, g: g, seed: seed)
            try homogeneous(inBig, n: n, right: right, g: g, seed: seed)
            try homogeneous(inInterval, n: n, right: right, g: g, seed: seed)
        }
    }

    func crossEntropy<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, g: Int) throws {
        let a = s.q(milli(k)), γ = s.q(milli(g))
        let pplx = try logPerplexity(accuracy: a, gamma: γ).total
        let context = "\(s.name) a=\(k)/1000 γ=\(g)/1000"
        // Affine in a with slope −L(γ).
        expectClose(pplx, -T.log(s.one - γ) + (s.one - a) * logOddsWritten(γ), tolerance: s.tolerance, context)
        // H(a) + KL(Bern(a) ‖ Bern(1 − γ)), with KL written out.
        let kl = a * T.log(a / (s.one - γ)) + (s.one - a) * T.log((s.one - a) / γ)
        let entropy = try binaryEntropy(a)
        expectClose(entropy, -(a * T.log(a)) - (s.one - a) * T.log(s.one - a), tolerance: s.tolerance, context)
        expectClose(pplx, entropy + kl, tolerance: s.tolerance, context)
        // Gibbs: KL > 0 unless γ = 1 − a.
        if k + g != 1000 { expectLess(entropy, pplx, context) }
    }

    @Test("Eq. 10 is affine in a and equals H(a) + KL(a ‖ 1 − γ)")
    func entropyPlusDivergence() async throws {
        await seededCheck(input: Gen.int(in: 1...999), Gen.int(in: 1...999)) { k, g in
            try crossEntropy(inDouble, k: k, g: g)
            try crossEntropy(inBig, k: k, g: g)
            try crossEntropy(inInterval, k: k, g: g)
        }
    }
}

// MARK: - Eq. 11

@Suite struct Eq11Theorems {
    func solves<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, g: Int, j: Int) throws {
        let a = s.q(milli(k)), γ = s.q(milli(g)), shift = s.q(milli(j))
        let γʹ = γ * (s.one - shift)
        let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: shift)
        let L0 = eq10(a, γ)
        let context = "\(s.name) a=\(k) γ=\(g) s=\(j) (thousandths)"
        // The paper's printed form of Eq. 11.
        let printed = (L0 + T.log(γʹ)) / (T.log(γʹ) - T.log(s.one - γʹ))
        expectClose(critical, printed, tolerance: s.tolerance, context)
        // It solves the iso-perplexity equation.
        expectClose(eq10(critical, γʹ), L0, tolerance: s.tolerance, context)
        // The absolute-shift entry point agrees with the printed form too.
        expectClose(try criticalAccuracy(accuracy: a, gamma: γ, delta: γ * shift), printed, tolerance: s.tolerance, context)
    }

    @Test("Eq. 11: the stable form equals the printed form and solves pplx(a′, γ′) = pplx(a, γ)")
    func printedAndStable() async throws {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499), Gen.int(in: 0...999)) { k, g, j in
            try solves(inDouble, k: k, g: g, j: j)
            try solves(inBig, k: k, g: g, j: j)
            try solves(inInterval, k: k, g: g, j: j)
        }
    }

    func gap<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, g: Int, j: Int) throws {
        let a = s.q(milli(k)), γ = s.q(milli(g)), shift = s.q(milli(j))
        let γʹ = γ * (s.one - shift)
        let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: shift)
        let identity = (eq10(a, γʹ) - eq10(a, γ)) / logOddsWritten(γʹ)
        expectClose(critical - a, identity, tolerance: s.tolerance, "\(s.name) a=\(k) γ=\(g) s=\(j)")
    }

    @Test("Gap identity: a′ − a = (pplx(a, γ′) − pplx(a, γ)) / L(γ′)")
    func gapIdentity() async throws {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499), Gen.int(in: 0...999)) { k, g, j in
            try gap(inDouble, k: k, g: g, j: j)
            try gap(inBig, k: k, g: g, j: j)
            try gap(inInterval, k: k, g: g, j: j)
        }
    }
}

// MARK: - a = 1/2

@Suite struct HalfAccuracyTheorems {
    func closedForm<T: PerplexityScalar>(_ s: Scalars<T>, g: Int, j: Int) throws {
        let γ = s.q(milli(g)), shift = s.q(milli(j))
        let γʹ = γ * (s.one - shift)
        let raised = try criticalAccuracy(accuracy: s.half, gamma: γ, shift: shift) - s.half
        let formula = s.half * T.log(γʹ * (s.one - γʹ) / (γ * (s.one - γ))) / (T.log(γʹ) - T.log(s.one - γʹ))
        let context = "\(s.name) γ=\(g) s=\(j)"
        expectClose(raised, formula, tolerance: s.tolerance, context)
        // The reason: γ′(1 − γ′) < γ(1 − γ).
        expectLess(γʹ * (s.one - γʹ), γ * (s.one - γ), context)
        expectLess(s.zero, raised, context)
    }

    @Test("At a = 1/2 the closed form of a′ − 1/2 holds and is positive for 0 < Δ < γ < 1/2")
    func halfRaises() async throws {
        await seededCheck(input: Gen.int(in: 1...499), Gen.int(in: 1...999)) { g, j in
            try closedForm(inDouble, g: g, j: j)
            try closedForm(inBig, g: g, j: j)
            try closedForm(inInterval, g: g, j: j)
        }
    }

    func increasing<T: PerplexityScalar>(_ s: Scalars<T>, g: Int, j1: Int, j2: Int) throws {
        let γ = s.q(milli(g))
        let context = "\(s.name) γ=\(g) s=\(j1),\(j2)"
        // The derivative the proof computes, d a′/dΔ = ((1 − 2γ′)L(γ′) − P(γ′)) / (2γ′(1 − γ′)L(γ′)²),
        // P(x) = log(γ(1 − γ)) − log(x(1 − x)), against the library's forward-mode derivative.
        let Δ = γ * s.q(milli(j1))
        let γʹ = γ - Δ
        let P = T.log(γ * (s.one - γ)) - T.log(γʹ * (s.one - γʹ))
        let L = logOddsWritten(γʹ)
        let slope = ((s.one - s.n(2) * γʹ) * L - P) / (s.n(2) * γʹ * (s.one - γʹ) * L * L)
        let dual = try criticalAccuracy(accuracy: Dual(constant: s.half), gamma: Dual(constant: γ), delta: Dual(Δ, derivative: s.one))
        expectClose(dual.derivative, slope, tolerance: s.tolerance, context)
        expectLess(s.zero, dual.derivative, context)
        // The inequality behind it: P(γ′) < −log(4γ′(1 − γ′)) < (1 − 2γ′)L(γ′), via
        // h(t) = (1 + t)log(1 + t) + (1 − t)log(1 − t) > 0 at t = 1 − 2γ′.
        let t = s.one - s.n(2) * γʹ
        let h = (s.one + t) * T.log(s.one + t) + (s.one - t) * T.log(s.one - t)
        expectLess(s.zero, h, context)
        expectLess(P, -T.log(s.n(4) * γʹ * (s.one - γʹ)), context)
        // Ordered pairs of shifts give ordered critical accuracies.
        if j1 != j2 {
            let (lo, hi) = (min(j1, j2), max(j1, j2))
            let first = try criticalAccuracy(accuracy: s.half, gamma: γ, shift: s.q(milli(lo)))
            let second = try criticalAccuracy(accuracy: s.half, gamma: γ, shift: s.q(milli(hi)))
            expectLess(first, second, context)
        }
    }

    @Test("At a = 1/2, a′ increases strictly with Δ (certified Dual slope, ordered pairs, h(t) > 0)")
    func halfMonotone() async throws {
        await seededCheck(input: Gen.int(in: 1...499), Gen.int(in: 0...999), Gen.int(in: 0...999)) { g, j1, j2 in
            try increasing(inDouble, g: g, j1: j1, j2: j2)
            try increasing(inBig, g: g, j1: j1, j2: j2)
            try increasing(inInterval, g: g, j1: j1, j2: j2)
        }
    }

    func overConfident<T: PerplexityScalar>(_ s: Scalars<T>, g: Int, v: Int, j: Int) throws {
        // a = (1 − γ)·v/1000 ≤ 1 − γ, exactly.
        let aq = (BigRational(1) - milli(g)) * milli(v)
        let a = s.q(aq), γ = s.q(milli(g))
        let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: s.q(milli(j)))
        expectLess(a, critical, "\(s.name) γ=\(g) v=\(v) s=\(j)")
    }

    @Test("Whenever a ≤ 1 − γ every shift 0 < Δ < γ raises the bar: a′ > a")
    func calibratedOrOverConfident() async throws {
        await seededCheck(input: Gen.int(in: 1...499), Gen.int(in: 0...1000), Gen.int(in: 1...999)) { g, v, j in
            try overConfident(inDouble, g: g, v: v, j: j)
            try overConfident(inBig, g: g, v: v, j: j)
            try overConfident(inInterval, g: g, v: v, j: j)
        }
    }
}

// MARK: - Free lunch

@Suite struct FreeLunchTheorems {
    func slope<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, g: Int, step: T, tolerance: T) throws {
        let a = s.q(milli(k)), γ = s.q(milli(g))
        let context = "\(s.name) a=\(k) γ=\(g)"
        let closed = (s.one - a - γ) / (γ * (s.one - γ) * logOddsWritten(γ))
        // The printed form of the criterion, and the library's closed form.
        expectClose((s.one - a / (s.one - γ)) / (γ * logOddsWritten(γ)), closed, tolerance: s.tolerance, context)
        expectClose(try criticalAccuracySlopeAtZero(accuracy: a, gamma: γ), closed, tolerance: s.tolerance, context)
        // Forward-mode derivative of the library's a′.
        let dual = try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), delta: Dual(s.zero, derivative: s.one))
        expectClose(dual.derivative, closed, tolerance: s.tolerance, context)
        // A symmetric difference quotient in γ′ = γ ∓ h (Eq. 11 extends smoothly past Δ = 0).
        let L0 = eq10(a, γ)
        let h = step * γ
        let quotient = (criticalAccuracy(logPerplexity: L0, shiftedGamma: γ - h) - criticalAccuracy(logPerplexity: L0, shiftedGamma: γ + h)) / (s.n(2) * h)
        expectClose(quotient, closed, tolerance: tolerance, context + " (difference quotient)")
    }

    @Test("The slope of a′ at Δ = 0 matches the closed form, the Dual derivative and a difference quotient")
    func slopeAtZero() async throws {
        // Step h = 10^-6·γ in Double: truncation ~h²·|a‴| ≲ 10^-12/γ, rounding ~10^-16/h ≲ 10^-10/γ²·γ;
        // 10^-6 relative covers both for γ ≥ 1/100. In BigFloat h = 10^-25·γ: truncation ~10^-50/γ,
        // rounding ~10^-77/10^-28; 10^-40 relative.
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 10...490)) { k, g in
            try slope(inDouble, k: k, g: g, step: 1e-6, tolerance: 1e-6)
            try slope(inBig, k: k, g: g, step: inBig.q(try BigRational(parsing: "1e-25")), tolerance: inBig.q(try BigRational(parsing: "1e-40")))
        }
    }

    /// The confident root g* ∈ (0, 1 − a) of pplx(a, g) = pplx(a, γ), by plain bisection.
    func confidentRoot<T: PerplexityScalar>(_ s: Scalars<T>, a: T, γ: T, steps: Int) -> T {
        let target = eq10(a, γ)
        var high = s.one - a
        var low = high * s.half
        while !target.isCertainlyLess(than: eq10(a, low)) { low = low * s.half }
        for _ in 0..<steps {
            let mid = (low + high) * s.half
            if target.isCertainlyLess(than: eq10(a, mid)) { low = mid } else { high = mid }
        }
        return (low + high) * s.half
    }

    func dip<T: PerplexityScalar>(_ s: Scalars<T>, g: Int, u: Int, steps: Int) throws {
        // a = 1 − γ(1 − u/1000) > 1 − γ: under-confident, exactly.
        let aq = BigRational(1) - milli(g) * (BigRational(1) - milli(u))
        let a = s.q(aq), γ = s.q(milli(g))
        let context = "\(s.name) γ=\(g) u=\(u)"
        expectLess(try criticalAccuracySlopeAtZero(accuracy: a, gamma: γ), s.zero, context)
        if u == 1000 {
            // a = 1: every shift is a free lunch.
            for j in [1, 500, 999] {
                expectLess(try criticalAccuracy(accuracy: a, gamma: γ, shift: s.q(milli(j))), a, context)
            }
            return
        }
        let root = confidentRoot(s, a: a, γ: γ, steps: steps)
        expectLess(root, s.one - a, context)
        // Halfway inside the dip a′ < a; halfway between the root and 0 a′ > a.
        let inside = try criticalAccuracy(accuracy: a, gamma: γ, delta: (γ - root) * s.half)
        let beyond = try criticalAccuracy(accuracy: a, gamma: γ, delta: γ - root * s.half)
        expectLess(inside, a, context + " inside the dip")
        expectLess(a, beyond, context + " beyond the dip")
        // The library's inverse problem finds the same end of the dip, γ − g*.
        if let big = root as? BigFloat {
            let shifts = try shiftReaching(targetAccuracy: aq, accuracy: aq, gamma: milli(g), precision: 256)
            let end = try #require(shifts.map(\.midpoint).max(), "\(context)")
            let expected = try BigFloat(milli(g), precision: 256) - big
            let tolerance = try BigFloat(parsing: "1e-50", precision: 256)
            #expect(abs(end - expected) < tolerance, "\(context): \(shifts)")
        }
    }

    /// The sign of the slope at Δ = 0, certified, on both sides of the calibrated line and on it.
    @discardableResult
    func slopeSign(g: Int, k: Int) throws -> Int.Order {
        let a = inInterval.q(milli(k)), γ = inInterval.q(milli(g))
        let slope = try criticalAccuracySlopeAtZero(accuracy: a, gamma: γ)
        let order = k.compare(1000 - g)
        switch order {
        case .above: #expect(slope.isCertainlyNegative, "a=\(k) γ=\(g): \(slope)")
        case .below: #expect(slope.isCertainlyPositive, "a=\(k) γ=\(g): \(slope)")
        case .equal: #expect(slope.contains(BigRational(0)) && slope.magnitude.upper.double() < 1e-60, "a=\(k) γ=\(g): \(slope)")
        }
        return order
    }

    @Test("The slope at Δ = 0 is negative iff a > 1 − γ, and under-confident bases dip below a exactly until the confident root")
    func criterion() async throws {
        // Half of the cases put a within 3/1000 of the calibrated line 1 − γ (and on it one time in
        // seven), where the sign changes; the other half draw a anywhere in [0, 1].
        var orders: [Int.Order: Int] = [:]
        await seededCheck(input: Gen.int(in: 1...499), Gen.int(in: 0...1000), Gen.int(in: 10...1000), Gen.int(in: 0...1), Gen.int(in: -3...3)) { g, drawn, u, near, δ in
            let k = near == 0 ? drawn : min(max(1000 - g + δ, 0), 1000)
            orders[try slopeSign(g: g, k: k), default: 0] += 1
            try dip(inDouble, g: g, u: u, steps: 60)
            try dip(inBig, g: g, u: u, steps: 260)
        }
        #expect(orders[.above, default: 0] > 0 && orders[.below, default: 0] > 0 && orders[.equal, default: 0] > 0, "\(orders)")
        // Deterministic: the calibrated line itself and its neighbours, at both ends of γ.
        for g in [1, 100, 250, 499] {
            #expect(try slopeSign(g: g, k: 1000 - g) == .equal)
            #expect(try slopeSign(g: g, k: 1000 - g + 1) == .above)
            #expect(try slopeSign(g: g, k: 1000 - g - 1) == .below)
        }
        // Deterministic: a = 1 (u = 1000), where every shift is a free lunch, and the ends of the
        // drawn range (u = 10: just above the calibrated line; u = 999: just below a = 1).
        for g in [1, 100, 250, 499] {
            for u in [10, 999, 1000] {
                try dip(inDouble, g: g, u: u, steps: 60)
                try dip(inBig, g: g, u: u, steps: 260)
            }
        }
    }

    func secondOrder<T: PerplexityScalar>(_ s: Scalars<T>, g: Int, exponent: Int, tolerance: T) throws {
        let γ = s.q(milli(g)), a = s.one - γ
        let Δ = γ * s.q(BigRational(1) / BigRational(10).power(exponent))
        let gap = try criticalAccuracy(accuracy: a, gamma: γ, delta: Δ) - a
        let leading = Δ * Δ / (s.n(2) * γ * (s.one - γ) * logOddsWritten(γ))
        let context = "\(s.name) γ=\(g) Δ=γ·10^-\(exponent)"
        expectLess(s.zero, gap, context)
        expectClose(gap / leading, s.one, tolerance: tolerance, context)
    }

    @Test("At a = 1 − γ, a′ − a is positive and Δ²/(2γ(1 − γ)L(γ)) to second order")
    func calibratedSecondOrder() async throws {
        // The relative error of the leading term is O(Δ/γ²) (a‴/a″ ~ 1/γ, and 1/L(γ − Δ)):
        // Double with Δ = 10^-4·γ, γ ≥ 1/20: ≲ 10^-4/0.05·few, plus rounding 10^-16/(a′ − a ≳ 10^-10);
        // 1e-2 relative. BigFloat with Δ = 10^-20·γ: 10^-12 relative.
        await seededCheck(input: Gen.int(in: 50...450), Gen.int(in: 1...999)) { g, j in
            try secondOrder(inDouble, g: g, exponent: 4, tolerance: 1e-2)
            try secondOrder(inBig, g: g, exponent: 20, tolerance: inBig.q(try BigRational(parsing: "1e-12")))
            // Positivity everywhere on the calibrated line, certified.
            let γ = inInterval.q(milli(g))
            let a = inInterval.one - γ
            expectLess(a, try criticalAccuracy(accuracy: a, gamma: γ, shift: inInterval.q(milli(j))), "γ=\(g) s=\(j)")
        }
    }
}

extension Int {
    enum Order { case below, equal, above }
    func compare(_ other: Int) -> Order { self < other ? .below : (self == other ? .equal : .above) }
}

// MARK: - Δ → γ

@Suite struct LimitToOneTheorems {
    func squeeze<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, g: Int, j: Int, deepExponent: Int) throws {
        let a = s.q(milli(k)), γ = s.q(milli(g))
        let L0 = eq10(a, γ)
        let context = "\(s.name) a=\(k) γ=\(g) s=\(j)"
        let slack = s.tolerance * (s.one + L0)
        func check(_ γʹ: T, _ critical: T) {
            let gap = s.one - critical
            expectAtMost(s.zero, critical, slack: slack, context + " a′ ≥ 0")
            expectAtMost((s.one - a) * logOddsWritten(γ) / logOddsWritten(γʹ), gap, slack: slack, context + " lower")
            expectAtMost(gap, L0 / logOddsWritten(γʹ), slack: slack, context + " upper")
        }
        let shift = s.q(milli(j))
        let critical = try criticalAccuracy(accuracy: a, gamma: γ, shift: shift)
        check(γ * (s.one - shift), critical)
        if !(k == 1000 && j == 0) { expectLess(critical, s.one, context + " a′ < 1") }
        // Deep shifts γ′ = γ·10^-e: 1 − a′ stays within the squeeze and goes to 0.
        var last = s.one
        for e in [2, 10, deepExponent] {
            let γʹ = γ * s.q(BigRational(1) / BigRational(10).power(e))
            let deep = criticalAccuracy(logPerplexity: L0, shiftedGamma: γʹ)
            check(γʹ, deep)
            last = s.one - deep
        }
        expectLess(last, s.q(1, 50), context + " 1 − a′ small at the deepest shift")
        // At Δ = γ (s = 1, exact in every type) the limit itself.
        expectClose(try criticalAccuracy(accuracy: a, gamma: γ, shift: s.one), s.one, tolerance: s.tolerance, context)
    }

    @Test("0 ≤ a′ ≤ 1, a′ < 1 for Δ < γ unless a = 1 and Δ = 0, and 1 − a′ ≤ pplx(a, γ)/L(γ′) → 0")
    func limit() async throws {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499), Gen.int(in: 0...999)) { k, g, j in
            try squeeze(inDouble, k: k, g: g, j: j, deepExponent: 300)
            try squeeze(inBig, k: k, g: g, j: j, deepExponent: 400)
            try squeeze(inInterval, k: k, g: g, j: j, deepExponent: 400)
        }
    }

    func finalStretch<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, g: Int, j: Int) throws {
        let a = s.q(milli(k)), γ = s.q(milli(g))
        // s = 1 − (j/1000)/100 ∈ [99/100, 1), so γ′ = γ·(j/1000)/100 ≤ γ/100.
        let γʹ = γ * s.q(milli(j)) / s.n(100)
        let context = "\(s.name) a=\(k) γ=\(g) j=\(j)"
        let L0 = eq10(a, γ)
        let N = L0 + T.log(s.one - γʹ)
        let L = logOddsWritten(γʹ)
        let closed = (N - γʹ * L) / (γʹ * (s.one - γʹ) * L * L)
        let dual = try criticalAccuracy(accuracy: Dual(constant: a), gamma: Dual(constant: γ), delta: Dual(γ - γʹ, derivative: s.one))
        expectClose(dual.derivative, closed, tolerance: s.tolerance, context)
        // The proof's explicit lower bound N − γ′L(γ′) ≥ (γ/100)(99 − log(100/γ)) > 0.
        let floor = γ / s.n(100) * (s.n(99) - T.log(s.n(100) / γ))
        expectLess(s.zero, floor, context)
        expectAtMost(floor, N - γʹ * L, slack: s.tolerance, context)
        expectLess(s.zero, dual.derivative, context)
    }

    @Test("a′ increases on the final stretch s ∈ [99/100, 1) for γ ≥ 1/100")
    func finalIncrease() async throws {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 10...499), Gen.int(in: 1...1000)) { k, g, j in
            try finalStretch(inDouble, k: k, g: g, j: j)
            try finalStretch(inBig, k: k, g: g, j: j)
            try finalStretch(inInterval, k: k, g: g, j: j)
        }
    }
}

// MARK: - Section 4.3: fitting γ

@Suite struct GammaFitTheorems {
    func convexity<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, x: Int) throws {
        let a = s.q(milli(k))
        let context = "\(s.name) a=\(k) γ=\(x)"
        let pivot = s.one - a
        let entropy = try binaryEntropy(a)
        expectClose(eq10(a, pivot), entropy, tolerance: s.tolerance, context)
        let value = try logPerplexity(accuracy: a, gamma: s.q(milli(x))).total
        if x != 1000 - k { expectLess(entropy, value, context) }
        // A second difference with an exact step h = min(x, 1000 − x)/2000 is positive.
        let hq = try BigRational(min(x, 1000 - x), 2000)
        let h = s.q(hq)
        let center = s.q(milli(x))
        let second = eq10(a, center - h) + eq10(a, center + h) - s.n(2) * eq10(a, center)
        expectLess(s.zero, second, context)
        // Monotone on each side of 1 − a: compare with the point one thousandth nearer the pivot.
        if x < 1000 - k { expectLess(eq10(a, s.q(milli(x + 1))), eq10(a, center), context) }
        if x > 1000 - k { expectLess(eq10(a, s.q(milli(x - 1))), eq10(a, center), context) }
    }

    @Test("pplx(a, ·) is strictly convex with minimum H(a) at γ = 1 − a")
    func convexMinimum() async throws {
        await seededCheck(input: Gen.int(in: 1...999), Gen.int(in: 1...999)) { k, x in
            try convexity(inDouble, k: k, x: x)
            try convexity(inBig, k: k, x: x)
            try convexity(inInterval, k: k, x: x)
        }
    }

    @Test("fitGamma finds one root on each side of 1 − a exactly when L > H(a)")
    func roots() async throws {
        // a ∈ [1/40, 39/40] and L ≤ 3 keep both roots in [e^-120, 1 − e^-120]. fitGamma's plain
        // bisection resolves a root to 2^-248 absolute (not relative, as documented), so a root
        // nearer 0 or 1 than that comes back as e.g. [0, 2e-78] with no relative accuracy
        // (branch `theory` brackets roots near 0 by powers of two; the end next to 1 remains).
        await seededCheck(count: 40, input: Gen.int(in: 25...975), Gen.int(in: 1...300)) { k, l in
            let aq = milli(k), Lq = try BigRational(l, 100)
            let fit = try fitGamma(logPerplexity: Lq, accuracy: aq, precision: 256)
            let a = inBig.q(aq), L = inBig.q(Lq)
            let entropy = try binaryEntropy(a)
            let pivot = BigRational(1) - aq
            if L < entropy {
                #expect(!fit.fits && fit.confident == nil && fit.diffident == nil, "a=\(k) L=\(l)/100")
                return
            }
            let confident = try #require(fit.confident), diffident = try #require(fit.diffident)
            let confidentUpper = try #require(confident.upper.exactRational, "a=\(k) L=\(l)/100 \(confident)")
            let diffidentLower = try #require(diffident.lower.exactRational, "a=\(k) L=\(l)/100 \(diffident)")
            #expect(confidentUpper <= pivot && pivot <= diffidentLower, "a=\(k) L=\(l)/100")
            for root in [confident, diffident] {
                // The root solves pplx(a, γ) = L: at the midpoint of the (2^-248 absolute wide)
                // enclosure the residual is at most |∂pplx/∂γ|·width ≤ (1/γ + 1/(1 − γ))·width, by
                // the mean value theorem, plus 256-bit rounding.
                let γ = root.midpoint
                let width = root.width
                let residual = (inBig.one / root.lower + inBig.one / (inBig.one - root.upper)) * width + inBig.tolerance
                #expect(root.lower > inBig.zero && root.upper < inBig.one, "a=\(k) L=\(l)/100 root \(root)")
                expectAtMost((eq10(a, γ) - L).magnitude, residual, slack: inBig.zero, "a=\(k) L=\(l)/100 root \(root)")
                // Roots are resolved to 2^-248 absolute (see above): with γ, 1 − γ ≥ e^-120 the
                // residual bound stays below 10^-20.
                expectLess(residual, inBig.q(try BigRational(parsing: "1e-20")), "a=\(k) L=\(l)/100 root \(root)")
                // Double: rounding the root to 53 bits moves pplx by |∂pplx/∂γ|·γ·2^-53 ≤ 10^6·10^-16
                // while 1 − γ ≥ 10^-6.
                let d = γ.double()
                if d > 1e-300 && d < 1 - 1e-6 {
                    let value = -(aq.doubleApproximation * Foundation.log1p(-d)) - (1 - aq.doubleApproximation) * Foundation.log(d)
                    #expect(abs(value - Lq.doubleApproximation) < 1e-8, "a=\(k) L=\(l)/100 root \(d)")
                }
            }
        }
    }
}

// MARK: - Two-parameter model

@Suite struct TwoParameterTheorems {
    func reduces<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, r: Int, w: Int, dr: Int, dw: Int) throws {
        let a = s.q(milli(k)), γr = s.q(milli(r)), γw = s.q(milli(w))
        let Δr = γr * s.q(milli(dr)), Δw = γw * s.q(milli(dw))
        let context = "\(s.name) a=\(k) γr=\(r) γw=\(w) dr=\(dr) dw=\(dw)"
        // S = log(1 − γr′) − log γw′ must be positive; otherwise the library refuses (exactly decided).
        let rightOnTruth = BigRational(1) - milli(r) * (BigRational(1) - milli(dr))
        let wrongOnTruth = milli(w) * (BigRational(1) - milli(dw))
        if rightOnTruth < wrongOnTruth {
            #expect(throws: ParameterError.self, "\(context)") {
                try criticalAccuracy(accuracy: a, gammaRight: γr, gammaWrong: γw, deltaRight: Δr, deltaWrong: Δw)
            }
        }
        // S ≥ about 1/100 keeps a′ (which grows like 1/S) well conditioned in Double.
        guard wrongOnTruth + milli(10) < rightOnTruth else { return }
        let critical = try criticalAccuracy(accuracy: a, gammaRight: γr, gammaWrong: γw, deltaRight: Δr, deltaWrong: Δw)
        func pplx(_ x: T, _ gr: T, _ gw: T) -> T { -(x * T.log(s.one - gr)) - (s.one - x) * T.log(gw) }
        let L0 = pplx(a, γr, γw)
        expectClose(try logPerplexity(accuracy: a, gammaRight: γr, gammaWrong: γw).total, L0, tolerance: s.tolerance, context)
        let γrʹ = γr - Δr, γwʹ = γw - Δw
        // It solves the iso-perplexity equation, and the gap identity holds.
        let scale = s.one + L0 + T.log(γwʹ).magnitude
        expectClose(pplx(critical, γrʹ, γwʹ), L0, tolerance: s.tolerance * scale, context)
        let S = T.log(s.one - γrʹ) - T.log(γwʹ)
        expectClose(critical - a, (pplx(a, γrʹ, γwʹ) - L0) / S, tolerance: s.tolerance * scale, context)
        // With γr = γw and Δr = Δw it is Eq. 11.
        if r < 500 {
            let coupled = try criticalAccuracy(accuracy: a, gammaRight: γr, gammaWrong: γr, deltaRight: Δr, deltaWrong: Δr)
            expectClose(coupled, try criticalAccuracy(accuracy: a, gamma: γr, delta: Δr), tolerance: s.tolerance, context)
        }
    }

    @Test("The two-parameter a′ reduces to Eq. 11, solves its iso-perplexity equation and obeys the gap identity")
    func reduction() async throws {
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...998), Gen.int(in: 1...999), Gen.int(in: 0...999), Gen.int(in: 0...999)) { k, r, w, dr, dw in
            try reduces(inDouble, k: k, r: r, w: w, dr: dr, dw: dw)
            try reduces(inBig, k: k, r: r, w: w, dr: dr, dw: dw)
            try reduces(inInterval, k: k, r: r, w: w, dr: dr, dw: dw)
        }
    }

    func oneSided<T: PerplexityScalar>(_ s: Scalars<T>, k: Int, r: Int, w: Int, d: Int) throws {
        let a = s.q(milli(k)), γr = s.q(milli(r)), γw = s.q(milli(w))
        let context = "\(s.name) a=\(k) γr=\(r) γw=\(w) d=\(d)"
        // Right answers sharpened only: a′ ≤ a, strictly when a > 0.
        let right = try criticalAccuracy(accuracy: a, gammaRight: γr, gammaWrong: γw, deltaRight: γr * s.q(milli(d)), deltaWrong: s.zero)
        if k > 0 { expectLess(right, a, context + " right-only") } else { expectAtMost(right, a, slack: s.tolerance, context) }
        // Wrong answers leave less on the truth only: a′ ≥ a, strictly when a < 1.
        let wrong = try criticalAccuracy(accuracy: a, gammaRight: γr, gammaWrong: γw, deltaRight: s.zero, deltaWrong: γw * s.q(milli(d)))
        if k < 1000 { expectLess(a, wrong, context + " wrong-only") } else { expectAtMost(a, wrong, slack: s.tolerance, context) }
    }

    @Test("Right-only shifts lower the bar (a′ ≤ a); wrong-only shifts raise it (a′ ≥ a)")
    func oneSidedShifts() async throws {
        // γr + γw < 1 keeps every one-sided shift admissible (γw′ ≤ γw < 1 − γr ≤ 1 − γr′).
        await seededCheck(input: Gen.int(in: 0...1000), Gen.int(in: 1...499), Gen.int(in: 1...499), Gen.int(in: 1...999)) { k, r, w, d in
            try oneSided(inDouble, k: k, r: r, w: w, d: d)
            try oneSided(inBig, k: k, r: r, w: w, d: d)
            try oneSided(inInterval, k: k, r: r, w: w, d: d)
        }
    }
}
