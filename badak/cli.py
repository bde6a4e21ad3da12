"""Command line: `badak train | evaluate | predict | export` (and `python -m badak`).

It parses arguments and calls badak.run (train) or badak.inference (evaluate, predict, export);
it holds no logic of its own. A bad argument or bad data ends with one line on stderr,
`badak COMMAND: error: ...`, and exit status 2; a training run that diverges ends with exit
status 1. `badak` alone prints the help.
"""

import argparse
import os
import sys

from badak import __version__


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line: `badak train: error: ...`, exit status 2."""

    def error(self, message):
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(2)


def _hidden(text):
    try:
        sizes = tuple(int(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected sizes like 128,64, got {text!r}") from None
    if not sizes or any(s <= 0 for s in sizes):
        raise argparse.ArgumentTypeError(f"expected positive sizes like 128,64, got {text!r}")
    return sizes


def _names(text):
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected column names like a,b, got {text!r}")
    return tuple(names)


def build_parser():
    parser = _Parser(prog="badak", description="badak: deep learning from the floor up, on NumPy.")
    parser.add_argument("--version", action="version", version=f"badak {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser.commands = commands.choices

    # Arguments left out are absent (SUPPRESS), so that a resumed run can tell what was typed;
    # each help text states the default.
    train = commands.add_parser("train", help="train a classifier (the default command)",
                                argument_default=argparse.SUPPRESS)  # fmt: skip
    data = train.add_argument_group("data")
    data.add_argument(
        "--data",
        help="digits|iris|wine|breast_cancer|spiral|fashion-mnist, a table file (CSV, TSV, "
        ".gz/.bz2/.xz/.zip, Parquet) or a folder of IDX files (default: digits)",
    )
    data.add_argument("--target", help="the column to predict (default: the last)")
    data.add_argument("--features", type=_names, metavar="COLS",
                      help="use only these columns, comma-separated (default: all but the "
                      "target and useless ones: row counters, ids, empty columns)")  # fmt: skip
    data.add_argument("--drop", type=_names, metavar="COLS",
                      help="leave these columns out (default: none)")  # fmt: skip
    data.add_argument("--sep", help="the CSV delimiter, \\t for a tab (default: sniffed)")
    data.add_argument("--no-header", dest="header", action="store_false",
                      help="the first row is data (default: detected)")  # fmt: skip
    data.add_argument("--val-split", type=float,
                      help="share of the rows held out, stratified; 0 trains on all of them "
                      "and keeps the last epoch (default: 0.2)")  # fmt: skip
    data.add_argument("--val-data", metavar="FILE",
                      help="validate on this table instead of a split (default: none)")  # fmt: skip

    model = train.add_argument_group("model")
    model.add_argument(
        "--model",
        choices=["linear", "mlp", "cnn"],
        help="linear: softmax regression; mlp: a multilayer perceptron (the default); cnn: for "
        "images (an IDX folder, fashion-mnist), conv3x3(32)-relu-maxpool2-conv3x3(64)-relu-"
        "maxpool2-linear(128)-relu-dropout(0.25)-linear, with its own defaults: 10 epochs, "
        "batch size 64, all pixels standardised with one mean and scale",
    )
    model.add_argument("--hidden", type=_hidden,
                       help="hidden layer sizes (default 128,64; for cnn the dense layers, "
                       "default 128)")  # fmt: skip
    model.add_argument("--activation", choices=["relu", "sigmoid", "tanh", "gelu"],
                       help="between the hidden layers (default: relu)")  # fmt: skip

    fitting = train.add_argument_group("training")
    fitting.add_argument("--optimizer", choices=["sgd", "adam", "adamw"],
                         help="adam (the default), adamw, or sgd with momentum 0.9")  # fmt: skip
    fitting.add_argument("--lr", type=float,
                         help="learning rate (default 0.1; 0.001 for adam or adamw with mlp or "
                         "cnn, 0.01 for sgd with cnn)")  # fmt: skip
    fitting.add_argument(
        "--weight-decay",
        type=float,
        help="L2 penalty; decoupled for adamw (default 0; 0.01 for adamw)",
    )
    fitting.add_argument("--epochs", type=int, help="epochs at most (default 30; 10 for cnn)")
    fitting.add_argument("--batch-size", type=int,
                         help="examples per step (default 32; 64 for cnn)")  # fmt: skip
    fitting.add_argument("--label-smoothing", type=float,
                         help="cross-entropy's label smoothing (default: 0)")  # fmt: skip
    fitting.add_argument("--class-weight", choices=["balanced"],
                         help="balanced: weight each class by n / (classes * its count) "
                         "(default: every example counts the same)")  # fmt: skip
    fitting.add_argument(
        "--patience",
        type=int,
        help="stop after this many epochs without a lower validation loss "
        "(default: run every epoch); the best epoch is saved either way",
    )
    fitting.add_argument("--no-calibrate", dest="calibrate", action="store_false",
                         help="skip fitting a temperature on the validation split "
                         "(default: fit it)")  # fmt: skip
    fitting.add_argument(
        "--seed", type=int, help="seeds the split, the weights, the batches (default: 0)"
    )
    fitting.add_argument("--threads", type=int,
                         help="BLAS threads (default: 1, fastest for the small matrices of "
                         "typical runs and safe on a busy machine)")  # fmt: skip

    run = train.add_argument_group("run")
    run.add_argument("--out", help="run folder (default runs/<data>-<time>)")
    run.add_argument("--resume", nargs="?", const=True, metavar="DIR",
                     help="continue a run: the one in DIR, else in --out, else the latest of "
                     "the same data under runs/")  # fmt: skip
    run.add_argument("--quiet", action="store_true",
                     help="no progress bars, epoch logs or notes (default: shown)")  # fmt: skip

    evaluate = commands.add_parser("evaluate", help="accuracy, loss and confusion on data")
    evaluate.add_argument("model", metavar="MODEL", help="a model.npz or a run folder")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--target", help="the column holding the labels (default: the model's)")
    evaluate.add_argument("--split", choices=["val", "all"], default="val",
                          help="on the data the model was trained on, score the rows it held "
                          "out (val, the default) or all of them")  # fmt: skip
    evaluate.add_argument("--sep", help="the CSV delimiter (default: sniffed)")
    evaluate.add_argument("--no-header", dest="header", action="store_false", default=None,
                          help="the first row is data (default: detected)")  # fmt: skip
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    predict = commands.add_parser("predict", help="predict the class of each row of a table")
    predict.add_argument("model", metavar="MODEL", help="a model.npz or a run folder")
    predict.add_argument("--data", required=True, help="a table file holding the model's columns")
    predict.add_argument("--proba", action="store_true",
                         help="add calibrated p_<class> columns")  # fmt: skip
    predict.add_argument("--keep", type=_names, metavar="COLS",
                         help="copy these columns (an id) into the output, first")  # fmt: skip
    predict.add_argument("--sep", help="the CSV delimiter (default: sniffed)")
    predict.add_argument("--no-header", dest="header", action="store_false", default=None,
                         help="the first row is data (default: detected)")  # fmt: skip
    predict.add_argument("--out", help="CSV file to write (default: stdout)")

    export = commands.add_parser("export", help="write a model for deployment")
    export.add_argument("model", metavar="MODEL", help="a model.npz or a run folder")
    export.add_argument("--format", required=True, choices=["onnx", "safetensors"],
                        help="onnx: probabilities from raw rows, preprocessing and temperature "
                        "inside; safetensors: the network's state dict")  # fmt: skip
    export.add_argument("--out", help="file to write (default: model.onnx or model.safetensors "
                        "beside the model)")  # fmt: skip
    return parser


class _Bars:
    """tqdm bars on stderr, only on a terminal and without --quiet: one for the run (epochs,
    with its ETA) above one for the epoch's batches; log lines are written above both."""

    def __init__(self, enabled):
        self.enabled, self.run = enabled, None

    def epoch(self, total, epoch, epochs):
        from tqdm import tqdm

        if self.run is None:
            self.run = tqdm(total=epochs, initial=epoch - 1, desc="run", unit="epoch", position=0)
        else:
            self.run.update(1)
        return tqdm(total=total, desc=f"epoch {epoch}", leave=False, unit="batch", position=1)

    def log(self, line):
        if self.run is None:
            print(line, file=sys.stderr)
        else:
            from tqdm import tqdm

            tqdm.write(line, file=sys.stderr)

    def close(self):
        if self.run is not None:
            self.run.update(self.run.total - self.run.n)
            self.run.close()


def _train(args):
    from badak import run

    given = {k: v for k, v in vars(args).items() if k not in ("command", "out", "resume", "quiet")}
    quiet = getattr(args, "quiet", False)
    bars = _Bars(not quiet and sys.stderr.isatty())
    try:
        result, folder = run.train(
            run.TrainConfig(**given),
            getattr(args, "out", None),
            resume=getattr(args, "resume", None),
            given=given,
            log=None if quiet else bars.log,
            progress=bars.epoch if bars.enabled else None,
        )
    finally:
        bars.close()
    if _lead():
        if not quiet:
            print(f"badak: run written to {folder}", file=sys.stderr)
        print(result.summary())
    return 0


def _lead():
    """Whether this process speaks for the run: under mpiexec, rank 0 alone does."""
    from badak import distributed

    return not distributed.is_initialized() or distributed.get_rank() == 0


def _evaluate(args):
    from badak import inference

    report = inference.evaluate(args.model, args.data, args.target, split=args.split,
                                sep=args.sep, header=args.header)  # fmt: skip
    print(inference.dumps(report) if args.json else inference.format_report(report))
    return 0


def _predict(args):
    from badak import inference

    text = inference.predict(args.model, args.data, args.proba, keep=args.keep, sep=args.sep,
                             header=args.header)  # fmt: skip
    inference.write_output(text, args.out)
    return 0


def _export(args):
    from badak import inference

    path = inference.export(args.model, args.format, args.out)
    print(f"badak: wrote {path}", file=sys.stderr)
    return 0


COMMANDS = {"train": _train, "evaluate": _evaluate, "predict": _predict, "export": _export}


def main(argv=None):
    """Run the command line with `argv` (default sys.argv[1:]); returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not argv:  # a bare `badak` explains itself rather than starting a run
        parser.print_help()
        return 0
    if argv[0].startswith("-") and argv[0] not in ("-h", "--help", "--version"):
        argv = ["train", *argv]  # `badak --epochs 5` trains, as `badak train --epochs 5`
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # reported by the command's own parser: `badak train: error: ...`
            parser.commands[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as stop:  # --help, --version, or an argument error already reported
        return stop.code if isinstance(stop.code, int) else 0
    from badak.data.errors import DataError
    from badak.run import Interrupted, UsageError
    from badak.train import TrainingDiverged

    try:
        return COMMANDS[args.command](args)
    except (Interrupted, KeyboardInterrupt, UsageError, DataError, TrainingDiverged) as error:
        if _lead():  # under mpiexec every rank has the error; rank 0 tells it
            _report(args.command, error)
        if isinstance(error, (Interrupted, KeyboardInterrupt)):
            return 130
        return 1 if isinstance(error, TrainingDiverged) else 2
    except BrokenPipeError:  # `badak predict ... | head`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that Python's exit flush does not fail
        return 141


def _report(command, error):
    """One line on stderr for an error the user can act on."""
    from badak.run import Interrupted
    from badak.train import TrainingDiverged

    if isinstance(error, Interrupted):  # Ctrl-C during training: one line, no traceback
        print(
            f"badak {command}: interrupted; the last finished epoch is saved in "
            f"{error.folder}: continue with `badak train --resume {error.folder}`",
            file=sys.stderr,
        )
    elif isinstance(error, KeyboardInterrupt):
        print(f"badak {command}: interrupted", file=sys.stderr)
    elif isinstance(error, TrainingDiverged):
        print(
            f"badak {command}: error: training diverged: {error}; the last good checkpoint is kept",
            file=sys.stderr,
        )
    else:
        print(f"badak {command}: error: {error}", file=sys.stderr)


def console_main():
    """Entry point of the `badak` console script."""
    sys.exit(main())
