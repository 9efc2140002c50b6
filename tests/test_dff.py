"""Tests of helpers.dff: explicit references, simulated ground truth, error paths."""
import math
import statistics

import numpy as np
import pytest
import pywt

from helpers import dff


@pytest.fixture
def noise():
    return np.random.default_rng(1).normal(0, 2.0, size=(4, 20_000))


# --- ΔF/F0 --------------------------------------------------------------------------------

def test_dff_matches_elementwise_formula():
    rng = np.random.default_rng(0)
    F = rng.uniform(80, 120, size=(3, 50))
    F0 = rng.uniform(90, 110, size=(3, 50))
    expected = [[(f - f0) / f0 for f, f0 in zip(row, row0)] for row, row0 in zip(F, F0)]
    np.testing.assert_allclose(dff.delta_f_over_f(F, F0), expected, rtol=1e-12)


def test_dff_broadcasts_per_neuron_and_scalar_baselines():
    F = np.array([[100.0, 150.0], [20.0, 30.0]])
    np.testing.assert_allclose(dff.delta_f_over_f(F, np.array([[100.0], [20.0]])), [[0, 0.5], [0, 0.5]])
    np.testing.assert_allclose(dff.delta_f_over_f(F[0], 100.0), [0, 0.5])
    np.testing.assert_allclose(dff.delta_f_over_f(F[0], np.array([100.0, 100.0])), [0, 0.5])
    assert dff.delta_f_over_f(F[0], 100.0).shape == (2,)


@pytest.fixture
def bright_and_dim():
    """Two traces with noise s.d. 2: one at 100, one at 3 (a dim soma after neuropil subtraction)."""
    rng = np.random.default_rng(3)
    return np.array([[100.0], [3.0]]) + rng.normal(0, 2.0, size=(2, 500))


@pytest.mark.parametrize("F0, match", [
    (np.array([[100.0], [0.0]]), r"neuron\(s\) \[1\]"),
    (np.array([[100.0], [-5.0]]), "not clearly above zero"),
    (np.array([[100.0], [1.5]]), r"at or below the noise s\.d\. of F"),  # within the noise of zero
    (np.array([[1.5], [3.0]]), r"neuron\(s\) \[0\]"),
])
def test_dff_guard_refuses_baselines_near_zero(bright_and_dim, F0, match):
    with pytest.raises(ValueError, match=match):
        dff.delta_f_over_f(bright_and_dim, F0)


def test_dff_guard_threshold_can_be_set(bright_and_dim):
    F0 = np.array([[100.0], [3.0]])
    assert np.isfinite(dff.delta_f_over_f(bright_and_dim, F0)).all()  # 3 is above the noise (2)
    with pytest.raises(ValueError, match="at or below min_f0=5"):
        dff.delta_f_over_f(bright_and_dim, F0, min_f0=5)
    low = np.array([[100.0], [1.0]])
    np.testing.assert_allclose(dff.delta_f_over_f(bright_and_dim, low, min_f0=0.5), bright_and_dim / low - 1)
    with pytest.raises(ValueError, match="not clearly above zero"):
        dff.delta_f_over_f(bright_and_dim, np.array([[100.0], [-1.0]]), min_f0=0)
    with pytest.raises(ValueError, match=r"min_f0 must be within \[0, inf\]"):
        dff.delta_f_over_f(bright_and_dim, F0, min_f0=-1)


@pytest.mark.parametrize("F0, match", [
    (np.ones(2), r"F0 of shape \(2,\) does not match F of shape \(2, 3\).*F0\[:, None\]"),
    (np.ones((2, 4)), "does not match"),
    (np.array([[1.0], [np.nan]]), "NaN"),
])
def test_dff_baseline_shape_errors(F0, match):
    with pytest.raises(ValueError, match=match):
        dff.delta_f_over_f(np.ones((2, 3)), F0)


# --- noise σ ------------------------------------------------------------------------------

def test_noise_sd_matches_stdlib(noise):
    x = noise[:2, :999]
    for row, mad, diff_mad, std in zip(x, dff.noise_sd(x), dff.noise_sd(x, "diff_mad"), dff.noise_sd(x, "std")):
        values = list(row)
        centre = statistics.median(values)
        assert mad == pytest.approx(1.4826 * statistics.median(abs(v - centre) for v in values), rel=1e-12)
        steps = [(b - a) / math.sqrt(2) for a, b in zip(values, values[1:])]
        centre = statistics.median(steps)
        assert diff_mad == pytest.approx(1.4826 * statistics.median(abs(s - centre) for s in steps), rel=1e-12)
        assert std == pytest.approx(statistics.pstdev(values), rel=1e-12)
    assert isinstance(dff.noise_sd(x[0]), float)


@pytest.mark.parametrize("method", ["mad", "diff_mad", "std"])
def test_noise_sd_of_white_noise(noise, method):
    np.testing.assert_allclose(dff.noise_sd(noise, method), 2.0, rtol=0.05)


def test_mad_ignores_transients_but_std_does_not(noise):
    active = noise.copy()
    active[:, ::50] += 30  # 2 % of frames carry a large transient
    assert dff.noise_sd(active, "mad") == pytest.approx(2.0, rel=0.1)
    assert np.all(dff.noise_sd(active, "std") > 2.0 * 1.5)


# --- simulated ground truth ---------------------------------------------------------------

@pytest.fixture(scope="module")
def recording():
    """30 Hz GCaMP6s traces, where a transient spans many frames."""
    from helpers import simulate
    return simulate.simulate_traces(n_neurons=30, n_frames=6000, fs=30.0, seed=5)


def test_noise_sd_against_true_noise(recording):
    truth = recording.truth
    # First differences work on the raw traces, drift, bleaching, transients and all.
    ratio = dff.noise_sd(recording.traces, "diff_mad") / truth.noise_sd
    np.testing.assert_allclose(ratio, 1.0, atol=0.10)
    # Without the slow parts (baseline, neuropil) the transients and the noise are left:
    # the MAD is close to the noise σ, the standard deviation is inflated by the transients.
    residual = recording.traces - truth.f0 - truth.r[:, None] * truth.neuropil
    mad = dff.noise_sd(residual, "mad") / truth.noise_sd
    std = dff.noise_sd(residual, "std") / truth.noise_sd
    print("MAD / true sigma, quartiles:", np.percentile(mad, [25, 50, 75]))
    assert abs(np.median(mad) - 1) < 0.15
    assert np.all(mad < std)


def test_denoising_brings_traces_closer_to_the_noiseless_truth(recording):
    truth = recording.truth
    clean = truth.f0 * (1 + truth.calcium) + truth.r[:, None] * truth.neuropil
    denoised = dff.wavelet_denoise(recording.traces)

    def rmse(x):
        return np.sqrt(np.mean((x - clean) ** 2, axis=-1))

    ratio = rmse(denoised) / rmse(recording.traces)
    print("RMSE denoised / raw, quartiles:", np.percentile(ratio, [25, 50, 75]))
    assert np.all(ratio < 1)
    assert np.median(ratio) < 0.7


# --- wavelet denoising --------------------------------------------------------------------

def step_by_step_denoise(trace, wavelet, level, mode, threshold):
    """One trace, one coefficient array at a time, with the shrinkage written out."""
    coeffs = pywt.wavedec(trace, wavelet, level=level)
    if threshold == "universal":
        finest = coeffs[-1]
        sigma = np.median(np.abs(finest)) / 0.6745
        threshold = sigma * math.sqrt(2 * math.log(len(trace)))
    shrunk = [coeffs[0]]
    for detail in coeffs[1:]:
        if mode == "soft":
            shrunk.append(np.sign(detail) * np.maximum(np.abs(detail) - threshold, 0))
        else:
            shrunk.append(np.where(np.abs(detail) > threshold, detail, 0))
    return pywt.waverec(shrunk, wavelet)[:len(trace)]


@pytest.mark.parametrize("wavelet, level, mode, threshold", [
    ("sym4", None, "soft", "universal"),
    ("sym4", 3, "hard", "universal"),
    ("db2", 2, "soft", 1.5),
])
def test_wavelet_denoise_matches_step_by_step(wavelet, level, mode, threshold):
    rng = np.random.default_rng(2)
    traces = np.cumsum(rng.normal(size=(2, 1001)), axis=-1) + rng.normal(size=(2, 1001))  # odd length
    got = dff.wavelet_denoise(traces, wavelet, level, mode, threshold)
    assert got.shape == traces.shape
    level_used = level or pywt.dwt_max_level(1001, pywt.Wavelet(wavelet).dec_len)
    for row_out, row_in in zip(got, traces):
        np.testing.assert_allclose(row_out, step_by_step_denoise(row_in, wavelet, level_used, mode, threshold),
                                   rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(dff.wavelet_denoise(traces[0], wavelet, level, mode, threshold), got[0])


def test_zero_threshold_reconstructs_the_trace(noise):
    np.testing.assert_allclose(dff.wavelet_denoise(noise[0], threshold=0.0), noise[0], atol=1e-9)


# --- SNR ----------------------------------------------------------------------------------

def test_snr_definition(noise):
    x = noise[:2]
    for row, value_p99, value_peak in zip(x, dff.snr(x), dff.snr(x, signal="peak", noise="std")):
        centre = statistics.median(row)
        assert value_p99 == pytest.approx((np.percentile(row, 99) - centre) / dff.noise_sd(row), rel=1e-12)
        assert value_peak == pytest.approx((max(row) - centre) / statistics.pstdev(row), rel=1e-12)


def test_snr_rises_after_denoising(recording):
    truth = recording.truth
    dff_traces = dff.delta_f_over_f(recording.traces - truth.r[:, None] * truth.neuropil, truth.f0)
    ratio = dff.snr(dff.wavelet_denoise(dff_traces)) / dff.snr(dff_traces)
    print("SNR after / before denoising, quartiles:", np.percentile(ratio, [25, 50, 75]))
    assert np.median(ratio) > 1.5


# --- error paths --------------------------------------------------------------------------

@pytest.mark.parametrize("call, match", [
    (lambda x: dff.noise_sd(x, "iqr"), "method must be"),
    (lambda x: dff.noise_sd(x[:, :1], "diff_mad"), "at least 2 frames"),
    (lambda x: dff.wavelet_denoise(x, wavelet="morl"), "not a discrete wavelet"),
    (lambda x: dff.wavelet_denoise(x, mode="garrote"), "mode must be one of 'soft', 'hard'"),
    (lambda x: dff.wavelet_denoise(x, level=0), "level must be a whole number from 1"),
    (lambda x: dff.wavelet_denoise(x, level=40), "level must be a whole number from 1"),
    (lambda x: dff.wavelet_denoise(x, threshold="sure"), 'threshold must be "universal"'),
    (lambda x: dff.wavelet_denoise(x, threshold=-1.0), "threshold must be within"),
    (lambda x: dff.wavelet_denoise(x, extension="nearest"), "extension must be one of"),
    (lambda x: dff.snr(x, signal="max"), "signal must be"),
    (lambda x: dff.snr(np.ones((2, 10))), "constant trace"),
    (lambda x: dff.noise_sd(x[None]), "must be 1-D or 2-D"),
])
def test_errors(noise, call, match):
    with pytest.raises(ValueError, match=match):
        call(noise[:2, :300])


@pytest.mark.parametrize("function", [
    lambda x: dff.delta_f_over_f(x, 1.0),
    lambda x: dff.noise_sd(x),
    lambda x: dff.wavelet_denoise(x),
    lambda x: dff.snr(x),
])
def test_nan_is_refused(noise, function):
    x = noise[:2, :300].copy()
    x[0, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        function(x)
