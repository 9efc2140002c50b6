"""helpers.spikes: kernels and convolution against explicit loops, AR models against their
recursions, OASIS on a noiseless trace, spike times, scores, every error path, and inference
accuracy on simulated GCaMP6s and GCaMP6f recordings."""
import math

import numpy as np
import pytest

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


#: (indicator, fs, roi_pixels (noise: 12 ≈ 0.12, 50 ≈ 0.06, 400 ≈ 0.02 ΔF/F₀), minimum median r, minimum F1)
ACCURACY = [
    ("GCaMP6s", 30.0, 50, 0.9, 0.7),
    ("GCaMP6s", 7.5, 50, 0.8, 0.45),
    ("GCaMP6f", 30.0, 50, 0.88, 0.6),
    ("GCaMP6f", 7.5, 50, 0.55, 0.25),
    ("GCaMP6f", 30.0, 400, 0.95, 0.75),
    ("GCaMP6f", 30.0, 12, 0.65, 0.35),
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
