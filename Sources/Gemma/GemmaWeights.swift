import GGUF
import Kernels

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
}

/// The tensors of a GGUF file, dequantised to float32 when read.
struct GGUFWeights: GemmaWeights {
    let file: GGUFFile

    var path: String { file.path }

    func contains(_ name: String) -> Bool { file.tensors.contains { $0.name == name } }

    func floats(_ name: String, dimensions: [Int]) throws(GemmaError) -> [Float] {
        let t = try gguf { () throws(GGUFError) in try file.tensor(name) }
        guard t.dimensions == dimensions else {
            throw .badShape(path: file.path, tensor: name, found: t.dimensions, expected: dimensions)
        }
        return try gguf { () throws(GGUFError) in try file.floats(t) }
    }
}
