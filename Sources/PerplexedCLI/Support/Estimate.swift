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
func announceCopyCost(
    _ model: inout CopyModel, prompting: any CopyPrompting, lengths: [Int], scan: Bool = false, flag: String
) throws {
    guard let longest = lengths.max(), scan || model.warrantsEstimate(length: longest) else { return }
    let positions = try prompting.prompt(for: Array(repeating: 0, count: longest)).count + longest
    let rate = try DecodingRate.measure(&model, prompting: prompting, positions: positions)
    let parts = try lengths.map { n in
        try model.witnessEstimate(length: n, witnesses: scan ? n : 1, retained: scan ? n : 1, retainsLogits: !scan,
                                  prompting: prompting, rate: rate)
    }
    // The lengths run one after the other, and every witness's report is kept: both add up.
    let total = WorkEstimate(seconds: parts.reduce(0) { $0 + $1.seconds }, bytes: parts.reduce(0) { $0 + $1.bytes })
    do {
        try total.checkMemory()
    } catch {
        throw CommandFailure("\(flag): this run \(error); ask for fewer or shorter copies")
    }
    if total.isLarge {
        FileHandle.standardError.write(Data("estimated \(total.summary) (measured on this machine)\n".utf8))
    }
}
