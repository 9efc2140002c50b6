"""Spike inference: from spikes to calcium (kernels, autoregressive models) and back (OASIS).

A calcium trace is, to a first approximation, the neuron's spike train **convolved** with the
indicator's response to one spike, plus noise. This module builds those responses (kernels), the
equivalent autoregressive (AR) models, infers spikes back with OASIS (Friedrich et al. 2017,
package ``oasis-deconv``), turns its continuous output into spike times, and scores the result
against known spikes. :func:`deconvolve` is OASIS with a kernel given or estimated by OASIS (the
lessons' method, defaults unchanged); :func:`infer_spikes` chooses the kernel's decay and rise
from the data and is the course's recommended reference (scored against real spikes in
``benchmarks/bench_ground_truth.py``).

Conventions used throughout:

* a kernel is sampled at the frame times ``t = k / fs`` for ``k = 0, 1, ...``: ``kernel[0]`` is
  the response in the spike's own frame, ``kernel[k]`` the response ``k`` frames later; a kernel
  of ``duration_s`` seconds has ``round(duration_s * fs)`` samples (at least 1);
* kernels are normalised to **sum 1** by default (``normalise="sum"``: convolution then keeps the
  number of spikes as the area), or to **peak 1** (``"peak"``: one spike's response peaks at 1,
  as an amplitude in ΔF/F₀ per spike would be stated), or not at all (``None``);
* convolution is **causal** and trimmed to the input: ``out[t] = sum_k kernel[k] * spikes[t - k]``
  for ``t < n_frames`` — the first ``n_frames`` samples of ``np.convolve(spikes, kernel, "full")``;
* the AR(p) model of calcium is ``c[t] = g1 c[t-1] + ... + gp c[t-p] + s[t]``; for one decay time
  constant τ at frame rate fs, ``g = exp(-1 / (τ fs))``; for a rise and a decay,
  ``(g1, g2) = (d + r, -d r)`` with ``d = exp(-1 / (τ_decay fs))`` and ``r = exp(-1 / (τ_rise fs))``;
* traces are one trace ``(n_frames,)`` or many ``(n_neurons, n_frames)``, time on the last axis.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
import oasis
import oasis.functions
from scipy import fft as scipy_fft
from scipy.optimize import least_squares
from scipy.signal import fftconvolve, find_peaks, lfilter, welch
from scipy.signal.windows import triang

from helpers.events import MatchScore, match_events
from helpers.validate import (LARGEST, as_array, as_traces, check_size, choice, in_range, number,
                              positive, whole_number, window_frames)

__all__ = ["boxcar_kernel", "triangle_kernel", "exponential_kernel", "double_exponential_kernel",
           "normalise_kernel", "convolve_spikes", "ar_coefficients", "ar_time_constants",
           "ar_impulse_response", "Deconvolution", "deconvolve", "SpikeInference", "infer_spikes",
           "DECAY_GRID_S", "spike_threshold", "spike_frames",
           "spike_times_s", "binned_rate_correlation", "InferenceScore", "score_inference"]


# --------------------------------------------------------------------------- kernels

def _n_samples(duration_s, fs, name: str) -> int:
    duration_s = positive(duration_s, name, unit="seconds")
    fs = positive(fs, "fs", unit="Hz")
    check_size(duration_s * fs, name, f"a kernel at fs={fs:g} Hz")
    return max(1, round(duration_s * fs))


def normalise_kernel(kernel, how: str | None = "sum") -> np.ndarray:
    """A kernel scaled to sum 1 (``"sum"``), to peak 1 (``"peak"``) or unchanged (``None``).

    Raises
    ------
    ValueError
        For an unknown `how`, or a kernel whose sum (or peak) is zero.
    """
    kernel = as_array(kernel, "kernel", ndim=1)
    if how is None:
        return kernel.copy()
    choice(how, "normalise", ("sum", "peak", None))
    scale = kernel.sum() if how == "sum" else np.abs(kernel).max()
    if scale == 0:
        raise ValueError(f"the kernel's {how} is 0 and cannot be normalised: is it all zeros "
                         "(e.g. a double exponential with equal rise and decay, unnormalised)?")
    return kernel / scale


def boxcar_kernel(width_s, fs, *, normalise: str | None = "sum") -> np.ndarray:
    """A flat window of ``round(width_s * fs)`` frames (at least 1): a running sum or mean.

    Parameters
    ----------
    width_s : float
        Width of the window, seconds.
    fs : float
        Frame rate, Hz.
    normalise : {"sum", "peak", None}
        ``"sum"`` (default): every sample is ``1 / n``; ``"peak"`` or None: every sample is 1.
    """
    return normalise_kernel(np.ones(_n_samples(width_s, fs, "width_s")), normalise)


def triangle_kernel(width_s, fs, *, normalise: str | None = "sum") -> np.ndarray:
    """A symmetric triangle of ``n = round(width_s * fs)`` frames (at least 1), peak in the middle.

    Sample ``k`` is ``1 - |k - (n - 1) / 2| / ((n + 1) / 2)`` before normalisation
    (``scipy.signal.windows.triang``): the end samples are small but not zero.
    """
    return normalise_kernel(triang(_n_samples(width_s, fs, "width_s")), normalise)


def exponential_kernel(tau_s, fs, duration_s, *, normalise: str | None = "sum") -> np.ndarray:
    """A single exponential decay ``exp(-t / tau_s)`` at ``t = k / fs``, ``k = 0 ... n - 1``.

    An instantaneous rise and a decay with time constant `tau_s`: the response of an AR(1)
    model. Its first sample is the largest (1 before normalisation). `duration_s` should be a few
    `tau_s` long, or the truncated tail makes the sum-normalised kernel too high.

    Parameters
    ----------
    tau_s : float
        Decay time constant, seconds.
    fs : float
        Frame rate, Hz.
    duration_s : float
        Length of the kernel, seconds (``round(duration_s * fs)`` samples).
    normalise : {"sum", "peak", None}
        Sum 1 (default), peak 1 (the same as None here) or unnormalised.
    """
    tau_s = positive(tau_s, "tau_s", unit="seconds")
    t = np.arange(_n_samples(duration_s, fs, "duration_s")) / fs
    return normalise_kernel(np.exp(-t / tau_s), normalise)


def double_exponential_kernel(rise_s, decay_s, fs, duration_s, *,
                              normalise: str | None = "sum") -> np.ndarray:
    """A rise-then-decay response ``exp(-t / decay_s) - exp(-t / rise_s)`` at ``t = k / fs``.

    It starts at 0, peaks at ``t_peak = ln(decay_s / rise_s) · rise_s · decay_s / (decay_s -
    rise_s)`` and then decays with `decay_s`. As the rise approaches the decay, the difference
    of the two exponentials shrinks towards 0 everywhere (unnormalised it vanishes), while its
    *shape* tends to the alpha function ``(t / τ) exp(-t / τ)``; for ``rise_s == decay_s``
    that limit is returned (before normalisation, scaled to peak 1). Normalised kernels are
    therefore continuous in `rise_s`.

    Parameters
    ----------
    rise_s, decay_s : float
        Rise and decay time constants, seconds, with ``rise_s <= decay_s``.
    fs : float
        Frame rate, Hz.
    duration_s : float
        Length of the kernel, seconds.
    normalise : {"sum", "peak", None}
        Sum 1 (default), peak 1, or unnormalised.

    Raises
    ------
    ValueError
        If ``rise_s > decay_s`` (swap them: the shape is the same with the roles named right).
    """
    rise_s = positive(rise_s, "rise_s", unit="seconds")
    decay_s = positive(decay_s, "decay_s", unit="seconds")
    if rise_s > decay_s:
        raise ValueError(f"rise_s ({rise_s} s) must not exceed decay_s ({decay_s} s): the rise is "
                         "the faster time constant; swap them")
    t = np.arange(_n_samples(duration_s, fs, "duration_s")) / fs
    if rise_s == decay_s:
        kernel = (t / decay_s) * np.exp(1 - t / decay_s)
    else:
        kernel = np.exp(-t / decay_s) - np.exp(-t / rise_s)
    return normalise_kernel(kernel, normalise)


def convolve_spikes(spikes, kernel) -> np.ndarray:
    """Calcium from spikes: the causal convolution of each trace with `kernel`, trimmed.

    ``out[..., t] = sum_k kernel[k] * spikes[..., t - k]`` over ``0 <= k <= t``: the first
    ``n_frames`` samples of NumPy's ``"full"`` convolution, so the output has the input's shape
    and the response to a spike near the end is cut off at the end of the recording (not
    wrapped around, not centred). ``"same"`` would shift every response half a kernel earlier.

    Parameters
    ----------
    spikes : array, (n_frames,) or (n_neurons, n_frames)
        Spike counts (or any signal) per frame.
    kernel : 1-D array
        Response to one spike, sample 0 in the spike's frame.

    Returns
    -------
    float64 array of the shape of `spikes`.
    """
    spikes, was_1d = as_traces(spikes, "spikes")
    # Samples beyond the recording never reach the trimmed output: drop them (a long kernel
    # would only cost time).
    kernel = as_array(kernel, "kernel", ndim=1)[:spikes.shape[-1]]
    out = lfilter(kernel, [1.0], spikes, axis=-1)
    return out[0] if was_1d else out


# --------------------------------------------------------------------------- AR models

def ar_coefficients(decay_s, fs, rise_s=0.0) -> tuple[float, ...]:
    """AR coefficients of an indicator: ``(g,)`` for a decay only, ``(g1, g2)`` with a rise.

    ``g = exp(-1 / (decay_s · fs))`` is the fraction of calcium left one frame later. With a rise
    time constant, the AR(2) model's impulse response is proportional to ``d^k - r^k``, the
    double exponential sampled at the frames: ``(g1, g2) = (d + r, -d · r)``.
    (Same as ``oasis.tau_to_ar1`` / ``tau_to_ar2``.)

    Parameters
    ----------
    decay_s : float
        Decay time constant, seconds.
    fs : float
        Frame rate, Hz.
    rise_s : float
        Rise time constant, seconds; 0 (default) for an AR(1) model (instantaneous rise).
        Must be smaller than `decay_s`.

    Raises
    ------
    ValueError
        If a time constant is so short or so long against the frame duration that its
        coefficient rounds to 0 or 1 (no usable AR model), or the two are indistinguishable.
    """
    decay_s = positive(decay_s, "decay_s", unit="seconds")
    fs = positive(fs, "fs", unit="Hz")
    d = _per_frame_decay(decay_s, fs, "decay_s")
    if number(rise_s, "rise_s", low=0, unit="seconds") == 0:
        return (d,)
    rise_s = positive(rise_s, "rise_s", unit="seconds")
    if rise_s >= decay_s:
        raise ValueError(f"rise_s ({rise_s} s) must be smaller than decay_s ({decay_s} s)")
    r = _per_frame_decay(rise_s, fs, "rise_s")
    if not r < d:
        raise ValueError(f"rise_s={rise_s:g} s and decay_s={decay_s:g} s are indistinguishable at "
                         f"fs={fs:g} Hz (both give {d!r} per frame): use time constants of a few "
                         "frames or more, in seconds")
    return (d + r, -d * r)


def _per_frame_decay(tau_s: float, fs: float, name: str) -> float:
    """``exp(-1 / (tau_s fs))``, refused when it rounds to 0 or 1 (no usable AR model)."""
    frames = tau_s * fs  # may underflow to 0 or overflow to inf
    g = math.exp(-1.0 / frames) if frames > 1e-300 else 0.0
    if not 0 < g < 1:
        raise ValueError(f"{name}={tau_s:g} s at fs={fs:g} Hz is {tau_s * fs:.3g} frames, so the "
                         f"fraction left per frame rounds to {g:g}: an AR model needs a decay of "
                         "more than a few hundredths of a frame and less than ~1e15 frames. Is "
                         f"{name} in seconds and fs in Hz?")
    return g


def _check_g(g) -> tuple[float, ...]:
    if isinstance(g, numbers.Real) and not isinstance(g, bool):
        g = (g,)
    try:
        g = tuple(float(x) for x in g)
    except (TypeError, ValueError):
        raise TypeError(f"g must be a number (AR(1)) or a pair (g1, g2) (AR(2)), got {g!r}") from None
    if len(g) not in (1, 2) or not all(math.isfinite(x) for x in g):
        raise ValueError(f"g must hold 1 (AR(1)) or 2 (AR(2)) finite coefficients, got {g!r}")
    if len(g) == 1 and not 0 < g[0] < 1:
        raise ValueError(f"an AR(1) coefficient g must be in (0, 1) (a decay), got {g[0]}")
    if len(g) == 2:
        g1, g2 = g
        disc = g1 ** 2 + 4 * g2
        roots = (g1 / 2 + math.sqrt(disc) / 2, g1 / 2 - math.sqrt(disc) / 2) if disc >= 0 else ()
        if not roots or not all(0 < root < 1 for root in roots):
            raise ValueError(f"AR(2) coefficients {g} are not a rise and a decay: the roots of "
                             "z^2 - g1 z - g2 must be real and in (0, 1) (build them with ar_coefficients)")
    return g


def ar_time_constants(g, fs) -> tuple[float, float]:
    """``(decay_s, rise_s)`` of AR coefficients: the inverse of :func:`ar_coefficients`.

    AR(1): ``decay_s = -1 / (fs · ln g)`` and ``rise_s = 0``. AR(2): the two roots ``d > r`` of
    ``z² - g1 z - g2`` give ``decay_s = -1 / (fs ln d)`` and ``rise_s = -1 / (fs ln r)``.

    Raises
    ------
    ValueError
        For g outside (0, 1), or AR(2) coefficients without two real roots in (0, 1)
        (an oscillating response is not a calcium transient).
    """
    g = _check_g(g)
    fs = positive(fs, "fs", unit="Hz")
    if len(g) == 1:
        roots = (g[0],)
    else:
        g1, g2 = g
        half_root = math.sqrt(g1 ** 2 + 4 * g2) / 2
        roots = (g1 / 2 + half_root, g1 / 2 - half_root)
    rates = [fs * math.log(root) for root in roots]  # negative; tiny when fs is
    taus = [-1.0 / rate if rate < -1e-300 else math.inf for rate in rates]
    if not all(math.isfinite(tau) for tau in taus):
        raise ValueError(f"the time constants of g={g} at fs={fs:g} Hz are too long to represent: "
                         "is fs in Hz?")
    return (taus[0], 0.0) if len(g) == 1 else (taus[0], taus[1])


def ar_impulse_response(g, n_frames: int) -> np.ndarray:
    """The calcium an AR model makes from one spike in frame 0: ``c[t] = sum_i g_i c[t-i] + s[t]``.

    For AR(1) this is ``g^t`` (the exponential kernel with peak 1); for AR(2) built by
    :func:`ar_coefficients` it is ``(d^(t+1) - r^(t+1)) / (d - r)``, a double exponential shifted
    by one frame (its first sample is 1, not 0). Returns float64 of shape ``(n_frames,)``.
    """
    g = _check_g(g)
    n_frames = whole_number(n_frames, "n_frames", unit="frames")
    check_size(n_frames, "n_frames", "an impulse response")
    impulse = np.zeros(int(n_frames))
    impulse[0] = 1.0
    return lfilter([1.0], np.r_[1.0, -np.asarray(g)], impulse)


# --------------------------------------------------------------------------- deconvolution

@dataclass(frozen=True)
class Deconvolution:
    """OASIS's result for one trace (floats) or many (arrays with one row per neuron).

    Attributes
    ----------
    calcium : array, shape of the input
        Denoised calcium ``c`` in the trace's units, **without** the baseline (``trace ≈ calcium
        + baseline + noise``).
    spikes : array, shape of the input
        Inferred activity ``s = c[t] - g1 c[t-1] (- g2 c[t-2])`` ≥ 0, in the trace's units per
        frame: not a count of spikes but proportional to it (one spike of amplitude A gives about
        A, spread over a frame or two).
    baseline : float or (n_neurons,) array
        Fluorescence baseline ``b`` (estimated unless given).
    g : (p,) or (n_neurons, p) array
        The AR coefficients used (given, from the time constants, or estimated).
    lam : float or (n_neurons,) array
        The sparsity penalty λ that met the noise constraint.
    noise_sd : float or (n_neurons,) array
        The noise standard deviation used for the constraint.
    """

    calcium: np.ndarray
    spikes: np.ndarray
    baseline: float | np.ndarray
    g: np.ndarray
    lam: float | np.ndarray
    noise_sd: float | np.ndarray


def _estimate_g(y: np.ndarray, order: int, row: int) -> tuple[float, ...]:
    # OASIS's estimator draws from NumPy's global generator when a root falls outside (0, 1):
    # seed it for reproducible results and give the caller's random stream back untouched.
    state = np.random.get_state()
    try:
        np.random.seed(0)
        with np.errstate(invalid="ignore", divide="ignore"):
            g, _ = oasis.functions.estimate_parameters(y, p=order, fudge_factor=0.98)
    finally:
        np.random.set_state(state)
    g = tuple(float(x) for x in np.atleast_1d(g))
    try:
        return _check_g(g)
    except ValueError:
        raise ValueError(f"trace row {row}: no AR({order}) model could be estimated from it "
                         f"(got g={g}; e.g. a constant trace has no autocorrelation to estimate "
                         "it from): give g or decay_s, or drop that trace") from None


_MIN_DECONVOLUTION_FRAMES = 10  # OASIS's noise and AR estimates fail (LAPACK errors) below ~5


def deconvolve(trace, fs, g=None, *, decay_s=None, rise_s=0.0, order: int = 1, penalty: int = 1,
               noise_sd=None, baseline=None, baseline_nonneg: bool = False) -> Deconvolution:
    """Infer calcium and spiking activity with OASIS's noise-constrained deconvolution.

    For each trace ``y`` OASIS (Friedrich, Zhou & Paninski 2017) finds the calcium ``c`` that
    follows the AR model exactly with non-negative innovations ``s`` (the inferred activity),
    and is as sparse as possible (``penalty=1``: smallest sum of ``s``; ``penalty=0``: fewest
    non-zero ``s``) while fitting the trace to within its noise: ``|y - c - b|² = σ² T``.

    The AR model comes from, in this order: `g` if given (``(g,)`` or ``(g1, g2)``); else the
    time constants `decay_s` (and `rise_s` for AR(2)) and `fs` (:func:`ar_coefficients`); else
    it is estimated from the trace's autocovariance (AR(`order`), OASIS's estimator with its
    usual shrinkage 0.98 — made reproducible here). σ is estimated from the high frequencies of
    the power spectrum unless `noise_sd` is given.

    Limits: the baseline is one constant per trace (unless `baseline` is given), so a ΔF/F₀ that
    sinks slowly below its start (real recording ds16_1 of the ground-truth set, by more than 1)
    is read as activity in almost every frame (25 Hz correlation 0.07 there, 0.33 with
    :func:`infer_spikes`, whose fitted decay absorbs part of the drift): remove slow drift first,
    e.g. with a rolling baseline (:mod:`helpers.baseline`).

    Parameters
    ----------
    trace : array, (n_frames,) or (n_neurons, n_frames)
        Fluorescence or ΔF/F₀, at least 10 frames; each row is deconvolved on its own.
    fs : float
        Frame rate, Hz (used to convert `decay_s`/`rise_s`).
    g : float or pair of floats, optional
        AR coefficients to use, each root in (0, 1).
    decay_s, rise_s : float, optional
        Indicator time constants, seconds (e.g. GCaMP6s 0.69 / 0.07 s).
    order : {1, 2}
        Order of the AR model when it is estimated.
    penalty : {1, 0}
        L1 (convex, default) or L0 sparsity.
    noise_sd : float, optional
        Noise standard deviation of the trace(s), in the trace's units.
    baseline : float, optional
        A known baseline; estimated when None.
    baseline_nonneg : bool
        Constrain an estimated baseline to be ≥ 0 (OASIS's default is True; False here because a
        ΔF/F₀ baseline can be slightly negative).

    Returns
    -------
    Deconvolution

    Raises
    ------
    ValueError, TypeError
        For a trace with NaN or ±inf, of the wrong shape or shorter than 10 frames, a
        non-positive fs, invalid g, both `g` and `decay_s`, an unknown `order`/`penalty`, or a
        trace from which no AR model can be estimated (e.g. a constant one: give `g` or
        `decay_s`) or on which OASIS finds no finite solution; the message names the row.
    """
    fs = positive(fs, "fs", unit="Hz")
    y2d, was_1d = as_traces(trace, "trace", fs=fs)
    if y2d.shape[-1] < _MIN_DECONVOLUTION_FRAMES:
        raise ValueError(f"trace has {y2d.shape[-1]} frames, too few to deconvolve (at least "
                         f"{_MIN_DECONVOLUTION_FRAMES}; time is the last axis)")
    if g is not None and decay_s is not None:
        raise ValueError("give either g or decay_s (and rise_s), not both")
    choice(order, "order", (1, 2), what="AR(1) or AR(2)")
    choice(penalty, "penalty", (1, 0), what="L1 or L0")
    if not isinstance(baseline_nonneg, (bool, np.bool_)):
        raise TypeError(f"baseline_nonneg must be True or False, got {baseline_nonneg!r}")
    if g is not None:
        fixed_g = _check_g(g)
    elif decay_s is not None:
        fixed_g = ar_coefficients(decay_s, fs, rise_s)
    else:
        fixed_g = None
    if noise_sd is not None:
        noise_sd = positive(noise_sd, "noise_sd")
    if baseline is not None:
        baseline = number(baseline, "baseline", low=-LARGEST, high=LARGEST)
    rows = []
    for i, y in enumerate(y2d):
        if baseline is not None:  # a known baseline: OASIS deconvolves y - baseline with b = 0
            y = y - baseline
        g_row = fixed_g if fixed_g is not None else _estimate_g(y, order, i)
        sn = noise_sd if noise_sd is not None else float(oasis.functions.GetSn(y))
        options = dict(optimize_b=baseline is None, b_nonneg=baseline_nonneg, penalty=penalty)
        if len(g_row) == 1:
            c, s, b, _, lam = oasis.constrained_oasisAR1(y, g_row[0], sn, **options)
        else:
            # OASIS's default shift (100 frames) fails on traces of 51-99 frames: shapes not aligned.
            shift = 50 if 50 < y.size < 100 else 100
            c, s, b, _, lam = oasis.functions.constrained_onnlsAR2(y, g_row, sn, shift=shift, **options)
        if not (np.isfinite(c).all() and np.isfinite(s).all() and np.isfinite([b, lam]).all()):
            raise ValueError(f"trace row {i}: OASIS found no finite solution with g={g_row} and "
                             f"noise_sd={sn:.3g} (a trace too short or too regular for its AR "
                             "model?): give g or decay_s and noise_sd, or drop that trace")
        rows.append((c, s, b if baseline is None else baseline, g_row, lam, sn))
    calcium, spikes, b, gs, lam, sn = (np.array(col, dtype=np.float64) for col in zip(*rows))
    if was_1d:
        return Deconvolution(calcium=calcium[0], spikes=spikes[0], baseline=float(b[0]), g=gs[0],
                             lam=float(lam[0]), noise_sd=float(sn[0]))
    return Deconvolution(calcium=calcium, spikes=spikes, baseline=b, g=gs, lam=lam, noise_sd=sn)


# --------------------------------------------------------------------------- spike inference

DECAY_GRID_S = tuple(float(tau) for tau in np.geomspace(0.05, 10.0, 25))
"""Decay time constants (seconds) :func:`infer_spikes` chooses from: 25 values evenly spaced on a
log scale from 50 ms (fast indicators at high frame rates) to 10 s (the slow effective decay of
a GCaMP6s neuron firing for seconds)."""

_RISE_SEGMENT_S = 16.0  # Welch segments for the rise fit: long enough for 0.06 Hz resolution
_FISTA_ITERATIONS = 400  # accelerated proximal gradient steps; results change < 1 % beyond


@dataclass(frozen=True)
class SpikeInference(Deconvolution):
    """:func:`infer_spikes`'s result: a :class:`Deconvolution` plus the kernel it chose.

    ``spikes`` are the inferred activity per frame in ΔF/F₀ units: each value is the **peak**
    ΔF/F₀ of the transient it starts, so ``calcium = convolve_spikes(spikes, kernel)`` with the
    peak-normalised kernel of ``decay_s`` and ``rise_s`` — ``exponential_kernel`` (response in
    the spike's own frame) when ``rise_s`` is 0, else ``double_exponential_kernel`` (response
    from the next frame on, rising with ``rise_s``). ``g`` holds the equivalent AR coefficients
    ((g,) or (g1, g2); for several neurons an ``(n_neurons, 2)`` array whose second column is 0
    for neurons modelled without a rise). ``lam`` is the sparsity penalty λ of the objective
    ``½ |trace - baseline - calcium|² + λ sum(spikes)``.

    Attributes
    ----------
    decay_s, rise_s : float or (n_neurons,) array
        The kernel's decay and rise time constants, seconds (``rise_s`` 0: instantaneous rise).
    """

    decay_s: float | np.ndarray
    rise_s: float | np.ndarray


def _select_decay(x: np.ndarray, fs: float, noise_sd: float, sparsity: float) -> float:
    """The decay (from ``DECAY_GRID_S``) whose sparse AR(1) fit of `x` costs least.

    The cost is OASIS's objective ``½ |x - c|² + λ sum(s)`` with λ = `sparsity` · σ · |k|, |k| the
    Euclidean norm of the peak-1 kernel: a spike then costs the same whatever the kernel's
    length, so a slower kernel wins only where the trace really decays slowly.
    """
    best, best_cost = None, math.inf
    for decay_s in DECAY_GRID_S:
        g = math.exp(-1.0 / (decay_s * fs))
        if not 0.0 < g < 1.0:
            continue
        lam = sparsity * noise_sd / math.sqrt(1.0 - g * g)
        calcium, spikes = oasis.oasisAR1(x, g, lam)
        cost = 0.5 * float(np.sum((x - calcium) ** 2)) + lam * float(spikes.sum())
        if cost < best_cost:
            best, best_cost = decay_s, cost
    if best is None:
        raise ValueError(f"no decay time constant between {DECAY_GRID_S[0]} and {DECAY_GRID_S[-1]} s "
                         f"can be modelled at fs={fs:g} Hz: is fs in Hz? Give decay_s")
    return best


def _fit_rise(x: np.ndarray, fs: float) -> float:
    """Rise time constant (s) from the power spectrum, 0 if the trace is too short to say.

    Transients of a double exponential have a spectrum ``A / ((1 + (2π f τd)²)(1 + (2π f τr)²))``
    above a white noise floor; a least-squares fit of that model to Welch's estimate (in log
    power, weighted towards low frequencies) gives the faster of the two time constants.
    """
    n = int(min(x.size // 4, round(_RISE_SEGMENT_S * fs)))
    if n < 16:
        return 0.0
    f, power = welch(x - x.mean(), fs=fs, nperseg=n)
    keep = (f > 0) & (power > 0)
    f, power = f[keep], power[keep]
    if f.size < 8:
        return 0.0
    w = 2 * np.pi * f

    def residuals(p):
        log_a, log_decay, log_rise, log_noise = p
        model = (np.exp(log_a) / ((1 + (w * np.exp(log_decay)) ** 2) * (1 + (w * np.exp(log_rise)) ** 2))
                 + np.exp(log_noise))
        return (np.log(model) - np.log(power)) / np.sqrt(f)

    start = [math.log(power[:3].mean()), 0.0, math.log(0.02),
             math.log(power[-max(3, power.size // 10):].mean())]
    bounds = ([-700, math.log(1e-3), math.log(1e-4), -700], [700, math.log(100), math.log(100), 700])
    try:
        fit = least_squares(residuals, start, bounds=bounds)
    except (ValueError, np.linalg.LinAlgError):
        return 0.0
    rise = float(np.exp(min(fit.x[1], fit.x[2])))
    return rise if math.isfinite(rise) else 0.0


def _nonnegative_deconvolution(x: np.ndarray, kernel: np.ndarray, lam: float) -> np.ndarray:
    """``argmin ½ |x - kernel * s|² + lam sum(s)`` over ``s >= 0`` (FISTA, FFT convolutions).

    Beck & Teboulle's accelerated proximal gradient. The kernel is non-negative, so the
    convolution's largest singular value is ``sum(kernel)`` and ``1 / sum(kernel)²`` is a safe step.
    """
    n = x.size
    size = scipy_fft.next_fast_len(n + kernel.size - 1, real=True)
    spectrum = scipy_fft.rfft(kernel, size)

    def forward(s):
        return scipy_fft.irfft(scipy_fft.rfft(s, size) * spectrum, size)[:n]

    def adjoint(r):
        return scipy_fft.irfft(scipy_fft.rfft(r, size) * np.conj(spectrum), size)[:n]

    step = 1.0 / float(kernel.sum()) ** 2
    target = adjoint(x)
    s = np.zeros(n)
    y = s.copy()
    t = 1.0
    for _ in range(_FISTA_ITERATIONS):
        s_next = np.maximum(y - step * (adjoint(forward(y)) - target + lam), 0.0)
        t_next = 0.5 * (1.0 + math.sqrt(1.0 + 4.0 * t * t))
        y = s_next + ((t - 1.0) / t_next) * (s_next - s)
        s, t = s_next, t_next
    return s


def _infer_row(y: np.ndarray, fs: float, row: int, decay_s, rise_s, sparsity: float, noise_sd,
               baseline) -> tuple:
    sn = float(oasis.functions.GetSn(y)) if noise_sd is None else noise_sd
    if not (math.isfinite(sn) and sn > 0):
        raise ValueError(f"trace row {row}: no noise level can be estimated from it (a constant or "
                         "too regular trace?): give noise_sd, or drop that trace")
    if baseline is None:
        try:
            g0 = _estimate_g(y, 1, row)[0]
        except ValueError:
            b = float(np.median(y))
        else:
            b = float(oasis.constrained_oasisAR1(y, g0, sn, optimize_b=True, b_nonneg=False)[2])
            if not math.isfinite(b):
                b = float(np.median(y))
    else:
        b = baseline
    x = np.ascontiguousarray(y - b)
    decay = _select_decay(x, fs, sn, sparsity) if decay_s is None else decay_s
    if rise_s is None:
        rise = min(_fit_rise(x, fs), decay / 2)
    elif rise_s >= decay:
        raise ValueError(f"trace row {row}: rise_s={rise_s:g} s is not shorter than the decay "
                         f"chosen from the trace ({decay:g} s): give a shorter rise_s, or decay_s too")
    else:
        rise = rise_s
    if rise * fs < 0.5:  # a rise shorter than half a frame cannot be resolved: AR(1), exact OASIS
        g = math.exp(-1.0 / (decay * fs))
        lam = sparsity * sn / math.sqrt(1.0 - g * g)
        calcium, spikes = oasis.oasisAR1(x, g, lam)
        gs, rise = (g, 0.0), 0.0
    else:
        duration_s = min(x.size / fs, 6.0 * decay)
        kernel = double_exponential_kernel(rise, decay, fs, duration_s, normalise="peak")
        lam = sparsity * sn * math.sqrt(float((kernel * kernel).sum()))
        spikes = _nonnegative_deconvolution(x, kernel, lam)
        calcium = fftconvolve(spikes, kernel)[:x.size]
        gs = ar_coefficients(decay, fs, rise)
    if not (np.isfinite(calcium).all() and np.isfinite(spikes).all()):
        raise ValueError(f"trace row {row}: the deconvolution found no finite solution "
                         f"(decay {decay:g} s, noise_sd {sn:.3g}): give decay_s and noise_sd")
    return calcium, np.asarray(spikes, dtype=np.float64), b, gs, lam, sn, decay, rise


def infer_spikes(trace, fs, *, decay_s=None, rise_s=None, sparsity=2.0, noise_sd=None,
                 baseline=None) -> SpikeInference:
    """Infer spiking activity with a kernel chosen from the data: the course's recommended method.

    Validated against electrically recorded spikes (:func:`helpers.data.load_ground_truth`;
    ``benchmarks/bench_ground_truth.py``): on the course's eight ground-truth recordings the
    binned correlation with the true spikes is 0.71 at 0.1 s and 0.84 at 0.5 s on average,
    against 0.62 and 0.79 for :func:`deconvolve`'s defaults. Each trace is handled on its own:

    1. **Noise** σ from the high frequencies of the power spectrum (OASIS's ``GetSn``) unless
       `noise_sd` is given; **baseline** b from OASIS's noise-constrained AR(1) fit (the one
       :func:`deconvolve` makes) unless `baseline` is given.
    2. **Decay**: each of ``DECAY_GRID_S`` (0.05-10 s) is tried in a sparse AR(1) fit, and the
       one whose penalised cost ``½ |y - b - c|² + λ sum(s)`` is lowest wins, with λ scaled so
       that one spike costs the same whatever the decay. Literature values (single spikes, e.g.
       GCaMP6s 0.55 s half-decay) describe isolated spikes; the decay that describes a neuron
       firing for seconds can be several times longer, so the data decide (unless `decay_s`).
    3. **Rise**: fitted to the trace's power spectrum (a double exponential above white noise),
       at most half the decay, unless `rise_s` is given. A rise shorter than half a frame cannot
       be resolved and is taken as instantaneous (``rise_s`` 0 in the result).
    4. **Deconvolution** with the sparsity penalty λ = `sparsity` · σ · |kernel| (noise-adaptive:
       a transient is kept when its matched-filter signal-to-noise ratio exceeds `sparsity`).
       Without a rise this is OASIS's exact AR(1) solution (``oasisAR1``); with one, the kernel
       is ``double_exponential_kernel(rise_s, decay_s, normalise="peak")`` and the problem is
       solved by accelerated proximal gradient descent (FISTA, 400 steps). Modelling the rise
       puts each spike at the start of its transient instead of along its rising edge.

    Limits (see the benchmark): single spikes of GCaMP6f/jGCaMP7f at population-imaging noise
    are mostly below the noise; spike counts within bursts are not resolved (a burst's amplitude
    is not proportional to its spike count once the indicator saturates); a transient starting
    with a delay after its spikes (as in the zebrafish GCaMP6f and the GCaMP6s recordings, about
    0.1 s) cannot be seen in the trace, so its activity stays late; at 7.5 Hz a GCaMP6f decay
    lasts about one frame and the method is no better than :func:`deconvolve` (simulations); and
    the output is in ΔF/F₀, not spikes: CASCADE's error and bias need a calibration it does not
    have. It takes about 0.1-0.5 s per trace of a few minutes (the rise costs the most).

    Parameters
    ----------
    trace : array, (n_frames,) or (n_neurons, n_frames)
        ΔF/F₀ (fraction) or fluorescence, at least 10 frames, no NaN.
    fs : float
        Frame rate, Hz.
    decay_s, rise_s : float, optional
        Kernel time constants in seconds, instead of choosing them from the data (``rise_s=0``:
        no rise).
    sparsity : float
        Penalty per spike in noise standard deviations (default 2); higher keeps only larger
        transients. Used both to choose the decay and to deconvolve.
    noise_sd : float, optional
        The noise standard deviation, in the trace's units.
    baseline : float, optional
        A known baseline, in the trace's units.

    Returns
    -------
    SpikeInference
        ``spikes`` (peak ΔF/F₀ of the transient each frame starts), ``calcium``, ``baseline``,
        ``g``, ``lam``, ``noise_sd``, ``decay_s``, ``rise_s``; floats for one trace, arrays with
        one entry per neuron for many.

    Raises
    ------
    ValueError, TypeError
        For a trace with NaN or ±inf, of the wrong shape or shorter than 10 frames, a
        non-positive fs, sparsity, noise_sd, decay_s or rise_s, a rise not shorter than the
        decay, or a trace without a measurable noise level (e.g. constant: give noise_sd).
    """
    fs = positive(fs, "fs", unit="Hz")
    y2d, was_1d = as_traces(trace, "trace", fs=fs)
    if y2d.shape[-1] < _MIN_DECONVOLUTION_FRAMES:
        raise ValueError(f"trace has {y2d.shape[-1]} frames, too few to deconvolve (at least "
                         f"{_MIN_DECONVOLUTION_FRAMES}; time is the last axis)")
    sparsity = positive(sparsity, "sparsity", unit="noise standard deviations", high=1e3)
    if decay_s is not None:
        decay_s = positive(decay_s, "decay_s", unit="seconds")
        _per_frame_decay(decay_s, fs, "decay_s")
    if rise_s is not None:
        rise_s = number(rise_s, "rise_s", low=0, unit="seconds (0: no rise)")
        if decay_s is not None and rise_s >= decay_s:
            raise ValueError(f"rise_s ({rise_s} s) must be smaller than decay_s ({decay_s} s)")
        if rise_s > 0:
            _per_frame_decay(rise_s, fs, "rise_s")
    if noise_sd is not None:
        noise_sd = positive(noise_sd, "noise_sd")
    if baseline is not None:
        baseline = number(baseline, "baseline", low=-LARGEST, high=LARGEST)
    rows = [_infer_row(y, fs, i, decay_s, rise_s, sparsity, noise_sd, baseline)
            for i, y in enumerate(y2d)]
    calcium, spikes, b, gs, lam, sn, decay, rise = zip(*rows)
    if was_1d:
        g = np.array(gs[0] if rise[0] > 0 else gs[0][:1], dtype=np.float64)
        return SpikeInference(calcium=calcium[0], spikes=spikes[0], baseline=b[0], g=g,
                              lam=float(lam[0]), noise_sd=float(sn[0]), decay_s=float(decay[0]),
                              rise_s=float(rise[0]))
    return SpikeInference(calcium=np.array(calcium), spikes=np.array(spikes), baseline=np.array(b),
                          g=np.array(gs, dtype=np.float64), lam=np.array(lam), noise_sd=np.array(sn),
                          decay_s=np.array(decay), rise_s=np.array(rise))


# --------------------------------------------------------------------------- spike times

def spike_threshold(spikes, *, fraction_of_max=None, percentile=None, k_std=None):
    """A detection threshold for inferred activity, by one of three rules (give exactly one).

    * ``fraction_of_max``: that fraction of the trace's maximum (e.g. 0.3);
    * ``percentile``: that percentile of the trace's values, 0–100 (NumPy's default linear
      interpolation). Inferred activity is mostly zeros, so only high percentiles (> 95) are
      above 0;
    * ``k_std``: mean + k · standard deviation (population s.d., ``ddof=0``) of the trace,
      k from 0 to 1000.

    Returns a float for one trace, an array of one threshold per neuron for many.
    """
    x, was_1d = as_traces(spikes, "spikes")
    given = {name: v for name, v in (("fraction_of_max", fraction_of_max), ("percentile", percentile),
                                     ("k_std", k_std)) if v is not None}
    if len(given) != 1:
        raise ValueError("give exactly one of fraction_of_max, percentile, k_std "
                         f"(got {', '.join(given) or 'none'})")
    if fraction_of_max is not None:
        out = in_range(fraction_of_max, "fraction_of_max", 0.0, 1.0) * x.max(axis=-1)
    elif percentile is not None:
        out = np.percentile(x, in_range(percentile, "percentile", 0.0, 100.0), axis=-1)
    else:
        k = in_range(k_std, "k_std", 0.0, 1e3)  # far beyond any use, and mean + k·sd stays finite
        out = x.mean(axis=-1) + k * x.std(axis=-1)
    return float(out[0]) if was_1d else out


def _peak_frames(x: np.ndarray, threshold: float, distance: int | None) -> np.ndarray:
    frames, _ = find_peaks(x, height=threshold, distance=distance)
    return frames.astype(np.intp)


def spike_frames(spikes, threshold, *, fs=None, min_distance_s=None):
    """Frames of the peaks of inferred activity at or above `threshold`.

    Peaks are found with ``scipy.signal.find_peaks(x, height=threshold, distance=d)``: a local
    maximum (a flat top counts once, at its middle; the first and last frame are never peaks),
    at least `threshold` high, and with ``d = max(1, round(min_distance_s * fs))`` frames between
    kept peaks (the lower of two close peaks is dropped). One peak is one detected spike, so two
    spikes in the same frame count once.

    Parameters
    ----------
    spikes : array, (n_frames,) or (n_neurons, n_frames)
        Inferred activity (e.g. ``Deconvolution.spikes``).
    threshold : float or array of one per neuron
        Minimum height, in the units of `spikes`.
    fs : float, optional
        Frame rate, Hz; needed with `min_distance_s`.
    min_distance_s : float, optional
        Minimum time between detected spikes, seconds.

    Returns
    -------
    1-D int array of frames for one trace, or a list of them (one per neuron).
    """
    if fs is not None:
        fs = positive(fs, "fs", unit="Hz")
    x, was_1d = as_traces(spikes, "spikes", fs=fs)
    threshold = as_array(threshold, "threshold", ndim=(0, 1))
    if threshold.ndim == 1 and threshold.shape not in ((1,), (x.shape[0],)):
        raise ValueError(f"threshold must be one number or one per neuron ({x.shape[0]}), got "
                         f"{threshold.size} values")
    thresholds = np.broadcast_to(threshold, (x.shape[0],))
    distance = None
    if min_distance_s is not None:
        if fs is None:
            raise ValueError("min_distance_s needs the frame rate fs to become frames")
        # A distance longer than the trace keeps one peak, as does the trace's length.
        distance = max(1, round(min(positive(min_distance_s, "min_distance_s", unit="seconds") * fs,
                                    x.shape[-1])))
    frames = [_peak_frames(row, float(th), distance) for row, th in zip(x, thresholds)]
    return frames[0] if was_1d else frames


def spike_times_s(spikes, fs, threshold, *, min_distance_s=None):
    """Times (seconds, frame ``i`` at ``i / fs``) of the peaks found by :func:`spike_frames`."""
    fs = positive(fs, "fs", unit="Hz")
    frames = spike_frames(spikes, threshold, fs=fs, min_distance_s=min_distance_s)
    return frames / fs if isinstance(frames, np.ndarray) else [f / fs for f in frames]


# --------------------------------------------------------------------------- accuracy

def _bin_sums(x: np.ndarray, n: int) -> np.ndarray:
    n_bins = x.shape[-1] // n
    return x[:, :n_bins * n].reshape(x.shape[0], n_bins, n).sum(axis=-1)


def binned_rate_correlation(inferred, true_spikes, fs, bin_s):
    """Pearson correlation between inferred activity and true spike counts, in time bins.

    Both are summed over consecutive bins of ``round(bin_s * fs)`` frames from frame 0; an
    incomplete last bin is dropped. The correlation ignores scale (inferred activity is in
    ΔF/F₀ units, not spikes) and, with bins of a few hundred milliseconds, small timing errors:
    it is the usual benchmark measure (Theis et al. 2016; Berens et al. 2018). It is NaN for a
    neuron whose binned inferred or true activity is constant (e.g. no spike at all).

    Parameters
    ----------
    inferred, true_spikes : array, (n_frames,) or (n_neurons, n_frames)
        Inferred activity and true spike counts per frame (e.g. ``truth.spikes``), same shape.
    fs : float
        Frame rate, Hz.
    bin_s : float
        Bin width, seconds (at least one frame, at most the recording).

    Returns
    -------
    float for one trace, (n_neurons,) array for many.
    """
    fs = positive(fs, "fs", unit="Hz")
    a, was_1d = as_traces(inferred, "inferred", fs=fs)
    b, _ = as_traces(true_spikes, "true_spikes", fs=fs)
    if a.shape != b.shape:
        raise ValueError(f"inferred has shape {a.shape} but true_spikes {b.shape}: give one value "
                         "per frame for the same neurons")
    n = window_frames(bin_s, fs, a.shape[-1], name="bin_s", shape=a.shape)
    a, b = _bin_sums(a, n), _bin_sums(b, n)
    a = a - a.mean(axis=-1, keepdims=True)
    b = b - b.mean(axis=-1, keepdims=True)
    for x in (a, b):  # rescale tiny rows: their squares would underflow to 0 (and r to inf)
        scale = np.abs(x).max(axis=-1)
        tiny = (scale > 0) & (scale < 1e-100)
        x[tiny] /= scale[tiny, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (a * b).sum(axis=-1) / np.sqrt((a * a).sum(axis=-1) * (b * b).sum(axis=-1))
    return float(r[0]) if was_1d else r


@dataclass(frozen=True)
class InferenceScore:
    """How well inferred spikes match the truth: per-neuron correlations and detection scores."""

    correlation: np.ndarray
    detection: MatchScore

    @property
    def median_correlation(self) -> float:
        """Median over neurons of the binned-rate correlation (NaNs ignored)."""
        return float(np.nanmedian(self.correlation))


def score_inference(inferred, true_spikes, fs, threshold, *, bin_s=1.0, tolerance_s=0.2,
                    min_distance_s=None) -> InferenceScore:
    """Score inferred activity against true spikes: binned correlation and precision/recall.

    The correlation is :func:`binned_rate_correlation` with `bin_s`. For precision and recall,
    spikes are detected with :func:`spike_frames` (`threshold`, `min_distance_s`) and matched
    one-to-one to the true spikes — every spike, with repeats when several fall in one frame —
    within `tolerance_s` by :func:`helpers.events.match_events`. Recall therefore counts spikes:
    a burst found as one peak counts as one of its spikes found.

    Parameters
    ----------
    inferred, true_spikes : array, (n_neurons, n_frames) (or one trace)
        Inferred activity and true spike counts per frame, same shape.
    fs : float
        Frame rate, Hz.
    threshold : float or (n_neurons,) array
        Detection threshold in the units of `inferred`.
    bin_s, tolerance_s : float
        Bin width for the correlation and matching tolerance, seconds.
    min_distance_s : float, optional
        Minimum time between detected spikes, seconds.
    """
    fs = positive(fs, "fs", unit="Hz")
    a, _ = as_traces(inferred, "inferred", fs=fs)
    counts, _ = as_traces(true_spikes, "true_spikes", fs=fs)
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise ValueError("true_spikes must hold whole, non-negative spike counts per frame "
                         "(e.g. truth.spikes)")
    check_size(counts.sum(), "true_spikes", "a list of spike frames")
    correlation = np.atleast_1d(binned_rate_correlation(a, counts, fs, bin_s))
    detected = spike_frames(a, threshold, fs=fs, min_distance_s=min_distance_s)
    true_frames = [np.repeat(np.arange(row.size), row.astype(np.intp)) for row in counts]
    return InferenceScore(correlation=correlation,
                          detection=match_events(detected, true_frames, fs, tolerance_s))
