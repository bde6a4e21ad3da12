"""badak/plot.py: the figures of a run are valid PNG files of the expected size, written
atomically."""

import struct

import matplotlib.image
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from badak import nn, plot
from badak.classifier import Classifier, Standardizer
from badak.random import manual_seed
from tests.cli_helpers import temporary_files

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path):
    """(width, height) from the PNG's IHDR chunk, after checking the signature."""
    data = path.read_bytes()
    assert data[:8] == SIGNATURE
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    return struct.unpack(">II", data[16:24])


def assert_png(path, width, height):
    assert png_size(path) == (width, height)
    image = matplotlib.image.imread(path)  # decodes the whole file
    assert image.shape[:2] == (height, width)
    assert image.std() > 0  # something was drawn
    assert temporary_files(path.parent) == []


HISTORY = [
    {
        "epoch": k,
        "train_loss": 1 / k,
        "train_accuracy": 1 - 0.5 / k,
        "val_loss": 1.2 / k,
        "val_accuracy": 1 - 0.6 / k,
        "seconds": 0.1,
    }
    for k in range(1, 6)
]


def test_loss_curves_draw_a_1000_by_400_png(tmp_path):
    plot.loss_curves(HISTORY, tmp_path / "loss.png")
    assert_png(tmp_path / "loss.png", 1000, 400)


def test_loss_curves_of_a_single_epoch(tmp_path):
    plot.loss_curves(HISTORY[:1], tmp_path / "loss.png")
    assert_png(tmp_path / "loss.png", 1000, 400)


@pytest.mark.parametrize("n, pixels", [(2, 500), (3, 550), (10, 900), (30, 1400)])
def test_confusion_grows_with_the_classes_up_to_14_inches(tmp_path, n, pixels):
    rng = np.random.default_rng(n)
    matrix = rng.integers(0, 50, (n, n))
    plot.confusion(matrix, [f"class {k}" for k in range(n)], tmp_path / "confusion.png")
    assert_png(tmp_path / "confusion.png", pixels, pixels)


def test_confusion_of_all_zeros(tmp_path):
    plot.confusion(np.zeros((3, 3), np.int64), ["a", "b", "c"], tmp_path / "confusion.png")
    assert png_size(tmp_path / "confusion.png") == (550, 550)


def spiral_classifier():
    manual_seed(0)
    architecture = {
        "model": "linear",
        "in_features": 2,
        "hidden": [],
        "out_features": 3,
        "activation": "relu",
    }
    network = nn.Linear(2, 3)
    standardizer = Standardizer(np.zeros(2, np.float32), np.ones(2, np.float32))
    return Classifier(network, architecture, ["0", "1", "2"], ["x1", "x2"], "class", standardizer)


def test_decision_boundary_draws_a_600_by_600_png(tmp_path):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(60, 2)).astype(np.float32)
    targets = rng.integers(0, 3, 60)
    plot.decision_boundary(spiral_classifier(), features, targets, tmp_path / "boundary.png")
    assert_png(tmp_path / "boundary.png", 600, 600)


def test_decision_boundary_of_points_on_a_line(tmp_path):
    features = np.array([[0, 1], [1, 1], [2, 1]], np.float32)  # no spread along x2
    plot.decision_boundary(
        spiral_classifier(), features, np.array([0, 1, 2]), tmp_path / "b.png", resolution=20
    )
    assert png_size(tmp_path / "b.png") == (600, 600)


def test_a_figure_replaces_an_old_file_whole(tmp_path):
    path = tmp_path / "loss.png"
    path.write_bytes(b"old")
    plot.loss_curves(HISTORY, path)
    assert png_size(path) == (1000, 400)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]


def test_a_failed_drawing_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "loss.png"
    path.write_bytes(b"old")

    def half_then_fail(self, file, **options):
        file.write(SIGNATURE)
        raise OSError("disk full")

    monkeypatch.setattr(Figure, "savefig", half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        plot.loss_curves(HISTORY, path)
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["loss.png"]
    assert plt.get_fignums() == []  # the figure is closed all the same


def test_figures_are_closed_after_saving(tmp_path):
    plot.loss_curves(HISTORY, tmp_path / "a.png")
    plot.confusion(np.eye(3, dtype=np.int64), ["a", "b", "c"], tmp_path / "b.png")
    assert plt.get_fignums() == []
