import CBLAS

/// A row-major float32 matrix: `rows` × `columns`, the weights of one output per row (the ggml
/// layout of a `[columns, rows]` tensor).
public struct Matrix: Sendable {
    /// Number of rows (outputs).
    public let rows: Int
    /// Number of columns (inputs).
    public let columns: Int
    /// `rows · columns` values, row after row.
    public let values: [Float]

    /// A matrix of the given shape; `values.count` must be `rows · columns`.
    public init(rows: Int, columns: Int, values: [Float]) {
        precondition(values.count == rows * columns, "a \(rows)×\(columns) matrix needs \(rows * columns) values")
        self.rows = rows
        self.columns = columns
        self.values = values
    }
}

/// The rows of `matrices` (all with the same column count) one after another.
public func stack(_ matrices: [Matrix]) -> Matrix {
    var values: [Float] = []
    values.reserveCapacity(matrices.reduce(0) { $0 + $1.values.count })
    for m in matrices { values.append(contentsOf: m.values) }
    return Matrix(rows: matrices.reduce(0) { $0 + $1.rows }, columns: matrices[0].columns, values: values)
}

/// Token counts for which ``multiply(_:rows:by:into:threads:)`` uses ``skinnyProduct(_:rows:by:rows:columns:into:rowStride:instructionSet:)``
/// (on AVX2 or AVX-512) rather than BLAS. Against OpenBLAS's SkylakeX sgemm on Gemma's shapes
/// (Benchmarks/products/RESULTS.md): 1.2–2.3× on the 262,144-row unembedding; on the smaller
/// products 1.0–1.1× at 2 rows, 0.97–2.6× at 4 and 1.3–2.1× at 8–16. One row is as fast with
/// sgemv, and from 32 rows on sgemm's packing pays for itself.
let skinnyRows = 2...16

/// Row-major y[m] = alpha · A[m × n] · x[n] + beta · y[m] (BLAS sgemv, A not transposed).
public func sgemv(m: Int, n: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                  x: UnsafePointer<Float>, beta: Float, y: UnsafeMutablePointer<Float>) {
    cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(m), Int32(n), alpha, a, Int32(lda), x, 1, beta, y, 1)
}

/// y[m × rows] = x[m × columns] · Wᵀ, the product every linear layer needs, split over
/// `threads` (``SplitPolicy/balanced(threads:)``): by token rows when there are many, by weight
/// rows (outputs) when the weights outnumber the tokens (`w.rows ≥ 16 m`, and always for a
/// single token). A worker given some token rows packs and streams all of W for them, so a few
/// rows against a large W (a short chunk through Gemma's 262,144-row unembedding) would cost
/// every worker the whole matrix; split by outputs, each reads only its share. For 2–16 token
/// rows on AVX2 or AVX-512 each share goes to ``skinnyProduct(_:rows:by:rows:columns:into:rowStride:instructionSet:)``,
/// which does not pack W at all; more rows on AVX-512 go to ``PackedRows``, which packs x once
/// for all the workers instead of once per block of W.
public func multiply(_ x: UnsafePointer<Float>, rows m: Int, by w: Matrix, into y: UnsafeMutablePointer<Float>,
                     threads: Int) {
    let rows = w.rows, columns = w.columns
    w.values.withUnsafeBufferPointer { wp in
        let weights = wp.baseAddress!
        let isa = InstructionSet.best
        if skinnyRows.contains(m), isa >= .avx2 {
            parallelFor(rows, split: .balanced(threads: threads)) { _, r in
                skinnyProduct(x, rows: m, by: weights + r.lowerBound * columns, rows: r.count, columns: columns,
                              into: y + r.lowerBound, rowStride: rows, instructionSet: isa)
            }
        } else if m == 1 {
            parallelFor(rows, split: .balanced(threads: threads)) { _, r in
                sgemv(m: r.count, n: columns, alpha: 1, a: weights + r.lowerBound * columns, lda: columns,
                      x: x, beta: 0, y: y + r.lowerBound)
            }
        } else if PackedRows.isAvailable {
            PackedRows.pack(x, rows: m, columns: columns, threads: threads)
                .multiply(by: weights, rowStride: columns, rows: rows, into: y, rowStride: rows, threads: threads)
        } else if rows >= 16 * m {
            parallelFor(rows, split: .balanced(threads: threads)) { _, r in
                Float.gemm(transA: false, transB: true, m: m, n: r.count, k: columns, alpha: 1,
                           a: x, lda: columns, b: weights + r.lowerBound * columns, ldb: columns,
                           beta: 0, c: y + r.lowerBound, ldc: rows)
            }
        } else {
            parallelFor(m, split: .balanced(threads: threads)) { _, r in
                Float.gemm(transA: false, transB: true, m: r.count, n: rows, k: columns, alpha: 1,
                           a: x + r.lowerBound * columns, lda: columns, b: weights, ldb: columns,
                           beta: 0, c: y + r.lowerBound * rows, ldc: rows)
            }
        }
    }
}

/// C[m × n] = alpha · A[m × k] · op(B), with leading dimensions, for attention.
public func gemm(transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
                 a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                 c: UnsafeMutablePointer<Float>, ldc: Int) {
    Float.gemm(transA: false, transB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda,
               b: b, ldb: ldb, beta: 0, c: c, ldc: ldc)
}

/// Runs one small product on every worker thread, so that OpenBLAS allocates its per-caller
/// packing buffers when a model loads rather than in the middle of later work.
public func warmUp(threads: Int) {
    parallelFor(4 * threads, split: .balanced(threads: threads)) { _, _ in
        var a = [Float](repeating: 1, count: 64 * 64), c = [Float](repeating: 0, count: 64 * 64)
        a.withUnsafeMutableBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                gemm(transposeB: true, m: 64, n: 64, k: 64, alpha: 1, a: ap.baseAddress!, lda: 64,
                     b: ap.baseAddress!, ldb: 64, c: cp.baseAddress!, ldc: 64)
            }
        }
    }
}
