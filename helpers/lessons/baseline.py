"""Lesson 04 (baseline F0): the recordings its exercises use, its error measure, its figures and
the checks of its exercises.

Each ``check_*`` function is the whole of one check cell (``check_baseline_error(baseline_error)``):
it takes the learner's answers, recomputes everything else from the lesson's data and fails with
a message that names the likely mistake. ``unseen=True`` runs the hidden tests' variations (another
recording, frame rate and indicator, other parameters); the rules stay the ones the exercise states.

Three exercises are scored against the simulation's true baseline with a bound the exercise states,
not against a recipe: Exercise 6.1 (the learner's drift removal on the example neuron), Exercise 4.3
(an online baseline of the learner's design) and Exercise 8.1 (a baseline of the learner's design),
the last two also on recordings the learner never saw (:data:`UNSEEN_RECORDINGS`). The bounds were
calibrated with the reference solutions and typical weak answers; the numbers are beside each bound.
Where an edge mode is a free choice, the checks accept every mode the exercise allows
(:data:`ALLOWED_MODES`).
"""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy import ndimage, signal

from helpers import baseline, checks, data, plots, simulate

#: The lesson's recording: 30 GCaMP6s neurons, 6000 frames at 4.8 Hz (21 min), firing more than
#: the population preset (so activity biases the naive baselines visibly), bleaching to about
#: half over the session, a slow drift of 5 % and ROIs of 200 pixels (noise about 4 % of F0).
RECORDING = {"n_neurons": 30, "n_frames": 6000, "rate_hz": 0.2, "bleach_tau_s": 2000.0,
             "drift_fraction": 0.05, "roi_pixels": 200}

#: Hidden tests: other neurons at another frame rate and indicator, with faster bleaching.
OTHER_RECORDING = {"n_neurons": 4, "n_frames": 3000, "fs": 30.0, "indicator": "GCaMP6f",
                   "rate_hz": 0.5, "bleach_tau_s": 300.0, "drift_fraction": 0.05}

#: The Allen ROI traces carry no frame rate; the lesson assumes this one (about 11 Hz is the
#: data loader's unverified estimate).
ALLEN_FS_ASSUMED = 11.0

#: Windows (frames) of the moving-median exercise, and percentiles of the rolling-percentile one.
WINDOWS = (11, 31, 101, 301, 1001)
PERCENTILES = (5, 10, 20, 30, 50)

#: Edge modes the exercises allow where the mode is the learner's choice ("wrap" treats a
#: bleaching recording as periodic, Section 7).
ALLOWED_MODES = ("nearest", "reflect", "mirror")

#: Exercises 4.3 and 8.1, hidden tests: recordings with other bleaching and firing rates, and one
#: at another frame rate with another indicator (``population_traces`` / ``simulate_traces``).
UNSEEN_RECORDINGS = {
    "faster bleaching (tau 600 s), sparser firing": ("population", 1, {"bleach_tau_s": 600.0, "rate_hz": 0.05}),
    "slower bleaching (tau 5000 s), busier firing": ("population", 2, {"bleach_tau_s": 5000.0, "rate_hz": 0.3}),
    "30 Hz, GCaMP6f, 10 min": ("traces", 3, {"n_neurons": 10, "n_frames": 18000, "fs": 30.0, "indicator": "GCaMP6f",
                                             "rate_hz": 0.3, "bleach_tau_s": 1000.0, "drift_fraction": 0.05,
                                             "roi_pixels": 200}),
}
#: A recording to try a baseline on besides the lesson's (not one of the hidden ones).
PRACTICE = ("population", 9, {"bleach_tau_s": 600.0, "rate_hz": 0.05})


def recording(seed: int = 0) -> simulate.Recording:
    """``simulate.population_traces`` with :data:`RECORDING` (cached by the simulator)."""
    return simulate.population_traces(seed=seed, **RECORDING)


def steady_recording(seed: int = 0) -> simulate.Recording:
    """:func:`recording` without bleaching and drift: the same neurons, spikes and noise draws
    (the simulator's random streams are independent), so only activity and noise bias F0."""
    return simulate.population_traces(seed=seed, **(RECORDING | {"bleach_tau_s": math.inf,
                                                                 "drift_fraction": 0.0}))


def other_recording(seed: int = 11) -> simulate.Recording:
    """A recording the students never see (hidden tests): 30 Hz GCaMP6f, :data:`OTHER_RECORDING`."""
    return simulate.simulate_traces(seed=seed, **OTHER_RECORDING)


def _make(kind: str, seed: int, changes: dict) -> simulate.Recording:
    if kind == "population":
        return simulate.population_traces(seed=seed, **(RECORDING | changes))
    return simulate.simulate_traces(seed=seed, **changes)


def unseen_recordings() -> dict:
    """``{description: recording}`` of :data:`UNSEEN_RECORDINGS` (hidden tests of 4.3 and 8.1)."""
    return {what: _make(*spec) for what, spec in UNSEEN_RECORDINGS.items()}


def practice_recording() -> simulate.Recording:
    """Another 21 minutes like the lesson's, bleaching faster (tau 600 s) and firing less."""
    return _make(*PRACTICE)


def corrected(rec: simulate.Recording) -> np.ndarray:
    """Traces with the neuropil removed exactly, ``F - r * neuropil`` with the true `r` and
    neuropil: ``f0 * (1 + calcium) + noise``, whose true baseline is ``rec.truth.f0``."""
    return rec.traces - rec.truth.r[:, None] * rec.truth.neuropil


def most_active(rec: simulate.Recording) -> int:
    """Index of the neuron with the most spikes."""
    return int(np.argmax(rec.truth.spikes.sum(axis=1)))


def single_spike(rec: simulate.Recording, alone_s: float = 10.0) -> tuple[int, int]:
    """``(neuron, frame)``: the neuron with the fewest spikes among those with an isolated spike (no
    other spike within `alone_s` seconds), and the frame where that spike's first such transient
    peaks (the largest true calcium within 2 s after it)."""
    for neuron in np.argsort(rec.truth.spikes.sum(axis=1), kind="stable"):
        times = np.asarray(rec.truth.spike_times_s[neuron])
        alone = [t for t in times if np.sum(np.abs(times - t) < alone_s) == 1]
        if alone:
            start = int(alone[0] * rec.fs)
            after = rec.truth.calcium[neuron, start:start + round(2 * rec.fs)]
            return int(neuron), start + int(np.argmax(after))
    raise RuntimeError("no neuron of this recording has an isolated spike")


def baseline_error(F0_est, F0_true):
    """Mean over frames (last axis) of ``|F0_est - F0_true| / F0_true``, a fraction: one number
    for one trace, one per neuron for ``(n_neurons, n_frames)``."""
    F0_est, F0_true = np.asarray(F0_est, float), np.asarray(F0_true, float)
    return np.mean(np.abs(F0_est - F0_true) / F0_true, axis=-1)


def signed_bias(F0_est, F0_true):
    """Mean over frames of ``(F0_est - F0_true) / F0_true``: > 0 when the estimate is too high."""
    F0_est, F0_true = np.asarray(F0_est, float), np.asarray(F0_true, float)
    return np.mean((F0_est - F0_true) / F0_true, axis=-1)


def bias_figure(rec: simulate.Recording, ax=None):
    """Signed bias of the constant mean, median and 10th percentile against each neuron's rate
    (use a recording without bleaching and drift, :func:`steady_recording`, to see the effect of
    activity alone)."""
    F = corrected(rec)
    rate_hz = rec.truth.spikes.sum(axis=1) / (F.shape[1] / rec.fs)
    ax = ax if ax is not None else plt.subplots(figsize=(6, 4), layout="constrained")[1]
    for (stat, label), marker, colour in zip([("mean", "mean"), ("median", "median"),
                                              ("percentile", "10th percentile")], "os^", plots.OKABE_ITO):
        bias = signed_bias(baseline.constant_baseline(F, stat, q=10), rec.truth.f0)
        ax.scatter(rate_hz, 100 * bias, marker=marker, label=label, color=colour, alpha=0.8)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xlabel("firing rate (spikes/s)")
    ax.set_ylabel("bias of constant F0 (% of true F0)")
    ax.set_title("one value per neuron: bias against activity")
    ax.legend(frameon=False)
    return ax


# --------------------------------------------------------------------------- checks

#: The checks' name for the course's error measure: check_baseline_error's parameter is the
#: learner's function of the same name.
_reference_error = baseline_error

ONE_NUMBER_HINT = "one number for the whole trace of the example neuron"
PERCENT_HINT = "errors are fractions; do not multiply by 100"
PER_FRAME_HINT = "one baseline value per frame of the trace"
MEAN_NOT_MEDIAN_HINT = "take the mean over the neurons, not the median"
FLOAT_HINT = ("the exercise asks for floats: convert the trace to float first (filters and arrays made "
              "like an integer trace keep its integer type and truncate)")
ARGUMENTS_HINT = "use the trace, frame rate and parameters passed as arguments, not the lesson's variables"


def _seconds_hint(seconds: int) -> str:
    return f"the window is {seconds} seconds, converted to frames with the frame rate, not {seconds} frames"


def _lesson_traces() -> tuple[np.ndarray, np.ndarray, int, float]:
    """``(F, F0_true, example neuron, fs)`` of the lesson's recording."""
    rec = recording()
    return corrected(rec), rec.truth.f0, most_active(rec), rec.fs


def _as_counts(trace: np.ndarray) -> np.ndarray:
    """The trace as a camera stores it: whole counts in ``uint16`` (here in tenths)."""
    return np.rint(10 * trace).astype(np.uint16)


def _trace_cases(unseen: bool, visible: list, hidden_rows: list) -> list:
    """``(trace, *parameters, fs)`` cases: the visible ones, or rows of another recording at another
    frame rate (``hidden_rows``: ``(row, *parameters)``)."""
    if not unseen:
        return visible
    other = other_recording()
    traces = corrected(other)
    return [(traces[row], *parameters, other.fs) for row, *parameters in hidden_rows]


def _is_float_baseline(call: str, got, trace: np.ndarray) -> np.ndarray:
    checks.is_array(call, got, shape=trace.shape, hint=PER_FRAME_HINT)
    if got.dtype.kind != "f":
        checks.fail(call, f"has dtype {got.dtype}, but a float array is asked for.", FLOAT_HINT)
    return got


WRAP_HINT = ("'wrap' treats the recording as periodic: the start borrows the dim end of a bleaching session; "
             "choose one of the edge modes the exercise allows")
CONSTANT_MODE_HINT = "mode='constant' pads the ends with zeros: the baseline sinks there; choose an edge mode the exercise allows"


def _matches_a_mode(value, by_mode: dict, rtol: float = 1e-4) -> bool:
    """Whether `value` (already shape-checked) equals the result of one of the allowed edge modes."""
    return any(np.allclose(value, expected, rtol=rtol) for expected in by_mode.values())


def check_constant_baselines(f0_mean, f0_median, f0_p10):
    """Exercise 1.1: three constant baselines of the example trace: mean, median, 10th percentile."""
    F, _, cell, _ = _lesson_traces()
    trace = F[cell]
    ranked_p10 = np.sort(trace)[int(trace.size * 10 / 100)]
    answers = [
        ("f0_mean", f0_mean, trace.mean(), {
            "that is the mean over every neuron; take the mean of `trace` only": F.mean(),
            "that is the median; the exercise asks for the mean here": np.median(trace),
        }, "the mean of `trace` over all its frames"),
        ("f0_median", f0_median, np.median(trace), {
            "that is the median over every neuron; take the median of `trace` only": np.median(F),
            "that is the mean; the exercise asks for the median here": trace.mean(),
        }, "the median of `trace` over all its frames"),
        ("f0_p10", f0_p10, np.percentile(trace, 10), {
            "np.percentile takes q in percent: 10, not 0.1": np.percentile(trace, 0.1),
            "that is the 90th percentile; a baseline needs a low one, the 10th": np.percentile(trace, 90),
            "that is the 10th percentile over every neuron; use `trace` only": np.percentile(F, 10),
            "use np.percentile's default interpolation, not the ranked sample without interpolation": ranked_p10,
        }, "the 10th percentile of `trace`, with np.percentile's default (linear) interpolation"),
    ]
    for name, answer, expected, mistakes, hint in answers:
        checks.is_number(name, answer, hint=ONE_NUMBER_HINT)
        checks.close(name, answer, expected, rtol=1e-6, mistakes=mistakes, hint=hint)


def check_baseline_error(baseline_error, unseen=False):
    """Exercise 1.2: the learner's baseline error, for one trace and for (n_neurons, n_frames)."""
    F, f0, cell, _ = _lesson_traces()
    if unseen:  # another recording: 30 Hz GCaMP6f, faster bleaching
        other = other_recording()
        oF, of0 = corrected(other), other.truth.f0
        cases = [(est, of0) for est in (baseline.rolling_percentile(oF, 20, 10.0, other.fs),
                                         baseline.ema_baseline(oF, 5.0, other.fs))]
        cases += [(est[2], true[2]) for est, true in cases]
    else:
        cases = [(baseline.constant_baseline(F[cell], "median"), f0[cell]), (baseline.moving_median(F, 101), f0)]
    checks.is_function("baseline_error", baseline_error, n_params=2)
    for est, true in cases:
        got = checks.call("baseline_error", baseline_error, est, true, refuse=(_reference_error,))
        expected = _reference_error(est, true)
        if est.ndim == 1:
            name = "baseline_error(F0_est, F0_true) for one trace"
            checks.is_number(name, got, hint="for one trace return one number: the mean over frames")
        else:
            name = "baseline_error(F0_est, F0_true) for (n_neurons, n_frames)"
            checks.is_array(name, got, shape=expected.shape,
                            hint="average over frames only (the last axis): one error per neuron",
                            wrong_shapes={true.shape[-1:]:
                                          "you averaged over neurons (axis 0); average over frames, the last axis"})
        checks.close(name, got, expected, mistakes={
            "that is in percent; return a fraction (do not multiply by 100)": 100 * expected,
            "take the absolute difference before averaging, so that errors above and below the true F0 do not cancel":
                signed_bias(est, true),
            "divide by the true baseline F0_true, not by the estimate": np.mean(np.abs(est - true) / est, axis=-1),
            "average the absolute relative errors; this is the root mean square":
                np.sqrt(np.mean(((est - true) / true) ** 2, axis=-1)),
        }, hint="the error is the mean over frames of the absolute difference, relative to the true F0 (see the formula)")


def check_constant_errors(constant_errors):
    """Exercise 1.3: the error of each neuron's constant mean, median and 10th percentile."""
    F, f0, _, _ = _lesson_traces()
    expected = np.vstack([baseline_error(baseline.constant_baseline(F, stat, q=10), f0)
                          for stat in ("mean", "median", "percentile")])
    checks.is_array("constant_errors", constant_errors, shape=expected.shape,
                    hint="one row per method (mean, median, 10th percentile), one column per neuron",
                    wrong_shapes={expected.T.shape: "one row per method and one column per neuron: transpose your array",
                                  (3,): "keep one error per neuron: do not average over the neurons"})
    pooled = np.vstack([baseline_error(np.full(F.shape, value), f0)
                        for value in (F.mean(), np.median(F), np.percentile(F, 10))])
    checks.close("constant_errors", constant_errors, expected, mistakes={
        "each neuron needs its own constant: reduce each row of F (axis=1), not the whole array": pooled,
        "the rows are in the wrong order: mean, then median, then 10th percentile": expected[::-1],
        PERCENT_HINT: 100 * expected,
    }, hint="each neuron's own constant, the same at every frame, scored against F0_true with the course's error")


def check_dff_bias(spike_dff_true, spike_dff_high, quiet_level_high):
    """Exercise 1.4: a single spike's dF/F0 with the true F0 and with an F0 10 % too high, and the
    quiet level of the latter."""
    rec = recording()
    F, f0 = corrected(rec), rec.truth.f0
    k, frame = single_spike(rec)
    cell = most_active(rec)
    true, high = (F[k] - f0[k]) / f0[k], (F[k] - 1.1 * f0[k]) / (1.1 * f0[k])
    for name, answer in [("spike_dff_true", spike_dff_true), ("spike_dff_high", spike_dff_high),
                         ("quiet_level_high", quiet_level_high)]:
        checks.is_number(name, answer, hint="one number, a fraction (dF/F0 = 0.2 is a 20 % rise)")
    checks.close("spike_dff_true", spike_dff_true, true[frame], rtol=1e-6, mistakes={
        "that is in percent; give dF/F0 as a fraction": 100 * true[frame],
        "that is dF, not dF/F0: divide by F0": F[k, frame] - f0[k, frame],
        "that is the example neuron `cell`; use the neuron spike_cell": (F[cell, frame] - f0[cell, frame]) / f0[cell, frame],
        "that is the largest dF/F0 of the trace; take the value at spike_frame": true.max(),
    }, hint="(F - F0) / F0 of neuron spike_cell at frame spike_frame, with its true F0 at that frame")
    low = (F[k] - 0.9 * f0[k]) / (0.9 * f0[k])
    checks.close("spike_dff_high", spike_dff_high, high[frame], rtol=1e-6, mistakes={
        "that is the naive prediction, 10 % less than the true dF/F0: compute it with the too-high F0":
            0.9 * true[frame],
        "use the too-high F0 in both places: subtract it and divide by it": (F[k, frame] - 1.1 * f0[k, frame]) / f0[k, frame],
        "that F0 is 10 % too low (0.9 times); the exercise makes it 10 % too high": low[frame],
        "that is in percent; give dF/F0 as a fraction": 100 * high[frame],
    }, hint="(F - F0_high) / F0_high at spike_frame, where F0_high is 1.1 times the true F0")
    checks.close("quiet_level_high", quiet_level_high, np.median(high), rtol=1e-6, mistakes={
        "that is the median with the true F0; use the F0 that is 10 % too high": np.median(true),
        "take the median over frames, not the mean (the mean counts the transients)": high.mean(),
        "that is in percent; give dF/F0 as a fraction": 100 * np.median(high),
        "that is the median at the wrong neuron: use spike_cell's trace": np.median((F[cell] - 1.1 * f0[cell]) / (1.1 * f0[cell])),
    }, hint="the median over all frames of spike_cell's dF/F0 computed with the too-high F0")


def check_median_101(median_101, median_101_bias):
    """Exercise 2.1: the moving median of the example trace over 101 frames (any allowed edge
    mode), and its signed bias against the true F0."""
    F, f0, cell, _ = _lesson_traces()
    trace, truth = F[cell], f0[cell]
    by_mode = {mode: baseline.moving_median(trace, 101, mode=mode) for mode in ALLOWED_MODES}
    checks.is_array("median_101", median_101, shape=trace.shape, hint="one baseline value per frame of `trace`")
    if not _matches_a_mode(median_101, by_mode):
        checks.close("median_101", median_101, by_mode["nearest"], mistakes={
            "that is a moving mean; the exercise asks for the median": ndimage.uniform_filter1d(trace, 101, mode="nearest"),
            "that window is 11 frames; use 101": baseline.moving_median(trace, 11),
            "that window is 1001 frames; use 101": baseline.moving_median(trace, 1001),
            WRAP_HINT: baseline.moving_median(trace, 101, mode="wrap"),
            CONSTANT_MODE_HINT: ndimage.median_filter(trace, size=101, mode="constant"),
        }, hint="a centred moving median of `trace` over 101 frames, with one of the edge modes the exercise allows")
    checks.is_number("median_101_bias", median_101_bias, hint="one number: the mean over frames, a fraction")
    est = np.asarray(median_101, dtype=float)
    checks.close("median_101_bias", median_101_bias, signed_bias(est, truth), rtol=1e-6, atol=1e-9, mistakes={
        "that is in percent; give a fraction": 100 * signed_bias(est, truth),
        "that is the mean absolute error; the bias keeps the sign (too high counts +, too low -)":
            baseline_error(est, truth),
        "the sign is flipped: the bias is positive when your median is above the true F0": -signed_bias(est, truth),
        "divide by the true F0, not by your baseline": np.mean((est - truth) / est),
    }, hint="the mean over frames of (median_101 - F0_true[cell]) / F0_true[cell]")


def _check_sweep(errors_name, errors, best_name, best, settings, per_neuron, what, mistakes):
    """A sweep's mean errors over neurons, one per setting, and the setting with the smallest."""
    listing = "lesson04.WINDOWS" if what == "window" else "lesson04.PERCENTILES"
    mean_errors = per_neuron.mean(axis=1)
    checks.is_array(errors_name, errors, shape=mean_errors.shape,
                    hint=f"one mean error per {what}, in the order of {listing}",
                    wrong_shapes={per_neuron.shape: f"average over the neurons: one number per {what}"})
    checks.close(errors_name, errors, mean_errors, mistakes={
        MEAN_NOT_MEDIAN_HINT: np.median(per_neuron, axis=1), **mistakes, PERCENT_HINT: 100 * mean_errors,
    }, hint=f"for each {what}, every neuron's baseline error, then the mean over the neurons")
    checks.is_number(best_name, best, integer=True, hint=f"store the {what} itself, a whole number from {listing}")
    checks.equal(best_name, best, int(settings[np.argmin(mean_errors)]), mistakes={
        f"that {what} has the largest error; pick the smallest": int(settings[np.argmax(mean_errors)]),
        f"that is the position of the best {what} in the list; store the {what} itself": int(np.argmin(mean_errors)),
    }, hint=f"the {what} of {listing} whose mean error is the smallest")


def check_window_errors(window_errors, best_window):
    """Exercise 2.2: the moving median's mean error for each window, and the best window."""
    F, f0, cell, _ = _lesson_traces()
    per_neuron = np.array([baseline_error(baseline.moving_median(F, w), f0) for w in WINDOWS])
    example_only = [baseline_error(baseline.moving_median(F[cell], w), f0[cell]) for w in WINDOWS]
    _check_sweep("window_errors", window_errors, "best_window", best_window, WINDOWS, per_neuron, "window", {
        "that is the example neuron only; average over every neuron of F": example_only})


def _ranked_percentile_mistakes(trace, q, window_s, fs) -> dict:
    """What a rolling q-th percentile over `window_s` seconds gives with typical mistakes."""
    size = round(window_s * fs)
    padded = np.pad(trace, (size // 2, (size - 1) // 2), mode="edge")  # np.percentile, same windows
    return {
        "window_s is in seconds: convert it to frames with the frame rate, as the exercise states":
            ndimage.percentile_filter(trace, q, size=int(window_s), mode="nearest"),
        "int() truncates the window: round window_s x fs to the nearest frame, as the exercise states":
            ndimage.percentile_filter(trace, q, size=int(window_s * fs), mode="nearest")
            if int(window_s * fs) != size else None,
        "q is in percent (0-100), not a fraction": ndimage.percentile_filter(trace, q / 100, size=size, mode="nearest"),
        WRAP_HINT: ndimage.percentile_filter(trace, q, size=size, mode="wrap"),
        CONSTANT_MODE_HINT: ndimage.percentile_filter(trace, q, size=size, mode="constant"),
        "a rolling percentile here is SciPy's ranked sample (percentile_filter), not np.percentile's interpolation":
            np.percentile(sliding_window_view(padded, size), q, axis=-1),
    }


def check_rolling_percentile_baseline(rolling_percentile_baseline, unseen=False):
    """Exercise 3.1: the learner's rolling percentile with the window in seconds."""
    F, _, cell, fs = _lesson_traces()
    trace = F[cell]
    cases = _trace_cases(unseen, [(trace, 10, 60.0, fs), (trace, 20, 31.0, fs), (_as_counts(trace), 10, 60.0, fs)],
                         [(0, 20, 12.39), (2, 8, 5.0), (3, 50, 1.0)])
    checks.is_function("rolling_percentile_baseline", rolling_percentile_baseline, n_params=4)
    for x, q, window_s, rate in cases:
        call = f"rolling_percentile_baseline(trace, {q}, {window_s}, {rate:g})"
        got = checks.call("rolling_percentile_baseline", rolling_percentile_baseline, x, q, window_s, rate,
                          refuse=(baseline.rolling_percentile,))
        _is_float_baseline(call, got, x)
        x = x.astype(float)
        by_mode = {mode: baseline.rolling_percentile(x, q, window_s, rate, mode=mode) for mode in ALLOWED_MODES}
        if _matches_a_mode(got, by_mode):
            continue
        checks.close(call, got, by_mode["nearest"], mistakes=_ranked_percentile_mistakes(x, q, window_s, rate),
                     hint="a centred rolling percentile with the exercise's conventions (window in seconds, q in "
                          "percent, an allowed edge mode); " + ARGUMENTS_HINT)


def check_q_errors(q_errors, best_q):
    """Exercise 3.2: the rolling percentile's mean error for each q, and the best q."""
    F, f0, _, fs = _lesson_traces()
    per_neuron = np.array([baseline_error(baseline.rolling_percentile(F, q, 60.0, fs), f0) for q in PERCENTILES])
    in_frames = [baseline_error(baseline.rolling_percentile(F, q, 60 / fs, fs), f0).mean() for q in PERCENTILES]
    _check_sweep("q_errors", q_errors, "best_q", best_q, PERCENTILES, per_neuron, "percentile", {
        _seconds_hint(60): in_frames})


def _ema(trace, a, start):
    """The EMA recursion with smoothing factor `a` and the state before frame 0 set to `start`."""
    out, _ = signal.lfilter([a], [1, -(1 - a)], trace, zi=[(1 - a) * start])
    return out


def check_ema_baseline(ema_baseline, unseen=False):
    """Exercise 4.1: the learner's causal exponential moving average."""
    F, _, cell, fs = _lesson_traces()
    trace = F[cell]
    step = np.r_[np.full(50, 1.0), np.full(100, 2.0)]
    cases = _trace_cases(unseen, [(trace, 30.0, fs), (_as_counts(trace), 5.0, fs)], [(1, 2.0), (3, 20.0)])
    if unseen:
        cases.append((step, 1.0, 10.0))
    checks.is_function("ema_baseline", ema_baseline, n_params=3)
    for x, tau_s, rate in cases:
        call = f"ema_baseline(trace, {tau_s}, {rate:g})"
        got = checks.call("ema_baseline", ema_baseline, x, tau_s, rate, refuse=(baseline.ema_baseline,))
        _is_float_baseline(call, got, x)
        x = x.astype(float)
        a = 1 - np.exp(-1 / (tau_s * rate))
        checks.close(call, got, baseline.ema_baseline(x, tau_s, rate), mistakes={
            "start the average at the first frame's value, not at 0": _ema(x, a, 0.0),
            "the baseline at frame 0 is the first frame's value, not 0": np.r_[0.0, _ema(x[1:], a, 0.0)],
            "use the exact smoothing factor of the exercise (with the exponential), not its approximation 1 / (tau_s * fs)":
                _ema(x, 1 / (tau_s * rate), x[0]),
            "tau_s is in seconds: the exponent needs it in frames, tau_s times fs": _ema(x, 1 - np.exp(-1 / tau_s), x[0]),
            "the EMA must be causal (past and present frames only): no filtfilt, no centred window":
                signal.filtfilt([a], [1, -(1 - a)], x),
        }, hint="follow the exercise's recursion from the first frame's value, with the exact smoothing factor; "
                + ARGUMENTS_HINT)


def _maximin_modes(x: np.ndarray, rate: float) -> dict:
    """Maximin with suite2p's defaults for every combination of allowed edge modes of its three
    filters (Gaussian, minimum, maximum)."""
    size = round(60 * rate)
    out = {}
    for g_mode in ALLOWED_MODES:
        smooth = ndimage.gaussian_filter1d(x, 10, mode=g_mode)
        for m_mode in ALLOWED_MODES:
            lowest = ndimage.minimum_filter1d(smooth, size, mode=m_mode)
            for x_mode in ALLOWED_MODES:
                out[g_mode, m_mode, x_mode] = ndimage.maximum_filter1d(lowest, size, mode=x_mode)
    return out


#: Exercise 8.1 (any baseline): the mean over neurons of each recording's baseline error must be at
#: most this. Calibration (mean error over neurons: the lesson's recording; the three unseen ones
#: of UNSEEN_RECORDINGS): the reference (Gaussian 0.5 s, then the rolling 10th percentile over 30 s)
#: 1.7 %; 2.5, 2.3, 1.3 % (seeds 4-6 of each kind: at most 3.8 %). The rolling 20th percentile over
#: 60 s 2.1 %; 4.3 (sinks below), 2.4, 3.1 %. Weak answers: the constant median 18.4 %; 60, 12,
#: 16 %; the rolling 10th percentile over 60 s (no smoothing) 3.2 %; 7.3, 2.6, 5.0 % (a low
#: percentile of noise lies below the quiet level); maximin 3.4 %; 1.6, 5.1, 0.9 % (rides up on busy
#: neurons); a 301-frame moving median 5.4 %; the causal EMA (30 s) 10.6 %.
MY_BASELINE_ERROR_MAX = 0.04
#: Exercise 4.3 (online baseline): the same bound, for a baseline that uses no future frame.
#: Calibration: the reference (causal smoothing, an EMA of 0.5 s, then the 10th percentile of the
#: past 20 s) 1.9 %; 1.6, 2.5, 0.9 %. The past 30 s, 10th percentile, no smoothing: 2.6 %; 4.1, 2.6,
#: 2.8 %. Weak answers: the EMA of Section 4 (30 s) 10.6 %; 9.4, 12.4, 4.7 %; an EMA of 120 s
#: 14.8 %; a centred rolling percentile fails the causality test.
ONLINE_ERROR_MAX = 0.04


def _baseline_cases(unseen: bool) -> list:
    """(description, traces, true F0, fs) of the recordings Exercises 4.3 and 8.1 are scored on."""
    if unseen:
        return [(f"another recording: {what}", corrected(rec), rec.truth.f0, rec.fs)
                for what, rec in unseen_recordings().items()]
    rec = recording()
    return [("the lesson's recording, every neuron of F", corrected(rec), rec.truth.f0, rec.fs)]


def _future_changed(trace: np.ndarray, factor: float) -> np.ndarray:
    """`trace` with its second half replaced by itself reversed and scaled by `factor` (the first
    half's baseline may not change)."""
    changed = trace.copy()
    half = len(trace) // 2
    changed[half:] = trace[half:][::-1] * factor
    return changed


def _score_baseline(name: str, function, unseen: bool, bound: float, online: bool) -> None:
    """Run the learner's ``function(trace, fs)`` on every neuron of the scoring recordings; fail when
    it is not causal (`online`) or when its mean error exceeds `bound`."""
    checks.is_function(name, function, n_params=2)
    for what, traces, truth, fs in _baseline_cases(unseen):
        call = f"{name}(trace, fs) on {what}"
        estimates = []
        for trace in traces:
            got = checks.call(name, function, trace, fs)
            _is_float_baseline(call, got, trace)
            estimates.append(got)
        estimates = np.array(estimates)
        if online:
            busiest = int(np.argmax(traces.sum(axis=1) / truth.sum(axis=1)))
            half = traces.shape[1] // 2
            moved = np.zeros(half, dtype=bool)
            for factor in (0.5, 1.5):  # lower and higher: a low or a high statistic of the future shows
                changed = checks.call(name, function, _future_changed(traces[busiest], factor), fs)
                _is_float_baseline(call, changed, traces[busiest])
                moved |= ~np.isclose(changed[:half], estimates[busiest, :half], rtol=1e-9, atol=1e-9)
            if moved.any():
                checks.fail(call, f"is not online: changing the second half of a trace changed its baseline in the "
                                  f"first half ({int(moved.sum())} frames before the change).",
                            "an online baseline at frame t may use frames up to t only: a window that ends at the "
                            "current frame, or a recursion over the past like the EMA — not a centred window")
        error = float(baseline_error(estimates, truth).mean())
        if error <= bound:
            continue
        bias = float(signed_bias(estimates, truth).mean())
        if np.all(np.ptp(estimates, axis=1) < 1e-9 * np.abs(estimates).max(axis=1)):
            hint = ("one value per neuron cannot follow bleaching and drift: let the baseline change with time "
                    "(a rolling window in seconds)")
        elif bias > 0:
            hint = ("it rides up on the transients: a lower percentile, or a longer window — an average (mean, EMA) "
                    "counts every transient" if not online else
                    "it rides up on the transients: an average of the past (an EMA) counts every transient; track a "
                    "low percentile of the recent past, or average only quiet frames")
        else:
            hint = ("it sinks below the quiet level or lags the bleaching: a low percentile of a noisy trace lies "
                    "below its middle (smooth the trace a little first, or take a higher percentile), and a "
                    "shorter window follows faster bleaching")
        checks.fail(call, f"is {100 * error:.1f} % off the true F0 on average over the neurons (aim: at most "
                          f"{100 * bound:.0f} %).", hint)


def check_online_baseline(online_baseline, unseen=False):
    """Exercise 4.3 (open): the learner's online (causal) baseline, scored against the true F0."""
    _score_baseline("online_baseline", online_baseline, unseen, ONLINE_ERROR_MAX, online=True)


def check_my_baseline(my_baseline, unseen=False):
    """Exercise 8.1 (open): the learner's baseline, any method, scored against the true F0."""
    _score_baseline("my_baseline", my_baseline, unseen, MY_BASELINE_ERROR_MAX, online=False)


def check_maximin_baseline(maximin_baseline, unseen=False):
    """Exercise 5.1: the learner's maximin baseline with suite2p's defaults (10 frames, 60 s), with
    any allowed edge mode in each of its three filters."""
    F, _, cell, fs = _lesson_traces()
    trace = F[cell]
    # 60 s at 7.26 Hz is 435.6 frames: rounding and truncating differ.
    cases = _trace_cases(unseen, [(trace, fs), (_as_counts(trace), 7.26)], [(0,), (2,)])
    checks.is_function("maximin_baseline", maximin_baseline, n_params=2)
    for x, rate in cases:
        call = f"maximin_baseline(trace, {rate:g})"
        got = checks.call("maximin_baseline", maximin_baseline, x, rate, refuse=(baseline.maximin,))
        _is_float_baseline(call, got, x)
        x = x.astype(float)
        if _matches_a_mode(got, _maximin_modes(x, rate)):
            continue
        size = round(60 * rate)
        smooth = ndimage.gaussian_filter1d(x, 10, mode="nearest")
        checks.close(call, got, baseline.maximin(x, rate, sigma_frames=10, window_s=60.0), mistakes={
            "the rolling maximum (step 3) is missing: a rolling minimum alone sits below the quiet level":
                ndimage.minimum_filter1d(smooth, size, mode="nearest"),
            "sigma is 10 frames, not 10 seconds (do not multiply it by fs)":
                baseline.maximin(x, rate, sigma_frames=10 * rate, window_s=60.0),
            _seconds_hint(60): baseline.maximin(x, rate, sigma_frames=10, window_s=60 / rate),
            "int() truncates the window: round 60 s x fs to the nearest frame, as the exercise states":
                baseline.maximin(x, rate, window_s=int(60 * rate) / rate) if int(60 * rate) != size else None,
            WRAP_HINT: baseline.maximin(x, rate, sigma_frames=10, window_s=60.0, mode="wrap"),
            "the order is Gaussian, then minimum, then maximum (you took the maximum first)":
                ndimage.minimum_filter1d(ndimage.maximum_filter1d(smooth, size, mode="nearest"), size, mode="nearest"),
            "smooth first: without the Gaussian, the rolling minimum picks out noise troughs":
                ndimage.maximum_filter1d(ndimage.minimum_filter1d(x, size, mode="nearest"), size, mode="nearest"),
        }, hint="Gaussian smoothing (sigma in frames), then a rolling minimum, then a rolling maximum over the same "
                "window in seconds, with edge modes the exercise allows; " + ARGUMENTS_HINT)


#: Exercise 6.1: the slow part the learner removes from the example trace must follow the true
#: baseline's changes within this, on average, as a fraction of the true F0 (and the trace must
#: keep its level within DRIFT_LEVEL_MAX). Calibration, example neuron: the lower envelope of
#: Section 6 (10th percentile, 20 s) 2.7 %; 20th percentile 20 s 3.3 %; 10th percentile 60 s 3.2 %;
#: maximin 3.4 %. Weak answers: a 20 s moving average 5.4 %, 120 s 4.1 %; a 20 s moving median
#: 5.6 %; a lower envelope over 5 s 5.2 %, over 20 frames instead of 20 s 5.9 %; no removal 14.2 %.
DRIFT_ERROR_MAX = 0.04
#: The envelope of Section 6 shifts the trace's median by 3.4 % of F0; forgetting to add the
#: drift's median back shifts it by about 100 %.
DRIFT_LEVEL_MAX = 0.10


def check_drift_free(drift_free):
    """Exercise 6.1 (scored against the truth): the example trace without its slow drift. The slow
    part removed, ``trace - drift_free`` around its median, is compared with the true baseline's
    changes, ``F0 - median(F0)``."""
    F, f0, cell, fs = _lesson_traces()
    trace, truth = F[cell], f0[cell]
    scale = np.median(truth)
    checks.is_array("drift_free", drift_free, shape=trace.shape, hint="one value per frame of `trace`")
    if np.std(np.diff(drift_free)) < 0.3 * np.std(np.diff(trace)):
        checks.fail("drift_free", "has lost the trace's fast changes: it is a slow curve, not the trace.",
                    "that looks like the slow part itself: subtract it from the trace (around its median)")
    shift = (np.median(drift_free) - np.median(trace)) / scale
    if abs(shift) > DRIFT_LEVEL_MAX:
        checks.fail("drift_free", f"has moved the trace's level by {100 * shift:+.0f} % of its baseline.",
                    "subtract the slow part around its own median, so that the trace keeps its level" if shift < 0 else
                    "subtract the slow part from the trace (trace minus it), not the other way round")
    removed = trace - drift_free
    miss = (removed - np.median(removed)) - (truth - np.median(truth))
    error = float(np.mean(np.abs(miss)) / scale)
    if error > DRIFT_ERROR_MAX:
        rides = np.corrcoef(miss, recording().truth.calcium[cell])[0, 1] > 0.2
        checks.fail("drift_free", f"leaves the slow drift {100 * error:.1f} % of F0 off the true one on average "
                                  f"(aim: at most {100 * DRIFT_ERROR_MAX:.0f} %).",
                    "the slow part you removed rises with the bursts, so you cut the transients: estimate it with a "
                    "lower envelope (a low percentile), over a window long compared with a burst (in seconds)"
                    if rides else
                    "the slow part you removed misses some of the drift: a shorter window (still long compared "
                    "with a burst), or check that you subtracted it")


def check_edge_errors(edge_errors):
    """Exercise 7.1: the moving median's error over the first and last 500 frames, per edge mode."""
    F, f0, _, _ = _lesson_traces()
    checks.is_dict("edge_errors", edge_errors, keys=baseline.EDGE_MODES,
                   hint='use the four mode names as keys: "nearest", "reflect", "mirror" and "wrap"')
    ends = np.r_[0:500, F.shape[1] - 500:F.shape[1]]
    for mode in baseline.EDGE_MODES:
        est = baseline.moving_median(F, 1001, mode=mode)
        name = f'edge_errors["{mode}"]'
        checks.is_number(name, edge_errors[mode], hint="one number per mode: the mean over neurons")
        expected = baseline_error(est[:, ends], f0[:, ends]).mean()
        checks.close(name, edge_errors[mode], expected, mistakes={
            "that is the error over the whole trace; use only the first 500 and the last 500 frames":
                baseline_error(est, f0).mean(),
            "that is the first 500 frames only; add the last 500": baseline_error(est[:, :500], f0[:, :500]).mean(),
            PERCENT_HINT: 100 * expected,
        }, hint=f"the mean over neurons of the error of the 1001-frame moving median with mode '{mode}', "
                "over the first 500 and the last 500 frames only")


def check_allen_f0(allen_f0):
    """Exercise 8.2: the rolling 10th percentile over 60 s of the Allen traces, at the assumed rate
    (any allowed edge mode)."""
    traces = data.load_allen_roi_traces().traces
    fs = ALLEN_FS_ASSUMED
    checks.is_array("allen_f0", allen_f0, shape=traces.shape, hint="one baseline value per frame of each of the 3 traces",
                    wrong_shapes={traces.shape[::-1]: "keep the layout (neurons, frames) of the traces"})
    by_mode = {mode: baseline.rolling_percentile(traces, 10, 60.0, fs, mode=mode) for mode in ALLOWED_MODES}
    if _matches_a_mode(allen_f0, by_mode):
        return
    checks.close("allen_f0", allen_f0, by_mode["nearest"], mistakes={
        "use the frame rate the lesson assumes for these traces, not 30 Hz":
            baseline.rolling_percentile(traces, 10, 60.0, 30.0),
        _seconds_hint(60): baseline.rolling_percentile(traces, 10, 60.0 / fs, fs),
        "that is the median (50th percentile); use the 10th": baseline.rolling_percentile(traces, 50, 60.0, fs),
        WRAP_HINT: baseline.rolling_percentile(traces, 10, 60.0, fs, mode="wrap"),
    }, hint="each trace's rolling 10th percentile over 60 s at the assumed frame rate, "
            "with the conventions of exercise 3.1")
