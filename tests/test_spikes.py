"""helpers.spikes: kernels and convolution against explicit loops, AR models against their
recursions, OASIS on a noiseless trace, spike times, scores, every error path, and inference
accuracy on simulated GCaMP6s and GCaMP6f recordings."""
import math

import numpy as np
import pytest

import needs
from helpers import simulate, spikes as sp


def loop_convolution(x, kernel):
    out = np.zeros(len(x))
    for t in range(len(x)):
        for k in range(len(kernel)):
            if t - k >= 0:
                out[t] += kernel[k] * x[t - k]
    return out


def test_kernels_against_their_formulas():
    fs = 20.0
    assert np.allclose(sp.boxcar_kernel(0.26, fs), np.full(5, 0.2))
    assert np.allclose(sp.boxcar_kernel(0.26, fs, normalise=None), np.ones(5))
    tri = sp.triangle_kernel(0.25, fs, normalise="peak")
    assert np.allclose(tri, [1 / 3, 2 / 3, 1, 2 / 3, 1 / 3])
    expo = sp.exponential_kernel(0.3, fs, 2.0, normalise=None)
    assert np.allclose(expo, [math.exp(-k / fs / 0.3) for k in range(40)])
    assert math.isclose(sp.exponential_kernel(0.3, fs, 2.0).sum(), 1.0)
    dexp = sp.double_exponential_kernel(0.05, 0.5, fs, 3.0, normalise=None)
    assert np.allclose(dexp, [math.exp(-k / fs / 0.5) - math.exp(-k / fs / 0.05) for k in range(60)])
    peak_s = math.log(0.5 / 0.05) * 0.05 * 0.5 / (0.5 - 0.05)
    assert abs(np.argmax(dexp) / fs - peak_s) <= 1 / fs
    assert sp.double_exponential_kernel(0.05, 0.5, fs, 3.0, normalise="peak").max() == pytest.approx(1.0)


def test_double_exponential_tends_to_the_alpha_function():
    fs, tau = 30.0, 0.4
    alpha = sp.double_exponential_kernel(tau, tau, fs, 4.0, normalise="sum")
    near = sp.double_exponential_kernel(tau * (1 - 1e-6), tau, fs, 4.0, normalise="sum")
    assert np.allclose(near, alpha, atol=1e-6)
    tiny = sp.double_exponential_kernel(tau * 0.999, tau, fs, 4.0, normalise=None)
    assert np.abs(tiny).max() < 0.01  # unnormalised, the difference of exponentials vanishes
    t = np.arange(120) / fs
    assert np.allclose(alpha, t * np.exp(-t / tau) / (t * np.exp(-t / tau)).sum())


def test_convolution_matches_an_explicit_loop_and_keeps_the_shape():
    rng = np.random.default_rng(0)
    x = rng.poisson(0.2, size=(3, 50)).astype(float)
    kernel = sp.double_exponential_kernel(0.1, 0.5, 10.0, 2.0)
    out = sp.convolve_spikes(x, kernel)
    assert out.shape == x.shape
    for row, got in zip(x, out):
        assert np.allclose(got, loop_convolution(row, kernel))
    assert np.allclose(sp.convolve_spikes(x[0], kernel), out[0])
    long_kernel = np.ones(80)  # longer than the trace
    assert np.allclose(sp.convolve_spikes(x[1], long_kernel), np.cumsum(x[1]))


def test_ar_coefficients_and_back():
    g, = sp.ar_coefficients(0.686, 30.0)
    assert g == pytest.approx(math.exp(-1 / (0.686 * 30)))
    g1, g2 = sp.ar_coefficients(0.686, 30.0, rise_s=0.0706)
    d, r = math.exp(-1 / (0.686 * 30)), math.exp(-1 / (0.0706 * 30))
    assert (g1, g2) == pytest.approx((d + r, -d * r))
    assert sp.ar_time_constants((g1, g2), 30.0) == pytest.approx((0.686, 0.0706))
    assert sp.ar_time_constants(0.9, 10.0) == pytest.approx((-1 / (10 * math.log(0.9)), 0.0))
    # A slower frame rate leaves less calcium from one frame to the next.
    assert sp.ar_coefficients(0.686, 7.5)[0] < sp.ar_coefficients(0.686, 30.0)[0]


def test_ar_impulse_response_is_the_recursion():
    g = sp.ar_coefficients(0.5, 20.0, rise_s=0.05)
    h = sp.ar_impulse_response(g, 40)
    c = np.zeros(40)
    for t in range(40):
        c[t] = (t == 0) + (g[0] * c[t - 1] if t >= 1 else 0) + (g[1] * c[t - 2] if t >= 2 else 0)
    assert np.allclose(h, c)
    d, r = math.exp(-1 / (0.5 * 20)), math.exp(-1 / (0.05 * 20))
    k = np.arange(40)
    assert np.allclose(h, (d ** (k + 1) - r ** (k + 1)) / (d - r))
    assert np.allclose(sp.ar_impulse_response(0.8, 5), 0.8 ** np.arange(5))


def test_oasis_recovers_the_spikes_of_a_noiseless_ar1_trace():
    g, n = 0.9, 400
    s = np.zeros(n)
    s[[30, 100, 101, 250]] = [1.0, 0.5, 1.0, 2.0]
    y = sp.convolve_spikes(s, sp.ar_impulse_response(g, n)) + 0.3
    result = sp.deconvolve(y, 10.0, g=g, noise_sd=1e-6)
    assert result.baseline == pytest.approx(0.3, abs=1e-3)
    assert np.allclose(result.spikes, s, atol=1e-3)
    assert np.allclose(result.calcium + result.baseline, y, atol=1e-3)
    fixed = sp.deconvolve(y, 10.0, g=g, noise_sd=1e-6, baseline=0.3)
    assert np.allclose(fixed.spikes, s, atol=1e-3) and fixed.baseline == 0.3
    by_tau = sp.deconvolve(y, 10.0, decay_s=-1 / (10.0 * math.log(g)), noise_sd=1e-6)
    assert np.allclose(by_tau.spikes, s, atol=1e-3)


def test_oasis_recovers_the_spikes_of_a_noiseless_ar2_trace():
    g, n = sp.ar_coefficients(0.5, 20.0, rise_s=0.1), 400
    s = np.zeros(n)
    s[[30, 100, 250]] = [1.0, 0.5, 2.0]
    y = sp.convolve_spikes(s, sp.ar_impulse_response(g, n)) + 0.3
    result = sp.deconvolve(y, 20.0, g=g, noise_sd=1e-6)
    assert result.baseline == pytest.approx(0.3, abs=1e-3)
    assert np.allclose(result.spikes, s, atol=1e-3)
    assert result.g == pytest.approx(g)


def test_l0_penalty_is_sparser_than_l1():
    rng = np.random.default_rng(0)
    s = (rng.random(2000) < 0.02).astype(float)
    y = sp.convolve_spikes(s, sp.ar_impulse_response(0.9, 2000)) + 0.2 * rng.standard_normal(2000)
    l1 = sp.deconvolve(y, 10.0, g=0.9)
    l0 = sp.deconvolve(y, 10.0, g=0.9, penalty=0)
    assert np.count_nonzero(l0.spikes > 1e-9) < 0.75 * np.count_nonzero(l1.spikes > 1e-9)


def test_deconvolve_many_traces_row_by_row_and_reproducibly():
    rec = simulate.simulate_traces(n_neurons=3, n_frames=900, fs=15.0, seed=2)
    dff = (rec.traces - rec.truth.r[:, None] * rec.truth.neuropil) / rec.truth.f0 - 1
    many = sp.deconvolve(dff, 15.0)
    assert many.spikes.shape == dff.shape and many.g.shape == (3, 1) and many.baseline.shape == (3,)
    one = sp.deconvolve(dff[1], 15.0)
    assert np.allclose(one.spikes, many.spikes[1]) and np.allclose(one.g, many.g[1])
    np.random.seed(5)
    before = np.random.random()
    np.random.seed(5)
    again = sp.deconvolve(dff, 15.0, order=2)
    assert np.random.random() == before  # the caller's random stream is untouched
    assert np.array_equal(again.spikes, sp.deconvolve(dff, 15.0, order=2).spikes)
    assert np.all(many.spikes >= -1e-12)


def test_thresholds_against_numpy():
    x = np.array([0.0, 0.0, 0.2, 0.0, 1.0, 0.1, 0.0, 0.5])
    assert sp.spike_threshold(x, fraction_of_max=0.3) == pytest.approx(0.3)
    assert sp.spike_threshold(x, percentile=90) == pytest.approx(np.percentile(x, 90))
    assert sp.spike_threshold(x, k_std=2) == pytest.approx(x.mean() + 2 * x.std())
    both = sp.spike_threshold(np.vstack([x, 2 * x]), fraction_of_max=0.5)
    assert np.allclose(both, [0.5, 1.0])


def test_spike_frames_and_times():
    x = np.array([0, 0.4, 0, 0, 0.2, 0, 1.0, 0.9, 0, 0.6, 0, 0.5])
    assert list(sp.spike_frames(x, 0.3)) == [1, 6, 9]  # the last frame is never a peak
    assert list(sp.spike_frames(x, 0.3, fs=10.0, min_distance_s=0.5)) == [1, 6]
    assert np.allclose(sp.spike_times_s(x, 10.0, 0.3), [0.1, 0.6, 0.9])
    rows = sp.spike_frames(np.vstack([x, x[::-1]]), np.array([0.3, 0.8]))
    assert [list(r) for r in rows] == [[1, 6, 9], [5]]  # reversed: the 1.0 at frame 6 is at 11 - 6


def test_binned_correlation_against_np_corrcoef():
    rng = np.random.default_rng(3)
    truth = rng.poisson(0.3, (2, 103))
    inferred = truth + rng.random((2, 103))
    got = sp.binned_rate_correlation(inferred, truth, 10.0, 0.5)
    for i in range(2):
        a = inferred[i, :100].reshape(20, 5).sum(1)
        b = truth[i, :100].reshape(20, 5).sum(1)
        assert got[i] == pytest.approx(np.corrcoef(a, b)[0, 1])
    assert math.isnan(sp.binned_rate_correlation(inferred[0], np.zeros(103), 10.0, 0.5))


def test_score_counts_every_true_spike():
    counts = np.zeros((1, 60))
    counts[0, [10, 30]] = [2, 1]
    inferred = np.zeros((1, 60))
    inferred[0, [11, 45]] = 1.0
    score = sp.score_inference(inferred, counts, 10.0, 0.5, bin_s=1.0, tolerance_s=0.1)
    assert (score.detection.n_true, score.detection.n_detected, score.detection.n_matched) == (3, 2, 1)


@pytest.mark.parametrize("call, error", [
    (lambda: sp.exponential_kernel(0, 10, 1), "tau_s"),
    (lambda: sp.exponential_kernel(0.5, -1, 1), "fs"),
    (lambda: sp.double_exponential_kernel(0.7, 0.07, 30, 1), "rise_s"),
    (lambda: sp.double_exponential_kernel(0.3, 0.3, 30, 1, normalise=None) * 0 + sp.normalise_kernel(np.zeros(3)), "all zeros"),
    (lambda: sp.boxcar_kernel(1, 10, normalise="area"), "normalise"),
    (lambda: sp.convolve_spikes(np.zeros((2, 2, 2)), np.ones(3)), "spikes"),
    (lambda: sp.ar_coefficients(0.1, 30, rise_s=0.5), "smaller than decay_s"),
    (lambda: sp.ar_time_constants(1.2, 30), "(0, 1)"),
    (lambda: sp.ar_time_constants((0.5, -0.5), 30), "roots"),
    (lambda: sp.ar_impulse_response((0.5, 0.1, 0.1), 10), "1 (AR(1)) or 2"),
    (lambda: sp.ar_impulse_response(0.5, 0), "n_frames"),
    (lambda: sp.deconvolve(np.r_[np.zeros(50), np.nan], 10), "NaN"),
    (lambda: sp.deconvolve(np.zeros(50), 0), "fs"),
    (lambda: sp.deconvolve(np.zeros(50), 10, g=0.9, decay_s=1.0), "not both"),
    (lambda: sp.deconvolve(np.zeros(50), 10, order=3), "order"),
    (lambda: sp.deconvolve(np.zeros(50), 10, penalty=2), "penalty"),
    (lambda: sp.deconvolve(np.zeros(50), 10, g="0.9"), "g must"),
    (lambda: sp.spike_threshold(np.ones(5)), "exactly one"),
    (lambda: sp.spike_threshold(np.ones(5), percentile=95, k_std=2), "exactly one"),
    (lambda: sp.spike_threshold(np.ones(5), fraction_of_max=30), "fraction_of_max"),
    (lambda: sp.spike_frames(np.ones(5), 0.5, min_distance_s=1.0), "fs"),
    (lambda: sp.binned_rate_correlation(np.ones(10), np.ones(11), 10, 0.5), "shape"),
    (lambda: sp.binned_rate_correlation(np.ones(10), np.ones(10), 10, 5.0), "longer than the trace"),
    (lambda: sp.score_inference(np.ones((1, 10)), np.full((1, 10), 0.5), 10, 0.5), "whole"),
])
def test_errors_name_the_argument(call, error):
    with pytest.raises((ValueError, TypeError), match=None) as info:
        call()
    assert error in str(info.value)


# ----------------------------------------------------------------------- inference accuracy

def _dff(indicator, fs, roi_pixels, seed=1, n_neurons=20, duration_s=300.0):
    """Simulated ΔF/F₀ with ideal neuropil correction and baseline: the true calcium + noise."""
    rec = simulate.simulate_traces(n_neurons=n_neurons, n_frames=round(duration_s * fs), fs=fs,
                                   indicator=indicator, seed=seed, roi_pixels=roi_pixels, rate_hz=0.3)
    truth = rec.truth
    return (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1, truth


def _score(indicator, fs, roi_pixels):
    dff, truth = _dff(indicator, fs, roi_pixels)
    result = sp.deconvolve(dff, fs, decay_s=truth.indicator["decay_s"])
    threshold = sp.spike_threshold(result.spikes, fraction_of_max=0.3)
    return sp.score_inference(result.spikes, truth.spikes, fs, threshold, bin_s=1.0, tolerance_s=0.2)


#: (indicator, fs, roi_pixels (noise: 12 ≈ 0.12, 50 ≈ 0.06, 400 ≈ 0.02 ΔF/F₀), minimum median r, minimum F1).
#: A regression guard of ``deconvolve`` + ``spike_threshold(0.3)``. Source of each floor: the scores
#: of ``_score`` on seeds 1-8 of ``_dff`` (measured when issue 32 set them, in the comments), their
#: minimum over the seeds minus 0.02, rounded down to 0.01: the spread between seeds never trips it,
#: a loss larger than that spread plus 0.02 does. The test runs seed 1.
ACCURACY = [
    ("GCaMP6s", 30.0, 50, 0.91, 0.74),  # seed 1: 0.943, 0.800; seeds 1-8 at least 0.936, 0.769
    ("GCaMP6s", 7.5, 50, 0.83, 0.50),  # seed 1: 0.859, 0.564; seeds 1-8 at least 0.859, 0.521
    ("GCaMP6f", 30.0, 50, 0.90, 0.65),  # seed 1: 0.927, 0.703; seeds 1-8 at least 0.927, 0.670
    ("GCaMP6f", 7.5, 50, 0.65, 0.29),  # seed 1: 0.671, 0.353; seeds 1-8 at least 0.671, 0.317
    ("GCaMP6f", 30.0, 400, 0.95, 0.80),  # seed 1: 0.977, 0.859; seeds 1-8 at least 0.971, 0.823
    ("GCaMP6f", 30.0, 12, 0.73, 0.41),  # seed 1: 0.763, 0.430; seeds 1-8 at least 0.750, 0.430
]


@pytest.mark.parametrize("indicator, fs, roi_pixels, min_r, min_f1", ACCURACY)
def test_inference_accuracy_on_simulated_recordings(indicator, fs, roi_pixels, min_r, min_f1):
    score = _score(indicator, fs, roi_pixels)
    assert score.median_correlation >= min_r
    assert score.detection.f1 >= min_f1


def test_accuracy_falls_with_noise_and_with_a_slower_frame_rate():
    r = {(fs, px): _score("GCaMP6f", fs, px).median_correlation for fs in (7.5, 30.0) for px in (12, 400)}
    assert r[(30.0, 400)] > r[(30.0, 12)] + 0.1
    assert r[(7.5, 400)] > r[(7.5, 12)] + 0.1
    assert r[(30.0, 12)] > r[(7.5, 12)] + 0.1


def test_a_wrong_decay_time_hurts():
    dff, truth = _dff("GCaMP6s", 30.0, 50, n_neurons=10)
    right = sp.deconvolve(dff, 30.0, decay_s=truth.indicator["decay_s"])
    too_fast = sp.deconvolve(dff, 30.0, g=0.1)
    r_right = np.nanmedian(sp.binned_rate_correlation(right.spikes, truth.spikes, 30.0, 1.0))
    r_fast = np.nanmedian(sp.binned_rate_correlation(too_fast.spikes, truth.spikes, 30.0, 1.0))
    assert r_right > r_fast + 0.1


# ----------------------------------------------------------------------- infer_spikes

def test_infer_spikes_recovers_a_clean_ar1_trace():
    fs, decay_s = 30.0, 0.5
    rng = np.random.default_rng(0)
    spikes = np.zeros(1500)
    frames = [100, 400, 410, 800, 1200]
    spikes[frames] = [1.0, 0.8, 0.6, 1.2, 0.9]
    calcium = sp.convolve_spikes(spikes, sp.exponential_kernel(decay_s, fs, 5.0, normalise="peak"))
    result = sp.infer_spikes(0.1 + calcium + rng.normal(0, 0.01, spikes.size), fs, rise_s=0)
    assert isinstance(result, sp.SpikeInference) and isinstance(result, sp.Deconvolution)
    assert min(sp.DECAY_GRID_S, key=lambda d: abs(d - decay_s)) == pytest.approx(result.decay_s)
    assert result.rise_s == 0 and result.g.shape == (1,)
    assert result.g[0] == pytest.approx(math.exp(-1 / (result.decay_s * fs)))
    found = sp.spike_frames(result.spikes, 0.2)
    assert all(np.min(np.abs(found - f)) <= 1 for f in frames)
    assert result.baseline == pytest.approx(0.1, abs=0.02)  # within 2 noise s.d.
    # spikes are the peak amplitudes of the transients; calcium follows the exponential kernel
    np.testing.assert_allclose(result.calcium, sp.convolve_spikes(
        result.spikes, sp.exponential_kernel(result.decay_s, fs, 60.0, normalise="peak")), atol=1e-9)


def test_infer_spikes_models_a_resolvable_rise_and_puts_spikes_at_its_start():
    fs = 60.0
    spikes = np.zeros(3000)
    spikes[[500, 1500, 2400]] = 1.0
    kernel = sp.double_exponential_kernel(0.15, 1.0, fs, 8.0, normalise="peak")
    trace = sp.convolve_spikes(spikes, kernel) + np.random.default_rng(1).normal(0, 0.02, 3000)
    result = sp.infer_spikes(trace, fs)
    assert 0.05 < result.rise_s < 0.4 and 0.5 < result.decay_s < 2.0
    assert result.g.shape == (2,)
    np.testing.assert_allclose(result.g, sp.ar_coefficients(result.decay_s, fs, result.rise_s))
    np.testing.assert_allclose(result.calcium, sp.convolve_spikes(result.spikes, sp.double_exponential_kernel(
        result.rise_s, result.decay_s, fs, 6 * result.decay_s, normalise="peak")), atol=1e-9)
    for frame in (500, 1500, 2400):  # the activity sits at the spike, not along the rising edge
        window = result.spikes[frame - 6:frame + 30]
        assert abs(np.sum(np.arange(-6, 30) * window) / window.sum()) <= 3
    # Without the rise (AR(1)) the activity lags the spike by several frames.
    lagging = sp.infer_spikes(trace, fs, rise_s=0)
    window = lagging.spikes[494:530]
    assert np.sum(np.arange(-6, 30) * window) / window.sum() > 4


def test_infer_spikes_on_many_traces_is_row_by_row():
    dff, _ = _dff("GCaMP6s", 30.0, 50, n_neurons=3, duration_s=60.0)
    both = sp.infer_spikes(dff, 30.0)
    assert both.spikes.shape == dff.shape and both.g.shape == (3, 2)
    for i, row in enumerate(dff):
        one = sp.infer_spikes(row, 30.0)
        np.testing.assert_allclose(both.spikes[i], one.spikes)
        assert both.decay_s[i] == one.decay_s and both.rise_s[i] == one.rise_s
        assert both.g[i, :one.g.size].tolist() == one.g.tolist()
    again = sp.infer_spikes(dff, 30.0)
    np.testing.assert_array_equal(again.spikes, both.spikes)  # reproducible


@pytest.mark.parametrize("call, error", [
    (lambda: sp.infer_spikes(np.zeros(100), 30.0), "noise_sd"),
    (lambda: sp.infer_spikes(np.ones(5), 30.0), "too few"),
    (lambda: sp.infer_spikes(np.r_[np.ones(50), np.nan], 30.0), "NaN"),
    (lambda: sp.infer_spikes(np.ones(50), 30.0, sparsity=0), "sparsity"),
    (lambda: sp.infer_spikes(np.ones(50), 30.0, sparsity=True), "sparsity"),
    (lambda: sp.infer_spikes(np.ones(50), 30.0, decay_s=0.2, rise_s=0.3), "smaller than decay_s"),
    (lambda: sp.infer_spikes(np.ones(50), 30.0, rise_s=-0.1), "rise_s"),
    (lambda: sp.infer_spikes(np.ones(50), 30.0, noise_sd=math.inf), "noise_sd"),
    (lambda: sp.infer_spikes(np.ones(50), 30.0, decay_s=1e-9), "decay_s"),
    (lambda: sp.infer_spikes(np.random.default_rng(0).normal(size=300), 30.0, rise_s=20.0),
     "not shorter than the decay"),
])
def test_infer_spikes_errors_name_the_argument(call, error):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert error in str(info.value)


def test_infer_spikes_beats_the_default_deconvolution_on_simulations():
    """Validation on the simulator (simple regime): decay recovered, correlation higher."""
    for indicator in ("GCaMP6s", "GCaMP6f"):
        dff, truth = _dff(indicator, 30.0, 50, n_neurons=10, duration_s=120.0)
        new = sp.infer_spikes(dff, 30.0)
        old = sp.deconvolve(dff, 30.0)
        true_decay = truth.indicator["decay_s"]
        assert true_decay / 1.5 < np.median(new.decay_s) < true_decay * 1.5
        r_new = np.nanmean(sp.binned_rate_correlation(new.spikes, truth.spikes, 30.0, 0.1))
        r_old = np.nanmean(sp.binned_rate_correlation(old.spikes, truth.spikes, 30.0, 0.1))
        assert r_new > r_old


def test_infer_spikes_on_the_realistic_regime():
    """Bursts, spike-to-spike variability and saturation: still better than the default."""
    rec = simulate.simulate_traces(n_neurons=12, n_frames=3600, fs=30.0, indicator="GCaMP6s", seed=1,
                                   regime="realistic")
    truth = rec.truth
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    r_new = np.nanmean(sp.binned_rate_correlation(sp.infer_spikes(dff, 30.0).spikes, truth.spikes, 30.0, 0.5))
    r_old = np.nanmean(sp.binned_rate_correlation(sp.deconvolve(dff, 30.0).spikes, truth.spikes, 30.0, 0.5))
    assert r_new >= r_old


# ----------------------------------------------------------------------- against real spikes

#: r in 0.1 s and 0.5 s bins per recording, measured when infer_spikes was written (issue 24).
#: Each must stay within 0.05 of it (a regression guard); the means must reach the issue's
#: targets, 0.65 at 0.1 s and 0.80 at 0.5 s (deconvolve's defaults: 0.62 and 0.79).
REAL_R = {"ds02_1": (0.75, 0.94), "ds02_2": (0.79, 0.95), "ds02_3": (0.73, 0.91),
          "ds06_1": (0.54, 0.81), "ds11_1": (0.79, 0.80), "ds16_1": (0.50, 0.76),
          "ds29_1": (0.69, 0.67), "ds31_1": (0.89, 0.90)}


@pytest.fixture(scope="module")
def real_correlations():
    from helpers import data, groundtruth
    for files in data._GROUND_TRUTH_FILES.values():  # in the data cache, located by helpers.data
        needs.data_file(files[0])

    def correlations(rec):
        activity = sp.infer_spikes(rec.dff, rec.fs).spikes
        return tuple(groundtruth.binned_correlation(activity, rec.frame_times_s, rec.spike_times_s, b)
                     for b in (0.1, 0.5))

    return {name: correlations(data.load_ground_truth(name)) for name in data.ground_truth_names()}


def test_infer_spikes_meets_the_targets_on_real_ground_truth(real_correlations):
    r = np.array([real_correlations[name] for name in REAL_R])
    assert r[:, 0].mean() >= 0.65 and r[:, 1].mean() >= 0.80
    for name, expected in REAL_R.items():
        assert np.all(np.array(real_correlations[name]) >= np.array(expected) - 0.05), name
