// swift-tools-version: 6.1
// Perplexed: certified checks of "Perplexity Cannot Always Tell Right from Wrong" (arXiv 2601.22950).
import PackageDescription

let package = Package(
    name: "Perplexed",
    products: [
        .library(name: "MultiPrecision", targets: ["MultiPrecision"]),
        .library(name: "GGUF", targets: ["GGUF"]),
        .library(name: "Gemma", targets: ["Gemma"]),
        .executable(name: "perplexed", targets: ["PerplexedCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
    ],
    targets: [
        // C libraries, linked from Debian's -dev packages (see Makefile `deps`).
        .systemLibrary(name: "CMPFR", path: "Sources/CMPFR"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),

        // Certified arbitrary precision: BigFloat (MPFR), BigRational (GMP), Interval (MPFI).
        .target(
            name: "MultiPrecision",
            dependencies: ["CMPFR", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // GGUF files: header, metadata, tensor infos, memory-mapped data, dequantisation.
        // Optimised even in debug builds: dequantising a model is a hot loop.
        .target(name: "GGUF", swiftSettings: [.unsafeFlags(["-O"])]),

        // Gemma 3 text models from GGUF in float32 (OpenBLAS for the matrix products).
        .target(name: "Gemma", dependencies: ["GGUF", "CBLAS"], swiftSettings: [.unsafeFlags(["-O"])]),

        // The `perplexed` command-line tool.
        .executableTarget(
            name: "PerplexedCLI",
            dependencies: [
                "MultiPrecision",
                "GGUF",
                "Gemma",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(
            name: "MultiPrecisionTests",
            dependencies: [
                "MultiPrecision",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GemmaTests", dependencies: ["Gemma", "GGUF"], resources: [.copy("Fixtures")]),
    ],
    swiftLanguageModes: [.v6]
)
