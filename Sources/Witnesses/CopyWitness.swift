import Foundation
import MultiPrecision
import PerplexityTheory
import RealModule
import Kernels

/// One greedy copy: the prompt's bits, what the model emitted, and what it assigned at each step.
public struct GreedyCopy: Sendable {
    /// The bits the model was asked to copy.
    public let target: [Int]
    /// The bits the model emitted greedily (argmax over {0, 1}, ties to 0: Eq. 2).
    public let output: [Int]
    /// The float32 logits at each copy position (full vocabulary).
    public let logits: [[Float]]
    /// Probability of the target bit at each position (full-vocabulary softmax, float32).
    public let targetProbability: [Float]
    /// Probability of the target bit restricted to {0, 1} (float32).
    public let restrictedTargetProbability: [Float]
    /// Positions (0-based) where a stop token (newline, end of text) was the overall argmax.
    public let prematureStops: [Int]

    /// Whether every bit was copied.
    public var isCorrect: Bool { output == target }

    /// The copy margin of Eq. 5 on this copy: the smallest p(target_k) − 1/2 (full-vocabulary
    /// float32 probabilities). Positive exactly when every target bit had more than 1/2, so was
    /// copied; at most 0 otherwise.
    public var margin: Double { Double(targetProbability.min() ?? 0) - 0.5 }

    /// Eq. 3: −(1/N) Σ log T(·)(b_k) along the model's own outputs, from the float32 probabilities.
    public var logPerplexity: Double {
        -targetProbability.reduce(0.0) { $0 + Double.log(Double($1)) } / Double(target.count)
    }
}

/// Runs the greedy copy of `bits` (argmax over the two bit tokens at each position, ties to 0:
/// Eq. 2), verified in batch as speculative decoding verifies a draft.
///
/// One batched pass (`logits(after:continuedBy:chunk:_:)`) scores prompt + emitted bits + a
/// draft of the remaining bits. Up to the first position where the model's greedy bit differs
/// from the draft, the greedy output *is* the draft, so those rows are the ones step-by-step
/// decoding would have computed; at that position the model's own bit is emitted and a new pass
/// starts after it. Whatever the drafts, the result is therefore the step-by-step one, and a
/// copy costs 1 + (wrong draft guesses before the last position) passes instead of N steps.
///
/// The first draft is the target (the model is asked to copy it). After a wrong guess the draft
/// is guessed by `PromptLookup` from what came before (a model that copies an earlier example,
/// or falls into a repeating pattern, repeats itself), when its matched suffix is longer than the
/// number of the last `PromptLookup.longest` bits where the model followed the target; else it
/// is the rest of the target again (a model that copies with rare errors goes back to copying).
/// Models that run a pass in growing chunks (``DraftChunks``: 1, 2, 4, … rows) stop it after the
/// chunk holding the wrong guess, so a pass that goes wrong early costs about a decoding step.
///
/// The result equals ``greedyCopyStepwise(_:model:prompting:)``: the same outputs, and logits
/// that differ only by float32 summation order (a batched pass multiplies several rows at once).
/// `chunk` is the largest number of rows the model hands over at a time (see the protocol
/// requirement). Every pass starts at one row and doubles (``DraftChunks``), so a pass that
/// accepts r bits runs at most 2r + 1 rows, however long the pass before it was: capping a
/// pass's chunks by its predecessor's run instead made a long pass after a short one crawl one
/// row at a time (500 single-row chunks in a 256-bit Gemma witness).
public func greedyCopy<M: LanguageModel>(
    _ bits: [Int], model: inout M, prompting: some CopyPrompting, chunk: Int = 64
) throws -> GreedyCopy {
    let prompt = try prompting.prompt(for: bits)
    var copy = CopyRecorder(target: bits, prompting: prompting, vocabularySize: model.vocabularySize)
    let lookup = PromptLookup()
    while copy.count < bits.count {
        let start = copy.count
        let draft = lookupDraft(lookup, prompt: prompt, copy: copy)
        try model.logits(after: prompt + copy.outputTokens, continuedBy: draft, chunk: chunk) { first, rows in
            // A row out of order would be scored at the wrong position: refuse it.
            guard first == copy.count - start else {
                throw WitnessError.badLogits(position: copy.count + 1, reason: "the model handed over draft row \(first) when row \(copy.count - start) was due")
            }
            for row in rows.prefix(bits.count - copy.count) {
                // Past a bit the model would not emit, the draft no longer is its output.
                let position = copy.count
                guard copy.token(try copy.record(row)) == draft[position - start] else { return false }
            }
            return copy.count < bits.count
        }
        guard copy.count > start else {
            throw WitnessError.badLogits(position: start + 1, reason: "the model handed over no logits for the draft")
        }
    }
    return copy.result
}

/// The draft (as tokens) for the positions after those `copy` has recorded: the rest of the
/// target, or at first a `PromptLookup` continuation of prompt + emitted bits when its matched
/// suffix is longer than the target's agreement with the last `lookup.longest` emitted bits
/// (more evidence that the model repeats something than that it copies). At the start nothing
/// is emitted yet, so the target is the guess: the prompt's examples are copies of themselves,
/// not of this target.
func lookupDraft(_ lookup: PromptLookup, prompt: [Int], copy: CopyRecorder) -> [Int] {
    let start = copy.count, rest = copy.target[start...].map(copy.token)
    guard start > 0 else { return rest }
    let window = Swift.min(lookup.longest, start)
    let agreement = zip(copy.output[(start - window)...], copy.target[(start - window)..<start]).filter { $0 == $1 }.count
    let bitTokens = [copy.bitTokens.zero, copy.bitTokens.one]
    guard let found = lookup.continuation(of: prompt + copy.outputTokens, count: rest.count, where: bitTokens.contains),
          found.matched > agreement else { return rest }
    return found.tokens + rest.dropFirst(found.tokens.count)
}

/// Prompt lookup (n-gram drafting): a guess of how a token sequence goes on, from where its
/// ending occurred before. Only a guess: a greedy copy verifies every drafted token against the
/// model's own choice, so a wrong guess costs one more pass, never a different result.
///
/// Cost: O(`longest`² · n) token comparisons for a sequence of n tokens (each suffix length
/// scans the sequence backwards), about 2 × 10⁵ for Gemma's ~900-token copies of 256 bits, which
/// is nothing next to one forward pass.
struct PromptLookup: Sendable {
    /// The longest suffix matched (m).
    var longest = 16
    /// The shortest suffix matched: a single token recurs by chance too often to predict much.
    var shortest = 2

    /// The longest suffix of `sequence` (`shortest`…`longest` tokens) that also ends earlier in
    /// it, and the tokens that followed its most recent earlier occurrence, at most `count` and
    /// only while they satisfy `isAllowed`. The continuation reads on into the tokens it has
    /// proposed itself, so a suffix that recurs p tokens back extends with period p (a model
    /// stuck in `1010…` is drafted `1010…` to the end). nil when no suffix of `shortest` tokens
    /// recurs.
    func continuation(of sequence: [Int], count: Int, where isAllowed: (Int) -> Bool) -> (matched: Int, tokens: [Int])? {
        let n = sequence.count
        guard n > shortest else { return nil }
        for length in stride(from: Swift.min(longest, n - 1), through: shortest, by: -1) {
            let suffix = sequence[(n - length)...]
            // Most recent first: occurrences ending at n − 2, n − 3, …, each followed by a token.
            for end in stride(from: n - 1, through: length, by: -1) where sequence[(end - length)..<end].elementsEqual(suffix) {
                var extended = sequence
                var tokens: [Int] = []
                while tokens.count < count, case let next = extended[end + tokens.count], isAllowed(next) {
                    tokens.append(next)
                    extended.append(next)
                }
                return (length, tokens)
            }
        }
        return nil
    }
}

/// The reference for ``greedyCopy(_:model:prompting:chunk:)``: prompt, then N single-token
/// steps through `logits(after:)`, each fed the model's own previous bit (the definition of a
/// greedy copy, as decoding runs it). Kept for tests and for models without a batched pass.
public func greedyCopyStepwise<M: LanguageModel>(_ bits: [Int], model: inout M, prompting: some CopyPrompting) throws -> GreedyCopy {
    var tokens = try prompting.prompt(for: bits)
    var copy = CopyRecorder(target: bits, prompting: prompting, vocabularySize: model.vocabularySize)
    while copy.count < bits.count {
        let emitted = try copy.record(try model.logits(after: tokens))
        tokens.append(copy.token(emitted))
    }
    return copy.result
}

/// A greedy copy under way: each position's statistics, from its logits row alone, so the
/// batched and step-by-step copies compute them identically.
struct CopyRecorder {
    let target: [Int]
    let bitTokens: (zero: Int, one: Int)
    let stopTokens: [Int]
    let vocabularySize: Int
    private(set) var output: [Int] = []
    private var logits: [[Float]] = [], probability: [Float] = [], restricted: [Float] = [], stops: [Int] = []

    init(target: [Int], prompting: some CopyPrompting, vocabularySize: Int) {
        self.target = target
        bitTokens = prompting.bitTokens
        stopTokens = prompting.stopTokens
        self.vocabularySize = vocabularySize
    }

    /// Positions recorded so far.
    var count: Int { output.count }
    /// The emitted bits as tokens.
    var outputTokens: [Int] { output.map(token) }

    /// The token of `bit`.
    func token(_ bit: Int) -> Int { bit == 0 ? bitTokens.zero : bitTokens.one }

    /// Records the next position from its logits; returns the bit emitted there.
    mutating func record(_ row: [Float]) throws -> Int {
        let k = output.count
        guard row.count == vocabularySize, row.allSatisfy(\.isFinite) else {
            throw WitnessError.badLogits(position: k + 1, reason: "expected \(vocabularySize) finite values, got \(row.count)")
        }
        let (zero, one) = bitTokens
        let p = softmax(row)
        // Eq. 2: argmax over the two bits, ties to 0.
        let emitted = row[one] > row[zero] ? 1 : 0
        let targetToken = token(target[k])
        let overall = row.indices.max { row[$0] < row[$1] } ?? zero
        if stopTokens.contains(overall) { stops.append(k) }
        output.append(emitted)
        logits.append(row)
        probability.append(p[targetToken])
        restricted.append(p[targetToken] / (p[zero] + p[one]))
        return emitted
    }

    var result: GreedyCopy {
        GreedyCopy(target: target, output: output, logits: logits, targetProbability: probability,
                   restrictedTargetProbability: restricted, prematureStops: stops)
    }
}

/// An α_N/β_N witness (Lemma 3.1): α_N, β_N = α_N with bit j flipped, both greedy copies, the
/// quantities of the paper's Fig. 2, and their certified recomputation.
public struct CopyWitness: Sendable {
    /// N.
    public let length: Int
    /// The flipped position j (1-based).
    public let flip: Int
    public let alpha: GreedyCopy
    public let beta: GreedyCopy
    /// ‖T(α|…) − T(β|…)‖_∞ at each copy position (full vocabulary, exact for the float32 logits
    /// up to double rounding: the midpoints of ``CertifiedWitness/distance``'s enclosures), for plots.
    public let distance: [Double]
    /// The certified recomputation from the float32 logits.
    public let certified: CertifiedWitness

    /// η: the largest L∞ distance over the copy positions (Fig. 2 left).
    public var eta: Double { distance.max() ?? 0 }
    /// The smallest probability of α_k on α's copy: the estimate of 1 − γ (Fig. 2 middle).
    public var minimumAlphaProbability: Float { alpha.targetProbability.min() ?? 0 }
    /// The same, for the distribution restricted to the two bits (a language model also spreads
    /// mass over the rest of its vocabulary).
    public var minimumRestrictedAlphaProbability: Float { alpha.restrictedTargetProbability.min() ?? 0 }
    /// The largest probability β's run gave β's own bit where β differs from α (Fig. 2 middle).
    public var maximumBetaProbability: Float {
        zip(alpha.target, beta.target).enumerated().filter { $0.element.0 != $0.element.1 }
            .map { beta.targetProbability[$0.offset] }.max() ?? 0
    }
    /// Whether β_N is copied as α_N (the failure the lemma predicts).
    public var betaCopiedAsAlpha: Bool { beta.output == alpha.target }
}

/// The witness recomputed with interval arithmetic from the float32 logits.
public struct CertifiedWitness: Sendable {
    /// Enclosure of pplx(α_N) (Eq. 3) from the logits.
    public let alphaLogPerplexity: Interval
    /// Enclosure of pplx(β_N).
    public let betaLogPerplexity: Interval
    /// Enclosure of |pplx(α_N) − pplx(β_N)|.
    public let gap: Interval
    /// Enclosures of the exact L∞ distance of the α and β distributions at each copy position.
    public let distance: [Interval]
    /// Enclosure of η, the largest of them: the η the Lemma 3.1 bound uses (its upper end).
    public let eta: Interval
    /// Largest |float32 log p − exact log p| over both runs (upper bound).
    public let float32Error: Double
    /// The probability floor ε used in the bound: the smallest target probability (lower bound).
    public let floor: BigFloat
    /// The corrected Lemma 3.1 bound (−log ε)/N + 2η(N − 1)/N with this witness's own η and ε
    /// (upper end of η's enclosure, lower bound of ε): a consistency check of the measurement, not
    /// a prediction, since both come from the copy it bounds.
    public let lemmaBound: Interval?
    /// Whether the lemma's hypotheses hold for this witness: every non-flipped target probability
    /// above 1/2 in both runs, and η < 1/2 (certainly).
    public let hypothesesHold: Bool
    /// Whether the measured gap is certainly within the bound (nil when the bound does not apply).
    public let withinBound: Bool?
    /// Nγ with γ = 1 − (smallest α_k probability).
    public let nGamma: Double
    /// Nη.
    public let nEta: Double
    /// Section 3.3 regime at the threshold used.
    public let regime: SamplingRegime
}

/// Builds the witness for α (default all zeros) and β = α with bit `flip` (1-based; default N).
public func copyWitness<M: LanguageModel>(
    model: inout M, prompting: some CopyPrompting, alpha: [Int], flip: Int? = nil,
    threshold: Double = 0.1, precision: Int = 128
) throws -> CopyWitness {
    let n = alpha.count
    guard n >= 1 else { throw WitnessError.invalidLength(n, maximum: nil) }
    guard alpha.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw WitnessError.invalidBits(alpha.map(String.init).joined()) }
    let j = flip ?? n
    guard (1...n).contains(j) else { throw WitnessError.flipOutOfRange(j, length: n) }
    let a = try greedyCopy(alpha, model: &model, prompting: prompting)
    return try copyWitness(model: &model, prompting: prompting, alphaCopy: a, flip: j, threshold: threshold, precision: precision)
}

/// The witness for a greedy copy of α made already (``greedyCopy(_:model:prompting:chunk:)``)
/// and β = α with bit `flip` (1-based) flipped: only β is copied. For experiments that look at
/// α's own copy first (its margin) and decide about β afterwards.
public func copyWitness<M: LanguageModel>(
    model: inout M, prompting: some CopyPrompting, alphaCopy a: GreedyCopy, flip j: Int,
    threshold: Double = 0.1, precision: Int = 128
) throws -> CopyWitness {
    let n = a.target.count
    guard n >= 1, a.output.count == n, a.logits.count == n else { throw WitnessError.invalidLength(n, maximum: nil) }
    guard (1...n).contains(j) else { throw WitnessError.flipOutOfRange(j, length: n) }
    var beta = a.target
    beta[j - 1] ^= 1
    let b = try greedyCopy(beta, model: &model, prompting: prompting)
    let certified = try certify(alpha: a, beta: b, flip: j, prompting: prompting, threshold: threshold, precision: precision)
    // For plots, the enclosures' midpoints: within their width (about 1e-14) of the exact
    // distances, and free, where a float64 softmax of every row cost as much as certifying it.
    let distance = certified.distance.map(\.doubleMidpoint)
    return CopyWitness(length: n, flip: j, alpha: a, beta: b, distance: distance, certified: certified)
}

func certify(
    alpha a: GreedyCopy, beta b: GreedyCopy, flip j: Int, prompting: some CopyPrompting,
    threshold: Double, precision: Int, method: CertifiedLogSoftmax.Method = .binary64
) throws -> CertifiedWitness {
    let softmax = CertifiedLogSoftmax(precision: precision, method: method)
    let (zero, one) = prompting.bitTokens
    let n = a.target.count
    precondition(b.target.count == n && a.logits.count == n && b.logits.count == n, "α and β copies of different lengths")
    // Per position, both runs: the normalisers (log Σ e^z), the target bits' log-probabilities
    // and the L∞ distance. Positions are independent: enclose them on all cores (a large
    // vocabulary makes each costly).
    let positions = try parallelMap(Array(0..<n)) { k -> CertifiedPosition in
        let ra = try softmax.enclose(a.logits[k]), rb = try softmax.enclose(b.logits[k])
        func token(_ bit: Int) -> Int { bit == 0 ? zero : one }
        return CertifiedPosition(
            alphaLog: try softmax.logProbability(ra, of: token(a.target[k])),
            betaLog: try softmax.logProbability(rb, of: token(b.target[k])),
            distance: try softmax.distance(ra, rb))
    }
    var error = 0.0
    func logPerplexity(_ copy: GreedyCopy, _ logs: [Interval]) throws -> Interval {
        var total = try Interval(0, precision: precision)
        for (k, log) in logs.enumerated() {
            let float32 = Double(Float.log(copy.targetProbability[k]))
            error = Swift.max(error, Swift.max(abs(float32 - log.lower.double(rounding: .down)), abs(float32 - log.upper.double(rounding: .up))))
            total = total - log
        }
        return total / n
    }
    let alphaLogs = positions.map(\.alphaLog), betaLogs = positions.map(\.betaLog)
    let alphaL = try logPerplexity(a, alphaLogs)
    let betaL = try logPerplexity(b, betaLogs)
    let gap = (alphaL - betaL).magnitude
    // ε: the smallest target probability in either run, as a certified lower bound.
    let smallestLog = (alphaLogs + betaLogs).map(\.lower).min() ?? BigFloat(0)
    let floor = BigFloat.exp(smallestLog).nextDown
    // η: the largest distance; its enclosure is [max of lower ends, max of upper ends].
    let distances = positions.map(\.distance)
    let eta = try Interval(lower: distances.map(\.lower).max()!, upper: distances.map(\.upper).max()!, precision: precision)
    let half = Float(0.5)
    let aboveHalf = (0..<n).allSatisfy { k in k == j - 1 || (a.targetProbability[k] > half && b.targetProbability[k] > half) }
    let etaUpper = eta.upper.double(rounding: .up)
    let hypotheses = aboveHalf && etaUpper < 0.5
    var bound: Interval? = nil
    var within: Bool? = nil
    if hypotheses, floor > 0 {
        let b = try lemmaBound(length: n, eta: Interval(eta.upper), floor: Interval(floor))
        bound = b
        within = gap.upper <= b.lower ? true : (gap.lower > b.upper ? false : nil)
    }
    let gamma = 1 - Double(a.targetProbability.min() ?? 0)
    let nGamma = Double(n) * gamma, nEta = Double(n) * etaUpper
    let regime: SamplingRegime = nGamma >= threshold ? .alphaUnreliable : (nEta < threshold ? .emitsAlphaForBeta : .theorySilent)
    return CertifiedWitness(
        alphaLogPerplexity: alphaL, betaLogPerplexity: betaL, gap: gap, distance: distances, eta: eta,
        float32Error: error, floor: floor, lemmaBound: bound, hypothesesHold: hypotheses, withinBound: within,
        nGamma: nGamma, nEta: nEta, regime: regime)
}

/// One copy position of a witness, certified: both runs' target log-probabilities and the L∞
/// distance of their distributions.
struct CertifiedPosition: Sendable {
    let alphaLog: Interval
    let betaLog: Interval
    let distance: Interval
}

/// Maps `items` on all cores (one piece per item, so Dispatch balances them), keeping order; the
/// error of the lowest failing index is rethrown.
func parallelMap<T: Sendable, R: Sendable>(_ items: [T], _ transform: @Sendable (T) throws -> R) throws -> [R] {
    let slots = ResultSlots<R>(count: items.count)
    parallelFor(items.count, split: .fixed(parts: items.count)) { _, range in
        for i in range {
            do { slots.store(i, try transform(items[i])) } catch { slots.fail(i, error) }
        }
    }
    return try slots.results()
}
