import Testing
import MultiPrecision

/// A million operations must not grow resident memory: every value is freed with its last use.
@Suite struct MemoryTests {
    @Test("no memory growth over a million operations")
    func noGrowth() throws {
        let bits = 166
        let a = try Interval(parsing: "0.3", precision: bits)
        let b = try Interval(parsing: "1.7", precision: bits)
        let x = try BigFloat(parsing: "0.3", precision: bits)
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
        let before = residentBytes()
        _ = churn(250_000)                 // 1,000,000 operations
        let after = residentBytes()
        #expect(before > 0)
        // A leak of even one 100-byte value per operation would add ~100 MB.
        #expect(after - before < 4 << 20, "resident memory grew by \(after - before) bytes")
    }
}
