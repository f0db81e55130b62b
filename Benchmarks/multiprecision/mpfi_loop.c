/* The limit: plain C loops over MPFI at 166 bits with preallocated variables.
 * Prints "operation nanoseconds-per-call" lines, then "operation-width mean-width" lines (the
 * mean over the 1,024 inputs of the enclosure's width, for comparison with arb_loop.c). Built and run by Benchmarks/multiprecision/run. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <mpfi.h>

#define COUNT 1024
#define PREC 166

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
    long rounds = argc > 1 ? atol(argv[1]) : 200;
    mpfi_t x[COUNT], y[COUNT], r;
    mpfi_init2(r, PREC);
    for (int i = 0; i < COUNT; i++) {
        mpfi_init2(x[i], PREC);
        mpfi_init2(y[i], PREC);
        /* x in (0.5, 2), y in (-1, 1): the same inputs as the Swift and Python peers */
        mpfi_set_si(x[i], 1024 + 3 * i);
        mpfi_div_si(x[i], x[i], 2048);
        mpfi_set_si(y[i], 2 * i - 1023);
        mpfi_div_si(y[i], y[i], 1024);
    }
    double sink = 0;
    const char *names[4] = {"log", "exp", "mul", "add"};
    for (int op = 0; op < 4; op++) {
        double start = now();
        for (long k = 0; k < rounds; k++) {
            for (int i = 0; i < COUNT; i++) {
                switch (op) {
                case 0: mpfi_log(r, x[i]); break;
                case 1: mpfi_exp(r, y[i]); break;
                case 2: mpfi_mul(r, x[i], y[i]); break;
                case 3: mpfi_add(r, x[i], y[i]); break;
                }
            }
            sink += mpfi_get_d(r);
        }
        double elapsed = now() - start;
        printf("%s %.2f\n", names[op], 1e9 * elapsed / ((double)rounds * COUNT));
    }
    /* Widths, outside the timed loops. */
    double widths[4] = {0};
    mpfr_t width;
    mpfr_init2(width, 53);
    for (int i = 0; i < COUNT; i++) {
        for (int op = 0; op < 4; op++) {
            switch (op) {
            case 0: mpfi_log(r, x[i]); break;
            case 1: mpfi_exp(r, y[i]); break;
            case 2: mpfi_mul(r, x[i], y[i]); break;
            case 3: mpfi_add(r, x[i], y[i]); break;
            }
            mpfi_diam_abs(width, r);
            widths[op] += mpfr_get_d(width, MPFR_RNDU);
        }
    }
    for (int op = 0; op < 4; op++) printf("%s-width %.4e\n", names[op], widths[op] / COUNT);
    fprintf(stderr, "checksum %g\n", sink);
    return 0;
}
