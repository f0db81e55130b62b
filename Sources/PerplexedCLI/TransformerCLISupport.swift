import ArgumentParser
import Experiments
import Foundation
import Transformer

extension TaskKind: ExpressibleByArgument {}
extension ParityVariant: ExpressibleByArgument {}

/// Helpers shared by `train` and `eval`.
enum TransformerCLI {
    static func printToStderr(_ s: String) {
        FileHandle.standardError.write(Data((s + "\n").utf8))
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
    private let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastDraw = Date.distantPast

    /// Shows one step's report (`completed` is the step, `total` the run's total).
    func update(_ p: ExperimentProgress) {
        let step = p.completed, total = p.total
        if isTerminal {
            guard step == total || Date().timeIntervalSince(lastDraw) > 0.1 else { return }
            lastDraw = Date()
            let width = 24
            let filled = width * step / max(total, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
            FileHandle.standardError.write(Data("\r[\(bar)] \(p.message)\u{1B}[K".utf8))
        } else if step % max(1, min(100, total / 20)) == 0 || step == total {
            print(p.message)
            fflush(nil)  // all streams: `stdout` itself is a C global Swift 6 will not touch
        }
    }

    func finish(_ result: TrainingRunResult) {
        if isTerminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print(String(format: "trained %d steps in %.1f s", result.stepsTrained, result.seconds))
    }
}
