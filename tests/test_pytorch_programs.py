"""PyTorch programs run on badak unchanged: examples/010-012 (a CNN, L-BFGS over LSTM cells, a
word-level language model with an LSTM or a Transformer encoder) are written with `import badak
as torch`. Each runs here shortened, once as it is and once with only its import lines pointed at
torch, and the two reach the same results within run-to-run noise (different random starts)."""

import gzip
import re
import subprocess
import sys

import numpy as np
import pytest

from badak.data import load_digits
from tests.example_runner import ROOT


def torch_version_of(script, tmp_path):
    """The script with its import lines (only those) naming torch instead of badak."""
    lines = []
    for line in (ROOT / "examples" / script).read_text().splitlines():
        if re.match(r"(import|from) badak\b", line):
            line = line.replace("import badak as torch", "import torch")
            line = re.sub(r"\bbadak\b", "torch", line)
        lines.append(line)
    path = tmp_path / f"torch_{script}"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(path, *args):
    done = subprocess.run([sys.executable, str(path), *args], capture_output=True, text=True,
                          timeout=300, cwd=ROOT, env={"OPENBLAS_NUM_THREADS": "1",
                          "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def final(stdout, label):
    return float(re.search(rf"final {label} ([-+0-9.e]+)", stdout).group(1))


def both(script, tmp_path, *args):
    """(badak's stdout, torch's stdout) of the script run with args."""
    return run(ROOT / "examples" / script, *args), run(torch_version_of(script, tmp_path), *args)


def write_idx(path, array):
    """An IDX file (gzipped) of a uint8 array."""
    header = bytes([0, 0, 8, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    path.write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))


def test_the_import_rewrite_changes_only_import_lines(tmp_path):
    original = (ROOT / "examples" / "010_pytorch_mnist_cnn.py").read_text().splitlines()
    rewritten = torch_version_of("010_pytorch_mnist_cnn.py", tmp_path).read_text().splitlines()
    changed = [a for a, b in zip(original, rewritten, strict=True) if a != b]
    assert changed and all(re.match(r"(import|from) badak\b", line) for line in changed)


def test_the_cnn_reaches_torchs_accuracy(tmp_path):
    # the bundled 8x8 digits, scaled to 28x28, as IDX files in Fashion-MNIST's layout
    digits = load_digits()
    images = np.kron(digits.data.reshape(-1, 8, 8) * 15, np.ones((3, 3)))
    images = np.pad(images, ((0, 0), (2, 2), (2, 2)))
    labels = digits.target.astype(np.uint8)
    for prefix, part in (("train", slice(0, 1500)), ("t10k", slice(1500, None))):
        write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images[part])
        write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels[part])
    ours, theirs = both("010_pytorch_mnist_cnn.py", tmp_path, "--data", str(tmp_path),
                        "--epochs", "2")  # fmt: skip
    accuracy, torch_accuracy = final(ours, "test accuracy"), final(theirs, "test accuracy")
    assert accuracy > 0.85 and torch_accuracy > 0.85
    assert abs(accuracy - torch_accuracy) < 0.05


def test_lbfgs_over_lstm_cells_fits_the_waves_as_torch(tmp_path):
    args = ("--steps", "3", "--length", "120", "--waves", "12", "--future", "20")
    ours, theirs = both("011_pytorch_time_sequence.py", tmp_path, *args)
    loss, torch_loss = final(ours, "test loss"), final(theirs, "test loss")
    assert loss < 0.01 and torch_loss < 0.01
    assert 0.1 < loss / torch_loss < 10  # L-BFGS from different random starts


@pytest.mark.parametrize("model", ["LSTM", "Transformer"])
def test_the_language_model_reaches_torchs_perplexity(model, tmp_path):
    args = ("--model", model, "--epochs", "2", "--words", "30000")
    ours, theirs = both("012_pytorch_word_language_model.py", tmp_path, *args)
    perplexity, torch_perplexity = (
        final(ours, "valid perplexity"),
        final(theirs, "valid perplexity"),
    )
    assert abs(perplexity / torch_perplexity - 1) < 0.15, (perplexity, torch_perplexity)
