"""examples/000_dezero_step47.py (seed 000, DeZero step 47) prints the document's output exactly.

The document's lines come from `print(y)` and `print(y, '\\n')`: the latter ends its line with a
space and adds an empty line. Every digit is the document's, the loss's 16 included.
"""

from tests.example_runner import run_example

DOCUMENT = [
    "variable([4 5 6])",
    "variable([[0 0 0]",
    "          [1 1 1]])",
    "variable([[1 2 3]",
    "          [1 2 3]",
    "          [4 5 6]])",
    "variable([4 5 6])",
    "variable([3 6])",
    "variable([[-0.61505778 -0.42790161  0.31733289]]) ",
    "",
    "variable([[-0.61505778 -0.42790161  0.31733289]]) ",
    "",
    "variable([[0.21068639 0.25404893 0.53526469]]) ",
    "",
    "variable([[-0.61505778 -0.42790161  0.31733289]",
    "          [-0.76395313 -0.2497645   0.18591382]",
    "          [-0.52006391 -0.96254612  0.57818938]",
    "          [-0.94252164 -0.50307479  0.17576323]]) ",
    "",
    "variable([[0.21068639 0.25404893 0.53526469]",
    "          [0.19019916 0.31806646 0.49173438]",
    "          [0.21545395 0.13841619 0.64612986]",
    "          [0.17820704 0.27655034 0.54524263]]) ",
    "",
    "variable(1.496744252405306) ",
    "",
]


def test_dezero_step47_prints_the_documents_output_line_by_line():
    lines = run_example("000_dezero_step47.py").split("\n")
    assert lines[-1] == ""  # the output ends with a newline
    lines = lines[:-1]
    for number, (ours, document) in enumerate(zip(lines, DOCUMENT), start=1):
        assert ours == document, f"line {number}: {ours!r} != {document!r}"
    assert len(lines) == len(DOCUMENT)
