import Foundation
import LibFuzzerDriver

/// The harness's callback, as libFuzzer calls it: the input's bytes (nil only when empty) and
/// count; it returns 0.
public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// Runs libFuzzer on `testOneInput` with the process's command line (corpus folders, -flags,
/// or files to replay) and exits with libFuzzer's status. Every harness's @main calls this.
public func runLibFuzzer(_ testOneInput: FuzzTarget) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, testOneInput))
}
