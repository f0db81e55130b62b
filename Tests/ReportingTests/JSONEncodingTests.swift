import Foundation
import Testing
import Reporting

@Suite struct JSONEncodingTests {
    struct Inner: Encodable { let rate: Double; let tiny: Double; let weights: [Float] }
    enum Kind: String, Encodable { case copy }
    struct Outer: Encodable { let name: String; let kind: Kind; let steps: Int; let missing: Int?; let flag: Bool; let inner: Inner; let empty: [Int] }

    @Test("Encodable values become sorted JSON objects with JSONEncoder's numbers, nil keys left out") func encoding() throws {
        let value = Outer(name: "a/b \"q\"", kind: .copy, steps: 3000, missing: nil, flag: true,
                          inner: Inner(rate: 10_000, tiny: 1e-8, weights: [0.1, 2]), empty: [])
        let expected = """
            {"empty":[],"flag":true,"inner":{"rate":10000,"tiny":1e-08,"weights":[0.1,2]},"kind":"copy","name":"a/b \\"q\\"","steps":3000}
            """
        #expect(try JSONValue(encoding: value).rendered(pretty: false) == expected)
        // The same document as Foundation's encoder, read back.
        let foundation = try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? NSDictionary
        let ours = try JSONSerialization.jsonObject(with: Data(JSONValue(encoding: value).rendered().utf8)) as? NSDictionary
        #expect(foundation == ours)
    }

    @Test("non-finite numbers are an encoding error, as with JSONEncoder") func nonFinite() {
        #expect(throws: EncodingError.self) { try JSONValue(encoding: [Double.nan]) }
        #expect(JSONValue.decimal(Double.infinity) == .null && JSONValue.decimal(Float(0.5)) == .number("0.5"))
    }
}
