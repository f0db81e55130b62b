import Foundation
import Testing

/// `perplexed study`: the command-line contract other tools (the Slurm scripts) rely on.
@Suite struct StudyCLITests {
    /// A tiny study file in a fresh directory.
    static func tinyStudy() throws -> (directory: String, file: String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("study-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let file = directory + "/tiny.json"
        try Data("""
            {"positions": ["rope", "alibi"], "seeds": {"from": 1, "count": 2}, "steps": 30, "checkpointEvery": 10,
             "maxLength": 4, "oodLength": 8, "idSequences": 8, "oodSequences": 4, "dModel": 8, "heads": 2, "layers": 1, "mlpHidden": 16}
            """.utf8).write(to: URL(fileURLWithPath: file))
        return (directory, file)
    }

    @Test("--shard must be I/N with 1 ≤ I ≤ N: anything else is a usage error naming --shard", arguments: ["0/2", "3/2", "1/0", "abc", "-1/2", "1/2/3"])
    func badShard(_ value: String) throws {
        let (directory, file) = try Self.tinyStudy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let r = try CLI.run(["study", "run", file, "--out", directory + "/out", "--shard=\(value)"])
        #expect(r.status == 64, "\(value): \(r.stderr)")
        #expect(r.stderr.hasPrefix("Error: ") && r.stderr.contains("--shard"), "\(value): \(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/out"), "nothing is written before the arguments are checked")
    }

    @Test("plan --format json: every run with its id, shard, seconds and bytes; shard totals add up")
    func planJSON() throws {
        let (directory, file) = try Self.tinyStudy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let plan = try CLI.json(["study", "plan", file, "--shards", "3"])
        let runs = plan["runs"] as? [[String: Any]] ?? []
        #expect(runs.compactMap { $0["id"] as? String } == ["parity-rope-seed1", "parity-rope-seed2", "parity-alibi-seed1", "parity-alibi-seed2"])
        #expect(runs.compactMap { $0["shard"] as? Int } == [1, 2, 3, 1])
        #expect(runs.allSatisfy { ($0["seconds"] as? Double ?? ($0["seconds"] as? Int).map(Double.init) ?? -1) >= 0 && ($0["bytes"] as? Int ?? 0) > 0 })
        let totals = plan["shard_totals"] as? [[String: Any]] ?? []
        #expect(totals.compactMap { $0["runs"] as? Int } == [2, 1, 1])
        #expect((plan["estimate_method"] as? String ?? "").contains("measured on this machine"))
    }

    @Test("plan --format json of a grid: ids and settings name the listed values, and only them")
    func planGrid() throws {
        let (directory, file) = try Self.tinyStudy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Data("""
            {"seeds": [1], "steps": [30, 40], "checkpointEvery": 10, "maxLength": 4, "oodLength": 8, "idSequences": 8, "oodSequences": 4,
             "dModel": 8, "heads": 2, "layers": 1, "mlpHidden": 16}
            """.utf8).write(to: URL(fileURLWithPath: file))
        let runs = try CLI.json(["study", "plan", file])["runs"] as? [[String: Any]] ?? []
        #expect(runs.compactMap { $0["id"] as? String } == ["parity-rope-steps30-seed1", "parity-rope-steps40-seed1"])
        #expect(runs.compactMap { ($0["settings"] as? [String: Any])?["steps"] as? Int } == [30, 40])
        #expect(runs.allSatisfy { ($0["settings"] as? [String: Any])?.count == 1 })
    }

    @Test("merge of a directory with no study, and a study file with a bad field, fail with one clear line")
    func failures() throws {
        let (directory, file) = try Self.tinyStudy()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let merge = try CLI.run(["study", "merge", directory])
        #expect(merge.status == 1 && merge.stderr.contains("study.json"), "\(merge.stderr)")
        try Data(#"{"seeds": [1], "analyses": ["witnesses"]}"#.utf8).write(to: URL(fileURLWithPath: file))
        let plan = try CLI.run(["study", "plan", file])
        #expect(plan.status == 1 && plan.stderr.contains("'analyses'") && plan.stderr.contains("copy task"), "\(plan.stderr)")
    }
}
