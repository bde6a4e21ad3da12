"""Sphinx configuration of badak's documentation site.

Why Sphinx: it is actively released (9.x), its autodoc imports badak and documents the objects
that run rather than a static reading of the source, and MyST lets the pages be Markdown like
the rest of the repository. MkDocs, the other candidate, has had no release since 1.6.1 (2024).

Pages are Markdown (MyST), the API reference comes from the docstrings (autodoc, Google-style
sections through napoleon). Built strictly in CI: `python -m sphinx -W --keep-going docs
docs/_build/html`, where any warning (a broken link, a missing reference) fails the build.
"""

import re

import badak

project = "badak"
author = "badak's authors"
copyright = "2026, badak's authors"
release = version = badak.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
]
source_suffix = {".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build"]

# Links to headings inside pages ([see](page.md#a-heading)) are checked like links to pages.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath", "deflist"]

autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the docstrings say what each argument is
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_use_ivar = True  # attributes as fields of their class, not entries of their own

# badak's docstrings are plain text with Google-style sections and `code` in backticks, not
# reStructuredText. So that they render as they read: a backticked name is code; an indented
# block after a blank line (a formula, an example) is shown as written; elsewhere the characters
# reST would read as markup (`|x|`, `*args`, the trailing underscore of `add_`) are escaped.
default_role = "code"
_CODE_SPAN = re.compile(r"(`[^`]*`)")
_MARKUP = re.compile(r"([*|])|(?<=\w)_(?=\W|$)")


def _indent(line):
    return len(line) - len(line.lstrip())


def _escaped(line):
    parts = _CODE_SPAN.split(line)
    parts[::2] = [_MARKUP.sub(lambda m: "\\" + m.group(0), part) for part in parts[::2]]
    return "".join(parts)


def _plain_text(app, what, name, obj, options, lines):
    out, i = [], 0
    while i < len(lines):
        line = lines[i]
        before = next((x for x in reversed(out) if x.strip()), None)
        starts_block = (
            line.strip()
            and i > 0
            and not lines[i - 1].strip()
            and before is not None
            and not before.lstrip().startswith((":", ".."))
            and not before.rstrip().endswith("::")
            and _indent(line) > _indent(before)
        )
        if not starts_block:
            out.append(_escaped(line))
            i += 1
            continue
        base = _indent(before)
        out += [" " * base + "::", ""]
        while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > base):
            out.append(lines[i])
            i += 1
        out.append("")
    lines[:] = out


def _not_badak(app, what, name, obj, skip, options):
    """Skip members a base class from another library adds (scikit-learn's metadata routing)."""
    module = getattr(obj, "__module__", None) or ""
    return True if module.startswith("sklearn") else None


def setup(app):
    app.connect("autodoc-process-docstring", _plain_text)
    app.connect("autodoc-skip-member", _not_badak)


html_theme = "furo"
html_title = f"badak {release}"
pygments_style = "friendly"
