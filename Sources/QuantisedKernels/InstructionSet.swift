import CQuantisedKernels

/// The kernels a ``QuantisedMatrix`` multiplies with, chosen when the matrix is made (the widest
/// this machine supports, ``best``) and kept in it as a value, so no state is shared.
///
/// All three decode every weight to the float32 `Dequantize` gives it, bit for bit, and keep the
/// activations in float32; they differ only in the order of the float32 sums (and the C kernels
/// use fused multiply-adds for them), so products agree within the error bound of a float32 dot
/// product.
public enum InstructionSet: Int32, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// The Swift SIMD4 decoders (baseline x86-64 SSE2, or any CPU): the fallback and reference.
    case portable = 0
    /// The C kernels on eight lanes: AVX2 with FMA and F16C.
    case avx2 = 1
    /// The C kernels on sixteen lanes: AVX-512 F.
    case avx512 = 2

    /// Whether this CPU and operating system can run the kernels (``portable`` always can).
    public var isSupported: Bool {
        self == .portable || pqk_isa_supported(rawValue) != 0
    }

    /// The widest instruction set this machine supports.
    public static var best: InstructionSet {
        InstructionSet(rawValue: pqk_best_isa()) ?? .portable
    }

    /// Every instruction set this machine supports, narrowest first.
    public static var supported: [InstructionSet] { allCases.filter(\.isSupported) }

    public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    /// The name.
    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }
}
