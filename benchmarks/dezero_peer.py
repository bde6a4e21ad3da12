"""DeZero's side of the benchmarks, run by benchmarks/run.py under a Python that has the published
`dezero` package and a NumPy older than 1.24 (DeZero does not import on newer ones).

Prints one JSON object: {"overhead": seconds per op, "mlp_sigmoid": seconds per epoch, ...}.
"""

import json
import statistics
import sys
import time

import numpy as np
from dezero import Variable, optimizers
from dezero import functions as F
from dezero.models import MLP


def median_time(step, repeats, number=1):
    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            step()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main(repeats):
    x = Variable(np.ones(2, np.float32))

    def overhead():
        x.cleargrad()
        (x * 2 + 1).sum().backward()  # DeZero's Variable.sum

    results = {"overhead": median_time(overhead, repeats, 2000) / 3}
    rng = np.random.default_rng(0)
    data = rng.random((60000, 784), dtype=np.float32), rng.integers(0, 10, 60000)
    for name, sizes, activation in (("mlp_sigmoid", (1000, 10), F.sigmoid),
                                    ("mlp_relu", (256, 256, 10), F.relu)):  # fmt: skip
        model = MLP(sizes, activation=activation)
        optimizer = optimizers.SGD(lr=0.1).setup(model)

        def epoch(model=model, optimizer=optimizer):
            for i in range(0, 60000, 100):
                loss = F.softmax_cross_entropy(model(data[0][i : i + 100]), data[1][i : i + 100])
                model.cleargrads()
                loss.backward()
                optimizer.update()

        results[name] = median_time(epoch, max(1, repeats // 3))
    print(json.dumps(results))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
