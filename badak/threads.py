"""How many threads the BLAS library under NumPy may use while a block of code runs.

The matrices of a typical `badak train` run are small: a second BLAS thread costs more in
hand-offs than it saves, and on a busy machine threads that wait for each other make a run many
times slower. `badak train` therefore runs with one BLAS thread unless `--threads` says more.

threadpoolctl (the `fast` extra) does this for every BLAS it knows (OpenBLAS, MKL, BLIS,
Accelerate). Without it, badak talks to the OpenBLAS that NumPy's wheels ship through its C
entry points, and to the MKL its own products use (badak.kernels.blas), and does nothing
(returning False) where it finds neither.
"""

import contextlib
import ctypes
import os
import warnings
from pathlib import Path

from badak.device import np
from badak.kernels import blas

# OpenBLAS's thread-count entry points under the names its builds export: plain, 64-bit
# integer (NumPy 1.26's wheels) and scipy-openblas (NumPy 2's wheels).
_SYMBOLS = (
    ("openblas_get_num_threads", "openblas_set_num_threads"),
    ("openblas_get_num_threads64_", "openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads64_", "scipy_openblas_set_num_threads64_"),
    ("scipy_openblas_get_num_threads", "scipy_openblas_set_num_threads"),
)


@contextlib.contextmanager
def blas_threads(count):
    """Limit BLAS to `count` threads inside the block (restored after it).

    Yields True when a BLAS library was limited, False when none was found to limit.
    """
    _check_count("blas_threads", count)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        threadpool_limits = None
    if threadpool_limits is not None:
        with threadpool_limits(limits=count, user_api="blas") as limits:
            yield _limited_any(limits)
        return
    controls = _controls()
    before = [get() for get, _ in controls]
    for _, set_threads in controls:
        set_threads(count)
    try:
        yield bool(controls)
    finally:
        for (_, set_threads), n in zip(controls, before):
            set_threads(n)


def limit_blas_threads(count):
    """Limit BLAS to `count` threads from now on (one per rank under mpiexec, say).

    Returns True when a BLAS library was limited, False when none was found to limit.
    """
    _check_count("limit_blas_threads", count)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        controls = _controls()
        for _, set_threads in controls:
            set_threads(count)
        return bool(controls)
    return _limited_any(threadpool_limits(limits=count, user_api="blas"))


def set_num_threads(count):
    """Let BLAS use `count` threads from now on, as torch.set_num_threads.

    badak's parallel work is BLAS's (the matrix products of linear, matmul, conv and the
    recurrent layers); every other kernel runs on the calling thread. Raises ValueError for a
    count that is not a positive int.
    """
    _check_count("set_num_threads", count)
    limit_blas_threads(count)


def get_num_threads():
    """The threads BLAS may use, as torch.get_num_threads: the largest count among the BLAS
    libraries this process loaded (NumPy's, and MKL where badak's products use it); 1 where
    none is found."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        counts = [get() for get, _ in _controls()]
    else:
        counts = [info["num_threads"] for info in threadpool_info() if info["user_api"] == "blas"]
    return max(counts, default=1)


def _check_count(owner, count):
    if type(count) is not int or count < 1:
        raise ValueError(f"{owner}: expected a positive int, got {count!r}")


def _controls():
    """What badak limits without threadpoolctl: NumPy's OpenBLAS and the MKL it uses."""
    return openblas_controls() + mkl_controls()


def _limited_any(limits):
    """Whether threadpoolctl found a BLAS to limit. With two loaded (NumPy's OpenBLAS and
    MKL) it warns that their original counts differ; that is no news here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return bool(limits.get_original_num_threads())


def mkl_controls():
    """[(get_num_threads, set_num_threads)] of the MKL badak's products use, if they do."""
    return [(blas.get_threads, blas.set_threads)] if blas.using_mkl() else []


def openblas_controls():
    """[(get_num_threads, set_num_threads)] of each OpenBLAS loaded in this process."""
    controls = []
    for path in _loaded_openblas():
        try:
            library = ctypes.CDLL(str(path))
        except OSError:
            continue
        for get_name, set_name in _SYMBOLS:
            get = getattr(library, get_name, None)
            set_threads = getattr(library, set_name, None)
            if get is not None and set_threads is not None:
                get.restype, set_threads.argtypes = ctypes.c_int, [ctypes.c_int]
                controls.append((get, set_threads))
                break
    return controls


def _loaded_openblas():
    """Paths of the OpenBLAS libraries this process has loaded (Linux: /proc/self/maps), or
    else those shipped beside NumPy (its wheels put them in numpy.libs or numpy/.dylibs)."""
    maps = Path("/proc/self/maps")
    if maps.exists():
        paths = {line.split()[-1] for line in maps.read_text().splitlines() if "/" in line}
    else:
        root = Path(np.__file__).parent
        folders = (root.parent / "numpy.libs", root / ".dylibs", root.parent / "numpy")
        paths = {str(p) for folder in folders if folder.is_dir() for p in folder.iterdir()}
    return sorted(p for p in paths if "openblas" in os.path.basename(p).lower())
