/// A ggml tensor element type, with the raw values GGUF stores.
///
/// Quantised types pack `blockSize` weights into `typeSize` bytes; a row's length must be a
/// multiple of `blockSize`.
public enum GGMLType: UInt32, Sendable, CaseIterable, CustomStringConvertible {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q2_K = 10, q3_K = 11, q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15
    case bf16 = 30

    /// Weights per block.
    public var blockSize: Int {
        switch self {
        case .f32, .f16, .bf16: 1
        case .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q8_1: 32
        case .q2_K, .q3_K, .q4_K, .q5_K, .q6_K, .q8_K: 256
        }
    }

    /// Bytes per block (the layouts are ggml's `block_*` structs).
    public var typeSize: Int {
        switch self {
        case .f32: 4
        case .f16, .bf16: 2
        case .q4_0: 18      // f16 d, 16 bytes of nibbles
        case .q4_1: 20      // f16 d, f16 m, 16 bytes of nibbles
        case .q5_0: 22      // f16 d, 4 bytes of fifth bits, 16 bytes of nibbles
        case .q5_1: 24
        case .q8_0: 34      // f16 d, 32 int8
        case .q8_1: 36
        case .q2_K: 84
        case .q3_K: 110
        case .q4_K: 144     // f16 d, f16 dmin, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
        case .q5_K: 176     // as q4_K plus 32 bytes of fifth bits
        case .q6_K: 210     // 128 low nibbles, 64 bytes of high pairs, 16 int8 scales, f16 d
        case .q8_K: 292     // f32 d, 256 int8, 16 int16 block sums
        }
    }

    /// Whether `dequantize` supports this type.
    public var canDequantize: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q5_0, .q8_0, .q4_K, .q5_K, .q6_K, .q8_K: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .f32: "F32"
        case .f16: "F16"
        case .bf16: "BF16"
        case .q4_0: "Q4_0"
        case .q4_1: "Q4_1"
        case .q5_0: "Q5_0"
        case .q5_1: "Q5_1"
        case .q8_0: "Q8_0"
        case .q8_1: "Q8_1"
        case .q2_K: "Q2_K"
        case .q3_K: "Q3_K"
        case .q4_K: "Q4_K"
        case .q5_K: "Q5_K"
        case .q6_K: "Q6_K"
        case .q8_K: "Q8_K"
        }
    }
}
