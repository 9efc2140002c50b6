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


def prf_dividing_by_zero(detected, true, tol):
    """The greedy matching without the conventions for empty inputs."""
    used, matched = set(), 0
    for t in true:
        for i, d in enumerate(detected):
            if i not in used and abs(d - t) <= tol:
                used.add(i)
                matched += 1
                break
    precision, recall = matched / len(detected), matched / len(true)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)


def prf_recall_0_with_nothing_to_find(ns):
    def prf(detected, true, tol):
        precision, recall, f1 = ns["precision_recall_f1"](detected, true, tol)
        return (precision, 0.0, 0.0) if len(true) == 0 else (precision, recall, f1)
    return prf


def fwhm_wrapping_around(trace, peak, baseline, fs):
    """Walks past frame 0 to trace[-1] (Python's negative index) instead of stopping at the edge."""
    x = np.asarray(trace, dtype=float)
    half = baseline + (x[peak] - baseline) / 2

    def crossing(step):
        i = peak
        while x[i % x.size] > half:
            i += step
        return i - step * (half - x[i % x.size]) / (x[(i - step) % x.size] - x[i % x.size])
    return (crossing(+1) - crossing(-1)) / fs


def fwhm_index_error_at_the_end(trace, peak, baseline, fs):
    """Stops at frame 0 on the left, but walks off the end of a trace still above the level."""
    x = np.asarray(trace, dtype=float)
    half = baseline + (x[peak] - baseline) / 2
    left, right = peak, peak
    while left > 0 and x[left] > half:
        left -= 1
    while x[right] > half:
        right += 1
    left_crossing = left if x[left] >= half else left + (half - x[left]) / (x[left + 1] - x[left])
    return (right - (half - x[right]) / (x[right - 1] - x[right]) - left_crossing) / fs


def fwhm_strictly_below(trace, peak, baseline, fs):
    """Crossings at the first sample strictly below the half level (a sample on it is passed over)."""
    x = np.asarray(trace, dtype=float)
    half = baseline + (x[peak] - baseline) / 2

    def crossing(step):
        i, edge = peak, (0 if step < 0 else x.size - 1)
        while i != edge and x[i] >= half:
            i += step
        if x[i] >= half:
            return float(i)
        return i - step * (half - x[i]) / (x[i - step] - x[i])
    return (crossing(+1) - crossing(-1)) / fs


def summary_with(**wrong):
    """The solution's summarise_events with some entries computed another (wrong) way: each of
    `wrong` is a function of (neuron, onset, n_neurons, n_frames, fs, counts, right answer)."""
    def make(ns):
        def summarise(neuron, onset, n_neurons, n_frames, fs):
            right = ns["summarise_events"](neuron, onset, n_neurons, n_frames, fs)
            counts = np.bincount(neuron, minlength=n_neurons)
            return right | {key: f(neuron, onset, n_neurons, n_frames, fs, counts, right) for key, f in wrong.items()}
        return summarise
    return make


def summary_by_event_features(ns):
    ev = ns["ev"]

    def summarise(neuron, onset, n_neurons, n_frames, fs):
        zeros = np.zeros(neuron.size)
        f = ev.event_features(ev.Events(neuron, onset, onset, onset + 1, zeros, zeros, np.zeros(n_neurons),
                                        np.ones(n_neurons), fs, n_frames, n_neurons))
        return {"rates_hz": f.rate_hz, "mean_rate_hz": float(f.rate_hz.mean()), "iei_s": f.iei_s,
                "fraction_active": f.fraction_active}
    return summarise


def fraction_where(keep, above):
    """A compound-event fraction with another rule for the neurons kept and the events counted."""
    return lambda ns: lambda amplitudes: np.array([above(np.asarray(a)) for a in amplitudes if keep(len(a))], dtype=float)


def sweep_with(ns, *, true=None, reverse=False):
    """The solution's score_thresholds, scoring against other true frames or in reverse order."""
    def sweep(dff, fs, bursts, ks):
        scores = ns["score_thresholds"](dff, fs, bursts if true is None else true(ns), ks)
        return tuple(s[::-1].copy() for s in scores) if reverse else scores
    return sweep


def single_spikes(ns):
    return [np.asarray(s) for s in ns["truth"].spike_frames]


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
    ("ex-robustz-check", {"robust_z": lambda ns: ns["ev"].robust_zscore}, "write this yourself"),
    ("ex-robustz-check", {"robust_z": lambda ns: lambda x: ns["ev"].robust_zscore(x)}, "write this yourself"),
    ("ex-robustz-check", {"robust_z": lambda ns: lambda x: (x - np.sort(x)[x.size // 2]) / robust_sigma(x)},
     "two middle values"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: np.flatnonzero(z > k)}, "all frames above k"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: crossings_before}, "just BEFORE each crossing"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: z > k}, "int values are expected"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: crossings_without_frame_0}, "frame 0 counts"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: crossings_at_or_above}, "equal to k is not above k"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: np.array(
        [t for t in range(len(z)) if z[t] > k and (t == 0 or z[t - 1] <= k)])}, "an empty one too"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: np.array(
        [t for t in range(1, len(z)) if z[t] > k and z[t - 1] <= k], dtype=int)}, "frame 0 counts"),
    ("ex-onsets-check", {"threshold_onsets": lambda ns: lambda z, k: ns["threshold_onsets"](z, 3.0)},
     lt.Hidden("use the arguments passed in")),
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
    ("ex-fwhm-check", {"fwhm_s": lambda ns: fwhm_wrapping_around}, "edge of the recording"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: fwhm_index_error_at_the_end}, "raised IndexError"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: fwhm_strictly_below}, "exactly at the half level is the crossing"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: ns["lesson06"].fwhm_reference}, "write this yourself"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: lambda tr, p, b, fs: ns["lesson06"].fwhm_reference(tr, p, b, fs)},
     "write this yourself"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: lambda tr, p, b, fs: np.subtract(
        *ns["lesson06"].half_max_crossings(tr, p, b)[::-1]) / fs}, "write this yourself"),
    ("ex-fwhm-check", {"fwhm_s": lambda ns: lambda tr, p, b, fs: ns["fwhm_s"](tr, p, b, 10.0)},
     lt.Hidden("use the arguments passed in")),
    ("ex-raster-check", {"onset_raster": lambda ns: ns["ev"].event_raster(ns["sim_events"]).T.copy()}, "neurons on rows"),
    ("ex-raster-check", {"onset_raster": lambda ns: _marks(ns, "peak")}, "you marked the peaks"),
    ("ex-raster-check", {"onset_raster": lambda ns: _marks(ns, "offset")}, "you marked the offsets"),
    ("ex-raster-check", {"onset_raster": lambda ns: ns["onset_raster"].astype(float)}, "dtype=bool"),
    ("ex-raster-check", {"onset_raster": lambda ns: np.zeros(ns["dff"].shape)}, "dtype=bool"),
    ("ex-features-check", {"summarise_events": summary_with(rates_hz=lambda n, o, N, T, fs, c, r: c.astype(float))},
     "these are counts"),
    ("ex-features-check", {"summarise_events": summary_with(rates_hz=lambda n, o, N, T, fs, c, r: r["rates_hz"] * 60)},
     "events per minute"),
    ("ex-features-check", {"summarise_events": summary_with(mean_rate_hz=lambda n, o, N, T, fs, c, r: float(r["rates_hz"].sum()))},
     "total rate of the population"),
    ("ex-features-check", {"summarise_events": summary_with(iei_s=lambda n, o, N, T, fs, c, r: np.diff(o) / fs)},
     "to the next neuron's first"),
    ("ex-features-check", {"summarise_events": summary_with(iei_s=lambda n, o, N, T, fs, c, r: r["iei_s"] * fs)},
     "intervals in frames"),
    ("ex-features-check", {"summarise_events": summary_with(fraction_active=lambda n, o, N, T, fs, c, r: 100 * r["fraction_active"])},
     "not a percentage"),
    ("ex-features-check", {"summarise_events": summary_with(
        mean_rate_hz=lambda n, o, N, T, fs, c, r: float(r["rates_hz"][c > 0].mean()))}, "silent ones included"),
    ("ex-features-check", {"summarise_events": summary_with(
        rates_hz=lambda n, o, N, T, fs, c, r: np.bincount(n) / (T / fs))}, "silent neurons at the end are missing"),
    ("ex-features-check", {"summarise_events": summary_with(rates_hz=lambda n, o, N, T, fs, c, r: c / (T / 10.0))},
     "use the fs and n_frames passed in"),
    ("ex-features-check", {"summarise_events": summary_by_event_features}, "write this yourself"),
    ("ex-metric-check", {"compound_event_fraction": fraction_where(lambda n: True, lambda a: np.mean(a > 1.5 * np.median(a)) if a.size else 0.0)},
     "fewer than 3 events"),
    ("ex-metric-check", {"compound_event_fraction": fraction_where(lambda n: n >= 3, lambda a: np.mean(a > 1.5 * np.mean(a)))},
     "not the mean"),
    ("ex-metric-check", {"compound_event_fraction": fraction_where(lambda n: n >= 3, lambda a: np.sum(a > 1.5 * np.median(a)))},
     "count of large events"),
    ("ex-metric-check", {"compound_event_fraction": fraction_where(lambda n: n > 3, lambda a: np.mean(a > 1.5 * np.median(a)))},
     "exactly 3 events"),
    ("ex-metric-check", {"compound_event_fraction": fraction_where(lambda n: n >= 3, lambda a: np.mean(a >= 1.5 * np.median(a)))},
     "the comparison is strict"),
    ("ex-metric-check", {"compound_event_fraction": lambda ns: ns["lesson06"].compound_fraction}, "write this yourself"),
    ("ex-metric-check", {"compound_event_fraction": lambda ns: lambda amplitudes: ns["lesson06"].compound_fraction(amplitudes)},
     "write this yourself"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_many_to_one}, "one-to-one"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_variant(ns, swap=True)}, "swapped"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_variant(ns, strict=True)}, "inclusive"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: lambda d, t, tol: list(ns["precision_recall_f1"](d, t, tol))},
     "tuple of three numbers"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: lambda d, t, tol: ns["precision_recall_f1"](d, t, tol)[:2] + (1.0,)
                      if len(d) and len(t) else ns["precision_recall_f1"](d, t, tol)}, "earliest unused detection"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: prf_dividing_by_zero}, "raised ZeroDivisionError"),
    ("ex-prf-check", {"precision_recall_f1": prf_recall_0_with_nothing_to_find}, "with nothing to find, recall is 1"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: lambda d, t, tol: ns["precision_recall_f1"](d, t, tol)
                      if len(d) and len(t) else (0.0, 0.0, 0.0)}, "with nothing detected, precision is 1"),
    ("ex-prf-check", {"precision_recall_f1": lambda ns: lambda d, t, tol: (
        lambda s: (s.precision, s.recall, s.f1))(ns["ev"].match_events(d, t, 1.0, tol))}, "write this yourself"),
    ("ex-sweep-check", {"recall_by_k": lambda ns: np.array([ns["ev"].match_events(
        ns["ev"].detect_events(ns["dff"], ns["fs"], k=k).per_neuron("onset"), [np.asarray(s) for s in ns["truth"].spike_frames],
        ns["fs"], 0.5).recall for k in ns["lesson06"].K_SWEEP])}, "single spikes"),
    ("ex-sweep-check", {"f1_by_k": lambda ns: ns["f1_by_k"][::-1].copy()}, "reverse order"),
    ("ex-sweep-check", {"score_thresholds": lambda ns: sweep_with(ns, reverse=True)}, "reverse order"),
    ("ex-sweep-check", {"score_thresholds": lambda ns: sweep_with(ns, true=single_spikes)}, "single spikes"),
    ("ex-sweep-check", {"score_thresholds": lambda ns: lambda dff, fs, bursts, ks: tuple(
        np.array([getattr(ns["ev"].match_events(ns["ev"].detect_events(dff, fs, k=k).per_neuron("peak"), bursts, fs, 0.5), name)
                  for k in ks]) for name in ("precision", "recall", "f1"))}, "you scored the peaks"),
    ("ex-sweep-check", {"score_thresholds": lambda ns: lambda dff, fs, bursts, ks: ns["lesson06"].k_sweep(dff, fs, bursts, ks)},
     "write this yourself"),
    ("ex-sweep-check", {"score_thresholds": lambda ns: lambda dff, fs, bursts, ks: ns["score_thresholds"](
        dff, fs, bursts, ns["lesson06"].K_SWEEP)}, lt.Hidden("one value per k of the ks passed in")),
    ("ex-sweep-check", {"score_thresholds": lambda ns: ns["lesson06"].k_sweep}, "write this yourself"),
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
