import GGUF

/// The SentencePiece (BPE) tokenizer of a Gemma GGUF file, built from `tokenizer.ggml.*`.
///
/// Encoding follows the reference (`transformers`' tokenizer built from the same file):
/// 1. control and user-defined tokens (`<start_of_turn>`, `\n`, runs of spaces or tabs …) are
///    cut out of the raw text whole, leftmost-longest first;
/// 2. in the text between them, spaces become `▁` (U+2581) and the text is split into Unicode
///    scalars;
/// 3. adjacent pieces are merged, best first, while their concatenation is a token: a merge's
///    rank is the merged token's position in the vocabulary (Gemma's scores follow that order),
///    then the longer left part, then the leftmost position;
/// 4. a piece that is not a token is spelled as its UTF-8 bytes with `<0xXX>` tokens.
/// Vocabulary keys are raw UTF-8 bytes: Swift `String` equality is canonical equivalence,
/// which would merge distinct tokens such as "Å" (U+00C5) and "Å" (U+212B).
public struct GemmaTokenizer: Sendable {
    /// Token kinds as GGUF stores them (`tokenizer.ggml.token_type`).
    public enum Kind: Int32, Sendable {
        case normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Each token's text as stored in the file.
    public let pieces: [String]
    /// Each token's kind.
    public let kinds: [Kind]
    /// Beginning-of-sequence token (`<bos>`).
    public let bos: Int
    /// End-of-sequence token (`<eos>`).
    public let eos: Int
    /// Whether `encode` prepends `bos` by default (`tokenizer.ggml.add_bos_token`).
    public let addsBOS: Bool

    private let pieceBytes: [[UInt8]]
    private let index: [[UInt8]: Int32]
    private let byteTokens: [Int32]
    /// Control and user-defined tokens by first byte, longest first.
    private let specials: [[(bytes: [UInt8], id: Int32)]]

    /// Number of tokens.
    public var count: Int { pieces.count }

    /// Reads the vocabulary of `file` (`tokenizer.ggml.model` must be `llama`, i.e. SentencePiece).
    public init(file: GGUFFile) throws(GemmaError) {
        let path = file.path
        let model = try gguf { () throws(GGUFError) in try file.string("tokenizer.ggml.model") }
        guard model == "llama" else {
            throw .badConfiguration(path: path, "tokenizer.ggml.model is '\(model)', not SentencePiece ('llama')")
        }
        guard let tokens = try gguf({ () throws(GGUFError) in try file.value("tokenizer.ggml.tokens") }).array,
              let types = try gguf({ () throws(GGUFError) in try file.value("tokenizer.ggml.token_type") }).array,
              types.count == tokens.count, !tokens.isEmpty
        else {
            throw .badConfiguration(path: path, "tokenizer.ggml.tokens and token_type must be arrays of equal length")
        }
        var pieces: [String] = [], bytes: [[UInt8]] = [], kinds: [Kind] = []
        pieces.reserveCapacity(tokens.count); bytes.reserveCapacity(tokens.count); kinds.reserveCapacity(tokens.count)
        var index: [[UInt8]: Int32] = [:]
        index.reserveCapacity(tokens.count)
        var byteTokens = [Int32](repeating: -1, count: 256)
        var specials = [[(bytes: [UInt8], id: Int32)]](repeating: [], count: 256)
        for (i, (token, type)) in zip(tokens, types).enumerated() {
            guard let text = token.string, let kind = type.int.flatMap(Int32.init(exactly:)).flatMap(Kind.init(rawValue:)) else {
                throw .badConfiguration(path: path, "token \(i) has no text or an unknown type")
            }
            let utf8 = Array(text.utf8)
            pieces.append(text); bytes.append(utf8); kinds.append(kind)
            if index[utf8] == nil { index[utf8] = Int32(i) }  // first spelling wins, as in the file's order
            if kind == .byte, let b = Self.byteValue(utf8) { byteTokens[Int(b)] = Int32(i) }
            if (kind == .control || kind == .userDefined), let first = utf8.first {
                specials[Int(first)].append((utf8, Int32(i)))
            }
        }
        guard !byteTokens.contains(-1) else { throw .badConfiguration(path: path, "the vocabulary lacks some <0xXX> byte tokens") }
        for b in 0..<256 { specials[b].sort { $0.bytes.count > $1.bytes.count } }
        self.pieces = pieces
        self.pieceBytes = bytes
        self.kinds = kinds
        self.index = index
        self.byteTokens = byteTokens
        self.specials = specials
        bos = file.metadata["tokenizer.ggml.bos_token_id"]?.int ?? 2
        eos = file.metadata["tokenizer.ggml.eos_token_id"]?.int ?? 1
        addsBOS = file.metadata["tokenizer.ggml.add_bos_token"]?.bool ?? true
        guard (0..<tokens.count).contains(bos), (0..<tokens.count).contains(eos) else {
            throw .badConfiguration(path: path, "BOS or EOS token id outside the vocabulary")
        }
    }

    /// `<0x4A>` → 0x4A.
    private static func byteValue(_ s: [UInt8]) -> UInt8? {
        guard s.count == 6, s[0] == 0x3c, s[1] == 0x30, s[2] == 0x78, s[5] == 0x3e else { return nil }
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: c - 0x30
            case 0x41...0x46: c - 0x41 + 10
            case 0x61...0x66: c - 0x61 + 10
            default: nil
            }
        }
        guard let h = hex(s[3]), let l = hex(s[4]) else { return nil }
        return h << 4 | l
    }

    /// The token ids of `text`, with `bos` first when `addBOS` (default: the file's setting).
    public func encode(_ text: String, addBOS: Bool? = nil) -> [Int] {
        var out: [Int] = []
        if addBOS ?? addsBOS { out.append(bos) }
        let utf8 = Array(text.utf8)
        var segmentStart = 0, i = 0
        while i < utf8.count {
            if let (length, id) = special(at: i, in: utf8) {
                encodeSegment(utf8[segmentStart..<i], into: &out)
                out.append(Int(id))
                i += length
                segmentStart = i
            } else {
                i += 1
            }
        }
        encodeSegment(utf8[segmentStart..<utf8.count], into: &out)
        return out
    }

    /// The longest control or user-defined token starting at byte `i`.
    private func special(at i: Int, in utf8: [UInt8]) -> (Int, Int32)? {
        for candidate in specials[Int(utf8[i])] where candidate.bytes.count <= utf8.count - i {
            if utf8[i..<(i + candidate.bytes.count)].elementsEqual(candidate.bytes) {
                return (candidate.bytes.count, candidate.id)
            }
        }
        return nil
    }

    /// BPE over one stretch of text free of special tokens.
    private func encodeSegment(_ raw: ArraySlice<UInt8>, into out: inout [Int]) {
        guard !raw.isEmpty else { return }
        // Spaces become ▁ (E2 96 81).
        var text: [UInt8] = []
        text.reserveCapacity(raw.count * 2)
        for b in raw { if b == 0x20 { text += [0xe2, 0x96, 0x81] } else { text.append(b) } }

        // One symbol per Unicode scalar: byte range and scalar count, in a linked list.
        var start: [Int] = [], length: [Int] = [], chars: [Int] = []
        var i = 0
        while i < text.count {
            let lead = text[i]
            var n = lead < 0x80 ? 1 : lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4
            n = min(n, text.count - i)
            start.append(i); length.append(n); chars.append(1)
            i += n
        }
        let count = start.count
        var prev = Array(-1..<(count - 1)), next = Array(1...count)
        next[count - 1] = -1

        var heap = MergeHeap()
        func consider(_ left: Int) {
            let right = next[left]
            guard left >= 0, right >= 0 else { return }
            let merged = Array(text[start[left]..<(start[right] + length[right])])
            if let id = index[merged] {
                heap.push(.init(id: id, leftChars: chars[left], position: start[left],
                                left: left, leftLength: length[left], rightLength: length[right]))
            }
        }
        for s in 0..<(count - 1) { consider(s) }
        while let m = heap.pop() {
            let left = m.left, right = next[left]
            // Skip merges made stale by an earlier one.
            guard length[left] == m.leftLength, right >= 0, length[right] == m.rightLength else { continue }
            length[left] += length[right]
            chars[left] += chars[right]
            length[right] = 0
            next[left] = next[right]
            if next[right] >= 0 { prev[next[right]] = left }
            if prev[left] >= 0 { consider(prev[left]) }
            consider(left)
        }

        var s = 0
        while s >= 0 {
            let piece = Array(text[start[s]..<(start[s] + length[s])])
            if let id = index[piece] {
                out.append(Int(id))
            } else {
                for b in piece { out.append(Int(byteTokens[Int(b)])) }
            }
            s = next[s]
        }
    }

    /// The text of `ids`: byte tokens are joined into UTF-8, `▁` becomes a space, and control
    /// tokens (`<bos>`, `<eos>` …) are dropped when `skipSpecial`.
    public func decode(_ ids: [Int], skipSpecial: Bool = true) -> String {
        var bytes: [UInt8] = []
        for id in ids where id >= 0 && id < count {
            switch kinds[id] {
            case .byte: bytes.append(Self.byteValue(pieceBytes[id]) ?? 0x3f)
            case .control where skipSpecial: continue
            default:
                let p = pieceBytes[id]
                var j = 0
                while j < p.count {
                    if j + 2 < p.count, p[j] == 0xe2, p[j + 1] == 0x96, p[j + 2] == 0x81 {
                        bytes.append(0x20); j += 3
                    } else {
                        bytes.append(p[j]); j += 1
                    }
                }
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// A candidate merge; smaller compares first.
struct Merge {
    var id: Int32, leftChars: Int, position: Int
    var left: Int, leftLength: Int, rightLength: Int

    func precedes(_ o: Merge) -> Bool {
        if id != o.id { return id < o.id }
        if leftChars != o.leftChars { return leftChars > o.leftChars }
        return position < o.position
    }
}

/// A binary min-heap of merges.
struct MergeHeap {
    private var items: [Merge] = []

    mutating func push(_ m: Merge) {
        items.append(m)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard items[i].precedes(items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Merge? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var best = i
                if l < items.count, items[l].precedes(items[best]) { best = l }
                if r < items.count, items[r].precedes(items[best]) { best = r }
                if best == i { break }
                items.swapAt(i, best)
                i = best
            }
        }
        return top
    }
}
