import Kernels
import Testing

/// The packed product (CKernels' `perplexed_packed_product`, AVX-512) against float64 sums with
/// the float32 error bound of a length-k dot product, on shapes around every block and tail size.
@Suite("packed products (CKernels, AVX-512)", .enabled(if: PackedRows.isAvailable, "needs AVX-512"))
struct PackedProductTests {
    /// γ_h = h·u/(1 − h·u), u = 2^−24: a float32 dot product of k terms summed in any order, with
    /// or without fused multiply-adds, is within γ_(k+1)·Σ|x_t·w_t| of exact.
    func gamma(_ h: Int) -> Double { Double(h) * 0x1p-24 / (1 - Double(h) * 0x1p-24) }

    func floats(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        // 24-bit integers scaled by 2^−23: exact floats in [−1, 1), products exact in float64.
        (0..<count).map { _ in Float(Int(rng.next() >> 40) - (1 << 23)) * 0x1p-23 }
    }

    @Test("every entry within γ_(k+1)·Σ|x·w| of float64, nothing written outside y, the same bits on 1, 2 and 3 threads")
    func againstFloat64() {
        for seed in UInt64(1)...60 {
            var rng = SplitMix64(seed: seed)
            // Rows of x around slivers of 14, outputs around slivers of 32 and blocks of 128,
            // inputs around blocks of 256; strides wider than the rows.
            let m = Int(rng.next() % 40) + 1, n = Int(rng.next() % 300) + 1, k = Int(rng.next() % 600) + 1
            let ldw = k + Int(rng.next() % 3), ldy = n + Int(rng.next() % 3)
            let x = floats(m * k, &rng), w = floats(n * ldw, &rng)
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
            var worst = 0.0, outside = 0
            for i in 0..<m {
                for j in 0..<ldy {
                    guard j < n else {
                        if !y[i * ldy + j].isNaN { outside += 1 }
                        continue
                    }
                    var exact = 0.0, magnitude = 0.0
                    for t in 0..<k {
                        let product = Double(x[i * k + t]) * Double(w[j * ldw + t])
                        exact += product
                        magnitude += abs(product)
                    }
                    worst = max(worst, abs(Double(y[i * ldy + j]) - exact) / max(gamma(k + 1) * magnitude, .leastNormalMagnitude))
                }
            }
            #expect(worst <= 1, "seed \(seed), m \(m) n \(n) k \(k): error \(worst) × the bound")
            #expect(outside == 0, "seed \(seed): \(outside) entries written past n")
            for (index, other) in results.enumerated().dropFirst() {
                let same = zip(y, other).allSatisfy { $0.bitPattern == $1.bitPattern || ($0.isNaN && $1.isNaN) }
                #expect(same, "seed \(seed): \(index + 1) threads gave other bits than 1")
            }
        }
    }
}
