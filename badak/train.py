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


def train_epoch(network, optimizer, loader, loss_fn=cross_entropy, progress=None, ranks=None):
    """One pass over `loader`'s (x, y) batches, a step per batch: (mean loss, accuracy).

    Args:
        network: a Module mapping x (B, D) to logits (B, C).
        optimizer: steps the network's parameters.
        loader: yields (x, y) Tensors, y class indices (B,); under several ranks (x, y, y_all):
            this rank's rows and the targets of the whole batch (badak.ranks.Batches).
        loss_fn: loss_fn(logits, y) -> a scalar Tensor, the batch's mean loss (under several
            ranks loss_fn(logits, y, y_all), this rank's part: see badak.ranks.loss_part).
        progress: a tqdm-like bar advanced once per batch, or None.
        ranks: a badak.ranks.Ranks whose `sum` totals each batch's scores over the ranks, so
            that every rank sees the same loss; None for one process.
    Raises:
        TrainingDiverged when a batch's loss is NaN or infinite (before its step).
    """
    network.train()
    several = ranks is not None and ranks.size > 1
    total_loss, correct, seen = 0.0, 0, 0
    for x, y, *whole in loader:
        logits = network(x)
        loss = loss_fn(logits, y, *whole)
        value = loss.item()
        hits = int((logits.numpy().argmax(axis=1) == y.numpy()).sum())
        if several:
            value, hits = ranks.sum([value, hits])
            value, hits = value / ranks.size, int(hits)
        if not math.isfinite(value):
            raise TrainingDiverged(f"the training loss became {value}")
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        n = len(whole[0]) if whole else len(y)
        total_loss += value * n
        correct += hits
        seen += n
        if progress is not None:
            progress.update(1)
    return total_loss / seen, correct / seen


def fit(network, optimizer, loader, epochs, *, loss_fn=cross_entropy, start_epoch=0,
        end_of_epoch=None, progress=None, ranks=None):  # fmt: skip
    """Train for epochs start_epoch + 1 .. `epochs`; returns the last epoch that ran.

    Args:
        network, optimizer, loader, loss_fn, ranks: as for train_epoch; a loader with
            set_epoch(epoch) is told each epoch's number first.
        end_of_epoch: called as end_of_epoch(epoch, train_loss, train_accuracy) after each epoch;
            a true result stops training there (early stopping).
        progress: progress(total_batches, epoch) -> a tqdm-like bar for that epoch, or None.
    Raises:
        TrainingDiverged as train_epoch; the epochs before it have completed.
    """
    epoch = start_epoch
    set_epoch = getattr(loader, "set_epoch", None)
    for epoch in range(start_epoch + 1, epochs + 1):
        if set_epoch is not None:
            set_epoch(epoch)
        bar = progress(len(loader), epoch) if progress else None
        try:
            with np.errstate(over="ignore", invalid="ignore"):  # divergence is caught above
                loss, accuracy = train_epoch(network, optimizer, loader, loss_fn, bar, ranks)
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
