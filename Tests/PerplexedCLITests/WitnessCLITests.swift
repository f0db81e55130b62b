import Foundation
import Testing

/// The witness, copy-sweep and parity-study commands on a tiny model trained by the CLI itself.
@Suite(.serialized) struct WitnessCLITests {
    static let directory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("perplexed-witness-cli-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }()

    /// Trains (once) a small copy model for a few steps: enough to exercise the commands.
    static let checkpoint: String = {
        let config = directory.appendingPathComponent("tiny.json")
        try? Data(#"{"model": {"dModel": 16, "heads": 2, "layers": 1, "mlpHidden": 32}, "training": {"batchSize": 8}}"#.utf8).write(to: config)
        let out = directory.appendingPathComponent("run").path
        _ = try? CLI.run(["train", "--task", "copy", "--config", config.path, "--steps", "10", "--out", out])
        return out + "/final.safetensors"
    }()

    @Test("witness: JSON with α, β, certified values and the lemma check") func witness() throws {
        let json = try CLI.json(["witness", "--checkpoint", Self.checkpoint, "--length", "8"])
        let alpha = try #require(json["alpha"] as? [String: Any]), beta = try #require(json["beta"] as? [String: Any])
        #expect(alpha["target"] as? String == "00000000")
        #expect(beta["target"] as? String == "00000001")
        let certified = try #require(json["certified"] as? [String: Any])
        let a = try #require(bracket(certified["alpha_log_perplexity"]))
        #expect(a.0 <= a.1 && a.0 >= 0)
        #expect((json["linf_distance"] as? [Any])?.count == 8)
        #expect(certified["within_bound"] as? Bool != false)
    }

    @Test("copy-sweep writes the Fig. 2 panels atomically") func sweep() throws {
        let plot = Self.directory.appendingPathComponent("fig2.svg").path
        let r = try CLI.run(["copy-sweep", "--checkpoint", Self.checkpoint, "--lengths", "4,8", "--plot", plot, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("N,beta copied as alpha,eta"))
        #expect(r.stdout.split(separator: "\n").count == 3)
        let svg = try String(contentsOfFile: plot, encoding: .utf8)
        #expect(svg.hasPrefix("<svg") && svg.contains("pplx(β_N)"))
    }

    @Test("parity-study writes its files and correlations") func parity() throws {
        let out = Self.directory.appendingPathComponent("parity").path
        let r = try CLI.run(["parity-study", "--steps", "30", "--checkpoint-every", "10", "--id-sequences", "16",
                             "--ood-sequences", "4", "--ood-length", "24", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("In distribution") && r.stdout.contains("Out of distribution"))
        let csv = try String(contentsOfFile: out + "/metrics.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").count == 4)  // header + 3 checkpoints
        #expect(FileManager.default.fileExists(atPath: out + "/fig4.svg"))
    }

    @Test("bad input: a clear message and a non-zero exit, never a crash", arguments: [
        (["witness", "--checkpoint", "/nonexistent.safetensors", "--length", "8"], "no such file"),
        (["witness", "--length", "8"], "exactly one of --checkpoint"),
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "0"], "--length must be >= 1, got 0"),
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "8", "--flip", "9"], "--flip must be in 1…8, got 9"),
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "4", "--base", "0102"], "--base must be a string of 0s and 1s"),
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "4", "--base", "010"], "--base has 3 bits but --length is 4"),
        (["witness", "--checkpoint", "CORRUPT", "--length", "4"], "--checkpoint"),
        (["copy-sweep", "--checkpoint", "CHECKPOINT", "--lengths", "4,0"], "every length must be >= 1, got 0"),
        (["copy-sweep", "--checkpoint", "CHECKPOINT", "--lengths", "4,x"], "expected a comma-separated list of integers"),
        (["parity-study", "--steps", "10", "--checkpoint-every", "5"], "at least 3 checkpoints"),
    ] as [([String], String)])
    func badInput(arguments: [String], message: String) throws {
        let corrupt = Self.directory.appendingPathComponent("corrupt.safetensors")
        try Data("not a safetensors file".utf8).write(to: corrupt)
        let resolved = arguments.map { $0 == "CHECKPOINT" ? Self.checkpoint : ($0 == "CORRUPT" ? corrupt.path : $0) }
        let r = try CLI.run(resolved)
        #expect(r.status != 0 && r.status < 128, "\(resolved): status \(r.status)")
        #expect(r.stderr.contains(message), "\(resolved): \(r.stderr)")
    }

    @Test("a learned-position model refuses lengths beyond its table") func learnedPositions() throws {
        let config = Self.directory.appendingPathComponent("learned.json")
        try Data(#"{"model": {"dModel": 16, "heads": 2, "layers": 1, "mlpHidden": 32, "position": "learned", "maxPositions": 16}, "training": {"batchSize": 8}, "task": {"maxLength": 7}}"#.utf8).write(to: config)
        let out = Self.directory.appendingPathComponent("learned").path
        let trained = try CLI.run(["train", "--task", "copy", "--config", config.path, "--steps", "2", "--out", out])
        #expect(trained.status == 0, "\(trained.stderr)")
        let r = try CLI.run(["witness", "--checkpoint", out + "/final.safetensors", "--length", "10"])
        #expect(r.status != 0 && r.status < 128)
        #expect(r.stderr.contains("needs 21 positions"), "\(r.stderr)")
    }
}
