import Foundation
import Testing

/// Extreme numeric arguments (issue 12): each is refused quickly with exit 1 or 64 and one
/// `Error:` line naming the flag, never a signal, a trap or unbounded memory.
// A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
// tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
@Suite(.serialized, .timeLimit(.minutes(10))) struct ExtremeNumberTests {
    /// Runs the binary, killing it if it outlives `seconds`.
    static func run(_ arguments: [String], seconds: Double) throws -> (result: CLI.Result, elapsed: Duration) {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let clock = ContinuousClock()
        let start = clock.now
        try launch(process)
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        let result = CLI.Result(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
        #expect(process.terminationReason == .exit, "\(arguments) ended by signal \(process.terminationStatus)")
        return (result, clock.now - start)
    }

    static let lemma = ["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "0.1", "--delta"]

    @Test("extreme numbers are refused at once, naming the flag", arguments: [
        // n′ beyond 64 bits.
        (lemma + ["1e-19"], "--delta must be > 1/9223372036854775807"),
        (lemma + ["1e-300"], "--delta must be > 1/9223372036854775807"),
        (["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "1e-300", "--delta", "0.01"], "--xi must be large enough that n′"),
        (["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "1e-400", "--delta", "0.01"], "--xi must be large enough that n′"),
        (["lemma", "--margin", "0.2", "--floor", "1e-100000", "--xi", "1e-100000", "--delta", "0.01"], "--xi must be large enough that n′"),
        (["lemma", "--margin", "0.5", "--floor", "0.001", "--xi", "0.1", "--delta", "0.01"], "--margin must be in (0, 1/2), got 0.5"),
        (["lemma", "--margin", "0", "--floor", "0.001", "--xi", "0.1", "--delta", "0.01"], "--margin must be in (0, 1/2), got 0"),
        (["lemma", "--margin", "0.2", "--floor", "1", "--xi", "0.1", "--delta", "0.01"], "--floor must be in (0, 1), got 1"),
        (lemma + ["1e-999999"], "'--delta <delta>'"),
        // Exponents beyond the parser's limit, in every command's numeric flags.
        (["regions", "--panel", "left", "--shift-step=1e-999999"], "'--shift-step <shift-step>'"),
        (["regions", "--panel", "left", "--shift-step=1e-999999999999"], "'--shift-step <shift-step>'"),
        (["regions", "--panel", "left", "--shift-step=1e+999999"], "'--shift-step <shift-step>'"),
        (["regions", "--panel", "left", "--last-shift=1e-100001"], "'--last-shift <last-shift>'"),
        (["regions", "--accuracies", "0.5,1e-999999"], "'--accuracies <accuracies>'"),
        (["pplx", "--accuracy", "1e-999999", "--gamma", "0.1"], "'--accuracy <accuracy>'"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.1", "--shift", "1e+999999"], "'--shift <shift>'"),
        (["fit-gamma", "--log-perplexity", "1e-999999999999", "--accuracy", "0.5"], "'--log-perplexity <log-perplexity>'"),
        (["temperature", "--gamma", "0.1", "--theta", "1e999999"], "'--theta <theta>'"),
        // Inside the parser's limit, the regions shift count is decided before any shift is built.
        (["regions", "--panel", "left", "--shift-step=1e-100000"], "--shift-step must be large enough for at most 1,000,000 shifts, got about 1.000000e-100000"),
        (["regions", "--panel", "left", "--shift-step=1e-100000", "--last-shift", "0"], "--shift-step must have at most 101 digits in its numerator and denominator, got about 1.000000e-100000"),
        (["regions", "--panel", "left", "--shift-step=0.000001000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000001"], "--shift-step must have at most 101 digits"),
        (["regions", "--panel", "left", "--shift-step=1e-7"], "--shift-step must be large enough for at most 1,000,000 shifts, got 0.0000001"),
        (["regions", "--panel", "left", "--shift-step=1e+100000"], "--shift-step must be in (0, 1], got about 1.000000e+100000"),
    ] as [([String], String)])
    func refused(arguments: [String], message: String) throws {
        let (r, elapsed) = try Self.run(arguments, seconds: 30)
        #expect([1, 64].contains(r.status), "\(arguments) exited \(r.status)")
        #expect(elapsed < .seconds(10), "\(arguments) took \(elapsed)")
        let first = r.stderr.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("Error: ") && first.contains(message), "\(arguments): \(r.stderr.prefix(400))")
        #expect(first.count < 400, "\(arguments): the error line is \(first.count) characters")
        if message.hasPrefix("'") { #expect(first.contains("is outside the supported range -100000…+100000"), "\(first)") }
    }

    @Test("the largest legitimate values still work") func legitimate() throws {
        let (lemma, _) = try Self.run(Self.lemma + ["1e-18", "--format", "json"], seconds: 60)
        #expect(lemma.status == 0 && lemma.stdout.contains("1000000000000000001"), "\(lemma.stderr)")
        let (regions, _) = try Self.run(["regions", "--panel", "left", "--shift-step=1e-100", "--last-shift", "0", "--format", "csv"], seconds: 60)
        #expect(regions.status == 0 && regions.stdout.split(separator: "\n").count == 7, "\(regions.stderr)")
    }
}
