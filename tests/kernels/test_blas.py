"""badak.kernels.blas: products through MKL where it is installed on an Intel CPU, NumPy's
otherwise; the same products as np.matmul to rounding, whatever the operands' layout."""

import subprocess
import sys

import numpy as np
import pytest

from badak.kernels import blas
from badak.threads import blas_threads

EPSILON = {np.float32: 2e-7, np.float64: 1e-15}  # per term summed: the rounding grows with K


def layouts(array):
    """The same matrix as C order, F order, a transposed view and a strided view."""
    yield "C", np.ascontiguousarray(array)
    yield "F", np.asfortranarray(array)
    yield "T", np.ascontiguousarray(array.T).T
    wide = np.zeros((array.shape[0], array.shape[1] * 2), array.dtype)
    wide[:, ::2] = array
    yield "strided", wide[:, ::2]  # no unit stride: NumPy's path


def test_mkl_is_used_where_it_is_installed_on_an_intel_cpu():
    if blas._mkl_path() is not None and blas._intel_cpu():
        assert blas.using_mkl()
    else:
        assert not blas.using_mkl()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(3, 4, 5), (32, 784, 128), (100, 300, 70), (1, 4096, 64)])
def test_gemm_is_matmul_to_rounding_in_every_layout(dtype, shape):
    m, k, n = shape
    rng = np.random.default_rng(m + k + n)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    expected = a.astype(np.float64) @ b.astype(np.float64)
    for _, left in layouts(a):
        for _, right in layouts(b):
            result = blas.gemm(left, right)
            assert result.dtype == dtype and result.shape == (m, n) and result.flags.c_contiguous
            np.testing.assert_allclose(result, expected, rtol=0, atol=EPSILON[dtype] * k * 4)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", [(20, 200, 800), (20, 800, 200), (2, 3, 4)])
def test_products_with_one_packed_operand_are_gemms_in_every_layout(dtype, shape):
    """b packed once (MKL) or not (small, NumPy): each product a @ b as gemm to rounding; an
    operand of other rows or dtype, or strided, is still multiplied right."""
    m, k, n = shape
    rng = np.random.default_rng(k)
    b = rng.standard_normal((k, n)).astype(dtype)
    for _, right in layouts(b):
        product = blas.products_with(right, m)
        for _, left in layouts(rng.standard_normal((m, k)).astype(dtype)):
            expected = left.astype(np.float64) @ b.astype(np.float64)
            result = product(left)
            assert result.dtype == dtype and result.shape == (m, n) and result.flags.c_contiguous
            np.testing.assert_allclose(result, expected, rtol=0, atol=EPSILON[dtype] * k * 4)
        other = rng.standard_normal((m + 3, k)).astype(dtype)  # other rows: an ordinary gemm
        np.testing.assert_allclose(product(other), other @ b, rtol=1e-5, atol=1e-4)
    packed = blas.using_mkl() and m * k * n >= blas.SMALL  # the packed path is the one tested
    assert isinstance(blas.products_with(b, m), blas._PackedProducts) == packed


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_batched_products_in_one_call_are_matmul_to_rounding(dtype):
    """Stacks at one stride (transposed matrices, a broadcast operand at stride 0) go to MKL's
    batched gemm in one call; stacks whose leading dims do not merge, one product at a time."""
    rng = np.random.default_rng(5)
    q = rng.standard_normal((3, 4, 70, 64)).astype(dtype)
    k = rng.standard_normal((3, 4, 90, 64)).astype(dtype)
    shared = rng.standard_normal((1, 64, 90)).astype(dtype)  # broadcast over the stack
    every_other = rng.standard_normal((6, 4, 64, 90)).astype(dtype)[::2]  # stride of 2 matrices
    cases = [(q, np.swapaxes(k, -1, -2)), (q, shared), (np.swapaxes(k, -1, -2)[..., :70], q),
             (q, every_other), (q[:, ::2], every_other[:, 1::2])]  # fmt: skip
    for left, right in cases:
        expected = np.matmul(left.astype(np.float64), right.astype(np.float64))
        result = blas.matmul(left, right)
        assert result.dtype == dtype and result.shape == expected.shape
        np.testing.assert_allclose(result, expected, rtol=0, atol=EPSILON[dtype] * 64 * 4)


def test_matmul_folds_leading_dims_and_leaves_the_rest_to_numpy():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((4, 50, 300)).astype(np.float32)
    b = rng.standard_normal((300, 40)).astype(np.float32)
    np.testing.assert_allclose(blas.matmul(a, b), np.matmul(a, b), rtol=2e-5, atol=2e-5)
    batched = rng.standard_normal((4, 300, 40)).astype(np.float32)
    np.testing.assert_allclose(blas.matmul(a, batched), np.matmul(a, batched), rtol=2e-5,
                               atol=2e-5)  # fmt: skip
    left = rng.standard_normal((2, 1, 60, 300)).astype(np.float32)  # broadcast leading dims
    right = rng.standard_normal((3, 300, 50)).astype(np.float32).transpose(0, 2, 1)
    right = np.ascontiguousarray(right).transpose(0, 2, 1)  # each matrix a transposed view
    result = blas.matmul(left, right)
    assert result.shape == (2, 3, 60, 50)
    np.testing.assert_allclose(result, np.matmul(left, right), rtol=2e-5, atol=2e-5)
    strided = a.transpose(1, 0, 2)  # not C-contiguous: one product per leading index
    np.testing.assert_allclose(blas.matmul(strided, b), np.matmul(strided, b), rtol=2e-5,
                               atol=2e-5)  # fmt: skip
    mixed = blas.matmul(a[0], b.astype(np.float64))  # mixed dtypes: NumPy promotes
    assert mixed.dtype == np.float64
    integers = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(blas.matmul(integers, integers.T), integers @ integers.T)


def test_blas_threads_limits_mkl_too():
    before = blas.get_threads()
    with blas_threads(1):
        assert blas.get_threads() == (1 if blas.using_mkl() else None)
    assert blas.get_threads() == before


def test_badak_blas_numpy_keeps_numpys_products():
    code = "from badak.kernels import blas; print(blas.using_mkl())"
    env = {"BADAK_BLAS": "numpy", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "False", out.stderr
