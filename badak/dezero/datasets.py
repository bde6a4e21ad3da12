"""DeZero's datasets: the Dataset base class, Spiral, SinCurve and MNIST.

Spiral and SinCurve draw from NumPy's global RNG exactly as DeZero does (Spiral reseeds it), so
their data are DeZero's. MNIST reads the four IDX files from a local folder: badak.dezero never
downloads anything. The download-only sets of DeZero (CIFAR10, CIFAR100, ImageNet, Shakespear)
are not provided.
"""

import os
from pathlib import Path

from badak.data.errors import DataError
from badak.data.idx import IDX_FILES, idx_files, read_idx
from badak.device import np
from badak.dezero.transforms import Compose, Flatten, Normalize, ToFloat


def _identity(x):
    return x


class Dataset:
    """A data set that hands out (transform(data[i]), target_transform(label[i])) pairs.

    Subclasses fill `self.data` and `self.label` (None for unlabelled data) in `prepare()`,
    which the constructor calls; `train` says which split to prepare.
    """

    def __init__(self, train=True, transform=None, target_transform=None):
        self.train = train
        self.transform = _identity if transform is None else transform
        self.target_transform = _identity if target_transform is None else target_transform
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index):
        if not np.isscalar(index):
            raise TypeError(
                f"{type(self).__name__}: index must be one integer, got {type(index).__name__}"
            )
        x = self.transform(self.data[index])
        if self.label is None:
            return x, None
        return x, self.target_transform(self.label[index])

    def __len__(self):
        return len(self.data)

    def prepare(self):
        pass


# ----------------------------------------------------------------------------------------------
# Toy data sets
# ----------------------------------------------------------------------------------------------
def get_spiral(train=True):
    """DeZero's spiral: 3 arms of 100 points in the plane, rows shuffled.

    Reseeds NumPy's global RNG (1984 for train, 2020 for test), then draws one standard normal
    per point (arm by arm) and a permutation of the 300 rows, as DeZero does: the data, and the
    global RNG's state afterwards, are DeZero's. For arm j and r = i / 100 (i = 0 .. 99):

        angle = 4 j + 4 r + 0.2 * randn();  x = (r sin(angle), r cos(angle));  t = j

    Returns:
        x float32 of shape (300, 2), t int64 of shape (300,).
    """
    np.random.seed(1984 if train else 2020)
    num_data, num_class = 100, 3
    rate = np.arange(num_data) / num_data
    noise = np.random.randn(num_class, num_data)  # one draw per point, arm after arm
    theta = np.arange(num_class)[:, None] * 4.0 + 4.0 * rate + noise * 0.2
    radius = 1.0 * rate
    x = np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=-1)
    x = x.reshape(num_class * num_data, 2).astype(np.float32)
    t = np.repeat(np.arange(num_class, dtype=np.int64), num_data)
    order = np.random.permutation(num_class * num_data)
    return x[order], t[order]


class Spiral(Dataset):
    """get_spiral's points as a Dataset: Spiral(train=True)[i] is (x float32 (2,), t)."""

    def prepare(self):
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """Next-value prediction on a curve of 1000 points over [0, 2 pi]: data[i] = y[i],
    label[i] = y[i + 1], each of shape (1,), float64.

    The train curve is sin(x) plus uniform noise in [-0.05, 0.05) from NumPy's global RNG; the
    test curve is cos(x) without noise (the noise is drawn all the same, as DeZero does).
    """

    def prepare(self):
        x = np.linspace(0, 2 * np.pi, 1000)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


# ----------------------------------------------------------------------------------------------
# MNIST, from local IDX files
# ----------------------------------------------------------------------------------------------
MNIST_DIR_ENV = "BADAK_MNIST_DIR"

# DeZero's default: an image becomes float32 values in [0, 1], flattened to (784,)
MNIST_TRANSFORM = Compose([Flatten(), ToFloat(), Normalize(0.0, 255.0)])


def mnist_folder(root=None):
    """Where MNIST's IDX files are looked for: `root` if given, else the folder named by the
    environment variable BADAK_MNIST_DIR, else DeZero's cache folder ~/.dezero."""
    if root is not None:
        return Path(root).expanduser()
    from_env = os.environ.get(MNIST_DIR_ENV)
    return Path(from_env).expanduser() if from_env else Path.home() / ".dezero"


class MNIST(Dataset):
    """MNIST's 60,000 training or 10,000 test digits, read from local IDX files.

    badak.dezero does not download: the folder (see `mnist_folder`: `root`, else
    $BADAK_MNIST_DIR, else ~/.dezero, where DeZero saves its downloads) must hold
    train-images-idx3-ubyte and train-labels-idx1-ubyte (for train=True) or
    t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte (for train=False), each optionally
    gzip-compressed with a `.gz` suffix. Otherwise FileNotFoundError names what is missing.

    As in DeZero, `data` holds uint8 images of shape (N, 1, 28, 28) and `label` uint8 digits
    (N,); the default transform turns an image into float32 values in [0, 1] of shape (784,).
    """

    def __init__(
        self,
        train=True,
        transform=MNIST_TRANSFORM,
        target_transform=None,
        root=None,
    ):
        self.root = mnist_folder(root)
        super().__init__(train, transform, target_transform)

    def prepare(self):
        split = "train" if self.train else "test"
        found = idx_files(self.root)
        images_path, labels_path = found[split + "_images"], found[split + "_labels"]
        if images_path is None or labels_path is None:
            wanted = [IDX_FILES[split + "_images"], IDX_FILES[split + "_labels"]]
            raise FileNotFoundError(
                f"MNIST: {' and '.join(wanted)} (optionally .gz) not found in {self.root}. "
                f"badak.dezero does not download data sets: put MNIST's four IDX files "
                f"({', '.join(IDX_FILES.values())}, plain or .gz) in that folder, or pass "
                f"root=FOLDER, or set {MNIST_DIR_ENV}=FOLDER"
            )
        images, labels = read_idx(images_path), read_idx(labels_path)
        if images.ndim != 3 or images.dtype != np.uint8:
            raise DataError(
                f"{images_path}: expected uint8 images of shape (N, rows, cols), "
                f"got {images.dtype} of shape {images.shape}"
            )
        if labels.ndim != 1 or labels.dtype.kind not in "iu":
            raise DataError(
                f"{labels_path}: expected integer labels of shape (N,), "
                f"got {labels.dtype} of shape {labels.shape}"
            )
        if len(images) != len(labels):
            raise DataError(
                f"{self.root}: {images_path.name} holds {len(images)} images but "
                f"{labels_path.name} holds {len(labels)} labels"
            )
        self.data = images.reshape(len(images), 1, *images.shape[1:])
        self.label = labels

    def show(self, row=10, col=10):
        """Shows row x col images drawn at random (NumPy's global RNG) with matplotlib."""
        import matplotlib.pyplot as plt

        height, width = self.data.shape[2:]
        grid = np.zeros((height * row, width * col))
        for r in range(row):
            for c in range(col):
                image = self.data[np.random.randint(0, len(self.data) - 1)]
                grid[r * height : (r + 1) * height, c * width : (c + 1) * width] = image[0]
        plt.imshow(grid, cmap="gray", interpolation="nearest")
        plt.axis("off")
        plt.show()

    @staticmethod
    def labels():
        """Class index -> name: the digits '0' to '9'."""
        return {i: str(i) for i in range(10)}
