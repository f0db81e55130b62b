/* MPFI intervals evaluated through Arb balls: the interval's endpoints go exactly into a ball,
 * Arb evaluates the function a few bits above the interval's precision, and the ball comes back
 * as endpoints rounded outward. Arb's exp and log cost about a tenth of MPFI's (two correctly
 * rounded MPFR calls), and the result is as wide as MPFI's to within an ulp at either end.
 *
 * Inputs where Arb's answer would differ in form from MPFI's (an endpoint that is infinite or NaN,
 * a logarithm of an interval reaching 0 or below (log1p: −1 or below), an exponential (or expm1) whose result would leave MPFR's
 * exponent range) are handed to MPFI itself, so those edges behave exactly as MPFI's do. */
#ifndef PERPLEXED_INTERVAL_ARB_H
#define PERPLEXED_INTERVAL_ARB_H
#define MPFR_USE_NO_MACRO 1
#include <stdio.h>
#include <gmp.h>
#include <mpfr.h>
#include <mpfi.h>

/* Bits Arb works with above the result's precision (so that its own rounding error and radius
 * stay below the result's last place in nearly every case). */
#define PERPLEXED_ARB_GUARD_BITS 10

/* result = an enclosure of exp(x) at result's precision. Same convention as mpfi_exp. */
int perplexed_arb_exp(mpfi_ptr result, mpfi_srcptr x);

/* result = an enclosure of log(x) at result's precision. Same convention as mpfi_log. */
int perplexed_arb_log(mpfi_ptr result, mpfi_srcptr x);

/* result = an enclosure of exp(x) − 1 at result's precision. Same convention as mpfi_expm1. */
int perplexed_arb_expm1(mpfi_ptr result, mpfi_srcptr x);

/* result = an enclosure of log(1 + x) at result's precision. Same convention as mpfi_log1p. */
int perplexed_arb_log1p(mpfi_ptr result, mpfi_srcptr x);

#endif
