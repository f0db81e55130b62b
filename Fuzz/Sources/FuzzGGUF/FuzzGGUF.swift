// libFuzzer harness: the input is a GGUF file's bytes. Parsing must end in a value or a
// GGUFError (never a trap); whatever parses is then read the way the models read it.
import FuzzSupport
import GGUF
import Gemma

@main enum Harness { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let file = try? GGUFFile(bytes: UnsafeBufferPointer(start: data, count: size), name: "fuzz.gguf") else { return 0 }
    for key in file.metadataKeys {
        guard let value = file.metadata[key] else { fatalError("metadata key \(key) listed but absent") }
        _ = value.summary()
        _ = try? file.int(key)
        _ = try? file.double(key)
        _ = try? file.string(key)
    }
    for info in file.tensors {
        guard let found = try? file.tensor(info.name), found == info else { fatalError("tensor \(info.name) not found by name") }
        let raw = file.rawBytes(info)
        guard raw.count == info.byteCount, info.fileOffset >= file.dataOffset,
              info.fileOffset + info.byteCount <= file.fileSize
        else { fatalError("tensor \(info.name) lies outside the file") }
        guard info.type.canDequantize else { continue }
        // A few rows of every tensor: the first two and the last.
        let rows = [0..<min(2, info.rowCount), (info.rowCount - 1)..<info.rowCount]
        for range in rows {
            var out = [Float](repeating: 0, count: range.count * info.rowLength)
            out.withUnsafeMutableBufferPointer { buffer in
                try? file.dequantize(info, rows: range, into: buffer.baseAddress!)
            }
            checkUnquantised(info, rows: range, raw: raw, values: out)
        }
        if info.elementCount <= 1 << 16 { _ = try? file.floats(info) }
    }
    // Gemma reads its configuration and vocabulary from the metadata: both must reject what
    // does not fit the file with an error.
    _ = try? GemmaConfiguration(file: file)
    if let tokenizer = try? GemmaTokenizer(file: file) {
        _ = tokenizer.decode(tokenizer.encode("The fuzzer's <start_of_turn>text\n  é 😀"))
    }
    return 0
}

/// F32 and F16 rows decoded independently of `Dequantize` (F16 through Swift's `Float16`):
/// the same bits, NaN payloads aside.
func checkUnquantised(_ info: GGUFTensorInfo, rows: Range<Int>, raw: UnsafeRawBufferPointer, values: [Float]) {
    let first = rows.lowerBound * info.rowLength
    for (i, value) in values.enumerated() {
        let expected: Float
        switch info.type {
        case .f32: expected = Float(bitPattern: raw.loadUnaligned(fromByteOffset: 4 * (first + i), as: UInt32.self).littleEndian)
        case .f16: expected = Float(Float16(bitPattern: raw.loadUnaligned(fromByteOffset: 2 * (first + i), as: UInt16.self).littleEndian))
        default: return
        }
        guard expected.bitPattern == value.bitPattern || (expected.isNaN && value.isNaN) else {
            fatalError("\(info.name)[\(first + i)] dequantised to \(value), expected \(expected)")
        }
    }
}
