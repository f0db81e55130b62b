"""Python peers for the MultiPrecision benchmark: python-flint arb balls and mpmath intervals at
166 bits, on the same inputs as mpfi_loop.c. Prints "library operation nanoseconds-per-call"."""
import sys
import time

COUNT = 1024
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 20


def measure(name, fn, xs, ys, rounds):
    start = time.perf_counter()
    for _ in range(rounds):
        fn(xs, ys)
    elapsed = time.perf_counter() - start
    return name, 1e9 * elapsed / (rounds * COUNT)


def run_flint():
    import flint
    flint.ctx.prec = 166
    xs = [flint.arb(1024 + 3 * i) / 2048 for i in range(COUNT)]
    ys = [flint.arb(2 * i - 1023) / 1024 for i in range(COUNT)]
    ops = {
        "log": lambda xs, ys: [x.log() for x in xs],
        "exp": lambda xs, ys: [y.exp() for y in ys],
        "mul": lambda xs, ys: [x * y for x, y in zip(xs, ys)],
        "add": lambda xs, ys: [x + y for x, y in zip(xs, ys)],
    }
    for name, fn in ops.items():
        op, ns = measure(name, fn, xs, ys, ROUNDS)
        print(f"python-flint {op} {ns:.2f}")


def run_mpmath():
    from mpmath import iv
    iv.prec = 166
    xs = [iv.mpf(1024 + 3 * i) / 2048 for i in range(COUNT)]
    ys = [iv.mpf(2 * i - 1023) / 1024 for i in range(COUNT)]
    ops = {
        "log": lambda xs, ys: [iv.log(x) for x in xs],
        "exp": lambda xs, ys: [iv.exp(y) for y in ys],
        "mul": lambda xs, ys: [x * y for x, y in zip(xs, ys)],
        "add": lambda xs, ys: [x + y for x, y in zip(xs, ys)],
    }
    for name, fn in ops.items():
        op, ns = measure(name, fn, xs, ys, max(1, ROUNDS // 4))
        print(f"mpmath {op} {ns:.2f}")


if __name__ == "__main__":
    run_flint()
    run_mpmath()
