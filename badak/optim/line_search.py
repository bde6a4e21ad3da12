"""The strong-Wolfe line search of L-BFGS (minFunc's WolfeLineSearch, as torch.optim.LBFGS
uses it): bracket a step length, then zoom in on it by cubic interpolation."""

import contextlib

from badak.device import np


@contextlib.contextmanager
def _weak_scalars():
    """NumPy 2's promotion of scalars (NEP 50) for the block, also on NumPy 1: a float32 scalar
    (a slope g.d) stays float32 against Python numbers, as torch's 0-d tensors do, so the step
    lengths are the ones torch computes. Nothing to do on NumPy 2."""
    set_state = getattr(np, "_set_promotion_state", None)
    if set_state is None or np._get_promotion_state() == "weak":
        yield
        return
    set_state("weak")
    try:
        yield
    finally:
        set_state("legacy")


@contextlib.contextmanager
def _legacy_scalars():
    """The caller's promotion back for the block (the user's closure runs under it)."""
    set_state = getattr(np, "_set_promotion_state", None)
    if set_state is None:
        yield
        return
    state = np._get_promotion_state()
    set_state("legacy")
    try:
        yield
    finally:
        set_state(state)


def cubic_minimum(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser, clipped to `bounds` (default [x1, x2] in order), of the cubic through
    (x1, f1) and (x2, f2) with slopes g1 and g2; the middle of the bounds when the cubic has no
    minimum (minFunc's polyinterp for two points)."""
    if bounds is not None:
        lo, hi = bounds
    else:
        lo, hi = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1**2 - g1 * g2
    if not d2_square >= 0:
        return (lo + hi) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        minimum = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        minimum = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(minimum, lo), hi)


def strong_wolfe(objective, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """The search of _strong_wolfe under NumPy 2's scalar promotion (see _weak_scalars); the
    objective runs under the caller's."""

    def evaluate(x, t, d):
        with _legacy_scalars():
            return objective(x, t, d)

    with _weak_scalars():
        return _strong_wolfe(evaluate, x, t, d, f, g, gtd, c1, c2, tolerance_change, max_ls)


def _strong_wolfe(objective, x, t, d, f, g, gtd, c1, c2, tolerance_change, max_ls):
    """A step length t along d from x that satisfies the strong Wolfe conditions

        f(x + t d) <= f + c1 t gtd   and   |g(x + t d).d| <= -c2 gtd

    (minFunc's WolfeLineSearch: bracket, then zoom by cubic interpolation), with at most
    `max_ls` evaluations of `objective(x, t, d) -> (loss, flat gradient)`.

    Returns (loss, flat gradient, t, evaluations) at the best point found.
    """
    d_norm = np.abs(d).max()
    f_new, g_new = objective(x, t, d)
    evals = 1
    gtd_new = g_new.dot(d)

    # Bracket: grow t until the interval [t_prev, t] holds a point satisfying the conditions.
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    done = False
    ls_iter = 0
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket = [(t_prev, f_prev, g_prev, gtd_prev), (t, f_new, g_new, gtd_new)]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket = [(t, f_new, g_new, gtd_new)]
            done = True
            break
        if gtd_new >= 0:
            bracket = [(t_prev, f_prev, g_prev, gtd_prev), (t, f_new, g_new, gtd_new)]
            break
        t_next = cubic_minimum(
            t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(t + 0.01 * (t - t_prev), t * 10)
        )
        t_prev, f_prev, g_prev, gtd_prev = t, f_new, g_new, gtd_new
        t = t_next
        f_new, g_new = objective(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
    if ls_iter == max_ls:  # out of evaluations: the better of the start and the last point
        bracket = [(0, f, g, None), (t, f_new, g_new, None)]

    # Zoom: shrink the bracket around a point that satisfies both conditions.
    low, high = (0, 1) if bracket[0][1] <= bracket[-1][1] else (1, 0)
    insufficient_progress = False
    while not done and ls_iter < max_ls:
        (t_a, f_a, _, gtd_a), (t_b, f_b, _, gtd_b) = bracket
        if abs(t_b - t_a) * d_norm < tolerance_change:
            break
        t = cubic_minimum(t_a, f_a, gtd_a, t_b, f_b, gtd_b)
        # A trial too near an end of the bracket makes little progress: twice in a row, or
        # on or beyond an end, move it 10% of the bracket's width inside.
        top, bottom = max(t_a, t_b), min(t_a, t_b)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:
            if insufficient_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insufficient_progress = False
            else:
                insufficient_progress = True
        else:
            insufficient_progress = False

        f_new, g_new = objective(x, t, d)
        evals += 1
        gtd_new = g_new.dot(d)
        ls_iter += 1
        point = (t, f_new, g_new, gtd_new)
        if f_new > f + c1 * t * gtd or f_new >= bracket[low][1]:
            bracket[high] = point  # no sufficient decrease, or above the low end
            low, high = (0, 1) if bracket[0][1] <= bracket[1][1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high][0] - bracket[low][0]) >= 0:
                bracket[high] = bracket[low]  # the slope points back: the old low is the high
            bracket[low] = point

    t, f_new, g_new, _ = bracket[low]
    return f_new, g_new, t, evals
