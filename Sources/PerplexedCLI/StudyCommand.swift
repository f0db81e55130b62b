import ArgumentParser
import Experiments
import Foundation
import Reporting

/// `perplexed study …`: declarative studies, planned, run in shards, merged into one report.
struct StudyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "study",
        abstract: "Plan, run (whole or in shards) and merge a declarative study: many seeds, position schemes and settings of the parity study and the copy witnesses.",
        discussion: """
            A study file declares a grid of runs: tasks × position schemes × the settings given \
            as lists × seeds. A parity run is a `parity-study`; a copy run trains the copy \
            Transformer (as `train --task copy`) and runs `copy-sweep` on it at a few witness \
            lengths. `plan` lists the runs and what each costs, \
            `run` runs all of them or one shard (on a cluster, one shard per job), and `merge` \
            makes one report from the results, the same bytes whatever the order the shards ran in.

            The study file is JSON: no TOML parser is among the project's packages, and every \
            result file Perplexed writes is JSON too. Fields (all but seeds optional; the \
            defaults are `parity-study`'s, the paper's Fig. 4):
              name             a title for the report ("study")
              tasks            any of "parity", "copy" (default ["parity"])
              positions        any of "rope", "alibi", "learned" (absolute),
                               "none" (default ["rope"])
              seeds            a list [1, 2, 3] or a range {"from": 1, "count": 20}
              seedsByPosition  seeds of their own for some schemes, e.g.
                               {"alibi": {"from": 1, "count": 5}}
              steps, checkpointEvery, maxLength, oodLength, idSequences, oodSequences
                               as parity-study's flags (5000, 100, 16, 128, 512, 128);
                               copy runs use steps and maxLength (training length)
              dModel, heads, layers, mlpHidden
                               the Transformer's size (64, 4, 3, 256)
              analyses         which analyses run (default: all that fit the tasks):
                               "correlation" (parity: r with bootstrap, selection
                               rules), "witnesses" (copy: Fig. 2 witnesses),
                               "prediction" (copy: Lemma 3.1 predicts each witness)
              witnessLengths   copy only: witness lengths N, increasing, each in
                               3…4096 ([16, 32, 64])
              calibrationPairs copy only: calibration pairs per length for the
                               prediction, 1…1000 (10)

            steps, maxLength, oodLength, dModel and layers may each be a list, e.g. \
            "steps": [1000, 5000]: a grid axis (at most \(Study.axisLimit) values; at most \
            \(Study.runLimit) runs in all). oodLength is no axis of copy runs.

            Run ids are <task>-<position>[-<axis><value>…]-seed<seed>, with only the settings \
            that vary over the task's runs: parity-rope-seed3, parity-rope-steps1000-seed3. An \
            id is the run's place in the grid, stable when the grid grows. Run k of the plan \
            (from 0, tasks outermost, then positions, then the listed settings, then seeds, in \
            the file's order) is in shard k mod N + 1.

            Output directory (`run --out DIR`):
              DIR/study.json             the normalised study (a study file itself)
              DIR/runs/<id>/result.json  a parity run's checkpoints, correlations and
                                         selections, or a copy run's witnesses (gap,
                                         copies, prediction); its time under "metadata"
              DIR/report/                report.md, report.html, report.json and one SVG
                                         per configuration, named as its ids without
                                         -seed<seed> (of `merge`)

            Example study files: Examples/Studies/fig4-parity.json (the Fig. 4 study) and \
            Examples/Studies/copy-witnesses.json (copy witnesses over seeds and two step \
            counts). Two more:
              {"name": "quick", "positions": ["rope", "alibi"],
               "seeds": {"from": 1, "count": 5}, "steps": 1000, "checkpointEvery": 50}
              {"name": "both", "tasks": ["parity", "copy"], "seeds": [1, 2, 3],
               "steps": [1000, 3000], "checkpointEvery": 50, "witnessLengths": [16, 64]}

            Example:
              perplexed study plan Examples/Studies/fig4-parity.json --shards 8
              perplexed study run Examples/Studies/fig4-parity.json --out runs/fig4 \\
                --shard 3/8
              perplexed study merge runs/fig4
            """,
        subcommands: [StudyPlanCommand.self, StudyRunCommand.self, StudyMergeCommand.self]
    )
}

/// Reads and validates the study file `path`; a bad file is a runtime failure naming it.
private func loadStudy(_ path: String) throws -> Study {
    let data = try readRegularFile(path, limit: (1 << 20, "a study file holds at most 1 MB"))
    do {
        return try Study(parsing: data)
    } catch let error as ConfigurationError {
        throw CommandFailure("\(path): \(error.message { "'\($0)'" })")
    } catch {
        throw CommandFailure("\(path): \(error)")
    }
}

struct StudyPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "List a study's runs with their ids, shards and estimated time and memory.",
        discussion: """
            Times are measured: each configuration (task × position scheme × the listed \
            settings) is probed once on this machine (a few training steps and evaluations, \
            under a second at the paper's settings; for copy, also the decoding rate, a few \
            seconds) and scaled to the run's steps and checkpoints or witnesses. Memory is \
            computed from the model's size. \
            The shard totals add up the time of a shard's runs (they run one after the other) \
            and take the largest run's memory: what a scheduler should ask for per shard.

            --format json prints {"study", "fingerprint", "shards", "estimate_method", "runs": \
            [{"id", "task", "position", "settings" (when some vary), "seed", "shard", "seconds", \
            "bytes"}], "shard_totals": \
            [{"shard", "runs", "seconds", "bytes"}]}.
            """
    )

    @Argument(help: ArgumentHelp("The study file (JSON).", valueName: "FILE"))
    var file: String

    @Option(parsing: .unconditional, help: "Cut the runs into this many shards (1…1000000).")
    var shards: Int = 1

    @Option(help: "text or json.")
    var format: TableFormat = .text

    func validate() throws {
        try requireFileName(file, "FILE")
        try requireTextOrJSON(format)
        guard (1...StudyShard.limit).contains(shards) else { throw ValidationError("--shards must be in 1…\(StudyShard.limit), got \(shards)") }
    }

    func run() throws {
        let study = try loadStudy(file)
        let status = StatusLine(clearing: "\n")
        let plan = try StudyPlan(study, shards: shards, progress: status.show)
        status.finish()
        print(format == .json ? plan.json().rendered() : plan.text())
    }
}

struct StudyRunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a study's runs, or one shard of them, into an output directory; resumable.",
        discussion: """
            Runs one after the other (training already uses the machine's cores). Each run \
            writes DIR/runs/<id>/result.json atomically when it ends; a run whose result is \
            there, for this study, is skipped, so running the same command again resumes. \
            DIR/study.json is written first; a DIR that holds a different study is refused.

            --shard I/N runs the I-th of N disjoint slices (I from 1 to N); without it, every \
            run. Shards may run at the same time, on one machine or many, into the same DIR; \
            with more shards than runs, some shards are empty.
            """
    )

    @Argument(help: ArgumentHelp("The study file (JSON).", valueName: "FILE"))
    var file: String

    @Option(help: "The study's output directory.")
    var out: String

    @Option(help: ArgumentHelp("Run only shard I of N (1-based: 1/4 … 4/4).", valueName: "I/N"), transform: parseShard)
    var shard: StudyShard?

    func validate() throws {
        try requireFileName(file, "FILE")
        try requireFileName(out, "--out")
    }

    func run() throws {
        let study = try loadStudy(file)
        try createOutputDirectory(out, flag: "--out")
        let status = StatusLine(clearing: "\n")
        let summary: StudyRunSummary
        do {
            summary = try study.run(in: out, shard: shard, progress: status.show)
        } catch let error as StudyFileError {
            throw CommandFailure("--out", error)
        }
        status.finish()
        FileHandle.standardError.write(Data("ran \(summary.ran.count) run\(summary.ran.count == 1 ? "" : "s"), skipped \(summary.skipped.count) already done; results in \(out)/runs\n".utf8))
    }
}

/// `--shard I/N` as ArgumentParser's transform: the reason is shown with the flag's name.
private func parseShard(_ text: String) throws -> StudyShard {
    do {
        return try StudyShard(parsing: text)
    } catch {
        throw ValidationError("--shard " + error.message { $0 == "shards" ? "N" : "I" })
    }
}

struct StudyMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Merge a study's results into one report (Markdown, HTML, JSON, SVG).",
        discussion: """
            Reads DIR/study.json and every run's DIR/runs/<id>/result.json; if any run has no \
            result, names the missing ids and exits 1. Per parity configuration (task × position \
            scheme × the settings given as lists) the report gives the distribution over seeds of Pearson's r between \
            log-perplexity and micro-F1, in and out of distribution (min, quartiles, median, \
            max, how many are positive), and for each selection rule (lowest log-perplexity, \
            Brier score, calibration error, mean entropy) how often it picks a checkpoint as \
            accurate as the most accurate one, and the accuracy lost when not (mean, max); \
            and the same for each rule choosing on the in-distribution metrics, judged by \
            accuracy out of distribution (the choice one can make before deployment). Per copy \
            configuration, at each witness length: how many seeds give a perplexity-wrong \
            witness (α_N = 0…0 copied right, β_N = 0…01 copied as α_N), how many copied α and \
            β, the distribution of |pplx(α_N) − pplx(β_N)|, and how often the Lemma 3.1 \
            prediction held, failed or predicted nothing.

            The report holds no times, dates or host names: the same results give the same \
            bytes, however the shards were run. Run times stay in result.json ("metadata").
            """
    )

    @Argument(help: ArgumentHelp("The study's output directory (of `study run --out`).", valueName: "DIR"))
    var directory: String

    @Option(help: "Directory for the report (default: DIR/report).")
    var out: String?

    func validate() throws {
        try requireFileName(directory, "DIR")
        if let out { try requireFileName(out, "--out") }
    }

    func run() throws {
        let report: StudyReport
        do {
            report = try StudyReport.merge(directory)
        } catch {
            throw CommandFailure("DIR", error)
        }
        for name in report.unlisted {
            FileHandle.standardError.write(Data("note: \(directory)/runs/\(name) is no run of this study; left out\n".utf8))
        }
        let destination = out ?? directory + "/report"
        try createOutputDirectory(destination, flag: "--out")
        do { try report.write(to: destination) } catch { throw CommandFailure("--out", error) }
        print(report.document.sections.map { "\($0.title): \($0.measured)" }.joined(separator: "\n\n"))
        FileHandle.standardError.write(Data("wrote \(destination)/report.md, report.html, report.json and the figures\n".utf8))
    }
}
