import MultiPrecision

/// One parameter of a claim and the closed range it ranges over (exact rational ends).
public struct Variable: Sendable {
    /// The parameter's name (`a`, `gamma`, `s`, …).
    public let name: String
    /// Lower end of its range.
    public let lower: BigRational
    /// Upper end of its range.
    public let upper: BigRational

    public init(_ name: String, _ lower: BigRational, _ upper: BigRational) {
        precondition(lower <= upper, "variable \(name): empty range")
        self.name = name
        self.lower = lower
        self.upper = upper
    }

    /// Convenience: ends given as exact decimal or fraction text ("1/100", "0.49").
    public init(_ name: String, _ lower: String, _ upper: String) {
        // Catalogue literals are fixed text checked by the tests; a typo is a programming error.
        self.init(name, try! BigRational(parsing: lower), try! BigRational(parsing: upper))
    }
}

/// A box: one closed range per variable, with exact rational ends.
public struct Box: Sendable, CustomStringConvertible {
    public var lower: [BigRational]
    public var upper: [BigRational]

    public init(lower: [BigRational], upper: [BigRational]) {
        self.lower = lower
        self.upper = upper
    }

    /// The box spanned by the variables' ranges.
    public init(_ variables: [Variable]) {
        self.init(lower: variables.map(\.lower), upper: variables.map(\.upper))
    }

    /// The exact midpoint.
    public var midpoint: [BigRational] {
        zip(lower, upper).map { ($0 + $1) * Self.half }
    }

    /// Interval enclosures of the sides at `precision` bits (outward if an end is not representable).
    public func intervals(precision: Int) throws -> [Interval] {
        try zip(lower, upper).map { try Interval(lower: $0, upper: $1, precision: precision) }
    }

    /// Splits the side that is widest relative to `scale` (the original box's widths) at its midpoint.
    public func split(relativeTo scale: [BigRational]) -> (Box, Box) {
        var best = 0
        var bestWidth: BigRational = -1
        for i in lower.indices where scale[i] > 0 {
            let width = (upper[i] - lower[i]) / scale[i]
            if width > bestWidth { best = i; bestWidth = width }
        }
        let mid = (lower[best] + upper[best]) * Self.half
        var left = self, right = self
        left.upper[best] = mid
        right.lower[best] = mid
        return (left, right)
    }

    static let half = try! BigRational(1, 2)

    public var description: String {
        zip(lower, upper).map { "[\($0), \($1)]" }.joined(separator: " × ")
    }
}
