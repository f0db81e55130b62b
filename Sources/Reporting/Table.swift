/// The output formats a table can be written in.
public enum TableFormat: String, Sendable, CaseIterable {
    case text, json, csv, markdown, latex
}

/// A table of text cells with named columns: one value, rendered as aligned text, CSV,
/// JSON (an array of objects), Markdown or LaTeX (booktabs).
public struct Table: Sendable {
    /// Column headings.
    public var columns: [String]
    /// Rows of cells, one per column.
    public var rows: [[String]]
    /// Columns whose cells are numbers (right-aligned; bare numbers in JSON).
    public var numericColumns: Set<Int>
    /// A caption for LaTeX and a title line for text and Markdown.
    public var caption: String?

    public init(columns: [String], rows: [[String]] = [], numericColumns: Set<Int> = [], caption: String? = nil) {
        self.columns = columns
        self.rows = rows
        self.numericColumns = numericColumns
        self.caption = caption
    }

    /// Appends a row; it must have one cell per column.
    public mutating func append(_ row: [String]) {
        precondition(row.count == columns.count, "row has \(row.count) cells, table has \(columns.count) columns")
        rows.append(row)
    }

    /// The table in `format`.
    public func rendered(as format: TableFormat) -> String {
        switch format {
        case .text: return text()
        case .csv: return csv()
        case .json: return json().rendered() + "\n"
        case .markdown: return markdown()
        case .latex: return latex()
        }
    }

    /// An array of objects keyed by column name.
    public func json() -> JSONValue {
        .array(rows.map { row in
            .object(zip(columns, row).enumerated().map { i, pair in
                (pair.0, numericColumns.contains(i) && Self.isJSONNumber(pair.1) ? .number(pair.1) : .string(pair.1))
            })
        })
    }

    func text() -> String {
        let widths = columns.indices.map { c in ([columns[c]] + rows.map { $0[c] }).map(\.count).max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let padding = String(repeating: " ", count: widths[c] - cell.count)
                return numericColumns.contains(c) ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        var out = caption.map { $0 + "\n" } ?? ""
        out += line(columns) + "\n"
        out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }

    func csv() -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
        }
        return ([columns] + rows).map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    func markdown() -> String {
        func line(_ cells: [String]) -> String { "| " + cells.map { $0.replacingAll("|", with: "\\|") }.joined(separator: " | ") + " |" }
        var out = caption.map { "**\($0)**\n\n" } ?? ""
        out += line(columns) + "\n"
        out += "|" + columns.indices.map { numericColumns.contains($0) ? " ---: " : " --- " }.joined(separator: "|") + "|\n"
        for row in rows { out += line(row) + "\n" }
        return out
    }

    func latex() -> String {
        func escape(_ s: String) -> String {
            var out = ""
            for ch in s {
                switch ch {
                case "&", "%", "$", "#", "_", "{", "}": out += "\\\(ch)"
                case "~": out += "\\textasciitilde{}"
                case "^": out += "\\textasciicircum{}"
                case "\\": out += "\\textbackslash{}"
                default: out.append(ch)
                }
            }
            return out
        }
        let spec = columns.indices.map { numericColumns.contains($0) ? "r" : "l" }.joined()
        var out = "% requires \\usepackage{booktabs}\n\\begin{table}[ht]\n\\centering\n"
        if let caption { out += "\\caption{\(escape(caption))}\n" }
        out += "\\begin{tabular}{\(spec)}\n\\toprule\n"
        out += columns.map(escape).joined(separator: " & ") + " \\\\\n\\midrule\n"
        for row in rows { out += row.map(escape).joined(separator: " & ") + " \\\\\n" }
        out += "\\bottomrule\n\\end{tabular}\n\\end{table}\n"
        return out
    }

    /// An HTML `<table>` (cells escaped; numeric columns right-aligned).
    public func html() -> String {
        func cell(_ tag: String, _ text: String, _ column: Int) -> String {
            let align = numericColumns.contains(column) ? " style=\"text-align:right\"" : ""
            return "<\(tag)\(align)>\(HTML.escape(text))</\(tag)>"
        }
        var out = "<table>\n"
        if let caption { out += "<caption>\(HTML.escape(caption))</caption>\n" }
        out += "<tr>" + columns.enumerated().map { cell("th", $1, $0) }.joined() + "</tr>\n"
        for row in rows { out += "<tr>" + row.enumerated().map { cell("td", $1, $0) }.joined() + "</tr>\n" }
        return out + "</table>\n"
    }

    static func isJSONNumber(_ s: String) -> Bool {
        guard let first = s.first, first == "-" || first.isNumber else { return false }
        return s.allSatisfy { $0.isNumber || "+-.eE".contains($0) } && Double(s) != nil
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }

    func trimmingTrailingSpaces() -> String {
        var s = self
        while s.last == " " { s.removeLast() }
        return s
    }
}

/// Minimal HTML helpers for reports.
public enum HTML {
    /// Escapes &, <, > and quotes.
    public static func escape(_ text: String) -> String {
        var out = ""
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }
}
