import GGUF
import Kernels
import PropertyBased
import PropertyTesting
@testable import QuantisedKernels
import Testing

/// Random blocks of one type: random bytes, with every f16 scale field set to a random finite
/// half (sign, exponent 0…30 so subnormals included, mantissa), so no weight is inf or NaN.
func randomBlocks(_ type: GGMLType, rows: Int, columns: Int, seed: UInt64) -> [UInt8] {
    var rng = SplitMix64(seed: seed)
    let blocks = rows * columns / type.blockSize
    var bytes = (0..<(blocks * type.typeSize)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    let halves: [Int] = switch type {
    case .q4_K: [0, 2]
    case .q6_K: [208]
    default: [0]
    }
    for b in 0..<blocks {
        for offset in halves {
            let r = rng.next()
            let bits = UInt16(r & 0x8000) | UInt16((r >> 16) % 31) << 10 | UInt16((r >> 32) & 0x3ff)
            bytes[b * type.typeSize + offset] = UInt8(bits & 0xff)
            bytes[b * type.typeSize + offset + 1] = UInt8(bits >> 8)
        }
    }
    return bytes
}

/// Values in [−1, 1).
func randomInputs(_ count: Int, seed: UInt64) -> [Float] {
    var rng = SplitMix64(seed: seed)
    return (0..<count).map { _ in Float(Double(rng.next() >> 11) * 0x1p-52 - 1) }
}

/// Checks `y` (m × rows) against W's dequantised rows: every output within the float32 error
/// bound of a length-n dot product in any summation order, |ŷ − y| ≤ γ_n·Σ|w||x| + n·2^−149
/// with γ_n = nu/(1 − nu), u = 2^−24 (Higham, Accuracy and Stability, §3.1; the second term
/// covers underflow), of the exact value computed in Double from the `Dequantize` weights; and
/// within twice that of the float32 BLAS product (both are within the bound of the same exact
/// value). Returns a description of the first violation.
func violation(_ y: [Float], x: [Float], m: Int, reference w: Matrix, threads: Int) -> String? {
    let n = w.columns, u = 0x1p-24
    let gamma = Double(n) * u / (1 - Double(n) * u)
    var blas = [Float](repeating: .nan, count: m * w.rows)
    multiply(x, rows: m, by: w, into: &blas, threads: threads)
    for t in 0..<m {
        for r in 0..<w.rows {
            var exact = 0.0, magnitude = 0.0
            for j in 0..<n {
                let p = Double(w.values[r * n + j]) * Double(x[t * n + j])
                exact += p
                magnitude += abs(p)
            }
            let bound = gamma * magnitude + Double(n) * 0x1p-149
            let got = Double(y[t * w.rows + r])
            if !(abs(got - exact) <= bound) || !(abs(got - Double(blas[t * w.rows + r])) <= 2 * bound) {
                return "token \(t), row \(r): quantised \(got), exact \(exact), BLAS \(blas[t * w.rows + r]), bound \(bound)"
            }
        }
    }
    return nil
}

@Suite("Quantised matrix products")
struct QuantisedProductTests {
    static let types: [GGMLType] = [.q4_0, .q5_0, .q8_0, .q4_K, .q6_K]

    @Test("decoded weights are bit for bit the Dequantize ones, with every instruction set this machine runs",
          arguments: types)
    func decodedWeights(type: GGMLType) async {
        await seededCheck(count: 20, input: Gen.int(in: 0...Int.max)) { seed in
            let rows = 3, columns = 2 * max(type.blockSize, 128)
            let matrix = try QuantisedMatrix(type: type, rows: rows, columns: columns,
                                             blocks: randomBlocks(type, rows: rows, columns: columns, seed: UInt64(seed)))
            let reference = matrix.dequantized()
            for isa in InstructionSet.supported {
                let q = try matrix.using(isa)
                #expect(q.instructionSet == isa)
                for r in 0..<rows {
                    let decoded = q.decodedRow(r)
                    let expected = reference.values[(r * columns)..<((r + 1) * columns)]
                    #expect(decoded.map(\.bitPattern) == expected.map(\.bitPattern), "\(type) row \(r), \(isa)")
                }
            }
        }
    }

    @Test("scales of ±0, subnormals, ±infinity and NaNs decode bit for bit too, with every instruction set",
          arguments: types)
    func specialScales(type: GGMLType) throws {
        let specials: [UInt16] = [0x0000, 0x8000, 0x0001, 0x83ff, 0x7c00, 0xfc00, 0x7e00, 0x7c01, 0xfe5a, 0x3c00]
        let rows = specials.count, columns = 2 * type.blockSize
        var bytes = randomBlocks(type, rows: rows, columns: columns, seed: 13)
        // Every f16 field of the type: Q4_K has two (d and dmin), each given a different special.
        let fields = type == .q4_K ? [0, 2] : type == .q6_K ? [208] : [0]
        for block in 0..<(rows * columns / type.blockSize) {
            for (k, offset) in fields.enumerated() {
                let h = specials[(block + 3 * k) % specials.count]
                bytes[block * type.typeSize + offset] = UInt8(h & 0xff)
                bytes[block * type.typeSize + offset + 1] = UInt8(h >> 8)
            }
        }
        let matrix = try QuantisedMatrix(type: type, rows: rows, columns: columns, blocks: bytes)
        let reference = matrix.dequantized()
        for isa in InstructionSet.supported {
            let q = try matrix.using(isa)
            for r in 0..<rows {
                let expected = reference.values[(r * columns)..<((r + 1) * columns)]
                #expect(q.decodedRow(r).map(\.bitPattern) == expected.map(\.bitPattern), "\(type) row \(r), \(isa)")
            }
        }
    }

    @Test("one token: y = W·x within float32 summation error of dequantise-then-multiply", arguments: types)
    func oneToken(type: GGMLType) async {
        // One block; many rows; a row count no thread count divides; several blocks per row.
        let shapes = [(1, type.blockSize), (300, type.blockSize), (37, 3 * type.blockSize), (5, 1024)]
        await seededCheck(count: 5, input: Gen.int(in: 0...Int.max)) { seed in
            for (rows, columns) in shapes {
                let matrix = try QuantisedMatrix(type: type, rows: rows, columns: columns,
                                                 blocks: randomBlocks(type, rows: rows, columns: columns, seed: UInt64(seed)))
                let x = randomInputs(columns, seed: UInt64(seed) ^ 1), reference = matrix.dequantized()
                for isa in InstructionSet.supported {
                    let q = try matrix.using(isa)
                    for threads in [1, 2, 3] {
                        var y = [Float](repeating: .nan, count: rows)
                        multiply(x, rows: 1, by: q, into: &y, threads: threads)
                        let bad = violation(y, x: x, m: 1, reference: reference, threads: threads)
                        #expect(bad == nil, "\(type) \(rows)×\(columns), \(isa), \(threads) threads: \(bad ?? "")")
                    }
                }
            }
        }
    }

    @Test("several tokens: decoded rows through BLAS, within the same bound", arguments: types)
    func severalTokens(type: GGMLType) async {
        // m = 3 decodes 64 rows per BLAS call, m = 40 256; 600 rows on one thread take three calls.
        await seededCheck(count: 2, input: Gen.int(in: 0...Int.max)) { seed in
            for (m, rows, threads) in [(3, 37, 2), (40, 600, 1), (40, 70, 3)] {
                let columns = 256
                let matrix = try QuantisedMatrix(type: type, rows: rows, columns: columns,
                                                 blocks: randomBlocks(type, rows: rows, columns: columns, seed: UInt64(seed)))
                let x = randomInputs(m * columns, seed: UInt64(seed) ^ 2), reference = matrix.dequantized()
                for isa in InstructionSet.supported {
                    var y = [Float](repeating: .nan, count: m * rows)
                    multiply(x, rows: m, by: try matrix.using(isa), into: &y, threads: threads)
                    let bad = violation(y, x: x, m: m, reference: reference, threads: threads)
                    #expect(bad == nil, "\(type) m = \(m), \(rows)×\(columns), \(isa), \(threads) threads: \(bad ?? "")")
                }
            }
        }
    }

    @Test("stacked matrices of different types multiply as one")
    func stacked() async {
        await seededCheck(count: 5, input: Gen.int(in: 0...Int.max)) { seed in
            let columns = 512
            let parts = try [(GGMLType.q5_0, 7), (.q8_0, 3), (.q6_K, 5), (.q4_K, 2), (.q4_0, 4)].enumerated().map { i, part in
                try QuantisedMatrix(type: part.0, rows: part.1, columns: columns,
                                    blocks: randomBlocks(part.0, rows: part.1, columns: columns, seed: UInt64(seed) &+ UInt64(i)))
            }
            let q = QuantisedMatrix.stack(parts)
            #expect(q.rows == 21 && q.types == [.q5_0, .q8_0, .q6_K, .q4_K, .q4_0])
            #expect(q.instructionSet == .best)
            #expect(QuantisedMatrix.stack([try parts[0].using(.portable), parts[1]]).instructionSet == .portable)
            // The stack's reference is its parts' dequantised rows, one after another.
            let reference = Kernels.stack(parts.map { $0.dequantized() })
            #expect(q.dequantized().values.map(\.bitPattern) == reference.values.map(\.bitPattern))
            for m in [1, 2] {
                let x = randomInputs(m * columns, seed: UInt64(seed) ^ 3)
                for isa in InstructionSet.supported {
                    var y = [Float](repeating: .nan, count: m * q.rows)
                    multiply(x, rows: m, by: try q.using(isa), into: &y, threads: 2)
                    let bad = violation(y, x: x, m: m, reference: reference, threads: 2)
                    #expect(bad == nil, "m = \(m), \(isa): \(bad ?? "")")
                }
            }
            // WeightMatrix: the same product, the same rows, and a float32 stack when one part is float32.
            let weights = WeightMatrix.stack(parts.map { .quantised($0) })
            let x = randomInputs(columns, seed: UInt64(seed) ^ 4)
            var y1 = [Float](repeating: .nan, count: q.rows), y2 = y1
            multiply(x, rows: 1, by: q, into: &y1, threads: 1)
            multiply(x, rows: 1, by: weights, into: &y2, threads: 1)
            #expect(y1.map(\.bitPattern) == y2.map(\.bitPattern))
            var row = [Float](repeating: .nan, count: columns)
            weights.copyRow(9, into: &row)
            #expect(row.map(\.bitPattern) == reference.values[(9 * columns)..<(10 * columns)].map(\.bitPattern))
            let mixed = WeightMatrix.stack([.quantised(parts[0]), .float32(parts[1].dequantized())])
            guard case .float32(let floats) = mixed else { Issue.record("a stack with a float32 part must be float32"); return }
            #expect(floats.values == Kernels.stack([parts[0].dequantized(), parts[1].dequantized()]).values)
        }
    }

    @Test("bad shapes, byte counts and types are refused with specific errors")
    func badInput() {
        #expect(throws: QuantisedMatrixError.unsupportedType(.f32)) {
            try QuantisedMatrix(type: .f32, rows: 1, columns: 4, blocks: [UInt8](repeating: 0, count: 16))
        }
        #expect(throws: QuantisedMatrixError.unsupportedType(.q2_K)) {
            try QuantisedMatrix(type: .q2_K, rows: 1, columns: 256, blocks: [UInt8](repeating: 0, count: 84))
        }
        #expect(throws: QuantisedMatrixError.badShape(type: .q8_0, rows: 2, columns: 48)) {
            try QuantisedMatrix(type: .q8_0, rows: 2, columns: 48, blocks: [UInt8](repeating: 0, count: 102))
        }
        #expect(throws: QuantisedMatrixError.badShape(type: .q8_0, rows: 0, columns: 32)) {
            try QuantisedMatrix(type: .q8_0, rows: 0, columns: 32, blocks: [UInt8]())
        }
        #expect(throws: QuantisedMatrixError.wrongByteCount(type: .q6_K, rows: 2, columns: 256, expected: 420, found: 419)) {
            try QuantisedMatrix(type: .q6_K, rows: 2, columns: 256, blocks: [UInt8](repeating: 0, count: 419))
        }
        #expect(QuantisedMatrixError.wrongByteCount(type: .q6_K, rows: 2, columns: 256, expected: 420, found: 419).description
            == "a 2×256 Q6_K matrix takes 420 bytes, not 419")
    }

    @Test("the decoders' f16 conversion is Dequantize.half on all 65,536 bit patterns")
    func halves() {
        for h in 0...UInt16.max {
            let bytes = [UInt8(h & 0xff), UInt8(h >> 8)]
            let decoded = bytes.withUnsafeBytes { BlockDecoder.half($0.baseAddress!, 0) }
            #expect(decoded.bitPattern == Dequantize.half(h).bitPattern, "f16 bits \(h)")
        }
    }

    @Test("lane orders are permutations of each stretch")
    func laneOrders() {
        for order in [LaneOrder.sixteen, .thirtyTwo] {
            let n = 3 * order.stretch
            let natural = (0..<n).map(order.natural)
            #expect(natural.sorted() == Array(0..<n))
            // Within each stretch: lane (g/4)·k + i is weight 4i + k.
            let g = order.stretch, words = g / 4
            #expect(order.natural(g + words * 3 + 1) == g + 4 * 1 + 3)
        }
    }
}
