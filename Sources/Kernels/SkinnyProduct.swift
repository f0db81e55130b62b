import CKernels

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
