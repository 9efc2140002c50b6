"""Lesson 09: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest
from scipy.signal import find_peaks

LESSON = "09-spike-inference"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _exp(normalise_by_peak=False, frames_as_seconds=False):
    def kernel(tau_s, fs, duration_s):
        t = np.arange(round(duration_s * fs)) / (1.0 if frames_as_seconds else fs)
        h = np.exp(-t / tau_s)
        return h / (h.max() if normalise_by_peak else h.sum())
    return kernel


def _exp_truncated(tau_s, fs, duration_s):
    h = np.exp(-np.arange(int(duration_s * fs)) / fs / tau_s)
    return h / h.sum()


def _exp_at_30_hz(tau_s, fs, duration_s):
    h = np.exp(-np.arange(round(duration_s * 30.0)) / 30.0 / tau_s)
    return h / h.sum()


def _convolve_by_shifts(spikes, kernel):
    """Adds each kernel sample's shifted copy of the train: breaks when the kernel is the longer."""
    c = np.zeros(len(spikes))
    for j, h in enumerate(kernel):
        c[j:] += h * spikes[:len(spikes) - j]
    return c


def _binned(keep_last):
    def corr(inferred, counts, n):
        if keep_last:
            a = np.add.reduceat(np.asarray(inferred, float), np.arange(0, len(inferred), n))
            b = np.add.reduceat(np.asarray(counts, float), np.arange(0, len(counts), n))
        else:
            a, b = inferred, counts
        return float(np.corrcoef(a, b)[0, 1])
    return corr


def _corr_by_g(ns, field="spikes", bin_s=1.0):
    sp, fs, truth = ns["sp"], ns["fs"], ns["truth"]
    return np.array([sp.binned_rate_correlation(getattr(sp.deconvolve(ns["dff"][2], fs, g=g), field),
                                                truth.spikes[2], fs, bin_s if bin_s else 1 / fs)
                     for g in ns["lesson09"].G_VALUES])


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-expkernel-check", {"exp_kernel": lambda ns: _exp(normalise_by_peak=True)}, "divide by its sum"),
    ("ex-expkernel-check", {"exp_kernel": lambda ns: _exp(frames_as_seconds=True)}, "frame indices as times"),
    ("ex-expkernel-check", {"exp_kernel": lambda ns: lambda tau, fs, d: np.exp(-np.arange(round(d * fs) + 1) / fs / tau)},
     "one sample too many"),
    ("ex-convolve-check", {"convolve_spikes": lambda ns: lambda s, k: np.convolve(s, k)}, "trim it"),
    ("ex-convolve-check", {"convolve_spikes": lambda ns: lambda s, k: np.convolve(s, k, mode="same")}, "centres the kernel"),
    ("ex-convolve-check", {"convolve_spikes": lambda ns: lambda s, k: np.convolve(s, k[::-1])[:len(s)]}, "reversed"),
    ("ex-tau-check", {"peak_by_tau": lambda ns: ns["peak_by_tau"][::-1].copy()}, "reverse order"),
    ("ex-tau-check", {"peak_by_tau": lambda ns: np.array([ns["sp"].convolve_spikes(ns["truth"].spikes[6], ns["sp"].exponential_kernel(
        tau, ns["fs"], 10.0)).max() for tau in ns["lesson09"].TAUS_S])}, "kernels sum to 1"),
    ("ex-tpeak-check", {"t_peak_6s_s": lambda ns: ns["t_peak_6s_s"] * 1000}, "not milliseconds"),
    ("ex-tpeak-check", {"t_peak_6f_s": lambda ns: ns["t_peak_6s_s"]}, "other indicator"),
    ("ex-tpeak-check", {"t_peak_6f_s": lambda ns: float(np.log10(ns["decay_6f"] / ns["rise_6f"]) * ns["rise_6f"] * ns["decay_6f"]
                                                       / (ns["decay_6f"] - ns["rise_6f"]))}, "natural logarithm"),
    ("ex-rise-check", {"peak_by_rise": lambda ns: np.ones(len(ns["lesson09"].RISES_S))}, "normalised to peak 1"),
    ("ex-rise-check", {"peak_by_rise": lambda ns: ns["peak_by_rise"][::-1].copy()}, "reverse order"),
    ("ex-ar1-check", {"ar1_g": lambda ns: lambda tau, fs: float(np.exp(-1 / tau))}, "frame rate is missing"),
    ("ex-ar1-check", {"ar1_g": lambda ns: lambda tau, fs: float(1 - np.exp(-1 / (tau * fs)))}, "1 - g"),
    ("ex-ar1-check", {"ar1_g": lambda ns: lambda tau, fs: float(np.exp(-fs / tau))}, "exp(-fs / tau)"),
    ("ex-gfs-check", {"g_by_fs": lambda ns: np.exp(-1 / (0.55 * np.array(ns["lesson09"].FRAME_RATES)))}, "half-decay"),
    ("ex-gfs-check", {"g_by_fs": lambda ns: np.exp(-1 / (ns["truth"].indicator["rise_s"] * np.array(ns["lesson09"].FRAME_RATES)))},
     "rise time constant"),
    ("ex-gfs-check", {"g_ar2_6s_30hz": lambda ns: ns["g_ar2_6s_30hz"] * np.array([1, -1])}, "g2 is negative"),
    ("ex-oasis-check", {"decay_5_s": lambda ns: ns["decay_5_s"] * ns["fs"]}, "in frames"),
    ("ex-oasis-check", {"g_5": lambda ns: ns["sp"].ar_coefficients(ns["truth"].indicator["decay_s"], ns["fs"])[0]}, "true decay time"),
    ("ex-oasis-check", {"baseline_5": lambda ns: float(ns["dff"][5].mean())}, "mean of the trace"),
    ("ex-gsweep-check", {"corr_by_g": lambda ns: _corr_by_g(ns, field="calcium")}, "inferred calcium"),
    ("ex-gsweep-check", {"corr_by_g": lambda ns: _corr_by_g(ns, bin_s=None)}, "one-frame bins"),
    ("ex-gsweep-check", {"corr_by_g": lambda ns: ns["corr_by_g"][::-1].copy()}, "reverse order"),
    ("ex-thr-check", {"thr_pct": lambda ns: float(np.percentile(ns["s_ref"], 0.99))}, "from 0 to 100"),
    ("ex-thr-check", {"thr_std": lambda ns: float(ns["s_ref"].mean() + 3 * ns["s_ref"].std(ddof=1))}, "ddof=0"),
    ("ex-thr-check", {"thr_std": lambda ns: float(3 * ns["s_ref"].std())}, "add the mean"),
    ("ex-thr-check", {"thr_max": lambda ns: float(ns["s_ref"].max())}, "maximum itself"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: np.flatnonzero(s > th).astype(float)}, "frame indices"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: np.flatnonzero(s > th) * fs}, "not by fs"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: (np.flatnonzero(s > th) + 1) / fs}, "first frame is at 0 s"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: np.flatnonzero(s <= th) / fs}, "at or below"),
    ("ex-peaks-check", {"peak_frames": lambda ns: find_peaks(ns["s_ref"], height=0.3 * ns["s_ref"].max())[0]}, "minimum distance"),
    ("ex-peaks-check", {"peak_frames": lambda ns: np.flatnonzero(ns["s_ref"] > 0.3 * ns["s_ref"].max())}, "not the peaks"),
    ("ex-peaks-check", {"peak_times_s": lambda ns: ns["peak_frames"].astype(float)}, "divide by fs"),
    ("ex-bincorr-check", {"binned_correlation": lambda ns: _binned(keep_last=False)}, "without binning"),
    ("ex-bincorr-check", {"binned_correlation": lambda ns: _binned(keep_last=True)}, "incomplete last bin"),
    ("ex-score-check", {"median_r": lambda ns: float(np.nanmean(ns["score"].correlation))}, "mean over neurons"),
    ("ex-score-check", {"precision": lambda ns: ns["recall"], "recall": lambda ns: ns["precision"]}, "swapped"),
    ("ex-score-check", {"recall": lambda ns: ns["sp"].score_inference(
        ns["activity"], ns["truth"].spikes, ns["fs"], ns["sp"].spike_threshold(ns["activity"], fraction_of_max=0.3),
        bin_s=1.0, tolerance_s=0.2 / ns["fs"]).detection.recall}, "tolerance_s is in seconds"),
    ("ex-allen-check", {"allen_decay_s": lambda ns: ns["allen_decay_s"] * ns["allen"].fs}, "in frames"),
    ("ex-allen-check", {"allen_decay_s": lambda ns: ns["allen_g"].copy()}, "coefficients g themselves"),
    ("ex-allen-check", {"allen_median_decay_s": lambda ns: float(ns["allen_decay_s"].mean())}, "that is the mean"),
    # The package's reference is what the learner compares with, not the answer.
    ("ex-expkernel-check", {"exp_kernel": lambda ns: ns["sp"].exponential_kernel}, "write this yourself"),
    ("ex-expkernel-check", {"exp_kernel": lambda ns: lambda tau, fs, d: ns["sp"].normalise_kernel(np.exp(-np.arange(round(d * fs)) / fs / tau))},
     "write this yourself"),
    ("ex-convolve-check", {"convolve_spikes": lambda ns: ns["sp"].convolve_spikes}, "write this yourself"),
    ("ex-convolve-check", {"convolve_spikes": lambda ns: lambda s, k: ns["sp"].convolve_spikes(s, k)}, "write this yourself"),
    ("ex-ar1-check", {"ar1_g": lambda ns: lambda tau, fs: float(ns["sp"].ar_coefficients(tau, fs)[0])}, "write this yourself"),
    ("ex-times-check", {"spike_times_s": lambda ns: ns["sp"].spike_times_s}, "write this yourself"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: ns["sp"].spike_frames(s, th) / fs}, "write this yourself"),
    ("ex-bincorr-check", {"binned_correlation": lambda ns: lambda a, b, n: ns["sp"].binned_rate_correlation(a, b, 1.0, n)},
     "write this yourself"),
    ("ex-bincorr-check", {"binned_correlation": lambda ns: lambda a, b, n: float(np.corrcoef(
        ns["sp"]._bin_sums(np.atleast_2d(np.asarray(a, float)), n)[0], ns["sp"]._bin_sums(np.atleast_2d(np.asarray(b, float)), n)[0])[0, 1])},
     "write this yourself"),
    # Conventions the exercises state, caught by the visible checks.
    ("ex-expkernel-check", {"exp_kernel": lambda ns: _exp_truncated}, "int() truncates"),
    ("ex-expkernel-check", {"exp_kernel": lambda ns: _exp_at_30_hz}, "passed as arguments"),  # the 7.5 Hz case
    ("ex-convolve-check", {"convolve_spikes": lambda ns: _convolve_by_shifts}, "raised ValueError"),
    ("ex-bincorr-check", {"binned_correlation": lambda ns: lambda a, b, n: ns["binned_correlation"](a[len(a) % n:], b[len(b) % n:], n)},
     "the bins start at frame 0"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: np.flatnonzero(s >= th) / fs}, "strictly above"),
    ("ex-times-check", {"spike_times_s": lambda ns: lambda s, fs, th: np.flatnonzero(s > th) / fs if np.any(s > th) else None},
     "an empty one when no frame is above"),
    ("ex-score-check", {"precision": lambda ns: ns["sp"].score_inference(
        ns["activity"], ns["truth"].spikes, ns["fs"], 0.3 * ns["activity"].max(), bin_s=1.0, tolerance_s=0.2).detection.precision},
     "its own threshold"),
    # Mistakes only other data reveal: the hidden tests' frame rates.
    ("ex-ar1-check", {"ar1_g": lambda ns: lambda tau, fs: float(np.exp(-1 / (tau * 30.0)))}, lt.Hidden("use the arguments")),
]


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    counts = {grade_id: sum(w[0] == grade_id for w in WRONG) for grade_id in checks}
    assert min(counts.values()) >= 2, counts
