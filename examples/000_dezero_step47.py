"""Seed 000: "밑바닥부터 시작하는 딥러닝 47단계" (DeZero step 47: softmax and cross-entropy).

The document's program, in the document's order, with `dezero` changed to `badak.dezero`:
get_item and its gradient, `Variable.__getitem__ = F.get_item`, softmax over an MLP's output and
softmax_cross_entropy_simple. It prints the document's numbers, digit for digit.
Run: python examples/000_dezero_step47.py
"""

if "__file__" in globals():
    import os
    import sys

    sys.path.append(os.path.join(os.path.dirname(__file__), ".."))

# -- get_item: a slice of a Variable, and the gradient that flows back into the slice
import numpy as np

import badak.dezero.functions as F
from badak.dezero import Variable

x = Variable(np.array([[1, 2, 3], [4, 5, 6]]))
y = F.get_item(x, 1)
y.backward()
print(y)
print(x.grad)

indices = np.array([0, 0, 1])
y = F.get_item(x, indices)
print(y)

# -- get_item as Variable's [] (a badak.dezero Variable already has it; the document sets it)
Variable.__getitem__ = F.get_item  # Variable의 메서드로 설정

y = x[1]
print(y)

y = x[:, 2]
print(y)

# -- the document shows DeZero's softmax_cross_entropy_simple (badak.dezero.functions has the
# same function under the same name); its helpers are DeZero's functions
from badak.dezero import as_variable  # noqa: E402
from badak.dezero.functions import clip, log, softmax, sum  # noqa: E402


# 소프트맥스 함수와 교차 엔트로피 오차를 한꺼번에 수행하는 함수
def softmax_cross_entropy_simple(x, t):
    x, t = as_variable(x), as_variable(t)
    N = x.shape[0]
    p = softmax(x)
    p = clip(p, 1e-15, 1.0)  # To avoid log(0): values below 1e-15 become 1e-15
    log_p = log(p)
    tlog_p = log_p[np.arange(N), t.data]  # log_p[0, t.data[0]], log_p[1, t.data[1]], ...
    y = -1 * sum(tlog_p) / N
    return y


# -- softmax of an MLP's output, and the cross-entropy loss
import numpy as np  # noqa: E402

np.random.seed(0)  # noqa: NPY002  (DeZero draws its weights from NumPy's global RNG)
import badak.dezero.functions as F  # noqa: E402
from badak.dezero import Variable, as_variable  # noqa: E402, F811
from badak.dezero.models import MLP  # noqa: E402


def softmax1d(x):
    x = as_variable(x)
    y = F.exp(x)
    sum_y = F.sum(y)
    return y / sum_y


model = MLP((10, 3))

x = Variable(np.array([[0.2, -0.4]]))
y = model(x)
print(y, "\n")
p = softmax1d(y)
print(y, "\n")
print(p, "\n")


# 입력데이터 x와 정답 데이터 t
x = np.array([[0.2, -0.4], [0.3, 0.5], [1.3, -3.2], [2.1, 0.3]])
t = np.array([2, 0, 1, 0])

y = model(x)
p = F.softmax_simple(y)
print(y, "\n")
print(p, "\n")

loss = F.softmax_cross_entropy_simple(y, t)
loss.backward()
print(loss, "\n")
