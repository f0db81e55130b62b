import Foundation
@testable import Gemma

/// Gemma 3's forward pass written out plainly, in Double, as an independent reference for
/// small models: scalar loops, every key kept, the sliding window as an explicit mask on
/// absolute positions. Returns the logits after every token of `tokens`.
func naiveGemmaLogits(_ tokens: [Int], configuration c: GemmaConfiguration, weights: some GemmaWeights) throws -> [[Double]] {
    let d = c.hiddenSize, hd = c.headDimension, heads = c.headCount, kvHeads = c.kvHeadCount
    let f = c.intermediateSize, n = tokens.count, eps = Double(c.rmsNormEpsilon)
    func tensor(_ name: String, _ dimensions: Int...) throws -> [Double] {
        try weights.floats(name, dimensions: dimensions).map(Double.init)
    }
    /// W (rows × columns, row-major) times x.
    func times(_ w: [Double], _ x: [Double]) -> [Double] {
        let columns = x.count
        return (0..<(w.count / columns)).map { r in (0..<columns).reduce(0) { $0 + w[r * columns + $1] * x[$1] } }
    }
    func rmsNorm(_ x: [Double], _ w: [Double]) -> [Double] {
        let scale = 1 / (x.reduce(0) { $0 + $1 * $1 } / Double(x.count) + eps).squareRoot()
        return zip(x, w).map { $0 * scale * $1 }
    }
    func perHead(_ x: [Double], _ w: [Double]) -> [Double] {
        stride(from: 0, to: x.count, by: hd).flatMap { rmsNorm(Array(x[$0..<($0 + hd)]), w) }
    }
    /// Rotates pairs (i, i + hd/2) of every head by position × frequency i.
    func rope(_ x: [Double], position: Int, base: Double, scale: Double) -> [Double] {
        var y = x
        for h in stride(from: 0, to: x.count, by: hd) {
            for i in 0..<(hd / 2) {
                let angle = Double(position) / pow(base, Double(2 * i) / Double(hd)) / scale
                let (a, b) = (x[h + i], x[h + i + hd / 2])
                y[h + i] = a * cos(angle) - b * sin(angle)
                y[h + i + hd / 2] = b * cos(angle) + a * sin(angle)
            }
        }
        return y
    }
    func add(_ x: inout [[Double]], _ y: [[Double]]) {
        for t in 0..<n { for j in 0..<d { x[t][j] += y[t][j] } }
    }

    let embedding = try tensor("token_embd.weight", d, c.vocabularySize)
    var x = tokens.map { t in (0..<d).map { embedding[t * d + $0] * Double(d).squareRoot() } }
    for l in 0..<c.layerCount {
        let p = "blk.\(l).", global = c.isGlobal(layer: l)
        let (wq, wk, wv) = (try tensor(p + "attn_q.weight", d, heads * hd), try tensor(p + "attn_k.weight", d, kvHeads * hd),
                            try tensor(p + "attn_v.weight", d, kvHeads * hd))
        let (qNorm, kNorm) = (try tensor(p + "attn_q_norm.weight", hd), try tensor(p + "attn_k_norm.weight", hd))
        let base = Double(global ? c.ropeBaseGlobal : c.ropeBaseLocal), scale = Double(global ? c.ropeScalingGlobal : 1)
        let attentionNorm = try tensor(p + "attn_norm.weight", d)
        let h = x.map { rmsNorm($0, attentionNorm) }
        let q = h.indices.map { rope(perHead(times(wq, h[$0]), qNorm), position: $0, base: base, scale: scale) }
        let k = h.indices.map { rope(perHead(times(wk, h[$0]), kNorm), position: $0, base: base, scale: scale) }
        let v = h.map { times(wv, $0) }
        let attended: [[Double]] = (0..<n).map { t in
            (0..<heads).flatMap { head -> [Double] in
                let kv = head / (heads / kvHeads)
                let seen = (0...t).filter { global || t - $0 < c.slidingWindow }
                let scores = seen.map { s -> Double in
                    let dot = (0..<hd).reduce(0) { $0 + q[t][head * hd + $1] * k[s][kv * hd + $1] } * Double(c.queryScale)
                    return c.attentionSoftcap.map { Double($0) * tanh(dot / Double($0)) } ?? dot
                }
                let top = scores.max()!, e = scores.map { exp($0 - top) }, total = e.reduce(0, +)
                return (0..<hd).map { j in zip(seen, e).reduce(0) { $0 + $1.1 / total * v[$1.0][kv * hd + j] } }
            }
        }
        let wo = try tensor(p + "attn_output.weight", heads * hd, d), postAttention = try tensor(p + "post_attention_norm.weight", d)
        add(&x, attended.map { rmsNorm(times(wo, $0), postAttention) })

        let (gate, up) = (try tensor(p + "ffn_gate.weight", d, f), try tensor(p + "ffn_up.weight", d, f))
        let (down, feedForward) = (try tensor(p + "ffn_down.weight", f, d), try tensor(p + "ffn_norm.weight", d))
        let postFeedForward = try tensor(p + "post_ffw_norm.weight", d)
        add(&x, x.map { row -> [Double] in
            let hn = rmsNorm(row, feedForward)
            let g = times(gate, hn), u = times(up, hn)
            let a = zip(g, u).map { 0.5 * $0 * (1 + tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) * $1 }
            return rmsNorm(times(down, a), postFeedForward)
        })
    }
    let finalNorm = try tensor("output_norm.weight", d)
    return x.map { row in
        let logits = times(embedding, rmsNorm(row, finalNorm))
        return c.finalSoftcap.map { cap in logits.map { Double(cap) * tanh($0 / Double(cap)) } } ?? logits
    }
}
