"""The ranks of a `badak train` run: one process, or the K that `mpiexec -n K` started.

Every rank loads the data and builds the same network; each takes 1/K of every global batch
(`--batch-size` stays the global batch) and DistributedDataParallel averages the gradients, so
the K ranks take the steps one process would with the same batches, to rounding. For that
each rank's loss is its rows' share of the whole batch's mean: sum / (the batch's size or
class weight) times K, which DDP's average divides by K again. The batches come from a shuffle
drawn from (seed, epoch) alone, so neither the number of ranks nor dropout's draws change them.

Rank 0 alone writes files and prints; the scores of every step and epoch are summed over the
ranks, so every rank takes the same decisions (divergence, the best epoch, early stopping).
"""

from badak import distributed
from badak.device import np
from badak.distributed.collectives import sum_floats
from badak.functions.cross_entropy import cross_entropy
from badak.tensor import Tensor
from badak.train import evaluate, logits_of


class Ranks:
    """This process's place in the run: `rank` of `size` (0 of 1 without mpiexec)."""

    def __init__(self, rank=0, size=1):
        self.rank, self.size = rank, size

    @classmethod
    def of_this_job(cls):
        """The ranks mpiexec started (joining them if no one has), or one rank."""
        if not distributed.launched_by_mpi():
            return cls()
        if not distributed.is_initialized():
            distributed.init_process_group()
        return cls(distributed.get_rank(), distributed.get_world_size())

    @property
    def lead(self):
        """Whether this rank writes the files and prints (rank 0)."""
        return self.rank == 0

    def sum(self, values):
        """Each value summed over the ranks (float64)."""
        if self.size == 1:
            return np.array(values, np.float64)
        return sum_floats(values)

    def gather(self, value):
        """Every rank's JSON `value`, in rank order."""
        if self.size == 1:
            return [value]
        gathered = [None] * self.size
        distributed.all_gather_object(gathered, value)
        return gathered

    def agree(self, step, errors):
        """Run step() on every rank. If it raises one of `errors` on any rank, raise it on all
        (the lowest such rank's, named when the ranks disagree), so that none goes on alone."""
        result = failure = None
        try:
            result = step()
        except errors as error:
            failure = error
        mine = None if failure is None else [type(failure).__name__, str(failure)]
        reports = self.gather(mine)
        first = next(((r, report) for r, report in enumerate(reports) if report), None)
        if first is None:
            return result
        rank, (kind, message) = first
        if failure is not None and (rank == self.rank or all(r == mine for r in reports)):
            raise failure
        error_type = next((e for e in errors if e.__name__ == kind), errors[0])
        raise error_type(f"rank {rank}: {message}") from None

    def share(self, n):
        """This rank's rows of a batch of n: slice of the K nearly equal consecutive parts."""
        base, extra = divmod(n, self.size)
        start = self.rank * base + min(self.rank, extra)
        return slice(start, start + base + (self.rank < extra))

    def wrap(self, network):
        """The network DistributedDataParallel-wrapped across the ranks, or itself on one."""
        return network if self.size == 1 else distributed.DistributedDataParallel(network)

    def evaluate(self, network, split):
        """(mean loss, accuracy) on a split, each rank scoring its share of the rows."""
        if self.size == 1:
            return evaluate(network, split)[:2]
        mine = split.features[self.share(len(split.targets))]
        targets = split.targets[self.share(len(split.targets))]
        loss_sum = correct = 0.0
        if len(targets):
            logits = logits_of(network, mine)
            loss_sum = cross_entropy(Tensor(logits), Tensor(targets), reduction="sum").item()
            correct = float((logits.argmax(axis=1) == targets).sum())
        loss_sum, correct = self.sum([loss_sum, correct])
        return loss_sum / len(split.targets), correct / len(split.targets)


class Batches:
    """An epoch's training batches: the rows in an order drawn from (seed, epoch), cut into
    batches of `batch_size`. On one rank each batch is (x, y); under K ranks it is this rank's
    rows (x, y) and the whole batch's targets, which the loss needs (see `loss_part`).

    Args:
        features: (N, ...) float32; targets: (N,) int64.
    """

    def __init__(self, features, targets, batch_size, seed, ranks):
        self.features, self.targets = features, targets
        self.batch_size, self.seed, self.ranks = batch_size, seed, ranks
        self.epoch = 0

    def set_epoch(self, epoch):
        self.epoch = epoch

    def __len__(self):
        return -(-len(self.targets) // self.batch_size)

    def __iter__(self):
        order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.targets))
        for start in range(0, len(order), self.batch_size):
            batch = order[start : start + self.batch_size]
            if self.ranks.size == 1:
                yield Tensor(self.features[batch]), Tensor(self.targets[batch])
            else:
                mine = batch[self.ranks.share(len(batch))]
                yield (Tensor(self.features[mine]), Tensor(self.targets[mine]),
                       self.targets[batch])  # fmt: skip


def loss_part(ranks, weight, label_smoothing):
    """The training loss: cross-entropy with `weight` ((C,) float32 or None) and label
    smoothing; under K ranks, loss(logits, y, y_all) is this rank's part of the batch's mean
    times K (the parts sum to K times the mean, and DDP divides the gradients by K)."""
    weights = None if weight is None else weight.numpy().astype(np.float64)

    def loss(logits, y, y_all=None):
        if y_all is None:
            return cross_entropy(logits, y, weight=weight, label_smoothing=label_smoothing)
        total = cross_entropy(logits, y, weight=weight, label_smoothing=label_smoothing,
                              reduction="sum")  # fmt: skip
        denominator = len(y_all) if weights is None else weights[y_all].sum()
        return total * (ranks.size / denominator)

    return loss
