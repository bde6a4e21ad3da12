"""Bunch: a dict whose keys are also attributes, as scikit-learn's data set loaders return."""


class Bunch(dict):
    """A dict with attribute access: `b.data` is `b["data"]`, and `b.x = 1` sets `b["x"]`."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(f"Bunch has no key {name!r}") from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"Bunch has no key {name!r}") from None

    def __dir__(self):
        return list(self.keys())
