"""The compiled cross-entropy kernel (numba, the `fast` extra) gives the NumPy kernel's results,
and cross_entropy gives the same loss and gradients with it on and off."""

import numba
import numpy as np
import pytest

import badak
import badak.nn.functional as F
from badak import kernels
from badak.kernels import cross_entropy as kernel
from badak.kernels import cross_entropy_numba as compiled
from badak.kernels import row_pass_ir


@numba.njit
def exp_row(x, out):
    """out = exp(x) by the kernel's pass (x <= 0): a vector body and a scalar tail."""
    body = x.shape[0] // row_pass_ir.LANES * row_pass_ir.LANES
    row_pass_ir.row_pass(x, np.float32(0), out, x, x, x, np.float32(0), 0, body)


def numpy_then_compiled(monkeypatch, run):
    """[run() with the compiled kernel off, run() with it on]."""
    results = []
    for use in (False, True):
        monkeypatch.setattr(kernels, "enabled", use)
        results.append(run())
    return results


def rows_with_edge_cases(n_rows, n_classes, rng):
    rows = (4 * rng.standard_normal((n_rows, n_classes))).astype(np.float32)
    rows[1, :3] = rows[1].max() + 1  # a three-way tie at the maximum
    rows[2] = 0
    rows[2, 0] = 60  # confident
    rows[3, 5] = np.nan
    rows[4, 7] = -np.inf  # a masked logit is fine
    return rows


@pytest.mark.parametrize("n_classes", [12, 255, 700])  # short rows' loop, and the streaming one
@pytest.mark.parametrize("smoothing", [False, True])
@pytest.mark.parametrize("in_place", [False, True])
def test_compiled_kernel_equals_the_numpy_kernel(n_classes, smoothing, in_place, monkeypatch):
    rng = np.random.default_rng(3)
    n_rows = 9
    rows = rows_with_edge_cases(n_rows, n_classes, rng)
    target = rng.integers(0, n_classes, n_rows)
    target[1], target[2] = 2, 0  # at the tie, and the confident class
    weight = rng.uniform(0.5, 2, n_classes).astype(np.float32)
    hard = rng.uniform(0, 1, n_rows).astype(np.float32)
    smooth = np.full(n_rows, 0.2 / n_classes, np.float32) if smoothing else None

    def run():
        data = rows.copy()
        gradient = data if in_place else np.empty_like(data)
        return kernel.softmax_cross_entropy(data, target, weight, hard, smooth, gradient), gradient

    results = numpy_then_compiled(monkeypatch, run)
    (numpy_terms, numpy_grad), (compiled_terms, compiled_grad) = results
    for name in ("normalizer", "target_shift") + (("weighted_shift",) if smoothing else ()):
        np.testing.assert_allclose(getattr(compiled_terms, name), getattr(numpy_terms, name),
                                   rtol=2e-6, atol=1e-6, err_msg=name)  # fmt: skip
    np.testing.assert_allclose(compiled_grad, numpy_grad, rtol=2e-6, atol=1e-9)
    assert np.isnan(compiled_terms.normalizer[3]) and np.isnan(compiled_grad[3]).all()
    assert compiled_terms.normalizer[2] == pytest.approx(
        np.log1p((n_classes - 1) * np.exp(-60.0)), rel=1e-5
    )


@pytest.mark.parametrize("n_classes", [10, 100, 257, 264, 701])
@pytest.mark.parametrize("offset", [0, 1, 3])
@pytest.mark.parametrize("with_gradient", [False, True])
def test_every_alignment_and_row_length_gives_the_numpy_kernel_results(
    n_classes, offset, with_gradient, monkeypatch
):
    """The streaming pass writes 16 entries at a time from a 64-byte boundary: rows that start
    anywhere and end anywhere, and rows with NaN, infinities and ties where the next row's
    maximum is found, give the NumPy kernel's results."""
    rng = np.random.default_rng(n_classes + offset)
    rows = rows_with_edge_cases(9, n_classes, rng)
    rows[0, 4] = np.nan  # found by the first row's own pass
    rows[5] = -np.inf  # no finite entry: NaN, as in NumPy
    rows[6, -1] = np.inf  # an infinite maximum: NaN
    target = rng.integers(0, n_classes, 9)
    weight = np.ones(n_classes, np.float32)
    hard = np.full(9, 1 / 9, np.float32)

    def run():
        gradient = None
        if with_gradient:  # a view that starts `offset` entries into its buffer
            gradient = np.full(9 * n_classes + offset, 7, np.float32)[offset:]
            gradient = gradient.reshape(9, n_classes)
        with np.errstate(invalid="ignore"):  # -inf - -inf: the NumPy kernel's NaN rows
            return kernel.softmax_cross_entropy(
                rows, target, weight, hard, None, gradient
            ), gradient

    results = numpy_then_compiled(monkeypatch, run)
    (numpy_terms, numpy_grad), (compiled_terms, compiled_grad) = results
    np.testing.assert_allclose(compiled_terms.normalizer, numpy_terms.normalizer, rtol=2e-6,
                               atol=1e-6)  # fmt: skip
    finite = np.isfinite(numpy_terms.normalizer)  # elsewhere the loss is NaN either way
    np.testing.assert_allclose(compiled_terms.target_shift[finite],
                               numpy_terms.target_shift[finite], rtol=2e-6, atol=1e-6)  # fmt: skip
    assert np.isnan(compiled_terms.normalizer[[0, 3, 5, 6]]).all()
    assert np.isfinite(compiled_terms.normalizer[[1, 2, 4, 7, 8]]).all()
    if with_gradient:
        np.testing.assert_allclose(compiled_grad, numpy_grad, rtol=2e-6, atol=1e-9)


@pytest.mark.parametrize("n_classes", [10, 264, 1000, 1024])
def test_the_results_are_bitwise_the_same_wherever_the_gradient_lies(n_classes):
    """Non-temporal stores need aligned rows; the sums must not follow the buffer's address, or
    the same logits would give a different last bit from run to run."""
    rng = np.random.default_rng(n_classes)
    rows = (4 * rng.standard_normal((7, n_classes))).astype(np.float32)
    target = rng.integers(0, n_classes, 7)
    weight, hard = np.ones(n_classes, np.float32), np.full(7, 1 / 7, np.float32)
    results = []
    for offset in range(16):  # every 4-byte position in a cache line
        buffer = kernel.aligned_empty(rows.size + 16, np.float32)
        gradient = buffer[offset : offset + rows.size].reshape(rows.shape)
        terms = compiled.softmax_cross_entropy(rows, target, weight, hard, None, gradient)
        results.append((terms.normalizer, terms.target_shift, gradient))
    for result in results[1:]:
        assert all(np.array_equal(a, b) for a, b in zip(result, results[0]))


@numba.njit
def _short_row_sums(rows, i, scratch):
    return compiled._short_row_exp(rows, i, compiled._short_row_max(rows, i), scratch)


@pytest.mark.parametrize("n_classes", [10, 37, 200])
def test_short_row_sums_are_bitwise_the_same_wherever_the_scratch_row_lies(n_classes):
    """The scratch row is allocated inside the kernel, anywhere; right after the logits, LLVM's
    run-time overlap test once sent the loop to its scalar version, whose sums round otherwise:
    a training run then changed in the last bit from process to process."""
    rng = np.random.default_rng(n_classes)
    logits = (3 * rng.standard_normal((8, n_classes))).astype(np.float32)
    results = set()
    for offset in range(-n_classes - 32, 64):  # before the logits, and just past their end
        buffer = np.zeros(12 * n_classes + 256, np.float32)
        start = 2 * n_classes + 128
        rows = buffer[start : start + logits.size].reshape(logits.shape)
        rows[:] = logits
        scratch = buffer[start + rows.size + offset :][:n_classes]
        if not np.shares_memory(scratch, rows):
            results.add((_short_row_sums(rows, 7, scratch), scratch.tobytes()))
    assert len(results) == 1


@pytest.mark.parametrize("n_classes", [10, 512])
@pytest.mark.parametrize("reduction", ["mean", "none"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_cross_entropy_is_the_same_with_the_compiled_kernel_on_and_off(
    n_classes, reduction, create_graph, monkeypatch
):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((16, n_classes)).astype(np.float32)
    target = rng.integers(0, n_classes, 16)
    target[3] = -100

    def run():
        leaf = badak.tensor(x, requires_grad=True)
        loss = F.cross_entropy(leaf, badak.tensor(target), reduction=reduction,
                               label_smoothing=0.1).sum()  # fmt: skip
        loss.backward(create_graph=create_graph)
        assert loss.dtype == np.float32 and leaf.grad.dtype == np.float32
        return loss.numpy(), leaf.grad.numpy()

    results = numpy_then_compiled(monkeypatch, run)
    np.testing.assert_allclose(results[1][0], results[0][0], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=2e-6, atol=1e-9)


def test_the_compiled_exp_is_more_accurate_than_numpys():
    x = -np.linspace(0, 87, 2_000_001, dtype=np.float32)
    out = np.empty_like(x)
    exp_row(x, out)
    exact = np.exp(x.astype(np.float64))
    ulp = np.spacing(exact.astype(np.float32)).astype(np.float64)
    error, numpy_error = np.abs(out - exact) / ulp, np.abs(np.exp(x) - exact) / ulp
    assert error.max() <= 1.2 and np.mean(error > 1) < 1e-3
    assert error.max() < numpy_error.max()


def plain_calls(monkeypatch):
    """A list that records what each kernel.plain_cross_entropy call gave."""
    calls, original = [], kernel.plain_cross_entropy

    def spy(*args):
        calls.append(original(*args))
        return calls[-1]

    monkeypatch.setattr(kernel, "plain_cross_entropy", spy)
    return calls


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_the_common_case_in_one_compiled_call_gives_the_general_paths_results(
    reduction, create_graph, monkeypatch
):
    rng = np.random.default_rng(5)
    x = rows_with_edge_cases(12, 10, rng)
    x[3, 5] = 0  # no NaN: it would make the whole loss NaN
    target = rng.integers(0, 10, 12)
    target[1], target[2] = 2, 0
    calls = plain_calls(monkeypatch)

    def run():
        leaf = badak.tensor(x, requires_grad=True)
        loss = F.cross_entropy(leaf, badak.tensor(target), reduction=reduction)
        loss.backward(create_graph=create_graph)
        assert loss.dtype == np.float32 and leaf.grad.dtype == np.float32
        return loss.numpy(), leaf.grad.numpy()

    (general_loss, general_grad), (plain_loss, plain_grad) = numpy_then_compiled(monkeypatch, run)
    assert calls[0] is None and calls[1] is not None  # off, then on: the plain path ran
    np.testing.assert_allclose(plain_loss, general_loss, rtol=1e-6)
    np.testing.assert_allclose(plain_grad, general_grad, rtol=2e-6, atol=1e-9)


def test_a_nan_row_a_second_backward_and_a_non_class_target_in_the_common_case(monkeypatch):
    rng = np.random.default_rng(6)
    x = rng.standard_normal((5, 10)).astype(np.float32)
    x[2, 4] = np.nan
    calls = plain_calls(monkeypatch)
    leaf = badak.tensor(x, requires_grad=True)
    loss = F.cross_entropy(leaf, badak.tensor([0, 1, 2, 3, 4]))
    assert calls[-1] is not None and np.isnan(loss.item())
    loss.backward(retain_graph=True)
    first = leaf.grad.numpy().copy()
    assert np.isnan(first[2]).all() and np.isfinite(np.delete(first, 2, axis=0)).all()
    leaf.grad = None
    loss.backward()  # the gradient is formed again by the general kernel
    np.testing.assert_allclose(leaf.grad.numpy(), first, rtol=2e-6, atol=1e-9)
    # ignore_index among the targets, and a target out of range: the general path decides
    x = np.nan_to_num(x)
    ignored = F.cross_entropy(badak.tensor(x), badak.tensor([0, 1, 3, 3, 4]), ignore_index=3)
    assert calls[-1] is None
    kept = [0, 1, 4]
    expected = F.cross_entropy(badak.tensor(x[kept]), badak.tensor([0, 1, 4]))
    np.testing.assert_allclose(ignored.item(), expected.item(), rtol=1e-6)
    with pytest.raises(IndexError, match=r"target\[4\] = 10"):
        F.cross_entropy(badak.tensor(x), badak.tensor([0, 1, 2, 3, 10]))


@pytest.mark.parametrize("n_classes", [5, 300])  # the short rows' loop, and the streaming one
@pytest.mark.parametrize("with_smoothing", [False, True])
def test_no_row_means_no_read_or_write_outside_the_arrays(n_classes, with_smoothing):
    # The arrays are empty views in the middle of larger buffers, whose other rows must survive.
    buffer = np.full((3, n_classes), 7.0, np.float32)
    rows, gradient = np.zeros((3, n_classes), np.float32)[1:1], buffer[1:1]
    empty = np.zeros(0, np.float32)
    compiled.softmax_cross_entropy(
        rows, np.zeros(0, np.int64), np.ones(n_classes, np.float32), empty,
        empty if with_smoothing else None, gradient,
    )  # fmt: skip
    assert np.all(buffer == 7.0)


@pytest.mark.parametrize("use", [False, True])
@pytest.mark.parametrize("shape", [(0, 5), (0, 300), (0, 3, 4), (2, 300, 0)])
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_an_empty_batch_gives_zero_loss_and_an_empty_gradient(use, shape, reduction, monkeypatch):
    monkeypatch.setattr(kernels, "enabled", use)
    x = badak.tensor(np.zeros(shape, np.float32), requires_grad=True)
    target = badak.tensor(np.zeros((shape[0], *shape[2:]), np.int64))
    loss = F.cross_entropy(x, target, reduction=reduction)
    loss.sum().backward()
    assert loss.numpy().sum() == 0 and x.grad.shape == shape and x.grad.dtype == np.float32
