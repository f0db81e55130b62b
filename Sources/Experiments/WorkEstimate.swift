import Foundation
import Witnesses

/// What a run will cost before it starts: seconds on this machine and bytes held beyond the
/// loaded model. Big requests print it up front, and a request that cannot fit in memory is
/// refused before any work.
public struct WorkEstimate: Sendable, Equatable {
    /// Estimated wall-clock seconds.
    public var seconds: Double
    /// Estimated bytes held at the peak, beyond the model's weights (a Double: absurd requests
    /// must not overflow).
    public var bytes: Double

    /// A cost of `seconds` and `bytes`.
    public init(seconds: Double, bytes: Double) {
        self.seconds = seconds
        self.bytes = bytes
    }

    /// Whether the run is worth announcing: 30 s or more, or 1 GiB or more.
    public var isLarge: Bool { seconds >= 30 || bytes >= 1_073_741_824 }

    /// "about 4 h 36 min and 650 MB of memory besides the model's weights".
    public var summary: String { "about \(Self.duration(seconds)) and \(Self.size(bytes)) of memory besides the model's weights" }

    /// Throws unless the run fits in 80% of `available` bytes (default: this machine's memory).
    public func checkMemory(available: Double = Double(ProcessInfo.processInfo.physicalMemory)) throws(WorkTooLarge) {
        guard bytes <= 0.8 * available else { throw WorkTooLarge(needed: bytes, available: available) }
    }

    /// A duration as "12 s", "3 min 20 s", "4 h 36 min" or "12 days".
    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "forever" }
        let s = Int(seconds.rounded())
        switch s {
        case ..<60: return "\(max(s, 1)) s"
        case ..<3600: return "\(s / 60) min \(s % 60) s"
        case ..<172_800: return "\(s / 3600) h \(s % 3600 / 60) min"
        default: return "\(Int(seconds / 86_400)) days"
        }
    }

    /// A byte count in decimal units, as a person reads it: "650 MB", "1.2 GB".
    static func size(_ bytes: Double) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB"]
        var value = max(bytes, 0), unit = 0
        while value >= 1000, unit < units.count - 1 { value /= 1000; unit += 1 }
        return value < 10 && unit > 0 ? String(format: "%.1f %@", value, units[unit]) : "\(Int(value.rounded())) \(units[unit])"
    }
}

/// A run that would need more memory than the machine has.
public struct WorkTooLarge: Error, Equatable, Sendable, CustomStringConvertible {
    /// Bytes the run would hold.
    public let needed: Double
    /// Bytes of memory the machine has.
    public let available: Double

    public var description: String {
        "needs about \(WorkEstimate.size(needed)) of memory, more than 80% of this machine's \(WorkEstimate.size(available))"
    }
}

/// How fast a copy model runs on this machine, measured by a short probe of the model itself:
/// a decoding step at position t takes `stepSeconds + stepSecondsPerPosition·t`, a prompt
/// pass `promptSecondsPerToken` per token plus the same growth, a greedy copy verified in batch
/// (`LanguageModel.logits(after:continuedBy:chunk:_:)`) `batchedRampSeconds` for its first
/// `batchedRampRows` positions (chunks of 1, 2, 4, … rows) and `batchedRowSeconds` per
/// position after them, and certifying one scored position (the interval log-softmax of its
/// rows) `certifySeconds`.
public struct DecodingRate: Sendable, Equatable {
    /// Seconds of one decoding step, apart from attention to earlier positions.
    public var stepSeconds: Double
    /// Extra seconds per earlier position (attention over the cache).
    public var stepSecondsPerPosition: Double
    /// Seconds per prompt token of a prompt pass, apart from attention.
    public var promptSecondsPerToken: Double
    /// Wall-clock seconds to certify one scored position (positions are certified on all cores).
    public var certifySeconds: Double
    /// Seconds per position of a batched draft pass once its chunks are full (a forward pass and
    /// the logits of every position), apart from attention; nil: as a decoding step.
    public var batchedRowSeconds: Double?
    /// Positions a batched pass takes to reach full chunks (1 + 2 + 4 + … rows).
    public var batchedRampRows: Int
    /// Seconds of those first positions.
    public var batchedRampSeconds: Double

    /// A rate from its parts.
    public init(stepSeconds: Double, stepSecondsPerPosition: Double, promptSecondsPerToken: Double, certifySeconds: Double,
                batchedRowSeconds: Double? = nil, batchedRampRows: Int = 0, batchedRampSeconds: Double = 0) {
        self.stepSeconds = stepSeconds
        self.stepSecondsPerPosition = stepSecondsPerPosition
        self.promptSecondsPerToken = promptSecondsPerToken
        self.certifySeconds = certifySeconds
        self.batchedRowSeconds = batchedRowSeconds
        self.batchedRampRows = batchedRampRows
        self.batchedRampSeconds = batchedRampSeconds
    }

    /// Seconds to score a greedy copy verified in batch, when the model copies the target (one
    /// pass); a copy that goes wrong at every bit costs up to ``copySeconds(prompt:copied:certified:)``.
    public func batchedCopySeconds(prompt: Int, copied: Int, certified: Bool) -> Double {
        guard let row = batchedRowSeconds else { return copySeconds(prompt: prompt, copied: copied, certified: certified) }
        // The ramp's positions at the ramp's average cost, the rest at full chunks.
        let ramp = min(copied, batchedRampRows), rampCost = batchedRampRows > 0 ? batchedRampSeconds / Double(batchedRampRows) : row
        var passes = self
        passes.stepSeconds = (Double(ramp) * rampCost + Double(copied - ramp) * row) / Double(max(copied, 1))
        return passes.copySeconds(prompt: prompt, copied: copied, certified: certified)
    }

    /// Seconds to score one greedy copy of `copied` tokens after a `prompt`-token prompt, with
    /// the copy's positions certified when `certified`.
    public func copySeconds(prompt: Int, copied: Int, certified: Bool) -> Double {
        let p = Double(prompt), n = Double(copied)
        // Σ over positions t of the per-position growth: prompt positions 0..<p, copy positions p..<p+n.
        let promptGrowth = stepSecondsPerPosition * p * p / 2
        let copyGrowth = stepSecondsPerPosition * (n * p + n * n / 2)
        return p * promptSecondsPerToken + promptGrowth + n * stepSeconds + copyGrowth + (certified ? n * certifySeconds : 0)
    }

    /// Measures `model` with `prompting` for runs that reach `positions` positions: a prompt
    /// pass, a batched draft pass of 63 positions in chunks of 1, 2, 4, 8, 16 and 32 (its
    /// one-row chunk is a decoding step), the certification of one position from two of its rows,
    /// and, where attention's growth can matter, steps at the start and about 4,096 positions on.
    /// About 1.2 s on Gemma 3 270M on 2 cores (a 17-bit witness, which is measured first, against a
    /// 16-bit one, which is not), a small fraction of the runs it is asked about.
    ///
    /// Attention's growth is measured for models with small vocabularies (the copy Transformer,
    /// where attention is much of a step) and for runs past 2,048 positions; below that, on a
    /// large vocabulary, the unembedding of every position dominates and the growth is taken as 0.
    public static func measure(_ model: inout CopyModel, prompting: any CopyPrompting, positions: Int = 4096) throws -> DecodingRate {
        let zero = prompting.bitTokens.zero
        let prompt = try prompting.prompt(for: [0])
        let start = prompt.count
        let clock = ContinuousClock()
        func seconds(_ work: () throws -> Void) rethrows -> Double {
            let began = clock.now
            try work()
            return (clock.now - began).seconds
        }

        // A prompt pass from an empty cache (a prefix that diverges from the cached one restarts).
        _ = try model.logits(after: [prompting.bitTokens.one])
        let promptPass = try seconds { _ = try model.logits(after: prompt) }

        // A batched draft pass: the time of each chunk, and two rows to certify.
        let largest = 32, rows = 2 * largest - 1
        var chunkSeconds: [(rows: Int, seconds: Double)] = []
        var sample: [[Float]] = []
        var began = clock.now
        try model.logits(after: prompt, continuedBy: Array(repeating: zero, count: rows), chunk: largest) { _, chunk in
            chunkSeconds.append((chunk.count, (clock.now - began).seconds))
            if sample.count < 2, let row = chunk.last { sample.append(row) }
            began = clock.now
            return true
        }
        // Full chunks: the last (a model may hand over rows in any chunks; then its largest).
        guard let full = chunkSeconds.indices.max(by: { chunkSeconds[$0].rows <= chunkSeconds[$1].rows }), let first = sample.first, let last = sample.last else {
            throw WitnessError.badLogits(position: 1, reason: "the model handed over no logits for the probe's draft")
        }
        let rowSeconds = chunkSeconds[full].seconds / Double(chunkSeconds[full].rows)
        let ramp = chunkSeconds[..<full]
        var rate = DecodingRate(
            stepSeconds: chunkSeconds[0].seconds, stepSecondsPerPosition: 0,
            promptSecondsPerToken: promptPass / Double(start), certifySeconds: 0, batchedRowSeconds: rowSeconds,
            batchedRampRows: ramp.reduce(0) { $0 + $1.rows }, batchedRampSeconds: ramp.reduce(0) { $0 + $1.seconds })

        // Certifying a position encloses its α and β rows and their distance, on all cores.
        let certified = try seconds { _ = try CertifiedLogSoftmax().distance(first, last) }
        rate.certifySeconds = certified / Double(max(ProcessInfo.processInfo.activeProcessorCount, 1))

        if model.vocabularySize <= 65_536 || positions > 2048 {
            try rate.measureGrowth(&model, prompting: prompting, tokens: prompt + Array(repeating: zero, count: 4096 + 16), start: start)
        }
        return rate
    }

    /// Sets the step time and attention's growth from 16 decoding steps at `start` and 16 about
    /// 4,096 positions on (within the model's capacity), and the prompt's time per token net
    /// of that growth.
    private mutating func measureGrowth(_ model: inout CopyModel, prompting: any CopyPrompting, tokens: [Int], start: Int) throws {
        let steps = 16
        let far = min(start + 4096, model.sequenceCapacity - steps - 1)
        let clock = ContinuousClock()
        // The median step: robust to the odd step slowed by another process.
        func stepTime(from length: Int) throws -> Double {
            _ = try model.logits(after: Array(tokens[..<length]))
            let times = try (1...steps).map { k in
                let began = clock.now
                _ = try model.logits(after: Array(tokens[..<(length + k)]))
                return (clock.now - began).seconds
            }
            return times.sorted()[steps / 2]
        }
        let near = try stepTime(from: start)
        stepSeconds = near
        guard far - start >= 64 else { return }
        _ = try model.logits(after: [prompting.bitTokens.one])
        let began = clock.now
        _ = try model.logits(after: Array(tokens[..<far]))
        let pass = (clock.now - began).seconds
        let farStep = try stepTime(from: far)
        stepSecondsPerPosition = max(0, (farStep - near) / Double(far - start))
        promptSecondsPerToken = max(0, pass / Double(far) - stepSecondsPerPosition * Double(far) / 2)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}

extension CopyModel {
    /// Bytes the model's cache holds per token fed: keys and values of every layer (Gemma: of
    /// its global layers; its local layers keep only their window).
    public var cacheBytesPerToken: Int {
        switch self {
        case .transformer(let m): return m.model.config.layers * 2 * m.model.config.dModel * MemoryLayout<Float>.size
        case .gemma(let m):
            let c = m.model.configuration
            let global = (0..<c.layerCount).filter(c.isGlobal).count
            return global * 2 * c.kvHeadCount * c.headDimension * MemoryLayout<Float>.size
        }
    }

    /// Whether a copy of `length` bits is big enough to measure before it runs: more than
    /// 4,096 positions, or more than 2^22 logits kept (Gemma's 262,144-wide rows make every
    /// copy of 16 bits or more one).
    public func warrantsEstimate(length: Int) -> Bool {
        length > 2048 || Double(length) * Double(vocabularySize) > 4_194_304
    }

    /// The cost of `witnesses` α/β witnesses of `length` bits each, one after the other, with
    /// `retained` of them held in memory at the end (a scan keeps a report of each; a single
    /// witness keeps one, with its logits when `retainsLogits`): two greedy copies and their
    /// certification each. The time assumes the copies verify in one pass each (the model
    /// copies); copies that go wrong often cost up to step-by-step decoding.
    public func witnessEstimate(length: Int, witnesses: Int = 1, retained: Int = 1, retainsLogits: Bool = true,
                                prompting: any CopyPrompting, rate: DecodingRate) throws -> WorkEstimate {
        let prompt = try prompting.prompt(for: Array(repeating: 0, count: length)).count
        let seconds = Double(witnesses) * 2 * rate.batchedCopySeconds(prompt: prompt, copied: length, certified: true)
        // Per witness kept: about 1 kB of enclosures and report per position of both copies, and
        // their float32 logits rows if kept; while running, one witness with its logits and one
        // cache of the whole sequence.
        let logits = 2 * Double(length) * Double(vocabularySize) * 4, report = 2 * Double(length) * 1024
        let cache = Double(prompt + length) * Double(cacheBytesPerToken)
        let kept = Double(retained) * (report + (retainsLogits ? logits : 0))
        return WorkEstimate(seconds: seconds, bytes: kept + (retainsLogits ? 0 : logits) + cache)
    }
}
