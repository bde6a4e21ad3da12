"""Determinism and --resume: the same command and seed give bitwise the same weights; a run
extended or killed and resumed ends bitwise equal to an uninterrupted run."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import badak
from badak.classifier import Classifier
from badak.cli import main
from tests.cli_helpers import (
    arrays,
    assert_one_error_line,
    assert_same_arrays,
    run_cli,
    snapshot,
    temporary_files,
)

DIGITS = ["train", "--data", "digits", "--quiet"]


def train(out, *argv):
    status = main([*DIGITS, *map(str, argv), "--out", str(out)])
    assert status == 0
    return out


def history(folder):
    """metrics.json's rows without the seconds (the only field that may differ)."""
    rows = json.loads((folder / "metrics.json").read_text())["epochs"]
    return [{k: v for k, v in row.items() if k != "seconds"} for row in rows]


def checkpoint_state(folder):
    """checkpoint.npz's tree without the history's seconds."""
    state = badak.load(folder / "checkpoint.npz")
    state["history"] = [{k: v for k, v in r.items() if k != "seconds"} for r in state["history"]]
    state.pop("model")
    state.pop("optimizer")  # their arrays are compared with assert_same_arrays
    state["best"].pop("model")
    return state


def assert_same_run(folder, reference):
    """Bitwise the same weights, optimizer state, random state and metrics (but seconds)."""
    assert_same_arrays(folder / "model.npz", reference / "model.npz")
    assert_same_arrays(folder / "checkpoint.npz", reference / "checkpoint.npz")
    assert checkpoint_state(folder) == checkpoint_state(reference)
    assert history(folder) == history(reference)
    assert Classifier.load(folder / "model.npz").classes == [str(k) for k in range(10)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Uninterrupted digits runs of 3, 6 and 12 epochs, seed 0."""
    root = tmp_path_factory.mktemp("reference")
    return {epochs: train(root / f"e{epochs}", "--epochs", epochs) for epochs in (3, 6, 12)}


# ----------------------------------------------------------------------------------------------
# Determinism
# ----------------------------------------------------------------------------------------------
def test_the_same_command_and_seed_give_bitwise_the_same_weights(tmp_path, runs):
    again = train(tmp_path / "again", "--epochs", "6")
    assert_same_run(again, runs[6])


def test_another_seed_gives_other_weights(tmp_path, runs):
    other = train(tmp_path / "other", "--epochs", "6", "--seed", "1")
    reference, weights = arrays(runs[6] / "model.npz"), arrays(other / "model.npz")
    assert sorted(reference) == sorted(weights)
    assert not any(np.array_equal(reference[name], weights[name]) for name in reference)


# ----------------------------------------------------------------------------------------------
# --resume
# ----------------------------------------------------------------------------------------------
def test_resume_with_more_epochs_equals_an_uninterrupted_run(tmp_path, runs):
    folder = train(tmp_path / "run", "--epochs", "3")
    assert badak.load(folder / "checkpoint.npz")["epoch"] == 3
    train(folder, "--epochs", "6", "--resume")
    assert_same_run(folder, runs[6])
    assert len(json.loads((folder / "metrics.json").read_text())["epochs"]) == 6


def test_resume_keeps_the_stored_arguments_and_may_change_the_threads(tmp_path, runs):
    # Arguments that agree with the stored ones, and --threads, are accepted on resume; the
    # run still equals the uninterrupted one.
    folder = train(tmp_path / "run", "--epochs", "3")
    same = ["--seed", "0", "--data", "digits", "--model", "mlp", "--hidden", "128,64"]
    train(folder, "--epochs", "6", "--resume", *same, "--threads", "2")
    assert_same_run(folder, runs[6])
    with np.load(folder / "checkpoint.npz") as archive:
        config = json.loads(str(archive["__badak__"]))["metadata"]["config"]
    assert config["lr"] is None and config["seed"] == 0 and config["data"] == "digits"
    assert config["epochs"] == 6 and config["threads"] == 2
    groups = badak.load(folder / "checkpoint.npz")["optimizer"]["param_groups"]
    assert [group["lr"] for group in groups] == [1e-3]


@pytest.mark.parametrize(
    "argv, says",
    [
        (["--data", "iris"], "has --data digits, not iris"),
        (["--model", "linear"], "has --model mlp, not linear"),
        (["--lr", "0.5"], "has --lr (not given), not 0.5"),
        (["--seed", "7"], "has --seed 0, not 7"),
        (["--hidden", "8"], "has --hidden 128,64, not 8"),
    ],
)
def test_resume_refuses_other_data_model_or_settings(capsys, tmp_path, runs, argv, says):
    folder = tmp_path / "run"
    shutil.copytree(runs[6], folder)
    before = snapshot(folder)
    status, _, err = run_cli(capsys, *DIGITS, "--resume", "--out", folder, "--epochs", "8", *argv)
    line = assert_one_error_line(status, err, "train")
    assert says in line and "start a new run" in line
    assert snapshot(folder) == before


def test_resume_alone_continues_the_latest_run_of_the_same_data(capsys, tmp_path, runs,
                                                                 monkeypatch):  # fmt: skip
    monkeypatch.chdir(tmp_path)
    older, newer = tmp_path / "runs" / "digits-1", tmp_path / "runs" / "digits-2"
    shutil.copytree(runs[3], older)
    shutil.copytree(runs[3], newer)
    os.utime(older / "checkpoint.npz", (1, 1))  # newer's checkpoint is the latest
    os.utime(newer / "checkpoint.npz", (2, 2))
    status, out, _ = run_cli(capsys, "train", "--resume", "--epochs", "6", "--quiet")
    assert status == 0 and "epochs=6 " in out
    assert_same_run(newer, runs[6])
    assert badak.load(older / "checkpoint.npz")["epoch"] == 3
    status, _, err = run_cli(capsys, "train", "--data", "iris", "--resume", "--quiet")
    assert "no run of iris in runs/" in assert_one_error_line(status, err, "train")


def test_resume_takes_the_folder_as_its_value(capsys, tmp_path, runs):
    folder = tmp_path / "run"
    shutil.copytree(runs[3], folder)
    status, out, _ = run_cli(capsys, "train", "--resume", folder, "--epochs", "6", "--quiet")
    assert status == 0 and "epochs=6 " in out
    assert_same_run(folder, runs[6])


def test_resume_of_a_finished_run_trains_no_more(capsys, tmp_path, runs):
    folder = tmp_path / "run"
    shutil.copytree(runs[6], folder)
    before = snapshot(folder)
    status, out, err = run_cli(capsys, "train", "--resume", "--out", folder, "--quiet")
    assert status == 0 and err == "" and "epochs=6 " in out
    after = snapshot(folder)
    for name in ("model.npz", "checkpoint.npz", "metrics.json"):
        assert after[name] == before[name]


def test_resume_refuses_fewer_epochs(capsys, tmp_path, runs):
    folder = tmp_path / "run"
    shutil.copytree(runs[6], folder)
    before = snapshot(folder)
    status, out, err = run_cli(capsys, *DIGITS, "--resume", "--out", folder, "--epochs", "4")
    assert "fewer than the run's 6" in assert_one_error_line(status, err, "train")
    assert snapshot(folder) == before


# ----------------------------------------------------------------------------------------------
# A real kill (SIGKILL) at different moments, then --resume
# ----------------------------------------------------------------------------------------------
COMMAND = [*DIGITS, "--epochs", "12"]


def epochs_logged(folder):
    try:
        return len(json.loads((folder / "metrics.json").read_text())["epochs"])
    except (OSError, ValueError):
        return -1


def mtime(path):
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None


class AfterCheckpointChanges:
    """True once checkpoint.npz has been replaced (epoch 1): model.npz is being written."""

    def __init__(self):
        self.first = None

    def __call__(self, folder):
        now = mtime(folder / "checkpoint.npz")
        if now is None or self.first is None:
            self.first = now
            return False
        return now != self.first


MOMENTS = {
    "at_once": lambda folder: True,
    "before_epoch_1": lambda folder: (folder / "checkpoint.npz").exists(),
    "while_writing_a_file": lambda folder: (
        bool(temporary_files(folder)) if folder.exists() else False
    ),
    "as_the_checkpoint_changes": AfterCheckpointChanges,
    "after_2_epochs": lambda folder: epochs_logged(folder) >= 2,
    "while_drawing": lambda folder: epochs_logged(folder) == 12,
}


def kill_when(folder, moment, resume=False, timeout=120):
    """Start the command in a child process; SIGKILL it as soon as moment(folder) holds."""
    ready = moment() if isinstance(moment, type) else moment
    command = [sys.executable, "-m", "badak", *COMMAND, "--out", str(folder)]
    command += ["--resume"] if resume else []
    child = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while child.poll() is None and not ready(folder) and time.monotonic() < deadline:
            time.sleep(0.0005)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    return child.returncode


@pytest.mark.parametrize("moment", list(MOMENTS))
def test_a_killed_run_resumes_to_bitwise_the_uninterrupted_result(capsys, tmp_path, runs, moment):
    folder = tmp_path / "run"
    assert kill_when(folder, MOMENTS[moment]) == -signal.SIGKILL, "the run ended before the kill"
    # What a kill leaves loads: the files are replaced whole, never written in place.
    if (folder / "checkpoint.npz").exists():
        state = badak.load(folder / "checkpoint.npz")
        assert 0 <= state["epoch"] <= 12 and len(state["history"]) == state["epoch"]
    if (folder / "model.npz").exists():
        Classifier.load(folder / "model.npz")
    if (folder / "metrics.json").exists():
        json.loads((folder / "metrics.json").read_text())
    if moment == "after_2_epochs":
        assert badak.load(folder / "checkpoint.npz")["epoch"] >= 2
    leftovers = set(temporary_files(folder)) if folder.exists() else set()

    status, out, err = run_cli(capsys, *COMMAND, "--out", folder, "--resume")
    if not (folder / "checkpoint.npz").exists():  # killed before the epoch-0 checkpoint
        assert "no checkpoint to resume" in assert_one_error_line(status, err, "train")
        status, out, err = run_cli(capsys, *COMMAND, "--out", folder)
    assert status == 0, err
    assert out.startswith("val_accuracy=") and "epochs=12 " in out
    assert_same_run(folder, runs[12])
    assert temporary_files(folder) == [], f"left over: {leftovers}"
    assert sorted(p.name for p in folder.iterdir()) == [
        "checkpoint.npz",
        "confusion.png",
        "loss.png",
        "metrics.json",
        "model.npz",
        "reliability.png",
    ]


def test_a_run_killed_twice_resumes_to_the_same_result(capsys, tmp_path, runs):
    folder = tmp_path / "run"
    assert kill_when(folder, MOMENTS["after_2_epochs"]) == -signal.SIGKILL
    first = badak.load(folder / "checkpoint.npz")["epoch"]
    again = kill_when(folder, lambda f: epochs_logged(f) >= first + 2, resume=True)
    assert again == -signal.SIGKILL
    assert badak.load(folder / "checkpoint.npz")["epoch"] >= first + 2
    status, _, err = run_cli(capsys, *COMMAND, "--out", folder, "--resume")
    assert status == 0, err
    assert_same_run(folder, runs[12])
