import Foundation
import Kernels

/// A model, and optionally the state of the run that produced it, in the safetensors format.
///
/// File layout (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length, a JSON header, then the raw little-endian float32 data. Python reads it with
/// `safetensors.numpy.load_file` / `safe_open(path, "np")`.
///
/// Tensors: the model's parameters under the names of `ParameterLayout` (e.g.
/// `blocks.0.attn.qkv.weight`), and, in training checkpoints, AdamW's moments under
/// `optimizer.m.<name>` and `optimizer.v.<name>`. All `F32`.
///
/// `__metadata__` (all strings): `format` = `perplexed-transformer`, `format_version` = `1`,
/// `config` (the `TransformerConfig` as JSON); in training checkpoints also `run` (the
/// `RunConfig` as JSON), `task` (`copy` or `parity`), `step`, `seed`, and `data_rng` (the four
/// words of the batch generator's state, comma-separated), which make resuming exact.
public struct Checkpoint: Sendable, Equatable {
    public var model: TransformerModel
    /// The run's state, present in checkpoints written during training.
    public var training: TrainingState?

    /// Everything beyond the parameters needed to continue a run exactly.
    public struct TrainingState: Sendable, Equatable {
        public var run: RunConfig
        public var seed: UInt64
        public var step: Int
        public var adamM: [Float]
        public var adamV: [Float]
        public var dataGenerator: SeededGenerator
    }

    public static let format = "perplexed-transformer"
    public static let formatVersion = "1"

    /// A checkpoint of a bare model (no training state).
    public init(model: TransformerModel) {
        self.model = model
        training = nil
    }

    /// A checkpoint of a run in progress.
    public init(trainer: Trainer) {
        model = trainer.model
        training = TrainingState(
            run: trainer.run, seed: trainer.seed, step: trainer.step, adamM: trainer.adamM, adamV: trainer.adamV,
            dataGenerator: trainer.dataGenerator)
    }

    /// The trainer that continues this run; throws if the checkpoint has no training state.
    public func trainer() throws -> Trainer {
        guard let t = training else {
            throw TransformerError.invalidCheckpoint("it holds a model only, no optimizer state to resume from")
        }
        return try Trainer(
            run: t.run, seed: t.seed, model: model, adamM: t.adamM, adamV: t.adamV, step: t.step,
            dataGenerator: t.dataGenerator)
    }

    // MARK: Writing

    /// The file's bytes. Deterministic: the same checkpoint always gives the same bytes.
    public func serialized() throws -> Data {
        let layout = model.layout
        var entries: [(String, [Int], [Float])] = []
        let p = model.parameters
        for t in layout.tensors { entries.append((t.name, t.shape, Array(p[t.offset..<(t.offset + t.count)]))) }
        var metadata = [
            "format": Self.format, "format_version": Self.formatVersion, "config": try jsonString(model.config),
        ]
        if let s = training {
            for t in layout.tensors {
                entries.append(("optimizer.m.\(t.name)", t.shape, Array(s.adamM[t.offset..<(t.offset + t.count)])))
                entries.append(("optimizer.v.\(t.name)", t.shape, Array(s.adamV[t.offset..<(t.offset + t.count)])))
            }
            metadata["run"] = try jsonString(s.run)
            metadata["task"] = s.run.task.kind.rawValue
            metadata["step"] = String(s.step)
            metadata["seed"] = String(s.seed)
            metadata["data_rng"] = s.dataGenerator.stateWords.map(String.init).joined(separator: ",")
        }
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for (name, shape, values) in entries {
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + 4 * values.count]]
            offset += 4 * values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        // Pad with spaces so the data starts 8-byte aligned (the format's recommendation).
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var data = Data(capacity: 8 + json.count + offset)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for (_, _, values) in entries {
            values.withUnsafeBufferPointer { buf in
                for v in buf { withUnsafeBytes(of: v.bitPattern.littleEndian) { data.append(contentsOf: $0) } }
            }
        }
        return data
    }

    // MARK: Reading

    /// Reads and validates a checkpoint file.
    public static func load(from url: URL) throws -> Checkpoint {
        // Only a regular file is read (a FIFO or a terminal would block), and a failure is told
        // in the C library's words ("No such file or directory"), not Foundation's generic ones.
        func failure(_ reason: String) -> TransformerError { .io("cannot read checkpoint \(url.path): \(reason)") }
        var status = stat()
        guard stat(url.path, &status) == 0 else { throw failure(String(cString: strerror(errno))) }
        guard status.st_mode & S_IFMT == S_IFREG else {
            throw failure(status.st_mode & S_IFMT == S_IFDIR ? "it is a directory" : "not a regular file")
        }
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw failure(error.localizedDescription)
        }
        return try parse(data, name: url.path)
    }

    /// Parses checkpoint bytes; `name` is used in error messages.
    public static func parse(_ data: Data, name: String = "checkpoint") throws -> Checkpoint {
        func fail(_ msg: String) -> TransformerError { .invalidCheckpoint("\(name): \(msg)") }
        guard data.count >= 8 else { throw fail("file is \(data.count) bytes, shorter than the 8-byte header length") }
        let headerLength = data.prefix(8).withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(data.count - 8), headerLength <= 100_000_000 else {
            throw fail("header length \(headerLength) exceeds the file's remaining \(data.count - 8) bytes (truncated?)")
        }
        let headerEnd = 8 + Int(headerLength)
        guard let header = try? JSONSerialization.jsonObject(with: data.subdata(in: 8..<headerEnd)) as? [String: Any]
        else { throw fail("header is not a JSON object (corrupted file?)") }
        guard let metadata = header["__metadata__"] as? [String: String] else {
            throw fail("no __metadata__ with string values: not a perplexed checkpoint")
        }
        guard metadata["format"] == format else {
            throw fail("metadata format is \(metadata["format"].map { "\"\($0)\"" } ?? "missing"), expected \"\(format)\"")
        }
        guard metadata["format_version"] == formatVersion else {
            throw fail("format_version \(metadata["format_version"] ?? "missing") is not supported (expected \(formatVersion))")
        }
        let config: TransformerConfig
        do {
            config = try JSONDecoder().decode(TransformerConfig.self, from: Data((metadata["config"] ?? "").utf8))
            try config.validate()
        } catch let e as TransformerError {
            throw fail("metadata config: \(e)")
        } catch {
            throw fail("metadata config is missing or not valid JSON")
        }
        let layout = ParameterLayout(config)
        let dataSize = data.count - headerEnd
        var tensors: [String: [Float]] = [:]
        var ranges: [(begin: Int, end: Int, key: String)] = []
        for (key, value) in header where key != "__metadata__" {
            guard let info = value as? [String: Any], let dtype = info["dtype"] as? String,
                let shape = info["shape"] as? [Int], let offsets = info["data_offsets"] as? [Int], offsets.count == 2
            else { throw fail("tensor \(key) has a malformed header entry") }
            let baseName = key.hasPrefix("optimizer.m.") || key.hasPrefix("optimizer.v.") ? String(key.dropFirst(12)) : key
            guard let expected = layout.tensor(named: baseName) else {
                throw fail("unknown tensor name \"\(key)\" for this configuration")
            }
            guard dtype == "F32" else { throw fail("tensor \(key) has dtype \(dtype), expected F32") }
            guard shape == expected.shape else {
                throw fail("tensor \(key) has shape \(shape), expected \(expected.shape)")
            }
            let (begin, end) = (offsets[0], offsets[1])
            // Compared before any subtraction, so hostile offsets cannot overflow.
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw fail("tensor \(key) has data offsets [\(begin), \(end)] outside the \(dataSize)-byte data (truncated?)")
            }
            guard end - begin == 4 * expected.count else {
                throw fail("tensor \(key) has \(end - begin) data bytes, but F32 × shape \(shape) needs \(4 * expected.count)")
            }
            ranges.append((begin, end, key))
            var values = [Float](repeating: 0, count: expected.count)
            data.withUnsafeBytes { raw in
                for i in 0..<expected.count {
                    let bits = raw.loadUnaligned(fromByteOffset: headerEnd + begin + 4 * i, as: UInt32.self)
                    values[i] = Float(bitPattern: UInt32(littleEndian: bits))
                }
            }
            // One check for every command that loads a checkpoint: NaN or ±∞ weights (or optimizer
            // moments) would otherwise flow silently into accuracies and perplexities.
            if let bad = values.firstIndex(where: { !$0.isFinite }) {
                throw fail("tensor \(key) holds a non-finite value (\(values[bad])) at index \(bad)")
            }
            tensors[key] = values
        }
        // The tensors' byte ranges must tile the data exactly: in order, no gaps, no overlaps.
        var next = 0
        for range in ranges.sorted(by: { $0.begin < $1.begin }) {
            guard range.begin == next else {
                throw fail(range.begin < next
                    ? "tensor \(range.key) at data offset \(range.begin) overlaps the tensor before it (which ends at \(next))"
                    : "data bytes \(next)..<\(range.begin) belong to no tensor (before \(range.key))")
            }
            next = range.end
        }
        guard next == dataSize else {
            throw fail("the tensors cover \(next) of \(dataSize) data bytes (trailing bytes belong to no tensor)")
        }
        func gather(_ prefix: String) throws -> [Float]? {
            // Presence is checked before allocating: the configuration alone may ask for a
            // trillion parameters, and only tensors found in the data bound the size.
            if let missing = layout.tensors.first(where: { tensors[prefix + $0.name] == nil }) {
                if !prefix.isEmpty && !layout.tensors.contains(where: { tensors[prefix + $0.name] != nil }) { return nil }
                throw fail("missing tensor \(prefix + missing.name)")
            }
            var out = [Float](repeating: 0, count: layout.count)
            for t in layout.tensors {
                out.replaceSubrange(t.offset..<(t.offset + t.count), with: tensors[prefix + t.name]!)
            }
            return out
        }
        let model = try TransformerModel(config: config, parameters: try gather("")!)
        var checkpoint = Checkpoint(model: model)
        let m = try gather("optimizer.m."), v = try gather("optimizer.v.")
        if let m, let v {
            guard let runJSON = metadata["run"], let run = try? JSONDecoder().decode(RunConfig.self, from: Data(runJSON.utf8))
            else { throw fail("metadata run is missing or not valid JSON") }
            guard run.model == config else { throw fail("metadata run.model differs from metadata config") }
            guard let step = metadata["step"].flatMap(Int.init), step >= 0 else {
                throw fail("metadata step must be an integer >= 0, got \(metadata["step"] ?? "none")")
            }
            guard let seed = metadata["seed"].flatMap(UInt64.init) else {
                throw fail("metadata seed must be an unsigned 64-bit integer, got \(metadata["seed"] ?? "none")")
            }
            let words = (metadata["data_rng"] ?? "").split(separator: ",").compactMap { UInt64($0) }
            guard let rng = SeededGenerator(state: words) else {
                throw fail("metadata data_rng must be four comma-separated nonzero 64-bit words, got \(metadata["data_rng"] ?? "none")")
            }
            checkpoint.training = TrainingState(run: run, seed: seed, step: step, adamM: m, adamV: v, dataGenerator: rng)
        } else if m != nil || v != nil {
            throw fail("has only one of the optimizer moments optimizer.m.* / optimizer.v.*")
        }
        return checkpoint
    }
}

private func jsonString(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
