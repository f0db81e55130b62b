import Foundation
import Kernels
import Testing

@Suite("Parallel-for and result slots")
struct ParallelTests {
    /// Counts visits of every index under `split` (the visits of distinct indices never race:
    /// each piece owns its slice of `counts`).
    func visits(_ count: Int, _ split: SplitPolicy) -> (counts: [Int], parts: [Int]) {
        var counts = [Int](repeating: 0, count: count)
        let pieces = split.parts(for: count)
        var partVisits = [Int](repeating: 0, count: pieces)
        counts.withUnsafeMutableBufferPointer { c in
            partVisits.withUnsafeMutableBufferPointer { p in
                let (c, p) = (SharedPointer(c.baseAddress ?? UnsafeMutablePointer(bitPattern: 8)!), SharedPointer(p.baseAddress!))
                parallelFor(count, split: split) { part, range in
                    p.pointer[part] += 1
                    for i in range { c.pointer[i] += 1 }
                }
            }
        }
        return (counts, partVisits)
    }

    @Test("every index is visited exactly once, every piece once", arguments: [0, 1, 7, 1000])
    func everyIndexOnce(count: Int) {
        for split in [SplitPolicy.fixed(parts: 1), .fixed(parts: 2), .fixed(parts: 5), .balanced(threads: 1),
                      .balanced(threads: 2), .balanced(threads: 3)] {
            let (counts, parts) = visits(count, split)
            #expect(counts.allSatisfy { $0 == 1 }, "\(split) on \(count)")
            #expect(parts.allSatisfy { $0 == 1 }, "\(split) on \(count)")
        }
    }

    @Test("piece counts: fixed is exact, balanced is about 4 × threads and at most the count")
    func pieceCounts() {
        #expect(SplitPolicy.fixed(parts: 2).parts(for: 0) == 2)
        #expect(SplitPolicy.fixed(parts: 2).parts(for: 1000) == 2)
        #expect(SplitPolicy.fixed(parts: 0).parts(for: 10) == 1)
        #expect(SplitPolicy.balanced(threads: 1).parts(for: 1000) == 1)
        #expect(SplitPolicy.balanced(threads: 2).parts(for: 1000) == 8)
        #expect(SplitPolicy.balanced(threads: 2).parts(for: 7) == 7)
        #expect(SplitPolicy.balanced(threads: 2).parts(for: 0) == 1)
        #expect(SplitPolicy.slice(0, of: 2, 7) == 0..<3)
        #expect(SplitPolicy.slice(1, of: 2, 7) == 3..<7)
    }

    struct Failure: Error, Equatable { let index: Int }

    @Test("result slots keep every index's value in order, and the lowest index's failure")
    func resultSlots() throws {
        let slots = ResultSlots<Int>(count: 100)
        DispatchQueue.concurrentPerform(iterations: 100) { i in slots.store(i, i * i) }
        #expect(try slots.results() == (0..<100).map { $0 * $0 })
        #expect(slots.values() == (0..<100).map { $0 * $0 })
        #expect(slots.error == nil)

        let failing = ResultSlots<Int>(count: 50)
        DispatchQueue.concurrentPerform(iterations: 50) { i in
            if i % 7 == 3 { failing.fail(i, Failure(index: i)) } else { failing.store(i, i) }
        }
        #expect(failing.error as? Failure == Failure(index: 3))
        #expect(throws: Failure(index: 3)) { try failing.results() }
        #expect(failing.values().count == 50 - 7)

        let empty = ResultSlots<Int>(count: 2)
        empty.store(0, 1)
        #expect(throws: KernelsError.missingResult(index: 1)) { try empty.results() }
    }
}
