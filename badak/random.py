"""badak's own random number generator: it starts from a fixed seed, so runs repeat; NumPy's global
one is left alone. It is made on first use, so `import badak` does not load numpy.random."""

from badak.device import np

_DEFAULT_SEED = 0
_generator = None
_seed = _DEFAULT_SEED


def manual_seed(seed):
    """Reseed badak's generator, as torch.manual_seed; returns it as a Generator (reseeding
    that one reseeds badak's, as with torch's default generator)."""
    global _generator, _seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"manual_seed: expected a non-negative int, got {seed!r}")
    _generator, _seed = np.random.default_rng(int(seed)), int(seed)
    return _DefaultGenerator()


def default_generator():
    """The generator that rand, randn, randint, init and dropout draw from."""
    if _generator is None:
        manual_seed(_DEFAULT_SEED)
    return _generator


class Generator:
    """PyTorch's torch.Generator: a random number generator of its own, for `generator=`
    arguments (`random_split(data, [0.8, 0.2], generator=badak.Generator().manual_seed(42))`).

    It draws with NumPy's default bit generator (so its numbers are not PyTorch's); every
    numpy.random.Generator method (random, integers, permutation, ...) is available on it.
    """

    def __init__(self, device="cpu"):
        self.device = device
        self.manual_seed(_DEFAULT_SEED)

    def manual_seed(self, seed):
        """Start again from `seed` (a non-negative int); returns the generator, as torch's."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            raise ValueError(f"Generator.manual_seed: expected a non-negative int, got {seed!r}")
        self._seed = int(seed)
        self._rng = np.random.default_rng(self._seed)
        return self

    def initial_seed(self):
        return self._seed

    def get_state(self):
        """The bit generator's state (a dict), for set_state."""
        return self._rng.bit_generator.state

    def set_state(self, state):
        self._rng.bit_generator.state = state
        return self

    def __getattr__(self, name):  # the drawing methods of the NumPy generator it holds
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self._rng, name)


class _DefaultGenerator(Generator):
    """badak's own generator seen as a Generator: what manual_seed returns."""

    def __init__(self):
        self.device = "cpu"

    @property
    def _rng(self):
        return default_generator()

    @property
    def _seed(self):
        default_generator()
        return _seed

    def manual_seed(self, seed):
        manual_seed(seed)
        return self
