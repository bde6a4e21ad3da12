"""BatchNorm1d/2d, LayerNorm and GroupNorm against torch.nn's: state-dict names and order, the
outputs and every gradient over several training steps and in eval, and the running statistics
(buffers) step by step; module buffers in general."""

import numpy as np
import pytest
import torch

import badak
import badak.nn as nn

LAYERS = {
    "bn1d": (lambda m: m.BatchNorm1d(3), (5, 3)),
    "bn1d_3d": (lambda m: m.BatchNorm1d(3, momentum=0.3), (4, 3, 6)),
    "bn2d": (lambda m: m.BatchNorm2d(3), (4, 3, 2, 5)),
    "bn2d_cumulative": (lambda m: m.BatchNorm2d(2, momentum=None), (3, 2, 3, 3)),
    "bn2d_no_affine": (lambda m: m.BatchNorm2d(2, affine=False), (3, 2, 3, 3)),
    "bn2d_untracked": (lambda m: m.BatchNorm2d(2, track_running_stats=False), (3, 2, 3, 3)),
    "layer_norm": (lambda m: m.LayerNorm((3, 4)), (2, 5, 3, 4)),
    "layer_norm_plain": (lambda m: m.LayerNorm(4, elementwise_affine=False), (3, 4)),
    "group_norm": (lambda m: m.GroupNorm(2, 4), (3, 4, 5)),
}


def _same_state(ours, theirs):
    theirs.load_state_dict(
        {k: torch.from_numpy(v.numpy().copy()) for k, v in ours.state_dict().items()}
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["f64", "f32"])
@pytest.mark.parametrize("name", LAYERS)
def test_layer_matches_torch_in_training_and_in_eval(name, dtype):
    make, shape = LAYERS[name]
    ours, theirs = make(nn), make(torch.nn)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(0)
    for p in ours.parameters():  # not the initial ones and zeros, so that gradients show
        p.data.copy_(badak.tensor(rng.uniform(0.5, 1.5, p.shape).astype(np.float32)))
    _same_state(ours, theirs)
    ours.to(dtype)
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    tol = 1e-10 if dtype == np.float64 else 2e-5
    for step, training in enumerate([True, True, True, False]):
        ours.train(training)
        theirs.train(training)
        x = (rng.standard_normal(shape) * (step + 1) + step).astype(dtype)
        bx, tx = badak.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        by, ty = ours(bx), theirs(tx)
        np.testing.assert_allclose(by.numpy(), ty.detach().numpy(), rtol=tol, atol=tol)
        upstream = rng.standard_normal(shape).astype(dtype)
        by.backward(badak.tensor(upstream))
        ty.backward(torch.from_numpy(upstream))
        np.testing.assert_allclose(bx.grad.numpy(), tx.grad.numpy(), rtol=tol, atol=tol)
        for (key, p), q in zip(ours.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(
                p.grad.numpy(), q.grad.numpy(), rtol=tol, atol=tol, err_msg=key
            )
            p.grad, q.grad = None, None
        for key, value in theirs.state_dict().items():  # the running statistics, step by step
            got = ours.state_dict()[key].numpy()
            np.testing.assert_allclose(got, value.numpy(), rtol=tol, atol=tol, err_msg=key)


def test_a_cnn_with_batch_norm_moves_between_badak_and_torch():
    def make(m):
        return m.Sequential(m.Conv2d(1, 4, 3), m.BatchNorm2d(4), m.ReLU(), m.Flatten(),
                            m.Linear(4 * 4 * 4, 3))  # fmt: skip

    ours, theirs = make(nn), make(torch.nn)
    x = np.random.default_rng(1).standard_normal((6, 1, 6, 6)).astype(np.float32)
    ours(badak.tensor(x))  # a training step moves the running statistics
    _same_state(ours, theirs)
    ours.eval()
    theirs.eval()
    np.testing.assert_allclose(
        ours(badak.tensor(x)).numpy(), theirs(torch.tensor(x)).detach().numpy(), atol=1e-5
    )
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_buffers_are_walked_cast_and_kept_out_of_the_state_dict_when_not_persistent():
    class WithBuffers(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(2, 2)
            self.register_buffer("scale", badak.ones(2))
            self.register_buffer("scratch", badak.zeros(3), persistent=False)
            self.register_buffer("steps", badak.tensor(0))

    module = WithBuffers()
    assert [name for name, _ in module.named_buffers()] == ["scale", "scratch", "steps"]
    assert list(module.state_dict()) == ["scale", "steps", "linear.weight", "linear.bias"]
    module.double()
    assert module.scale.dtype == np.float64 and module.steps.dtype == np.int64
    state = module.state_dict()
    state["scale"] = badak.tensor([2.0, 3.0])
    module.load_state_dict(state)
    assert module.scale.tolist() == [2.0, 3.0]
    with pytest.raises(TypeError, match="register_buffer"):
        module.register_buffer("bad", [1, 2])


@pytest.mark.parametrize(
    "make, shape",
    [(lambda: nn.BatchNorm2d(3), (2, 3, 4)), (lambda: nn.BatchNorm1d(3), (2, 3, 4, 4))],
)
def test_batch_norm_refuses_inputs_of_the_wrong_rank(make, shape):
    with pytest.raises(ValueError, match=r"^BatchNorm\dd: expected input of"):
        make()(badak.ones(*shape))
