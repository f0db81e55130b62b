/* Plain C loops over Arb balls at 166 bits, on the inputs and operation counts of mpfi_loop.c.
 * Prints "operation nanoseconds-per-call" lines, then "operation-width mean-width" lines (the
 * mean over the 1,024 inputs of the enclosure's width, 2 × radius for a ball).
 * The "*-via-mpfi" rows time what Perplexed's Arb-backed MPFI interval pays in C: the functions of
 * Sources/CIntervalArb (the MPFI endpoints into a ball exactly, the Arb function 10 bits above
 * 166, the ball back to MPFI endpoints rounded outward), compiled in. Built and run by
 * Benchmarks/multiprecision/run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <mpfi.h>
#include <arb.h>
#include "interval_arb.h"

#define COUNT 1024
#define PREC 166

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

static void via_arb(mpfi_t r, mpfi_t x, int op) {
    if (op == 0) perplexed_arb_log(r, x);
    else perplexed_arb_exp(r, x);
}

static double ball_width(const arb_t b) { return 2 * mag_get_d(arb_radref(b)); }

static double interval_width(mpfi_t v, mpfr_t scratch) {
    mpfi_diam_abs(scratch, v);
    return mpfr_get_d(scratch, MPFR_RNDU);
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 200;
    arb_t x[COUNT], y[COUNT], r;
    mpfi_t mx[COUNT], my[COUNT], mr;
    mpfr_t scratch;
    arb_init(r);
    mpfi_init2(mr, PREC);
    mpfr_init2(scratch, 53);
    for (int i = 0; i < COUNT; i++) {
        arb_init(x[i]);
        arb_init(y[i]);
        /* x in (0.5, 2), y in (-1, 1): the same exact points as mpfi_loop.c */
        arb_set_si(x[i], 1024 + 3 * i);
        arb_mul_2exp_si(x[i], x[i], -11);
        arb_set_si(y[i], 2 * i - 1023);
        arb_mul_2exp_si(y[i], y[i], -10);
        mpfi_init2(mx[i], PREC);
        mpfi_init2(my[i], PREC);
        mpfi_set_si(mx[i], 1024 + 3 * i);
        mpfi_div_si(mx[i], mx[i], 2048);
        mpfi_set_si(my[i], 2 * i - 1023);
        mpfi_div_si(my[i], my[i], 1024);
    }
    double sink = 0;
    const char *names[6] = {"log", "exp", "mul", "add", "log-via-mpfi", "exp-via-mpfi"};
    double widths[6] = {0};
    for (int op = 0; op < 6; op++) {
        double start = now();
        for (long k = 0; k < rounds; k++) {
            for (int i = 0; i < COUNT; i++) {
                switch (op) {
                case 0: arb_log(r, x[i], PREC); break;
                case 1: arb_exp(r, y[i], PREC); break;
                case 2: arb_mul(r, x[i], y[i], PREC); break;
                case 3: arb_add(r, x[i], y[i], PREC); break;
                case 4: via_arb(mr, mx[i], 0); break;
                case 5: via_arb(mr, my[i], 1); break;
                }
            }
            sink += op < 4 ? arf_get_d(arb_midref(r), ARF_RND_NEAR) : mpfi_get_d(mr);
        }
        double elapsed = now() - start;
        printf("%s %.2f\n", names[op], 1e9 * elapsed / ((double)rounds * COUNT));
    }
    /* Widths, outside the timed loops. */
    for (int i = 0; i < COUNT; i++) {
        arb_log(r, x[i], PREC); widths[0] += ball_width(r);
        arb_exp(r, y[i], PREC); widths[1] += ball_width(r);
        arb_mul(r, x[i], y[i], PREC); widths[2] += ball_width(r);
        arb_add(r, x[i], y[i], PREC); widths[3] += ball_width(r);
        via_arb(mr, mx[i], 0); widths[4] += interval_width(mr, scratch);
        via_arb(mr, my[i], 1); widths[5] += interval_width(mr, scratch);
    }
    for (int op = 0; op < 6; op++) printf("%s-width %.4e\n", names[op], widths[op] / COUNT);
    fprintf(stderr, "checksum %g\n", sink);
    for (int i = 0; i < COUNT; i++) {
        arb_clear(x[i]); arb_clear(y[i]); mpfi_clear(mx[i]); mpfi_clear(my[i]);
    }
    arb_clear(r);
    mpfi_clear(mr);
    mpfr_clear(scratch);
    flint_cleanup();
    return 0;
}
