"""PyTorch's path torch.nn.modules.normalization: the same classes as badak.nn."""

from badak.nn.normalization import GroupNorm, LayerNorm

__all__ = ["GroupNorm", "LayerNorm"]
