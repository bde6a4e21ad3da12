import subprocess
import sys

import badak.data

EXPORTS = """
BUNDLED BatchSampler Bunch ColumnEncoder ConcatDataset DataError DataLoader Dataset
FASHION_MNIST_CLASSES FASHION_MNIST_DIR IdxData IterableDataset RandomSampler Sampler
SequentialSampler Subset SubsetRandomSampler Table TensorDataset WeightedRandomSampler WorkerInfo
default_collate default_convert encode_labels get_worker_info load_breast_cancer load_digits
load_fashion_mnist load_idx_folder load_iris load_wine make_spiral random_split read_idx read_table
""".split()


def test_package_exports_the_public_names():
    for name in EXPORTS:
        assert hasattr(badak.data, name), name
    assert sorted(badak.data.__all__) == sorted(EXPORTS)


def test_the_csv_only_readers_are_gone():
    for name in ("read_csv", "read_csv_features"):
        assert not hasattr(badak.data, name), name


def test_importing_badak_data_imports_nothing_heavy():
    heavy = ["sklearn", "torch", "pandas", "pyarrow", "matplotlib", "scipy", "tqdm", "numba"]
    code = f"import sys, badak.data; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
