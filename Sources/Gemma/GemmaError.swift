import GGUF

/// Why a Gemma model could not be loaded or run. Cases that concern a file name it.
public enum GemmaError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The GGUF file itself is unreadable, corrupt, or lacks a key or tensor.
    case file(GGUFError)
    /// The file holds another architecture (`general.architecture`).
    case wrongArchitecture(path: String, found: String)
    /// A tensor has a shape that does not fit the configuration.
    case badShape(path: String, tensor: String, found: [Int], expected: [Int])
    /// The configuration read from metadata is inconsistent (e.g. heads that do not divide).
    case badConfiguration(path: String, String)
    /// The tokens (cached plus new) would exceed the model's context length.
    case contextExceeded(path: String, tokens: Int, context: Int)
    /// A token id outside the vocabulary.
    case invalidToken(Int, vocabularySize: Int)
    /// Nothing to run the model on.
    case emptyInput
    /// A cached model file failed its check against the store (see `ModelStore.verifyIfCached`).
    case store(ModelStoreError)

    public var description: String {
        switch self {
        case .file(let e): e.description
        case .wrongArchitecture(let path, let found):
            "\(path) holds a '\(found)' model, not 'gemma3'"
        case .badShape(let path, let tensor, let found, let expected):
            "\(path) has tensor '\(tensor)' of shape \(found); the configuration needs \(expected)"
        case .badConfiguration(let path, let why): "\(path) has an inconsistent configuration: \(why)"
        case .contextExceeded(let path, let tokens, let context):
            "\(tokens) tokens exceed the context length \(context) of \(path)"
        case .invalidToken(let id, let n): "token id \(id) is outside the vocabulary 0..<\(n)"
        case .emptyInput: "no tokens to run the model on"
        case .store(let e): e.description
        }
    }
}
