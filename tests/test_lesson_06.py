"""Lesson 06: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import math

import lesson_tools as lt
import numpy as np
import pytest
from scipy.signal import find_peaks

LESSON = "06-events"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def robust_sigma(x, axis=-1):
    return 1.4826 * np.median(np.abs(x - np.median(x, axis=axis, keepdims=True)), axis=axis)


def crossings_before(z, k):
    above = z > k
    return np.flatnonzero(above[1:] & ~above[:-1])  # the last frame below, not the first above


def crossings_without_frame_0(z, k):
    return np.flatnonzero((z[1:] > k) & (z[:-1] <= k)) + 1


def crossings_at_or_above(z, k):
    above = z >= k
    return np.flatnonzero(above & ~np.r_[False, above[:-1]])


def fwhm_no_interpolation(trace, peak, baseline, fs):
    half = baseline + (trace[peak] - baseline) / 2
    left = peak
    while left > 0 and trace[left] > half:
        left -= 1
    right = peak
    while right < len(trace) - 1 and trace[right] > half:
        right += 1
    return (right - left) / fs


def fwhm_right_side(trace, peak, baseline, fs):
    """Peak to the right half-maximum crossing only."""
    half = baseline + (trace[peak] - baseline) / 2
    i = peak
    while i < len(trace) - 1 and trace[i] > half:
        i += 1
    if trace[i] < half:
        i -= (half - trace[i]) / (trace[i - 1] - trace[i])
    return (i - peak) / fs


def prf_many_to_one(detected, true, tol):
    near = np.abs(np.asarray(detected)[:, None] - np.asarray(true)[None, :]) <= tol
    precision = near.any(axis=1).mean() if len(detected) else 1.0
    recall = near.any(axis=0).mean() if len(true) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def prf_variant(ns, *, swap=False, strict=False):
    def prf(detected, true, tol):
        used, matched = set(), 0
        for t in true:
            for i, d in enumerate(detected):
                if i not in used and (abs(d - t) < tol if strict else abs(d - t) <= tol):
                    used.add(i)
                    matched += 1
                    break
        precision = matched / len(detected) if len(detected) else 1.0
        recall = matched / len(true) if len(true) else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return (recall, precision, f1) if swap else (precision, recall, f1)
    return prf


def features_per_minute(ns):
    return ns["rates_hz"] * 60


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-bursts-check", {"n_spikes_4": lambda ns: len(ns["truth"].spike_frames)}, "number of neurons"),
    ("ex-bursts-check", {"n_bursts_4": lambda ns: ns["n_spikes_4"]}, "that is the number of spikes"),
    ("ex-bursts-check", {"n_bursts_4": lambda ns: len(ns["ev"].spike_bursts(
        ns["truth"].spike_frames[4], ns["fs"], ns["truth"].indicator["decay_s"] * ns["fs"]))}, "merge_s is in seconds"),
    ("ex-sigma-check", {"noise_sigma": lambda ns: ns["noise_sigma"] / 1.4826}, "the MAD itself"),
    ("ex-sigma-check", {"noise_sigma": lambda ns: ns["dff"].std(axis=1)}, "that is the standard deviation"),
    ("ex-sigma-check", {"noise_sigma": lambda ns: robust_sigma(ns["dff"], axis=0)}, "reduced over axis 0"),
    ("ex-sigma-check", {"noise_std": lambda ns: ns["dff"].std(axis=1, ddof=1)}, "ddof=0"),
    ("ex-robustz-check", {"robust_z": lambda ns: lambda x: (x - x.mean()) / x.std()}, "ordinary z-score"),
    ("ex-robustz-check", {"robust_z": lambda ns: lambda x: (x - np.median(x)) / (robust_sigma(x) / 1.4826)},
     "not by the MAD alone"),
    ("ex-robustz-check", {"robust_z": lambda ns: lambda x: (ns["dff"][4] - np.median(ns["dff"][4])) / robust_sigma(ns["dff"][4])},
     "the trace passed in"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: np.flatnonzero(z > k)}, "all frames above k"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: crossings_before}, "just BEFORE each crossing"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: z > k}, "int values are expected"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: crossings_without_frame_0}, "frame 0 counts"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: crossings_at_or_above}, "equal to k is not above k"),
    ("ex-quiet-check", {"n_quiet_both": lambda ns: len(ns["ev"].detect_events(ns["quiet"], ns["quiet_fs"], min_amplitude=15))},
     "not 15"),
    ("ex-quiet-check", {"n_quiet_both": lambda ns: ns["n_quiet_k_only"]}, "without the absolute threshold"),
    ("ex-quiet-check", {"n_quiet_k_only": lambda ns: ns["n_quiet_both"]}, "with its defaults"),
    ("ex-peaks-check", {"peak_frames": lambda ns: find_peaks(ns["dff"][4], height=3.0, distance=math.ceil(ns["fs"]))[0]},
     "not in z units"),
    ("ex-peaks-check", {"peak_frames": lambda ns: find_peaks(ns["dff"][4], height=ns["level"], distance=1)[0]},
     "distance is in frames"),
    ("ex-peaks-check", {"peak_frames": lambda ns: find_peaks(ns["dff"][4], height=np.median(ns["dff"][4]) + 3 * ns["dff"][4].std(),
                                                            distance=math.ceil(ns["fs"]))[0]}, "not the standard deviation"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: lambda tr, p, b, fs: ns["fwhm_s"](tr, p, b, fs) * fs}, "width in frames"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: lambda tr, p, b, fs: ns["fwhm_s"](tr, p, 0.0, fs)}, "relative to the baseline"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: fwhm_no_interpolation}, "interpolate the crossings linearly"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: fwhm_right_side}, "one side of the peak only"),
    ("ex-raster-check", {"onset_raster": lambda ns: ns["ev"].event_raster(ns["sim_events"]).T.copy()}, "neurons on rows"),
    ("ex-raster-check", {"onset_raster": lambda ns: _marks(ns, "peak")}, "you marked the peaks"),
    ("ex-raster-check", {"onset_raster": lambda ns: _marks(ns, "offset")}, "you marked the offsets"),
    ("ex-features-check", {"rates_hz": lambda ns: ns["counts"].astype(float)}, "these are counts"),
    ("ex-features-check", {"rates_hz": features_per_minute}, "events per minute"),
    ("ex-features-check", {"mean_rate_hz": lambda ns: float(ns["rates_hz"].sum())}, "total rate of the population"),
    ("ex-features-check", {"iei_s": lambda ns: np.diff(ns["sim_events"].onset) / ns["fs"]}, "to the next neuron's first"),
    ("ex-features-check", {"iei_s": lambda ns: ns["iei_s"] * ns["fs"]}, "intervals in frames"),
    ("ex-features-check", {"fraction_active": lambda ns: 100 * ns["fraction_active"]}, "not a percentage"),
    ("ex-metric-check", {"compound_fraction": lambda ns: np.array(
        [np.mean(a > 1.5 * np.median(a)) if a.size else 0.0 for a in ns["sim_events"].per_neuron("amplitude")])},
     "fewer than 3 events"),
    ("ex-metric-check", {"compound_fraction": lambda ns: np.array(
        [np.mean(a > 1.5 * np.mean(a)) for a in ns["sim_events"].per_neuron("amplitude") if a.size >= 3])}, "not the mean"),
    ("ex-metric-check", {"compound_fraction": lambda ns: np.array(
        [np.sum(a > 1.5 * np.median(a)) for a in ns["sim_events"].per_neuron("amplitude") if a.size >= 3], dtype=float)},
     "count of large events"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_many_to_one}, "one-to-one"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_variant(ns, swap=True)}, "swapped"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_variant(ns, strict=True)}, "inclusive"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: lambda d, t, tol: list(ns["precision_recall_f1"](d, t, tol))},
     "tuple of three numbers"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: lambda d, t, tol: ns["precision_recall_f1"](d, t, tol)[:2] + (1.0,)
                      if len(d) and len(t) else ns["precision_recall_f1"](d, t, tol)}, "earliest unused detection"),
    ("ex-sweep-check", {"recall_by_k": lambda ns: np.array([ns["ev"].match_events(
        ns["ev"].detect_events(ns["dff"], ns["fs"], k=k).per_neuron("onset"), [np.asarray(s) for s in ns["truth"].spike_frames],
        ns["fs"], 0.5).recall for k in ns["lesson06"].K_SWEEP])}, "single spikes"),
    ("ex-sweep-check", {"f1_by_k": lambda ns: ns["f1_by_k"][::-1].copy()}, "reverse order"),
    ("ex-sweep-check", {"best_k": lambda ns: float(np.argmax(ns["f1_by_k"]))}, "index of the best k"),
    ("ex-allen-check", {"allen_mean_rate_hz": lambda ns: 60 * ns["allen_mean_rate_hz"]}, "events per minute"),
    ("ex-allen-check", {"allen_mean_rate_hz": lambda ns: float(ns["allen_features"].rate_hz[ns["allen_features"].rate_hz > 0].mean())},
     "active neurons only"),
    ("ex-allen-check", {"allen_fraction_active": lambda ns: 100 * ns["allen_fraction_active"]}, "not a percentage"),
    ("ex-allen-check", {"allen_median_fwhm_s": lambda ns: 30.0 * ns["allen_median_fwhm_s"]}, "that is in frames"),
    ("ex-allen-check", {"allen_median_fwhm_s": lambda ns: float(np.mean(ns["allen_events"].fwhm_s))}, "the mean"),
]


def _marks(ns, field):
    e = ns["sim_events"]
    raster = np.zeros(ns["dff"].shape, dtype=bool)
    raster[e.neuron, np.minimum(getattr(e, field), ns["dff"].shape[1] - 1)] = True
    return raster


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    lt.assert_two_wrong_answers_per_check(checks, WRONG)


def test_the_quiet_neuron_needs_the_absolute_threshold(lesson):
    _, ns = lesson
    assert ns["n_quiet_both"] == len(ns["quiet_spikes"]) < ns["n_quiet_k_only"]


def test_the_metric_follows_the_truth_and_the_best_k_is_moderate(lesson):
    _, ns = lesson
    assert np.corrcoef(ns["cf_ref"], ns["true_multi"])[0, 1] > 0.7
    assert 2.5 <= ns["best_k"] <= 4 and ns["f1_by_k"].max() > 0.9
    assert np.all(np.diff(ns["precision_by_k"]) >= 0) and ns["recall_by_k"][0] > ns["recall_by_k"][-1]
