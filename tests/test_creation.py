"""Making tensors: from data, filled, random; dtypes, shapes, memory sharing and seeding."""

import subprocess
import sys

import numpy as np
import pytest

import badak


# --- from data ----------------------------------------------------------------------------------
def test_tensor_copies_its_source():
    source = np.array([1.0, 2.0], np.float32)
    t = badak.tensor(source)
    source[0] = 99.0
    assert t.tolist() == [1.0, 2.0]
    assert not np.shares_memory(t.numpy(), source)


def test_tensor_of_a_tensor_copies_it():
    original = badak.tensor([1.0, 2.0])
    copy = badak.tensor(original)
    original.numpy()[0] = 99.0
    assert copy.tolist() == [1.0, 2.0]


def test_tensor_dtypes_from_python_and_numpy_data():
    assert badak.tensor([1.0, 2.5]).dtype == np.float32
    assert badak.tensor(1.5).dtype == np.float32
    assert badak.tensor([1, 2]).dtype == np.int64
    assert badak.tensor([True, False]).dtype == np.bool_
    assert badak.tensor(np.array([1.0])).dtype == np.float64
    assert badak.tensor(np.array([1], np.int32)).dtype == np.int32
    assert badak.tensor(np.array([1], np.float16)).dtype == np.float16
    assert badak.tensor([1, 2], dtype=badak.float64).dtype == np.float64


def test_from_numpy_shares_memory():
    array = np.zeros(3, np.float32)
    t = badak.from_numpy(array)
    array[1] = 5.0
    assert t.tolist() == [0.0, 5.0, 0.0]
    t.numpy()[2] = 7.0
    assert array[2] == 7.0


def test_from_numpy_rejects_a_list():
    with pytest.raises(TypeError, match="from_numpy"):
        badak.from_numpy([1.0, 2.0])


def test_as_tensor_shares_memory_when_dtype_matches():
    array = np.array([1.0, 2.0], np.float32)
    assert np.shares_memory(badak.as_tensor(array).data, array)
    assert np.shares_memory(badak.as_tensor(array, dtype=np.float32).data, array)


def test_as_tensor_copies_for_another_dtype():
    array = np.array([1.0, 2.0], np.float32)
    t = badak.as_tensor(array, dtype=badak.float64)
    assert t.dtype == np.float64
    assert not np.shares_memory(t.numpy(), array)


def test_as_tensor_of_a_tensor_is_that_tensor():
    t = badak.tensor([1.0])
    assert badak.as_tensor(t) is t


# --- filled -------------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [badak.zeros, badak.ones])
def test_zeros_and_ones_take_varargs_or_a_tuple(make):
    assert make(2, 3).shape == (2, 3)
    assert make((2, 3)).shape == (2, 3)
    assert make([4]).shape == (4,)
    assert make(2, 3).dtype == np.float32
    assert make(2, dtype=badak.float64).dtype == np.float64


def test_zeros_and_ones_values():
    assert badak.zeros(2, 2).tolist() == [[0.0, 0.0], [0.0, 0.0]]
    assert badak.ones(3).tolist() == [1.0, 1.0, 1.0]


def test_full_dtype_follows_the_fill_value():
    assert badak.full((2, 3), 1.5).dtype == np.float32
    assert badak.full((2, 3), 1.5).tolist() == [[1.5] * 3] * 2
    assert badak.full((2,), 3).dtype == np.int64
    assert badak.full(2, True).dtype == np.bool_
    assert badak.full((2,), 3, dtype=badak.float64).dtype == np.float64


def test_eye_is_float32_identity():
    e = badak.eye(3)
    assert e.dtype == np.float32
    np.testing.assert_array_equal(e.numpy(), np.eye(3))
    assert badak.eye(2, 3).shape == (2, 3)


def test_arange_dtypes_and_values():
    assert badak.arange(5).dtype == np.int64
    assert badak.arange(5).tolist() == [0, 1, 2, 3, 4]
    assert badak.arange(2, 8, 2).tolist() == [2, 4, 6]
    assert badak.arange(0, 1, 0.25).dtype == np.float32
    assert badak.arange(0, 1, 0.25).tolist() == [0.0, 0.25, 0.5, 0.75]
    assert badak.arange(1.0, 4.0).dtype == np.float32
    assert badak.arange(3, dtype=badak.float64).dtype == np.float64


def test_zeros_like_and_ones_like_keep_shape_and_dtype():
    x = badak.tensor(np.ones((2, 3), np.float64))
    z = badak.zeros_like(x)
    o = badak.ones_like(badak.tensor([1, 2]))
    assert (z.shape, z.dtype, z.tolist()) == ((2, 3), np.float64, [[0.0] * 3] * 2)
    assert (o.shape, o.dtype, o.tolist()) == ((2,), np.int64, [1, 1])
    assert badak.zeros_like(x, dtype=badak.float32).dtype == np.float32


def test_legacy_constructors():
    f = badak.FloatTensor([[1, 2], [3, 4]])
    assert f.dtype == np.float32 and f.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    long = badak.LongTensor([2, 1, 0])
    assert long.dtype == np.int64 and long.tolist() == [2, 1, 0]
    shaped = badak.FloatTensor(2, 3)
    assert shaped.shape == (2, 3) and shaped.dtype == np.float32


@pytest.mark.parametrize(
    "make",
    [
        lambda: badak.tensor([1.0, 2.0], requires_grad=True),
        lambda: badak.zeros(2, requires_grad=True),
        lambda: badak.ones(2, requires_grad=True),
        lambda: badak.full((2,), 0.5, requires_grad=True),
        lambda: badak.eye(2, requires_grad=True),
        lambda: badak.rand(2, requires_grad=True),
        lambda: badak.randn(2, requires_grad=True),
        lambda: badak.zeros_like(badak.ones(2), requires_grad=True),
    ],
    ids=["tensor", "zeros", "ones", "full", "eye", "rand", "randn", "zeros_like"],
)
def test_creation_with_requires_grad_makes_a_leaf_that_gets_a_gradient(make):
    t = make()
    assert t.requires_grad and t.is_leaf
    (t * 3.0).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), np.full(t.shape, 3.0))


def test_requires_grad_on_integer_data_raises():
    with pytest.raises(TypeError, match="floating"):
        badak.tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError):
        badak.arange(3, requires_grad=True)


# --- random -------------------------------------------------------------------------------------
def test_rand_is_float32_in_unit_interval():
    r = badak.rand(1000)
    assert r.dtype == np.float32 and r.shape == (1000,)
    assert r.numpy().min() >= 0.0 and r.numpy().max() < 1.0
    assert badak.rand(2, 3).shape == (2, 3) and badak.rand((2, 3)).shape == (2, 3)


def test_randn_is_float32_standard_normal():
    r = badak.randn(20000)
    assert r.dtype == np.float32
    assert abs(float(r.numpy().mean())) < 0.05
    assert abs(float(r.numpy().std()) - 1.0) < 0.05
    assert badak.randn(2, 3, dtype=badak.float64).dtype == np.float64


def test_float64_samples_have_float64_resolution():
    for draw in (badak.rand, badak.randn):
        values = draw(1000, dtype=badak.float64).numpy()
        assert not np.array_equal(values, values.astype(np.float32))


@pytest.mark.parametrize("call", ["rand", "randn", "rand_like", "randn_like"])
def test_samples_of_an_integer_dtype_are_refused_naming_the_call(call):
    function = getattr(badak, call)
    args = (badak.tensor([1, 2]),) if call.endswith("_like") else (2,)
    kwargs = {} if call.endswith("_like") else {"dtype": badak.int64}
    with pytest.raises(TypeError, match=f"^{call}: expected a floating dtype, got int64"):
        function(*args, **kwargs)


def test_randint_with_high_and_size():
    r = badak.randint(5, (300,))
    assert r.dtype == np.int64 and r.shape == (300,)
    assert set(r.tolist()) == {0, 1, 2, 3, 4}


def test_randint_with_low_high_and_size():
    r = badak.randint(2, 5, (300,))
    assert r.dtype == np.int64 and r.shape == (300,)
    assert set(r.tolist()) == {2, 3, 4}
    assert badak.randint(0, 3, (2, 4)).shape == (2, 4)


def test_randint_rejects_empty_range():
    with pytest.raises(ValueError, match="randint"):
        badak.randint(3, 3, (2,))


def test_manual_seed_repeats_rand_randn_randint():
    def draw():
        return badak.rand(4).data, badak.randn(4).data, badak.randint(0, 100, (4,)).data

    badak.manual_seed(123)
    first = draw()
    badak.manual_seed(123)
    second = draw()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    badak.manual_seed(124)
    assert not np.array_equal(badak.rand(4).data, first[0])


def test_manual_seed_rejects_negative_seed():
    with pytest.raises(ValueError, match="manual_seed"):
        badak.manual_seed(-1)


def test_explicit_generator_is_used():
    a = badak.rand(3, generator=np.random.default_rng(7)).data
    b = badak.rand(3, generator=np.random.default_rng(7)).data
    np.testing.assert_array_equal(a, b)


IMPORT_SCRIPT = """
import numpy as np
np.random.seed(1234)
before = np.random.get_state()
import badak
after = np.random.get_state()
assert before[0] == after[0] and (before[1] == after[1]).all() and before[2:] == after[2:]
print(np.random.random(), badak.rand(3).tolist())
"""


def test_import_leaves_numpy_global_rng_alone_and_badak_starts_from_a_fixed_seed():
    def run():
        result = subprocess.run(
            [sys.executable, "-c", IMPORT_SCRIPT], capture_output=True, text=True, check=True
        )
        return result.stdout

    out = run()
    assert out.split()[0] == str(np.random.RandomState(1234).random_sample())
    assert run() == out  # a fresh import draws the same badak numbers


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: badak.zeros(2.5), TypeError, "zeros: sizes must be ints"),
        (lambda: badak.ones((2, 2.0)), TypeError, "ones: sizes must be ints"),
        (lambda: badak.rand(2.5), TypeError, "rand: sizes must be ints"),
        (lambda: badak.randn(True), TypeError, "randn: sizes must be ints"),
        (lambda: badak.zeros(-1), ValueError, "zeros: sizes must be non-negative"),
        (lambda: badak.arange(0, 5, 0), ValueError, "arange: step must be nonzero"),
        (lambda: badak.arange(5, 0), ValueError, "arange: from 5 to 0 with step 1"),
    ],
)
def test_creation_refuses_bad_sizes_and_steps_naming_the_function(call, error, message):
    with pytest.raises(error, match=f"^{message}"):
        call()


@pytest.mark.parametrize(
    "call", [lambda: badak.randint(10, size=(3,)), lambda: badak.randint(10, (3,))]
)
def test_randint_takes_high_with_size_by_keyword_or_position(call):
    x = call()
    assert x.shape == (3,) and x.dtype == np.int64 and ((0 <= x.numpy()) & (x.numpy() < 10)).all()
