"""badak's floors (DESIGN.md, "Layout"): each module imports only from the floors below it, and
no core module knows DeZero. Read from the source with ast, so the architecture stays checked."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "badak"

# Floor of each top-level part of badak, lowest first. A module may import from its own floor and
# the floors below; the engine's two modules build on each other (a Function's results are
# Tensors, Tensor.backward runs the engine), and Tensor's methods call badak.functions.
FLOORS = {
    "allocation": 0,
    "device": 0,
    "cuda": 0,
    "accelerator": 0,
    "backends": 0,
    "dtypes": 1,
    "calibration": 1,
    "scores": 1,
    "threads": 1,
    "random": 1,
    "kernels": 1,
    "autograd": 2,
    "tensor": 2,
    "tensor_methods": 2,
    "_format": 2,
    "functions": 3,
    "creation": 3,
    "gradcheck": 4,
    "nn": 4,
    "optim": 4,
    "data": 4,
    "checkpoint_files": 1,
    "safetensors_format": 4,
    "checkpoint": 4,
    "serialization": 5,
    "onnx": 0,
    "utils": 5,
    "distributed": 5,
    "layers": 5,
    "classifier": 5,
    "plot": 5,
    "train": 6,
    "ranks": 6,
    "sklearn": 7,
    "run": 7,
    "inference": 8,
    "export": 8,
    "cli": 9,
    "__main__": 10,
    "dezero": 10,
    "__init__": 10,
}
EXCEPTIONS = {
    ("tensor", "functions"),  # each Tensor method is one line that calls badak.functions
    ("tensor", "_format"),  # repr
    ("nn", "distributed"),  # nn/parallel.py: PyTorch's path to DistributedDataParallel
}
CORE = {
    "device", "dtypes", "kernels", "autograd", "tensor", "tensor_methods", "functions", "nn",
    "optim",
}  # fmt: skip


def badak_modules():
    return sorted(p for p in ROOT.rglob("*.py"))


def part_of(path):
    """The top-level part of badak a file belongs to: 'nn' for badak/nn/layers.py."""
    relative = path.relative_to(ROOT).with_suffix("")
    return relative.parts[0]


def imported_parts(path):
    """(line, part) for each badak module the file imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "badak":  # from badak import functions, nn
                names = [f"badak.{alias.name}" for alias in node.names]
            else:
                names = [node.module]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "badak" and len(parts) > 1:
                yield node.lineno, parts[1]


def test_every_part_of_badak_has_a_floor():
    missing = {part_of(p) for p in badak_modules()} - set(FLOORS)
    assert not missing, f"add these parts of badak to FLOORS: {sorted(missing)}"


@pytest.mark.parametrize("path", badak_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_run_downhill(path):
    own = part_of(path)
    uphill = [
        f"line {line}: badak.{part} (floor {FLOORS[part]})"
        for line, part in imported_parts(path)
        if part in FLOORS
        and part != own
        and FLOORS[part] > FLOORS[own]
        and (own, part) not in EXCEPTIONS
    ]
    assert not uphill, (
        f"{path.relative_to(ROOT)} (floor {FLOORS[own]}) imports from above: {uphill}"
    )


@pytest.mark.parametrize(
    "path",
    [p for p in badak_modules() if part_of(p) in CORE],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_no_core_module_knows_dezero(path):
    source = path.read_text(encoding="utf-8")
    assert "dezero" not in source.lower(), f"{path.relative_to(ROOT)} mentions DeZero"
    assert not any(part in ("dezero", "layers") for _, part in imported_parts(path))
