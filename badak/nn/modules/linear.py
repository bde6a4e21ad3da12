"""PyTorch's path torch.nn.modules.linear: the same classes as badak.nn."""

from badak.nn.attention import NonDynamicallyQuantizableLinear
from badak.nn.layers import Identity, Linear

__all__ = ["Identity", "Linear", "NonDynamicallyQuantizableLinear"]
