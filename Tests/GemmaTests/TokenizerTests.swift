import Testing
import Gemma

@Suite(.enabled(if: sharedModel != nil, Comment(rawValue: skipMessage)))
struct TokenizerTests {
    let tokenizer = sharedModel!.tokenizer

    /// Every string of scripts/make_gemma_fixtures.py encodes to the ids of transformers'
    /// tokenizer built from the same GGUF, and decodes back to its text.
    @Test func agreesWithTransformers() throws {
        let fixture = try load(TokenizerFixture.self, "tokenizer.json")
        #expect(fixture.cases.count >= 15)
        for c in fixture.cases {
            #expect(tokenizer.encode(c.text) == c.ids, "\(c.text.debugDescription)")
            #expect(tokenizer.decode(c.ids) == c.decoded, "\(c.text.debugDescription)")
        }
    }

    @Test func bosHandling() {
        #expect(tokenizer.bos == 2)
        #expect(tokenizer.addsBOS)
        #expect(tokenizer.encode("a").first == tokenizer.bos)
        #expect(tokenizer.encode("a", addBOS: false) == [236746])
        #expect(tokenizer.encode("", addBOS: false).isEmpty)
        #expect(tokenizer.decode([2, 236746, 1]) == "a")
        #expect(tokenizer.decode([2, 236746], skipSpecial: false) == "<bos>a")
    }

    @Test func byteFallbackRoundTrips() {
        // U+0140 has no token: it is spelled with its two UTF-8 bytes.
        let ids = tokenizer.encode("\u{0140}", addBOS: false)
        #expect(ids.count == 2)
        #expect(ids.allSatisfy { tokenizer.kinds[$0] == .byte })
        #expect(tokenizer.decode(ids) == "\u{0140}")
    }
}
