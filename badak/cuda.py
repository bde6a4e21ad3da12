"""`badak.cuda`, as torch.cuda on a machine without a GPU: badak computes on the CPU only, so
`is_available()` is False and scripts that check it take their CPU path.

A GPU array module (CuPy) would plug in at badak.device; this module would then answer for it.
"""

__all__ = ["device_count", "empty_cache", "is_available", "manual_seed", "manual_seed_all"]


def is_available():
    """False: badak has no CUDA device."""
    return False


def device_count():
    return 0


def manual_seed(seed):
    """Accepted and ignored, as torch.cuda.manual_seed is without a GPU (badak.manual_seed seeds
    every generator badak has)."""


def manual_seed_all(seed):
    """Accepted and ignored, as manual_seed."""


def empty_cache():
    """Nothing to free: no CUDA memory is held."""
