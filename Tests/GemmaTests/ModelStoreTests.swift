import Foundation
import Testing
@testable import Gemma

@Suite struct ModelStoreTests {
    /// A tiny "model" whose SHA-256 is the FIPS 180-2 vector for "abc".
    static let abcModel = ModelSpec(name: "abc-model", fileName: "abc.gguf",
                                    sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", parts: [], summary: "test")

    func scratch() throws -> URL {
        let u = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: u, withIntermediateDirectories: true)
        return u
    }

    @Test func sha256OfKnownVector() throws {
        let dir = try scratch()
        let f = dir.appendingPathComponent("abc")
        try Data("abc".utf8).write(to: f)
        // FIPS 180-2, appendix B.1.
        #expect(try ModelStore.sha256(of: f) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    @Test("a cached file is hashed on first use and its verdict recorded; a changed file is refused")
    func verifiesCachedFileOnce() throws {
        let dir = try scratch()
        let store = ModelStore(directory: dir.path)
        let spec = Self.abcModel
        let file = store.location(of: spec)
        try Data("abc".utf8).write(to: file)
        try store.verifyIfCached(file.path, specs: [spec])
        let record = dir.appendingPathComponent(".abc.gguf.verified")
        #expect(try String(contentsOf: record, encoding: .utf8).hasPrefix(spec.sha256 + " 3:"))
        // A path that is no model of the store is left alone.
        try store.verifyIfCached(dir.appendingPathComponent("other.gguf").path, specs: [spec])
        // A byte flipped behind the store's back (which moves the file's time): hashed again and
        // refused, saying how to fetch it again.
        try Data("abd".utf8).write(to: file)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(5)], ofItemAtPath: file.path)
        let error = #expect(throws: ModelStoreError.self) { try store.verifyIfCached(file.path, specs: [spec]) }
        #expect(error?.description.contains("perplexed model fetch abc-model") == true, "\(String(describing: error))")
    }

    @Test("a verdict record that is a symbolic link is left alone, not renamed over")
    func recordSymlinkIsLeftAlone() throws {
        let dir = try scratch()
        let store = ModelStore(directory: dir.path)
        let spec = Self.abcModel
        try Data("abc".utf8).write(to: store.location(of: spec))
        let record = dir.appendingPathComponent(".abc.gguf.verified"), elsewhere = dir.appendingPathComponent("elsewhere")
        try Data("keep".utf8).write(to: elsewhere)
        try FileManager.default.createSymbolicLink(at: record, withDestinationURL: elsewhere)
        try store.verifyIfCached(store.location(of: spec).path, specs: [spec])
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: record.path) == elsewhere.path)
        #expect(try Data(contentsOf: elsewhere) == Data("keep".utf8))
    }

    @Test func assemblesPartsInOrderAndVerifies() throws {
        let dir = try scratch()
        let a = dir.appendingPathComponent("a"), b = dir.appendingPathComponent("b")
        try Data("a".utf8).write(to: a)
        try Data("bc".utf8).write(to: b)
        let target = dir.appendingPathComponent("model.gguf")
        try ModelStore.assemble([a, b], into: target, expectedSHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                scratch: dir.appendingPathComponent("work"))
        #expect(try Data(contentsOf: target) == Data("abc".utf8))
    }

    @Test func wrongHashLeavesNoFile() throws {
        let dir = try scratch()
        let a = dir.appendingPathComponent("a")
        try Data("abd".utf8).write(to: a)
        let target = dir.appendingPathComponent("model.gguf")
        #expect {
            try ModelStore.assemble([a], into: target, expectedSHA256: String(repeating: "0", count: 64), scratch: dir)
        } throws: { error in
            guard case .hashMismatch(_, let expected, let found) = error as? ModelStoreError else { return false }
            return expected == String(repeating: "0", count: 64) && found.count == 64
        }
        #expect(!FileManager.default.fileExists(atPath: target.path))
    }

    @Test("a symbolic link where the model goes is refused and left as it was, never renamed over")
    func symlinkTargetIsRefused() throws {
        let dir = try scratch()
        let a = dir.appendingPathComponent("a"), elsewhere = dir.appendingPathComponent("elsewhere")
        try Data("abc".utf8).write(to: a)
        try Data("keep".utf8).write(to: elsewhere)
        let target = dir.appendingPathComponent("model.gguf")
        try FileManager.default.createSymbolicLink(at: target, withDestinationURL: elsewhere)
        let error = #expect(throws: ModelStoreError.self) {
            try ModelStore.assemble([a], into: target, expectedSHA256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
                                    scratch: dir.appendingPathComponent("work"))
        }
        #expect(error?.description.contains("not a regular file") == true, "\(String(describing: error))")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: target.path) == elsewhere.path)
        #expect(try Data(contentsOf: elsewhere) == Data("keep".utf8))
    }

    @Test func missingPartIsAnError() throws {
        let dir = try scratch()
        #expect(throws: ModelStoreError.io(path: dir.appendingPathComponent("nope").path, "a downloaded part is missing")) {
            try ModelStore.assemble([dir.appendingPathComponent("nope")], into: dir.appendingPathComponent("m"),
                                    expectedSHA256: "", scratch: dir)
        }
    }

    @Test func directoryPrecedence() {
        #expect(ModelStore(directory: "/x", environment: ["PERPLEXED_MODEL_CACHE": "/y"]).directory.path == "/x")
        #expect(ModelStore(environment: ["PERPLEXED_MODEL_CACHE": "/y", "XDG_CACHE_HOME": "/z"]).directory.path == "/y")
        #expect(ModelStore(environment: ["XDG_CACHE_HOME": "/z"]).directory.path == "/z/perplexed/models")
        #expect(ModelSpec.named("gemma3-270m") == .gemma3_270m)
        #expect(ModelSpec.gemma3_270m.parts.count == 4)
    }
}
