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
#endif
