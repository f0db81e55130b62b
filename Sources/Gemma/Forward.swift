import Dispatch
import Foundation

extension GemmaModel {
    /// The forward pass over `tokens`, appended at positions `cache.count…`; returns the
    /// logits after the last token, or after every token when `allPositions`.
    func forward(_ tokens: [Int], cache: inout GemmaCache, allPositions: Bool) throws(GemmaError) -> [[Float]] {
        let c = configuration
        guard !tokens.isEmpty else { throw .emptyInput }
        for t in tokens where !(0..<c.vocabularySize).contains(t) { throw .invalidToken(t, vocabularySize: c.vocabularySize) }
        guard cache.count + tokens.count <= c.contextLength else {
            throw .contextExceeded(path: path, tokens: cache.count + tokens.count, context: c.contextLength)
        }
        let n = tokens.count, start = cache.count
        let d = c.hiddenSize, hd = c.headDimension
        let qWidth = c.headCount * hd, kvWidth = c.kvHeadCount * hd

        // Scaled embeddings: Gemma multiplies by sqrt(hidden size), rounded to float32 first.
        let scale = Float(Double(d).squareRoot())
        var x = [Float](repeating: 0, count: n * d)
        embedding.values.withUnsafeBufferPointer { e in
            for (i, t) in tokens.enumerated() {
                for j in 0..<d { x[i * d + j] = e[t * d + j] * scale }
            }
        }

        var h = [Float](repeating: 0, count: n * d)
        let qkvWidth = qWidth + 2 * kvWidth, f = c.intermediateSize
        var qkv = [Float](repeating: 0, count: n * qkvWidth)
        var gateUp = [Float](repeating: 0, count: n * 2 * f)
        var q = [Float](repeating: 0, count: n * qWidth)
        var k = [Float](repeating: 0, count: n * kvWidth)
        var v = [Float](repeating: 0, count: n * kvWidth)
        var attended = [Float](repeating: 0, count: n * qWidth)
        var gate = [Float](repeating: 0, count: n * f)

        for (l, layer) in layers.enumerated() {
            rmsNorm(x, layer.attentionNorm, width: d, into: &h)
            linear(h, n, layer.queryKeyValue, &qkv)
            split(qkv, n, widths: qWidth, kvWidth, into: &q, &k, &v)
            // Q and K norms act on each head separately.
            rmsNormInPlace(&q, layer.queryNorm, width: hd)
            rmsNormInPlace(&k, layer.keyNorm, width: hd)
            let frequencies = layer.isGlobal ? inverseFrequencyGlobal : inverseFrequencyLocal
            rope(&q, heads: c.headCount, start: start, frequencies: frequencies)
            rope(&k, heads: c.kvHeadCount, start: start, frequencies: frequencies)
            cache.keys[l].append(contentsOf: k)
            cache.values[l].append(contentsOf: v)
            attention(q, keys: cache.keys[l], values: cache.values[l], start: start, count: n,
                      global: layer.isGlobal, into: &attended)
            linear(attended, n, layer.output, &h)
            rmsNormInPlace(&h, layer.postAttentionNorm, width: d)
            add(h, to: &x)

            rmsNorm(x, layer.feedForwardNorm, width: d, into: &h)
            linear(h, n, layer.gateUp, &gateUp)
            gateUp.withUnsafeBufferPointer { gu in
                gate.withUnsafeMutableBufferPointer { g in
                    let (input, output) = (Shared(gu.baseAddress!), Shared(g.baseAddress!))
                    inParallel(n, threads: threads) { tokens in
                        for t in tokens {
                            let row = input.pointer + t * 2 * f, out = output.pointer + t * f
                            for i in 0..<f { out[i] = geluTanh(row[i]) * row[f + i] }
                        }
                    }
                }
            }
            linear(gate, n, layer.down, &h)
            rmsNormInPlace(&h, layer.postFeedForwardNorm, width: d)
            add(h, to: &x)
        }
        cache.advance(by: n)

        let rows = allPositions ? 0..<n : (n - 1)..<n
        var last = [Float](x[(rows.lowerBound * d)..<(rows.upperBound * d)])
        rmsNormInPlace(&last, finalNorm, width: d)
        var logits = [Float](repeating: 0, count: rows.count * c.vocabularySize)
        linear(last, rows.count, outputHead ?? embedding, &logits)
        if let cap = c.finalSoftcap {
            for i in logits.indices { logits[i] = cap * tanh(logits[i] / cap) }
        }
        return (0..<rows.count).map { Array(logits[($0 * c.vocabularySize)..<(($0 + 1) * c.vocabularySize)]) }
    }

    /// Copies each row of the stacked Q|K|V product into q, k and v.
    private func split(_ qkv: [Float], _ n: Int, widths qWidth: Int, _ kvWidth: Int,
                       into q: inout [Float], _ k: inout [Float], _ v: inout [Float]) {
        let w = qWidth + 2 * kvWidth
        qkv.withUnsafeBufferPointer { s in
            q.withUnsafeMutableBufferPointer { qp in
                k.withUnsafeMutableBufferPointer { kp in
                    v.withUnsafeMutableBufferPointer { vp in
                        for t in 0..<n {
                            let row = s.baseAddress! + t * w
                            (qp.baseAddress! + t * qWidth).update(from: row, count: qWidth)
                            (kp.baseAddress! + t * kvWidth).update(from: row + qWidth, count: kvWidth)
                            (vp.baseAddress! + t * kvWidth).update(from: row + qWidth + kvWidth, count: kvWidth)
                        }
                    }
                }
            }
        }
    }

    private func add(_ h: [Float], to x: inout [Float]) {
        h.withUnsafeBufferPointer { hp in x.withUnsafeMutableBufferPointer { xp in for i in 0..<xp.count { xp[i] += hp[i] } } }
    }

    private func linear(_ x: [Float], _ m: Int, _ w: Matrix, _ y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in multiply(xp.baseAddress!, rows: m, by: w, into: yp.baseAddress!, threads: threads) }
        }
    }

    /// Gemma's RMSNorm: x / sqrt(mean(x²) + ε) · w, where the GGUF weight already holds 1 + w.
    private func rmsNorm(_ x: [Float], _ w: [Float], width: Int, into y: inout [Float]) {
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in normalise(xp.baseAddress!, yp.baseAddress!, count: xp.count, w, width) }
        }
    }

    private func rmsNormInPlace(_ x: inout [Float], _ w: [Float], width: Int) {
        x.withUnsafeMutableBufferPointer { xp in normalise(xp.baseAddress!, xp.baseAddress!, count: xp.count, w, width) }
    }

    private func normalise(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int, _ w: [Float], _ width: Int) {
        let eps = configuration.rmsNormEpsilon
        w.withUnsafeBufferPointer { wp in
            for r in 0..<(count / width) {
                let xr = x + r * width, yr = y + r * width
                var sum: Float = 0
                for j in 0..<width { sum += xr[j] * xr[j] }
                let inv = 1 / (sum / Float(width) + eps).squareRoot()
                for j in 0..<width { yr[j] = xr[j] * inv * wp[j] }
            }
        }
    }

    /// Rotary embedding in the "rotate half" layout (pairs i and i + d/2), as the GGUF
    /// converter leaves Gemma's Q and K unpermuted.
    private func rope(_ x: inout [Float], heads: Int, start: Int, frequencies: [Float]) {
        let hd = configuration.headDimension, half = hd / 2
        let rows = x.count / (heads * hd)
        for t in 0..<rows {
            let position = Float(start + t)
            for i in 0..<half {
                let angle = position * frequencies[i]
                let cosine = cos(angle), sine = sin(angle)
                for head in 0..<heads {
                    let base = (t * heads + head) * hd
                    let a = x[base + i], b = x[base + i + half]
                    x[base + i] = a * cosine - b * sine
                    x[base + i + half] = b * cosine + a * sine
                }
            }
        }
    }

    /// Causal attention of `count` new queries (positions start…) over the cached keys; the
    /// query heads of a group share one key/value head; local layers see only the last
    /// `slidingWindow` positions, the query's own included.
    ///
    /// For speed, queries go in blocks of positions, and a block's query heads of one group are
    /// packed as rows of one matrix (row = position × group + head), so one matrix product scores
    /// them all against only the keys some query in the block can see (causal and window limits).
    private func attention(_ q: [Float], keys: [Float], values: [Float], start: Int, count n: Int,
                           global: Bool, into out: inout [Float]) {
        let c = configuration
        let hd = c.headDimension, qWidth = c.headCount * hd, kvWidth = c.kvHeadCount * hd
        let window = global ? Int.max : c.slidingWindow
        let group = c.headCount / c.kvHeadCount
        let block = 128
        let blocks = (n + block - 1) / block
        let widest = global ? start + n : min(start + n, block + c.slidingWindow - 1)
        let packedRows = min(block, n) * group
        let parts = threads == 1 ? 1 : blocks   // blocks go to whichever thread is free
        // Scratch for every iteration, allocated here: memory first allocated on a worker
        // thread would grow that thread's malloc arena and stay resident.
        let scoresSize = packedRows * widest, packedSize = packedRows * hd
        var scratch = [Float](repeating: 0, count: parts * (scoresSize + 2 * packedSize))
        q.withUnsafeBufferPointer { qp in
        keys.withUnsafeBufferPointer { kp in
        values.withUnsafeBufferPointer { vp in
        scratch.withUnsafeMutableBufferPointer { scratchPointer in
        out.withUnsafeMutableBufferPointer { op in
            let (qs, ks, vs, os) = (Shared(qp.baseAddress!), Shared(kp.baseAddress!), Shared(vp.baseAddress!), Shared(op.baseAddress!))
            let work = Shared(scratchPointer.baseAddress!)
            // Blocks are independent once the keys are cached: each iteration takes blocks
            // part, part + parts, … (with threads > 1, one block per iteration).
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let (qBase, kBase, vBase, oBase) = (qs.pointer, ks.pointer, vs.pointer, os.pointer)
                let sp = work.pointer + part * (scoresSize + 2 * packedSize)
                let pq = sp + scoresSize, po = pq + packedSize
                for b in stride(from: part, to: blocks, by: parts) {
                    let b0 = b * block, rows = min(block, n - b0)
                    // Keys visible to some query in positions start+b0 ..< start+b0+rows.
                    let first = global ? 0 : max(0, start + b0 - window + 1)
                    let span = start + b0 + rows - first
                    for kvHead in 0..<c.kvHeadCount {
                        for t in 0..<rows {
                            (pq + t * group * hd).update(from: qBase + (b0 + t) * qWidth + kvHead * group * hd, count: group * hd)
                        }
                        gemm(transposeB: true, m: rows * group, n: span, k: hd, alpha: c.queryScale,
                             a: pq, lda: hd, b: kBase + first * kvWidth + kvHead * hd, ldb: kvWidth, c: sp, ldc: span)
                        for r in 0..<(rows * group) {
                            let position = start + b0 + r / group
                            let lo = max(first, position - window + 1) - first
                            softmax(sp + r * span, span: span, visible: lo...(position - first))
                        }
                        gemm(transposeB: false, m: rows * group, n: hd, k: span, alpha: 1,
                             a: sp, lda: span, b: vBase + first * kvWidth + kvHead * hd, ldb: kvWidth, c: po, ldc: hd)
                        for t in 0..<rows {
                            (oBase + (b0 + t) * qWidth + kvHead * group * hd).update(from: po + t * group * hd, count: group * hd)
                        }
                    }
                }
            }
        }}}}}
    }

    /// Softmax of `row[visible]` in place (after the optional soft cap); the rest set to 0.
    private func softmax(_ row: UnsafeMutablePointer<Float>, span: Int, visible: ClosedRange<Int>) {
        if let cap = configuration.attentionSoftcap {
            for j in visible { row[j] = cap * tanh(row[j] / cap) }
        }
        var m = -Float.infinity
        for j in visible { m = max(m, row[j]) }
        var sum: Float = 0
        for j in 0..<visible.lowerBound { row[j] = 0 }
        for j in visible {
            row[j] = exp(row[j] - m)
            sum += row[j]
        }
        for j in (visible.upperBound + 1)..<span { row[j] = 0 }
        let inv = 1 / sum
        for j in visible { row[j] *= inv }
    }
}

/// GELU with the tanh approximation (PyTorch's `gelu_pytorch_tanh`),
/// 0.5·x·(1 + tanh(u)) with u = √(2/π)(x + 0.044715x³), written as x / (1 + e^(−2u)):
/// the same function, but one `exp` instead of `tanh`, which was 9% of a prompt's time.
@inline(__always)
func geluTanh(_ x: Float) -> Float {
    let u = 0.797_884_56 * (x + 0.044_715 * x * x * x)
    return x / (1 + exp(-2 * u))
}
