"""Command line: `badak train | evaluate | predict` (and `python -m badak`).

It parses arguments and calls badak.run (train) or badak.inference (evaluate, predict); it holds
no logic of its own. A bad argument or bad data ends with one line on stderr, `badak COMMAND:
error: ...`, and exit status 2; a training run that diverges ends with exit status 1. `badak`
alone trains on the bundled digits set.
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


def build_parser():
    parser = _Parser(prog="badak", description="badak: deep learning from the floor up, on NumPy.")
    parser.add_argument("--version", action="version", version=f"badak {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    parser.commands = commands.choices

    train = commands.add_parser("train", help="train a classifier (the default command)")
    train.add_argument(
        "--data",
        default="digits",
        help="digits|iris|wine|breast_cancer|spiral|fashion-mnist|PATH.csv|DIR (default: digits)",
    )
    train.add_argument("--target", help="the CSV column to predict (default: the last)")
    train.add_argument(
        "--model",
        default="mlp",
        choices=["linear", "mlp", "cnn"],
        help="linear: softmax regression; mlp: a multilayer perceptron (the default); cnn: for "
        "images (an IDX folder, fashion-mnist), conv3x3(32)-relu-maxpool2-conv3x3(64)-relu-"
        "maxpool2-linear(128)-relu-dropout(0.25)-linear, with its own defaults: 10 epochs, "
        "batch size 64, all pixels standardised with one mean and scale",
    )
    train.add_argument(
        "--hidden",
        type=_hidden,
        help="hidden layer sizes (default 128,64; for cnn the dense layers, default 128)",
    )
    train.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh"],
                       help="between the hidden layers (default: relu)")  # fmt: skip
    train.add_argument("--optimizer", default="adam", choices=["sgd", "adam"],
                       help="adam (the default) or sgd with momentum 0.9")  # fmt: skip
    train.add_argument(
        "--lr",
        type=float,
        help="learning rate (default 0.1; 0.001 for adam with mlp or cnn, 0.01 for sgd with cnn)",
    )
    train.add_argument("--epochs", type=int, help="epochs (default 30; 10 for cnn)")
    train.add_argument("--batch-size", type=int, help="examples per step (default 32; 64 for cnn)")
    train.add_argument("--label-smoothing", type=float, default=0.0,
                       help="cross-entropy's label smoothing (default: 0)")  # fmt: skip
    train.add_argument("--val-split", type=float, default=0.2,
                       help="share of the examples held out (default: 0.2)")  # fmt: skip
    train.add_argument("--seed", type=int, default=0,
                       help="seeds the split, the weights, the batches (default: 0)")  # fmt: skip
    train.add_argument("--out", help="run folder (default runs/<data>-<time>)")
    train.add_argument("--resume", action="store_true", help="continue the run in --out")
    train.add_argument("--quiet", action="store_true", help="no progress bar and no epoch logs")

    evaluate = commands.add_parser("evaluate", help="accuracy, loss and confusion on data")
    evaluate.add_argument("model", metavar="MODEL", help="a model.npz or a run folder")
    evaluate.add_argument("--data", required=True)
    evaluate.add_argument("--target", help="the CSV column holding the labels")
    evaluate.add_argument("--json", action="store_true", help="print one JSON object")

    predict = commands.add_parser("predict", help="predict the class of each CSV row")
    predict.add_argument("model", metavar="MODEL", help="a model.npz or a run folder")
    predict.add_argument("--data", required=True, help="a CSV file with a header")
    predict.add_argument("--proba", action="store_true", help="add p_<class> columns")
    predict.add_argument("--out", help="CSV file to write (default: stdout)")
    return parser


def _progress_bars(quiet):
    """tqdm bars on stderr, only on a terminal and without --quiet."""
    if quiet or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return lambda total, epoch: tqdm(total=total, desc=f"epoch {epoch}", leave=False, unit="batch")


def _train(args):
    from badak import run

    config = run.TrainConfig(
        data=args.data,
        target=args.target,
        model=args.model,
        hidden=args.hidden,
        activation=args.activation,
        optimizer=args.optimizer,
        lr=args.lr,
        epochs=args.epochs,
        batch_size=args.batch_size,
        label_smoothing=args.label_smoothing,
        val_split=args.val_split,
        seed=args.seed,
    )
    result, folder = run.train(
        config,
        args.out,
        resume=args.resume,
        quiet=args.quiet,
        epochs=args.epochs,
        log=lambda line: print(line, file=sys.stderr),
        progress=_progress_bars(args.quiet),
    )
    if not args.quiet:
        print(f"badak: run written to {folder}", file=sys.stderr)
    print(result.summary())
    return 0


def _evaluate(args):
    from badak import inference

    report = inference.evaluate(args.model, args.data, args.target)
    print(inference.dumps(report) if args.json else inference.format_report(report))
    return 0


def _predict(args):
    from badak import inference

    inference.write_output(inference.predict(args.model, args.data, args.proba), args.out)
    return 0


COMMANDS = {"train": _train, "evaluate": _evaluate, "predict": _predict}


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
    except Interrupted as stop:  # Ctrl-C during training: one line, no traceback
        print(
            f"badak {args.command}: interrupted; the last finished epoch is saved in "
            f"{stop.folder}: continue with `badak train --out {stop.folder} --resume`",
            file=sys.stderr,
        )
        return 130
    except KeyboardInterrupt:
        print(f"badak {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `badak predict ... | head`: the reader left; not an error
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so that Python's exit flush does not fail
        return 141
    except (UsageError, DataError) as error:
        print(f"badak {args.command}: error: {error}", file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        print(
            f"badak {args.command}: error: training diverged: {error}; "
            "the last good checkpoint is kept",
            file=sys.stderr,
        )
        return 1


def console_main():
    """Entry point of the `badak` console script."""
    sys.exit(main())
