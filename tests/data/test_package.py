import subprocess
import sys

import badak.data

EXPORTS = """
Dataset TensorDataset DataLoader Bunch load_iris load_digits load_wine load_breast_cancer BUNDLED
make_spiral read_csv read_csv_features encode_labels Table read_idx load_idx_folder
load_fashion_mnist FASHION_MNIST_DIR FASHION_MNIST_CLASSES DataError
""".split()


def test_package_exports_the_public_names():
    for name in EXPORTS:
        assert hasattr(badak.data, name), name
        assert name in badak.data.__all__, name


def test_importing_badak_data_imports_nothing_heavy():
    heavy = ["sklearn", "torch", "pandas", "matplotlib", "scipy", "tqdm", "numba"]
    code = f"import sys, badak.data; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
