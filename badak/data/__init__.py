"""Data for training: datasets and batching, bundled and synthetic sets, CSV and IDX files.

Needs NumPy only; nothing heavier is imported.
"""

from badak.data.bunch import Bunch
from badak.data.bundled import BUNDLED, load_breast_cancer, load_digits, load_iris, load_wine
from badak.data.dataloader import DataLoader
from badak.data.dataset import Dataset, TensorDataset
from badak.data.errors import DataError
from badak.data.fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, load_fashion_mnist
from badak.data.idx import IdxData, load_idx_folder, read_idx
from badak.data.labels import encode_labels
from badak.data.spiral import make_spiral
from badak.data.table import Table, read_csv, read_csv_features

__all__ = [
    "BUNDLED", "Bunch", "DataError", "DataLoader", "Dataset", "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DIR", "IdxData", "Table", "TensorDataset", "encode_labels",
    "load_breast_cancer", "load_digits", "load_fashion_mnist", "load_idx_folder", "load_iris",
    "load_wine", "make_spiral", "read_csv", "read_csv_features", "read_idx",
]  # fmt: skip
