"""DeZero's utilities (`dezero.utils`): graph drawing, gradient checks, array helpers.

get_dot_graph and plot_dot_graph draw the graph below a Variable in Graphviz's DOT language, as
DeZero does; gradient_check compares backward with central differences and prints DeZero's
report when they disagree. badak.dezero never downloads: get_file and cache_dir say so.
"""

import os
import shutil
import subprocess
import sys

from badak.device import np
from badak.dezero.core import Variable, as_variable
from badak.functions.elementwise import Pow
from badak.tensor import Tensor


# ----------------------------------------------------------------------------------------------
# Computational graphs in the DOT language
# ----------------------------------------------------------------------------------------------
def _dot_var(v, verbose=False):
    """One variable node: its name and, when verbose, its shape and dtype."""
    name = "" if getattr(v, "name", None) is None else v.name
    if verbose and v.data is not None:
        if getattr(v, "name", None) is not None:
            name += ": "
        name += f"{v.shape} {v.dtype}"
    return f'{id(v)} [label="{name}", color=orange, style=filled]\n'


def _dot_const(value, node, verbose=False):
    """A constant operand (a number given to an operator) drawn as DeZero draws it: a variable."""
    label = f"{np.shape(value)} {np.asarray(value).dtype}" if verbose else ""
    return f'{node} [label="{label}", color=orange, style=filled]\n'


def _dot_func(f):
    """One function node and its edges: inputs -> function -> output."""
    txt = f'{id(f)} [label="{type(f).__name__}", color=lightblue, style=filled, shape=box]\n'
    for _, node in _graph_inputs(f):
        txt += f"{node} -> {id(f)}\n"
    output = f._output_ref()
    if output is not None:
        txt += f"{id(f)} -> {id(output)}\n"
    return txt


def _graph_inputs(f):
    """f's inputs as DeZero's graph has them, each with its node id: a constant (a number given to
    an operator) is a node of its own at each use, as the Variable DeZero makes of it; a number
    exponent is a parameter of DeZero's Pow, not an input."""
    inputs = [x for x in f._inputs if x is not None]
    if isinstance(f, Pow) and not isinstance(inputs[1], Tensor):
        inputs = inputs[:1]
    return [(x, id(x) if isinstance(x, Tensor) else f"c{id(f)}_{i}") for i, x in enumerate(inputs)]


def get_dot_graph(output, verbose=True):
    """The graph that produced `output`, as DOT text (`digraph g {...}`).

    Variables are orange ellipses labelled with their name (and shape and dtype when verbose),
    functions light-blue boxes labelled with their class name; node ids are Python ids.
    """
    txt = _dot_var(output, verbose)
    funcs = []
    seen = set()

    def add_func(f):
        if f not in seen:
            funcs.append(f)
            seen.add(f)

    if output.creator is not None:
        add_func(output.creator)
    while funcs:
        func = funcs.pop()
        if func._inputs is None:
            raise RuntimeError("get_dot_graph: the graph was freed by a backward pass")
        txt += _dot_func(func)
        for x, node in _graph_inputs(func):
            if isinstance(x, Tensor):
                txt += _dot_var(x, verbose)
                if x.grad_fn is not None:
                    add_func(x.grad_fn)
            else:
                txt += _dot_const(x, node, verbose)
    return "digraph g {\n" + txt + "}"


def plot_dot_graph(output, verbose=True, to_file="graph.png"):
    """Write the graph's DOT text beside `to_file` (same name, .dot) and render it with Graphviz.

    The image format is to_file's extension. Without Graphviz's `dot` program the .dot file is
    kept and a note goes to stderr. In IPython the image is returned for display.
    """
    dot_graph = get_dot_graph(output, verbose)
    root, extension = os.path.splitext(to_file)
    dot_path = root + ".dot"
    with open(dot_path, "w") as f:
        f.write(dot_graph)
    dot = shutil.which("dot")
    if dot is None:
        print(
            f"plot_dot_graph: Graphviz's `dot` is not installed; wrote {dot_path} "
            f"(render it with: dot {dot_path} -T {extension[1:] or 'png'} -o {to_file})",
            file=sys.stderr,
        )
        return None
    subprocess.run([dot, dot_path, "-T", extension[1:] or "png", "-o", to_file], check=True)
    if "IPython" in sys.modules:  # shown inline in a notebook, as DeZero does
        from IPython import display

        return display.Image(filename=to_file)
    return None


# ----------------------------------------------------------------------------------------------
# Array helpers
# ----------------------------------------------------------------------------------------------
def sum_to(x, shape):
    """The array x summed down to `shape` (the inverse of broadcasting to x.shape)."""
    lead = x.ndim - len(shape)
    lead_axes = tuple(range(lead))
    axes = tuple(i + lead for i, size in enumerate(shape) if size == 1)
    y = x.sum(lead_axes + axes, keepdims=True)
    if lead > 0:
        y = y.squeeze(lead_axes)
    return y


def reshape_sum_backward(gy, x_shape, axis, keepdims):
    """gy, the gradient of sum(x, axis, keepdims), reshaped so that it broadcasts to x_shape."""
    ndim = len(x_shape)
    if ndim == 0 or axis is None or keepdims:
        shape = gy.shape
    else:
        axes = axis if isinstance(axis, (tuple, list)) else (axis,)
        shape = list(gy.shape)
        for a in sorted(a % ndim for a in axes):
            shape.insert(a, 1)
    return gy.reshape(shape)


def logsumexp(x, axis=1):
    """log(sum(exp(x), axis)) with the axis kept, computed stably (on arrays)."""
    m = x.max(axis=axis, keepdims=True)
    s = np.exp(x - m).sum(axis=axis, keepdims=True)
    return m + np.log(s)


def max_backward_shape(x, axis):
    """x's shape with the reduced axes (all when axis is None) set to 1."""
    if axis is None:
        axes = range(x.ndim)
    elif isinstance(axis, int):
        axes = (axis % x.ndim,)
    else:
        axes = tuple(a % x.ndim for a in axis)
    return [1 if ax in axes else s for ax, s in enumerate(x.shape)]


# ----------------------------------------------------------------------------------------------
# Gradient check
# ----------------------------------------------------------------------------------------------
def gradient_check(f, x, *args, rtol=1e-4, atol=1e-5, **kwargs):
    """True when backward's gradient of f at x matches central differences (np.allclose with
    rtol and atol); x is made float64 first. On a mismatch DeZero's report is printed."""
    x = as_variable(x)
    x.data = x.data.astype(np.float64)

    num_grad = numerical_grad(f, x, *args, **kwargs)
    y = f(x, *args, **kwargs)
    y.backward()
    bp_grad = x.grad.data

    assert bp_grad.shape == num_grad.shape
    res = array_allclose(num_grad, bp_grad, atol=atol, rtol=rtol)
    if not res:
        print("")
        print("========== FAILED (Gradient Check) ==========")
        print("Numerical Grad")
        print(f" shape: {num_grad.shape}")
        print(f" values: {str(num_grad.flatten()[:10])[1:-1]} ...")
        print("Backprop Grad")
        print(f" shape: {bp_grad.shape}")
        print(f" values: {str(bp_grad.flatten()[:10])[1:-1]} ...")
    return res


def numerical_grad(f, x, *args, **kwargs):
    """d sum(f(x)) / dx by central differences with eps = 1e-4, one element of x at a time.

    x (a Variable or an array) is perturbed in place and restored; f gets the array.
    """
    eps = 1e-4
    x = x.data if isinstance(x, Variable) else x
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        tmp_val = x[idx].copy()
        x[idx] = tmp_val + eps
        y1 = f(x, *args, **kwargs)
        y1 = np.array(y1.data if isinstance(y1, Variable) else y1, copy=True)
        x[idx] = tmp_val - eps
        y2 = f(x, *args, **kwargs)
        y2 = np.array(y2.data if isinstance(y2, Variable) else y2, copy=True)
        grad[idx] = (y1 - y2).sum() / (2 * eps)
        x[idx] = tmp_val
    return grad


def array_equal(a, b):
    """True when a and b (arrays or Variables) have the same shape and elements."""
    a = a.data if isinstance(a, Variable) else a
    b = b.data if isinstance(b, Variable) else b
    return np.array_equal(a, b)


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """True when a and b (arrays or Variables) have the same shape and close elements."""
    a = a.data if isinstance(a, Variable) else a
    b = b.data if isinstance(b, Variable) else b
    return np.allclose(a, b, atol=atol, rtol=rtol)


# ----------------------------------------------------------------------------------------------
# Convolution sizes
# ----------------------------------------------------------------------------------------------
def get_conv_outsize(input_size, kernel_size, stride, pad):
    """The output size of a convolution along one dim: (input_size + 2 pad - kernel_size) //
    stride + 1."""
    return (input_size + pad * 2 - kernel_size) // stride + 1


def get_deconv_outsize(size, k, s, p):
    """The output size of a transposed convolution along one dim: s (size - 1) + k - 2 p."""
    return s * (size - 1) + k - 2 * p


def pair(x):
    """(x, x) for an int; a pair unchanged."""
    if isinstance(x, (int, np.integer)):
        return (x, x)
    if isinstance(x, tuple):
        if len(x) != 2:
            raise ValueError(f"pair: expected an int or a pair, got a tuple of {len(x)}")
        return x
    raise ValueError(f"pair: expected an int or a pair, got {x!r}")


# ----------------------------------------------------------------------------------------------
# Downloads: not in badak.dezero
# ----------------------------------------------------------------------------------------------
_NO_DOWNLOADS = (
    "badak.dezero does not download files (no network access); put the file on disk and "
    "open it by path, or use the data sets bundled with badak (badak.data)"
)


def get_file(url, file_name=None):
    """DeZero downloads `url` into ~/.dezero here; badak.dezero never uses the network."""
    raise RuntimeError(f"get_file({url!r}): {_NO_DOWNLOADS}")


def cache_dir():
    """DeZero's download cache (~/.dezero); badak.dezero has none."""
    raise RuntimeError(f"cache_dir: {_NO_DOWNLOADS}")


def show_progress(block_num, block_size, total_size):
    """DeZero's download progress bar: `[#####.....] 42.00%` on one line."""
    downloaded = block_num * block_size
    percent = min(downloaded / total_size * 100, 100.0)
    filled = min(int(downloaded / total_size * 30), 30)
    print(f"\r[{'#' * filled}{'.' * (30 - filled)}] {percent:.2f}%", end="")
