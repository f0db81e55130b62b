import CKernels

/// The x86-64 instruction sets the package's C kernels are compiled for (`CKernels` and
/// `CQuantisedKernels`), narrowest first. A kernel runs on ``best`` unless told otherwise; tests
/// call every set in ``supported``. The sets are nested: a machine that runs one runs every
/// narrower one.
///
/// Every kernel keeps the numbers of its portable path apart from the order of its float32 sums
/// (and the vector kernels' fused multiply-adds), so results agree within the error bound of a
/// float32 dot product whatever the set.
public enum InstructionSet: Int32, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// Portable code (Swift, or plain C): any CPU, the fallback and the reference.
    case portable = 0
    /// AVX2 with FMA and F16C: eight float lanes.
    case avx2 = 1
    /// AVX-512 F: sixteen float lanes.
    case avx512 = 2

    /// The widest set this CPU and its operating system support (the OS must save the wide
    /// registers; a CPU flag alone is not enough). Asked of the CPU at each call, which costs a
    /// few loads: nothing is cached.
    public static var best: InstructionSet {
        InstructionSet(rawValue: Int32(perplexed_best_isa().rawValue)) ?? .portable
    }

    /// Whether this machine can run the set (``portable`` always).
    public var isSupported: Bool { self <= Self.best }

    /// Every set this machine supports, narrowest first.
    public static var supported: [InstructionSet] { allCases.filter(\.isSupported) }

    public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    /// The name: "portable", "AVX2" or "AVX-512".
    public var description: String {
        switch self {
        case .portable: "portable"
        case .avx2: "AVX2"
        case .avx512: "AVX-512"
        }
    }

    /// The C header's value.
    var c: perplexed_isa { perplexed_isa(rawValue: UInt32(rawValue)) }
}
