"""Numerical gradient checks: backward against float64 central differences.

The output is weighted by a fixed random array before summing: under a plain `.sum()` the true
gradient of softmax is zero, and a backward that returned zeros would pass.
"""

from badak.autograd import enable_grad
from badak.device import np
from badak.tensor import Tensor


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _weighted_sum(outputs, weights):
    """sum_k sum(weights[k] * outputs[k]) as a float (no graph) or a Tensor."""
    total = None
    for out, weight in zip(outputs, weights):
        term = (out * weight).sum()
        total = term if total is None else total + term
    return total


def _random_weights(outputs, seed):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(np.shape(out)) for out in outputs]


def _checked_inputs(name, inputs):
    inputs = _as_tuple(inputs)
    for i, x in enumerate(inputs):
        if isinstance(x, Tensor) and x.requires_grad and x.dtype != np.float64:
            raise TypeError(
                f"{name}: input {i} requires grad but is {x.dtype}; central differences "
                "need float64 inputs"
            )
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError(f"{name}: no input requires grad, so there is nothing to check")
    return inputs, checked


def _analytic(fn, inputs, checked, weights):
    """d(weighted sum of outputs)/d(input) by backward, leaving the inputs' .grad as it was."""
    saved = [inputs[i].grad for i in checked]
    for i in checked:
        inputs[i].grad = None
    try:
        total = _weighted_sum(_as_tuple(fn(*inputs)), weights)
        if total.requires_grad:  # else no output depends on the inputs: all gradients are 0
            total.backward()
        return [
            np.zeros(inputs[i].shape) if inputs[i].grad is None else inputs[i].grad._data.copy()
            for i in checked
        ]
    finally:
        for i, grad in zip(checked, saved):
            inputs[i].grad = grad


def _numeric(fn, inputs, checked, weights, eps):
    """Central differences of the weighted sum, one element at a time."""

    def value():
        outputs = _as_tuple(fn(*inputs))
        return float(_weighted_sum([np.asarray(o._data) for o in outputs], weights))

    results = []
    for i in checked:
        data = inputs[i]._data
        numeric = np.zeros(data.shape)
        for index in np.ndindex(data.shape):
            original = data[index]
            data[index] = original + eps
            plus = value()
            data[index] = original - eps
            minus = value()
            data[index] = original
            numeric[index] = (plus - minus) / (2 * eps)
        results.append(numeric)
    return results


def gradcheck(
    fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True, name="gradcheck"
):
    """Compare backward with central differences for every input that requires grad.

    Args:
        fn: function of the inputs returning a Tensor or a tuple of Tensors.
        inputs: a Tensor or a tuple of inputs; those requiring grad must be float64.
        eps: the finite-difference step.
        atol, rtol: the check is |analytic - numeric| <= atol + rtol * |numeric| everywhere.
        seed: seeds the random upstream weight.
        raise_exception: raise on failure (naming the input, the worst index and both values)
            instead of returning False.
    Returns:
        True when every gradient matches.
    """
    inputs, checked = _checked_inputs(name, inputs)
    with enable_grad():
        weights = _random_weights(_as_tuple(fn(*inputs)), seed)
        analytic = _analytic(fn, inputs, checked, weights)
    numeric = _numeric(fn, inputs, checked, weights, eps)
    for position, a, n in zip(checked, analytic, numeric):
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        if excess.size and not np.all(excess <= 0):  # NaN fails too
            worst = np.unravel_index(
                np.nanargmax(np.where(np.isnan(excess), np.inf, excess)), excess.shape
            )
            message = (
                f"{name}: gradient of input {position} differs at index {tuple(map(int, worst))}: "
                f"backward gives {float(a[worst])!r}, central differences give {float(n[worst])!r} "
                f"(atol={atol}, rtol={rtol})"
            )
            if raise_exception:
                raise AssertionError(message)
            return False
    return True


def gradgradcheck(fn, inputs, *, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, raise_exception=True):
    """Check second derivatives: gradcheck of the first gradients, built with create_graph.

    The first gradients are those of the weighted output sum; they are then checked, weighted by
    a second random array, against central differences of themselves.
    """
    inputs, checked = _checked_inputs("gradgradcheck", inputs)
    with enable_grad():
        weights = _random_weights(_as_tuple(fn(*inputs)), seed + 1)

    def first_gradients(*xs):
        saved = [xs[i].grad for i in checked]
        for i in checked:
            xs[i].grad = None
        try:
            with enable_grad():
                _weighted_sum(_as_tuple(fn(*xs)), weights).backward(create_graph=True)
            return tuple(xs[i].grad if xs[i].grad is not None else (xs[i] * 0.0) for i in checked)
        finally:
            for i, grad in zip(checked, saved):
                xs[i].grad = grad

    return gradcheck(
        first_gradients,
        inputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        seed=seed,
        raise_exception=raise_exception,
        name="gradgradcheck",
    )
