"""badak/dezero/utils.py: gradient checks, DOT graphs, array helpers, no downloads."""

import os
import shutil

import numpy as np
import pytest

import badak.dezero.functions as F
from badak.dezero import Function, Variable, utils


class WrongSquare(Function):
    """x ** 2 with a wrong backward (x instead of 2x): gradient_check must catch it."""

    def forward(self, x):
        return x**2

    def backward(self, gy):
        return self.inputs[0] * gy


def test_gradient_check_passes_for_correct_backward(capsys):
    x = np.random.default_rng(0).standard_normal((3, 4))
    assert utils.gradient_check(F.sin, x)
    assert utils.gradient_check(F.softmax, x)
    W = np.random.default_rng(1).standard_normal((4, 2))
    assert utils.gradient_check(F.matmul, x, W)  # extra arguments pass through
    assert utils.gradient_check(F.sum, x, axis=1)  # keyword arguments too
    assert capsys.readouterr().out == ""


def test_gradient_check_makes_x_float64():
    x = Variable(np.ones(3, np.float32))
    assert utils.gradient_check(F.tanh, x)
    assert x.dtype == np.float64


def test_gradient_check_fails_and_prints_deZeros_report(capsys):
    x = np.array([1.0, 2.0, 3.0])
    assert not utils.gradient_check(lambda v: WrongSquare()(v), x)
    lines = capsys.readouterr().out.split("\n")
    assert lines[:5] == [
        "",
        "========== FAILED (Gradient Check) ==========",
        "Numerical Grad",
        " shape: (3,)",
        f" values: {str(np.array([2.0, 4.0, 6.0]))[1:-1]} ...",
    ]
    assert lines[5:8] == ["Backprop Grad", " shape: (3,)", " values: 1. 2. 3. ..."]


def test_gradient_check_reports_only_the_first_ten_values(capsys):
    assert not utils.gradient_check(lambda v: WrongSquare()(v), np.arange(1.0, 13.0))
    out = capsys.readouterr().out
    assert " values:  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. ...\n" in out
    assert "11." not in out


def test_numerical_grad_sums_the_output_and_restores_x():
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    grad = utils.numerical_grad(lambda v: F.sum(v**3), x)
    np.testing.assert_allclose(grad, 3 * x**2, rtol=1e-7)
    assert np.array_equal(x, [[1.0, 2.0], [3.0, 4.0]])
    grad = utils.numerical_grad(lambda v: v * 2, Variable(np.array([1.0, 5.0])))
    np.testing.assert_allclose(grad, [2.0, 2.0])


def _named_sum():
    x0, x1 = Variable(np.array(1.0), name="x0"), Variable(np.array(1.0), name="x1")
    y = x0 + x1
    y.name = "y"
    return x0, x1, y


def test_get_dot_graph_gives_deZeros_text():
    x0, x1, y = _named_sum()
    f = y.creator
    expected = (
        "digraph g {\n"
        f'{id(y)} [label="y", color=orange, style=filled]\n'
        f'{id(f)} [label="Add", color=lightblue, style=filled, shape=box]\n'
        f"{id(x0)} -> {id(f)}\n"
        f"{id(x1)} -> {id(f)}\n"
        f"{id(f)} -> {id(y)}\n"
        f'{id(x0)} [label="x0", color=orange, style=filled]\n'
        f'{id(x1)} [label="x1", color=orange, style=filled]\n'
        "}"
    )
    assert utils.get_dot_graph(y, verbose=False) == expected
    verbose = utils.get_dot_graph(y)
    assert f'{id(x0)} [label="x0: () float64", color=orange, style=filled]\n' in verbose


def test_get_dot_graph_walks_every_function_once_and_labels_unnamed_variables():
    x = Variable(np.ones((2, 3)))
    a = F.sin(x)
    y = F.sum(a * a + F.transpose(a).T)
    text = utils.get_dot_graph(y)
    assert text.startswith("digraph g {\n") and text.endswith("}")
    for name in ("Sin", "Mul", "Add", "Transpose", "Sum"):
        assert f'[label="{name}", color=lightblue, style=filled, shape=box]' in text
    assert text.count('[label="Sin"') == 1
    assert f'{id(x)} [label="(2, 3) float64", color=orange, style=filled]' in text
    assert f'{id(y)} [label="() float64"' in text
    assert utils.get_dot_graph(Variable(np.array(1.0)), verbose=False).count("->") == 0


def test_get_dot_graph_draws_a_number_operand_as_a_variable():
    x = Variable(np.array(2.0), name="x")
    y = x * 3
    text = utils.get_dot_graph(y)
    assert text.count("color=orange") == 3  # y, x and the constant 3
    assert '[label="() int64", color=orange, style=filled]' in text


def test_plot_dot_graph_writes_the_dot_file_and_renders_when_graphviz_is_there(tmp_path, capsys):
    _, _, y = _named_sum()
    to_file = tmp_path / "graph.png"
    utils.plot_dot_graph(y, verbose=False, to_file=str(to_file))
    dot_file = tmp_path / "graph.dot"
    assert dot_file.read_text() == utils.get_dot_graph(y, verbose=False)
    if shutil.which("dot"):
        assert to_file.read_bytes().startswith(b"\x89PNG")
    else:
        err = capsys.readouterr().err
        assert "plot_dot_graph" in err and "`dot` is not installed" in err
        assert str(dot_file) in err
        assert not to_file.exists()


def test_plot_dot_graph_without_graphviz_keeps_the_dot_file(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    _, _, y = _named_sum()
    assert utils.plot_dot_graph(y, to_file=os.path.join(tmp_path, "g.pdf")) is None
    assert (tmp_path / "g.dot").exists()
    assert "dot " in capsys.readouterr().err


def test_sum_to_and_reshape_sum_backward():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(utils.sum_to(x, (3, 1)), x.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(utils.sum_to(x, (1, 3, 4)), x.sum(axis=0, keepdims=True))
    gy = Variable(np.ones((2, 4)))
    assert utils.reshape_sum_backward(gy, (2, 3, 4), 1, False).shape == (2, 1, 4)
    assert utils.reshape_sum_backward(gy, (2, 3, 4), -2, False).shape == (2, 1, 4)
    gy = Variable(np.ones(3))
    assert utils.reshape_sum_backward(gy, (2, 3, 4), (0, 2), False).shape == (1, 3, 1)
    assert utils.reshape_sum_backward(gy, (2, 3, 4), None, False).shape == (3,)


def test_logsumexp_and_max_backward_shape():
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, 1000.0]])
    np.testing.assert_allclose(
        utils.logsumexp(x), [[np.log(np.exp([1.0, 2.0, 3.0]).sum())], [1000 + np.log(3)]]
    )
    assert utils.logsumexp(x, axis=0).shape == (1, 3)
    x = np.zeros((2, 3, 4))
    assert utils.max_backward_shape(x, None) == [1, 1, 1]
    assert utils.max_backward_shape(x, 1) == [2, 1, 4]
    assert utils.max_backward_shape(x, (0, -1)) == [1, 3, 1]


def test_array_equal_and_allclose_take_arrays_and_variables():
    a = np.array([1.0, 2.0])
    assert utils.array_equal(a, Variable(a.copy()))
    assert not utils.array_equal(a, a + 1e-9)
    assert utils.array_allclose(a, a + 1e-9)
    assert not utils.array_allclose(a, a + 1e-3)


def test_conv_sizes_and_pair():
    assert utils.get_conv_outsize(28, 3, 1, 1) == 28
    assert utils.get_conv_outsize(28, 2, 2, 0) == 14
    assert utils.get_deconv_outsize(14, 4, 2, 1) == 28
    assert utils.pair(3) == (3, 3) and utils.pair((2, 5)) == (2, 5)
    with pytest.raises(ValueError):
        utils.pair((1, 2, 3))
    with pytest.raises(ValueError):
        utils.pair("3")


def test_downloads_raise_a_clear_error():
    with pytest.raises(RuntimeError, match="does not download"):
        utils.get_file("https://example.com/data.npz")
    with pytest.raises(RuntimeError, match="does not download"):
        utils.cache_dir()


def test_show_progress_prints_a_bar(capsys):
    utils.show_progress(5, 10, 100)
    assert capsys.readouterr().out == "\r[" + "#" * 15 + "." * 15 + "] 50.00%"


def test_get_dot_graph_draws_each_use_of_a_number_as_its_own_node():
    # DeZero turns each number operand into a new Variable; a number exponent is a parameter of
    # its Pow, not an input
    x = Variable(np.array(1.0), name="x")
    y = (x * 2 + 2) ** 2
    text = utils.get_dot_graph(y)
    nodes = {line.split()[0] for line in text.splitlines() if "[label=" in line}
    assert len(nodes) == 9  # variables x, 2, x * 2, 2, the sum and y; functions Mul, Add, Pow
    assert sum('label="() int64"' in line for line in set(text.splitlines())) == 2
