"""Figures of a run: loss curves, the confusion matrix, the decision boundary of 2-D data.

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
    """The confusion matrix (rows: true class, columns: predicted), counts written in."""
    plt = _pyplot()
    n = len(classes)
    size = min(4 + 0.5 * n, 14)
    figure, axes = plt.subplots(figsize=(size, size))
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes, fraction=0.046)
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
        threshold = matrix.max() / 2 if matrix.size else 0
        for (i, j), count in np.ndenumerate(matrix):
            color = "white" if count > threshold else "black"
            axes.text(j, i, str(count), ha="center", va="center", color=color, fontsize=8)
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
