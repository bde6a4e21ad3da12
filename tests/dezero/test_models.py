# ruff: noqa: NPY002 - DeZero draws from NumPy's global RNG, and these tests check that it does
"""badak.dezero.models: the book's numbers, Sequential, VGG16 and ResNet with DeZero's names."""

import numpy as np
import pytest

import badak.dezero as dezero
from badak.dezero import Variable
from badak.dezero import functions as F
from badak.dezero import layers as L
from badak.dezero import models as M


def flat_names(model):
    names = {}
    model._flatten_params(names)
    return names


# ----------------------------------------------------------------------------------------------
# MLP / Sequential / Model
# ----------------------------------------------------------------------------------------------
def test_mlp_prints_the_seed_documents_number():
    np.random.seed(0)
    model = M.MLP((10, 3))
    y = model(np.array([[0.2, -0.4]]))
    assert repr(y) == "variable([[-0.61505778 -0.42790161  0.31733289]])"


def test_mlp_layers_are_a_list_and_attributes_l0_l1():
    model = M.MLP((4, 2), activation=F.relu)
    assert model.layers == [model.l0, model.l1]
    model(np.ones((3, 5), np.float32))
    assert list(flat_names(model)) == ["l0/W", "l0/b", "l1/W", "l1/b"]
    assert model.l0.W.shape == (5, 4) and model.l1.W.shape == (4, 2)
    assert all(p.dtype == np.float32 for p in model.params())


def test_mlp_applies_the_activation_between_layers_only():
    model = M.MLP((3, 2), activation=F.relu)
    x = np.random.default_rng(0).standard_normal((4, 2)).astype(np.float32)
    y = model(x)
    hidden = np.maximum(x @ model.l0.W.data + model.l0.b.data, 0)
    np.testing.assert_allclose(y.data, hidden @ model.l1.W.data + model.l1.b.data, rtol=1e-6)


class TwoLayerNet(M.Model):
    """The network of the book's step 45."""

    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.l1 = L.Linear(hidden_size)
        self.l2 = L.Linear(out_size)

    def forward(self, x):
        return self.l2(F.sigmoid(self.l1(x)))


def train_step45(iterations):
    """Step 45's program: sine data, TwoLayerNet(10, 1), SGD with lr 0.2; the losses."""
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    model = TwoLayerNet(10, 1)
    losses = []
    for _ in range(iterations):
        loss = F.mean_squared_error(y, model(x))
        model.cleargrads()
        loss.backward()
        for p in model.params():
            p.data -= 0.2 * p.grad.data
        losses.append(loss)
    return losses


def test_step45_first_loss_is_the_books():
    assert repr(train_step45(1)[0]) == "variable(0.8165178492839196)"


def test_step45_loss_after_1000_iterations_is_the_books():
    assert repr(train_step45(1001)[1000]) == "variable(0.24990280802148895)"


def test_sequential_holds_layers_as_l0_l1_and_applies_them_in_turn():
    model = M.Sequential(L.Linear(4, in_size=3), F.sigmoid, L.Linear(2, in_size=4))
    assert list(flat_names(model)) == ["l0/W", "l0/b", "l2/W", "l2/b"]
    x = np.ones((2, 3), np.float32)
    expected = model.l2(F.sigmoid(model.l0(x)))
    np.testing.assert_allclose(model(x).data, expected.data)


def test_model_save_and_load_weights_reproduce_outputs(tmp_path):
    model = M.MLP((5, 2))
    x = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    y = model(x)
    model.save_weights(tmp_path / "mlp.npz")
    other = M.MLP((5, 2))
    other.load_weights(tmp_path / "mlp.npz")
    np.testing.assert_array_equal(other(x).data, y.data)


def test_model_plot_writes_the_graph(tmp_path):
    model = M.MLP((3, 1))
    model.plot(Variable(np.ones((2, 2))), to_file=str(tmp_path / "model.png"))
    dot = (tmp_path / "model.dot").read_text()
    assert dot.startswith("digraph g {") and "Sigmoid" in dot


# ----------------------------------------------------------------------------------------------
# VGG16
# ----------------------------------------------------------------------------------------------
VGG16_CONV_PARAMS = 14_714_688  # the 13 convolutions' weights and biases


def test_vgg16_forward_on_a_small_image_and_its_parameters():
    np.random.seed(0)
    model = M.VGG16()
    x = np.random.default_rng(0).standard_normal((1, 3, 32, 32)).astype(np.float32)
    with dezero.test_mode():  # no dropout: two forwards agree
        y = model(x)
        np.testing.assert_array_equal(model(x).data, y.data)
    assert y.shape == (1, 1000) and y.dtype == np.float32
    names = flat_names(model)
    assert list(names)[:4] == ["conv1_1/W", "conv1_1/b", "conv1_2/W", "conv1_2/b"]
    assert list(names)[-2:] == ["fc8/W", "fc8/b"]
    assert names["conv1_1/W"].shape == (64, 3, 3, 3)
    # a 32x32 image is 1x1 after five poolings, so fc6 sees 512 features
    assert names["fc6/W"].shape == (512, 4096)
    fc = 512 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 1000 + 1000
    assert sum(p.data.size for p in model.params()) == VGG16_CONV_PARAMS + fc


def test_vgg16_preprocess_gives_bgr_minus_mean_channels_first():
    class Image:  # the part of PIL's Image that preprocess uses
        def __init__(self, array):
            self.array = array

        def convert(self, mode):
            assert mode == "RGB"
            return self

        def resize(self, size):
            assert size == (4, 2)
            return self

        def __array__(self, dtype=None, copy=None):
            return self.array.astype(dtype)

    rgb = np.arange(24, dtype=np.uint8).reshape(2, 4, 3)
    out = M.VGG16.preprocess(Image(rgb), size=(4, 2))
    assert out.shape == (3, 2, 4) and out.dtype == np.float32
    np.testing.assert_allclose(out[0], rgb[:, :, 2] - 103.939, rtol=1e-6)
    np.testing.assert_allclose(out[2], rgb[:, :, 0] - 123.68, rtol=1e-6)


# ----------------------------------------------------------------------------------------------
# ResNet
# ----------------------------------------------------------------------------------------------
def test_resnet50_forward_names_and_parameter_count():
    np.random.seed(0)
    model = M.ResNet50()
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    y = model(x)
    assert y.shape == (1, 1000) and y.dtype == np.float32
    names = flat_names(model)
    assert names["conv1/W"].shape == (64, 3, 7, 7) and names["conv1/b"].shape == (64,)
    assert names["res2/a/conv1/W"].shape == (64, 64, 1, 1)
    assert names["res2/a/conv4/W"].shape == (256, 64, 1, 1)
    assert names["res3/a/conv1/W"].shape == (128, 256, 1, 1)
    assert names["res5/b2/bn3/avg_var"].shape == (2048,)
    assert "res5/b3/conv1/W" not in names  # ResNet50's res5 has a, b1, b2
    assert names["fc6/W"].shape == (2048, 1000)
    # torchvision's resnet50 has 25,557,032; here conv1 has a bias (64) and every BatchNorm's
    # running mean and variance are Parameters (2 * 26,560)
    assert sum(p.data.size for p in model.params()) == 25_557_032 + 64 + 2 * 26_560


def test_bottleneck_a_strides_the_1x1_or_the_3x3_convolution():
    msra = M.BottleneckA(8, 4, 16, stride=2)
    fb = M.BottleneckA(8, 4, 16, stride=2, downsample_fb=True)
    assert (msra.conv1.stride, msra.conv2.stride) == (2, 1)
    assert (fb.conv1.stride, fb.conv2.stride) == (1, 2)
    x = np.ones((1, 8, 6, 6), np.float32)
    assert msra(x).shape == fb(x).shape == (1, 16, 3, 3)


def test_building_block_has_a_then_b1_b2():
    block = M.BuildingBlock(3, 8, 4, 16, 1)
    assert block._forward == ["a", "b1", "b2"]
    assert block(np.ones((2, 8, 5, 5), np.float32)).shape == (2, 16, 5, 5)


def test_resnet_rejects_other_depths():
    with pytest.raises(ValueError, match="50, 101 or 152"):
        M.ResNet(34)


@pytest.mark.parametrize("build", [M.VGG16, M.ResNet50, M.ResNet101, M.ResNet152])
def test_pretrained_weights_need_the_network(build):
    with pytest.raises(RuntimeError, match="does not download"):
        build(pretrained=True)
