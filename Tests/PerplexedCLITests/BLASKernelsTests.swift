import Foundation
import Testing

@Suite("perplexed runs OpenBLAS on the kernels its CPU supports")
struct BLASKernelsTests {
    /// The last `Core:` line OpenBLAS prints with OPENBLAS_VERBOSE=2 (one per load of the library).
    func cores(environment extra: [String: String]) throws -> [String] {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = ["--version"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = nil
        environment["OPENBLAS_VERBOSE"] = "2"
        environment.merge(extra) { $1 }
        process.environment = environment
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try launch(process)
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        return text.split(separator: "\n").filter { $0.hasPrefix("Core: ") }.map { String($0.dropFirst(6)) }
    }

    @Test("on a CPU with AVX2 the process runs on AVX2 or AVX-512 kernels, whatever OpenBLAS detected")
    func finalKernels() throws {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let flags = Set(cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ").map(String.init) ?? [])
        let seen = try cores(environment: [:])
        let final = try #require(seen.last, "OpenBLAS printed no core")
        #expect(seen.count <= 2, "at most one re-execution: \(seen)")
        // Black-box: the kernel families with AVX2 in OpenBLAS 0.3.21 (the library's own rule is
        // unit-tested in KernelsTests).
        if flags.isSuperset(of: ["avx2", "fma"]) {
            #expect(["Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids"].contains(final), "cores seen: \(seen)")
        }
    }

    @Test("a user's OPENBLAS_CORETYPE is kept")
    func userChoiceKept() throws {
        #expect(try cores(environment: ["OPENBLAS_CORETYPE": "Prescott"]) == ["Prescott"])
    }
}
