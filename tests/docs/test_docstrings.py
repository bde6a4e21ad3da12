"""Every public name the API reference documents has a docstring, and every one that computes on
tensors says the shapes it takes and returns (a `Shape:` section, `shape` in words, or shapes
written with the fixed letters, as `(N, C)`).

The modules are the ones docs/reference/ pages document, so the reference and this test cannot
disagree about what is public.
"""

import importlib
import inspect
import re

import pytest

from tests.docs.code_blocks import DOCS

AUTOMODULE = re.compile(r"\.\. automodule:: (\S+)\n((?:   :.*\n)*)")
# Shapes in words or in the docstrings' notation: (N, C), (N,), (*), (B, L, E), ().
SHAPES = re.compile(r"\bshapes?\b|Shape:|\((?:[A-Z][A-Za-z0-9_]*|\*|\.\.\.)(?:,|\))|\(\)")
# Public names that compute on no tensor, so have no shapes to state; each says why.
NO_SHAPES = {
    # grad mode and the engine's switches
    "no_grad": "a context",
    "enable_grad": "a context",
    "inference_mode": "a context",
    "set_grad_enabled": "a context",
    "is_grad_enabled": "a flag",
    # random state
    "manual_seed": "a seed",
    "seed": "a seed",
    "initial_seed": "a seed",
    "Generator": "a state",
    "get_rng_state": "a state",
    "set_rng_state": "a state",
    # threads
    "set_num_threads": "a setting",
    "get_num_threads": "a setting",
}


def documented_modules():
    """{module name: names the page excludes} over every automodule of docs/reference/."""
    found = {}
    for page in sorted((DOCS / "reference").glob("*.md")):
        for name, options in AUTOMODULE.findall(page.read_text(encoding="utf-8")):
            excluded = re.search(r":exclude-members: (.*)", options)
            found[name] = {n.strip() for n in excluded[1].split(",")} if excluded else set()
    return found


def public_names(module, excluded):
    names = getattr(module, "__all__", None)
    if names is None:  # the names the module itself defines
        names = [
            n
            for n, obj in vars(module).items()
            if not n.startswith("_") and getattr(obj, "__module__", None) == module.__name__
        ]
    return [n for n in names if n not in excluded]


def documented_objects():
    for module_name, excluded in documented_modules().items():
        module = importlib.import_module(module_name)
        for name in public_names(module, excluded):
            obj = getattr(module, name)
            if inspect.isclass(obj) or callable(obj):
                yield f"{module_name}.{name}", name, obj


def computes_on_tensors(qualified, obj):
    """Functions of the tensor namespaces and the layers: they take and return arrays."""
    module = qualified.rsplit(".", 1)[0]
    if inspect.isclass(obj):
        return any(base.__name__ in ("Module", "Layer") for base in obj.__mro__[1:])
    return module in ("badak", "badak.nn.functional", "badak.layers", "badak.dezero.functions")


def test_the_reference_documents_the_public_modules():
    required = {"badak", "badak.nn", "badak.nn.functional", "badak.optim", "badak.utils.data",
                "badak.distributed", "badak.sklearn", "badak.layers", "badak.dezero"}  # fmt: skip
    assert required <= set(documented_modules())


@pytest.mark.parametrize("module_name", sorted(documented_modules()))
def test_every_public_name_has_a_docstring(module_name):
    missing = [
        qualified
        for qualified, _, obj in documented_objects()
        if qualified.rsplit(".", 1)[0] == module_name and not (obj.__doc__ or "").strip()
    ]
    assert not missing, f"no docstring: {missing}"


@pytest.mark.parametrize("module_name", sorted(documented_modules()))
def test_every_tensor_function_states_its_shapes(module_name):
    missing = [
        qualified
        for qualified, name, obj in documented_objects()
        if qualified.rsplit(".", 1)[0] == module_name
        and computes_on_tensors(qualified, obj)
        and name not in NO_SHAPES
        and not SHAPES.search(obj.__doc__ or "")
    ]
    assert not missing, f"no shapes in the docstring: {missing}"


def tensor_members():
    """{name: object} of the Tensor's public methods and properties."""
    import badak

    return {
        name: inspect.getattr_static(badak.Tensor, name)
        for name in dir(badak.Tensor)
        if not name.startswith("_") and name not in ("grad", "grad_fn", "requires_grad")
    }


def test_every_tensor_method_and_property_has_a_docstring():
    missing = [name for name, member in tensor_members().items() if not (member.__doc__ or "")]
    assert not missing, f"Tensor members without a docstring: {missing}"


def test_a_method_form_names_a_function_that_states_its_shapes():
    import badak

    pointer = re.compile(r"`badak\.(\w+)\(x")
    for name, member in tensor_members().items():
        named = pointer.search(member.__doc__ or "")
        if named:
            function = getattr(badak, named[1])
            assert SHAPES.search(function.__doc__ or ""), f"Tensor.{name} -> badak.{named[1]}"
