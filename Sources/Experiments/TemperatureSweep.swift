import Foundation
import Reporting
import Witnesses

/// The temperature sweep's settings: sampling copies at temperature θ (Remark 3.4, Remark 3.5,
/// Prop. 3.6). The defaults are the paper-settings reproduction's.
public struct TemperatureSweepConfiguration: Sendable, Equatable {
    /// Lengths N (each in 1…524287). Default: 16, 64, 256.
    public var lengths: [Int]
    /// Temperatures θ (each > 0 and finite). Default: 0.5, 1, 2.
    public var thetas: [Double]
    /// Sampled copies per (N, θ), 1…1000000. Default: 1000.
    public var samples: Int
    /// Seed of the samples. Default: 1.
    public var seed: UInt64

    /// A sweep over `lengths` × `thetas` with `samples` copies each.
    public init(lengths: [Int] = [16, 64, 256], thetas: [Double] = [0.5, 1.0, 2.0], samples: Int = 1000, seed: UInt64 = 1) {
        self.lengths = lengths
        self.thetas = thetas
        self.samples = samples
        self.seed = seed
    }

    /// The shorter run of `reproduce --quick`: N ∈ {16, 64}, 200 samples.
    public static func quick(seed: UInt64 = 1) -> TemperatureSweepConfiguration {
        TemperatureSweepConfiguration(lengths: [16, 64], samples: 200, seed: seed)
    }

    /// Throws the first field outside its range.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(!lengths.isEmpty, "lengths", "must list at least one length", "none")
        if let bad = lengths.first(where: { !(1...CopyModel.lengthLimit).contains($0) }) {
            try ConfigurationError.require(false, "lengths", element: "length", "must be in 1…\(CopyModel.lengthLimit)", bad)
        }
        try ConfigurationError.require(!thetas.isEmpty, "thetas", "must list at least one temperature", "none")
        if let bad = thetas.first(where: { !($0 > 0 && $0.isFinite) }) {
            try ConfigurationError.require(false, "thetas", element: "temperature", "must be > 0 and finite", bad)
        }
        try ConfigurationError.require((1...1_000_000).contains(samples), "samples", "must be in 1…1000000", samples)
    }
}

/// Seeded Monte Carlo copy rates at several temperatures beside the exact path probabilities
/// and the section 3 lower bounds.
public struct TemperatureSweep: Sendable {
    /// The settings the sweep ran with.
    public let configuration: TemperatureSweepConfiguration
    /// One measurement per (N, θ), lengths outermost.
    public let measurements: [SamplingMeasurement]

    /// Samples every (N, θ) of the configuration, one step each.
    public static func run<M: LanguageModel>(
        model: inout M, prompting: some CopyPrompting, configuration: TemperatureSweepConfiguration = TemperatureSweepConfiguration(),
        progress: (ExperimentProgress) -> Void = { _ in }
    ) throws -> TemperatureSweep {
        try configuration.validate()
        var measurements: [SamplingMeasurement] = []
        let total = configuration.lengths.count * configuration.thetas.count
        for n in configuration.lengths {
            for theta in configuration.thetas {
                progress(ExperimentProgress(.step, "sampling N = \(n), θ = \(theta)", completed: measurements.count, total: total))
                measurements.append(try samplingMeasurement(
                    model: &model, prompting: prompting, length: n, theta: theta, samples: configuration.samples, seed: configuration.seed))
            }
        }
        return TemperatureSweep(configuration: configuration, measurements: measurements)
    }

    /// Whether a measurement is consistent: both Monte Carlo rates within 4 standard errors
    /// (plus 10⁻³) of the exact probabilities, and every lower bound below its exact value.
    public static func isConsistent(_ m: SamplingMeasurement) -> Bool {
        let se = { (p: Double) in (p * (1 - p) / Double(m.samples)).squareRoot() + 1e-3 }
        return abs(m.copyRate - m.copyExact) <= 4 * se(m.copyExact)
            && abs(m.alphaForBetaRate - m.alphaForBetaExact) <= 4 * se(m.alphaForBetaExact)
            && m.copyLowerBound <= m.copyExact + 1e-12 && m.booleLowerBound <= m.copyExact + 1e-12
            && m.propositionLowerBound <= m.alphaForBetaExact + 1e-12
    }

    /// Whether every measurement is consistent.
    public var consistent: Bool { measurements.allSatisfy(Self.isConsistent) }

    /// One row per (N, θ): rates, exact values and bounds.
    public func table() -> Table {
        var table = Table(columns: ["N", "theta", "samples", "P(copy alpha) MC", "exact", "(1-gamma')^N", "1 - N gamma'",
                                    "P(alpha for beta) MC", "exact", "1 - N(gamma' + eps)"],
                          numericColumns: Set(0..<10))
        for m in measurements {
            table.append(["\(m.length)", String(format: "%g", m.theta), "\(m.samples)", String(format: "%.3f", m.copyRate), String(format: "%.3f", m.copyExact),
                          String(format: "%.3f", m.copyLowerBound), String(format: "%.3f", m.booleLowerBound),
                          String(format: "%.3f", m.alphaForBetaRate), String(format: "%.3f", m.alphaForBetaExact),
                          String(format: "%.3f", m.propositionLowerBound)])
        }
        return table
    }
}
