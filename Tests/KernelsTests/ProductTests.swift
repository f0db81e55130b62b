import Kernels
import Testing

/// Products against naive triple loops, in Double (exact enough to compare tightly).
@Suite("BLAS products")
struct ProductTests {
    /// Deterministic values in [−1, 1).
    func values(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in Double(rng.next() >> 11) * 0x1p-52 - 1 }
    }

    func close(_ a: [Double], _ b: [Double], _ tolerance: Double = 1e-12) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($1)) }
    }

    @Test("gemm (every transpose, alpha, beta) and parallelGemm equal the triple loop",
          arguments: [(false, false), (false, true), (true, false), (true, true)])
    func gemm(transposes: (Bool, Bool)) {
        let (transA, transB) = transposes
        for (m, n, k, parts) in [(5, 3, 4, 1), (70, 65, 64, 2), (9, 2, 1, 3)] {
            let a = values(m * k, seed: 1), b = values(k * n, seed: 2), c0 = values(m * n, seed: 3)
            let lda = transA ? m : k, ldb = transB ? k : n
            // op(A)[i, p] and op(B)[p, j] read from the stored row-major matrices.
            func opA(_ i: Int, _ p: Int) -> Double { transA ? a[p * lda + i] : a[i * lda + p] }
            func opB(_ p: Int, _ j: Int) -> Double { transB ? b[j * ldb + p] : b[p * ldb + j] }
            var expected = c0
            for i in 0..<m {
                for j in 0..<n {
                    var s = 0.0
                    for p in 0..<k { s += opA(i, p) * opB(p, j) }
                    expected[i * n + j] = 0.5 * s + 2 * c0[i * n + j]
                }
            }
            var c = c0, cp = c0
            Double.gemm(transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5, a: a, lda: lda,
                        b: b, ldb: ldb, beta: 2, c: &c, ldc: n)
            Double.parallelGemm(parts: parts, transA: transA, transB: transB, m: m, n: n, k: k, alpha: 0.5,
                                a: a, lda: lda, b: b, ldb: ldb, beta: 2, c: &cp, ldc: n)
            // (Not bit-equal to each other: OpenBLAS's blocking, and so its rounding, depends on m.)
            #expect(close(c, expected), "\(m)×\(n)×\(k)")
            #expect(close(cp, expected), "\(m)×\(n)×\(k) in \(parts) parts")
        }
    }

    @Test("sgemv, multiply (one row and many, any thread count) and gemm(transposeB:) against loops")
    func floatProducts() {
        let rows = 37, columns = 19, m = 6
        let w = values(rows * columns, seed: 4).map(Float.init), x = values(m * columns, seed: 5).map(Float.init)
        func reference(_ r: Int, _ o: Int) -> Double {
            (0..<columns).reduce(0.0) { $0 + Double(x[r * columns + $1]) * Double(w[o * columns + $1]) }
        }
        func close(_ y: [Float], _ expected: [Double]) -> Bool {
            zip(y, expected).allSatisfy { abs(Double($0) - $1) <= 1e-5 * max(1, abs($1)) }
        }
        let matrix = Matrix(rows: rows, columns: columns, values: w)
        for threads in [1, 2, 3] {
            var y = [Float](repeating: .nan, count: m * rows)
            multiply(x, rows: m, by: matrix, into: &y, threads: threads)
            #expect(close(y, (0..<m).flatMap { r in (0..<rows).map { reference(r, $0) } }))
            var y1 = [Float](repeating: .nan, count: rows)
            multiply(x, rows: 1, by: matrix, into: &y1, threads: threads)
            #expect(close(y1, (0..<rows).map { reference(0, $0) }))
        }
        var y = [Float](repeating: 1, count: rows)
        sgemv(m: rows, n: columns, alpha: 2, a: w, lda: columns, x: x, beta: -1, y: &y)
        #expect(close(y, (0..<rows).map { 2 * reference(0, $0) - 1 }))
        // C = 0.25 · X · Wᵀ (transposed B) and C = X[:, :c] · X[:c, :] (plain B).
        var c = [Float](repeating: .nan, count: m * rows)
        Kernels.gemm(transposeB: true, m: m, n: rows, k: columns, alpha: 0.25, a: x, lda: columns, b: w,
                     ldb: columns, c: &c, ldc: rows)
        #expect(close(c, (0..<m).flatMap { r in (0..<rows).map { 0.25 * reference(r, $0) } }))
        var square = [Float](repeating: .nan, count: m * m)
        Kernels.gemm(transposeB: false, m: m, n: m, k: m, alpha: 1, a: x, lda: columns, b: x, ldb: columns,
                     c: &square, ldc: m)
        let plain = (0..<m).flatMap { i in
            (0..<m).map { j in (0..<m).reduce(0.0) { $0 + Double(x[i * columns + $1]) * Double(x[$1 * columns + j]) } }
        }
        #expect(close(square, plain))
    }

    @Test("stack puts rows after rows")
    func stacking() {
        let a = Matrix(rows: 1, columns: 2, values: [1, 2]), b = Matrix(rows: 2, columns: 2, values: [3, 4, 5, 6])
        let s = stack([a, b])
        #expect(s.rows == 3 && s.columns == 2 && s.values == [1, 2, 3, 4, 5, 6])
        warmUp(threads: 2)  // must simply run
    }

    @Test("dot and axpy equal plain loops for every remainder length")
    func vectorKernels() {
        for n in 0..<11 {
            let a = values(n, seed: 6), b = values(n, seed: 7)
            let d = dot(a, b, n)
            #expect(abs(d - zip(a, b).reduce(0.0) { $0 + $1.0 * $1.1 }) <= 1e-14)
            var y = b
            axpy(3, a, &y, n)
            #expect(y == zip(a, b).map { 3 * $0 + $1 })
        }
    }
}
