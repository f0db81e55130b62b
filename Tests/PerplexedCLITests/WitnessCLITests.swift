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

    @Test("a scan of every flip gives, flip by flip, the record the single witness gives") func scan() throws {
        let r = try CLI.run(["witness", "--checkpoint", Self.checkpoint, "--length", "4", "--scan-flips", "--format", "json"])
        #expect(r.status == 0, "\(r.stderr)")
        let records = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(records.count == 4)
        for (j, record) in records.enumerated() {
            #expect(record["flip"] as? Int == j + 1)
            // The same witness built alone (its JSON carries the logits; the scan's does not).
            var single = try CLI.json(["witness", "--checkpoint", Self.checkpoint, "--length", "4", "--flip", "\(j + 1)"])
            for key in ["alpha", "beta"] {
                var run = try #require(single[key] as? [String: Any])
                run["logits"] = nil
                single[key] = run
            }
            let a = try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])
            let b = try JSONSerialization.data(withJSONObject: single, options: [.sortedKeys])
            #expect(a == b, "flip \(j + 1): \(String(decoding: a, as: UTF8.self))\n\(String(decoding: b, as: UTF8.self))")
        }
    }

    @Test("model floor: ε_model in (0, 1) and −log ε_model, each enclosed, consistent with each other; text says which end is the floor")
    func floor() throws {
        let json = try CLI.json(["model", "floor", "--checkpoint", Self.checkpoint])
        let epsilon = try #require(json["epsilon_model"] as? [String: String]), negativeLog = try #require(json["negative_log_epsilon_model"] as? [String: String])
        let (lo, hi) = (try #require(Double(epsilon["lower"] ?? "")), try #require(Double(epsilon["upper"] ?? "")))
        let (nlo, nhi) = (try #require(Double(negativeLog["lower"] ?? "")), try #require(Double(negativeLog["upper"] ?? "")))
        #expect(0 < lo && lo <= hi && hi < 1, "\(epsilon)")
        #expect(abs(-log(lo) - nhi) < 1e-9 * nhi && abs(-log(hi) - nlo) < 1e-9 * nlo, "\(epsilon) against \(negativeLog)")
        #expect(json["method"] as? String == "pairwise" && json["vocabulary_size"] as? Int == 3 && json["width"] as? Int == 16)
        let text = try CLI.run(["model", "floor", "--checkpoint", Self.checkpoint])
        #expect(text.status == 0 && text.stdout.contains("ε_model ∈ [") && text.stdout.contains("the lower end is the certified floor"), "\(text.stdout)")
    }

    @Test("witness: JSON with α, β, certified values and the lemma check") func witness() throws {
        let json = try CLI.json(["witness", "--checkpoint", Self.checkpoint, "--length", "8"])
        let alpha = try #require(json["alpha"] as? [String: Any]), beta = try #require(json["beta"] as? [String: Any])
        #expect(alpha["target"] as? String == "00000000")
        #expect(beta["target"] as? String == "00000001")
        let certified = try #require(json["certified"] as? [String: Any])

        // The certified log-perplexities (interval arithmetic on the float32 logits, printed to 12
        // significant digits, so a few 1e-12 wide) against the independent float32 pipeline
        // (float32 softmax, then Σ log in double): they agree to float32 accuracy.
        var midpoints: [Double] = []
        for (run, key) in [(alpha, "alpha_log_perplexity"), (beta, "beta_log_perplexity")] {
            let (lo, hi) = try #require(bracket(certified[key]), "\(key): \(String(describing: certified[key]))")
            let float32 = try #require(run["log_perplexity_float32"] as? Double, "\(key)")
            #expect(lo >= 0 && lo <= hi && hi - lo < 1e-9, "\(key): [\(lo), \(hi)]")
            #expect(abs((lo + hi) / 2 - float32) < 1e-4, "\(key): [\(lo), \(hi)] vs float32 \(float32)")
            midpoints.append((lo + hi) / 2)
        }
        let gap = try #require(bracket(certified["gap"]))
        #expect(gap.0 >= 0 && gap.0 <= gap.1 && gap.1 - gap.0 < 1e-9)
        #expect(abs((gap.0 + gap.1) / 2 - abs(midpoints[0] - midpoints[1])) < 1e-9, "gap \(gap) vs \(midpoints)")

        // L∞ distances: the double-precision values (softmax of the float32 logits in double) inside
        // narrow certified enclosures, and η their maximum.
        let distances = try #require(json["linf_distance"] as? [Double])
        let enclosures = try #require(certified["linf_distance"] as? [Any])
        #expect(distances.count == 8 && enclosures.count == 8)
        for (k, (d, e)) in zip(distances, enclosures).enumerated() {
            let (lo, hi) = try #require(bracket(e), "position \(k + 1): \(e)")
            #expect(lo >= 0 && lo <= hi && hi - lo < 1e-9, "position \(k + 1): [\(lo), \(hi)]")
            #expect(lo - 1e-6 <= d && d <= hi + 1e-6, "position \(k + 1): \(d) outside [\(lo), \(hi)]")
        }
        let eta = try #require(json["eta"] as? Double)
        #expect(eta == distances.max())
        let etaEnclosure = try #require(bracket(certified["eta"]))
        #expect(etaEnclosure.0 <= etaEnclosure.1 && etaEnclosure.1 - etaEnclosure.0 < 1e-9, "eta \(etaEnclosure)")
        #expect(etaEnclosure.0 - 1e-6 <= eta && eta <= etaEnclosure.1 + 1e-6, "eta \(eta) outside \(etaEnclosure)")

        // Lemma 3.1: when its hypotheses hold the bound is a theorem, so the measured gap must be
        // certainly within it; when they do not, the CLI must give neither a bound nor a verdict.
        let hypotheses = try #require(certified["lemma_hypotheses_hold"] as? Bool)
        if hypotheses {
            #expect(certified["within_bound"] as? Bool == true, "within_bound = \(String(describing: certified["within_bound"]))")
            let bound = try #require(bracket(certified["lemma_bound"]), "lemma_bound = \(String(describing: certified["lemma_bound"]))")
            #expect(bound.0 <= bound.1 && bound.1 - bound.0 < 1e-9)
            #expect(gap.1 <= bound.0 + 1e-11, "gap \(gap) above the bound \(bound)")
        } else {
            #expect(certified["lemma_bound"] is NSNull, "lemma_bound = \(String(describing: certified["lemma_bound"]))")
            #expect(certified["within_bound"] is NSNull, "within_bound = \(String(describing: certified["within_bound"]))")
        }
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

    @Test("copy-sweep predicts each witness from calibration by default, says so in words, and leaves it out with --calibration-pairs 0")
    func sweepPrediction() throws {
        let text = try CLI.run(["copy-sweep", "--checkpoint", Self.checkpoint, "--lengths", "8,16", "--calibration-pairs", "3"])
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("eta(N) calibrated") && text.stdout.contains("grid n'") && text.stdout.contains("Lemma 3.1 predicted"))
        #expect(text.stderr.contains("(certified, `perplexed model floor`)"))
        let json = try CLI.json(["copy-sweep", "--checkpoint", Self.checkpoint, "--lengths", "8,16", "--calibration-pairs", "3"])
        let prediction = try #require(json["prediction"] as? [String: Any])
        // 3 pairs per length, or none where the model does not copy 0…0 with a margin (m ≤ 0).
        let calibration = try #require(prediction["calibration"] as? [[String: Any]])
        #expect(calibration.count == 2)
        for length in calibration {
            let pairs = length["pairs"] as? Int, margin = try #require(length["margin"] as? Double)
            #expect(pairs == (margin > 0 ? 3 : 0) && (length["eta"] is NSNull) == (margin <= 0), "\(length)")
        }
        #expect((json["witnesses"] as? [Any])?.count == 2)
        let plain = try CLI.run(["copy-sweep", "--checkpoint", Self.checkpoint, "--lengths", "8,16", "--calibration-pairs", "0"])
        #expect(plain.status == 0 && !plain.stdout.contains("eta(N) calibrated") && !plain.stderr.contains("ε_model"))
        let bad = try CLI.run(["copy-sweep", "--checkpoint", Self.checkpoint, "--lengths", "16,8"])
        #expect(bad.status == 64 && bad.stderr.contains("--lengths"), "\(bad.stderr)")
    }

    @Test("lemma-test prints the prediction against the outcome, the n′ table and the paragraph; JSON has every pair")
    func lemmaTest() throws {
        let arguments = ["lemma-test", "--checkpoint", Self.checkpoint, "--lengths", "8,16", "--calibration-pairs", "3", "--test-pairs", "4", "--floor", "1e-6"]
        let text = try CLI.run(arguments)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("eta(N)") && text.stdout.contains("grid n'") && text.stdout.contains("Lemma 3.1 predicted"))
        #expect(text.stdout.contains("ε_model = 0.000001"))
        let json = try CLI.json(arguments)
        let outcomes = try #require(json["outcomes"] as? [[String: Any]])
        #expect(outcomes.map { ($0["pairs"] as? [Any])?.count } == [4, 4])
        #expect((json["calibration"] as? [[String: Any]])?.map { $0["pairs"] as? Int } == [3, 3])
        let csv = try CLI.run(arguments + ["--format", "csv"])
        #expect(csv.status == 0 && csv.stdout.hasPrefix("N,calibration pairs,alphas copied (calibration),eta(N)"))
        // By default ε is the model's certified floor (`model floor`), lowered by its float32 slack.
        let certified = try CLI.run(["lemma-test", "--checkpoint", Self.checkpoint, "--lengths", "8", "--calibration-pairs", "2", "--test-pairs", "2"])
        #expect(certified.status == 0 && certified.stderr.contains("(certified, `perplexed model floor`)"), "\(certified.stderr)")
        #expect(!certified.stdout.contains("the floor is unknown") && certified.stdout.contains("ε_model = about"))
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
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "9223372036854775807"], "--length must be in 1…524287, got 9223372036854775807"),
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "4611686018427387904"], "--length must be in 1…524287, got 4611686018427387904"),
        (["copy-sweep", "--checkpoint", "CHECKPOINT", "--lengths", "4,9223372036854775807"], "--lengths: every length must be in 1…524287, got 9223372036854775807"),
        (["parity-study", "--steps", "10", "--checkpoint-every", "5"], "at least 3 checkpoints"),
        // Every flip of 524,287 bits keeps 524,287 witnesses of 2 × 524,287 rows: hundreds of
        // terabytes, refused after a short probe and before any witness is built.
        (["witness", "--checkpoint", "CHECKPOINT", "--length", "524287", "--scan-flips"], "--length: this run needs about"),
        // A million strings of 100,000 bits are 800 GB before the first is scored.
        (["eval", "--checkpoint", "CHECKPOINT", "--task", "copy", "--lengths", "100000", "--samples", "1000000"], "this evaluation needs about"),
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

    // A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
    // tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
    @Test("huge lengths exit 1 or 64 at once with the flag, the range and the value", .timeLimit(.minutes(10)), arguments: [
        (["witness", "--length", "9223372036854775807"], "--length must be in 1…524287, got 9223372036854775807"),
        (["witness", "--length", "4611686018427387904"], "--length must be in 1…524287, got 4611686018427387904"),
        (["witness", "--length", "100"], "--length: length must be >= 1 and at most 7 for this model, got 100"),
        (["copy-sweep", "--lengths", "4,100"], "--lengths: length must be >= 1 and at most 7 for this model, got 100"),
        (["copy-sweep", "--lengths", "4611686018427387904"], "--lengths: every length must be in 1…524287, got 4611686018427387904"),
    ] as [([String], String)])
    func hugeLengths(arguments: [String], message: String) throws {
        // A learned table of 16 positions: 2N + 1 ≤ 16, so N ≤ 7.
        let config = Self.directory.appendingPathComponent("learned16.json")
        try Data(#"{"model": {"dModel": 16, "heads": 2, "layers": 1, "mlpHidden": 32, "position": "learned", "maxPositions": 16}, "training": {"batchSize": 8}, "task": {"maxLength": 7}}"#.utf8).write(to: config)
        let out = Self.directory.appendingPathComponent("learned16-\(UUID().uuidString)").path
        let trained = try CLI.run(["train", "--task", "copy", "--config", config.path, "--steps", "2", "--out", out])
        #expect(trained.status == 0, "\(trained.stderr)")
        let r = try CLI.run(arguments + ["--checkpoint", out + "/final.safetensors"])
        #expect(r.status == 1 || r.status == 64, "\(arguments): status \(r.status)")
        #expect(r.stderr.contains(message), "\(arguments): \(r.stderr)")
    }
}
