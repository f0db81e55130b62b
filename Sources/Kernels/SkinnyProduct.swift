import CKernels

/// The x86-64 instruction sets the C kernels (`CKernels`) are compiled for, best last. A kernel
/// runs on the best one the machine supports unless told otherwise (tests call each in turn).
public enum InstructionSet: Int, Comparable, Sendable, CaseIterable {
    /// Plain C, for any machine.
    case baseline
    /// AVX2 with fused multiply-add.
    case avx2
    /// AVX-512 F.
    case avx512

    /// The best set this processor and its operating system support (asked of the CPU at each
    /// call, which costs a few loads: nothing is cached).
    public static var best: InstructionSet {
        InstructionSet(rawValue: Int(perplexed_best_isa().rawValue)) ?? .baseline
    }

    public static func < (a: InstructionSet, b: InstructionSet) -> Bool { a.rawValue < b.rawValue }

    var c: perplexed_isa { perplexed_isa(rawValue: UInt32(rawValue)) }
}

/// y[i·ldy + j] = Σ_t x[i·k + t] · w[j·k + t] for i < m, j < n, on one thread: a few rows of x
/// against many rows of w, with w read from memory once (in tiles that stay in cache while
/// every row of x meets them), where BLAS would first copy w into packed blocks. Float32
/// products and sums, fused multiply-adds in the vector kernels, in an order that depends on
/// `instructionSet`. Precondition: the set is supported (``InstructionSet/best`` or below).
public func skinnyProduct(_ x: UnsafePointer<Float>, rows m: Int, by w: UnsafePointer<Float>, rows n: Int, columns k: Int,
                          into y: UnsafeMutablePointer<Float>, rowStride ldy: Int, instructionSet: InstructionSet = .best) {
    let status = perplexed_skinny_product(instructionSet.c, x, m, w, n, k, y, ldy)
    precondition(status == 0, "skinnyProduct: \(instructionSet) is not supported on this machine")
}
