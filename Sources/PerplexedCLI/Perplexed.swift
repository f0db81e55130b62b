import ArgumentParser
import Experiments

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

            Start with `perplexed reproduce --quick` (what `make demo` runs) or `perplexed demo`, then
            `perplexed help <subcommand>`.
            """,
        version: version,
        subcommands: [
            DemoCommand.self, PplxCommand.self, CriticalCommand.self, RegionsCommand.self, FitGammaCommand.self,
            TemperatureCommand.self, SamplingCommand.self, LemmaCommand.self, TwoParameterCommand.self,
            VerifyCommand.self, TrainCommand.self, EvalCommand.self, WitnessCommand.self, CopySweepCommand.self,
            ParityStudyCommand.self, ReproduceCommand.self, ModelCommand.self, NextTokenCommand.self,
        ]
    )
}
