import Foundation
import Testing
import Reporting

/// `fileErrorReason` against the C library: the text of a Foundation file error is strerror's
/// for the errno the same operation gives when done with POSIX calls directly.
@Suite struct FileErrorReasonTests {
    @Test func foundationErrorsInTheCLibrarysWords() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reason-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/file"))

        // Reading a missing file: open(2) says ENOENT.
        #expect(open(dir + "/missing", O_RDONLY) == -1)
        let missing = String(cString: strerror(errno))
        do {
            _ = try Data(contentsOf: URL(fileURLWithPath: dir + "/missing"))
            Issue.record("a missing file was read")
        } catch {
            #expect(fileErrorReason(error) == missing)
        }

        // A directory under a regular file: mkdir(2) says ENOTDIR.
        #expect(mkdir(dir + "/file/sub", 0o755) == -1)
        let notDirectory = String(cString: strerror(errno))
        do {
            try FileManager.default.createDirectory(atPath: dir + "/file/sub", withIntermediateDirectories: true)
            Issue.record("a directory was made under a regular file")
        } catch {
            #expect(fileErrorReason(error) == notDirectory)
            #expect(!fileErrorReason(error).contains("NSCocoaErrorDomain"))
        }

        // Any other error keeps its own description.
        struct Other: Error, LocalizedError { var errorDescription: String? { "other reason" } }
        #expect(fileErrorReason(Other()) == "other reason")
    }
}
