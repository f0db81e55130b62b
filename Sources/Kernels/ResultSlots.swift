import Foundation

/// Per-index results, and a failure, collected from concurrent workers.
///
/// Each index is written by one worker; every access holds a lock, so the hand-over of the
/// results to the thread that reads them after the workers finish is ordered. Of several
/// failures the one of the lowest index is kept, so which error surfaces does not depend on
/// scheduling.
public final class ResultSlots<Value>: @unchecked Sendable {
    private var slots: [Value?]
    private var failure: (index: Int, error: any Error)?
    private let lock = NSLock()

    /// `count` empty slots.
    public init(count: Int) { slots = Array(repeating: nil, count: count) }

    /// Stores `value` in slot `index`.
    public func store(_ index: Int, _ value: Value) {
        lock.lock(); defer { lock.unlock() }
        slots[index] = value
    }

    /// Records that the work of slot `index` failed with `error`.
    public func fail(_ index: Int, _ error: any Error) {
        lock.lock(); defer { lock.unlock() }
        if failure.map({ index < $0.index }) ?? true { failure = (index, error) }
    }

    /// The error of the lowest failed index, if any.
    public var error: (any Error)? {
        lock.lock(); defer { lock.unlock() }
        return failure?.error
    }

    /// The filled slots in index order (empty slots skipped).
    public func values() -> [Value] {
        lock.lock(); defer { lock.unlock() }
        return slots.compactMap { $0 }
    }

    /// Every slot in index order; throws the error of the lowest failed index, or
    /// ``KernelsError/missingResult(index:)`` if a slot was never filled.
    public func results() throws -> [Value] {
        lock.lock(); defer { lock.unlock() }
        if let failure { throw failure.error }
        return try slots.enumerated().map { i, value in
            guard let value else { throw KernelsError.missingResult(index: i) }
            return value
        }
    }
}

/// Errors of the kernels.
public enum KernelsError: Error, Equatable, CustomStringConvertible {
    /// A result slot was read before any worker filled it.
    case missingResult(index: Int)

    /// The error in words.
    public var description: String {
        switch self {
        case .missingResult(let index): "no result was stored for index \(index)"
        }
    }
}
