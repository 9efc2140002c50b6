"""Lesson 05: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest
import pywt
from scipy import ndimage

LESSON = "05-dff-denoising"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _mad(x, axis=None, keepdims=False):
    return np.median(np.abs(x - np.median(x, axis=axis, keepdims=True)), axis=axis, keepdims=keepdims)


def _raise(error):
    raise error


def _lower_median(x):
    """The lower of the two middle samples (not np.median's average of both)."""
    return np.sort(x)[(x.size - 1) // 2]


def _denoise(x, wavelet, level, *, mode="soft", approx=False, trim=True):
    """The exercise's recipe with one convention switchable, as a student might get it wrong."""
    x = np.asarray(x, dtype=float)
    cs = pywt.wavedec(x, wavelet, mode="symmetric", level=level)
    lam = np.median(np.abs(cs[-1])) / 0.6745 * np.sqrt(2 * np.log(x.size))
    start = 0 if approx else 1
    cs[start:] = [pywt.threshold(c, lam, mode=mode) for c in cs[start:]]
    out = pywt.waverec(cs, wavelet, mode="symmetric")
    return out[:x.size] if trim else out


def _snr(x, signal=lambda x: np.percentile(x, 99), sigma=lambda x: 1.4826 * _mad(x), centre=True):
    return float((signal(x) - (np.median(x) if centre else 0.0)) / sigma(x))


def _safe_count(ns, r, *, cells_only=False, unsafe=False):
    corrected = ns["dff_denoising"].suite2p_corrected(r)
    safe = np.percentile(corrected, 10, axis=1) > ns["dff"].noise_sd(corrected, "diff_mad")
    if cells_only:
        safe = safe[ns["data"].load_suite2p().iscell]
    return int((~safe).sum() if unsafe else safe.sum())


def _const_dff(trace, fs):
    f0 = np.median(trace)
    return (trace - f0) / f0


def _old_recipe_dff(trace, fs):
    """Lesson 05's former four-step recipe: a constant 25th-percentile F0, then the drift subtracted."""
    from helpers import baseline
    f0 = np.percentile(trace, 25)
    return baseline.remove_slow_drift((trace - f0) / f0, fs, cutoff_s=20.0)


def _rms_levels(ns, against):
    return np.array([np.sqrt(np.mean((ns["dff"].wavelet_denoise(ns["x"], "sym4", L) - against) ** 2))
                     for L in range(1, 9)])


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-dff-k-check", {"dff_k": lambda ns: ns["dff_k_percent"]}, "that is in percent"),
    ("ex-dff-k-check", {"dff_k": lambda ns: (ns["F"][ns["k"]] - ns["f0_k"]) / ns["F"][ns["k"]]}, "not by F itself"),
    ("ex-dff-k-check", {"dff_k": lambda ns: -ns["dff_k"]}, "not F0 - F"),
    ("ex-dff-k-check", {"dff_k": lambda ns: ns["F"][ns["k"]] - ns["f0_k"]}, "that is ΔF in a.u."),
    ("ex-dff-k-check", {"dff_k_percent": lambda ns: ns["dff_k"]}, "still a fraction"),
    ("ex-dff-k-check", {"dff_k": lambda ns: ns["F"][ns["k"]] / ns["F"][ns["k"]].mean() - 1}, "not its mean"),
    # The predictions: "10 % too high F0 makes the peak 10 % smaller" and "the quiet level stays at 0".
    ("ex-dff-k-check", {"peak_change": lambda ns: -0.1}, "exactly 10 %"),
    ("ex-dff-k-check", {"peak_change": lambda ns: 1 / 1.1 - 1}, "how F / F0 changes"),
    ("ex-dff-k-check", {"peak_change": lambda ns: ns["dff_high"].max() / ns["dff_k"].max()}, "subtract 1"),
    ("ex-dff-k-check", {"peak_change": lambda ns: float(ns["dff_high"].max() - ns["dff_k"].max())}, "divide it by the right peak"),
    ("ex-dff-k-check", {"peak_change": lambda ns: 100 * ns["peak_change"]}, "in percent"),
    ("ex-dff-k-check", {"quiet_level_high": lambda ns: 0.0}, "does not stay at 0"),
    ("ex-dff-k-check", {"quiet_level_high": lambda ns: float(np.median(ns["dff_k"]))}, "does not stay at 0"),
    ("ex-dff-k-check", {"quiet_level_high": lambda ns: 100 * ns["quiet_level_high"]}, "in percent"),
    ("ex-dff-k-check", {"quiet_level_high": lambda ns: -ns["quiet_level_high"]}, "below zero, not above"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: 100 * (np.asarray(F) - F0) / F0}, "in percent"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: (np.asarray(F) - F0) / np.asarray(F)}, "not by F"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: np.asarray(F) / F0}, "one more than ΔF/F0"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: (np.asarray(F) - F0) / np.where(np.asarray(F0) == 0, 1.0, F0)},
     "returned a result for a baseline containing 0"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: _raise(TypeError("bad F0")) if np.any(np.asarray(F0) <= 0)
                         else (np.asarray(F) - F0) / F0}, "a ValueError is asked for"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: _raise(NotImplementedError())}, "not written yet"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: _raise(ValueError("F0 is 0")) if np.any(np.asarray(F0) == 0)
                         else (np.asarray(F) - F0) / F0}, "returned a result for a baseline below zero"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: _raise(ValueError("F0 < 0")) if np.any(np.asarray(F0) < 0)
                         else (np.asarray(F) - F0) / F0}, "returned a result for a baseline containing 0"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: _raise(ValueError("F0 must have the shape of F"))
                         if np.ndim(F0) and np.shape(F0) != np.shape(F) else (np.asarray(F) - F0) / F0},
     "compute_dff(<array (20, 3000)>, <array (20, 1)>)"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: ns["dff"].delta_f_over_f}, "write this yourself"),
    ("ex-dff-fn-check", {"compute_dff": lambda ns: lambda F, F0: ns["dff"].delta_f_over_f(F, F0)}, "write this yourself"),
    ("ex-peaks-check", {"peak_dff": lambda ns: 100 * ns["peak_dff"]}, "percentages"),
    ("ex-peaks-check", {"peak_dff": lambda ns: ns["peak_dff"][::-1].copy()}, "order is reversed"),
    ("ex-peaks-check", {"peak_dff": lambda ns: np.array([np.max(ns["F"][ns["k"]] - f0) for f0 in ns["f0_options"].values()])},
     "maxima of ΔF"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(_mad(x))}, "0.6745 σ: scale it"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(1.48 * _mad(x))}, "the median of the absolute deviations"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(1.4826 * np.median(np.abs(x)))}, "subtract the median of x"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(np.std(x))}, "standard deviation"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(1.4826 * np.mean(np.abs(x - np.median(x))))}, "not their mean"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(1.4826 * _lower_median(np.abs(x - _lower_median(x))))},
     "averages the two middle values"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: ns["dff"].noise_sd(x, "mad")}, "write this yourself"),
    ("ex-mad-check", {"mad_sigma": lambda ns: lambda x: float(ns["dff"].noise_sd(x))}, "write this yourself"),
    ("ex-sigmas-check", {"sigma_std": lambda ns: ns["dff_true"].std(axis=0)}, "reduced over neurons"),
    ("ex-sigmas-check", {"sigma_std": lambda ns: ns["dff_true"].std(axis=1, ddof=1)}, "ddof=0"),
    ("ex-sigmas-check", {"sigma_mad": lambda ns: _mad(ns["dff_true"], axis=1)}, "0.6745 σ: scale it"),
    ("ex-sigmas-check", {"sigma_mad": lambda ns: 1.4826 * np.median(np.abs(ns["dff_true"] - np.median(ns["dff_true"])), axis=1)},
     "each neuron's own median"),
    ("ex-allen-check", {"f0_allen": lambda ns: np.percentile(ns["F_allen"], 0.1, axis=1)}, "0.1th percentile"),
    ("ex-allen-check", {"f0_allen": lambda ns: np.percentile(ns["F_allen"], 10, axis=0)}, "reduced over the ROIs"),
    ("ex-allen-check", {"noise_allen": lambda ns: ns["dff"].noise_sd(ns["F_allen"], "mad")}, "'diff_mad'"),
    ("ex-allen-check", {"f0_safe": lambda ns: ~ns["f0_safe"]}, "comparison is reversed"),
    ("ex-allen-check", {"f0_safe": lambda ns: ns["f0_safe"].astype(int)}, "boolean"),
    ("ex-allen-check", {"f0_safe": lambda ns: ns["f0_safe"].astype(float)}, "do not convert it to numbers"),
    ("ex-s2p-check", {"n_safe_r07": lambda ns: _safe_count(ns, 0.7, unsafe=True)}, "counts the unsafe"),
    ("ex-s2p-check", {"n_safe_r07": lambda ns: _safe_count(ns, 0.7, cells_only=True)}, "not only those classified as cells"),
    ("ex-s2p-check", {"n_safe_r10": lambda ns: _safe_count(ns, 1.0, unsafe=True)}, "counts the unsafe"),
    ("ex-s2p-check", {"n_safe_r10": lambda ns: ns["n_safe_r07"]}, "subtract 1.0 * Fneu"),
    ("ex-threshold-check", {"sigma_wav": lambda ns: float(np.median(np.abs(ns["coeffs"][1])) / 0.6745)}, "coarsest detail band"),
    ("ex-threshold-check", {"sigma_wav": lambda ns: float(np.median(np.abs(ns["coeffs"][-1])))}, "divide the median of |cD1| by 0.6745"),
    ("ex-threshold-check", {"threshold_u": lambda ns: float(ns["sigma_wav"] * np.sqrt(2 * np.log10(len(ns["x"]))))}, "np.log10"),
    ("ex-threshold-check", {"threshold_u": lambda ns: float(ns["sigma_wav"] * np.sqrt(2 * np.log(ns["coeffs"][-1].size)))},
     "not the number of coefficients"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: _denoise(x, w, L, mode="hard")}, "use soft thresholding"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: _denoise(x, w, L, approx=True)}, "leave the approximation"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: _denoise(x, w, L, trim=False)}, "one sample more"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: _denoise(ns["dff_true"][ns["k"]], w, L)[:len(x)]},
     "values differ"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: np.asarray(x, dtype=float)}, "input unchanged"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: _denoise(x, "sym4", L)}, "passed as arguments"),
    ("ex-wavelet-check", {"wavelet_denoise_trace": lambda ns: lambda x, w, L: ns["dff"].wavelet_denoise(x, w, L)},
     "write this yourself"),
    ("ex-levels-check", {"raw_error": lambda ns: ns["raw_error"] ** 2}, "mean squared error"),
    ("ex-levels-check", {"level_errors": lambda ns: _rms_levels(ns, ns["x"])}, "not with the noisy trace"),
    ("ex-levels-check", {"level_errors": lambda ns: ns["level_errors"] ** 2}, "take the square root"),
    ("ex-levels-check", {"best_level": lambda ns: ns["best_level"] - 1}, "add 1"),
    ("ex-levels-check", {"best_level": lambda ns: float(ns["best_level"])}, "whole number"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: _snr(x, sigma=np.std)}, "not the standard deviation"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: _snr(x, signal=np.max)}, "not the maximum"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: _snr(x, centre=False)}, "subtract the median"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: _snr(x, sigma=lambda v: 1.4826 * _mad(np.diff(v)) / np.sqrt(2))},
     "not of its differences"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: _snr(x, signal=lambda v: np.sort(v)[int(0.99 * v.size)])},
     "default linear interpolation"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: ns["dff"].snr(x)}, "write this yourself"),
    ("ex-snr-check", {"snr": lambda ns: lambda x: float(ns["dff"].snr(x, "p99", "mad"))}, "write this yourself"),
    ("ex-mydff-check", {"my_dff": lambda ns: _const_dff}, "the quiet level is off zero"),
    ("ex-mydff-check", {"my_dff": lambda ns: _old_recipe_dff}, "the quiet level is off zero"),
    ("ex-mydff-check", {"my_dff": lambda ns: lambda t, fs: 100 * ns["my_dff"](t, fs)}, "do not multiply by 100"),
    ("ex-mydff-check", {"my_dff": lambda ns: lambda t, fs: ns["my_dff"](t, fs)[1:]}, "one ΔF/F₀ value"),
    ("ex-allen-snr-check", {"snr_raw": lambda ns: ns["snr_denoised"]}, "SNR of the denoised traces"),
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: np.asarray(x, dtype=float).copy()}, "reduces the noise only 1.00-fold"),
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: ns["dff"].wavelet_denoise(x, "sym4", 4)}, "shrinks or delays the peaks"),
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: ndimage.uniform_filter1d(np.asarray(x, float), int(fs))},
     "shrinks or delays the peaks"),
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: 100 * ns["my_denoise"](x, fs)}, "not in percent"),
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: ns["my_denoise"](x, fs)[:-1]}, "one denoised value per frame"),
    # Tuned in frames to the visible 30 Hz recording: 3 frames is 0.1 s there, 0.4 s at 7.5 Hz.
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: ndimage.gaussian_filter1d(np.asarray(x, float), 3)},
     lt.Hidden("shrinks or delays the peaks")),
    # A 5-frame median filter passes at 30 Hz (noise 1.84-fold, peaks 7 % off) but cuts the peaks at 7.5 Hz.
    ("ex-mydenoise-check", {"my_denoise": lambda ns: lambda x, fs: ndimage.median_filter(np.asarray(x, float), 5)},
     lt.Hidden("shrinks or delays the peaks")),
    ("ex-allen-snr-check", {"snr_raw": lambda ns: (np.percentile(ns["allen_dff"], 99, axis=0) - np.median(ns["allen_dff"], axis=0))
                            / (1.4826 * _mad(ns["allen_dff"], axis=0))}, "axis=1"),
    ("ex-allen-snr-check", {"snr_denoised": lambda ns: ns["dff"].snr(ns["allen_denoised"], noise="diff_mad")}, "'diff_mad' collapses"),
    ("ex-allen-snr-check", {"snr_gain": lambda ns: float(np.median(ns["snr_raw"] / ns["snr_denoised"]))}, "raw over denoised"),
    ("ex-allen-snr-check", {"snr_gain": lambda ns: float(np.median(ns["snr_denoised"]) / np.median(ns["snr_raw"]))},
     "not the ratio of the medians"),
]


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)


def test_zero_baseline_is_refused_by_the_reference_solution(lesson):
    _, namespace = lesson
    with pytest.raises(ValueError):
        namespace["compute_dff"](np.ones(5), np.array([1.0, 1.0, 0.0, 1.0, 1.0]))


def test_snr_may_use_the_course_noise_estimate(lesson):
    """Exercise 5.1 allows dff.noise_sd for σ: only dff.snr, the exercise's reference, is refused."""
    checks, namespace = lesson
    allowed = lambda x: float((np.percentile(x, 99) - np.median(x)) / namespace["dff"].noise_sd(x, "mad"))  # noqa: E731
    lt.run_check(lt.visible(checks["ex-snr-check"]), {"snr": allowed})


# ---------------------------------------------------------------- answer keys, computed independently

def test_f0_error_effect_by_hand():
    from helpers.lessons import dff_denoising
    trace = np.array([100.0, 100.0, 100.0, 150.0, 300.0])      # median 100: peaks 0.5 and 2.0
    change, quiet = dff_denoising.f0_error_effect(trace, 1.1)
    assert change == pytest.approx((300 / 110 - 1) / 2.0 - 1)   # -0.1364: more than 10 % smaller
    assert quiet == pytest.approx(100 / 110 - 1)                 # -0.0909
    assert dff_denoising.f0_error_effect(trace, 1.0) == (0.0, 0.0)


def test_denoising_scores_by_hand():
    from helpers.lessons import dff_denoising
    calcium = np.zeros(40)
    calcium[10], calcium[30] = 1.0, 0.5                           # two isolated true peaks
    noise = np.tile([0.2, -0.2, 0.1, -0.1], 10)                  # MAD of x - c: 0.15
    noisy = calcium + noise
    denoised = calcium + noise / 4                                # noise 4-fold smaller ...
    denoised[10], denoised[30] = 0.8, 0.45                        # ... peaks 20 % and 10 % low
    gain, error, bias = dff_denoising.denoising_scores(denoised[None], noisy[None], calcium[None])

    def mad(values):            # by sorting: the mean of the two middle values, twice
        def middle(v):
            v = sorted(v)
            return (v[len(v) // 2 - 1] + v[len(v) // 2]) / 2
        centre = middle(values)
        return middle([abs(v - centre) for v in values])

    assert mad(list(noise)) == pytest.approx(0.15)
    assert gain == pytest.approx(0.15 / mad(list(denoised - calcium)))
    assert 3.5 < gain < 7
    assert error == pytest.approx(0.15) and bias == pytest.approx(-0.15)     # medians of (0.2, 0.1)


def test_true_peaks_against_a_loop():
    """Every local maximum above the height whose drop to the higher of its two side minima (up to
    a higher point) is at least the prominence, found by a plain loop."""
    from helpers.lessons import dff_denoising
    for neuron in range(4):
        calcium = dff_denoising.recording(0).truth.calcium[neuron]
        want = []
        for p in range(1, calcium.size - 1):
            if not (calcium[p] > calcium[p - 1] and calcium[p] >= calcium[p + 1]) or calcium[p] < dff_denoising.PEAK_HEIGHT:
                continue
            bases = []
            for side in (calcium[:p][::-1], calcium[p + 1:]):
                higher = np.flatnonzero(side > calcium[p])
                bases.append(side[:higher[0]].min() if higher.size else side.min())
            if calcium[p] - max(bases) >= dff_denoising.PEAK_PROMINENCE:
                want.append(p)
        assert dff_denoising.true_peaks(calcium).tolist() == want


def test_dff_error_and_binned_by_hand():
    from helpers.lessons import dff_denoising
    x = np.arange(10.0)                                            # 2 Hz, 1 s bins of 2 frames: 0.5, 2.5, 4.5, 6.5, 8.5
    assert dff_denoising.binned(x, 2.0).tolist() == [0.5, 2.5, 4.5, 6.5, 8.5]
    assert dff_denoising.binned(np.arange(7.0), 2.0).tolist() == [0.5, 2.5, 4.5]    # partial bin dropped
    assert dff_denoising.dff_error(x + np.array([1, 1, 0, 0, 0, 0, 0, 0, -1, -3]), x, 2.0) == pytest.approx((1 + 2) / 5)


def test_band_sigma_and_universal_threshold_by_hand():
    from helpers.lessons import dff_denoising
    band = np.array([-0.6745, 0.2, 1.0, -3.0, 0.6745])              # median |c| = 0.6745 -> sigma 1
    assert dff_denoising._band_sigma(band) == pytest.approx(1.0)


def test_f0_estimates_against_scipy():
    from scipy import ndimage as ndi
    from helpers.lessons import dff_denoising
    trace = dff_denoising.soma_traces(0)[3]
    options = dff_denoising.f0_estimates(trace, 30.0)
    assert np.allclose(options["constant median"], np.median(trace))
    assert np.allclose(options["moving median, 11 frames"], ndi.median_filter(trace, 11, mode="nearest"))
    assert np.allclose(options["moving median, 201 frames"], ndi.median_filter(trace, 201, mode="nearest"))
    # The rolling percentile is helpers.baseline's, tested against a loop in tests/test_baseline.py.
    assert list(options) == ["constant median", "moving median, 11 frames", "moving median, 201 frames",
                             "rolling 10th percentile, 30 s"]
