import Foundation
import Kernels
import RealModule
import Testing

@Suite("Softmax and exp kernels")
struct SoftmaxTests {
    @Test("a constant row is uniform, with the row's value as maximum", arguments: [RowExp.exact, .vectorised])
    func uniform(kind: RowExp) {
        for n in [1, 3, 8, 13] {
            let x = [Double](repeating: 4.25, count: n)
            var y = [Double](repeating: .nan, count: n)
            let (mx, sum) = softmaxRow(x, into: &y, count: n, exp: kind)
            #expect(mx == 4.25 && sum == Double(n))
            #expect(y.allSatisfy { $0 == 1 / Double(n) })
        }
    }

    @Test("two logits give the logistic function; rows sum to one", arguments: [RowExp.exact, .vectorised])
    func logistic(kind: RowExp) {
        for d in stride(from: -8.0, through: 8.0, by: 0.5) {
            var row = [0, d]
            row.withUnsafeMutableBufferPointer { p in
                _ = softmaxRow(p.baseAddress!, into: p.baseAddress!, count: 2, exp: kind)  // in place
            }
            #expect(abs(row[1] - 1 / (1 + Double.exp(-d))) <= 1e-15)
            #expect(abs(row[0] + row[1] - 1) <= 1e-15)
        }
        // Float, vectorised (fastExp): within a few ulp of the logistic.
        for d in stride(from: Float(-8), through: 8, by: 0.5) {
            var y = [Float](repeating: 0, count: 2)
            softmaxRow([0, d], into: &y, count: 2, exp: kind)
            #expect(abs(Double(y[1]) - 1 / (1 + Double.exp(-Double(d)))) <= 1e-6)
        }
    }

    @Test("the log-sum-exp is max + log(sum)")
    func logSumExp() {
        let x: [Double] = [0.5, -1, 3, 2]
        var y = [Double](repeating: 0, count: 4)
        let (mx, sum) = softmaxRow(x, into: &y, count: 4, exp: .exact)
        let lse = Double.log(x.map { Double.exp($0) }.reduce(0, +))
        #expect(mx == 3 && abs(mx + Double.log(sum) - lse) <= 1e-14)
        #expect(abs(y.reduce(0, +) - 1) <= 1e-15)
    }

    @Test("array softmaxes: uniform, logistic, sums; logSoftmax exponentiates to a distribution")
    func arrays() {
        #expect(softmax([2, 2, 2, 2]) == [0.25, 0.25, 0.25, 0.25])
        #expect(softmaxDouble([2, 2, 2, 2]) == [0.25, 0.25, 0.25, 0.25])
        #expect(logSoftmax([2, 2, 2, 2]) == [Float](repeating: -Float.log(4), count: 4))
        for d: Float in [-6, -1, 0, 0.25, 3] {
            let logistic = 1 / (1 + Double.exp(-Double(d)))
            #expect(abs(softmaxDouble([0, d])[1] - logistic) <= 1e-15)
            #expect(abs(Double(softmax([0, d])[1]) - logistic) <= 1e-7)
            #expect(abs(Double.exp(Double(logSoftmax([0, d])[1])) - logistic) <= 1e-6)
        }
        let logits: [Float] = [1.5, -2, 0.25, 7, 3]
        #expect(abs(softmaxDouble(logits).reduce(0, +) - 1) <= 1e-15)
        #expect(abs(softmax(logits).reduce(0, +) - 1) <= 1e-6)
        #expect(abs(logSoftmax(logits).map { Double.exp(Double($0)) }.reduce(0, +) - 1) <= 1e-6)
    }

    @Test("the vectorised float exp is within 4 ulp-ish of libm across its range")
    func fastExpAccuracy() {
        var worst: Float = 0
        for i in 0...20_000 {
            let x = -87 + Float(i) * (175.0 / 20_000)
            let reference = Foundation.exp(Double(x))
            let relative = Float(abs(Double(fastExp(x)) - reference) / reference)
            worst = max(worst, relative)
        }
        #expect(worst < 4e-7)
        #expect(fastExp(0) == 1)
        #expect(fastExp(-1000) > 0 && fastExp(-1000) < 1e-37)  // clamped, never 0 or NaN
        #expect(fastExp(1000).isFinite)
    }

    @Test("expInPlace is fastExp for Float and the C library's exp for Double")
    func expInPlaceKinds() {
        var p: [Float] = [0, 1, -1]
        expInPlace(&p, count: 3)
        #expect(p == [fastExp(0), fastExp(1), fastExp(-1)])
        var q: [Double] = [0, 1, -1]
        expInPlace(&q, count: 3)
        #expect(q == [1, Double.exp(1), Double.exp(-1)])
    }
}
