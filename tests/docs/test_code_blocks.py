"""Every code block of the documentation runs (or, for commands run by hand, is checked) and
shows what it prints: the pages cannot drift from the code. See code_blocks.py for the rules."""

import sys

import pytest

from tests.docs.code_blocks import DOCS, PageRun, blocks, pages


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(DOCS)))
def test_page_code_blocks_run_and_show_what_they_print(page, tmp_path):
    try:
        failures = PageRun(page, tmp_path).run()
    finally:
        if "matplotlib.pyplot" in sys.modules:  # a page's figures must not outlive its test
            sys.modules["matplotlib.pyplot"].close("all")
    assert not failures, "\n\n".join(failures)


def test_pages_are_found_and_have_code():
    found = pages()
    assert DOCS / "index.md" in found
    assert sum(len(blocks(p)) for p in found) > 0


def test_a_wrong_output_is_reported(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```pycon\n>>> 1 + 1\n3\n```\n\n```python\nprint('a')\n```\n\n```text\nb\n```\n"
        "\n```console\n$ echo hi\nho\n```\n\n```sh\nbadak train --no-such-flag\n```\n"
        "\n```diff\n-import torch\n+import badak.no_such_module as torch\n```\n"
        "\n```rust\nfn main() {}\n```\n"
    )
    failures = PageRun(page, tmp_path).run()
    languages = [f.split("(")[1].split(")")[0] for f in failures]
    assert languages == ["pycon", "python", "console", "sh", "diff", "rust"], failures


def test_blocks_share_one_namespace_across_kinds(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```python\nx = 20\n```\n\n```pycon\n>>> y = x + 1\n```\n\n"
        "```python\nprint(y * 2)\n```\n```text\n42\n```\n"
    )
    assert PageRun(page, tmp_path).run() == []
