import Foundation
import GGUF
import Gemma
import Kernels
@testable import QuantisedKernels
import Testing

/// Gemma 3 270M's file (`PERPLEXED_GEMMA_GGUF`, else the model store's copy), if present.
let gemmaFile: String? = {
    let path = ProcessInfo.processInfo.environment["PERPLEXED_GEMMA_GGUF"] ?? ModelStore().location(of: .gemma3_270m).path
    return FileManager.default.fileExists(atPath: path) ? path : nil
}()

@Suite("Quantised products on Gemma's tensors",
       .enabled(if: gemmaFile != nil, "Gemma 3 270M is absent: run `perplexed model fetch gemma3-270m` (or set PERPLEXED_GEMMA_GGUF)"))
struct GemmaFileTests {
    /// Every matrix of the file has a type with a quantised product; on the first and last 16
    /// rows of each, with every instruction set this machine runs, the decoded weights are
    /// `GGUFFile.dequantize`'s bit for bit and the products are within the float32 summation
    /// bound (``violation(_:x:m:reference:threads:)``).
    @Test("every matrix of the file, every instruction set: decoded rows equal the dequantised ones, products within the bound")
    func everyMatrix() throws {
        let file = try GGUFFile(path: gemmaFile!)
        let matrices = file.tensors.filter { $0.dimensions.count == 2 }
        // The types this file quantises its matrices with (Q4_K_M's mixture).
        #expect(Set(matrices.map(\.type)) == [.q4_K, .q5_0, .q6_K, .q8_0])
        #expect(matrices.count == 18 * 7 + 1)
        for (index, t) in matrices.enumerated() {
            let rowBytes = t.byteCount / t.rowCount, columns = t.rowLength
            for rows in [0..<16, (t.rowCount - 16)..<t.rowCount] {
                let raw = file.rawBytes(t)[(rows.lowerBound * rowBytes)..<(rows.upperBound * rowBytes)]
                let matrix = try QuantisedMatrix(type: t.type, rows: rows.count, columns: columns, blocks: raw)
                var reference = [Float](repeating: .nan, count: rows.count * columns)
                try file.dequantize(t, rows: rows, into: &reference)
                let dequantized = Matrix(rows: rows.count, columns: columns, values: reference)
                for isa in InstructionSet.supported {
                    let q = try matrix.using(isa)
                    for r in 0..<rows.count {
                        let expected = reference[(r * columns)..<((r + 1) * columns)]
                        #expect(q.decodedRow(r).map(\.bitPattern) == expected.map(\.bitPattern),
                                "\(t.name) row \(rows.lowerBound + r), \(isa)")
                    }
                    for m in [1, 2] {
                        let x = randomInputs(m * columns, seed: UInt64(index))
                        var y = [Float](repeating: .nan, count: m * rows.count)
                        multiply(x, rows: m, by: q, into: &y, threads: 2)
                        let bad = violation(y, x: x, m: m, reference: dequantized, threads: 2)
                        #expect(bad == nil, "\(t.name) rows \(rows), m = \(m), \(isa): \(bad ?? "")")
                    }
                }
            }
        }
    }
}
