import ArgumentParser
import Experiments
import Foundation
import Kernels

/// The `perplexed` command: certified checks of "Perplexity Cannot Always Tell Right from Wrong".
@main
struct Perplexed: AsyncParsableCommand {
    static let version = PackageInfo.version

    static let configuration = CommandConfiguration(
        commandName: "perplexed",
        abstract: "Check, with certified arithmetic and real Transformers, when perplexity picks the wrong model.",
        discussion: """
            Perplexed reproduces and checks the theory of "Perplexity Cannot Always Tell Right \
            from Wrong" (arXiv 2601.22950). Numeric inputs are read as exact decimals (0.1 is \
            1/10); certified outputs are intervals rounded outward, so a printed bound is a \
            proven bound.

            Start with `perplexed reproduce --quick` (what `make demo` runs) or \
            `perplexed demo`, then `perplexed help <subcommand>`.

            Exit status:
              0   success
              1   runtime failure (a file, a model, a precision too low to
                  decide, a run too big for memory): one line "Error: …"
              2   the check ran and refuted what was expected (a `verify`
                  verdict, a witness beyond the Lemma 3.1 bound)
              64  usage error: an argument out of range, malformed, missing
                  or in conflict with another ("Error: …" and the usage)
            """,
        version: version,
        subcommands: [
            DemoCommand.self, PplxCommand.self, CriticalCommand.self, RegionsCommand.self, FitGammaCommand.self,
            TemperatureCommand.self, SamplingCommand.self, LemmaCommand.self, LemmaTestCommand.self, TwoParameterCommand.self,
            VerifyCommand.self, TrainCommand.self, EvalCommand.self, WitnessCommand.self, CopySweepCommand.self,
            ParityStudyCommand.self, StudyCommand.self, ReproduceCommand.self, ModelCommand.self, NextTokenCommand.self,
        ]
    )

    /// ArgumentParser's `main`, with every error reported by the one convention of
    /// ``CommandFailure``: usage errors exit 64, runtime failures print one line and exit 1.
    static func main() async {
        // First of all: OpenBLAS honours its kernel choice only when it is loaded.
        OpenBLAS.reexecuteWithPreferredCoreType()
        var command: any ParsableCommand
        do {
            // Parsing and `validate()`: ArgumentParser's errors and the commands' own, as thrown.
            command = try await asyncParseAsRoot()
        } catch {
            printFailure(error)
        }
        do {
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            printFailure(CommandFailure.classify(error))
        }
    }
}
