"""scaled_dot_product_attention, MultiheadAttention and the Transformer family against torch:
outputs and every gradient in float64 and float32, with bool and float masks, key padding,
causal masks, batch_first, kdim/vdim, norm_first and gelu; gradient checks; accuracy of the
softmax at the heart of attention where one score dominates."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import badak
import badak.nn as nn
import badak.nn.functional as BF
from badak.gradcheck import gradcheck

from .helpers import compare, each_dtype
from .module_helpers import compare_modules

RNG = np.random.default_rng(5)
Q, K, V = (RNG.standard_normal(s) for s in [(2, 3, 5, 4), (2, 3, 6, 4), (2, 3, 6, 7)])
BOOL_MASK = RNG.random((5, 6)) < 0.7
BOOL_MASK[:, 0] = True  # every row attends somewhere
FLOAT_MASK = RNG.standard_normal((2, 1, 5, 6))


SDPA = {
    "plain": ({}, {}),
    "scale": (dict(scale=0.3), dict(scale=0.3)),
    "causal": (dict(is_causal=True), dict(is_causal=True)),
    "bool_mask": (dict(attn_mask=badak.tensor(BOOL_MASK)), dict(attn_mask=torch.tensor(BOOL_MASK))),
}  # fmt: skip


@each_dtype
@pytest.mark.parametrize("name", SDPA)
def test_scaled_dot_product_attention_matches_torch(name, dtype):
    ours, theirs = SDPA[name]
    compare(lambda q, k, v: BF.scaled_dot_product_attention(q, k, v, **ours),
            lambda q, k, v: TF.scaled_dot_product_attention(q, k, v, **theirs),
            [Q, K, V], dtype)  # fmt: skip


@each_dtype
def test_scaled_dot_product_attention_adds_a_float_mask_with_its_gradient_as_torch(dtype):
    compare(lambda q, k, v, m: BF.scaled_dot_product_attention(q, k, v, attn_mask=m),
            lambda q, k, v, m: TF.scaled_dot_product_attention(q, k, v, attn_mask=m),
            [Q, K, V, FLOAT_MASK], dtype)  # fmt: skip


def test_attention_keeps_the_small_weights_where_one_score_dominates():
    # scores [40, 0]: the second weight is exp(-40) ~ 4.2e-18; in float32 it stays accurate
    q = badak.tensor(np.array([[[40.0]]], np.float32))
    k = badak.tensor(np.array([[[1.0], [0.0]]], np.float32))
    v = badak.tensor(np.array([[[0.0], [1.0]]], np.float32))
    out = BF.scaled_dot_product_attention(q, k, v, scale=1.0).numpy()
    np.testing.assert_allclose(out[0, 0, 0], np.exp(-40.0) / (1 + np.exp(-40.0)), rtol=1e-6)


def test_attention_gradients_pass_a_numerical_check():
    q, k, v = (badak.tensor(a[:1, :2], requires_grad=True) for a in (Q, K, V))
    mask = badak.tensor(BOOL_MASK)
    assert gradcheck(lambda q, k, v: BF.scaled_dot_product_attention(q, k, v, mask), (q, k, v))


MHA = {
    "self": (dict(), lambda: [RNG.standard_normal((5, 2, 8))] * 3, {}),
    "cross_masks": (
        dict(),
        lambda: [RNG.standard_normal((5, 2, 8)), *[RNG.standard_normal((4, 2, 8))] * 2],
        dict(attn_mask=np.triu(np.ones((5, 4), bool), 1),
             key_padding_mask=np.array([[False] * 4, [False, False, False, True]])),
    ),
    "float_mask": (dict(), lambda: [RNG.standard_normal((5, 2, 8))] * 3,
                   dict(attn_mask=RNG.standard_normal((5, 5)))),
    "batch_first_kdim_vdim": (
        dict(kdim=3, vdim=5, batch_first=True),
        lambda: [RNG.standard_normal((2, 5, 8)), RNG.standard_normal((2, 4, 3)),
                 RNG.standard_normal((2, 4, 5))],
        {},
    ),
    "unbatched_no_bias": (dict(bias=False), lambda: [RNG.standard_normal((5, 8))] * 3, {}),
}  # fmt: skip


@each_dtype
@pytest.mark.parametrize("name", MHA)
@pytest.mark.parametrize("need_weights", [True, False])
def test_multihead_attention_matches_torch(name, need_weights, dtype):
    options, inputs, masks = MHA[name]
    ours = nn.MultiheadAttention(8, 2, dtype=dtype, **options)
    theirs = torch.nn.MultiheadAttention(8, 2, **options)
    kwargs = {k: badak.tensor(v.astype(dtype) if v.dtype.kind == "f" else v)
              for k, v in masks.items()}  # fmt: skip
    torch_kwargs = {k: torch.tensor(v.astype(dtype) if v.dtype.kind == "f" else v)
                    for k, v in masks.items()}  # fmt: skip
    kwargs["need_weights"] = torch_kwargs["need_weights"] = need_weights
    compare_modules(ours, theirs, inputs(), dtype, kwargs, torch_kwargs)


def test_multihead_attention_returns_per_head_weights_on_request():
    ours = nn.MultiheadAttention(8, 2)
    x = badak.randn(5, 3, 8)
    _, weights = ours(x, x, x, average_attn_weights=False)
    assert weights.shape == (3, 2, 5, 5)
    np.testing.assert_allclose(weights.numpy().sum(-1), 1, rtol=1e-6)


TRANSFORMERS = {
    "encoder_layer": (lambda m: m.TransformerEncoderLayer(8, 2, 16, dropout=0.0), 1),
    "encoder_layer_norm_first_gelu": (
        lambda m: m.TransformerEncoderLayer(8, 2, 16, activation="gelu", norm_first=True), 1
    ),
    "encoder_batch_first": (
        lambda m: m.TransformerEncoder(m.TransformerEncoderLayer(8, 2, 16, batch_first=True), 2,
                                       enable_nested_tensor=False), 1
    ),
    "decoder_layer": (lambda m: m.TransformerDecoderLayer(8, 2, 16), 2),
    "decoder": (lambda m: m.TransformerDecoder(m.TransformerDecoderLayer(8, 2, 16), 2), 2),
    "transformer": (lambda m: m.Transformer(8, 2, 2, 2, 16), 2),
}  # fmt: skip


@each_dtype
@pytest.mark.parametrize("name", TRANSFORMERS)
def test_transformer_family_matches_torch(name, dtype):
    make, inputs = TRANSFORMERS[name]
    ours = make(nn)
    ours.to(dtype)
    theirs = make(torch.nn)
    arrays = [RNG.standard_normal((5, 2, 8)), RNG.standard_normal((4, 2, 8))][:inputs]
    compare_modules(ours, theirs, arrays, dtype)


@each_dtype
def test_transformer_encoder_with_a_causal_mask_matches_torch(dtype):
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 2)
    ours.to(dtype)
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16), 2,
                                         enable_nested_tensor=False)  # fmt: skip
    mask = nn.Transformer.generate_square_subsequent_mask(6).to(dtype)
    torch_mask = torch.nn.Transformer.generate_square_subsequent_mask(6)
    np.testing.assert_array_equal(mask.numpy(), torch_mask.numpy())
    padding = np.array([[False] * 6, [False] * 4 + [True] * 2])
    compare_modules(ours, theirs, [RNG.standard_normal((6, 2, 8))], dtype,
                    dict(mask=mask, src_key_padding_mask=badak.tensor(padding)),
                    dict(mask=torch_mask.to(theirs.layers[0].linear1.weight.dtype),
                         src_key_padding_mask=torch.tensor(padding)))  # fmt: skip


def test_transformer_layers_are_independent_copies():
    encoder = nn.TransformerEncoder(nn.TransformerEncoderLayer(8, 2, 16), 3)
    weights = [layer.linear1.weight for layer in encoder.layers]
    assert len({id(w) for w in weights}) == 3
    assert len(list(encoder.parameters())) == 3 * 12


def test_bad_input_is_refused_naming_the_module():
    with pytest.raises(ValueError, match="^MultiheadAttention: embed_dim .* divisible"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(8, 2)
    with pytest.raises(ValueError, match="^MultiheadAttention: expected query"):
        mha(badak.ones(5, 2, 7), badak.ones(5, 2, 8), badak.ones(5, 2, 8))
    with pytest.raises(ValueError, match="^MultiheadAttention: attn_mask must have shape"):
        x = badak.ones(5, 2, 8)
        mha(x, x, x, attn_mask=badak.ones(4, 4))
    with pytest.raises(ValueError, match="^scaled_dot_product_attention: expected query"):
        BF.scaled_dot_product_attention(badak.ones(2, 3), badak.ones(2, 4), badak.ones(2, 4))


def test_a_query_with_every_key_masked_gets_what_torch_gives():
    # scaled_dot_product_attention (and MultiheadAttention without weights): 0; with weights:
    # NaN, from the plain softmax, as in PyTorch 2.13
    q = RNG.standard_normal((1, 3, 4))
    for mask in (np.zeros((3, 3), bool), np.full((3, 3), -np.inf)):
        ours = BF.scaled_dot_product_attention(*[badak.tensor(q)] * 3, attn_mask=badak.tensor(mask))
        theirs = TF.scaled_dot_product_attention(
            *[torch.tensor(q)] * 3, attn_mask=torch.tensor(mask)
        )
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours, theirs = nn.MultiheadAttention(4, 2, dtype=np.float64), torch.nn.MultiheadAttention(4, 2)
    theirs.double().load_state_dict(
        {k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()}
    )
    x = RNG.standard_normal((3, 2, 4))
    padding = np.array([[True] * 3, [False] * 3])
    for need_weights in (True, False):
        a = ours(*[badak.tensor(x)] * 3, key_padding_mask=badak.tensor(padding),
                 need_weights=need_weights)[0].numpy()  # fmt: skip
        b = theirs(*[torch.tensor(x)] * 3, key_padding_mask=torch.tensor(padding),
                   need_weights=need_weights)[0].detach().numpy()  # fmt: skip
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_layers_pass_a_numerical_gradient_check(norm_first):
    encoder = nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first,
                                         dtype=np.float64)  # fmt: skip
    decoder = nn.TransformerDecoderLayer(4, 2, 6, dropout=0.0, norm_first=norm_first,
                                         dtype=np.float64)  # fmt: skip
    x = badak.tensor(RNG.standard_normal((3, 2, 4)), requires_grad=True)
    memory = badak.tensor(RNG.standard_normal((2, 2, 4)), requires_grad=True)
    mask = nn.Transformer.generate_square_subsequent_mask(3).double()
    assert gradcheck(lambda x: encoder(x, src_mask=mask), (x,))
    assert gradcheck(lambda x, m: decoder(x, m, tgt_mask=mask), (x, memory))
