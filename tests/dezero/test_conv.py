"""badak.dezero.functions_conv against PyTorch (float64) and central differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badak.dezero import Variable
from badak.dezero import functions_conv as C
from badak.gradcheck import gradcheck, gradgradcheck

# (H, W, kernel_size, stride, pad): square and rectangular, strides that do and do not divide
GEOMETRIES = [
    (7, 8, 3, 1, 0),
    (7, 8, 3, 2, 1),
    (8, 8, 3, 2, 1),
    (6, 6, 2, 2, 0),
    (9, 7, (3, 2), (2, 3), (1, 0)),
]


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def var(array):
    return Variable(array.copy())


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def backward_both(y, yt, seed=1):
    """Run badak's and torch's backward with the same random upstream gradient."""
    g = rand(*yt.shape, seed=seed)
    yt.backward(torch.tensor(g))
    y.grad = Variable(g)
    y.backward()


def close(a, b):
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# conv2d / deconv2d
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("H, W, k, s, p", GEOMETRIES)
def test_conv2d_matches_torch_forward_and_gradients(H, W, k, s, p):
    kh, kw = pair(k)
    x, Wt, b = rand(2, 3, H, W), rand(4, 3, kh, kw, seed=2), rand(4, seed=3)
    xv, Wv, bv = var(x), var(Wt), var(b)
    y = C.conv2d(xv, Wv, bv, stride=s, pad=p)
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, Wt, b))
    yt = TF.conv2d(tx, tW, tb, stride=s, padding=p)
    close(y.data, yt.detach().numpy())
    backward_both(y, yt)
    close(xv.grad.data, tx.grad.numpy())
    close(Wv.grad.data, tW.grad.numpy())
    close(bv.grad.data, tb.grad.numpy())


@pytest.mark.parametrize("H, W, k, s, p", GEOMETRIES)
def test_conv2d_gradients_and_gradients_of_gradients(H, W, k, s, p):
    kh, kw = pair(k)
    x, Wt, b = rand(1, 2, H, W), rand(3, 2, kh, kw, seed=2), rand(3, seed=3)
    gradcheck(lambda a, w, c: C.conv2d(a, w, c, s, p), (var(x), var(Wt), var(b)))
    gradgradcheck(lambda a, w: C.conv2d(a, w, None, s, p), (var(x), var(Wt)))


@pytest.mark.parametrize("H, W, k, s, p", GEOMETRIES)
def test_conv2d_simple_equals_conv2d_and_has_its_gradients(H, W, k, s, p):
    kh, kw = pair(k)
    x, Wt, b = rand(2, 3, H, W), rand(4, 3, kh, kw, seed=2), rand(4, seed=3)
    close(C.conv2d_simple(x, Wt, b, s, p).data, C.conv2d(x, Wt, b, s, p).data)
    gradcheck(lambda a, w, c: C.conv2d_simple(a, w, c, s, p), (var(x), var(Wt), var(b)))


def test_conv2d_weight_gradient_is_differentiable_in_the_input_and_the_upstream_gradient():
    x, Wt = rand(2, 2, 7, 8), rand(3, 2, 3, 3, seed=2)
    gy = rand(2, 3, 4, 4, seed=4)

    def weight_gradient(a, g):
        w = var(Wt)
        y = C.conv2d(a, w, None, stride=2, pad=1)
        y.grad = g
        y.backward(create_graph=True)
        a.cleargrad()  # DeZero's backward also gave x its gradient; only w's is the output
        return w.grad

    gradcheck(weight_gradient, (var(x), var(gy)))


@pytest.mark.parametrize(
    "s, p, outsize", [(1, 0, None), (2, 1, None), (2, 1, (14, 15)), ((2, 3), (1, 0), None)]
)
def test_deconv2d_matches_torch_conv_transpose2d(s, p, outsize):
    x, Wt, b = rand(2, 3, 7, 8), rand(3, 5, 3, 2, seed=2), rand(5, seed=3)
    xv, Wv, bv = var(x), var(Wt), var(b)
    y = C.deconv2d(xv, Wv, bv, stride=s, pad=p, outsize=outsize)
    (sh, sw), (ph, pw) = pair(s), pair(p)
    natural = ((7 - 1) * sh + 3 - 2 * ph, (8 - 1) * sw + 2 - 2 * pw)
    extra = (0, 0) if outsize is None else (outsize[0] - natural[0], outsize[1] - natural[1])
    tx, tW, tb = (torch.tensor(a, requires_grad=True) for a in (x, Wt, b))
    yt = TF.conv_transpose2d(tx, tW, tb, stride=(sh, sw), padding=(ph, pw), output_padding=extra)
    close(y.data, yt.detach().numpy())
    backward_both(y, yt)
    close(xv.grad.data, tx.grad.numpy())
    close(Wv.grad.data, tW.grad.numpy())
    close(bv.grad.data, tb.grad.numpy())
    gradgradcheck(lambda a, w: C.deconv2d(a, w, None, s, p, outsize), (var(x[:1]), var(Wt)))


def test_conv2d_keeps_float32_and_accepts_arrays():
    x = rand(2, 3, 5, 5).astype(np.float32)
    W = rand(4, 3, 3, 3).astype(np.float32)
    y = C.conv2d(x, W, np.zeros(4, np.float32), pad=1)
    assert isinstance(y, Variable)
    assert y.shape == (2, 4, 5, 5) and y.dtype == np.float32


def test_conv2d_rejects_channel_mismatch():
    with pytest.raises(ValueError, match=r"conv2d: input of shape \(1, 3, 5, 5\) does not match"):
        C.conv2d(rand(1, 3, 5, 5), rand(4, 2, 3, 3))


@pytest.mark.parametrize(
    "call",
    [
        lambda: C.conv2d(rand(3, 5, 5), rand(4, 3, 3, 3)),
        lambda: C.pooling(rand(3, 5, 5), 2),
        lambda: C.average_pooling(rand(3, 5, 5), 2),
        lambda: C.im2col(rand(3, 5, 5), 2),
    ],
)
def test_image_functions_reject_input_that_is_not_4d(call):
    with pytest.raises(ValueError, match=r"expected x of shape \(N, C, H, W\), got \(3, 5, 5\)"):
        call()


def test_deconv2d_rejects_outsize_that_does_not_map_back():
    with pytest.raises(ValueError, match="deconv2d: outsize"):
        C.deconv2d(rand(1, 3, 7, 8), rand(3, 5, 3, 3), stride=2, pad=1, outsize=(20, 20))


# ----------------------------------------------------------------------------------------------
# Pooling
# ----------------------------------------------------------------------------------------------
POOLS = [(2, 2, 0), (3, 2, 0), (3, 1, 1), ((2, 3), (2, 1), 0)]


@pytest.mark.parametrize("k, s, p", POOLS)
def test_pooling_matches_torch_max_pool2d_on_zero_padded_input(k, s, p):
    x = rand(2, 3, 7, 8)
    xv = var(x)
    y = C.pooling(xv, k, s, p)
    tx = torch.tensor(x, requires_grad=True)
    # DeZero pads with zeros; torch.max_pool2d pads with -inf, so pad explicitly
    yt = TF.max_pool2d(TF.pad(tx, (p, p, p, p)), k, s)
    close(y.data, yt.detach().numpy())
    backward_both(y, yt)
    close(xv.grad.data, tx.grad.numpy())


@pytest.mark.parametrize("k, s, p", POOLS)
def test_pooling_gradients_and_its_backward_functions(k, s, p):
    x = rand(1, 2, 7, 8)
    gradcheck(lambda a: C.pooling(a, k, s, p), (var(x),))
    gradgradcheck(lambda a: C.pooling(a, k, s, p), (var(x),))


def test_pooling_second_order_gradient_reaches_the_upstream_gradient():
    x, v = rand(1, 2, 6, 6), rand(1, 2, 6, 6, seed=7)
    xv = var(x)
    y = C.pooling(xv, 2, 2)
    g = var(rand(*y.shape, seed=5))
    y.grad = g
    y.backward(create_graph=True)
    (xv.grad * Variable(v)).sum().backward()
    # d/dg <v, pooling'(x)^T g> = v at each window's maximum
    expected = v.reshape(1, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 3, 3, 4)
    first_maximum = x.reshape(1, 2, 3, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(1, 2, 3, 3, 4)
    picked = first_maximum.argmax(axis=-1)[..., None]
    close(g.grad.data, np.take_along_axis(expected, picked, axis=-1)[..., 0])


@pytest.mark.parametrize("k, s, p", POOLS)
def test_pooling_simple_equals_pooling(k, s, p):
    x = rand(2, 3, 7, 8)
    close(C.pooling_simple(x, k, s, p).data, C.pooling(x, k, s, p).data)
    gradcheck(lambda a: C.pooling_simple(a, k, s, p), (var(x[:1]),))


@pytest.mark.parametrize("k, s, p", POOLS)
def test_average_pooling_matches_torch_avg_pool2d(k, s, p):
    x = rand(2, 3, 7, 8)
    xv = var(x)
    y = C.average_pooling(xv, k, s, p)
    tx = torch.tensor(x, requires_grad=True)
    yt = TF.avg_pool2d(tx, k, s, p)  # count_include_pad=True, as DeZero's zero padding
    close(y.data, yt.detach().numpy())
    backward_both(y, yt)
    close(xv.grad.data, tx.grad.numpy())
    gradcheck(lambda a: C.average_pooling(a, k, s, p), (var(x[:1]),))
    gradgradcheck(lambda a: C.average_pooling(a, k, s, p), (var(x[:1]),))


# ----------------------------------------------------------------------------------------------
# im2col / col2im
# ----------------------------------------------------------------------------------------------
def test_im2col_shapes_as_in_the_book():
    assert C.im2col(rand(1, 3, 7, 7), kernel_size=5, stride=1, pad=0).shape == (9, 75)
    assert C.im2col(rand(10, 3, 7, 7), (5, 5), (1, 1), (0, 0)).shape == (90, 75)
    assert C.im2col(rand(2, 3, 7, 8), 3, 2, 1, to_matrix=False).shape == (2, 3, 3, 3, 4, 4)


@pytest.mark.parametrize("to_matrix", [True, False])
def test_col2im_is_the_adjoint_of_im2col(to_matrix):
    x = rand(2, 3, 7, 8)
    col = rand(*C.im2col_array(x, 3, 2, 1, to_matrix).shape, seed=3)
    lhs = np.sum(C.im2col_array(x, 3, 2, 1, to_matrix) * col)
    rhs = np.sum(x * C.col2im_array(col, x.shape, 3, 2, 1, to_matrix))
    assert lhs == pytest.approx(rhs, rel=1e-12)


@pytest.mark.parametrize("to_matrix", [True, False])
def test_im2col_and_col2im_gradients(to_matrix):
    x = rand(1, 2, 5, 6)
    gradcheck(lambda a: C.im2col(a, 3, 2, 1, to_matrix), (var(x),))
    gradgradcheck(lambda a: C.im2col(a, 3, 2, 1, to_matrix), (var(x),))
    col = rand(*C.im2col_array(x, 3, 2, 1, to_matrix).shape, seed=3)
    gradcheck(lambda c: C.col2im(c, x.shape, 3, 2, 1, to_matrix), (var(col),))


def test_im2col_row_holds_one_patch_channel_major():
    x = np.arange(2 * 4 * 4, dtype=np.float64).reshape(1, 2, 4, 4)
    col = C.im2col_array(x, 2, 2, 0)
    np.testing.assert_array_equal(
        col[1], np.concatenate([x[0, 0, :2, 2:].ravel(), x[0, 1, :2, 2:].ravel()])
    )


def test_conv2d_forms_its_product_as_chainer_so_float32_results_are_chainers_bits():
    # DeZero's own tests compare conv2d with chainer.functions.convolution_2d exactly; Chainer
    # forms it as tensordot of the 6-d windows with W, then moves the channels forward
    x = rand(2, 5, 20, 15).astype(np.float32)
    W = rand(3, 5, 5, 3, seed=1).astype(np.float32)
    b = rand(3, seed=2).astype(np.float32)
    padded = np.pad(x, ((0, 0), (0, 0), (3, 3), (3, 3)))
    OH, OW = 20 + 6 - 5 + 1, 15 + 6 - 3 + 1
    cols = np.empty((2, 5, 5, 3, OH, OW), np.float32)
    for ky in range(5):
        for kx in range(3):
            cols[:, :, ky, kx] = padded[:, :, ky : ky + OH, kx : kx + OW]
    expected = np.rollaxis(np.tensordot(cols, W, ((1, 2, 3), (1, 2, 3))) + b, 3, 1)
    np.testing.assert_array_equal(C.conv2d(x, W, b, 1, 3).data, expected)
