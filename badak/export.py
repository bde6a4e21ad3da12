"""Exporting a trained Classifier for deployment, where badak is not installed.

ONNX: one graph from raw feature rows to calibrated probabilities, the whole of
Classifier.predict_proba inside it (missing values filled, categories one-hot encoded,
standardisation, the network, the temperature, softmax), run by onnxruntime or any ONNX runtime.

    features       float32 (N, number columns), NaN for a missing value
    categories     string (N, category columns), "" for a missing value
    -> probabilities  float32 (N, C)

An input is left out where the classifier has no column of its kind.

The columns of each input follow the model's input columns in order (`onnx_inputs` names them;
the model's metadata_props hold them as JSON beside the class names).

safetensors: the network's state dict under PyTorch's names (`0.weight`, `0.bias`, ...), in
float32, with everything else a Classifier needs as JSON text in the file's metadata, so that the
file describes itself and torch's `load_state_dict` takes the weights as they are.
"""

import io
import itertools
import json
import math
from pathlib import Path

import badak
from badak import nn
from badak.checkpoint import atomic_write
from badak.device import np
from badak.safetensors_format import save_safetensors

__all__ = ["export_onnx", "export_safetensors", "onnx_inputs", "onnx_model", "ONNX_OPSET"]

ONNX_OPSET = 19  # Equal on strings, which encodes the category columns, arrived in opset 19
_DOC = (
    "A badak classifier: raw rows -> calibrated class probabilities. Inputs: features float32 "
    "(N, number columns), NaN = missing; categories string (N, category columns), '' = missing. "
    "metadata_props hold the classes and the input columns as JSON."
)
# What a classifier's own metadata holds, less what only training needs (seed, held-out rows)
_METADATA_KEYS = (
    "kind", "model_format", "architecture", "classes", "feature_names", "target_name",
    "preprocessing", "temperature", "badak_version",
)  # fmt: skip


# ----------------------------------------------------------------------------------------------
# The two exports
# ----------------------------------------------------------------------------------------------
def export_onnx(classifier, path):
    """Write `classifier` as an ONNX model (opset ONNX_OPSET) to `path`, atomically.

    The model is checked with onnx.checker before a byte is written. Raises ImportError without
    the onnx package, FileNotFoundError when path's folder does not exist, ValueError for a
    network holding a layer that has no ONNX form here.
    """
    path = _output_path(path, "export_onnx")
    model = onnx_model(classifier)
    _write(path, model.SerializeToString(), "export_onnx")


def export_safetensors(classifier, path):
    """Write the network's state dict (float32) to `path` in the safetensors format, atomically.

    The metadata (str -> str) holds, each as JSON text, the keys of the classifier's model.npz
    metadata: architecture, classes, feature_names, target_name, preprocessing (the input
    columns' encoding and the standardisation's mean and scale), temperature, badak_version.
    Raises FileNotFoundError when path's folder does not exist.
    """
    path = _output_path(path, "export_safetensors")
    tensors = {
        name: np.ascontiguousarray(tensor.numpy(), dtype=np.float32)
        for name, tensor in classifier.network.state_dict().items()
    }
    everything = classifier.metadata()
    metadata = {key: json.dumps(everything[key]) for key in _METADATA_KEYS}
    buffer = io.BytesIO()
    save_safetensors(tensors, buffer, metadata)
    _write(path, buffer.getvalue(), "export_safetensors")


def _output_path(path, who):
    """`path` as a Path, after an error unless a file can be written there; checked before any
    work, so that nothing is built for a file that cannot be written."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"{who}: cannot write {str(path)!r}: there is no folder {str(path.parent)!r}"
        )
    if path.is_dir():
        raise IsADirectoryError(f"{who}: cannot write {str(path)!r}: it is a folder")
    return path


def _write(path, data, who):
    """Write bytes through a temporary file renamed over `path`: a failure leaves nothing new."""
    try:
        atomic_write(path, lambda file: file.write(data))
    except OSError as error:  # told with the path asked for, not the temporary name
        raise type(error)(f"{who}: cannot write {str(path)!r} ({error.strerror})") from None


# ----------------------------------------------------------------------------------------------
# The ONNX graph
# ----------------------------------------------------------------------------------------------
def onnx_inputs(classifier):
    """The ONNX model's inputs, each with the names of the input columns it holds, in order:
    "features": [number columns] and "categories": [category columns], each only where the
    classifier has such columns."""
    inputs = {}
    for name, kind in (("features", "number"), ("categories", "category")):
        columns = [spec["name"] for spec in classifier.encoder.columns if spec["kind"] == kind]
        if columns:
            inputs[name] = columns
    return inputs


def onnx_model(classifier):
    """The ONNX ModelProto of `classifier`, checked: raw rows -> probabilities (N, C)."""
    onnx = _import_onnx()
    helper, proto = onnx.helper, onnx.TensorProto
    graph = _Graph(onnx)
    inputs = onnx_inputs(classifier)
    x = _encoded(graph, classifier.encoder)
    x = graph.node("Sub", x, graph.constant("mean", classifier.standardizer.mean))
    x = graph.node("Div", x, graph.constant("scale", classifier.standardizer.scale))
    x = _network(graph, classifier.network, x, "")
    x = graph.node("Div", x, graph.constant("temperature", np.float32(classifier.temperature)))
    graph.node("Softmax", x, axis=-1, output="probabilities")

    kinds = {"features": proto.FLOAT, "categories": proto.STRING}
    declared = [
        helper.make_tensor_value_info(name, kinds[name], ["N", len(columns)])
        for name, columns in inputs.items()
    ]
    outputs = [
        helper.make_tensor_value_info("probabilities", proto.FLOAT, ["N", len(classifier.classes)])
    ]
    body = helper.make_graph(graph.nodes, "badak_classifier", declared, outputs, graph.constants)
    opsets = [helper.make_opsetid("", ONNX_OPSET)]
    # The oldest IR version that holds this opset: runtimes older than the onnx package still
    # load the file
    model = helper.make_model(
        body,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="badak",
        producer_version=badak.__version__,
        doc_string=_DOC,
    )
    metadata = {
        "classes": classifier.classes,
        "inputs": inputs,
        "columns": classifier.encoder.to_json(),
        "target_name": classifier.target_name,
        "temperature": float(classifier.temperature),
    }
    helper.set_model_props(model, {key: json.dumps(value) for key, value in metadata.items()})
    onnx.checker.check_model(model, full_check=True)
    return model


def _import_onnx():
    try:
        import onnx  # only exporting needs it; `import badak` stays quick and dependency-free
    except ImportError:
        raise ImportError(
            "export_onnx: the onnx package is not installed: pip install 'badak[export]'"
        ) from None
    return onnx


class _Graph:
    """The nodes and constants of an ONNX graph being built; each node output gets a new name."""

    def __init__(self, onnx):
        self.onnx, self.nodes, self.constants = onnx, [], []
        self.names = {"features", "categories", "probabilities"}  # the graph's own

    def constant(self, name, array):
        """Add `array` as a constant (initializer) under `name`, made unique; its name."""
        name = self._unique(name)
        tensor = self.onnx.numpy_helper.from_array(np.ascontiguousarray(array), name)
        self.constants.append(tensor)
        return name

    def node(self, op, *inputs, output=None, **attributes):
        """Add one `op` node on the named inputs; the name of its (one) output."""
        output = output or self._unique(op.lower())
        self.nodes.append(self.onnx.helper.make_node(op, list(inputs), [output], **attributes))
        return output

    def _unique(self, name):
        for suffix in itertools.count():
            candidate = f"{name}_{suffix}" if suffix else name
            if candidate not in self.names:
                self.names.add(candidate)
                return candidate


def _encoded(graph, encoder):
    """(N, width) float32 features of the inputs, as encoder.transform computes them: the
    number columns come from `features` with NaN filled, each category column becomes a one-hot
    block, and runs of number columns and category blocks are joined in the encoder's order."""
    numbers = [spec for spec in encoder.columns if spec["kind"] == "number"]
    filled = _filled(graph, numbers) if numbers else None
    blocks, number_at, category_at = [], 0, 0
    for kind, run in itertools.groupby(encoder.columns, key=lambda spec: spec["kind"]):
        run = list(run)
        if kind == "number":
            blocks.append(_columns(graph, filled, number_at, len(run), len(numbers)))
            number_at += len(run)
            continue
        for spec in run:
            blocks.append(_one_hot(graph, spec, category_at))
            category_at += 1
    return blocks[0] if len(blocks) == 1 else graph.node("Concat", *blocks, axis=1)


def _filled(graph, numbers):
    """(N, number columns): `features` with each NaN replaced by its column's fill."""
    fills = np.array([[spec["fill"] for spec in numbers]], np.float32)  # (1, D): broadcast
    missing = graph.node("IsNaN", "features")
    return graph.node("Where", missing, graph.constant("fill", fills), "features")


def _columns(graph, matrix, start, count, width):
    """Columns start..start+count of an (N, width) matrix; the matrix itself when that is all."""
    if start == 0 and count == width:
        return matrix
    bounds = [
        graph.constant(name, np.array([value], np.int64))
        for name, value in (("start", start), ("end", start + count), ("axis", 1))
    ]
    return graph.node("Slice", matrix, *bounds)


def _one_hot(graph, spec, index):
    """(N, K) float32 one-hot block of the category column at `index` of `categories`:
    "" (missing) takes the fill; a category not in the K learnt ones is all zeros."""
    name = spec["name"]
    column = graph.node(
        "Gather", "categories", graph.constant("index", np.array([index], np.int64)), axis=1
    )
    missing = graph.node("Equal", column, graph.constant("empty", np.array("", object)))
    fill = graph.constant(f"{name}.fill", np.array(spec["fill"], object))
    column = graph.node("Where", missing, fill, column)  # (N, 1) strings
    categories = np.array([spec["categories"]], object)  # (1, K): Equal broadcasts to (N, K)
    hot = graph.node("Equal", column, graph.constant(f"{name}.categories", categories))
    return graph.node("Cast", hot, to=graph.onnx.TensorProto.FLOAT)


# ----------------------------------------------------------------------------------------------
# The network, layer by layer: weights under their state-dict names
# ----------------------------------------------------------------------------------------------
def _network(graph, module, x, prefix):
    """The name of `module`'s output on input `x`, its weights named `prefix` + state-dict key."""
    if isinstance(module, nn.Sequential):  # an MLP, a CNN
        for name, child in module.named_children():
            x = _network(graph, child, x, f"{prefix}{name}.")
        return x
    if isinstance(module, (nn.Dropout, nn.Identity)):  # the identity in eval mode
        return x
    simple = {nn.ReLU: "Relu", nn.Sigmoid: "Sigmoid", nn.Tanh: "Tanh"}
    if type(module) in simple:
        return graph.node(simple[type(module)], x)
    if isinstance(module, nn.GELU) and module.approximate == "none":
        return _gelu(graph, x)
    if isinstance(module, nn.Linear):  # x @ W.T + b, W (out, in) as PyTorch keeps it
        return graph.node("Gemm", x, *_weights(graph, module, prefix), transB=1)
    if isinstance(module, nn.Conv2d):
        return _conv2d(graph, module, x, prefix)
    if isinstance(module, nn.MaxPool2d):
        return _max_pool2d(graph, module, x)
    if isinstance(module, nn.Flatten) and (module.start_dim, module.end_dim) == (1, -1):
        return graph.node("Flatten", x, axis=1)
    if isinstance(module, nn.Unflatten) and module.dim == 1:
        # 0 copies the batch size, which stays unknown until the model runs (allowzero=0)
        shape = np.array([0, *module.unflattened_size], np.int64)
        return graph.node("Reshape", x, graph.constant(f"{prefix}shape", shape))
    raise ValueError(
        f"export_onnx: the network's layer {prefix[:-1] or 'network'!r} ({module!r}) has no "
        "ONNX form in badak's exporter"
    )


def _weights(graph, module, prefix):
    """The names of a layer's weight and bias (where it has one), as float32 constants."""
    parameters = [("weight", module.weight), ("bias", module.bias)]
    return [
        graph.constant(f"{prefix}{key}", value.numpy().astype(np.float32))
        for key, value in parameters
        if value is not None
    ]


def _gelu(graph, x):
    """x * Phi(x) = x * 0.5 * (1 + erf(x / sqrt(2))): the exact GELU (opset 20 names it Gelu)."""
    scaled = graph.node("Mul", x, graph.constant("sqrt_half", np.float32(math.sqrt(0.5))))
    cdf = graph.node("Add", graph.node("Erf", scaled), graph.constant("one", np.float32(1)))
    cdf = graph.node("Mul", cdf, graph.constant("half", np.float32(0.5)))
    return graph.node("Mul", x, cdf)


def _conv2d(graph, module, x, prefix):
    """Conv of (N, C_in, H, W), zero-padded; ONNX pads are (top, left, bottom, right)."""
    return graph.node(
        "Conv", x, *_weights(graph, module, prefix),
        kernel_shape=list(module.kernel_size), strides=list(module.stride),
        pads=list(module.padding) * 2, dilations=list(module.dilation), group=module.groups,
    )  # fmt: skip


def _max_pool2d(graph, module, x):
    """MaxPool of (N, C, H, W); badak keeps its settings as an int or a pair."""
    if module.return_indices:
        raise ValueError(f"export_onnx: {module!r} returns indices, which a classifier never uses")
    return graph.node(
        "MaxPool", x,
        kernel_shape=_pair(module.kernel_size), strides=_pair(module.stride),
        pads=_pair(module.padding) * 2, dilations=_pair(module.dilation),
        ceil_mode=int(module.ceil_mode),
    )  # fmt: skip


def _pair(value):
    """An int or two ints (a pooling setting) as a list of two ints."""
    return [int(value)] * 2 if np.ndim(value) == 0 else [int(v) for v in value]
