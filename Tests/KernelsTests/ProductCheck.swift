import Kernels

/// What the product tests share: exact inputs and the float32 error bound of a dot product,
/// against which every kernel's output is measured in float64.
enum ProductCheck {
    /// γ_h = h·u/(1 − h·u), u = 2^−24: a float32 dot product of k terms summed in any order, with
    /// or without fused multiply-adds, is within γ_(k+1)·Σ|x_t·w_t| of exact.
    static func gamma(_ h: Int) -> Double { Double(h) * 0x1p-24 / (1 - Double(h) * 0x1p-24) }

    /// 24-bit integers scaled by 2^−23: exact floats in [−1, 1), whose products are exact in float64.
    static func floats(_ count: Int, _ rng: inout SplitMix64) -> [Float] {
        (0..<count).map { _ in Float(Int(rng.next() >> 40) - (1 << 23)) * 0x1p-23 }
    }

    /// For y = x · wᵀ (x: m × k, rows k apart; w: n rows ldw apart; y: rows ldy apart): the largest
    /// error of an entry as a multiple of its bound γ_(k+1)·Σ|x·w| (float64 sums of exact
    /// products), and how many of the columns n..<ldy of y hold anything but NaN.
    static func errors(_ y: [Float], rowStride ldy: Int, x: [Float], w: [Float], weightStride ldw: Int,
                       m: Int, n: Int, k: Int) -> (worst: Double, outside: Int) {
        var worst = 0.0, outside = 0
        for i in 0..<m {
            for j in 0..<ldy {
                guard j < n else {
                    if !y[i * ldy + j].isNaN { outside += 1 }
                    continue
                }
                var exact = 0.0, magnitude = 0.0
                for t in 0..<k {
                    let product = Double(x[i * k + t]) * Double(w[j * ldw + t])
                    exact += product
                    magnitude += abs(product)
                }
                worst = max(worst, abs(Double(y[i * ldy + j]) - exact) / max(gamma(k + 1) * magnitude, .leastNormalMagnitude))
            }
        }
        return (worst, outside)
    }
}
