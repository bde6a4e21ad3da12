"""Data for training: datasets, samplers and loaders (torch.utils.data's), bundled and synthetic
sets, table files (CSV, TSV, Parquet) and IDX files.

Needs NumPy only; nothing heavier is imported.
"""

from badak.data.bunch import Bunch
from badak.data.bundled import BUNDLED, load_breast_cancer, load_digits, load_iris, load_wine
from badak.data.collate import default_collate, default_convert
from badak.data.dataloader import DataLoader
from badak.data.dataset import (
    ConcatDataset,
    Dataset,
    IterableDataset,
    Subset,
    TensorDataset,
    random_split,
)
from badak.data.encoding import ColumnEncoder
from badak.data.errors import DataError
from badak.data.fashion_mnist import FASHION_MNIST_CLASSES, FASHION_MNIST_DIR, load_fashion_mnist
from badak.data.idx import IdxData, load_idx_folder, read_idx
from badak.data.labels import encode_labels
from badak.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from badak.data.spiral import make_spiral
from badak.data.table import Table, read_table
from badak.data.workers import WorkerInfo, get_worker_info

__all__ = [
    "BUNDLED", "BatchSampler", "Bunch", "ColumnEncoder", "ConcatDataset", "DataError", "DataLoader",
    "Dataset", "FASHION_MNIST_CLASSES", "FASHION_MNIST_DIR", "IdxData", "IterableDataset",
    "RandomSampler", "Sampler", "SequentialSampler", "Subset", "SubsetRandomSampler", "Table",
    "TensorDataset", "WeightedRandomSampler", "WorkerInfo", "default_collate", "default_convert",
    "encode_labels", "get_worker_info", "load_breast_cancer", "load_digits", "load_fashion_mnist",
    "load_idx_folder", "load_iris", "load_wine", "make_spiral", "random_split", "read_idx",
    "read_table",
]  # fmt: skip
