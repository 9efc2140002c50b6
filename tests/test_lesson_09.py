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


def _detect_every_frame(dff, fs):
    from helpers import spikes as sp
    activity = sp.deconvolve(dff, fs).spikes
    return [np.flatnonzero(a > t) / fs for a, t in zip(activity, sp.spike_threshold(activity, fraction_of_max=0.3))]


def _detect_dff_onsets(dff, fs):
    """Lesson 06's threshold crossings of dF/F0 at mean + 3 sd: one onset per event."""
    out = []
    for row in dff:
        above = row > row.mean() + 3 * row.std()
        out.append((np.flatnonzero(above[1:] & ~above[:-1]) + 1) / fs)
    return out


def _detect_late(ns):
    def detect(dff, fs):
        return [np.minimum(t + 0.3, (dff.shape[1] - 1) / fs) for t in ns["detect_spikes"](dff, fs)]
    return detect


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
    # Exercise 6.2 (open): the naive detectors fail the F1 bound with the hint for their mistake.
    ("ex-score-check", {"detect_spikes": lambda ns: _detect_every_frame}, "keep one time per peak"),
    ("ex-score-check", {"detect_spikes": lambda ns: _detect_dff_onsets}, "lower the threshold"),
    ("ex-score-check", {"detect_spikes": lambda ns: _detect_late(ns)}, "more than 0.2 s from it"),
    ("ex-score-check", {"detect_spikes": lambda ns: lambda dff, fs: [t * fs for t in ns["detect_spikes"](dff, fs)]},
     "times are in seconds"),
    ("ex-score-check", {"detect_spikes": lambda ns: lambda dff, fs: np.concatenate(ns["detect_spikes"](dff, fs))},
     "one array of spike times per neuron"),
    # Exercise 6.3 (open): the naive inferences fail the correlation bound with the hint for their mistake.
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: ns["sp"].deconvolve(dff, fs).spikes}, "comes late"),
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: np.clip(dff, 0, None)}, "follows the ΔF/F₀ itself"),
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: np.array(dff)}, "negative values"),
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: ns["infer_activity"](dff, fs) + 0.05}, "never 0"),
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: ns["infer_activity"](dff, fs)[:, :-1]},
     "one value of activity per frame"),
    # Exercise 8.1 (scored, not graded on the score): only outputs that break the conventions fail.
    ("ex-real-check", {"my_inference": lambda ns: lambda dff, fs: np.array(dff)}, "negative values"),
    ("ex-real-check", {"my_inference": lambda ns: lambda dff, fs: ns["my_inference"](dff, fs) + 0.01}, "never 0"),
    ("ex-real-check", {"my_inference": lambda ns: lambda dff, fs: ns["my_inference"](dff, fs)[None]},
     "one value of activity per frame"),
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
    # Mistakes only other data reveal: the hidden tests' frame rates.
    ("ex-ar1-check", {"ar1_g": lambda ns: lambda tau, fs: float(np.exp(-1 / (tau * 30.0)))}, lt.Hidden("use the arguments")),
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: ns["sp"].infer_spikes(dff, fs, decay_s=0.686, rise_s=0.0706).spikes},
     lt.Hidden("fixed for one indicator and frame rate")),
    ("ex-infer-check", {"infer_activity": lambda ns: lambda dff, fs: np.pad(ns["sp"].deconvolve(dff, fs).spikes[:, 2:], ((0, 0), (0, 2)))},
     lt.Hidden("a shift in frames")),
]


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    counts = {grade_id: sum(w[0] == grade_id for w in WRONG) for grade_id in checks}
    assert min(counts.values()) >= 2, counts


# --------------------------------------------------------------------------- answer keys, checked independently

def test_time_to_peak_key_is_the_argmax_of_a_finely_sampled_kernel():
    from helpers.lessons import spike_inference as lesson09
    for rise, decay in [(0.0706, 0.686), (0.0175, 0.1783), (0.2, 0.5)]:
        t = np.linspace(0, 2.0, 2_000_001)
        brute = t[np.argmax(np.exp(-t / decay) - np.exp(-t / rise))]
        assert abs(lesson09._time_to_peak(rise, decay) - brute) < 2e-6


def test_decay_key_inverts_g_by_hand():
    from helpers.lessons import spike_inference as lesson09
    # g = exp(-1 / (tau fs)): tau = 0.5 s at 20 Hz gives g = exp(-0.1)
    assert lesson09._decay_s(np.exp(-0.1), 20.0) == pytest.approx(0.5, rel=1e-12)
    assert lesson09._decay_s(np.exp(-1.0), 1.0) == pytest.approx(1.0, rel=1e-12)


def test_simulated_dff_is_the_true_calcium_plus_zero_mean_noise():
    from helpers.lessons import spike_inference as lesson09
    dff, fs, truth = lesson09.simulated_dff()
    residual = dff - truth.calcium
    assert fs == 30.0 and dff.shape == truth.calcium.shape
    assert np.abs(residual.mean(axis=1)).max() < 0.01
    expected_sd = truth.noise_sd / truth.f0.mean(axis=1)  # additive noise over the baseline
    np.testing.assert_allclose(residual.std(axis=1), expected_sd, rtol=0.15)


def _reshaped_correlation(activity, counts, n):
    m = activity.size // n
    return np.corrcoef(activity[:m * n].reshape(m, n).sum(1), counts[:m * n].reshape(m, n).sum(1))[0, 1]


def test_activity_correlation_key_matches_numpy_bins_when_bins_are_whole_frames():
    from helpers.lessons import spike_inference as lesson09
    dff, fs, truth = lesson09.simulated_dff()
    rng = np.random.default_rng(0)
    activity = truth.spikes + rng.random(truth.spikes.shape)     # 0.1 s = 3 frames at 30 Hz
    got = lesson09.activity_correlation(activity, truth, fs, 0.1)
    brute = [_reshaped_correlation(a, c.astype(float), 3) for a, c in zip(activity, truth.spikes)]
    np.testing.assert_allclose(got, brute, rtol=1e-9)
    got_1s = lesson09.activity_correlation(activity, truth, fs, 1.0)
    np.testing.assert_allclose(got_1s, [_reshaped_correlation(a, c.astype(float), 30) for a, c in zip(activity, truth.spikes)],
                               rtol=1e-9)


def _brute_force_matches(detected, true, tolerance):
    """The largest one-to-one matching, by trying every assignment (tiny inputs only)."""
    import itertools
    best = 0
    k = min(len(detected), len(true))
    for chosen in itertools.permutations(range(len(true)), k):
        best = max(best, sum(abs(detected[i] - true[j]) <= tolerance + 1e-12 for i, j in enumerate(chosen)))
    if len(detected) > len(true):  # also let every subset of detections take part
        for chosen in itertools.permutations(range(len(detected)), len(true)):
            best = max(best, sum(abs(detected[i] - true[j]) <= tolerance + 1e-12 for j, i in enumerate(chosen)))
    return best


def test_detection_score_key_is_a_maximum_one_to_one_matching():
    import types
    from helpers.lessons import spike_inference as lesson09
    fs = 10.0
    rng = np.random.default_rng(1)
    for _ in range(30):
        true_frames = np.sort(rng.integers(0, 60, rng.integers(1, 6)))
        detected_s = np.sort(rng.integers(0, 60, rng.integers(0, 6))) / fs
        truth = types.SimpleNamespace(spike_frames=[true_frames])
        score = lesson09.detection_score([detected_s], truth, fs, tolerance_s=0.2)
        matched = _brute_force_matches(np.round(detected_s * fs), true_frames, 2.0)
        assert score.n_matched == matched
        assert score.recall == pytest.approx(matched / true_frames.size)
        assert score.precision == pytest.approx(matched / detected_s.size if detected_s.size else 1.0)
    # by hand: a spike at frame 5 twice (a doublet) and one detection: one of two found
    truth = types.SimpleNamespace(spike_frames=[np.array([5, 5])])
    assert lesson09.detection_score([np.array([0.5])], truth, fs).recall == pytest.approx(0.5)


def _gaussian_smooth_by_hand(x, sigma_frames):
    radius = int(4 * sigma_frames + 0.5)
    k = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma_frames) ** 2)
    padded = np.pad(x, radius, mode="symmetric")   # SciPy's "reflect"
    return np.convolve(padded, k / k.sum(), mode="valid")


def test_real_scores_key_against_plain_numpy_at_25_hz():
    import types
    from helpers.lessons import spike_inference as lesson09
    fs = 25.0                                          # one frame per spikefinder bin
    rng = np.random.default_rng(2)
    frames = np.arange(500)
    counts = rng.poisson(0.2, frames.size)
    spike_times = np.repeat((frames + 0.5) / fs, counts)
    activity = counts + 0.5 * rng.random(frames.size)
    rec = types.SimpleNamespace(frame_times_s=(frames + 0.5) / fs, spike_times_s=spike_times, fs=fs)
    r25, smooth = lesson09.real_scores(activity, rec)
    assert r25 == pytest.approx(np.corrcoef(activity, counts)[0, 1], rel=1e-9)
    sigma = lesson09.SIGMA_S * fs
    expected = np.corrcoef(_gaussian_smooth_by_hand(activity, sigma), _gaussian_smooth_by_hand(counts.astype(float), sigma))[0, 1]
    assert smooth == pytest.approx(expected, rel=1e-9)


def test_open_checks_hidden_recordings_differ_from_the_lesson():
    from helpers.lessons import spike_inference as lesson09
    kinds = {(o.get("indicator", "GCaMP6s"), o.get("fs", 30.0), o.get("roi_pixels", 50)) for _, o in lesson09.OPEN_UNSEEN}
    assert ("GCaMP6s", 30.0, 50) not in kinds and len(kinds) == len(lesson09.OPEN_UNSEEN)
    assert {i for i, _, _ in kinds} == {"GCaMP6s", "GCaMP6f"}


def test_published_scores_key_at_25_hz_is_the_per_frame_correlation():
    from helpers.lessons import spike_inference as lesson09
    dff, fs, truth = lesson09.simulated_dff(seed=5, fs=25.0, n_neurons=3, duration_s=40.0)
    activity = np.clip(dff, 0, None)
    got = lesson09.published_scores(activity, truth, fs)["r 25 Hz"]
    brute = np.nanmedian([np.corrcoef(a, c)[0, 1] for a, c in zip(activity, truth.spikes)])
    assert got == pytest.approx(brute, rel=1e-9)


def test_reference_deconvolution_follows_the_ar1_model_of_the_true_decay():
    from helpers.lessons import spike_inference as lesson09
    _, fs, truth = lesson09.simulated_dff()
    ref = lesson09.reference_deconvolution()
    g = np.exp(-1 / (truth.indicator["decay_s"] * fs))          # by hand, not sp.ar_coefficients
    innovations = ref.calcium[1:] - g * ref.calcium[:-1]
    np.testing.assert_allclose(innovations, ref.spikes[1:], atol=1e-6)
    assert ref.spikes.min() >= -1e-9
