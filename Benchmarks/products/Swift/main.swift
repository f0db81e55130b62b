// Times x · Wᵀ for a few rows of x on Gemma 3 270M's shapes, in one run: the C skinny kernel
// (`skinnyProduct`, each instruction set this machine has) against OpenBLAS (sgemm, and sgemv for
// one row), both split over the weight rows as `multiply` splits them. The weights and inputs are
// seeded random floats; only the shapes matter.
// Usage: products-benchmark [REPEATS] [THREADS]; prints one JSON object.
import Foundation
import Kernels

// OpenBLAS on the kernels this CPU supports, as `perplexed` runs it.
OpenBLAS.reexecuteWithPreferredCoreType()
OpenBLAS.useSingleThread()
let arguments = CommandLine.arguments.dropFirst()
let repeats = arguments.first.flatMap(Int.init) ?? 5
let threads = arguments.dropFirst().first.flatMap(Int.init) ?? 2
guard (1...1000).contains(repeats), (1...64).contains(threads) else {
    FileHandle.standardError.write(Data("usage: products-benchmark [REPEATS 1…1000] [THREADS 1…64]\n".utf8))
    exit(64)
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

func randomFloats(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float(Int(rng.next() >> 40) - (1 << 23)) * 0x1p-26 }
}

// (name, output rows, input columns): the unembedding, the attention and MLP products.
let shapes = [("unembedding", 262_144, 640), ("gate and up", 4096, 640), ("down", 640, 2048), ("query, key, value", 1536, 640)]
let tokenCounts = [1, 2, 4, 8, 16, 32, 64, 128]
var methods = [("OpenBLAS", InstructionSet?.none)]
for set in InstructionSet.supported where set != .portable { methods.append(("skinny \(set)", set)) }

var results: [[String: Any]] = []
for (name, rows, columns) in shapes {
    let w = randomFloats(rows * columns, seed: 1), x = randomFloats(tokenCounts.max()! * columns, seed: 2)
    var y = [Float](repeating: 0, count: tokenCounts.max()! * rows)
    w.withUnsafeBufferPointer { wp in
        x.withUnsafeBufferPointer { xp in
            y.withUnsafeMutableBufferPointer { yp in
                let (weights, input, output) = (wp.baseAddress!, xp.baseAddress!, SharedPointer(yp.baseAddress!))
                for m in tokenCounts {
                    func run(_ set: InstructionSet?) {
                        parallelFor(rows, split: .balanced(threads: threads)) { _, r in
                            let out = output.pointer + r.lowerBound
                            if let set {
                                skinnyProduct(input, rows: m, by: weights + r.lowerBound * columns, rows: r.count, columns: columns,
                                              into: out, rowStride: rows, instructionSet: set)
                            } else if m == 1 {
                                sgemv(m: r.count, n: columns, alpha: 1, a: weights + r.lowerBound * columns, lda: columns,
                                      x: input, beta: 0, y: out)
                            } else {
                                gemm(transposeB: true, m: m, n: r.count, k: columns, alpha: 1, a: input, lda: columns,
                                     b: weights + r.lowerBound * columns, ldb: columns, c: out, ldc: rows)
                            }
                        }
                    }
                    // Rounds alternate the methods, so that a change in the machine's load meets all of them.
                    var best = [Double](repeating: .infinity, count: methods.count)
                    for _ in 0..<repeats {
                        for (i, method) in methods.enumerated() { best[i] = min(best[i], seconds { run(method.1) }) }
                    }
                    for (i, method) in methods.enumerated() {
                        results.append(["shape": name, "rows": rows, "columns": columns, "tokens": m, "method": method.0,
                                        "milliseconds": best[i] * 1000])
                    }
                }
            }
        }
    }
}
let report: [String: Any] = ["openblasCore": OpenBLAS.coreName, "threads": threads, "repeats": repeats, "best": "\(InstructionSet.best)", "results": results]
print(String(data: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), encoding: .utf8)!)
