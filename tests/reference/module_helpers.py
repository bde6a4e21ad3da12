"""Comparing a badak module with torch's equivalent: the same state dict loaded into both, the
same inputs, the same random upstream gradient; outputs, input gradients and every parameter's
gradient compared."""

import numpy as np
import torch

import badak

from .helpers import TOLERANCES


def flat_outputs(out):
    """A module's output as a flat list of tensors (tuples and (h, c) pairs opened)."""
    if isinstance(out, (tuple, list)):
        return [t for o in out if o is not None for t in flat_outputs(o)]
    return [out]


def compare_modules(ours, theirs, arrays, dtype, kwargs=None, torch_kwargs=None, seed=0):
    """Load ours' state dict into theirs, run both in eval mode on `arrays` (floating ones
    require grad) and compare outputs and all gradients at `dtype`'s tolerances."""
    dtype = np.dtype(dtype)
    rtol, atol = TOLERANCES[dtype]
    theirs.to(torch.float64 if dtype == np.float64 else torch.float32)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.eval()
    theirs.eval()
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in map(np.asarray, arrays)]
    b_in = [badak.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    t_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") for a in arrays]
    b_outs = flat_outputs(ours(*b_in, **(kwargs or {})))
    t_outs = flat_outputs(theirs(*t_in, **(torch_kwargs or kwargs or {})))
    rng = np.random.default_rng(seed)
    b_loss = t_loss = 0
    for b, t in zip(b_outs, t_outs, strict=True):
        assert b.dtype == dtype
        np.testing.assert_allclose(b.numpy(), t.detach().numpy(), rtol=rtol, atol=atol * 10)
        weight = rng.standard_normal(t.shape).astype(dtype)
        b_loss = b_loss + (b * badak.tensor(weight)).sum()
        t_loss = t_loss + (t * torch.tensor(weight)).sum()
    b_loss.backward()
    t_loss.backward()
    for b, t in zip(b_in, t_in):
        if b.requires_grad:
            np.testing.assert_allclose(b.grad.numpy(), t.grad.numpy(), rtol=rtol, atol=atol * 10)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        expected = theirs_params[name].grad
        expected = np.zeros(param.shape) if expected is None else expected.numpy()
        actual = np.zeros(param.shape) if param.grad is None else param.grad.numpy()
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol * 10, err_msg=name)
