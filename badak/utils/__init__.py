"""`badak.utils`, as torch.utils: `badak.utils.data` is badak.data."""

from badak.utils import data

__all__ = ["data"]
