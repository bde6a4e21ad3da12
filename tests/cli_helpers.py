"""Helpers for the tests of `badak train / evaluate / predict`: running the command line in
process, small CSV files, and snapshots of run folders."""

import csv
import re

import numpy as np

from badak.cli import main

SUMMARY = re.compile(r"val_accuracy=(\d\.\d{4}) val_loss=(\d+\.\d{4}) epochs=(\d+) time=\d+\.\ds")


def run_cli(capsys, *argv):
    """(exit status, stdout, stderr) of `badak ARGV` run in this process.

    argparse's own errors leave through SystemExit; its code is the status.
    """
    capsys.readouterr()
    try:
        status = main([str(a) for a in argv])
    except SystemExit as exit_:
        status = exit_.code
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_error_line(status, err, command, status_expected=2):
    """Exit status 2 (or as given) and exactly one stderr line, `badak COMMAND: error: ...`."""
    assert status == status_expected, err
    assert "Traceback" not in err, err
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"badak {command}: error: "), err
    return lines[0]


def snapshot(folder):
    """{relative path: (bytes, mtime_ns)} of every file under `folder` (None for a folder)."""
    return {
        str(path.relative_to(folder)): (
            (path.read_bytes(), path.stat().st_mtime_ns) if path.is_file() else None
        )
        for path in sorted(folder.rglob("*"))
    }


def arrays(path):
    """The arrays of an .npz file, without badak's JSON description."""
    with np.load(path, allow_pickle=False) as archive:
        return {name: archive[name] for name in archive.files if name != "__badak__"}


def assert_same_arrays(path_a, path_b):
    """Bitwise the same arrays under the same names."""
    a, b = arrays(path_a), arrays(path_b)
    assert sorted(a) == sorted(b)
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name]), name


def temporary_files(folder):
    """The `.NAME.tmp` files atomic writes leave behind, if any."""
    return sorted(p.name for p in folder.rglob(".*.tmp"))


def write_csv(path, header, rows):
    with open(path, "w", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def blobs(n_per_class=20, labels=("cat", "dog"), n_features=3, seed=0):
    """Well separated Gaussian blobs: (features (N, D), labels (N,) as given)."""
    rng = np.random.default_rng(seed)
    features, names = [], []
    for k, label in enumerate(labels):
        centre = np.zeros(n_features)
        centre[k % n_features] = 6.0 * (1 + k // n_features)
        features.append(centre + rng.normal(size=(n_per_class, n_features)))
        names += [label] * n_per_class
    order = rng.permutation(len(names))
    return np.concatenate(features)[order].round(4), np.asarray(names)[order]


def blobs_csv(path, labels=("cat", "dog"), n_per_class=20, target="label", seed=0):
    """A CSV of blobs: feature columns a, b, c and the target column last."""
    features, names = blobs(n_per_class, labels, seed=seed)
    rows = [[*map(str, x), y] for x, y in zip(features, names)]
    return write_csv(path, ["a", "b", "c", target], rows)
