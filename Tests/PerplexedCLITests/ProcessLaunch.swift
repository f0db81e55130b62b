import Foundation

/// Starts `process`, one launch at a time across the whole test run.
///
/// swift-corelibs-foundation's `Process.run()` is not safe to call from several threads at once
/// on Linux: a clean-clone CI run crashed inside it (a bad read in `memcpy`) while the
/// hostile-argument table's workers and other suites launched `perplexed` together. Only the
/// launch is serialised; the processes still run side by side.
func launch(_ process: Process) throws {
    try launchLock.withLock { try process.run() }
}

private let launchLock = NSLock()
