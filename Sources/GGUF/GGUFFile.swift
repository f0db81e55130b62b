import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where one tensor lives in a GGUF file and how it is stored.
public struct GGUFTensorInfo: Equatable, Sendable {
    /// The tensor's name, e.g. `blk.0.attn_q.weight`.
    public let name: String
    /// ggml dimensions, innermost (contiguous) first: a `[640, 1024]` matrix has 1024 rows
    /// of 640 weights.
    public let dimensions: [Int]
    /// The element type.
    public let type: GGMLType
    /// Byte offset from the start of the file.
    public let fileOffset: Int
    /// Stored size in bytes.
    public let byteCount: Int

    /// Number of weights.
    public var elementCount: Int { dimensions.reduce(1, *) }
    /// Length of one row (the innermost dimension).
    public var rowLength: Int { dimensions.first ?? 1 }
    /// Number of rows (the product of the outer dimensions).
    public var rowCount: Int { elementCount / rowLength }
}

/// The bytes of a file mapped read-only into memory, or a private copy of bytes given in memory;
/// unmapped or freed when the last user goes away.
///
/// `@unchecked Sendable`: the bytes are read-only and never change after `init`.
final class MappedFile: @unchecked Sendable {
    let bytes: UnsafeRawBufferPointer
    /// Whether `bytes` is an mmap (else an allocation owned here, or empty).
    private let isMapped: Bool

    /// A private copy of `data`, so the caller's buffer may go away.
    init(copying data: some Collection<UInt8>) {
        isMapped = false
        guard !data.isEmpty else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: data.count, alignment: 16)
        copy.copyBytes(from: data)
        bytes = UnsafeRawBufferPointer(copy)
    }

    init(path: String) throws(GGUFError) {
        isMapped = true
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before the
        // regular-file check below could refuse it (no effect on a regular file).
        let fd = open(path, O_RDONLY | O_NONBLOCK)
        guard fd >= 0 else { throw GGUFError(path: path, .unreadable(String(cString: strerror(errno)))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw GGUFError(path: path, .unreadable(String(cString: strerror(errno)))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw GGUFError(path: path, .unreadable("not a regular file")) }
        let size = Int(info.st_size)
        guard size > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw GGUFError(path: path, .unreadable("mmap failed: \(String(cString: strerror(errno)))"))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
    }

    deinit {
        guard let base = bytes.baseAddress else { return }
        if isMapped {
            munmap(UnsafeMutableRawPointer(mutating: base), bytes.count)
        } else {
            base.deallocate()
        }
    }
}

/// A bounds-checked little-endian reader over the mapped header. Every read checks that the
/// bytes exist, so a truncated or corrupt file produces `GGUFError`, never a crash.
struct Cursor {
    let bytes: UnsafeRawBufferPointer
    let path: String
    var offset = 0
    /// Metadata values still allowed. One byte of file can become a value of tens of bytes in
    /// memory (a u8 array element), so a count that fits the file can still ask for gigabytes:
    /// the whole header may hold at most `metadataValueLimit` values.
    var valuesLeft = Cursor.metadataValueLimit

    /// The most metadata values a header may hold: 2^24 = 16,777,216 (Gemma 3's vocabulary,
    /// scores and token types are about 800,000).
    static let metadataValueLimit = 1 << 24

    mutating func take(_ n: Int) throws(GGUFError) -> UnsafeRawPointer {
        guard n >= 0, n <= bytes.count - offset, let base = bytes.baseAddress else {
            throw GGUFError(path: path, .truncated(offset: offset, needed: n))
        }
        defer { offset += n }
        return base + offset
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type) throws(GGUFError) -> T {
        T(littleEndian: try take(MemoryLayout<T>.size).loadUnaligned(as: T.self))
    }

    /// A count or length stored as u64 that must fit in what remains of the file, given that
    /// each counted item takes at least `minimumItemSize` bytes.
    mutating func count(of what: String, minimumItemSize: Int) throws(GGUFError) -> Int {
        let at = offset
        let raw = try read(UInt64.self)
        let remaining = UInt64(bytes.count - offset)
        guard raw <= remaining / UInt64(max(minimumItemSize, 1)) || (raw == 0) else {
            throw GGUFError(path: path, .corrupt("\(what) \(raw) at offset \(at) needs more than the \(remaining) bytes left (truncated file?)"))
        }
        return Int(raw)
    }

    mutating func string() throws(GGUFError) -> String {
        let n = try count(of: "string length", minimumItemSize: 1)
        let p = try take(n)
        return String(decoding: UnsafeRawBufferPointer(start: p, count: n), as: UTF8.self)
    }

    mutating func value(of type: GGUFValueType, depth: Int = 0) throws(GGUFError) -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self))
        case .int8: return .int8(try read(Int8.self))
        case .uint16: return .uint16(try read(UInt16.self))
        case .int16: return .int16(try read(Int16.self))
        case .uint32: return .uint32(try read(UInt32.self))
        case .int32: return .int32(try read(Int32.self))
        case .uint64: return .uint64(try read(UInt64.self))
        case .int64: return .int64(try read(Int64.self))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self)))
        case .bool:
            let at = offset
            let b = try read(UInt8.self)
            guard b <= 1 else { throw GGUFError(path: path, .corrupt("bool value \(b) at offset \(at)")) }
            return .bool(b == 1)
        case .string: return .string(try string())
        case .array:
            // Nesting is legal but a corrupt file could recurse without end; real files nest
            // at most once.
            guard depth < 8 else { throw GGUFError(path: path, .corrupt("arrays nested deeper than 8 at offset \(offset)")) }
            let element = try valueType()
            let minimum: Int = switch element {
            case .uint8, .int8, .bool: 1
            case .uint16, .int16: 2
            case .uint32, .int32, .float32: 4
            case .uint64, .int64, .float64, .string: 8
            case .array: 12
            }
            let at = offset
            let n = try count(of: "array length", minimumItemSize: minimum)
            guard n <= valuesLeft else {
                throw GGUFError(path: path, .corrupt(
                    "array length \(n) at offset \(at) exceeds the header's limit of \(Self.metadataValueLimit) metadata values (\(valuesLeft) left)"))
            }
            valuesLeft -= n
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n { items.append(try value(of: element, depth: depth + 1)) }
            return .array(element, items)
        }
    }

    mutating func valueType() throws(GGUFError) -> GGUFValueType {
        let at = offset
        let raw = try read(UInt32.self)
        guard let type = GGUFValueType(rawValue: raw) else {
            throw GGUFError(path: path, .corrupt("unknown metadata value type \(raw) at offset \(at)"))
        }
        return type
    }
}

/// A GGUF file (versions 2 and 3), memory-mapped: metadata and tensor infos are parsed at
/// `init`; tensor data stays in the page cache until a tensor is dequantised.
///
/// ```swift
/// let file = try GGUFFile(path: "gemma-3-270m-q4_k_m.gguf")
/// let arch = try file.string("general.architecture")
/// let norm = try file.floats("output_norm.weight")
/// ```
public final class GGUFFile: Sendable {
    /// The path the file was opened from (used in every error).
    public let path: String
    /// The GGUF version (2 or 3).
    public let version: UInt32
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    /// Metadata values by key.
    public let metadata: [String: GGUFValue]
    /// Tensor infos in file order.
    public let tensors: [GGUFTensorInfo]
    /// The alignment of tensor data (`general.alignment`, default 32).
    public let alignment: Int
    /// Byte offset of the tensor data section.
    public let dataOffset: Int
    private let tensorIndex: [String: Int]
    private let mapped: MappedFile

    /// Opens and parses `path`, checking every length and offset against the file size.
    public convenience init(path: String) throws(GGUFError) {
        try self.init(mapped: try MappedFile(path: path), path: path)
    }

    /// Parses GGUF bytes held in memory (a copy is kept), with the same checks as a file;
    /// `name` stands for the path in errors.
    public convenience init(bytes: some Collection<UInt8>, name: String = "GGUF bytes") throws(GGUFError) {
        try self.init(mapped: MappedFile(copying: bytes), path: name)
    }

    private init(mapped: MappedFile, path: String) throws(GGUFError) {
        self.path = path
        self.mapped = mapped
        var cursor = Cursor(bytes: mapped.bytes, path: path)
        guard mapped.bytes.count >= 4, try cursor.read(UInt32.self) == 0x4655_4747 else {
            throw GGUFError(path: path, .notGGUF)
        }
        version = try cursor.read(UInt32.self)
        guard version == 2 || version == 3 else { throw GGUFError(path: path, .unsupportedVersion(version)) }
        // A tensor info takes at least 8 + 4 + 8 + 4 + 8 bytes; a key-value pair at least 8 + 4 + 1.
        let tensorCount = try cursor.count(of: "tensor count", minimumItemSize: 32)
        let kvCount = try cursor.count(of: "metadata count", minimumItemSize: 13)

        var keys: [String] = []
        var values: [String: GGUFValue] = [:]
        for _ in 0..<kvCount {
            let key = try cursor.string()
            let value = try cursor.value(of: try cursor.valueType())
            if values.updateValue(value, forKey: key) != nil {
                throw GGUFError(path: path, .corrupt("metadata key '\(key)' appears twice"))
            }
            keys.append(key)
        }
        metadataKeys = keys
        metadata = values

        alignment = try values["general.alignment"].map { v throws(GGUFError) in
            guard let a = v.int, a > 0, a & (a - 1) == 0 else {
                throw GGUFError(path: path, .corrupt("general.alignment \(v.summary()) is not a power of two"))
            }
            return a
        } ?? 32

        var raw: [(name: String, dims: [Int], type: UInt32, offset: UInt64)] = []
        for _ in 0..<tensorCount {
            let name = try cursor.string()
            let at = cursor.offset
            let nDims = try cursor.read(UInt32.self)
            guard (1...4).contains(nDims) else {
                throw GGUFError(path: path, .corrupt("tensor '\(name)' has \(nDims) dimensions at offset \(at) (1 to 4 allowed)"))
            }
            var dims: [Int] = []
            for _ in 0..<nDims {
                let d = try cursor.read(UInt64.self)
                guard d > 0, d < 1 << 40 else { throw GGUFError(path: path, .corrupt("tensor '\(name)' has dimension \(d)")) }
                dims.append(Int(d))
            }
            raw.append((name, dims, try cursor.read(UInt32.self), try cursor.read(UInt64.self)))
        }
        dataOffset = (cursor.offset + alignment - 1) / alignment * alignment
        let fileSize = mapped.bytes.count

        var infos: [GGUFTensorInfo] = []
        var index: [String: Int] = [:]
        for t in raw {
            guard let type = GGMLType(rawValue: t.type) else {
                throw GGUFError(path: path, .unsupportedTensorType(tensor: t.name, type: t.type))
            }
            let (count, overflow) = t.dims.reduce((1, false)) { acc, d in
                let (p, o) = acc.0.multipliedReportingOverflow(by: d)
                return (p, acc.1 || o)
            }
            guard !overflow, count < 1 << 40 else { throw GGUFError(path: path, .corrupt("tensor '\(t.name)' is too large")) }
            guard t.dims[0] % type.blockSize == 0 else {
                throw GGUFError(path: path, .corrupt("tensor '\(t.name)' has rows of \(t.dims[0]) weights, not a multiple of the \(type) block of \(type.blockSize)"))
            }
            let bytes = count / type.blockSize * type.typeSize
            guard t.offset % UInt64(alignment) == 0, t.offset <= UInt64(fileSize),
                  dataOffset + Int(t.offset) <= fileSize - bytes
            else {
                throw GGUFError(path: path, .corrupt("tensor '\(t.name)' (\(bytes) bytes at data offset \(t.offset)) lies outside the file or is misaligned"))
            }
            guard index.updateValue(infos.count, forKey: t.name) == nil else {
                throw GGUFError(path: path, .corrupt("tensor '\(t.name)' appears twice"))
            }
            infos.append(GGUFTensorInfo(name: t.name, dimensions: t.dims, type: type,
                                        fileOffset: dataOffset + Int(t.offset), byteCount: bytes))
        }
        tensors = infos
        tensorIndex = index
    }

    /// The size of the file in bytes.
    public var fileSize: Int { mapped.bytes.count }

    // MARK: Metadata

    /// The value for `key`, or a `missingMetadata` error naming the file.
    public func value(_ key: String) throws(GGUFError) -> GGUFValue {
        guard let v = metadata[key] else { throw GGUFError(path: path, .missingMetadata(key)) }
        return v
    }

    /// The integer value for `key` (any integer width).
    public func int(_ key: String) throws(GGUFError) -> Int {
        guard let v = try value(key).int else { throw GGUFError(path: path, .wrongMetadataType(key: key, expected: "an integer")) }
        return v
    }

    /// The numeric value for `key`.
    public func double(_ key: String) throws(GGUFError) -> Double {
        guard let v = try value(key).double else { throw GGUFError(path: path, .wrongMetadataType(key: key, expected: "a number")) }
        return v
    }

    /// The string value for `key`.
    public func string(_ key: String) throws(GGUFError) -> String {
        guard let v = try value(key).string else { throw GGUFError(path: path, .wrongMetadataType(key: key, expected: "a string")) }
        return v
    }

    // MARK: Tensors

    /// The info of tensor `name`, or a `missingTensor` error.
    public func tensor(_ name: String) throws(GGUFError) -> GGUFTensorInfo {
        guard let i = tensorIndex[name] else { throw GGUFError(path: path, .missingTensor(name)) }
        return tensors[i]
    }

    /// The stored bytes of `tensor`, valid while this file is alive.
    public func rawBytes(_ tensor: GGUFTensorInfo) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: mapped.bytes[tensor.fileOffset..<(tensor.fileOffset + tensor.byteCount)])
    }

    /// Dequantises rows `rows` of `tensor` into `destination`, which must hold
    /// `rows.count × tensor.rowLength` floats.
    public func dequantize(_ tensor: GGUFTensorInfo, rows: Range<Int>, into destination: UnsafeMutablePointer<Float>) throws(GGUFError) {
        guard tensor.type.canDequantize else {
            throw GGUFError(path: path, .unsupportedTensorType(tensor: tensor.name, type: tensor.type.rawValue))
        }
        precondition(rows.lowerBound >= 0 && rows.upperBound <= tensor.rowCount, "rows out of range")
        let rowBytes = tensor.rowLength / tensor.type.blockSize * tensor.type.typeSize
        let start = mapped.bytes.baseAddress! + tensor.fileOffset + rows.lowerBound * rowBytes
        Dequantize.run(tensor.type, from: start, count: rows.count * tensor.rowLength, into: destination)
    }

    /// All weights of tensor `name` as Float, in storage order.
    public func floats(_ name: String) throws(GGUFError) -> [Float] {
        try floats(tensor(name))
    }

    /// All weights of `tensor` as Float, in storage order.
    public func floats(_ tensor: GGUFTensorInfo) throws(GGUFError) -> [Float] {
        guard tensor.type.canDequantize else {
            throw GGUFError(path: path, .unsupportedTensorType(tensor: tensor.name, type: tensor.type.rawValue))
        }
        return try [Float](unsafeUninitializedCapacity: tensor.elementCount) { buffer, initialized throws(GGUFError) in
            try dequantize(tensor, rows: 0..<tensor.rowCount, into: buffer.baseAddress!)
            initialized = tensor.elementCount
        }
    }
}
