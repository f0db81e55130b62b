import Foundation
import Testing
@testable import Reporting

/// AtomicFile against the file system itself: what a path is before and after the write is read
/// back with lstat/stat, and every directory written into is checked for leftover temporaries.
@Suite struct AtomicFileTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func kind(_ path: String, follow: Bool = false) -> mode_t? {
        var status = stat()
        return (follow ? stat(path, &status) : lstat(path, &status)) == 0 ? status.st_mode & S_IFMT : nil
    }

    func temporaries(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.contains(".tmp-") }
    }

    @Test("a regular file is replaced whole, a missing one created with its directories, no temporary left")
    func regularFiles() throws {
        let dir = try scratch()
        let file = dir + "/report.txt"
        try "old contents, longer than the new".write(toFile: file, atomically: false, encoding: .utf8)
        try AtomicFile.write("new", to: file)
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "new")
        let nested = dir + "/a/b/c.txt"
        try AtomicFile.write("nested", to: nested)
        #expect(try String(contentsOfFile: nested, encoding: .utf8) == "nested")
        #expect(try temporaries(dir).isEmpty && temporaries(dir + "/a/b").isEmpty)
    }

    @Test("a symbolic link (absolute, relative, chained or dangling) stays a link; its target is written")
    func symbolicLinks() throws {
        let dir = try scratch()
        let target = dir + "/target.txt"
        try "before".write(toFile: target, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: dir + "/absolute", withDestinationPath: target)
        try FileManager.default.createSymbolicLink(atPath: dir + "/relative", withDestinationPath: "target.txt")
        try FileManager.default.createSymbolicLink(atPath: dir + "/chain", withDestinationPath: "relative")
        for (link, text) in [("absolute", "one"), ("relative", "two"), ("chain", "three")] {
            try AtomicFile.write(text, to: dir + "/" + link)
            #expect(kind(dir + "/" + link) == S_IFLNK, "\(link) is no longer a link")
            #expect(try String(contentsOfFile: target, encoding: .utf8) == text)
        }
        try FileManager.default.createSymbolicLink(atPath: dir + "/dangling", withDestinationPath: "sub/new.txt")
        try AtomicFile.write("created", to: dir + "/dangling")
        #expect(kind(dir + "/dangling") == S_IFLNK)
        #expect(try String(contentsOfFile: dir + "/sub/new.txt", encoding: .utf8) == "created")
        #expect(try temporaries(dir).isEmpty && temporaries(dir + "/sub").isEmpty)
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop1", withDestinationPath: "loop2")
        try FileManager.default.createSymbolicLink(atPath: dir + "/loop2", withDestinationPath: "loop1")
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: dir + "/loop1") }
    }

    @Test("/dev/null is written in place and stays a device; /dev/full is an error")
    func devices() throws {
        try AtomicFile.write("discarded", to: "/dev/null")
        #expect(kind("/dev/null") == S_IFCHR)
        let error = #expect(throws: FileWriteError.self) { try AtomicFile.write("no room", to: "/dev/full") }
        #expect(error?.reason.lowercased().contains("space") == true, "\(String(describing: error))")
        #expect(kind("/dev/full") == S_IFCHR)
    }

    @Test("a FIFO is written in place (a reader receives the bytes) and stays a FIFO")
    func fifo() async throws {
        let dir = try scratch()
        let path = dir + "/pipe"
        #expect(mkfifo(path, 0o600) == 0)
        // The reader opens the FIFO first (blocking until the writer opens it) on its own thread.
        let reader = Task.detached { () -> String in
            guard let handle = FileHandle(forReadingAtPath: path) else { return "<no reader>" }
            return String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        }
        try AtomicFile.write("through the pipe", to: path)
        #expect(await reader.value == "through the pipe")
        #expect(kind(path) == S_IFIFO)
        #expect(try temporaries(dir).isEmpty)
    }

    @Test("an empty path and a directory are errors that write nothing")
    func refused() throws {
        let dir = try scratch()
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: "") }
        #expect(throws: FileWriteError.self) { try AtomicFile.write("x", to: dir) }
        #expect(kind(dir) == S_IFDIR)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty)
    }

    @Test("the process's own streams are recognised by path")
    func ownStreams() {
        #expect(AtomicFile.isOwnStream("/dev/stdout") && AtomicFile.isOwnStream("/dev/fd/3") && AtomicFile.isOwnStream("/proc/self/fd/1"))
        #expect(!AtomicFile.isOwnStream("/dev/null") && !AtomicFile.isOwnStream("stdout"))
    }
}
