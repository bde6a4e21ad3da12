"""badak.distributed under `mpiexec -n 2`: collectives, DistributedDataParallel's gradients,
`badak train` on two ranks against one process, and what a failing rank does to the job.
Every job runs with a time limit, so that a hang fails its test rather than CI."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from badak import checkpoint
from tests.distributed.launch import HERE, LIMIT, MPIEXEC, badak, environment, mpiexec, script


def passed(job):
    assert job.returncode == 0, f"exit {job.returncode}\n{job.stdout}\n{job.stderr}"
    return job


def test_collectives_match_numpy_on_two_and_three_ranks():
    for ranks in (2, 3):
        job = passed(script(ranks, "worker_collectives.py"))
        assert job.stdout.count("collectives ok") == ranks


def test_ddp_gradients_equal_the_whole_batch_gradients():
    job = passed(script(2, "worker_ddp.py"))
    assert job.stdout.count("ddp ok") == 2


@pytest.mark.parametrize("failure", ["raise", "kill"])
def test_a_failing_rank_ends_the_job_within_seconds(failure):
    started = time.monotonic()
    job = script(2, "worker_failure.py", failure, timeout=60)
    assert time.monotonic() - started < 30
    assert job.returncode != 0
    if failure == "raise":
        assert "ValueError: a bad batch on rank 1" in job.stderr
        assert "rank 1 of 2 failed (ValueError); ending every rank" in job.stderr


def history(folder):
    return json.loads((folder / "metrics.json").read_text())["epochs"]


def weights(folder):
    return checkpoint.load(folder / "model.npz")


@pytest.fixture(scope="module")
def digits_runs(tmp_path_factory):
    """`badak train --data digits` in one process, and twice on two ranks."""
    root = tmp_path_factory.mktemp("runs")
    folders = {name: root / name for name in ("one", "two", "two_again")}
    arguments = ["train", "--data", "digits", "--epochs", "4", "--batch-size", "64", "--quiet"]
    jobs = {
        "one": passed(badak(0, *arguments, "--out", folders["one"])),
        "two": passed(badak(2, *arguments, "--out", folders["two"])),
        "two_again": passed(badak(2, *arguments, "--out", folders["two_again"])),
    }
    return folders, jobs


def test_two_ranks_reach_one_process_s_validation_loss(digits_runs):
    folders, _ = digits_runs
    one, two = history(folders["one"]), history(folders["two"])
    assert [row["epoch"] for row in two] == [1, 2, 3, 4]
    for a, b in zip(one, two):  # the same batches and steps: equal to float32 rounding
        np.testing.assert_allclose(b["val_loss"], a["val_loss"], rtol=1e-5)
        np.testing.assert_allclose(b["train_loss"], a["train_loss"], rtol=1e-5)
        assert abs(b["val_accuracy"] - a["val_accuracy"]) <= 1 / 360
    for name, array in weights(folders["one"]).items():
        np.testing.assert_allclose(weights(folders["two"])[name], array, rtol=1e-4, atol=1e-5)


def test_two_rank_runs_are_bitwise_equal_and_print_once(digits_runs):
    folders, jobs = digits_runs
    assert history(folders["two"]) == [
        {**row, "seconds": a["seconds"]}
        for row, a in zip(history(folders["two_again"]), history(folders["two"]))
    ]
    again = weights(folders["two_again"])
    for name, array in weights(folders["two"]).items():
        assert np.array_equal(array, again[name]), name
    assert jobs["two"].stdout.count("val_accuracy=") == 1  # the summary, from rank 0 alone


def test_two_ranks_resume_to_the_uninterrupted_run(digits_runs, tmp_path):
    folders, _ = digits_runs
    arguments = ["train", "--data", "digits", "--batch-size", "64", "--quiet", "--out", tmp_path]
    passed(badak(2, *arguments, "--epochs", "2"))
    passed(badak(2, *arguments, "--epochs", "4", "--resume"))
    resumed = weights(tmp_path)
    for name, array in weights(folders["two"]).items():
        assert np.array_equal(array, resumed[name]), name
    other = badak(0, *arguments, "--epochs", "5", "--resume")
    assert other.returncode == 2
    assert "trained on 2 rank(s), not 1: resume it with mpiexec -n 2" in other.stderr


def test_an_error_on_one_rank_is_told_once_and_ends_every_rank(digits_runs):
    folders, _ = digits_runs  # rank 0 alone looks at --out: the others learn its error
    job = badak(2, "train", "--data", "digits", "--epochs", "1", "--out", folders["one"])
    assert job.returncode == 2
    assert job.stderr.count("already holds") == 1, job.stderr


def epoch_lines(output):
    return [line for line in output.splitlines() if line.startswith("epoch ")]


def test_the_pytorch_ddp_example_runs_on_two_ranks_and_on_torch(tmp_path):
    example = HERE.parent.parent / "examples" / "013_pytorch_ddp.py"
    job = passed(mpiexec(2, sys.executable, example, "--epochs", "3"))
    lines = epoch_lines(job.stdout)
    assert len(lines) == 3 and all("over 2 rank(s)" in line for line in lines)  # rank 0 alone
    losses = [float(line.split("loss ")[1].split()[0]) for line in lines]
    assert losses[0] > losses[1] > losses[2] and losses[2] < 0.5
    # the same script with its imports pointed at torch, on one torch process
    source = example.read_text().replace("import badak as torch", "import torch")
    torch_version = tmp_path / "ddp_torch.py"
    torch_version.write_text(source.replace("badak.", "torch."))
    env = dict(environment(), RANK="0", WORLD_SIZE="1", MASTER_ADDR="127.0.0.1",
               MASTER_PORT=str(29500 + os.getpid() % 1000))  # fmt: skip
    theirs = subprocess.run([sys.executable, torch_version, "--epochs", "3"], env=env,
                            capture_output=True, text=True, timeout=LIMIT)  # fmt: skip
    assert theirs.returncode == 0, theirs.stderr
    their_last = float(epoch_lines(theirs.stdout)[-1].split("loss ")[1].split()[0])
    assert abs(losses[2] - their_last) < 0.1


def saved_epochs(folder):
    """The epochs metrics.json holds so far ([] before rank 0 first writes it)."""
    try:
        return history(folder)
    except (OSError, ValueError):
        return []


def rank_process(marker, rank):
    """The pid of the process of `rank` whose command line holds `marker` (from /proc)."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            environ = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        ours = marker in command and "mpiexec" not in command
        if ours and f"PMI_RANK={rank}".encode() in environ:
            return int(entry.name)
    return None


def test_a_rank_killed_during_badak_train_ends_the_job_and_keeps_the_checkpoint(tmp_path):
    out = tmp_path / "killed"
    command = [str(MPIEXEC), "-n", "2", sys.executable, "-m", "badak", "train", "--data",
               "digits", "--epochs", "100000", "--quiet", "--out", str(out)]  # fmt: skip
    job = subprocess.Popen(command, env=environment(), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:  # until a few epochs are saved
            if len(saved_epochs(out)) >= 3:
                break
            time.sleep(0.2)
        pid = rank_process(str(out), 1)
        assert pid is not None, "rank 1 not found"
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        stdout, stderr = job.communicate(timeout=60)
        assert time.monotonic() - killed < 30
        assert job.returncode != 0
        assert "signal 9" in stdout + stderr, stdout + stderr  # mpiexec names the signal
    finally:
        if job.poll() is None:
            job.kill()
    state = checkpoint.load(out / "checkpoint.npz")  # the last epoch written is whole
    assert int(state["epoch"]) >= 3
