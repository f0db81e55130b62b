import Foundation
import Kernels
import QuantisedKernels

/// Gemma 3's decoder: scaled token embeddings, the blocks, the final norm and the output head
/// (tied to the embeddings unless the file has its own).
struct GemmaTextModel: Sendable {
    let configuration: GemmaConfiguration
    let embedding: WeightMatrix         // token_embd: vocabulary × hidden
    let outputHead: WeightMatrix?       // output.weight if the file has one; else the embedding
    let blocks: [GemmaBlock]
    let finalNorm: GemmaNorm            // output_norm

    /// Loads every tensor of `configuration` from `weights`, checking presence and shape.
    init(configuration c: GemmaConfiguration, weights: some GemmaWeights) throws(GemmaError) {
        let d = c.hiddenSize
        configuration = c
        embedding = try weights.weightMatrix("token_embd.weight", columns: d, rows: c.vocabularySize)
        finalNorm = try GemmaNorm(GemmaModel.finalNormTensor, width: d, configuration: c, weights: weights)
        var blocks: [GemmaBlock] = []
        for i in 0..<c.layerCount { blocks.append(try GemmaBlock(index: i, configuration: c, weights: weights)) }
        self.blocks = blocks
        let head = GemmaModel.outputHeadTensor(present: weights.contains)
        outputHead = head == "token_embd.weight" ? nil : try weights.weightMatrix(head, columns: d, rows: c.vocabularySize)
    }

    /// Bytes of matrix weights held: the embedding (once, when it is also the output head), the
    /// output head and every block's products.
    var matrixBytes: Int {
        blocks.reduce(embedding.byteCount + (outputHead?.byteCount ?? 0)) { total, block in
            total + block.attention.queryKeyValue.byteCount + block.attention.output.byteCount
                + block.mlp.gateUp.byteCount + block.mlp.down.byteCount
        }
    }

    /// The forward pass over `tokens` (valid ids, within the context), appended at positions
    /// `cache.count…`; returns the logits after the tokens `logitRows` (a range of indices in
    /// `tokens`, possibly empty: then the pass only extends the cache).
    func forward(_ tokens: [Int], cache: inout GemmaCache, logitRows rows: Range<Int>, threads: Int) -> [[Float]] {
        let c = configuration, n = tokens.count, start = cache.count, d = c.hiddenSize
        // Scaled embeddings: Gemma multiplies by sqrt(hidden size), rounded to float32 first.
        let scale = Float(Double(d).squareRoot())
        var x = [Float](repeating: 0, count: n * d)
        x.withUnsafeMutableBufferPointer { xp in
            for (i, t) in tokens.enumerated() {
                let row = xp.baseAddress! + i * d
                embedding.copyRow(t, into: row)
                for j in 0..<d { row[j] *= scale }
            }
        }
        var work = GemmaWorkspace(rows: n, configuration: c)
        for (l, block) in blocks.enumerated() {
            block.forward(&x, start: start, cache: &cache.layers[l], work: &work, threads: threads)
        }
        cache.advance(by: n)
        guard !rows.isEmpty else { return [] }

        var last = [Float](x[(rows.lowerBound * d)..<(rows.upperBound * d)])
        finalNorm.applyInPlace(&last)
        var logits = [Float](repeating: 0, count: rows.count * c.vocabularySize)
        linear(last, rows: rows.count, outputHead ?? embedding, into: &logits, threads: threads)
        if let cap = c.finalSoftcap {
            for i in logits.indices { logits[i] = cap * tanh(logits[i] / cap) }
        }
        return (0..<rows.count).map { Array(logits[($0 * c.vocabularySize)..<(($0 + 1) * c.vocabularySize)]) }
    }
}
