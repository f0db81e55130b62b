#!/usr/bin/env python3
"""Writes the fuzzers' seed corpora into Fuzz/Corpus/<harness>/ (run: python3 Fuzz/make_seeds.py).

Each seed is a small valid input (a few kB at most), written from the formats' specifications
rather than with Perplexed's own writers, so that a bug shared by writer and reader cannot hide:
- gguf: GGUF v3/v2 files (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md) with every
  metadata value type and one tiny tensor of each type Dequantize.swift decodes; one Gemma 3
  shaped file with a tokenizer vocabulary;
- safetensors: Perplexed Transformer checkpoints (8-byte header length, JSON header with
  __metadata__, F32 data), with and without optimizer state;
- tokenizer: texts; decimal: number strings.
Deterministic: the same script always writes the same bytes (seeded random block contents).
"""
import json
import os
import random
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "Corpus")
rng = random.Random(12)

# --- GGUF -----------------------------------------------------------------------------------
U8, I8, U16, I16, U32, I32, F32, BOOL, STR, ARR, U64, I64, F64 = range(13)
SCALAR = {U8: "<B", I8: "<b", U16: "<H", I16: "<h", U32: "<I", I32: "<i", F32: "<f",
          BOOL: "<B", U64: "<Q", I64: "<q", F64: "<d"}
# ggml type: (raw value, weights per block, bytes per block)
GGML = {"F32": (0, 1, 4), "F16": (1, 1, 2), "Q4_0": (2, 32, 18), "Q5_0": (6, 32, 22),
        "Q8_0": (8, 32, 34), "Q4_K": (12, 256, 144), "Q5_K": (13, 256, 176),
        "Q6_K": (14, 256, 210), "Q8_K": (15, 256, 292), "BF16": (30, 1, 2), "Q4_1": (3, 32, 20)}


def gstr(s):
    b = s.encode("utf-8")
    return struct.pack("<Q", len(b)) + b


def gvalue(t, v):
    if t == STR:
        return gstr(v)
    if t == ARR:
        elem, items = v
        return struct.pack("<IQ", elem, len(items)) + b"".join(gvalue(elem, x) for x in items)
    return struct.pack(SCALAR[t], v)


def half_bits(x):
    return struct.unpack("<H", struct.pack("<e", x))[0]


def block_bytes(kind, count):
    """`count` weights of ggml type `kind`: random quants with small, finite scales."""
    raw, per_block, size = GGML[kind]
    if kind == "F32":
        return b"".join(struct.pack("<f", rng.uniform(-2, 2)) for _ in range(count))
    if kind == "F16":
        return b"".join(struct.pack("<e", rng.uniform(-2, 2)) for _ in range(count))
    if kind == "BF16":
        return b"".join(struct.pack("<I", struct.unpack("<I", struct.pack("<f", rng.uniform(-2, 2)))[0])[2:]
                        for _ in range(count))
    out = b""
    for _ in range(count // per_block):
        body = bytes(rng.randrange(256) for _ in range(size))
        scale = struct.pack("<H", half_bits(rng.uniform(0.001, 0.1)))
        if kind == "Q6_K":  # d is the last field
            out += body[:208] + scale
        elif kind == "Q8_K":  # f32 d first
            out += struct.pack("<f", rng.uniform(0.001, 0.1)) + body[4:]
        elif kind in ("Q4_K", "Q5_K"):  # d, dmin
            out += scale + struct.pack("<H", half_bits(rng.uniform(0.001, 0.1))) + body[4:]
        else:
            out += scale + body[2:]
    return out


def gguf(metadata, tensors, version=3, alignment=32):
    """metadata: [(key, type, value)]; tensors: [(name, dims innermost first, kind)]."""
    head = b"GGUF" + struct.pack("<IQQ", version, len(tensors), len(metadata))
    for key, t, v in metadata:
        head += gstr(key) + struct.pack("<I", t) + gvalue(t, v)
    data, infos = b"", b""
    for name, dims, kind in tensors:
        count = 1
        for d in dims:
            count *= d
        data += b"\0" * (-len(data) % alignment)
        infos += gstr(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        infos += struct.pack("<IQ", GGML[kind][0], len(data))
        data += block_bytes(kind, count)
    head += infos
    head += b"\0" * (-len(head) % alignment)
    return head + data


def gguf_seeds():
    every_type = [
        ("general.architecture", STR, "fuzz"), ("u8", U8, 200), ("i8", I8, -5), ("u16", U16, 60000),
        ("i16", I16, -300), ("u32", U32, 4_000_000_000), ("i32", I32, -7), ("f32", F32, 0.5),
        ("bool", BOOL, 1), ("u64", U64, 2**63 + 5), ("i64", I64, -2**40), ("f64", F64, -1e-300),
        ("empty", STR, ""), ("unicode", STR, "Å Å 😀"),
        ("ints", ARR, (I32, [1, -2, 3])), ("strings", ARR, (STR, ["a", "", "bc"])),
        ("nested", ARR, (ARR, [(U8, [1, 2]), (U8, [])])),
    ]
    yield "metadata-every-type", gguf(every_type, [])
    yield "plain-types", gguf([("general.alignment", U32, 32)], [
        ("f32", [4, 2], "F32"), ("f16", [8, 2], "F16"), ("bf16", [8], "BF16"),
        ("q8_0", [32, 2], "Q8_0"), ("q4_0", [32], "Q4_0"), ("q5_0", [32], "Q5_0")])
    yield "k-quants-4-6", gguf([], [("q4_k", [256, 2], "Q4_K"), ("q6_k", [256, 2], "Q6_K")])
    yield "k-quants-5-8", gguf([], [("q5_k", [256], "Q5_K"), ("q8_k", [256], "Q8_K")])
    yield "unsupported-type", gguf([], [("q4_1", [32], "Q4_1"), ("f32", [3], "F32")])
    yield "version2-alignment8", gguf([("general.alignment", U32, 8)], [
        ("a", [2, 3, 1, 2], "F32"), ("b", [16], "F16")], version=2, alignment=8)
    # Gemma 3 shaped: the configuration and the tokenizer metadata Gemma reads, tiny tensors.
    pieces = ["<pad>", "<eos>", "<bos>", "<unk>", "<start_of_turn>", "\n"]
    kinds = [3, 3, 3, 2, 3, 4]
    pieces += ["<0x%02X>" % b for b in range(256)]
    kinds += [6] * 256
    pieces += ["\u2581", "a", "b", "ab", "\u2581a"]
    kinds += [1] * 5
    config = [
        ("general.architecture", STR, "gemma3"), ("gemma3.embedding_length", U32, 4),
        ("gemma3.block_count", U32, 1), ("gemma3.feed_forward_length", U32, 8),
        ("gemma3.attention.head_count", U32, 1), ("gemma3.attention.head_count_kv", U32, 1),
        ("gemma3.attention.key_length", U32, 4), ("gemma3.attention.value_length", U32, 4),
        ("gemma3.context_length", U32, 32), ("gemma3.attention.sliding_window", U32, 8),
        ("gemma3.attention.layer_norm_rms_epsilon", F32, 1e-6), ("gemma3.rope.freq_base", F32, 1e6),
        ("tokenizer.ggml.model", STR, "llama"), ("tokenizer.ggml.tokens", ARR, (STR, pieces)),
        ("tokenizer.ggml.token_type", ARR, (I32, kinds)), ("tokenizer.ggml.bos_token_id", U32, 2),
        ("tokenizer.ggml.eos_token_id", U32, 1), ("tokenizer.ggml.add_bos_token", BOOL, 1),
    ]
    yield "gemma3-tiny", gguf(config, [
        ("token_embd.weight", [4, len(pieces)], "F16"), ("blk.0.attn_q.weight", [4, 4], "F16"),
        ("blk.0.ffn_up.weight", [4, 8], "F32"), ("output_norm.weight", [4], "F32")])


# --- safetensors ----------------------------------------------------------------------------
def layout(c):
    """The tensor names and shapes of Sources/Transformer/Parameters.swift's ParameterLayout."""
    d, bias = c["dModel"], c["norm"] == "layer"
    out = [("tok_emb.weight", [c["vocabSize"], d])]
    if c["position"] == "learned":
        out.append(("pos_emb.weight", [c["maxPositions"], d]))
    for i in range(c["layers"]):
        p = f"blocks.{i}."
        out.append((p + "norm1.weight", [d]))
        if bias:
            out.append((p + "norm1.bias", [d]))
        out += [(p + "attn.qkv.weight", [3 * d, d]), (p + "attn.proj.weight", [d, d]), (p + "norm2.weight", [d])]
        if bias:
            out.append((p + "norm2.bias", [d]))
        out += [(p + "mlp.fc.weight", [c["mlpHidden"], d]), (p + "mlp.proj.weight", [d, c["mlpHidden"]])]
    out.append(("norm_f.weight", [d]))
    if bias:
        out.append(("norm_f.bias", [d]))
    if not c["tiedHead"]:
        out.append(("head.weight", [c["vocabSize"], d]))
    return out


def safetensors(config, training):
    tensors = layout(config)
    if training:
        tensors += [("optimizer.m." + n, s) for n, s in layout(config)]
        tensors += [("optimizer.v." + n, s) for n, s in layout(config)]
    metadata = {"format": "perplexed-transformer", "format_version": "1", "config": json.dumps(config)}
    if training:
        metadata.update(run=json.dumps({"model": config, "task": {"kind": "copy"}}), task="copy",
                        step="3", seed="1", data_rng="1,2,3,4")
    header, data = {"__metadata__": metadata}, b""
    for name, shape in tensors:
        n = 1
        for s in shape:
            n *= s
        values = b"".join(struct.pack("<f", rng.uniform(0 if name.startswith("optimizer.v.") else -1, 1))
                          for _ in range(n))
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [len(data), len(data) + len(values)]}
        data += values
    text = json.dumps(header).encode()
    text += b" " * (-(8 + len(text)) % 8)
    return struct.pack("<Q", len(text)) + text + data


def safetensors_seeds():
    base = dict(vocabSize=3, dModel=2, heads=1, layers=1, mlpHidden=2, position="rope", norm="layer",
                tiedHead=False, maxPositions=4, ropeBase=10000.0)
    yield "model-rope-layernorm", safetensors(base, False)
    yield "model-learned-rms-tied", safetensors(dict(base, position="learned", norm="rms", tiedHead=True), False)
    yield "model-alibi-no-layers", safetensors(dict(base, position="alibi", layers=0), False)
    yield "training-rope", safetensors(base, True)
    # Once an allocation bomb (Tests/TransformerTests/CheckpointFuzzRegressionTests.swift): a
    # valid, huge configuration and no tensors.
    huge = json.dumps(dict(vocabSize=1000000, dModel=8192, heads=1, layers=256, mlpHidden=65536))
    header = json.dumps({"__metadata__": {"format": "perplexed-transformer", "format_version": "1", "config": huge}})
    yield "header-only-huge-config", struct.pack("<Q", len(header)) + header.encode()


# --- text -----------------------------------------------------------------------------------
TOKENIZER = {
    "empty": "", "plain": "the abc", "spaces": "  the  \t\tthe ", "turns": "<start_of_turn>user\nab<end_of_turn>\n\n",
    "unicode": "é éé 😀 Å Å ▁the", "bytes": "\u0140\u0000\u007f", "specials-only": "<bos><eos><pad><unk>",
}
TOKENIZER_BYTES = {"invalid-utf8": b"ab\xff\xfe\xc3(\xe2\x96the\xf0\x9f\x98", "lone-surrogate": b"\xed\xa0\x80a"}
DECIMAL = {
    "integer": "7", "negative": "-12.5e-3", "fraction": "3/7", "signed-fraction": "-1/-3", "grouped": "1_000.000_1",
    "tiny": "1e-100000", "huge": "9.99e+100000", "zero": "-0.000e5", "spaces": "  +0.125\t", "point": ".5/2.",
    "long": "0." + "0123456789" * 20,
}


def write(harness, name, data):
    folder = os.path.join(CORPUS, harness)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


def main():
    shutil.rmtree(CORPUS, ignore_errors=True)
    for name, data in gguf_seeds():
        write("gguf", name, data)
    for name, data in safetensors_seeds():
        write("safetensors", name, data)
    for name, text in TOKENIZER.items():
        write("tokenizer", name, text.encode())
    for name, data in TOKENIZER_BYTES.items():
        write("tokenizer", name, data)
    for name, text in DECIMAL.items():
        write("decimal", name, text.encode())
    total = sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(CORPUS) for f in fs)
    biggest = max(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(CORPUS) for f in fs)
    print(f"wrote {sum(len(fs) for _, _, fs in os.walk(CORPUS))} seeds, {total} bytes, largest {biggest} bytes, into {CORPUS}")


if __name__ == "__main__":
    main()
