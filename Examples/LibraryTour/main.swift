// What `perplexed reproduce` does, from Swift, in four steps (run: swift run library-tour).
import Experiments
import MultiPrecision
import PerplexityTheory
import Prover
import Transformer
import Witnesses

// 1. Eq. 11 on the left panel of Fig. 3 (a = 1/2), certified: the accuracy a′ a model shifted
//    halfway to γ must reach to win on perplexity, as an outward-rounded enclosure.
let grid = FigureThree.grid(.left, shifts: [BigRational(1) / BigRational(2)])
let table = try certifiedRegionsTable(grid, precision: 128)
for (g, gamma) in grid.gammas.enumerated() {
    let i = table.index(gamma: g, accuracy: 0, shift: 0)
    print("γ = \(gamma): a′ ∈ \(try table.critical[i].decimal(digits: 6)), a′ − a ∈ \(try table.gap(at: i).decimal(digits: 6))")
}

// 2. A claim of the catalogue proved by interval subdivision on its box.
if let claim = Catalogue.claim("half-accuracy-raises-bar") {
    let verdict = await Prover(budget: ProverBudget(seconds: 30)).check(claim)
    print("\(claim.id): \(verdict.name) on \(claim.box) (expected \(claim.expected.rawValue))")
}

// 3. A tiny copy Transformer, trained for a few seconds on bitstrings of length 1…4.
var run = RunConfig.defaults(for: .copy)
run.model = TransformerConfig(dModel: 32, heads: 2, layers: 2, mlpHidden: 64, maxPositions: 16)
run.task = TaskSpec(kind: .copy, minLength: 1, maxLength: 4)
run.training.steps = 400
var trainer = try Trainer(run: run, seed: 1)
let losses = (0..<run.training.steps).map { _ in trainer.trainStep().loss }
print("trained \(losses.count) steps: loss \(losses[0]) → \(losses[losses.count - 1])")

// 4. An α_N/β_N witness on it: copy α = 0000, then β with its last bit flipped, and enclose
//    both log-perplexities, their gap and the L∞ distance η between the two runs.
var model = TransformerLanguageModel(trainer.model)
let witness = try copyWitness(model: &model, prompting: BitCopyPrompting(), alpha: [0, 0, 0, 0])
let certified = witness.certified
print("α copied: \(witness.alpha.isCorrect); β copied as α: \(witness.betaCopiedAsAlpha)")
print("|log pplx(α) − log pplx(β)| ∈ \(try certified.gap.decimal(digits: 6)), η ∈ \(try certified.eta.decimal(digits: 6))")
