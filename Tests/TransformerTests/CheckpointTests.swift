import Foundation
import Kernels
import Testing

@testable import Transformer

/// A small run that trains in milliseconds.
func tinyRun(_ kind: TaskKind = .copy, position: PositionScheme = .rope) -> RunConfig {
    var run = RunConfig(
        model: TransformerConfig(dModel: 16, heads: 2, layers: 1, mlpHidden: 32, position: position, maxPositions: 16),
        task: TaskSpec(kind: kind, minLength: 1, maxLength: 5))
    run.training.batchSize = 8
    run.training.steps = 12
    run.training.warmupSteps = 3
    return run
}

/// A fresh temporary directory.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("perplexed-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

func expectCheckpointError(_ data: Data, containing fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try Checkpoint.parse(data)
        Issue.record("parsed a bad checkpoint (expected an error mentioning \"\(fragment)\")", sourceLocation: sourceLocation)
    } catch let e as TransformerError {
        #expect(e.description.contains(fragment), "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

/// Rewrites the JSON header of a checkpoint with `edit`, keeping the data as is.
func editHeader(_ data: Data, _ edit: (inout [String: Any]) -> Void) throws -> Data {
    let n = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
    var header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
    edit(&header)
    let json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    var out = Data()
    withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
    out.append(json)
    out.append(data.subdata(in: (8 + n)..<data.count))
    return out
}

@Suite("Checkpoints and training")
struct CheckpointTests {
    @Test("save → load → save is bit-identical, with and without training state")
    func roundTrip() throws {
        var trainer = try Trainer(run: tinyRun(), seed: 9)
        for _ in 0..<3 { _ = trainer.trainStep() }
        for checkpoint in [Checkpoint(trainer: trainer), Checkpoint(model: trainer.model)] {
            let bytes = try checkpoint.serialized()
            let loaded = try Checkpoint.parse(bytes)
            #expect(loaded == checkpoint)
            #expect(loaded.model.parameters.map(\.bitPattern) == checkpoint.model.parameters.map(\.bitPattern))
            #expect(try loaded.serialized() == bytes)
        }
        // And through the file system, atomically.
        let dir = try temporaryDirectory()
        let url = dir.appendingPathComponent("c.safetensors")
        try Checkpoint(trainer: trainer).serialized().write(to: url)
        #expect(try Checkpoint.load(from: url) == Checkpoint(trainer: trainer))
    }

    @Test("the header is valid safetensors: 8-byte length, JSON, F32 entries tiling the data")
    func formatLayout() throws {
        let trainer = try Trainer(run: tinyRun(), seed: 1)
        let data = try Checkpoint(trainer: trainer).serialized()
        let n = Int(data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        #expect((8 + n) % 8 == 0)
        let header = try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + n))) as! [String: Any]
        var spans: [(Int, Int)] = []
        for (k, v) in header where k != "__metadata__" {
            let e = v as! [String: Any]
            #expect(e["dtype"] as? String == "F32")
            let o = e["data_offsets"] as! [Int]
            spans.append((o[0], o[1]))
        }
        spans.sort { $0.0 < $1.0 }
        #expect(spans.first?.0 == 0)
        for i in 1..<spans.count { #expect(spans[i].0 == spans[i - 1].1) }
        #expect(spans.last?.1 == data.count - 8 - n)
        #expect(spans.count == 3 * trainer.model.layout.tensors.count)  // parameters, m, v
        let meta = header["__metadata__"] as! [String: String]
        #expect(meta["task"] == "copy" && meta["step"] == "0" && meta["seed"] == "1")
        // The first tensor's bytes are its float32 values, little-endian.
        let first = trainer.model.layout.tensors[0]
        let entry = header[first.name] as! [String: Any]
        let start = 8 + n + (entry["data_offsets"] as! [Int])[0]
        let v0 = data.subdata(in: start..<(start + 4)).withUnsafeBytes { $0.loadUnaligned(as: UInt32.self) }
        #expect(Float(bitPattern: UInt32(littleEndian: v0)) == trainer.model.parameters[first.offset])
    }

    @Test("resuming from a checkpoint reproduces the uninterrupted run bit for bit")
    func resumeIsExact() throws {
        var straight = try Trainer(run: tinyRun(), seed: 4)
        var interrupted = try Trainer(run: tinyRun(), seed: 4)
        var straightLosses: [Double] = []
        for _ in 0..<12 { straightLosses.append(straight.trainStep().loss) }
        var losses: [Double] = []
        for _ in 0..<5 { losses.append(interrupted.trainStep().loss) }
        var resumed = try Checkpoint.parse(try Checkpoint(trainer: interrupted).serialized()).trainer()
        for _ in 0..<7 { losses.append(resumed.trainStep().loss) }
        #expect(losses == straightLosses)
        #expect(resumed.model.parameters.map(\.bitPattern) == straight.model.parameters.map(\.bitPattern))
        #expect(resumed.adamV == straight.adamV)
        // A different seed gives a different run (the comparison above can fail).
        var other = try Trainer(run: tinyRun(), seed: 5)
        #expect(other.trainStep().loss != straightLosses[0])
    }

    @Test("truncated and corrupted files are rejected with a clear error")
    func corrupted() throws {
        let good = try Checkpoint(trainer: try Trainer(run: tinyRun(), seed: 1)).serialized()
        expectCheckpointError(Data(), containing: "shorter than the 8-byte header")
        expectCheckpointError(good.prefix(5), containing: "shorter than the 8-byte header")
        expectCheckpointError(good.prefix(200), containing: "exceeds the file's remaining")
        expectCheckpointError(good.prefix(good.count - 4), containing: "outside the")
        var garbled = good
        garbled[8] = 0x00  // the JSON header no longer starts with "{"
        expectCheckpointError(garbled, containing: "not a JSON object")
        var huge = good
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        expectCheckpointError(huge, containing: "header length")
        expectCheckpointError(good + Data([1, 2, 3, 4]), containing: "cover")
    }

    @Test("wrong shapes, unknown or missing tensors, bad metadata are rejected")
    func wrongContents() throws {
        let good = try Checkpoint(trainer: try Trainer(run: tinyRun(), seed: 1)).serialized()
        expectCheckpointError(try editHeader(good) { h in
            var e = h["tok_emb.weight"] as! [String: Any]
            e["shape"] = [16, 3]
            h["tok_emb.weight"] = e
        }, containing: "has shape [16, 3], expected [3, 16]")
        expectCheckpointError(try editHeader(good) { h in
            h["blocks.7.attn.qkv.weight"] = h.removeValue(forKey: "blocks.0.attn.qkv.weight")
        }, containing: "unknown tensor name \"blocks.7.attn.qkv.weight\"")
        expectCheckpointError(try editHeader(good) { h in
            var e = h["norm_f.weight"] as! [String: Any]
            e["dtype"] = "F16"
            h["norm_f.weight"] = e
        }, containing: "dtype F16")
        expectCheckpointError(try editHeader(good) { h in
            var m = h["__metadata__"] as! [String: String]
            m["config"] = #"{"dModel": 16, "heads": 3}"#
            h["__metadata__"] = m
        }, containing: "heads must be a divisor of dModel (16), got 3")
        expectCheckpointError(try editHeader(good) { h in
            var m = h["__metadata__"] as! [String: String]
            m["format"] = "something-else"
            h["__metadata__"] = m
        }, containing: "expected \"perplexed-transformer\"")
        expectCheckpointError(try editHeader(good) { h in
            var m = h["__metadata__"] as! [String: String]
            m["data_rng"] = "0,0,0,0"
            h["__metadata__"] = m
        }, containing: "data_rng")
    }

    @Test("tensor byte ranges must tile the data exactly; non-finite values are refused at load")
    func byteRangesAndValues() throws {
        let good = try Checkpoint(trainer: try Trainer(run: tinyRun(), seed: 1)).serialized()
        // Every entry's data offsets, as written, in data order.
        func entries(_ h: [String: Any]) -> [(key: String, begin: Int, end: Int)] {
            h.compactMap { k, v -> (String, Int, Int)? in
                guard k != "__metadata__", let o = (v as? [String: Any])?["data_offsets"] as? [Int] else { return nil }
                return (k, o[0], o[1])
            }.sorted { $0.1 < $1.1 }
        }
        func moving(_ pick: @escaping ([(key: String, begin: Int, end: Int)]) -> (String, Int, Int)) throws -> Data {
            try editHeader(good) { h in
                let (key, begin, end) = pick(entries(h))
                var e = h[key] as! [String: Any]
                e["data_offsets"] = [begin, end]
                h[key] = e
            }
        }
        // The second tensor shifted one byte later: a one-byte gap before it, an overlap after.
        expectCheckpointError(try moving { e in (e[1].key, e[1].begin + 1, e[1].end + 1) }, containing: "belong to no tensor")
        // The second tensor pointed at the first one's bytes (same size or not: the sizes must still match).
        expectCheckpointError(try moving { e in (e[1].key, e[1].begin - 4, e[1].end - 4) }, containing: "overlaps")
        // Offsets that would overflow a subtraction, and a size that is not F32 × shape.
        expectCheckpointError(try moving { e in (e[0].key, Int.max - 1, Int.min + 1) }, containing: "outside the")
        expectCheckpointError(try moving { e in (e[0].key, e[0].begin, e[0].end + 4) }, containing: "F32 × shape")
        // A NaN and an infinity written into the data of the first tensor.
        let headerLength = Int(good.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) })
        let header = try JSONSerialization.jsonObject(with: good.subdata(in: 8..<(8 + headerLength))) as! [String: Any]
        let first = entries(header)[0], dataStart = 8 + headerLength
        for bad in [Float.nan, Float.infinity] {
            var data = good
            withUnsafeBytes(of: bad.bitPattern.littleEndian) { data.replaceSubrange((dataStart + first.begin + 4)..<(dataStart + first.begin + 8), with: $0) }
            expectCheckpointError(data, containing: "tensor \(first.key) holds a non-finite value")
        }
    }

    @Test("invalid configurations name the field, the range and the value")
    func invalidConfigurations() throws {
        func message(_ c: TransformerConfig) -> String {
            do { try c.validate(); return "" } catch { return "\(error)" }
        }
        #expect(message(TransformerConfig(dModel: 0)).contains("dModel must be in 1…8192, got 0"))
        #expect(message(TransformerConfig(dModel: 10, heads: 4)).contains("heads must be a divisor of dModel (10), got 4"))
        #expect(message(TransformerConfig(dModel: 12, heads: 4, position: .rope)).contains("even for RoPE, got 3"))
        #expect(message(TransformerConfig()) == "")
        // JSON: unknown fields and wrong types are errors, absent fields take defaults.
        let decoder = JSONDecoder()
        #expect(throws: TransformerError.invalidConfiguration(
            "unknown field \"dmodel\" in model; known fields: vocabSize, dModel, heads, layers, mlpHidden, position, norm, tiedHead, maxPositions, ropeBase")) {
            try decoder.decode(RunConfig.self, from: Data(#"{"model": {"dmodel": 32}}"#.utf8))
        }
        let partial = try decoder.decode(RunConfig.self, from: Data(#"{"model": {"layers": 3}, "training": {"steps": 7}}"#.utf8))
        #expect(partial.model.layers == 3 && partial.model.dModel == 64 && partial.training.steps == 7)
        #expect(throws: (any Error).self) {
            try decoder.decode(RunConfig.self, from: Data(#"{"model": {"position": "sinusoidal"}}"#.utf8))
        }
        var huge = tinyRun()
        huge.task.maxLength = 50_000
        #expect(throws: TransformerError.self) { try huge.validate() }
        // Every field in range, but together 360 billion parameters: refused before allocation,
        // with the count from the layout written out by hand (two vocabulary × dModel matrices;
        // per block two norms with biases, qkv, proj and the two MLP matrices; the final norm).
        var giant = tinyRun()
        giant.model = TransformerConfig(vocabSize: 1_000_000, dModel: 8192, heads: 8, layers: 256, mlpHidden: 65536)
        let perBlock = 4 * 8192 + 4 * 8192 * 8192 + 2 * 65536 * 8192
        let expectedCount = 2 * 1_000_000 * 8192 + 256 * perBlock + 2 * 8192
        #expect(ParameterLayout(giant.model).count == expectedCount)
        let giantMessage: String
        do { try giant.validate(); giantMessage = "" } catch { giantMessage = "\(error)" }
        #expect(giantMessage.contains("training this model needs about") && giantMessage.contains("(\(expectedCount) parameters"), "\(giantMessage)")
        // The default runs are far inside the limit.
        #expect(RunConfig.defaults(for: .copy).trainingBytes < 1e9 && RunConfig.defaults(for: .parity).trainingBytes < 1e9)
        var run = tinyRun(position: .learned)
        run.task.maxLength = 10  // 21 tokens > maxPositions 16
        #expect(throws: TransformerError.self) { try run.validate() }
    }

    @Test("a tiny model overfits a tiny fixed batch")
    func overfit() throws {
        let c = TransformerConfig(dModel: 16, heads: 2, layers: 2, mlpHidden: 32, position: .rope)
        let task = TaskSpec(kind: .copy)
        let batch = TaskSpec.pad([[0, 1, 1], [1, 0, 0], [1, 1, 0], [0, 0, 1]].map { task.example(bits: $0) })
        var run = RunConfig(model: c, task: task)
        run.training.steps = 150
        run.training.warmupSteps = 10
        run.training.learningRate = 1e-2
        var trainer = try Trainer(run: run, seed: 3)
        let before = trainer.model.loss(batch)
        for _ in 0..<150 { trainer.trainStep(on: batch) }
        let after = trainer.model.loss(batch)
        #expect(before > 0.5)
        #expect(after < 0.01, "loss \(before) → \(after)")
        for bits in [[0, 1, 1], [1, 0, 0]] {
            #expect(try trainer.model.greedyDecode(prompt: bits + [Token.separator], count: 3, candidates: Token.bits) == bits)
            let trace = try copyTrace(model: trainer.model, bits: bits)
            #expect(trace.isCorrect && trace.outputs == bits)
            let manual = -(0..<3).map { Foundation.log(trace.distributions[$0][bits[$0]]) }.reduce(0, +) / 3
            #expect(abs(trace.logPerplexity - manual) < 1e-15)
        }
        // When every greedy output is right the greedy path is the teacher-forced path, so
        // Eq. 3's perplexity equals the teacher-forced one exactly.
        let result = try evaluate(model: trainer.model, task: task, strings: [[0, 1, 1], [1, 0, 0]])
        #expect(result.sequenceAccuracy == 1 && result.tokenAccuracy == 1)
        #expect(result.greedyLogPerplexity == result.teacherForcedLogPerplexity)
        #expect(result.greedyLogPerplexity < 0.01 && result.maxWrongProbability < 0.01)
    }

    @Test("tasks: copy and parity examples are laid out as documented")
    func taskLayout() {
        let copy = TaskSpec(kind: .copy).example(bits: [1, 0, 1])
        #expect(copy.tokens == [1, 0, 1, 2, 1, 0, 1])
        #expect(copy.targets == [-1, -1, -1, 1, 0, 1, -1])
        let running = TaskSpec(kind: .parity).example(bits: [1, 0, 1, 1])
        #expect(running.tokens == [1, 0, 1, 1] && running.targets == [1, 1, 0, 1])
        let final = TaskSpec(kind: .parity, parityVariant: .final).example(bits: [1, 0, 1, 1])
        #expect(final.targets == [-1, -1, -1, 1])
        var rng = SeededGenerator(seed: 1)
        let batch = TaskSpec(kind: .copy, minLength: 2, maxLength: 4).sampleBatch(size: 50, using: &rng)
        #expect(batch.length <= 9)
        #expect(evaluationStrings(length: 3, limit: 8, seed: 1).count == 8)
        #expect(Set(evaluationStrings(length: 3, limit: 8, seed: 1)).count == 8)
    }
}
