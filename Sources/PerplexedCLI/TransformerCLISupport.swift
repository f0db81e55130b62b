import ArgumentParser
import Foundation
import Reporting
import Transformer

extension TaskKind: ExpressibleByArgument {}
extension ParityVariant: ExpressibleByArgument {}

/// A user-facing error of the train and eval commands: printed as `Error: message`, exit status 1.
struct TransformerCLIError: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}

/// Helpers shared by `train` and `eval`.
enum TransformerCLI {
    static func printToStderr(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
    }

    /// Writes through a temporary file and a rename, so an existing file is replaced whole or not at all.
    static func writeAtomically(_ text: String, to url: URL) throws {
        do {
            try AtomicFile.write(text, to: url.path)
        } catch {
            throw TransformerCLIError(error.description)
        }
    }

    /// A one-line description of a JSON decoding error: which field, what was wrong.
    static func describe(_ error: any Error) -> String {
        guard let e = error as? DecodingError else { return error.localizedDescription }
        func path(_ c: DecodingError.Context) -> String {
            let p = c.codingPath.map(\.stringValue).joined(separator: ".")
            return p.isEmpty ? "" : "at \(p): "
        }
        switch e {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c), .dataCorrupted(let c):
            return path(c) + c.debugDescription
        @unknown default:
            return "\(e)"
        }
    }
}

/// Training progress: a redrawn bar on a terminal, plain log lines otherwise (files, CI).
final class TransformerProgress {
    private let total: Int
    private let startStep: Int
    private let start = Date()
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast
    private let logEvery: Int

    init(total: Int, startStep: Int) {
        self.total = total
        self.startStep = startStep
        logEvery = max(1, min(100, total / 20))
    }

    func update(_ m: StepMetrics) {
        let elapsed = Date().timeIntervalSince(start)
        let rate = Double(m.step - startStep) / max(elapsed, 1e-9)
        let eta = Double(total - m.step) / max(rate, 1e-9)
        let stats = String(
            format: "step %d/%d  loss %.4f  acc %.1f%%  seq %.1f%%  %.1f steps/s  ETA %@", m.step, total, m.loss,
            100 * m.tokenAccuracy, 100 * m.sequenceAccuracy, rate, Self.clock(eta))
        if isTerminal {
            guard m.step == total || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 24
            let filled = width * m.step / max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(stats)\u{1B}[K".utf8))
        } else if m.step % logEvery == 0 || m.step == total {
            print(stats)
            fflush(nil)  // all streams: `stdout` itself is a C global Swift 6 will not touch
        }
    }

    func finish() {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        let elapsed = Date().timeIntervalSince(start)
        print(String(format: "trained %d steps in %.1f s", total - startStep, elapsed))
    }

    private static func clock(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let s = Int(seconds.rounded())
        return String(format: "%d:%02d", s / 60, s % 60)
    }
}
