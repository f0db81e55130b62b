import Foundation

/// Why a GGUF file could not be read. Every case names the file, so a message printed on its
/// own still tells the user which file to fix or fetch again.
public struct GGUFError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The kind of problem, without the file.
    public enum Problem: Equatable, Sendable {
        /// The file could not be opened or mapped (missing, unreadable, a directory …).
        case unreadable(String)
        /// The first four bytes are not `GGUF`.
        case notGGUF
        /// A GGUF version this reader does not know (it reads 2 and 3).
        case unsupportedVersion(UInt32)
        /// The file ends before a field that starts at `offset` (truncated download?).
        case truncated(offset: Int, needed: Int)
        /// A value is out of range or inconsistent (e.g. an unknown value type, a tensor that
        /// runs past the end of the file).
        case corrupt(String)
        /// A tensor uses a ggml type this reader cannot dequantise.
        case unsupportedTensorType(tensor: String, type: UInt32)
        /// A metadata key the caller needs is absent.
        case missingMetadata(String)
        /// A metadata key is present but holds a value of another type.
        case wrongMetadataType(key: String, expected: String)
        /// A tensor the caller needs is absent.
        case missingTensor(String)
    }

    /// The file that was being read.
    public let path: String
    /// What went wrong.
    public let problem: Problem

    public init(path: String, _ problem: Problem) {
        self.path = path
        self.problem = problem
    }

    public var description: String {
        let what: String
        switch problem {
        case .unreadable(let why): what = "cannot be read: \(why)"
        case .notGGUF: what = "is not a GGUF file (its first bytes are not \"GGUF\")"
        case .unsupportedVersion(let v): what = "has GGUF version \(v); this reader supports versions 2 and 3"
        case .truncated(let offset, let needed):
            what = "is truncated: \(needed) bytes needed at offset \(offset) lie past its end"
        case .corrupt(let why): what = "is corrupt: \(why)"
        case .unsupportedTensorType(let tensor, let type):
            let name = GGMLType(rawValue: type).map { "\($0)" } ?? "ggml type \(type)"
            what = "has tensor '\(tensor)' of type \(name), which this reader cannot dequantise"
        case .missingMetadata(let key): what = "lacks the metadata key '\(key)'"
        case .wrongMetadataType(let key, let expected): what = "has metadata key '\(key)' that is not \(expected)"
        case .missingTensor(let name): what = "lacks the tensor '\(name)'"
        }
        return "\(path) \(what)"
    }
}
