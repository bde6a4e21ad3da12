import io
import json
import re
import subprocess
import sys

import numpy as np
import pytest

import badak
from badak import run
from badak.classifier import Classifier
from badak.cli import main
from badak.run import TrainConfig
from tests.cli_helpers import SUMMARY, run_cli


def test_version_prints_package_version(capsys):
    assert main(["--version"]) == 0
    out = capsys.readouterr().out
    assert out.strip() == f"badak {badak.__version__}"


def test_help_exits_zero(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: badak")


def test_unknown_option_exits_with_status_2(capsys):
    assert main(["--no-such-option"]) == 2
    assert "--no-such-option" in capsys.readouterr().err


def test_python_dash_m_badak_version():
    result = subprocess.run(
        [sys.executable, "-m", "badak", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"badak {badak.__version__}"


def test_badak_help_lists_the_three_commands(capsys):
    status, out, _ = run_cli(capsys, "--help")
    assert status == 0
    for command in ("train", "evaluate", "predict"):
        assert command in out


def test_train_help_lists_every_option(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")  # no line wrapped within a word
    status, out, _ = run_cli(capsys, "train", "--help")
    assert status == 0 and out.startswith("usage: badak train")
    options = "--data --target --model --hidden --activation --optimizer --lr --epochs "
    options += "--batch-size --label-smoothing --val-split --seed --out --resume --quiet"
    for option in options.split():
        assert option in out, option
    for choice in ("digits", "iris", "wine", "breast_cancer", "spiral", "fashion-mnist", "mlp"):
        assert choice in out, choice


@pytest.mark.parametrize(
    "command, options",
    [("evaluate", "MODEL --data --target --json"), ("predict", "MODEL --data --proba --out")],
)
def test_evaluate_and_predict_help_list_their_options(capsys, command, options):
    status, out, _ = run_cli(capsys, command, "--help")
    assert status == 0 and out.startswith(f"usage: badak {command}")
    for option in options.split():
        assert option in out, option


def test_python_dash_m_badak_help():
    result = subprocess.run(
        [sys.executable, "-m", "badak", "--help"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: badak")


# ----------------------------------------------------------------------------------------------
# `badak train` trains an MLP on digits; a bare `badak` prints its help
# ----------------------------------------------------------------------------------------------
def test_a_bare_badak_prints_help_and_starts_nothing(monkeypatch, capsys):
    monkeypatch.setattr(run, "train", lambda *a, **k: pytest.fail("a bare badak trained"))
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: badak") and "train" in out


@pytest.mark.parametrize("argv", [["--epochs", "30"], ["train"]])
def test_badak_alone_means_badak_train(monkeypatch, argv):
    calls = []

    def fake_train(config, out=None, **options):
        calls.append((config, out, options["resume"], options["given"], options["log"] is None))
        raise run.UsageError("stop here")

    monkeypatch.setattr(run, "train", fake_train)
    assert main(argv) == 2
    given = {"epochs": 30} if "--epochs" in argv else {}
    assert calls == [(TrainConfig(epochs=30), None, None, given, False)]


def test_ctrl_c_during_training_ends_with_one_line_that_says_how_to_resume(monkeypatch, capsys,
                                                                          tmp_path):  # fmt: skip
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(run, "train_classifier", interrupted)
    assert main(["train", "--data", "iris", "--out", str(tmp_path / "run"), "--quiet"]) == 130
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("badak train: interrupted") and "--resume" in err
    assert str(tmp_path / "run") in err


def test_a_closed_pipe_ends_quietly():
    # `badak predict ... | head -1`: the reader leaves early; no BrokenPipeError traceback
    script = (
        "import sys; from badak import cli; from badak.cli import COMMANDS\n"
        "def flood(args):\n"
        "    for i in range(10**6): print('row', i)\n"
        "    return 0\n"
        "COMMANDS['evaluate'] = flood\n"
        "sys.exit(cli.main(['evaluate', 'x', '--data', 'iris']))\n"
    )
    done = subprocess.run(f"{sys.executable} -c \"{script}\" | head -1", shell=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.stdout == "row 0\n"
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """`badak train` with no arguments, in an empty folder: (folder, status, stdout, stderr)."""
    root = tmp_path_factory.mktemp("default")
    capture = _Capture()
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(root)
        patch.setattr(sys, "stdout", capture.out)
        patch.setattr(sys, "stderr", capture.err)
        status = main(["train"])
    return root, status, capture.out.getvalue(), capture.err.getvalue()


class _Capture:
    def __init__(self):
        self.out, self.err = io.StringIO(), io.StringIO()


def test_badak_alone_trains_digits_to_the_stated_accuracy(default_run):
    _, status, out, _ = default_run
    assert status == 0
    last = out.splitlines()[-1]
    match = SUMMARY.fullmatch(last)
    assert match, last
    assert re.fullmatch(
        r"val_accuracy=0\.9\d\d\d val_loss=\d+\.\d{4} epochs=30 time=\d+\.\ds", last
    )
    assert float(match[1]) >= 0.95
    assert out.splitlines() == [last]  # stdout holds the summary only


def test_badak_alone_logs_epochs_on_stderr_without_a_progress_bar(default_run):
    root, _, _, err = default_run
    lines = err.splitlines()
    epochs = [line for line in lines if line.startswith("epoch ")]
    assert len(epochs) == 30 and epochs[0].startswith("epoch 1/30 train_loss=")
    assert lines[-1].startswith("badak: run written to runs")
    assert "\r" not in err and "batch/s" not in err and "it/s" not in err  # stderr is no TTY


def test_badak_alone_writes_the_run_folder(default_run):
    root, _, _, _ = default_run
    (folder,) = (root / "runs").iterdir()
    assert re.fullmatch(r"digits-\d{8}-\d{6}", folder.name)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "checkpoint.npz", "confusion.png", "loss.png", "metrics.json", "model.npz",
        "reliability.png",
    ]  # fmt: skip
    for png in ("loss.png", "confusion.png", "reliability.png"):
        assert (folder / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    metrics = json.loads((folder / "metrics.json").read_text())
    assert list(metrics) == [
        "config", "data", "epochs", "best_epoch", "final", "per_class", "confusion", "calibration"
    ]  # fmt: skip
    assert len(metrics["epochs"]) == 30 and metrics["config"]["data"] == "digits"
    best = metrics["best_epoch"]
    assert metrics["final"]["val_loss"] == min(row["val_loss"] for row in metrics["epochs"])
    assert metrics["final"]["epoch"] == best and metrics["final"]["epochs_run"] == 30
    assert [row["class"] for row in metrics["per_class"]] == [str(k) for k in range(10)]
    assert sum(row["support"] for row in metrics["per_class"]) == 359  # a stratified fifth
    calibration = metrics["calibration"]
    assert calibration["bins"] == 15 and calibration["temperature"] > 0
    assert calibration["after"]["nll"] <= calibration["before"]["nll"]
    keys = ["epoch", "train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"]
    for number, row in enumerate(metrics["epochs"], 1):
        assert list(row) == keys and row["epoch"] == number
    assert metrics["epochs"][-1]["val_accuracy"] >= 0.95


def test_badak_alone_stores_the_model_and_its_metadata(default_run):
    root, _, _, _ = default_run
    (folder,) = (root / "runs").iterdir()
    classifier = Classifier.load(folder / "model.npz")
    assert classifier.classes == [str(k) for k in range(10)]
    assert len(classifier.feature_names) == 64 and classifier.target_name == "target"
    with np.load(folder / "model.npz") as archive:
        description = json.loads(str(archive["__badak__"]))
    meta = description["metadata"]
    assert description["version"] >= 1
    assert meta["architecture"]["hidden"] == [128, 64] and meta["seed"] == 0
    assert meta["badak_version"] == badak.__version__
    assert set(meta["preprocessing"]["standardize"]) == {"mean", "scale"}
    state = badak.load(folder / "checkpoint.npz")
    assert state["epoch"] == 30 and len(state["history"]) == 30
    assert {"model", "optimizer", "random_state"} <= set(state)


def test_quiet_prints_the_summary_only(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, err = run_cli(capsys, "--data", "iris", "--epochs", "2", "--quiet")
    assert status == 0 and err == ""
    assert SUMMARY.fullmatch(out.strip()) and "epochs=2" in out


def test_a_progress_bar_is_drawn_on_a_terminal_only_without_quiet(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    status, out, err = run_cli(capsys, "train", "--data", "iris", "--epochs", "2")
    assert status == 0 and "epoch 1" in err and "batch" in err and "\r" in err
    assert SUMMARY.fullmatch(out.strip())  # the bar stays off stdout
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    status, out, err = run_cli(capsys, "train", "--data", "iris", "--epochs", "2", "--quiet")
    assert status == 0 and err == ""


def test_a_second_default_run_in_the_same_second_gets_a_suffix(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(run.time, "strftime", lambda format, *when: "20250102-030405")
    for _ in range(3):
        assert run_cli(capsys, "--data", "iris", "--epochs", "1", "--quiet")[0] == 0
    names = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert names == ["iris-20250102-030405", "iris-20250102-030405-2", "iris-20250102-030405-3"]
    for name in names:
        assert (tmp_path / "runs" / name / "model.npz").is_file()


def test_evaluate_the_default_run_on_all_of_digits(capsys, default_run):
    root, _, _, _ = default_run
    (folder,) = (root / "runs").iterdir()
    status, out, err = run_cli(capsys, "evaluate", folder, "--data", "digits", "--json")
    report = json.loads(out)
    assert status == 0 and err == ""
    assert report["n"] == 359 and np.sum(report["confusion"]) == 359  # the held-out rows
    metrics = json.loads((folder / "metrics.json").read_text())
    assert report["accuracy"] == metrics["final"]["val_accuracy"]
    status, out, err = run_cli(
        capsys, "evaluate", folder, "--data", "digits", "--json", "--split", "all"
    )
    everything = json.loads(out)
    assert everything["n"] == 1797 and np.sum(everything["confusion"]) == 1797
    assert everything["accuracy"] > report["accuracy"]  # four fifths of it were trained on
