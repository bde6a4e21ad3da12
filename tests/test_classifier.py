"""badak.classifier: Standardizer, build_network and the Classifier's model.npz round trip."""

import numpy as np
import pytest

import badak
from badak import checkpoint, nn
from badak.classifier import Classifier, Standardizer, build_network

MLP_ARCHITECTURE = {
    "model": "mlp", "in_features": 4, "hidden": [8, 5], "out_features": 3, "activation": "tanh",
}  # fmt: skip
LINEAR_ARCHITECTURE = {
    "model": "linear", "in_features": 4, "hidden": [], "out_features": 3, "activation": "relu",
}  # fmt: skip


def features(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal([10.0, -3.0, 0.0, 5.0], [2.0, 0.5, 1.0, 1e-3], (n, 4)).astype(np.float32)
    x[:, 2] = 7.0  # a constant feature
    return x


# --- Standardizer ---------------------------------------------------------------------------
def test_standardizer_centres_and_scales_each_feature_in_float32():
    x = features()
    s = Standardizer.fit(x)
    assert s.mean.dtype == np.float32 and s.scale.dtype == np.float32
    np.testing.assert_allclose(s.mean, x.astype(np.float64).mean(axis=0), rtol=1e-6)
    z = s(x)
    assert z.dtype == np.float32 and z.shape == x.shape
    varying = [0, 1, 3]
    np.testing.assert_allclose(z[:, varying].mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(z[:, varying].std(axis=0), 1.0, rtol=1e-4)


def test_standardizer_keeps_scale_one_for_a_zero_variance_feature():
    s = Standardizer.fit(features())
    assert s.scale[2] == 1.0 and s.mean[2] == 7.0
    new = features(seed=1)
    new[:, 2] = [7.0, 8.0] * 20
    assert s(new)[:, 2].tolist() == [0.0, 1.0] * 20


@pytest.mark.parametrize("value", [0.1, 1 / 3, 123.456])
def test_standardizer_treats_a_constant_float64_feature_as_zero_variance(value):
    # float64 rounding makes the computed std about 1e-17, not 0: that must not become the scale
    x = np.column_stack([np.full(10, value), np.arange(10.0)])
    s = Standardizer.fit(x)
    assert s.scale[0] == 1.0
    assert np.abs(s(x + 1.0)[:, 0]).max() <= 1.0 + 1e-6


def test_standardizer_gives_float32_for_float64_and_int_input():
    s = Standardizer.fit(np.array([[1, 2], [3, 6]]))
    np.testing.assert_array_equal(s.mean, [2.0, 4.0])
    np.testing.assert_array_equal(s.scale, [1.0, 2.0])
    assert s(np.array([[3.0, 0.0]])).dtype == np.float32
    assert s(np.array([[3.0, 0.0]])).tolist() == [[1.0, -2.0]]


# --- build_network --------------------------------------------------------------------------
def test_build_network_linear():
    network = build_network(LINEAR_ARCHITECTURE)
    assert type(network) is nn.Linear
    assert (network.in_features, network.out_features) == (4, 3)


def test_build_network_mlp():
    network = build_network(MLP_ARCHITECTURE)
    assert isinstance(network, nn.MLP)
    assert [type(m).__name__ for m in network] == ["Linear", "Tanh", "Linear", "Tanh", "Linear"]
    assert [tuple(p.shape) for p in network.parameters()][::2] == [(8, 4), (5, 8), (3, 5)]


def test_build_network_rejects_an_unknown_model():
    with pytest.raises(ValueError, match="build_network: .*'rnn'"):
        build_network({**LINEAR_ARCHITECTURE, "model": "rnn"})


# --- Classifier -----------------------------------------------------------------------------
def make_classifier(architecture=MLP_ARCHITECTURE, seed=3):
    badak.manual_seed(seed)
    x = features()
    return Classifier(
        build_network(architecture),
        architecture,
        ["setosa", "versicolor", "virginica"],
        ["sepal length", "sepal width", "petal länge", "petal width"],
        "species",
        Standardizer.fit(x),
        {"seed": seed, "data": "iris.csv"},
    )


def test_classifier_predictions_are_consistent():
    clf = make_classifier()
    x = features(seed=2)
    proba = clf.predict_proba(x)
    assert proba.dtype == np.float32 and proba.shape == (40, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_array_equal(clf.predict(x), proba.argmax(axis=1))
    assert not clf.network.training
    expected = clf.network(badak.tensor(clf.standardizer(x))).data
    np.testing.assert_array_equal(clf.logits(x).numpy(), expected)


@pytest.mark.parametrize(
    "architecture", [MLP_ARCHITECTURE, LINEAR_ARCHITECTURE], ids=["mlp", "linear"]
)
def test_classifier_round_trip_gives_identical_predictions_and_metadata(tmp_path, architecture):
    clf = make_classifier(architecture)
    path = tmp_path / "model.npz"
    clf.save(path)
    back = Classifier.load(path)
    x = features(seed=5) * 1.5
    assert back.predict_proba(x).tobytes() == clf.predict_proba(x).tobytes()
    np.testing.assert_array_equal(back.predict(x), clf.predict(x))
    assert back.architecture == architecture
    assert back.classes == clf.classes and back.feature_names == clf.feature_names
    assert back.target_name == "species"
    assert back.extra == {"seed": 3, "data": "iris.csv"}
    for ours, theirs in ((back.standardizer.mean, clf.standardizer.mean),
                         (back.standardizer.scale, clf.standardizer.scale)):  # fmt: skip
        assert ours.dtype == np.float32 and ours.tobytes() == theirs.tobytes()
    state, original = back.network.state_dict(), clf.network.state_dict()
    assert list(state) == list(original)
    assert all(state[k].numpy().tobytes() == original[k].numpy().tobytes() for k in state)


def test_model_file_describes_the_classifier_for_readers_without_badak(tmp_path):
    clf = make_classifier()
    clf.save(tmp_path / "model.npz")
    _, meta = checkpoint.load_with_metadata(tmp_path / "model.npz")
    assert meta["kind"] == "classifier" and meta["badak_version"] == badak.__version__
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["preprocessing"]["standardize"]["scale"][2] == 1.0
    with np.load(tmp_path / "model.npz", allow_pickle=False) as archive:
        assert sorted(archive.files) == sorted([*clf.network.state_dict(), "__badak__"])


def test_loading_a_badak_file_that_is_not_a_classifier_raises(tmp_path):
    path = tmp_path / "weights.npz"
    badak.save(nn.Linear(4, 3).state_dict(), path)
    with pytest.raises(ValueError, match="weights.npz.*not a trained classifier"):
        Classifier.load(path)


def test_loading_a_classifier_with_missing_weights_raises(tmp_path):
    clf = make_classifier()
    state = clf.network.state_dict()
    del state["4.bias"]
    path = tmp_path / "model.npz"
    checkpoint.save(state, path, metadata=clf.metadata())
    with pytest.raises(ValueError, match="model.npz.*4.bias"):
        Classifier.load(path)


def test_loading_a_file_that_is_not_badak_raises(tmp_path):
    path = tmp_path / "model.npz"
    np.savez(path, weight=np.ones(3))
    with pytest.raises(ValueError, match="model.npz"):
        Classifier.load(path)
