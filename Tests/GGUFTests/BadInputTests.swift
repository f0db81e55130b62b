import Foundation
import Testing
@testable import GGUF

/// Writes `bytes` to a fresh temporary file and returns its path.
func temporaryFile(_ bytes: [UInt8], name: String = "bad.gguf") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let url = dir.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}

func expectProblem(_ bytes: [UInt8], _ matches: (GGUFError.Problem) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let path = try temporaryFile(bytes)
    do {
        _ = try GGUFFile(path: path)
        Issue.record("expected an error", sourceLocation: sourceLocation)
    } catch {
        #expect(error.path == path, sourceLocation: sourceLocation)
        #expect(matches(error.problem), "got \(error.problem)", sourceLocation: sourceLocation)
        #expect(error.description.hasPrefix(path), sourceLocation: sourceLocation)
    }
}

@Suite struct BadInputTests {
    let original: [UInt8]
    init() throws { original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixturePath))) }

    @Test func missingFileAndDirectory() {
        #expect(throws: GGUFError.self) { try GGUFFile(path: "/nonexistent/model.gguf") }
        #expect(throws: GGUFError(path: "/tmp", .unreadable("not a regular file"))) { try GGUFFile(path: "/tmp") }
    }

    /// A FIFO with no writer is refused at once: opening it for reading must not wait.
    // A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
    // tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
    @Test(.timeLimit(.minutes(10))) func fifoIsRefusedWithoutWaiting() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-fifo-\(UUID().uuidString)").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        #expect(throws: GGUFError(path: path, .unreadable("not a regular file"))) { try GGUFFile(path: path) }
    }

    /// A u8 array fits the file at one byte per element but would take tens of bytes each in
    /// memory: the header's metadata values are limited to 2^24 in all, across arrays, checked
    /// before anything is reserved.
    @Test func metadataValuesAreLimited() throws {
        func header(arrays: [Int]) -> [UInt8] {
            func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * UInt64($0))) } }
            var b = Array("GGUF".utf8) + le(3, 4) + le(0, 8) + le(UInt64(arrays.count), 8)
            for (i, n) in arrays.enumerated() {
                let key = Array("k\(i)".utf8)
                b += le(UInt64(key.count), 8) + key + le(9, 4) + le(0, 4) + le(UInt64(n), 8) + [UInt8](repeating: 1, count: n)
            }
            return b
        }
        let limit = 1 << 24
        // Exactly at the limit, split over two arrays: read.
        let atLimit = try GGUFFile(bytes: header(arrays: [limit - 5, 5]))
        guard case .array(.uint8, let items) = try atLimit.value("k0") else { Issue.record("k0 is not a u8 array"); return }
        #expect(items.count == limit - 5)
        // One more value, in the second array: refused, naming its length and what was left.
        // Its count is at: header 24 bytes; first entry 8 + 2 (key) + 4 + 4 (types) + 8 (count)
        // + its elements; second entry's key and types 8 + 2 + 4 + 4.
        let offset = 24 + 26 + (limit - 5) + 18
        #expect(throws: GGUFError(path: "GGUF bytes", .corrupt(
            "array length 6 at offset \(offset) exceeds the header's limit of 16777216 metadata values (5 left)"))) {
            try GGUFFile(bytes: header(arrays: [limit - 5, 6]))
        }
    }

    @Test func notGGUF() throws {
        try expectProblem(Array("hello, world\n".utf8)) { $0 == .notGGUF }
        try expectProblem([]) { $0 == .notGGUF }
    }

    @Test func unsupportedVersion() throws {
        var bytes = original
        bytes[4] = 9
        try expectProblem(bytes) { $0 == .unsupportedVersion(9) }
    }

    /// Every truncation inside the header, and some inside the data, is an error.
    @Test func everyTruncationIsAnError() throws {
        let file = try GGUFFile(path: fixturePath)
        let cuts = Array(0..<file.dataOffset) + [file.dataOffset + 100, original.count - 1]
        let dir = try temporaryFile([])
        for cut in cuts {
            try Data(original[0..<cut]).write(to: URL(fileURLWithPath: dir))
            #expect(throws: GGUFError.self, "cut at \(cut)") { try GGUFFile(path: dir) }
        }
    }

    @Test func unsupportedAndUnknownTensorTypes() throws {
        // A tensor info is: u64 name length, name, u32 n_dims, n_dims × u64, u32 type, u64 offset.
        let name: [UInt8] = [4, 0, 0, 0, 0, 0, 0, 0] + Array("Q4_0".utf8)
        let at = try #require(original.indices.first { Array(original[$0..<($0 + name.count)]) == name })
        let typeOffset = at + name.count + 4 + 2 * 8
        #expect(original[typeOffset] == 2)  // Q4_0
        var unknown = original
        unknown[typeOffset] = 99
        try expectProblem(unknown) { $0 == .unsupportedTensorType(tensor: "Q4_0", type: 99) }

        // Q4_1 is a known type this reader does not dequantise: opening works, dequantising
        // throws (same block size as Q4_0 but 20-byte blocks, so keep the info consistent by
        // checking the error before the size matters).
        var known = original
        known[typeOffset] = 3
        let path = try temporaryFile(known)
        let file = try GGUFFile(path: path)
        #expect(throws: GGUFError(path: path, .unsupportedTensorType(tensor: "Q4_0", type: 3))) { try file.floats("Q4_0") }
    }

    @Test func absurdLengthsAreRejected() throws {
        var bytes = original
        bytes[16...23] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]  // metadata count
        try expectProblem(bytes) { if case .corrupt = $0 { true } else { false } }
        var key = original
        key[24...31] = [0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0]  // first key's length
        try expectProblem(key) { if case .corrupt = $0 { true } else { false } }
    }

    @Test func missingMetadataAndTensorNameTheKey() throws {
        let file = try GGUFFile(path: fixturePath)
        #expect(throws: GGUFError(path: fixturePath, .missingMetadata("gemma3.block_count"))) { try file.int("gemma3.block_count") }
        #expect(throws: GGUFError(path: fixturePath, .wrongMetadataType(key: "test.string", expected: "an integer"))) { try file.int("test.string") }
        #expect(throws: GGUFError(path: fixturePath, .missingTensor("token_embd.weight"))) { try file.tensor("token_embd.weight") }
    }

    /// Random byte corruption of the header must give an error or a consistent file, never a crash.
    @Test func randomHeaderCorruptionNeverCrashes() throws {
        let file = try GGUFFile(path: fixturePath)
        var rng = SplitMix(seed: 7)
        let path = try temporaryFile([])
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<3 { bytes[Int(rng.next() % UInt64(file.dataOffset))] = UInt8(truncatingIfNeeded: rng.next()) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            if let parsed = try? GGUFFile(path: path) {
                for t in parsed.tensors { #expect(t.fileOffset + t.byteCount <= parsed.fileSize) }
            }
        }
    }
}

/// A small deterministic generator for the corruption test.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
