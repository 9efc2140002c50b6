"""Lesson 04 (baseline F0): the recordings its exercises use, its error measure, its figures and
the checks of its exercises.

Each ``check_*`` function is the whole of one check cell (``check_baseline_error(baseline_error)``):
it takes the learner's answers, recomputes everything else from the lesson's data and fails with
a message that names the likely mistake. ``unseen=True`` runs the hidden tests' variations (another
recording, frame rate and indicator, other parameters); the rules stay the ones the exercise states.
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


def corrected(rec: simulate.Recording) -> np.ndarray:
    """Traces with the neuropil removed exactly, ``F - r * neuropil`` with the true `r` and
    neuropil: ``f0 * (1 + calcium) + noise``, whose true baseline is ``rec.truth.f0``."""
    return rec.traces - rec.truth.r[:, None] * rec.truth.neuropil


def most_active(rec: simulate.Recording) -> int:
    """Index of the neuron with the most spikes."""
    return int(np.argmax(rec.truth.spikes.sum(axis=1)))


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
NEAREST_HINT = "only the ends are wrong: pass mode='nearest'"
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


def check_median_101(median_101):
    """Exercise 2.1: the moving median of the example trace over 101 frames."""
    F, _, cell, _ = _lesson_traces()
    trace = F[cell]
    checks.is_array("median_101", median_101, shape=trace.shape, hint="one baseline value per frame of `trace`")
    checks.close("median_101", median_101, baseline.moving_median(trace, 101), mistakes={
        NEAREST_HINT + " (the default, 'reflect', mirrors the trace)": ndimage.median_filter(trace, size=101),
        "that is a moving mean; the exercise asks for the median (median_filter)":
            ndimage.uniform_filter1d(trace, 101, mode="nearest"),
        "that window is 11 frames; use 101": baseline.moving_median(trace, 11),
        "that window is 1001 frames; use 101": baseline.moving_median(trace, 1001),
    }, hint="a centred moving median of `trace` over 101 frames, with the edge mode the exercise asks for")


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
        NEAREST_HINT: ndimage.percentile_filter(trace, q, size=size),
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
        checks.close(call, got, baseline.rolling_percentile(x, q, window_s, rate),
                     mistakes=_ranked_percentile_mistakes(x, q, window_s, rate),
                     hint="a centred rolling percentile with the exercise's conventions (window in seconds, q in "
                          "percent, edge mode); " + ARGUMENTS_HINT)


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


def check_maximin_baseline(maximin_baseline, unseen=False):
    """Exercise 5.1: the learner's maximin baseline with suite2p's defaults (10 frames, 60 s)."""
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
        size = round(60 * rate)
        smooth = ndimage.gaussian_filter1d(x, 10, mode="nearest")
        checks.close(call, got, baseline.maximin(x, rate, sigma_frames=10, window_s=60.0), mistakes={
            "the rolling maximum (step 3) is missing: apply maximum_filter1d to the rolling minimum":
                ndimage.minimum_filter1d(smooth, size, mode="nearest"),
            "sigma is 10 frames, not 10 seconds (do not multiply it by fs)":
                baseline.maximin(x, rate, sigma_frames=10 * rate, window_s=60.0),
            _seconds_hint(60): baseline.maximin(x, rate, sigma_frames=10, window_s=60 / rate),
            "int() truncates the window: round 60 s x fs to the nearest frame, as the exercise states":
                baseline.maximin(x, rate, window_s=int(60 * rate) / rate) if int(60 * rate) != size else None,
            NEAREST_HINT + " to all three filters":
                baseline.maximin(x, rate, sigma_frames=10, window_s=60.0, mode="reflect"),
            "the order is Gaussian, then minimum, then maximum (you took the maximum first)":
                ndimage.minimum_filter1d(ndimage.maximum_filter1d(smooth, size, mode="nearest"), size, mode="nearest"),
        }, hint="Gaussian smoothing (sigma in frames), then a rolling minimum, then a rolling maximum over the same "
                "window in seconds, all three with mode='nearest'; " + ARGUMENTS_HINT)


def check_drift_free(drift_free):
    """Exercise 6.1: the example trace without its slow drift (lower envelope, 20 s)."""
    F, _, cell, fs = _lesson_traces()
    trace = F[cell]
    drift = baseline.rolling_percentile(trace, 10, 20.0, fs)
    lowpass = ndimage.uniform_filter1d(trace, round(20 * fs), mode="nearest")
    checks.is_array("drift_free", drift_free, shape=trace.shape, hint="one value per frame of `trace`")
    checks.close("drift_free", drift_free, baseline.remove_slow_drift(trace, fs, cutoff_s=20.0, q=10), mistakes={
        "subtract the drift around its own median, so that the trace keeps its level": trace - drift,
        "that is the drift itself; subtract it from the trace": drift,
        _seconds_hint(20): baseline.remove_slow_drift(trace, fs, cutoff_s=20 / fs, q=10),
        "that subtracts a moving average (filtering); the exercise asks for the lower envelope, a rolling 10th percentile":
            trace - (lowpass - np.median(lowpass)),
    }, hint="the drift is the lower envelope of the exercise (rolling 10th percentile over 20 s, mode='nearest'), "
            "subtracted around its own median")


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
    """Exercise 8.1: the rolling 10th percentile over 60 s of the Allen traces, at the assumed rate."""
    traces = data.load_allen_roi_traces().traces
    fs = ALLEN_FS_ASSUMED
    checks.is_array("allen_f0", allen_f0, shape=traces.shape, hint="one baseline value per frame of each of the 3 traces",
                    wrong_shapes={traces.shape[::-1]: "keep the layout (neurons, frames) of the traces"})
    checks.close("allen_f0", allen_f0, baseline.rolling_percentile(traces, 10, 60.0, fs), mistakes={
        "use the frame rate the lesson assumes for these traces, not 30 Hz":
            baseline.rolling_percentile(traces, 10, 60.0, 30.0),
        _seconds_hint(60): baseline.rolling_percentile(traces, 10, 60.0 / fs, fs),
        "that is the median (50th percentile); use the 10th": baseline.rolling_percentile(traces, 50, 60.0, fs),
    }, hint="each trace's rolling 10th percentile over 60 s at the assumed frame rate, "
            "with the conventions of exercise 3.1")
