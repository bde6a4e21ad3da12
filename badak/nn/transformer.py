"""The Transformer family with PyTorch's arguments, submodule names and state-dict keys:
TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder,
Transformer. Post-norm by default (norm_first=False), as PyTorch.

Shapes (batch_first=False): src (S, N, E), tgt (T, N, E); batch_first=True puts N first.
"""

import copy

from badak.device import np
from badak.functions import activation as activations
from badak.functions import pointwise
from badak.nn import init
from badak.nn.attention import MultiheadAttention
from badak.nn.layers import Dropout, Linear, ModuleList
from badak.nn.module import Module, layer_dtype
from badak.nn.normalization import LayerNorm
from badak.tensor import Tensor

_ACTIVATIONS = {"relu": activations.relu, "gelu": pointwise.gelu}


def _activation(name, value):
    if isinstance(value, str):
        if value not in _ACTIVATIONS:
            raise ValueError(
                f"{name}: activation must be 'relu', 'gelu' or a callable, got {value!r}"
            )
        return _ACTIVATIONS[value]
    if not callable(value):
        raise TypeError(f"{name}: activation must be 'relu', 'gelu' or a callable")
    return value


class _Layer(Module):
    """What the encoder and decoder layers share: their parts, in PyTorch's order (the attention
    blocks, the feed-forward block, then one LayerNorm and one Dropout per block), and the
    blocks' forwards."""

    def _build(self, attentions, d_model, nhead, dim_feedforward, dropout, activation,
               layer_norm_eps, batch_first, norm_first, bias, device, dtype):  # fmt: skip
        dtype = layer_dtype(device, dtype)
        for name in attentions:
            attention = MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                           batch_first=batch_first, dtype=dtype)  # fmt: skip
            setattr(self, name, attention)
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, dtype=dtype)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, dtype=dtype)
        self.norm_first = norm_first
        blocks = len(attentions) + 1
        for i in range(1, blocks + 1):
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            setattr(self, f"norm{i}", norm)
        for i in range(1, blocks + 1):
            setattr(self, f"dropout{i}", Dropout(dropout))
        self.activation = _activation(type(self).__name__, activation)

    def _ff_block(self, x, dropout):
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))

    @staticmethod
    def _attend(attention, x, memory, mask, padding, is_causal, dropout):
        out = attention(x, memory, memory, attn_mask=mask, key_padding_mask=padding,
                        need_weights=False, is_causal=is_causal)[0]  # fmt: skip
        return dropout(out)


class TransformerEncoderLayer(_Layer):
    """Self-attention then a feed-forward block, each with a residual connection and LayerNorm,
    as torch.nn.TransformerEncoderLayer.

    Args:
        d_model: E, the features of each position.
        nhead: the attention heads.
        dim_feedforward: the hidden width of the feed-forward block.
        dropout: the probability of every dropout (attention weights, blocks' outputs).
        activation: 'relu', 'gelu' or a callable, inside the feed-forward block.
        layer_norm_eps: LayerNorm's eps.
        batch_first: src (N, S, E) rather than (S, N, E).
        norm_first: LayerNorm before each block (pre-norm) rather than after the residual sum.
        bias: whether the Linear and LayerNorm layers have biases.

    forward(src, src_mask=None, src_key_padding_mask=None, is_causal=False), the masks as
    MultiheadAttention's.

    Shape: src (S, N, E), (N, S, E) with batch_first, or unbatched (S, E); src_mask (S, S);
    src_key_padding_mask (N, S); output shaped as src.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):  # fmt: skip
        super().__init__()
        self._build(("self_attn",), d_model, nhead, dim_feedforward, dropout, activation,
                    layer_norm_eps, batch_first, norm_first, bias, device, dtype)  # fmt: skip

    def forward(self, src, src_mask=None, src_key_padding_mask=None, is_causal=False):
        x = src
        attend = self._attend
        if self.norm_first:
            h = self.norm1(x)
            x = x + attend(self.self_attn, h, h, src_mask, src_key_padding_mask, is_causal,
                           self.dropout1)  # fmt: skip
            return x + self._ff_block(self.norm2(x), self.dropout2)
        x = self.norm1(x + attend(self.self_attn, x, x, src_mask, src_key_padding_mask,
                                  is_causal, self.dropout1))  # fmt: skip
        return self.norm2(x + self._ff_block(x, self.dropout2))


class TransformerDecoderLayer(_Layer):
    """Self-attention, attention over the encoder's memory, then a feed-forward block, each
    with a residual connection and LayerNorm, as torch.nn.TransformerDecoderLayer. Arguments
    as TransformerEncoderLayer's.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=False, memory_is_causal=False).

    Shape: tgt (T, N, E) and memory (S, N, E), N first with batch_first, or unbatched (T, E)
    and (S, E); tgt_mask (T, T); memory_mask (T, S); tgt_key_padding_mask (N, T);
    memory_key_padding_mask (N, S); output shaped as tgt.
    """

    def __init__(self, d_model, nhead, dim_feedforward=2048, dropout=0.1, activation="relu",
                 layer_norm_eps=1e-5, batch_first=False, norm_first=False, bias=True,
                 device=None, dtype=None):  # fmt: skip
        super().__init__()
        self._build(("self_attn", "multihead_attn"), d_model, nhead, dim_feedforward, dropout,
                    activation, layer_norm_eps, batch_first, norm_first, bias, device,
                    dtype)  # fmt: skip

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=False,
                memory_is_causal=False):  # fmt: skip
        x = tgt
        attend = self._attend
        if self.norm_first:
            h = self.norm1(x)
            x = x + attend(self.self_attn, h, h, tgt_mask, tgt_key_padding_mask, tgt_is_causal,
                           self.dropout1)  # fmt: skip
            x = x + attend(self.multihead_attn, self.norm2(x), memory, memory_mask,
                           memory_key_padding_mask, memory_is_causal, self.dropout2)  # fmt: skip
            return x + self._ff_block(self.norm3(x), self.dropout3)
        x = self.norm1(x + attend(self.self_attn, x, x, tgt_mask, tgt_key_padding_mask,
                                  tgt_is_causal, self.dropout1))  # fmt: skip
        x = self.norm2(x + attend(self.multihead_attn, x, memory, memory_mask,
                                  memory_key_padding_mask, memory_is_causal,
                                  self.dropout2))  # fmt: skip
        return self.norm3(x + self._ff_block(x, self.dropout3))


def _clones(name, layer, num_layers):
    if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers < 0:
        raise ValueError(f"{name}: num_layers must be a non-negative int, got {num_layers!r}")
    if not isinstance(layer, Module):
        raise TypeError(f"{name}: expected a layer Module, got {type(layer).__name__}")
    return ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])


class TransformerEncoder(Module):
    """num_layers copies of encoder_layer (each its own parameters), then `norm` if given, as
    torch.nn.TransformerEncoder (enable_nested_tensor and mask_check are accepted and ignored).

    forward(src, mask=None, src_key_padding_mask=None, is_causal=None) runs the layers in turn.

    Shape: src (S, N, E), (N, S, E) with the layers' batch_first, or unbatched (S, E); mask
    (S, S); src_key_padding_mask (N, S); output shaped as src.
    """

    def __init__(self, encoder_layer, num_layers, norm=None, enable_nested_tensor=True,
                 mask_check=True):  # fmt: skip
        super().__init__()
        self.layers = _clones("TransformerEncoder", encoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, src, mask=None, src_key_padding_mask=None, is_causal=None):
        output = src
        for layer in self.layers:
            output = layer(output, src_mask=mask, src_key_padding_mask=src_key_padding_mask,
                           is_causal=bool(is_causal))  # fmt: skip
        return output if self.norm is None else self.norm(output)


class TransformerDecoder(Module):
    """num_layers copies of decoder_layer (each its own parameters), then `norm` if given, as
    torch.nn.TransformerDecoder.

    forward(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False) runs the layers
    in turn, each attending to the same memory.

    Shape: tgt (T, N, E) and memory (S, N, E), N first with the layers' batch_first, or
    unbatched (T, E) and (S, E); tgt_mask (T, T); memory_mask (T, S); output shaped as tgt.
    """

    def __init__(self, decoder_layer, num_layers, norm=None):
        super().__init__()
        self.layers = _clones("TransformerDecoder", decoder_layer, num_layers)
        self.num_layers = num_layers
        self.norm = norm

    def forward(self, tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, tgt_is_causal=None,
                memory_is_causal=False):  # fmt: skip
        output = tgt
        for layer in self.layers:
            output = layer(output, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                           tgt_key_padding_mask=tgt_key_padding_mask,
                           memory_key_padding_mask=memory_key_padding_mask,
                           tgt_is_causal=bool(tgt_is_causal),
                           memory_is_causal=memory_is_causal)  # fmt: skip
        return output if self.norm is None else self.norm(output)


class Transformer(Module):
    """Encoder and decoder stacks with a final LayerNorm each; every weight matrix starts
    Xavier-uniform, as PyTorch's. As torch.nn.Transformer.

    Args:
        d_model: E, the features of each position (512 by default).
        nhead: the attention heads (8).
        num_encoder_layers: encoder layers (6).
        num_decoder_layers: decoder layers (6).
        custom_encoder: a module to use as the encoder instead (called as TransformerEncoder).
        custom_decoder: a module to use as the decoder instead (called as TransformerDecoder).

    dim_feedforward, dropout, activation, layer_norm_eps, batch_first, norm_first and bias are
    as TransformerEncoderLayer's.

    forward(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None, ...) encodes src into
    the memory and decodes tgt against it; generate_square_subsequent_mask(T) gives a causal
    tgt_mask.

    Shape: src (S, N, E) and tgt (T, N, E), N first with batch_first, or unbatched (S, E) and
    (T, E); src_mask (S, S); tgt_mask (T, T); memory_mask (T, S); src_key_padding_mask (N, S);
    tgt_key_padding_mask (N, T); memory_key_padding_mask (N, S); output (T, N, E), shaped as
    tgt.
    """

    def __init__(self, d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6,
                 dim_feedforward=2048, dropout=0.1, activation="relu", custom_encoder=None,
                 custom_decoder=None, layer_norm_eps=1e-5, batch_first=False, norm_first=False,
                 bias=True, device=None, dtype=None):  # fmt: skip
        super().__init__()
        dtype = layer_dtype(device, dtype)
        options = dict(dim_feedforward=dim_feedforward, dropout=dropout, activation=activation,
                       layer_norm_eps=layer_norm_eps, batch_first=batch_first,
                       norm_first=norm_first, bias=bias, dtype=dtype)  # fmt: skip
        if custom_encoder is not None:
            self.encoder = custom_encoder
        else:
            layer = TransformerEncoderLayer(d_model, nhead, **options)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.encoder = TransformerEncoder(layer, num_encoder_layers, norm)
        if custom_decoder is not None:
            self.decoder = custom_decoder
        else:
            layer = TransformerDecoderLayer(d_model, nhead, **options)
            norm = LayerNorm(d_model, eps=layer_norm_eps, bias=bias, dtype=dtype)
            self.decoder = TransformerDecoder(layer, num_decoder_layers, norm)
        self.d_model, self.nhead, self.batch_first = d_model, nhead, batch_first
        for param in self.parameters():
            if param.ndim > 1:
                init.xavier_uniform_(param)

    def forward(self, src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
                src_key_padding_mask=None, tgt_key_padding_mask=None,
                memory_key_padding_mask=None, src_is_causal=None, tgt_is_causal=None,
                memory_is_causal=False):  # fmt: skip
        batch_dim = 0 if self.batch_first else 1
        if src.ndim == 3 and tgt.ndim == 3 and src.shape[batch_dim] != tgt.shape[batch_dim]:
            raise ValueError("Transformer: the batch sizes of src and tgt must be equal")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise ValueError(
                f"Transformer: the feature size of src and tgt must be d_model ({self.d_model}), "
                f"got {src.shape[-1]} and {tgt.shape[-1]}"
            )
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)  # fmt: skip
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal,
                            memory_is_causal=memory_is_causal)  # fmt: skip

    @staticmethod
    def generate_square_subsequent_mask(sz, device=None, dtype=None):
        """(sz, sz) float mask: -inf above the diagonal (future positions), 0 elsewhere."""
        dtype = np.dtype(dtype or np.float32)
        return Tensor(np.triu(np.full((sz, sz), -np.inf, dtype), 1))
