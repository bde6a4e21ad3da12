"""Seed 003: "[PyTorch] Softmax & Cross Entropy", run on badak.

The document's notebook, verbatim but for the four imports, which name badak instead of torch.
A notebook shows the value of a cell's last expression; a script prints it, so those cells are
wrapped in print(). Run: python examples/003_pytorch_softmax_cross_entropy.py
"""

import badak as torch
import badak.nn as nn
import badak.nn.functional as F
import badak.optim as optim

# ## Softmax

z = torch.FloatTensor([1, 2, 3])

hypothesis = F.softmax(z, dim=0)
print(hypothesis)

# 모든 확률을 더하면 1이 된다.
print(hypothesis.sum())

# ## Cross Entropy
# (torch.rand and torch.randint draw from badak's own generator, which starts from a fixed seed,
# so the numbers repeat from run to run but are not PyTorch's.)

z = torch.rand(3, 5, requires_grad=True)
hypothesis = F.softmax(z, dim=1)
print(hypothesis)

y = torch.randint(5, (3,)).long()
print(y)

# Cross Entropy 구하는 방법1
print(F.nll_loss(F.log_softmax(z, dim=1), y))

# Cross Entropy 구하는 방법1
print(F.cross_entropy(z, y))

# ## nn.Module

x_train = [[1, 2, 1, 1],
           [2, 1, 3, 2],
           [3, 1, 3, 4],
           [4, 1, 5, 5],
           [1, 7, 5, 5],
           [1, 2, 5, 6],
           [1, 6, 6, 6],
           [1, 7, 7, 7]]  # fmt: skip
y_train = [2, 2, 2, 1, 1, 1, 0, 0]

x_train = torch.FloatTensor(x_train)
y_train = torch.LongTensor(y_train)

print(x_train.dim())
print(x_train.shape)

print(y_train.dim())
print(y_train.shape)


class SoftmaxClassifierModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 3)  # Output이 3

    def forward(self, x):
        return self.linear(x)


model = SoftmaxClassifierModel()

# optimizer 설정
optimizer = optim.SGD(model.parameters(), lr=0.1)

nb_epochs = 1000
for epoch in range(nb_epochs + 1):
    # H(x)
    prediction = model(x_train)

    # Cost
    cost = F.cross_entropy(prediction, y_train)

    optimizer.zero_grad()
    cost.backward()
    optimizer.step()

    # 100번마다 로그 출력
    if epoch % 100 == 0:
        print("Epoch {:4}/{} Cost: {:.6f}".format(epoch, nb_epochs, cost.item()))  # noqa: UP032
