// swift-tools-version: 6.1
// Perplexed: certified checks of "Perplexity Cannot Always Tell Right from Wrong" (arXiv 2601.22950).
import PackageDescription

let package = Package(
    name: "Perplexed",
    products: [
        .library(name: "MultiPrecision", targets: ["MultiPrecision"]),
        .library(name: "PerplexityTheory", targets: ["PerplexityTheory"]),
        .library(name: "Reporting", targets: ["Reporting"]),
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

        // Certified arbitrary precision: BigFloat (MPFR), BigRational (GMP), Interval (MPFI).
        .target(
            name: "MultiPrecision",
            dependencies: ["CMPFR", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // The paper's mathematics (sections 3 and 4), generic over Real and certified on Interval.
        .target(
            name: "PerplexityTheory",
            dependencies: ["MultiPrecision", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // Tables (text, CSV, JSON, Markdown, LaTeX), JSON, SVG figures and atomic file writes.
        .target(name: "Reporting"),

        // The `perplexed` command-line tool.
        .executableTarget(
            name: "PerplexedCLI",
            dependencies: [
                "MultiPrecision",
                "PerplexityTheory",
                "Reporting",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Benchmarks/regions: the certified regions table timed (run with Benchmarks/regions/run).
        .executableTarget(
            name: "regions-benchmark",
            dependencies: ["MultiPrecision", "PerplexityTheory"],
            path: "Benchmarks/regions/Swift"
        ),

        .testTarget(
            name: "MultiPrecisionTests",
            dependencies: [
                "MultiPrecision",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PerplexityTheoryTests",
            dependencies: [
                "MultiPrecision",
                "PerplexityTheory",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ReportingTests",
            dependencies: ["Reporting"]
        ),
        // Runs the built `perplexed` binary as a subprocess (swift build --build-tests builds it).
        .testTarget(
            name: "PerplexedCLITests",
            dependencies: []
        ),
    ],
    swiftLanguageModes: [.v6]
)
