import Foundation
import MultiPrecision

/// The outcome of checking one claim.
public enum Verdict: Sendable {
    /// Every box was decided true.
    case proved(boxes: Int)
    /// A point where the claim fails, re-checked at a higher precision.
    case refuted(boxes: Int, counterexample: Counterexample)
    /// The budget ran out with boxes still undecided.
    case undecided(boxes: Int, remaining: Int, example: Box?)
    /// An identity held at every grid point (grid mode).
    case checked(points: Int)

    /// Boxes (or grid points) evaluated.
    public var boxes: Int {
        switch self {
        case .proved(let n), .refuted(let n, _), .undecided(let n, _, _), .checked(let n): return n
        }
    }

    /// `proved`, `refuted`, `undecided` or `checked`.
    public var name: String {
        switch self {
        case .proved: return "proved"
        case .refuted: return "refuted"
        case .undecided: return "undecided"
        case .checked: return "checked"
        }
    }

    /// Whether this is the verdict the claim expects.
    public func matches(_ expected: ExpectedVerdict) -> Bool { name == expected.rawValue }
}

/// A certified counterexample: exact parameter values and the enclosures of the failing condition.
public struct Counterexample: Sendable {
    /// Variable names and exact values.
    public let point: [(name: String, value: BigRational)]
    /// Exact quantities derived from the point (``Claim/derived``), e.g. the floor it implies.
    public let derived: [(name: String, value: BigRational)]
    /// Enclosures of the condition's quantities at the point, at ``precision`` bits.
    public let values: [Interval]
    /// The precision of the re-check.
    public let precision: Int
}

/// Limits for one run of the prover.
public struct ProverBudget: Sendable {
    /// The most boxes to evaluate before giving up.
    public var boxes: Int
    /// Wall-clock limit in seconds, if any.
    public var seconds: Double?
    /// Precision in bits for box evaluation.
    public var precision: Int
    /// Boxes evaluated concurrently per round (both cores share each round).
    public var batch: Int

    public init(boxes: Int = 200_000, seconds: Double? = nil, precision: Int = 128, batch: Int = 512) {
        self.boxes = boxes
        self.seconds = seconds
        self.precision = precision
        self.batch = batch
    }
}

/// Proves or refutes claims by interval evaluation and bisection.
///
/// A box whose enclosure decides the condition is done; an undecided box is split along its
/// relatively widest side. The midpoint of every undecided box is also tried as a point, so a
/// false claim is refuted as soon as a failing point is met; that point is re-checked at four
/// times the precision before it is reported.
public struct Prover: Sendable {
    public let budget: ProverBudget

    public init(budget: ProverBudget = ProverBudget()) { self.budget = budget }

    /// Checks `claim`; `progress` is called after each round with the boxes used so far.
    public func check(_ claim: Claim, progress: (@Sendable (Int, Int) -> Void)? = nil) async -> Verdict {
        if case .grid(let perSide) = claim.mode { return await checkGrid(claim, perSide: perSide) }
        let start = Date()
        let scale = claim.variables.map { $0.upper - $0.lower }
        var pending = [Box(claim.variables)]
        var used = 0
        while !pending.isEmpty {
            if used >= budget.boxes { return .undecided(boxes: used, remaining: pending.count, example: pending.first) }
            if let seconds = budget.seconds, Date().timeIntervalSince(start) > seconds {
                return .undecided(boxes: used, remaining: pending.count, example: pending.first)
            }
            let take = Swift.min(pending.count, budget.batch, budget.boxes - used)
            let round = Array(pending.suffix(take))
            pending.removeLast(take)
            used += take
            let results = await evaluate(round, claim, scale: scale)
            for (box, result) in zip(round, results) {
                switch result.outcome {
                case .holds: continue
                case .fails, .pointFails:
                    if let counterexample = confirm(claim, at: box.midpoint) {
                        return .refuted(boxes: used, counterexample: counterexample)
                    }
                    fallthrough
                case .unknown:
                    let (left, right) = result.halves ?? box.split(relativeTo: scale)
                    pending.append(left)
                    pending.append(right)
                }
            }
            progress?(used, pending.count)
        }
        return .proved(boxes: used)
    }

    /// Grid mode: every point of a regular grid (ends included) must satisfy the condition.
    func checkGrid(_ claim: Claim, perSide: Int) async -> Verdict {
        let steps = Swift.max(perSide - 1, 1)
        var points: [[BigRational]] = [[]]
        for v in claim.variables {
            let values = (0...steps).map { k in v.lower + (v.upper - v.lower) * BigRational(k) / BigRational(steps) }
            points = points.flatMap { p in values.map { p + [$0] } }
        }
        let precision = budget.precision
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for (i, point) in points.enumerated() {
                group.addTask {
                    guard let sides = try? point.map({ try Interval($0, precision: precision) }),
                          let condition = try? claim.condition(sides) else { return (i, false) }
                    return (i, condition.truth == .holds)
                }
            }
            var ok = [Bool](repeating: false, count: points.count)
            for await (i, holds) in group { ok[i] = holds }
            return ok
        }
        if let bad = outcomes.firstIndex(of: false) {
            if let counterexample = confirm(claim, at: points[bad]) {
                return .refuted(boxes: points.count, counterexample: counterexample)
            }
            return .undecided(boxes: points.count, remaining: 1, example: Box(lower: points[bad], upper: points[bad]))
        }
        return .checked(points: points.count)
    }

    enum Outcome: Sendable { case holds, fails, pointFails, unknown }

    /// A box's outcome and, unless it holds, its two halves (split by the worker, so that the
    /// rational arithmetic of splitting runs on all cores rather than between rounds).
    struct Evaluation: Sendable {
        var outcome: Outcome
        var halves: (Box, Box)?
    }

    /// Evaluates boxes on all cores. The round is cut into several pieces per core, taken by
    /// whichever core is free, so that a core that drew the cheap boxes does not sit idle.
    func evaluate(_ boxes: [Box], _ claim: Claim, scale: [BigRational]) async -> [Evaluation] {
        let precision = budget.precision
        let workers = Swift.max(1, ProcessInfo.processInfo.activeProcessorCount)
        let chunk = Swift.max(1, (boxes.count + 8 * workers - 1) / (8 * workers))
        return await withTaskGroup(of: (Int, [Evaluation]).self) { group in
            for start in stride(from: 0, to: boxes.count, by: chunk) {
                let slice = boxes[start..<Swift.min(start + chunk, boxes.count)]
                group.addTask {
                    (start, slice.map { box in
                        let outcome = Self.outcome(box, claim, precision)
                        return Evaluation(outcome: outcome, halves: outcome == .holds ? nil : box.split(relativeTo: scale))
                    })
                }
            }
            var result = [Evaluation](repeating: Evaluation(outcome: .unknown, halves: nil), count: boxes.count)
            for await (start, evaluations) in group {
                result.replaceSubrange(start..<start + evaluations.count, with: evaluations)
            }
            return result
        }
    }

    static func outcome(_ box: Box, _ claim: Claim, _ precision: Int) -> Outcome {
        guard let sides = try? box.intervals(precision: precision), let condition = try? claim.condition(sides) else {
            return pointOutcome(box, claim, precision)
        }
        switch condition.truth {
        case .holds: return .holds
        case .fails: return .fails
        case .unknown: return pointOutcome(box, claim, precision)
        }
    }

    /// Tries the box's midpoint: a point where the claim certainly fails refutes it.
    static func pointOutcome(_ box: Box, _ claim: Claim, _ precision: Int) -> Outcome {
        guard let point = try? box.midpoint.map({ try Interval($0, precision: precision) }),
              let condition = try? claim.condition(point)
        else { return .unknown }
        return condition.truth == .fails ? .pointFails : .unknown
    }

    /// Re-checks a failing point at four times the precision.
    func confirm(_ claim: Claim, at point: [BigRational]) -> Counterexample? {
        let precision = budget.precision * 4
        guard let sides = try? point.map({ try Interval($0, precision: precision) }),
              let condition = try? claim.condition(sides), condition.truth == .fails
        else { return nil }
        return Counterexample(
            point: zip(claim.variables, point).map { ($0.name, $1) }, derived: claim.derived?(point) ?? [],
            values: condition.values, precision: precision)
    }
}
