"""Seed 001: "파이썬 클래스로 신경망 구현하기 (cross_entropy, softmax, Softmax With loss)".

The document writes cross_entropy_error, softmax, Affine, Relu and SoftmaxWithloss by hand and
runs a two-layer network forward and backward on one sample. This is its program with badak's
book-1 layers (`badak.layers`) in place of the hand-written classes; it prints what the document
prints. Run: python examples/001_softmax_with_loss.py
"""

import numpy as np

from badak.layers import Affine, Relu, SoftmaxWithloss, cross_entropy_error, softmax

# -- cross entropy: the document's crossEntropyError(y, t) = -sum(t * log(y + 1e-7)).
# badak's cross_entropy_error adds the same 1e-7 inside the log; a 1-D y is a batch of one, so
# its division by the batch size divides by 1 and the values are the document's.
t = np.array([0, 0, 0, 0, 1, 0, 0, 0, 0, 0])  # label = 5
y = np.array([0.1, 0.03, 0.05, 0.2, 0.9, 0.0, 0.1, 0.2, 0.12, 0.03])

print("-- 정답인 경우 --")
print("CEE :", cross_entropy_error(y, t))

y = np.array([0.1, 0.03, 0.05, 0.2, 0.0, 0.1, 0.2, 0.12, 0.03, 0.9])
print("-- 오류인 경우 --")
print("CEE :", cross_entropy_error(y, t))

# -- softmax: the document computes c = np.max(a) but never subtracts it ("추가한 부분");
# badak's softmax subtracts it, so exp cannot overflow. The probabilities are the same.
print("softmax :", softmax(np.array([0.3, 2.9, 4.0])))

# -- the two-layer network
x = np.array([[1, 2]])
w1 = np.array([[1, 3, 5], [2, 4, 6]])
w2 = np.array([[1, 4], [2, 5], [3, 6]])
b1 = np.array([1, 2, 3])
b2 = np.array([1, 2])

# 순전파
affine1 = Affine(w1, b1)
affine2 = Affine(w2, b2)
relu1 = Relu()
relu2 = Relu()

# 은닉 1층
out1 = affine1.forward(x)
relu_out1 = relu1.forward(out1)

# 은닉 2층
out2 = affine2.forward(relu_out1)
relu_out2 = relu2.forward(out2)
print("out : \n", relu_out2)

# softmax
t = np.array([[0, 1]])
softmaxWithloss = SoftmaxWithloss()  # badak keeps the document's spelling as an alias
loss = softmaxWithloss.forward(relu_out2, t)
print("loss : \n", loss)

# 역전파
dout = softmaxWithloss.backward()
print("dout : \n", dout)

# 은닉 2층
# relu 통과
relu_dout = relu2.backward(dout)
print("relu_dout : \n", relu_dout)

# affine 통과
# The document's Affine.backward returns (dx, dW, db). badak's, like the book's, returns dx
# alone and keeps dW and db on the layer, so that every layer's backward has the same form
# (dout = layer.backward(dout)) and a network can run them in a loop; read dW and db from it.
dout1 = affine2.backward(relu_dout)
dw2, db2 = affine2.dW, affine2.db
print("dout1 : \n", dout1)

# 은닉 1층
relu_dout1 = relu1.backward(dout1)
print("relu_dout1 : \n", relu_dout1)
dx = affine1.backward(relu_dout1)
dw1, db1 = affine1.dW, affine1.db
print("dx : \n", dx)

# The parameter gradients the document unpacks (but does not print).
print("dw2 : \n", dw2)
print("db2 : \n", db2)
print("dw1 : \n", dw1)
print("db1 : \n", db1)
