import Foundation

// Self-contained SVG charts: line charts with shaded regions, scatter plots coloured by a value
// with a colour bar, star markers, axes with "nice" ticks, legends, and multi-panel figures.
// No dependencies, deterministic output (same input, same bytes), so figures can be committed
// and diffed.

/// A colour as CSS text (`#1f77b4`, `rgb(…)`, a named colour).
public typealias CSSColor = String

/// Colours that stay distinguishable for colour-blind readers (Okabe & Ito) and in greyscale order.
public enum Palette {
    /// Eight categorical colours; index modulo count.
    public static let categorical: [CSSColor] = [
        "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
    ]

    /// The `i`-th categorical colour.
    public static func color(_ i: Int) -> CSSColor { categorical[((i % categorical.count) + categorical.count) % categorical.count] }
}

/// A continuous colour scale, linearly interpolated between stops at positions in [0, 1].
public struct ColorScale: Sendable {
    /// (position in [0, 1], red, green, blue in 0…255), sorted by position.
    public var stops: [(position: Double, red: Double, green: Double, blue: Double)]

    public init(stops: [(position: Double, red: Double, green: Double, blue: Double)]) {
        self.stops = stops.sorted { $0.position < $1.position }
    }

    /// Viridis (perceptually uniform, colour-blind safe), nine stops.
    public static let viridis = ColorScale(stops: [
        (0.000, 68, 1, 84), (0.125, 71, 44, 122), (0.250, 59, 81, 139), (0.375, 44, 113, 142),
        (0.500, 33, 144, 141), (0.625, 39, 173, 129), (0.750, 92, 200, 99), (0.875, 170, 220, 50),
        (1.000, 253, 231, 37),
    ])

    /// The colour at t ∈ [0, 1] (clamped; NaN gives grey).
    public func color(at t: Double) -> CSSColor {
        guard t.isFinite, let first = stops.first, let last = stops.last else { return "#999999" }
        let t = min(max(t, first.position), last.position)
        var lower = first, upper = last
        for (a, b) in zip(stops, stops.dropFirst()) where a.position <= t && t <= b.position {
            lower = a; upper = b; break
        }
        let span = upper.position - lower.position
        let f = span > 0 ? (t - lower.position) / span : 0
        func mix(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * f).rounded()) }
        return String(format: "#%02x%02x%02x", mix(lower.red, upper.red), mix(lower.green, upper.green), mix(lower.blue, upper.blue))
    }
}

/// One axis: its label, its range (automatic from the data when nil) and its ticks (automatic
/// "nice" 1-2-5 ticks when nil).
public struct ChartAxis: Sendable {
    /// The axis title.
    public var label: String
    /// The visible range; nil fits the data (with a small margin).
    public var range: ClosedRange<Double>?
    /// Tick positions; nil picks 1-2-5 steps.
    public var ticks: [Double]?
    /// Formats tick labels; default: as few decimals as the tick step needs.
    public var tickFormat: (@Sendable (Double) -> String)?

    public init(label: String, range: ClosedRange<Double>? = nil, ticks: [Double]? = nil, tickFormat: (@Sendable (Double) -> String)? = nil) {
        self.label = label
        self.range = range
        self.ticks = ticks
        self.tickFormat = tickFormat
    }
}

/// A polyline through (x, y) points; non-finite points break the line.
public struct LineSeries: Sendable {
    /// The legend label; nil leaves the series out of the legend.
    public var name: String?
    /// The points in drawing order.
    public var points: [(x: Double, y: Double)]
    /// Stroke colour.
    public var color: CSSColor
    /// Stroke width in pixels.
    public var width: Double
    /// A dash pattern (`"6 4"`), or nil for a solid line.
    public var dash: String?

    public init(name: String?, points: [(x: Double, y: Double)], color: CSSColor, width: Double = 2, dash: String? = nil) {
        self.name = name
        self.points = points
        self.color = color
        self.width = width
        self.dash = dash
    }
}

/// The area between two curves sampled at the same x values (e.g. an unfavourable band).
public struct ShadedRegion: Sendable {
    /// The legend label; nil leaves the region out of the legend (several regions can share
    /// one legend entry by naming only one of them, possibly an empty one).
    public var name: String?
    /// (x, lower y, upper y), in x order.
    public var points: [(x: Double, lower: Double, upper: Double)]
    /// Fill colour.
    public var color: CSSColor
    /// Fill opacity in [0, 1]; overlapping regions add up, so keep it low when they overlap.
    public var opacity: Double

    public init(name: String?, points: [(x: Double, lower: Double, upper: Double)], color: CSSColor, opacity: Double = 0.15) {
        self.name = name
        self.points = points
        self.color = color
        self.opacity = opacity
    }
}

/// Marker shapes for scatter plots and single highlighted points.
public enum MarkerShape: Sendable {
    case circle, square, star
}

/// Points coloured by a value on a ``ColorScale``; a ``Chart`` with scatter series draws a colour bar.
public struct ScatterSeries: Sendable {
    /// The legend label; nil leaves the series out of the legend.
    public var name: String?
    /// Positions and the value that picks each point's colour.
    public var points: [(x: Double, y: Double, value: Double)]
    /// The colour scale for `value`.
    public var scale: ColorScale
    /// The value range mapped onto the scale (automatic from the points when nil).
    public var valueRange: ClosedRange<Double>?
    /// The colour bar's label.
    public var valueLabel: String
    /// Marker shape.
    public var shape: MarkerShape
    /// Marker radius in pixels.
    public var radius: Double

    public init(
        name: String?, points: [(x: Double, y: Double, value: Double)], scale: ColorScale = .viridis,
        valueRange: ClosedRange<Double>? = nil, valueLabel: String, shape: MarkerShape = .circle, radius: Double = 4
    ) {
        self.name = name
        self.points = points
        self.scale = scale
        self.valueRange = valueRange
        self.valueLabel = valueLabel
        self.shape = shape
        self.radius = radius
    }

    var resolvedRange: ClosedRange<Double> {
        if let valueRange { return valueRange }
        let values = points.map(\.value).filter(\.isFinite)
        guard let lo = values.min(), let hi = values.max() else { return 0...1 }
        return lo < hi ? lo...hi : (lo - 0.5)...(hi + 0.5)
    }
}

/// One highlighted point (e.g. the best checkpoint as a star), with an optional label.
public struct ChartMarker: Sendable {
    /// Position in data coordinates.
    public var x: Double
    public var y: Double
    /// Marker shape (a star by default).
    public var shape: MarkerShape
    /// Fill colour.
    public var color: CSSColor
    /// Outer radius in pixels.
    public var size: Double
    /// Text drawn next to the marker.
    public var label: String?
    /// Shown in the legend when set.
    public var name: String?

    public init(x: Double, y: Double, shape: MarkerShape = .star, color: CSSColor = "#D55E00", size: Double = 9, label: String? = nil, name: String? = nil) {
        self.x = x
        self.y = y
        self.shape = shape
        self.color = color
        self.size = size
        self.label = label
        self.name = name
    }
}

/// Where the legend goes: inside a corner of the plot area, or nowhere.
public enum LegendPosition: Sendable {
    case topLeft, topRight, bottomLeft, bottomRight
    /// Outside the plot area, right of it (the panel widens its right margin to fit).
    case outsideRight
    case none
}

/// One chart panel: axes, shaded regions (drawn first), lines, scatter series, markers, a legend
/// and, when there are scatter series, a colour bar on the right.
public struct Chart: Sendable {
    /// The panel title.
    public var title: String?
    /// The horizontal axis.
    public var xAxis: ChartAxis
    /// The vertical axis.
    public var yAxis: ChartAxis
    /// Shaded regions, drawn first (under everything else).
    public var regions: [ShadedRegion] = []
    /// Lines, drawn over the regions.
    public var lines: [LineSeries] = []
    /// Scatter series; the first one's scale gets a colour bar.
    public var scatters: [ScatterSeries] = []
    /// Highlighted points, drawn last and not clipped.
    public var markers: [ChartMarker] = []
    /// Where the legend goes.
    public var legend: LegendPosition = .topLeft
    /// Panel size in SVG user units (pixels).
    public var width: Double = 520
    public var height: Double = 400

    public init(title: String? = nil, xAxis: ChartAxis, yAxis: ChartAxis) {
        self.title = title
        self.xAxis = xAxis
        self.yAxis = yAxis
    }

    /// A standalone SVG document of this chart.
    public func svg() -> String { Figure(panels: [self]).svg() }
}

/// Panels laid out in a grid (row-major) as one SVG document, e.g. Fig. 3's left and right panels.
public struct Figure: Sendable {
    /// The panels, row-major.
    public var panels: [Chart]
    /// Panels per row.
    public var columns: Int
    /// A title over all panels.
    public var title: String?

    /// A figure of `panels`, `columns` per row (default: all in one row).
    public init(panels: [Chart], columns: Int? = nil, title: String? = nil) {
        self.panels = panels
        self.columns = max(1, columns ?? panels.count)
        self.title = title
    }

    /// The SVG document.
    public func svg() -> String {
        let titleHeight = title == nil ? 0.0 : 30.0
        let rows = (panels.count + columns - 1) / columns
        let cellWidth = panels.map(\.width).max() ?? 520
        let cellHeight = panels.map(\.height).max() ?? 400
        let width = cellWidth * Double(columns), height = cellHeight * Double(rows) + titleHeight
        var out = SVGWriter()
        out.line(#"<svg xmlns="http://www.w3.org/2000/svg" width="\#(fmt(width))" height="\#(fmt(height))" viewBox="0 0 \#(fmt(width)) \#(fmt(height))" font-family="Helvetica, Arial, sans-serif">"#)
        out.line(#"<rect width="100%" height="100%" fill="white"/>"#)
        if let title {
            out.line(#"<text x="\#(fmt(width / 2))" y="21" text-anchor="middle" font-size="17" font-weight="bold">\#(escape(title))</text>"#)
        }
        for (i, panel) in panels.enumerated() {
            let x = Double(i % columns) * cellWidth, y = titleHeight + Double(i / columns) * cellHeight
            out.line(#"<g transform="translate(\#(fmt(x)),\#(fmt(y)))">"#)
            PanelRenderer(chart: panel, clipID: "plot\(i)").render(into: &out)
            out.line("</g>")
        }
        out.line("</svg>")
        return out.text
    }
}

// MARK: - Rendering

struct SVGWriter {
    var text = ""
    mutating func line(_ s: String) { text += s + "\n" }
}

/// Compact number text for coordinates: two decimals, no trailing zeros.
func fmt(_ x: Double) -> String {
    guard x.isFinite else { return "0" }
    var s = String(format: "%.2f", x)
    while s.hasSuffix("0") { s.removeLast() }
    if s.hasSuffix(".") { s.removeLast() }
    return s == "-0" ? "0" : s
}

/// XML text escaping.
func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
}

/// Ticks at 1, 2 or 5 × 10^k covering `range` with about `target` intervals.
func niceTicks(_ range: ClosedRange<Double>, target: Int = 5) -> [Double] {
    let span = range.upperBound - range.lowerBound
    guard span > 0, span.isFinite else { return [range.lowerBound] }
    let raw = span / Double(target)
    let magnitude = pow(10, floor(log10(raw)))
    // The first 1-2-5 step not much below the raw one: 0.57 wide gives 0.1, not a sparse 0.2.
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= 0.75 * raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = (range.lowerBound / step).rounded(.up) * step
    while t <= range.upperBound + step * 1e-9 {
        ticks.append(abs(t) < step * 1e-9 ? 0 : t)
        t += step
    }
    return ticks
}

/// Tick label text with as many decimals as the tick spacing needs.
func tickLabel(_ value: Double, step: Double) -> String {
    let decimals = step > 0 ? max(0, Int(ceil(-log10(step) - 1e-9))) : 2
    return String(format: "%.\(min(decimals, 10))f", value)
}

struct PanelRenderer {
    // Greys for grid lines, axes and the legend frame.
    let gridInk = "#e6e6e6", ink = "#333333", frameInk = "#999999"
    let chart: Chart
    let clipID: String

    var hasColorBar: Bool { !chart.scatters.isEmpty }
    var left: Double { 66 }
    var right: Double { chart.width - (hasColorBar ? 92 : 18) - (chart.legend == .outsideRight ? legendWidth + 14 : 0) }
    var top: Double { chart.title == nil ? 14 : 34 }
    var bottom: Double { chart.height - 52 }

    func dataRange(_ values: [Double], padding: Double) -> ClosedRange<Double> {
        let finite = values.filter(\.isFinite)
        guard var lo = finite.min(), var hi = finite.max() else { return 0...1 }
        if lo == hi { lo -= 0.5; hi += 0.5 }
        let pad = (hi - lo) * padding
        return (lo - pad)...(hi + pad)
    }

    var xRange: ClosedRange<Double> {
        chart.xAxis.range ?? dataRange(
            chart.lines.flatMap { $0.points.map(\.x) } + chart.regions.flatMap { $0.points.map(\.x) }
                + chart.scatters.flatMap { $0.points.map(\.x) } + chart.markers.map(\.x), padding: 0.03)
    }

    var yRange: ClosedRange<Double> {
        chart.yAxis.range ?? dataRange(
            chart.lines.flatMap { $0.points.map(\.y) } + chart.regions.flatMap { $0.points.flatMap { [$0.lower, $0.upper] } }
                + chart.scatters.flatMap { $0.points.map(\.y) } + chart.markers.map(\.y), padding: 0.05)
    }

    func px(_ x: Double) -> Double {
        let r = xRange
        return left + (x - r.lowerBound) / (r.upperBound - r.lowerBound) * (right - left)
    }

    func py(_ y: Double) -> Double {
        let r = yRange
        return bottom - (y - r.lowerBound) / (r.upperBound - r.lowerBound) * (bottom - top)
    }

    func render(into out: inout SVGWriter) {
        if let title = chart.title {
            out.line(#"<text x="\#(fmt((left + right) / 2))" y="22" text-anchor="middle" font-size="15">\#(escape(title))</text>"#)
        }
        out.line(#"<defs><clipPath id="\#(clipID)"><rect x="\#(fmt(left))" y="\#(fmt(top))" width="\#(fmt(right - left))" height="\#(fmt(bottom - top))"/></clipPath></defs>"#)
        drawAxes(into: &out)
        out.line(#"<g clip-path="url(#\#(clipID))">"#)
        for region in chart.regions { drawRegion(region, into: &out) }
        for line in chart.lines { drawLine(line, into: &out) }
        for scatter in chart.scatters {
            let range = scatter.resolvedRange
            for p in scatter.points where p.x.isFinite && p.y.isFinite {
                let t = (p.value - range.lowerBound) / (range.upperBound - range.lowerBound)
                out.line(marker(scatter.shape, x: px(p.x), y: py(p.y), size: scatter.radius, fill: scatter.scale.color(at: t), stroke: "#333333", strokeWidth: 0.5))
            }
        }
        out.line("</g>")
        for m in chart.markers where m.x.isFinite && m.y.isFinite {
            out.line(marker(m.shape, x: px(m.x), y: py(m.y), size: m.size, fill: m.color, stroke: "#000000", strokeWidth: 0.8))
            if let label = m.label {
                out.line(#"<text x="\#(fmt(px(m.x) + m.size + 3))" y="\#(fmt(py(m.y) - m.size - 2))" font-size="12">\#(escape(label))</text>"#)
            }
        }
        if let scatter = chart.scatters.first { drawColorBar(scatter, into: &out) }
        drawLegend(into: &out)
    }

    func drawAxes(into out: inout SVGWriter) {
        let xr = xRange, yr = yRange
        let xTicks = chart.xAxis.ticks ?? niceTicks(xr)
        let yTicks = chart.yAxis.ticks ?? niceTicks(yr)
        let xStep = xTicks.count > 1 ? xTicks[1] - xTicks[0] : 1
        let yStep = yTicks.count > 1 ? yTicks[1] - yTicks[0] : 1
        // Grid lines first, then the frame over them.
        for t in xTicks where xr.contains(t) {
            out.line(#"<line x1="\#(fmt(px(t)))" y1="\#(fmt(top))" x2="\#(fmt(px(t)))" y2="\#(fmt(bottom))" stroke="\#(gridInk)" stroke-width="1"/>"#)
        }
        for t in yTicks where yr.contains(t) {
            out.line(#"<line x1="\#(fmt(left))" y1="\#(fmt(py(t)))" x2="\#(fmt(right))" y2="\#(fmt(py(t)))" stroke="\#(gridInk)" stroke-width="1"/>"#)
        }
        out.line(#"<rect x="\#(fmt(left))" y="\#(fmt(top))" width="\#(fmt(right - left))" height="\#(fmt(bottom - top))" fill="none" stroke="\#(ink)" stroke-width="1"/>"#)
        for t in xTicks where xr.contains(t) {
            let label = chart.xAxis.tickFormat?(t) ?? tickLabel(t, step: xStep)
            out.line(#"<line x1="\#(fmt(px(t)))" y1="\#(fmt(bottom))" x2="\#(fmt(px(t)))" y2="\#(fmt(bottom + 5))" stroke="\#(ink)"/>"#)
            out.line(#"<text x="\#(fmt(px(t)))" y="\#(fmt(bottom + 19))" text-anchor="middle" font-size="12">\#(escape(label))</text>"#)
        }
        for t in yTicks where yr.contains(t) {
            let label = chart.yAxis.tickFormat?(t) ?? tickLabel(t, step: yStep)
            out.line(#"<line x1="\#(fmt(left - 5))" y1="\#(fmt(py(t)))" x2="\#(fmt(left))" y2="\#(fmt(py(t)))" stroke="\#(ink)"/>"#)
            out.line(#"<text x="\#(fmt(left - 8))" y="\#(fmt(py(t) + 4))" text-anchor="end" font-size="12">\#(escape(label))</text>"#)
        }
        out.line(#"<text x="\#(fmt((left + right) / 2))" y="\#(fmt(chart.height - 12))" text-anchor="middle" font-size="14">\#(escape(chart.xAxis.label))</text>"#)
        let cy = (top + bottom) / 2
        out.line(#"<text x="18" y="\#(fmt(cy))" text-anchor="middle" font-size="14" transform="rotate(-90 18 \#(fmt(cy)))">\#(escape(chart.yAxis.label))</text>"#)
    }

    func drawRegion(_ region: ShadedRegion, into out: inout SVGWriter) {
        let pts = region.points.filter { $0.x.isFinite && $0.lower.isFinite && $0.upper.isFinite }
        guard pts.count > 1 else { return }
        let forward = pts.map { "\(fmt(px($0.x))),\(fmt(py($0.upper)))" }
        let back = pts.reversed().map { "\(fmt(px($0.x))),\(fmt(py($0.lower)))" }
        out.line(#"<polygon points="\#((forward + back).joined(separator: " "))" fill="\#(region.color)" fill-opacity="\#(fmt(region.opacity))" stroke="none"/>"#)
    }

    func drawLine(_ line: LineSeries, into out: inout SVGWriter) {
        // Split at non-finite points so a gap in the data is a gap in the line.
        var segments: [[String]] = [[]]
        for p in line.points {
            if p.x.isFinite && p.y.isFinite { segments[segments.count - 1].append("\(fmt(px(p.x))),\(fmt(py(p.y)))") }
            else if !(segments.last?.isEmpty ?? true) { segments.append([]) }
        }
        let dash = line.dash.map { #" stroke-dasharray="\#($0)""# } ?? ""
        for segment in segments where segment.count > 1 {
            out.line(#"<polyline points="\#(segment.joined(separator: " "))" fill="none" stroke="\#(line.color)" stroke-width="\#(fmt(line.width))" stroke-linejoin="round"\#(dash)/>"#)
        }
    }

    func marker(_ shape: MarkerShape, x: Double, y: Double, size: Double, fill: CSSColor, stroke: CSSColor, strokeWidth: Double) -> String {
        switch shape {
        case .circle:
            return #"<circle cx="\#(fmt(x))" cy="\#(fmt(y))" r="\#(fmt(size))" fill="\#(fill)" stroke="\#(stroke)" stroke-width="\#(fmt(strokeWidth))"/>"#
        case .square:
            return #"<rect x="\#(fmt(x - size))" y="\#(fmt(y - size))" width="\#(fmt(2 * size))" height="\#(fmt(2 * size))" fill="\#(fill)" stroke="\#(stroke)" stroke-width="\#(fmt(strokeWidth))"/>"#
        case .star:
            // Five points, inner radius 0.45 of the outer, first point straight up.
            let points = (0..<10).map { i -> String in
                let r = i % 2 == 0 ? size : size * 0.45
                let angle = -Double.pi / 2 + Double(i) * Double.pi / 5
                return "\(fmt(x + r * cos(angle))),\(fmt(y + r * sin(angle)))"
            }
            return #"<polygon points="\#(points.joined(separator: " "))" fill="\#(fill)" stroke="\#(stroke)" stroke-width="\#(fmt(strokeWidth))"/>"#
        }
    }

    func drawColorBar(_ scatter: ScatterSeries, into out: inout SVGWriter) {
        let range = scatter.resolvedRange
        let x = right + 16, w = 14.0
        let id = "\(clipID)-scale"
        out.line(#"<defs><linearGradient id="\#(id)" x1="0" y1="1" x2="0" y2="0">"#)
        for i in 0...16 {
            let t = Double(i) / 16
            out.line(#"<stop offset="\#(fmt(t))" stop-color="\#(scatter.scale.color(at: t))"/>"#)
        }
        out.line("</linearGradient></defs>")
        out.line(#"<rect x="\#(fmt(x))" y="\#(fmt(top))" width="\#(fmt(w))" height="\#(fmt(bottom - top))" fill="url(#\#(id))" stroke="\#(ink)" stroke-width="0.5"/>"#)
        let ticks = niceTicks(range, target: 4)
        let step = ticks.count > 1 ? ticks[1] - ticks[0] : 1
        for t in ticks where range.contains(t) {
            let y = bottom - (t - range.lowerBound) / (range.upperBound - range.lowerBound) * (bottom - top)
            out.line(#"<line x1="\#(fmt(x + w))" y1="\#(fmt(y))" x2="\#(fmt(x + w + 4))" y2="\#(fmt(y))" stroke="\#(ink)"/>"#)
            out.line(#"<text x="\#(fmt(x + w + 6))" y="\#(fmt(y + 4))" font-size="11">\#(escape(tickLabel(t, step: step)))</text>"#)
        }
        let cx = x + w + 52, cy = (top + bottom) / 2
        out.line(#"<text x="\#(fmt(cx))" y="\#(fmt(cy))" text-anchor="middle" font-size="13" transform="rotate(-90 \#(fmt(cx)) \#(fmt(cy)))">\#(escape(scatter.valueLabel))</text>"#)
    }

    enum LegendSample { case line(CSSColor, Double, String?), area(CSSColor, Double), marker(MarkerShape, CSSColor) }

    var legendEntries: [(String, LegendSample)] {
        var entries: [(String, LegendSample)] = []
        for line in chart.lines { if let name = line.name { entries.append((name, .line(line.color, line.width, line.dash))) } }
        for region in chart.regions { if let name = region.name { entries.append((name, .area(region.color, region.opacity))) } }
        for scatter in chart.scatters { if let name = scatter.name { entries.append((name, .marker(scatter.shape, scatter.scale.color(at: 0.5)))) } }
        for m in chart.markers { if let name = m.name { entries.append((name, .marker(m.shape, m.color))) } }
        return entries
    }

    /// Width from the longest label at ~6.6 px per character of 12 px Helvetica.
    var legendWidth: Double { 38 + 6.6 * Double(legendEntries.map(\.0.count).max() ?? 0) }

    func drawLegend(into out: inout SVGWriter) {
        let entries = legendEntries
        guard !entries.isEmpty, chart.legend != .none else { return }
        let rowHeight = 17.0
        let boxWidth = legendWidth
        let boxHeight = rowHeight * Double(entries.count) + 8
        let x: Double, y: Double
        switch chart.legend {
        case .topLeft, .none: (x, y) = (left + 8, top + 8)
        case .topRight: (x, y) = (right - 8 - boxWidth, top + 8)
        case .bottomLeft: (x, y) = (left + 8, bottom - 8 - boxHeight)
        case .bottomRight: (x, y) = (right - 8 - boxWidth, bottom - 8 - boxHeight)
        case .outsideRight: (x, y) = (right + (hasColorBar ? 92 : 12), top)
        }
        out.line(#"<rect x="\#(fmt(x))" y="\#(fmt(y))" width="\#(fmt(boxWidth))" height="\#(fmt(boxHeight))" fill="white" fill-opacity="0.88" stroke="\#(frameInk)" stroke-width="0.6"/>"#)
        for (i, (name, sample)) in entries.enumerated() {
            let cy = y + 4 + rowHeight * (Double(i) + 0.5)
            switch sample {
            case .line(let color, let width, let dash):
                let d = dash.map { #" stroke-dasharray="\#($0)""# } ?? ""
                out.line(#"<line x1="\#(fmt(x + 6))" y1="\#(fmt(cy))" x2="\#(fmt(x + 28))" y2="\#(fmt(cy))" stroke="\#(color)" stroke-width="\#(fmt(width))"\#(d)/>"#)
            case .area(let color, let opacity):
                out.line(#"<rect x="\#(fmt(x + 6))" y="\#(fmt(cy - 5))" width="22" height="10" fill="\#(color)" fill-opacity="\#(fmt(max(opacity, 0.3)))"/>"#)
            case .marker(let shape, let color):
                out.line(marker(shape, x: x + 17, y: cy, size: 5, fill: color, stroke: "#333333", strokeWidth: 0.5))
            }
            out.line(#"<text x="\#(fmt(x + 34))" y="\#(fmt(cy + 4))" font-size="12">\#(escape(name))</text>"#)
        }
    }
}
