"""PyTorch's path torch.nn.modules.dropout: the same classes as badak.nn."""

from badak.nn.layers import Dropout, Dropout2d

__all__ = ["Dropout", "Dropout2d"]
