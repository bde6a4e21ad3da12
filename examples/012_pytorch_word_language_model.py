"""A word-level language model on badak: an embedding, an LSTM (or GRU, or a Transformer encoder
with a causal mask and positional encoding) and a decoder to the vocabulary, trained with
truncated backpropagation through time and gradient clipping (the shape of pytorch/examples'
word_language_model, written for badak's tests). Only the imports name badak; with them pointed
at torch the same file runs on PyTorch.

The text is the documentation of Python's standard library (the docstrings of a few modules), so
the example needs no download. Run:
    python examples/012_pytorch_word_language_model.py [--model LSTM|GRU|Transformer] [--epochs 2]
"""

import argparse
import importlib
import inspect
import math
import re
import time

import badak as torch
import badak.nn as nn
import badak.nn.functional as F

MODULES = ["argparse", "collections", "dataclasses", "functools", "itertools", "json", "pathlib",
           "string", "textwrap", "typing", "fractions", "decimal", "statistics"]  # fmt: skip


def corpus():
    """The words of the docstrings of MODULES and their public members, in order."""
    texts = []
    for name in MODULES:
        module = importlib.import_module(name)
        texts.append(inspect.getdoc(module) or "")
        for member_name, member in sorted(vars(module).items()):
            if not member_name.startswith("_"):
                texts.append(inspect.getdoc(member) or "")
    return re.findall(r"[a-z]+|[.,()]", " ".join(texts).lower())


def batchify(ids, batch_size):
    """(steps, batch_size) columns of the id sequence."""
    steps = len(ids) // batch_size
    return torch.tensor(ids[: steps * batch_size]).view(batch_size, -1).t().contiguous()


class PositionalEncoding(nn.Module):
    def __init__(self, d_model, dropout=0.1, max_len=5000):
        super().__init__()
        self.dropout = nn.Dropout(p=dropout)
        pe = torch.zeros(max_len, d_model)
        position = torch.arange(0, max_len, dtype=torch.float).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2).float() * (-math.log(10000.0) / d_model))
        pe[:, 0::2] = torch.sin(position * div_term)
        pe[:, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe.unsqueeze(0).transpose(0, 1))

    def forward(self, x):
        return self.dropout(x + self.pe[: x.size(0), :])


class LanguageModel(nn.Module):
    def __init__(self, kind, ntoken, ninp, nhid, nlayers, dropout=0.2, nhead=2):
        super().__init__()
        self.kind = kind
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        if kind == "Transformer":
            self.pos_encoder = PositionalEncoding(ninp, dropout)
            layer = nn.TransformerEncoderLayer(ninp, nhead, nhid, dropout)
            self.rnn = nn.TransformerEncoder(layer, nlayers)
        else:
            self.rnn = getattr(nn, kind)(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid if kind != "Transformer" else ninp, ntoken)
        nn.init.uniform_(self.encoder.weight, -0.1, 0.1)
        nn.init.zeros_(self.decoder.bias)
        nn.init.uniform_(self.decoder.weight, -0.1, 0.1)
        self.nhid, self.nlayers = nhid, nlayers

    def forward(self, input, hidden=None):
        emb = self.drop(self.encoder(input))
        if self.kind == "Transformer":
            mask = nn.Transformer.generate_square_subsequent_mask(len(input))
            output = self.rnn(self.pos_encoder(emb), mask=mask)
        else:
            output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output))
        return F.log_softmax(decoded.view(-1, decoded.size(-1)), dim=1), hidden

    def init_hidden(self, batch):
        weight = next(self.parameters())
        zeros = weight.new_zeros(self.nlayers, batch, self.nhid)
        return (zeros, zeros.clone()) if self.kind == "LSTM" else zeros


def repackage(hidden):
    """The hidden state cut from its history (truncated backpropagation through time)."""
    if hidden is None or isinstance(hidden, torch.Tensor):
        return None if hidden is None else hidden.detach()
    return tuple(repackage(h) for h in hidden)


def evaluate(model, data, bptt):
    model.eval()
    total, hidden = 0.0, None if model.kind == "Transformer" else model.init_hidden(data.size(1))
    with torch.no_grad():
        for i in range(0, data.size(0) - 1, bptt):
            length = min(bptt, data.size(0) - 1 - i)
            source, target = data[i : i + length], data[i + 1 : i + 1 + length].reshape(-1)
            output, hidden = model(source, hidden)
            total += length * F.nll_loss(output, target).item()
    return total / (data.size(0) - 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="LSTM", choices=["LSTM", "GRU", "Transformer"])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--words", type=int, default=0, help="use only the first N words")
    parser.add_argument("--lr", type=float, help="SGD step (default 20; 5 for the Transformer, "
                        "which is chaotic at 20: runs part on rounding alone)")  # fmt: skip
    parser.add_argument("--bptt", type=int, default=35)
    parser.add_argument("--batch-size", type=int, default=20)
    args = parser.parse_args()
    torch.manual_seed(1111)
    words = corpus()[: args.words or None]
    vocabulary = {w: i for i, w in enumerate(dict.fromkeys(words))}
    ids = [vocabulary[w] for w in words]
    split = len(ids) * 9 // 10
    train_data, val_data = batchify(ids[:split], args.batch_size), batchify(ids[split:], 10)
    model = LanguageModel(args.model, len(vocabulary), 64, 64, 2)
    lr = args.lr or (5.0 if args.model == "Transformer" else 20.0)
    for epoch in range(1, args.epochs + 1):
        model.train()
        start = time.perf_counter()
        hidden = None if args.model == "Transformer" else model.init_hidden(args.batch_size)
        for i in range(0, train_data.size(0) - 1, args.bptt):
            length = min(args.bptt, train_data.size(0) - 1 - i)
            source = train_data[i : i + length]
            target = train_data[i + 1 : i + 1 + length].reshape(-1)
            hidden = repackage(hidden)
            model.zero_grad()
            output, hidden = model(source, hidden)
            loss = F.nll_loss(output, target)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
            for p in model.parameters():
                p.data.add_(p.grad, alpha=-lr)
        val_loss = evaluate(model, val_data, args.bptt)
        print(f"epoch {epoch}: valid loss {val_loss:.3f}, perplexity {math.exp(val_loss):.1f} "
              f"({time.perf_counter() - start:.1f} s)")  # fmt: skip
        lr /= 2
    print(f"final valid perplexity {math.exp(val_loss):.1f} over {len(vocabulary)} words")


if __name__ == "__main__":
    main()
