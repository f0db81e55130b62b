import CQuantisedKernels
import GGUF
import Kernels

/// A row-major weight matrix kept in ggml's quantised blocks: `rows` × `columns`, one output
/// per row, as a `[columns, rows]` GGUF tensor stores it.
///
/// Several matrices with the same column count may be stacked (``QuantisedMatrix/stack(_:)``), each keeping
/// its own block type, so that one product computes e.g. a layer's queries, keys and values
/// even when the file quantises them differently.
public struct QuantisedMatrix: Sendable {
    /// Consecutive rows stored in one block type.
    struct Part: Sendable {
        let type: GGMLType
        let rows: Int
        /// Bytes per row: columns / blockSize blocks of typeSize bytes.
        let rowBytes: Int
        let blocks: [UInt8]
    }

    /// Number of rows (outputs).
    public let rows: Int
    /// Number of columns (inputs).
    public let columns: Int
    /// The kernels the products run: `InstructionSet.best` (Kernels) when made, or as ``using(_:)`` sets.
    public let instructionSet: InstructionSet
    let parts: [Part]

    /// Whether matrices of `type` can be kept quantised: Q4_0, Q5_0, Q8_0, Q4_K and Q6_K.
    public static func supports(_ type: GGMLType) -> Bool { BlockDecoder.supports(type) }

    /// A matrix of `rows` rows of `columns` weights of `type`, stored in `blocks` (row after
    /// row, as in a GGUF file: `rows · columns / type.blockSize · type.typeSize` bytes).
    public init(type: GGMLType, rows: Int, columns: Int, blocks: some Collection<UInt8>) throws(QuantisedMatrixError) {
        guard Self.supports(type) else { throw .unsupportedType(type) }
        guard rows >= 1, columns >= 1, columns % type.blockSize == 0 else {
            throw .badShape(type: type, rows: rows, columns: columns)
        }
        let rowBytes = columns / type.blockSize * type.typeSize
        guard blocks.count == rows * rowBytes else {
            throw .wrongByteCount(type: type, rows: rows, columns: columns, expected: rows * rowBytes, found: blocks.count)
        }
        self.init(rows: rows, columns: columns, instructionSet: .best,
                  parts: [Part(type: type, rows: rows, rowBytes: rowBytes, blocks: Array(blocks))])
    }

    private init(rows: Int, columns: Int, instructionSet: InstructionSet, parts: [Part]) {
        self.rows = rows
        self.columns = columns
        self.instructionSet = instructionSet
        self.parts = parts
    }

    /// The same matrix multiplied with the kernels of `instructionSet`, e.g. the portable ones as
    /// a reference; throws if this machine cannot run them.
    public func using(_ instructionSet: InstructionSet) throws(QuantisedMatrixError) -> QuantisedMatrix {
        guard instructionSet.isSupported else { throw .unsupportedInstructionSet(instructionSet) }
        return QuantisedMatrix(rows: rows, columns: columns, instructionSet: instructionSet, parts: parts)
    }

    /// The rows of `matrices` (all with the same column count) one after another, each keeping
    /// its block type, multiplied with the narrowest of their instruction sets.
    public static func stack(_ matrices: [QuantisedMatrix]) -> QuantisedMatrix {
        precondition(!matrices.isEmpty && matrices.allSatisfy { $0.columns == matrices[0].columns },
                     "stacked matrices need the same column count")
        return QuantisedMatrix(rows: matrices.reduce(0) { $0 + $1.rows }, columns: matrices[0].columns,
                               instructionSet: matrices.map(\.instructionSet).min()!, parts: matrices.flatMap(\.parts))
    }

    /// Bytes of quantised blocks held.
    public var byteCount: Int { parts.reduce(0) { $0 + $1.blocks.count } }

    /// The block types of the rows, top to bottom, one per stacked part.
    public var types: [GGMLType] { parts.map(\.type) }

    /// Calls `body(type, first, rowBytes, rows)` for each stretch `rows` of `range` stored in one
    /// part, where `first` points at the first row of the stretch and rows are `rowBytes` apart.
    @inline(__always)
    func forEachPart(in range: Range<Int>,
                     _ body: (_ type: GGMLType, _ first: UnsafeRawPointer, _ rowBytes: Int, _ rows: Range<Int>) -> Void) {
        var start = 0
        for part in parts {
            let stretch = range.clamped(to: start..<(start + part.rows))
            if !stretch.isEmpty {
                part.blocks.withUnsafeBytes { b in
                    body(part.type, b.baseAddress! + (stretch.lowerBound - start) * part.rowBytes, part.rowBytes, stretch)
                }
            }
            start += part.rows
        }
    }

    /// Dequantises row `row` into `destination` (`columns` floats) with `Dequantize`, e.g. to
    /// look up an embedding.
    public func dequantize(row: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition((0..<rows).contains(row), "row \(row) outside 0..<\(rows)")
        forEachPart(in: row..<(row + 1)) { type, first, _, _ in
            Dequantize.run(type, from: first, count: columns, into: destination)
        }
    }

    /// The whole matrix dequantised to float32 with `Dequantize` (the reference the quantised
    /// products are tested against, and the float32 path's weights).
    public func dequantized() -> Matrix {
        let values = [Float](unsafeUninitializedCapacity: rows * columns) { buffer, initialized in
            forEachPart(in: 0..<rows) { type, first, _, stretch in
                Dequantize.run(type, from: first, count: stretch.count * columns,
                               into: buffer.baseAddress! + stretch.lowerBound * columns)
            }
            initialized = rows * columns
        }
        return Matrix(rows: rows, columns: columns, values: values)
    }

    /// Decodes row `row` with the portable SIMD block decoders into `destination` (`columns`
    /// floats), in the lane order of its block type (see ``LaneOrder``).
    @inline(__always)
    func decode(_ type: GGMLType, row: UnsafeRawPointer, into destination: UnsafeMutablePointer<Float>) {
        var sink = StoreSink(destination: destination)
        BlockDecoder.decode(type, row, blocks: columns / type.blockSize, into: &sink)
    }

    /// Row `row` decoded by the block decoders of ``instructionSet``, in natural order: what
    /// the products multiply by, to compare with `Dequantize`.
    func decodedRow(_ row: Int) -> [Float] {
        var lanes = [Float](repeating: .nan, count: columns), natural = lanes
        forEachPart(in: row..<(row + 1)) { type, first, rowBytes, _ in
            if instructionSet != .portable {
                natural.withUnsafeMutableBufferPointer {
                    native(instructionSet, type, first, rowBytes: rowBytes, rows: 1, columns: columns, decodeInto: $0.baseAddress!)
                }
                return
            }
            lanes.withUnsafeMutableBufferPointer { decode(type, row: first, into: $0.baseAddress!) }
            let order = LaneOrder(type)
            for lane in 0..<columns { natural[order.natural(lane)] = lanes[lane] }
        }
        return natural
    }

    /// The lane orders of the parts' block types, each once, top to bottom.
    var laneOrders: [LaneOrder] {
        parts.map { LaneOrder($0.type) }.reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    }
}

/// Why a ``QuantisedMatrix`` could not be made.
public enum QuantisedMatrixError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The block type has no quantised product (see ``QuantisedMatrix/supports(_:)``).
    case unsupportedType(GGMLType)
    /// No rows or columns, or a row length that is not a whole number of blocks.
    case badShape(type: GGMLType, rows: Int, columns: Int)
    /// The blocks given do not hold exactly the matrix.
    case wrongByteCount(type: GGMLType, rows: Int, columns: Int, expected: Int, found: Int)
    /// This machine cannot run the kernels of the instruction set asked for.
    case unsupportedInstructionSet(InstructionSet)

    /// The error in words.
    public var description: String {
        switch self {
        case .unsupportedType(let type):
            "\(type) matrices cannot be kept quantised (supported: Q4_0, Q5_0, Q8_0, Q4_K, Q6_K)"
        case .badShape(let type, let rows, let columns):
            "a \(rows)×\(columns) \(type) matrix needs at least one row and rows of whole \(type.blockSize)-weight blocks"
        case .wrongByteCount(let type, let rows, let columns, let expected, let found):
            "a \(rows)×\(columns) \(type) matrix takes \(expected) bytes, not \(found)"
        case .unsupportedInstructionSet(let isa):
            "this machine cannot run the \(isa) kernels (supported: \(InstructionSet.supported.map(\.description).joined(separator: ", ")))"
        }
    }
}

/// y[m × rows] = x[m × columns] · Wᵀ with W kept quantised, split over `threads` by rows of W
/// (Kernels' `SplitPolicy.balanced(threads:)`).
///
/// Every weight is decoded to the float32 value `Dequantize` gives it, inside the product, so
/// the result is dequantise-then-multiply up to the order of the float32 sums (the AVX2 and
/// AVX-512 kernels add with fused multiply-adds, which only drops roundings). The kernels are
/// those of `w.instructionSet`. One token (m = 1): a SIMD dot product per row, streaming the
/// blocks once. Several tokens: each piece decodes up to 256 rows at a time to float32 scratch
/// and multiplies them with BLAS, so every block is still decoded once per call.
public func multiply(_ x: UnsafePointer<Float>, rows m: Int, by w: QuantisedMatrix, into y: UnsafeMutablePointer<Float>,
                     threads: Int) {
    let columns = w.columns, isa = w.instructionSet
    let split = SplitPolicy.balanced(threads: threads)
    // The portable decoders want the input in each lane order the blocks come in (an m ×
    // columns matrix each), so that lane j of a decoded stretch meets its own input; the C
    // kernels take it as it is.
    let orders = isa == .portable ? w.laneOrders : []
    var permuted = [Float](repeating: 0, count: orders.count * m * columns)
    permuted.withUnsafeMutableBufferPointer { p in
        for (o, order) in orders.enumerated() {
            order.permute(x, count: m * columns, into: p.baseAddress! + o * m * columns)
        }
    }
    // Rows decoded per BLAS call: 256 let a long prompt's product run near BLAS speed; a few
    // tokens gain nothing from it and would only touch more scratch.
    let chunk = m >= 32 ? 256 : 64
    let parts = split.parts(for: w.rows)
    // Allocated here, not on the workers: memory a worker allocates first grows its thread's
    // malloc arena and stays resident. Every element is written before it is read.
    let scratchCount = m == 1 ? 0 : parts * chunk * columns
    var scratch = [Float](unsafeUninitializedCapacity: scratchCount) { _, initialized in initialized = scratchCount }
    // Many tokens on AVX-512: x packed once for every chunk of every worker (BLAS would repack
    // it for each chunk), each worker with its own packing scratch for the weights.
    let packed = m > 16 && isa == .avx512 && PackedRows.isAvailable
        ? PackedRows.pack(x, rows: m, columns: columns, threads: threads) : nil
    let packingCount = packed == nil ? 0 : parts * PackedRows.scratchCount
    var packing = [Float](unsafeUninitializedCapacity: packingCount) { _, initialized in initialized = packingCount }
    permuted.withUnsafeBufferPointer { p in
        scratch.withUnsafeMutableBufferPointer { s in packing.withUnsafeMutableBufferPointer { k in
            let packingBase = k.baseAddress.map(SharedPointer.init)
            let inputs = SharedPointer(orders.isEmpty ? x : UnsafePointer(p.baseAddress!)), decodedBase = s.baseAddress.map(SharedPointer.init)
            parallelFor(w.rows, split: split) { part, range in
                w.forEachPart(in: range) { type, first, rowBytes, stretch in
                    let input = inputs.pointer + (orders.firstIndex(of: LaneOrder(type)) ?? 0) * m * columns
                    if m == 1 {
                        guard isa == .portable else {
                            native(isa, type, first, rowBytes: rowBytes, rows: stretch.count, columns: columns,
                                   dot: input, into: y + stretch.lowerBound)
                            return
                        }
                        let blocks = columns / type.blockSize
                        for r in 0..<stretch.count {
                            y[stretch.lowerBound + r] = dot(type, first + r * rowBytes, blocks: blocks, input)
                        }
                        return
                    }
                    let decoded = decodedBase!.pointer + part * chunk * columns
                    for start in stride(from: 0, to: stretch.count, by: chunk) {
                        let count = min(chunk, stretch.count - start)
                        if isa != .portable {
                            native(isa, type, first + start * rowBytes, rowBytes: rowBytes, rows: count, columns: columns,
                                   decodeInto: decoded)
                        } else {
                            for r in 0..<count {
                                w.decode(type, row: first + (start + r) * rowBytes, into: decoded + r * columns)
                            }
                        }
                        if let packed {
                            packed.multiplyPart(by: decoded, rowStride: columns, rows: count, into: y + stretch.lowerBound + start,
                                                rowStride: w.rows, scratch: packingBase!.pointer + part * PackedRows.scratchCount)
                        } else {
                            gemm(transposeB: true, m: m, n: count, k: columns, alpha: 1, a: input, lda: columns,
                                 b: decoded, ldb: columns, c: y + stretch.lowerBound + start, ldc: w.rows)
                        }
                    }
                }
            }
        } }
    }
}

/// y[r] = row r · x for `rows` rows of `type`, `rowBytes` apart from `first`, with the C
/// kernels of `isa` (x in natural order).
@inline(__always)
func native(_ isa: InstructionSet, _ type: GGMLType, _ first: UnsafeRawPointer, rowBytes: Int, rows: Int, columns: Int,
            dot x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>) {
    let status = pqk_dot_rows(isa.rawValue, Int32(type.rawValue), first, rowBytes, rows, columns / type.blockSize, x, y)
    // Unreachable: a matrix holds only supported types and instruction sets (checked when made).
    precondition(status == 0, "no \(isa) kernel for \(type)")
}

/// The same rows decoded to float32 in natural order, row r at `out + r · columns`.
@inline(__always)
func native(_ isa: InstructionSet, _ type: GGMLType, _ first: UnsafeRawPointer, rowBytes: Int, rows: Int, columns: Int,
            decodeInto out: UnsafeMutablePointer<Float>) {
    let status = pqk_decode_rows(isa.rawValue, Int32(type.rawValue), first, rowBytes, rows, columns / type.blockSize, out)
    precondition(status == 0, "no \(isa) kernel for \(type)")
}

/// The dot product of `blocks` blocks of `type` at `row` with `x` (in the blocks' lane
/// order), in float32: each decoded weight times its input, summed in sixteen lanes (four
/// accumulators of four), then across the lanes.
@inline(__always)
func dot(_ type: GGMLType, _ row: UnsafeRawPointer, blocks: Int, _ x: UnsafePointer<Float>) -> Float {
    var sink = DotSink(x: x)
    BlockDecoder.decode(type, row, blocks: blocks, into: &sink)
    return ((sink.sum0 + sink.sum1) + (sink.sum2 + sink.sum3)).sum()
}

/// Accumulates weight × input.
struct DotSink: WeightSink {
    let x: UnsafePointer<Float>
    var sum0 = SIMD4<Float>(), sum1 = SIMD4<Float>(), sum2 = SIMD4<Float>(), sum3 = SIMD4<Float>()

    @inline(__always)
    mutating func take(_ offset: Int, _ w: SIMD4<Float>, slot: Int) {
        let product = w * UnsafeRawPointer(x + offset).loadUnaligned(as: SIMD4<Float>.self)
        switch slot {
        case 0: sum0 += product
        case 1: sum1 += product
        case 2: sum2 += product
        default: sum3 += product
        }
    }
}

/// Stores the weights.
struct StoreSink: WeightSink {
    let destination: UnsafeMutablePointer<Float>

    @inline(__always)
    func take(_ offset: Int, _ w: SIMD4<Float>, slot: Int) {
        UnsafeMutableRawPointer(destination + offset).storeBytes(of: w, as: SIMD4<Float>.self)
    }
}
