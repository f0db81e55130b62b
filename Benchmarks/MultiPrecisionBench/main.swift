// Perplexed's Interval at 166 bits on the same loops as Benchmarks/multiprecision/mpfi_loop.c.
// Prints "operation nanoseconds-per-call" for the value API (`let r = x + y`, a new value per call)
// and for the in-place API (`r.formSum(x, y)`, which reuses r's storage like the C loop does).
import Foundation
import MultiPrecision

let count = 1024
let precision = 166
let rounds = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 200 : 200

let xs = (0..<count).map { i in try! Interval(BigRational(1024 + 3 * i) / BigRational(2048), precision: precision) }
let ys = (0..<count).map { i in try! Interval(BigRational(2 * i - 1023) / BigRational(1024), precision: precision) }

func time(_ name: String, _ body: () -> Double) {
    let start = DispatchTime.now().uptimeNanoseconds
    let sink = body()
    let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
    print(String(format: "%@ %.2f", name, elapsed / Double(rounds * count)))
    FileHandle.standardError.write("checksum \(sink)\n".data(using: .utf8)!)
}

time("log") { var s = 0.0; for _ in 0..<rounds { for x in xs { s += Interval.log(x).doubleMidpoint } }; return s }
time("exp") { var s = 0.0; for _ in 0..<rounds { for y in ys { s += Interval.exp(y).doubleMidpoint } }; return s }
time("mul") { var s = 0.0; for _ in 0..<rounds { for i in 0..<count { s += (xs[i] * ys[i]).doubleMidpoint } }; return s }
time("add") { var s = 0.0; for _ in 0..<rounds { for i in 0..<count { s += (xs[i] + ys[i]).doubleMidpoint } }; return s }

var r = try! Interval(0, precision: precision)
time("log-inplace") { var s = 0.0; for _ in 0..<rounds { for x in xs { r.formLog(x) }; s += r.doubleMidpoint }; return s }
time("exp-inplace") { var s = 0.0; for _ in 0..<rounds { for y in ys { r.formExp(y) }; s += r.doubleMidpoint }; return s }
time("mul-inplace") { var s = 0.0; for _ in 0..<rounds { for i in 0..<count { r.formProduct(xs[i], ys[i]) }; s += r.doubleMidpoint }; return s }
time("add-inplace") { var s = 0.0; for _ in 0..<rounds { for i in 0..<count { r.formSum(xs[i], ys[i]) }; s += r.doubleMidpoint }; return s }
