import Foundation
import Testing

/// Every subcommand on a table of hostile values (issue 12): each case must end by itself within
/// 10 s with exit status 1 (a runtime failure: one line `Error: …`) or 64 (a usage error:
/// `Error: …` and the usage), never by a signal and never 0; the error line names the flag or
/// the value given, and stays short. A case whose value is legitimately valid in its slot is
/// listed in the slot's `accepts` and skipped (it would run, not fail), as are the commands and
/// options that need the Gemma model file or start long work on a valid value:
/// - `reproduce`, `parity-study` and `train` with a valid `--out`/`--seed`/`--steps` run for
///   minutes; `verify` with a valid `--budget` proves the whole catalogue (it runs with `--list`).
/// - `model fetch` with a valid name downloads; its `--cache-dir` and `--python` are not in the table.
/// - `next-token --prompt` needs a model to mean anything; only its `--model` and `--top` are here.
@Suite struct HostileArgumentsTests {
    /// One hostile value: a label (for `accepts` and messages) and the argument text.
    struct Value: Sendable {
        let label: String
        let text: String
    }

    /// One place a value goes: the arguments, with `VALUE` where it goes; the flag the error
    /// must name (or one of several, `a|b`); the labels of values that are valid there (skipped).
    struct Slot: Sendable {
        let arguments: [String]
        let flag: String
        let accepts: Set<String>
    }

    struct Outcome: Sendable {
        let arguments: [String]
        let exited: Bool
        let status: Int32
        let stderr: String
        let seconds: Double
    }

    /// A scratch directory holding a directory, a text file that is no model, a FIFO, and no
    /// `missing.bin`.
    static let scratch: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("hostile-cli-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: dir + "/dir", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: dir + "/cwd", withIntermediateDirectories: true)
        try? FileManager.default.createDirectory(atPath: dir + "/models", withIntermediateDirectories: true)
        try? Data("not a model, not a configuration\n".utf8).write(to: URL(fileURLWithPath: dir + "/notes.txt"))
        // Opening a FIFO for reading blocks until a writer comes: a reader that does not refuse it hangs.
        _ = mkfifo(dir + "/fifo", 0o600)
        return dir
    }()

    static let values: [Value] = [
        ("empty", ""), ("NaN", "NaN"), ("inf", "inf"), ("-inf", "-inf"), ("1e-999999", "1e-999999"), ("1e999999", "1e999999"),
        ("Int64.max", "9223372036854775807"), ("2^64", "18446744073709551616"), ("-1", "-1"), ("Int64.min", "-9223372036854775808"),
        ("hex", "0x10"), ("full-width digits", "０.５"), ("Arabic-Indic digit", "٣"), ("10 kB", String(repeating: "9", count: 10_240)),
        ("directory", scratch + "/dir"), ("/dev/null", "/dev/null"), ("missing file", scratch + "/missing.bin"),
        ("non-model file", scratch + "/notes.txt"), ("FIFO", scratch + "/fifo"),
    ].map { Value(label: $0.0, text: $0.1) }

    static func slot(_ arguments: [String], _ flag: String, accepts: Set<String> = []) -> Slot {
        Slot(arguments: arguments, flag: flag, accepts: accepts)
    }

    /// The table: every subcommand of `perplexed` (Perplexed.swift, with `model fetch/info/bench/floor`),
    /// each with the options that take different kinds of value (exact numbers, integers, lists,
    /// names, files to read, files to write).
    static let slots: [String: [Slot]] = {
        let missing = scratch + "/missing.bin"
        let lemma = ["lemma", "--margin", "0.2", "--floor", "0.001", "--xi", "0.1", "--delta", "0.01"]
        let witness = ["witness", "--checkpoint", missing, "--length", "4"]
        let sweep = ["copy-sweep", "--checkpoint", missing]
        let lemmaTest = ["lemma-test", "--checkpoint", missing]
        let eval = ["eval", "--checkpoint", missing]
        let bench = ["model", "bench", "--model", missing]
        let config = ["train", "--task", "copy", "--print-config"]
        // Valid in flags without an upper bound: big integers, and a 10 kB number (9…9).
        let big: Set<String> = ["Int64.max", "2^64", "10 kB"]
        // A seed is any UInt64: the largest Int64 is one.
        let seed: Set<String> = ["Int64.max"]
        let labels = values.map(\.label)
        return [
            "demo": [slot(["demo", "--precision", "VALUE"], "--precision"), slot(["demo", "--digits", "VALUE"], "--digits")],
            "pplx": [slot(["pplx", "--accuracy", "VALUE", "--gamma", "0.1"], "--accuracy"),
                     slot(["pplx", "--accuracy", "0.5", "--gamma", "0.1", "--precision", "VALUE"], "--precision")],
            "critical": [slot(["critical", "--accuracy", "0.5", "--gamma", "0.1", "--shift", "VALUE"], "--shift"),
                         slot(["critical", "--accuracy", "0.5", "--gamma", "0.1", "--reach", "VALUE"], "--reach")],
            "regions": [slot(["regions", "--panel", "left", "--shift-step", "VALUE"], "--shift-step"),
                        slot(["regions", "--accuracies", "VALUE"], "--accuracies"),
                        slot(["regions", "--panel", "left", "--threads", "VALUE"], "--threads"),
                        // Any other path or name is a place to write the table to.
                        slot(["regions", "--panel", "left", "--out", "VALUE"], "--out", accepts: labels.filter { !["empty", "directory", "10 kB"].contains($0) }.set)],
            "fit-gamma": [slot(["fit-gamma", "--log-perplexity", "VALUE", "--accuracy", "0.5"], "--log-perplexity", accepts: big),
                          slot(["fit-gamma", "--log-perplexity", "1", "--accuracy", "VALUE"], "--accuracy")],
            "temperature": [slot(["temperature", "--gamma", "0.1", "--theta", "VALUE"], "--theta", accepts: big),
                            slot(["temperature", "--probabilities", "VALUE", "--theta", "0.5"], "--probabilities", accepts: big),
                            slot(["temperature", "--gamma", "0.1", "--theta", "0.5", "--vocabulary", "VALUE"], "--vocabulary", accepts: ["Int64.max"])],
            "sampling": [slot(["sampling", "--gamma", "0.1", "--length", "VALUE"], "--length", accepts: ["Int64.max"]),
                         slot(["sampling", "--gamma", "0.1", "--length", "4", "--epsilon", "VALUE"], "--epsilon", accepts: big)],
            "lemma": [slot(lemma.map { $0 == "0.1" ? "VALUE" : $0 }, "--xi", accepts: big), slot(lemma.map { $0 == "0.01" ? "VALUE" : $0 }, "--delta"),
                      slot(lemma + ["--length", "VALUE"], "--length", accepts: ["Int64.max"])],
            "two-parameter": [slot(["two-parameter", "--accuracy", "0.8", "--gamma-right", "0.1", "--gamma-wrong", "VALUE"], "--gamma-wrong"),
                              slot(["two-parameter", "--accuracy", "0.8", "--gamma-right", "0.1", "--gamma-wrong", "0.3", "--delta-wrong", "VALUE"], "--delta-wrong")],
            // With --list, so that a valid value lists the claims instead of proving them.
            "verify": [slot(["verify", "--list", "VALUE"], "claim"), slot(["verify", "--list", "--budget", "VALUE"], "--budget", accepts: ["Int64.max"]),
                       slot(["verify", "--list", "--time-limit", "VALUE"], "--time-limit")],
            // With --print-config, so that a valid value prints the configuration instead of training.
            "train": [slot(config + ["--steps", "VALUE"], "--steps", accepts: ["Int64.max"]), slot(config + ["--seed", "VALUE"], "--seed", accepts: seed),
                      slot(["train", "--task", "copy", "--config", "VALUE", "--print-config"], "--config"),
                      slot(["train", "--resume", "VALUE", "--out", scratch + "/run"], "--resume")],
            "eval": [slot(["eval", "--checkpoint", "VALUE", "--lengths", "4"], "--checkpoint"), slot(eval + ["--lengths", "VALUE"], "--lengths"),
                     slot(eval + ["--strings", "VALUE"], "--strings"), slot(eval + ["--lengths", "4", "--samples", "VALUE"], "--samples")],
            "witness": [slot(["witness", "--checkpoint", "VALUE", "--length", "4"], "--checkpoint"),
                        slot(["witness", "--model", "VALUE", "--length", "4"], "--model"),
                        slot(["witness", "--checkpoint", missing, "--length", "VALUE"], "--length"),
                        slot(witness + ["--base", "VALUE"], "--base"), slot(witness + ["--precision", "VALUE"], "--precision"),
                        slot(["witness", "--model", missing, "--length", "4", "--weights", "VALUE"], "--weights"),
                        // Any other value names a file to write, after the model loads.
                        slot(witness + ["--out", "VALUE"], "--out", accepts: labels.filter { $0 != "empty" }.set)],
            "copy-sweep": [slot(["copy-sweep", "--checkpoint", "VALUE"], "--checkpoint"), slot(sweep + ["--lengths", "VALUE"], "--lengths"),
                           slot(sweep + ["--plot", "VALUE"], "--plot"),
                           slot(sweep + ["--calibration-pairs", "VALUE"], "--calibration-pairs"),
                           slot(sweep + ["--seed", "VALUE"], "--seed", accepts: seed),
                           slot(sweep + ["--flips-after", "VALUE"], "--flips-after", accepts: ["1e-999999"]),
                           slot(sweep + ["--floor", "VALUE"], "--floor"),
                           slot(sweep + ["--xi", "VALUE"], "--xi", accepts: big),
                           slot(["copy-sweep", "--model", missing, "--weights", "VALUE"], "--weights")],
            "lemma-test": [slot(["lemma-test", "--checkpoint", "VALUE"], "--checkpoint"), slot(["lemma-test", "--model", "VALUE"], "--model"),
                           slot(lemmaTest + ["--lengths", "VALUE"], "--lengths"),
                           slot(lemmaTest + ["--floor", "VALUE"], "--floor"),
                           // Big gaps are gaps: then the missing model is the error.
                           slot(lemmaTest + ["--xi", "VALUE"], "--xi", accepts: big),
                           slot(lemmaTest + ["--calibration-pairs", "VALUE"], "--calibration-pairs"),
                           slot(lemmaTest + ["--test-pairs", "VALUE"], "--test-pairs"),
                           slot(lemmaTest + ["--seed", "VALUE"], "--seed", accepts: seed),
                           slot(lemmaTest + ["--test-seed", "VALUE"], "--test-seed", accepts: seed),
                           slot(lemmaTest + ["--ones-probability", "VALUE"], "--ones-probability"),
                           slot(lemmaTest + ["--base-strings", "VALUE"], "--base-strings"),
                           // 1e-999999 is a positive number below every class boundary: valid.
                           slot(lemmaTest + ["--flips-after", "VALUE"], "--flips-after", accepts: ["1e-999999"]),
                           slot(lemmaTest + ["--format", "VALUE"], "--format"),
                           slot(["lemma-test", "--model", missing, "--weights", "VALUE"], "--weights"),
                           // Any other value names a file to write, after the model loads.
                           slot(lemmaTest + ["--out", "VALUE"], "--out", accepts: labels.filter { $0 != "empty" }.set)],
            // A valid size starts a study (the largest Int64 is a valid --steps).
            "parity-study": [slot(["parity-study", "--steps", "VALUE", "--out", missing], "--steps", accepts: ["Int64.max"]),
                             slot(["parity-study", "--max-length", "VALUE", "--out", missing], "--max-length"),
                             slot(["parity-study", "--out", "VALUE"], "--out", accepts: labels.filter { !["empty", "/dev/null", "non-model file", "FIFO", "10 kB"].contains($0) }.set)],
            "reproduce": [slot(["reproduce", "--quick", "--seed", "VALUE", "--out", missing], "--seed", accepts: seed),
                          slot(["reproduce", "--quick", "--gemma", "VALUE", "--out", missing], "--gemma"),
                          slot(["reproduce", "--quick", "--out", "VALUE"], "--out", accepts: labels.filter { !["empty", "/dev/null", "non-model file", "FIFO", "10 kB"].contains($0) }.set)],
            // A missing study file fails before --out or --shard is used: a valid value there is skipped.
            "study plan": [slot(["study", "plan", "VALUE"], "FILE"), slot(["study", "plan", missing, "--shards", "VALUE"], "--shards"),
                           slot(["study", "plan", missing, "--format", "VALUE"], "--format")],
            "study run": [slot(["study", "run", "VALUE", "--out", missing], "FILE"),
                          slot(["study", "run", missing, "--out", missing, "--shard", "VALUE"], "--shard"),
                          slot(["study", "run", missing, "--out", "VALUE"], "--out", accepts: labels.filter { $0 != "empty" }.set)],
            "study merge": [slot(["study", "merge", "VALUE"], "DIR"),
                            slot(["study", "merge", missing, "--out", "VALUE"], "--out", accepts: labels.filter { $0 != "empty" }.set)],
            "model fetch": [slot(["model", "fetch", "VALUE"], "model|<name>")],
            "model info": [slot(["model", "info", "VALUE"], "FILE"), slot(["model", "info", missing, "--format", "VALUE"], "--format")],
            "model bench": [slot(["model", "bench", "--model", "VALUE"], "--model"), slot(bench + ["--decode", "VALUE"], "--decode", accepts: ["Int64.max"]),
                            slot(bench + ["--threads", "VALUE"], "--threads"), slot(bench + ["--weights", "VALUE"], "--weights"),
                            slot(bench + ["--prompt-lengths", "VALUE"], "--prompt-lengths", accepts: ["Int64.max"])],
            "model floor": [slot(["model", "floor", "--checkpoint", "VALUE"], "--checkpoint"), slot(["model", "floor", "--model", "VALUE"], "--model"),
                            slot(["model", "floor", "--checkpoint", missing, "--format", "VALUE"], "--format")],
            "next-token": [slot(["next-token", "--model", "VALUE", "--prompt", "hello"], "--model"),
                           slot(["next-token", "--model", missing, "--prompt", "hello", "--top", "VALUE"], "--top", accepts: ["Int64.max"])],
        ]
    }()

    /// Runs the binary with stdin and stdout on /dev/null, in an empty working directory and a
    /// model cache of its own; kills it after `seconds`.
    static func run(_ arguments: [String], seconds: Double) -> Outcome {
        let process = Process()
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: scratch + "/cwd")
        var environment = ProcessInfo.processInfo.environment
        environment["PERPLEXED_MODEL_CACHE"] = scratch + "/models"
        process.environment = environment
        let err = Pipe()
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = err
        let start = Date()
        do { try launch(process) } catch { return Outcome(arguments: arguments, exited: false, status: -1, stderr: "\(error)", seconds: 0) }
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        return Outcome(arguments: arguments, exited: process.terminationReason == .exit, status: process.terminationStatus,
                       stderr: String(decoding: stderr, as: UTF8.self), seconds: Date().timeIntervalSince(start))
    }

    /// The cases' outcomes, in order, from `workers` processes at a time.
    static func runAll(_ cases: [[String]], workers: Int) -> [Outcome?] {
        final class Queue: @unchecked Sendable {  // guarded by `lock`
            let lock = NSLock()
            var next = 0
            var outcomes: [Outcome?]
            init(count: Int) { outcomes = Array(repeating: nil, count: count) }
        }
        let queue = Queue(count: cases.count)
        let group = DispatchGroup()
        for _ in 0..<workers {
            DispatchQueue.global().async(group: group) {
                while true {
                    let index = queue.lock.withLock {
                        defer { queue.next += 1 }
                        return queue.next
                    }
                    guard index < cases.count else { return }
                    let outcome = run(cases[index], seconds: 10)
                    queue.lock.withLock { queue.outcomes[index] = outcome }
                }
            }
        }
        group.wait()
        return queue.lock.withLock { queue.outcomes }
    }

    /// What is wrong with one outcome, or nil.
    static func problem(_ outcome: Outcome, command: String, flag: String, value: Value) -> String? {
        guard outcome.exited else { return "ended by signal \(outcome.status) after \(String(format: "%.1f", outcome.seconds)) s" }
        guard outcome.seconds < 10 else { return "took \(String(format: "%.1f", outcome.seconds)) s" }
        guard [1, 64].contains(outcome.status) else { return "exit status \(outcome.status)" }
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let first = lines.first ?? ""
        guard first.hasPrefix("Error: ") else { return "the first line is not 'Error: …'" }
        guard first.count <= 400 else { return "the error line has \(first.count) characters" }
        // Foundation's generic sentences and a character cut in half say nothing to the user.
        for garble in ["NSCocoaErrorDomain", "The operation could not be completed", "\u{FFFD}"] where first.contains(garble) {
            return "the error line holds '\(garble)'"
        }
        // The flag, or the value itself (a path names its file; a long value is quoted by its start).
        let named = flag.split(separator: "|").contains { first.contains($0) } || (!value.text.isEmpty && first.contains(String(value.text.prefix(40))))
        guard named else { return "the error names neither \(flag) nor the value" }
        let rest = lines.dropFirst().filter { !$0.isEmpty }
        if outcome.status == 1 {
            guard rest.isEmpty else { return "a runtime failure printed more than one line" }
        } else {
            // The subcommand's usage, not the root's (a validation error thrown from `run()` has the root's).
            guard rest.contains(where: { $0.hasPrefix("Usage: perplexed \(command)") }) else { return "a usage error without the subcommand's usage" }
        }
        return nil
    }

    // A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
    // tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
    @Test("every subcommand refuses every hostile value: exit 1 or 64, one clear error line, no signal, under 10 s",
          .timeLimit(.minutes(10)))
    func table() throws {
        var cases: [(arguments: [String], command: String, flag: String, value: Value)] = []
        var skipped = 0
        for (command, slots) in Self.slots {
            for slot in slots {
                for value in Self.values {
                    guard !slot.accepts.contains(value.label) else { skipped += 1; continue }
                    cases.append((slot.arguments.map { $0 == "VALUE" ? value.text : $0 }, command, slot.flag, value))
                }
            }
        }
        let slotCount = Self.slots.values.map(\.count).reduce(0, +)
        print("Hostile CLI table: \(Self.slots.count) subcommands, \(slotCount) options × \(Self.values.count) values = "
              + "\(slotCount * Self.values.count) cases; \(skipped) valid in their slot, skipped; \(cases.count) run")

        // Four workers on two cores: most cases end at parsing, in tens of milliseconds.
        let results = Self.runAll(cases.map(\.arguments), workers: 4)
        var failures = 0
        for (index, item) in cases.enumerated() {
            guard let outcome = results[index] else { continue }
            if let problem = Self.problem(outcome, command: item.command, flag: item.flag, value: item.value) {
                failures += 1
                let shown = item.arguments.map { $0.count > 60 ? String($0.prefix(20)) + "…" : $0 }
                Issue.record("\(shown) [\(item.value.label)]: \(problem)\n\(outcome.stderr.prefix(600))")
            }
        }
        let slowest = zip(cases, results).compactMap { item, outcome in outcome.map { (item.arguments, $0.seconds) } }.max { $0.1 < $1.1 }
        print("Hostile CLI table: \(cases.count - failures) of \(cases.count) cases passed; slowest "
              + "\(String(format: "%.2f", slowest?.1 ?? 0)) s: \(slowest?.0.map { $0.count > 60 ? String($0.prefix(20)) + "…" : $0 } ?? [])")
        // Refused before any work: nothing was written where the commands ran.
        let written = try FileManager.default.contentsOfDirectory(atPath: Self.scratch + "/cwd")
        #expect(written.isEmpty, "files written into the working directory: \(written)")
        #expect(!FileManager.default.fileExists(atPath: Self.scratch + "/missing.bin"), "a command created missing.bin")
        try? FileManager.default.removeItem(atPath: Self.scratch)
    }
}

extension Array where Element: Hashable {
    fileprivate var set: Set<Element> { Set(self) }
}
