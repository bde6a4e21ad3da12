"""PyTorch's path torch.nn.modules.sparse: the same classes as badak.nn."""

from badak.nn.embedding import Embedding

__all__ = ["Embedding"]
