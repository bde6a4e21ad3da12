"""`badak.backends`, as torch.backends: the switches scripts set (`backends.cudnn.deterministic
= True`) and the questions they ask (`backends.mps.is_available()`), answered for a CPU-only
badak."""

from badak.backends import cudnn, mps

__all__ = ["cudnn", "mps"]
