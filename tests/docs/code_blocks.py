"""The code blocks of the documentation pages, and how each kind is run and checked.

A page's fenced blocks run in order, in one namespace and one scratch folder, so a page reads as
one session. By the fence's language:

- `pycon`: an interactive session (`>>>` and `...` prompts); run by doctest, every shown
  output checked.
- `python`: a program; run, and what it prints must equal the `text` block right after it
  (no `text` block: it must print nothing). Fenced as ```python NAME.py, it is a file the page
  writes into its folder instead, for a console block to run.
- `console`: shell commands after `$ `, each followed by what it prints; run with bash in the
  page's folder, with this interpreter's `python` and `badak` first on PATH.
- `sh`: commands a reader runs by hand (installs, benchmarks, servers); not run here but
  checked: badak's arguments parse, the files and extras they name exist.
- `diff`: a change to a program (porting from PyTorch): the imports it adds are run.
- `text`: output or plain text, never run.

Outputs are compared as doctest compares them, with `...` standing for any text and runs of
whitespace equal; that is how a page shows a time or a path that changes from run to run.
"""

import contextlib
import doctest
import importlib.metadata
import io
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
RUN = {"pycon", "python", "console"}
NOT_RUN = {"sh", "text", "diff"}
OPTIONS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
FENCE = re.compile(r"^(?P<indent> *)(?P<ticks>`{3,})(?P<info>[^`]*)$")


@dataclass
class Block:
    """One fenced block: its language (the info string's first word), text and first line."""

    language: str
    text: str
    line: int
    name: str = ""  # a file name after the language: ```python quickstart.py


def pages():
    """Every Markdown page of the site, sorted, build output left out."""
    return sorted(p for p in DOCS.rglob("*.md") if "_build" not in p.parts)


def blocks(path):
    """The fenced blocks of a Markdown page, in order; MyST directives (```{name}) left out."""
    found, lines = [], Path(path).read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        ticks, indent = opening["ticks"], len(opening["indent"])
        body, j = [], i + 1
        while j < len(lines) and lines[j].strip() != ticks:
            body.append(lines[j][indent:])
            j += 1
        if j == len(lines):
            raise ValueError(f"{path}:{i + 1}: the fence opened here is never closed")
        info = opening["info"].strip()
        if not info.startswith("{"):
            language, _, name = info.partition(" ")
            found.append(Block(language, "\n".join(body) + "\n", i + 1, name.strip()))
        i = j + 1
    return found


def same(want, got):
    """True where `got` is what `want` shows, as doctest compares (ELLIPSIS, whitespace)."""
    return doctest.OutputChecker().check_output(want, got, OPTIONS)


class PageRun:
    """Runs one page's blocks in order, in `folder`, collecting what went wrong."""

    def __init__(self, path, folder):
        self.path = Path(path)
        self.folder = Path(folder)
        self.namespace = {"__name__": "__main__"}
        self.failures = []

    def run(self):
        found = blocks(self.path)
        # Commands are written as run from the checkout's root: its examples are at hand.
        (self.folder / "examples").symlink_to(ROOT / "examples")
        cwd = os.getcwd()
        os.chdir(self.folder)
        try:
            for i, block in enumerate(found):
                after = found[i + 1] if i + 1 < len(found) else None
                self.run_block(block, after)
        finally:
            os.chdir(cwd)
        return self.failures

    def fail(self, block, message):
        where = self.path.relative_to(ROOT) if self.path.is_relative_to(ROOT) else self.path
        self.failures.append(f"{where}:{block.line} ({block.language}): {message}")

    def run_block(self, block, after):
        if block.language == "pycon":
            self.run_session(block)
        elif block.language == "python" and block.name:
            (self.folder / block.name).write_text(block.text, encoding="utf-8")
        elif block.language == "python":
            shown = after.text if after is not None and after.language == "text" else ""
            self.run_program(block, shown)
        elif block.language == "console":
            self.run_commands(block)
        elif block.language == "diff":
            self.run_added_imports(block)
        elif block.language == "sh":
            for problem in shell_problems(block.text):
                self.fail(block, problem)
        elif block.language not in NOT_RUN:
            self.fail(
                block,
                f"no rule runs or checks a {block.language or 'bare'} block; "
                f"use one of {sorted(RUN | NOT_RUN)}",
            )

    def run_session(self, block):
        test = doctest.DocTestParser().get_doctest(
            block.text, {}, str(self.path), str(self.path), block.line
        )
        test.globs = self.namespace  # DocTest copies its globals; the page shares one namespace
        report = io.StringIO()
        runner = doctest.DocTestRunner(optionflags=OPTIONS)
        runner.run(test, out=report.write, clear_globs=False)
        if runner.failures:
            self.fail(block, "\n" + report.getvalue())

    def run_program(self, block, shown):
        printed = io.StringIO()
        try:
            code = compile(block.text, f"{self.path.name}:{block.line}", "exec")
            with contextlib.redirect_stdout(printed):
                exec(code, self.namespace)
        except Exception as error:  # the page's own program failed: report it, go on
            self.fail(block, f"raised {type(error).__name__}: {error}")
            return
        if not same(shown, printed.getvalue()):
            self.fail(block, f"printed\n{printed.getvalue()}\nwhere the page shows\n{shown}")

    def run_added_imports(self, block):
        added = [line[1:].strip() for line in block.text.splitlines() if line.startswith("+")]
        imports = [line for line in added if line.startswith(("import ", "from "))]
        if not imports:
            self.fail(block, "a diff that adds no import: nothing here to check")
        for line in imports:
            try:
                exec(line, {})
            except Exception as error:
                self.fail(block, f"{line!r} raised {type(error).__name__}: {error}")

    def run_commands(self, block):
        for command, shown in commands(block.text):
            done = subprocess.run(
                ["bash", "-c", command],
                cwd=self.folder,
                env=shell_environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=600,
            )
            if not same(shown, done.stdout):
                self.fail(
                    block, f"$ {command}\nprinted\n{done.stdout}\nwhere the page shows\n{shown}"
                )


def commands(text):
    """[(command, shown output)] of a console block: lines after `$ `, then what they print."""
    found = []
    for line in text.splitlines():
        if line.startswith("$ "):
            found.append([line[2:], ""])
        elif found:
            found[-1][1] += line + "\n"
        elif line.strip():
            raise ValueError(f"console block: output before any command: {line!r}")
    return [tuple(pair) for pair in found]


def shell_environment():
    """The environment for a page's commands: this interpreter's folder first on PATH, and this
    checkout importable, as a reader with badak installed in a venv has it."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    bin_folder = str(Path(sys.executable).parent)
    return {**os.environ, "PATH": bin_folder + os.pathsep + os.environ["PATH"], "PYTHONPATH": path}


# ----------------------------------------------------------------------------------------------
# sh blocks: checked, not run
# ----------------------------------------------------------------------------------------------
def shell_problems(text):
    """What is wrong with the commands of an sh block: each line (comments dropped) is checked
    by its program; a program no rule knows is a problem, so a new kind gets a rule."""
    problems = []
    for line in text.splitlines():
        line = line.split(" #")[0].strip()
        if line and not line.startswith("#"):
            for part in re.split(r"\s+(?:&&|\|\|)\s+", line):
                problems += [f"{part}: {p}" for p in command_problems(shlex.split(part))]
    return problems


MPIEXEC_VALUED = {"-n", "-np", "-f", "-hostfile", "--hostfile", "-ppn", "-hosts"}


def command_problems(words):
    while words and re.fullmatch(r"[A-Z_][A-Z0-9_]*=\S*", words[0]):  # VAR=value prefixes
        words = words[1:]
    if not words:
        return ["no command"]
    program, args = Path(words[0]).name, words[1:]
    if program == "mpiexec":
        while args and args[0].startswith("-"):
            args = args[2:] if args[0] in MPIEXEC_VALUED else args[1:]
        return command_problems(args)
    if program == "badak":
        return badak_problems(args)
    if program in ("python", "python3"):
        return python_problems(args)
    if program == "pip":
        return pip_problems(args)
    if program in ("cd", "git", "sphinx-autobuild"):
        return []
    return [f"no rule checks the program {program!r}"]


def badak_problems(args):
    from badak.cli import build_parser

    with contextlib.redirect_stderr(io.StringIO()) as said:
        try:
            build_parser().parse_args(args)
        except SystemExit as stop:
            if stop.code:
                return [f"badak does not take these arguments: {said.getvalue().strip()}"]
    return []


def python_problems(args):
    if args[:1] == ["-m"]:
        return (
            []
            if args[1:2] and args[1] in ("venv", "pip", "pytest", "sphinx", "http.server")
            else [f"python -m {' '.join(args[1:2])}: no rule checks this module"]
        )
    if args and args[0].endswith(".py") and not (ROOT / args[0]).is_file():
        return [f"{args[0]} does not exist"]
    return []


def pip_problems(args):
    extras = set(importlib.metadata.metadata("badak").get_all("Provides-Extra"))
    problems = []
    for arg in args:
        named = re.fullmatch(r"(?:badak|\.|-e \.)\[(?P<extras>[^\]]+)\]", arg)
        if named:
            problems += [
                f"no extra {e!r}" for e in named["extras"].split(",") if e.strip() not in extras
            ]
    return problems
