"""MultiheadAttention with PyTorch's arguments, parameters (in_proj_weight, in_proj_bias,
out_proj) and masks, over badak.functions.attention.

Shapes (batch_first=False): query (L, N, E), key (S, N, kdim), value (S, N, vdim), unbatched
(L, E); output like query, weights (N, L, S) averaged over heads or (N, heads, L, S).
Masks as PyTorch's module takes them: a bool attn_mask or key_padding_mask is True where a
position may NOT be attended; a float one is added to the scores.
"""

from badak.device import np
from badak.functions import linalg, shape
from badak.functions._args import as_array
from badak.functions.attention import attention
from badak.nn import init
from badak.nn.layers import Linear
from badak.nn.module import Module, layer_dtype
from badak.nn.parameter import Parameter
from badak.tensor import Tensor


class NonDynamicallyQuantizableLinear(Linear):
    """MultiheadAttention's output projection: a Linear under the name PyTorch gives it."""


def _float_mask(mask, dtype):
    """A mask as added scores: bool True (not attended) is -inf, a float mask as it is."""
    mask = as_array(mask)
    if mask.dtype == np.bool_:
        return np.where(mask, dtype.type(-np.inf), dtype.type(0))
    return mask.astype(dtype, copy=False)


class MultiheadAttention(Module):
    """Attention of num_heads heads in parallel, as torch.nn.MultiheadAttention: query, key and
    value projected, split into heads of embed_dim / num_heads features, each head's
    softmax(q k^T / sqrt(head_dim) + mask) v concatenated and projected by out_proj.

    Args:
        embed_dim: E, the query's features and the output's; a multiple of num_heads.
        num_heads: the number of heads.
        dropout: the probability of dropout on the attention weights, in training.
        bias: whether the input and output projections have biases (zeros at the start).
        kdim: the key's features, E by default.
        vdim: the value's features, E by default.
        batch_first: inputs and output (N, L, ...) rather than (L, N, ...).
        dtype: the parameters' dtype, float32 by default; `device` must be the CPU.

    add_bias_kv and add_zero_attn are not supported (NotImplementedError). The projection
    weights start Xavier-uniform: in_proj_weight (3E, E), or q_proj_weight (E, E),
    k_proj_weight (E, kdim), v_proj_weight (E, vdim) when kdim or vdim differs from E.

    forward(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False) returns (output, weights), weights None
    unless need_weights. A bool mask is True where a position may NOT be attended; a float
    mask is added to the scores. is_causal masks the future where no mask is given.

    Shape: query (L, N, E), key (S, N, kdim), value (S, N, vdim) (N first with batch_first),
    or unbatched (L, E), (S, kdim), (S, vdim); attn_mask (L, S) or (N * num_heads, L, S);
    key_padding_mask (N, S) or (S,) unbatched; output shaped as query; weights (N, L, S)
    averaged over the heads, or (N, num_heads, L, S) with average_attn_weights=False (without
    N unbatched).
    """

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):  # fmt: skip
        super().__init__()
        name = "MultiheadAttention"
        for label, value in (("embed_dim", embed_dim), ("num_heads", num_heads)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(f"{name}: {label} must be a positive int, got {value!r}")
        if embed_dim % num_heads:
            raise ValueError(
                f"{name}: embed_dim ({embed_dim}) must be divisible by num_heads ({num_heads})"
            )
        if add_bias_kv or add_zero_attn:
            raise NotImplementedError(f"{name}: add_bias_kv and add_zero_attn are not supported")
        dtype = layer_dtype(device, dtype)
        self.embed_dim, self.num_heads = int(embed_dim), int(num_heads)
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.dropout, self.batch_first = float(dropout), bool(batch_first)
        self.head_dim = embed_dim // num_heads
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.empty((3 * embed_dim, embed_dim), dtype))
            self.q_proj_weight = self.k_proj_weight = self.v_proj_weight = None
        else:
            self.q_proj_weight = Parameter(np.empty((embed_dim, embed_dim), dtype))
            self.k_proj_weight = Parameter(np.empty((embed_dim, self.kdim), dtype))
            self.v_proj_weight = Parameter(np.empty((embed_dim, self.vdim), dtype))
            self.in_proj_weight = None
        self.in_proj_bias = Parameter(np.empty(3 * embed_dim, dtype)) if bias else None
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, dtype=dtype
        )
        self.bias_k = self.bias_v = None
        self.add_zero_attn = False
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight)
        if self.in_proj_bias is not None:
            init.zeros_(self.in_proj_bias)
            init.zeros_(self.out_proj.bias)

    def _projections(self):
        e = self.embed_dim
        if self._qkv_same_embed_dim:
            weights = shape.split(self.in_proj_weight, e)
        else:
            weights = (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight)
        biases = (None,) * 3 if self.in_proj_bias is None else shape.split(self.in_proj_bias, e)
        return weights, biases

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):  # fmt: skip
        name = "MultiheadAttention"
        for label, x, width in (("query", query, self.embed_dim), ("key", key, self.kdim),
                                ("value", value, self.vdim)):  # fmt: skip
            if not isinstance(x, Tensor) or x.ndim not in (2, 3) or x.shape[-1] != width:
                raise ValueError(
                    f"{name}: expected {label} of shape (L, N, {width}) or (L, {width}), got "
                    f"{getattr(x, 'shape', type(x).__name__)}"
                )
        batched = query.ndim == 3
        if not batched:
            query, key, value = (shape.unsqueeze(x, 1) for x in (query, key, value))
            if key_padding_mask is not None:
                key_padding_mask = as_array(key_padding_mask)[None]
        elif self.batch_first:
            query, key, value = (shape.transpose(x, 0, 1) for x in (query, key, value))
        length, batch, _ = query.shape
        source = key.shape[0]
        if key.shape[:2] != value.shape[:2] or key.shape[1] != batch:
            raise ValueError(
                f"{name}: key and value must share their sequence and batch sizes with the "
                f"query's batch, got key {key.shape} and value {value.shape}"
            )
        heads, head_dim = self.num_heads, self.head_dim
        (w_q, w_k, w_v), (b_q, b_k, b_v) = self._projections()

        def split_heads(x, w, b, steps):  # (steps, N, E) -> (N, heads, steps, head_dim)
            projected = shape.reshape(linalg.linear(x, w, b), steps, batch, heads, head_dim)
            return shape.permute(projected, 1, 2, 0, 3)

        q = split_heads(query, w_q, b_q, length)
        k = split_heads(key, w_k, b_k, source)
        v = split_heads(value, w_v, b_v, source)
        mask = self._merged_mask(name, attn_mask, key_padding_mask, batch, length, source, q.dtype)
        causal = is_causal and mask is None
        out, weights = attention(q, k, v, mask, self.dropout if self.training else 0.0, causal,
                                 None, False, None, need_weights)  # fmt: skip
        out = shape.reshape(shape.permute(out, 2, 0, 1, 3), length, batch, self.embed_dim)
        out = self.out_proj(out)
        if self.batch_first and batched:
            out = shape.transpose(out, 0, 1)
        if weights is not None:
            if average_attn_weights:
                weights = weights.mean(1)
            if not batched:
                weights = shape.squeeze(weights, 0)
        if not batched:
            out = shape.squeeze(out, 1)
        return out, weights

    def _merged_mask(self, name, attn_mask, key_padding_mask, batch, length, source, dtype):
        """attn_mask and key_padding_mask as one float mask broadcastable to (N, heads, L, S)."""
        masks = []
        if attn_mask is not None:
            mask = _float_mask(attn_mask, dtype)
            if mask.shape == (length, source):
                masks.append(mask)
            elif mask.shape == (batch * self.num_heads, length, source):
                masks.append(mask.reshape(batch, self.num_heads, length, source))
            else:
                raise ValueError(
                    f"{name}: attn_mask must have shape {(length, source)} or "
                    f"{(batch * self.num_heads, length, source)}, got {mask.shape}"
                )
        if key_padding_mask is not None:
            mask = _float_mask(key_padding_mask, dtype)
            if mask.shape != (batch, source):
                raise ValueError(
                    f"{name}: key_padding_mask must have shape {(batch, source)}, got {mask.shape}"
                )
            masks.append(mask[:, None, None, :])
        if not masks:
            return None
        return masks[0] if len(masks) == 1 else masks[0] + masks[1]
