import CKernels

/// Many rows of x against a layer's weights, y = x · Wᵀ, with x packed once and shared by every
/// thread (the C kernel `perplexed_packed_product`, AVX-512 only). BLAS repacks x for every
/// block of weights it is handed, which on Gemma's prompts cost about an eighth of the time.
///
/// Use: ``PackedRows/pack(_:rows:columns:threads:)`` once, then ``PackedRows/multiply(by:rowStride:rows:into:rowStride:threads:)``
/// for each set of weights (or ``PackedRows/multiplyPart(by:rowStride:rows:into:rowStride:scratch:)``
/// inside a caller's own parallel loop, as the quantised product does).
public struct PackedRows: Sendable {
    /// Rows of x (tokens).
    public let rows: Int
    /// Columns of x (inputs per token).
    public let columns: Int
    private let packed: [Float]

    /// Whether this machine runs the packed product (it needs AVX-512).
    public static var isAvailable: Bool { InstructionSet.best >= .avx512 }

    /// Floats of scratch each concurrent ``multiplyPart(by:rowStride:rows:into:rowStride:scratch:)`` needs.
    public static var scratchCount: Int { perplexed_packed_scratch_count() }

    /// Outputs per weight sliver: parts of a product split by outputs should start at multiples of it.
    public static var outputsPerSliver: Int { Int(PERPLEXED_PACKED_OUTPUTS) }

    /// x (`rows` × `columns`, row-major) packed, split over `threads`. Precondition:
    /// ``isAvailable``.
    public static func pack(_ x: UnsafePointer<Float>, rows: Int, columns: Int, threads: Int) -> PackedRows {
        precondition(isAvailable, "PackedRows needs AVX-512")
        let count = perplexed_packed_x_count(rows, columns)
        precondition(count >= 0, "PackedRows: bad shape \(rows)×\(columns)")
        let slivers = (rows + Int(PERPLEXED_PACKED_ROWS) - 1) / Int(PERPLEXED_PACKED_ROWS)
        // Every element is written by perplexed_pack_x (rows past `rows` as zeros).
        let packed = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let out = buffer.baseAddress
            parallelFor(slivers, split: .balanced(threads: threads)) { _, r in
                let status = perplexed_pack_x(x, rows, columns, r.lowerBound, r.upperBound, out)
                precondition(status == 0, "perplexed_pack_x: bad range")
            }
            initialized = count
        }
        return PackedRows(rows: rows, columns: columns, packed: packed)
    }

    private init(rows: Int, columns: Int, packed: [Float]) {
        self.rows = rows
        self.columns = columns
        self.packed = packed
    }

    /// y[i · ldy + j] = Σ_t x[i][t] · w[j · ldw + t] for every row i of x and j < n, on the
    /// calling thread, with `scratch` holding ``scratchCount`` floats no other call uses at the
    /// same time. Float32 products summed in t order with fused multiply-adds: the same numbers
    /// whatever the split of the outputs.
    public func multiplyPart(by w: UnsafePointer<Float>, rowStride ldw: Int, rows n: Int,
                             into y: UnsafeMutablePointer<Float>, rowStride ldy: Int,
                             scratch: UnsafeMutablePointer<Float>) {
        product(rows: 0..<rows, by: w, rowStride: ldw, rows: n, into: y, rowStride: ldy, scratch: scratch)
    }

    /// The rows `xRows` of y = x · Wᵀ (`xRows` starting on a sliver of x), on the calling thread.
    private func product(rows xRows: Range<Int>, by w: UnsafePointer<Float>, rowStride ldw: Int, rows n: Int,
                         into y: UnsafeMutablePointer<Float>, rowStride ldy: Int, scratch: UnsafeMutablePointer<Float>) {
        let status = packed.withUnsafeBufferPointer {
            perplexed_packed_product(InstructionSet.avx512.c, $0.baseAddress.map { $0 + xRows.lowerBound * columns }, xRows.count,
                                     w, ldw, n, columns, y + xRows.lowerBound * ldy, ldy, scratch)
        }
        precondition(status == 0, "perplexed_packed_product: bad sizes")
    }

    /// y = x · Wᵀ for `n` rows of W, split over `threads`: by outputs when there are enough
    /// slivers of them to keep every thread busy, otherwise by slivers of x.
    public func multiply(by w: UnsafePointer<Float>, rowStride ldw: Int, rows n: Int,
                         into y: UnsafeMutablePointer<Float>, rowStride ldy: Int, threads: Int) {
        let split = SplitPolicy.balanced(threads: threads), width = Self.scratchCount
        let outputSlivers = (n + Self.outputsPerSliver - 1) / Self.outputsPerSliver
        let xRows = Int(PERPLEXED_PACKED_ROWS), xSlivers = (rows + xRows - 1) / xRows
        let byOutputs = outputSlivers >= split.parts(for: .max) || outputSlivers >= xSlivers
        let parts = split.parts(for: byOutputs ? outputSlivers : xSlivers)
        var scratch = [Float](repeating: 0, count: parts * width)
        scratch.withUnsafeMutableBufferPointer { sp in
            let s = sp.baseAddress!
            parallelFor(byOutputs ? outputSlivers : xSlivers, split: split) { part, r in
                if byOutputs {
                    let j0 = r.lowerBound * Self.outputsPerSliver, j1 = min(n, r.upperBound * Self.outputsPerSliver)
                    multiplyPart(by: w + j0 * ldw, rowStride: ldw, rows: j1 - j0, into: y + j0, rowStride: ldy,
                                 scratch: s + part * width)
                } else {
                    product(rows: (r.lowerBound * xRows)..<min(rows, r.upperBound * xRows), by: w, rowStride: ldw, rows: n,
                            into: y, rowStride: ldy, scratch: s + part * width)
                }
            }
        }
    }
}
