/// One named tensor inside the flat parameter buffer.
public struct ParameterTensor: Sendable, Equatable {
    /// The name used in checkpoints, e.g. `blocks.0.attn.qkv.weight`.
    public let name: String
    /// Row-major shape; linear weights are `[out, in]` as in PyTorch.
    public let shape: [Int]
    /// Offset of the first element in the flat buffer.
    public let offset: Int
    /// Whether AdamW's weight decay applies (matrices yes; gains, biases and tables no).
    public let decays: Bool
    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// Where every parameter of a configuration lives in one flat buffer.
///
/// Keeping all parameters (and their gradients and Adam moments) in single flat buffers, as
/// llm.c does, makes clipping, the optimizer step and checkpointing single loops.
///
/// Tensor names (also the safetensors names):
/// - `tok_emb.weight` [vocab, d]; `pos_emb.weight` [maxPositions, d] (learned positions only)
/// - `blocks.{i}.norm1.weight` [d] (and `.bias` [d] for LayerNorm)
/// - `blocks.{i}.attn.qkv.weight` [3d, d]: rows 0..<d are queries, then keys, then values;
///   head h uses rows h·headDim..<(h+1)·headDim of each
/// - `blocks.{i}.attn.proj.weight` [d, d]
/// - `blocks.{i}.norm2.weight` [d] (and `.bias`)
/// - `blocks.{i}.mlp.fc.weight` [mlpHidden, d]; `blocks.{i}.mlp.proj.weight` [d, mlpHidden]
/// - `norm_f.weight` [d] (and `.bias`); `head.weight` [vocab, d] unless the head is tied
public struct ParameterLayout: Sendable, Equatable {
    public let tensors: [ParameterTensor]
    /// Total number of scalars.
    public let count: Int

    struct Block: Sendable, Equatable {
        var norm1W = 0, norm1B = 0, qkv = 0, proj = 0, norm2W = 0, norm2B = 0, fc = 0, fcProj = 0
    }
    let tokEmb: Int
    let posEmb: Int
    let blocks: [Block]
    let normFW: Int
    let normFB: Int
    /// Offset of the output matrix: `tokEmb` when tied.
    let head: Int

    public init(_ c: TransformerConfig) {
        var tensors: [ParameterTensor] = []
        var offset = 0
        func add(_ name: String, _ shape: [Int], decays: Bool = false) -> Int {
            let t = ParameterTensor(name: name, shape: shape, offset: offset, decays: decays)
            tensors.append(t)
            offset += t.count
            return t.offset
        }
        let d = c.dModel
        let hasBias = c.norm == .layer
        tokEmb = add("tok_emb.weight", [c.vocabSize, d])
        posEmb = c.position == .learned ? add("pos_emb.weight", [c.maxPositions, d]) : -1
        var blocks: [Block] = []
        for i in 0..<c.layers {
            var b = Block()
            b.norm1W = add("blocks.\(i).norm1.weight", [d])
            b.norm1B = hasBias ? add("blocks.\(i).norm1.bias", [d]) : -1
            b.qkv = add("blocks.\(i).attn.qkv.weight", [3 * d, d], decays: true)
            b.proj = add("blocks.\(i).attn.proj.weight", [d, d], decays: true)
            b.norm2W = add("blocks.\(i).norm2.weight", [d])
            b.norm2B = hasBias ? add("blocks.\(i).norm2.bias", [d]) : -1
            b.fc = add("blocks.\(i).mlp.fc.weight", [c.mlpHidden, d], decays: true)
            b.fcProj = add("blocks.\(i).mlp.proj.weight", [d, c.mlpHidden], decays: true)
            blocks.append(b)
        }
        self.blocks = blocks
        normFW = add("norm_f.weight", [d])
        normFB = hasBias ? add("norm_f.bias", [d]) : -1
        head = c.tiedHead ? tokEmb : add("head.weight", [c.vocabSize, d], decays: true)
        self.tensors = tensors
        self.count = offset
    }

    /// The tensor called `name`, if the configuration has one.
    public func tensor(named name: String) -> ParameterTensor? { tensors.first { $0.name == name } }
}
