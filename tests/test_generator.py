"""badak.Generator, torch.Generator's counterpart: seeded, repeatable, accepted wherever a
generator= argument is (random_split, DataLoader, samplers, rand, randperm, dropout)."""

import numpy as np
import pytest

import badak
from badak.utils.data import DataLoader, TensorDataset, random_split


def test_a_seeded_generator_repeats_its_draws_everywhere():
    data = TensorDataset(badak.arange(10))
    first, again = (
        [list(s.indices) for s in random_split(data, [0.7, 0.3], generator=generator)]
        for generator in (badak.Generator().manual_seed(42), badak.Generator().manual_seed(42))
    )
    assert first == again and sorted(first[0] + first[1]) == list(range(10))
    g = badak.Generator().manual_seed(7)
    a = badak.rand(3, generator=g).numpy()
    assert np.array_equal(badak.rand(3, generator=badak.Generator().manual_seed(7)).numpy(), a)
    assert not np.array_equal(badak.rand(3, generator=g).numpy(), a)  # it moves on
    order = [int(x) for (x,) in DataLoader(data, shuffle=True, generator=badak.Generator())]
    assert sorted(order) == list(range(10))


def test_state_and_seed_round_trip():
    g = badak.Generator().manual_seed(3)
    assert g.initial_seed() == 3
    state = g.get_state()
    x = g.random(4)
    g.set_state(state)
    np.testing.assert_array_equal(g.random(4), x)
    with pytest.raises(ValueError, match="^Generator.manual_seed: expected a non-negative int"):
        g.manual_seed(-1)


def test_manual_seed_returns_badaks_generator_as_a_generator():
    generator = badak.manual_seed(3)
    assert isinstance(generator, badak.Generator) and generator.initial_seed() == 3
    first = badak.rand(4).numpy()
    assert generator.manual_seed(3) is generator  # reseeds badak's own generator
    np.testing.assert_array_equal(badak.rand(4).numpy(), first)
    state = generator.get_state()
    drawn = badak.randn(3).numpy()
    generator.set_state(state)
    np.testing.assert_array_equal(badak.randn(3).numpy(), drawn)
