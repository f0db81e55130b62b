// swift-tools-version: 6.1
// libFuzzer harnesses for Perplexed's readers of untrusted input (`make fuzz`, `make fuzz-smoke`).
//
// A package of its own so that the main package's builds never see the sanitizer flags. Build
// (from the repository root; the Makefile does this):
//   swift build --package-path Fuzz --scratch-path .build/fuzz -c release \
//     -Xswiftc -sanitize=fuzzer,address
// `-sanitize=fuzzer` on the command line instruments the libraries under test too, which is what
// gives libFuzzer its coverage signal. Each harness defines `LLVMFuzzerTestOneInput` and a @main
// that hands it to libFuzzer's driver (FuzzSupport's `runLibFuzzer`): SwiftPM aliases an
// executable's main to the module's entry point, so libFuzzer's own main cannot be linked.
import PackageDescription

/// A harness executable in Sources/`folder` testing the root package's `libraries`.
func harness(_ name: String, _ folder: String, testing libraries: [String]) -> Target {
    .executableTarget(
        name: name,
        dependencies: ["FuzzSupport"] + libraries.map { .product(name: $0, package: "Perplexed") },
        path: "Sources/" + folder,
        swiftSettings: [.unsafeFlags(["-parse-as-library"])]
    )
}

let package = Package(
    name: "PerplexedFuzz",
    dependencies: [.package(name: "Perplexed", path: "..")],
    targets: [
        // libFuzzer's driver entry point (a C declaration) and the harnesses' shared main.
        .target(name: "LibFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["LibFuzzerDriver"]),
        // GGUF reader: header, metadata, tensor infos, dequantisation; Gemma's metadata readers.
        harness("fuzz-gguf", "FuzzGGUF", testing: ["GGUF", "Gemma"]),
        // safetensors checkpoints of the float32 Transformer.
        harness("fuzz-safetensors", "FuzzSafetensors", testing: ["Transformer"]),
        // Gemma's SentencePiece tokenizer on a small synthetic vocabulary.
        harness("fuzz-tokenizer", "FuzzTokenizer", testing: ["GGUF", "Gemma"]),
        // Exact decimal and fraction parsing into BigRational.
        harness("fuzz-decimal", "FuzzDecimal", testing: ["MultiPrecision"]),
    ],
    swiftLanguageModes: [.v6]
)
