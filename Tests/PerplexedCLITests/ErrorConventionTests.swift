import Foundation
import Testing

/// The error convention of `perplexed` (issue 12): an argument problem is a usage error (exit 64,
/// `Error: …` and the subcommand's usage); anything else is one line `Error: …` naming the file or
/// flag, exit 1, no usage.
@Suite struct ErrorConventionTests {
    /// The first line of standard error, and whether a usage block follows it.
    static func error(_ r: CLI.Result) -> (line: String, usage: Bool) {
        let lines = r.stderr.split(separator: "\n").map(String.init)
        return (lines.first ?? "", lines.contains { $0.hasPrefix("Usage: ") })
    }

    /// A runtime failure: exit 1, exactly one line, which starts `Error: ` and contains `message`.
    static func expectRuntimeFailure(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 1, "\(arguments): status \(r.status)", sourceLocation: sourceLocation)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1, "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(lines.first?.hasPrefix("Error: ") == true && r.stderr.contains(message), "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
    }

    /// A usage error: exit 64, `Error: …` with `message`, then the usage of `command`.
    static func expectUsageError(_ arguments: [String], _ message: String, command: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 64, "\(arguments): status \(r.status)", sourceLocation: sourceLocation)
        let (line, _) = Self.error(r)
        #expect(line.hasPrefix("Error: ") && line.contains(message), "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains("Usage: perplexed \(command)"), "\(arguments): \(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test("--help documents the exit statuses") func help() throws {
        let r = try CLI.run(["--help"])
        #expect(r.status == 0)
        for line in ["Exit status:", "0   success", "1   runtime failure", "2   the check ran and refuted", "64  usage error"] {
            #expect(r.stdout.contains(line), "\(line)")
        }
        // Help and version are no errors, however they are asked for.
        for arguments in [["help", "pplx"], ["pplx", "--help"], ["model", "bench", "--help"], ["help"], ["--version"], []] {
            let r = try CLI.run(arguments)
            #expect(r.status == 0 && !r.stdout.isEmpty && r.stderr.isEmpty, "\(arguments): \(r.status) \(r.stderr)")
        }
    }

    @Test("non-ASCII digits are quoted as given, with their code point") func nonASCIIDigits() throws {
        // U+FF10 FULLWIDTH DIGIT ZERO and U+0663 ARABIC-INDIC DIGIT THREE (Unicode charts).
        try Self.expectUsageError(["pplx", "--accuracy", "０.５", "--gamma", "0.1"], "unexpected character '０' (U+FF10)", command: "pplx")
        try Self.expectUsageError(["pplx", "--accuracy", "٣", "--gamma", "0.1"], "unexpected character '٣' (U+0663)", command: "pplx")
        try Self.expectUsageError(["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "0.1", "--delta", "1e-٣"],
                                  "the exponent must be an integer", command: "lemma")
        let r = try CLI.run(["pplx", "--accuracy", "０.５", "--gamma", "0.1"])
        #expect(!r.stderr.contains("\u{FFFD}"), "\(r.stderr)")
    }

    @Test("a negative number after a numeric flag is its value, in space form as with =") func negativeValues() throws {
        try Self.expectUsageError(["pplx", "--accuracy", "-1", "--gamma", "0.1"], "--accuracy must be in [0, 1], got -1", command: "pplx")
        try Self.expectUsageError(["pplx", "--accuracy=-1", "--gamma", "0.1"], "--accuracy must be in [0, 1], got -1", command: "pplx")
        try Self.expectUsageError(["sampling", "--gamma", "0.1", "--length", "-3"], "--length must be >= 1, got -3", command: "sampling")
        try Self.expectUsageError(["critical", "--accuracy", "0.5", "--gamma", "0.1", "--shift", "-0.25"], "--shift must be in [0, 1], got -0.25", command: "critical")
        try Self.expectUsageError(["train", "--task", "copy", "--print-config", "--steps", "-5"], "--steps must be in 1…100000000, got -5", command: "train")
        // A list flag takes the next arguments up to the next option: the error says how to write it.
        try Self.expectUsageError(["model", "bench", "--prompt-lengths", "-1"], "(a value starting with '-' is written --prompt-lengths=-1)", command: "model bench")
        try Self.expectUsageError(["model", "bench", "--prompt-lengths=-1"], "--prompt-lengths: every length must be in 1…1048576, got -1", command: "model bench")
        // A flag in the value's place is reported as that value, not as a missing one.
        try Self.expectUsageError(["pplx", "--accuracy", "--gamma", "0.1"], "'--accuracy <accuracy>'", command: "pplx")
    }

    @Test("files: an empty name is a usage error, an unreadable file one runtime line in the C library's words")
    func files() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("convention-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.expectUsageError(["train", "--resume", "", "--out", dir + "/run"], "--resume needs a file name, got an empty value", command: "train")
        try Self.expectUsageError(["eval", "--checkpoint", "", "--lengths", "4"], "--checkpoint needs a file name", command: "eval")
        try Self.expectRuntimeFailure(["train", "--resume", dir, "--out", dir + "/run"], "--resume: cannot read checkpoint \(dir): it is a directory")
        try Self.expectRuntimeFailure(["eval", "--checkpoint", dir + "/none.safetensors", "--lengths", "4"],
                                      "--checkpoint: cannot read checkpoint \(dir)/none.safetensors: No such file or directory")
        try Self.expectRuntimeFailure(["eval", "--checkpoint", "/dev/null", "--lengths", "4"], "cannot read checkpoint /dev/null: not a regular file")
        try Self.expectRuntimeFailure(["train", "--task", "copy", "--config", dir + "/none.json", "--print-config"],
                                      "--config: cannot read \(dir)/none.json: No such file or directory")
        try Self.expectRuntimeFailure(["regions", "--panel", "left", "--out", dir], "--out: cannot write \(dir): it is a directory")
        try Self.expectRuntimeFailure(["model", "info", dir + "/none.gguf"], "\(dir)/none.gguf")
        try Self.expectRuntimeFailure(["parity-study", "--out", "/dev/null"], "--out: /dev/null exists and is not a directory")
        // Output directories are made before the work starts; a failure is one line in the C library's words.
        for command in [["train", "--task", "copy", "--steps", "1"], ["parity-study"], ["reproduce", "--quick"]] {
            try Self.expectRuntimeFailure(command + ["--out", "/dev/null/run"], "--out: cannot create directory /dev/null/run: Not a directory")
        }
        try Self.expectRuntimeFailure(["reproduce", "--quick", "--gemma", dir + "/none.gguf", "--out", dir + "/report"], "--gemma: \(dir)/none.gguf")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).isEmpty, "a refused command wrote into \(dir)")
    }

    /// The precision a failure suggests, from its line "… try --precision N".
    static func suggestedPrecision(_ line: String) -> String? {
        line.range(of: "try --precision ").map { String(line[$0.upperBound...].prefix { $0.isNumber }) }
    }

    @Test("a precision too low to decide is a runtime failure naming a precision that decides", arguments: [
        (["demo"], "2", "the rounded gamma"),
        (["fit-gamma", "--log-perplexity", "1", "--accuracy", "0.9"], "2", "the rounded accuracy"),
        (["fit-gamma", "--log-perplexity", "0.6931", "--accuracy", "0.5"], "8", "could not certify whether L = 6931/10000 lies above H(a)"),
        (["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "0.1", "--delta", "0.01"], "2", "high enough to decide"),
    ] as [([String], String, String)])
    func precisionTooLow(arguments: [String], precision: String, reason: String) throws {
        try Self.expectRuntimeFailure(arguments + ["--precision", precision], "--precision \(precision) is too low: ")
        let line = Self.error(try CLI.run(arguments + ["--precision", precision])).line
        #expect(line.contains(reason), "\(line)")
        // The suggestion is checked by running it: it decides.
        let suggested = try #require(Self.suggestedPrecision(line), "\(line)")
        #expect(Int(suggested).map { $0 > Int(precision)! } == true)
        let r = try CLI.run(arguments + ["--precision", suggested])
        #expect(r.status == 0, "\(arguments) --precision \(suggested): \(r.stderr)")
    }

    @Test("verify --time-limit reads exact decimals in (0, 86400], like every other numeric flag", arguments: [
        ("inf", "'--time-limit <time-limit>'"), ("nan", "'--time-limit <time-limit>'"), ("0x10", "'--time-limit <time-limit>'"),
        ("1e999999", "'--time-limit <time-limit>'"), ("0", "--time-limit must be in (0, 86400] seconds, got 0"),
        ("-1", "--time-limit must be in (0, 86400] seconds, got -1"), ("1e9", "--time-limit must be in (0, 86400] seconds, got 1000000000"),
    ])
    func timeLimit(value: String, message: String) throws {
        try Self.expectUsageError(["verify", "--list", "--time-limit", value], message, command: "verify")
    }

    @Test("verify --time-limit accepts a decimal or fraction in range") func timeLimitValid() throws {
        for value in ["0.5", "1/3", "86400"] {
            let r = try CLI.run(["verify", "--list", "--time-limit", value])
            #expect(r.status == 0, "\(value): \(r.stderr)")
        }
    }

    @Test("a usage error found by a subcommand shows that subcommand's usage") func subcommandUsage() throws {
        try Self.expectUsageError(["model", "fetch", "no-such-model"], "unknown model 'no-such-model'", command: "model fetch")
        try Self.expectUsageError(["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "1e-400", "--delta", "0.01"], "--xi must be large enough", command: "lemma")
        try Self.expectUsageError(["eval", "--checkpoint", "none.safetensors", "--strings", ","], "--strings needs at least one bit string", command: "eval")
        try Self.expectUsageError(["model", "bench", "--threads", "0"], "--threads must be in 1…256, got 0", command: "model bench")
    }
}
