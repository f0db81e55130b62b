import Foundation
import Testing
import MultiPrecision
import PerplexityTheory
@testable import Prover

/// The prover on claims whose truth is known in closed form.
@Suite struct ProverTests {
    /// x² − 2 > 0 on [lower, upper].
    func squareClaim(_ lower: String, _ upper: String) -> Claim {
        Claim(id: "square", statement: "x² > 2", symbols: "x² − 2 > 0", variables: [Variable("x", lower, upper)], fullDomain: "\(lower) ≤ x ≤ \(upper)",
              expected: .proved, edges: "", proof: "") { x in .positive(x[0].squared - 2) }
    }

    @Test("a true inequality is proved") func proves() async {
        let verdict = await Prover().check(squareClaim("3/2", "2"))
        #expect(verdict.name == "proved")
    }

    @Test("a false inequality is refuted by a certified point where it fails") func refutes() async throws {
        let verdict = await Prover().check(squareClaim("1", "2"))
        guard case .refuted(_, let counterexample) = verdict else {
            Issue.record("expected a refutation, got \(verdict.name)")
            return
        }
        let x = counterexample.point[0].value
        // Independent check in exact rational arithmetic: x² ≤ 2 there.
        #expect(x * x <= 2)
        #expect(x >= 1 && x <= 2)
        #expect(counterexample.precision == 512)
    }

    @Test("an inequality that is true but touches zero stays undecided within a small budget")
    func undecided() async {
        // x² ≥ 0 is true, but x² > 0 fails only at x = 0, which bisection of [−1, 1] hits exactly:
        // use (x − 1/3)² > 0 on [0, 1], false only at the non-dyadic point 1/3, never sampled.
        let claim = Claim(id: "touch", statement: "", symbols: "", variables: [Variable("x", "0", "1")], fullDomain: "0 ≤ x ≤ 1", expected: .proved,
                          edges: "", proof: "") { x in .positive((x[0] - x[0].rational(try! BigRational(1, 3))).squared) }
        let verdict = await Prover(budget: ProverBudget(boxes: 200)).check(claim)
        #expect(verdict.name == "undecided")
        #expect(verdict.boxes == 200)
    }

    @Test("a conjunction fails when one part fails") func conjunction() throws {
        let one = try Interval(1, precision: 64), minus = try Interval(-1, precision: 64)
        #expect(Condition.all([.positive(one), .positive(minus)]).truth == .fails)
        #expect(Condition.all([.positive(one), .nonNegative(one)]).truth == .holds)
        let straddle = try Interval(lower: BigRational(-1), upper: BigRational(1), precision: 64)
        #expect(Condition.all([.positive(one), .positive(straddle)]).truth == .unknown)
        #expect(Condition.negative(minus).truth == .holds)
        #expect(Condition.zero(straddle, tolerance: 1).truth == .unknown)
        #expect(Condition.zero(one, tolerance: 1).truth == .fails)
    }

    @Test("boxes split along the relatively widest side at the exact midpoint") func splitting() {
        let box = Box([Variable("a", "0", "1"), Variable("b", "0", "100")])
        let (left, right) = box.split(relativeTo: [1, 100])
        #expect(left.upper[0] == BigRational(1) / BigRational(2) && right.lower[0] == BigRational(1) / BigRational(2))
        let (l2, _) = left.split(relativeTo: [1, 100])
        #expect(l2.upper[1] == 50)
    }
}

/// Claims of the catalogue that are cheap enough for a debug build; `perplexed verify` (run by
/// `make test` in a release build) checks the whole catalogue.
@Suite struct CatalogueTests {
    @Test("claim ids are unique and every claim names a proof file") func catalogueShape() {
        let claims = Catalogue.all(precision: 64)
        #expect(Set(claims.map(\.id)).count == claims.count)
        #expect(claims.count >= 12)
        for claim in claims { #expect(claim.proof.hasPrefix("Proofs/") && claim.proof.hasSuffix(".md")) }
    }

    @Test("every claim says how much of its domain the machine covers; a factorised one names an identity claim of the catalogue")
    func domains() {
        let claims = Catalogue.all(precision: 64)
        let ids = Set(claims.map(\.id))
        // Stated here from Proofs/ (not read from the catalogue under test): which claims are
        // covered on their whole domain, and how.
        let factorised = ["half-accuracy-raises-bar", "half-accuracy-monotone", "free-lunch-under-confident",
                          "free-lunch-over-confident", "temperature-into", "temperature-monotone"]
        for claim in claims {
            switch claim.domain {
            case .machine: #expect(["five-ten-points", "rises-to-one-window"].contains(claim.id), "\(claim.id)")
            case .factorised(let identity, let signs):
                #expect(factorised.contains(claim.id) && ids.contains(identity) && !signs.isEmpty, "\(claim.id)")
                #expect(Catalogue.claim(identity)?.expected == .checked, "\(claim.id): \(identity)")
            case .part(let covered, let remainder):
                #expect(!factorised.contains(claim.id) && !covered.isEmpty && !remainder.isEmpty, "\(claim.id)")
            }
            #expect(claim.coverage.contains(claim.fullDomain), "\(claim.id)")
        }
        #expect(claims.filter { $0.domain.isFull }.count == factorised.count + 2)
    }

    @Test("at a = 1 and γ = 10^-12 the slope of a′ is negative at s = 96/100, as rises-to-one-small-gamma finds (mpmath-free: Double finite difference)")
    func smallGammaSlope() {
        // Written out independently of the library, by the gap identity at a = 1 (Proofs/eq-11.md):
        // a′ − 1 = (log(1 − γ) − log(1 − γ′))/L(γ′), which Double resolves where a′ itself rounds to 1.
        func critical(_ s: Double) -> Double {
            let g = 1e-12, shifted = g * (1 - s)
            return (Foundation.log1p(-g) - Foundation.log1p(-shifted)) / (Foundation.log1p(-shifted) - Foundation.log(shifted))
        }
        let h = 1e-6
        #expect((critical(0.96 + h) - critical(0.96 - h)) / (2 * h) < 0)
        #expect((critical(0.999 + h) - critical(0.999 - h)) / (2 * h) > 0)
    }

    @Test("the window proof's condition can fail: on r ≤ 4/5 (γ′ ≤ γ^(5/4)) it is refuted, as the slope at a = 1 is negative there")
    func windowCanFail() async throws {
        let window = try #require(Catalogue.claim("rises-to-one-window"))
        let wider = Claim(id: "wider", statement: "", symbols: "", variables: [window.variables[0], window.variables[1], Variable("r", "0", "4/5")],
                          fullDomain: "", expected: .refuted, edges: "", proof: "", condition: window.condition)
        let verdict = await Prover(budget: ProverBudget(boxes: 20_000)).check(wider)
        guard case .refuted(_, let c) = verdict else { Issue.record("expected refuted, got \(verdict.name)"); return }
        // At the counterexample the slope, written out in Double by the gap identity, is ≤ 0 too.
        let (a, u, r) = (c.point[0].value.doubleApproximation, c.point[1].value.doubleApproximation, c.point[2].value.doubleApproximation)
        let g = Foundation.exp(-1 / u)
        func gap(_ shifted: Double) -> Double {
            let base = -a * Foundation.log1p(-g) - (1 - a) * Foundation.log(g)
            let f = -a * Foundation.log1p(-shifted) - (1 - a) * Foundation.log(shifted)
            return (f - base) / (Foundation.log1p(-shifted) - Foundation.log(shifted))
        }
        let shifted = Foundation.exp(-1 / (r * u)), h = shifted * 1e-4
        // a′ − a as γ′ falls (s grows) must not increase at a counterexample.
        #expect(gap(shifted - h) <= gap(shifted + h) + 1e-15, "a \(a), u \(u), r \(r)")
    }

    @Test("near γ = 0 the window's lower enclosure of Q/P lies below Q/P itself, on a grid of points")
    func windowNearZero() throws {
        for (i, j, k) in (0...4).flatMap({ i in (1...10).flatMap { j in (1...10).map { (i, j, $0) } } }) {
            let a = try Interval(BigRational(i, 4), precision: 128)
            let u = try Interval(BigRational(j, 20), precision: 128)
            let r = try Interval(BigRational(k, 20), precision: 128)
            let bound = try Catalogue.windowQuotientNearZero(a: a, u: u, r: r)
            let exact = try Catalogue.windowQuotient(a: a, u: u, r: r)
            #expect(bound.lower <= exact.upper && bound.lower > 0, "a \(a), u \(u), r \(r): \(bound) vs \(exact)")
        }
    }

    @Test("the printed Appendix A bound is refuted at a point satisfying the lemma's hypotheses; negative in Double too")
    func appendixRefuted() async throws {
        let verdict = await Prover().check(try #require(Catalogue.claim("appendix-a-printed")))
        guard case .refuted(_, let c) = verdict else { Issue.record("expected refuted, got \(verdict.name)"); return }
        let epsilon = c.point[0].value, r = c.point[1].value
        // Feasible by construction: ε = r(1/2 − ϵ)/2 with 0 < r < 1 and 0 < ϵ < 1/2, so that some
        // p(α_k) > 1/2 + ϵ and two other symbols at ≥ ε each fit in probability 1.
        let half = BigRational(1) / BigRational(2)
        let floor = r * (half - epsilon) * half
        #expect(epsilon > 0 && epsilon < half && r > 0 && r < 1)
        #expect(floor > 0 && half + epsilon + 2 * floor < 1, "ϵ = \(epsilon), ε = \(floor)")
        #expect(c.derived.first { $0.name == "floor" }?.value == floor)
        // Written out independently of the library: −(1/16)(log(1/2 + ϵ) − log ε + 15ϵ).
        let e = epsilon.doubleApproximation, f = floor.doubleApproximation
        let printed = -(1.0 / 16) * (Foundation.log(0.5 + e) - Foundation.log(f) + 15 * e)
        // The prover's certified value at the point agrees with the written-out Double formula.
        let certified = try #require(c.values.first)
        #expect(printed < 0 && abs(certified.doubleMidpoint - printed) < 1e-12, "\(certified) vs \(printed)")
    }

    @Test("cheap catalogue claims reach the verdicts their proofs give",
          arguments: [("eq11-iso-perplexity", "checked"), ("free-lunch-slope-closed-form", "checked"), ("rises-to-one", "proved"),
                      ("five-ten-points", "proved"), ("lemma-3-1-corrected", "proved"), ("temperature-into", "proved"),
                      ("boole-bound", "proved"), ("half-accuracy-factorised", "checked"), ("half-accuracy-slope-factorised", "checked"),
                      ("temperature-factorised", "checked"), ("rises-to-one-small-gamma", "refuted"),
                      ("rises-to-one-window", "proved"), ("rises-to-one-window-identity", "checked")])
    func cheapClaims(_ id: String, _ expected: String) async throws {
        let claim = try #require(Catalogue.claim(id))
        let verdict = await Prover().check(claim)
        // The expected verdict is stated here (from Proofs/), not read from the catalogue under test.
        #expect(verdict.name == expected && claim.expected.rawValue == expected, "\(id): \(verdict.name)")
    }

    @Test("the 5- and 10-point thresholds agree with plain Double bisection")
    func thresholds() throws {
        // a′(1/2, γ, s) written out in Double, independently of the library's evaluation order.
        func critical(_ g: Double, _ s: Double) -> Double {
            let L = -0.5 * Foundation.log(1 - g) - 0.5 * Foundation.log(g)
            let gp = g * (1 - s)
            return (L + Foundation.log(gp)) / (Foundation.log(gp) - Foundation.log(1 - gp))
        }
        let shifts = Catalogue.thresholdShifts(precision: 128)
        #expect(shifts.count == 12)  // 6 γ of Fig. 3 × 2 thresholds
        for t in shifts {
            let g = try BigRational(parsing: t.gamma).doubleApproximation
            let tau = try BigRational(parsing: t.tau).doubleApproximation
            var lo = 0.0, hi = 0.99
            for _ in 0..<60 { let mid = (lo + hi) / 2; if critical(g, mid) - 0.5 > tau { hi = mid } else { lo = mid } }
            #expect(abs(t.low.doubleApproximation - lo) < 1e-9, "γ = \(t.gamma), τ = \(t.tau)")
            #expect(t.high - t.low < (try BigRational(parsing: "1e-11")))
        }
    }
}
