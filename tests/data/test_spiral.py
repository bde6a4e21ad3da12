import numpy as np
import pytest

from badak.data import make_spiral


def test_make_spiral_shapes_and_dtypes():
    X, y = make_spiral(n_samples_per_class=50, n_classes=4, generator=np.random.default_rng(0))
    assert X.shape == (200, 2) and X.dtype == np.float32
    assert y.shape == (200,) and y.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y), [50] * 4)


def test_make_spiral_points_lie_within_the_unit_disc():
    X, _ = make_spiral(generator=np.random.default_rng(0))
    assert np.all(np.hypot(X[:, 0], X[:, 1]) <= 1 + 1e-6)


def test_make_spiral_is_deterministic_given_the_generator():
    a = make_spiral(generator=np.random.default_rng(3))
    b = make_spiral(generator=np.random.default_rng(3))
    c = make_spiral(generator=np.random.default_rng(4))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_make_spiral_without_noise_follows_the_formula():
    X, y = make_spiral(n_samples_per_class=5, n_classes=2, noise=0.0, shuffle=False)
    t = np.tile(np.linspace(0, 1, 5), 2)
    angle = 4.0 * y + 4.0 * t
    np.testing.assert_allclose(X, np.stack([t * np.sin(angle), t * np.cos(angle)], 1), atol=1e-6)
    np.testing.assert_array_equal(y, [0] * 5 + [1] * 5)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_samples_per_class": 0}, "n_samples_per_class must be a positive int"),
        ({"n_classes": 2.0}, "n_classes must be a positive int"),
        ({"noise": -0.1}, "noise must be >= 0"),
    ],
)
def test_make_spiral_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=f"make_spiral: {match}"):
        make_spiral(**kwargs)
