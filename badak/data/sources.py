"""What `--data` names, as labelled arrays: a bundled set, `spiral`, `fashion-mnist`, a CSV file
or a folder of IDX files. A bundled set's name wins over a folder of the same name."""

from dataclasses import dataclass
from pathlib import Path

from badak.data.bundled import BUNDLED
from badak.data.errors import DataError
from badak.data.fashion_mnist import FASHION_MNIST_CLASSES, load_fashion_mnist
from badak.data.idx import load_idx_folder
from badak.data.labels import encode_labels, sort_classes
from badak.data.spiral import make_spiral
from badak.data.table import read_csv
from badak.device import np

SPIRAL_SEED = 0  # the spiral's points are fixed, so that `evaluate --data spiral` sees them again
NAMED = (*BUNDLED, "spiral", "fashion-mnist")


@dataclass
class Labelled:
    """Labelled examples with what a classifier stores about them.

    features (N, D) float32; targets (N,) int64 indices into `classes`; `held_out` is the data's
    own validation split (features, targets) where it has one (the t10k pair of IDX data);
    `image_shape` is (C, H, W) with C * H * W = D where the rows are images (IDX files of shape
    (N, H, W) give (1, H, W)), None for tables.
    """

    name: str
    features: np.ndarray
    targets: np.ndarray
    classes: list
    feature_names: list
    target_name: str
    held_out: tuple = None
    image_shape: tuple = None


def load_labelled(spec, target=None, classes=None):
    """Load what `spec` names; with `classes` (a model's), labels are encoded against them.

    Raises DataError with one line naming the data and the problem.
    """
    spec = str(spec)
    if spec in BUNDLED:
        return _bundled(spec, target, classes)
    if spec == "spiral":
        features, targets = make_spiral(generator=np.random.default_rng(SPIRAL_SEED))
        names = targets.astype(str)
        return _labelled(
            "spiral", features, names, ["0", "1", "2"], ["x1", "x2"], "class", target, classes
        )
    if spec == "fashion-mnist":
        return _idx(
            "fashion-mnist", load_fashion_mnist(), list(FASHION_MNIST_CLASSES), target, classes
        )
    path = Path(spec)
    if path.is_dir():
        return _idx(path.name, load_idx_folder(path), None, target, classes)
    if not path.exists():
        raise DataError(
            f"{spec}: no such file or folder, and not a bundled dataset ({', '.join(NAMED)})"
        )
    table = read_csv(path, target)
    return _labelled(
        path.stem,
        table.features,
        table.labels,
        None,
        table.feature_names,
        table.target_name,
        None,
        classes,
    )


def _check_target(name, own_target, target):
    if target is not None and target != own_target:
        raise DataError(f"{name}: its target is {own_target!r}; --target {target!r} does not apply")


def _labelled(
    name, features, label_names, own_classes, feature_names, target_name, target, classes
):
    _check_target(name, target_name, target)
    classes, targets = encode_labels(label_names, classes if classes is not None else own_classes)
    return Labelled(name, features, targets, classes, list(feature_names), target_name)


def _bundled(name, target, classes):
    bunch = BUNDLED[name]()
    own_classes = [str(c) for c in bunch.target_names]
    label_names = np.asarray(own_classes)[bunch.target]
    return _labelled(
        name, bunch.data, label_names, own_classes, bunch.feature_names, "target", target, classes
    )


def _idx(name, data, own_classes, target, classes):
    """IDX images: the train pair, with the t10k pair as the held-out split."""
    if own_classes is None:  # plain label numbers, as classes "0", "1", ...
        numbers = np.union1d(data.train_labels, data.test_labels).astype(str)
        own_classes = sort_classes(list(numbers))
        train_names, test_names = data.train_labels.astype(str), data.test_labels.astype(str)
    else:
        table = np.asarray(own_classes)
        if max(data.train_labels.max(), data.test_labels.max()) >= len(table):
            raise DataError(f"{name}: a label is outside the {len(table)} known classes")
        train_names, test_names = table[data.train_labels], table[data.test_labels]
    pixels = [f"pixel{i}" for i in range(data.train_images.shape[1])]
    result = _labelled(
        name, data.train_images, train_names, own_classes, pixels, "label", target, classes
    )
    _, test_targets = encode_labels(test_names, result.classes)
    result.held_out = (data.test_images, test_targets)
    if data.image_shape is not None and len(data.image_shape) == 2:  # grey-scale (H, W)
        result.image_shape = (1, *data.image_shape)
    return result
