import MultiPrecision
import PerplexityTheory
import Reporting

/// The demo's settings. The defaults are `perplexed demo`'s.
public struct DemoConfiguration: Sendable, Equatable {
    /// Binary precision in bits of the enclosures (in `Precision/range`). Default: 256.
    public var precision: Int
    /// Significant digits printed per bound (1…1000). Default: 12.
    public var digits: Int

    /// The demo at `precision` bits, printed to `digits` digits.
    public init(precision: Int = 256, digits: Int = 12) {
        self.precision = precision
        self.digits = digits
    }

    /// Throws if the precision or the digits are out of range.
    public func validate() throws(ConfigurationError) {
        try ConfigurationError.require(
            Precision.range.contains(precision), "precision", "must be in \(Precision.range.lowerBound)…\(Precision.range.upperBound)", precision)
        try ConfigurationError.require((1...1000).contains(digits), "digits", "must be in 1…1000", digits)
    }
}

/// Certified Eq. 10 and Eq. 11 at every base model of Fig. 3 and the shifts 1/4, 1/2, 3/4.
public struct Demo: Sendable {
    /// One base model of Fig. 3 with its certified values.
    public struct Row: Sendable {
        /// "a = 1/2" (left panel) or "gamma = 2/5" (right panel).
        public let panel: String
        /// The base accuracy a.
        public let accuracy: BigRational
        /// The base γ.
        public let gamma: BigRational
        /// pplx(a, γ) (Eq. 10).
        public let logPerplexity: Interval
        /// a′ (Eq. 11) at each of `FigureThree/sampleShifts`.
        public let criticalAccuracies: [Interval]
    }

    /// The settings the demo ran with.
    public let configuration: DemoConfiguration
    /// The left panel's rows, then the right panel's.
    public let rows: [Row]

    /// The sentence printed under the text table.
    public static let note = "Rows with a' < a at some shift are the paper's free lunch: a less accurate model wins on perplexity."

    /// Computes every row's enclosures.
    public static func run(_ configuration: DemoConfiguration = DemoConfiguration()) throws -> Demo {
        try configuration.validate()
        let precision = configuration.precision
        let shifts = try FigureThree.sampleShifts.map { try Interval($0, precision: precision) }
        let rows = try FigureThree.baseModels.map { panel, a, gamma in
            let aI = try Interval(a, precision: precision), gI = try Interval(gamma, precision: precision)
            let label = panel == .left ? "a = \(FigureThree.leftAccuracy)" : "gamma = \(FigureThree.rightGamma)"
            return Row(panel: label, accuracy: a, gamma: gamma, logPerplexity: try logPerplexity(accuracy: aI, gamma: gI).total,
                       criticalAccuracies: try shifts.map { try criticalAccuracy(accuracy: aI, gamma: gI, shift: $0) })
        }
        return Demo(configuration: configuration, rows: rows)
    }

    /// The rows with each enclosure printed to the configured digits.
    public func table() throws -> Table {
        var table = Table(
            columns: ["panel", "a", "gamma", "pplx(a, gamma)"] + FigureThree.sampleShifts.map { "a' at shift \($0)" },
            numericColumns: [],
            caption: "Certified Eq. 10 and Eq. 11 (enclosures at \(configuration.precision) bits, rounded outward)")
        for row in rows {
            table.append([row.panel, row.accuracy.description, row.gamma.description, try row.logPerplexity.decimal(digits: configuration.digits)]
                         + (try row.criticalAccuracies.map { try $0.decimal(digits: configuration.digits) }))
        }
        return table
    }
}
