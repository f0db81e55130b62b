import Foundation
import Kernels
import Testing

/// The C skinny kernel on every instruction set this machine has, against float64 sums with the
/// float32 error bound of a length-k dot product.
@Suite("skinny products (CKernels)")
struct SkinnyProductTests {
    /// γ_h = h·u/(1 − h·u), u = 2^−24: a float32 dot product of k terms summed in any tree of
    /// depth ≤ k, with or without fused multiply-adds, is within γ_(k+1)·Σ|x_t·w_t| of exact.
    func gamma(_ h: Int) -> Double { Double(h) * 0x1p-24 / (1 - Double(h) * 0x1p-24) }

    func floats(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        // 24-bit integers scaled by 2^−23: exact floats in [−1, 1), products exact in float64.
        (0..<count).map { _ in Float(Int(rng.next() >> 40) - (1 << 23)) * 0x1p-23 }
    }

    @Test("each instruction set: every entry within γ_(k+1)·Σ|x·w| of float64, nothing written outside y")
    func againstFloat64() {
        let sets = InstructionSet.supported  // which sets: checked against /proc/cpuinfo in InstructionSetTests
        for seed in UInt64(1)...150 {
            var rng = SplitMix64(seed: seed)
            // Shapes around every block and tail size: rows of x by 4, rows of w by 4 and 2, k by 16 and 8.
            let m = Int(rng.next() % 9) + 1, n = Int(rng.next() % 41) + 1, k = Int(rng.next() % 70) + 1
            let ldy = n + Int(rng.next() % 3)
            let x = floats(m * k, &rng), w = floats(n * k, &rng)
            for set in sets {
                var y = [Float](repeating: .nan, count: m * ldy)
                x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            skinnyProduct(xp.baseAddress!, rows: m, by: wp.baseAddress!, rows: n, columns: k,
                                          into: yp.baseAddress!, rowStride: ldy, instructionSet: set)
                        }
                    }
                }
                var worst = 0.0, outside = 0
                for i in 0..<m {
                    for j in 0..<ldy {
                        guard j < n else {
                            if !y[i * ldy + j].isNaN { outside += 1 }
                            continue
                        }
                        var exact = 0.0, magnitude = 0.0
                        for t in 0..<k {
                            let product = Double(x[i * k + t]) * Double(w[j * k + t])
                            exact += product
                            magnitude += abs(product)
                        }
                        worst = max(worst, abs(Double(y[i * ldy + j]) - exact) / max(gamma(k + 1) * magnitude, .leastNormalMagnitude))
                    }
                }
                #expect(worst <= 1, "seed \(seed), \(set), m \(m) n \(n) k \(k): error \(worst) × the bound")
                #expect(outside == 0, "seed \(seed), \(set): \(outside) entries written past n")
            }
        }
    }

    @Test("multiply on Gemma-like shapes, 1…40 token rows (sgemv, skinny, and from 17 rows the packed product or sgemm)")
    func multiplyEveryPath() {
        var rng = SplitMix64(seed: 7)
        let rows = 700, columns = 96
        let w = floats(rows * columns, &rng), x = floats(40 * columns, &rng)
        let matrix = Matrix(rows: rows, columns: columns, values: w)
        for m in [1, 2, 3, 5, 8, 13, 16, 17, 31, 40] {
            var y = [Float](repeating: .nan, count: m * rows)
            multiply(Array(x[..<(m * columns)]), rows: m, by: matrix, into: &y, threads: 2)
            var worst = 0.0
            for i in 0..<m {
                for j in 0..<rows {
                    var exact = 0.0, magnitude = 0.0
                    for t in 0..<columns {
                        let product = Double(x[i * columns + t]) * Double(w[j * columns + t])
                        exact += product
                        magnitude += abs(product)
                    }
                    worst = max(worst, abs(Double(y[i * rows + j]) - exact) / (gamma(columns + 1) * magnitude))
                }
            }
            #expect(worst <= 1, "m \(m): error \(worst) × the bound")
        }
    }
}
