import CBLAS
import Foundation
import Dispatch

/// How ``parallelFor(_:split:_:)`` cuts `0..<count` into pieces.
public enum SplitPolicy: Sendable, Equatable {
    /// Exactly `parts` pieces (some possibly empty), whatever the machine: a computation whose
    /// pieces combine in a fixed order is then bit-identical everywhere. The Transformer uses
    /// two pieces.
    case fixed(parts: Int)
    /// About 4 × `threads` near-equal pieces (never more than `count`, at least one), run on up
    /// to `threads` threads; one piece when `threads` is 1. More pieces than threads lets a
    /// thread that other jobs slow down take fewer of them, so no worker waits long for the
    /// slowest (Gemma's rule).
    case balanced(threads: Int)

    /// The number of pieces `0..<count` is cut into.
    public func parts(for count: Int) -> Int {
        switch self {
        case .fixed(let parts): max(1, parts)
        case .balanced(let threads): max(1, min(threads == 1 ? 1 : 4 * threads, count))
        }
    }

    /// The `part`-th of `parts` near-equal slices of `0..<count`.
    @inlinable @inline(__always)
    public static func slice(_ part: Int, of parts: Int, _ count: Int) -> Range<Int> {
        (count * part / parts)..<(count * (part + 1) / parts)
    }
}

/// Runs `body(part, range)` for every piece of `0..<count` cut by `split`, concurrently on
/// Dispatch threads when there is more than one piece (inline otherwise).
///
/// Every piece is visited exactly once, including empty ones (so per-piece scratch indexed by
/// `part` is always written). Callers typically write disjoint slices of shared buffers through
/// raw pointers, which the compiler cannot prove safe; that disjointness is the invariant the
/// caller vouches for, which is why `body` need not be `@Sendable`.
@inlinable @inline(__always)
public func parallelFor(_ count: Int, split: SplitPolicy, _ body: (_ part: Int, _ range: Range<Int>) -> Void) {
    let parts = split.parts(for: count)
    if parts == 1 {
        body(0, 0..<count)
    } else {
        withoutActuallyEscaping(body) { escapable in
            let box = UncheckedBody(body: escapable)
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                box.body(part, SplitPolicy.slice(part, of: parts, count))
            }
        }
    }
}

/// A closure handed to concurrent workers (see ``parallelFor(_:split:_:)`` for why unchecked).
@usableFromInline
struct UncheckedBody: @unchecked Sendable {
    @usableFromInline let body: (Int, Range<Int>) -> Void
    @usableFromInline init(body: @escaping (Int, Range<Int>) -> Void) { self.body = body }
}

/// A pointer handed to concurrent workers. `@unchecked Sendable`: users give each worker
/// disjoint elements to write, and the memory outlives the workers.
public struct SharedPointer<T>: @unchecked Sendable {
    /// The wrapped pointer.
    public let pointer: UnsafeMutablePointer<T>
    /// Wraps a mutable pointer.
    public init(_ p: UnsafeMutablePointer<T>) { pointer = p }
    /// Wraps a read-only pointer (workers only read through it).
    public init(_ p: UnsafePointer<T>) { pointer = UnsafeMutablePointer(mutating: p) }
}

/// The process-wide OpenBLAS thread setting.
///
/// Callers of the kernels parallelise coarse pieces themselves and call single-threaded OpenBLAS
/// from each: OpenBLAS's own threads would spin-wait after every call, competing with ours.
public enum OpenBLAS {
    /// Sets OpenBLAS to one thread; only the first call does anything.
    public static func useSingleThread() { _ = configured }

    private static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// The kernels OpenBLAS chose for this CPU (`Haswell`, `SkylakeX`, `Prescott`, …).
    public static var coreName: String { String(cString: openblas_get_corename()) }

    /// The `OPENBLAS_CORETYPE` this process should run with, when OpenBLAS's own detection
    /// settled for older kernels than the CPU supports; nil when its choice is right.
    ///
    /// OpenBLAS identifies x86 CPUs by model number. A CPU newer than the library (Debian 12's
    /// 0.3.21), or one a hypervisor presents as a generic "Intel Xeon Processor", falls back to
    /// the SSE3 `Prescott` kernels although it has AVX2 or AVX-512: products then run 2–3×
    /// slower (measured on Gemma 3 prompts). The instruction sets are read from the CPU flags
    /// instead, and the environment variable can only be honoured at library load, so the
    /// command-line tool re-executes itself with it (``reexecuteWithPreferredCoreType()``).
    ///
    /// - Parameters:
    ///   - detected: OpenBLAS's choice, ``coreName``.
    ///   - cpuFlags: the CPU's feature flags (`flags` of /proc/cpuinfo).
    public static func preferredCoreType(detected: String, cpuFlags: Set<String>) -> String? {
        let avx512 = ["SkylakeX", "Cooperlake", "SapphireRapids"]
        let avx2 = ["Haswell", "Zen"] + avx512
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq"]) {
            return avx512.contains(detected) ? nil : "SkylakeX"
        }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) {
            return avx2.contains(detected) ? nil : "Haswell"
        }
        return nil
    }

    /// Re-executes the running program with `OPENBLAS_CORETYPE` set to ``preferredCoreType(detected:cpuFlags:)``
    /// when OpenBLAS picked older kernels than the CPU supports. OpenBLAS reads the variable only
    /// when it is loaded, hence the re-execution: call this first thing in `main`. Does nothing
    /// when the variable is set already (by the user, who keeps the last word, or by the first
    /// execution), when /proc is absent, or when `execv` fails (the run then carries on with
    /// OpenBLAS's choice).
    public static func reexecuteWithPreferredCoreType() {
        guard getenv("OPENBLAS_CORETYPE") == nil,
              let cpuinfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let core = preferredCoreType(detected: coreName, cpuFlags: cpuFlags(cpuinfo: cpuinfo))
        else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
    }

    /// The flags of the first processor in /proc/cpuinfo (empty where there is none).
    public static func cpuFlags(cpuinfo: String) -> Set<String> {
        guard let line = cpuinfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}

extension NetworkScalar {
    /// ``NetworkScalar/gemm(transA:transB:m:n:k:alpha:a:lda:b:ldb:beta:c:ldc:)`` with the rows of
    /// C split into `parts` fixed pieces when the product is big enough to pay for the hand-off
    /// (m·n·k ≥ 2¹⁸ and m ≥ 2·parts; smaller products run inline). Each row of C is computed by
    /// one BLAS call either way, so the split does not change results.
    @inlinable @inline(__always)
    public static func parallelGemm(
        parts: Int, transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
        a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
        beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int
    ) {
        let pieces = m * n * k >= 1 << 18 && m >= 2 * parts ? parts : 1
        parallelFor(m, split: .fixed(parts: pieces)) { _, rows in
            guard !rows.isEmpty else { return }
            // Rows of op(A): with A transposed they are columns of the stored matrix.
            let aStart = transA ? a + rows.lowerBound : a + rows.lowerBound * lda
            gemm(transA: transA, transB: transB, m: rows.count, n: n, k: k, alpha: alpha, a: aStart, lda: lda,
                 b: b, ldb: ldb, beta: beta, c: c + rows.lowerBound * ldc, ldc: ldc)
        }
    }
}
