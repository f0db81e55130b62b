import Foundation

/// Why a file operation failed, in the C library's words ("No such file or directory", "Not a
/// directory"): a Foundation error's POSIX cause, else the reason its code stands for, else its
/// description. Foundation's own sentences ("The operation could not be completed.
/// (NSCocoaErrorDomain error 512.)") say less and differ between platforms.
public func fileErrorReason(_ error: any Error) -> String {
    func words(_ code: Int32) -> String { String(cString: strerror(code)) }
    let ns = error as NSError
    if ns.domain == NSPOSIXErrorDomain { return words(Int32(ns.code)) }
    guard let cocoa = error as? CocoaError else { return error.localizedDescription }
    // `underlying`, not userInfo[NSUnderlyingErrorKey]: on Linux only the former bridges.
    if let cause = cocoa.underlying.map({ $0 as NSError }), cause.domain == NSPOSIXErrorDomain { return words(Int32(cause.code)) }
    switch cocoa.code {
    case .fileReadNoSuchFile, .fileNoSuchFile: return words(ENOENT)
    case .fileReadNoPermission, .fileWriteNoPermission: return words(EACCES)
    case .fileWriteOutOfSpace: return words(ENOSPC)
    case .fileWriteVolumeReadOnly: return words(EROFS)
    case .fileWriteFileExists: return words(EEXIST)
    case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "the contents cannot be read as text"
    default: return error.localizedDescription
    }
}
