import ArgumentParser
import Experiments
import Foundation
import Kernels
import Reporting
import Witnesses

/// `perplexed witness`: one α_N/β_N witness (Lemma 3.1) on a trained copy model.
struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Build an α_N/β_N witness: a bitstring the model copies, one bit flipped, and what perplexity sees.",
        discussion: """
            α_N is the base bitstring (default 0…0), β_N the same with bit J flipped (default the \
            last). Both are copied greedily (ties to 0, Eq. 2) and scored along the model's own \
            outputs (Eq. 3). Every log-probability is recomputed from the float32 logits with \
            interval arithmetic, and the measured |pplx(α_N) − pplx(β_N)| is checked against the \
            corrected Lemma 3.1 bound (−log ε)/N + 2η(N−1)/N with the measured η and floor ε.

            Examples:
              perplexed witness --checkpoint runs/copy/final.safetensors --length 64
              perplexed witness --checkpoint runs/copy/final.safetensors --length 16 --base 0110011001100110 --flip 3 --format json
              perplexed witness --checkpoint runs/copy/final.safetensors --length 32 --scan-flips
            """
    )

    @OptionGroup var source: ModelSourceOptions

    @Option(parsing: .unconditional, help: "N, the number of bits: 1…524287 (the prompt and copy, 2N + 1 tokens or more, must also fit the model). A long run prints its estimated time and memory first; one that cannot fit in memory is refused.")
    var length: Int

    @Option(parsing: .unconditional, help: "The flipped position J, 1-based (default N, the last bit).")
    var flip: Int?

    @Option(help: "The base bitstring α_N as 0s and 1s (default N zeros), or 'random' for uniform random bits from --seed.")
    var base: String?

    @Option(parsing: .unconditional, help: "Seed for --base random.")
    var seed: UInt64 = 1

    @Flag(help: "Build one witness per flipped position J = 1…N and print a table.")
    var scanFlips = false

    @Option(help: "Output format: text or json.")
    var format: TableFormat = .text

    @Option(help: "Also write the JSON witness (with the float32 logits) to this file.")
    var out: String?

    @Option(parsing: .unconditional, help: "Bits of the interval arithmetic for the certified recomputation.")
    var precision: Int = 128

    func validate() throws {
        if let out { try requireFileName(out, "--out") }
        guard length >= 1 else { throw ValidationError("--length must be >= 1, got \(length)") }
        // Checked before the model loads: the largest copy any model takes (2N + 1 ≤ 2^20 tokens).
        guard length <= CopyModel.lengthLimit else { throw ValidationError("--length must be in 1…\(CopyModel.lengthLimit), got \(length)") }
        if let flip, !(1...length).contains(flip) { throw ValidationError("--flip must be in 1…\(length), got \(flip)") }
        if let base, base != "random" {
            let bits = try parseBits(base)
            guard bits.count == length else { throw ValidationError("--base has \(bits.count) bits but --length is \(length)") }
        }
        guard format == .text || format == .json else { throw ValidationError("--format must be text or json, got \(format.rawValue)") }
        guard (16...4096).contains(precision) else { throw ValidationError("--precision must be in 16…4096, got \(precision)") }
        if scanFlips && flip != nil { throw ValidationError("--scan-flips and --flip conflict: choose one") }
    }

    func run() throws {
        var (model, prompting) = try source.load()
        try checkLength(length, model: model, prompting: prompting, flag: "--length")
        let alpha: [Int]
        if base == "random" {
            var generator = SplitMix64(seed: seed)
            alpha = (0..<length).map { _ in Int(generator.next() & 1) }
        } else {
            alpha = try base.map(parseBits) ?? Array(repeating: 0, count: length)
        }
        try announceCopyCost(&model, prompting: prompting, lengths: [length], scan: scanFlips, flag: "--length")
        if scanFlips {
            // Row by row: a witness (with its logits) is dropped once its row and record exist.
            var table = WitnessReport.emptyFlipTable(), records: [JSONValue] = []
            for j in 1...length {
                let w = try copyWitness(model: &model, prompting: prompting, alpha: alpha, flip: j, precision: precision)
                table.append(WitnessReport.flipRow(w))
                records.append(WitnessReport.json(w, includeLogits: false))
            }
            if let out { try write(JSONValue.array(records).rendered() + "\n", to: out, flag: "--out") }
            print(format == .json ? JSONValue.array(records).rendered() : table.rendered(as: .text), terminator: format == .json ? "\n" : "")
            return
        }
        let w = try copyWitness(model: &model, prompting: prompting, alpha: alpha, flip: flip, precision: precision)
        // The JSON holds every float32 logit (2 · N · vocabulary numbers): built only when asked for.
        if out != nil || format == .json {
            let json = WitnessReport.json(w)
            if let out { try write(json.rendered() + "\n", to: out, flag: "--out") }
            if format == .json { print(json.rendered()) }
        }
        if format != .json { print(WitnessReport.summary(w)) }
        if w.certified.withinBound == false { throw ExitCode(2) }
    }
}
