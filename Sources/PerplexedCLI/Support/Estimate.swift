import Experiments
import Foundation
import Witnesses

/// Before a big copy run: measures the model on this machine, prints the estimated time and
/// memory to standard error, and refuses (exit 1, naming `flag`) a run that cannot fit in
/// memory. Small runs (see `CopyModel.warrantsEstimate(length:)`) start at once, unmeasured.
///
/// - Parameters:
///   - lengths: the copy lengths N of the run, one witness each unless `scan` is set.
///   - scan: every flip position of each length (N witnesses per length, all kept).
///   - pairs: instead, this many witnesses per length, none kept (a `lemma-test`).
///   - calibration: with one kept witness per length, this many more that are not kept (a
///     `copy-sweep` calibrating its prediction).
func announceCopyCost(
    _ model: inout CopyModel, prompting: any CopyPrompting, lengths: [Int], scan: Bool = false, pairs: Int? = nil, calibration: Int = 0, flag: String
) throws {
    guard let longest = lengths.max(), scan || pairs != nil || model.warrantsEstimate(length: longest) else { return }
    let positions = try prompting.prompt(for: Array(repeating: 0, count: longest)).count + longest
    let rate = try DecodingRate.measure(&model, prompting: prompting, positions: positions)
    let parts = try lengths.map { n in
        try model.witnessEstimate(length: n, witnesses: pairs ?? (scan ? n : 1 + calibration), retained: pairs != nil ? 0 : (scan ? n : 1), retainsLogits: !scan && pairs == nil,
                                  prompting: prompting, rate: rate)
    }
    // The lengths run one after the other, and every witness's report is kept: both add up
    // (pairs keep nothing, so their memory is the largest length's).
    let bytes = pairs == nil ? parts.reduce(0) { $0 + $1.bytes } : parts.map(\.bytes).max() ?? 0
    let total = WorkEstimate(seconds: parts.reduce(0) { $0 + $1.seconds }, bytes: bytes)
    do {
        try total.checkMemory()
    } catch {
        throw CommandFailure("\(flag): this run \(error); ask for fewer or shorter copies")
    }
    if total.isLarge {
        FileHandle.standardError.write(Data("estimated \(total.summary) (measured on this machine)\n".utf8))
    }
}
