import Foundation
import Testing
import Transformer
import Witnesses
@testable import Experiments

/// Grids over settings, copy runs with their witnesses, and the `analyses` field (issue 15):
/// ids and plan sizes against lists written out by hand, the copy results against the same
/// sweep run directly, the merged copy report against the result files, and the committed
/// Fig. 4 results against their committed report.
@Suite struct StudyGridTests {
    static func parse(_ text: String) throws -> Study { try StudyTests.parse(text) }

    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test("ids name the settings that vary over a task's runs, and only those; one value keeps the old ids and fingerprint")
    func ids() throws {
        let grid = try Self.parse("""
            {"tasks": ["parity", "copy"], "positions": ["rope", "alibi"], "seeds": [1, 2], "steps": [300, 600], "oodLength": [32, 64], "witnessLengths": [8]}
            """)
        let parity = ["rope", "alibi"].flatMap { p in
            ["steps300-oodLength32", "steps300-oodLength64", "steps600-oodLength32", "steps600-oodLength64"].flatMap { s in
                ["seed1", "seed2"].map { "parity-\(p)-\(s)-\($0)" }
            }
        }
        // Copy runs have no out-of-distribution length: it is not in their ids.
        let copy = ["rope", "alibi"].flatMap { p in ["steps300", "steps600"].flatMap { s in ["seed1", "seed2"].map { "copy-\(p)-\(s)-\($0)" } } }
        #expect(grid.runs.map(\.id) == parity + copy)
        #expect(grid.runs.map(\.index) == Array(0..<24) && grid.runCount == 24)
        let run = grid.runs[5]
        #expect(run.id == "parity-rope-steps600-oodLength32-seed2" && run.configuration.steps == 600 && run.configuration.oodLength == 32 && run.seed == 2)
        #expect(run.configurationID == "parity-rope-steps600-oodLength32" && run.copy == nil)
        let copyRun = grid.runs[23]
        #expect(copyRun.copy == CopyStudyConfiguration(steps: 600, maxLength: 16, witnessLengths: [8], calibrationPairs: 10, predicts: true, seed: 2,
                                                       model: TransformerConfig(position: .alibi)))

        // A list of one value is that value: the same study, ids and fingerprint as the scalar.
        let scalar = try Self.parse(#"{"seeds": [3], "steps": 2000, "layers": 2}"#)
        let listed = try Self.parse(#"{"seeds": [3], "steps": [2000], "layers": [2]}"#)
        #expect(scalar == listed && scalar.fingerprint == listed.fingerprint && listed.runs.map(\.id) == ["parity-rope-seed3"])
        // Normalised, a grid parses back to itself.
        let text = grid.json().rendered()
        #expect(try Study(parsing: Data(text.utf8)) == grid)
        #expect(text.contains(#""oodLength": ["#) && text.contains(#""witnessLengths""#) && !text.contains(#""analyses""#))
    }

    @Test("the committed Fig. 4 study keeps its normalised form, and its results re-merge to the committed report byte for byte")
    func committedStudy() throws {
        let folder = Self.root.appendingPathComponent("results/2026-12-01-fig4-study-25-seeds").path
        let text = try String(contentsOfFile: folder + "/study.json", encoding: .utf8)
        #expect(try Study(parsing: Data(text.utf8)).json().rendered() + "\n" == text)
        let copy = StudyTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.createDirectory(atPath: copy, withIntermediateDirectories: true)
        for item in ["study.json", "runs"] { try FileManager.default.copyItem(atPath: folder + "/" + item, toPath: copy + "/" + item) }
        try StudyReport.merge(copy).write(to: copy + "/report")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder + "/report").sorted()
        #expect(try FileManager.default.contentsOfDirectory(atPath: copy + "/report").sorted() == files && files.count == 5)
        for file in files {
            #expect(FileManager.default.contents(atPath: copy + "/report/" + file) == FileManager.default.contents(atPath: folder + "/report/" + file), "\(file)")
        }
    }

    @Test("a bad grid, copy setting or analysis is refused with its field, its range and the value", arguments: [
        (#"{"seeds": [1], "steps": []}"#, "steps", "[]"),
        (#"{"seeds": [1], "steps": [100, 100]}"#, "steps", "100"),
        (#"{"seeds": [1], "steps": [100, "x"]}"#, "steps", "'x'"),
        (#"{"seeds": [1], "steps": [300, 0]}"#, "steps", "0"),
        (#"{"seeds": [1], "layers": [1, 17]}"#, "layers", "17"),
        (#"{"seeds": [1], "maxLength": [8, 300]}"#, "maxLength", "300"),
        (#"{"seeds": [1], "steps": [300, 301, 302, 303, 304, 305, 306, 307, 308, 309, 310, 311, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 322, 323, 324, 325, 326, 327, 328, 329, 330, 331, 332, 333, 334, 335, 336, 337, 338, 339, 340, 341, 342, 343, 344, 345, 346, 347, 348, 349, 350, 351, 352, 353, 354, 355, 356, 357, 358, 359, 360, 361, 362, 363, 364, 365, 366, 367, 368, 369, 370, 371, 372, 373, 374, 375, 376, 377, 378, 379, 380, 381, 382, 383, 384, 385, 386, 387, 388, 389, 390, 391, 392, 393, 394, 395, 396, 397, 398, 399, 400]}"#,
         "steps", "a list of 101"),
        (#"{"seeds": {"from": 1, "count": 10000}, "steps": [300, 400, 500, 600, 700, 800, 900, 1000, 1100, 1200, 1300]}"#, "seeds", "110000"),
        (#"{"seeds": [1], "tasks": ["copy"], "oodLength": [64, 128]}"#, "oodLength", "[64, 128]"),
        (#"{"seeds": [1], "witnessLengths": [8]}"#, "witnessLengths", "a list"),
        (#"{"seeds": [1], "calibrationPairs": 3}"#, "calibrationPairs", "3"),
        (#"{"seeds": [1], "tasks": ["copy"], "witnessLengths": 8}"#, "witnessLengths", "8"),
        (#"{"seeds": [1], "tasks": ["copy"], "witnessLengths": [2]}"#, "witnessLengths", "2"),
        (#"{"seeds": [1], "tasks": ["copy"], "witnessLengths": [4097]}"#, "witnessLengths", "4097"),
        (#"{"seeds": [1], "tasks": ["copy"], "witnessLengths": [16, 8]}"#, "witnessLengths", "[16, 8]"),
        (#"{"seeds": [1], "tasks": ["copy"], "witnessLengths": []}"#, "witnessLengths", "[]"),
        (#"{"seeds": [1], "tasks": ["copy"], "calibrationPairs": 0}"#, "calibrationPairs", "0"),
        (#"{"seeds": [1], "tasks": ["copy"], "steps": 0}"#, "steps", "0"),
        (#"{"seeds": [1], "analyses": ["witnesses"]}"#, "analyses", "'witnesses'"),
        (#"{"seeds": [1], "analyses": ["bootstrap"]}"#, "analyses", "'bootstrap'"),
        (#"{"seeds": [1], "analyses": []}"#, "analyses", "[]"),
        (#"{"seeds": [1], "analyses": "correlation"}"#, "analyses", "'correlation'"),
        (#"{"seeds": [1], "analyses": ["correlation", "correlation"]}"#, "analyses", "correlation"),
        (#"{"seeds": [1], "tasks": ["copy"], "analyses": ["prediction"]}"#, "analyses", "[prediction]"),
        (#"{"seeds": [1], "tasks": ["parity", "copy"], "analyses": ["correlation"]}"#, "analyses", "copy has none"),
    ])
    func badField(_ text: String, field: String, value: String) {
        StudyTests().badField(text, field: field, value: value)
    }

    @Test("analyses: the default is every analysis of the tasks; the prediction can be left out") func analyses() throws {
        let implicit = try Self.parse(#"{"seeds": [1], "tasks": ["copy"]}"#)
        let explicit = try Self.parse(#"{"seeds": [1], "tasks": ["copy"], "analyses": ["prediction", "witnesses"]}"#)
        #expect(implicit == explicit && implicit.resolvedAnalyses == [.witnesses, .prediction] && implicit.runs[0].copy?.predicts == true)
        let bare = try Self.parse(#"{"seeds": [1], "tasks": ["copy"], "analyses": ["witnesses"]}"#)
        #expect(bare.runs[0].copy?.predicts == false && bare.fingerprint != implicit.fingerprint)
        #expect(try Study(parsing: Data(bare.json().rendered().utf8)) == bare)
    }

    @Test("the plan lists every run of a grid once, with a positive estimate; shard totals add up")
    func plan() throws {
        let study = try Self.parse("""
            {"tasks": ["parity", "copy"], "seeds": [1, 2], "steps": [30, 40], "checkpointEvery": 10, "maxLength": 4, "oodLength": [6, 8],
             "idSequences": 8, "oodSequences": 4, "dModel": 8, "heads": 2, "layers": 1, "mlpHidden": 16, "witnessLengths": [4, 6], "calibrationPairs": 2}
            """)
        let plan = try StudyPlan(study, shards: 5)
        // Parity: 2 steps × 2 OOD lengths × 2 seeds; copy: 2 steps × 2 seeds.
        #expect(plan.entries.count == 12 && plan.entries.map(\.run.id) == study.runs.map(\.id))
        #expect(plan.entries.allSatisfy { $0.estimate.seconds > 0 && $0.estimate.bytes > 0 })
        #expect(plan.shardTotals.map(\.runs) == [3, 3, 2, 2, 2])
        let copy = plan.entries.filter { $0.run.task == .copy }
        #expect(copy.count == 4 && copy[0].estimate == copy[1].estimate, "seeds of one configuration share its probe")
        #expect(plan.method.contains("copy runs"))
    }

    /// A tiny copy study: training dominates a run's time, so few steps (still enough for some
    /// seeds to copy α and β alike).
    static let tiny = """
        {"name": "tiny copy", "tasks": ["copy"], "seeds": [1, 2], "steps": [20, 40], "maxLength": 4,
         "dModel": 16, "heads": 2, "layers": 1, "mlpHidden": 32, "witnessLengths": [4, 8], "calibrationPairs": 2}
        """

    // A hang guard, not a speed check (see StudyTests).
    @Test("a tiny copy study: its witnesses are the sweep's run directly; whole and sharded (in either order) merge to the same bytes, twice",
          .timeLimit(.minutes(10)))
    func copyStudy() throws {
        let study = try Self.parse(Self.tiny)
        let root = StudyTests.scratch()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let whole = root + "/whole", sharded = root + "/sharded"
        _ = try study.run(in: whole)
        for shard in [3, 1, 2] { _ = try study.run(in: sharded, shard: StudyShard(shard, of: 3)) }
        for (directory, out) in [(whole, "a"), (whole, "b"), (sharded, "a")] { try StudyReport.merge(directory).write(to: directory + "/" + out) }
        let files = try FileManager.default.contentsOfDirectory(atPath: whole + "/a").sorted()
        #expect(files == ["copy-rope-steps20.svg", "copy-rope-steps40.svg", "report.html", "report.json", "report.md"])
        for file in files {
            let a = FileManager.default.contents(atPath: whole + "/a/" + file)
            #expect(a != nil && a == FileManager.default.contents(atPath: whole + "/b/" + file) && a == FileManager.default.contents(atPath: sharded + "/a/" + file),
                    "\(file)")
        }
        #expect(study.runs.map(\.id) == ["copy-rope-steps20-seed1", "copy-rope-steps20-seed2", "copy-rope-steps40-seed1", "copy-rope-steps40-seed2"])

        // Each run's result against the same model trained and swept here, step by step.
        var results: [String: [String: Any]] = [:]
        for (steps, seed) in [(20, 1), (20, 2), (40, 1), (40, 2)] {
            let id = "copy-rope-steps\(steps)-seed\(seed)"
            let result = try StudyTests.object(StudyDirectory(whole).resultFile(id))
            results[id] = result
            var run = RunConfig(model: TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32), task: TaskSpec(kind: .copy, maxLength: 4))
            run.training.steps = steps
            var trainer = try Trainer(run: run, seed: UInt64(seed))
            while trainer.step < steps { _ = trainer.trainStep() }
            let floor = try ProbabilityFloor(head: OutputHead(transformer: trainer.model)).float32Epsilon()
            var model = TransformerLanguageModel(trainer.model)
            let sweep = try CopySweep.run(model: &model, prompting: BitCopyPrompting(), configuration: CopySweepConfiguration(
                lengths: [4, 8], prediction: CopySweepPrediction(calibrationPairs: 2, seed: UInt64(seed), floor: floor)))
            let witnesses = result["witnesses"] as? [[String: Any]] ?? []
            #expect(witnesses.count == 2, "\(id)")
            for (w, s) in zip(sweep.witnesses, witnesses) {
                #expect(StudyTests.number(s["length"]) == Double(w.length), "\(id)")
                #expect(s["alpha_copied"] as? Bool == w.alpha.isCorrect && s["beta_copied_as_alpha"] as? Bool == w.betaCopiedAsAlpha, "\(id) N = \(w.length)")
                #expect(s["perplexity_wrong"] as? Bool == (w.alpha.output == w.alpha.target && w.beta.output == w.alpha.target), "\(id) N = \(w.length)")
                // JSON keeps about 16 significant digits.
                #expect(abs((StudyTests.number(s["gap"]) ?? .nan) - w.certified.gap.doubleMidpoint) <= 1e-12 * max(1, w.certified.gap.doubleMidpoint), "\(id) N = \(w.length)")
                #expect(abs((StudyTests.number(s["eta"]) ?? .nan) - w.eta) <= 1e-12, "\(id) N = \(w.length)")
            }
            let verdicts = witnesses.map { ($0["prediction"] as? [String: Any])?["verdict"] as? String ?? "none" }
            // The sweep table's words for each verdict, and the raw values a result stores.
            let stored = ["yes": "held", "NO (not copied as alpha)": "not_copied", "NO (gap above bound)": "gap_above_bound", "undecided": "undecided", "n/a": "not_predicted"]
            #expect(verdicts == sweep.lemma?.outcomes.map { stored[CopySweep.verdict($0)] ?? "?" }, "\(id)")
            // η(N) as calibrated, left out where α was not copied with a margin (nothing calibrated).
            let calibration = try #require(sweep.lemma?.calibration)
            for (w, c) in zip(witnesses, calibration) {
                let eta = (w["prediction"] as? [String: Any])?["calibrated_eta"]
                if c.pairs == 0 {
                    #expect(eta == nil, "\(id) N = \(c.length)")
                } else {
                    #expect(abs((StudyTests.number(eta) ?? .nan) - c.eta) <= 1e-12, "\(id) N = \(c.length)")
                }
            }
        }
        try checkCopyReport(whole + "/a/report.json", results)
    }

    /// The merged copy configurations against the result files, counted and summarised here.
    func checkCopyReport(_ path: String, _ results: [String: [String: Any]]) throws {
        let report = try StudyTests.object(path)
        let configurations = report["configurations"] as? [[String: Any]] ?? []
        #expect(configurations.map { $0["task"] as? String ?? "" } == ["copy", "copy"])
        var wrongSomewhere = false
        for configuration in configurations {
            let steps = (configuration["settings"] as? [String: Any]).flatMap { StudyTests.number($0["steps"]) } ?? 0
            let ids = configuration["runs"] as? [String] ?? []
            #expect(ids == [1, 2].map { "copy-rope-steps\(Int(steps))-seed\($0)" })
            let runs = ids.map { results[$0] ?? [:] }
            for (i, merged) in (configuration["witnesses"] as? [[String: Any]] ?? []).enumerated() {
                let witnesses = runs.map { ($0["witnesses"] as? [[String: Any]] ?? [])[i] }
                func count(_ key: String) -> Double { Double(witnesses.filter { $0[key] as? Bool == true }.count) }
                for key in ["alpha_copied", "beta_copied_as_alpha", "perplexity_wrong"] {
                    #expect(StudyTests.number(merged[key]) == count(key), "steps \(steps) N \(i) \(key)")
                }
                wrongSomewhere = wrongSomewhere || count("perplexity_wrong") > 0
                let gaps = witnesses.compactMap { StudyTests.number($0["gap"]) }.sorted()
                let gap = merged["gap"] as? [String: Any] ?? [:]
                #expect(abs((StudyTests.number(gap["median"]) ?? .nan) - StudyTests.quantile(gaps, 0.5)) <= 1e-12, "steps \(steps) N \(i)")
                #expect(abs((StudyTests.number(gap["max"]) ?? .nan) - (gaps.last ?? .nan)) <= 1e-12, "steps \(steps) N \(i)")
                let prediction = merged["prediction"] as? [String: Any] ?? [:]
                for verdict in CopyPredictionVerdict.allCases {
                    let seeds = witnesses.filter { ($0["prediction"] as? [String: Any])?["verdict"] as? String == verdict.rawValue }.count
                    #expect(StudyTests.number(prediction[verdict.rawValue]) == Double(seeds), "steps \(steps) N \(i) \(verdict)")
                }
            }
        }
        // Not a requirement of the code, but of the test: with no perplexity-wrong witness the counts above would all be 0.
        #expect(wrongSomewhere, "the tiny study should give a perplexity-wrong witness somewhere, or the counts are barely checked")
    }
}
