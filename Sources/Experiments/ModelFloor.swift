import Foundation
import GGUF
import Gemma
import MultiPrecision
import Reporting
import Transformer
import Witnesses

extension OutputHead {
    /// The final norm and output head of a Transformer of the Transformer module: LayerNorm
    /// (gain and bias) or RMSNorm (gain), then `head.weight`, or `tok_emb.weight` when the head
    /// is tied; no output bias, no soft cap.
    public init(transformer model: TransformerModel) throws(ProbabilityFloorError) {
        let tensors = Dictionary(uniqueKeysWithValues: model.layout.tensors.map { ($0.name, $0) })
        let p = model.parameters
        func values(_ name: String) -> [Float] {
            let t = tensors[name]!  // ParameterLayout always names these tensors
            return Array(p[t.offset..<(t.offset + t.count)])
        }
        let gain = values("norm_f.weight")
        let normalisation: Normalisation = model.config.norm == .layer ? .layerNorm(gain: gain, bias: values("norm_f.bias")) : .rmsNorm(gain: gain)
        try self.init(normalisation: normalisation, unembedding: values(model.config.tiedHead ? "tok_emb.weight" : "head.weight"))
    }

    /// Gemma 3's final RMSNorm (the stored 1 + w gain) and its output head, the token embeddings
    /// unless the file has its own `output.weight` (`GemmaModel.outputHeadTensor(present:)`),
    /// dequantised to float32 a chunk of rows at a time as the float32 path reads them; the
    /// configuration's final soft cap if the file sets one (Gemma 3 files do not).
    public init(gemma file: GGUFFile) throws {
        let c = try GemmaConfiguration(file: file)
        let gain = try file.floats(GemmaModel.finalNormTensor)
        guard gain.count == c.hiddenSize else {
            throw ProbabilityFloorError.invalidHead("\(GemmaModel.finalNormTensor) has \(gain.count) values but the model is \(c.hiddenSize) wide")
        }
        let head = try file.tensor(GemmaModel.outputHeadTensor(present: { name in file.tensors.contains { $0.name == name } }))
        guard head.dimensions == [c.hiddenSize, c.vocabularySize] else {
            throw ProbabilityFloorError.invalidHead("\(head.name) has shape \(head.dimensions), expected [\(c.hiddenSize), \(c.vocabularySize)]")
        }
        try self.init(normalisation: .rmsNorm(gain: gain), vocabularySize: c.vocabularySize, softcap: c.finalSoftcap) { rows, destination in
            try file.dequantize(head, rows: rows, into: destination)
        }
    }
}

extension ProbabilityFloor {
    /// ε for Lemma 3.1 predictions on the float32 model: the lower end of the certified floor
    /// (a floor of the exact-arithmetic model), lowered by e^(−slack) for the float32 forward
    /// pass's rounding. The slack is a first-order bound, not certified (Proofs/model-floor.md).
    public func float32Epsilon() throws -> BigRational {
        let factor = Interval.exp(try Interval(BigRational(-float32Slack), precision: 128))
        guard let floor = floor.lower.exactRational, let scale = factor.lower.exactRational, floor > 0 else {
            throw ProbabilityFloorError.invalidHead("the certified floor is not a positive number")
        }
        return floor * scale
    }
}

/// `perplexed model floor`: the certified floor ε_model of a model, from its final norm and
/// output head (`ProbabilityFloor` (Witnesses)), with what was read and how long it took.
public struct ModelFloorReport: Sendable {
    /// The file read.
    public let path: String
    /// What kind of model, in words.
    public let architecture: String
    /// The floor.
    public let floor: ProbabilityFloor
    /// The least favoured token's text, when the model has a tokenizer.
    public let tokenText: String?
    /// Wall-clock seconds to read the weights and compute the floor.
    public let seconds: Double

    /// Reads the head of the model `source` names and computes its floor with
    /// `precision`-bit intervals on `threads` threads.
    public static func run(_ source: CopyModelSource, precision: Int = 128, threads: Int? = nil) throws -> ModelFloorReport {
        let path = source.path
        guard FileManager.default.fileExists(atPath: path) else { throw CopyModelError.noSuchFile(path) }
        let start = Date()
        let threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        switch source {
        case .checkpoint:
            let model: TransformerModel
            do { model = try Checkpoint.load(from: URL(fileURLWithPath: path)).model } catch {
                throw CopyModelError.unreadable(path: path, reason: "\(error)")
            }
            let c = model.config
            let floor = try ProbabilityFloor(head: OutputHead(transformer: model), precision: precision, threads: threads)
            let norm = c.norm == .layer ? "LayerNorm (gain and bias)" : "RMSNorm (gain)"
            let architecture = "Transformer checkpoint: final \(norm), \(c.tiedHead ? "tied" : "untied") output head without bias, no soft cap; \(c.vocabSize) tokens, width \(c.dModel)"
            return ModelFloorReport(path: path, architecture: architecture, floor: floor, tokenText: nil, seconds: Date().timeIntervalSince(start))
        case .gemma:
            let file: GGUFFile
            do {
                try ModelStore().verifyIfCached(path)
                file = try GGUFFile(path: path)
            } catch {
                throw CopyModelError.unreadable(path: path, reason: "\(error)")
            }
            let head: OutputHead
            do { head = try OutputHead(gemma: file) } catch { throw CopyModelError.unreadable(path: path, reason: "\(error)") }
            let floor = try ProbabilityFloor(head: head, precision: precision, threads: threads)
            let pieces = try? GemmaTokenizer(file: file).pieces
            let tied = file.tensors.contains { $0.name == "output.weight" } ? "its own output head" : "tied token embeddings as the output head"
            let cap = head.softcap.map { "final soft cap \($0)" } ?? "no final soft cap"
            let architecture = "Gemma 3 GGUF: final RMSNorm with the stored (1 + w) gain, \(tied) (no bias), \(cap); \(head.vocabularySize) tokens, width \(head.width)"
            return ModelFloorReport(path: path, architecture: architecture, floor: floor, tokenText: pieces.flatMap { floor.token < $0.count ? $0[floor.token] : nil },
                                    seconds: Date().timeIntervalSince(start))
        }
    }

    /// The enclosures as decimal text, the lower end rounded down and the upper up.
    func enclosure(_ x: Interval, digits: Int) -> String {
        (try? x.decimal(digits: digits)) ?? x.description
    }

    /// ε_model, −log ε_model and how they were obtained, one fact a line.
    public func text() -> String {
        let f = floor
        var token = "token \(f.token)"
        if let tokenText { token += " (\(String(reflecting: tokenText)))" }
        return """
            \(path)
            \(architecture)
            ε_model ∈ \(enclosure(f.floor, digits: 8))   (the lower end is the certified floor: p(v | any prefix) ≥ it, for every token and input)
            −log ε_model ∈ \(enclosure(f.negativeLog, digits: 12))
            bound: \(f.method.rawValue); every logit stays within ±\(String(format: "%.6g", f.logitReach)); least favoured: \(token)
            float32 slack: observed log-probabilities of the float32 model may fall up to \(String(format: "%.3g", f.float32Slack)) nats below log ε_model
            computed in \(String(format: "%.2f", seconds)) s

            """
    }

    /// The same as JSON: the enclosures' ends as decimal strings (outward rounded).
    public func json() -> JSONValue {
        func ends(_ x: Interval, digits: Int) -> JSONValue {
            let (lower, upper) = (try? x.decimalBounds(digits: digits)) ?? (x.lower.description, x.upper.description)
            return .object([("lower", .string(lower)), ("upper", .string(upper))])
        }
        var members: [(String, JSONValue)] = [
            ("architecture", .string(architecture)), ("epsilon_model", ends(floor.floor, digits: 17)),
            ("float32_slack_nats", .decimal(floor.float32Slack)), ("logit_reach", .decimal(floor.logitReach)),
            ("method", .string(floor.method.rawValue)), ("negative_log_epsilon_model", ends(floor.negativeLog, digits: 17)),
            ("path", .string(path)), ("seconds", .decimal(seconds)), ("token", .number("\(floor.token)")),
            ("vocabulary_size", .number("\(floor.vocabularySize)")), ("width", .number("\(floor.width)")),
        ]
        if let tokenText { members.append(("token_text", .string(tokenText))) }
        return .object(members.sorted { $0.0 < $1.0 })
    }
}
