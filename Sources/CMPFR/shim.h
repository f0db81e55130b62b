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
#endif
