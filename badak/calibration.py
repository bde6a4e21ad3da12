"""Calibration of a classifier's probabilities: temperature scaling and the expected calibration
error (Guo et al. 2017, "On Calibration of Modern Neural Networks").

Temperature scaling divides the logits by one number T > 0, fitted on held-out data to minimise
the negative log-likelihood; the predicted class never changes, only how confident the model is.
Everything here is plain NumPy in float64, on arrays (N, C) of logits or probabilities and (N,)
class indices.
"""

from badak.device import np

__all__ = [
    "calibration_report",
    "expected_calibration_error",
    "fit_temperature",
    "negative_log_likelihood",
    "probabilities",
    "reliability_bins",
]

# The temperatures fit_temperature searches; the fit stops at a bound when the optimum lies beyond
TEMPERATURE_MIN, TEMPERATURE_MAX = 0.05, 20.0


def _checked_scores(name, scores, what="logits"):
    """Finite float64 scores of shape (N, C), or an error naming `name`."""
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim != 2:
        raise ValueError(f"{name}: {what} must have shape (N, C), got shape {scores.shape}")
    if not np.isfinite(scores).all():
        raise ValueError(f"{name}: {what} must be finite; found inf or NaN")
    return scores


def _checked(name, scores, targets, what="logits"):
    """(scores as float64 (N, C), targets as int64 (N,)), or an error naming `name`."""
    scores = _checked_scores(name, scores, what)
    targets = np.asarray(targets)
    if targets.shape != scores.shape[:1]:
        raise ValueError(
            f"{name}: targets must have shape ({scores.shape[0]},), got shape {targets.shape}"
        )
    if targets.size and not np.issubdtype(targets.dtype, np.integer):
        raise TypeError(f"{name}: targets must be integer class indices, got {targets.dtype}")
    bad = (targets < 0) | (targets >= scores.shape[1])
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IndexError(
            f"{name}: targets[{i}] = {targets[i]} is not a class index in [0, {scores.shape[1]})"
        )
    return scores, targets.astype(np.int64)


def _checked_temperature(name, temperature):
    if not (np.isfinite(temperature) and temperature > 0):
        raise ValueError(f"{name}: temperature must be finite and > 0, got {temperature}")
    return float(temperature)


def _log_softmax(z):
    if z.size == 0:
        return z
    shifted = z - z.max(axis=1, keepdims=True)  # exp() cannot overflow
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def _nll(z, targets):
    if len(z) == 0:
        return 0.0  # a mean over nothing is 0, as in badak's cross_entropy
    # each term is >= 0; a log-probability that rounds to +1e-17 must not make the mean -0.0
    return max(0.0, float(-_log_softmax(z)[np.arange(len(z)), targets].mean()))


def probabilities(logits, temperature=1.0):
    """softmax(logits / temperature) in float64. Shape: (N, C) in, (N, C) out."""
    logits = _checked_scores("probabilities", logits)
    temperature = _checked_temperature("probabilities", temperature)
    return np.exp(_log_softmax(logits / temperature))


def negative_log_likelihood(logits, targets, temperature=1.0):
    """Mean negative log-likelihood of `targets` under softmax(logits / temperature).

        nll = mean_n [logsumexp(z_n) - z_n[targets[n]]],   z = logits / temperature

    Args:
        logits: unnormalised class scores, shape (N, C).
        targets: class indices in [0, C), shape (N,).
        temperature: a float > 0.
    Returns:
        a Python float (0.0 when N = 0), computed stably in float64.
    """
    logits, targets = _checked("negative_log_likelihood", logits, targets)
    temperature = _checked_temperature("negative_log_likelihood", temperature)
    return _nll(logits / temperature, targets)


def _derivatives(logits, targets, beta):
    """First and second derivatives of the NLL with respect to beta = 1 / T.

    With p = softmax(beta z): d/dbeta = mean(E_p[z] - z_y) and d2/dbeta2 = mean(Var_p[z]) >= 0,
    so the NLL is convex in beta: a safeguarded Newton search finds the one minimum.
    """
    p = np.exp(_log_softmax(beta * logits))
    mean = (p * logits).sum(axis=1)
    variance = (p * (logits - mean[:, None]) ** 2).sum(axis=1)  # centred: no cancellation
    return float((mean - logits[np.arange(len(logits)), targets]).mean()), float(variance.mean())


def fit_temperature(logits, targets):
    """The temperature T > 0 minimising the mean NLL of softmax(logits / T) (temperature scaling).

    The search runs over beta = 1 / T, where the NLL is convex, by Newton's method kept inside a
    shrinking bracket (bisection where a Newton step would leave it), for T in [0.05, 20].

    Args:
        logits: unnormalised class scores, shape (N, C); must be finite.
        targets: class indices in [0, C), shape (N,).
    Returns:
        T as a Python float. 1.0 when N = 0 or every row of logits is constant (T changes
        nothing); 0.05 when the NLL still falls at T = 0.05 (e.g. separable data: the more
        confident the better); 20.0 when it still falls at T = 20.
    """
    logits, targets = _checked("fit_temperature", logits, targets)
    if len(logits) == 0 or (logits == logits[:, :1]).all():
        return 1.0
    low, high = 1 / TEMPERATURE_MAX, 1 / TEMPERATURE_MIN  # the bracket on beta
    if _derivatives(logits, targets, low)[0] >= 0:
        return TEMPERATURE_MAX
    if _derivatives(logits, targets, high)[0] <= 0:
        return TEMPERATURE_MIN
    beta = 1.0
    for _ in range(200):  # Newton converges in ~10 steps; bisection alone would in ~60
        slope, curvature = _derivatives(logits, targets, beta)
        if slope == 0:
            break
        if slope > 0:
            high = beta
        else:
            low = beta
        step = slope / curvature if curvature > 0 else np.inf
        new = beta - step
        if not low < new < high:
            new = (low + high) / 2
        if abs(new - beta) <= 1e-13 * beta:
            beta = new
            break
        beta = new
    return float(1 / beta)


def _binned(name, probabilities, targets, bins):
    """Per equal-width confidence bin over (0, 1]: edges (bins + 1,), counts, the number correct
    and the sum of confidences (bins,) each."""
    if not (isinstance(bins, (int, np.integer)) and bins >= 1):
        raise ValueError(f"{name}: bins must be an integer >= 1, got {bins!r}")
    edges = np.linspace(0.0, 1.0, bins + 1)
    if probabilities.size == 0:  # max and argmax refuse (0, 0)
        probabilities = np.zeros((0, 1))
    confidence = probabilities.max(axis=1)
    correct = probabilities.argmax(axis=1) == targets
    # bin k holds (edges[k], edges[k + 1]]: count the inner edges strictly below the confidence,
    # so 0 falls in the first bin and 1 in the last
    index = np.searchsorted(edges[1:-1], confidence, side="left")
    counts = np.bincount(index, minlength=bins)
    return (
        edges,
        counts,
        np.bincount(index, weights=correct, minlength=bins),
        np.bincount(index, weights=confidence, minlength=bins),
    )


def expected_calibration_error(probabilities, targets, bins=15):
    """Expected calibration error: how far confidence is from accuracy, averaged over bins.

        ece = sum_b (count_b / N) * |accuracy_b - confidence_b|

    where confidence is each row's largest probability, a row is correct when its argmax (the
    first, on ties) is its target, and the bins split (0, 1] into `bins` equal widths (a
    confidence of 0 counts in the first bin).

    Args:
        probabilities: class probabilities, shape (N, C).
        targets: class indices in [0, C), shape (N,).
        bins: the number of bins, an integer >= 1.
    Returns:
        a Python float in [0, 1]; 0.0 when N = 0.
    """
    probabilities, targets = _checked(
        "expected_calibration_error", probabilities, targets, "probabilities"
    )
    if len(probabilities) == 0:
        return 0.0
    _, _, correct, confidence = _binned("expected_calibration_error", probabilities, targets, bins)
    # count/N * |correct/count - confidence/count| = |correct - confidence| / N; empty bins give 0
    return float(np.abs(correct - confidence).sum() / len(probabilities))


def reliability_bins(probabilities, targets, bins=15):
    """The reliability diagram's data: per confidence bin, its bounds, size, accuracy and mean
    confidence (bins as in `expected_calibration_error`).

    Args:
        probabilities: class probabilities, shape (N, C).
        targets: class indices in [0, C), shape (N,).
        bins: the number of bins, an integer >= 1.
    Returns:
        {"lower", "upper", "count", "accuracy", "confidence"}: lists of `bins` Python numbers,
        accuracy and confidence None for an empty bin. JSON-ready.
    """
    probabilities, targets = _checked("reliability_bins", probabilities, targets, "probabilities")
    edges, counts, correct, confidence = _binned("reliability_bins", probabilities, targets, bins)
    return {
        "lower": edges[:-1].tolist(),
        "upper": edges[1:].tolist(),
        "count": counts.tolist(),
        "accuracy": [float(c / n) if n else None for c, n in zip(correct, counts)],
        "confidence": [float(s / n) if n else None for s, n in zip(confidence, counts)],
    }


def calibration_report(logits, targets, temperature, bins=15):
    """NLL and ECE of softmax(logits) before and after dividing the logits by `temperature`.

    Args:
        logits: unnormalised class scores, shape (N, C).
        targets: class indices in [0, C), shape (N,).
        temperature: a float > 0, usually fit_temperature's on the same (validation) data.
        bins: the number of ECE bins.
    Returns:
        {"temperature": T, "before": {"nll", "ece"}, "after": {"nll", "ece"}, "bins": bins},
        all plain Python numbers (JSON-ready).
    """
    logits, targets = _checked("calibration_report", logits, targets)
    temperature = _checked_temperature("calibration_report", temperature)
    report = {"temperature": temperature}
    for key, scale in (("before", 1.0), ("after", temperature)):
        z = logits / scale
        report[key] = {
            "nll": _nll(z, targets),
            "ece": expected_calibration_error(np.exp(_log_softmax(z)), targets, bins),
        }
    report["bins"] = int(bins)
    return report
