// The certified regions table of issue 3's benchmark, timed: γ ∈ {0.01, 0.05, 0.1, 0.2, 0.3, 0.4},
// a = 0.00…1.00 step 0.01, Δ/γ = 0.00…0.99 step 0.01 (60,600 points) at 166 bits.
// Prints JSON: seconds for one run after a one-point warm-up (and the median of five), a checksum
// and the widest enclosure.
import Foundation
import MultiPrecision
import PerplexityTheory

let precision = 166
let hundredth = try BigRational(1, 100)
let grid = RegionsGrid(
    accuracies: (0...100).map { BigRational($0) * hundredth },
    gammas: ["0.01", "0.05", "0.1", "0.2", "0.3", "0.4"].map { try! BigRational(parsing: $0) },
    shifts: (0...99).map { BigRational($0) * hundredth })
let threads = Int(CommandLine.arguments.dropFirst().first ?? "") ?? ProcessInfo.processInfo.activeProcessorCount

func timed() throws -> (Double, RegionsTable<Interval>) {
    let start = DispatchTime.now().uptimeNanoseconds
    let table = try certifiedRegionsTable(grid, precision: precision, threads: threads)
    return (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9, table)
}

// Warm-up on a one-point grid: resolves the lazily bound MPFR/MPFI symbols and starts the
// thread pool, as the Python side has imported and loaded its libraries before its timer starts.
_ = try certifiedRegionsTable(
    RegionsGrid(accuracies: [hundredth], gammas: [try BigRational(1, 10)], shifts: [hundredth]), precision: precision, threads: threads)

let (first, table) = try timed()
var runs = [first]
for _ in 0..<4 { runs.append(try timed().0) }
runs.sort()
var checksum = 0.0, widest = 0.0
for x in table.critical {
    checksum += x.midpoint.double()
    widest = max(widest, x.relativeWidth.double())
}
print("""
{"points": \(table.critical.count), "threads": \(threads), "first_run_seconds": \(first), "median_of_5_seconds": \(runs[2]), \
"checksum": \(checksum), "widest_relative_width": \(widest)}
""")
