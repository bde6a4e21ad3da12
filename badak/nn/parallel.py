"""`badak.nn.parallel`, as torch.nn.parallel: DistributedDataParallel (badak.distributed's, on
MPI) and DataParallel."""

from badak.distributed.parallel import DistributedDataParallel
from badak.nn.module import Module


class DataParallel(Module):
    """torch.nn.DataParallel splits each batch over the GPUs of one process; badak has one
    device per process, so this runs `module` on the whole batch. Its state_dict keys start
    with "module." as PyTorch's. For several processes use DistributedDataParallel."""

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
