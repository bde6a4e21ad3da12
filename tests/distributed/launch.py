"""Start a script or badak's command line under `mpiexec -n K`, bounded in time."""

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent
MPIEXEC = BIN / "mpiexec"
LIMIT = 240  # seconds: a hung job fails its test instead of holding CI


def environment():
    env = dict(os.environ, PYTHONPATH=str(HERE.parent.parent), OMP_NUM_THREADS="1")
    for name in ("PMI_SIZE", "PMI_RANK", "PMI_FD", "PMI_PORT", "OMPI_COMM_WORLD_SIZE"):
        env.pop(name, None)  # a test run under mpiexec itself still starts a fresh job
    return env


def mpiexec(ranks, *command, timeout=LIMIT, cwd=None):
    """CompletedProcess of `mpiexec -n ranks command...` (text output)."""
    assert MPIEXEC.exists(), "mpiexec comes with the distributed extra: pip install mpich"
    return subprocess.run(
        [str(MPIEXEC), "-n", str(ranks), *map(str, command)],
        capture_output=True, text=True, timeout=timeout, env=environment(), cwd=cwd,
    )  # fmt: skip


def script(ranks, name, *args, **options):
    """Run tests/distributed/<name> (a worker script) on `ranks` ranks."""
    return mpiexec(ranks, sys.executable, HERE / name, *args, **options)


def badak(ranks, *args, **options):
    """`mpiexec -n ranks badak ...` (ranks 0: badak alone, without mpiexec)."""
    command = [sys.executable, "-m", "badak", *args]
    if ranks == 0:
        return subprocess.run(command, capture_output=True, text=True, timeout=LIMIT,
                              env=environment(), **options)  # fmt: skip
    return mpiexec(ranks, *command, **options)
