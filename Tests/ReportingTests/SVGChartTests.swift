import Foundation
import Testing
@testable import Reporting

@Suite struct SVGChartTests {
    /// Checks that tags nest properly and attribute quotes balance (swift-corelibs' XMLParser
    /// accepts mismatched tags, so it cannot serve as the check).
    func isWellFormedXML(_ text: String) -> Bool {
        var stack: [Substring] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "<") {
            guard let close = rest[open...].firstIndex(of: ">") else { return false }
            let tag = rest[rest.index(after: open)..<close]
            rest = rest[rest.index(after: close)...]
            guard tag.filter({ $0 == "\"" }).count % 2 == 0 else { return false }
            if tag.hasPrefix("/") {
                guard stack.popLast() == tag.dropFirst() else { return false }
            } else if !tag.hasSuffix("/") {
                stack.append(tag.prefix { $0 != " " })
            }
        }
        return stack.isEmpty
    }

    func sampleChart() -> Chart {
        var chart = Chart(title: "a < b & \"c\"", xAxis: ChartAxis(label: "x", range: 0...1), yAxis: ChartAxis(label: "y"))
        chart.lines = [LineSeries(name: "line", points: [(0, 0), (0.5, .nan), (0.6, 0.7), (1, 1)], color: Palette.color(0), dash: "4 2")]
        chart.regions = [ShadedRegion(name: "band", points: [(0, 0, 0.2), (1, 0.5, 1)], color: Palette.color(1))]
        chart.scatters = [ScatterSeries(name: "checkpoints", points: [(0.2, 0.3, 1), (0.8, 0.6, 5)], valueLabel: "step")]
        chart.markers = [ChartMarker(x: 0.8, y: 0.6, label: "best", name: "best checkpoint")]
        chart.legend = .outsideRight
        return chart
    }

    @Test("A chart with every layer is a standalone SVG, escaped, with axis labels, legend and colour bar")
    func chartDocument() {
        let svg = sampleChart().svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("a &lt; b &amp; &quot;c&quot;"))
        #expect(!svg.contains("nan") && !svg.contains("inf"))
        for needle in [">x</text>", ">y</text>", ">line</text>", ">band</text>", ">best checkpoint</text>", ">step</text>", "linearGradient", "stroke-dasharray=\"4 2\""] {
            #expect(svg.contains(needle), "missing \(needle)")
        }
        // The NaN point splits the line into two polylines, one of which is a single point (dropped).
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(isWellFormedXML(svg))
        // Deterministic: same chart, same bytes.
        #expect(svg == sampleChart().svg())
    }

    @Test("Figures lay panels out in a grid and give each its own clip path")
    func figureLayout() {
        let figure = Figure(panels: [sampleChart(), sampleChart(), sampleChart()], columns: 2, title: "three")
        let svg = figure.svg()
        #expect(svg.contains("clipPath id=\"plot0\"") && svg.contains("clipPath id=\"plot2\""))
        #expect(svg.contains("translate(0,30)") && svg.contains("translate(0,430)"))
        #expect(isWellFormedXML(svg))
    }

    @Test("The XML check itself rejects a broken document")
    func xmlCheckCanFail() {
        #expect(!isWellFormedXML("<svg><g></svg>"))
    }

    @Test("Nice ticks are 1-2-5 steps inside the range; labels carry the digits the step needs")
    func ticks() {
        let unit = niceTicks(0...1)
        #expect(unit.count == 6 && unit.first == 0 && abs(unit.last! - 1) < 1e-12)
        let t = niceTicks(0.45...1.02)
        #expect(t.first! >= 0.45 && t.last! <= 1.02 && t.count >= 4 && t.count <= 8)
        #expect(tickLabel(0.6000000000000001, step: 0.2) == "0.6")
        #expect(tickLabel(150, step: 50) == "150")
        #expect(niceTicks(3...3) == [3])
    }

    @Test("Colour scales interpolate, clamp, and map NaN to grey")
    func colors() {
        #expect(ColorScale.viridis.color(at: 0) == "#440154")
        #expect(ColorScale.viridis.color(at: 1) == "#fde725")
        #expect(ColorScale.viridis.color(at: 2) == "#fde725")
        #expect(ColorScale.viridis.color(at: .nan) == "#999999")
        #expect(Palette.color(-1) == Palette.categorical.last)
    }
}
