"""glibc's malloc thresholds set at import: a large array allocated again reuses the memory of
the last one (no page faults) unless BADAK_MALLOC=system, and the environment's own settings win.
"""

import subprocess
import sys

import pytest

from badak import allocation

glibc = pytest.mark.skipif(
    sys.platform != "linux" or "glibc" not in " ".join(__import__("platform").libc_ver()),
    reason="glibc's malloc only",
)

FAULTS = """
import resource, numpy as np, badak
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
np.ones(4 << 20, np.float32)  # 16 MiB, touched and freed
before = faults()
for _ in range(5):
    np.ones(4 << 20, np.float32)
print(faults() - before)
"""


def _faults(**environ):
    env = {"PATH": "/usr/bin:/bin", **environ}
    result = subprocess.run([sys.executable, "-c", FAULTS], capture_output=True, text=True,
                            env=env, check=True)  # fmt: skip
    return int(result.stdout)


@glibc
def test_arrays_allocated_again_reuse_memory_after_import_badak():
    tuned, system = _faults(), _faults(BADAK_MALLOC="system")
    assert tuned <= 8 < system, (tuned, system)  # some pages for the interpreter's own use


SETTINGS = [
    {"BADAK_MALLOC": "system"},
    {"MALLOC_MMAP_THRESHOLD_": "131072"},
    {"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=0"},
]


@pytest.mark.parametrize("setting", SETTINGS)
def test_nothing_is_set_where_asked_or_where_the_environment_tunes_malloc(setting):
    assert allocation.keep_large_blocks(setting) is False


@glibc
def test_thresholds_are_set_on_glibc():
    assert allocation.keep_large_blocks({}) is True
