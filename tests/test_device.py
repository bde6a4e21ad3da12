"""badak.device: the CPU is the one device; asking for another is a clear error."""

import numpy as np
import pytest

import badak
from tests.tensor_helpers import leaf


def test_device_compares_with_its_name_and_prints_as_torch_does():
    cpu = badak.device("cpu")
    assert cpu == "cpu" and cpu == badak.device(cpu) and cpu != "cuda" and hash(cpu)
    assert repr(cpu) == "device(type='cpu')" and str(badak.device("cpu:0")) == "cpu:0"


def test_tensors_live_on_the_cpu_and_to_cpu_is_the_same_tensor():
    x = badak.tensor([1.0])
    assert x.device == badak.device("cpu") and x.device == "cpu" and str(x.device) == "cpu"
    assert x.to("cpu") is x and x.cpu() is x and x.to(badak.device("cpu"), np.float32) is x


def test_to_converts_dtype_from_a_dtype_or_another_tensor_and_stays_in_the_graph():
    x = leaf([1.0, 2.0])
    y = x.to(badak.float64)
    assert y.dtype == np.float64 and x.to(badak.tensor([1], dtype=np.int64)).dtype == np.int64
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_a_device_badak_cannot_serve_is_a_runtime_error_naming_the_devices():
    with pytest.raises(RuntimeError, match="available: cpu"):
        badak.tensor([1.0]).to("cuda")
    with pytest.raises(RuntimeError, match="cuda"):
        badak.device("cuda:0")


def test_operations_compute_inf_and_nan_silently_and_leave_numpys_error_state_alone():
    import warnings

    before = np.geterr()
    x = badak.tensor([0.0, 1.0, -1.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = x.log() + x.sqrt()  # log(0), sqrt(-1)
        with np.errstate(over="raise"):  # a user's own setting, nested around an operation
            z = badak.exp(badak.tensor([1000.0]))
        (y.sum() * 0).backward()
    assert np.isinf(y.numpy()[0]) and np.isnan(y.numpy()[2]) and np.isinf(z.numpy()[0])
    assert np.geterr() == before
    with pytest.warns(RuntimeWarning):  # outside badak's operations NumPy still warns
        np.log(np.zeros(1))
