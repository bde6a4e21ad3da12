"""Large temporaries without page faults: glibc's malloc kept from returning them to the system.

A training step allocates and frees the same large arrays every time (an LSTM's gates over the
sequence, a convolution's windows). glibc serves a block above its mmap threshold with a fresh
mapping, unmapped again on free, and returns free memory at the heap's top to the system; it
adapts both thresholds to the blocks it sees freed, but not so that such a loop stops faulting
its pages in: five rounds of a 16 MiB numpy.ones fault 516 pages in here, none with the
thresholds below. Measured (one thread, Intel Xeon): the word_language_model LSTM's step 30.0 ->
25.7 ms, the mnist CNN's convolutions 93 -> 82 ms. PyTorch's own steps gain as much in the same
process.

`import badak` sets blocks below MMAP_THRESHOLD (32 MiB where an older glibc refuses more) to
come from the heap, and the heap to keep up to TRIM_THRESHOLD of free memory at its top: a
process keeps memory it freed for reuse rather than returning it at once. Nothing is set where
the C library is not glibc, where the environment already tunes malloc (MALLOC_MMAP_THRESHOLD_,
MALLOC_TRIM_THRESHOLD_ or GLIBC_TUNABLES), or where BADAK_MALLOC=system asks to keep the
system's behaviour.
"""

import ctypes
import os
import sys

MMAP_THRESHOLD = 64 << 20  # bytes: blocks below it are served from the heap
TRIM_THRESHOLD = 128 << 20  # bytes of free memory the heap keeps at its top
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters (malloc.h)
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")


def keep_large_blocks(environ=os.environ):
    """Set glibc's thresholds as the module says; True where they were set."""
    if sys.platform != "linux" or environ.get("BADAK_MALLOC", "").lower() == "system":
        return False
    if any(name in environ for name in _USER_SETTINGS):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    if not hasattr(libc, "gnu_get_libc_version"):  # not glibc: musl's malloc is another one
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # mallopt answers 1 where it took the value; older glibc refuses mmap thresholds above
    # 32 MiB (half its largest heap), so that is the second choice
    for threshold in (MMAP_THRESHOLD, 32 << 20):
        if mallopt(_M_MMAP_THRESHOLD, threshold) == 1:
            return mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
    return False
