"""Seed 002: "[밑바닥부터 시작하는 딥러닝] 활성화 함수, 손실함수 미분 & 구현".

The document derives sigmoid'(x) = sigmoid(x)(1 - sigmoid(x)) and the softmax-with-cross-entropy
gradient y - t, and writes the Sigmoid layer, softmax, cross_entropy_error and SoftmaxWithLoss.
It defines them without running them; this program runs each on fixed inputs with badak's
versions (`badak.layers`) in place of the document's, and prints the results.
Run: python examples/002_activation_and_loss_layers.py
"""

import numpy as np

from badak.layers import (
    Sigmoid,
    SoftmaxWithLoss,
    cross_entropy_error,
    numerical_gradient,
    sigmoid,
    softmax,
)

# -- 시그모이드 layer: forward keeps out = sigmoid(x); backward is dout * (1 - out) * out.
x = np.array([[1.0, -0.5], [-2.0, 3.0]])
sig = Sigmoid()
out = sig.forward(x)
print("sigmoid out : \n", out)
dx = sig.backward(np.ones_like(x))
print("sigmoid dx : \n", dx)

# The derivative sigmoid(x)(1 - sigmoid(x)) against central differences of sigmoid itself.
numeric = numerical_gradient(lambda x: np.sum(sigmoid(x)), x.copy())
print("sigmoid dx - numerical :", np.max(np.abs(dx - numeric)))

# -- softmax: the document asks "왜 뒤집고 다시 뒤집는거임??" (why transpose and transpose
# back?). Transposing puts each sample in a column, so the max and sum over axis 0 broadcast
# back along the rows. badak reduces along the last axis with keepdims=True: the same numbers.
a = np.array([0.3, 2.9, 4.0])
print("softmax 1-D : \n", softmax(a))
scores = np.array([[0.3, 2.9, 4.0], [1.0, 1.0, -1.0], [1000.0, 1001.0, 1002.0]])
y = softmax(scores)  # the max is subtracted first, so scores of 1000 do not overflow
print("softmax 2-D : \n", y)
print("row sums : \n", y.sum(axis=1))

# -- CrossEntropy: one-hot labels are turned into indices, so both give one loss.
# (badak adds 1e-7 inside the log as the book does; the document's version leaves it out.)
t_onehot = np.array([[0, 0, 1], [1, 0, 0], [0, 1, 0]])
t_index = np.array([2, 0, 1])
print("CEE one-hot :", cross_entropy_error(y, t_onehot))
print("CEE index :", cross_entropy_error(y, t_index))

# -- SoftmaxwithLoss layer: backward is (y - t) / batch_size for one-hot labels; for index
# labels it subtracts 1 at each row's label (dx[0, 2] -= 1 ...), the same array.
layer = SoftmaxWithLoss()
print("loss one-hot :", layer.forward(scores, t_onehot))
dx_onehot = layer.backward()
print("dx one-hot : \n", dx_onehot)

layer = SoftmaxWithLoss()
print("loss index :", layer.forward(scores, t_index))
dx_index = layer.backward()
print("dx index : \n", dx_index)

# ∴ SoftmaxwithLoss의 미분 = ŷ_k - y_k: checked against central differences of the loss.
scores_copy = scores.copy()
numeric = numerical_gradient(lambda s: SoftmaxWithLoss().forward(s, t_index), scores_copy)
print("dx - numerical :", np.max(np.abs(dx_index - numeric)))
