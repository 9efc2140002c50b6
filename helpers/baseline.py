"""Baseline fluorescence F0: the level a neuron's trace returns to when the cell is quiet.

Every function takes one trace ``(n_frames,)`` or many ``(n_neurons, n_frames)`` (time is the last
axis) and returns an array of the **same shape**, one baseline value per frame, so that
``(F - F0) / F0`` works the same whatever the method.

Rolling filters are centred: the window of frame ``t`` holds ``w`` frames from ``t - w // 2`` to
``t + (w - 1) // 2`` (for an even ``w`` the extra frame is on the past side; this is SciPy's
convention). Near the ends of the trace the window runs past the data; `mode` says what it sees
there, as in :mod:`scipy.ndimage`:

- ``"nearest"`` (default): the first/last frame repeated, ``a a a | a b c d | d d d``;
- ``"reflect"``: mirrored including the edge frame, ``c b a | a b c d | d c b``;
- ``"mirror"``: mirrored about the edge frame, ``d c b | a b c d | c b a``;
- ``"wrap"``: the trace continued periodically, ``b c d | a b c d | a b c``.

Percentiles of a window are exact order statistics, as in :func:`scipy.ndimage.percentile_filter`:
the ``q``-th percentile of ``w`` samples is the sorted sample of (0-based) rank ``int(w * q / 100)``
(the largest for ``q = 100``); the median of an even window is the upper of the two middle samples.
This differs from :func:`numpy.percentile`, which interpolates between neighbouring samples.
"""
from __future__ import annotations

import numbers

import numpy as np
from scipy import ndimage, signal

from helpers import validate

EDGE_MODES = ("nearest", "reflect", "mirror", "wrap")


def _edge_mode(mode) -> str:
    return validate.choice(mode, "mode", EDGE_MODES, what="how the window sees past the ends of the trace")


def _window_in_frames(window_frames, n_frames: int) -> int:
    if isinstance(window_frames, (bool, np.bool_)) or not isinstance(window_frames, numbers.Integral):
        raise TypeError(f"window_frames must be a whole number of frames, got {window_frames!r} "
                        "(for a window in seconds use round(window_s * fs))")
    if window_frames < 1:
        raise ValueError(f"window_frames must be at least 1 frame, got {window_frames}")
    if window_frames > n_frames:
        raise ValueError(f"window_frames={window_frames} is longer than the trace ({n_frames} "
                         "frames): use a shorter window (time is the last axis of the traces)")
    return int(window_frames)


def _filter_rows(filter_1d, traces: np.ndarray, was_1d: bool, **kwargs) -> np.ndarray:
    out = np.empty_like(traces)
    # One 1-D call per row: SciPy's rank filters are 30-60x faster on 1-D input than one 2-D
    # call with size=(1, w) (benchmarks/bench_baseline.py).
    for row, trace in zip(out, traces):
        row[:] = filter_1d(trace, **kwargs)
    return out[0] if was_1d else out


def constant_baseline(traces, stat="median", *, q=10):
    """One baseline value per neuron, repeated for every frame.

    The value is a statistic of the whole trace: its ``"mean"`` (biased upwards by every
    transient), its ``"median"`` (robust while the cell is active less than half of the time) or
    its ``q``-th ``"percentile"`` (:func:`numpy.percentile` with linear interpolation; a low `q`
    tracks the quiet level of an active cell). No single value can follow bleaching or drift: use
    a rolling baseline for that. Each neuron gets its own value (unlike suite2p's ``"constant"``
    baseline, which is one minimum over all cells).

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence, any units; NaN is not allowed.
    stat : {"median", "mean", "percentile"}
        Statistic taken over time.
    q : float
        Percentile in [0, 100], used only with ``stat="percentile"``.

    Returns
    -------
    ndarray, same shape as `traces`, float64
        The per-neuron value broadcast over time (a new, writable array).

    Raises
    ------
    ValueError
        If `stat` is unknown, `q` is outside [0, 100] or the input has the wrong shape or NaN.
    """
    traces2d, was_1d = validate.as_traces(traces)
    validate.choice(stat, "stat", ("median", "mean", "percentile"), what="the statistic over time")
    if stat == "median":
        level = np.median(traces2d, axis=-1, keepdims=True)
    elif stat == "mean":
        level = traces2d.mean(axis=-1, keepdims=True)
    elif stat == "percentile":
        level = np.percentile(traces2d, validate.in_range(q, "q", 0, 100), axis=-1, keepdims=True)
    else:
        raise ValueError(f'stat must be "median", "mean" or "percentile", got {stat!r}')
    out = np.repeat(level, traces2d.shape[-1], axis=-1)
    return out[0] if was_1d else out


def moving_median(traces, window_frames, *, mode="nearest"):
    """Baseline from a centred moving median over a window given in frames.

    Robust to transients shorter than half the window; a window too short follows the
    transients themselves, one too long misses drift. (For a window in seconds, see
    :func:`rolling_percentile` with ``q=50``, which is the same filter.)

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence, any units; NaN is not allowed.
    window_frames : int
        Window length in frames, 1 to n_frames. An even window has its extra frame on the past
        side and takes the upper of its two middle samples.
    mode : {"nearest", "reflect", "mirror", "wrap"}
        What the window sees past the ends of the trace (see the module docstring).

    Returns
    -------
    ndarray, same shape as `traces`, float64.

    Raises
    ------
    ValueError
        If the window is shorter than 1 frame or longer than the trace, `mode` is unknown, or the
        input has the wrong shape or NaN.
    TypeError
        If `window_frames` is not a whole number.
    """
    traces2d, was_1d = validate.as_traces(traces)
    size = _window_in_frames(window_frames, traces2d.shape[-1])
    return _filter_rows(ndimage.median_filter, traces2d, was_1d, size=size, mode=_edge_mode(mode))


def rolling_percentile(traces, q, window_s, fs, *, mode="nearest"):
    """Baseline that follows slow drift: a centred rolling percentile along time.

    Each output sample is the `q`-th percentile of the samples within ±window_s/2 around it.
    Works on one trace (n_frames,) or many (n_neurons, n_frames); time is the last axis.
    The percentile is an exact order statistic of the window (rank ``int(w * q / 100)`` of the
    ``w`` sorted samples, as in :func:`scipy.ndimage.percentile_filter`); past the ends of the
    trace the window sees what `mode` says (see the module docstring).

    A low percentile of a noisy trace sits below the true baseline: by about 1.28 σ for
    ``q = 10`` with Gaussian noise of s.d. σ (``scipy.stats.norm.ppf(q / 100) * σ`` in general),
    which gives ΔF/F₀ a small positive offset.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence, any units; NaN is not allowed.
    q : float
        Percentile in [0, 100]. Low values (8-20) track the quiet level between transients.
    window_s : float
        Window length in seconds; converted to round(window_s * fs) frames.
    fs : float
        Frame rate in Hz.
    mode : {"nearest", "reflect", "mirror", "wrap"}
        Edge handling; "nearest" repeats the first and last frame.

    Returns
    -------
    ndarray, same shape as `traces`, float64.

    Raises
    ------
    ValueError
        If `fs` or `window_s` is not positive, `q` is outside [0, 100], the window is longer than
        the trace, or the input contains NaN — each with a message saying which and why.
    """
    fs = validate.positive(fs, "fs", unit="Hz")
    traces2d, was_1d = validate.as_traces(traces, fs=fs)
    q = validate.in_range(q, "q", 0, 100)
    size = validate.window_frames(window_s, fs, traces2d.shape[-1], shape=traces2d.shape)
    return _filter_rows(ndimage.percentile_filter, traces2d, was_1d, percentile=q, size=size,
                        mode=_edge_mode(mode))


def ema_baseline(traces, tau_s, fs):
    """Causal exponential moving average with time constant `tau_s`.

    ``F0[t] = F0[t-1] + a * (F[t] - F0[t-1])`` with ``a = 1 - exp(-1 / (tau_s * fs))``, the exact
    sampled form of a first-order low-pass filter: a step in `F` is followed to 63 % after
    `tau_s` seconds. Causal means each value uses only the present and past frames, so it can run
    online, but it lags behind drift by about `tau_s`. It is an average, not a lower envelope:
    every transient lifts it, so use a `tau_s` much longer than a transient (GCaMP6s: tens of
    seconds) or apply it to a trace whose transients were removed.

    The start of the trace is handled by starting the average at the first sample
    (``F0[0] = F[0]``), not at zero, so there is no rise-time artefact at the beginning.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence, any units; NaN is not allowed.
    tau_s : float
        Time constant in seconds, > 0.
    fs : float
        Frame rate in Hz, > 0.

    Returns
    -------
    ndarray, same shape as `traces`, float64.

    Raises
    ------
    ValueError
        If `tau_s` or `fs` is not positive, or the input has the wrong shape or NaN.
    """
    tau_s = validate.positive(tau_s, "tau_s", unit="seconds")
    fs = validate.positive(fs, "fs", unit="Hz")
    traces2d, was_1d = validate.as_traces(traces, fs=fs)
    frames = tau_s * fs  # may underflow to 0: then nothing of the past is kept
    decay = np.exp(-1.0 / frames) if frames > 1e-300 else 0.0
    out, _ = signal.lfilter([1.0 - decay], [1.0, -decay], traces2d, axis=-1,
                            zi=decay * traces2d[:, :1])
    return out[0] if was_1d else out


def maximin(traces, fs, *, sigma_frames=10.0, window_s=60.0, mode="nearest"):
    """suite2p's "maximin" baseline: Gaussian smoothing, then a rolling minimum, then a rolling maximum.

    Smoothing removes most of the noise, whose minimum would otherwise sit several σ below the
    baseline; the rolling minimum over `window_s` finds the quiet level under the transients; the
    rolling maximum over the same window lifts it back where the minimum undershoots (on a
    sloping baseline, or around a dip). Together the two form a morphological *opening*: the
    smoothed trace is cut down only where it rises above its surroundings for less than the
    window. Both rolling windows are centred.

    The defaults are suite2p's: ``sig_baseline = 10.0`` — a Gaussian standard deviation in
    **frames**, not seconds — and ``win_baseline = 60.0`` **seconds**. suite2p converts the window
    with ``int(win_baseline * fs)`` (truncation) and handles edges with SciPy's default
    ``"reflect"``; here the window is ``round(window_s * fs)`` frames and the edge mode is yours
    (pass ``mode="reflect"`` to reproduce suite2p when ``window_s * fs`` is a whole number).

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence, any units; NaN is not allowed.
    fs : float
        Frame rate in Hz, > 0.
    sigma_frames : float
        Standard deviation of the Gaussian smoothing in frames, > 0 and at most the trace's length.
    window_s : float
        Length of the rolling minimum and maximum windows in seconds.
    mode : {"nearest", "reflect", "mirror", "wrap"}
        Edge handling of all three filters (see the module docstring).

    Returns
    -------
    ndarray, same shape as `traces`, float64.

    Raises
    ------
    ValueError
        If `fs`, `sigma_frames` or `window_s` is not positive, the window is longer than the trace,
        `mode` is unknown, or the input has the wrong shape or NaN.
    """
    fs = validate.positive(fs, "fs", unit="Hz")
    traces2d, was_1d = validate.as_traces(traces, fs=fs)
    sigma_frames = validate.positive(sigma_frames, "sigma_frames", unit="frames",
                                     high=traces2d.shape[-1],
                                     why=" (the length of the trace: a wider smoothing flattens it "
                                         "entirely, and its kernel would exhaust memory)")
    size = validate.window_frames(window_s, fs, traces2d.shape[-1], shape=traces2d.shape)
    mode = _edge_mode(mode)
    # Below 1/8 frame SciPy's kernel is the single sample 1 (and for a tiny σ its 1/σ² overflows).
    smooth = (traces2d if sigma_frames < 0.125 else
              ndimage.gaussian_filter1d(traces2d, sigma_frames, axis=-1, mode=mode))
    low = ndimage.minimum_filter1d(smooth, size, axis=-1, mode=mode)
    out = ndimage.maximum_filter1d(low, size, axis=-1, mode=mode)
    return out[0] if was_1d else out


def remove_slow_drift(traces, fs, *, cutoff_s=20.0, q=10, mode="nearest"):
    """Remove fluctuations slower than `cutoff_s` seconds while keeping the transients intact.

    The drift is the trace's *lower envelope*: a rolling `q`-th percentile over a window of
    `cutoff_s` seconds (:func:`rolling_percentile`). Transients shorter than about
    ``(1 - q / 100) * cutoff_s`` lie above it and pass through untouched. The result is
    ``traces - (drift - median(drift))``: the drift is taken out around its own median level, so
    a raw trace keeps its units and level (and can still be divided by a baseline) and a ΔF/F₀
    trace stays near zero.

    Why not a high-pass filter (subtracting a low-pass of the trace)? A low-pass *averages* the
    transients into the estimate of the drift: a burst of transients lifts it, so subtracting it
    cuts area off the transients and pushes the quiet stretches around them below baseline. The
    lower envelope follows only the quiet level.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Fluorescence or ΔF/F₀; NaN is not allowed.
    fs : float
        Frame rate in Hz, > 0.
    cutoff_s : float
        Fluctuations slower than this (seconds) count as drift. It must be well above the length
        of a transient (GCaMP6s: a few seconds).
    q : float
        Percentile in [0, 100] of the lower envelope.
    mode : {"nearest", "reflect", "mirror", "wrap"}
        Edge handling of the rolling window (see the module docstring).

    Returns
    -------
    ndarray, same shape as `traces`, float64.

    Raises
    ------
    ValueError
        If `fs` or `cutoff_s` is not positive, `q` is outside [0, 100], the window is longer than
        the trace, `mode` is unknown, or the input has the wrong shape or NaN.
    """
    fs = validate.positive(fs, "fs", unit="Hz")
    traces2d, was_1d = validate.as_traces(traces, fs=fs)
    q = validate.in_range(q, "q", 0, 100)
    size = validate.window_frames(cutoff_s, fs, traces2d.shape[-1], name="cutoff_s",
                                  shape=traces2d.shape)
    drift = _filter_rows(ndimage.percentile_filter, traces2d, False, percentile=q, size=size,
                         mode=_edge_mode(mode))
    out = traces2d - (drift - np.median(drift, axis=-1, keepdims=True))
    return out[0] if was_1d else out
