import Foundation
import Kernels
import Testing

/// The C skinny kernel on every instruction set this machine has, against float64 sums with the
/// float32 error bound of a length-k dot product.
@Suite("skinny products (CKernels)")
struct SkinnyProductTests {
    @Test("each instruction set: every entry within γ_(k+1)·Σ|x·w| of float64, nothing written outside y")
    func againstFloat64() {
        let sets = InstructionSet.supported  // which sets: checked against /proc/cpuinfo in InstructionSetTests
        for seed in UInt64(1)...150 {
            var rng = SplitMix64(seed: seed)
            // Shapes around every block and tail size: rows of x by 4, rows of w by 4 and 2, k by 16 and 8.
            let m = Int(rng.next() % 9) + 1, n = Int(rng.next() % 41) + 1, k = Int(rng.next() % 70) + 1
            let ldy = n + Int(rng.next() % 3)
            let x = ProductCheck.floats(m * k, &rng), w = ProductCheck.floats(n * k, &rng)
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
                let (worst, outside) = ProductCheck.errors(y, rowStride: ldy, x: x, w: w, weightStride: k, m: m, n: n, k: k)
                #expect(worst <= 1, "seed \(seed), \(set), m \(m) n \(n) k \(k): error \(worst) × the bound")
                #expect(outside == 0, "seed \(seed), \(set): \(outside) entries written past n")
            }
        }
    }

    @Test("multiply on Gemma-like shapes, 1…40 token rows (sgemv, skinny, and from 17 rows the packed product or sgemm)")
    func multiplyEveryPath() {
        var rng = SplitMix64(seed: 7)
        let rows = 700, columns = 96
        let w = ProductCheck.floats(rows * columns, &rng), x = ProductCheck.floats(40 * columns, &rng)
        let matrix = Matrix(rows: rows, columns: columns, values: w)
        for m in [1, 2, 3, 5, 8, 13, 16, 17, 31, 40] {
            var y = [Float](repeating: .nan, count: m * rows)
            multiply(Array(x[..<(m * columns)]), rows: m, by: matrix, into: &y, threads: 2)
            let worst = ProductCheck.errors(y, rowStride: rows, x: x, w: w, weightStride: columns, m: m, n: rows, k: columns).worst
            #expect(worst <= 1, "m \(m): error \(worst) × the bound")
        }
    }
}
