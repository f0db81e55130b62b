// swift-tools-version: 6.1
// libFuzzer harnesses for Perplexed's readers of untrusted input (`make fuzz`, `make fuzz-smoke`).
//
// A package of its own so that the main package's builds never see the sanitizer flags. Build
// (from the repository root; the Makefile does this):
//   swift build --package-path Fuzz --scratch-path .build/fuzz -c release \
//     -Xswiftc -sanitize=fuzzer,address
// `-sanitize=fuzzer` on the command line instruments the libraries under test too, which is what
// gives libFuzzer its coverage signal. Each harness defines `LLVMFuzzerTestOneInput` and a @main
// that hands it to libFuzzer's driver (LibFuzzerDriver): SwiftPM aliases an executable's main to
// the module's entry point, so libFuzzer's own main cannot be linked.
import PackageDescription

let harness: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "PerplexedFuzz",
    dependencies: [.package(name: "Perplexed", path: "..")],
    targets: [
        .target(name: "LibFuzzerDriver"),
        // GGUF reader: header, metadata, tensor infos, dequantisation; Gemma's metadata readers.
        .executableTarget(
            name: "fuzz-gguf",
            dependencies: ["LibFuzzerDriver", .product(name: "GGUF", package: "Perplexed"), .product(name: "Gemma", package: "Perplexed")],
            path: "Sources/FuzzGGUF", swiftSettings: harness
        ),
        // safetensors checkpoints of the float32 Transformer.
        .executableTarget(
            name: "fuzz-safetensors",
            dependencies: ["LibFuzzerDriver", .product(name: "Transformer", package: "Perplexed")],
            path: "Sources/FuzzSafetensors", swiftSettings: harness
        ),
        // Gemma's SentencePiece tokenizer on a small synthetic vocabulary.
        .executableTarget(
            name: "fuzz-tokenizer",
            dependencies: ["LibFuzzerDriver", .product(name: "GGUF", package: "Perplexed"), .product(name: "Gemma", package: "Perplexed")],
            path: "Sources/FuzzTokenizer", swiftSettings: harness
        ),
        // Exact decimal and fraction parsing into BigRational.
        .executableTarget(
            name: "fuzz-decimal",
            dependencies: ["LibFuzzerDriver", .product(name: "MultiPrecision", package: "Perplexed")],
            path: "Sources/FuzzDecimal", swiftSettings: harness
        ),
    ],
    swiftLanguageModes: [.v6]
)
