"""SplitMix64 (Steele, Lea and Flood 2014; Vigna's published constants), shared by the fixture
scripts of this folder so that Python and Swift (Kernels.SplitMix64) draw the same numbers.
Tests/KernelsTests/Fixtures/make_rng_fixture.py keeps its own copy: it is the independent check
of the Swift generator itself."""

MASK = (1 << 64) - 1


def splitmix64(seed):
    """Yields the generator's 64-bit outputs from `seed`."""
    state = seed
    while True:
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        yield z ^ (z >> 31)
