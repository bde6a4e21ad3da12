"""Seed 004: "cs231n 1-3. Softmax" - a linear softmax classifier, its loss and gradient by hand.

The document works through cs231n's softmax exercise: scores = X W, the loss -log(softmax of the
correct class), its gradient (p - one_hot(y), so "dW ... 각 correct_class에서 Xi만큼 뺌"), and
stochastic gradient descent. Here the exercise runs on iris (4 features -> 3 classes, as the
document's example) from badak's bundled data, in cs231n's order: naive loss, sanity check,
gradient check, vectorised loss, training, accuracy. badak supplies the data, the softmax and
the numerical gradient, and its autograd cross_entropy checks the hand-written gradient.
Run: python examples/004_cs231n_softmax_classifier.py
"""

import time

import numpy as np

import badak
import badak.nn.functional as F
from badak.data import load_iris
from badak.layers import numerical_gradient, softmax


def softmax_loss_naive(W, X, y, reg):
    """Softmax loss and gradient with explicit loops. W (D, C), X (N, D), y (N,) in [0, C)."""
    loss = 0.0
    dW = np.zeros_like(W)
    num_train, num_classes = X.shape[0], W.shape[1]
    for i in range(num_train):
        scores = np.dot(X[i], W)  # shape: (C,), one score per class
        scores = scores - np.max(scores)  # exp cannot overflow; softmax does not change
        y_score = scores[y[i]]  # i번째 데이터의 정답 클래스의 점수
        result = np.log(np.exp(y_score) / np.sum(np.exp(scores)))
        loss -= result
        p = np.exp(scores) / np.sum(np.exp(scores))
        for j in range(num_classes):
            dW[:, j] += p[j] * X[i]
        dW[:, y[i]] -= X[i]  # 각 correct_class에서 Xi만큼 뺌
    loss = loss / num_train + reg * np.sum(W * W)
    dW = dW / num_train + 2 * reg * W
    return loss, dW


def softmax_loss_vectorized(W, X, y, reg):
    """The same loss and gradient without loops."""
    num_train = X.shape[0]
    probs = softmax(X @ W)  # (N, C)
    rows = np.arange(num_train)
    loss = -np.sum(np.log(probs[rows, y])) / num_train + reg * np.sum(W * W)
    dscores = probs.copy()
    dscores[rows, y] -= 1  # dL/dscores = p - one_hot(y)
    dW = X.T @ dscores / num_train + 2 * reg * W
    return loss, dW


def grad_check(f, W, analytic_grad, num_checks, rng):
    """Print numerical against analytic entries, as cs231n's grad_check_sparse."""
    numeric = numerical_gradient(f, W, h=1e-5)
    for _ in range(num_checks):
        ix = tuple(int(rng.integers(m)) for m in W.shape)
        num, ana = numeric[ix], analytic_grad[ix]
        rel_error = abs(num - ana) / (abs(num) + abs(ana))
        print(f"numerical: {num:f} analytic: {ana:f}, relative error: {rel_error:e}")
    # One number for all entries: an entry near 0 has a large relative error from rounding alone.
    diff = np.linalg.norm(numeric - analytic_grad)
    whole = diff / (np.linalg.norm(numeric) + np.linalg.norm(analytic_grad))
    print(f"relative error of the whole gradient: {whole:e}")


# -- data: a fixed split of iris, features standardised with the training statistics, then the
# bias trick (a column of ones), so W (5, 3) holds the bias in its last row.
rng = np.random.default_rng(0)
X, y = load_iris(return_X_y=True)
X = X.astype(np.float64)
order = rng.permutation(len(X))
train, test = order[:120], order[120:]
mean, std = X[train].mean(axis=0), X[train].std(axis=0)
X_train = np.hstack([(X[train] - mean) / std, np.ones((len(train), 1))])
X_test = np.hstack([(X[test] - mean) / std, np.ones((len(test), 1))])
y_train, y_test = y[train], y[test]
print("Train data shape:", X_train.shape, " Test data shape:", X_test.shape)

# -- sanity check: with tiny random weights every class is equally likely, so loss ~ -log(1/3).
W = 0.0001 * rng.standard_normal((X_train.shape[1], 3))
loss, grad = softmax_loss_naive(W, X_train, y_train, 0.0)
print(f"loss: {loss:f}")
print(f"sanity check: {-np.log(1 / 3):f}")

# -- gradient check, without and with regularisation.
print("gradient check, reg = 0:")
f = lambda w: softmax_loss_naive(w, X_train, y_train, 0.0)[0]
grad_check(f, W, grad, 5, rng)
print("gradient check, reg = 0.5:")
loss, grad = softmax_loss_naive(W, X_train, y_train, 0.5)
f = lambda w: softmax_loss_naive(w, X_train, y_train, 0.5)[0]
grad_check(f, W, grad, 5, rng)

# -- naive against vectorised, on larger weights so the gradient is not near zero.
W = 0.5 * rng.standard_normal((X_train.shape[1], 3))
tic = time.time()
loss_naive, grad_naive = softmax_loss_naive(W, X_train, y_train, 0.000005)
toc = time.time()
print(f"naive loss: {loss_naive:e} computed in {toc - tic:f}s")
tic = time.time()
loss_vectorized, grad_vectorized = softmax_loss_vectorized(W, X_train, y_train, 0.000005)
toc = time.time()
print(f"vectorized loss: {loss_vectorized:e} computed in {toc - tic:f}s")
print(f"Loss difference: {abs(loss_naive - loss_vectorized):e}")
print(f"Gradient difference: {np.linalg.norm(grad_naive - grad_vectorized, ord='fro'):e}")

# badak's autograd agrees: cross_entropy of the scores plus the same L2 term, backward for dW.
W_t = badak.tensor(W, requires_grad=True)
scores = badak.tensor(X_train) @ W_t
loss_badak = F.cross_entropy(scores, badak.tensor(y_train)) + 0.000005 * (W_t * W_t).sum()
loss_badak.backward()
print(f"badak cross_entropy loss: {loss_badak.item():e}")
print(f"badak gradient difference: {np.linalg.norm(W_t.grad.numpy() - grad_vectorized):e}")

# -- stochastic gradient descent on minibatches drawn with replacement, as cs231n's train().
learning_rate, reg, num_iters, batch_size = 0.5, 1e-3, 1000, 32
W = 0.0001 * rng.standard_normal((X_train.shape[1], 3))
for it in range(num_iters):
    batch = rng.choice(len(X_train), batch_size, replace=True)
    loss, grad = softmax_loss_vectorized(W, X_train[batch], y_train[batch], reg)
    W -= learning_rate * grad
    if it % 100 == 0:
        print(f"iteration {it} / {num_iters}: loss {loss:f}")

y_train_pred = np.argmax(X_train @ W, axis=1)
print(f"training accuracy: {np.mean(y_train == y_train_pred):f}")
y_test_pred = np.argmax(X_test @ W, axis=1)
print(f"test accuracy: {np.mean(y_test == y_test_pred):f}")
