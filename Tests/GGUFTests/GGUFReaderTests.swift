import Foundation
import Testing
@testable import GGUF

/// The fixture made by scripts/make_gguf_fixtures.py with Python's `gguf` package. (If the
/// resource is missing, opening this path fails with the reader's own error instead of a crash.)
let fixturePath = Bundle.module.path(forResource: "quants", ofType: "gguf", inDirectory: "Fixtures")
    ?? "missing resource Fixtures/quants.gguf"

/// The fixture's layout read independently of the `GGUF` module, straight from the GGUF v3
/// format (all little-endian): magic, u32 version, u64 tensor count, u64 metadata count; each
/// metadata pair (u64-length key, u32 type, value) is skipped; each tensor info is a u64-length
/// name, u32 n_dims, n_dims × u64, u32 type, u64 offset; the data section starts at the next
/// multiple of the alignment (64: `general.alignment` as set by make_gguf_fixtures.py). F32
/// tensors are decoded here byte by byte, so a byte-order or stride bug in the reader's F32 path
/// cannot corrupt both sides of a comparison alike.
struct IndependentLayout {
    struct Info { let dimensions: [UInt64]; let type: UInt32; let offset: UInt64 }
    struct Malformed: Error, CustomStringConvertible { let description: String }

    let bytes: [UInt8]
    let version: UInt32
    let names: [String]
    let infos: [String: Info]
    let dataStart: Int

    init(_ bytes: [UInt8], alignment: Int = 64) throws {
        var at = 0
        func take(_ n: UInt64) throws -> ArraySlice<UInt8> {
            guard n <= UInt64(bytes.count - at) else { throw Malformed(description: "\(n) bytes past the end at \(at)") }
            defer { at += Int(n) }
            return bytes[at..<(at + Int(n))]
        }
        // Little-endian: byte i carries bits 8i..8i+7.
        func unsigned(_ n: UInt64) throws -> UInt64 {
            try take(n).enumerated().reduce(0) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        }
        func string() throws -> String { String(decoding: try take(try unsigned(8)), as: UTF8.self) }
        func skipValue(_ type: UInt64) throws {
            switch type {
            case 0, 1, 7: _ = try take(1)          // u8, i8, bool
            case 2, 3: _ = try take(2)             // u16, i16
            case 4, 5, 6: _ = try take(4)          // u32, i32, f32
            case 10, 11, 12: _ = try take(8)       // u64, i64, f64
            case 8: _ = try string()
            case 9:                                // array: u32 element type, u64 count, elements
                let element = try unsigned(4), count = try unsigned(8)
                guard count <= UInt64(bytes.count) else { throw Malformed(description: "array of \(count)") }
                for _ in 0..<count { try skipValue(element) }
            default: throw Malformed(description: "unknown value type \(type) at \(at)")
            }
        }
        guard Array(try take(4)) == Array("GGUF".utf8) else { throw Malformed(description: "no GGUF magic") }
        let version = UInt32(try unsigned(4))
        let tensorCount = try unsigned(8), metadataCount = try unsigned(8)
        guard tensorCount <= 1000, metadataCount <= 1000 else { throw Malformed(description: "absurd counts") }
        for _ in 0..<metadataCount {
            _ = try string()
            try skipValue(try unsigned(4))
        }
        var names: [String] = [], infos: [String: Info] = [:]
        for _ in 0..<tensorCount {
            let name = try string()
            let rank = try unsigned(4)
            guard rank <= 4 else { throw Malformed(description: "\(name): rank \(rank)") }
            let dimensions = try (0..<rank).map { _ in try unsigned(8) }
            let type = UInt32(try unsigned(4))
            names.append(name)
            infos[name] = Info(dimensions: dimensions, type: type, offset: try unsigned(8))
        }
        self.bytes = bytes
        self.version = version
        self.names = names
        self.infos = infos
        self.dataStart = (at + alignment - 1) / alignment * alignment
    }

    /// Absolute file offset of a tensor's data.
    func fileOffset(_ name: String) throws -> Int {
        guard let info = infos[name] else { throw Malformed(description: "no tensor \(name)") }
        return dataStart + Int(info.offset)
    }

    /// An F32 tensor (ggml type 0), each element assembled from its 4 little-endian bytes.
    func f32(_ name: String) throws -> [Float] {
        guard let info = infos[name], info.type == 0 else { throw Malformed(description: "\(name) is not an F32 tensor") }
        let count = Int(info.dimensions.reduce(1, *)), start = try fileOffset(name)
        guard start + 4 * count <= bytes.count else { throw Malformed(description: "\(name) runs past the end") }
        return (0..<count).map { i in
            let p = start + 4 * i
            let word = UInt32(bytes[p]) | UInt32(bytes[p + 1]) << 8 | UInt32(bytes[p + 2]) << 16 | UInt32(bytes[p + 3]) << 24
            return Float(bitPattern: word)
        }
    }
}

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

    /// The independent layout agrees with gguf's GGUFReader where that was recorded, and with the
    /// reader under test for every tensor.
    @Test func independentLayoutAgrees() throws {
        let layout = try IndependentLayout([UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath))))
        #expect(layout.version == 3)
        #expect(layout.names.count == 18)
        #expect(try layout.fileOffset("Q4_K") == 19136 && layout.fileOffset("Q6_K.expected") == 24384)
        let file = try GGUFFile(path: fixturePath)
        #expect(file.dataOffset == layout.dataStart)
        #expect(file.tensors.map(\.name) == layout.names)
        for name in layout.names {
            let info = try file.tensor(name)
            #expect(try info.fileOffset == layout.fileOffset(name), "\(name)")
            #expect(info.dimensions.map(UInt64.init) == layout.infos[name]?.dimensions, "\(name)")
        }
    }

    /// Every supported type, every weight, against gguf.quants.dequantize; the expected values
    /// are decoded by ``IndependentLayout``, not by the reader under test.
    @Test(arguments: ["F32", "F16", "BF16", "Q4_0", "Q5_0", "Q8_0", "Q4_K", "Q5_K", "Q6_K"])
    func dequantisationMatchesGGUFPy(name: String) throws {
        let file = try GGUFFile(path: fixturePath)
        let layout = try IndependentLayout([UInt8](Data(contentsOf: URL(fileURLWithPath: fixturePath))))
        let got = try file.floats(name)
        let expected = try layout.f32(name + ".expected")
        #expect(got.count == 512)
        #expect(got.count == expected.count)
        #expect(expected.allSatisfy(\.isFinite) && Set(expected).count > 8, "\(name).expected: suspicious reference values")
        // The reader's F32 path on the reference tensor itself: bit for bit.
        #expect(try file.floats(name + ".expected").map(\.bitPattern) == expected.map(\.bitPattern), "\(name).expected")
        // numpy may group the products of scales differently: allow a few ulps.
        let worst = zip(got, expected).map { abs($0 - $1) / max(abs($1), 1e-6) }.max() ?? 0
        #expect(worst <= 4 * Float.ulpOfOne, "\(name): worst relative error \(worst)")
        #expect(Set(got).count > 8, "\(name): suspiciously few distinct values")
    }

    /// Bytes in memory read as the file does, checked against the independent layout; the copy
    /// outlives the caller's buffer, and errors name the given name.
    @Test func bytesInMemoryReadAsTheFile() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixturePath)))
        let layout = try IndependentLayout(bytes)
        var scratch = bytes
        let file = try GGUFFile(bytes: scratch, name: "in memory")
        scratch.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
        #expect(file.path == "in memory")
        #expect(file.fileSize == bytes.count)
        #expect(file.metadata == (try GGUFFile(path: fixturePath)).metadata)
        #expect(file.tensors.map(\.name) == layout.names)
        #expect(try file.floats("Q4_K.expected").map(\.bitPattern) == layout.f32("Q4_K.expected").map(\.bitPattern))
        #expect(throws: GGUFError(path: "in memory", .notGGUF)) { try GGUFFile(bytes: Array("GGUX".utf8), name: "in memory") }
        #expect(throws: GGUFError(path: "empty", .notGGUF)) { try GGUFFile(bytes: [], name: "empty") }
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
