"""`badak.nn.parallel`, as torch.nn.parallel: DistributedDataParallel (badak.distributed's, on
MPI) and DataParallel."""

from badak.distributed.parallel import DistributedDataParallel
from badak.nn.module import Module


class DataParallel(Module):
    """`module` run on the whole batch, under torch.nn.DataParallel's name and state_dict keys.

    torch.nn.DataParallel splits each batch over the GPUs of one process; badak has one
    device per process, so this runs `module` on the whole batch. Its state_dict keys start
    with "module." as PyTorch's. device_ids, output_device and dim are accepted and ignored.
    For several processes use DistributedDataParallel.

    Shape: forward takes and returns what `module` takes and returns, e.g. (N, D) in and
    (N, C) out for a classifier; the batch is not split.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DataParallel: expected a badak.nn.Module, got {type(module).__name__}"
            )
        self.module = module

    def forward(self, *inputs, **kwargs):
        return self.module(*inputs, **kwargs)


__all__ = ["DataParallel", "DistributedDataParallel"]
