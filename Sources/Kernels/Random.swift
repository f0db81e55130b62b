import RealModule

/// SplitMix64 (Steele, Lea and Flood 2014): a small, fast, seedable generator; the state
/// advances by the golden-ratio increment and each output is a mix of it.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// xoshiro256** (Blackman and Vigna), seeded through ``SplitMix64``.
///
/// Everything random in the Transformer draws from one of these, never from the system
/// generator, so a run is a function of its seed; `state` is saved in checkpoints so a resumed
/// run draws the same numbers as an uninterrupted one.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable, Hashable {
    /// The four words of generator state.
    public private(set) var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator whose whole stream is determined by `seed`: the state is the first four
    /// outputs of SplitMix64 seeded with `seed`, which spreads even small, similar seeds over
    /// the state (and never gives the invalid all-zero state).
    public init(seed: UInt64) {
        var mix = SplitMix64(seed: seed)
        state = (mix.next(), mix.next(), mix.next(), mix.next())
    }

    /// Restores a generator from saved `state` words; nil if they are not four or all zero
    /// (not a valid state).
    public init?(state words: [UInt64]) {
        guard words.count == 4, words.contains(where: { $0 != 0 }) else { return nil }
        state = (words[0], words[1], words[2], words[3])
    }

    /// The state as four words, for saving.
    public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = rotateLeft(state.1 &* 5, 7) &* 9
        let t = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= t
        state.3 = rotateLeft(state.3, 45)
        return result
    }

    /// A uniform double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A standard normal deviate (Box–Muller; one of the pair is discarded to keep no hidden state).
    public mutating func nextGaussian() -> Double {
        let u1 = 1 - nextUnit()  // in (0, 1], so the log is finite
        let u2 = nextUnit()
        return (-2 * Double.log(u1)).squareRoot() * Double.cos(2 * Double.pi * u2)
    }

    /// A uniform integer in `range` (unbiased, by rejection).
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        // The width in two's complement, so ranges wider than Int.max (and the full range, whose
        // span wraps to 0) are measured correctly; small ranges draw exactly as before.
        let span = UInt64(truncatingIfNeeded: range.upperBound &- range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let limit = UInt64.max - UInt64.max % span
        var x = next()
        while x >= limit { x = next() }
        return range.lowerBound &+ Int(truncatingIfNeeded: x % span)
    }

    /// Generators are equal when their states are (they then draw the same numbers).
    public static func == (a: Self, b: Self) -> Bool { a.stateWords == b.stateWords }
    /// Hashes the state.
    public func hash(into h: inout Hasher) { h.combine(stateWords) }
}

@inline(__always) private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
