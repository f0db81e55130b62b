import ArgumentParser
import Foundation
import Gemma
import Reporting

// The error convention of `perplexed`, in one place:
//
// - An argument problem that the arguments alone decide (a range, a format, a missing or
//   contradictory flag) is a `ValidationError`: "Error: …", the usage, exit status 64.
// - Anything else (a file that cannot be read or written, a bad model file, a precision too low
//   to decide, a model that fails) is a ``CommandFailure``: one line "Error: …" naming the file
//   or flag, no usage, exit status 1.
// - A result that refutes what was expected (`verify`, a witness beyond its bound) exits 2
//   after printing the result.
//
// `Perplexed.main()` turns every error a command's `run()` throws into one of these with
// ``CommandFailure/classify(_:)``, and prints every error with ``printFailure(_:)``, so a library
// or Foundation error never escapes as a multi-line dump or with a usage it does not deserve.

/// A command's runtime failure: printed as one line `Error: message`, exit status 1, no usage.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    /// `message` on one line: line breaks become "; ".
    init(_ message: String) {
        description = message.split(whereSeparator: \.isNewline).joined(separator: "; ")
    }

    /// `error` as a runtime failure, prefixed by the flag or file it concerns ("--config: …").
    init(_ subject: String?, _ error: any Error) {
        self.init((subject.map { $0 + ": " } ?? "") + Self.describe(error))
    }

    /// One line for any error: a Foundation error in the C library's words ("cannot read FILE:
    /// No such file or directory"), any other error by its description.
    static func describe(_ error: any Error) -> String {
        if let failure = error as? CommandFailure { return failure.description }
        if let cocoa = error as? CocoaError { return describe(cocoa) }
        if (error as NSError).domain == NSPOSIXErrorDomain { return fileErrorReason(error) }
        return CommandFailure("\(error)").description
    }

    private static func describe(_ error: CocoaError) -> String {
        guard let path = error.filePath ?? error.userInfo[NSFilePathErrorKey] as? String else { return fileErrorReason(error) }
        let writing = (CocoaError.fileWriteUnknown.rawValue..<CocoaError.fileWriteUnknown.rawValue + 256).contains(error.code.rawValue)
        return "cannot \(writing ? "write" : "read") \(path): \(fileErrorReason(error))"
    }

    /// What `main` reports for an error thrown by a command's `run()`: ArgumentParser's own
    /// errors (a validation error, an exit code, the help that `perplexed help` and `--help`
    /// "throw") as they are; every other error as a one-line runtime failure. A failed
    /// download's output is printed first, as context.
    static func classify(_ error: any Error) -> any Error {
        switch error {
        case is ValidationError, is ExitCode, is CleanExit, is CommandFailure:
            return error
        case _ where Perplexed.exitCode(for: error) == .success:
            return error
        case ModelStoreError.commandFailed(let command, let status, let output):
            FileHandle.standardError.write(Data((output.hasSuffix("\n") || output.isEmpty ? output : output + "\n").utf8))
            return CommandFailure("`\(command)` failed with status \(status) (its output is above)")
        default:
            return CommandFailure(describe(error))
        }
    }
}

/// Prints `error` as ArgumentParser would (usage for a validation error) and exits with its
/// status; a value longer than 120 characters in the error line is shortened so the line stays
/// readable (an argument of 10 kB is quoted by its start and its length).
func printFailure(_ error: any Error) -> Never {
    let code = Perplexed.exitCode(for: error)
    guard code != .success else { Perplexed.exit(withError: error) }
    let text = Perplexed.fullMessage(for: error)
    if !text.isEmpty {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[0] = abbreviated(explainingNegativeValue(lines[0], arguments: CommandLine.arguments))
        FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
    }
    Foundation.exit(code.rawValue)
}

/// ArgumentParser reports "Missing value" when a list flag's value starts with "-" (the other
/// numeric flags take a negative number in space form): `line` with how to write it instead.
func explainingNegativeValue(_ line: String, arguments: [String]) -> String {
    let prefix = "Error: Missing value for '"
    guard line.hasPrefix(prefix), let flag = line.dropFirst(prefix.count).split(separator: " ").first.map(String.init),
          let index = arguments.firstIndex(of: flag), index + 1 < arguments.count,
          case let value = arguments[index + 1], value.hasPrefix("-"), Double(value) != nil else { return line }
    return line + " (a value starting with '-' is written \(flag)=\(value))"
}

/// `line` with every word longer than 120 characters cut to its first 60, its length and its
/// closing punctuation: `'99999…[10240 characters]':`.
func abbreviated(_ line: String) -> String {
    line.split(separator: " ", omittingEmptySubsequences: false).map { word in
        guard word.count > 120 else { return String(word) }
        let closing = word.reversed().prefix { "'\":,;)".contains($0) }
        return "\(word.prefix(60))…[\(word.count) characters]\(String(closing.reversed()))"
    }.joined(separator: " ")
}

/// A usage error unless `value` names a file: an empty value never means the current directory.
func requireFileName(_ value: String, _ flag: String) throws {
    guard !value.isEmpty else { throw ValidationError("\(flag) needs a file name, got an empty value") }
}

/// The bytes of the regular file at `path`. A directory, FIFO or device is refused before it is
/// opened, so reading never blocks on a pipe or a terminal; with `limit`, so is a file of more
/// than `limit.bytes` bytes (the error says `limit.reason`), so a huge file is never read whole.
func readRegularFile(_ path: String, limit: (bytes: Int, reason: String)? = nil) throws -> Data {
    var status = stat()
    guard stat(path, &status) == 0 else { throw CommandFailure("cannot read \(path): \(String(cString: strerror(errno)))") }
    let kind = status.st_mode & S_IFMT
    guard kind == S_IFREG else { throw CommandFailure("cannot read \(path): \(kind == S_IFDIR ? "it is a directory" : "not a regular file")") }
    if let limit, Int(status.st_size) > limit.bytes { throw CommandFailure("cannot read \(path): \(limit.reason)") }
    return try Data(contentsOf: URL(fileURLWithPath: path))
}

/// Writes `text` to `path` as ``AtomicFile`` does; a failure (of the write, or of making the
/// text) is a runtime failure naming `flag`.
func write(_ text: @autoclosure () throws -> String, to path: String, flag: String) throws {
    do { try AtomicFile.write(text(), to: path) } catch { throw CommandFailure(flag, error) }
}

/// Makes the output directory `path` before a long run starts, so that the run cannot end in a
/// failure to write its results (a path that is a file, a device, or not creatable).
func createOutputDirectory(_ path: String, flag: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CommandFailure("\(flag): \(path) exists and is not a directory") }
        return
    }
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw CommandFailure("\(flag): cannot create directory \(path): \(fileErrorReason(error))")
    }
}
