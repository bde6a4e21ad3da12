import pytest

from badak.data import Bunch


def test_bunch_keys_are_attributes():
    b = Bunch(data=1)
    assert b.data == 1 and b["data"] == 1
    b.target = 2
    assert b["target"] == 2 and "target" in dir(b)
    del b.target
    assert "target" not in b


def test_bunch_missing_attribute_raises_attribute_error():
    with pytest.raises(AttributeError, match="Bunch has no key 'nope'"):
        _ = Bunch().nope
    assert not hasattr(Bunch(), "nope")
