// Times the certified log-softmax of 262,144-wide float32 rows (Gemma 3's vocabulary) on one
// core: the binary64 path and the MPFI reference, on rows built by the same SplitMix64 recipe as
// Benchmarks/softmax/peers.py, so that every program encloses the same numbers.
// Prints one JSON object: milliseconds per row for each method, and the enclosures' widths.
import Foundation
import Kernels
import MultiPrecision
import Witnesses

/// z_i = (k_i − 2^23) · 2^−shift with k_i the top 24 bits of SplitMix64(seed): exact floats.
func recipeRow(seed: UInt64, count: Int, shift: Int) -> [Float] {
    var rng = SplitMix64(seed: seed)
    let scale = Float(sign: .plus, exponent: -shift, significand: 1)
    return (0..<count).map { _ in Float(Int(rng.next() >> 40) - (1 << 23)) * scale }
}

func milliseconds(_ body: () throws -> Void) rethrows -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

let arguments = CommandLine.arguments.dropFirst()
let repeats = arguments.first.flatMap(Int.init) ?? 20
let width = 262_144
// Spreads of ±64 and ±8 nats (shift 17 and 20): most of the row within 40 nats of the top,
// the hard case for the reference path (Gemma's rows are in between).
let rows = [(seed: UInt64(1), shift: 17), (seed: 2, shift: 20)].map { recipeRow(seed: $0.seed, count: width, shift: $0.shift) }
var report: [String: Any] = ["width": width, "repeats": repeats]
for method in CertifiedLogSoftmax.Method.allCases {
    let softmax = CertifiedLogSoftmax(precision: 128, method: method)
    _ = try softmax.logSumExp(rows[0])  // warm up (the binary64 tables are built on first use)
    let times = method == .binary64 ? repeats : max(1, repeats / 10)
    var widths: [Double] = []
    var best = Double.infinity
    for _ in 0..<times {
        for row in rows {
            var enclosure: Interval?
            best = min(best, try milliseconds { enclosure = try softmax.logSumExp(row) })
            widths.append(enclosure!.width.double(rounding: .up))
        }
    }
    report["\(method.rawValue)Milliseconds"] = best
    report["\(method.rawValue)MaxWidth"] = widths.max()!
    report["\(method.rawValue)Values"] = try rows.map { try softmax.logSumExp($0).decimal(digits: 20) }
}
let json = try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys])
print(String(decoding: json, as: UTF8.self))
