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
// Many rows (a prompt's tokens): the packed product (x packed once, shared by the workers)
// against OpenBLAS split as `multiply` split it before, by token rows (by weight rows when the
// weights outnumber the tokens 16 to 1). The packed times include packing x.
var manyRows: [[String: Any]] = []
if PackedRows.isAvailable {
    for (name, rows, columns) in shapes.dropFirst() {
        let w = randomFloats(rows * columns, seed: 1), x = randomFloats(1024 * columns, seed: 2)
        var y = [Float](repeating: 0, count: 1024 * rows)
        w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let (weights, input, output) = (wp.baseAddress!, xp.baseAddress!, yp.baseAddress!)
                    for m in [32, 128, 512, 1024] {
                        func blas() {
                            if rows >= 16 * m {
                                parallelFor(rows, split: .balanced(threads: threads)) { _, r in
                                    gemm(transposeB: true, m: m, n: r.count, k: columns, alpha: 1, a: input, lda: columns,
                                         b: weights + r.lowerBound * columns, ldb: columns, c: output + r.lowerBound, ldc: rows)
                                }
                            } else {
                                parallelFor(m, split: .balanced(threads: threads)) { _, r in
                                    gemm(transposeB: true, m: r.count, n: rows, k: columns, alpha: 1, a: input + r.lowerBound * columns,
                                         lda: columns, b: weights, ldb: columns, c: output + r.lowerBound * rows, ldc: rows)
                                }
                            }
                        }
                        func packed() {
                            PackedRows.pack(input, rows: m, columns: columns, threads: threads)
                                .multiply(by: weights, rowStride: columns, rows: rows, into: output, rowStride: rows, threads: threads)
                        }
                        var best = (Double.infinity, Double.infinity)
                        for _ in 0..<repeats {
                            best.0 = min(best.0, seconds(blas))
                            best.1 = min(best.1, seconds(packed))
                        }
                        for (method, time) in [("OpenBLAS", best.0), ("packed", best.1)] {
                            manyRows.append(["shape": name, "rows": rows, "columns": columns, "tokens": m, "method": method,
                                             "milliseconds": time * 1000, "gflops": 2.0 * Double(m * rows * columns) / time / 1e9])
                        }
                    }
                }
            }
        }
    }
}
let report: [String: Any] = ["manyRows": manyRows, "openblasCore": OpenBLAS.coreName, "threads": threads, "repeats": repeats, "best": "\(InstructionSet.best)", "results": results]
print(String(data: try JSONSerialization.data(withJSONObject: report, options: [.sortedKeys]), encoding: .utf8)!)
