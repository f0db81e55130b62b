import Kernels

/// The keys and values a model has computed so far, for every layer.
///
/// A global layer keeps every position; a local (sliding-window) layer keeps only the last
/// `slidingWindow` positions, in a ring buffer of that capacity, since its queries never look
/// further back. The cache's memory is therefore bounded on local layers whatever the context.
///
/// A value type: copying a cache (e.g. to score two continuations of one prompt) shares its
/// storage until one copy is written to.
public struct GemmaCache: Sendable {
    /// Number of tokens already processed.
    public private(set) var count = 0
    var layers: [KeyValueCache]

    /// A cache for `configuration`: rings of `slidingWindow` positions on local layers, unless
    /// `keepingEveryPosition` (the layout before the ring existed, kept as a test reference).
    init(configuration c: GemmaConfiguration, keepingEveryPosition: Bool = false) {
        let width = c.kvHeadCount * c.headDimension
        layers = (0..<c.layerCount).map { l in
            KeyValueCache(width: width, capacity: c.isGlobal(layer: l) || keepingEveryPosition ? nil : c.slidingWindow)
        }
    }

    mutating func advance(by n: Int) { count += n }
}

/// One layer's cached keys and values: rows of `width` floats, the row of position p in slot
/// p (when `capacity` is nil) or p mod `capacity` (a ring that keeps the last `capacity`
/// positions). Either way a position's slot is its own while fewer than `capacity` are stored,
/// so an unwrapped ring is laid out exactly as an unbounded cache.
struct KeyValueCache: Sendable {
    /// Floats per row (key/value heads × head dimension).
    let width: Int
    /// Positions kept, or nil for all of them.
    let capacity: Int?
    private(set) var keys: [Float] = []
    private(set) var values: [Float] = []

    /// Rows held: at most `capacity`.
    var rows: Int { keys.count / width }

    func slot(of position: Int) -> Int { Self.slot(of: position, capacity: capacity) }

    static func slot(of position: Int, capacity: Int?) -> Int { capacity.map { position % $0 } ?? position }

    /// Whether storing positions `start..<end` keeps every position from `needed` on (the
    /// ring drops the oldest ones to make room).
    func keeps(_ needed: Int, afterStoringUpTo end: Int) -> Bool {
        capacity.map { end - $0 <= needed } ?? true
    }

    /// Stores the rows of positions `start..<start + n` (all rows of `keys` and `values`), of
    /// which a ring keeps only the last `capacity`. The positions must follow the stored ones.
    mutating func store(keys newKeys: UnsafePointer<Float>, values newValues: UnsafePointer<Float>, from start: Int, count n: Int) {
        let end = start + n, first = capacity.map { max(start, end - $0) } ?? start
        let held = capacity.map { min(end, $0) } ?? end
        if rows < held {
            // Grown as positions arrive, not allocated at full capacity, so that short contexts
            // (and copies of their caches) stay small; a ring never reserves past its capacity.
            if let capacity {
                let target = min(capacity, max(held, 2 * rows)) * width
                keys.reserveCapacity(target)
                values.reserveCapacity(target)
            }
            let added = repeatElement(Float(0), count: (held - rows) * width)
            keys.append(contentsOf: added)
            values.append(contentsOf: added)
        }
        let (w, ring) = (width, capacity)   // read before the arrays are borrowed for writing
        keys.withUnsafeMutableBufferPointer { kp in
            values.withUnsafeMutableBufferPointer { vp in
                for p in first..<end {
                    let s = Self.slot(of: p, capacity: ring) * w, i = (p - start) * w
                    (kp.baseAddress! + s).update(from: newKeys + i, count: w)
                    (vp.baseAddress! + s).update(from: newValues + i, count: w)
                }
            }
        }
    }

    /// The stored positions `lo..<hi` followed by the rows of `newKeys`/`newValues`, copied
    /// into one contiguous run in logical order.
    func copy(_ lo: Int, _ hi: Int, followedBy newKeys: [Float], _ newValues: [Float]) -> (keys: [Float], values: [Float]) {
        var k: [Float] = [], v: [Float] = []
        k.reserveCapacity((hi - lo) * width + newKeys.count)
        v.reserveCapacity((hi - lo) * width + newValues.count)
        for p in lo..<hi {
            let s = slot(of: p) * width
            k.append(contentsOf: keys[s..<(s + width)])
            v.append(contentsOf: values[s..<(s + width)])
        }
        k.append(contentsOf: newKeys)
        v.append(contentsOf: newValues)
        return (k, v)
    }

    /// The stored positions `lo..<hi` as runs of consecutive slots in logical order: one run,
    /// or two when the range crosses the ring's end. `keys`/`values` are this cache's arrays.
    func runs(_ lo: Int, _ hi: Int, keys: UnsafeBufferPointer<Float>, values: UnsafeBufferPointer<Float>) -> [KeyValueRun] {
        guard lo < hi, let kp = keys.baseAddress, let vp = values.baseAddress else { return [] }
        let s = slot(of: lo), firstCount = min(hi - lo, rows - s)
        var runs = [KeyValueRun(position: lo, count: firstCount, keys: kp + s * width, values: vp + s * width)]
        if firstCount < hi - lo {
            runs.append(KeyValueRun(position: lo + firstCount, count: hi - lo - firstCount, keys: kp, values: vp))
        }
        return runs
    }
}

/// Keys and values of consecutive positions, stored in rows one cache row width apart.
struct KeyValueRun: Sendable {
    let positions: Range<Int>
    private let keyRows: SharedPointer<Float>
    private let valueRows: SharedPointer<Float>

    init(position: Int, count: Int, keys: UnsafePointer<Float>, values: UnsafePointer<Float>) {
        positions = position..<(position + count)
        keyRows = SharedPointer(keys)
        valueRows = SharedPointer(values)
    }

    /// The key row of `position`, in rows of `width` floats.
    func keys(at position: Int, width: Int) -> UnsafePointer<Float> {
        UnsafePointer(keyRows.pointer + (position - positions.lowerBound) * width)
    }

    /// The value row of `position`, in rows of `width` floats.
    func values(at position: Int, width: Int) -> UnsafePointer<Float> {
        UnsafePointer(valueRows.pointer + (position - positions.lowerBound) * width)
    }
}
