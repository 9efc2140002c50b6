"""Lesson 05 (ΔF/F₀ and denoising): the traces its exercises refer to, its four-step figure and
the checks of its exercises.

The lesson's simulated recording is ``simulate.simulate_traces(**RECORDING, seed=seed)``. Its
traces are taken *after* an ideal neuropil correction (the true r and neuropil removed), so that
``F = F0 * (1 + calcium) + noise`` exactly and ΔF/F₀ with the true F₀ is the true calcium signal
plus noise.

Each ``check_*`` function is the whole of one check cell (``check_snr(snr)``): it takes the
learner's answers, recomputes everything else from the lesson's data and fails with a message that
names the likely mistake. ``unseen=True`` runs the hidden tests' variations (other recordings, real
traces, other wavelets and lengths); the rules stay the ones the exercise states.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pywt

from helpers import baseline, checks, data, dff, simulate

#: The lesson's simulated recording: 20 neurons, 100 s at 30 Hz, GCaMP6s.
RECORDING = {"n_neurons": 20, "n_frames": 3000, "fs": 30.0}


def recording(seed: int = 0):
    """The lesson's simulated recording (:data:`RECORDING`) for `seed`."""
    return simulate.simulate_traces(**RECORDING, seed=seed)


def soma_traces(seed: int = 0) -> np.ndarray:
    """Fluorescence of each simulated soma with its neuropil removed exactly, ``(n, T)``, a.u.

    ``traces - r * neuropil`` with the simulation's true ``r`` and neuropil: what a perfect
    neuropil correction (lesson 03) would leave, ``F0 * (1 + calcium) + noise``.
    """
    truth = recording(seed).truth
    return np.asarray(recording(seed).traces) - truth.r[:, np.newaxis] * truth.neuropil


def dff_true_f0(seed: int = 0) -> np.ndarray:
    """ΔF/F₀ of :func:`soma_traces` against the *true* baseline: the true calcium plus noise."""
    f0 = recording(seed).truth.f0
    return (soma_traces(seed) - f0) / f0


def active_neuron(seed: int = 0) -> int:
    """Index of the neuron that fires the most spikes (the first one on ties)."""
    return int(np.argmax(recording(seed).truth.spikes.sum(axis=1)))


def f0_estimates(trace, fs: float, true_f0=None) -> dict:
    """Baselines of one trace by several methods, ``{name: F0 array of the trace's shape}``.

    In this order: the constant median of the trace; centred moving medians of 11 and 201 frames
    (edges: nearest frame repeated); a rolling 10th percentile over 30 s; and, if `true_f0` is
    given, the true baseline first.
    """
    trace = np.asarray(trace, dtype=float)
    options = {} if true_f0 is None else {"true F0 (simulation)": np.asarray(true_f0, dtype=float)}
    options["constant median"] = baseline.constant_baseline(trace, "median")
    options["moving median, 11 frames"] = baseline.moving_median(trace, 11)
    options["moving median, 201 frames"] = baseline.moving_median(trace, 201)
    options["rolling 10th percentile, 30 s"] = baseline.rolling_percentile(trace, 10, 30.0, fs)
    return options


def allen_corrected(r=0.7) -> np.ndarray:
    """The Allen ROI traces minus `r` times their neuropil traces, ``(3, 48160)``, a.u.

    `r` is one number or one per ROI.
    """
    F = data.load_allen_roi_traces().traces
    Fneu = data.load_allen_neuropil_traces().traces
    return F - np.reshape(np.asarray(r, dtype=float), (-1, 1)) * Fneu


def suite2p_corrected(r=0.7) -> np.ndarray:
    """suite2p's ``F - r * Fneu`` for all of its ROIs, ``(23, 864)``, a.u."""
    s2p = data.load_suite2p()
    return s2p.F - r * s2p.Fneu


def plot_steps(time_s, steps: dict, neurons, *, units: dict | None = None, truth=None, window_s=None):
    """A grid of traces: one row per neuron in `neurons`, one column per processing step.

    `steps` maps a step's title to its traces ``(n_neurons, T)``; `units` maps a title to its
    y-axis label (default "ΔF/F₀ (fraction)"). `truth` (optional, ``(n_neurons, T)``) is drawn
    in black under the last column. `window_s` = ``(start, stop)`` in seconds limits the time
    shown (the traces themselves are not cut). Returns the figure.
    """
    units = units or {}
    time_s = np.asarray(time_s, dtype=float)
    shown = np.ones(time_s.shape, bool) if window_s is None else \
        (time_s >= window_s[0]) & (time_s < window_s[1])
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, axes = plt.subplots(len(neurons), len(steps), figsize=(3.2 * len(steps), 1.9 * len(neurons)),
                             sharex=True, squeeze=False, layout="constrained")
    for col, (title, traces) in enumerate(steps.items()):
        for row, neuron in enumerate(neurons):
            ax = axes[row, col]
            if truth is not None and col == len(steps) - 1:
                ax.plot(time_s[shown], np.asarray(truth)[neuron][shown], color="#000000", lw=0.8,
                        label="true calcium")
            ax.plot(time_s[shown], np.asarray(traces)[neuron][shown], color=colours[col % len(colours)],
                    lw=1.0, label="after the steps" if row == 0 else None)
            ax.set_ylabel(f"neuron {neuron}\n{units.get(title, 'ΔF/F₀ (fraction)')}", fontsize=8)
            if row == 0:
                ax.set_title(title, fontsize=10)
            if row == len(neurons) - 1:
                ax.set_xlabel("time (s)")
    if truth is not None:
        axes[0, -1].legend(loc="upper right", frameon=False, fontsize=7)
    return fig


# --------------------------------------------------------------------------- checks

FRACTION_HINT = "ΔF/F0 is a fraction here; do not multiply by 100"
ONE_NUMBER_HINT = "return one number, e.g. with float(...)"
GUARD_HINT = ("check the baseline before dividing: if any value of F0 is at or below zero, raise a "
              "ValueError with a message saying so")
MAD_SCALE_HINT = ("that is the median absolute deviation itself; for Gaussian noise it is 0.6745 σ: scale it to "
                  "estimate σ (to at least 5 significant digits)")
NOT_MEAN_HINT = "use the median of the absolute deviations, not their mean"
LOWER_MEDIAN_HINT = ("for an even number of samples np.median averages the two middle values; "
                     "you took one of them")


def _example(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``(F[k], ΔF/F₀ of neuron k against its true F₀)``: the lesson's most active neuron."""
    k = active_neuron(seed)
    return soma_traces(seed)[k], dff_true_f0(seed)[k]


def _mad(x, axis=None, keepdims=False):
    """Median absolute deviation from the median (not scaled to σ)."""
    return np.median(np.abs(x - np.median(x, axis=axis, keepdims=True)), axis=axis, keepdims=keepdims)


def _lower_median(x):
    return np.sort(x)[(x.size - 1) // 2]


def f0_error_effect(trace, factor: float) -> tuple[float, float]:
    """Answer key of Exercise 1.1: ``(relative change of the peak ΔF/F₀, median ΔF/F₀)`` of one
    trace when F₀ is `factor` times its median (1.1: 10 % too high) instead of the median."""
    trace = np.asarray(trace, dtype=float)
    f0 = np.median(trace)
    right, wrong = trace / f0 - 1, trace / (factor * f0) - 1
    return float(wrong.max() / right.max() - 1), float(np.median(wrong))


def check_f0_too_high(dff_k, dff_k_percent, peak_change, quiet_level_high):
    """Exercise 1.1: ΔF/F₀ (fraction and percent) of neuron k with F₀ its median, and what an F₀
    10 % too high does to its peak and its quiet level."""
    trace, _ = _example()
    f0, f0_mean = np.median(trace), trace.mean()
    fraction = (trace - f0) / f0
    one_per_frame = "one value per frame of neuron k's trace"
    checks.is_array("dff_k", dff_k, shape=trace.shape, hint=one_per_frame)
    checks.close("dff_k", dff_k, fraction, mistakes={
        "that is in percent; dff_k should be a fraction (do not multiply by 100)": 100 * fraction,
        "that is ΔF in a.u.; divide it by F0": trace - f0,
        "divide ΔF by the baseline F0, not by F itself": (trace - f0) / trace,
        "F / F0 is one more than ΔF/F0: subtract the baseline before dividing": trace / f0,
        "F0 here is the median of the trace, not its mean": (trace - f0_mean) / f0_mean,
        "ΔF is F - F0, not F0 - F: transients should be positive": (f0 - trace) / f0,
    }, hint="ΔF relative to one F0 (the median of neuron k's trace), as a fraction")
    checks.is_array("dff_k_percent", dff_k_percent, shape=trace.shape, hint=one_per_frame)
    checks.close("dff_k_percent", dff_k_percent, 100 * fraction, mistakes={
        "that is still a fraction: multiply by 100 for percent": fraction,
        "you multiplied by 100 twice": 1e4 * fraction,
    }, hint="the same ΔF/F0, expressed in percent")
    change, quiet = f0_error_effect(trace, 1.1)
    peak = fraction.max()
    checks.is_number("peak_change", peak_change, hint=ONE_NUMBER_HINT)
    checks.close("peak_change", peak_change, change, rtol=1e-3, mistakes={
        "you assumed the peak shrinks by exactly 10 %: measure it with F0 10 % higher": -0.1,
        "that is how F / F0 changes (1 / 1.1 - 1); ΔF/F0 also loses the extra F0 you subtract": 1 / 1.1 - 1,
        "that is in percent; give the change as a fraction": 100 * change,
        "that is the ratio of the two peaks; subtract 1 for the relative change": change + 1,
        "the peak gets smaller, not larger: the sign is reversed": -change,
        "that is the change of the peak's ΔF/F0 itself (a difference in ΔF/F0); divide it by the right peak":
            change * peak,
        "that is for F0 10 % too low (0.9 times the median); the exercise makes it 10 % too high":
            f0_error_effect(trace, 0.9)[0],
    }, hint="the largest ΔF/F0 with F0 = 1.1 × the median, over the largest with the median, minus 1")
    checks.is_number("quiet_level_high", quiet_level_high, hint=ONE_NUMBER_HINT)
    checks.close("quiet_level_high", quiet_level_high, quiet, rtol=1e-3, mistakes={
        "the quiet level does not stay at 0 when F0 is too high (0 is the median with the right F0): measure "
        "the median of the ΔF/F0 against the F0 10 % too high": 0.0,
        "that is in percent; give it as a fraction": 100 * quiet,
        "the quiet level drops below zero, not above it": -quiet,
        "that is -0.10; the quiet frames (F ≈ F0) give (F0 - 1.1 F0) / (1.1 F0)": -0.1,
    }, hint="the median over the trace of its ΔF/F0 against F0 = 1.1 × the median")


def _refuses(compute_dff, F, F0, what: str) -> None:
    """compute_dff(F, F0) must raise a ValueError for a baseline `what` (e.g. "containing 0")."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):  # the zero baseline is deliberate
            compute_dff(F, F0)
    except ValueError:
        return
    except Exception as err:  # noqa: BLE001 - any other error of the learner's code is reported
        checks.fail("compute_dff", f"raised {type(err).__name__} for a baseline {what}; a ValueError is asked for.",
                    GUARD_HINT)
    checks.fail("compute_dff", f"returned a result for a baseline {what}.", GUARD_HINT)


def check_compute_dff(compute_dff, unseen=False):
    """Exercise 1.2: the learner's ΔF/F₀ for one trace or many, refusing a baseline ≤ 0."""
    F = soma_traces(seed=0)
    median_3 = np.median(F[3])
    cases = [("compute_dff(F, F0 of the same shape)", F, np.asarray(recording(seed=0).truth.f0)),
             ("compute_dff(F, F0 of shape (n_neurons, 1))", F, np.median(F, axis=1, keepdims=True)),
             ("compute_dff(F[3], one number)", F[3], median_3)]
    refused = [(F[3], np.where(np.arange(F.shape[1]) == 100, 0.0, median_3), "containing 0"),
               (F[3], -median_3, "below zero")]
    if unseen:  # other recordings, a 4.8 Hz population, and a real ROI whose low percentile is negative
        other = recording(seed=7)
        Fo = soma_traces(seed=7)
        pop = np.asarray(simulate.population_traces(seed=3, n_neurons=30, n_frames=600).traces)
        cases = [("compute_dff(F, rolling F0) on other traces", Fo, baseline.rolling_percentile(Fo, 10, 30.0, other.fs)),
                 ("compute_dff(F, F0 of shape (n_neurons, 1)) on other traces", Fo, np.median(Fo, axis=1, keepdims=True)),
                 ("compute_dff on traces at 4.8 Hz", pop, np.percentile(pop, 25, axis=1, keepdims=True))]
        allen_roi_1 = allen_corrected(0.7)[1]
        refused = [(allen_roi_1, np.percentile(allen_roi_1, 10), "below zero (a real ROI after F - 0.7 Fneu)")]
    checks.is_function("compute_dff", compute_dff, n_params=2)
    for name, traces, f0 in cases:
        got = checks.call("compute_dff", compute_dff, traces, f0, refuse=(dff.delta_f_over_f,))
        checks.is_array(name, got, shape=traces.shape, hint="return one value per value of F: the shape of F")
        expected = (traces - f0) / f0
        checks.close(name, got, expected, mistakes={
            "that is in percent; return a fraction (do not multiply by 100)": 100 * expected,
            "divide by the baseline F0, not by F": (traces - f0) / traces,
            "F / F0 is one more than ΔF/F0: subtract the baseline before dividing": traces / f0,
            "the sign is flipped: compute F - F0, not F0 - F": -expected,
        }, hint="ΔF/F0 element by element, with F0 broadcast against F (a number, the same shape, or one per neuron)")
    for traces, f0, what in refused:
        _refuses(compute_dff, traces, f0, what)


def check_peak_dff(peak_dff):
    """Exercise 1.3: the largest ΔF/F₀ of neuron k for each baseline of ``f0_estimates``."""
    rec, k = recording(seed=0), active_neuron(seed=0)
    trace = soma_traces(seed=0)[k]
    options = list(f0_estimates(trace, rec.fs, true_f0=rec.truth.f0[k]).values())
    expected = np.array([np.max((trace - f0) / f0) for f0 in options])
    checks.is_array("peak_dff", peak_dff, shape=(len(options),),
                    hint="one number per baseline: the maximum over time of that baseline's ΔF/F0")
    checks.close("peak_dff", peak_dff, expected, mistakes={
        "those are percentages; keep ΔF/F0 as a fraction": 100 * expected,
        "the order is reversed: keep the order of f0_options": expected[::-1],
        "those are maxima of ΔF (a.u.): divide by F0": np.array([np.max(trace - f0) for f0 in options]),
        "those are the smallest values; take the largest (np.max)": np.array([np.min((trace - f0) / f0) for f0 in options]),
        "divide by F0 frame by frame, not by the mean of F0": np.array([np.max((trace - f0) / f0.mean()) for f0 in options]),
    }, hint="for each baseline, in the dict's order: neuron k's ΔF/F0 against it, frame by frame, then its maximum")


def _mad_sigma_mistakes(x) -> dict:
    return {MAD_SCALE_HINT: _mad(x),
            "subtract the median of x before taking absolute values": 1.4826 * np.median(np.abs(x)),
            "that is the standard deviation; the MAD uses medians": x.std(),
            NOT_MEAN_HINT: 1.4826 * np.mean(np.abs(x - np.median(x))),
            LOWER_MEDIAN_HINT: 1.4826 * _lower_median(np.abs(x - _lower_median(x)))}


def check_mad_sigma(mad_sigma, unseen=False):
    """Exercise 2.1: the learner's MAD estimate of the noise σ of one trace."""
    raw, _ = _example()
    median = np.median(raw)
    cases = [("mad_sigma(F[k])", raw), ("mad_sigma(dff_k)", (raw - median) / median),
             ("mad_sigma of 4 samples", np.array([0.0, 1.0, 3.0, 10.0]))]
    if unseen:
        rng = np.random.default_rng(11)
        cases = [(f"mad_sigma on an array of {x.size} samples", x)
                 for x in (2.5 * rng.standard_normal(10_000) + 40.0, rng.standard_normal(1001),
                           soma_traces(seed=4)[2], np.array([0.0, 1.0, 2.0, 10.0]))]
    checks.is_function("mad_sigma", mad_sigma, n_params=1)
    for name, x in cases:
        got = checks.call("mad_sigma", mad_sigma, x, refuse=(dff.noise_sd,))
        checks.is_number(name, got, hint=ONE_NUMBER_HINT)
        checks.close(name, got, dff.noise_sd(x, "mad"), mistakes=_mad_sigma_mistakes(x),
                     hint="the median of the absolute deviations from the median, scaled so that Gaussian noise gives σ")


def check_noise_sigmas(sigma_std, sigma_mad):
    """Exercise 2.2: each neuron's standard deviation and MAD noise σ of its true-F₀ ΔF/F₀."""
    d = dff_true_f0(seed=0)
    n, T = d.shape
    axis_shapes = {(T,): "you reduced over neurons (axis 0); reduce over time, axis=1, for one value per neuron",
                   (): "you reduced over everything; reduce over time only (axis=1)"}
    checks.is_array("sigma_std", sigma_std, shape=(n,), wrong_shapes=axis_shapes)
    checks.close("sigma_std", sigma_std, d.std(axis=1), mistakes={
        "use NumPy's default ddof=0": d.std(axis=1, ddof=1),
        "that is the variance; take its square root": d.var(axis=1),
        "that is the MAD estimate; sigma_std is the plain standard deviation": dff.noise_sd(d, "mad"),
    }, hint="the standard deviation of each neuron's trace over time")
    checks.is_array("sigma_mad", sigma_mad, shape=(n,), wrong_shapes=axis_shapes)
    checks.close("sigma_mad", sigma_mad, dff.noise_sd(d, "mad"), mistakes={
        MAD_SCALE_HINT: _mad(d, axis=1),
        "subtract each neuron's own median (keepdims=True), not the median of all values":
            1.4826 * np.median(np.abs(d - np.median(d)), axis=1),
        NOT_MEAN_HINT: 1.4826 * np.mean(np.abs(d - np.median(d, axis=1, keepdims=True)), axis=1),
    }, hint="the MAD estimate of exercise 2.1 for each neuron, along time")


def check_allen_guard(f0_allen, noise_allen, f0_safe):
    """Exercise 3.1: each Allen ROI's 10th-percentile F₀, its noise σ, and whether F₀ is above it."""
    Fa = allen_corrected(r=0.7)
    n, T = Fa.shape
    per_roi = {(T,): "you reduced over the ROIs (axis 0); reduce over time, axis=1, for one value per ROI"}
    checks.is_array("f0_allen", f0_allen, shape=(n,), wrong_shapes=per_roi)
    f0 = np.percentile(Fa, 10, axis=1)
    checks.close("f0_allen", f0_allen, f0, mistakes={
        "that is the 0.1th percentile: np.percentile takes q from 0 to 100, so the 10th is 10":
            np.percentile(Fa, 0.1, axis=1),
        "that is the median; the baseline asked for is the 10th percentile": np.median(Fa, axis=1),
        "use the neuropil-corrected traces F_allen (F - 0.7 Fneu), not the raw ROI traces":
            np.percentile(allen_corrected(r=0.0), 10, axis=1),
    }, hint="each ROI's 10th percentile over time, with np.percentile's default interpolation")
    noise = dff.noise_sd(Fa, "diff_mad")
    checks.is_array("noise_allen", noise_allen, shape=(n,), wrong_shapes=per_roi)
    checks.close("noise_allen", noise_allen, noise, mistakes={
        "that is the MAD of the trace itself; use the frame-to-frame version, method 'diff_mad'":
            dff.noise_sd(Fa, "mad"),
        "that is the standard deviation; use the MAD of frame-to-frame differences, method 'diff_mad'":
            Fa.std(axis=1),
    }, hint="each ROI's noise σ by the method the exercise names, which ignores slow drift")
    if type(f0_safe) is np.ndarray and f0_safe.dtype != bool:  # the generic dtype hint asks for a comparison
        checks.fail("f0_safe", f"has dtype {f0_safe.dtype}, but a boolean array is asked for.",
                    "keep the True/False result of the comparison; do not convert it to numbers")
    checks.equal("f0_safe", f0_safe, f0 > noise, mistakes={
        "the comparison is reversed: True means the baseline is ABOVE the noise": f0 <= noise,
    }, hint="one True or False per ROI: is its baseline above its noise?")


def _safe(corrected: np.ndarray) -> np.ndarray:
    """Which ROIs have a 10th-percentile F0 above their diff_mad noise (exercise 3.1's guard)."""
    return np.percentile(corrected, 10, axis=1) > dff.noise_sd(corrected, "diff_mad")


def check_safe_counts(n_safe_r07, n_safe_r10):
    """Exercise 3.2: how many of suite2p's 23 ROIs pass the guard with r = 0.7 and r = 1.0."""
    iscell = data.load_suite2p().iscell
    count_hint = "count all ROIs whose 10th-percentile F0 is above their 'diff_mad' noise"
    for name, answer, r, hint in [("n_safe_r07", n_safe_r07, 0.7, count_hint),
                                  ("n_safe_r10", n_safe_r10, 1.0, "subtract 1.0 * Fneu this time, then " + count_hint)]:
        safe = _safe(suite2p_corrected(r))
        checks.equal(name, answer, int(safe.sum()), mistakes={
            "that counts the unsafe ROIs; count the safe ones": int((~safe).sum()),
            "count all ROIs, not only those classified as cells": int(safe[iscell].sum()),
        }, hint=hint)


def _band_sigma(band) -> float:
    return np.median(np.abs(band)) / 0.6745


def check_wavelet_threshold(sigma_wav, threshold_u):
    """Exercise 4.1: the noise σ from the finest detail band, and the universal threshold."""
    _, x = _example()
    cs = pywt.wavedec(x, "sym4", mode="symmetric", level=5)
    n, sigma = x.size, _band_sigma(cs[-1])
    checks.is_number("sigma_wav", sigma_wav, hint="one number: the noise σ from the finest detail band")
    checks.close("sigma_wav", sigma_wav, sigma, mistakes={
        "coeffs[1] is the coarsest detail band; the finest, cD1, is the last one: coeffs[-1]": _band_sigma(cs[1]),
        "coeffs[0] is the approximation; the noise is estimated from the finest detail band, coeffs[-1]":
            _band_sigma(cs[0]),
        "divide the median of |cD1| by 0.6745 to turn it into σ": np.median(np.abs(cs[-1])),
        "the convention here takes no median off the coefficients before their absolute values":
            np.median(np.abs(cs[-1] - np.median(cs[-1]))) / 0.6745,
        "that is the noise of the trace itself; estimate it from the wavelet coefficients cD1":
            np.median(np.abs(x - np.median(x))) / 0.6745,
    }, hint="σ from the finest detail band, with the exercise's convention (no median subtracted)")
    checks.is_number("threshold_u", threshold_u, hint="one number: the universal threshold")
    checks.close("threshold_u", threshold_u, sigma * np.sqrt(2 * np.log(n)), mistakes={
        "use the natural logarithm np.log, not np.log10": sigma * np.sqrt(2 * np.log10(n)),
        "use the natural logarithm np.log, not np.log2": sigma * np.sqrt(2 * np.log2(n)),
        "n is the number of frames of the trace, len(x), not the number of coefficients in cD1":
            sigma * np.sqrt(2 * np.log(cs[-1].size)),
        "multiply by σ: the threshold scales with the noise": np.sqrt(2 * np.log(n)),
        "take the square root of 2 ln n, not 2 ln n itself": sigma * 2 * np.log(n),
    }, hint="the universal threshold of step 3, from your σ and the number of frames of x")


def _denoising_mistakes(x, wavelet, level) -> dict:
    """Results of typical mistakes: hard thresholding, thresholding the approximation too,
    n = coefficients of cD1, one σ per band."""
    cs = pywt.wavedec(x, wavelet, mode="symmetric", level=level)
    sigma = _band_sigma(cs[-1])
    universal = sigma * np.sqrt(2 * np.log(x.size))

    def rebuild(bands):
        return pywt.waverec(bands, wavelet, mode="symmetric")[:x.size]

    def soft(bands, threshold):
        return [pywt.threshold(c, threshold, mode="soft") for c in bands]

    return {
        "use soft thresholding (mode='soft'): shrink every coefficient towards zero by λ, not only zero the small ones":
            rebuild([cs[0]] + [pywt.threshold(c, universal, mode="hard") for c in cs[1:]]),
        "leave the approximation coeffs[0] untouched; threshold only the detail bands coeffs[1:]":
            rebuild(soft(cs, universal)),
        "n in the threshold is the number of frames, len(x), not the number of coefficients in cD1":
            rebuild([cs[0]] + soft(cs[1:], sigma * np.sqrt(2 * np.log(cs[-1].size)))),
        "estimate σ once, from the finest band coeffs[-1], and use the same λ for every band":
            rebuild([cs[0]] + [soft([c], _band_sigma(c) * np.sqrt(2 * np.log(x.size)))[0] for c in cs[1:]]),
        "that is the input unchanged: threshold the detail bands": x,
    }


def check_wavelet_denoise_trace(wavelet_denoise_trace, unseen=False):
    """Exercise 4.2: the learner's wavelet denoising of one trace, step by step."""
    _, xk = _example()
    cases = [(xk, "sym4", 5), (xk[:2999], "sym4", 4), (xk[:1500], "db2", 3)]
    if unseen:  # another recording and real Allen traces, other wavelets, levels and lengths
        other, allen = dff_true_f0(seed=5), data.load_allen_dff().traces
        cases = [(other[1], "db4", 3), (other[7], "haar", 6), (other[12][:1501], "coif2", 2),
                 (allen[8], "sym4", 4), (allen[30][:777], "sym8", 1)]
    checks.is_function("wavelet_denoise_trace", wavelet_denoise_trace, n_params=3)
    for x, wavelet, level in cases:
        name = f"wavelet_denoise_trace(<{x.size} frames>, {wavelet!r}, {level})"
        got = checks.call("wavelet_denoise_trace", wavelet_denoise_trace, x, wavelet, level,
                          refuse=(dff.wavelet_denoise,))
        checks.is_array(name, got, shape=x.shape, hint="return one value per frame of x", wrong_shapes={
            (x.size + 1,): "pywt.waverec returns one sample more for an odd length: keep the first len(x)"})
        checks.close(name, got, dff.wavelet_denoise(x, wavelet, level), rtol=1e-6, atol=1e-9,
                     mistakes=_denoising_mistakes(x, wavelet, level),
                     hint="follow the five steps with the exercise's conventions, and use the wavelet and level "
                          "passed as arguments")


def check_level_errors(raw_error, level_errors, best_level):
    """Exercise 4.3: RMS errors against the true calcium, raw and after 1 to 8 levels, and the best level."""
    k = active_neuron(seed=0)
    _, x = _example()
    true = recording(seed=0).truth.calcium[k]
    denoised = [dff.wavelet_denoise(x, "sym4", level) for level in range(1, 9)]
    errors = np.array([np.sqrt(np.mean((d - true) ** 2)) for d in denoised])
    checks.is_number("raw_error", raw_error)
    checks.close("raw_error", raw_error, np.sqrt(np.mean((x - true) ** 2)), mistakes={
        "that is the mean squared error; take its square root for the RMS": np.mean((x - true) ** 2),
        "square the differences before averaging (root of the MEAN of SQUARES)": np.mean(np.abs(x - true)),
    }, hint="the RMS difference between x and the true calcium signal, over all frames")
    checks.is_array("level_errors", level_errors, shape=(8,), hint="one RMS error per level, levels 1 to 8")
    checks.close("level_errors", level_errors, errors, mistakes={
        "compare with the true calcium signal truth.calcium[k], not with the noisy trace x":
            np.array([np.sqrt(np.mean((d - x) ** 2)) for d in denoised]),
        "those are mean squared errors; take the square root": errors ** 2,
        "the order is reversed: level 1 first": errors[::-1],
    }, hint="for each level from 1 to 8, the RMS difference between the denoised x and the true calcium")
    checks.is_number("best_level", best_level, integer=True, hint="a level is a whole number")
    checks.equal("best_level", best_level, int(np.argmin(errors)) + 1, mistakes={
        "that is the position in the array (starting at 0); levels start at 1: add 1": int(np.argmin(errors)),
        "that is the level with the LARGEST error; pick the smallest": int(np.argmax(errors)) + 1,
    }, hint="the level (1 to 8) whose error is the smallest")


def _snr_mistakes(x) -> dict:
    median, p99, sigma = np.median(x), np.percentile(x, 99), dff.noise_sd(x, "mad")
    ranked_p99 = np.sort(x)[int(0.99 * x.size)]
    return {"the noise σ is the MAD estimate, not the standard deviation": (p99 - median) / x.std(),
            "the noise σ is the MAD of the trace itself, not of its differences ('diff_mad')":
                (p99 - median) / dff.noise_sd(x, "diff_mad"),
            "the signal is the 99th percentile, not the maximum": (x.max() - median) / sigma,
            "subtract the median from the 99th percentile: the signal is the rise above the typical level":
                p99 / sigma,
            MAD_SCALE_HINT: (p99 - median) / (sigma / 1.4826),
            "use np.percentile's default linear interpolation, not one ranked sample": (ranked_p99 - median) / sigma}


def check_snr(snr, unseen=False):
    """Exercise 5.1: the learner's robust SNR of one trace."""
    raw, xk = _example()
    cases = [xk, raw, xk[:250]]
    if unseen:  # real Allen ΔF/F₀ (raw and denoised), another recording's raw and true-F0 traces
        allen = data.load_allen_dff().traces
        cases = [allen[0], allen[8], dff.wavelet_denoise(allen[8], "sym4", 4),
                 soma_traces(seed=9)[3], dff_true_f0(seed=9)[11][:1234]]
    checks.is_function("snr", snr, n_params=1)
    for x in cases:
        name = f"snr on a trace of {x.size} frames"
        got = checks.call("snr", snr, x, refuse=(dff.snr,))
        checks.is_number(name, got, hint=ONE_NUMBER_HINT)
        checks.close(name, got, dff.snr(x), mistakes=_snr_mistakes(x),
                     hint="the rise from the median to the 99th percentile, over the MAD noise σ (see the formula)")


def check_allen_snr(snr_raw, snr_denoised, snr_gain):
    """Exercise 5.2: the SNR of each Allen trace before and after denoising, and the median gain."""
    traces = data.load_allen_dff().traces
    denoised = dff.wavelet_denoise(traces, "sym4", 4)
    n, T = traces.shape
    raw, clean = dff.snr(traces), dff.snr(denoised)
    shapes = {(T,): "one SNR per neuron: compute along time (axis=1), not across neurons"}
    checks.is_array("snr_raw", snr_raw, shape=(n,), wrong_shapes=shapes)
    checks.close("snr_raw", snr_raw, raw, mistakes={
        "that is the SNR of the denoised traces; snr_raw is for the traces before denoising": clean,
        "use the MAD noise σ, not the standard deviation":
            (np.percentile(traces, 99, axis=1) - np.median(traces, axis=1)) / traces.std(axis=1),
    }, hint="the SNR of exercise 5.1 of each raw Allen trace")
    checks.is_array("snr_denoised", snr_denoised, shape=(n,), wrong_shapes=shapes)
    checks.close("snr_denoised", snr_denoised, clean, mistakes={
        "that is the SNR before denoising": raw,
        "'diff_mad' collapses after denoising (neighbouring frames become alike): use the MAD of the trace":
            dff.snr(denoised, noise="diff_mad"),
        "denoise with 4 levels of 'sym4', as stated": dff.snr(dff.wavelet_denoise(traces, "sym4")),
    }, hint="the same SNR, of each trace after denoising with the exercise's wavelet and level")
    checks.is_number("snr_gain", snr_gain)
    checks.close("snr_gain", snr_gain, np.median(clean / raw), mistakes={
        "that is raw over denoised; the ratio asked for is snr_denoised / snr_raw": np.median(raw / clean),
        "take the median of the per-neuron ratios, not the mean": np.mean(clean / raw),
        "take the median of the ratios, not the ratio of the medians": np.median(clean) / np.median(raw),
    }, hint="the median over neurons of each neuron's ratio of denoised to raw SNR")


# --------------------------------------------------------------------------- open exercises
# (Exercises 5.4 and 6.3: the learner chooses the method; scored against the true calcium.)

#: Exercise 6.3's recording: 10 minutes at 15 Hz that bleach to 37 % (tau 600 s), neuropil removed
#: exactly. Hidden tests: the recordings of :func:`unseen_dff_recordings`.
BLEACHING = {"n_neurons": 8, "n_frames": 9000, "fs": 15.0, "bleach_tau_s": 600.0}


def bleaching_recording(seed: int = 0):
    """Exercise 6.3's recording (:data:`BLEACHING`) for `seed`."""
    return simulate.simulate_traces(**BLEACHING, seed=seed)


def _corrected(rec) -> np.ndarray:
    """``traces - r * neuropil`` with the true r and neuropil: ``f0 * (1 + calcium) + noise``."""
    return np.asarray(rec.traces) - rec.truth.r[:, np.newaxis] * rec.truth.neuropil


def unseen_dff_recordings() -> dict:
    """``{description: recording}``: the hidden recordings of Exercise 6.3 (the second also of 5.4)."""
    return {
        "30 Hz, GCaMP6f, faster bleaching (tau 400 s) and more drift":
            simulate.simulate_traces(n_neurons=6, n_frames=12000, fs=30.0, indicator="GCaMP6f", seed=11,
                                     bleach_tau_s=400.0, drift_fraction=0.08),
        "7.5 Hz, GCaMP6s, the realistic regime (small single spikes, bursts, shared gain)":
            simulate.simulate_traces(n_neurons=8, n_frames=4500, fs=7.5, seed=12, regime="realistic",
                                     bleach_tau_s=500.0),
    }


def binned(x, fs: float, bin_s: float = 1.0) -> np.ndarray:
    """Averages of `x` over consecutive bins of `bin_s` seconds along the last axis (a partial
    last bin is dropped)."""
    x = np.asarray(x, dtype=float)
    width = max(1, int(round(bin_s * fs)))
    n = x.shape[-1] // width
    return x[..., :n * width].reshape(*x.shape[:-1], n, width).mean(axis=-1)


def dff_error(estimate, calcium, fs: float) -> np.ndarray:
    """Error of a ΔF/F₀ estimate against the true calcium, per neuron: the mean of ``|e_b - c_b|``
    over 1 s bins ``b`` (bin averages ``e_b`` of the estimate, ``c_b`` of the true calcium), in ΔF/F₀
    (fraction). Averaging over 1 s takes most of the noise out; a wrong level (F₀ too high or low)
    or a wrong scale (transients shrunk or blown up where the baseline bleached) remains."""
    e, c = binned(estimate, fs), binned(calcium, fs)
    return np.abs(e - c).mean(axis=-1)


#: Exercise 6.3: the mean over neurons of :func:`dff_error` must be at most this, on every recording.
#: Calibration (mean error, ΔF/F₀: the visible recording; the 30 Hz GCaMP6f and the 7.5 Hz realistic
#: unseen ones): the reference (Gaussian 0.5 s, rolling 10th percentile over 30 s, F / F0(t) - 1)
#: 0.026; 0.035, 0.024. The rolling 20th percentile over 60 s 0.062; 0.087, 0.038 and the rolling
#: 10th percentile without smoothing 0.097; 0.123, 0.050 (a low percentile of noise sits below the
#: quiet level). Weak answers: the old four-step recipe (constant 25th percentile, then the drift
#: subtracted) 0.265; 0.301, 0.353; the constant median 0.248; 0.241, 0.311.
DFF_ERROR_MAX = 0.05


def check_my_dff(my_dff, unseen=False):
    """Exercise 6.3 (open): the learner's ΔF/F₀ of a bleaching trace, scored against the true calcium."""
    checks.is_function("my_dff", my_dff, n_params=2)
    if unseen:
        cases = [(f"another recording: {what}", rec) for what, rec in unseen_dff_recordings().items()]
    else:
        cases = [("the exercise's recording (bleach_rec)", bleaching_recording())]
    for what, rec in cases:
        traces, calcium = _corrected(rec), rec.truth.calcium
        name = f"my_dff(trace, fs) on {what}"
        got = []
        for trace in traces:
            out = checks.call("my_dff", my_dff, trace.copy(), rec.fs)
            checks.is_array(name, out, shape=trace.shape, hint="one ΔF/F₀ value (a fraction) per frame of the trace")
            got.append(out)
        got = np.array(got)
        if not np.all(np.isfinite(got)):
            checks.fail(name, "contains NaN or infinite values.", "divide only by a baseline that stays above zero")
        error = float(dff_error(got, calcium, rec.fs).mean())
        if error <= DFF_ERROR_MAX:
            continue
        e, c = binned(got, rec.fs), binned(calcium, rec.fs)
        quiet = c < 0.02
        offset = float(np.median(np.abs(e[quiet] - c[quiet]))) if quiet.any() else 0.0  # level error, either sign
        spread = lambda v: np.percentile(v, 99) - np.median(v)  # noqa: E731 - the size of the transients
        if spread(e) > 20 * spread(c):
            hint = "ΔF/F₀ is a fraction: do not multiply by 100"
        elif offset > 0.5 * DFF_ERROR_MAX:
            hint = ("the quiet level is off zero: the baseline does not follow the bleaching (a baseline that "
                    "changes with time, in seconds) or sits above or below the quiet level (its percentile)")
        else:
            hint = ("the transients have the wrong size where the baseline changed: bleaching and drift multiply "
                    "the signal, so divide by a baseline that follows them, F / F0(t) - 1, rather than subtract "
                    "the drift after dividing by one constant F0")
        checks.fail(name, f"is {100 * error:.0f} % off the true calcium signal on average over the neurons (1 s bins; "
                          f"aim: at most {100 * DFF_ERROR_MAX:.0f} %).", hint)


# --------------------------------------------------------------------------- Exercise 5.4 (open)

#: The true transients whose amplitude Exercise 5.4 scores: peaks of the true calcium signal at
#: least this high (ΔF/F₀) and this prominent.
PEAK_HEIGHT, PEAK_PROMINENCE = 0.2, 0.1
#: Exercise 5.4 bounds, on every recording: the median noise reduction over the neurons at least
#: NOISE_GAIN_MIN (so the SNR grows at least that much with the amplitudes kept) and the median
#: relative amplitude error at the true peaks at most AMPLITUDE_ERROR_MAX.
#: Calibration (noise reduction / amplitude error; the visible 30 Hz recording; the hidden seed-1
#: 30 Hz, 15 Hz GCaMP6s and 7.5 Hz realistic recordings): the reference, a Gaussian of sigma
#: 0.1 s, 3.07 / 0.13; 3.15 / 0.12, 2.25 / 0.13, 1.60 / 0.11 (other realistic seeds 1.57-1.63 /
#: 0.12). Weak answers: the raw trace 1.00 / 0.10-0.16; the lesson's sym4 with 4 levels 3.59 /
#: 0.21, 3.70 / 0.22, 3.61 / 0.43, 2.75 / 0.40; a 1 s moving average 4.56 / 0.46 (…, 2.38 / 0.38);
#: a causal exponential average (0.3 s) 3.46 / 0.57; a 5-frame median filter 1.84 / 0.07 but
#: 1.80 / 0.22 at 7.5 Hz; a Gaussian of 0.05 s 2.26 / 0.05 but 1.05 / 0.07 at 7.5 Hz.
NOISE_GAIN_MIN = 1.4
AMPLITUDE_ERROR_MAX = 0.2


def _dff_against_truth(rec) -> np.ndarray:
    """ΔF/F₀ of a recording's somata against the true baseline: the true calcium plus noise."""
    return (_corrected(rec) - rec.truth.f0) / rec.truth.f0


def denoise_recordings(unseen: bool = False) -> dict:
    """``{description: (dff, calcium, fs)}``: Exercise 5.4's recordings (GCaMP6s): the lesson's,
    or the hidden ones (another seed; 15 Hz with more noise; 7.5 Hz in the realistic regime)."""
    if not unseen:
        rec = recording(0)
        return {"the lesson's recording (dff_true)": (dff_true_f0(0), rec.truth.calcium, rec.fs)}
    cases = {"another 30 Hz recording": recording(1),
             "a 15 Hz recording": simulate.simulate_traces(n_neurons=10, n_frames=4500, fs=15.0, seed=13),
             "a 7.5 Hz recording in the realistic regime (small single spikes, bursts, shared gain)":
                 list(unseen_dff_recordings().values())[1]}
    return {what: (_dff_against_truth(rec), rec.truth.calcium, rec.fs) for what, rec in cases.items()}


def true_peaks(calcium) -> np.ndarray:
    """Frames of the peaks of one true calcium trace that Exercise 5.4 scores."""
    from scipy import signal
    return signal.find_peaks(np.asarray(calcium), height=PEAK_HEIGHT, prominence=PEAK_PROMINENCE)[0]


def denoising_scores(denoised, noisy, calcium) -> tuple[float, float, float]:
    """Answer key of Exercise 5.4, for traces ``(n_neurons, n_frames)``: ``(noise reduction,
    amplitude error, amplitude bias)``. The noise reduction is the median over neurons of
    ``MAD σ(noisy − calcium) / MAD σ(denoised − calcium)``; the amplitude error the median over
    all true peaks of ``|denoised − calcium| / calcium`` at the peak frame, the bias the median
    of the signed ratio ``denoised / calcium − 1`` there."""
    gains, errors = [], []
    for y, x, c in zip(np.asarray(denoised, dtype=float), np.asarray(noisy, dtype=float), np.asarray(calcium)):
        gains.append(_mad(x - c) / _mad(y - c))      # the ratio of the MAD noise estimates
        peaks = true_peaks(c)
        errors.extend((y[peaks] - c[peaks]) / c[peaks])
    errors = np.asarray(errors)
    return float(np.median(gains)), float(np.median(np.abs(errors))), float(np.median(errors))


def check_my_denoise(my_denoise, unseen=False):
    """Exercise 5.4 (open): the learner's denoising, scored against the true calcium (bounds:
    NOISE_GAIN_MIN and AMPLITUDE_ERROR_MAX)."""
    checks.is_function("my_denoise", my_denoise, n_params=2)
    for what, (noisy, calcium, fs) in denoise_recordings(unseen).items():
        name = f"my_denoise(x, fs) on {what}"
        got = []
        for x in noisy:
            out = checks.call("my_denoise", my_denoise, x.copy(), fs)
            checks.is_array(name, out, shape=x.shape, hint="one denoised value per frame of the trace, in ΔF/F₀")
            got.append(out)
        got = np.array(got, dtype=float)
        if not np.all(np.isfinite(got)):
            checks.fail(name, "contains NaN or infinite values.", "return a finite value for every frame")
        gain, error, bias = denoising_scores(got, noisy, calcium)
        if bias > 3:
            checks.fail(name, f"makes the transients {bias + 1:.0f} times too large.",
                        "keep the input's units: ΔF/F₀ as a fraction, not in percent")
        if gain < NOISE_GAIN_MIN:
            checks.fail(name, f"reduces the noise only {gain:.2f}-fold (median over the neurons; aim: at least "
                              f"{NOISE_GAIN_MIN:g}-fold).",
                        "average over more frames: the noise is independent from frame to frame, a transient is "
                        "not — and think in seconds, not frames, since the frame rate changes")
        if error > AMPLITUDE_ERROR_MAX:
            checks.fail(name, f"is {100 * error:.0f} % off the true transients' peaks (median; aim: at most "
                              f"{100 * AMPLITUDE_ERROR_MAX:.0f} %), with a noise reduction of {gain:.2f}-fold.",
                        "your denoising shrinks or delays the peaks: smooth over a shorter time than a transient's "
                        "rise (a small fraction of a second), use a centred (not causal) filter, or fewer wavelet "
                        "levels" if bias < 0 else
                        "the peaks come out too large: do not scale the trace")
