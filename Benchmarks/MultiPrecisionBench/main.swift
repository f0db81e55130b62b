// Perplexed's Interval at 166 bits on the same loops as Benchmarks/multiprecision/mpfi_loop.c.
// Prints "operation nanoseconds-per-call" for the value API (`let r = x + y`, a new value per call)
// and for the in-place API (`r.formSum(x, y)`, which reuses r's storage like the C loop does).
import Foundation
import MultiPrecision

let count = 1024
let precision = 166

// `MultiPrecisionBench memory`: a million operations, then the growth of resident memory, in a
// process of its own so that nothing else running can disturb the measurement (used by the tests).
if CommandLine.arguments.dropFirst().first == "memory" {
    func resident() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return fields.count > 1 ? (Int(fields[1]) ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE))) : 0
    }
    let a = try! Interval(parsing: "0.3", precision: precision), b = try! Interval(parsing: "1.7", precision: precision)
    let x = try! BigFloat(parsing: "0.3", precision: precision)
    func churn(_ rounds: Int) -> Bool {
        var sink = false
        for _ in 0..<rounds {
            let s = a * b + a          // 2 interval operations
            let y = x * x - x          // 2 floating-point operations
            sink = sink != (s.containsZero || y.isZero)
        }
        return sink
    }
    _ = churn(50_000)                  // warm-up: allocator pools settle
    let before = resident()
    _ = churn(250_000)                 // 1,000,000 operations
    print("resident-before \(before) resident-after \(resident())")
    exit(0)
}

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

// Like the C loop, keep only the last result of each round and read its midpoint once per round,
// so the timing is of the operation, not of the read-out.
func rounds(_ body: (Int) -> Interval) -> Double {
    var s = 0.0
    for _ in 0..<rounds {
        var last = xs[0]
        for i in 0..<count { last = body(i) }
        s += last.doubleMidpoint
    }
    return s
}
time("log") { rounds { Interval.log(xs[$0]) } }
time("exp") { rounds { Interval.exp(ys[$0]) } }
time("mul") { rounds { xs[$0] * ys[$0] } }
time("add") { rounds { xs[$0] + ys[$0] } }

var r = try! Interval(0, precision: precision)
time("log-inplace") { var s = 0.0; for _ in 0..<rounds { for x in xs { r.formLog(x) }; s += r.doubleMidpoint }; return s }
time("exp-inplace") { var s = 0.0; for _ in 0..<rounds { for y in ys { r.formExp(y) }; s += r.doubleMidpoint }; return s }
time("mul-inplace") { var s = 0.0; for _ in 0..<rounds { for i in 0..<count { r.formProduct(xs[i], ys[i]) }; s += r.doubleMidpoint }; return s }
time("add-inplace") { var s = 0.0; for _ in 0..<rounds { for i in 0..<count { r.formSum(xs[i], ys[i]) }; s += r.doubleMidpoint }; return s }
