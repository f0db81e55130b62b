// Short decimal renderings of exact rationals, for tables and for messages that quote a value.

extension BigRational {
    /// ``decimalText`` when it is short (at most 64 characters), otherwise about 7 significant
    /// digits ("about 1.000000e-999999"): for messages that quote a value given by the user,
    /// which may have thousands of digits.
    public var briefText: String {
        let exact = decimalText
        guard exact.count > 64 else { return exact }
        guard let approximation = try? BigFloat(self, precision: 64).decimal(digits: 7) else { return String(exact.prefix(64)) + "…" }
        return "about " + approximation
    }

    /// The exact value as a terminating decimal when it has one ("0.1"), otherwise as p/q.
    public var decimalText: String {
        var scaled = self.magnitude
        var digits = 0
        while !scaled.isInteger && digits < 40 {
            scaled = scaled * BigRational(10)
            digits += 1
        }
        guard scaled.isInteger else { return description }
        var text = scaled.numeratorDescription
        if digits > 0 {
            if text.count <= digits { text = String(repeating: "0", count: digits - text.count + 1) + text }
            text.insert(".", at: text.index(text.endIndex, offsetBy: -digits))
        }
        return (signum < 0 ? "-" : "") + text
    }
}
