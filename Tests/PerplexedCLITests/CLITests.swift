import Foundation
import Testing

/// Runs the built `perplexed` binary as a subprocess.
struct CLI {
    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The binary beside the test bundle (SwiftPM puts both in the build directory), or
    /// $PERPLEXED_BIN.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["PERPLEXED_BIN"] { return URL(fileURLWithPath: path) }
        // The test runner lives in the build directory (…/debug/PerplexedPackageTests.xctest).
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var dir = runner.deletingLastPathComponent()
        for _ in 0..<3 {
            let candidate = dir.appendingPathComponent("perplexed")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        // Fallback: the package's default debug build directory.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/perplexed")
    }()

    static func run(_ arguments: [String]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try launch(process)
        // Read before waiting so a large output cannot fill the pipe and deadlock.
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    static func json(_ arguments: [String]) throws -> [String: Any] {
        let r = try run(arguments + ["--format", "json"])
        #expect(r.status == 0, "\(arguments): \(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
    }
}

/// The decimal text of an exact value compared with a certified {"lower", "upper"} (as Doubles:
/// enough to catch a wrong formula; the library tests check the digits).
func number(_ value: Any?) -> Double? { (value as? String).flatMap { Double($0) } }

func bracket(_ value: Any?) -> (Double, Double)? {
    guard let object = value as? [String: Any], let lo = number(object["lower"]),
          let hi = number(object["upper"]) else { return nil }
    return (lo, hi)
}

/// A certified {"lower", "upper"} checked exactly in decimal (Foundation's `Decimal` holds 38
/// significant digits, more than the 20 the CLI prints by default): it contains `reference` (an
/// mpmath or closed-form value given to 30+ digits, or an exact value) and is at most `width`
/// wide. With the default --digits 20 and --precision 256, outward rounding of a 256-bit
/// enclosure to 20 significant digits leaves at most 2 units of the 20th digit, so for values
/// below 10 the width is at most 2e-19; an unbounded or vacuous bracket fails.
func expectCertified(
    _ value: Any?, contains reference: String, width: Decimal = Decimal(sign: .plus, exponent: -19, significand: 2),
    sourceLocation: SourceLocation = #_sourceLocation
) {
    guard let object = value as? [String: Any],
          let loText = object["lower"] as? String, let hiText = object["upper"] as? String,
          let lo = Decimal(string: loText), let hi = Decimal(string: hiText),
          let r = Decimal(string: reference), lo.isFinite, hi.isFinite else {
        Issue.record("not a finite certified bracket: \(String(describing: value))", sourceLocation: sourceLocation)
        return
    }
    #expect(lo <= r && r <= hi, "[\(loText), \(hiText)] misses \(reference)", sourceLocation: sourceLocation)
    #expect(lo <= hi && hi - lo <= width, "[\(loText), \(hiText)] is wider than \(width)", sourceLocation: sourceLocation)
}

@Suite(.serialized) struct CLITests {
    @Test("pplx: certified JSON has {lower, upper} strings enclosing Eq. 10")
    func pplx() throws {
        let doc = try CLI.json(["pplx", "--accuracy", "0.5", "--gamma", "0.1", "--certified"])
        let results = doc["results"] as? [String: Any] ?? [:]
        let exact = -0.5 * log(0.9) - 0.5 * log(0.1)
        let (lo, hi) = try #require(bracket(results["log-perplexity"]))
        #expect(lo <= exact + 1e-15 && exact - 1e-15 <= hi && hi - lo < 1e-15)
        // The same, to 30 digits (mpmath at 50 digits: −½ log 0.9 − ½ log 0.1).
        expectCertified(results["log-perplexity"], contains: "1.20397280432593599262274621776")
        #expect((doc["inputs"] as? [String: Any])?["accuracy"] as? String == "0.5")
        // Plain mode: decimal strings.
        let plain = try CLI.json(["pplx", "--accuracy", "0.5", "--gamma", "0.1", "--digits", "30"])
        let text = try #require((plain["results"] as? [String: Any])?["perplexity"] as? String)
        #expect(text.hasPrefix("3.33333333333333333333333333"))
    }

    @Test("critical: Eq. 11, Δ = γ gives 1, classification, and the same answer by --shift and --delta")
    func critical() throws {
        let byShift = try CLI.json(["critical", "--accuracy", "0.9", "--gamma", "0.4", "--shift", "0.25", "--candidate-accuracy", "0.88", "--certified"])
        let byDelta = try CLI.json(["critical", "--accuracy", "0.9", "--gamma", "0.4", "--delta", "0.1", "--candidate-accuracy", "0.88", "--certified"])
        let r1 = byShift["results"] as? [String: Any] ?? [:], r2 = byDelta["results"] as? [String: Any] ?? [:]
        let (lo, hi) = try #require(bracket(r1["critical accuracy"]))
        // mpmath at 60 digits (Tests/PerplexityTheoryTests/Fixtures/theory.json).
        let reference = 0.770213994699454604
        #expect(lo <= reference + 1e-15 && reference - 1e-15 <= hi && hi - lo < 1e-15)
        expectCertified(r1["critical accuracy"], contains: "0.770213994699454604006322403372")
        expectCertified(r2["critical accuracy"], contains: "0.770213994699454604006322403372")
        #expect(bracket(r2["critical accuracy"])?.0 == lo)
        #expect(r1["verdict"] as? String == "selected-though-worse" && r1["unfavourable"] as? Bool == true)
        let limit = try CLI.json(["critical", "--accuracy", "0.5", "--gamma", "0.1", "--delta", "0.1", "--certified"])
        let (l1, h1) = try #require(bracket((limit["results"] as? [String: Any])?["critical accuracy"]))
        #expect(l1 <= 1 && 1 <= h1 && h1 - l1 < 1e-15)
        // At Δ = γ the limit is exactly 1, so the bracket must be [1, 1] up to the 20 printed digits.
        expectCertified((limit["results"] as? [String: Any])?["critical accuracy"], contains: "1")
    }

    @Test("regions: a table in every format, certified JSON intervals, an SVG written atomically")
    func regions() throws {
        for format in ["text", "csv", "markdown", "latex"] {
            let r = try CLI.run(["regions", "--panel", "right", "--shift-step", "0.5", "--format", format])
            #expect(r.status == 0 && r.stdout.contains("0.95"), "\(format): \(r.stderr)")
        }
        let r = try CLI.run(["regions", "--panel", "left", "--shift-step", "0.5", "--certified", "--format", "json"])
        let rows = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(rows.count == 6 * 2)  // shifts 0 and 0.5 (the default last shift is 0.9)
        #expect(rows.allSatisfy { bracket($0["critical accuracy"]) != nil })
        // At a = 1/2 every positive shift rejects better models (a′ > a).
        #expect(rows.filter { $0["shift"] as? String != "0" }.allSatisfy { $0["band"] as? String == "rejected-though-better" })

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("perplexed-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let svg = dir.appendingPathComponent("fig3.svg").path, csv = dir.appendingPathComponent("fig3.csv").path
        let written = try CLI.run(["regions", "--plot", svg, "--out", csv, "--format", "csv", "--shift-step", "0.25"])
        #expect(written.status == 0, "\(written.stderr)")
        let picture = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(picture.hasPrefix("<svg") && picture.contains("γ = 0.01") && picture.contains("a = 0.95") && picture.contains("polygon"))
        #expect(try String(contentsOfFile: csv, encoding: .utf8).hasPrefix("panel,gamma,a,shift"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "temporary files left behind: \(leftovers)")
    }

    @Test("fit-gamma, temperature, sampling, lemma, two-parameter: values and notes")
    func others() throws {
        let fit = try CLI.json(["fit-gamma", "--log-perplexity", "1", "--accuracy", "0.5", "--certified"])["results"] as? [String: Any] ?? [:]
        let (c0, c1) = try #require(bracket(fit["confident gamma (<= 1 - a)"]))
        #expect(c0 <= 0.16137820985148149 && 0.16137820985148148 <= c1 && c1 - c0 < 1e-15)
        // mpmath at 60 digits (theory.json, fitGamma logPerplexity 1, accuracy 0.5), both roots.
        expectCertified(fit["confident gamma (<= 1 - a)"], contains: "0.161378209851481489002903863749")
        expectCertified(fit["diffident gamma (>= 1 - a)"], contains: "0.838621790148518510997096136250")
        let none = try CLI.json(["fit-gamma", "--log-perplexity", "0.5", "--accuracy", "0.8"])["results"] as? [String: Any] ?? [:]
        #expect(none["some gamma fits"] as? Bool == false)

        let t = try CLI.json(["temperature", "--gamma", "0.1", "--theta", "0.5"])["results"] as? [String: Any] ?? [:]
        let tempered = try #require(number(t["tempered gamma"]))
        #expect(abs(tempered - 0.01 / (0.81 + 0.01)) < 1e-15)

        let v = try CLI.json(["temperature", "--probabilities", "0.7,0.2,0.1,0", "--theta", "0.5", "--certified"])["results"] as? [String: Any] ?? [:]
        let (p1, q1) = try #require(bracket(v["tempered p1"]))
        #expect(p1 <= 0.49 / 0.54 + 1e-15 && 0.49 / 0.54 - 1e-15 <= q1 && q1 - p1 < 1e-15)   // 0.7² / (0.49 + 0.04 + 0.01)
        expectCertified(v["tempered p1"], contains: "0.907407407407407407407407407407")   // 49/54 = 0.9(074)…
        #expect(bracket(v["tempered p4"]).map { $0.0 == 0 && $0.1 == 0 } == true)

        let s = try CLI.json(["sampling", "--gamma", "0.01", "--length", "100"])["results"] as? [String: Any] ?? [:]
        #expect(s["regime"] as? String == "alpha-unreliable")

        // Closed form n′ = max(⌊1/δ⌋, ⌈−2 log ε / ξ⌉) + 1 at δ = 0.01, ε = 0.001, ξ = 0.1 (checked with
        // python3/mpmath): ⌊1/δ⌋ = 100, so the continuity length is 101; −2 log ε / ξ = 20 log 1000 =
        // 138.155…, ⌈·⌉ = 139, so the dilution length is 140; n′ = max(100, 139) + 1 = 140.
        let lemma = try CLI.json(["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "0.1", "--delta", "0.01"])
        let l = try #require(lemma["results"] as? [String: Any])
        #expect(l["n' (threshold)"] as? Int == 140, "\(l)")
        #expect(l["continuity length floor(1/delta)+1"] as? Int == 101, "\(l)")
        #expect(l["dilution length ceil(-2 log eps/xi)+1"] as? Int == 140, "\(l)")
        #expect((lemma["inputs"] as? [String: Any])?["length"] as? String == "140")   // N defaults to n′
        #expect(l["eta = min(m, xi/4)"] as? String == "0.025")
        // (−log ε)/N + 2η(N − 1)/N at N = 140, η = 0.025.
        let corrected = try #require(number(l["corrected bound at N"]))
        #expect(abs(corrected - (-log(0.001) / 140 + 2 * 0.025 * 139 / 140)) < 1e-15)
        #expect(l["corrected bound < xi"] as? Bool == true)
        #expect((lemma["notes"] as? [String])?.contains { $0.contains("negative") } == true)
        let collapse = try CLI.json(["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "0.1", "--delta", "0.01", "--gamma", "0.3", "--length", "1000"])
        let bound = try #require(number((collapse["results"] as? [String: Any])?["Prop. 3.2: pplx(beta_N) below"]))
        #expect(abs(bound - (-log(0.7) + (-log(0.001) / 1000 + 2 * 0.025 * 999 / 1000))) < 1e-15)

        let two = try CLI.json(["two-parameter", "--accuracy", "0.8", "--gamma-right", "0.1", "--gamma-wrong", "0.3", "--delta-right", "0.05", "--delta-wrong", "0.1"])
        let crit = try #require(number((two["results"] as? [String: Any])?["critical accuracy"]))
        #expect(abs(crit - 0.82428481) < 1e-8)
    }

    /// Every command refuses bad input with a message naming the option, and a non-zero exit.
    @Test("bad input: out of range, NaN, empty, non-numeric, conflicting or missing flags", arguments: [
        (["pplx", "--accuracy", "1.5", "--gamma", "0.1"], "--accuracy must be in [0, 1], got 1.5"),
        (["pplx", "--accuracy", "nan", "--gamma", "0.1"], "--accuracy"),
        (["pplx", "--accuracy", "", "--gamma", "0.1"], "--accuracy"),
        (["pplx", "--accuracy", "0.5", "--gamma", "zero"], "--gamma"),
        (["pplx", "--accuracy", "0.5", "--gamma", "1"], "--gamma must be in (0, 1), got 1"),
        (["pplx", "--accuracy", "0.5", "--gamma", "0.1", "--precision", "1"], "--precision"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.1", "--shift", "0.1", "--delta", "0.01"], "--shift and --delta"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.1"], "--shift"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.5", "--shift", "0"], "--gamma must be in (0, 1/2), got 0.5"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.1", "--delta", "0.2"], "--delta must be in [0, gamma] = [0, 0.1], got 0.2"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.1", "--shift", "1.1"], "--shift must be in [0, 1], got 1.1"),
        (["critical", "--accuracy", "0.5", "--gamma", "0.1", "--shift", "0.5", "--candidate-accuracy", "-0.1"], "--candidate-accuracy"),
        (["regions", "--gammas", "0.1,0.6"], "--gammas must be in (0, 1/2) (each), got 0.6"),
        (["regions", "--accuracies", ""], "--accuracies"),
        (["regions", "--shift-step", "0"], "--shift-step must be in (0, 1], got 0"),
        (["regions", "--plot", ""], "--plot"),
        (["regions", "--plot", "/proc/no/such/dir/fig.svg"], "--plot"),
        (["regions", "--format", "xml"], "--format"),
        (["fit-gamma", "--log-perplexity", "0", "--accuracy", "0.5"], "--log-perplexity must be > 0, got 0"),
        (["fit-gamma", "--log-perplexity", "1", "--accuracy", "2"], "--accuracy must be in [0, 1], got 2"),
        (["temperature", "--gamma", "0.1"], "--theta"),
        (["temperature", "--gamma", "0.1", "--theta", "1", "--target-gamma", "0.2"], "--theta and --target-gamma"),
        (["temperature", "--gamma", "0.1", "--theta", "-1"], "--theta"),
        (["temperature", "--gamma", "0.1", "--target-gamma", "0.9"], "--target-gamma must be strictly on the same side"),
        (["temperature", "--gamma", "0.1", "--theta", "2", "--vocabulary", "1"], "--vocabulary must be >= 2, got 1"),
        (["temperature", "--probabilities", "0,0", "--theta", "2"], "--probabilities must not be all zero"),
        (["temperature", "--probabilities", "0.5,-0.1", "--theta", "2"], "--probabilities must be >= 0 (each), got -0.1"),
        (["temperature", "--probabilities", "0.5,0.5"], "--probabilities needs --theta"),
        (["temperature", "--theta", "2"], "--gamma"),
        (["sampling", "--gamma", "1", "--length", "3"], "--gamma must be in [0, 1), got 1"),
        (["sampling", "--gamma", "0.1", "--length", "0"], "--length must be >= 1, got 0"),
        (["sampling", "--gamma", "0.1", "--length", "x"], "--length"),
        (["lemma", "--margin", "0.6", "--floor", "0.1", "--xi", "1", "--delta", "0.1"], "--margin must be in (0, 1/2), got 0.6"),
        (["lemma", "--margin", "0.2", "--floor", "0", "--xi", "1", "--delta", "0.1"], "--floor must be in (0, 1), got 0"),
        (["lemma", "--margin", "0.2", "--floor", "0.1", "--xi", "1", "--delta", "2"], "--delta must be in (0, 1], got 2"),
        (["lemma", "--margin", "0.3", "--floor", "0.1", "--xi", "1", "--delta", "0.5", "--gamma", "0.3"], "--margin must be at most 1/2 - gamma = 0.2"),
        (["two-parameter", "--accuracy", "0.5", "--gamma-right", "0.1", "--gamma-wrong", "0.3", "--delta-wrong", "0.4"], "--delta-wrong must be in [0, gamma-wrong]"),
        (["model", "bench", "--decode=-1"], "--decode must be in 0…1048576, got -1"),
        (["model", "bench", "--repeats=-1"], "--repeats must be in 1…1000, got -1"),
        (["model", "bench", "--prompt-lengths=0"], "--prompt-lengths: every length must be in 1…1048576, got 0"),
        (["model", "floor", "--checkpoint", "a.safetensors", "--model", "b.gguf"], "give at most one of --checkpoint FILE"),
        (["model", "floor", "--checkpoint", "/nonexistent.safetensors"], "--checkpoint: no such file: /nonexistent.safetensors"),
        (["eval", "--checkpoint", "none.safetensors", "--lengths", "1", "--samples", "0"], "--samples must be in 1…1000000, got 0"),
        (["eval", "--checkpoint", "none.safetensors", "--lengths", "3-1"], "--lengths: \"3-1\" is not a length N or a range A-B with A <= B"),
        (["train", "--task", "copy", "--checkpoint-every", "0", "--out", "unused"], "--checkpoint-every must be >= 1, got 0"),
    ] as [([String], String)])
    func badInput(arguments: [String], message: String) throws {
        let r = try CLI.run(arguments)
        #expect(r.status != 0, "\(arguments) exited 0")
        #expect(r.status < 128, "\(arguments) crashed with status \(r.status)")
        #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
}

/// Sizes read from a model file or a prompt are checked before anything is allocated: a clear
/// error naming the file, exit 1, no signal, at once.
// A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
// tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
@Suite(.timeLimit(.minutes(10))) struct HostileModelSizeTests {
    /// A gemma3 GGUF whose metadata claims `block_count` 0xFFFFFFFF layers, with one tensor.
    static func implausibleGemma() throws -> String {
        var bytes = Array("GGUF".utf8)
        func u32(_ v: UInt32) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func u64(_ v: UInt64) { bytes += withUnsafeBytes(of: v.littleEndian, Array.init) }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); bytes += Array(s.utf8) }
        let counts: [(String, UInt64)] = [
            ("embedding_length", 8), ("block_count", 0xFFFF_FFFF), ("feed_forward_length", 16), ("attention.head_count", 2),
            ("attention.head_count_kv", 1), ("attention.key_length", 4), ("context_length", 128), ("attention.sliding_window", 4),
        ]
        u32(3); u64(1); u64(UInt64(counts.count + 2))
        string("general.architecture"); u32(8); string("gemma3")
        string("gemma3.attention.layer_norm_rms_epsilon"); u32(6); bytes += withUnsafeBytes(of: Float(1e-6).bitPattern.littleEndian, Array.init)
        for (key, value) in counts { string("gemma3." + key); u32(10); u64(value) }
        string("token_embd.weight"); u32(2); u64(8); u64(4); u32(0); u64(0)
        while bytes.count % 32 != 0 { bytes.append(0) }
        bytes += [UInt8](repeating: 0, count: 8 * 4 * 4)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("implausible-\(UUID().uuidString).gguf")
        try Data(bytes).write(to: url)
        return url.path
    }

    @Test func implausibleBlockCount() throws {
        let path = try Self.implausibleGemma()
        defer { try? FileManager.default.removeItem(atPath: path) }
        for arguments in [["model", "info", path], ["model", "info", path, "--format", "json"],
                          ["next-token", "--model", path, "--prompt", "hello"], ["witness", "--model", path, "--length", "4"]] {
            let r = try CLI.run(arguments)
            #expect(r.status == 1 || r.status == 64, "\(arguments): status \(r.status)")
            #expect(r.stderr.contains(path) && r.stderr.contains("block_count 4294967295"), "\(arguments): \(r.stderr)")
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: gemmaModelPath)))
    func promptLongerThanTheContext() throws {
        // 40,000 bits separated by spaces: more tokens than Gemma 3 270M's 32,768.
        let prompt = String(repeating: "0 ", count: 40_000)
        let r = try CLI.run(["next-token", "--model", gemmaModelPath, "--prompt", prompt])
        #expect(r.status == 1, "status \(r.status): \(r.stderr)")
        #expect(r.stderr.contains("exceed the context length 32768"), "\(r.stderr)")
    }
}

/// Where `perplexed model fetch gemma3-270m` keeps Gemma 3 270M (the tests that need it skip without it).
let gemmaModelPath = ProcessInfo.processInfo.environment["PERPLEXED_GEMMA_GGUF"]
    ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/perplexed/models/gemma-3-270m-q4_k_m.gguf").path
