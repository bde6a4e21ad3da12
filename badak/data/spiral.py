"""The spiral toy data set of cs231n and DeZero: interleaved arms, one per class."""

from badak.device import np
from badak.random import default_generator


def make_spiral(n_samples_per_class=100, n_classes=3, noise=0.2, generator=None, shuffle=True):
    """Points on `n_classes` spiral arms in the plane, not linearly separable.

    For class c and t running evenly over [0, 1] (n_samples_per_class values):

        radius = t,   angle = 4 c + 4 t + noise * standard_normal()
        x = (radius * sin(angle), radius * cos(angle))

    Args:
        n_samples_per_class: points per arm, a positive int.
        n_classes: number of arms (classes), a positive int.
        noise: standard deviation of the angle's noise, >= 0.
        generator: the np.random.Generator to draw from; None: badak's default generator.
        shuffle: permute the rows (with the same generator), as DeZero's Spiral does; otherwise
            the rows are grouped by class.
    Returns:
        X float32 of shape (N, 2) and y int64 of shape (N,), N = n_samples_per_class * n_classes.
        The same generator state gives the same data.
    """
    for name, value in (("n_samples_per_class", n_samples_per_class), ("n_classes", n_classes)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"make_spiral: {name} must be a positive int, got {value!r}")
    if not noise >= 0:  # also refuses NaN
        raise ValueError(f"make_spiral: noise must be >= 0, got {noise!r}")
    rng = generator or default_generator()
    t = np.tile(np.linspace(0.0, 1.0, n_samples_per_class), n_classes)
    y = np.repeat(np.arange(n_classes, dtype=np.int64), n_samples_per_class)
    angle = 4.0 * y + 4.0 * t + noise * rng.standard_normal(t.shape)
    X = np.stack([t * np.sin(angle), t * np.cos(angle)], axis=1).astype(np.float32)
    if shuffle:
        order = rng.permutation(len(y))
        X, y = X[order], y[order]
    return X, y
