import MultiPrecision

/// The grid of the paper's Fig. 3, written once: the prover's claims about the figure, the
/// regions table and chart, the demo and the reproduction all read it from here.
///
/// It lives beside the mathematics because it is part of what the paper states (the base models
/// and shifts its section 4 sentences are about), not a presentation choice.
public enum FigureThree {
    /// The left panel's base accuracy a = 1/2.
    public static let leftAccuracy = fraction(1, 2)
    /// The left panel's γ values: 1/100, 1/20, 1/10, 1/5, 3/10, 2/5.
    public static let leftGammas = [fraction(1, 100), fraction(1, 20), fraction(1, 10), fraction(1, 5), fraction(3, 10), fraction(2, 5)]
    /// The right panel's γ = 2/5.
    public static let rightGamma = fraction(2, 5)
    /// The right panel's base accuracies: 1/2, 3/5, 7/10, 4/5, 9/10, 19/20.
    public static let rightAccuracies = [fraction(1, 2), fraction(3, 5), fraction(7, 10), fraction(4, 5), fraction(9, 10), fraction(19, 20)]

    /// The tabulated normalised shifts s = Δ/γ run 0, 1/10, …: this step.
    public static let shiftStep = fraction(1, 10)
    /// … up to this last shift, 9/10.
    public static let lastShift = fraction(9, 10)
    /// The plotted curves run s = 0, 1/100, …, 1 (1 is the limit a′ = 1).
    public static let plotShiftStep = fraction(1, 100)
    /// The three shifts the demo prints a′ at: 1/4, 1/2, 3/4.
    public static let sampleShifts = [fraction(1, 4), fraction(1, 2), fraction(3, 4)]

    /// Every (a, γ) base model of both panels: the left panel's first.
    public static var baseModels: [(panel: Panel, accuracy: BigRational, gamma: BigRational)] {
        leftGammas.map { (Panel.left, leftAccuracy, $0) } + rightAccuracies.map { (Panel.right, $0, rightGamma) }
    }

    /// The figure's two panels.
    public enum Panel: String, Sendable, CaseIterable {
        /// a = 1/2, several γ.
        case left
        /// γ = 2/5, several a.
        case right
    }

    /// A panel's grid with the given shifts.
    public static func grid(_ panel: Panel, shifts: [BigRational]) -> RegionsGrid {
        switch panel {
        case .left: return RegionsGrid(accuracies: [leftAccuracy], gammas: leftGammas, shifts: shifts)
        case .right: return RegionsGrid(accuracies: rightAccuracies, gammas: [rightGamma], shifts: shifts)
        }
    }

    // The literals above have non-zero denominators, so the division cannot fail.
    private static func fraction(_ numerator: Int, _ denominator: Int) -> BigRational { try! BigRational(numerator, denominator) }
}
