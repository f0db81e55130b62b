import Foundation
import Testing
import Transformer
import Witnesses
@testable import Experiments

@Suite struct WorkEstimateTests {
    @Test("durations and sizes read as a person reads them") func rendering() {
        #expect(WorkEstimate.duration(0.2) == "1 s" && WorkEstimate.duration(59.4) == "59 s")
        #expect(WorkEstimate.duration(200) == "3 min 20 s" && WorkEstimate.duration(16_560) == "4 h 36 min")
        #expect(WorkEstimate.duration(10 * 86_400) == "10 days" && WorkEstimate.duration(.infinity) == "forever")
        #expect(WorkEstimate.size(650e6) == "650 MB" && WorkEstimate.size(1.23e9) == "1.2 GB" && WorkEstimate.size(512) == "512 B")
        #expect(WorkEstimate.size(5.7e20) == "570 EB")
        #expect(WorkEstimate(seconds: 29, bytes: 1e9).isLarge == false && WorkEstimate(seconds: 30, bytes: 0).isLarge)
        #expect(WorkEstimate(seconds: 0, bytes: 1_073_741_824).isLarge)
    }

    @Test("memory: a run above 80% of what is available is refused, saying both sizes") func memory() throws {
        try WorkEstimate(seconds: 1, bytes: 8e9).checkMemory(available: 10e9)
        #expect(throws: WorkTooLarge(needed: 8.5e9, available: 10e9)) { try WorkEstimate(seconds: 1, bytes: 8.5e9).checkMemory(available: 10e9) }
        #expect(WorkTooLarge(needed: 8.5e9, available: 10e9).description == "needs about 8.5 GB of memory, more than 80% of this machine's 10 GB")
    }

    @Test("a copy's time is the sum of its steps, each a + b·t, plus its prompt and certification")
    func copySecondsIsTheSum() {
        let rate = DecodingRate(stepSeconds: 3e-5, stepSecondsPerPosition: 7e-7, promptSecondsPerToken: 1e-5, certifySeconds: 2e-3)
        for (prompt, copied) in [(1, 1), (9, 8), (513, 512), (2001, 1000)] {
            // Position by position, as decoding runs.
            var direct = 0.0
            for t in 0..<prompt { direct += rate.promptSecondsPerToken + rate.stepSecondsPerPosition * Double(t) }
            for t in prompt..<(prompt + copied) { direct += rate.stepSeconds + rate.stepSecondsPerPosition * Double(t) + rate.certifySeconds }
            // The closed form integrates the growth (t instead of the sum's t − 1/2 on average).
            let slack = rate.stepSecondsPerPosition * Double(prompt + copied)
            #expect(abs(rate.copySeconds(prompt: prompt, copied: copied, certified: true) - direct) <= slack, "\(prompt), \(copied)")
        }
    }

    @Test("the probe measures the copy model: finite, non-negative rates; a scan keeps every witness")
    func probe() throws {
        var model = CopyModel.transformer(TransformerLanguageModel(tinyCopyModel))
        let prompting = BitCopyPrompting(separator: Token.separator)
        let rate = try DecodingRate.measure(&model, prompting: prompting)
        for value in [rate.stepSeconds, rate.stepSecondsPerPosition, rate.promptSecondsPerToken, rate.certifySeconds] {
            #expect(value.isFinite && value >= 0, "\(rate)")
        }
        #expect(rate.stepSeconds > 0)
        // Cache: 1 layer × keys and values × 16 floats of 4 bytes.
        #expect(model.cacheBytesPerToken == 128)
        let one = try model.witnessEstimate(length: 100, prompting: prompting, rate: rate)
        let scan = try model.witnessEstimate(length: 100, witnesses: 100, retained: 100, prompting: prompting, rate: rate)
        // Kept per witness: 2 copies × 100 rows × (3 logits × 4 bytes + 1 kB); cache: 201 tokens × 128 bytes.
        let kept: Double = 2 * 100 * (12 + 1024), cache: Double = 201 * 128
        #expect(one.bytes == kept + cache)
        #expect(scan.bytes == 100 * kept + cache)
        #expect(abs(scan.seconds - 100 * one.seconds) <= 1e-9 * scan.seconds)
        // A scan that keeps only reports: one witness's logits at a time, not a hundred.
        let streamed = try model.witnessEstimate(length: 100, witnesses: 100, retained: 100, retainsLogits: false, prompting: prompting, rate: rate)
        let reports: Double = 100 * 2 * 100 * 1024, logits: Double = 2 * 100 * 12
        #expect(streamed.bytes == reports + logits + cache)
    }

    @Test("a big evaluation is announced before it runs, and one that cannot fit is refused")
    func evaluationEstimate() throws {
        var stages: [String] = []
        try CheckpointEvaluation.announceEstimate(model: tinyCopyModel, task: TaskSpec(kind: .copy),
                                                  groups: [(length: 20_000, count: 1000)]) { stages.append($0.message) }
        #expect(stages.count == 1 && stages[0].hasPrefix("estimated about ") && stages[0].contains("40001000 positions"), "\(stages)")
        #expect(throws: WorkTooLarge.self) {
            try CheckpointEvaluation.announceEstimate(model: tinyCopyModel, task: TaskSpec(kind: .copy),
                                                      groups: [(length: 100_000, count: 1_000_000)]) { _ in }
        }
        // Small evaluations are not measured at all.
        try CheckpointEvaluation.announceEstimate(model: tinyCopyModel, task: TaskSpec(kind: .copy),
                                                  groups: [(length: 16, count: 1000)]) { stages.append($0.message) }
        #expect(stages.count == 1)
    }
}
