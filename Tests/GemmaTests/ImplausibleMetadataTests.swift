import Foundation
import GGUF
import Testing
@testable import Gemma

/// A tiny synthetic Gemma 3 GGUF (version 3): `gemma3.*` metadata as given, a 4 × 8
/// `token_embd.weight` and one layer's `blk.0.attn_norm.weight`, both float32; `extra` adds
/// metadata pairs of any type as raw value bytes (GGUF type numbers: 4 u32, 8 string, 9 array, 12 f64).
private func syntheticGemma(_ overrides: [String: UInt64] = [:], extra: [(key: String, type: UInt32, value: [UInt8])] = []) throws -> String {
    var bytes: [UInt8] = []
    func u32(_ v: UInt32) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
    func u64(_ v: UInt64) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
    func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
    var counts: [String: UInt64] = [
        "embedding_length": 8, "block_count": 1, "feed_forward_length": 16, "attention.head_count": 2,
        "attention.head_count_kv": 1, "attention.key_length": 4, "context_length": 128, "attention.sliding_window": 4,
    ]
    counts.merge(overrides) { $1 }
    let tensors: [(name: String, dimensions: [UInt64])] = [("token_embd.weight", [8, 4]), ("blk.0.attn_norm.weight", [8])]
    bytes += Array("GGUF".utf8)
    u32(3)
    u64(UInt64(tensors.count))
    u64(UInt64(counts.count + 2 + extra.count))
    string("general.architecture"); u32(8); string("gemma3")
    string("gemma3.attention.layer_norm_rms_epsilon"); u32(6); bytes += withUnsafeBytes(of: Float(1e-6).bitPattern.littleEndian, Array.init)
    for (key, value) in counts.sorted(by: { $0.key < $1.key }) { string("gemma3." + key); u32(10); u64(value) }   // type 10: u64
    for e in extra { string(e.key); u32(e.type); bytes += e.value }
    var offset: UInt64 = 0
    for t in tensors {
        string(t.name); u32(UInt32(t.dimensions.count)); t.dimensions.forEach(u64); u32(0); u64(offset)   // type 0: F32
        offset += t.dimensions.reduce(4, *)
    }
    while bytes.count % 32 != 0 { bytes.append(0) }
    bytes += [UInt8](repeating: 0, count: Int(offset))
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gemma-metadata-\(UUID().uuidString).gguf")
    try Data(bytes).write(to: url)
    return url.path
}

/// Metadata counts are checked against the file before anything is sized by them.
// A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
// tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
@Suite(.timeLimit(.minutes(10))) struct ImplausibleMetadataTests {
    private func expectBadConfiguration(_ overrides: [String: UInt64], extra: [(key: String, type: UInt32, value: [UInt8])] = [],
                                        mentioning text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let path = try syntheticGemma(overrides, extra: extra)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try GGUFFile(path: path)
        do {
            _ = try GemmaConfiguration(file: file)
            Issue.record("\(overrides) was accepted", sourceLocation: sourceLocation)
        } catch {
            guard case .badConfiguration(let at, let why) = error else {
                Issue.record("\(overrides): \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(at == path, sourceLocation: sourceLocation)
            #expect(why.contains(text), "\(why)", sourceLocation: sourceLocation)
        }
        // The model loader stops at the same check.
        #expect(throws: GemmaError.self, sourceLocation: sourceLocation) { try GemmaModel(path: path) }
    }

    @Test func plausibleCountsAreAccepted() throws {
        let path = try syntheticGemma()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let c = try GemmaConfiguration(file: GGUFFile(path: path))
        #expect(c.layerCount == 1 && c.vocabularySize == 4 && c.hiddenSize == 8 && c.contextLength == 128)
    }

    @Test func blockCountBeyondTheFileIsRefused() throws {
        try expectBadConfiguration(["block_count": 0xFFFF_FFFF], mentioning: "block_count 4294967295 exceeds the 1 layers")
        try expectBadConfiguration(["block_count": 2], mentioning: "block_count 2 exceeds the 1 layers")
    }

    @Test func widthsBeyondEveryTensorAreRefused() throws {
        try expectBadConfiguration(["embedding_length": 1 << 40], mentioning: "embedding_length is 1099511627776")
        try expectBadConfiguration(["feed_forward_length": 0xFFFF_FFFF], mentioning: "feed_forward_length is 4294967295")
        // head_count × key_length overflows Int: it must be refused, not wrap.
        try expectBadConfiguration(["attention.head_count": 1 << 40, "attention.head_count_kv": 1 << 40, "attention.key_length": 1 << 40],
                                   mentioning: "attention.head_count × key_length")
    }

    @Test func hugeContextIsRefused() throws {
        try expectBadConfiguration(["context_length": 0xFFFF_FFFF], mentioning: "context_length 4294967295 exceeds the supported maximum 1048576")
    }

    /// Seen while writing fuzz-gguf, and reproduced with it: a float `attention.value_length`
    /// that is NaN or infinite trapped converting to Int. Any value that is not the key length, as a number, is refused.
    @Test func valueLengthThatIsNotTheKeyLengthIsRefused() throws {
        func f64(_ v: Double) -> [(key: String, type: UInt32, value: [UInt8])] {
            [("gemma3.attention.value_length", 12, withUnsafeBytes(of: v.bitPattern.littleEndian, Array.init))]
        }
        try expectBadConfiguration([:], extra: f64(.nan), mentioning: "value length nan differs from key length 4")
        try expectBadConfiguration([:], extra: f64(-.infinity), mentioning: "value length -inf differs from key length 4")
        try expectBadConfiguration([:], extra: f64(1e300), mentioning: "value length 1e+300 differs from key length 4")
        try expectBadConfiguration([:], extra: f64(4.5), mentioning: "value length 4.5 differs from key length 4")
        try expectBadConfiguration([:], extra: f64(8), mentioning: "value length 8 differs from key length 4")
        let path = try syntheticGemma(extra: f64(4))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try GemmaConfiguration(file: GGUFFile(path: path)).headDimension == 4)
    }

    /// Found by `make fuzz` (fuzz-gguf, from the gemma3-tiny seed): a token type stored as u32
    /// 4294967290 trapped converting to Int32; it is an unknown type like any other.
    @Test func tokenTypeBeyondInt32IsAnUnknownType() throws {
        func u32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian, Array.init) }
        func string(_ s: String) -> [UInt8] { u64(UInt64(s.utf8.count)) + Array(s.utf8) }
        let pieces = ["<pad>", "<eos>", "<bos>"] + (0..<256).map { "<0x" + String($0, radix: 16, uppercase: true).leftPadded + ">" }
        func tokenizer(types: [UInt32]) throws -> GGUFFile {
            let path = try syntheticGemma(extra: [
                ("tokenizer.ggml.model", 8, string("llama")),
                ("tokenizer.ggml.tokens", 9, u32(8) + u64(UInt64(pieces.count)) + pieces.flatMap(string)),
                ("tokenizer.ggml.token_type", 9, u32(4) + u64(UInt64(types.count)) + types.flatMap(u32)),
            ])
            defer { try? FileManager.default.removeItem(atPath: path) }
            return try GGUFFile(path: path)
        }
        let good: [UInt32] = [3, 3, 3] + Array(repeating: 6, count: 256)
        let tokens = try GemmaTokenizer(file: tokenizer(types: good))
        #expect(tokens.count == 259 && tokens.encode("A", addBOS: false) == [3 + 0x41])
        var bad = good
        bad[1] = 4_294_967_290
        do {
            _ = try GemmaTokenizer(file: tokenizer(types: bad))
            Issue.record("a token type of 4294967290 was accepted")
        } catch {
            #expect("\(error)".contains("token 1 has no text or an unknown type"), "\(error)")
        }
    }
}

private extension String {
    /// Two hex digits: "A" → "0A".
    var leftPadded: String { count < 2 ? "0" + self : self }
}
