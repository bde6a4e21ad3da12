"""The device API of PyTorch's scripts on a CPU-only badak: the checks scripts make take their
CPU path, and asking for another device is a RuntimeError that lists the devices badak has."""

import pytest

import badak


def test_the_questions_scripts_ask_get_the_cpu_answers():
    assert badak.cuda.is_available() is False and badak.cuda.device_count() == 0
    assert badak.backends.mps.is_available() is False
    assert badak.accelerator.is_available() is False
    assert badak.accelerator.current_accelerator() is None
    badak.cuda.manual_seed(1)  # accepted, as torch's without a GPU
    badak.backends.cudnn.deterministic = True  # a switch scripts set
    device = "cuda" if badak.cuda.is_available() else "cpu"
    assert badak.zeros(2, device=device).device == badak.device("cpu")


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "mps", "xpu"])
def test_other_devices_are_refused_everywhere_naming_cpu(name):
    for call in (
        lambda: badak.zeros(2, device=name),
        lambda: badak.tensor([1.0], device=name),
        lambda: badak.arange(3, device=name),
        lambda: badak.ones(2).to(name),
        lambda: badak.nn.Linear(2, 2).to(name),
    ):
        with pytest.raises(RuntimeError, match="available: cpu"):
            call()
    with pytest.raises(RuntimeError, match="available: cpu"):
        badak.ones(2).cuda()
    with pytest.raises(RuntimeError, match="available: cpu"):
        badak.nn.Linear(2, 2).cuda()


def test_every_creation_function_takes_device():
    for make in (
        lambda d: badak.tensor([1.0], device=d),
        lambda d: badak.as_tensor([1.0], device=d),
        lambda d: badak.zeros(2, device=d),
        lambda d: badak.ones(2, device=d),
        lambda d: badak.full((2,), 1.0, device=d),
        lambda d: badak.empty(2, device=d),
        lambda d: badak.eye(2, device=d),
        lambda d: badak.arange(2, device=d),
        lambda d: badak.linspace(0, 1, 3, device=d),
        lambda d: badak.rand(2, device=d),
        lambda d: badak.randn(2, device=d),
        lambda d: badak.randint(0, 5, (2,), device=d),
        lambda d: badak.randperm(3, device=d),
        lambda d: badak.zeros_like(badak.ones(2), device=d),
    ):
        assert make("cpu").device == badak.device("cpu")
        assert make(badak.device("cpu")).device.type == "cpu"


def test_pytorch_module_paths_resolve_after_a_plain_import():
    from badak.utils.data import DataLoader, TensorDataset

    assert badak.utils.data.DataLoader is DataLoader is badak.data.DataLoader
    assert TensorDataset is badak.data.TensorDataset
    assert badak.nn.Linear and badak.optim.SGD
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        badak.nonsense  # noqa: B018
