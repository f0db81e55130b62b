import Kernels
import Testing

@testable import Transformer

/// The C kernels that run the Transformer's float32 GELU and AdamW must compute exactly what the
/// Swift loops compute, bit for bit, so that trained parameters (and every committed result
/// made from them) do not depend on which ran. Inputs are drawn from fixed seeds (in the test
/// names), with special values mixed in.
@Suite("GELU and AdamW kernels equal their Swift loops bit for bit")
struct ElementwiseKernelTests {
    static func same(_ a: [Float], _ b: [Float]) -> Int? {
        a.count != b.count ? 0 : a.indices.first { a[$0].bitPattern != b[$0].bitPattern }
    }

    /// Values from N(0, scale²) with some specials and extremes in between.
    static func values(_ count: Int, seed: UInt64, scale: Double) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        let specials: [Float] = [0, -0, 1, -1, 40, -40, 200, -200, 1e-30, .infinity, -.infinity, .nan, 3.4e38]
        return (0..<count).map { i in
            i % 37 == 5 ? specials[(i / 37) % specials.count] : Float(scale * rng.nextGaussian())
        }
    }

    @Test("GELU forward and backward, seed 41, every count 0…70 and 100,003 elements, every instruction set",
          arguments: InstructionSet.supported)
    func gelu(isa: InstructionSet) {
        for count in Array(0...70) + [100_003] {
            let x = Self.values(count, seed: 41 &+ UInt64(count), scale: 3)
            let dy = Self.values(count, seed: 4100 &+ UInt64(count), scale: 1)
            var (y, sig, yRef, sigRef) = ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count),
                                          [Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
            geluForward(x, &y, sig: &sig, count: count, on: isa)
            geluForwardLoop(x, &yRef, sig: &sigRef, count: count)
            #expect(Self.same(y, yRef) == nil, "forward y, count \(count), first difference at \(String(describing: Self.same(y, yRef)))")
            #expect(Self.same(sig, sigRef) == nil, "forward σ, count \(count)")
            var (d, dRef) = (dy, dy)
            geluBackward(x, sig: sigRef, &d, count: count, on: isa)
            geluBackwardLoop(x, sig: sigRef, &dRef, count: count)
            #expect(Self.same(d, dRef) == nil, "backward, count \(count), first difference at \(String(describing: Self.same(d, dRef)))")
        }
    }

    @Test("GELU's Double path is still the plain loop (what the gradient checks test)")
    func doublePath() {
        let x: [Double] = [-3, -0.5, 0, 0.25, 2, 7]
        var (y, sig, yRef, sigRef) = ([Double](repeating: 0, count: 6), [Double](repeating: 0, count: 6),
                                      [Double](repeating: 0, count: 6), [Double](repeating: 0, count: 6))
        geluForward(x, &y, sig: &sig, count: 6)
        geluForwardLoop(x, &yRef, sig: &sigRef, count: 6)
        #expect(y == yRef && sig == sigRef)
    }

    @Test("AdamW, seed 43, every count 0…40 and 10,007 parameters, with and without clipping and decay, every instruction set",
          arguments: InstructionSet.supported)
    func adamW(isa: InstructionSet) {
        for count in Array(0...40) + [10_007] {
            for (clip, decay) in [(Float(1), Float(0.01)), (0.37, 0), (1e-3, 0.1)] {
                let step = AdamWStep(clip: clip, beta1: 0.9, beta2: 0.98, correction1: 1 / (1 - 0.9 * 0.9),
                                     correction2: 1 / (1 - 0.98 * 0.98), learningRate: 7e-4, epsilon: 1e-8, decay: decay)
                let g = Self.values(count, seed: 43 &+ UInt64(count), scale: 0.1)
                var p = Self.values(count, seed: 4300 &+ UInt64(count), scale: 0.5)
                var m = Self.values(count, seed: 4301 &+ UInt64(count), scale: 0.01)
                // Second moments are non-negative in a real run (NaN included, as a special).
                var v = Self.values(count, seed: 4302 &+ UInt64(count), scale: 0.01).map { $0.isNaN ? $0 : abs($0) }
                var (pRef, mRef, vRef) = (p, m, v)
                step.apply(parameters: &p, firstMoments: &m, secondMoments: &v, gradients: g, count: count, on: isa)
                adamWLoop(step, p: &pRef, m: &mRef, v: &vRef, g: g, count: count)
                #expect(Self.same(p, pRef) == nil && Self.same(m, mRef) == nil && Self.same(v, vRef) == nil,
                        "count \(count), clip \(clip), decay \(decay)")
            }
        }
    }
}

/// AdamW as the Swift loop `Trainer` ran before `AdamWStep` (its operations, in its order): the
/// reference `AdamWStep.apply` must match bit for bit.
func adamWLoop(
    _ s: AdamWStep, p: UnsafeMutablePointer<Float>, m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>,
    g: UnsafePointer<Float>, count: Int
) {
    for i in 0..<count {
        let gi = g[i] * s.clip
        m[i] = s.beta1 * m[i] + (1 - s.beta1) * gi
        v[i] = s.beta2 * v[i] + (1 - s.beta2) * gi * gi
        let update = (m[i] * s.correction1) / ((v[i] * s.correction2).squareRoot() + s.epsilon)
        p[i] -= s.learningRate * (update + s.decay * p[i])
    }
}
