"""badak.ranks without MPI: the K ranks' shares of a batch and their loss parts, simulated in
one process, give the whole batch's loss and gradient (class weights and label smoothing too)."""

import numpy as np
import pytest

import badak
from badak.functions.cross_entropy import cross_entropy
from badak.ranks import Batches, Ranks, loss_part


@pytest.mark.parametrize("n, size", [(10, 3), (7, 2), (3, 3), (2, 4)])
def test_shares_cut_a_batch_into_consecutive_nearly_equal_parts(n, size):
    parts = [Ranks(rank, size).share(n) for rank in range(size)]
    rows = [i for part in parts for i in range(n)[part]]
    assert rows == list(range(n))
    assert max(len(range(n)[p]) for p in parts) - min(len(range(n)[p]) for p in parts) <= 1


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("rows, size", [(11, 2), (11, 3), (11, 5), (3, 5)])  # 3 on 5: empties
def test_loss_parts_add_up_to_the_whole_batch(weighted, smoothing, rows, size):
    rng = np.random.default_rng(size)
    logits = rng.standard_normal((rows, 4))
    targets = rng.integers(0, 4, rows)
    weight = badak.tensor(rng.random(4) + 0.5, dtype=badak.float64) if weighted else None
    whole = badak.tensor(logits, requires_grad=True)
    expected = cross_entropy(whole, badak.tensor(targets), weight=weight,
                             label_smoothing=smoothing)  # fmt: skip
    expected.backward()
    total, gradient = 0.0, np.zeros_like(logits)
    for rank in range(size):  # each rank's part, and DDP's average of the gradients
        ranks = Ranks(rank, size)
        share = ranks.share(len(targets))
        mine = badak.tensor(logits[share], requires_grad=True)
        part = loss_part(ranks, weight, smoothing)(mine, badak.tensor(targets[share]), targets)
        part.backward()
        total += part.item() / size
        gradient[share] = mine.grad.numpy() / size
    np.testing.assert_allclose(total, expected.item(), rtol=1e-12)
    np.testing.assert_allclose(gradient, whole.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_batches_are_drawn_from_seed_and_epoch_the_same_for_any_number_of_ranks():
    features = np.arange(20, dtype=np.float32).reshape(10, 2)
    targets = np.arange(10)
    one = Batches(features, targets, 4, seed=3, ranks=Ranks())
    one.set_epoch(2)
    whole = [y.numpy().tolist() for _, y in one]
    shares = []
    for rank in range(3):
        part = Batches(features, targets, 4, seed=3, ranks=Ranks(rank, 3))
        part.set_epoch(2)
        shares.append([(y.numpy().tolist(), y_all.tolist()) for _, y, y_all in part])
    for i, batch in enumerate(whole):
        assert [row for share in shares for row in share[i][0]] == batch
        assert all(share[i][1] == batch for share in shares)
    one.set_epoch(3)
    assert [y.numpy().tolist() for _, y in one] != whole
    assert len(one) == 3
