"""Small helpers shared by the engine and Tensor tests."""

import numpy as np

import badak


def leaf(values, dtype=np.float32):
    """A leaf tensor requiring grad, from Python or NumPy values."""
    return badak.tensor(np.asarray(values, dtype=dtype), requires_grad=True)


def close(tensor, expected, rtol=1e-6):
    np.testing.assert_allclose(np.asarray(tensor.numpy()), expected, rtol=rtol, atol=0)
