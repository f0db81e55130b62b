import Foundation

/// Errors writing report files.
public struct FileWriteError: Error, CustomStringConvertible, Sendable {
    public let path: String
    public let reason: String
    public var description: String { "cannot write \(path): \(reason)" }
}

/// Writes files so that a reader never sees half of one, and never damages what is there.
///
/// What happens depends on what `path` names:
/// - a regular file, or nothing yet: the bytes go to a temporary file in the same directory,
///   which is then renamed over the destination (atomic on POSIX file systems). On any failure
///   the temporary file is removed and the destination is left as it was.
/// - a symbolic link: the same, at the file the link (or chain of links) points to; the link
///   itself stays a link.
/// - a FIFO or a character device (`/dev/null`, a terminal), or one of the process's own
///   streams (`/dev/stdout`, `/dev/stderr`, `/dev/fd/N`): written in place, never replaced.
/// - `-`: standard output.
/// - an empty path, a directory, a socket or a block device: an error, nothing written.
///
/// Every short or failed write is an error (a full disk, `/dev/full`).
public enum AtomicFile {
    /// The path that means standard output.
    public static let standardOutput = "-"

    /// Writes `data` to `path`, creating parent directories as needed.
    public static func write(_ data: Data, to path: String) throws(FileWriteError) {
        guard !path.isEmpty else { throw FileWriteError(path: path, reason: "the path is empty") }
        if path == standardOutput {
            try writeAll(data, to: STDOUT_FILENO, path: "standard output")
            return
        }
        if isOwnStream(path) {
            try writeInPlace(data, to: path, flags: O_WRONLY | O_APPEND)
            return
        }
        var status = stat()
        if stat(path, &status) == 0 {
            switch status.st_mode & S_IFMT {
            case S_IFREG:
                break
            case S_IFIFO, S_IFCHR:
                try writeInPlace(data, to: path, flags: O_WRONLY)
                return
            case S_IFDIR:
                throw FileWriteError(path: path, reason: "it is a directory")
            case S_IFBLK:
                throw FileWriteError(path: path, reason: "it is a block device; refusing to write over it")
            default:
                throw FileWriteError(path: path, reason: "it is not a regular file, a FIFO or a character device")
            }
        } else if errno != ENOENT {
            throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
        }
        try replaceAtomically(data, at: try finalTarget(of: path), named: path)
    }

    /// Writes UTF-8 `text` to `path`.
    public static func write(_ text: String, to path: String) throws(FileWriteError) {
        try write(Data(text.utf8), to: path)
    }

    /// Writes UTF-8 `text` to the file `name` in `directory`. An empty `directory` is an error
    /// (it would otherwise put `name` at the root of the file system).
    public static func write(_ text: String, named name: String, in directory: String) throws(FileWriteError) {
        try write(Data(text.utf8), named: name, in: directory)
    }

    /// Writes `data` to the file `name` in `directory`; an empty `directory` is an error.
    public static func write(_ data: Data, named name: String, in directory: String) throws(FileWriteError) {
        guard !directory.isEmpty else { throw FileWriteError(path: name, reason: "the directory path is empty") }
        try write(data, to: directory + "/" + name)
    }

    /// Paths that name one of this process's open streams: they are written where they point,
    /// appending, so that what the process printed there before stays.
    static func isOwnStream(_ path: String) -> Bool {
        ["/dev/stdout", "/dev/stderr"].contains(path) || path.hasPrefix("/dev/fd/") || path.hasPrefix("/proc/self/fd/")
    }

    /// The path a chain of symbolic links ends at (`path` itself when it is no link); the end may
    /// not exist yet. Relative link targets are taken from the link's own directory.
    static func finalTarget(of path: String) throws(FileWriteError) -> String {
        var current = path
        for _ in 0..<40 {
            var status = stat()
            guard lstat(current, &status) == 0 else {
                if errno == ENOENT { return current }
                throw FileWriteError(path: path, reason: String(cString: strerror(errno)))
            }
            guard status.st_mode & S_IFMT == S_IFLNK else { return current }
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let count = readlink(current, &buffer, buffer.count - 1)
            guard count >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
            let target = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            current = target.hasPrefix("/") ? target : (current as NSString).deletingLastPathComponent + "/" + target
        }
        throw FileWriteError(path: path, reason: "too many levels of symbolic links")
    }

    /// Temporary file beside `target`, written in full and synced, then renamed over it.
    private static func replaceAtomically(_ data: Data, at target: String, named path: String) throws(FileWriteError) {
        let url = URL(fileURLWithPath: target)
        let directory = url.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FileWriteError(path: path, reason: "cannot create directory \(directory.path): \(fileErrorReason(error))")
        }
        let temporary = directory.appendingPathComponent(
            ".\(url.lastPathComponent).tmp-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))").path
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        var failure: FileWriteError?
        do throws(FileWriteError) {
            try writeAll(data, to: descriptor, path: path)
            guard fsync(descriptor) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        } catch {
            failure = error
        }
        if close(descriptor) != 0, failure == nil {
            failure = FileWriteError(path: path, reason: String(cString: strerror(errno)))
        }
        if let failure {
            unlink(temporary)
            throw failure
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw FileWriteError(path: path, reason: reason)
        }
    }

    /// Opens an existing FIFO, device or stream with `flags` and writes to it in place.
    private static func writeInPlace(_ data: Data, to path: String, flags: Int32) throws(FileWriteError) {
        let descriptor = open(path, flags | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
        do throws(FileWriteError) {
            try writeAll(data, to: descriptor, path: path)
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else { throw FileWriteError(path: path, reason: String(cString: strerror(errno))) }
    }

    /// Writes every byte, retrying short writes and interruptions; any other failure is an error.
    private static func writeAll(_ data: Data, to descriptor: Int32, path: String) throws(FileWriteError) {
        let failure: Int32? = data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if written == 0 { return EIO }
                offset += written
            }
            return nil
        }
        if let failure { throw FileWriteError(path: path, reason: String(cString: strerror(failure))) }
    }
}
