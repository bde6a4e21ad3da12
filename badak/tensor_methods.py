"""The bulk of PyTorch's Tensor methods, as a mixin of Tensor: each one visible line that calls
badak.functions (`F`, which builds on Tensor and is set here once tensor.py has loaded).

Tensor itself keeps the engine's part (autograd, in-place updates, dtype and device, the array
protocol) and the operators; the methods here are the rest of the surface PyTorch programs use.
"""

from badak.device import np

F = None  # badak.functions, set by badak.tensor


def document_method_forms(cls, functions):
    """Give each method of `cls` that has no docstring and is the method form of one of
    `functions` ({name: function}: `x.abs()` of `abs(x)`), or its in-place form (`x.abs_()`), a
    docstring naming that function, which documents the arguments and shapes."""
    for klass in cls.__mro__:
        for name, method in vars(klass).items():
            if name.startswith("_") or not callable(method) or method.__doc__:
                continue
            if name in functions:
                method.__doc__ = (
                    f"`x.{name}(...)` is `badak.{name}(x, ...)`: see it for the arguments and "
                    "shapes."
                )
            elif name.endswith("_") and name[:-1] in functions:
                method.__doc__ = (
                    f"In place: `x.{name}(...)` writes `badak.{name[:-1]}(x, ...)` into x and "
                    f"returns x; see `badak.{name[:-1]}` for the arguments and shapes."
                )


class TorchMethods:
    __slots__ = ()

    # --- the rest of PyTorch's Tensor methods, each a badak function -------------------------
    def add(self, other, *, alpha=1):
        return F.add(self, other if alpha == 1 else other * alpha)

    def sub(self, other, *, alpha=1):
        return F.sub(self, other if alpha == 1 else other * alpha)

    def mul(self, other):
        return F.mul(self, other)

    def div(self, other):
        return F.div(self, other)

    def neg(self):
        return F.neg(self)

    def square(self):
        return F.pow(self, 2)

    def sin(self):
        return F.sin(self)

    def cos(self):
        return F.cos(self)

    def log1p(self):
        return F.log1p(self)

    def logsumexp(self, dim, keepdim=False):
        return F.logsumexp(self, dim, keepdim)

    def clip(self, min=None, max=None):
        return F.clamp(self, min, max)

    def mm(self, other):
        return F.mm(self, other)

    def bmm(self, other):
        return F.bmm(self, other)

    def eq(self, other):
        return F.eq(self, other)

    def ne(self, other):
        return F.ne(self, other)

    def lt(self, other):
        return F.lt(self, other)

    def le(self, other):
        return F.le(self, other)

    def gt(self, other):
        return F.gt(self, other)

    def ge(self, other):
        return F.ge(self, other)

    def isnan(self):
        return F.isnan(self)

    def isfinite(self):
        return F.isfinite(self)

    def all(self, dim=None, keepdim=False):
        return F.all(self, dim, keepdim)

    def any(self, dim=None, keepdim=False):
        return F.any(self, dim, keepdim)

    def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
        return F.norm(self, p, dim, keepdim, dtype)

    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return F.var(self, dim, unbiased, keepdim, correction=correction)

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        return F.std(self, dim, unbiased, keepdim, correction=correction)

    def t(self):
        """The transpose of a tensor of at most 2 dims."""
        if self.ndim > 2:
            raise ValueError(f"t: expected a tensor of at most 2 dims, got {self.ndim}")
        return F.transpose(self, 0, -1) if self.ndim == 2 else self

    @property
    def mT(self):
        """x with its last two dims swapped, (*, M, N) -> (*, N, M)."""
        return F.transpose(self, -2, -1)

    def view_as(self, other):
        """x reshaped to other's shape (a view where NumPy can make one), as torch's; other
        is any tensor of the same number of elements."""
        return F.reshape(self, other.shape)

    def expand_as(self, other):
        """x broadcast to other's shape without copying, as torch's: x's shape must
        broadcast to other's."""
        return F.broadcast_to(self, other.shape)

    def type_as(self, other):
        """x converted to other's dtype (x itself where it already has it); the shape is
        x's."""
        return self.to(other.dtype)

    def narrow(self, dim, start, length):
        return F.narrow(self, dim, start, length)

    def split(self, split_size, dim=0):
        return F.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        return F.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        return F.unbind(self, dim)

    # --- memory: badak's arrays are NumPy's ------------------------------------------------
    def contiguous(self):
        """x itself where its elements lie in row-major order, else a row-major copy that
        stays in the graph; the shape is x's."""
        return F.contiguous(self)

    def is_contiguous(self):
        """Whether x's elements lie in row-major (C) order in memory, with no gaps."""
        return bool(self._data.flags.c_contiguous)

    def stride(self, dim=None):
        """Steps between elements per dim, in elements (NumPy's strides are in bytes)."""
        steps = tuple(s // self._data.itemsize for s in self._data.strides)
        return steps if dim is None else steps[dim]

    def element_size(self):
        """Bytes per element of x's dtype (4 for float32)."""
        return self._data.itemsize

    @property
    def nbytes(self):
        """The bytes x's elements take, numel() * element_size()."""
        return self._data.nbytes

    @property
    def is_cuda(self):
        """False, since badak's tensors live on the CPU."""
        return False

    def get_device(self):
        """-1: the CPU, as PyTorch numbers it."""
        return -1

    def pin_memory(self):
        """The tensor itself: pinned memory matters only for copies to a GPU."""
        return self

    # --- indexing along a dim, order, running sums ------------------------------------------
    def gather(self, dim, index):
        return F.gather(self, dim, index)

    def scatter(self, dim, index, src=None, *, value=None, reduce=None):
        return F.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        return F.scatter_add(self, dim, index, src)

    def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
        return F.apply_(
            self, "scatter_", lambda x: F.scatter(x, dim, index, src, value=value, reduce=reduce),
            *[t for t in (src, value) if t is not None],
        )  # fmt: skip

    def scatter_add_(self, dim, index, src):
        return F.apply_(self, "scatter_add_", lambda x: F.scatter_add(x, dim, index, src), src)

    def index_add_(self, dim, index, source, *, alpha=1):
        return F.apply_(
            self, "index_add_", lambda x: F.index_add(x, dim, index, source, alpha=alpha), source
        )

    def index_select(self, dim, index):
        return F.index_select(self, dim, index)

    def index_add(self, dim, index, source, *, alpha=1):
        return F.index_add(self, dim, index, source, alpha=alpha)

    def masked_fill(self, mask, value):
        return F.masked_fill(self, mask, value)

    def masked_select(self, mask):
        return F.masked_select(self, mask)

    def nonzero(self, *, as_tuple=False):
        return F.nonzero(self, as_tuple=as_tuple)

    def sort(self, dim=-1, descending=False, stable=False):
        return F.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        return F.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        return F.topk(self, k, dim, largest, sorted)

    def cumsum(self, dim, dtype=None):
        return F.cumsum(self, dim, dtype)

    def cumprod(self, dim, dtype=None):
        return F.cumprod(self, dim, dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return F.prod(self, dim, keepdim, dtype=dtype)

    # --- rearranging copies -----------------------------------------------------------------
    def repeat(self, *sizes):
        """x tiled `sizes` times along each dim, as torch's repeat: (D1, ..., Dk) repeated
        (r1, ..., rk) gives (r1 D1, ..., rk Dk); more sizes than dims add leading dims."""
        return F.repeat(self, *sizes)

    def tile(self, dims):
        return F.tile(self, dims)

    def flip(self, *dims):
        return F.flip(self, dims[0] if len(dims) == 1 else dims)

    def triu(self, diagonal=0):
        return F.triu(self, diagonal)

    def tril(self, diagonal=0):
        return F.tril(self, diagonal)

    # --- more pointwise ---------------------------------------------------------------------
    def floor(self):
        return F.floor(self)

    def ceil(self):
        return F.ceil(self)

    def round(self, decimals=0):
        return F.round(self, decimals)

    def trunc(self):
        return F.trunc(self)

    def rsqrt(self):
        return F.rsqrt(self)

    def erf(self):
        return F.erf(self)

    def sign(self):
        return F.sign(self)

    def expm1(self):
        return F.expm1(self)

    def reciprocal(self):
        return F.reciprocal(self)

    def remainder(self, other):
        return F.remainder(self, other)

    def fmod(self, other):
        return F.fmod(self, other)

    def floor_divide(self, other):
        return F.floor_divide(self, other)

    def lerp(self, end, weight):
        return F.lerp(self, end, weight)

    def clamp_min(self, min):
        """x with every element below `min` raised to `min`: `badak.clamp(x, min, None)`.
        Shape: x's."""
        return F.clamp(self, min, None)

    def clamp_max(self, max):
        """x with every element above `max` lowered to `max`: `badak.clamp(x, None, max)`.
        Shape: x's."""
        return F.clamp(self, None, max)

    def where(self, condition, other):
        return F.where(condition, self, other)

    def dot(self, other):
        if self.ndim != 1 or np.ndim(other) != 1:
            raise ValueError(f"dot: expected two 1-d tensors, got {self.shape} and {other.shape}")
        return F.matmul(self, other)

    def outer(self, other):
        return F.unsqueeze(self, 1) * F.unsqueeze(other, 0)

    def logical_not(self):
        return F.logical_not(self)

    def logical_and(self, other):
        return F.logical_and(self, other)

    def logical_or(self, other):
        return F.logical_or(self, other)

    def logical_xor(self, other):
        return F.logical_xor(self, other)

    def __mod__(self, other):
        return F.remainder(self, other)

    def __rmod__(self, other):
        return F.remainder(other, self)

    def __floordiv__(self, other):
        return F.floor_divide(self, other)

    def __rfloordiv__(self, other):
        return F.floor_divide(other, self)

    def __invert__(self):
        return F.bitwise("bitwise_not", self)

    def __and__(self, other):
        return F.bitwise("bitwise_and", self, other)

    __rand__ = __and__

    def __or__(self, other):
        return F.bitwise("bitwise_or", self, other)

    __ror__ = __or__

    def __xor__(self, other):
        return F.bitwise("bitwise_xor", self, other)

    __rxor__ = __xor__

    def nelement(self):
        """The number of elements of x, as `numel()`."""
        return self.numel()

    def detach_(self):
        """Cut this tensor from its graph, in place: it becomes a leaf."""
        self.grad_fn, self.requires_grad = None, False
        return self

    def abs_(self):
        return F.apply_(self, "abs_", F.abs)

    # in place: within a graph recorded as PyTorch records them (see functions.in_place)
    def log_(self):
        return F.apply_(self, "log_", F.log)

    def exp_(self):
        return F.apply_(self, "exp_", F.exp)

    def sqrt_(self):
        return F.apply_(self, "sqrt_", F.sqrt)

    def neg_(self):
        return F.apply_(self, "neg_", F.neg)

    def relu_(self):
        return F.apply_(self, "relu_", F.relu)

    def sigmoid_(self):
        return F.apply_(self, "sigmoid_", F.sigmoid)

    def tanh_(self):
        return F.apply_(self, "tanh_", F.tanh)

    def pow_(self, exponent):
        return F.apply_(self, "pow_", lambda x: F.pow(x, exponent), exponent)

    def clamp_(self, min=None, max=None):
        return F.apply_(self, "clamp_", lambda x: F.clamp(x, min, max))

    clip_ = clamp_

    def masked_fill_(self, mask, value):
        return F.apply_(self, "masked_fill_", lambda x: F.masked_fill(x, mask, value), value)

    def addcmul_(self, tensor1, tensor2, value=1):
        """In place: x += value * tensor1 * tensor2, as torch's (Adam's update uses it);
        tensor1 and tensor2 broadcast to x's shape. Returns x."""
        return F.apply_(self, "addcmul_", lambda x: x + tensor1 * tensor2 * value, tensor1, tensor2)

    def addcdiv_(self, tensor1, tensor2, value=1):
        """In place: x += value * tensor1 / tensor2, as torch's; tensor1 and tensor2
        broadcast to x's shape. Returns x."""
        return F.apply_(self, "addcdiv_", lambda x: x + tensor1 / tensor2 * value, tensor1, tensor2)

    # --- filling with random values, in place (as nn.init does) ------------------------------
    def uniform_(self, a=0.0, b=1.0, *, generator=None):
        """Fill x in place with samples uniform in [a, b) from badak's generator (or
        `generator`); x keeps its shape and dtype. Returns x."""
        return F.fill_random_(self, "uniform_", lambda rng, s: rng.uniform(a, b, s), generator)

    def normal_(self, mean=0.0, std=1.0, *, generator=None):
        """Fill x in place with samples of N(mean, std^2) from badak's generator (or
        `generator`); x keeps its shape and dtype. Returns x."""
        return F.fill_random_(self, "normal_", lambda rng, s: rng.normal(mean, std, s), generator)

    def bernoulli_(self, p=0.5, *, generator=None):
        """Fill x in place with 1 (probability p) or 0, from badak's generator (or
        `generator`); x keeps its shape and dtype. Returns x."""
        return F.fill_random_(self, "bernoulli_", lambda rng, s: rng.random(s) < p, generator)
