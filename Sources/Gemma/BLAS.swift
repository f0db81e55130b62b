import CBLAS
import Dispatch

/// A row-major float32 matrix: `rows` × `columns`, weights of one output per row (the ggml
/// layout of a `[columns, rows]` tensor).
struct Matrix: Sendable {
    let rows: Int
    let columns: Int
    let values: [Float]
}

/// The rows of `matrices` (all with the same column count) one after another.
func stack(_ matrices: [Matrix]) -> Matrix {
    var values: [Float] = []
    values.reserveCapacity(matrices.reduce(0) { $0 + $1.values.count })
    for m in matrices { values.append(contentsOf: m.values) }
    return Matrix(rows: matrices.reduce(0) { $0 + $1.rows }, columns: matrices[0].columns, values: values)
}

/// A pointer handed to concurrent workers. `@unchecked Sendable`: every use below gives each
/// worker disjoint rows to write, and the memory outlives the workers.
struct Shared<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { pointer = p }
    init(_ p: UnsafePointer<T>) { pointer = UnsafeMutablePointer(mutating: p) }
}

/// Splits `0..<count` into about 4 × `threads` near-equal ranges and runs `body` on each,
/// concurrently on up to `threads` threads.
///
/// Gemma parallelises coarse pieces itself (slices of a product's rows, blocks of queries)
/// and keeps OpenBLAS single-threaded. More pieces than threads lets a thread that other jobs
/// slow down take fewer of them: with a fixed half each, every product waits for the slower
/// half, and OpenBLAS's own threads meet at a spin-wait after every call.
func inParallel(_ count: Int, threads: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let parts = max(1, min(threads == 1 ? 1 : 4 * threads, count))
    if parts == 1 { body(0..<count); return }
    DispatchQueue.concurrentPerform(iterations: parts) { p in
        body((p * count / parts)..<((p + 1) * count / parts))
    }
}

/// y[m × rows] = x[m × columns] · Wᵀ, the product every linear layer needs, split over
/// `threads`: by token rows for a prompt, by weight rows (outputs) for a single token.
func multiply(_ x: UnsafePointer<Float>, rows m: Int, by w: Matrix, into y: UnsafeMutablePointer<Float>, threads: Int) {
    let cols = Int32(w.columns), rows = w.rows, columns = w.columns
    w.values.withUnsafeBufferPointer { wp in
        let weights = Shared(wp.baseAddress!), input = Shared(x), output = Shared(y)
        if m == 1 {
            inParallel(rows, threads: threads) { r in
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(r.count), cols, 1,
                            weights.pointer + r.lowerBound * columns, cols, input.pointer, 1, 0,
                            output.pointer + r.lowerBound, 1)
            }
        } else {
            inParallel(m, threads: threads) { r in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r.count), Int32(rows), cols, 1,
                            input.pointer + r.lowerBound * columns, cols, weights.pointer, cols, 0,
                            output.pointer + r.lowerBound * rows, Int32(rows))
            }
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

/// Runs one small product on every worker thread, so that OpenBLAS allocates its per-caller
/// packing buffers when the model loads rather than in the middle of later work.
func warmUp(threads: Int) {
    inParallel(4 * threads, threads: threads) { _ in
        var a = [Float](repeating: 1, count: 64 * 64), c = [Float](repeating: 0, count: 64 * 64)
        a.withUnsafeMutableBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                gemm(transposeB: true, m: 64, n: 64, k: 64, alpha: 1, a: ap.baseAddress!, lda: 64,
                     b: ap.baseAddress!, ldb: 64, c: cp.baseAddress!, ldc: 64)
            }
        }
    }
}
