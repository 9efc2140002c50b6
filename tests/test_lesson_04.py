"""Lesson 04: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest
from scipy import ndimage, signal

LESSON = "04-baseline"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _rows(function, F, *args, **kwargs):
    return np.vstack([function(row, *args, **kwargs) for row in F])


def _ema(trace, a, start):
    out = np.empty_like(trace)
    previous = start
    for i, value in enumerate(trace):
        previous = previous + a * (value - previous)
        out[i] = previous
    return out


def _maximin(trace, fs, sigma=10, window_s=60.0, mode="nearest", as_float=True, size=None):
    """Maximin written with SciPy's filters (as a learner would), with one convention changed."""
    size = round(window_s * fs) if size is None else size
    smooth = ndimage.gaussian_filter1d(np.asarray(trace, dtype=float) if as_float else trace, sigma, mode=mode)
    return ndimage.maximum_filter1d(ndimage.minimum_filter1d(smooth, size, mode=mode), size, mode=mode)


def _edge_errors(ns, columns):
    F, f0 = ns["F"], ns["F0_true"]
    return {mode: ns["lesson04"].baseline_error(ns["baseline"].moving_median(F, 1001, mode=mode)[:, columns],
                                                f0[:, columns]).mean()
            for mode in ("nearest", "reflect", "mirror", "wrap")}


def _smoothed_percentile(ns, q, window_s, *, online=False):
    """A learner's baseline: the q-th percentile over `window_s` of the trace smoothed over 0.5 s,
    centred (using future frames) or, `online`, over the past only."""
    def baseline_of(trace, fs):
        trace = np.asarray(trace, dtype=float)
        if not online:
            return ns["baseline"].rolling_percentile(ndimage.gaussian_filter1d(trace, 0.5 * fs), q, window_s, fs)
        w = round(window_s * fs)
        return ndimage.percentile_filter(ns["baseline"].ema_baseline(trace, 0.5, fs), q, size=w, origin=(w - 1) // 2)
    return baseline_of


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-const-check", {"f0_mean": lambda ns: ns["F"].mean()}, "mean over every neuron"),
    ("ex-const-check", {"f0_median": lambda ns: ns["trace"].mean()}, "that is the mean"),
    ("ex-const-check", {"f0_p10": lambda ns: np.percentile(ns["trace"], 0.1)}, "not 0.1"),
    ("ex-const-check", {"f0_p10": lambda ns: np.percentile(ns["trace"], 90)}, "90th percentile"),
    ("ex-const-check", {"f0_mean": lambda ns: np.array([ns["trace"].mean()])}, "not a single number"),
    ("ex-error-check", {"baseline_error": lambda ns: lambda e, t: 100 * np.mean(np.abs(e - t) / t, axis=-1)}, "percent"),
    ("ex-error-check", {"baseline_error": lambda ns: lambda e, t: np.mean((e - t) / t, axis=-1)}, "absolute difference"),
    ("ex-error-check", {"baseline_error": lambda ns: lambda e, t: np.mean(np.abs(e - t) / e, axis=-1)}, "not by the estimate"),
    ("ex-error-check", {"baseline_error": lambda ns: lambda e, t: np.mean(np.abs(e - t) / t, axis=0)}, "averaged over neurons"),
    ("ex-error-check", {"baseline_error": lambda ns: lambda e, t: np.mean(np.abs(e - t) / t)}, "one error per neuron"),
    ("ex-error-check", {"baseline_error": lambda ns: ns["lesson04"].baseline_error}, "write this yourself"),
    ("ex-error-check", {"baseline_error": lambda ns: lambda e, t: ns["lesson04"].baseline_error(e, t)}, "write this yourself"),
    ("ex-consterr-check", {"constant_errors": lambda ns: ns["constant_errors"].T.copy()}, "transpose"),
    ("ex-consterr-check", {"constant_errors": lambda ns: ns["constant_errors"][::-1].copy()}, "wrong order"),
    ("ex-consterr-check", {"constant_errors": lambda ns: np.vstack([
        ns["lesson04"].baseline_error(np.full(ns["F"].shape, v), ns["F0_true"])
        for v in (ns["F"].mean(), np.median(ns["F"]), np.percentile(ns["F"], 10))])}, "its own constant"),
    ("ex-consterr-check", {"constant_errors": lambda ns: ns["constant_errors"].mean(axis=1)}, "do not average over the neurons"),
    # Exercise 1.4: predict, then measure what an F0 10 % too high does to a spike's dF/F0.
    ("ex-dffbias-check", {"spike_dff_high": lambda ns: 0.9 * ns["spike_dff_true"]}, "naive prediction"),
    ("ex-dffbias-check", {"spike_dff_high": lambda ns: float((ns["F"][ns["spike_cell"], ns["spike_frame"]]
                                                              - 1.1 * ns["F0_spike"][ns["spike_frame"]])
                                                             / ns["F0_spike"][ns["spike_frame"]])}, "in both places"),
    ("ex-dffbias-check", {"spike_dff_true": lambda ns: 100 * ns["spike_dff_true"]}, "in percent"),
    ("ex-dffbias-check", {"spike_dff_true": lambda ns: float(ns["dff_true"].max())}, "at spike_frame"),
    ("ex-dffbias-check", {"quiet_level_high": lambda ns: float(np.median(ns["dff_true"]))}, "with the true F0"),
    ("ex-dffbias-check", {"quiet_level_high": lambda ns: float(ns["dff_high"].mean())}, "not the mean"),
    ("ex-dffbias-check", {"spike_dff_high": lambda ns: np.array([ns["spike_dff_high"]])}, "not a single number"),
    ("ex-movmed-check", {"median_101": lambda ns: ndimage.median_filter(ns["trace"], size=101, mode="wrap")}, "periodic"),
    ("ex-movmed-check", {"median_101": lambda ns: ndimage.median_filter(ns["trace"], size=101, mode="constant")}, "zeros"),
    ("ex-movmed-check", {"median_101_bias": lambda ns: 100 * ns["median_101_bias"]}, "in percent"),
    ("ex-movmed-check", {"median_101_bias": lambda ns: float(np.mean((ns["median_101"] - ns["F0_true"][ns["cell"]])
                                                                     / ns["median_101"]))}, "not by your baseline"),
    ("ex-movmed-check", {"median_101_bias": lambda ns: -ns["median_101_bias"]}, "sign is flipped"),
    ("ex-movmed-check", {"median_101": lambda ns: ndimage.uniform_filter1d(ns["trace"], 101, mode="nearest")}, "moving mean"),
    ("ex-movmed-check", {"median_101": lambda ns: ndimage.median_filter(ns["trace"], size=11, mode="nearest")}, "11 frames"),
    ("ex-windows-check", {"window_errors": lambda ns: np.array([
        np.median(ns["lesson04"].baseline_error(ns["baseline"].moving_median(ns["F"], w), ns["F0_true"]))
        for w in ns["lesson04"].WINDOWS])}, "not the median"),
    ("ex-windows-check", {"window_errors": lambda ns: np.array([
        ns["lesson04"].baseline_error(ns["baseline"].moving_median(ns["trace"], w), ns["F0_true"][ns["cell"]])
        for w in ns["lesson04"].WINDOWS])}, "example neuron only"),
    ("ex-windows-check", {"best_window": lambda ns: int(np.argmin(ns["window_errors"]))}, "position of the best window"),
    ("ex-windows-check", {"best_window": lambda ns: int(ns["lesson04"].WINDOWS[np.argmax(ns["window_errors"])])}, "largest error"),
    ("ex-windows-check", {"best_window": lambda ns: float(ns["best_window"])}, "whole number"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ndimage.percentile_filter(tr, q, size=int(w), mode="nearest")}, "window_s is in seconds"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ndimage.percentile_filter(tr, q, size=int(w * fs), mode="nearest")}, "truncates"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ndimage.percentile_filter(tr, q / 100, size=round(w * fs), mode="nearest")}, "not a fraction"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ndimage.percentile_filter(np.asarray(tr, dtype=float), q, size=round(w * fs), mode="wrap")}, "periodic"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs: np.percentile(
        np.lib.stride_tricks.sliding_window_view(np.pad(tr, (round(w * fs) // 2, (round(w * fs) - 1) // 2), mode="edge"),
                                                 round(w * fs)), q, axis=-1)}, "interpolation"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ndimage.percentile_filter(np.asarray(tr, dtype=float), q, size=round(w * 4.8), mode="nearest") if fs != 4.8 else
        ndimage.percentile_filter(np.asarray(tr, dtype=float), q, size=round(w * fs), mode="nearest")}, lt.Hidden("passed as arguments")),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ndimage.percentile_filter(tr, q, size=round(w * fs), mode="nearest")}, "float array is asked for"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: ns["baseline"].rolling_percentile}, "write this yourself"),
    ("ex-rollpct-check", {"rolling_percentile_baseline": lambda ns: lambda tr, q, w, fs:
        ns["baseline"].rolling_percentile(tr, q, w, fs)}, "write this yourself"),
    ("ex-qerr-check", {"q_errors": lambda ns: np.array([
        ns["lesson04"].baseline_error(ns["baseline"].rolling_percentile(ns["F"], q, 60 / ns["fs"], ns["fs"]), ns["F0_true"]).mean()
        for q in ns["lesson04"].PERCENTILES])}, "not 60 frames"),
    ("ex-qerr-check", {"q_errors": lambda ns: 100 * ns["q_errors"]}, "do not multiply by 100"),
    ("ex-qerr-check", {"best_q": lambda ns: int(np.argmin(ns["q_errors"]))}, "position of the best percentile"),
    ("ex-qerr-check", {"best_q": lambda ns: int(ns["lesson04"].PERCENTILES[np.argmax(ns["q_errors"])])}, "largest error"),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: _ema(tr, 1 - np.exp(-1 / (tau * fs)), 0.0)}, "not at 0"),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: _ema(tr, 1 / (tau * fs), tr[0])}, "approximation"),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: _ema(tr, 1 - np.exp(-1 / tau), tr[0])}, "in seconds"),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: signal.filtfilt(
        [1 - np.exp(-1 / (tau * fs))], [1, -np.exp(-1 / (tau * fs))], tr)}, "causal"),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: _ema(np.asarray(tr, dtype=float), 1 - np.exp(-1 / (tau * 4.8)), tr[0])},
     lt.Hidden("passed as arguments")),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: _ema(tr, 1 - np.exp(-1 / (tau * fs)), tr[0])},
     "float array is asked for"),
    ("ex-ema-check", {"ema_baseline": lambda ns: ns["baseline"].ema_baseline}, "write this yourself"),
    ("ex-ema-check", {"ema_baseline": lambda ns: lambda tr, tau, fs: ns["baseline"].ema_baseline(tr, tau, fs)}, "write this yourself"),
    # Exercise 4.3 (open): an online baseline within 4 % of the true F0, using no future frame.
    ("ex-online-check", {"online_baseline": lambda ns: lambda tr, fs: ns["baseline"].ema_baseline(tr, 30.0, fs)},
     "an average of the past (an EMA) counts every transient"),
    ("ex-online-check", {"online_baseline": lambda ns: lambda tr, fs: ns["baseline"].ema_baseline(tr, 120.0, fs)},
     "rides up on the transients"),
    ("ex-online-check", {"online_baseline": lambda ns: _smoothed_percentile(ns, 10, 20.0)}, "is not online"),
    ("ex-online-check", {"online_baseline": lambda ns: lambda tr, fs: np.full(len(tr), np.median(tr))}, "is not online"),
    ("ex-online-check", {"online_baseline": lambda ns: lambda tr, fs: np.full(len(tr), float(tr[0]))},
     "one value per neuron cannot follow bleaching"),
    ("ex-online-check", {"online_baseline": lambda ns: lambda tr, fs: ns["online_baseline"](tr, fs) * 0.9},
     "sinks below the quiet level"),
    ("ex-online-check", {"online_baseline": lambda ns: lambda tr, fs: ns["online_baseline"](tr, fs).tolist()}, "not a NumPy array"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: ndimage.minimum_filter1d(
        ndimage.gaussian_filter1d(np.asarray(tr, dtype=float), 10, mode="nearest"), round(60 * fs), mode="nearest")},
     "rolling maximum"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: _maximin(tr, fs, sigma=10 * fs)}, "not 10 seconds"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: _maximin(tr, fs, mode="wrap")}, "periodic"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: ndimage.maximum_filter1d(ndimage.minimum_filter1d(
        np.asarray(tr, dtype=float), round(60 * fs), mode="nearest"), round(60 * fs), mode="nearest")}, "smooth first"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: _maximin(tr, fs, size=60)}, "not 60 frames"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: _maximin(tr, fs, size=int(60 * fs))}, "truncates"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: _maximin(tr, 4.8)}, "passed as arguments"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: _maximin(tr, fs, as_float=False)},
     "float array is asked for"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: ns["baseline"].maximin}, "write this yourself"),
    ("ex-maximin-check", {"maximin_baseline": lambda ns: lambda tr, fs: ns["baseline"].maximin(tr, fs)}, "write this yourself"),
    ("ex-drift-check", {"drift_free": lambda ns: ns["trace"] - ns["lower_envelope"]}, "keeps its level"),
    ("ex-drift-check", {"drift_free": lambda ns: ns["trace"].copy()}, "misses some of the drift"),
    ("ex-drift-check", {"drift_free": lambda ns: ns["baseline"].remove_slow_drift(ns["trace"], ns["fs"], cutoff_s=20 / ns["fs"])},
     "rises with the bursts"),
    ("ex-drift-check", {"drift_free": lambda ns: ns["lower_envelope"].copy()}, "slow part itself"),
    ("ex-drift-check", {"drift_free": lambda ns: ns["trace"] - (ns["lowpass"] - np.median(ns["lowpass"]))}, "lower envelope"),
    ("ex-edges-check", {"edge_errors": lambda ns: _edge_errors(ns, slice(None))}, "whole trace"),
    ("ex-edges-check", {"edge_errors": lambda ns: _edge_errors(ns, slice(0, 500))}, "add the last 500"),
    ("ex-edges-check", {"edge_errors": lambda ns: list(ns["edge_errors"].values())}, "not a dict"),
    ("ex-edges-check", {"edge_errors": lambda ns: {k.upper(): v for k, v in ns["edge_errors"].items()}}, "mode names as keys"),
    # Exercise 8.1 (open): any baseline within 4 % of the true F0, here and on unseen recordings.
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: np.full(len(tr), np.median(tr))},
     "one value per neuron cannot follow bleaching"),
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: ns["baseline"].moving_median(tr, 301)},
     "rides up on the transients"),
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: ns["baseline"].ema_baseline(tr, 30.0, fs)},
     "an average (mean, EMA) counts every transient"),
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: ns["baseline"].rolling_percentile(tr, 10, 60.0, fs)},
     lt.Hidden("a low percentile of a noisy trace lies below its middle")),
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: ns["baseline"].maximin(tr, fs)},
     lt.Hidden("it rides up on the transients")),
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: ns["baseline"].rolling_percentile(tr, 5, 60.0, fs)},
     "sinks below the quiet level"),
    ("ex-mybaseline-check", {"my_baseline": lambda ns: lambda tr, fs: ns["baseline"].rolling_percentile(
        np.asarray(tr, dtype=int), 10, 30.0, fs).astype(int)}, "float array is asked for"),
    ("ex-allen-check", {"allen_f0": lambda ns: _rows(ndimage.percentile_filter, ns["allen"].traces, 10, size=round(60 * 30.0),
                                                     mode="nearest")}, "not 30 Hz"),
    ("ex-allen-check", {"allen_f0": lambda ns: _rows(ndimage.percentile_filter, ns["allen"].traces, 10, size=60,
                                                     mode="nearest")}, "not 60 frames"),
    ("ex-allen-check", {"allen_f0": lambda ns: ns["allen_f0"].T.copy()}, "layout (neurons, frames)"),
]


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)
