import Foundation
import Kernels
import QuantisedKernels

/// One block's self-attention (`blk.N.attn_*`): grouped-query heads, RMSNorm on each query and
/// key head, rotary positions with the layer's local or global frequencies, an optional
/// `tanh` soft cap on the scores, and on local layers a sliding window.
struct GemmaAttention: Sendable {
    /// attn_q, attn_k and attn_v stacked: one matrix product gives all three, which keeps
    /// the threads busier than three thin ones.
    let queryKeyValue: WeightMatrix
    let output: WeightMatrix
    let queryNorm: GemmaNorm
    let keyNorm: GemmaNorm
    /// RoPE inverse frequencies, one per rotated pair.
    let frequencies: [Float]
    /// Positions a query sees, its own included, on a local layer; nil on a global one.
    let window: Int?
    let headCount: Int
    let kvHeadCount: Int
    let headDimension: Int
    let queryScale: Float
    let softcap: Float?

    /// Loads the attention of block `index` (tensors `blk.<index>.attn_*`).
    init(block index: Int, configuration c: GemmaConfiguration, weights: some GemmaWeights) throws(GemmaError) {
        let p = "blk.\(index).", d = c.hiddenSize, hd = c.headDimension
        let q = c.headCount * hd, kv = c.kvHeadCount * hd
        queryKeyValue = .stack([try weights.weightMatrix(p + "attn_q.weight", columns: d, rows: q),
                                try weights.weightMatrix(p + "attn_k.weight", columns: d, rows: kv),
                                try weights.weightMatrix(p + "attn_v.weight", columns: d, rows: kv)])
        output = try weights.weightMatrix(p + "attn_output.weight", columns: q, rows: d)
        queryNorm = try GemmaNorm(p + "attn_q_norm.weight", width: hd, configuration: c, weights: weights)
        keyNorm = try GemmaNorm(p + "attn_k_norm.weight", width: hd, configuration: c, weights: weights)
        let global = c.isGlobal(layer: index)
        window = global ? nil : c.slidingWindow
        // As the reference computes them: base^(-2i/d), divided by the linear scaling factor
        // on global layers.
        let (base, scale) = global ? (c.ropeBaseGlobal, c.ropeScalingGlobal) : (c.ropeBaseLocal, 1)
        frequencies = (0..<(hd / 2)).map { i in Float(1 / pow(Double(base), Double(2 * i) / Double(hd))) / scale }
        headCount = c.headCount
        kvHeadCount = c.kvHeadCount
        headDimension = hd
        queryScale = c.queryScale
        softcap = c.attentionSoftcap
    }

    /// Attends the `work.rows` tokens at positions `start…` whose normalised inputs are in
    /// `work.hidden`, storing their keys and values in `cache`; leaves the output projection
    /// in `work.hidden`.
    func forward(_ work: inout GemmaWorkspace, start: Int, cache: inout KeyValueCache, threads: Int) {
        let n = work.rows
        linear(work.hidden, rows: n, queryKeyValue, into: &work.queryKeyValue, threads: threads)
        split(work.queryKeyValue, n, into: &work.queries, &work.keys, &work.values, threads: threads)
        queryNorm.applyInPlace(&work.queries, threads: threads)
        keyNorm.applyInPlace(&work.keys, threads: threads)
        rope(&work.queries, heads: headCount, and: &work.keys, heads: kvHeadCount, start: start, threads: threads)
        attend(&work, start: start, cache: &cache, threads: threads)
        linear(work.attended, rows: n, output, into: &work.hidden, threads: threads)
    }

    /// Copies each row of the stacked Q|K|V product into q, k and v, rows split over `threads`.
    private func split(_ qkv: [Float], _ n: Int, into q: inout [Float], _ k: inout [Float], _ v: inout [Float], threads: Int) {
        let qWidth = headCount * headDimension, kvWidth = kvHeadCount * headDimension
        let w = qWidth + 2 * kvWidth
        qkv.withUnsafeBufferPointer { s in
            q.withUnsafeMutableBufferPointer { qp in
                k.withUnsafeMutableBufferPointer { kp in
                    v.withUnsafeMutableBufferPointer { vp in
                        let (source, queries, keys, values) = (SharedPointer(s.baseAddress!), SharedPointer(qp.baseAddress!),
                                                               SharedPointer(kp.baseAddress!), SharedPointer(vp.baseAddress!))
                        parallelFor(n, split: .balanced(threads: n >= 16 ? threads : 1)) { _, tokens in
                            for t in tokens {
                                let row = source.pointer + t * w
                                (queries.pointer + t * qWidth).update(from: row, count: qWidth)
                                (keys.pointer + t * kvWidth).update(from: row + qWidth, count: kvWidth)
                                (values.pointer + t * kvWidth).update(from: row + qWidth + kvWidth, count: kvWidth)
                            }
                        }
                    }
                }
            }
        }
    }

    /// Rotary embedding in the "rotate half" layout (pairs i and i + d/2), as the GGUF
    /// converter leaves Gemma's Q and K unpermuted. Positions are absolute, also on local
    /// layers whose cache is a ring.
    private func rope(_ q: inout [Float], heads qHeads: Int, and k: inout [Float], heads kHeads: Int, start: Int, threads: Int) {
        let hd = headDimension, half = hd / 2
        let rows = q.count / (qHeads * hd)
        let frequencies = frequencies
        func rotate(_ x: UnsafeMutablePointer<Float>, heads: Int, row t: Int, _ cosine: UnsafeMutablePointer<Float>, _ sine: UnsafeMutablePointer<Float>) {
            for head in 0..<heads {
                let base = x + (t * heads + head) * hd
                for i in 0..<half {
                    let a = base[i], b = base[i + half]
                    base[i] = a * cosine[i] - b * sine[i]
                    base[i + half] = b * cosine[i] + a * sine[i]
                }
            }
        }
        q.withUnsafeMutableBufferPointer { qp in
            k.withUnsafeMutableBufferPointer { kp in
                let (queries, keys) = (SharedPointer(qp.baseAddress!), SharedPointer(kp.baseAddress!))
                // Rows split over threads for a prompt (a decoding step's one row runs inline).
                parallelFor(rows, split: .balanced(threads: rows >= 16 ? threads : 1)) { _, range in
                    // One cosine and sine per position and pair, shared by the queries' and the keys' heads.
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * half) { table in
                        let cosine = table.baseAddress!, sine = cosine + half
                        for t in range {
                            let position = Float(start + t)
                            for i in 0..<half {
                                let angle = position * frequencies[i]
                                cosine[i] = cos(angle)
                                sine[i] = sin(angle)
                            }
                            rotate(queries.pointer, heads: qHeads, row: t, cosine, sine)
                            rotate(keys.pointer, heads: kHeads, row: t, cosine, sine)
                        }
                    }
                }
            }
        }
    }

    /// Stores the new keys and values in `cache` and attends `work.queries` over every
    /// position they may see, into `work.attended`.
    ///
    /// A ring drops its oldest positions as new ones arrive, so the order matters. When
    /// storing first keeps every position the queries need (a global layer, a ring that does
    /// not wrap in this pass, or a single new token), the keys are read from the cache: one
    /// run laid out exactly as an unbounded cache, or two where the ring wraps (decoding past
    /// the window). Otherwise (several tokens that wrap the ring, e.g. a prompt longer than the
    /// window) the queries attend over one contiguous copy of the cached positions they need
    /// followed by the pass's own fresh keys and values, which are stored afterwards. Unlike
    /// cutting the pass into window-sized pieces, this keeps prompt passes in blocks of 128
    /// queries, and it gives every query the same keys at the same offsets as an unbounded
    /// cache, hence the same scores and sums; the copy (fewer than `window` rows) costs little
    /// next to a pass of several tokens.
    private func attend(_ work: inout GemmaWorkspace, start: Int, cache: inout KeyValueCache, threads: Int) {
        let n = work.rows, end = start + n
        // The earliest position some query of this pass sees.
        let lo = window.map { max(0, start - $0 + 1) } ?? 0
        let fresh = (keys: work.keys, values: work.values)
        func store() {
            fresh.keys.withUnsafeBufferPointer { kp in
                fresh.values.withUnsafeBufferPointer { vp in
                    cache.store(keys: kp.baseAddress!, values: vp.baseAddress!, from: start, count: n)
                }
            }
        }
        if cache.keeps(lo, afterStoringUpTo: end) {
            store()
            cache.keys.withUnsafeBufferPointer { kp in
                cache.values.withUnsafeBufferPointer { vp in
                    let runs = cache.runs(lo, end, keys: kp, values: vp)
                    attention(work.queries, over: runs, start: start, count: n, into: &work.attended, threads: threads)
                }
            }
        } else {
            let (keys, values) = cache.copy(lo, start, followedBy: fresh.keys, fresh.values)
            keys.withUnsafeBufferPointer { kp in
                values.withUnsafeBufferPointer { vp in
                    let runs = [KeyValueRun(position: lo, count: end - lo, keys: kp.baseAddress!, values: vp.baseAddress!)]
                    attention(work.queries, over: runs, start: start, count: n, into: &work.attended, threads: threads)
                }
            }
            store()
        }
    }

    /// Causal attention of `count` new queries (positions start…) over the keys of `runs`,
    /// which cover every position they may see, in order; the query heads of a group share
    /// one key/value head; local layers see only the last `window` positions, the query's own
    /// included.
    ///
    /// For speed, queries go in blocks of positions, and a block's query heads of one group are
    /// packed as rows of one matrix (row = position × group + head), so one matrix product per
    /// run scores them all against only the keys some query in the block can see (causal and
    /// window limits). Scores sit in logical (position) order whatever the runs, so the
    /// softmax is that of an unbounded cache; the weighted sum adds one product per run.
    private func attention(_ q: [Float], over runs: [KeyValueRun], start: Int, count n: Int,
                           into out: inout [Float], threads: Int) {
        let hd = headDimension, qWidth = headCount * hd, kvWidth = kvHeadCount * hd
        let group = headCount / kvHeadCount
        let block = 128
        let blocks = (n + block - 1) / block
        let widest = window.map { min(start + n, block + $0 - 1) } ?? start + n
        let packedRows = min(block, n) * group
        // Scratch for every iteration, allocated here: memory first allocated on a worker
        // thread would grow that thread's malloc arena and stay resident. A second run's
        // share of the weighted sum needs one more packed buffer.
        let scoresSize = packedRows * widest, packedSize = packedRows * hd
        let partSize = scoresSize + (runs.count > 1 ? 3 : 2) * packedSize
        // Blocks go to whichever thread is free, one part each, as long as all parts' scratch
        // stays within 64 Mi floats (256 MiB); a long prompt's scores are O(prompt²) over all
        // blocks (6.4 GB at 20,000 tokens), so then parts take several blocks each, at least
        // one part per thread. Each block's arithmetic is the same whichever part runs it.
        let parts = threads == 1 ? 1 : min(blocks, max(threads, (64 << 20) / max(1, partSize)))
        // Not cleared: every element is written before it is read (the scores by the products
        // over runs that cover every position, then the softmax), and clearing 8 MB per layer
        // of a 512-token prompt was a one-thread stretch.
        var scratch = [Float](unsafeUninitializedCapacity: parts * partSize) { _, initialized in initialized = parts * partSize }
        q.withUnsafeBufferPointer { qp in
        scratch.withUnsafeMutableBufferPointer { scratchPointer in
        out.withUnsafeMutableBufferPointer { op in
            let (qs, os) = (SharedPointer(qp.baseAddress!), SharedPointer(op.baseAddress!))
            let work = SharedPointer(scratchPointer.baseAddress!)
            // Blocks are independent once the keys are known: each iteration takes blocks
            // part, part + parts, … counted from the last (with threads > 1, one block per
            // iteration). Later blocks see more keys and cost more; handing them out first
            // lets the cheap early ones fill in at the end, where first-come order left one
            // thread finishing a long block alone (4 blocks on 2 threads: 6 units of work
            // against 5).
            parallelFor(parts, split: .fixed(parts: parts)) { part, _ in
                let (qBase, oBase) = (qs.pointer, os.pointer)
                let sp = work.pointer + part * partSize
                let pq = sp + scoresSize, po = pq + packedSize, partial = po + packedSize
                for fromLast in stride(from: part, to: blocks, by: parts) {
                    let b = blocks - 1 - fromLast
                    let b0 = b * block, rows = min(block, n - b0), packed = rows * group
                    // Keys visible to some query in positions start+b0 ..< end.
                    let end = start + b0 + rows
                    let first = window.map { max(0, start + b0 - $0 + 1) } ?? 0
                    let span = end - first
                    for kvHead in 0..<kvHeadCount {
                        for t in 0..<rows {
                            (pq + t * group * hd).update(from: qBase + (b0 + t) * qWidth + kvHead * group * hd, count: group * hd)
                        }
                        for run in runs {
                            let seen = run.positions.clamped(to: first..<end)
                            guard !seen.isEmpty else { continue }
                            gemm(transposeB: true, m: packed, n: seen.count, k: hd, alpha: queryScale,
                                 a: pq, lda: hd, b: run.keys(at: seen.lowerBound, width: kvWidth) + kvHead * hd, ldb: kvWidth,
                                 c: sp + (seen.lowerBound - first), ldc: span)
                        }
                        for r in 0..<packed {
                            let position = start + b0 + r / group
                            let lo = window.map { max(first, position - $0 + 1) } ?? first
                            softmax(sp + r * span, span: span, visible: (lo - first)...(position - first))
                        }
                        var summed = false
                        for run in runs {
                            let seen = run.positions.clamped(to: first..<end)
                            guard !seen.isEmpty else { continue }
                            gemm(transposeB: false, m: packed, n: hd, k: seen.count, alpha: 1,
                                 a: sp + (seen.lowerBound - first), lda: span,
                                 b: run.values(at: seen.lowerBound, width: kvWidth) + kvHead * hd, ldb: kvWidth,
                                 c: summed ? partial : po, ldc: hd)
                            if summed { for i in 0..<(packed * hd) { po[i] += partial[i] } }
                            summed = true
                        }
                        for t in 0..<rows {
                            (oBase + (b0 + t) * qWidth + kvHead * group * hd).update(from: po + t * group * hd, count: group * hd)
                        }
                    }
                }
            }
        }}}
    }

    /// Softmax of `row[visible]` in place (after the optional soft cap); the rest set to 0.
    private func softmax(_ row: UnsafeMutablePointer<Float>, span: Int, visible: ClosedRange<Int>) {
        if let cap = softcap {
            for j in visible { row[j] = cap * tanh(row[j] / cap) }
        }
        for j in 0..<visible.lowerBound { row[j] = 0 }
        softmaxRow(row + visible.lowerBound, into: row + visible.lowerBound, count: visible.count, exp: .vectorised)
        for j in (visible.upperBound + 1)..<span { row[j] = 0 }
    }
}
