"""The reference tests need PyTorch: a missing torch fails the run (ImportError), never skips."""

import torch

torch.set_num_threads(1)
