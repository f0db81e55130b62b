import GGUF

// The decoders read blocks as little-endian words straight from memory.
#if _endian(big)
#error("QuantisedKernels assumes a little-endian host")
#endif

/// What receives decoded weights: `take(offset, w, slot)` gets the four weights in lanes
/// `offset ..< offset + 4` of a row; `slot` (0…3, a constant at every call) lets a dot product
/// spread its sums over four accumulators.
///
/// A generic argument passed `inout` rather than a closure: once inlined, its state stays in
/// registers, where a closure's captured variable was kept in memory.
protocol WeightSink {
    mutating func take(_ offset: Int, _ w: SIMD4<Float>, slot: Int)
}

/// The weights of ggml blocks, four at a time, in SIMD registers.
///
/// Each decoder passes a sink every weight of one block, where every lane is computed with
/// exactly the float operations of `Dequantize` (same operands, same order, no fused
/// multiply-add): the weights are bit-identical to the dequantised ones, so a dot product built
/// on them differs from dequantise-then-multiply only in the order of its sums.
///
/// Written for baseline x86-64 (SSE2: four float lanes, no byte shuffles, no per-lane shifts),
/// which is what Swift compiles for by default:
/// - The lanes come in a permuted order (``LaneOrder``) that whole-register shifts and masks
///   produce from 32-bit words; callers permute the input vector to match, once per product
///   instead of once per block.
/// - Small integers become floats exactly by the 2^23 trick: the bits 0x4B40_0000 | q are the
///   float 12,582,912 + q for 0 ≤ q < 2^22, so subtracting 12,582,912 + bias gives
///   Float(q − bias) exactly, without Swift's generic SIMD conversions (one lane at a time).
/// - Everything is in four-lane vectors: wider Swift SIMD types built from them made LLVM
///   shuffle lanes around instead of computing.
enum BlockDecoder {
    typealias Words = SIMD4<UInt32>
    typealias Weights = SIMD4<Float>

    /// The block types decoded here.
    static func supports(_ type: GGMLType) -> Bool {
        switch type {
        case .q4_0, .q5_0, .q8_0, .q4_K, .q6_K: true
        default: false
        }
    }

    /// Sixteen bytes as four words (the host is little-endian, as checked at the top of the file).
    @inline(__always)
    static func words(_ p: UnsafeRawPointer, _ offset: Int) -> Words {
        p.loadUnaligned(fromByteOffset: offset, as: Words.self)
    }

    /// The f16 at `offset` as a Float, the value `Dequantize.half` gives, with fewer branches:
    /// the half's exponent and mantissa bits, moved to a float's, are the value × 2^−112 for
    /// normal and subnormal halves alike (exponent bias 15 against 127), so one exact multiply
    /// rescales them; infinities and NaNs go to `Dequantize.half`.
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        let h = UInt32(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
        guard h & 0x7c00 != 0x7c00 else { return Dequantize.half(UInt16(h)) }
        let magnitude = Float(bitPattern: (h & 0x7fff) &<< 13) * 0x1p112
        return Float(bitPattern: magnitude.bitPattern | (h & 0x8000) &<< 16)
    }

    /// Float(q − bias) for integers 0 ≤ q < 2^22, exactly (see the type's discussion).
    @inline(__always)
    static func float(_ q: Words, minus bias: Float) -> Weights {
        unsafeBitCast(q | 0x4B40_0000, to: Weights.self) - (12_582_912 + bias)
    }

    /// Field `k` (of width `bits`, k·bits < 32) of each word.
    @inline(__always)
    static func field(_ w: Words, _ k: UInt32, bits: UInt32) -> Words {
        k * bits + bits == 32 ? w &>> (k * bits) : (w &>> (k * bits)) & ((1 << bits) - 1)
    }

    /// Q4_0, 32 weights in 18 bytes: x = d × (nibble − 8); low nibbles are weights 0–15.
    /// Lanes in ``LaneOrder/sixteen`` order: nibble k of each word at lanes 4k ..< 4k + 4.
    @inline(__always)
    static func q4_0<Sink: WeightSink>(_ p: UnsafeRawPointer, base: Int, _ sink: inout Sink) {
        let d = half(p, 0), q = words(p, 2)
        // Unrolled by hand (as below): the shifts, masks and accumulator slots must be constants.
        @inline(__always) func group(_ k: UInt32) {
            sink.take(base &+ 4 &* Int(k), d * float(field(q, 2 * k, bits: 4), minus: 8), slot: Int(k))
            sink.take(base &+ 16 &+ 4 &* Int(k), d * float(field(q, 2 * k + 1, bits: 4), minus: 8), slot: Int(k))
        }
        group(0); group(1); group(2); group(3)
    }

    /// Q5_0, 32 weights in 22 bytes: x = d × (q5 − 16), the fifth bit of weight j being bit j
    /// of a 32-bit word. Lanes in ``LaneOrder/sixteen`` order.
    @inline(__always)
    static func q5_0<Sink: WeightSink>(_ p: UnsafeRawPointer, base: Int, _ sink: inout Sink) {
        let d = half(p, 0)
        let qh = Words(repeating: p.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
        let q = words(p, 6)
        @inline(__always) func group(_ k: UInt32) {
            // Lane i of group k holds byte 4i + k, whose fifth bit is bit 4i + k of qh (bit
            // 16 + 4i + k for the high nibble): a compare with per-lane masks tests it without
            // per-lane shifts.
            let low = Words(1, 1 << 4, 1 << 8, 1 << 12) &<< k, high = low &<< 16
            let fifthLow = Words(repeating: 0).replacing(with: 16, where: qh & low .== low)
            let fifthHigh = Words(repeating: 0).replacing(with: 16, where: qh & high .== high)
            sink.take(base &+ 4 &* Int(k), d * float(field(q, 2 * k, bits: 4) | fifthLow, minus: 16), slot: Int(k))
            sink.take(base &+ 16 &+ 4 &* Int(k), d * float(field(q, 2 * k + 1, bits: 4) | fifthHigh, minus: 16), slot: Int(k))
        }
        group(0); group(1); group(2); group(3)
    }

    /// Q8_0, 32 weights in 34 bytes: x = d × int8. Lanes in ``LaneOrder/thirtyTwo`` order:
    /// byte k of the first four words at lanes 8k ..< 8k + 4, of the last four at 8k + 4 ..< 8k + 8.
    @inline(__always)
    static func q8_0<Sink: WeightSink>(_ p: UnsafeRawPointer, base: Int, _ sink: inout Sink) {
        let d = half(p, 0)
        // Flipping the top bit of each byte maps the int8 q to q + 128 in 0…255.
        let a = words(p, 2) ^ 0x8080_8080, b = words(p, 18) ^ 0x8080_8080
        @inline(__always) func group(_ k: UInt32) {
            sink.take(base &+ 8 &* Int(k), d * float(field(a, k, bits: 8), minus: 128), slot: Int(k))
            sink.take(base &+ 8 &* Int(k) &+ 4, d * float(field(b, k, bits: 8), minus: 128), slot: Int(k))
        }
        group(0); group(1); group(2); group(3)
    }

    /// Q4_K, 256 weights in 144 bytes: eight sub-blocks of 32 with 6-bit scales and mins,
    /// x = (d·scale)·nibble − dmin·min. Lanes in ``LaneOrder/thirtyTwo`` order.
    @inline(__always)
    static func q4_K<Sink: WeightSink>(_ p: UnsafeRawPointer, base: Int, _ sink: inout Sink) {
        let d = half(p, 0), dmin = half(p, 2)
        let scales = p + 4
        for chunk in 0..<4 {
            // 32 bytes per chunk: low nibbles are sub-block 2·chunk, high ones 2·chunk + 1.
            let (s0, m0) = Dequantize.scaleMin(scales, 2 * chunk)
            let (s1, m1) = Dequantize.scaleMin(scales, 2 * chunk + 1)
            let d0 = d * s0, o0 = dmin * m0, d1 = d * s1, o1 = dmin * m1
            let a = words(p, 16 + 32 * chunk), b = words(p, 32 + 32 * chunk)
            let offset = base &+ 64 &* chunk
            @inline(__always) func group(_ k: UInt32) {
                let lane = offset &+ 8 &* Int(k), slot = Int(k)
                sink.take(lane, d0 * float(field(a, 2 * k, bits: 4), minus: 0) - o0, slot: slot)
                sink.take(lane &+ 4, d0 * float(field(b, 2 * k, bits: 4), minus: 0) - o0, slot: slot)
                sink.take(lane &+ 32, d1 * float(field(a, 2 * k + 1, bits: 4), minus: 0) - o1, slot: slot)
                sink.take(lane &+ 36, d1 * float(field(b, 2 * k + 1, bits: 4), minus: 0) - o1, slot: slot)
            }
            group(0); group(1); group(2); group(3)
        }
    }

    /// Q6_K, 256 weights in 210 bytes: sixteen sub-blocks of 16 with int8 scales,
    /// x = (d·scale)·(q6 − 32), q6 a low nibble and two high bits. Lanes in
    /// ``LaneOrder/thirtyTwo`` order.
    @inline(__always)
    static func q6_K<Sink: WeightSink>(_ p: UnsafeRawPointer, base: Int, _ sink: inout Sink) {
        let d = half(p, 208)
        for half in 0..<2 {
            let ql = 64 * half, qh = 128 + 32 * half, sc = 192 + 8 * half
            // Weights l, l + 32, l + 64, l + 96 (l < 32) of this half take their low nibble
            // from byte l or l + 32 of ql and their high bits from byte l of qh.
            @inline(__always) func quarter(_ quarter: UInt32) {
                // Each quarter loads its own words: sharing them across quarters let LLVM
                // rearrange lanes between quarters with shuffles instead of computing.
                let lows = ql + (quarter % 2 == 0 ? 0 : 32)
                let a = words(p, lows), b = words(p, lows + 16), h0 = words(p, qh), h1 = words(p, qh + 16)
                // Lanes from a and h0 (l < 16) are in the quarter's first sub-block of 16, lanes
                // from b and h1 in its second.
                let s = sc + 2 * Int(quarter)
                let first = d * Float(p.load(fromByteOffset: s, as: Int8.self))
                let second = d * Float(p.load(fromByteOffset: s + 1, as: Int8.self))
                let offset = base &+ 128 &* half &+ 32 &* Int(quarter)
                // The nibbles start at bit 0 or 4 of each byte, the high bits at bit 2·quarter;
                // moved so that byte 0's are at bits 0–3 and 4–5, then every byte k comes down
                // by the same shift of 8. (Shifts by a different amount per byte, merged by LLVM
                // into one vector shift by per-lane amounts, are scalarised on SSE2.)
                let nibble: UInt32 = quarter < 2 ? 0 : 4, bits = 2 * quarter
                var lowA = a &>> nibble, lowB = b &>> nibble
                var highA = bits <= 4 ? h0 &<< (4 - bits) : h0 &>> (bits - 4)
                var highB = bits <= 4 ? h1 &<< (4 - bits) : h1 &>> (bits - 4)
                @inline(__always) func group(_ k: Int) {
                    let lane = offset &+ 8 &* k
                    sink.take(lane, first * float((lowA & 0xf) | (highA & 0x30), minus: 32), slot: k)
                    sink.take(lane &+ 4, second * float((lowB & 0xf) | (highB & 0x30), minus: 32), slot: k)
                    lowA &>>= 8; lowB &>>= 8; highA &>>= 8; highB &>>= 8
                }
                group(0); group(1); group(2); group(3)
            }
            quarter(0); quarter(1); quarter(2); quarter(3)
        }
    }

    /// Passes `sink` every weight of `blocks` consecutive blocks of `type` (one of
    /// ``supports(_:)``) starting at `p`; offsets count from the first block.
    @inline(__always)
    static func decode<Sink: WeightSink>(_ type: GGMLType, _ p: UnsafeRawPointer, blocks: Int, into sink: inout Sink) {
        // Wrapping arithmetic for offsets: they are bounded by the matrix's size, and overflow
        // checks were a tenth of the instructions of a Q8_0 block.
        let size = type.typeSize, width = type.blockSize
        switch type {
        case .q4_0: for b in 0..<blocks { q4_0(p + b &* size, base: b &* width, &sink) }
        case .q5_0: for b in 0..<blocks { q5_0(p + b &* size, base: b &* width, &sink) }
        case .q8_0: for b in 0..<blocks { q8_0(p + b &* size, base: b &* width, &sink) }
        case .q4_K: for b in 0..<blocks { q4_K(p + b &* size, base: b &* width, &sink) }
        case .q6_K: for b in 0..<blocks { q6_K(p + b &* size, base: b &* width, &sink) }
        default: preconditionFailure("BlockDecoder cannot decode \(type); callers check supports(_:)")
        }
    }
}

/// The order in which ``BlockDecoder`` delivers the weights of each stretch of 16 or 32.
///
/// A stretch of `g` weights is read as `g / 4` little-endian 32-bit words, word i holding
/// weights 4i … 4i + 3 one per byte (or nibble); lane `(g / 4)·k + i` of the stretch is weight
/// `4i + k`, i.e. byte k of every word, then byte k + 1 of every word, and so on.
enum LaneOrder: Sendable, Equatable {
    /// Stretches of 16 (Q4_0, Q5_0: the low and the high nibbles of 16 bytes).
    case sixteen
    /// Stretches of 32 (Q8_0, Q4_K, Q6_K).
    case thirtyTwo

    init(_ type: GGMLType) {
        switch type {
        case .q4_0, .q5_0: self = .sixteen
        default: self = .thirtyTwo
        }
    }

    var stretch: Int { self == .sixteen ? 16 : 32 }

    /// The natural index (within its row) of the weight in lane `lane`.
    @inline(__always)
    func natural(_ lane: Int) -> Int {
        let g = stretch, words = g / 4, within = lane % g
        return lane - within + 4 * (within % words) + within / words
    }

    /// `source` (`count` values, a multiple of the stretch) in lane order into `destination`.
    func permute(_ source: UnsafePointer<Float>, count: Int, into destination: UnsafeMutablePointer<Float>) {
        for lane in 0..<count { destination[lane] = source[natural(lane)] }
    }
}
