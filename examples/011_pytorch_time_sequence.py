"""Sine waves predicted by two stacked LSTM cells, trained with L-BFGS, run on badak: the shape of
pytorch/examples' time_sequence_prediction (written for badak's tests; float64 throughout). Only
the imports name badak; with them pointed at torch the same file runs on PyTorch.

The model reads each wave step by step, then keeps going on its own output for `--future` steps.
Run: python examples/011_pytorch_time_sequence.py [--steps 5] [--length 200]
"""

import argparse

import numpy as np

import badak as torch
import badak.nn as nn
import badak.optim as optim


class Sequence(nn.Module):
    def __init__(self, hidden=51):
        super().__init__()
        self.hidden = hidden
        self.lstm1 = nn.LSTMCell(1, hidden, dtype=torch.double)
        self.lstm2 = nn.LSTMCell(hidden, hidden, dtype=torch.double)
        self.linear = nn.Linear(hidden, 1, dtype=torch.double)

    def forward(self, input, future=0):
        outputs = []
        n = input.size(0)
        h1, c1, h2, c2 = (torch.zeros(n, self.hidden, dtype=torch.double) for _ in range(4))
        for input_t in input.split(1, dim=1):
            h1, c1 = self.lstm1(input_t, (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            output = self.linear(h2)
            outputs += [output]
        for _ in range(future):  # predicting the future from its own output
            h1, c1 = self.lstm1(output, (h1, c1))
            h2, c2 = self.lstm2(h1, (h2, c2))
            output = self.linear(h2)
            outputs += [output]
        return torch.cat(outputs, dim=1)


def sine_waves(count, length, period=20, seed=2):
    rng = np.random.default_rng(seed)
    start = rng.integers(-4 * period, 4 * period, (count, 1))
    return np.sin((np.arange(length) + start) / period)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10, help="L-BFGS steps")
    parser.add_argument("--length", type=int, default=400, help="points per wave")
    parser.add_argument("--waves", type=int, default=60)
    parser.add_argument("--future", type=int, default=100)
    args = parser.parse_args()
    torch.manual_seed(0)
    data = sine_waves(args.waves, args.length)
    input, target = torch.from_numpy(data[3:, :-1]), torch.from_numpy(data[3:, 1:])
    test_input, test_target = torch.from_numpy(data[:3, :-1]), torch.from_numpy(data[:3, 1:])
    seq = Sequence()
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8)
    for step in range(args.steps):

        def closure():
            optimizer.zero_grad()
            loss = criterion(seq(input), target)
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        with torch.no_grad():
            pred = seq(test_input, future=args.future)
            test_loss = criterion(pred[:, : -args.future], test_target)
        print(f"step {step}: train loss {loss.item():.3e}, test loss {test_loss.item():.3e}")
    print(f"final test loss {test_loss.item():.3e}")


if __name__ == "__main__":
    main()
