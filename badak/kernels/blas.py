"""Matrix products through the fastest BLAS at hand: Intel's MKL where it is installed (the
`fast` extra brings the `mkl` wheel on x86-64) and the CPU is Intel's, else NumPy's own.

On an Intel CPU, MKL runs the products of a small-batch training step 15-30% faster than the
OpenBLAS in NumPy's wheels (32x784 @ 784x128: 63 against 92 us; 100x784 @ 784x1000: 1.10
against 1.44 ms, one thread). Products below SMALL multiply-adds stay with NumPy, whose call
costs less than a ctypes call. The results differ from NumPy's only by float32 (or float64)
rounding: each is one sgemm/dgemm over the same operands.

`gemm(a, b)` is the one seam: the products of linear, matmul, conv, attention and the
recurrent layers go through it, so that the paths badak compares bit for bit use the same BLAS.
BADAK_BLAS=numpy in the environment keeps NumPy's everywhere. MKL's threads follow badak's
thread policy: threadpoolctl limits MKL as it does OpenBLAS, and without threadpoolctl
`set_threads` does.
"""

import ctypes
import os
import sys
from pathlib import Path

from badak.device import np

SMALL = 1 << 18  # multiply-adds: below this NumPy's matmul wins (measured: 32x128 @ 128x64)
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112
_GEMM = {}  # dtype -> the CBLAS routine, once MKL is loaded; empty where it is not used
_state = {"checked": False}


def _mkl_path():
    """libmkl_rt from the mkl wheel (it installs into the environment's lib/), or None."""
    for root in {Path(sys.prefix), Path(sys.base_prefix)}:
        found = sorted((root / "lib").glob("libmkl_rt.so*"))
        if found:
            return found[0]
    return None


def _intel_cpu():
    try:
        return "GenuineIntel" in Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False


def _load():
    """Load MKL's CBLAS once, where it is installed, wanted and the CPU is Intel's."""
    _state["checked"] = True
    if os.environ.get("BADAK_BLAS", "").lower() == "numpy" or not _intel_cpu():
        return
    path = _mkl_path()
    if path is None:
        return
    try:
        library = ctypes.CDLL(str(path))
    except OSError:
        return
    c_int, pointer = ctypes.c_int, ctypes.c_void_p
    for dtype, name, scalar in ((np.float32, "cblas_sgemm", ctypes.c_float),
                                (np.float64, "cblas_dgemm", ctypes.c_double)):  # fmt: skip
        routine = getattr(library, name)
        routine.argtypes = [c_int, c_int, c_int, c_int, c_int, c_int, scalar, pointer, c_int,
                            pointer, c_int, scalar, pointer, c_int]  # fmt: skip
        routine.restype = None
        _GEMM[np.dtype(dtype)] = routine
    _state["library"] = library


def using_mkl():
    """Whether products go through MKL in this process."""
    if not _state["checked"]:
        _load()
    return bool(_GEMM)


def get_threads():
    """MKL's thread count, or None where MKL is not used."""
    return _state["library"].MKL_Get_Max_Threads() if using_mkl() else None


def set_threads(count):
    """Limit MKL's threads (where MKL is used); True when it was."""
    if not using_mkl():
        return False
    _state["library"].MKL_Set_Num_Threads(int(count))
    return True


def _operand(array):
    """(transpose flag, leading dimension) of a 2-D array MKL can read in place, or None."""
    size = array.itemsize
    rows, columns = array.strides
    if columns == size and rows % size == 0 and rows // size >= max(1, array.shape[1]):
        return _NO_TRANS, rows // size
    if rows == size and columns % size == 0 and columns // size >= max(1, array.shape[0]):
        return _TRANS, columns // size
    return None


def gemm(a, b, out=None):
    """a @ b for 2-D arrays (a (M, K), b (K, N)) -> a C-ordered (M, N) array: `out` where
    given (C-contiguous, written in place), else a new one."""
    routine = _GEMM.get(a.dtype) if using_mkl() else None
    m, k = a.shape
    n = b.shape[1]
    left = right = None
    if routine is not None and b.dtype == a.dtype and b.shape[0] == k and m * n * k >= SMALL:
        left, right = _operand(a), _operand(b)
    if left is None or right is None:
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((m, n), a.dtype)
    routine(_ROW_MAJOR, left[0], right[0], m, n, k, 1.0, a.ctypes.data, left[1],
            b.ctypes.data, right[1], 0.0, out.ctypes.data, n)  # fmt: skip
    return out


def matmul(a, b):
    """np.matmul(a, b) for operands of 2 dims or more, through `gemm`: b 2-D with a's leading
    dims folded into rows where that needs no copy, else one product per leading index (the
    batched products of conv and attention). 1-D operands and small products: NumPy's."""
    if a.ndim < 2 or b.ndim < 2 or not using_mkl():
        return np.matmul(a, b)
    if b.ndim == 2 and (a.ndim == 2 or a.flags.c_contiguous):
        rows = gemm(a.reshape(-1, a.shape[-1]), b)
        return rows.reshape(*a.shape[:-1], b.shape[1])
    (m, k), n = a.shape[-2:], b.shape[-1]
    if a.dtype != b.dtype or a.dtype not in _GEMM or b.shape[-2] != k or m * n * k < SMALL:
        return np.matmul(a, b)
    lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    a, b = np.broadcast_to(a, (*lead, m, k)), np.broadcast_to(b, (*lead, k, n))
    out = np.empty((*lead, m, n), a.dtype)
    for index in np.ndindex(*lead):
        gemm(a[index], b[index], out=out[index])
    return out
