import Kernels
import Testing

/// The C exponential must compute ``fastExp(_:)`` bit for bit: training results would otherwise
/// depend on the machine's instruction set.
@Suite("fastExpInPlace equals fastExp bit for bit")
struct ElementwiseExpTests {
    /// Bit-equality that also holds for NaN (same payload).
    static func same(_ a: Float, _ b: Float) -> Bool { a.bitPattern == b.bitPattern }

    @Test("over every 2039th float32 bit pattern (all signs, exponents, NaN and infinities), every instruction set",
          arguments: InstructionSet.supported)
    func sweep(isa: InstructionSet) {
        let stride: UInt64 = 2039
        var inputs: [Float] = []
        inputs.reserveCapacity(Int((UInt64(1) << 32) / stride) + 1)
        var bits: UInt64 = 0
        while bits < UInt64(1) << 32 {
            inputs.append(Float(bitPattern: UInt32(bits)))
            bits += stride
        }
        var out = inputs
        out.withUnsafeMutableBufferPointer { fastExpInPlace($0.baseAddress!, count: $0.count, on: isa) }
        var mismatches = 0, first: Float?
        for (x, y) in zip(inputs, out) where !Self.same(fastExp(x), y) {
            mismatches += 1
            if first == nil { first = x }
        }
        #expect(mismatches == 0, "first mismatch at x = \(String(describing: first)) (bits \(first.map { String($0.bitPattern, radix: 16) } ?? "-"))")
    }

    @Test("at the clamps, zeros, subnormals and non-finite values, in every tail length 0…40, every instruction set",
          arguments: InstructionSet.supported)
    func edgesAndTails(isa: InstructionSet) {
        let edges: [Float] = [-87.3, 88.3, Float(-87.3).nextDown, Float(88.3).nextUp, -88, 89, 0, -0, .leastNonzeroMagnitude,
                              -.leastNonzeroMagnitude, .leastNormalMagnitude, .infinity, -.infinity, .nan,
                              .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1, -1, 0.5, 1e-8, -1e-8]
        for count in 0...40 {
            let inputs = (0..<count).map { edges[$0 % edges.count] * ($0 >= edges.count ? -1 : 1) }
            var out = inputs
            out.withUnsafeMutableBufferPointer { fastExpInPlace($0.baseAddress!, count: $0.count, on: isa) }
            for (x, y) in zip(inputs, out) {
                #expect(Self.same(fastExp(x), y), "\(isa): count \(count), x = \(x)")
            }
        }
    }
}
