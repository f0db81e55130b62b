import Foundation
import Testing

@testable import Transformer

/// Inputs found by `make fuzz` (Fuzz/Sources/FuzzSafetensors) that once crashed the reader,
/// written out byte for byte so they replay without the fuzzer.
@Suite("Checkpoint inputs found by fuzzing")
struct CheckpointFuzzRegressionTests {
    /// A safetensors file of `header` (JSON text) and no data: the 8-byte length, then the text.
    func headerOnly(_ header: String) -> Data {
        let json = Data(header.utf8)
        var out = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json
    }

    /// A valid configuration of about 3.4 × 10^11 parameters and no tensors at all: the bytes tile
    /// the (empty) data, so the reader used to allocate the whole parameter vector (1.4 TB)
    /// before noticing that no tensor was there, and the allocation aborted the process.
    @Test("a header-only checkpoint with a huge configuration is an error, not an allocation")
    func hugeConfigurationWithoutTensors() {
        let config = #"{\"vocabSize\": 1000000, \"dModel\": 8192, \"heads\": 1, \"layers\": 256, \"mlpHidden\": 65536}"#
        let header = #"{"__metadata__": {"format": "perplexed-transformer", "format_version": "1", "config": ""# + config + #""}}"#
        let data = headerOnly(header)
        #expect(data.count == 193)
        expectCheckpointError(data, containing: "missing tensor tok_emb.weight")
    }

    /// The same with the tiny default-sized model: still the first missing tensor is named.
    @Test("a checkpoint without tensors names the first missing one")
    func noTensors() {
        let header = #"{"__metadata__": {"format": "perplexed-transformer", "format_version": "1", "config": "{\"layers\": 0}"}}"#
        expectCheckpointError(headerOnly(header), containing: "missing tensor tok_emb.weight")
    }
}
