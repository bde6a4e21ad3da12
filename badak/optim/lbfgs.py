"""L-BFGS: a limited-memory quasi-Newton method that re-evaluates the loss through a closure,
with an optional strong-Wolfe line search, as torch.optim.LBFGS."""

import numbers

from badak.autograd import enable_grad
from badak.device import np
from badak.optim.line_search import strong_wolfe
from badak.optim.optimizer import Optimizer

FLAT_KEYS = ("d", "prev_flat_grad")  # state arrays over all parameters, flattened
HISTORY_KEYS = ("old_dirs", "old_stps")  # lists of such arrays


class LBFGS(Optimizer):
    """L-BFGS (Nocedal 1980; Liu & Nocedal 1989), as torch.optim.LBFGS (itself after minFunc).

    All parameters are treated as one flat vector x with gradient g. One `step(closure)` runs up
    to `max_iter` iterations, each:

        d = -H g          H: the inverse Hessian estimate from the last `history_size` pairs
                          s = x_new - x, y = g_new - g (kept when y.s > 1e-10), applied by the
                          two-loop recursion, with H0 = (y.s / y.y) I from the newest pair
        t = lr            (min(1, 1 / sum|g|) * lr on the very first iteration)
        x = x + t d       or, with line_search_fn='strong_wolfe', the t that satisfies
                          f(x + t d) <= f + 1e-4 t g.d  and  |g(x + t d).d| <= 0.9 |g.d|

    and stops early when max|g| <= tolerance_grad, when g.d > -tolerance_change, when
    max|t d| <= tolerance_change or the loss changed by less than tolerance_change, or after
    `max_eval` evaluations of the closure. Without a line search the closure is not evaluated
    after the last iteration's move.

    Args:
        params: an iterable of Tensors (one parameter group only), all of one floating dtype.
        lr: learning rate (>= 0), the step length tried first.
        max_iter: iterations per `step()` (a positive int).
        max_eval: closure evaluations per `step()` (a positive int); default max_iter * 5 // 4.
        tolerance_grad: stop when the largest |gradient| element is at most this (>= 0).
        tolerance_change: stop when the loss or the step changes by less than this (>= 0).
        history_size: the number of (s, y) pairs kept (a positive int).
        line_search_fn: None (fixed step) or 'strong_wolfe'.

    The state lives under the first parameter, in PyTorch's keys (func_evals, n_iter, d, t,
    old_dirs, old_stps, ro, H_diag, prev_flat_grad, prev_loss), arrays in the parameters'
    dtype; PyTorch's scratch list `al` is not kept. Matches torch.optim.LBFGS to rounding, not
    bit for bit: PyTorch adds `t * d` with a fused multiply-add and sums dot products in
    another order. In float64 the two agree to about 1e-13 relative on a convex problem, to
    1e-10 where the problem amplifies rounding (Rosenbrock's valley over 20 steps); in float32
    a loss one ulp apart can flip a line-search test, after which the runs part.

    Stricter than PyTorch: options are checked at construction (a bad line_search_fn too), a
    second parameter group is refused by `add_param_group`, and so are parameters that are not
    floating or differ in dtype.
    """

    def __init__(
        self,
        params,
        lr=1,
        max_iter=20,
        max_eval=None,
        tolerance_grad=1e-7,
        tolerance_change=1e-9,
        history_size=100,
        line_search_fn=None,
    ):
        if max_eval is None and _is_positive_int(max_iter):
            max_eval = max_iter * 5 // 4
        defaults = {
            "lr": lr,
            "max_iter": max_iter,
            "max_eval": max_eval,
            "tolerance_grad": tolerance_grad,
            "tolerance_change": tolerance_change,
            "history_size": history_size,
            "line_search_fn": line_search_fn,
        }
        super().__init__(params, defaults)
        self._params = self.param_groups[0]["params"]
        dtypes = sorted({str(p._data.dtype) for p in self._params})
        if any(np.dtype(dtype).kind != "f" for dtype in dtypes):
            raise TypeError(f"LBFGS: can only optimize real floating parameters, got {dtypes}")
        if len(dtypes) > 1:
            raise TypeError(
                f"LBFGS: all parameters must share one dtype (they form one flat vector), "
                f"got {' and '.join(dtypes)}"
            )

    def _check_options(self, options):
        for key in ("lr", "tolerance_grad", "tolerance_change"):
            value = options[key]
            if not (isinstance(value, numbers.Real) and value >= 0):
                raise ValueError(f"LBFGS: invalid {key} {value!r} (expected a number >= 0)")
        for key in ("max_iter", "max_eval", "history_size"):
            if not _is_positive_int(options[key]):
                raise ValueError(f"LBFGS: invalid {key} {options[key]!r} (expected a positive int)")
        if options["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(
                f"LBFGS: line_search_fn should be None or 'strong_wolfe', got "
                f"{options['line_search_fn']!r}"
            )

    def add_param_group(self, param_group):
        """Add the one parameter group; L-BFGS has no per-parameter options, so a second group
        is refused."""
        if self.param_groups:
            raise ValueError(
                "LBFGS: doesn't support per-parameter options (parameter groups); it takes "
                "one group of parameters"
            )
        super().add_param_group(param_group)

    # --- the flat vector ----------------------------------------------------------------------
    def _gather_flat_grad(self):
        """The gradients of all parameters as one new flat array; zeros where `.grad` is None."""
        dtype = self._params[0]._data.dtype
        parts = []
        for p in self._params:
            if p.grad is None:
                parts.append(np.zeros(p._data.size, dtype))
            elif p.grad.shape != p._data.shape:
                raise RuntimeError(
                    f"LBFGS.step: a gradient of shape {p.grad.shape} for a parameter of shape "
                    f"{p._data.shape}"
                )
            else:
                parts.append(p.grad._data.ravel())
        return np.concatenate(parts).astype(dtype, copy=False)

    def _add_grad(self, t, d):
        """x = x + t * d, parameter by parameter, in place."""
        offset = 0
        for p in self._params:
            param = p._data
            param += param.dtype.type(t) * d[offset : offset + param.size].reshape(param.shape)
            offset += param.size
            p._changed_in_place()
        assert offset == d.size, "LBFGS: the flat vector and the parameters disagree in size"

    def _set_params(self, arrays):
        for p, array in zip(self._params, arrays):
            p._data[...] = array
            p._changed_in_place()

    def _evaluate(self, closure):
        """Call the closure with grad enabled: (its loss as returned, that loss as a float)."""
        with enable_grad():
            loss = closure()
        if loss is None:
            raise TypeError("LBFGS.step: the closure returned None; it should return the loss")
        return loss, float(loss)

    def _directional_evaluate(self, closure, x, t, d):
        """The loss and flat gradient at x + t * d; the parameters are set back to x after."""
        self._add_grad(t, d)
        _, loss = self._evaluate(closure)
        flat_grad = self._gather_flat_grad()
        self._set_params(x)
        return loss, flat_grad

    # --- the step -----------------------------------------------------------------------------
    def step(self, closure):
        """Run up to max_iter L-BFGS iterations; returns the loss of the first closure call.

        Args:
            closure: a function without arguments that clears the gradients, computes the
                loss, calls `loss.backward()` and returns the loss; called with grad enabled,
                once or more per step.
        """
        if not callable(closure):
            raise TypeError(
                "LBFGS.step: expected a closure that re-evaluates the loss and calls backward, "
                f"got {type(closure).__name__}"
            )
        # An overflowing trial step gives inf and NaN silently, as in PyTorch.
        with np.errstate(all="ignore"):
            return self._step(closure, self.param_groups[0])

    def _step(self, closure, group):
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        orig_loss, loss = self._evaluate(closure)
        flat_grad = self._gather_flat_grad()
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)
        current_evals = 1
        state["func_evals"] += 1
        if np.abs(flat_grad).max() <= tolerance_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        H_diag = state.get("H_diag")
        prev_flat_grad, prev_loss = state.get("prev_flat_grad"), state.get("prev_loss")

        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d = -flat_grad
                old_dirs, old_stps, ro, H_diag = [], [], [], 1
            else:
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = y.dot(s)
                if ys > 1e-10:  # keep the pair only where the curvature is positive
                    if len(old_dirs) == group["history_size"]:
                        del old_dirs[0], old_stps[0], ro[0]
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    H_diag = ys / y.dot(y)
                d = _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag)
            prev_flat_grad = flat_grad.copy()
            prev_loss = loss

            if state["n_iter"] == 1:
                t = min(1.0, 1.0 / np.abs(flat_grad).sum()) * lr
            else:
                t = lr
            gtd = flat_grad.dot(d)  # the slope along d
            if gtd > -tolerance_change:
                break

            evals = 0
            opt_cond = False
            if group["line_search_fn"] is not None:
                x_init = [p._data.copy() for p in self._params]

                def objective(x, t, d):
                    return self._directional_evaluate(closure, x, t, d)

                loss, flat_grad, t, evals = strong_wolfe(
                    objective, x_init, t, d, loss, flat_grad, gtd,
                    tolerance_change=tolerance_change, max_ls=max_eval - current_evals,
                )  # fmt: skip
                self._add_grad(t, d)
                opt_cond = np.abs(flat_grad).max() <= tolerance_grad
            else:
                self._add_grad(t, d)
                if n_iter != max_iter:  # the last move is not evaluated (stochastic setting)
                    _, loss = self._evaluate(closure)
                    flat_grad = self._gather_flat_grad()
                    opt_cond = np.abs(flat_grad).max() <= tolerance_grad
                    evals = 1
            current_evals += evals
            state["func_evals"] += evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if np.abs(d * t).max() <= tolerance_change:
                break
            if abs(loss - prev_loss) < tolerance_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag)
        state.update(prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss

    # --- state dicts ----------------------------------------------------------------------------
    def state_dict(self):
        """As Optimizer.state_dict; the history lists are copied too."""
        state_dict = super().state_dict()
        for values in state_dict["state"].values():
            for key in ("old_dirs", "old_stps", "ro"):
                if key in values:
                    values[key] = [_copied(v) for v in values[key]]
        return state_dict

    def _loaded_value(self, p, index, key, value):
        if key in ("func_evals", "n_iter"):
            return int(value)
        if key in FLAT_KEYS:
            return self._loaded_flat(key, value)
        if key in HISTORY_KEYS:
            return [self._loaded_flat(key, v) for v in value]
        if key == "ro":
            return [self._loaded_scalar(v) for v in value]
        if key in ("t", "H_diag"):
            return self._loaded_scalar(value)
        return super()._loaded_value(p, index, key, value)

    def _loaded_flat(self, key, value):
        value = getattr(value, "_data", value)
        numel = sum(p._data.size for p in self._params)
        if np.shape(value) != (numel,):
            raise ValueError(
                f"LBFGS.load_state_dict: state {key!r} has shape {np.shape(value)}, expected "
                f"({numel},): all parameters flattened"
            )
        return np.array(value, dtype=self._params[0]._data.dtype, copy=True)

    def _loaded_scalar(self, value):
        value = getattr(value, "_data", value)
        if isinstance(value, (np.ndarray, np.generic)):
            return self._params[0]._data.dtype.type(value)
        return value  # a Python number, as PyTorch keeps t = lr and H_diag = 1


def _is_positive_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def _copied(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _two_loop_direction(flat_grad, old_dirs, old_stps, ro, H_diag):
    """-H g by the two-loop recursion over the stored pairs (y in old_dirs, s in old_stps,
    ro = 1 / y.s), with H0 = H_diag * I."""
    q = -flat_grad
    al = [None] * len(old_dirs)
    for i in reversed(range(len(old_dirs))):
        al[i] = old_stps[i].dot(q) * ro[i]
        q -= al[i] * old_dirs[i]
    r = q * H_diag
    for i in range(len(old_dirs)):
        be_i = old_dirs[i].dot(r) * ro[i]
        r += (al[i] - be_i) * old_stps[i]
    return r
