"""Bad input to a public function raises TypeError, ValueError, IndexError or RuntimeError whose
message starts with the function's name, also where NumPy found the fault (class 9 of the
hardening issue)."""

import numpy as np
import pytest

import badak
import badak.nn as nn
import badak.nn.functional as F

x = badak.ones(2, 3)

CASES = [
    ("zeros", TypeError, lambda: badak.zeros(2.5)),
    ("ones", ValueError, lambda: badak.ones(-1)),
    ("eye", ValueError, lambda: badak.eye(-2)),
    ("full", TypeError, lambda: badak.full((2,), "a")),
    ("arange", ValueError, lambda: badak.arange(0, 5, 0)),
    ("randint", ValueError, lambda: badak.randint(5, 2, (2,))),
    ("tensor", TypeError, lambda: badak.tensor("abc")),
    ("tensor", ValueError, lambda: badak.tensor([[1, 2], [3]])),
    ("reshape", ValueError, lambda: x.reshape(4, 2)),
    ("sum", IndexError, lambda: x.sum(5)),
    ("mean", TypeError, lambda: badak.tensor([1, 2]).mean()),
    ("cat", ValueError, lambda: badak.cat([x, badak.ones(2, 4)])),
    ("matmul", ValueError, lambda: x @ x),
    ("add", ValueError, lambda: x + badak.ones(4)),
    ("mul", ValueError, lambda: x * badak.ones(2, 2)),
    ("getitem", IndexError, lambda: x[5]),
    ("getitem", IndexError, lambda: x[0.5]),
    ("pow", ValueError, lambda: badak.tensor([2]) ** -1),
    ("cross_entropy", IndexError, lambda: F.cross_entropy(x, badak.tensor([0, 5]))),
    ("mse_loss", ValueError, lambda: F.mse_loss(x, badak.ones(3))),
    ("softmax", IndexError, lambda: F.softmax(x, 3)),
    ("permute", ValueError, lambda: x.permute(0, 0)),
    ("clamp", ValueError, lambda: x.clamp()),
    ("where", TypeError, lambda: badak.where(x, x, x)),
    ("Linear", ValueError, lambda: nn.Linear(0, 2)),
    ("dropout", ValueError, lambda: F.dropout(x, 1.5)),
    ("conv2d", ValueError, lambda: F.conv2d(badak.ones(1, 3, 4, 4), badak.ones(2, 2, 3, 3))),
    ("item", ValueError, lambda: x.item()),
    ("save", TypeError, lambda: badak.save({(1,): x}, "unused.npz")),
]


@pytest.mark.parametrize(
    "name, error, call", CASES, ids=[f"{name}-{i}" for i, (name, _, _) in enumerate(CASES)]
)
def test_the_error_names_the_function(name, error, call):
    with pytest.raises(error) as raised:
        call()
    assert str(raised.value).startswith(f"{name}: "), str(raised.value)


def test_a_message_that_already_names_its_function_is_left_alone():
    with pytest.raises(ValueError, match=r"^cross_entropy: expected target batch size"):
        F.cross_entropy(x, badak.tensor(np.zeros(1, np.int64)))
