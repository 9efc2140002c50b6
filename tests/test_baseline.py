"""Tests of helpers.baseline: explicit-loop references, simulated ground truth, error paths."""
import math

import numpy as np
import pytest

from helpers import baseline

# scipy.ndimage edge mode -> the numpy.pad mode that extends a trace the same way
PAD_MODE = {"nearest": "edge", "reflect": "symmetric", "mirror": "reflect", "wrap": "wrap"}


def padded_windows(trace, w, mode):
    """Every centred window of `trace` (frame t sees t - w//2 ... t + (w-1)//2), by slicing a padded copy."""
    padded = np.pad(trace, (w // 2, (w - 1) // 2), mode=PAD_MODE[mode])
    return [padded[t:t + w] for t in range(len(trace))]


def loop_rank_filter(traces, w, q, mode):
    """The rank-int(w*q/100) order statistic of each window, one frame at a time."""
    rank = w - 1 if q == 100 else math.floor(w * q / 100)
    rows = np.atleast_2d(traces)
    out = np.array([[sorted(window)[rank] for window in padded_windows(row, w, mode)] for row in rows])
    return out.reshape(np.shape(traces))


@pytest.fixture
def traces():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 90))
    x[:, 20:24] += 5  # a transient
    return x


# --- against explicit loops ---------------------------------------------------------------

@pytest.mark.parametrize("mode", sorted(PAD_MODE))
@pytest.mark.parametrize("q, window_s", [(10, 3.0), (10, 2.4), (50, 1.1), (0, 1.5), (100, 1.5), (33.3, 0.1)])
def test_rolling_percentile_matches_loop(traces, mode, q, window_s):
    fs = 10.0
    w = round(window_s * fs)
    got = baseline.rolling_percentile(traces, q, window_s, fs, mode=mode)
    np.testing.assert_array_equal(got, loop_rank_filter(traces, w, q, mode))


def test_rolling_percentile_one_trace_keeps_shape(traces):
    got = baseline.rolling_percentile(traces[1], 20, 2.0, 10.0)
    assert got.shape == traces[1].shape
    np.testing.assert_array_equal(got, loop_rank_filter(traces[1], 20, 20, "nearest"))


@pytest.mark.parametrize("mode", sorted(PAD_MODE))
@pytest.mark.parametrize("w", [1, 11, 12, 90])
def test_moving_median_matches_loop(traces, w, mode):
    got = baseline.moving_median(traces, w, mode=mode)
    if w % 2:
        expected = [[np.median(win) for win in padded_windows(row, w, mode)] for row in traces]
    else:  # even window: the upper of the two middle samples
        expected = loop_rank_filter(traces, w, 50, mode)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("stat, reference", [
    ("mean", lambda row: sum(row) / len(row)),
    ("median", lambda row: float(np.median(row))),
    ("percentile", lambda row: float(np.percentile(row, 10))),
])
def test_constant_baseline_one_value_per_neuron(traces, stat, reference):
    got = baseline.constant_baseline(traces, stat)
    assert got.shape == traces.shape
    for row_out, row_in in zip(got, traces):
        np.testing.assert_allclose(row_out, reference(list(row_in)), rtol=1e-12)
    assert baseline.constant_baseline(traces[0], stat).shape == traces[0].shape


def test_constant_percentile_uses_q(traces):
    np.testing.assert_allclose(baseline.constant_baseline(traces, "percentile", q=50),
                               baseline.constant_baseline(traces, "median"))


def test_ema_baseline_matches_recursion(traces):
    tau_s, fs = 1.5, 10.0
    a = 1 - math.exp(-1 / (tau_s * fs))
    expected = np.empty_like(traces)
    for i, row in enumerate(traces):
        level = row[0]
        for t, value in enumerate(row):
            level = level + a * (value - level)
            expected[i, t] = level
    np.testing.assert_allclose(baseline.ema_baseline(traces, tau_s, fs), expected, rtol=1e-12)


def test_ema_is_causal_and_reaches_63_percent_after_tau():
    fs, tau_s = 100.0, 0.5
    step = np.r_[np.zeros(100), np.ones(400)]
    out = baseline.ema_baseline(step, tau_s, fs)
    assert np.all(out[:100] == 0)  # nothing before the step sees it
    assert out[100 + int(tau_s * fs) - 1] == pytest.approx(1 - math.exp(-1), rel=1e-9)


@pytest.mark.parametrize("mode", sorted(PAD_MODE))
def test_maximin_matches_loop(traces, mode):
    fs, sigma, window_s = 10.0, 2.0, 1.5
    w = round(window_s * fs)
    radius = int(4 * sigma + 0.5)  # scipy's gaussian_filter1d truncates at 4 sigma
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    expected = []
    for row in traces:
        smooth = np.convolve(np.pad(row, radius, mode=PAD_MODE[mode]), kernel, mode="valid")
        low = np.array([min(win) for win in padded_windows(smooth, w, mode)])
        expected.append([max(win) for win in padded_windows(low, w, mode)])
    got = baseline.maximin(traces, fs, sigma_frames=sigma, window_s=window_s, mode=mode)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_maximin_sits_under_transients_on_a_flat_baseline():
    x = np.full(600, 100.0)
    x[300:310] += 50
    out = baseline.maximin(x, fs=10.0, sigma_frames=2.0, window_s=10.0)
    np.testing.assert_allclose(out, 100.0)


def test_remove_slow_drift_keeps_transients_and_removes_a_ramp():
    fs = 10.0
    n = 3000
    level = 100.0
    transients = np.zeros(n)
    for start in range(150, n - 150, 400):
        transients[start:start + 30] = 40 * np.exp(-np.arange(30) / 10)
    ramp = np.linspace(0, 30, n)
    out = baseline.remove_slow_drift(level + ramp + transients, fs, cutoff_s=20.0, q=10)
    # Away from the edges (where "nearest" flattens the ramp) the ramp (30 units) is gone, up to
    # the few frames a transient shifts the rank within a window (0.01 units per frame); the
    # transients are untouched.
    inner = slice(200, n - 200)
    residual = out[inner] - transients[inner]
    assert np.ptp(residual) < 0.5
    assert abs(np.median(residual) - (level + np.median(ramp))) < 1.5
    # A flat baseline with sparse transients comes back exactly.
    np.testing.assert_allclose(baseline.remove_slow_drift(level + transients, fs), level + transients)


# --- against simulated ground truth -------------------------------------------------------

@pytest.fixture(scope="module")
def recording():
    """4.8 Hz GCaMP6s traces with strong bleaching (tau 600 s over 625 s) and slow drift."""
    from helpers import simulate
    return simulate.simulate_traces(n_neurons=30, n_frames=3000, fs=4.8, seed=3,
                                    bleach_tau_s=600.0, drift_fraction=0.05)


def test_baselines_against_true_f0(recording):
    truth = recording.truth
    fs = recording.fs
    corrected = recording.traces - truth.r[:, None] * truth.neuropil  # the soma's own signal
    methods = {
        "constant median": baseline.constant_baseline(corrected, "median"),
        "constant 10th pct": baseline.constant_baseline(corrected, "percentile", q=10),
        "moving median 501 frames": baseline.moving_median(corrected, 501),
        "rolling 10th pct 30 s": baseline.rolling_percentile(corrected, 10, 30, fs),
        "rolling median 30 s": baseline.rolling_percentile(corrected, 50, 30, fs),
        "maximin (suite2p defaults)": baseline.maximin(corrected, fs),
        "EMA 60 s": baseline.ema_baseline(corrected, 60, fs),
    }
    error = {name: np.median(np.abs(f0 - truth.f0) / truth.f0) for name, f0 in methods.items()}
    print("\n".join(f"{name:28s} median |relative error| {value:.3f}" for name, value in error.items()))
    assert error["rolling 10th pct 30 s"] < 0.12
    # ... and what is left is mostly the noise offset of a low percentile, 1.28 sigma
    shifted = methods["rolling 10th pct 30 s"] + 1.2816 * truth.noise_sd[:, None]
    assert np.median(np.abs(shifted - truth.f0) / truth.f0) < 0.03
    # a single value cannot follow the bleaching; the rolling window can
    assert error["rolling 10th pct 30 s"] < error["constant 10th pct"] / 2
    assert error["maximin (suite2p defaults)"] < error["constant median"] / 2


# --- error paths --------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda x: baseline.rolling_percentile(x, 10, 100.0, 10.0), "longer than the trace"),
    (lambda x: baseline.rolling_percentile(x, 10, 0.01, 10.0), "shorter than one frame"),
    (lambda x: baseline.rolling_percentile(x, 10, 1.0, 0.0), "fs must be a positive"),
    (lambda x: baseline.rolling_percentile(x, 10, 1.0, -5.0), "fs must be a positive"),
    (lambda x: baseline.rolling_percentile(x, 110, 1.0, 10.0), r"q must be within \[0, 100\]"),
    (lambda x: baseline.rolling_percentile(x, -1, 1.0, 10.0), r"q must be within \[0, 100\]"),
    (lambda x: baseline.rolling_percentile(x, 10, 1.0, 10.0, mode="constant"), "mode must be one of"),
    (lambda x: baseline.moving_median(x, 91), "longer than the trace"),
    (lambda x: baseline.moving_median(x, 0), "at least 1 frame"),
    (lambda x: baseline.constant_baseline(x, "mode"), "stat must be"),
    (lambda x: baseline.constant_baseline(x, "percentile", q=101), r"q must be within"),
    (lambda x: baseline.ema_baseline(x, 0, 10.0), "tau_s must be a positive"),
    (lambda x: baseline.ema_baseline(x, 1.0, 0), "fs must be a positive"),
    (lambda x: baseline.maximin(x, 10.0, sigma_frames=0), "sigma_frames must be a positive"),
    (lambda x: baseline.maximin(x, 10.0, window_s=60), "longer than the trace"),
    (lambda x: baseline.remove_slow_drift(x, 10.0, cutoff_s=20), "cutoff_s=20.*longer than the trace"),
    (lambda x: baseline.remove_slow_drift(x, 0.0), "fs must be a positive"),
    (lambda x: baseline.rolling_percentile(x[:, :, None], 10, 1.0, 10.0), "must be 1-D or 2-D"),
])
def test_errors(traces, call, match):
    with pytest.raises(ValueError, match=match):
        call(traces)


@pytest.mark.parametrize("function", [
    lambda x: baseline.rolling_percentile(x, 10, 1.0, 10.0),
    lambda x: baseline.moving_median(x, 5),
    lambda x: baseline.constant_baseline(x),
    lambda x: baseline.ema_baseline(x, 1.0, 10.0),
    lambda x: baseline.maximin(x, 10.0, window_s=1.0),
    lambda x: baseline.remove_slow_drift(x, 10.0, cutoff_s=1.0),
])
def test_nan_is_refused(traces, function):
    traces[1, 7] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        function(traces)


def test_window_frames_must_be_whole(traces):
    with pytest.raises(TypeError, match="whole number of frames"):
        baseline.moving_median(traces, 5.5)
