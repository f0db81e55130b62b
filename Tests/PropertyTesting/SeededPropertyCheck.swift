import Foundation
import PropertyBased
import Testing

/// Replayable property checks.
///
/// PropertyBased's own `propertyCheck` draws a fresh system-random seed on every run, so a
/// failure seen once may never come back, and a crash inside the body loses the seed entirely.
/// `seededCheck` instead derives every case from one base seed, the check's file and test
/// function, and the case's index, so the same base seed replays the same inputs in order:
///
/// - by default the base seed is ``PropertySeed/defaultSeed`` (`make test` is deterministic);
/// - `PERPLEXED_PROPERTY_SEED=N` (a decimal or 0x-hex UInt64) runs the suite on another seed;
/// - `PERPLEXED_PROPERTY_SEED=random` draws one, and every failure prints it.
///
/// Every issue recorded inside the body carries the base seed, the case index and the inputs,
/// with the command that replays it.
public enum PropertySeed {
    /// The environment variable that overrides the base seed.
    public static let environmentVariable = "PERPLEXED_PROPERTY_SEED"

    /// The base seed when the environment says nothing.
    public static let defaultSeed: UInt64 = 20_260_130

    /// The base seed of this process: the environment's, else the default. A value that is
    /// neither a UInt64 nor `random` is reported as an issue by the first check that reads it.
    public static let base: Result<UInt64, SeedError> = {
        guard let text = ProcessInfo.processInfo.environment[environmentVariable], !text.isEmpty else {
            return .success(defaultSeed)
        }
        if text == "random" { return .success(UInt64.random(in: 0...UInt64.max)) }
        let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
        return parsed.map(Result.success) ?? .failure(SeedError(text: text))
    }()

    /// The generator of one case: SplitMix64 expands (base, site, index) into Xoshiro's state.
    static func generator(base: UInt64, site: String, index: Int) -> Xoshiro {
        // FNV-1a over the site text: stable across runs and platforms (unlike Hasher).
        var site64: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in site.utf8 { site64 = (site64 ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        var state = base ^ site64 ^ (UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return Xoshiro(seed: (next(), next(), next(), next()))
    }
}

/// A `PERPLEXED_PROPERTY_SEED` that is not a seed.
public struct SeedError: Error, CustomStringConvertible {
    public let text: String
    public var description: String {
        "\(PropertySeed.environmentVariable) must be a UInt64 (decimal or 0x-hex) or 'random', got '\(text)'"
    }
}

/// Runs `body` on `count` inputs drawn from `input`, each case replayable from the printed seed.
///
/// A thrown error is recorded as an issue of the case that threw, like a failed expectation; the
/// remaining cases still run.
public func seededCheck<Value>(
    count: Int = 100,
    input: Generator<Value, some Sequence>,
    sourceLocation: SourceLocation = #_sourceLocation,
    perform body: (Value) async throws -> Void
) async {
    let base: UInt64
    switch PropertySeed.base {
    case .success(let seed): base = seed
    case .failure(let error):
        Issue.record("\(error)", sourceLocation: sourceLocation)
        return
    }
    guard let test = Test.current else {
        Issue.record("seededCheck must run inside a test", sourceLocation: sourceLocation)
        return
    }
    // Keyed by file and test function, not line: editing elsewhere in the file keeps the inputs.
    let site = "\(sourceLocation.fileID):\(test.name)"
    // The test function's name, for the replay line ("isoPerplexity()" → "isoPerplexity").
    let filter = test.name.hasSuffix("()") ? String(test.name.dropLast(2)) : test.name
    // The body is not Sendable, but provideScope runs it at once, on this task.
    nonisolated(unsafe) let run = body
    for index in 0..<count {
        var rng = PropertySeed.generator(base: base, site: site, index: index)
        let value = input.run(using: &rng)
        let note = Comment(rawValue: """
            property case \(index + 1) of \(count), base seed \(base), input \(value); \
            replay: \(PropertySeed.environmentVariable)=\(base) swift test --filter '\(filter)'
            """)
        let annotate = IssueHandlingTrait.compactMapIssues { issue in
            var annotated = issue
            annotated.comments.append(note)
            return annotated
        }
        nonisolated(unsafe) let argument = value
        do {
            try await annotate.provideScope(for: test, testCase: Test.Case.current) {
                do { try await run(argument) } catch {
                    Issue.record(error, "threw on a generated input", sourceLocation: sourceLocation)
                }
            }
        } catch {
            Issue.record(error, sourceLocation: sourceLocation)
        }
    }
}

/// Two generators.
public func seededCheck<A, B>(
    count: Int = 100, input a: Generator<A, some Sequence>, _ b: Generator<B, some Sequence>,
    sourceLocation: SourceLocation = #_sourceLocation, perform body: (A, B) async throws -> Void
) async {
    await seededCheck(count: count, input: zip(a, b), sourceLocation: sourceLocation) { try await body($0.0, $0.1) }
}

/// Three generators.
public func seededCheck<A, B, C>(
    count: Int = 100, input a: Generator<A, some Sequence>, _ b: Generator<B, some Sequence>,
    _ c: Generator<C, some Sequence>,
    sourceLocation: SourceLocation = #_sourceLocation, perform body: (A, B, C) async throws -> Void
) async {
    await seededCheck(count: count, input: zip(a, b, c), sourceLocation: sourceLocation) { try await body($0.0, $0.1, $0.2) }
}

/// Four generators.
public func seededCheck<A, B, C, D>(
    count: Int = 100, input a: Generator<A, some Sequence>, _ b: Generator<B, some Sequence>,
    _ c: Generator<C, some Sequence>, _ d: Generator<D, some Sequence>,
    sourceLocation: SourceLocation = #_sourceLocation, perform body: (A, B, C, D) async throws -> Void
) async {
    await seededCheck(count: count, input: zip(a, b, c, d), sourceLocation: sourceLocation) {
        try await body($0.0, $0.1, $0.2, $0.3)
    }
}

/// Five generators.
public func seededCheck<A, B, C, D, E>(
    count: Int = 100, input a: Generator<A, some Sequence>, _ b: Generator<B, some Sequence>,
    _ c: Generator<C, some Sequence>, _ d: Generator<D, some Sequence>, _ e: Generator<E, some Sequence>,
    sourceLocation: SourceLocation = #_sourceLocation, perform body: (A, B, C, D, E) async throws -> Void
) async {
    await seededCheck(count: count, input: zip(a, b, c, d, e), sourceLocation: sourceLocation) {
        try await body($0.0, $0.1, $0.2, $0.3, $0.4)
    }
}

/// Six generators.
public func seededCheck<A, B, C, D, E, F>(
    count: Int = 100, input a: Generator<A, some Sequence>, _ b: Generator<B, some Sequence>,
    _ c: Generator<C, some Sequence>, _ d: Generator<D, some Sequence>, _ e: Generator<E, some Sequence>,
    _ f: Generator<F, some Sequence>,
    sourceLocation: SourceLocation = #_sourceLocation, perform body: (A, B, C, D, E, F) async throws -> Void
) async {
    await seededCheck(count: count, input: zip(a, b, c, d, e, f), sourceLocation: sourceLocation) {
        try await body($0.0, $0.1, $0.2, $0.3, $0.4, $0.5)
    }
}

/// The seed of a test that draws its own inputs (a loop of its own rather than ``seededCheck``):
/// derived from the base seed and the test's file and function like a property case, so
/// `make test` is deterministic and `PERPLEXED_PROPERTY_SEED` varies or replays it. Prints the
/// seed with the command that replays it.
public func testSeed(
    fileID: String = #fileID, function: String = #function, sourceLocation: SourceLocation = #_sourceLocation
) -> UInt64 {
    let base: UInt64
    switch PropertySeed.base {
    case .success(let seed): base = seed
    case .failure(let error):
        Issue.record("\(error)", sourceLocation: sourceLocation)
        base = PropertySeed.defaultSeed
    }
    var generator = PropertySeed.generator(base: base, site: "\(fileID):\(function)", index: 0)
    let seed = generator.next()
    let filter = function.split(separator: "(").first.map(String.init) ?? function
    print("\(fileID) \(function): seed \(seed) (replay: \(PropertySeed.environmentVariable)=\(base) swift test --filter '\(filter)')")
    return seed
}
