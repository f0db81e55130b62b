import Foundation
import Testing

/// `--out` never damages what is there: the binary is run against a symlink, a device that is
/// always full, and a file-size limit that makes the write fail halfway.
@Suite struct FileSafetyTests {
    func scratch() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cli-files-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Runs `executable` with stdout discarded; returns whether it exited (not signalled), its
    /// status and its standard error.
    func run(_ executable: URL, _ arguments: [String], in directory: String? = nil) throws -> (exited: Bool, status: Int32, stderr: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try launch(process)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationReason == .exit, process.terminationStatus, stderr)
    }

    @Test("--out through a symbolic link writes its target and keeps the link")
    func symlink() throws {
        let dir = try scratch()
        try FileManager.default.createSymbolicLink(atPath: dir + "/link.csv", withDestinationPath: "table.csv")
        let r = try CLI.run(["regions", "--panel", "left", "--format", "csv", "--out", dir + "/link.csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/link.csv") == "table.csv")
        #expect(try String(contentsOfFile: dir + "/table.csv", encoding: .utf8).hasPrefix("panel,"))
    }

    @Test("--out /dev/full fails with the reason and a non-zero exit, and /dev/full stays a device")
    func full() throws {
        let r = try CLI.run(["regions", "--panel", "left", "--out", "/dev/full"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("/dev/full") && r.stderr.lowercased().contains("space"), "\(r.stderr)")
        var status = stat()
        #expect(stat("/dev/full", &status) == 0 && status.st_mode & S_IFMT == S_IFCHR)
    }

    @Test("a write cut short by a file-size limit leaves the old file and no temporary behind")
    func cutShort() throws {
        let dir = try scratch()
        let file = dir + "/table.txt"
        try "precious".write(toFile: file, atomically: false, encoding: .utf8)
        // ulimit -f 1 allows 1 KiB per file; SIGXFSZ ignored, so the write fails with EFBIG.
        let r = try run(URL(fileURLWithPath: "/bin/bash"), [
            "-c", "ulimit -f 1; trap '' XFSZ; exec \"$0\" regions --certified --shift-step 0.001 --out \"$1\"", CLI.binary.path, file,
        ])
        #expect(r.exited && r.status != 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "precious")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["table.txt"])
    }

    @Test("an empty --out is refused up front by every command that writes, naming the flag", arguments: [
        ["train", "--task", "copy", "--steps", "1", "--out", ""],
        ["reproduce", "--quick", "--out", ""],
        ["parity-study", "--out", ""],
        ["regions", "--out", ""],
        ["regions", "--plot", ""],
        ["witness", "--checkpoint", "/nonexistent.safetensors", "--length", "4", "--out", ""],
        ["copy-sweep", "--checkpoint", "/nonexistent.safetensors", "--out", ""],
    ])
    func emptyOut(arguments: [String]) throws {
        let dir = try scratch()
        let r = try run(CLI.binary, arguments, in: dir)
        #expect(r.exited && r.status == 64, "\(arguments): \(r.stderr)")
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error: --out") || first.hasPrefix("Error: --plot"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "\(arguments) wrote into the working directory")
    }
}
