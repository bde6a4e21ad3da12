"""badak's own random number generator: it starts from a fixed seed, so runs repeat; NumPy's global
one is left alone. It is made on first use, so `import badak` does not load numpy.random."""

from badak.device import np

_DEFAULT_SEED = 0
_generator = None


def manual_seed(seed):
    """Reseed badak's generator (as torch.manual_seed); returns it."""
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative int, got {seed!r}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator():
    """The generator that rand, randn, randint, init and dropout draw from."""
    if _generator is None:
        manual_seed(_DEFAULT_SEED)
    return _generator
