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
_ROW_MAJOR, _NO_TRANS, _TRANS, _PACKED, _B_MATRIX = 101, 111, 112, 151, 162
_GEMM = {}  # dtype -> the CBLAS routine, once MKL is loaded; empty where it is not used
_PACK = {}  # dtype -> MKL's (gemm_pack_get_size, gemm_pack, gemm_compute)
_BATCH = {}  # dtype -> MKL's gemm_batch_strided
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
        prefix = name[:-4]  # cblas_s / cblas_d
        get_size = getattr(library, prefix + "gemm_pack_get_size")
        get_size.argtypes, get_size.restype = [c_int] * 4, ctypes.c_size_t
        pack = getattr(library, prefix + "gemm_pack")
        pack.argtypes = [c_int] * 6 + [scalar, pointer, c_int, pointer]
        pack.restype = None
        compute = getattr(library, prefix + "gemm_compute")
        compute.argtypes = [c_int] * 6 + [pointer, c_int, pointer, c_int, scalar, pointer, c_int]
        compute.restype = None
        _PACK[np.dtype(dtype)] = (get_size, pack, compute)
        batch = getattr(library, prefix + "gemm_batch_strided")
        batch.argtypes = [c_int] * 6 + [scalar, pointer, c_int, c_int, pointer, c_int, c_int,
                                        scalar, pointer, c_int, c_int, c_int]  # fmt: skip
        batch.restype = None
        _BATCH[np.dtype(dtype)] = batch
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
    library = _state["library"]
    library.MKL_Set_Num_Threads(int(count))
    # A count set for this thread alone (threadpoolctl sets MKL's that way) outranks the global
    # one: 0 hands this thread back to the global count.
    local = getattr(library, "MKL_Set_Num_Threads_Local", None)
    if local is not None:
        local(0)
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


def gemm(a, b, out=None, accumulate=False):
    """a @ b for 2-D arrays (a (M, K), b (K, N)) -> a C-ordered (M, N) array: `out` where
    given (C-contiguous, written in place), else a new one; with accumulate, out += a @ b
    (the product's beta = 1: no temporary)."""
    routine = _GEMM.get(a.dtype) if using_mkl() else None
    m, k = a.shape
    n = b.shape[1]
    left = right = None
    if routine is not None and b.dtype == a.dtype and b.shape[0] == k and m * n * k >= SMALL:
        left, right = _operand(a), _operand(b)
    if left is None or right is None:
        if accumulate:
            out += np.matmul(a, b)
            return out
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((m, n), a.dtype)
    routine(_ROW_MAJOR, left[0], right[0], m, n, k, 1.0, a.ctypes.data, left[1],
            b.ctypes.data, right[1], 1.0 if accumulate else 0.0, out.ctypes.data, n)  # fmt: skip
    return out


def products_with(b, rows):
    """A function a -> a @ b for the many products of one b (K, N) with operands a (rows, K),
    as a recurrent layer's steps make with its hidden weight. Where MKL is used, b is packed
    once into MKL's own layout (cblas_?gemm_pack), which each product then reads instead of
    packing b again: a step of word_language_model's LSTM (20x200 @ 200x800) takes 49 us
    instead of 75; results differ from gemm's only by rounding. The values of b are those at
    this call: b must not change while the function is in use. Elsewhere each product is
    gemm(a, b)."""
    k, n = b.shape
    right = _operand(b) if b.dtype in _PACK and using_mkl() and rows * n * k >= SMALL else None
    if right is None:
        return lambda a: gemm(a, b)
    return _PackedProducts(b, rows, right)


class _PackedProducts:
    """b packed by MKL for products a @ b with a of `rows` rows (see products_with)."""

    def __init__(self, b, rows, right):
        self.b, self.rows = b, rows
        get_size, pack, self.compute = _PACK[b.dtype]
        k, n = b.shape
        self.buffer = np.empty(get_size(_B_MATRIX, rows, n, k) + 64, np.uint8)
        self.start = self.buffer.ctypes.data + (-self.buffer.ctypes.data) % 64  # as MKL's own
        pack(_ROW_MAJOR, _B_MATRIX, right[0], rows, n, k, 1.0, b.ctypes.data, right[1],
             self.start)  # fmt: skip

    def __call__(self, a):
        (k, n), rows = self.b.shape, self.rows
        left = _operand(a) if a.shape == (rows, k) and a.dtype == self.b.dtype else None
        if left is None:
            return gemm(a, self.b)
        out = np.empty((rows, n), a.dtype)
        self.compute(_ROW_MAJOR, left[0], _PACKED, rows, n, k, a.ctypes.data, left[1],
                     self.start, 0, 0.0, out.ctypes.data, n)  # fmt: skip
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
    if not _batched(a, b, out):
        for index in np.ndindex(*lead):
            gemm(a[index], b[index], out=out[index])
    return out


def _stack(x):
    """(stride between matrices in elements, (transpose flag, leading dimension)) of x's
    matrices seen as one stack (x's leading dims merged without a copy), or None."""
    stack = x.view()
    try:
        stack.shape = (-1, *x.shape[-2:])  # AttributeError where merging would need a copy
    except AttributeError:
        return None
    stride = stack.strides[0] if len(stack) > 1 else 0
    layout = _operand(stack[0]) if len(stack) else None
    if layout is None or stride % x.itemsize:
        return None
    return stride // x.itemsize, layout


def _batched(a, b, out):
    """out = a @ b over the leading dims in one call of MKL's gemm_batch_strided, where each
    operand's matrices lie at one stride from each other (a broadcast operand at stride 0);
    False, doing nothing, elsewhere. One call instead of one per matrix: attention's 32
    products (128x64 @ 64x128) take 0.61 ms instead of 0.94."""
    left, right = _stack(a), _stack(b)
    if left is None or right is None or a.dtype not in _BATCH:
        return False
    (m, k), n = a.shape[-2:], b.shape[-1]
    _BATCH[a.dtype](_ROW_MAJOR, left[1][0], right[1][0], m, n, k, 1.0, a.ctypes.data,
                    left[1][1], left[0], b.ctypes.data, right[1][1], right[0], 0.0,
                    out.ctypes.data, n, m * n, out.size // (m * n))  # fmt: skip
    return True
