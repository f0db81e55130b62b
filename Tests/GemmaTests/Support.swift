import Foundation
import Gemma

/// The real Gemma 3 270M file: `PERPLEXED_GEMMA_GGUF`, else where `perplexed model fetch
/// gemma3-270m` puts it. Tests that need it are skipped when it is absent.
let modelPath: String? = {
    if let p = ProcessInfo.processInfo.environment["PERPLEXED_GEMMA_GGUF"] { return p }
    let p = ModelStore().location(of: .gemma3_270m).path
    return FileManager.default.fileExists(atPath: p) ? p : nil
}()

let skipMessage = "Gemma 3 270M is absent: run `perplexed model fetch gemma3-270m` (or set PERPLEXED_GEMMA_GGUF)"

/// Loaded once per test process with the default (quantised) weights, shared read-only by the tests.
let sharedModel: GemmaModel? = modelPath.flatMap { try? GemmaModel(path: $0) }

func fixture(_ name: String) -> URL {
    Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures")!
}

struct TokenizerFixture: Decodable {
    struct Case: Decodable { let text: String; let ids: [Int]; let decoded: String }
    let cases: [Case]
}

struct LogitsFixture: Decodable {
    struct Case: Decodable {
        let prompt: String
        let ids: [Int]
        let top_ids: [Int]
        let top_logits: [Float]
        let logsumexp: Float
        let mean: Float
        let std: Float
        let argmax_each_position: [Int]
        let greedy_8: [Int]
    }
    let cases: [Case]
}

func load<T: Decodable>(_ type: T.Type, _ name: String) throws -> T {
    try JSONDecoder().decode(T.self, from: Data(contentsOf: fixture(name)))
}
