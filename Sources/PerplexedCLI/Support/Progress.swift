import ArgumentParser
import Experiments
import Foundation

/// Runs `body` and turns a ``ConfigurationError`` into a command-line failure that names the
/// flags (`checkpointEvery` → `--checkpoint-every`; `flags` names those that differ, such as a
/// configuration's `directory` given by `--out`).
func flagged<R>(renaming flags: [String: String] = [:], _ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as ConfigurationError {
        throw ValidationError(error.message { "--" + (flags[$0] ?? flagName($0)) })
    }
}

/// A configuration field's flag: camelCase → kebab-case.
func flagName(_ field: String) -> String {
    var name = ""
    for character in field {
        if character.isUppercase { name += "-" + character.lowercased() } else { name.append(character) }
    }
    return name
}

/// An experiment's progress on standard error: one redrawn line on a terminal, one line per
/// report otherwise (files, CI).
struct StatusLine {
    /// Written by ``finish()`` on a terminal to leave the redrawn line.
    let clearing: String
    let interactive = isatty(STDERR_FILENO) != 0

    func show(_ progress: ExperimentProgress) {
        FileHandle.standardError.write(Data((interactive ? progress.message + "   \r" : progress.message + "\n").utf8))
    }

    func finish() {
        if interactive { FileHandle.standardError.write(Data(clearing.utf8)) }
    }
}
