import Foundation
import Testing
import Transformer
@testable import Experiments

/// Declarative studies (issue 15): the study file, run ids and shards, sharded and resumable
/// runs, and the merged report checked against the result files read independently.
@Suite struct StudyTests {
    static func parse(_ text: String) throws -> Study { try Study(parsing: Data(text.utf8)) }

    /// The error a bad study file gets, or nil when it parses.
    static func failure(_ text: String) -> (any Error)? {
        do { _ = try parse(text); return nil } catch { return error }
    }

    @Test("every bad field is refused with its name, its range and the value", arguments: [
        (#"{}"#, "seeds", "nothing"),
        (#"{"seeds": []}"#, "seeds", "0"),
        (#"{"seeds": [1, 2, 1]}"#, "seeds", "1"),
        (#"{"seeds": [-1]}"#, "seeds", "-1"),
        (#"{"seeds": [1.5]}"#, "seeds", "1.5"),
        (#"{"seeds": "1-20"}"#, "seeds", "'1-20'"),
        (#"{"seeds": {"from": 1, "count": 0}}"#, "seeds.count", "0"),
        (#"{"seeds": {"from": 1, "count": 10001}}"#, "seeds.count", "10001"),
        (#"{"seeds": {"from": 18446744073709551615, "count": 2}}"#, "seeds.from", "18446744073709551615"),
        (#"{"seeds": {"from": 1}}"#, "seeds", "an object"),
        (#"{"seeds": [1], "tasks": ["copy", "copy"]}"#, "tasks", "copy"),
        (#"{"seeds": [1], "tasks": ["sort"]}"#, "tasks", "'sort'"),
        (#"{"seeds": [1], "tasks": []}"#, "tasks", "[]"),
        (#"{"seeds": [1], "positions": ["absolute"]}"#, "positions", "'absolute'"),
        (#"{"seeds": [1], "positions": ["rope", "rope"]}"#, "positions", "rope"),
        (#"{"seeds": [1], "positions": "rope"}"#, "positions", "'rope'"),
        (#"{"seeds": [1], "seedsByPosition": {"alibi": [1]}}"#, "seedsByPosition", "'alibi'"),
        (#"{"seeds": [1], "positions": ["rope", "alibi"], "seedsByPosition": {"alibi": []}}"#, "seedsByPosition.alibi", "0"),
        (#"{"seeds": [1], "steps": 0}"#, "steps", "0"),
        (#"{"seeds": [1], "steps": "5000"}"#, "steps", "'5000'"),
        (#"{"seeds": [1], "steps": 2.5}"#, "steps", "2.5"),
        (#"{"seeds": [1], "steps": 99999999999}"#, "steps", "99999999999"),
        (#"{"seeds": [1], "checkpointEvery": 0}"#, "checkpointEvery", "0"),
        (#"{"seeds": [1], "steps": 10, "checkpointEvery": 5}"#, "checkpointEvery", "2"),
        (#"{"seeds": [1], "maxLength": 257}"#, "maxLength", "257"),
        (#"{"seeds": [1], "oodLength": 0}"#, "oodLength", "0"),
        (#"{"seeds": [1], "idSequences": 0}"#, "idSequences", "0"),
        (#"{"seeds": [1], "oodSequences": 1000001}"#, "oodSequences", "1000001"),
        (#"{"seeds": [1], "dModel": 0}"#, "dModel", "0"),
        (#"{"seeds": [1], "dModel": 4096}"#, "dModel", "4096"),
        (#"{"seeds": [1], "heads": 3}"#, "heads", "3"),
        (#"{"seeds": [1], "dModel": 6, "heads": 2}"#, "heads", "2"),
        (#"{"seeds": [1], "layers": 17}"#, "layers", "17"),
        (#"{"seeds": [1], "mlpHidden": 0}"#, "mlpHidden", "0"),
        (#"{"seeds": [1], "name": ""}"#, "name", "''"),
        (#"{"seeds": [1], "stepz": 10}"#, "stepz", "not a study field"),
    ])
    func badField(_ text: String, field: String, value: String) {
        guard let error = Self.failure(text) else { Issue.record("\(text) parsed"); return }
        guard let error = error as? ConfigurationError else { Issue.record("\(text): \(error) is not a ConfigurationError"); return }
        #expect(error.fields.contains(field), "\(text): \(error)")
        #expect(error.description.contains(value), "\(text): \(error)")
        #expect(error.description.contains("must") || error.description.contains("is not"), "\(text): \(error)")
    }

    @Test("text that is no JSON object is refused as such") func notAnObject() {
        for text in ["", "{", "[1, 2]", "\"seeds\"", "null"] {
            guard let error = Self.failure(text) else { Issue.record("\(text) parsed"); continue }
            #expect(error is StudyFileError, "\(text): \(error)")
        }
    }

    @Test("the Fig. 4 example: 20 + 5 runs, ids from the grid, unique; the normalised study parses back to itself")
    func example() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Examples/Studies/fig4-parity.json")
        let study = try Study(parsing: Data(contentsOf: url))
        #expect(study.settings == ParityStudyConfiguration(), "the example runs at parity-study's defaults")
        let ids = study.runs.map(\.id)
        #expect(ids == (1...20).map { "parity-rope-seed\($0)" } + (1...5).map { "parity-alibi-seed\($0)" })
        #expect(Set(ids).count == ids.count)
        #expect(study.runs.map(\.index) == Array(0..<25))
        let again = try Study(parsing: Data(study.json().rendered().utf8))
        #expect(again == study && again.fingerprint == study.fingerprint)
        // A learned table is widened to the OOD length; other schemes keep the default model.
        let learned = try Self.parse(#"{"seeds": [7], "positions": ["learned", "none"]}"#)
        #expect(learned.runs.map(\.configuration.model.maxPositions) == [128, 64])
        #expect(learned.runs.map(\.configuration.model.position) == [.learned, .none] && learned.runs.map(\.configuration.seed) == [7, 7])
    }

    @Test("ids and fingerprints depend on the study, not on how the file writes it") func stableIds() throws {
        let a = try Self.parse(#"{"seeds": {"from": 3, "count": 3}, "positions": ["alibi", "none"]}"#)
        let b = try Self.parse(#"{"positions": ["alibi", "none"], "tasks": ["parity"], "seeds": [3, 4, 5], "steps": 5000}"#)
        #expect(a == b && a.fingerprint == b.fingerprint)
        #expect(a.runs.map(\.id) == ["parity-alibi-seed3", "parity-alibi-seed4", "parity-alibi-seed5",
                                     "parity-none-seed3", "parity-none-seed4", "parity-none-seed5"])
        let c = try Self.parse(#"{"seeds": [3, 4, 5], "positions": ["alibi", "none"], "steps": 4000}"#)
        #expect(c.fingerprint != a.fingerprint && c.runs.map(\.id) == a.runs.map(\.id))
        #expect(a.fingerprint.count == 16 && a.fingerprint.allSatisfy(\.isHexDigit))
    }

    @Test("shards are disjoint, cover every run, and take run k into shard k mod N + 1") func shards() throws {
        let study = try Self.parse(#"{"seeds": {"from": 1, "count": 7}, "positions": ["rope", "alibi"]}"#)
        for n in [1, 2, 3, 14, 20] {
            let slices = (1...n).map { study.runs(inShard: $0, of: n).map(\.index) }
            #expect(slices.flatMap { $0 }.sorted() == Array(0..<14), "N = \(n)")
            for (i, slice) in slices.enumerated() { #expect(slice.allSatisfy { $0 % n == i }, "N = \(n), shard \(i + 1)") }
        }
        #expect(try StudyShard(parsing: "2/8") == StudyShard(2, of: 8))
        for bad in ["0/2", "3/2", "1/0", "abc", "1/2/3", "/2", "1/", "-1/2", ""] {
            #expect(throws: ConfigurationError.self, "\(bad)") { try StudyShard(parsing: bad) }
        }
    }

    /// A scratch directory, removed by the caller.
    static func scratch() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("study-\(UUID().uuidString)").path
    }

    static func modified(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date ?? .distantPast
    }

    /// A JSON file as Foundation's untyped objects: the test's own reading of the files.
    static func object(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    /// A JSON number as a Double, whether JSONSerialization read it as an integer or not.
    static func number(_ value: Any?) -> Double? {
        if let d = value as? Double { return d }
        if let i = value as? Int { return Double(i) }
        return (value as? NSNumber)?.doubleValue
    }

    /// The q-quantile of sorted values by the textbook formula: h = (n − 1)q, then between the
    /// ⌊h⌋-th and ⌈h⌉-th values in proportion.
    static func quantile(_ sorted: [Double], _ q: Double) -> Double {
        let h = Double(sorted.count - 1) * q
        let below = sorted[Int(floor(h))], above = sorted[Int(ceil(h))]
        return below + (h - floor(h)) * (above - below)
    }

    // A hang guard, not a speed check, hence 10 minutes: in a CI run on a loaded 2-core machine,
    // tests of a few milliseconds waited past a 1-minute limit for a thread (failing together at 341 s).
    @Test("a tiny study run whole and in two shards merges to the same bytes; reruns skip; a missing run is named",
          .timeLimit(.minutes(10)))
    func wholeAndSharded() throws {
        // Small enough to train in well under a second per run, big enough that r varies across checkpoints.
        let study = try Self.parse("""
            {"name": "tiny", "positions": ["rope", "none"], "seeds": [1, 2], "steps": 80, "checkpointEvery": 10,
             "maxLength": 4, "oodLength": 8, "idSequences": 32, "oodSequences": 8, "dModel": 16, "heads": 2, "layers": 1, "mlpHidden": 32}
            """)
        let root = Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let whole = root + "/whole", sharded = root + "/sharded"
        let all = study.runs.map(\.id)
        #expect(try study.run(in: whole).ran == all)

        let first = try study.run(in: sharded, shard: StudyShard(1, of: 2))
        #expect(first.ran == study.runs(inShard: 1, of: 2).map(\.id) && first.skipped.isEmpty)
        #expect(throws: StudyMissingRuns(ids: study.runs(inShard: 2, of: 2).map(\.id), total: 4)) { try StudyReport.merge(sharded) }
        _ = try study.run(in: sharded, shard: StudyShard(2, of: 2))

        // Resuming: nothing is trained again, no result is rewritten.
        let resultFile = StudyDirectory(sharded).resultFile(first.ran[0])
        let before = try Self.modified(resultFile)
        var messages: [String] = []
        let again = try study.run(in: sharded, shard: StudyShard(1, of: 2)) { messages.append($0.message) }
        #expect(again.ran.isEmpty && again.skipped == first.ran)
        #expect(!messages.contains { $0.hasPrefix("step ") }, "\(messages)")
        #expect(try Self.modified(resultFile) == before)

        try StudyReport.merge(whole).write(to: whole + "/report")
        try StudyReport.merge(sharded).write(to: sharded + "/report")
        let files = try FileManager.default.contentsOfDirectory(atPath: whole + "/report").sorted()
        #expect(files == ["parity-none.svg", "parity-rope.svg", "report.html", "report.json", "report.md"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: sharded + "/report").sorted() == files)
        for file in files {
            let a = try Data(contentsOf: URL(fileURLWithPath: whole + "/report/" + file))
            let b = try Data(contentsOf: URL(fileURLWithPath: sharded + "/report/" + file))
            #expect(a == b, "\(file) differs between the whole and the sharded run")
        }

        try checkStatistics(study, whole)

        // A lost result: the merge names it and stops.
        try FileManager.default.removeItem(atPath: StudyDirectory(sharded).resultFile("parity-none-seed2"))
        #expect(throws: StudyMissingRuns(ids: ["parity-none-seed2"], total: 4)) { try StudyReport.merge(sharded) }
        // A different study is refused in the same directory, before any run.
        var other = study
        other.settings.steps = 90
        #expect(throws: StudyFileError.self) { try other.run(in: sharded) }
        #expect(!FileManager.default.fileExists(atPath: StudyDirectory(sharded).resultFile("parity-none-seed2")))
    }

    /// A merged "selectors" list against the result files: each rule's pick (its step, chosen on
    /// the `choosing` set) and its accuracy on the `judging` set, from the checkpoint list.
    static func checkSelectors(_ merged: [String: Any], _ results: [[String: Any]], choosing: String, judging: String, _ context: String) {
        let selectors = merged["selectors"] as? [[String: Any]] ?? []
        #expect(selectors.compactMap { $0["rule"] as? String } == StudyReport.selectors, "\(context)")
        for selector in selectors {
            let rule = selector["rule"] as? String ?? ""
            let losses = results.map { result -> Double in
                let picks = (result[choosing] as? [String: Any])?["selections"] as? [[String: Any]] ?? []
                let step = Self.number(picks.first { $0["rule"] as? String == rule }?["step"]) ?? .nan
                let checkpoints = result["checkpoints"] as? [[String: Any]] ?? []
                let accuracy = { (c: [String: Any]) in Self.number((c[judging] as? [String: Any])?["accuracy"]) }
                let best = checkpoints.compactMap(accuracy).max() ?? .nan
                let picked = checkpoints.first { Self.number($0["step"]) == step }.flatMap(accuracy) ?? .nan
                return best - picked
            }
            #expect(losses.allSatisfy { $0 >= 0 }, "\(context) \(rule): \(losses)")
            let lost = losses.filter { $0 > 0 }
            #expect(Self.number(selector["picks_most_accurate"]) == Double(losses.count - lost.count), "\(context) \(rule)")
            if lost.isEmpty {
                #expect(selector["mean_accuracy_lost_when_not"] is NSNull && selector["max_accuracy_lost_when_not"] is NSNull, "\(context) \(rule)")
            } else {
                let mean = lost.reduce(0, +) / Double(lost.count)
                #expect(abs((Self.number(selector["mean_accuracy_lost_when_not"]) ?? .nan) - mean) <= 1e-12, "\(context) \(rule)")
                #expect(abs((Self.number(selector["max_accuracy_lost_when_not"]) ?? .nan) - lost.max()!) <= 1e-12, "\(context) \(rule)")
            }
        }
    }

    /// The merged report.json against the result files, read with JSONSerialization and
    /// summarised here by direct formulas.
    func checkStatistics(_ study: Study, _ directory: String) throws {
        let report = try Self.object(directory + "/report/report.json")
        let configurations = report["configurations"] as? [[String: Any]] ?? []
        #expect(configurations.count == 2)
        var varied = false
        for configuration in configurations {
            let position = configuration["position"] as? String ?? ""
            let results = try study.seeds.map { try Self.object(directory + "/runs/parity-\(position)-seed\($0)/result.json") }
            for set in ["in_distribution", "out_of_distribution"] {
                let analyses = results.map { $0[set] as? [String: Any] ?? [:] }
                let merged = configuration[set] as? [String: Any] ?? [:]
                let r = analyses.compactMap { Self.number($0["pearson"]) }.sorted()
                #expect(Self.number(merged["pearson_undefined"]) == Double(study.seeds.count - r.count))
                if let pearson = merged["pearson"] as? [String: Any] {
                    varied = true
                    let expected: [(String, Double)] = [("min", r[0]), ("lower_quartile", Self.quantile(r, 0.25)), ("median", Self.quantile(r, 0.5)),
                                                        ("upper_quartile", Self.quantile(r, 0.75)), ("max", r[r.count - 1])]
                    for (key, value) in expected {
                        let got = Self.number(pearson[key]) ?? .nan
                        #expect(abs(got - value) <= 1e-12, "\(position) \(set) \(key): \(got) against \(value)")
                    }
                    #expect(Self.number(pearson["positive"]) == Double(r.filter { $0 > 0 }.count) && Self.number(pearson["seeds"]) == Double(r.count))
                } else {
                    #expect(r.isEmpty)
                }
                // The loss from the picked step's accuracy and the best accuracy of the checkpoint list.
                Self.checkSelectors(merged, results, choosing: set, judging: set, "\(position) \(set)")
            }
            let crossed = configuration["id_choice_judged_ood"] as? [String: Any] ?? [:]
            Self.checkSelectors(crossed, results, choosing: "in_distribution", judging: "out_of_distribution", "\(position) crossed")
        }
        #expect(varied, "the tiny study must give r on some seeds, or the quartiles are not checked")
        // Timing stays out of the report.
        let markdown = try String(contentsOfFile: directory + "/report/report.md", encoding: .utf8)
        #expect(!markdown.contains("seconds") && !markdown.contains(PackageInfo.version))
    }
}
