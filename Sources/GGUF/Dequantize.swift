/// Dequantisation of ggml blocks to Float, one function per block layout.
///
/// The layouts are ggml's `block_q4_0`, `block_q4_K` … structs (little-endian, packed). All
/// reads are unaligned loads from raw memory, since GGUF only aligns tensors, not blocks.
public enum Dequantize {
    /// Converts an IEEE binary16 bit pattern to Float (exact, including subnormals, inf, NaN).
    ///
    /// Written out by hand rather than via `Float16`, which is unavailable on some platforms.
    @inlinable
    public static func half(_ h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32(h >> 10) & 0x1f
        let mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            // Zero or subnormal: mantissa × 2^-24, exactly representable in Float.
            let magnitude = Float(mantissa) * 0x1p-24
            return sign == 0 ? magnitude : -magnitude
        }
        if exponent == 31 {
            return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13))
        }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }

    /// Dequantises `count` weights of type `type` starting at `source` into `destination`.
    ///
    /// `count` must be a multiple of `type.blockSize` and `source` must hold
    /// `count / blockSize * typeSize` bytes; `GGUFFile` checks both before calling.
    public static func run(
        _ type: GGMLType, from source: UnsafeRawPointer, count: Int,
        into destination: UnsafeMutablePointer<Float>
    ) {
        let blocks = count / type.blockSize
        switch type {
        case .f32:
            // A byte copy: `general.alignment` may legally be 1 or 2, so no Float alignment.
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: 4 * count)
        case .f16:
            for i in 0..<count { destination[i] = half(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) }
        case .bf16:
            for i in 0..<count {
                let bits = UInt32(source.loadUnaligned(fromByteOffset: 2 * i, as: UInt16.self)) << 16
                destination[i] = Float(bitPattern: bits)
            }
        case .q4_0: for b in 0..<blocks { q4_0(source + b * 18, destination + b * 32) }
        case .q5_0: for b in 0..<blocks { q5_0(source + b * 22, destination + b * 32) }
        case .q8_0: for b in 0..<blocks { q8_0(source + b * 34, destination + b * 32) }
        case .q4_K: for b in 0..<blocks { q4_K(source + b * 144, destination + b * 256) }
        case .q5_K: for b in 0..<blocks { q5_K(source + b * 176, destination + b * 256) }
        case .q6_K: for b in 0..<blocks { q6_K(source + b * 210, destination + b * 256) }
        case .q8_K: for b in 0..<blocks { q8_K(source + b * 292, destination + b * 256) }
        case .q4_1, .q5_1, .q8_1, .q2_K, .q3_K:
            preconditionFailure("GGMLType.\(type) cannot be dequantised; callers check canDequantize")
        }
    }

    @inline(__always)
    static func f16(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        half(p.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @usableFromInline @inline(__always)
    static func byte(_ p: UnsafeRawPointer, _ offset: Int) -> UInt8 {
        p.load(fromByteOffset: offset, as: UInt8.self)
    }

    /// 32 weights: x = d × (nibble − 8); low nibbles are weights 0–15, high nibbles 16–31.
    static func q4_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(p, 0)
        for j in 0..<16 {
            let q = byte(p, 2 + j)
            y[j] = d * Float(Int(q & 0x0f) - 8)
            y[j + 16] = d * Float(Int(q >> 4) - 8)
        }
    }

    /// 32 weights: as q4_0 with a fifth bit per weight from a 32-bit mask, offset 16.
    static func q5_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(p, 0)
        let qh = p.loadUnaligned(fromByteOffset: 2, as: UInt32.self).littleEndian
        for j in 0..<16 {
            let q = byte(p, 6 + j)
            let high0 = Int((qh >> UInt32(j)) & 1) << 4
            let high1 = Int((qh >> UInt32(j + 16)) & 1) << 4
            y[j] = d * Float((Int(q & 0x0f) | high0) - 16)
            y[j + 16] = d * Float((Int(q >> 4) | high1) - 16)
        }
    }

    /// 32 weights: x = d × int8.
    static func q8_0(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(p, 0)
        for j in 0..<32 { y[j] = d * Float(p.load(fromByteOffset: 2 + j, as: Int8.self)) }
    }

    /// The 6-bit scale and min of sub-block `j` (0..<8) from the 12 packed bytes of a
    /// q4_K/q5_K block: the first four pairs sit in the low six bits of bytes 0–7, the last
    /// four are split between the nibbles of bytes 8–11 and the top two bits of bytes 0–7.
    /// Public for the quantised products, which must compute the same scales.
    @inlinable @inline(__always)
    public static func scaleMin(_ s: UnsafeRawPointer, _ j: Int) -> (Float, Float) {
        if j < 4 {
            return (Float(byte(s, j) & 63), Float(byte(s, j + 4) & 63))
        }
        let scale = (byte(s, j + 4) & 0x0f) | ((byte(s, j - 4) >> 6) << 4)
        let min = (byte(s, j + 4) >> 4) | ((byte(s, j) >> 6) << 4)
        return (Float(scale), Float(min))
    }

    /// 256 weights in 8 sub-blocks of 32: x = d·scale·nibble − dmin·min.
    static func q4_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(p, 0), dmin = f16(p, 2)
        let scales = p + 4, qs = p + 16
        for chunk in 0..<4 {
            // Each 32-byte chunk of nibbles holds two sub-blocks: low nibbles, then high.
            let (s0, m0) = scaleMin(scales, 2 * chunk)
            let (s1, m1) = scaleMin(scales, 2 * chunk + 1)
            let d0 = d * s0, o0 = dmin * m0, d1 = d * s1, o1 = dmin * m1
            let q = qs + 32 * chunk, out = y + 64 * chunk
            for l in 0..<32 {
                let v = byte(q, l)
                out[l] = d0 * Float(v & 0x0f) - o0
                out[l + 32] = d1 * Float(v >> 4) - o1
            }
        }
    }

    /// 256 weights: as q4_K with a fifth bit per weight taken from 32 bytes of bit planes.
    static func q5_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(p, 0), dmin = f16(p, 2)
        let scales = p + 4, qh = p + 16, qs = p + 48
        for chunk in 0..<4 {
            let (s0, m0) = scaleMin(scales, 2 * chunk)
            let (s1, m1) = scaleMin(scales, 2 * chunk + 1)
            let d0 = d * s0, o0 = dmin * m0, d1 = d * s1, o1 = dmin * m1
            let bit0 = UInt8(1) << UInt8(2 * chunk), bit1 = UInt8(2) << UInt8(2 * chunk)
            let q = qs + 32 * chunk, out = y + 64 * chunk
            for l in 0..<32 {
                let v = byte(q, l), h = byte(qh, l)
                out[l] = d0 * Float((v & 0x0f) + (h & bit0 != 0 ? 16 : 0)) - o0
                out[l + 32] = d1 * Float((v >> 4) + (h & bit1 != 0 ? 16 : 0)) - o1
            }
        }
    }

    /// 256 weights in 16 sub-blocks of 16 with int8 scales: x = d·scale·(q6 − 32), where the
    /// 6-bit q is a low nibble plus two high bits.
    static func q6_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = f16(p, 208)
        for half in 0..<2 {
            let ql = p + 64 * half, qh = p + 128 + 32 * half, sc = p + 192 + 8 * half
            let out = y + 128 * half
            for l in 0..<32 {
                let s = l / 16
                let low0 = byte(ql, l), low1 = byte(ql, l + 32), high = byte(qh, l)
                let q1 = Int((low0 & 0x0f) | ((high & 3) << 4)) - 32
                let q2 = Int((low1 & 0x0f) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32
                out[l] = d * Float(sc.load(fromByteOffset: s, as: Int8.self)) * Float(q1)
                out[l + 32] = d * Float(sc.load(fromByteOffset: s + 2, as: Int8.self)) * Float(q2)
                out[l + 64] = d * Float(sc.load(fromByteOffset: s + 4, as: Int8.self)) * Float(q3)
                out[l + 96] = d * Float(sc.load(fromByteOffset: s + 6, as: Int8.self)) * Float(q4)
            }
        }
    }

    /// 256 weights: x = d × int8 with a float32 d (the block sums are for dot products only).
    static func q8_K(_ p: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>) {
        let d = p.loadUnaligned(fromByteOffset: 0, as: Float.self)
        for j in 0..<256 { y[j] = d * Float(p.load(fromByteOffset: 4 + j, as: Int8.self)) }
    }
}
