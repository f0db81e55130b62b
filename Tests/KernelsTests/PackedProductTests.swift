import Kernels
import Testing

/// The packed product (CKernels' `perplexed_packed_product`, AVX-512) against float64 sums with
/// the float32 error bound of a length-k dot product, on shapes around every block and tail size.
@Suite("packed products (CKernels, AVX-512)", .enabled(if: PackedRows.isAvailable, "needs AVX-512"))
struct PackedProductTests {
    @Test("every entry within γ_(k+1)·Σ|x·w| of float64, nothing written outside y, the same bits on 1, 2 and 3 threads")
    func againstFloat64() {
        for seed in UInt64(1)...60 {
            var rng = SplitMix64(seed: seed)
            // Rows of x around slivers of 14, outputs around slivers of 32 and blocks of 128,
            // inputs around blocks of 256; strides wider than the rows.
            let m = Int(rng.next() % 40) + 1, n = Int(rng.next() % 300) + 1, k = Int(rng.next() % 600) + 1
            let ldw = k + Int(rng.next() % 3), ldy = n + Int(rng.next() % 3)
            let x = ProductCheck.floats(m * k, &rng), w = ProductCheck.floats(n * ldw, &rng)
            var results: [[Float]] = []
            for threads in [1, 2, 3] {
                var y = [Float](repeating: .nan, count: m * ldy)
                x.withUnsafeBufferPointer { xp in
                    w.withUnsafeBufferPointer { wp in
                        y.withUnsafeMutableBufferPointer { yp in
                            PackedRows.pack(xp.baseAddress!, rows: m, columns: k, threads: threads)
                                .multiply(by: wp.baseAddress!, rowStride: ldw, rows: n, into: yp.baseAddress!, rowStride: ldy,
                                          threads: threads)
                        }
                    }
                }
                results.append(y)
            }
            let y = results[0]
            let (worst, outside) = ProductCheck.errors(y, rowStride: ldy, x: x, w: w, weightStride: ldw, m: m, n: n, k: k)
            #expect(worst <= 1, "seed \(seed), m \(m) n \(n) k \(k): error \(worst) × the bound")
            #expect(outside == 0, "seed \(seed): \(outside) entries written past n")
            for (index, other) in results.enumerated().dropFirst() {
                let same = zip(y, other).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                #expect(same, "seed \(seed): \(index + 1) threads gave other bits than 1")
            }
        }
    }
}
