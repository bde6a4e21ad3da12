"""badak's own random number generator: seeded at import, so runs repeat; NumPy's is left alone."""

from badak.backend import np

_DEFAULT_SEED = 0
_generator = np.random.default_rng(_DEFAULT_SEED)


def manual_seed(seed):
    """Reseed badak's generator (as torch.manual_seed); returns it."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    """The generator that rand, randn, randint, init and dropout draw from."""
    return _generator
