"""ΔF/F₀, the noise level of a trace, wavelet denoising and signal-to-noise ratio.

Traces are one trace ``(n_frames,)`` or many ``(n_neurons, n_frames)``, time on the last axis.
ΔF/F₀ is always a **fraction** (0.5 means a 50 % rise above baseline); multiply by 100 yourself
for a percentage. Functions that return a trace return the input's shape; functions that return
one number per neuron return shape ``(n_neurons,)``, or a float for a single trace.
"""
from __future__ import annotations

import numbers

import numpy as np
import pywt

from helpers import validate

MAD_TO_SD = 1.4826
"""σ = 1.4826 · MAD for Gaussian noise (1 / Φ⁻¹(3/4))."""


def _per_neuron(values: np.ndarray, was_1d: bool):
    return float(values[0]) if was_1d else values


def delta_f_over_f(F, F0, *, min_f0=None):
    """Relative change of fluorescence over baseline, ``(F - F0) / F0``, as a fraction.

    `F0` may be a baseline trace of the same shape as `F`, one value per neuron (shape
    ``(n_neurons, 1)``) or one number; it is broadcast over `F`.

    Dividing by a baseline near zero turns noise into huge ΔF/F₀ values, and a negative baseline
    flips the sign of every transient. This happens after neuropil subtraction with too large an
    r (e.g. ``F - 0.7 * Fneu`` for a dim soma in bright neuropil), or when `F` is already
    baseline-subtracted. So every F0 must be above `min_f0`; by default that is the noise s.d.
    of `F` (:func:`noise_sd` with ``"diff_mad"``, per neuron): a baseline within the noise of
    zero cannot be told apart from zero. Otherwise a ValueError says which neurons fail and what
    to do.

    Parameters
    ----------
    F : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence (raw or neuropil-corrected); NaN is not allowed.
    F0 : array_like, broadcastable to the shape of `F`
        Baseline fluorescence in the units of `F`.
    min_f0 : float, optional
        Smallest acceptable baseline, in the units of `F`, ≥ 0. Default: the noise s.d. of each
        neuron's `F` (for a single frame: 0). A non-positive baseline is always refused.

    Returns
    -------
    ndarray, same shape as `F`, float64
        ΔF/F₀ as a fraction.

    Raises
    ------
    ValueError
        If `F0` does not broadcast to the shape of `F`, contains NaN, or has values at or below
        the guard; if the input has the wrong shape or NaN.
    """
    F2d, was_1d = validate.as_traces(F, "F")
    F0 = validate.as_array(F0, "F0")
    try:
        F0 = np.broadcast_to(F0[np.newaxis] if was_1d and F0.ndim == 1 else F0, F2d.shape)
    except ValueError:
        hint = (" (one value per neuron? give it shape (n_neurons, 1), e.g. F0[:, None])"
                if F0.ndim == 1 and F0.shape[0] == F2d.shape[0] else "")
        raise ValueError(f"F0 of shape {F0.shape} does not match F of shape {np.shape(F)}{hint}") from None
    if min_f0 is not None:
        guard = np.full((len(F2d), 1), validate.in_range(min_f0, "min_f0", 0, np.inf))
        said = f"min_f0={guard[0, 0]:.3g}"
    elif F2d.shape[-1] > 1:
        guard = np.atleast_1d(noise_sd(F2d, "diff_mad"))[:, np.newaxis]
        said = "the noise s.d. of F"
    else:
        guard = np.zeros((len(F2d), 1))
        said = "zero"
    bad = (F0 <= guard) | (F0 <= 0)
    if bad.any():
        neurons = np.flatnonzero(bad.any(axis=-1))
        first = neurons[0]
        which = "the trace" if was_1d else f"neuron(s) {neurons[:10].tolist()}" + (
            " ..." if neurons.size > 10 else "")
        raise ValueError(
            f"F0 is not clearly above zero for {which}: e.g. its smallest value "
            f"{F0[first].min():.3g} is at or below {said} ({guard[first, 0]:.3g}), so ΔF/F0 would "
            "blow up or flip sign. After neuropil subtraction use a smaller r, or add back a "
            "constant (e.g. r times the neuropil's median) before estimating F0; or pass a "
            "smaller min_f0 if such a small baseline is real.")
    out = (F2d - F0) / F0
    return out[0] if was_1d else out


def noise_sd(traces, method="mad"):
    """Standard deviation of the noise of each trace, estimated robustly.

    ``"mad"``: ``1.4826 * median(|x - median(x)|)``. The median absolute deviation looks only at
    the bulk of the samples, so transients (a positive tail) barely move it; for pure Gaussian
    noise it equals the standard deviation. On an active trace it is therefore smaller than
    ``"std"``, which every transient and every drift inflates. It assumes a flat baseline:
    remove drift first.

    ``"diff_mad"``: the MAD estimate on first differences divided by √2 (white noise has
    difference variance 2σ²). Slow changes — drift, bleaching, the decay of a transient — differ
    little from one frame to the next, so this works even on raw traces; it overestimates σ if
    the signal itself changes a lot between frames, and underestimates it if the noise is
    correlated between frames (e.g. after smoothing).

    ``"std"``: the plain standard deviation (ddof=0) of the whole trace, for comparison.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Any units; NaN is not allowed.
    method : {"mad", "diff_mad", "std"}

    Returns
    -------
    float for one trace, ndarray (n_neurons,) for many, in the units of `traces`.

    Raises
    ------
    ValueError
        If `method` is unknown, the input has the wrong shape or NaN, or (``"diff_mad"``) a trace
        has fewer than 2 frames.
    """
    traces2d, was_1d = validate.as_traces(traces)
    validate.choice(method, "method", ("mad", "diff_mad", "std"))
    if method == "std":
        return _per_neuron(traces2d.std(axis=-1), was_1d)
    if method == "diff_mad":
        if traces2d.shape[-1] < 2:
            raise ValueError("traces have 1 frame: noise_sd(method='diff_mad') needs at least 2 "
                             "frames per trace (time is the last axis)")
        traces2d = np.diff(traces2d, axis=-1) / np.sqrt(2.0)
    elif method != "mad":
        raise ValueError(f'method must be "mad", "diff_mad" or "std", got {method!r}')
    deviation = np.abs(traces2d - np.median(traces2d, axis=-1, keepdims=True))
    return _per_neuron(MAD_TO_SD * np.median(deviation, axis=-1), was_1d)


def wavelet_denoise(traces, wavelet="sym4", level=None, mode="soft", threshold="universal", *,
                    extension="symmetric"):
    """Remove white noise from traces by shrinking their wavelet detail coefficients.

    For each trace: (1) a discrete wavelet decomposition (:func:`pywt.wavedec`) into one
    approximation and `level` detail bands; (2) the noise σ from the finest detail band, whose
    coefficients are almost all noise: ``σ = median(|d₁|) / 0.6745``; (3) Donoho and Johnstone's
    *universal* threshold ``σ √(2 ln n)`` for a trace of ``n`` frames — the level below which
    pure noise coefficients almost surely fall; (4) every detail coefficient thresholded
    (``"soft"``: shrunk towards zero by the threshold; ``"hard"``: zeroed if below it, kept
    otherwise); the approximation is left untouched; (5) reconstruction (:func:`pywt.waverec`),
    trimmed to the original length.

    Edges: the decomposition extends the trace past its ends by `extension` (a PyWavelets signal
    extension mode; ``"symmetric"`` mirrors it, including the edge sample).

    A trace whose finest detail band is mostly zeros (constant, or flat for more than half its
    length) has a noise estimate of 0, hence a threshold of 0: it comes back unchanged. Pass a
    number as `threshold` to denoise such a trace.

    It works best when a transient spans many frames (20-30 Hz imaging): then it lives in the
    coarse levels while white noise dominates the fine ones. At a few Hz a GCaMP6s transient is
    two or three frames long, as fine as the noise, and the threshold shrinks it too; use fewer
    levels there (2-3) and check the result against the raw trace.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        ΔF/F₀ or fluorescence; NaN is not allowed.
    wavelet : str or pywt.Wavelet
        Wavelet; ``"sym4"`` is smooth and nearly symmetric, a good match to calcium transients.
    level : int, optional
        Number of decomposition levels, ≥ 1; default: the maximum useful level for the trace
        length (:func:`pywt.dwt_max_level`).
    mode : {"soft", "hard"}
        Thresholding rule (PyWavelets' name for it).
    threshold : "universal" or float
        ``"universal"`` as above, or a fixed threshold ≥ 0 in the units of `traces`.
    extension : str
        PyWavelets signal extension mode at the ends of the trace.

    Returns
    -------
    ndarray, same shape as `traces`, float64.

    Raises
    ------
    ValueError
        If `wavelet`, `mode`, `extension` or `threshold` is unknown, `level` is below 1 or above
        the maximum for the trace length, or the input has the wrong shape or NaN.
    """
    traces2d, was_1d = validate.as_traces(traces)
    n_frames = traces2d.shape[-1]
    try:
        wavelet = pywt.Wavelet(wavelet) if isinstance(wavelet, str) else wavelet
    except (TypeError, ValueError):
        raise ValueError(f"wavelet {wavelet!r} is not a discrete wavelet known to PyWavelets "
                         "(see pywt.wavelist(kind='discrete'))") from None
    if not isinstance(wavelet, pywt.Wavelet):
        raise TypeError(f"wavelet must be a name such as 'sym4' or a pywt.Wavelet, got {wavelet!r}")
    validate.choice(mode, "mode", ("soft", "hard"), what="the thresholding rule")
    validate.choice(extension, "extension", tuple(pywt.Modes.modes))
    max_level = pywt.dwt_max_level(n_frames, wavelet.dec_len)
    if max_level < 1:
        raise ValueError(f"traces have {n_frames} frames, too few for even one level of the "
                         f"wavelet {wavelet.name} (it needs at least {wavelet.dec_len - 1}); time "
                         "is the last axis: are the traces transposed?")
    if level is None:
        level = max_level
    if isinstance(level, bool) or not isinstance(level, numbers.Integral) or not 1 <= level <= max_level:
        raise ValueError(f"level must be a whole number from 1 to {max_level} for {n_frames} frames "
                         f"and wavelet {wavelet.name}, got {level!r}")
    if isinstance(threshold, str):
        if threshold != "universal":
            raise ValueError(f'threshold must be "universal" or a number, got {threshold!r}')
    else:
        threshold = validate.in_range(threshold, "threshold", 0, np.inf)

    coeffs = pywt.wavedec(traces2d, wavelet, mode=extension, level=level, axis=-1)
    if threshold == "universal":
        sigma = np.median(np.abs(coeffs[-1]), axis=-1, keepdims=True) / 0.6745
        threshold = sigma * np.sqrt(2.0 * np.log(n_frames))
    # A zero threshold keeps every coefficient (pywt's soft rule would turn 0 / 0 into NaN).
    with np.errstate(invalid="ignore", divide="ignore"):
        coeffs[1:] = [np.where(detail == 0, 0.0, pywt.threshold(detail, threshold, mode=mode))
                      for detail in coeffs[1:]]
    out = pywt.waverec(coeffs, wavelet, mode=extension, axis=-1)[..., :n_frames]
    return out[0] if was_1d else out


def snr(traces, signal="p99", noise="mad"):
    """Signal-to-noise ratio of each trace: the size of its transients over its noise σ.

    Signal: how far the trace rises above its median (its typical, resting level) — to its 99th
    percentile (``"p99"``, robust to a single outlier frame) or to its maximum (``"peak"``).
    Noise: :func:`noise_sd` with method `noise`. The ratio is unitless, so ΔF/F₀ and raw
    fluorescence give the same answer for the same trace, provided its baseline is flat (drift
    inflates the noise estimate: use ΔF/F₀ or a drift-free trace). Compare a trace before and
    after denoising with the same `signal` and `noise` choices, and not with ``"diff_mad"``,
    whose estimate collapses once denoising has made neighbouring frames alike.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Any units; NaN is not allowed.
    signal : {"p99", "peak"}
    noise : {"mad", "diff_mad", "std"}

    Returns
    -------
    float for one trace, ndarray (n_neurons,) for many.

    Raises
    ------
    ValueError
        If `signal` or `noise` is unknown, a trace is constant (its noise is zero), or the input
        has the wrong shape or NaN.
    """
    traces2d, was_1d = validate.as_traces(traces)
    validate.choice(signal, "signal", ("p99", "peak"))
    if signal == "p99":
        top = np.percentile(traces2d, 99, axis=-1)
    elif signal == "peak":
        top = traces2d.max(axis=-1)
    else:
        raise ValueError(f'signal must be "p99" or "peak", got {signal!r}')
    sigma = np.atleast_1d(noise_sd(traces2d, noise))
    if np.any(sigma == 0):
        raise ValueError(f"traces: the noise σ ({noise}) is zero for neuron(s) "
                         f"{np.flatnonzero(sigma == 0)[:10].tolist()}: a constant trace has no SNR")
    return _per_neuron((top - np.median(traces2d, axis=-1)) / sigma, was_1d)
