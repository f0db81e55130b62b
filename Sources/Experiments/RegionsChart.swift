import Foundation
import MultiPrecision
import PerplexityTheory
import Reporting

/// Which base models and shifts the regions table and Fig. 3 cover. The defaults are Fig. 3's
/// (both panels, shifts 0, 1/10, …, 9/10).
public struct RegionsConfiguration: Sendable {
    /// Which of Fig. 3's panels, when no custom grid is given.
    public enum Panels: String, Sendable, CaseIterable {
        case left, right, both
    }

    /// Fig. 3's panels to cover. Default: both.
    public var panels: Panels
    /// Base accuracies of a custom grid (each in [0, 1]); with ``gammas`` it replaces the panels
    /// (γ defaults to 2/5). Default: nil.
    public var accuracies: [BigRational]?
    /// Base γ values of a custom grid (each in (0, 1/2)); a defaults to 1/2. Default: nil.
    public var gammas: [BigRational]?
    /// Step of the normalised shift Δ/γ, in (0, 1]. Default: 1/10.
    public var shiftStep: BigRational
    /// Largest normalised shift, in [0, 1]. Default: 9/10.
    public var lastShift: BigRational

    /// The largest grid (points over all panels) a table may have.
    public static let maximumPoints = 5_000_000

    /// A table over the chosen panels or a custom grid.
    public init(
        panels: Panels = .both, accuracies: [BigRational]? = nil, gammas: [BigRational]? = nil,
        shiftStep: BigRational = FigureThree.shiftStep, lastShift: BigRational = FigureThree.lastShift
    ) {
        self.panels = panels
        self.accuracies = accuracies
        self.gammas = gammas
        self.shiftStep = shiftStep
        self.lastShift = lastShift
    }

    /// Whether a custom grid replaces Fig. 3's panels.
    public var isCustom: Bool { accuracies != nil || gammas != nil }

    /// Throws the first field outside its range, or a grid larger than ``maximumPoints``.
    public func validate() throws(ConfigurationError) {
        let half = FigureThree.leftAccuracy
        for a in accuracies ?? [] { try ConfigurationError.require(a >= 0 && a <= 1, "accuracies", "must be in [0, 1] (each)", a.decimalText) }
        for g in gammas ?? [] { try ConfigurationError.require(g > 0 && g < half, "gammas", "must be in (0, 1/2) (each)", g.decimalText) }
        try ConfigurationError.require(shiftStep > 0 && shiftStep <= 1, "shiftStep", "must be in (0, 1]", shiftStep.briefText)
        try ConfigurationError.require(lastShift >= 0 && lastShift <= 1, "lastShift", "must be in [0, 1]", lastShift.briefText)
        let points = try grids(shifts: shifts()).map(\.grid.count).reduce(0, +)
        try ConfigurationError.require(points <= Self.maximumPoints, "grid", "must have at most 5,000,000 points", points)
    }

    /// The most shifts a table may have (`RegionsGrid/shifts(step:through:)` enforces the same).
    public static let maximumShifts = 1_000_000

    /// The most decimal digits in the shift step's numerator and in its denominator (1e-100, whose
    /// denominator 10^100 has 101 digits, is accepted): every shift is a multiple of the step, so
    /// this bounds each shift's size.
    public static let maximumStepDigits = 101

    /// The tabulated shifts 0, step, 2·step, … up to ``lastShift``.
    public func shifts() throws(ConfigurationError) -> [BigRational] {
        // There are ⌊last/step⌋ + 1 shifts: decide the bound exactly before building any, so a
        // tiny step (1e-10000) costs one comparison instead of a million huge rationals.
        if shiftStep > 0, lastShift >= 0, lastShift >= shiftStep * BigRational(Self.maximumShifts) {
            throw ConfigurationError(["shiftStep"], "must be large enough for at most 1,000,000 shifts", got: shiftStep.briefText)
        }
        // A million shifts of a step with a 10,000-digit denominator would take gigabytes.
        if max(shiftStep.numeratorDescription.count, shiftStep.denominatorDescription.count) > Self.maximumStepDigits {
            throw ConfigurationError(["shiftStep"], "must have at most 101 digits in its numerator and denominator", got: shiftStep.briefText)
        }
        do {
            return try RegionsGrid.shifts(step: shiftStep, through: lastShift)
        } catch {
            throw ConfigurationError(["shiftStep"], "must be \(error.requirement)", got: error.value)
        }
    }

    /// One named grid per panel ("left", "right", or "custom") with the given shifts.
    public func grids(shifts: [BigRational]) -> [(name: String, grid: RegionsGrid)] {
        if isCustom {
            let grid = RegionsGrid(accuracies: accuracies ?? [FigureThree.leftAccuracy], gammas: gammas ?? [FigureThree.rightGamma], shifts: shifts)
            return [("custom", grid)]
        }
        var out: [(String, RegionsGrid)] = []
        if panels != .right { out.append(("left", FigureThree.grid(.left, shifts: shifts))) }
        if panels != .left { out.append(("right", FigureThree.grid(.right, shifts: shifts))) }
        return out
    }

    /// Fig. 3 for the chosen panels, from Double arithmetic on s = 0, 1/100, …, 1 (plot precision).
    public func figure() throws -> Figure {
        let fine = try RegionsGrid.shifts(step: FigureThree.plotShiftStep, through: 1)
        var panels: [Chart] = []
        for (name, grid) in grids(shifts: fine) {
            panels.append(RegionsChart.chart(name: name, table: try regionsTable(grid) { $0.doubleApproximation }))
        }
        return Figure(panels: panels, title: (isCustom ? "Eq. 11" : "Fig. 3") + ": critical accuracy a′ against the normalised shift Δ/γ")
    }
}

/// Which side of the base accuracy the critical accuracy a′ lies on at one grid point.
public enum RegionBand: String, Sendable, CaseIterable {
    /// s = 0: a′ = a exactly, no band.
    case none
    /// a′ > a: candidates more accurate than the base but below a′ are rejected by perplexity.
    case rejectedThoughBetter = "rejected-though-better"
    /// a′ < a: candidates less accurate than the base but above a′ are selected (the free lunch).
    case selectedThoughWorse = "selected-though-worse"
    /// The enclosure of a′ − a contains 0.
    case undecided

    /// The band at shift `shift` with gap a′ − a.
    public init<T: PerplexityScalar>(gap: T, shift: BigRational) {
        let zero = gap.integer(0)
        // At s = 0, a′ = a exactly; a rounded gap of 1e-77 there is noise, not a band.
        if shift == 0 { self = .none } else if zero.isCertainlyLess(than: gap) { self = .rejectedThoughBetter }
        else if gap.isCertainlyLess(than: zero) { self = .selectedThoughWorse } else { self = .undecided }
    }
}

/// The panels of Fig. 3 as charts.
public enum RegionsChart {
    /// One panel: a line a′(s) per curve, the band between a and a′ shaded in the curve's colour,
    /// and a dashed line at each base accuracy.
    public static func chart(name: String, table: RegionsTable<Double>) -> Chart {
        let grid = table.grid
        let s = grid.shifts.map(\.doubleApproximation)
        let byGamma = grid.gammas.count > 1 || grid.accuracies.count == 1
        var curves: [(label: String, a: Double, values: [Double])] = []
        for (g, gamma) in grid.gammas.enumerated() {
            for (i, a) in grid.accuracies.enumerated() {
                let values = s.indices.map { table.critical[table.index(gamma: g, accuracy: i, shift: $0)] }
                let label: String
                if grid.gammas.count > 1 && grid.accuracies.count > 1 { label = "a = \(a.decimalText), γ = \(gamma.decimalText)" }
                else if byGamma { label = "γ = \(gamma.decimalText)" } else { label = "a = \(a.decimalText)" }
                curves.append((label, a.doubleApproximation, values))
            }
        }
        let title: String
        switch name {
        case "left": title = "a = 0.5, several γ"
        case "right": title = "γ = 0.4, several a"
        default: title = grid.gammas.count == 1 ? "γ = \(grid.gammas[0].decimalText)" : (grid.accuracies.count == 1 ? "a = \(grid.accuracies[0].decimalText)" : "custom grid")
        }
        let lowest = min(curves.flatMap(\.values).min() ?? 0, curves.map(\.a).min() ?? 0)
        let yLow = max(0, (lowest * 20).rounded(.down) / 20 - 0.02)
        var chart = Chart(
            title: title,
            xAxis: ChartAxis(label: "normalised shift Δ/γ", range: 0...1),
            yAxis: ChartAxis(label: "critical accuracy a′", range: yLow...1.02))
        chart.legend = .outsideRight
        chart.width = 720
        // Light shading: the bands of several curves overlap near a and must stay readable.
        for (i, curve) in curves.enumerated() {
            chart.regions.append(ShadedRegion(
                name: nil, points: zip(s, curve.values).map { (x: $0, lower: min(curve.a, $1), upper: max(curve.a, $1)) },
                color: Palette.color(i), opacity: 0.09))
            chart.lines.append(LineSeries(name: curve.label, points: zip(s, curve.values).map { (x: $0, y: $1) }, color: Palette.color(i)))
        }
        var baseLines: Set<Double> = []
        for (i, curve) in curves.enumerated() where !baseLines.contains(curve.a) {
            baseLines.insert(curve.a)
            chart.lines.append(LineSeries(
                name: baseLines.count == 1 ? "base accuracy a" : nil, points: [(0, curve.a), (1, curve.a)],
                color: curves.count > 1 && !byGamma ? Palette.color(i) : "#444444", width: 1.2, dash: "5 4"))
        }
        chart.regions.insert(ShadedRegion(name: "unfavourable band", points: [], color: "#777777", opacity: 0.3), at: 0)
        return chart
    }
}
