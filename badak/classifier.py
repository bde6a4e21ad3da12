"""A trained classifier as `badak train` leaves it: the network plus what it needs to be used
(class names, feature names, the standardisation statistics), saved as one `model.npz`."""

import math
from dataclasses import dataclass, field

import badak
from badak import checkpoint, nn
from badak.autograd import no_grad
from badak.device import np
from badak.functions.activation import softmax
from badak.tensor import Tensor

MODEL_FORMAT = 1


@dataclass
class Standardizer:
    """x -> (x - mean) / scale per feature; a zero-variance feature keeps scale 1."""

    mean: np.ndarray
    scale: np.ndarray

    @classmethod
    def fit(cls, features):
        """Statistics of (N, D) training features, in float32."""
        mean = features.mean(axis=0, dtype=np.float64)
        std = features.std(axis=0, dtype=np.float64)
        constant = features.max(axis=0) == features.min(axis=0)  # std may be rounding noise
        scale = np.where(constant | (std == 0), 1.0, std)
        return cls(mean.astype(np.float32), scale.astype(np.float32))

    def __call__(self, features):
        return ((features - self.mean) / self.scale).astype(np.float32, copy=False)


def build_network(architecture):
    """The Module an architecture dict describes: {"model": "linear" | "mlp", ...}."""
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
    raise ValueError(f"build_network: unknown model {kind!r}")


@dataclass
class Classifier:
    """The network with its classes, features and standardisation."""

    network: nn.Module
    architecture: dict
    classes: list
    feature_names: list
    target_name: str
    standardizer: Standardizer
    extra: dict = field(default_factory=dict)  # seed, data name: kept in the file's metadata

    def logits(self, features):
        """(N, C) scores for raw (N, D) features."""
        self.network.eval()
        with no_grad():
            return self.network(Tensor(self.standardizer(features)))

    def predict_proba(self, features):
        """(N, C) class probabilities, float32."""
        return softmax(self.logits(features), -1)._data

    def predict(self, features):
        """(N,) class indices."""
        return self.logits(features)._data.argmax(axis=1)

    def metadata(self):
        return {
            "kind": "classifier",
            "model_format": MODEL_FORMAT,
            "architecture": self.architecture,
            "classes": list(self.classes),
            "feature_names": list(self.feature_names),
            "target_name": self.target_name,
            "preprocessing": {
                "standardize": {
                    "mean": self.standardizer.mean.tolist(),
                    "scale": self.standardizer.scale.tolist(),
                }
            },
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
            _check_consistent(meta, state)
            network = build_network(meta["architecture"])
            network.load_state_dict(state)
            stats = meta["preprocessing"]["standardize"]
            standardizer = Standardizer(
                np.asarray(stats["mean"], np.float32), np.asarray(stats["scale"], np.float32)
            )
            known = {"classes", "feature_names", "target_name", "architecture", "preprocessing"}
            extra = {k: v for k, v in meta.items() if k not in known and k not in _OWN_KEYS}
            return cls(
                network,
                meta["architecture"],
                meta["classes"],
                meta["feature_names"],
                meta["target_name"],
                standardizer,
                extra,
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ValueError(f"load: {str(path)!r} holds a damaged classifier: {error}") from None


_OWN_KEYS = {"kind", "model_format", "badak_version"}


def _check_consistent(meta, state):
    """ValueError unless a classifier's metadata and weights agree: distinct class and feature
    names (strings), as many output units as classes and input units as features, standardising
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
    if not isinstance(meta["target_name"], str):
        raise ValueError("its target name is not a string")
    architecture = meta["architecture"]
    if not isinstance(architecture, dict):
        raise ValueError("its architecture is not a JSON object")
    hidden = architecture.get("hidden", []) if architecture.get("model") == "mlp" else []
    sizes = [architecture["in_features"], *hidden, architecture["out_features"]]
    if not all(type(n) is int and n > 0 for n in sizes):
        raise ValueError(f"its layer sizes {sizes} are not positive ints")
    if sizes[0] != len(features) or sizes[-1] != len(classes):
        raise ValueError(
            f"a network from {sizes[0]} inputs to {sizes[-1]} outputs for "
            f"{len(features)} features and {len(classes)} classes"
        )
    stored = sum(math.prod(np.shape(v)) for v in state.values()) if isinstance(state, dict) else 0
    needed = sum((a + 1) * b for a, b in zip(sizes[:-1], sizes[1:]))
    if needed > max(stored, 1 << 20):  # a small network is built, and load_state_dict names
        raise ValueError(f"its layers need {needed} weights and it holds {stored}")  # the key
    stats = meta["preprocessing"]["standardize"]
    for name in ("mean", "scale"):
        values = stats[name]
        if not isinstance(values, list) or len(values) != len(features):
            raise ValueError(f"its standardising {name} is not one number per feature")
        if not all(type(v) in (int, float) and np.isfinite(v) for v in values):
            raise ValueError(f"its standardising {name} holds a value that is not a finite number")
    if not all(v > 0 for v in stats["scale"]):
        raise ValueError("its standardising scale holds a value that is not positive")
