"""Tests of helpers.neuropil: explicit references, simulated ground truth, error paths."""
import numpy as np
import pytest
from scipy import ndimage, optimize

from helpers import neuropil


@pytest.fixture
def pair():
    rng = np.random.default_rng(0)
    F = rng.uniform(100, 200, size=(3, 40))
    Fneu = rng.uniform(50, 80, size=(3, 40))
    return F, Fneu


# --- subtract_neuropil --------------------------------------------------------------------

def test_subtract_neuropil_matches_loop(pair):
    F, Fneu = pair
    r = [0.0, 0.7, 1.0]
    expected = [[f - ri * n for f, n in zip(row_f, row_n)] for row_f, row_n, ri in zip(F, Fneu, r)]
    np.testing.assert_allclose(neuropil.subtract_neuropil(F, Fneu, np.array(r)), expected, rtol=1e-12)
    np.testing.assert_allclose(neuropil.subtract_neuropil(F, Fneu), F - 0.7 * Fneu, rtol=1e-12)
    one = neuropil.subtract_neuropil(F[1], Fneu[1], 0.7)
    assert one.shape == F[1].shape
    np.testing.assert_allclose(one, expected[1], rtol=1e-12)


@pytest.mark.parametrize("args, match", [
    (lambda F, N: (F, N[:, :-1]), r"F has shape \(3, 40\) but Fneu has shape \(3, 39\)"),
    (lambda F, N: (F, N[0]), r"F has shape \(3, 40\) but Fneu has shape \(40,\)"),
    (lambda F, N: (F, N, np.array([0.7, 0.7])), r"r has shape \(2,\)"),
    (lambda F, N: (F, N, -0.1), "r must be finite and ≥ 0"),
    (lambda F, N: (F, N, np.inf), "r contains 1 infinite value"),
    (lambda F, N: (F, np.where(N > 60, np.nan, N)), "Fneu contains .* NaN"),
])
def test_subtract_neuropil_errors(pair, args, match):
    with pytest.raises(ValueError, match=match):
        neuropil.subtract_neuropil(*args(*pair))


# --- estimate_r ---------------------------------------------------------------------------

def synthetic(r, n_frames=6000, fs=10.0, seed=0):
    """Soma = bleaching baseline + positive transients + r * neuropil + noise."""
    rng = np.random.default_rng(seed)
    n = len(r)
    t = np.arange(n_frames) / fs
    fneu = 100 + 20 * np.exp(-t / 300) + ndimage.gaussian_filter1d(rng.normal(size=(n, n_frames)), fs, axis=-1) * 60
    spikes = rng.random((n, n_frames)) < 0.01
    kernel = np.exp(-np.arange(int(5 * fs)) / (1.0 * fs))
    transients = np.array([np.convolve(s, kernel)[:n_frames] for s in spikes]) * 40
    f0 = 150 * (1 + 0.2 * np.exp(-t / 200))
    F = f0 + transients + np.asarray(r)[:, None] * fneu + rng.normal(size=(n, n_frames))
    return F, fneu, fs


def test_estimate_r_recovers_r_of_synthetic_traces():
    r = np.linspace(0.2, 1.2, 6)
    F, fneu, fs = synthetic(r)
    np.testing.assert_allclose(neuropil.estimate_r(F, fneu, fs), r, atol=0.03)
    assert isinstance(neuropil.estimate_r(F[0], fneu[0], fs), float)


def test_estimate_r_finds_the_quantile_regression_optimum():
    """The golden-section search lands on the slope of an exact linear-programming fit."""
    F, fneu, fs = synthetic([0.6], n_frames=850, seed=1)
    q, window_s, smooth_s = 20, 10.0, 0.3
    w = 100  # window_s * fs frames
    y, x = (ndimage.gaussian_filter1d(v, smooth_s * fs, mode="nearest") for v in (F[0], fneu[0]))
    # high-pass: minus the centred moving average over 2 w frames, edges repeated
    y, x = (v - np.convolve(np.pad(v, (w, w - 1), mode="edge"), np.ones(2 * w) / (2 * w), mode="valid")
            for v in (y, x))
    starts = list(range(0, 850 - w + 1, w)) + [850 - w]  # the last window overlaps the one before
    rows = [(k, t) for k, start in enumerate(starts) for t in range(start, start + w)]
    # minimise sum(tau * u+ + (1 - tau) * u-) subject to y_t = a_k + b x_t + u+ - u-
    n, n_windows, tau = len(rows), len(starts), q / 100
    intercepts = np.zeros((n, n_windows))
    intercepts[np.arange(n), [k for k, _ in rows]] = 1
    frames = [t for _, t in rows]
    equality = np.hstack([intercepts, x[frames, None], np.eye(n), -np.eye(n)])
    cost = np.r_[np.zeros(n_windows + 1), np.full(n, tau), np.full(n, 1 - tau)]
    bounds = [(None, None)] * (n_windows + 1) + [(0, None)] * (2 * n)
    fit = optimize.linprog(cost, A_eq=equality, b_eq=y[frames], bounds=bounds, method="highs")
    got = neuropil.estimate_r(F, fneu, fs, q=q, window_s=window_s, smooth_s=smooth_s, tol=1e-8)
    assert got == pytest.approx(fit.x[n_windows], abs=1e-6)


@pytest.fixture(scope="module")
def recording():
    """52 min at 4.8 Hz. The neuropil fluctuates by about 3 % of its level on 1-10 s timescales,
    as in the Allen neuropil traces (2-4 %); the simulator's default (0.6 %) leaves r undetermined."""
    from helpers import simulate
    return simulate.population_traces(seed=7, n_neurons=40, n_frames=15000, neuropil_amplitude=0.12)


def test_estimate_r_against_simulated_truth(recording):
    truth = recording.truth
    error = neuropil.estimate_r(recording.traces, truth.neuropil, recording.fs) - truth.r
    print("r error: median %.3f, s.d. %.3f, 95th pct |error| %.3f, max |error| %.3f"
          % (np.median(error), error.std(), np.percentile(np.abs(error), 95), np.abs(error).max()))
    assert np.all(np.abs(error) <= 0.05)


def test_smoothing_undoes_the_dilution_by_a_noisy_neuropil_trace(recording):
    F, clean, r = recording.traces[:15], recording.truth.neuropil[:15], recording.truth.r[:15]
    rng = np.random.default_rng(0)
    measured = clean + rng.normal(size=clean.shape) * 0.02 * clean.mean(axis=1, keepdims=True)
    raw = neuropil.estimate_r(F, measured, recording.fs, smooth_s=None) - r
    smoothed = neuropil.estimate_r(F, measured, recording.fs, smooth_s=1.0) - r
    assert np.median(raw) < -0.1  # regression dilution: r is underestimated
    assert abs(np.median(smoothed)) < 0.03


def test_estimate_r_on_the_allen_traces():
    """The lesson's real example: the very active ROI 0 has no valid fit, the others give 0 < r < 1."""
    from helpers import data
    F = data.load_allen_roi_traces().traces
    Fneu = data.load_allen_neuropil_traces().traces
    r = neuropil.estimate_r(F, Fneu, fs=11.0)  # the rate is not stored: about 11 Hz, assumed
    assert r[0] == pytest.approx(2.0, abs=1e-3)  # stuck at the upper end of r_range
    assert np.all((0.2 < r[1:]) & (r[1:] < 1))


@pytest.mark.parametrize("kwargs, match", [
    (dict(fs=0), "fs must be a positive"),
    (dict(q=0), "strictly between 0 and 100"),
    (dict(q=100), "strictly between 0 and 100"),
    (dict(q=120), r"q must be within \[0, 100\]"),
    (dict(r_range=(1.0, 0.5)), "low < high"),
    (dict(r_range=(-1.0, 1.0)), r"r_range must be within \[0, 100.0\]"),
    (dict(window_s=100.0), "window_s=100.0 s is 1000 frames.*longer than the trace"),
    (dict(smooth_s=0.0), "smooth_s must be a positive"),
    (dict(tol=0), "tol must be a positive"),
])
def test_estimate_r_errors(pair, kwargs, match):
    F, Fneu = pair
    call = dict(fs=10.0, window_s=1.0) | kwargs
    with pytest.raises(ValueError, match=match):
        neuropil.estimate_r(F, Fneu, **call)


def test_estimate_r_shape_mismatch(pair):
    F, Fneu = pair
    with pytest.raises(ValueError, match=r"F has shape \(3, 40\) but Fneu has shape \(2, 40\)"):
        neuropil.estimate_r(F, Fneu[:2], 10.0, window_s=1.0)
