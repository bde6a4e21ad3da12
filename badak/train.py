"""The training loop: epochs of mini-batch steps, and evaluation on a held-out split.

One loop for every trainer in badak: `badak train` (badak.run adds the run folder, checkpoints
and figures around it) and badak.sklearn.MLPClassifier (which adds scikit-learn's stopping
rules). What differs between them is passed in: the loss, and what to do after each epoch.
"""

import math
from dataclasses import dataclass

from badak.autograd import no_grad
from badak.device import np
from badak.functions.cross_entropy import cross_entropy
from badak.tensor import Tensor


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


@dataclass
class Split:
    """Features (N, D) float32 and class indices (N,) int64 of one split."""

    features: np.ndarray
    targets: np.ndarray


def stratified_split(targets, fraction, seed):
    """(train indices, validation indices): about `fraction` of every class to validation.

    A class with at least two examples keeps at least one on each side.
    """
    rng = np.random.default_rng(seed)
    train, val = [], []
    for label in np.unique(targets):
        members = rng.permutation(np.flatnonzero(targets == label))
        n_val = int(round(fraction * len(members)))
        if len(members) >= 2:
            n_val = min(max(n_val, 1), len(members) - 1)
        val.append(members[:n_val])
        train.append(members[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val))


def train_epoch(network, optimizer, loader, loss_fn=cross_entropy, progress=None):
    """One pass over `loader`'s (x, y) batches, a step per batch: (mean loss, accuracy).

    Args:
        network: a Module mapping x (B, D) to logits (B, C).
        optimizer: steps the network's parameters.
        loader: yields (x, y) Tensors, y class indices (B,).
        loss_fn: loss_fn(logits, y) -> a scalar Tensor, the batch's mean loss.
        progress: a tqdm-like bar advanced once per batch, or None.
    Raises:
        TrainingDiverged when a batch's loss is NaN or infinite (before its step).
    """
    network.train()
    total_loss, correct, seen = 0.0, 0, 0
    for x, y in loader:
        logits = network(x)
        loss = loss_fn(logits, y)
        value = loss.item()
        if not math.isfinite(value):
            raise TrainingDiverged(f"the training loss became {value}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        labels = y.numpy()
        total_loss += value * len(labels)
        correct += int((logits.numpy().argmax(axis=1) == labels).sum())
        seen += len(labels)
        if progress is not None:
            progress.update(1)
    return total_loss / seen, correct / seen


def fit(network, optimizer, loader, epochs, *, loss_fn=cross_entropy, start_epoch=0,
        end_of_epoch=None, progress=None):  # fmt: skip
    """Train for epochs start_epoch + 1 .. `epochs`; returns the last epoch that ran.

    Args:
        network, optimizer, loader, loss_fn: as for train_epoch.
        end_of_epoch: called as end_of_epoch(epoch, train_loss, train_accuracy) after each epoch;
            a true result stops training there (early stopping).
        progress: progress(total_batches, epoch) -> a tqdm-like bar for that epoch, or None.
    Raises:
        TrainingDiverged as train_epoch; the epochs before it have completed.
    """
    epoch = start_epoch
    for epoch in range(start_epoch + 1, epochs + 1):
        bar = progress(len(loader), epoch) if progress else None
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught above
                loss, accuracy = train_epoch(network, optimizer, loader, loss_fn, bar)
        finally:
            if bar is not None:
                bar.close()
        if end_of_epoch is not None and end_of_epoch(epoch, loss, accuracy):
            break
    return epoch


def logits_of(network, features, batch_size=1024):
    """(N, C) float32 logits of (N, D) features, in eval mode, without a graph."""
    network.eval()
    with no_grad():
        chunks = [
            network(Tensor(features[start : start + batch_size])).numpy()
            for start in range(0, len(features), batch_size)
        ]
    return np.concatenate(chunks) if chunks else np.zeros((0, 0), np.float32)


def evaluate(network, split, batch_size=1024):
    """(mean loss, accuracy, predictions) of `network` on a split, in eval mode, no graph."""
    if not len(split.targets):
        return 0.0, 0.0, np.zeros(0, np.int64)
    logits = logits_of(network, split.features, batch_size)
    loss = cross_entropy(Tensor(logits), Tensor(split.targets)).item()
    predicted = logits.argmax(axis=1)
    return loss, float((predicted == split.targets).mean()), predicted


def confusion_matrix(targets, predicted, n_classes):
    """(C, C) counts: row = true class, column = predicted class."""
    matrix = np.zeros((n_classes, n_classes), np.int64)
    np.add.at(matrix, (targets, predicted), 1)
    return matrix
