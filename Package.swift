// swift-tools-version: 6.1
// Perplexed: certified checks of "Perplexity Cannot Always Tell Right from Wrong" (arXiv 2601.22950).
import PackageDescription

// `make test` sets PERPLEXED_OPTIMISE_DEBUG=1 so that the compute-heavy targets are optimised in
// the debug test build (training tests would otherwise take minutes). Without it no unsafe flag
// is set, so other packages can depend on every library product.
let optimisedInDebug: [SwiftSetting] =
    Context.environment["PERPLEXED_OPTIMISE_DEBUG"] == "1" ? [.unsafeFlags(["-O"])] : []
// The same for C targets (SwiftPM builds them at -O0 in debug).
let optimisedCInDebug: [CSetting] =
    Context.environment["PERPLEXED_OPTIMISE_DEBUG"] == "1" ? [.unsafeFlags(["-O2"])] : []

let package = Package(
    name: "Perplexed",
    products: [
        .library(name: "MultiPrecision", targets: ["MultiPrecision"]),
        .library(name: "PerplexityTheory", targets: ["PerplexityTheory"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "Prover", targets: ["Prover"]),
        .library(name: "Witnesses", targets: ["Witnesses"]),
        .library(name: "Experiments", targets: ["Experiments"]),
        .library(name: "Kernels", targets: ["Kernels"]),
        .library(name: "Transformer", targets: ["Transformer"]),
        .library(name: "GGUF", targets: ["GGUF"]),
        .library(name: "QuantisedKernels", targets: ["QuantisedKernels"]),
        .library(name: "Gemma", targets: ["Gemma"]),
        .executable(name: "perplexed", targets: ["PerplexedCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.0"),
        // `make docs`: DocC archives of every library (swift package generate-documentation).
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // C libraries, linked from Debian's -dev packages (see Makefile `deps`).
        .systemLibrary(name: "CMPFR", path: "Sources/CMPFR"),
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),

        // MPFI intervals' exp and log evaluated by Arb (Debian's libflint-arb-dev, FLINT 2.9's Arb
        // 2.23), about ten times faster than MPFI's, with the same enclosure guarantee (also expm1, log1p).
        .target(
            name: "CIntervalArb",
            dependencies: ["CMPFR"],
            cSettings: optimisedCInDebug,
            linkerSettings: [.linkedLibrary("flint-arb"), .linkedLibrary("flint")]
        ),

        // Certified arbitrary precision: BigFloat (MPFR), BigRational (GMP), Interval (MPFI, with
        // exp and log through Arb).
        .target(
            name: "MultiPrecision",
            dependencies: ["CMPFR", "CIntervalArb", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // Float32 kernels in C, compiled for AVX2 and AVX-512 and chosen at run time.
        .target(name: "CKernels", cSettings: optimisedCInDebug),

        // Numerical kernels shared by the models: BLAS products, the parallel-for, softmaxes,
        // seeded generators. Optimised even in debug builds: everything hot runs through it.
        .target(
            name: "Kernels",
            dependencies: ["CBLAS", "CKernels", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: optimisedInDebug
        ),

        // The paper's mathematics (sections 3 and 4), generic over Real and certified on Interval.
        .target(
            name: "PerplexityTheory",
            dependencies: ["MultiPrecision", "Kernels", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // Certified proofs by interval subdivision, and the catalogue of the paper's claims.
        .target(name: "Prover", dependencies: ["MultiPrecision", "PerplexityTheory"]),

        // α_N/β_N witnesses on any language model, certified against the exact theory; statistics.
        // It needs no model: the adapters for Transformer and Gemma live in Experiments.
        .target(
            name: "Witnesses",
            dependencies: ["MultiPrecision", "PerplexityTheory", "Kernels", .product(name: "RealModule", package: "swift-numerics")]
        ),

        // What `perplexed` runs, callable from Swift: the model adapters, the copy sweep, the parity
        // study, the temperature sweep, the Fig. 3 chart, the demo, the reproduction with its
        // verdicts, training runs, checkpoint evaluation, the Gemma benchmark and the claim
        // verification. Each takes a plain configuration and a progress callback and returns a result.
        .target(
            name: "Experiments",
            dependencies: ["MultiPrecision", "PerplexityTheory", "Prover", "Reporting", "Witnesses", "Kernels", "Transformer", "GGUF", "Gemma"]
        ),

        // Tables (text, CSV, JSON, Markdown, LaTeX), JSON, SVG figures and atomic file writes.
        .target(name: "Reporting"),

        // A float32 decoder-only Transformer (OpenBLAS matrix products) for the copy and parity
        // tasks. Optimised even in debug builds so its training tests stay fast.
        .target(
            name: "Transformer",
            dependencies: ["Kernels", .product(name: "RealModule", package: "swift-numerics")],
            swiftSettings: optimisedInDebug
        ),
        // GGUF files: header, metadata, tensor infos, memory-mapped data, dequantisation.
        // Optimised even in debug builds: dequantising a model is a hot loop.
        .target(name: "GGUF", swiftSettings: optimisedInDebug),

        // Matrix products over weights kept in ggml's quantised blocks, decoded inside the dot
        // product: the block layouts come from GGUF, the threads and BLAS from Kernels (which
        // stays free of file formats).
        .target(name: "QuantisedKernels", dependencies: ["GGUF", "Kernels", "CQuantisedKernels"], swiftSettings: optimisedInDebug),
        // Its AVX2 and AVX-512 dot products and row decoders, in C11 (vector intrinsics, each
        // variant compiled for its instruction set and chosen at run time); none on other CPUs.
        .target(name: "CQuantisedKernels", dependencies: ["CKernels"], cSettings: optimisedCInDebug),

        // Gemma 3 text models from GGUF (matrix products and threads from Kernels, quantised
        // weights from QuantisedKernels).
        .target(name: "Gemma", dependencies: ["GGUF", "Kernels", "QuantisedKernels"], swiftSettings: optimisedInDebug),

        // The `perplexed` command-line tool.
        .executableTarget(
            name: "PerplexedCLI",
            dependencies: [
                "MultiPrecision",
                "PerplexityTheory",
                "Reporting",
                "Prover",
                "Kernels",
                "Transformer",
                "Witnesses",
                "Experiments",
                "GGUF",
                "Gemma",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Examples/LibraryTour: what `reproduce` does, from Swift, in under 60 lines (`make test`
        // builds and runs it).
        .executableTarget(
            name: "library-tour",
            dependencies: ["Experiments", "MultiPrecision", "PerplexityTheory", "Prover", "Transformer", "Witnesses"],
            path: "Examples/LibraryTour"
        ),

        // Benchmark peer programs (run by Benchmarks/*/run, not by the tests).
        .executableTarget(
            name: "MultiPrecisionBench",
            dependencies: ["MultiPrecision"],
            path: "Benchmarks/MultiPrecisionBench"
        ),
        // Times training and KV-cache inference (run by Benchmarks/transformer/run).
        .executableTarget(
            name: "TransformerBenchmark",
            dependencies: ["Kernels", "Transformer"],
            path: "Benchmarks/transformer/Sources"
        ),
        // Benchmarks/regions: the certified regions table timed (run with Benchmarks/regions/run).
        .executableTarget(
            name: "regions-benchmark",
            dependencies: ["MultiPrecision", "PerplexityTheory"],
            path: "Benchmarks/regions/Swift"
        ),
        // Benchmarks/softmax: the certified log-softmax of a 262,144-wide row, both methods.
        .executableTarget(
            name: "softmax-benchmark",
            dependencies: ["Kernels", "MultiPrecision", "Witnesses"],
            path: "Benchmarks/softmax/Swift"
        ),

        // Benchmarks/products: x · Wᵀ for a few rows, the C skinny kernel against OpenBLAS.
        .executableTarget(name: "products-benchmark", dependencies: ["Kernels"], path: "Benchmarks/products/Swift"),

        // Test support: replayable, seeded property checks (PERPLEXED_PROPERTY_SEED).
        .target(
            name: "PropertyTesting",
            dependencies: [.product(name: "PropertyBased", package: "swift-property-based")],
            path: "Tests/PropertyTesting"
        ),

        .testTarget(
            name: "MultiPrecisionTests",
            dependencies: [
                "MultiPrecision",
                .product(name: "PropertyBased", package: "swift-property-based"),
                "PropertyTesting",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ProverTests",
            dependencies: ["Prover", "MultiPrecision", "PerplexityTheory"]
        ),
        .testTarget(
            name: "WitnessesTests",
            dependencies: [
                "Witnesses", "Kernels", "MultiPrecision", "PerplexityTheory", "PropertyTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        // The experiments run from Swift on small settings, checked against closed forms.
        .testTarget(
            name: "ExperimentsTests",
            dependencies: [
                "Experiments", "Witnesses", "Transformer", "Prover", "MultiPrecision", "PerplexityTheory", "Reporting", "Gemma",
                "Kernels", "PropertyTesting", .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "TransformerTests",
            dependencies: ["Transformer", "Kernels", "MultiPrecision"]
        ),
        .testTarget(
            name: "KernelsTests",
            dependencies: ["Kernels", .product(name: "RealModule", package: "swift-numerics")],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "PerplexityTheoryTests",
            dependencies: [
                "MultiPrecision",
                "PerplexityTheory",
                .product(name: "PropertyBased", package: "swift-property-based"),
                "PropertyTesting",
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
        .testTarget(name: "GGUFTests", dependencies: ["GGUF"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GemmaTests", dependencies: ["Gemma", "GGUF", "QuantisedKernels", "Kernels"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "QuantisedKernelsTests",
            dependencies: [
                "QuantisedKernels", "CQuantisedKernels", "GGUF", "Kernels", "Gemma", "PropertyTesting",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
