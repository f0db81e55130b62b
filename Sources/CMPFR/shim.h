// GMP, MPFR and MPFI as one Clang module. Function-like macros are disabled so that
// every entry point is a real C function that Swift can import.
#ifndef PERPLEXED_CMPFR_SHIM_H
#define PERPLEXED_CMPFR_SHIM_H
#define MPFR_USE_NO_MACRO 1
#include <stdio.h>
#include <gmp.h>
#include <mpfr.h>
#include <mpfi.h>
#include <mpfi_io.h>

/* An MPFI interval's endpoints read in place (MPFI's own accessors copy them into new MPFR
 * numbers, which in Swift means an allocation per comparison). */
static inline mpfr_srcptr perplexed_mpfi_left(mpfi_srcptr x) { return &x->left; }
static inline mpfr_srcptr perplexed_mpfi_right(mpfi_srcptr x) { return &x->right; }

/* `x` set to NaN at `precision` bits over caller-owned limbs, exactly as MPFR_DECL_INIT
 * initialises a number: no library call (mpfr_custom_init_set is one per number allocated). */
static inline void perplexed_mpfr_init_on(mpfr_ptr x, mpfr_prec_t precision, mp_limb_t *limbs) {
    x->_mpfr_prec = precision;
    x->_mpfr_sign = 1;
    x->_mpfr_exp = __MPFR_EXP_NAN;
    x->_mpfr_d = limbs;
}

/* Both ends of `x` so initialised, the lower on `limbs`, the upper on `limbs + per_end`. */
static inline void perplexed_mpfi_init_on(mpfi_ptr x, mpfr_prec_t precision, mp_limb_t *limbs, mp_size_t per_end) {
    perplexed_mpfr_init_on(&x->left, precision, limbs);
    perplexed_mpfr_init_on(&x->right, precision, limbs + per_end);
}

/* [a, b] for rationals a <= b, as mpfi_interv_q gives it, faster when both have numerators and
 * denominators of one machine word (the prover's box ends: 1/100 bisected): the numerator is
 * exact in an end of 64 bits or more, and one correctly rounded division by the denominator
 * gives the same end as mpfr_set_q (also correctly rounded) without its temporaries. Zero ends
 * (MPFI's signed zeros), reversed ends and large rationals take mpfi_interv_q itself. */
static inline int perplexed_mpfi_word_q(mpq_srcptr q) {
    return mpz_sgn(mpq_numref(q)) != 0 && mpz_fits_slong_p(mpq_numref(q)) && mpz_fits_ulong_p(mpq_denref(q));
}

/* The fast path's ends (the caller has checked perplexed_mpfi_word_q for both and a <= b). */
static inline int perplexed_mpfi_word_ends(mpfi_ptr x, mpq_srcptr a, mpq_srcptr b) {
    mpfr_set_si(&x->left, mpz_get_si(mpq_numref(a)), MPFR_RNDD);
    int left = mpfr_div_ui(&x->left, &x->left, mpz_get_ui(mpq_denref(a)), MPFR_RNDD);
    mpfr_set_si(&x->right, mpz_get_si(mpq_numref(b)), MPFR_RNDU);
    int right = mpfr_div_ui(&x->right, &x->right, mpz_get_ui(mpq_denref(b)), MPFR_RNDU);
    return (left ? 1 : 0) | (right ? 2 : 0);
}

static inline int perplexed_mpfi_interv_q(mpfi_ptr x, mpq_srcptr a, mpq_srcptr b) {
    if (mpfr_get_prec(&x->left) < 64 || !perplexed_mpfi_word_q(a) || !perplexed_mpfi_word_q(b) || mpq_cmp(a, b) > 0)
        return mpfi_interv_q(x, a, b);
    return perplexed_mpfi_word_ends(x, a, b);
}

/* The enclosure of q, as mpfi_set_q gives it (same fast path). */
static inline int perplexed_mpfi_set_q(mpfi_ptr x, mpq_srcptr q) {
    if (mpfr_get_prec(&x->left) < 64 || !perplexed_mpfi_word_q(q)) return mpfi_set_q(x, q);
    return perplexed_mpfi_word_ends(x, q, q);
}
#endif
