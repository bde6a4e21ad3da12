"""Figures of a run: loss curves, the confusion matrix, the reliability diagram, the decision
boundary of 2-D data.

matplotlib (the `plot` extra) is imported here only, with the Agg backend, so badak itself never
needs a display or matplotlib. Each figure is written atomically as a PNG.
"""

from badak.checkpoint import atomic_write
from badak.device import np


def _pyplot():
    """matplotlib.pyplot on the Agg backend; ImportError when matplotlib is not installed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(figure, path):
    plt = _pyplot()
    try:
        atomic_write(path, lambda file: figure.savefig(file, format="png", dpi=100))
    finally:
        plt.close(figure)


def loss_curves(history, path):
    """Training and validation loss (left) and accuracy (right) per epoch."""
    plt = _pyplot()
    epochs = [row["epoch"] for row in history]
    figure, (loss_axes, accuracy_axes) = plt.subplots(1, 2, figsize=(10, 4))
    for split in ("train", "val"):
        label = "training" if split == "train" else "validation"
        loss_axes.plot(epochs, [row[f"{split}_loss"] for row in history], marker=".", label=label)
        accuracy_axes.plot(
            epochs, [row[f"{split}_accuracy"] for row in history], marker=".", label=label
        )
    loss_axes.set(xlabel="epoch", ylabel="cross-entropy", title="Loss")
    accuracy_axes.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    for axes in (loss_axes, accuracy_axes):
        axes.grid(alpha=0.3)
        axes.legend()
    figure.tight_layout()
    _save(figure, path)


def confusion(matrix, classes, path):
    """The confusion matrix (rows: true class, columns: predicted), each row coloured by its
    shares so that small classes read as clearly as large ones; cells give count and row share."""
    plt = _pyplot()
    matrix = np.asarray(matrix)
    n = len(classes)
    totals = matrix.sum(axis=1, keepdims=True)
    shares = np.divide(matrix, totals, out=np.zeros(matrix.shape), where=totals > 0)
    size = min(4 + 0.5 * n, 14)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    figure.colorbar(image, ax=axes, fraction=0.046, label="share of the true class")
    axes.set(
        xticks=range(n),
        yticks=range(n),
        xlabel="predicted",
        ylabel="true",
        title="Confusion matrix (validation)",
    )
    axes.set_xticklabels(classes, rotation=45, ha="right")
    axes.set_yticklabels(classes)
    if n <= 20:
        fontsize = 11 if n <= 4 else 8 if n <= 12 else 6  # two lines must fit in a cell
        for (i, j), count in np.ndenumerate(matrix):
            text = f"{count}\n{shares[i, j]:.0%}" if totals[i, 0] else str(count)
            color = "white" if shares[i, j] > 0.5 else "black"  # dark cells need light text
            axes.text(j, i, text, ha="center", va="center", color=color, fontsize=fontsize)
    figure.tight_layout()
    _save(figure, path)


def reliability(before, after, path, ece=None):
    """Reliability diagram: accuracy against mean confidence per bin, before and after temperature
    scaling, with the diagonal of perfect calibration; below, how many examples each bin holds.

    Args:
        before, after: dicts from badak.calibration.reliability_bins (same bins).
        path: the PNG to write.
        ece: optional (ECE before, ECE after), shown in the legend.
    """
    plt = _pyplot()
    figure, (axes, counts) = plt.subplots(
        2, 1, figsize=(6, 7), sharex=True, gridspec_kw={"height_ratios": [3, 1]}
    )
    axes.plot([0, 1], [0, 1], linestyle="--", color="gray", label="perfectly calibrated")
    lower = np.array(before["lower"])
    width = (np.array(before["upper"]) - lower) / 2
    for k, (name, bins) in enumerate((("before", before), ("after", after))):
        label = f"{name} scaling"
        if ece is not None:
            label += f" (ECE {ece[k]:.3f})"
        nonempty = [i for i, count in enumerate(bins["count"]) if count]  # None: nothing to draw
        axes.plot(
            [bins["confidence"][i] for i in nonempty],
            [bins["accuracy"][i] for i in nonempty],
            marker="o",
            label=label,
        )
        counts.bar(lower + k * width, bins["count"], width=width, align="edge", label=name)
    axes.set(ylabel="accuracy", xlim=(0, 1), ylim=(0, 1), title="Reliability (validation)")
    axes.grid(alpha=0.3)
    axes.legend(loc="upper left")
    counts.set(xlabel="confidence (largest probability)", ylabel="examples")
    counts.legend()
    figure.tight_layout()
    _save(figure, path)


def decision_boundary(classifier, features, targets, path, resolution=300):
    """The predicted class over the plane of 2-D raw features, with the points on top."""
    plt = _pyplot()
    low, high = features.min(axis=0), features.max(axis=0)
    margin = 0.1 * np.maximum(high - low, 1e-6)
    xs = np.linspace(low[0] - margin[0], high[0] + margin[0], resolution, dtype=np.float32)
    ys = np.linspace(low[1] - margin[1], high[1] + margin[1], resolution, dtype=np.float32)
    grid_x, grid_y = np.meshgrid(xs, ys)
    grid = np.stack([grid_x.ravel(), grid_y.ravel()], axis=1)
    regions = classifier.predict(grid).reshape(grid_x.shape)
    n = len(classifier.classes)
    figure, axes = plt.subplots(figsize=(6, 6))
    axes.contourf(
        grid_x,
        grid_y,
        regions,
        levels=np.arange(n + 1) - 0.5,
        cmap="tab10",
        alpha=0.3,
        vmin=0,
        vmax=9,
    )
    scatter = axes.scatter(
        features[:, 0],
        features[:, 1],
        c=targets,
        cmap="tab10",
        vmin=0,
        vmax=9,
        s=12,
        edgecolors="k",
        linewidths=0.3,
    )
    handles = [
        plt.Line2D([], [], marker="o", linestyle="", color=scatter.cmap(scatter.norm(k)))
        for k in range(n)
    ]
    axes.legend(handles, classifier.classes, title="class", loc="best")
    names = classifier.feature_names
    axes.set(xlabel=names[0], ylabel=names[1], title="Decision boundary")
    figure.tight_layout()
    _save(figure, path)
