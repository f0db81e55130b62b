/*
 * The block decoders and the row loops, written once over a vector of LANES floats and included
 * by AVX2.c (8 lanes) and AVX512.c (16 lanes), each of which first defines the vector type and
 * its operations (see either file) and VARIANT, the suffix of the two functions it exports.
 *
 * Each decoder computes every weight with exactly the float operations of GGUF's `Dequantize`:
 * the same operands in the same order, integers converted to float exactly, one rounding per
 * multiply or subtract (contraction is off, so no multiply-subtract is fused). The weights are
 * therefore `Dequantize`'s bit for bit; only the dot product's sums are fused and reordered.
 * Where a vector holds 16 lanes (PQK_TABLES), the 4- and 5-bit decoders first compute, with
 * those same operations, the 16 or 32 weights a (sub-)block can hold and then look each weight
 * up by its nibble: the same values for fewer instructions.
 * Deliberately no include guard: each variant file includes this once.
 */
#pragma STDC FP_CONTRACT OFF

#define PQK_CONCAT2(a, b) a##_##b
#define PQK_CONCAT(a, b) PQK_CONCAT2(a, b)
#define PQK_EXPORT(name) PQK_CONCAT(name, VARIANT)
#define PQK_INLINE static inline __attribute__((always_inline))

/* The f16 at p, as `Dequantize.half` gives it: F16C converts every finite half exactly
 * (subnormals and signed zeros included); infinities and NaNs are built as `Dequantize` builds
 * them, keeping the payload. */
PQK_INLINE float half_at(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    if ((h & 0x7c00) == 0x7c00) {
        uint32_t bits = ((uint32_t)(h & 0x8000) << 16) | 0x7f800000u | ((uint32_t)(h & 0x3ff) << 13);
        float f;
        memcpy(&f, &bits, 4);
        return f;
    }
    return _cvtsh_ss(h);
}

/* Where decoded weights go: multiplied by x and accumulated (dot products) or stored (decoding).
 * `store` and `slot` are constants at every call once inlined, so each use compiles to one
 * instruction and the four accumulators stay in registers; four of them hide the latency of the
 * fused multiply-adds. */
struct sink {
    vf acc[4];
    const float *x;
    float *out;
};

PQK_INLINE void take(struct sink *s, int store, int slot, size_t offset, vf w) {
    if (store) {
        storef(s->out + offset, w);
    } else {
        s->acc[slot & 3] = fmaddf(w, loadf(s->x + offset), s->acc[slot & 3]);
    }
}

/* Q4_0, 32 weights in 18 bytes: d (f16), then 16 bytes whose low nibbles are weights 0–15 and
 * high nibbles 16–31; x = d × (nibble − 8). */
PQK_INLINE void q4_0(const uint8_t *p, size_t base, struct sink *s, int store, int slot) {
    vf d = setf(half_at(p));
#ifdef PQK_TABLES
    vf t = mulf(d, iota(-8)); /* d × (k − 8) for k = 0…15 */
    for (int j = 0; j < 16; j += LANES) {
        vi q = u8x(p + 2 + j);
        take(s, store, slot + j / LANES, base + j, lookup16(q, t));
        take(s, store, slot + 1 + j / LANES, base + 16 + j, lookup16(srl(q, 4), t));
    }
#else
    for (int j = 0; j < 16; j += LANES) {
        vi q = u8x(p + 2 + j);
        take(s, store, slot + j / LANES, base + j, mulf(d, tof(subc(andc(q, 0xf), 8))));
        take(s, store, slot + 1 + j / LANES, base + 16 + j, mulf(d, tof(subc(srl(q, 4), 8))));
    }
#endif
}

/* Q5_0, 32 weights in 22 bytes: d, a 32-bit word whose bit j is weight j's fifth bit, then
 * nibbles as Q4_0; x = d × (q5 − 16). */
PQK_INLINE void q5_0(const uint8_t *p, size_t base, struct sink *s, int store, int slot) {
    vf d = setf(half_at(p));
    uint32_t qh;
    memcpy(&qh, p + 2, 4);
#ifdef PQK_TABLES
    /* The 32 weights a block can hold, d × (k − 16) for k = 0…31, each computed as below. */
    vf t0 = mulf(d, iota(-16)), t1 = mulf(d, iota(0));
    for (int j = 0; j < 16; j += LANES) {
        vi q = u8x(p + 6 + j);
        vi low = with_bit4(andc(q, 0xf), qh, j), high = with_bit4(srl(q, 4), qh, 16 + j);
        take(s, store, slot + j / LANES, base + j, lookup32(low, t0, t1));
        take(s, store, slot + 1 + j / LANES, base + 16 + j, lookup32(high, t0, t1));
    }
#else
    for (int j = 0; j < 16; j += LANES) {
        vi q = u8x(p + 6 + j);
        vi low = with_bit4(andc(q, 0xf), qh, j), high = with_bit4(srl(q, 4), qh, 16 + j);
        take(s, store, slot + j / LANES, base + j, mulf(d, tof(subc(low, 16))));
        take(s, store, slot + 1 + j / LANES, base + 16 + j, mulf(d, tof(subc(high, 16))));
    }
#endif
}

/* Q8_0, 32 weights in 34 bytes: d, then 32 int8; x = d × int8. */
PQK_INLINE void q8_0(const uint8_t *p, size_t base, struct sink *s, int store, int slot) {
    vf d = setf(half_at(p));
    for (int j = 0; j < 32; j += LANES) {
        take(s, store, slot + j / LANES, base + j, mulf(d, tof(i8x(p + 2 + j))));
    }
}

/* The 6-bit scale and min of sub-block j of a Q4_K block, as `Dequantize.scaleMin` unpacks them. */
PQK_INLINE void scale_min(const uint8_t *s, int j, float *scale, float *min) {
    if (j < 4) {
        *scale = (float)(s[j] & 63);
        *min = (float)(s[j + 4] & 63);
    } else {
        *scale = (float)((s[j + 4] & 0x0f) | ((s[j - 4] >> 6) << 4));
        *min = (float)((s[j + 4] >> 4) | ((s[j] >> 6) << 4));
    }
}

/* Q4_K, 256 weights in 144 bytes: d, dmin, 12 bytes of packed scales and mins, 128 bytes of
 * nibbles in four chunks of 32 (low nibbles sub-block 2c, high ones 2c + 1);
 * x = (d·scale)·nibble − dmin·min. */
PQK_INLINE void q4_K(const uint8_t *p, size_t base, struct sink *s, int store, int slot) {
    float d = half_at(p), dmin = half_at(p + 2);
    for (int c = 0; c < 4; c++) {
        float s0, m0, s1, m1;
        scale_min(p + 4, 2 * c, &s0, &m0);
        scale_min(p + 4, 2 * c + 1, &s1, &m1);
        vf d0 = setf(d * s0), o0 = setf(dmin * m0), d1 = setf(d * s1), o1 = setf(dmin * m1);
        const uint8_t *q = p + 16 + 32 * c;
#ifdef PQK_TABLES
        /* The 16 weights each sub-block can hold, (d·scale)·k − dmin·min for k = 0…15. */
        vf t0 = subf(mulf(d0, iota(0)), o0), t1 = subf(mulf(d1, iota(0)), o1);
        for (int j = 0; j < 32; j += LANES) {
            vi v = u8x(q + j);
            take(s, store, slot + j / LANES, base + 64 * c + j, lookup16(v, t0));
            take(s, store, slot + 1 + j / LANES, base + 64 * c + 32 + j, lookup16(srl(v, 4), t1));
        }
#else
        for (int j = 0; j < 32; j += LANES) {
            vi v = u8x(q + j);
            take(s, store, slot + j / LANES, base + 64 * c + j, subf(mulf(d0, tof(andc(v, 0xf))), o0));
            take(s, store, slot + 1 + j / LANES, base + 64 * c + 32 + j, subf(mulf(d1, tof(srl(v, 4))), o1));
        }
#endif
    }
}

/* Q6_K, 256 weights in 210 bytes: 128 bytes of low nibbles, 64 of high bit pairs, 16 int8
 * scales, d. In each half of 128 weights, weights l, l + 32, l + 64, l + 96 (l < 32) take their
 * nibble from byte l or l + 32 (low, then high nibbles) and their high bits from bit pairs 0–3
 * of byte l; the scale is per 16 weights. x = (d·scale)·(q6 − 32). */
PQK_INLINE void q6_K(const uint8_t *p, size_t base, struct sink *s, int store, int slot) {
    float d = half_at(p + 208);
    for (int h = 0; h < 2; h++) {
        const uint8_t *ql = p + 64 * h, *qh = p + 128 + 32 * h;
        const int8_t *sc = (const int8_t *)(p + 192 + 8 * h);
        size_t out = base + 128 * h;
        for (int l = 0; l < 32; l += LANES) {
            int g = l / 16; /* LANES divides 16, so the lanes share one scale */
            vi a = u8x(ql + l), b = u8x(ql + 32 + l), hi = u8x(qh + l);
            vi q1 = orv(andc(a, 0xf), andc(sll(hi, 4), 0x30));
            vi q2 = orv(andc(b, 0xf), andc(sll(hi, 2), 0x30));
            vi q3 = orv(srl(a, 4), andc(hi, 0x30));
            vi q4 = orv(srl(b, 4), andc(srl(hi, 2), 0x30));
            int k = slot + l / LANES;
            take(s, store, k, out + l, mulf(setf(d * (float)sc[g]), tof(subc(q1, 32))));
            take(s, store, k + 1, out + 32 + l, mulf(setf(d * (float)sc[g + 2]), tof(subc(q2, 32))));
            take(s, store, k + 2, out + 64 + l, mulf(setf(d * (float)sc[g + 4]), tof(subc(q3, 32))));
            take(s, store, k + 3, out + 96 + l, mulf(setf(d * (float)sc[g + 6]), tof(subc(q4, 32))));
        }
    }
}

PQK_INLINE void block(int type, const uint8_t *p, size_t base, struct sink *s, int store, int slot) {
    switch (type) {
    case PQK_Q4_0: q4_0(p, base, s, store, slot); break;
    case PQK_Q5_0: q5_0(p, base, s, store, slot); break;
    case PQK_Q8_0: q8_0(p, base, s, store, slot); break;
    case PQK_Q4_K: q4_K(p, base, s, store, slot); break;
    default: q6_K(p, base, s, store, slot); break;
    }
}

/* How far ahead (bytes) the row loop asks for the blocks it will read. The hardware prefetcher
 * alone left the 178 MB Q8_0 unembedding of Gemma 3 270M waiting on memory (about 6 GB/s on one
 * core of the Xeon it was tuned on); 4 KB ahead gave about 10 GB/s, 1 KB and 2 KB less, 8 KB no
 * more. */
#define PQK_PREFETCH 4096

/* Every block of the row at p, two at a time so that blocks of few vectors (Q8_0 on 16 lanes)
 * still spread over all four accumulators, asking for the bytes PQK_PREFETCH ahead of each pair
 * (rows lie one after another, so this runs on into the next row). */
PQK_INLINE void row(int type, const uint8_t *p, size_t blocks, struct sink *s, int store) {
    size_t size = pqk_type_size(type), width = pqk_block_size(type), b = 0;
    for (; b + 2 <= blocks; b += 2) {
        for (size_t line = 0; line < 2 * size; line += 64) {
            _mm_prefetch((const char *)p + b * size + line + PQK_PREFETCH, _MM_HINT_T0);
        }
        block(type, p + b * size, b * width, s, store, 0);
        block(type, p + (b + 1) * size, (b + 1) * width, s, store, 2);
    }
    if (b < blocks) block(type, p + b * size, b * width, s, store, 0);
}

PQK_INLINE void dot_rows(int type, const uint8_t *w, size_t row_bytes, size_t rows, size_t blocks,
                         const float *x, float *y) {
    for (size_t r = 0; r < rows; r++) {
        struct sink s = { { zerof(), zerof(), zerof(), zerof() }, x, 0 };
        row(type, w + r * row_bytes, blocks, &s, 0);
        y[r] = sumf(addf(addf(s.acc[0], s.acc[1]), addf(s.acc[2], s.acc[3])));
    }
}

PQK_INLINE void decode_rows(int type, const uint8_t *w, size_t row_bytes, size_t rows, size_t blocks, float *out) {
    size_t columns = blocks * pqk_block_size(type);
    for (size_t r = 0; r < rows; r++) {
        struct sink s = { { zerof(), zerof(), zerof(), zerof() }, 0, out + r * columns };
        row(type, w + r * row_bytes, blocks, &s, 1);
    }
}

/* One specialised loop per block type (the type a constant in each). */
void PQK_EXPORT(pqk_dot_rows)(int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                              const float *x, float *y) {
    const uint8_t *w = weights;
    switch (type) {
    case PQK_Q4_0: dot_rows(PQK_Q4_0, w, row_bytes, rows, blocks, x, y); break;
    case PQK_Q5_0: dot_rows(PQK_Q5_0, w, row_bytes, rows, blocks, x, y); break;
    case PQK_Q8_0: dot_rows(PQK_Q8_0, w, row_bytes, rows, blocks, x, y); break;
    case PQK_Q4_K: dot_rows(PQK_Q4_K, w, row_bytes, rows, blocks, x, y); break;
    default: dot_rows(PQK_Q6_K, w, row_bytes, rows, blocks, x, y); break;
    }
}

void PQK_EXPORT(pqk_decode_rows)(int type, const void *weights, size_t row_bytes, size_t rows, size_t blocks,
                                 float *out) {
    const uint8_t *w = weights;
    switch (type) {
    case PQK_Q4_0: decode_rows(PQK_Q4_0, w, row_bytes, rows, blocks, out); break;
    case PQK_Q5_0: decode_rows(PQK_Q5_0, w, row_bytes, rows, blocks, out); break;
    case PQK_Q8_0: decode_rows(PQK_Q8_0, w, row_bytes, rows, blocks, out); break;
    case PQK_Q4_K: decode_rows(PQK_Q4_K, w, row_bytes, rows, blocks, out); break;
    default: decode_rows(PQK_Q6_K, w, row_bytes, rows, blocks, out); break;
    }
}
