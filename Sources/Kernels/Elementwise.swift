import CKernels

// Float32 elementwise loops of training and of Gemma's MLP, run by the C kernels of
// `elementwise.c` on sixteen lanes where the machine has AVX-512. Swift compiles its own loops
// for baseline x86-64 (four SSE lanes), which made these loops a fifth of a training step.
//
// Each function computes bit for bit what its Swift loop computes (the same float32
// operations in the same order, nothing fused), so no result depends on which one ran; the
// Swift loops stay as the references the tests compare against.

/// The exponentials of the GELU and the attention softmax: p[i] = ``fastExp(_:)`` of p[i], bit
/// for bit, for i in 0..<count.
/// `isa` chooses the code, never the result (tests run every supported set).
public func fastExpInPlace(_ p: UnsafeMutablePointer<Float>, count: Int, on isa: InstructionSet = .best) {
    perplexed_exp_inplace(isa.c, p, count)
}

/// GELU in the tanh form x·σ(2u), u = √(2/π)(x + 0.044715x³), on float32, bit for bit as the
/// loop `e = fastExp(a·(v + k·v·v·v)); sig = 1/(1 + e); y = v·sig` computes it, where `a` is
/// −2·√(2/π) and `k` is 0.044715 (passed, so that the caller's constants are the ones used).
public func geluForwardFloat(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, sig: UnsafeMutablePointer<Float>, count: Int,
    a: Float, k: Float, on isa: InstructionSet = .best
) {
    perplexed_gelu_forward(isa.c, x, y, sig, count, a, k)
}

/// GELU's backward on float32, bit for bit as the loop
/// `dy *= sg + 2·v·sg·(1 − sg)·(c·(1 + k3·v·v))` computes it, where `c` is √(2/π) and `k3` is
/// 3·0.044715 as float32.
public func geluBackwardFloat(
    _ x: UnsafePointer<Float>, sig: UnsafePointer<Float>, _ dy: UnsafeMutablePointer<Float>, count: Int,
    c: Float, k3: Float, on isa: InstructionSet = .best
) {
    perplexed_gelu_backward(isa.c, x, sig, dy, count, c, k3)
}

/// One AdamW step's float32 constants, as the update loop uses them.
public struct AdamWStep: Sendable, Equatable {
    /// The factor that clips the gradient to the global norm (1 when no clipping).
    public var clip: Float
    public var beta1: Float
    public var beta2: Float
    /// 1/(1 − β1ᵗ) and 1/(1 − β2ᵗ): the bias corrections.
    public var correction1: Float
    public var correction2: Float
    public var learningRate: Float
    public var epsilon: Float
    /// The weight decay of this tensor (0 for tensors that do not decay).
    public var decay: Float

    public init(clip: Float, beta1: Float, beta2: Float, correction1: Float, correction2: Float,
                learningRate: Float, epsilon: Float, decay: Float) {
        (self.clip, self.beta1, self.beta2) = (clip, beta1, beta2)
        (self.correction1, self.correction2) = (correction1, correction2)
        (self.learningRate, self.epsilon, self.decay) = (learningRate, epsilon, decay)
    }

    /// AdamW on `count` parameters, bit for bit as the loop
    /// `gi = g·clip; m = β1·m + (1 − β1)·gi; v = β2·v + (1 − β2)·gi·gi;
    /// p −= lr·((m·c1)/(√(v·c2) + ε) + decay·p)` computes it.
    public func apply(
        parameters p: UnsafeMutablePointer<Float>, firstMoments m: UnsafeMutablePointer<Float>,
        secondMoments v: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, count: Int,
        on isa: InstructionSet = .best
    ) {
        var step = perplexed_adamw_step(
            clip: clip, beta1: beta1, beta2: beta2, one_minus_beta1: 1 - beta1, one_minus_beta2: 1 - beta2,
            correction1: correction1, correction2: correction2, learning_rate: learningRate, epsilon: epsilon,
            decay: decay)
        perplexed_adamw(isa.c, p, m, v, g, count, &step)
    }
}
