import Foundation
import MultiPrecision
import PropertyBased

/// Random rationals p/q with |p| up to 10^12 and q in 1…10^9, exact by construction.
let rationals = Gen.int(in: -1_000_000_000_000...1_000_000_000_000)
    .map { $0 }
let denominators = Gen.int(in: 1...1_000_000_000)

func rational(_ p: Int, _ q: Int) throws -> BigRational { try BigRational(p, q) }

/// Positive rationals p/q with p in 1…10^12.
let positiveNumerators = Gen.int(in: 1...1_000_000_000_000)

/// Loads a fixture file shipped with the test bundle.
func fixture(_ name: String) throws -> String {
    guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
        throw FixtureMissing(name: name)
    }
    return try String(contentsOf: url, encoding: .utf8)
}

struct FixtureMissing: Error, CustomStringConvertible {
    let name: String
    var description: String { "missing test fixture \(name)" }
}
