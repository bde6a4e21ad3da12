"""A trained classifier as `badak train` leaves it: the network plus what it needs to be used
(class names, the input columns and how they are encoded, the standardisation statistics, the
calibrating temperature), saved as one `model.npz`.

Raw inputs go through encoder -> standardizer -> network -> logits / temperature -> softmax."""

import math
from dataclasses import dataclass, field

import badak
from badak import checkpoint, nn
from badak.autograd import no_grad
from badak.data.encoding import ColumnEncoder
from badak.device import np
from badak.functions.activation import softmax
from badak.tensor import Tensor

MODEL_FORMAT = 2  # 2: input columns encoded (missing values, categories) and a temperature


@dataclass
class Standardizer:
    """x -> (x - mean) / scale per feature; a zero-variance feature keeps scale 1."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, features, per_feature=True):
        """Statistics of (N, D) training features, in float32.

        per_feature=False takes one mean and one scale over all the values (stored once per
        feature all the same): images keep their pixels comparable, and a border pixel that is
        almost always 0 is not blown up by its tiny variance.
        """
        axis = 0 if per_feature else None
        mean = features.mean(axis=axis, dtype=np.float64)
        std = features.std(axis=axis, dtype=np.float64)
        constant = features.max(axis=axis) == features.min(axis=axis)  # std may be rounding noise
        scale = np.where(constant | (std == 0), 1.0, std)
        width = features.shape[1]
        return cls(
            np.broadcast_to(mean, width).astype(np.float32),
            np.broadcast_to(scale, width).astype(np.float32),
        )

    def __call__(self, features):
        return ((features - self.mean) / self.scale).astype(np.float32, copy=False)


def build_network(architecture):
    """The Module an architecture dict describes: {"model": "linear" | "mlp" | "cnn", ...}.

    Every network takes feature rows (N, D), standardised; a CNN's first layer reshapes them to
    images (N, C, H, W) of its input_shape.
    """
    kind = architecture["model"]
    if kind == "linear":
        return nn.Linear(architecture["in_features"], architecture["out_features"])
    if kind == "mlp":
        return nn.MLP(
            architecture["in_features"],
            architecture["hidden"],
            architecture["out_features"],
            activation=architecture["activation"],
        )
    if kind == "cnn":
        modules = [nn.Unflatten(1, architecture["input_shape"])]  # rows -> (N, C, H, W)
        for layer, shape, _ in cnn_plan(architecture):
            modules.append(_cnn_module(layer, shape))
        return nn.Sequential(*modules)
    raise ValueError(f"build_network: unknown model {kind!r}")


# ----------------------------------------------------------------------------------------------
# The CNN: its layers as a list of JSON objects in the model file, rebuilt on load
# ----------------------------------------------------------------------------------------------
def cnn_architecture(input_shape, n_classes, channels=(32, 64), hidden=(128,),
                     activation="relu", dropout=0.25):  # fmt: skip
    """`badak train --model cnn`'s network, as a model file records it.

    Per entry of `channels` a 3x3 convolution (no padding), the activation and 2x2 max pooling;
    then flatten, per entry of `hidden` a linear layer, the activation and dropout; last a
    linear layer to the classes. For (1, 28, 28) images and the defaults: conv 32 (26x26) -
    pool (13x13) - conv 64 (11x11) - pool (5x5) - 1600 - 128 - C. Unpadded convolutions cost a
    third less than padded ones on NumPy and reach the same accuracy on Fashion-MNIST.
    """
    layers = []
    for width in channels:
        layers += [
            {"type": "conv2d", "out_channels": width, "kernel_size": 3, "padding": 0},
            {"type": activation},
            {"type": "max_pool2d", "kernel_size": 2},
        ]
    layers.append({"type": "flatten"})
    for width in hidden:
        layers += [
            {"type": "linear", "out_features": width},
            {"type": activation},
            {"type": "dropout", "p": dropout},
        ]
    layers.append({"type": "linear", "out_features": n_classes})
    return {
        "model": "cnn",
        "in_features": math.prod(input_shape),
        "input_shape": list(input_shape),
        "layers": layers,
        "out_features": n_classes,
    }


CNN_ACTIVATIONS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}
CNN_LAYER_TYPES = ("conv2d", "max_pool2d", "dropout", "flatten", "linear", *CNN_ACTIVATIONS)


def cnn_plan(architecture):
    """[(layer, input shape, weights it holds)] of a CNN architecture, each layer checked.

    Shapes leave out the batch dimension: (C, H, W) before `flatten`, (D,) after it.
    Raises ValueError naming the layer that cannot work (an unknown type, a bad setting, or a
    size that does not fit), before anything is allocated.
    """
    shape = architecture["input_shape"]
    if not isinstance(shape, list) or len(shape) != 3 or not all(_int_at_least(n) for n in shape):
        raise ValueError(f"its input shape {shape!r} is not three positive ints (C, H, W)")
    shape, layers, plan = tuple(shape), architecture["layers"], []
    if not isinstance(layers, list) or not layers:
        raise ValueError("its layers are not a non-empty list")
    for i, layer in enumerate(layers):
        kind = layer.get("type") if isinstance(layer, dict) else None
        if kind not in CNN_LAYER_TYPES:
            raise ValueError(f"its layer {i} is {layer!r}, not one of {', '.join(CNN_LAYER_TYPES)}")
        try:
            out, weights = _cnn_layer_shape(layer, shape)
        except ValueError as why:
            raise ValueError(
                f"its layer {i} ({kind}) cannot take inputs of shape {shape}: {why}"
            ) from None
        plan.append((layer, shape, weights))
        shape = out
    if shape != (architecture["out_features"],):
        raise ValueError(f"its layers end in shape {shape}, not ({architecture['out_features']},)")
    return plan


def _int_at_least(value, minimum=1):
    return type(value) is int and value >= minimum


def _cnn_layer_shape(layer, shape):
    """(output shape, weights) of one layer; ValueError saying why it does not fit."""
    kind, image = layer["type"], len(shape) == 3
    if kind in ("conv2d", "max_pool2d") and not image:
        raise ValueError("it needs (C, H, W) images; put it before flatten")
    if kind == "conv2d":
        out, k, pad = layer.get("out_channels"), layer.get("kernel_size"), layer.get("padding", 0)
        if not (_int_at_least(out) and _int_at_least(k) and _int_at_least(pad, 0)):
            raise ValueError(
                "out_channels and kernel_size must be positive ints, padding an int >= 0"
            )
        h, w = (n + 2 * pad - k + 1 for n in shape[1:])
        if h < 1 or w < 1:
            raise ValueError(f"its {k}x{k} kernel is larger than the padded image")
        return (out, h, w), out * shape[0] * k * k + out
    if kind == "max_pool2d":
        k = layer.get("kernel_size")
        if not _int_at_least(k):
            raise ValueError("kernel_size must be a positive int")
        if shape[1] < k or shape[2] < k:
            raise ValueError(f"its {k}x{k} window is larger than the image")
        return (shape[0], shape[1] // k, shape[2] // k), 0
    if kind == "flatten":
        return (math.prod(shape),), 0
    if kind == "linear":
        out = layer.get("out_features")
        if image:
            raise ValueError("it needs flat inputs; put flatten before it")
        if not _int_at_least(out):
            raise ValueError("out_features must be a positive int")
        return (out,), (shape[0] + 1) * out
    if kind == "dropout":
        p = layer.get("p")
        if type(p) not in (int, float) or not 0 <= p < 1:
            raise ValueError(f"p must be a number in [0, 1), got {p!r}")
    return shape, 0  # dropout and the activations keep the shape


def _cnn_module(layer, shape):
    kind = layer["type"]
    if kind == "conv2d":
        return nn.Conv2d(shape[0], layer["out_channels"], layer["kernel_size"],
                         padding=layer.get("padding", 0))  # fmt: skip
    if kind == "max_pool2d":
        return nn.MaxPool2d(layer["kernel_size"])
    if kind == "dropout":
        return nn.Dropout(layer["p"])
    if kind == "flatten":
        return nn.Flatten()
    if kind == "linear":
        return nn.Linear(shape[0], layer["out_features"])
    return CNN_ACTIVATIONS[kind]()


@dataclass
class Classifier:
    """The network with its classes, input columns, encoding, standardisation and temperature.

    `feature_names` are the input columns (the encoder's); the network sees encoder.width
    features.
    """

    network: nn.Module
    architecture: dict
    classes: list
    feature_names: list
    target_name: str
    standardizer: Standardizer
    extra: dict = field(default_factory=dict)  # seed, data, held-out rows: kept in the metadata
    encoder: ColumnEncoder = None  # None: every input column a number, filled with its mean
    temperature: float = 1.0

    def __post_init__(self):
        if self.encoder is None:
            self.encoder = ColumnEncoder(
                [
                    {"name": name, "kind": "number", "fill": float(mean)}
                    for name, mean in zip(self.feature_names, self.standardizer.mean)
                ]
            )

    def features(self, inputs, source="data"):
        """Standardised float32 features (N, width) of raw inputs: an (N, D) matrix of numbers
        or a table's columns (see ColumnEncoder.transform)."""
        return self.standardizer(self.encoder.transform(inputs, source))

    def logits(self, inputs, source="data"):
        """(N, C) scores of raw inputs, before the temperature; `source` names the inputs in
        errors."""
        self.network.eval()
        with no_grad():
            return self.network(Tensor(self.features(inputs, source)))

    def predict_proba(self, inputs, source="data"):
        """(N, C) calibrated class probabilities, float32: softmax(logits / temperature)."""
        return softmax(self.logits(inputs, source) / self.temperature, -1)._data

    def predict(self, inputs, source="data"):
        """(N,) class indices."""
        return self.logits(inputs, source)._data.argmax(axis=1)

    def metadata(self):
        return {
            "kind": "classifier",
            "model_format": MODEL_FORMAT,
            "architecture": self.architecture,
            "classes": list(self.classes),
            "feature_names": list(self.feature_names),
            "target_name": self.target_name,
            "preprocessing": {
                "columns": self.encoder.to_json(),
                "standardize": {
                    "mean": self.standardizer.mean.tolist(),
                    "scale": self.standardizer.scale.tolist(),
                },
            },
            "temperature": float(self.temperature),
            "badak_version": badak.__version__,
            **self.extra,
        }

    def save(self, path):
        checkpoint.save(self.network.state_dict(), path, metadata=self.metadata())

    @classmethod
    def load(cls, path):
        """Read a model.npz; ValueError when the file is not a badak classifier, or one whose
        parts disagree (checked before the network is built)."""
        state, meta = checkpoint.load_with_metadata(path)
        if meta.get("kind") != "classifier":
            raise ValueError(f"load: {str(path)!r} is a badak file but not a trained classifier")
        try:
            encoder = _check_consistent(meta, state)
            network = build_network(meta["architecture"])
            network.load_state_dict(state)
            stats = meta["preprocessing"]["standardize"]
            standardizer = Standardizer(
                np.asarray(stats["mean"], np.float32), np.asarray(stats["scale"], np.float32)
            )
            extra = {k: v for k, v in meta.items() if k not in _OWN_KEYS}
            return cls(
                network,
                meta["architecture"],
                meta["classes"],
                meta["feature_names"],
                meta["target_name"],
                standardizer,
                extra,
                encoder,
                meta.get("temperature", 1.0),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"load: {str(path)!r} holds a damaged classifier: {error}") from None


_OWN_KEYS = {
    "kind", "model_format", "badak_version", "architecture", "classes", "feature_names",
    "target_name", "preprocessing", "temperature",
}  # fmt: skip


def _check_consistent(meta, state):
    """The stored ColumnEncoder (None in a format-1 file), checked: ValueError unless a
    classifier's metadata and weights agree: distinct class and feature names (strings), as
    many output units as classes and input units as encoded features, standardising
    statistics of one finite number per feature (scales positive), and an architecture whose
    layers fit in the weights the file holds (so that building it cannot exhaust memory; the
    weights' names and shapes are load_state_dict's to check)."""
    classes, features = meta["classes"], meta["feature_names"]
    for what, names in (("class", classes), ("feature", features)):
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ValueError(f"its {what} names are not a list of strings")
        if len(set(names)) != len(names):
            twice = next(n for n in names if names.count(n) > 1)
            raise ValueError(f"its {what} name {twice!r} appears twice")
    if len(classes) < 2 or not features:
        raise ValueError(f"{len(classes)} classes and {len(features)} features")
    encoder, width = None, len(features)
    if "columns" in meta["preprocessing"]:
        encoder = ColumnEncoder.from_json(meta["preprocessing"]["columns"])
        if encoder.names != features:
            raise ValueError("its encoded input columns are not its feature names")
        width = encoder.width
    temperature = meta.get("temperature", 1.0)
    if type(temperature) not in (int, float) or not 0 < temperature < math.inf:
        raise ValueError(f"its temperature {temperature!r} is not a positive number")
    if not isinstance(meta["target_name"], str):
        raise ValueError("its target name is not a string")
    architecture = meta["architecture"]
    if not isinstance(architecture, dict):
        raise ValueError("its architecture is not a JSON object")
    hidden = architecture.get("hidden", []) if architecture.get("model") == "mlp" else []
    sizes = [architecture["in_features"], *hidden, architecture["out_features"]]
    if not all(type(n) is int and n > 0 for n in sizes):
        raise ValueError(f"its layer sizes {sizes} are not positive ints")
    if sizes[0] != width or sizes[-1] != len(classes):
        raise ValueError(
            f"a network from {sizes[0]} inputs to {sizes[-1]} outputs for "
            f"{width} features and {len(classes)} classes"
        )
    stored = sum(math.prod(np.shape(v)) for v in state.values()) if isinstance(state, dict) else 0
    if architecture["model"] == "cnn":
        plan = cnn_plan(architecture)
        if math.prod(plan[0][1]) != sizes[0]:
            raise ValueError(f"its input shape {plan[0][1]} does not hold {sizes[0]} features")
        needed = sum(weights for _, _, weights in plan)
    else:
        needed = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if needed > max(stored, 1 << 20):  # a small network is built, and load_state_dict names
        raise ValueError(f"its layers need {needed} weights and it holds {stored}")  # the key
    stats = meta["preprocessing"]["standardize"]
    for name in ("mean", "scale"):
        values = stats[name]
        if not isinstance(values, list) or len(values) != width:
            raise ValueError(f"its standardising {name} is not one number per feature")
        if not all(type(v) in (int, float) and np.isfinite(v) for v in values):
            raise ValueError(f"its standardising {name} holds a value that is not a finite number")
    if not all(v > 0 for v in stats["scale"]):
        raise ValueError("its standardising scale holds a value that is not positive")
    return encoder
