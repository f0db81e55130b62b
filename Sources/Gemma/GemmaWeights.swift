import GGUF
import Kernels
import QuantisedKernels

/// How a ``GemmaModel`` keeps its matrices in memory.
public enum GemmaWeightStorage: String, Sendable, CaseIterable {
    /// The file's quantised blocks (Q4_0, Q5_0, Q8_0, Q4_K, Q6_K), decoded inside every matrix
    /// product: about the file's size in memory, and decoding streams a quarter of the bytes.
    /// Matrices of other types (F32, F16, …) are kept in float32. The products equal the
    /// float32 ones up to the order of their sums. The default: with the AVX2 or AVX-512 kernels
    /// it decodes Gemma 3 270M about 2.6 times as fast as ``float32`` and processes prompts about
    /// as fast (Benchmarks/gemma).
    case quantised
    /// Every matrix dequantised to float32 when the model loads (4 bytes per weight), multiplied
    /// with BLAS: the reference path.
    case float32
}

/// Where a model's tensors come from, looked up by their GGUF names (`blk.0.attn_q.weight`, …).
///
/// Each part of the model (``GemmaAttention``, ``GemmaMLP``, ``GemmaBlock``, …) loads its own
/// tensors through this; a protocol so that tests can build a small model from weights held in
/// memory instead of a file.
protocol GemmaWeights {
    /// The file the tensors belong to, named in errors.
    var path: String { get }
    /// Whether a tensor named `name` exists.
    func contains(_ name: String) -> Bool
    /// The values of tensor `name` in storage order; its shape must be `dimensions` (ggml
    /// order: row length first), otherwise `GemmaError.badShape`.
    func floats(_ name: String, dimensions: [Int]) throws(GemmaError) -> [Float]
    /// A `[columns, rows]` tensor as a matrix with one output per row, kept quantised where the
    /// source can (default: float32, from ``floats(_:dimensions:)``).
    func weightMatrix(_ name: String, columns: Int, rows: Int) throws(GemmaError) -> WeightMatrix
}

extension GemmaWeights {
    /// A one-dimensional tensor of `count` values (a norm's weight).
    func vector(_ name: String, _ count: Int) throws(GemmaError) -> [Float] {
        try floats(name, dimensions: [count])
    }

    /// A `[columns, rows]` tensor as a row-major matrix with one output per row.
    func matrix(_ name: String, columns: Int, rows: Int) throws(GemmaError) -> Matrix {
        Matrix(rows: rows, columns: columns, values: try floats(name, dimensions: [columns, rows]))
    }

    func weightMatrix(_ name: String, columns: Int, rows: Int) throws(GemmaError) -> WeightMatrix {
        .float32(try matrix(name, columns: columns, rows: rows))
    }
}

/// The tensors of a GGUF file: vectors dequantised to float32 when read, matrices too or kept
/// in their quantised blocks, as `storage` says.
struct GGUFWeights: GemmaWeights {
    let file: GGUFFile
    let storage: GemmaWeightStorage

    var path: String { file.path }

    func contains(_ name: String) -> Bool { file.tensors.contains { $0.name == name } }

    func floats(_ name: String, dimensions: [Int]) throws(GemmaError) -> [Float] {
        let t = try gguf { () throws(GGUFError) in try file.tensor(name) }
        guard t.dimensions == dimensions else {
            throw .badShape(path: file.path, tensor: name, found: t.dimensions, expected: dimensions)
        }
        return try gguf { () throws(GGUFError) in try file.floats(t) }
    }

    func weightMatrix(_ name: String, columns: Int, rows: Int) throws(GemmaError) -> WeightMatrix {
        let t = try gguf { () throws(GGUFError) in try file.tensor(name) }
        guard storage == .quantised, QuantisedMatrix.supports(t.type) else {
            return .float32(try matrix(name, columns: columns, rows: rows))
        }
        guard t.dimensions == [columns, rows] else {
            throw .badShape(path: file.path, tensor: name, found: t.dimensions, expected: [columns, rows])
        }
        do {
            return .quantised(try QuantisedMatrix(type: t.type, rows: rows, columns: columns, blocks: file.rawBytes(t)))
        } catch {
            // GGUFFile has checked the tensor's size and row length, so this is a reader bug.
            throw .badConfiguration(path: file.path, "tensor '\(name)': \(error)")
        }
    }
}
