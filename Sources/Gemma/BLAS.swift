import CBLAS

/// A row-major float32 matrix: `rows` × `columns`, weights of one output per row (the ggml
/// layout of a `[columns, rows]` tensor).
struct Matrix: Sendable {
    let rows: Int
    let columns: Int
    let values: [Float]
}

/// The rows of `matrices` (all with the same column count) one after another.
func stack(_ matrices: [Matrix]) -> Matrix {
    Matrix(rows: matrices.reduce(0) { $0 + $1.rows }, columns: matrices[0].columns,
           values: Array(matrices.map(\.values).joined()))
}

/// y[m × rows] = x[m × columns] · Wᵀ, the product every linear layer needs. One row goes
/// through sgemv, which OpenBLAS runs faster than a 1-row sgemm.
func multiply(_ x: UnsafePointer<Float>, rows m: Int, by w: Matrix, into y: UnsafeMutablePointer<Float>) {
    w.values.withUnsafeBufferPointer { wp in
        if m == 1 {
            cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(w.rows), Int32(w.columns), 1,
                        wp.baseAddress, Int32(w.columns), x, 1, 0, y, 1)
        } else {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(w.rows), Int32(w.columns), 1,
                        x, Int32(w.columns), wp.baseAddress, Int32(w.columns), 0, y, Int32(w.rows))
        }
    }
}

/// C[m × n] = alpha · A[m × k] · op(B), with leading dimensions, for attention.
func gemm(transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float,
          a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
          c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), 0, c, Int32(ldc))
}
