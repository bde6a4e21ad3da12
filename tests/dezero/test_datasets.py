# ruff: noqa: NPY002 - DeZero draws from NumPy's global RNG, and these tests check that it does

import gzip

import numpy as np
import pytest

from badak.data import DataError
from badak.dezero import datasets
from badak.dezero.datasets import MNIST, Dataset, SinCurve, Spiral, get_spiral
from tests.data.idx_files import write_idx, write_idx_folder


@pytest.fixture(autouse=True)
def keep_global_rng():
    """The tests seed NumPy's global RNG; other tests get its state back."""
    state = np.random.get_state()
    yield
    np.random.set_state(state)


def dezero_spiral(train):
    """DeZero's procedure, point by point: reseed, one randn per point (arm after arm), then a
    permutation of the rows."""
    np.random.seed(1984 if train else 2020)
    x = np.zeros((300, 2), dtype=np.float32)
    t = np.zeros(300, dtype=int)
    for j in range(3):
        for i in range(100):
            rate = i / 100
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            x[100 * j + i] = [rate * np.sin(theta), rate * np.cos(theta)]
            t[100 * j + i] = j
    order = np.random.permutation(300)
    return x[order], t[order]


@pytest.mark.parametrize("train", [True, False])
def test_get_spiral_equals_dezero_s_data(train):
    x, t = get_spiral(train=train)
    x_ref, t_ref = dezero_spiral(train)
    assert x.dtype == np.float32 and x.shape == (300, 2)
    assert t.dtype == np.int64 and t.shape == (300,)
    np.testing.assert_array_equal(x, x_ref)
    np.testing.assert_array_equal(t, t_ref)


@pytest.mark.parametrize("train", [True, False])
def test_get_spiral_leaves_the_global_rng_where_dezero_does(train):
    np.random.seed(7)
    get_spiral(train)
    after = np.random.rand(3)
    dezero_spiral(train)
    np.testing.assert_array_equal(after, np.random.rand(3))


def test_spiral_train_and_test_differ_and_hold_100_points_per_class():
    (x_train, t_train), (x_test, t_test) = get_spiral(True), get_spiral(False)
    assert not np.array_equal(x_train, x_test)
    np.testing.assert_array_equal(np.bincount(t_train), [100, 100, 100])
    np.testing.assert_array_equal(np.bincount(t_test), [100, 100, 100])


def test_spiral_dataset_hands_out_pairs():
    train = Spiral()
    x, t = get_spiral(train=True)
    assert len(train) == 300 and train.train
    x0, t0 = train[0]
    np.testing.assert_array_equal(x0, x[0])
    assert t0 == t[0]
    np.testing.assert_array_equal(Spiral(train=False).data, get_spiral(train=False)[0])


def test_dataset_applies_transform_and_target_transform():
    data = Spiral(transform=lambda x: x * 2, target_transform=lambda t: t + 10)
    x, t = get_spiral()
    x5, t5 = data[5]
    np.testing.assert_array_equal(x5, x[5] * 2)
    assert t5 == t[5] + 10


def test_dataset_without_labels_gives_none():
    class Unlabelled(Dataset):
        def prepare(self):
            self.data = np.arange(4)

    assert Unlabelled()[2] == (2, None)
    assert len(Unlabelled()) == 4


def test_dataset_rejects_a_slice_index():
    with pytest.raises(TypeError, match="Spiral: index must be one integer, got slice"):
        Spiral()[0:2]


def test_sin_curve_is_next_value_prediction_with_global_rng_noise():
    np.random.seed(3)
    train = SinCurve(train=True)
    np.random.seed(3)
    x = np.linspace(0, 2 * np.pi, 1000)
    y = np.sin(x) + np.random.uniform(-0.05, 0.05, size=x.shape)
    assert train.data.shape == train.label.shape == (999, 1)
    assert train.data.dtype == np.float64
    np.testing.assert_array_equal(train.data[:, 0], y[:-1])
    np.testing.assert_array_equal(train.label[:, 0], y[1:])
    test = SinCurve(train=False)
    np.testing.assert_array_equal(test.data[:, 0], np.cos(x)[:-1])


# ----------------------------------------------------------------------------------------------
# MNIST from local IDX files
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reads_both_splits_from_an_idx_folder(tmp_path, gz):
    train_x, train_t, test_x, test_t = write_idx_folder(tmp_path, n_train=6, n_test=4, gz=gz)
    train, test = MNIST(train=True, root=tmp_path), MNIST(train=False, root=tmp_path)
    assert len(train) == 6 and len(test) == 4
    assert train.data.shape == (6, 1, 3, 3) and train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.data[:, 0], train_x)
    np.testing.assert_array_equal(train.label, train_t)
    np.testing.assert_array_equal(test.data[:, 0], test_x)
    np.testing.assert_array_equal(test.label, test_t)


def test_mnist_default_transform_flattens_and_scales_to_float32(tmp_path):
    images, labels, _, _ = write_idx_folder(tmp_path)
    x, t = MNIST(root=tmp_path)[1]
    assert x.dtype == np.float32 and x.shape == (9,)
    np.testing.assert_array_equal(x, images[1].reshape(-1).astype(np.float32) / np.float32(255))
    assert t == labels[1] and np.issubdtype(type(t), np.integer)


def test_mnist_without_transform_gives_dezero_s_raw_images(tmp_path):
    images, _, _, _ = write_idx_folder(tmp_path)
    x, _ = MNIST(root=tmp_path, transform=None)[0]
    assert x.dtype == np.uint8 and x.shape == (1, 3, 3)
    np.testing.assert_array_equal(x[0], images[0])


def test_mnist_root_defaults_to_the_env_var_then_dot_dezero(tmp_path, monkeypatch):
    from_env, home = tmp_path / "env", tmp_path / "home"
    from_env.mkdir()
    (home / ".dezero").mkdir(parents=True)
    write_idx_folder(from_env, n_train=5)
    write_idx_folder(home / ".dezero", n_train=7, gz=True)  # where DeZero saves its downloads
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("BADAK_MNIST_DIR", str(from_env))
    assert len(MNIST()) == 5 and MNIST().root == from_env
    monkeypatch.delenv("BADAK_MNIST_DIR")
    assert len(MNIST()) == 7 and MNIST().root == home / ".dezero"


def test_mnist_without_files_explains_that_it_does_not_download(tmp_path):
    with pytest.raises(FileNotFoundError) as error:
        MNIST(root=tmp_path)
    message = str(error.value)
    assert "train-images-idx3-ubyte and train-labels-idx1-ubyte" in message
    assert str(tmp_path) in message and "does not download" in message
    assert "t10k-labels-idx1-ubyte" in message and "BADAK_MNIST_DIR" in message


def test_mnist_test_split_needs_only_the_t10k_files(tmp_path):
    _, _, test_x, _ = write_idx_folder(tmp_path)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        (tmp_path / name).unlink()
    assert len(MNIST(train=False, root=tmp_path)) == len(test_x)
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        MNIST(train=True, root=tmp_path)


def test_mnist_rejects_mismatched_counts(tmp_path):
    write_idx_folder(tmp_path, n_train=6)
    write_idx(tmp_path / "train-labels-idx1-ubyte", np.zeros(5, np.uint8))
    with pytest.raises(DataError, match="holds 6 images but train-labels-idx1-ubyte holds 5"):
        MNIST(root=tmp_path)


def test_mnist_rejects_images_that_are_not_uint8_rows_by_cols(tmp_path):
    write_idx_folder(tmp_path)
    write_idx(tmp_path / "train-images-idx3-ubyte", np.zeros((6, 9), np.uint8))
    with pytest.raises(DataError, match=r"expected uint8 images of shape \(N, rows, cols\)"):
        MNIST(root=tmp_path)


def test_mnist_reports_a_damaged_gzip_file(tmp_path):
    write_idx_folder(tmp_path)
    (tmp_path / "train-images-idx3-ubyte").unlink()
    (tmp_path / "train-images-idx3-ubyte.gz").write_bytes(gzip.compress(b"xyz")[:-4])
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        MNIST(root=tmp_path)


def test_mnist_labels_are_the_ten_digits():
    assert MNIST.labels() == {i: str(i) for i in range(10)}


def test_mnist_show_draws_a_grid(tmp_path, monkeypatch):
    plt = pytest.importorskip("matplotlib.pyplot")
    write_idx_folder(tmp_path)
    shown = []
    monkeypatch.setattr(plt, "show", lambda: shown.append(plt.gcf()))
    MNIST(root=tmp_path).show(row=2, col=3)
    assert shown and shown[0].axes[0].images[0].get_array().shape == (6, 9)
    plt.close("all")


def test_download_only_sets_are_not_provided():
    for name in ("CIFAR10", "CIFAR100", "ImageNet", "Shakespear"):
        assert not hasattr(datasets, name)
