// libFuzzer harness: the input is text for `GemmaTokenizer.encode`, decoded from any bytes as
// UTF-8 (invalid sequences become U+FFFD, as for any String), and read a second time as token
// ids for `decode`. The tokenizer is built once from a small synthetic vocabulary: control and
// user-defined tokens, all 256 byte tokens and a few merges, held in an in-memory GGUF.
import FuzzSupport
import GGUF
import Gemma

/// The vocabulary after the 256 byte tokens; merge ranks follow this order. U+2581 (▁) stands
/// for a space, as in SentencePiece.
let normalPieces = [
    "\u{2581}", "a", "b", "c", "e", "h", "t", "é", "😀", "ab", "th", "he", "\u{2581}t", "\u{2581}th",
    "the", "\u{2581}the", "abc", "éé", "\u{2581}\u{2581}",
]
let specialPieces: [(String, Int32)] = [
    ("<pad>", 3), ("<eos>", 3), ("<bos>", 3), ("<unk>", 2), ("<start_of_turn>", 3), ("<end_of_turn>", 3),
    ("\n", 4), ("\n\n", 4), ("\t\t", 4), ("  ", 4),
]

let tokenizer: GemmaTokenizer = {
    var pieces = specialPieces
    for b in 0..<256 { pieces.append((String(b, radix: 16, uppercase: true).leftPadded(to: 2).wrapped, 6)) }
    for p in normalPieces { pieces.append((p, 1)) }
    var gguf = GGUFWriter()
    gguf.string("tokenizer.ggml.model", "llama")
    gguf.stringArray("tokenizer.ggml.tokens", pieces.map(\.0))
    gguf.int32Array("tokenizer.ggml.token_type", pieces.map(\.1))
    gguf.uint32("tokenizer.ggml.bos_token_id", 2)
    gguf.uint32("tokenizer.ggml.eos_token_id", 1)
    do {
        return try GemmaTokenizer(file: GGUFFile(bytes: gguf.bytes, name: "synthetic vocabulary"))
    } catch {
        fatalError("the synthetic vocabulary does not load: \(error)")
    }
}()

extension String {
    func leftPadded(to n: Int) -> String { String(repeating: "0", count: max(0, n - count)) + self }
    var wrapped: String { "<0x\(self)>" }
}

@main enum Harness { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    let text = String(decoding: input, as: UTF8.self)
    let ids = tokenizer.encode(text, addBOS: false)
    guard ids.allSatisfy({ (0..<tokenizer.count).contains($0) }) else { fatalError("id outside the vocabulary") }
    // Every byte is covered by a token, so decoding gives the text back with ▁ read as a space.
    let expected = spacesForLowerBlocks(Array(text.utf8))
    let decoded = Array(tokenizer.decode(ids, skipSpecial: false).utf8)
    guard decoded == expected else { fatalError("\(text.debugDescription) encodes to \(ids), which decodes to something else") }
    guard tokenizer.encode(text) == [tokenizer.bos] + ids else { fatalError("BOS is not simply prepended") }
    // The same bytes as ids, including negative and out-of-range ones, which decode skips.
    let arbitrary = stride(from: 0, to: size - 1, by: 2).map { Int(Int16(bitPattern: UInt16(input[$0]) << 8 | UInt16(input[$0 + 1]))) }
    _ = tokenizer.decode(arbitrary)
    return 0
}

/// `bytes` with every U+2581 (E2 96 81) replaced by a space, byte-wise: `String.replacing`
/// works on characters and would miss a ▁ that a combining mark follows.
func spacesForLowerBlocks(_ bytes: [UInt8]) -> [UInt8] {
    var out: [UInt8] = [], i = 0
    while i < bytes.count {
        if i + 2 < bytes.count, bytes[i] == 0xe2, bytes[i + 1] == 0x96, bytes[i + 2] == 0x81 {
            out.append(0x20); i += 3
        } else {
            out.append(bytes[i]); i += 1
        }
    }
    return out
}

/// The few GGUF metadata fields the tokenizer reads, written per the GGUF v3 layout.
struct GGUFWriter {
    private var entries: [UInt8] = []
    private var count: UInt64 = 0

    var bytes: [UInt8] {
        var out = Array("GGUF".utf8)
        append(UInt32(3), to: &out)
        append(UInt64(0), to: &out)  // tensors
        append(count, to: &out)
        return out + entries
    }

    private func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }

    private mutating func key(_ k: String, type: UInt32) {
        text(k)
        append(type, to: &entries)
        count += 1
    }

    private mutating func text(_ s: String) {
        append(UInt64(s.utf8.count), to: &entries)
        entries += s.utf8
    }

    mutating func string(_ k: String, _ v: String) { key(k, type: 8); text(v) }
    mutating func uint32(_ k: String, _ v: UInt32) { key(k, type: 4); append(v, to: &entries) }

    mutating func stringArray(_ k: String, _ v: [String]) {
        key(k, type: 9)
        append(UInt32(8), to: &entries)
        append(UInt64(v.count), to: &entries)
        for s in v { text(s) }
    }

    mutating func int32Array(_ k: String, _ v: [Int32]) {
        key(k, type: 9)
        append(UInt32(5), to: &entries)
        append(UInt64(v.count), to: &entries)
        for x in v { append(x, to: &entries) }
    }
}
