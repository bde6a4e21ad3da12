"""Side-by-side benchmarks: badak against PyTorch, JAX, DeZero (on an old NumPy) and plain NumPy,
one thread each, peers interleaved, medians of several repetitions, ratios to PyTorch.

    OPENBLAS_NUM_THREADS=1 python benchmarks/run.py [--repeats 5] [--dezero-python PATH]
                                                    [--write docs/benchmarks.md]

A peer that is not installed is reported as such. DeZero needs a Python with the `dezero` package
and NumPy < 1.24; give it with --dezero-python.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

for _name in ("OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false")

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import layer_workloads as L  # noqa: E402
import workloads as W  # noqa: E402

PEERS = ("badak", "torch", "jax", "dezero", "numpy")


def interleaved(steps, repeats, number=1):
    """Median seconds per call of each step, the steps timed in turn so noise hits all alike."""
    times = {name: [] for name in steps}
    for step in steps.values():
        step()  # warm up (and compile, for jax and numba)
    for _ in range(repeats):
        for name, step in steps.items():
            start = time.perf_counter()
            for _ in range(number):
                step()
            times[name].append((time.perf_counter() - start) / number)
    return {name: statistics.median(t) for name, t in times.items()}


def available(factories):
    """{peer: step} for the peers whose factory works; missing ones are recorded."""
    steps, missing = {}, []
    for name, factory in factories.items():
        try:
            steps[name] = factory()
        except ImportError as error:
            missing.append(f"{name} ({error.name or error})")
    return steps, missing


class Table:
    def __init__(self):
        self.rows, self.missing = [], set()

    def add(self, workload, unit, times, target=None, note=""):
        self.rows.append((workload, unit, times, target, note))

    def markdown(self):
        lines = ["| workload | " + " | ".join(PEERS) + " | badak / torch | target |",
                 "|---" * (len(PEERS) + 3) + "|"]  # fmt: skip
        for workload, unit, times, target, note in self.rows:
            cells = [_format(times.get(p), unit) for p in PEERS]
            ratio = times["badak"] / times["torch"] if "torch" in times else None
            verdict = ""
            if target is not None and ratio is not None:
                verdict = f"<= {target}: {'met' if ratio <= target else 'NOT met'}"
            ratio_text = f"{ratio:.2f}" if ratio is not None else "-"
            lines.append(f"| {workload} | " + " | ".join(cells) + f" | {ratio_text} | {verdict}"
                         + (f" {note}" if note else "") + " |")  # fmt: skip
        return "\n".join(lines)


def _format(seconds, unit):
    if seconds is None:
        return "-"
    return {"us": f"{seconds * 1e6:.2f} us", "ms": f"{seconds * 1e3:.2f} ms",
            "s": f"{seconds:.2f} s"}[unit]  # fmt: skip


def overhead(table, repeats, dezero):
    steps, missing = available({"badak": W.overhead_badak, "torch": W.overhead_torch})
    table.missing.update(missing)
    times = {k: v / 3 for k, v in interleaved(steps, repeats, number=2000).items()}
    if dezero:
        times["dezero"] = dezero["overhead"]
    table.add("(x*2+1).sum() + backward, 2 elements, per op", "us", times, 0.4)


def cross_entropy(table, repeats):
    bandwidth = copy_bandwidth()
    notes = []
    for (n, c), target in (((1024, 32000), 0.5), ((256, 128000), 0.5),
                           ((8192, 10), 1.0), ((4096, 1000), 1.0)):  # fmt: skip
        x, t = W.ce_data(n, c)
        factories = {
            "badak": lambda x=x, t=t: W.ce_badak(x, t),
            "torch": lambda x=x, t=t: W.ce_torch(x, t),
            "jax": lambda x=x, t=t: W.ce_jax(x, t),
            "numpy": lambda x=x, t=t: W.ce_numpy(x, t),
        }
        steps, missing = available(factories)
        table.missing.update(missing)
        times = interleaved(steps, repeats)
        # Timed apart: two badak steps in turn would each keep the other's gradient alive, so
        # neither could reuse the one kept gradient buffer (see ReusableArray).
        no_compiled = interleaved({"alone": W.ce_badak(x, t, compiled=False)}, repeats)["alone"]
        bound = 8 * n * c / bandwidth  # read the logits, write the gradient
        note = (
            f"(NumPy kernel alone: {no_compiled * 1e3:.1f} ms; bandwidth bound "
            f"{bound * 1e3:.1f} ms, badak at {bound / times['badak']:.0%} of it)"
        )
        table.add(f"cross_entropy fwd+bwd ({n}, {c})", "ms", times, target, note)
        notes.append(note)
    return bandwidth


def copy_bandwidth(nbytes=256 * 2**20):
    """Bytes moved per second (read + write) copying into an already touched array."""
    source = np.ones(nbytes // 4, np.float32)
    target = np.empty_like(source)
    target[...] = 0
    seconds = interleaved({"copy": lambda: np.copyto(target, source)}, 5)["copy"]
    return 2 * nbytes / seconds


def mlp(table, repeats, dezero):
    data = W.mnist_shaped()
    for name, sizes, activation in (("mlp_sigmoid", [784, 1000, 10], "sigmoid"),
                                    ("mlp_relu", [784, 256, 256, 10], "relu")):  # fmt: skip
        layers = (sizes, activation, data)
        steps, missing = available({
            "badak": lambda layers=layers: W.mlp_badak(*layers),
            "torch": lambda layers=layers: W.mlp_torch(*layers),
            "numpy": lambda layers=layers: W.mlp_numpy(*layers),
        })  # fmt: skip
        table.missing.update(missing)
        times = interleaved(steps, max(1, repeats // 2))
        if dezero:
            times["dezero"] = dezero[name]
        layout = "-".join(map(str, sizes))
        table.add(f"one epoch {layout} {activation}, batch 100, SGD", "s", times, 0.85)


def main_job(table, repeats):
    """One epoch of the main job's training loop (Fashion-MNIST, MLP 784-128-64-10, Adam,
    batch 32): badak's own loop against the same loop in PyTorch."""
    data = W.main_job_data()
    steps, missing = available({
        "badak": lambda: W.main_job_badak(data),
        "torch": lambda: W.main_job_torch(data),
    })  # fmt: skip
    table.missing.update(missing)
    times = interleaved(steps, max(1, repeats // 2))
    table.add("main job: one epoch Fashion-MNIST, MLP 784-128-64-10, Adam, batch 32", "s",
              times, 0.5)  # fmt: skip


def layers(table, repeats):
    """The layers PyTorch programs use, forward + backward, badak against torch."""
    for name, description in L.SHAPES.items():
        steps, missing = available({
            "badak": lambda name=name: L.layer_badak(name),
            "torch": lambda name=name: L.layer_torch(name),
        })  # fmt: skip
        table.missing.update(missing)
        times = interleaved(steps, max(3, repeats))
        what = description if name == "mnist_net" else f"{description}, forward + backward"
        table.add(what, "ms", times, L.TARGETS[name])


def linear_cross_entropy(table, repeats):
    data = W.lce_data()
    fused, unfused = W.lce_badak(data, True), W.lce_badak(data, False)
    peaks = {}
    for name, step in (("fused", fused), ("unfused", unfused)):
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        gradients = step()
        peaks[name] = tracemalloc.get_traced_memory()[1] - base - gradients
        tracemalloc.stop()
    steps, missing = available({"fused": lambda: fused, "unfused": lambda: unfused,
                                "torch": lambda: W.lce_torch(data)})  # fmt: skip
    table.missing.update(missing)
    times = interleaved(steps, max(1, repeats // 2))
    logits = 4096 * 65536 * 4
    return {
        "time_ratio": times["fused"] / times["unfused"],
        "fused_s": times["fused"], "unfused_s": times["unfused"], "torch_s": times.get("torch"),
        "memory_fraction": peaks["fused"] / logits,
        "fused_mib": peaks["fused"] / 2**20, "unfused_mib": peaks["unfused"] / 2**20,
    }  # fmt: skip


def startup(repeats):
    """(import badak / import numpy, seconds of `badak --help`), medians of fresh processes."""

    def run(args):
        start = time.perf_counter()
        subprocess.run([sys.executable, *args], check=True, capture_output=True)
        return time.perf_counter() - start

    numpy_import = statistics.median(run(["-c", "import numpy"]) for _ in range(repeats))
    badak_import = statistics.median(run(["-c", "import badak"]) for _ in range(repeats))
    help_time = statistics.median(run(["-m", "badak", "--help"]) for _ in range(repeats))
    return badak_import / numpy_import, badak_import, numpy_import, help_time


def dezero_times(python, repeats):
    if not python:
        return None
    script = Path(__file__).resolve().parent / "dezero_peer.py"
    result = subprocess.run([python, str(script), str(repeats)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONPATH": ""})  # fmt: skip
    if result.returncode:
        print(f"dezero: not measured ({result.stderr.strip().splitlines()[-1]})", file=sys.stderr)
        return None
    return json.loads(result.stdout)


def machine():
    import badak

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions = [
        f"badak {badak.__version__}",
        f"NumPy {np.__version__}",
        f"Python {platform.python_version()}",
    ]
    for module in ("torch", "jax", "numba"):
        try:
            versions.append(f"{module} {__import__(module).__version__}")
        except ImportError:
            pass
    return f"{cpu}, {os.cpu_count()} cores; " + ", ".join(versions)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--dezero-python", help="a Python with dezero and NumPy < 1.24")
    parser.add_argument("--write", help="also write the report to this Markdown file")
    args = parser.parse_args(argv)
    table = Table()
    dezero = dezero_times(args.dezero_python, args.repeats)
    if dezero is None:
        table.missing.add("dezero (no --dezero-python)")
    overhead(table, args.repeats, dezero)
    bandwidth = cross_entropy(table, args.repeats)
    main_job(table, args.repeats)
    mlp(table, args.repeats, dezero)
    layers(table, args.repeats)
    lce = linear_cross_entropy(table, args.repeats)
    import_ratio, badak_import, numpy_import, help_time = startup(args.repeats)
    lines = [
        table.markdown(),
        "",
        f"- copy bandwidth measured in this run: {bandwidth / 1e9:.1f} GB/s (read + write).",
        f"- linear_cross_entropy, N=4096 D=512 V=65536: fused {lce['fused_s']:.2f} s, unfused "
        f"{lce['unfused_s']:.2f} s (ratio {lce['time_ratio']:.2f}, target <= 1.2: "
        f"{'met' if lce['time_ratio'] <= 1.2 else 'NOT met'}); memory beyond inputs, loss and "
        f"gradients {lce['fused_mib']:.0f} MiB = {lce['memory_fraction']:.1%} of the 1 GiB logits "
        f"(target <= 10%: {'met' if lce['memory_fraction'] <= 0.1 else 'NOT met'}; unfused "
        f"{lce['unfused_mib']:.0f} MiB)"
        + (f"; torch unfused {lce['torch_s']:.2f} s." if lce["torch_s"] else "."),
        f"- import badak {badak_import * 1e3:.0f} ms / import numpy {numpy_import * 1e3:.0f} ms "
        f"= {import_ratio:.2f} (target <= 1.5: {'met' if import_ratio <= 1.5 else 'NOT met'}); "
        f"`badak --help` {help_time:.2f} s (target <= 0.5 s: "
        f"{'met' if help_time <= 0.5 else 'NOT met'}).",
        "- not measured: " + (", ".join(sorted(table.missing)) or "none") + ".",
    ]
    report = "\n".join(lines)
    print(report)
    if args.write:
        command = "OPENBLAS_NUM_THREADS=1 python benchmarks/run.py " + " ".join(
            argv or sys.argv[1:]
        )
        Path(args.write).parent.mkdir(parents=True, exist_ok=True)
        Path(args.write).write_text(
            "# Benchmarks\n\nMedians of interleaved repetitions, one thread for every peer "
            "(`OPENBLAS_NUM_THREADS=1`, `torch.set_num_threads(1)`, XLA without its thread pool). "
            "The machines are shared and noisy: read the ratios, not the absolute times.\n\n"
            f"- machine: {machine()}\n- command: `{command}`\n- date: "
            f"{time.strftime('%Y-%m-%d')}\n\n{report}\n"
        )


if __name__ == "__main__":
    main()
