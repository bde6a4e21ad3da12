"""The documentation site builds strictly (a warning, a broken link or reference, fails) and
renders: headless Chromium opens the built index and a tutorial, which show their titles and
code blocks."""

import html.parser
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from tests.docs.code_blocks import DOCS

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
]  # fmt: skip


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site built strictly into a scratch folder."""
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "sphinx",
            "-W",
            "--keep-going",
            "-q",
            "-b",
            "html",
            str(DOCS),
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def chromium():
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI"):  # .ci/run installs Debian's chromium: there it must be found
            pytest.fail("chromium is not installed, and CI installs it")
        pytest.skip("chromium is not installed (Debian: apt-get install chromium)")
    return found


def test_the_site_builds_with_every_page(site):
    pages = {
        p.relative_to(DOCS).with_suffix(".html")
        for p in DOCS.rglob("*.md")
        if "_build" not in p.parts
    }
    built = {p.relative_to(site) for p in site.rglob("*.html")}
    assert pages <= built, sorted(pages - built)


class _Page(html.parser.HTMLParser):
    """The title and the number of highlighted code blocks of a rendered DOM."""

    def __init__(self):
        super().__init__()
        self.title, self.code_blocks, self._in_title = "", 0, False

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        self._in_title = tag == "title"
        if tag == "div" and any(c.startswith("highlight-") for c in classes):
            self.code_blocks += 1

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def rendered(chromium, path, profile):
    """What Chromium made of the page at `path`: its DOM after scripts ran."""
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", path.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    page = _Page()
    page.feed(done.stdout)
    return page


@pytest.mark.parametrize(
    "page, title, least_code_blocks",
    [("index.html", "badak", 2), ("tutorials/pytorch-softmax.html", "Softmax", 5)],
)
def test_chromium_renders_the_title_and_code_blocks(
    site, chromium, tmp_path, page, title, least_code_blocks
):
    shown = rendered(chromium, site / page, tmp_path / "profile")
    assert title in shown.title
    assert shown.code_blocks >= least_code_blocks


def test_chromium_screenshot_of_the_index_is_not_blank(site, chromium, tmp_path):
    import matplotlib.image

    shot = tmp_path / "index.png"
    done = subprocess.run(
        [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
         "--window-size=1200,900", f"--screenshot={shot}", (site / "index.html").as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and shot.is_file(), done.stderr
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (900, 1200)
    # Text and code on a page: many distinct colours and much of the page not background.
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 50
    background = np.all(pixels == pixels[0, 0], axis=-1)
    assert background.mean() < 0.97
