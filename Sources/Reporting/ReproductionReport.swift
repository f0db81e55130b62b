import Foundation

/// Whether what was measured agrees with what the paper claims.
public enum Agreement: String, Sendable {
    case agrees = "agrees"
    case partly = "partly agrees"
    case differs = "differs"
    case notRun = "not run"
    /// A check the paper does not make (nothing to agree or disagree with).
    case beyond = "beyond the paper"
}

/// One claim of the paper beside what Perplexed measured.
public struct ReportSection: Sendable {
    public var title: String
    /// The paper's claim, in words.
    public var claim: String
    /// What was measured, in words (Markdown allowed: emphasis and code only).
    public var measured: String
    public var agreement: Agreement
    /// Tables shown under the text.
    public var tables: [Table]
    /// SVG figures: (file name inside the report directory, SVG text).
    public var figures: [(file: String, svg: String)]

    public init(title: String, claim: String, measured: String, agreement: Agreement, tables: [Table] = [], figures: [(file: String, svg: String)] = []) {
        self.title = title
        self.claim = claim
        self.measured = measured
        self.agreement = agreement
        self.tables = tables
        self.figures = figures
    }
}

/// A reproduction report: sections rendered as Markdown (figures as linked SVG files) and as a single HTML page
/// (figures inline), written atomically into one directory.
public struct ReproductionReport: Sendable {
    public var title: String
    public var preamble: String
    public var sections: [ReportSection] = []
    /// How the report was made (command, seed, settings, version, date, duration): shown under
    /// the preamble and written to report.json, so that every number can be traced to its run.
    public var run: [(key: String, value: String)] = []

    public init(title: String, preamble: String) {
        self.title = title
        self.preamble = preamble
    }

    public func markdown() -> String {
        var out = "# \(title)\n\n\(preamble)\n\n"
        if !run.isEmpty {
            var table = Table(columns: ["run", "value"])
            for (key, value) in run { table.append([key, value]) }
            out += table.rendered(as: .markdown) + "\n"
        }
        out += "## Summary\n\n"
        var summary = Table(columns: ["claim", "verdict"])
        for s in sections { summary.append([s.title, s.agreement.rawValue]) }
        out += summary.rendered(as: .markdown) + "\n"
        for s in sections {
            out += "## \(s.title)\n\n**The paper:** \(s.claim)\n\n**Perplexed measured:** \(s.measured)\n\n**Verdict:** \(s.agreement.rawValue)\n\n"
            for t in s.tables { out += t.rendered(as: .markdown) + "\n" }
            for f in s.figures { out += "![\(f.file)](\(f.file))\n\n" }
        }
        return out
    }

    public func html() -> String {
        var out = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>\(HTML.escape(title))</title>
            <style>
            body { font-family: Helvetica, Arial, sans-serif; max-width: 1200px; margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.45; }
            table { border-collapse: collapse; margin: 1em 0; font-size: 0.9em; }
            th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; }
            th { background: #f3f3f3; }
            .agrees { color: #1a7f37; font-weight: bold; } .differs { color: #b42318; font-weight: bold; }
            .partly { color: #9a6700; font-weight: bold; } .notrun { color: #666; font-weight: bold; }
            figure { margin: 1em 0; overflow-x: auto; }
            </style></head><body>
            <h1>\(HTML.escape(title))</h1>
            <p>\(HTML.escape(preamble))</p>

            """
        if !run.isEmpty {
            var table = Table(columns: ["run", "value"])
            for (key, value) in run { table.append([key, value]) }
            out += table.html()
        }
        out += "<h2>Summary</h2>\n"
        var summary = Table(columns: ["claim", "verdict"])
        for s in sections { summary.append([s.title, s.agreement.rawValue]) }
        out += summary.html()
        for s in sections {
            let css = ["agrees": "agrees", "differs": "differs", "partly agrees": "partly", "not run": "notrun", "beyond the paper": "notrun"][s.agreement.rawValue] ?? ""
            out += "<h2>\(HTML.escape(s.title))</h2>\n"
            out += "<p><b>The paper:</b> \(HTML.escape(s.claim))</p>\n"
            out += "<p><b>Perplexed measured:</b> \(HTML.escape(s.measured))</p>\n"
            out += "<p><b>Verdict:</b> <span class=\"\(css)\">\(HTML.escape(s.agreement.rawValue))</span></p>\n"
            for t in s.tables { out += t.html() }
            for f in s.figures { out += "<figure>\n\(f.svg)\n</figure>\n" }
        }
        return out + "</body></html>\n"
    }

    /// The report as data: the run, then each section with its verdict and tables (figures by file).
    public func json() -> JSONValue {
        .object([
            ("title", .string(title)),
            ("run", .object(run.map { ($0.key, .string($0.value)) })),
            ("sections", .array(sections.map { s in
                .object([
                    ("title", .string(s.title)), ("claim", .string(s.claim)), ("measured", .string(s.measured)),
                    ("agreement", .string(s.agreement.rawValue)),
                    ("tables", .array(s.tables.map { t in .object([("caption", t.caption.map(JSONValue.string) ?? .null), ("rows", t.json())]) })),
                    ("figures", .array(s.figures.map { .string($0.file) })),
                ])
            })),
        ])
    }

    /// Writes report.md, report.html, report.json and every figure into `directory`.
    public func write(to directory: String) throws(FileWriteError) {
        for s in sections { for f in s.figures { try AtomicFile.write(f.svg, named: f.file, in: directory) } }
        try AtomicFile.write(json().rendered() + "\n", named: "report.json", in: directory)
        try AtomicFile.write(markdown(), named: "report.md", in: directory)
        try AtomicFile.write(html(), named: "report.html", in: directory)
    }
}
