import Foundation
import Testing
@testable import GGUF

/// The fixture made by scripts/make_gguf_fixtures.py with Python's `gguf` package.
let fixturePath = Bundle.module.path(forResource: "quants", ofType: "gguf", inDirectory: "Fixtures")!

@Suite struct GGUFReaderTests {
    @Test func headerAndAlignment() throws {
        let file = try GGUFFile(path: fixturePath)
        #expect(file.version == 3)
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.tensors.count == 18)
        #expect(file.metadataKeys.first == "general.architecture")
        #expect(try file.string("general.architecture") == "fixture")
    }

    @Test func everyMetadataValueType() throws {
        let m = try GGUFFile(path: fixturePath).metadata
        #expect(m["test.u8"] == .uint8(200))
        #expect(m["test.i8"] == .int8(-100))
        #expect(m["test.u16"] == .uint16(60000))
        #expect(m["test.i16"] == .int16(-30000))
        #expect(m["test.u32"] == .uint32(4_000_000_000))
        #expect(m["test.i32"] == .int32(-2_000_000_000))
        #expect(m["test.u64"] == .uint64(18_000_000_000_000_000_000))
        #expect(m["test.i64"] == .int64(-9_000_000_000_000_000_000))
        #expect(m["test.f32"] == .float32(0.25))
        #expect(m["test.f64"] == .float64(-1.5e300))
        #expect(m["test.bool"] == .bool(true))
        #expect(m["test.string"] == .string("héllo ▁wörld"))
        #expect(m["test.strings"] == .array(.string, [.string("a"), .string(""), .string("ü")]))
        #expect(m["test.ints"] == .array(.int32, [.int32(1), .int32(-2), .int32(3)]))
        #expect(m["test.nested"] == .array(.array, [.array(.int32, [.int32(1), .int32(2)]), .array(.int32, [.int32(3)])]))
    }

    @Test func tensorInfos() throws {
        let file = try GGUFFile(path: fixturePath)
        let q4k = try file.tensor("Q4_K")
        #expect(q4k.type == .q4_K)
        #expect(q4k.dimensions == [256, 2])
        #expect(q4k.rowCount == 2)
        #expect(q4k.byteCount == 2 * 144)
        // Offsets printed by gguf's GGUFReader for this fixture.
        #expect(q4k.fileOffset == 19136)
        #expect(try file.tensor("Q6_K.expected").fileOffset == 24384)
    }

    /// Every supported type, every weight, against gguf.quants.dequantize.
    @Test(arguments: ["F32", "F16", "BF16", "Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"])
    func dequantisationMatchesGGUFPy(name: String) throws {
        let file = try GGUFFile(path: fixturePath)
        let got = try file.floats(name)
        let expected = try file.floats(name + ".expected")
        #expect(got.count == 512)
        #expect(got.count == expected.count)
        // numpy may group the products of scales differently: allow a few ulps.
        let worst = zip(got, expected).map { abs($0 - $1) / max(abs($1), 1e-6) }.max() ?? 0
        #expect(worst <= 4 * Float.ulpOfOne, "\(name): worst relative error \(worst)")
        #expect(Set(got).count > 8, "\(name): suspiciously few distinct values")
    }

    @Test func rowRangeDequantisesOnlyThoseRows() throws {
        let file = try GGUFFile(path: fixturePath)
        let info = try file.tensor("Q6_K")
        let all = try file.floats(info)
        var second = [Float](repeating: 0, count: 256)
        try second.withUnsafeMutableBufferPointer { b throws(GGUFError) in try file.dequantize(info, rows: 1..<2, into: b.baseAddress!) }
        #expect(second == Array(all[256...]))
    }

    @Test func halfPrecisionEdgeCases() {
        #expect(Dequantize.half(0x3c00) == 1)
        #expect(Dequantize.half(0xc000) == -2)
        #expect(Dequantize.half(0x0001) == 0x1p-24)
        #expect(Dequantize.half(0x7bff) == 65504)
        #expect(Dequantize.half(0x7c00) == .infinity)
        #expect(Dequantize.half(0x7e00).isNaN)
        #expect(Dequantize.half(0x8000).sign == .minus)
    }

    /// gguf-py cannot dequantise Q8_K, so this block is built by hand: x = d × int8.
    @Test func q8KHandBuiltBlock() {
        var block = [UInt8](repeating: 0, count: 292)
        withUnsafeBytes(of: Float(0.5).bitPattern.littleEndian) { for i in 0..<4 { block[i] = $0[i] } }
        for j in 0..<256 { block[4 + j] = UInt8(bitPattern: Int8(truncatingIfNeeded: j - 128)) }
        var out = [Float](repeating: 0, count: 256)
        block.withUnsafeBytes { src in out.withUnsafeMutableBufferPointer { Dequantize.run(.q8_K, from: src.baseAddress!, count: 256, into: $0.baseAddress!) } }
        #expect(out[0] == -64)
        #expect(out[255] == 63.5)
    }
}
