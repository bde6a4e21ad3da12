"""PyTorch's path torch.nn.modules.container: the same classes as badak.nn."""

from badak.nn.layers import ModuleList, Sequential

__all__ = ["ModuleList", "Sequential"]
