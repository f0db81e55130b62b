import GGUF
import Kernels

/// A layer's weights either in float32 or in quantised blocks, multiplied the same way.
public enum WeightMatrix: Sendable {
    /// Dequantised float32 weights, multiplied with BLAS.
    case float32(Matrix)
    /// Quantised blocks, decoded inside the product.
    case quantised(QuantisedMatrix)

    /// Number of rows (outputs).
    public var rows: Int {
        switch self {
        case .float32(let m): m.rows
        case .quantised(let q): q.rows
        }
    }

    /// Number of columns (inputs).
    public var columns: Int {
        switch self {
        case .float32(let m): m.columns
        case .quantised(let q): q.columns
        }
    }

    /// Bytes of weights held.
    public var byteCount: Int {
        switch self {
        case .float32(let m): 4 * m.values.count
        case .quantised(let q): q.byteCount
        }
    }

    /// The same weights in float32 (the quantised ones dequantised with `Dequantize`).
    public var float32Matrix: Matrix {
        switch self {
        case .float32(let m): m
        case .quantised(let q): q.dequantized()
        }
    }

    /// Row `row` as `columns` floats into `destination` (an embedding lookup).
    public func copyRow(_ row: Int, into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .float32(let m):
            precondition((0..<m.rows).contains(row), "row \(row) outside 0..<\(m.rows)")
            m.values.withUnsafeBufferPointer { destination.update(from: $0.baseAddress! + row * m.columns, count: m.columns) }
        case .quantised(let q):
            q.dequantize(row: row, into: destination)
        }
    }

    /// The rows of `matrices` (all with the same column count) one after another: quantised if
    /// every one is, otherwise float32.
    public static func stack(_ matrices: [WeightMatrix]) -> WeightMatrix {
        let quantised = matrices.compactMap { if case .quantised(let q) = $0 { q } else { nil } }
        if quantised.count == matrices.count { return .quantised(QuantisedMatrix.stack(quantised)) }
        return .float32(Kernels.stack(matrices.map(\.float32Matrix)))
    }
}

/// y[m × rows] = x[m × columns] · Wᵀ for either kind of weights, split over `threads`: the
/// float32 product of Kernels or the quantised one of this module.
public func multiply(_ x: UnsafePointer<Float>, rows m: Int, by w: WeightMatrix, into y: UnsafeMutablePointer<Float>,
                     threads: Int) {
    switch w {
    case .float32(let matrix): multiply(x, rows: m, by: matrix, into: y, threads: threads)
    case .quantised(let matrix): multiply(x, rows: m, by: matrix, into: y, threads: threads)
    }
}
