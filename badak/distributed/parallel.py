"""DistributedDataParallel: one model replica per rank, gradients averaged after backward.

Each rank runs the forward and backward of its share of the batch; the gradients are then
averaged across ranks, so that every replica takes the same optimizer step. The averaging is
bucketed as PyTorch's: parameters are grouped, last layer first (the order in which backward
produces their gradients), into flat buckets of at most `bucket_cap_mb` (25 MB; the first 1 MB,
so that communication starts early), and each bucket's Allreduce starts, non-blocking, as soon
as backward has finished every gradient in it (Tensor.register_post_accumulate_grad_hook);
the last gradient waits for them all and writes the averages into `.grad`. Buckets start in
the same order on every rank, which MPI requires of collectives.
"""

import contextlib
import json

from badak.autograd import is_grad_enabled, leaves_reached
from badak.device import np
from badak.distributed.collectives import _all_gather_text
from badak.distributed.group import DistributedError, _group, _mpi
from badak.nn.module import Module
from badak.tensor import Tensor

FIRST_BUCKET_BYTES = 1024**2


class DistributedDataParallel(Module):
    """Wrap `module` for data-parallel training, as torch.nn.parallel.DistributedDataParallel.

    At wrap time every rank's module must have the same parameters (names, shapes, dtypes):
    anything else is a DistributedError on every rank; rank 0's values are then broadcast to
    all. `forward` runs the module; the backward that follows averages the gradients.

    Args:
        module: the Module to replicate.
        broadcast_buffers: copy rank 0's buffers (BatchNorm's running statistics) to every
            rank at the start of each forward.
        bucket_cap_mb: the largest bucket, in MB.
        find_unused_parameters: look, at each forward, for parameters the output does not
            depend on, so that backward need not wait for their gradients. Without it every
            parameter must receive a gradient in every backward.
        device_ids: accepted for PyTorch's sake, as are output_device, dim, process_group,
            gradient_as_bucket_view, static_graph and check_reduction: badak has one CPU
            device per rank.

    `state_dict()` keys start with "module." as PyTorch's; `.module.state_dict()` has the
    inner module's own keys, and load_state_dict takes either.
    """

    def __init__(self, module, device_ids=None, output_device=None, dim=0,
                 broadcast_buffers=True, process_group=None, bucket_cap_mb=None,
                 find_unused_parameters=False, check_reduction=False,
                 gradient_as_bucket_view=False, static_graph=False):  # fmt: skip
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(
                f"DistributedDataParallel: expected a badak.nn.Module, got {type(module).__name__}"
            )
        group = _group("DistributedDataParallel")
        cap = 25.0 if bucket_cap_mb is None else float(bucket_cap_mb)
        if not cap > 0:
            raise ValueError(f"DistributedDataParallel: bucket_cap_mb must be > 0, got {cap}")
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.require_backward_grad_sync = True
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError(
                "DistributedDataParallel: the module has no parameter that requires grad"
            )
        _check_same_parameters(group, module)
        _broadcast_from_rank0(group, [p for _, p in module.named_parameters()])
        _broadcast_from_rank0(group, list(module.buffers()))
        self._reducer = _Reducer(group, named, int(cap * 1024**2))

    def forward(self, *inputs, **kwargs):
        reducer = self._reducer
        armed = self.require_backward_grad_sync and is_grad_enabled() and reducer.group.size > 1
        if armed:
            reducer.prepare()
        if self.broadcast_buffers and reducer.group.size > 1:
            _broadcast_from_rank0(reducer.group, list(self.module.buffers()))
        output = self.module(*inputs, **kwargs)
        if armed and self.find_unused_parameters:
            reducer.mark_unused(leaves_reached(_tensors_in(output)))
        return output

    @contextlib.contextmanager
    def no_sync(self):
        """Forwards inside the block start no gradient averaging: their gradients accumulate
        locally in `.grad`, and the first synced backward after the block averages the sums."""
        before = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = before

    def load_state_dict(self, state_dict, strict=True):
        """Load a state dict with "module." keys (this wrapper's) or the inner module's keys."""
        if state_dict and not any(str(k).startswith("module.") for k in state_dict):
            return self.module.load_state_dict(state_dict, strict)
        return super().load_state_dict(state_dict, strict)


def _tensors_in(value):
    """The Tensors in a forward's output: itself, or inside tuples, lists and dicts."""
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _tensors_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _tensors_in(item)


def _check_same_parameters(group, module):
    """DistributedError on every rank unless every rank's module has rank 0's parameters."""
    if group.size == 1:
        return
    mine = [[n, str(p._data.dtype), list(p.shape), _order(p._data)]
            for n, p in module.named_parameters()]  # fmt: skip
    every = [json.loads(text) for text in _all_gather_text(group, json.dumps(mine), "DDP")]
    for rank, entries in enumerate(every):
        if entries == every[0]:
            continue
        differing = next(
            (f"rank 0 has {_described(a)}, rank {rank} has {_described(b)}"
             for a, b in zip(every[0], entries) if a != b),
            f"rank 0 has {len(every[0])} parameters, rank {rank} has {len(entries)}",
        )  # fmt: skip
        raise DistributedError(
            f"DistributedDataParallel: every rank must wrap a module with the same parameters; "
            f"{differing}"
        )


def _described(entry):
    name, dtype, shape, order = entry
    layout = " laid out transposed" if order == "F" else ""
    return f"{name} {dtype} {tuple(shape)}{layout}"


def _broadcast_from_rank0(group, tensors):
    """Overwrite `tensors` (same on every rank) with rank 0's values: one flat Bcast per dtype."""
    if group.size == 1 or not tensors:
        return
    by_dtype = {}
    for tensor in tensors:
        by_dtype.setdefault(tensor._data.dtype, []).append(tensor)
    for dtype in sorted(by_dtype, key=str):
        members = by_dtype[dtype]
        flat = np.concatenate([t._data.ravel() for t in members])
        if dtype == np.float16:
            flat = flat.astype(np.float32)
        group.wait(group.comm.Ibcast(flat, root=0), "DistributedDataParallel broadcast")
        start = 0
        for tensor in members:
            size = tensor._data.size
            tensor._data[...] = flat[start : start + size].reshape(tensor._data.shape)
            start += size


def _order(array):
    """The order in which a parameter's gradient is laid into a bucket: the parameter's own
    memory order ("F" for a transposed layout), so that copying a gradient laid out as its
    parameter is a straight copy; it is the same on every rank, being fixed at wrap time."""
    return "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"


class _Bucket:
    """Parameters of one dtype whose gradients travel in one flat Allreduce."""

    def __init__(self, parameters):
        self.parameters = parameters
        self.dtype = parameters[0]._data.dtype
        ends = np.cumsum([p._data.size for p in parameters]).tolist()
        self.pieces = [
            (p, end - p._data.size, end, _order(p._data)) for p, end in zip(parameters, ends)
        ]
        # float16 has no MPI type here: its bucket travels as float32 (exact)
        self.flat = np.empty(ends[-1], np.float32 if self.dtype == np.float16 else self.dtype)
        self.request = None
        self.waiting = 0


class _Reducer:
    """The buckets, and the bookkeeping of which gradients the current backward has finished."""

    def __init__(self, group, named, cap_bytes):
        self.group = group
        self.names = {id(p): n for n, p in named}
        self.buckets = _buckets([p for _, p in reversed(named)], cap_bytes)
        self.bucket_of = {id(p): b for b in self.buckets for p in b.parameters}
        self.ready = set()
        self.armed = False
        self.started = 0  # buckets whose Allreduce has started, in order
        self.unused = set()
        for _, parameter in named:
            parameter.register_post_accumulate_grad_hook(self._gradient_ready)

    def prepare(self):
        """Before a forward that a backward will follow: expect every gradient anew."""
        if self.armed and self.ready:
            missing = [self.names[k] for k in self.names if k not in self.ready]
            raise RuntimeError(
                "DistributedDataParallel: the last backward finished the gradients of only some "
                f"parameters; these received none: {', '.join(missing[:8])}"
                f"{' ...' if len(missing) > 8 else ''}. Pass find_unused_parameters=True when "
                "some parameters take no part in a forward's output, and use every output in the "
                "loss"
            )
        self.ready.clear()
        self.unused = set()
        self.started = 0
        for bucket in self.buckets:
            bucket.waiting = len(bucket.parameters)
            bucket.request = None
        self.armed = True

    def mark_unused(self, reached):
        """The parameters the output does not depend on: ready now, with no gradient."""
        for key in self.names:
            if key not in reached:
                self.unused.add(key)
                self._mark_ready(key)

    def _gradient_ready(self, parameter):
        if self.armed:
            self._mark_ready(id(parameter))

    def _mark_ready(self, key):
        if key in self.ready:
            raise RuntimeError(
                f"DistributedDataParallel: parameter {self.names[key]} received a gradient "
                "twice in one backward: call the wrapped model once per backward"
            )
        self.ready.add(key)
        self.bucket_of[key].waiting -= 1
        while self.started < len(self.buckets) and not self.buckets[self.started].waiting:
            self._start(self.buckets[self.started])
            self.started += 1
        if self.started == len(self.buckets):
            self._finish()

    def _start(self, bucket):
        """Copy the bucket's gradients into its flat array and start its Allreduce."""
        flat = bucket.flat
        for parameter, start, end, order in bucket.pieces:
            grad = parameter.grad
            if grad is None:
                flat[start:end] = 0
            elif grad._data.dtype != bucket.dtype or grad._data.size != end - start:
                raise RuntimeError(
                    f"DistributedDataParallel: parameter {self.names[id(parameter)]} changed "
                    f"to {grad._data.dtype} {tuple(grad.shape)} after it was wrapped; convert "
                    "the module (.double(), .to(...)) before wrapping it"
                )
            else:
                flat[start:end] = grad._data.ravel(order)
        bucket.request = self.group.comm.Iallreduce(_mpi().IN_PLACE, flat)

    def _finish(self):
        """Wait for every bucket, then put the averages into `.grad`."""
        self.armed = False
        used = self._used_anywhere() if self.unused else None
        size = self.group.size
        for bucket in self.buckets:
            self.group.wait(bucket.request, "DistributedDataParallel's gradient Allreduce")
            for parameter, start, end, order in bucket.pieces:
                total = bucket.flat[start:end].reshape(parameter._data.shape, order=order)
                if parameter.grad is not None:  # the average, divided as it is copied back
                    np.divide(total, size, out=parameter.grad._data, casting="unsafe")
                elif used is None or used[id(parameter)]:
                    parameter.grad = Tensor._from_array((total / size).astype(bucket.dtype))
            bucket.request = None

    def _used_anywhere(self):
        """{id: whether any rank's output used the parameter}: one that no rank used keeps
        `.grad` None on every rank, as PyTorch leaves it."""
        keys = list(self.names)
        flags = np.array([key not in self.unused for key in keys], np.int32)
        self.group.wait(
            self.group.comm.Iallreduce(_mpi().IN_PLACE, flags, op=_mpi().MAX),
            "DistributedDataParallel",
        )
        return dict(zip(keys, flags.astype(bool).tolist()))


def _buckets(parameters, cap_bytes):
    """Consecutive parameters of one dtype, at most cap_bytes a bucket (the first: 1 MB)."""
    buckets, current, filled, cap = [], [], 0, min(cap_bytes, FIRST_BUCKET_BYTES)
    for parameter in parameters:
        nbytes = parameter._data.nbytes
        if current and (filled + nbytes > cap or parameter._data.dtype != current[0]._data.dtype):
            buckets.append(_Bucket(current))
            current, filled, cap = [], 0, cap_bytes
        current.append(parameter)
        filled += nbytes
    if current:
        buckets.append(_Bucket(current))
    return buckets
