import CBLAS
import Dispatch

/// Work split across two workers.
///
/// The network parallelises itself: every large matrix product and the attention are cut into
/// `Parallel.chunks` fixed pieces run on Dispatch threads, each piece calling single-threaded
/// OpenBLAS. A fixed count keeps results bit-identical on any machine, and keeping OpenBLAS's
/// own threads off avoids its spin-waiting workers competing with ours.
enum Parallel {
    static let chunks = 2

    /// Sets OpenBLAS to one thread (a process-wide OpenBLAS setting) exactly once.
    static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// Runs `body(i)` for i in 0..<n, in parallel when n > 1.
    ///
    /// The callers write disjoint slices of shared buffers through raw pointers, which the
    /// compiler cannot prove safe; that disjointness is the invariant vouched for here.
    @inline(__always)
    static func forEach(_ n: Int, _ body: (Int) -> Void) {
        if n <= 1 {
            for i in 0..<n { body(i) }
        } else {
            withoutActuallyEscaping(body) { escapable in
                let box = UncheckedBody(body: escapable)
                DispatchQueue.concurrentPerform(iterations: n) { box.body($0) }
            }
        }
    }

    private struct UncheckedBody: @unchecked Sendable {
        let body: (Int) -> Void
    }

    /// The i-th of `parts` nearly equal slices of 0..<n.
    @inline(__always)
    static func slice(_ i: Int, of parts: Int, _ n: Int) -> Range<Int> {
        (n * i / parts)..<(n * (i + 1) / parts)
    }
}

extension NetworkScalar {
    /// `gemm` with the rows of C split across `Parallel.chunks` workers when the product is big
    /// enough to pay for the hand-off (tiny products, such as in the tests, run inline).
    @inline(__always)
    static func parallelGemm(
        transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        let parts = m * n * k >= 1 << 18 && m >= 2 * Parallel.chunks ? Parallel.chunks : 1
        Parallel.forEach(parts) { i in
            let rows = Parallel.slice(i, of: parts, m)
            guard !rows.isEmpty else { return }
            // Rows of op(A): with A transposed they are columns of the stored matrix.
            let aStart = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
            gemm(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha, a: aStart, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }
}
