import CMPFR

/// Reading and writing decimal text: exact parsing into rationals and directed-rounding output.
public enum DecimalText {
    /// Significant digits accepted for decimal output.
    public static let digitRange: ClosedRange<Int> = 1...1_000_000

    /// The largest exponent magnitude accepted when parsing (`1e-100000` is accepted,
    /// `1e-100001` is not). Parsing builds 10^|exponent| exactly (at most about 41 KB here), so
    /// the limit bounds the work and memory of every parse up front; the most extreme reference
    /// value in the test fixtures, about 1.46e-13029, is well inside.
    public static let exponentLimit = 100_000

    /// Parses `text` exactly: an optional sign, digits with an optional point, an optional
    /// exponent (`e`/`E`), or a fraction `p/q` of two such decimals.
    static func parseRational(_ text: String) throws(MultiPrecisionError) -> BigRational {
        if let value = smallRational(text) { return value }
        let trimmed = text.trimmingASCIIWhitespace()
        guard !trimmed.isEmpty else { throw .malformedNumber(input: text, reason: "the text is empty") }
        let parts = trimmed.split(separator: "/", omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            return try parseDecimal(Substring(trimmed), original: text)
        case 2:
            let numerator = try parseDecimal(parts[0], original: text)
            let denominator = try parseDecimal(parts[1], original: text)
            guard denominator.signum != 0 else {
                throw .divisionByZero(dividend: String(parts[0]), divisor: String(parts[1]))
            }
            return numerator / denominator
        default:
            throw .malformedNumber(input: text, reason: "more than one '/'")
        }
    }

    /// The common short forms (`7`, `-0.49`, `1/100`, `0.5/3`: at most 18 digits a side, no
    /// spaces, exponent or `_`) read straight into machine integers: the prover's claims parse
    /// such constants on every box. Anything else, including every malformed text, returns nil
    /// and takes the general path (which also produces the errors).
    private static func smallRational(_ text: String) -> BigRational? {
        var numerator = 0, denominator = 1
        var negative = false
        var side = 0  // 0: before '/', 1: after
        var value = 0, scale = 1, digits = 0, sawPoint = false, sawDigit = false, atStart = true
        func close() -> Bool {
            guard sawDigit else { return false }
            if side == 0 {
                numerator = value
                denominator = scale
            } else {
                // (n / s) / (v / t) = n·t / (s·v)
                guard value != 0 else { return false }
                let (top, o1) = numerator.multipliedReportingOverflow(by: scale)
                let (bottom, o2) = denominator.multipliedReportingOverflow(by: value)
                guard !o1, !o2 else { return false }
                numerator = top
                denominator = bottom
            }
            return true
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits += 1
                guard digits <= 18 else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
                if sawPoint { scale *= 10 }
                sawDigit = true
                atStart = false
            case UInt8(ascii: "-"), UInt8(ascii: "+"):
                guard atStart else { return nil }
                if byte == UInt8(ascii: "-") { negative.toggle() }
                atStart = false
            case UInt8(ascii: "."):
                guard !sawPoint else { return nil }
                sawPoint = true
                atStart = false
            case UInt8(ascii: "/"):
                guard side == 0, close() else { return nil }
                side = 1
                value = 0; scale = 1; digits = 0; sawPoint = false; sawDigit = false; atStart = true
            default:
                return nil
            }
        }
        guard close() else { return nil }
        return try? BigRational(negative ? -numerator : numerator, denominator)
    }

    private static func parseDecimal(_ text: Substring, original: String) throws(MultiPrecisionError) -> BigRational {
        var bytes = Array(text.utf8)[...]
        guard !bytes.isEmpty else { throw .malformedNumber(input: original, reason: "a number is missing around '/'") }
        var negative = false
        if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            bytes = bytes.dropFirst()
        }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var sawPoint = false
        var sawDigit = false
        while let byte = bytes.first, byte != UInt8(ascii: "e"), byte != UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            if byte == UInt8(ascii: ".") {
                guard !sawPoint else { throw .malformedNumber(input: original, reason: "more than one decimal point") }
                sawPoint = true
            } else if byte == UInt8(ascii: "_") {
                continue  // digit grouping, as in Swift literals: 1_000
            } else if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                sawDigit = true
                digits.append(byte)
                if sawPoint { fractionDigits += 1 }
            } else {
                // Every byte before this one was ASCII, so it starts a whole scalar: quote that
                // scalar (a full-width '０', an Arabic-Indic '٣'), not its first byte.
                let scalar = text.unicodeScalars[text.utf8.index(text.utf8.startIndex, offsetBy: bytes.startIndex - 1)]
                let hex = String(scalar.value, radix: 16, uppercase: true)
                let code = scalar.isASCII ? "" : " (U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex))"
                throw .malformedNumber(
                    input: original, reason: "unexpected character '\(scalar.escaped(asASCII: false))'\(code); expected a decimal like 0.125, 1e-3 or 3/7")
            }
        }
        guard sawDigit else { throw .malformedNumber(input: original, reason: "no digits") }
        var exponent = 0
        if !bytes.isEmpty {
            bytes = bytes.dropFirst()  // the 'e'
            var exponentNegative = false
            if let first = bytes.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
                exponentNegative = first == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            guard !bytes.isEmpty else { throw .malformedNumber(input: original, reason: "the exponent has no digits") }
            for byte in bytes {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else {
                    throw .malformedNumber(input: original, reason: "the exponent must be an integer")
                }
                // Checked digit by digit, so an exponent of any length is rejected without overflow.
                exponent = exponent * 10 + Int(byte - UInt8(ascii: "0"))
                guard exponent <= exponentLimit else {
                    let sign = exponentNegative ? "-" : "+"
                    let significant = bytes.drop { $0 == UInt8(ascii: "0") }
                    let shown = String(decoding: significant.prefix(40), as: UTF8.self) + (significant.count > 40 ? "…" : "")
                    throw .malformedNumber(
                        input: original,
                        reason: "the exponent \(sign)\(shown) is outside the supported range -\(exponentLimit)…+\(exponentLimit)")
                }
            }
            if exponentNegative { exponent = -exponent }
        }
        let integer = BigRational.integer(digits: (negative ? "-" : "") + String(decoding: digits, as: UTF8.self))
        // Digits after the point scale by 10^-fractionDigits; the argument's own length bounds them.
        let scale = exponent - fractionDigits
        return scale >= 0 ? integer * .powerOfTen(scale) : integer / .powerOfTen(-scale)
    }

    /// Decimal text for an MPFR value with `digits` significant digits rounded in `direction`.
    ///
    /// Moderate magnitudes are written positionally (`0.0012345`), others in scientific
    /// notation (`1.2345e-12`). Trailing zeros after the point are kept: they are significant.
    static func format(_ value: UnsafePointer<__mpfr_struct>, digits: Int, rounding: RoundingDirection) -> String {
        if mpfr_nan_p(value) != 0 { return "nan" }
        if mpfr_inf_p(value) != 0 { return mpfr_signbit(value) != 0 ? "-inf" : "inf" }
        if mpfr_zero_p(value) != 0 { return "0" }  // the sign of zero carries no magnitude
        var exponent: mpfr_exp_t = 0
        guard let raw = mpfr_get_str(nil, &exponent, 10, digits, value, rounding.mpfr) else { return "nan" }
        defer { mpfr_free_str(raw) }
        var mantissa = String(cString: raw)
        let negative = mantissa.hasPrefix("-")
        if negative { mantissa.removeFirst() }
        // value = 0.mantissa × 10^exponent
        let point = Int(exponent)
        var body: String
        if point > 21 || point < -5 {
            let head = mantissa.prefix(1)
            let tail = mantissa.dropFirst()
            body = tail.isEmpty ? String(head) : "\(head).\(tail)"
            let e = point - 1
            body += e < 0 ? "e-\(-e)" : "e+\(e)"
        } else if point <= 0 {
            body = "0." + String(repeating: "0", count: -point) + mantissa
        } else if point >= mantissa.count {
            body = mantissa + String(repeating: "0", count: point - mantissa.count)
        } else {
            let index = mantissa.index(mantissa.startIndex, offsetBy: point)
            body = "\(mantissa[..<index]).\(mantissa[index...])"
        }
        return negative ? "-" + body : body
    }

    static func validateDigits(_ digits: Int) throws(MultiPrecisionError) {
        guard digitRange.contains(digits) else { throw .digitsOutOfRange(digits: digits) }
    }
}

extension String {
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
