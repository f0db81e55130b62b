import Foundation
import Testing

/// A million operations must not grow resident memory: every value is freed with its last use.
///
/// The operations run in a process of their own (`MultiPrecisionBench memory`, built beside the
/// tests), because resident memory is per process and other suites run in parallel with this one.
@Suite struct MemoryTests {
    static var benchmark: URL? {
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var directory = runner.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = directory.appendingPathComponent("MultiPrecisionBench")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }

    @Test("no memory growth over a million operations")
    func noGrowth() throws {
        let binary = try #require(Self.benchmark, "MultiPrecisionBench is not built: run swift build --build-tests")
        let process = Process()
        process.executableURL = binary
        process.arguments = ["memory"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let fields = output.split(whereSeparator: { $0 == " " || $0 == "\n" })
        let before = try #require(fields.count >= 4 ? Int(fields[1]) : nil, "unexpected output: \(output)")
        let after = try #require(Int(fields[3]))
        #expect(before > 0)
        // A leak of even one 100-byte value per operation would add ~100 MB.
        #expect(after - before < 4 << 20, "resident memory grew by \(after - before) bytes")
    }
}
