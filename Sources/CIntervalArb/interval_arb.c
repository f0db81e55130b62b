#include "interval_arb.h"
#include <arb.h>

/* Largest |x| sent to arb_exp: exp(±2^20) is about 2^(±1.5 million), far inside MPFR's default
 * exponent range (±2^30), so converting Arb's result back can neither overflow nor underflow and
 * arf_get_mpfr never meets an exponent it cannot represent (it aborts on those). */
#define EXP_ARGUMENT_LIMIT (1L << 20)

/* Finite, non-empty: what arb_set_interval_mpfr accepts. */
static int is_finite_interval(mpfi_srcptr x) {
    return mpfr_number_p(&x->left) && mpfr_number_p(&x->right) && mpfr_lessequal_p(&x->left, &x->right);
}

/* MPFI never stores −0 as a lower end nor +0 as an upper end; Arb's conversion gives +0. */
static void normalise_zero_signs(mpfi_ptr result) {
    if (mpfr_zero_p(&result->left) && mpfr_signbit(&result->left)) mpfr_setsign(&result->left, &result->left, 0, MPFR_RNDN);
    if (mpfr_zero_p(&result->right) && !mpfr_signbit(&result->right)) mpfr_setsign(&result->right, &result->right, 1, MPFR_RNDN);
}

typedef void (*arb_function)(arb_t, const arb_t, slong);

/* f over a ball [m ± r] costs one Arb call, but Arb bounds the image through the derivative, which
 * overestimates the exact image [f(m − r), f(m + r)] of a monotone f by about (r / s)² in units of
 * f's scale, where s is the distance over which f' changes (1 for exp, m for log). Below
 * r / s = 2^(−precision/2) that excess is under the result's last place, so one call suffices;
 * wider intervals take two calls, one per endpoint, which keeps the result as tight as MPFI's (an
 * exponential of [0, 10] as one ball would even reach below 0). `scale` is log2 of s. */
static int narrow_enough(mpfi_srcptr x, mpfr_exp_t scale) {
    if (mpfr_equal_p(&x->left, &x->right)) return 1; /* a point (through_arb's cheapest case) */
    MPFR_DECL_INIT(width, 32); /* on the stack: no allocation on this hot path */
    mpfr_sub(width, &x->right, &x->left, MPFR_RNDU);
    return mpfr_get_exp(width) - scale < -(mpfr_exp_t)(mpfi_get_prec(x) / 2);
}

/* Whether every point of x is non-zero (so that its exponents measure its distance from 0). */
static int excludes_zero(mpfi_srcptr x) { return mpfr_sgn(&x->left) > 0 || mpfr_sgn(&x->right) < 0; }

static mpfr_exp_t min_exp(mpfr_exp_t a, mpfr_exp_t b) { return a < b ? a : b; }

/* The ball f(point) (its midpoint set exactly: arf_set_mpfr does not round). */
static void at_point(arb_t ball, mpfr_srcptr point, arb_function f, slong precision) {
    arf_set_mpfr(arb_midref(ball), point);
    mag_zero(arb_radref(ball));
    f(ball, ball, precision);
}

/* The end of `ball` rounded outward into `end` (lower end if `upper` is 0), at end's precision.
 * The ball's midpoint is read in place as an MPFR number (Arb and MPFR both store a normalised
 * mantissa, least significant limb first, and the exponent of 0.mantissa), and its radius,
 * 30 bits, is exact in a 32-bit MPFR number, so one correctly rounded MPFR addition gives the
 * tightest bound: cheaper than arb_get_interval_mpfr's two Arb subtractions, which allocate.
 * Exponents beyond a machine word and infinite radii take arb_get_interval_mpfr's route. */
static void ball_end(mpfr_ptr end, const arb_t ball, int upper) {
    const arf_struct *mid = arb_midref(ball);
    const mag_struct *rad = arb_radref(ball);
    if (arf_is_special(mid) || mag_is_inf(rad) || COEFF_IS_MPZ(ARF_EXP(mid)) || COEFF_IS_MPZ(MAG_EXP(rad))) {
        arf_t bound;
        arf_init(bound);
        if (upper) arb_get_ubound_arf(bound, ball, mpfr_get_prec(end));
        else arb_get_lbound_arf(bound, ball, mpfr_get_prec(end));
        arf_get_mpfr(end, bound, upper ? MPFR_RNDU : MPFR_RNDD);
        arf_clear(bound);
        return;
    }
    mp_srcptr limbs;
    mp_size_t count;
    ARF_GET_MPN_READONLY(limbs, count, mid);
    __mpfr_struct midpoint;
    midpoint._mpfr_prec = (mpfr_prec_t)count * FLINT_BITS;
    midpoint._mpfr_sign = ARF_SGNBIT(mid) ? -1 : 1;
    midpoint._mpfr_exp = (mpfr_exp_t)ARF_EXP(mid);
    midpoint._mpfr_d = (mp_limb_t *)limbs; /* read only */
    MPFR_DECL_INIT(radius, 32);
    mpfr_set_ui_2exp(radius, MAG_MAN(rad), (mpfr_exp_t)MAG_EXP(rad) - MAG_BITS, MPFR_RNDU);
    if (upper) mpfr_add(end, &midpoint, radius, MPFR_RNDU);
    else mpfr_sub(end, &midpoint, radius, MPFR_RNDD);
}

/* An enclosure of f(x) for an increasing f, at result's precision; `result` may be `x`.
 * `narrow`: whether one ball evaluation is tight enough (see narrow_enough). */
static int through_arb(mpfi_ptr result, mpfi_srcptr x, arb_function f, int narrow) {
    slong precision = (slong)mpfi_get_prec(result) + PERPLEXED_ARB_GUARD_BITS;
    arb_t low, high;
    arb_init(low);
    if (mpfr_equal_p(&x->left, &x->right)) {
        at_point(low, &x->left, f, precision);
        ball_end(&result->left, low, 0);
        ball_end(&result->right, low, 1);
    } else if (narrow) {
        /* A ball containing [left, right] (Arb rounds the midpoint and widens the radius). */
        arb_set_interval_mpfr(low, &x->left, &x->right, precision);
        f(low, low, precision);
        ball_end(&result->left, low, 0);
        ball_end(&result->right, low, 1);
    } else {
        /* f increasing: f(x) lies in [lower bound of f(left), upper bound of f(right)]. Both balls
         * are computed before `result`, which may be `x`, is written. */
        arb_init(high);
        at_point(low, &x->left, f, precision);
        at_point(high, &x->right, f, precision);
        ball_end(&result->left, low, 0);
        ball_end(&result->right, high, 1);
        arb_clear(high);
    }
    arb_clear(low);
    normalise_zero_signs(result);
    return MPFI_FLAGS_BOTH_ENDPOINTS_INEXACT; /* conservative: Arb does not report exactness */
}

/* exp(x), exp(x) − 1: finite arguments within ±2^20. */
static int exp_in_range(mpfi_srcptr x) {
    return is_finite_interval(x) && mpfr_cmp_si(&x->left, -EXP_ARGUMENT_LIMIT) >= 0 && mpfr_cmp_si(&x->right, EXP_ARGUMENT_LIMIT) <= 0;
}

int perplexed_arb_exp(mpfi_ptr result, mpfi_srcptr x) {
    if (!exp_in_range(x)) return mpfi_exp(result, x);
    return through_arb(result, x, arb_exp, narrow_enough(x, 0));
}

int perplexed_arb_expm1(mpfi_ptr result, mpfi_srcptr x) {
    if (!exp_in_range(x)) return mpfi_expm1(result, x);
    /* exp's scale 1, and near 0 the result's own size |m|. */
    int narrow = excludes_zero(x) && narrow_enough(x, min_exp(0, mpfr_get_exp(&x->left)));
    int flags = through_arb(result, x, arb_expm1, narrow);
    /* exp(x) − 1 > −1: a ball near −1 (x very negative) may reach below it; MPFI's end is −1. */
    if (mpfr_cmp_si(&result->left, -1) < 0) mpfr_set_si(&result->left, -1, MPFR_RNDD);
    return flags;
}

int perplexed_arb_log(mpfi_ptr result, mpfi_srcptr x) {
    if (!is_finite_interval(x) || mpfr_sgn(&x->left) <= 0) return mpfi_log(result, x);
    return through_arb(result, x, arb_log, narrow_enough(x, mpfr_get_exp(&x->left)));
}

int perplexed_arb_log1p(mpfi_ptr result, mpfi_srcptr x) {
    if (!is_finite_interval(x) || mpfr_cmp_si(&x->left, -1) <= 0) return mpfi_log1p(result, x);
    int narrow = 0;
    if (excludes_zero(x)) {
        /* log's scale 1 + m (small near −1), and near 0 the result's own size |m|. */
        MPFR_DECL_INIT(onePlus, 32);
        mpfr_add_ui(onePlus, &x->left, 1, MPFR_RNDD);
        narrow = narrow_enough(x, min_exp(mpfr_get_exp(onePlus), mpfr_get_exp(&x->left)));
    }
    return through_arb(result, x, arb_log1p, narrow);
}
