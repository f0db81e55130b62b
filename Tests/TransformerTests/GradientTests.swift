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
        var ys = [Double](repeating: 0, count: xs.count)
        geluForward(xs, &ys, count: xs.count)
        // Closed form at 0 and far out: gelu(0) = 0, gelu(x) ≈ x for large x, ≈ 0 for very negative.
        var g = [Double](repeating: 1, count: xs.count)
        geluBackward(xs, &g, count: xs.count)
        for (i, x) in xs.enumerated() {
            var up = [0.0], down = [0.0]
            geluForward([x + 1e-6], &up, count: 1)
            geluForward([x - 1e-6], &down, count: 1)
            #expect(abs((up[0] - down[0]) / 2e-6 - g[i]) < 1e-8)
        }
        var z = [1.0]
        geluForward([0.0], &z, count: 1)
        #expect(z[0] == 0)
    }
}
