#!/usr/bin/env python3
"""Make Tests/GGUFTests/Fixtures/quants.gguf with Python's `gguf` package (the independent
reference for the Swift GGUF reader).

The file holds:
- one metadata value of every GGUF value type, plus a string array and a nested array;
- `general.alignment` = 64 (not the default 32), so the reader must honour it;
- for each supported tensor type T, a 2 x 256 tensor `T` whose blocks are random bytes
  (with the float16 scale fields replaced by finite values, so the expected values are
  finite), and an F32 tensor `T.expected` holding gguf.quants.dequantize of those bytes.
Random block bytes exercise every bit of each layout, unlike quantising smooth data.

Run: scripts/.venv/bin/python scripts/make_gguf_fixtures.py   (needs `pip install gguf numpy`)
"""
import pathlib

import numpy as np
import gguf
from gguf import GGMLQuantizationType as T, GGUFValueType as V
from gguf.quants import dequantize

OUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/GGUFTests/Fixtures/quants.gguf"
rng = np.random.default_rng(20260125)
ROWS, COLS = 2, 256

# Byte offsets of float16 scale fields inside each block layout (ggml's block_* structs).
F16_FIELDS = {
    T.Q4_0: [0], T.Q5_0: [0], T.Q8_0: [0],
    T.Q4_K: [0, 2], T.Q5_K: [0, 2], T.Q6_K: [208],
}


def random_blocks(qtype: T) -> np.ndarray:
    block, size = gguf.GGML_QUANT_SIZES[qtype]
    n_blocks = ROWS * COLS // block
    raw = rng.integers(0, 256, size=(n_blocks, size), dtype=np.uint8)
    for off in F16_FIELDS.get(qtype, []):
        scale = rng.uniform(-0.05, 0.05, size=n_blocks).astype(np.float16)
        raw[:, off:off + 2] = scale.view(np.uint8).reshape(n_blocks, 2)
    return raw.reshape(ROWS, COLS // block * size)


def main() -> None:
    w = gguf.GGUFWriter(str(OUT), arch="fixture")
    # general.architecture is written by the writer; add one key of every type.
    w.add_custom_alignment(64)  # sets the writer's padding and general.alignment
    w.add_uint8("test.u8", 200)
    w.add_int8("test.i8", -100)
    w.add_uint16("test.u16", 60000)
    w.add_int16("test.i16", -30000)
    w.add_uint32("test.u32", 4_000_000_000)
    w.add_int32("test.i32", -2_000_000_000)
    w.add_uint64("test.u64", 18_000_000_000_000_000_000)
    w.add_int64("test.i64", -9_000_000_000_000_000_000)
    w.add_float32("test.f32", 0.25)
    w.add_float64("test.f64", -1.5e300)
    w.add_bool("test.bool", True)
    w.add_string("test.string", "héllo ▁wörld")
    w.add_array("test.strings", ["a", "", "ü"])
    w.add_key_value("test.ints", [1, -2, 3], V.ARRAY, sub_type=V.INT32)
    w.add_key_value("test.nested", [[1, 2], [3]], V.ARRAY, sub_type=V.ARRAY)

    # F32, F16 and BF16 from random floats; quantised types from random block bytes.
    f32 = rng.standard_normal((ROWS, COLS)).astype(np.float32)
    w.add_tensor("F32", f32)
    w.add_tensor("F32.expected", f32)
    f16 = rng.standard_normal((ROWS, COLS)).astype(np.float16)
    w.add_tensor("F16", f16)
    w.add_tensor("F16.expected", f16.astype(np.float32))
    bf16 = rng.integers(0, 1 << 16, size=(ROWS, COLS), dtype=np.uint16)
    bf16[(bf16 & 0x7F80) == 0x7F80] &= 0xBFFF  # no inf/NaN
    bf16_bytes = bf16.view(np.uint8).reshape(ROWS, 2 * COLS)
    w.add_tensor("BF16", bf16_bytes, raw_dtype=T.BF16)
    w.add_tensor("BF16.expected", dequantize(bf16_bytes, T.BF16).astype(np.float32))
    for qtype in [T.Q4_0, T.Q5_0, T.Q8_0, T.Q4_K, T.Q5_K, T.Q6_K]:
        raw = random_blocks(qtype)
        w.add_tensor(qtype.name, raw, raw_dtype=qtype)
        w.add_tensor(qtype.name + ".expected", dequantize(raw, qtype).astype(np.float32))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
