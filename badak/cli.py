"""Command-line interface: ``badak [--version] COMMAND ...``.

The CLI only parses arguments and hands them to library code; it holds no logic of its own.
Commands (train, evaluate, predict) are added as subparsers of ``dest="command"``.
"""

import argparse
import sys

from badak import __version__


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level argument parser."""
    parser = argparse.ArgumentParser(
        prog="badak",
        description="badak: deep learning from the floor up, on NumPy.",
    )
    parser.add_argument("--version", action="version", version=f"badak {__version__}")
    parser.add_subparsers(dest="command", metavar="COMMAND")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help(sys.stdout)
        return 0
    parser.error(f"unknown command {args.command!r}")  # unreachable until commands exist
    return 2


def console_main() -> None:
    """Entry point of the ``badak`` console script."""
    sys.exit(main())
