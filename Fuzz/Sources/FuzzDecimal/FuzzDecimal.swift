// libFuzzer harness: the input is text (any bytes, decoded as UTF-8 with replacement) for
// `BigRational(parsing:)`. Parsing must end in a value or a MultiPrecisionError; a value must
// have the sign and zero-ness a plain scan of the text predicts, and must read back exactly
// from its own renderings.
import FuzzSupport
import MultiPrecision

@main enum Harness { static func main() { runLibFuzzer(fuzz) } }

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    guard let value = try? BigRational(parsing: text) else { return 0 }
    let expected = scannedSign(text)
    guard value.signum == expected else { fatalError("\(text.debugDescription) parsed with sign \(value.signum), the text says \(expected)") }
    for rendering in [value.description, value.decimalText] {
        guard let back = try? BigRational(parsing: rendering), back == value else {
            fatalError("\(text.debugDescription) → \(rendering) does not read back")
        }
    }
    _ = value.briefText
    _ = try? BigFloat(value, precision: 64).decimal(digits: 17)
    return 0
}

/// The sign of a decimal or fraction read off its characters: a part is zero when every digit
/// of its mantissa (before any `e`) is `0`, negative when it starts with `-`.
func scannedSign(_ text: String) -> Int {
    var sign = 1
    for part in text.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
        let trimmed = part.drop { [0x20, 0x09, 0x0a, 0x0d].contains($0) }
        let mantissa = trimmed.prefix { $0 != UInt8(ascii: "e") && $0 != UInt8(ascii: "E") }
        if !mantissa.contains(where: { (UInt8(ascii: "1")...UInt8(ascii: "9")).contains($0) }) { return 0 }
        if trimmed.first == UInt8(ascii: "-") { sign = -sign }
    }
    return sign
}
