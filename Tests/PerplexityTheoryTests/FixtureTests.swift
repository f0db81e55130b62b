import Testing
import MultiPrecision
import PerplexityTheory

/// Every formula against mpmath at 60 digits: the certified enclosure contains the reference and
/// is narrow; Double and Float agree to their own precision.
@Suite struct FixtureTests {
    let fx: Fixtures
    init() throws { fx = try Fixtures.load() }

    @Test("Eq. 10: both parts and the total")
    func logPerplexityValues() throws {
        let rows = try fx.rows("pplx")
        #expect(rows.count == 56)
        for row in rows {
            let c = try logPerplexity(accuracy: enclosure(row["accuracy"]), gamma: enclosure(row["gamma"]))
            try expectEncloses(c.onRight, row["onRight"], "\(row)")
            try expectEncloses(c.onWrong, row["onWrong"], "\(row)")
            try expectEncloses(c.total, row["total"], "\(row)")
            let d = try logPerplexity(accuracy: double(row["accuracy"]), gamma: double(row["gamma"]))
            try expectClose(d.total, row["total"], tolerance: 1e-14, "\(row)")
            let f = try logPerplexity(accuracy: float(row["accuracy"]), gamma: float(row["gamma"]))
            try expectClose(Double(f.total), row["total"], tolerance: 1e-6, "\(row)")
            let b = try logPerplexity(accuracy: float256(row["accuracy"]), gamma: float256(row["gamma"]))
            try expectClose(b.total.double(), row["total"], tolerance: 1e-15, "\(row)")
        }
    }

    @Test("Eq. 11 by absolute and by normalised shift, up to the limit Δ = γ")
    func criticalValues() throws {
        let rows = try fx.rows("critical")
        #expect(rows.count == 504)
        for row in rows {
            let a = try enclosure(row["accuracy"]), g = try enclosure(row["gamma"])
            try expectEncloses(criticalAccuracy(accuracy: a, gamma: g, shift: enclosure(row["shift"])), row["critical"], "\(row)")
            if try row["shift"] != "1" {
                // At Δ = γ the two enclosures of a non-dyadic γ cannot be proven equal, so the
                // certified Δ form refuses Δ = γ (see `deltaEqualToGamma`); the shift form is exact.
                try expectEncloses(criticalAccuracy(accuracy: a, gamma: g, delta: enclosure(row["delta"])), row["critical"], "\(row)")
            }
            let b = try criticalAccuracy(accuracy: float256(row["accuracy"]), gamma: float256(row["gamma"]), shift: float256(row["shift"]))
            try expectClose(b.double(), row["critical"], tolerance: 1e-15, "\(row)")
            let d = try criticalAccuracy(accuracy: double(row["accuracy"]), gamma: double(row["gamma"]), shift: double(row["shift"]))
            try expectClose(d, row["critical"], tolerance: 1e-13, "\(row)")
            let f = try criticalAccuracy(accuracy: float(row["accuracy"]), gamma: float(row["gamma"]), shift: float(row["shift"]))
            try expectClose(Double(f), row["critical"], tolerance: 1e-5, "\(row)")
        }
    }

    @Test("Δ = γ: exactly 1 when γ is a point, and a clear refusal when Δ and γ are distinct enclosures")
    func deltaEqualToGamma() throws {
        let quarter = try enclosure("0.25")
        #expect(try criticalAccuracy(accuracy: enclosure("0.5"), gamma: quarter, delta: quarter).contains(BigRational(1)))
        #expect(try criticalAccuracy(accuracy: 0.5, gamma: 0.1, delta: 0.1) == 1.0)
        #expect(try criticalAccuracy(accuracy: Float(0.5), gamma: 0.1, delta: 0.1) == 1.0)
        #expect(throws: ParameterError.self) {
            try criticalAccuracy(accuracy: enclosure("0.5"), gamma: enclosure("0.1"), delta: enclosure("0.1"))
        }
    }

    @Test("Eq. 7 for V = 2 and V > 2")
    func temperatureValues() throws {
        let rows = try fx.rows("temperature")
        #expect(rows.count == 90)
        #expect(try rows.contains { try $0.int("vocabulary") == 2 } && rows.contains { try $0.int("vocabulary") > 2 })
        for row in rows {
            let V = try row.int("vocabulary")
            let x = try temperedGamma(gamma: enclosure(row["gamma"]), theta: enclosure(row["theta"]), vocabulary: V)
            try expectEncloses(x, row["temperedGamma"], "\(row)")
            let d = try temperedGamma(gamma: double(row["gamma"]), theta: double(row["theta"]), vocabulary: V)
            try expectClose(d, row["temperedGamma"], tolerance: 1e-13, "\(row)")
        }
    }

    @Test("The inverse of Eq. 7: the temperature that reaches a target γ′")
    func inverseTemperatureValues() throws {
        let rows = try fx.rows("inverseTemperature")
        #expect(rows.count == 8)
        for row in rows {
            let V = try row.int("vocabulary")
            let x = try temperature(gamma: enclosure(row["gamma"]), targetGamma: enclosure(row["targetGamma"]), vocabulary: V)
            try expectEncloses(x, row["theta"], "\(row)")
            let d = try temperature(gamma: double(row["gamma"]), targetGamma: double(row["targetGamma"]), vocabulary: V)
            try expectClose(d, row["theta"], tolerance: 1e-12, "\(row)")
        }
    }

    @Test("Remark 3.5 and Prop. 3.6: (1−γ)^N, Boole's bound, N(γ+ϵ)")
    func samplingValues() throws {
        let rows = try fx.rows("sampling")
        #expect(rows.count == 48)
        for row in rows {
            let s = try sampling(gamma: enclosure(row["gamma"]), length: row.int("length"), epsilon: enclosure(row["epsilon"]))
            try expectEncloses(s.copyProbability, row["copyProbability"], "\(row)")
            try expectEncloses(s.failureProbability, row["failureProbability"], "\(row)")
            try expectEncloses(s.booleBound, row["booleBound"], "\(row)")
            try expectEncloses(s.propositionBound, row["propositionBound"], "\(row)")
            let d = try sampling(gamma: double(row["gamma"]), length: row.int("length"), epsilon: double(row["epsilon"]))
            try expectClose(d.copyProbability, row["copyProbability"], tolerance: 1e-13, "\(row)")
        }
    }

    @Test("Lemma 3.1, corrected bound; Prop. 3.2")
    func lemmaValues() throws {
        let bounds = try fx.rows("lemmaBound")
        #expect(bounds.count == 80)
        for row in bounds {
            let x = try lemmaBound(length: row.int("length"), eta: enclosure(row["eta"]), floor: enclosure(row["floor"]))
            try expectEncloses(x, row["bound"], "\(row)")
            let d = try lemmaBound(length: row.int("length"), eta: double(row["eta"]), floor: double(row["floor"]))
            try expectClose(d, row["bound"], tolerance: 1e-14, "\(row)")
        }
        let collapsing = try fx.rows("collapsing")
        #expect(collapsing.count == 3)
        for row in collapsing {
            let x = try collapsingConfidenceBound(
                gamma: enclosure(row["gamma"]), length: row.int("length"), eta: enclosure(row["eta"]), floor: enclosure(row["floor"]))
            try expectEncloses(x, row["bound"], "\(row)")
        }
    }

    @Test("Lemma 3.1: the threshold n′ and its two parts are exact")
    func lemmaThresholdValues() throws {
        let rows = try fx.rows("lemmaThreshold")
        #expect(rows.count == 5)
        for row in rows {
            let (t, eta) = try lemmaThreshold(xi: exact(row["xi"]), margin: exact(row["margin"]), floor: exact(row["floor"]), delta: exact(row["delta"]))
            #expect(try t.threshold == row.int("threshold"), "\(row)")
            #expect(try t.continuityLength == row.int("continuityLength"), "\(row)")
            #expect(try t.dilutionLength == row.int("dilutionLength"), "\(row)")
            #expect(try eta == exact(row["eta"]), "\(row)")
        }
    }

    @Test("The Appendix A expression as printed (negative, so it bounds no absolute value)")
    func printedAppendixValues() throws {
        let rows = try fx.rows("printedAppendix")
        #expect(rows.count == 27)
        for row in rows {
            let x = try printedAppendixBound(length: row.int("length"), epsilon: enclosure(row["epsilon"]), floor: enclosure(row["floor"]))
            try expectEncloses(x, row["value"], "\(row)")
            #expect(x.isCertainlyNegative, "\(row)")
        }
    }

    @Test("The two-parameter model: both parts of pplx and the critical accuracy")
    func twoParameterValues() throws {
        let rows = try fx.rows("twoParameter")
        #expect(rows.count == 6)
        for row in rows {
            let a = try enclosure(row["accuracy"]), gr = try enclosure(row["gammaRight"]), gw = try enclosure(row["gammaWrong"])
            let c = try logPerplexity(accuracy: a, gammaRight: gr, gammaWrong: gw)
            try expectEncloses(c.onRight, row["onRight"], "\(row)")
            try expectEncloses(c.onWrong, row["onWrong"], "\(row)")
            let d = try criticalAccuracy(
                accuracy: double(row["accuracy"]), gammaRight: double(row["gammaRight"]), gammaWrong: double(row["gammaWrong"]),
                deltaRight: double(row["deltaRight"]), deltaWrong: double(row["deltaWrong"]))
            try expectClose(d, row["critical"], tolerance: 1e-13, "\(row)")
            // Δ_w = γ_w cannot be certified from two separate enclosures (see the Eq. 11 test).
            guard try row["deltaWrong"] != row["gammaWrong"] else { continue }
            let x = try criticalAccuracy(accuracy: a, gammaRight: gr, gammaWrong: gw, deltaRight: enclosure(row["deltaRight"]), deltaWrong: enclosure(row["deltaWrong"]))
            try expectEncloses(x, row["critical"], "\(row)")
        }
    }

    @Test("Section 4.3: fitGamma encloses both mpmath roots, or says no γ fits")
    func fitGammaValues() throws {
        let rows = try fx.rows("fitGamma")
        #expect(rows.count == 10)
        for row in rows {
            let fit = try fitGamma(logPerplexity: exact(row["logPerplexity"]), accuracy: exact(row["accuracy"]), precision: bits)
            try expectEncloses(fit.entropy, row["entropy"], "\(row)")
            #expect(try fit.fits == row.bool("fits"), "\(row)")
            for (root, key) in [(fit.confident, "confident"), (fit.diffident, "diffident")] {
                if row.isNull(key) {
                    #expect(root == nil, "\(key) \(row)")
                } else if let root {
                    try expectEncloses(root, row[key], "\(key) \(row)")
                } else {
                    Issue.record("missing \(key) root for \(row)")
                }
            }
        }
    }

    @Test("Corollary 3.7: the gradient bound")
    func gradientValues() throws {
        let rows = try fx.rows("gradient")
        #expect(rows.count == 2)
        for row in rows {
            let distributions = try #require(row.fields["distributions"] as? [[String]], "\(row)").map { try $0.map { try enclosure($0) } }
            let targets = try #require(row.fields["targets"] as? [Int], "\(row)")
            #expect(!distributions.isEmpty && distributions.count == targets.count, "\(row)")
            let x = try gradientBound(jacobianBound: enclosure(row["jacobianBound"]), distributions: distributions, targets: targets)
            try expectEncloses(x, row["bound"], "\(row)")
        }
    }
}
