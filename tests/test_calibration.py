"""badak/calibration.py: temperature scaling finds the NLL's minimum, ECE and reliability bins
match hand and brute-force computations; badak/plot.py draws the reliability diagram."""

import json

import numpy as np
import pytest

from badak import calibration, plot
from badak.calibration import (
    calibration_report,
    expected_calibration_error,
    fit_temperature,
    negative_log_likelihood,
    reliability_bins,
)

PNG = b"\x89PNG\r\n\x1a\n"


def softmax(z):
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def sampled(n, classes=5, scale=3.0, seed=0):
    """(logits = true_logits * scale, labels drawn from softmax(true_logits))."""
    rng = np.random.default_rng(seed)
    true_logits = 2 * rng.normal(size=(n, classes))
    labels = (softmax(true_logits).cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return true_logits * scale, labels


def grid_minimum(logits, targets):
    """The T of least NLL by a dense grid over log T in [log 0.05, log 20], refined once."""
    grid = np.linspace(np.log(0.05), np.log(20), 2001)
    for _ in range(2):
        nll = [negative_log_likelihood(logits, targets, np.exp(s)) for s in grid]
        best = grid[int(np.argmin(nll))]
        step = grid[1] - grid[0]
        grid = np.linspace(best - 2 * step, best + 2 * step, 2001)
    return float(np.exp(best))


# ----------------------------------------------------------------------------------------------
# fit_temperature
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed, scale", [(0, 3.0), (1, 0.3), (2, 1.0)])
def test_fit_temperature_matches_a_dense_grid_search(seed, scale):
    logits, targets = sampled(400, classes=4, scale=scale, seed=seed)
    temperature = fit_temperature(logits, targets)
    assert temperature == pytest.approx(grid_minimum(logits, targets), rel=1e-3)


def test_fit_temperature_zeroes_the_derivative():
    logits, targets = sampled(1000, seed=3)
    temperature = fit_temperature(logits, targets)
    h = 1e-5  # central difference in log T
    slope = (
        negative_log_likelihood(logits, targets, temperature * np.exp(h))
        - negative_log_likelihood(logits, targets, temperature * np.exp(-h))
    ) / (2 * h)
    assert abs(slope) < 1e-7


def test_fit_temperature_recovers_a_known_temperature():
    logits, targets = sampled(20000, scale=3.0, seed=4)
    assert fit_temperature(logits, targets) == pytest.approx(3.0, rel=0.05)


@pytest.mark.parametrize("seed", range(6))
def test_nll_after_scaling_is_never_above_nll_before(seed):
    rng = np.random.default_rng(seed)
    logits = rng.normal(size=(50, 3)) * rng.uniform(0.01, 30)
    targets = rng.integers(0, 3, 50)
    report = calibration_report(logits, targets, fit_temperature(logits, targets))
    assert report["after"]["nll"] <= report["before"]["nll"] + 1e-12


def test_fit_temperature_of_separable_data_is_the_lower_bound():
    logits = np.array([[2.0, -1.0], [-3.0, 0.5], [1.0, 0.0]])
    assert fit_temperature(logits, [0, 1, 0]) == calibration.TEMPERATURE_MIN


def test_fit_temperature_of_always_wrong_logits_is_the_upper_bound():
    logits = np.array([[2.0, -1.0], [-3.0, 0.5]])
    assert fit_temperature(logits, [1, 0]) == calibration.TEMPERATURE_MAX


@pytest.mark.parametrize(
    "logits, targets",
    [(np.full((4, 3), 7.0), [0, 1, 2, 0]), (np.zeros((0, 3)), []), (np.ones((3, 1)), [0, 0, 0])],
)
def test_fit_temperature_is_1_when_temperature_changes_nothing(logits, targets):
    assert fit_temperature(logits, np.array(targets, np.int64)) == 1.0


def test_fit_temperature_is_deterministic_and_float32_safe():
    logits, targets = sampled(300, seed=5)
    first = fit_temperature(logits.astype(np.float32), targets)
    assert fit_temperature(logits.astype(np.float32), targets) == first
    assert isinstance(first, float)


@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_fit_temperature_rejects_non_finite_logits(bad):
    logits = np.zeros((2, 3))
    logits[1, 2] = bad
    with pytest.raises(ValueError, match="fit_temperature: logits must be finite"):
        fit_temperature(logits, [0, 1])


def test_fit_temperature_rejects_bad_targets():
    with pytest.raises(IndexError, match=r"fit_temperature: targets\[1\] = 3"):
        fit_temperature(np.zeros((2, 3)), [0, 3])
    with pytest.raises(ValueError, match=r"fit_temperature: targets must have shape \(2,\)"):
        fit_temperature(np.zeros((2, 3)), [0])


# ----------------------------------------------------------------------------------------------
# negative_log_likelihood
# ----------------------------------------------------------------------------------------------
def test_nll_matches_the_definition():
    logits, targets = sampled(20, seed=6)
    expected = -np.log(softmax(logits / 2.5)[np.arange(20), targets]).mean()
    assert negative_log_likelihood(logits, targets, 2.5) == pytest.approx(expected, rel=1e-12)


def test_nll_is_finite_for_logits_of_1e4():
    logits = np.array([[1e4, -1e4], [-1e4, 1e4]])
    assert negative_log_likelihood(logits, [0, 0]) == pytest.approx(1e4)


def test_nll_rejects_a_temperature_of_0():
    with pytest.raises(ValueError, match="negative_log_likelihood: temperature must be"):
        negative_log_likelihood(np.zeros((1, 2)), [0], 0.0)


# ----------------------------------------------------------------------------------------------
# expected_calibration_error and reliability_bins
# ----------------------------------------------------------------------------------------------
def brute_force_ece(probabilities, targets, bins):
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for k in range(bins):
        members = [
            n
            for n, row in enumerate(probabilities)
            if edges[k] < row.max() <= edges[k + 1] or (k == 0 and row.max() == 0)
        ]
        if members:
            accuracy = np.mean([probabilities[n].argmax() == targets[n] for n in members])
            confidence = np.mean([probabilities[n].max() for n in members])
            total += len(members) / len(probabilities) * abs(accuracy - confidence)
    return total


def test_ece_of_a_hand_computed_example():
    # 4 bins of width 0.25. Confidences 0.9, 0.8 (bin (0.75, 1]: one right, one wrong) and
    # 0.6, 0.55 (bin (0.5, 0.75]: both right).
    probabilities = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.45, 0.55]])
    targets = np.array([0, 0, 0, 1])
    # (2/4) |0.5 - 0.85| + (2/4) |1 - 0.575| = 0.175 + 0.2125
    assert expected_calibration_error(probabilities, targets, bins=4) == pytest.approx(0.3875)
    bins = reliability_bins(probabilities, targets, bins=4)
    assert bins["count"] == [0, 0, 2, 2]
    assert bins["accuracy"] == [None, None, 1.0, 0.5]
    assert bins["confidence"][2:] == pytest.approx([0.575, 0.85])
    assert bins["lower"] == [0, 0.25, 0.5, 0.75] and bins["upper"] == [0.25, 0.5, 0.75, 1]


@pytest.mark.parametrize("seed, bins", [(0, 15), (1, 10), (2, 1), (3, 7)])
def test_ece_matches_a_brute_force_loop(seed, bins):
    logits, targets = sampled(300, classes=4, scale=1.5, seed=seed)
    probabilities = softmax(logits)
    assert expected_calibration_error(probabilities, targets, bins) == pytest.approx(
        brute_force_ece(probabilities, targets, bins), abs=1e-12
    )


def test_confidences_on_bin_edges_go_to_the_lower_bin():
    # 0.2 is an upper edge of 5 bins, 0 and 1 belong to the first and last bin
    probabilities = np.array([[0.2, 0.2, 0.2, 0.2, 0.2], [1.0, 0, 0, 0, 0], [0.0] * 5])
    bins = reliability_bins(probabilities, [0, 0, 0], bins=5)
    assert bins["count"] == [2, 0, 0, 0, 1]
    assert expected_calibration_error(probabilities, [0, 0, 0], 5) == pytest.approx(
        brute_force_ece(probabilities, np.zeros(3, np.int64), 5)
    )


def test_bin_counts_sum_to_n():
    logits, targets = sampled(500, seed=7)
    assert sum(reliability_bins(softmax(logits), targets)["count"]) == 500


def test_empty_input_gives_zero_ece_and_empty_bins():
    empty = np.zeros((0, 3))
    assert expected_calibration_error(empty, np.zeros(0, np.int64)) == 0.0
    bins = reliability_bins(empty, np.zeros(0, np.int64), bins=3)
    assert bins["count"] == [0, 0, 0] and bins["accuracy"] == [None] * 3


def test_ece_rejects_a_bin_count_of_0():
    with pytest.raises(ValueError, match="expected_calibration_error: bins must be"):
        expected_calibration_error(np.ones((1, 1)), [0], bins=0)


def test_calibration_report_is_json_ready_and_improves_an_overconfident_model():
    logits, targets = sampled(2000, scale=3.0, seed=8)
    report = calibration_report(logits, targets, fit_temperature(logits, targets))
    assert json.loads(json.dumps(report)) == report
    assert set(report) == {"temperature", "before", "after", "bins"}
    assert report["after"]["ece"] < report["before"]["ece"]
    assert report["before"]["nll"] == pytest.approx(negative_log_likelihood(logits, targets))


# ----------------------------------------------------------------------------------------------
# plot.reliability
# ----------------------------------------------------------------------------------------------
def test_reliability_diagram_is_a_png(tmp_path):
    logits, targets = sampled(500, seed=9)
    temperature = fit_temperature(logits, targets)
    before = reliability_bins(softmax(logits), targets)
    after = reliability_bins(calibration.probabilities(logits, temperature), targets)
    plot.reliability(before, after, tmp_path / "reliability.png", ece=(0.2, 0.01))
    assert (tmp_path / "reliability.png").read_bytes()[:8] == PNG


def test_reliability_diagram_of_empty_bins_is_a_png(tmp_path):
    empty = reliability_bins(np.zeros((0, 2)), np.zeros(0, np.int64))
    plot.reliability(empty, empty, tmp_path / "reliability.png")
    assert (tmp_path / "reliability.png").read_bytes()[:8] == PNG
