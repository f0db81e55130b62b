import Foundation
import Kernels
import Testing

@testable import Transformer

/// A tiny configuration for finite-difference checks.
func tinyConfig(_ position: PositionScheme, _ norm: NormKind, tied: Bool) -> TransformerConfig {
    TransformerConfig(
        vocabSize: 3, dModel: 4, heads: 2, layers: 2, mlpHidden: 6, position: position, norm: norm,
        tiedHead: tied, maxPositions: 8)
}

/// Random Double parameters: every gain and bias perturbed away from 1 and 0 so their gradients
/// are exercised in general position.
func randomParams(_ c: TransformerConfig, seed: UInt64, scale: Double = 0.5) -> [Double] {
    var rng = SeededGenerator(seed: seed)
    let layout = ParameterLayout(c)
    var p = [Double](repeating: 0, count: layout.count)
    for t in layout.tensors {
        let isGain = t.shape.count == 1 && t.name.hasSuffix(".weight")
        for i in 0..<t.count { p[t.offset + i] = (isGain ? 1 : 0) + scale * rng.nextGaussian() }
    }
    return p
}

/// Two sequences of length 5, targets on some positions only (−1 elsewhere).
let tinyBatch = Batch(
    batchSize: 2, length: 5,
    tokens: [0, 1, 2, 1, 0, 1, 1, 0, 2, 2],
    targets: [-1, 2, 0, -1, 1, 1, -1, 2, 0, 1])

@Suite("Gradients against central finite differences in Double")
struct GradientTests {
    static let cases: [(PositionScheme, NormKind, Bool)] = [
        (.rope, .layer, false), (.rope, .rms, true), (.alibi, .layer, true), (.alibi, .rms, false),
        (.learned, .layer, false), (.learned, .rms, true), (.none, .layer, true), (.none, .rms, false),
    ]

    @Test("every parameter of the full network", arguments: 0..<8)
    func fullNetwork(caseIndex: Int) throws {
        let (position, norm, tied) = Self.cases[caseIndex]
        let c = tinyConfig(position, norm, tied: tied)
        let params = randomParams(c, seed: UInt64(caseIndex + 1))
        var net = Network<Double>(config: c, params: params)
        let ws = Workspace<Double>(config: c, batchSize: 2, length: 5)
        net.forward(tinyBatch, ws)
        var grads = [Double](repeating: 0, count: params.count)
        net.backward(tinyBatch, ws, grads: &grads)
        let h = 1e-5
        var worst = 0.0
        for i in 0..<params.count {
            net.params[i] = params[i] + h
            let up = net.forward(tinyBatch, ws)
            net.params[i] = params[i] - h
            let down = net.forward(tinyBatch, ws)
            net.params[i] = params[i]
            let fd = (up - down) / (2 * h)
            let err = abs(fd - grads[i]) / (1e-6 + max(abs(fd), abs(grads[i])))
            worst = max(worst, err)
            if err > 1e-5 {
                let name = net.layout.tensors.last { $0.offset <= i }!.name
                Issue.record("\(position) \(norm) tied=\(tied): \(name)[\(i)] analytic \(grads[i]) vs fd \(fd)")
                return
            }
        }
        // Guard against a vacuous pass: the gradient is not identically zero.
        #expect(grads.contains { abs($0) > 1e-3 })
        #expect(worst < 1e-5)
    }

    @Test("float32 gradients agree with the Double ones")
    func float32MatchesDouble() {
        let c = tinyConfig(.rope, .layer, tied: false)
        let p = randomParams(c, seed: 42)
        let dnet = Network<Double>(config: c, params: p)
        let fnet = Network<Float>(config: c, params: p.map { Float($0) })
        let dws = Workspace<Double>(config: c, batchSize: 2, length: 5)
        let fws = Workspace<Float>(config: c, batchSize: 2, length: 5)
        let dl = dnet.forward(tinyBatch, dws)
        let fl = fnet.forward(tinyBatch, fws)
        #expect(abs(Double(fl) - dl) < 1e-5 * max(1, abs(dl)))
        var dg = [Double](repeating: 0, count: p.count)
        var fg = [Float](repeating: 0, count: p.count)
        dnet.backward(tinyBatch, dws, grads: &dg)
        fnet.backward(tinyBatch, fws, grads: &fg)
        let scale = dg.map(abs).max()!
        for i in 0..<p.count { #expect(abs(Double(fg[i]) - dg[i]) < 1e-4 * scale) }
    }

    @Test("GELU derivative against a finite difference, over a range of inputs")
    func geluDerivative() {
        let xs: [Double] = stride(from: -6.0, through: 6.0, by: 0.37).map { $0 }
        var ys = [Double](repeating: 0, count: xs.count), sig = ys
        geluForward(xs, &ys, sig: &sig, count: xs.count)
        var g = [Double](repeating: 1, count: xs.count)
        geluBackward(xs, sig: sig, &g, count: xs.count)
        var scratch = [0.0]
        for (i, x) in xs.enumerated() {
            var up = [0.0], down = [0.0]
            geluForward([x + 1e-6], &up, sig: &scratch, count: 1)
            geluForward([x - 1e-6], &down, sig: &scratch, count: 1)
            #expect(abs((up[0] - down[0]) / 2e-6 - g[i]) < 1e-8)
            // The tanh form, independently: ½x(1 + tanh(√(2/π)(x + 0.044715x³))).
            let reference = 0.5 * x * (1 + tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)))
            #expect(abs(ys[i] - reference) < 1e-14 * max(1, abs(x)))
        }
    }

    @Test("large batches (the multi-threaded paths) still match finite differences")
    func parallelPaths() {
        // Big enough that every matrix product, norm, GELU and attention splits across workers.
        let c = TransformerConfig(vocabSize: 3, dModel: 32, heads: 4, layers: 1, mlpHidden: 48, position: .rope)
        let params = randomParams(c, seed: 21, scale: 0.3)
        var net = Network<Double>(config: c, params: params)
        var rng = SeededGenerator(seed: 8)
        let batch = TaskSpec(kind: .copy, minLength: 4, maxLength: 4).sampleBatch(size: 64, using: &rng)
        #expect(batch.batchSize * batch.length * c.dModel >= 1 << 14)
        let ws = Workspace<Double>(config: c, batchSize: batch.batchSize, length: batch.length)
        net.forward(batch, ws)
        var grads = [Double](repeating: 0, count: params.count)
        net.backward(batch, ws, grads: &grads)
        let h = 1e-5
        for _ in 0..<40 {
            let i = rng.nextInt(in: 0...(params.count - 1))
            net.params[i] = params[i] + h
            let up = net.forward(batch, ws)
            net.params[i] = params[i] - h
            let down = net.forward(batch, ws)
            net.params[i] = params[i]
            let fd = (up - down) / (2 * h)
            #expect(abs(fd - grads[i]) <= 1e-7 + 1e-5 * max(abs(fd), abs(grads[i])), "parameter \(i)")
        }
    }
}
