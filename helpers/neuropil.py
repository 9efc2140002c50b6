"""Neuropil correction: removing the out-of-focus glow that every soma ROI also collects.

The model is that a soma ROI measures ``F = F_cell + r * F_neuropil``: the cell's own
fluorescence plus a fraction ``r`` of the neuropil signal measured in a ring around it. The
corrected trace is ``F - r * Fneu``. A fixed ``r = 0.7`` is common (Chen et al. 2013; suite2p's
``neucoeff``); :func:`estimate_r` estimates r per neuron from the traces themselves.

Traces are one trace ``(n_frames,)`` or many ``(n_neurons, n_frames)``, time on the last axis.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from helpers import validate

_MAX_R = 100.0  # far above any physical ratio (a soma seeing 100x its ring's neuropil)


def _matching_pair(F, Fneu, fs=None):
    F2d, was_1d = validate.as_traces(F, "F", fs=fs)
    Fneu2d, _ = validate.as_traces(Fneu, "Fneu", fs=fs)
    if np.shape(F) != np.shape(Fneu):
        raise ValueError(f"F has shape {np.shape(F)} but Fneu has shape {np.shape(Fneu)}: they must "
                         "match, one neuropil trace per soma trace, frame by frame")
    return F2d, Fneu2d, was_1d


def subtract_neuropil(F, Fneu, r=0.7):
    """Neuropil-corrected fluorescence ``F - r * Fneu``.

    With ``r = 0`` nothing is removed; ``r = 1`` assumes the ROI sees the neuropil at full
    strength, which usually over-subtracts: the corrected trace dips below its baseline whenever
    the neuropil brightens, and its level may approach zero (then ΔF/F₀ is meaningless, see
    :func:`helpers.dff.delta_f_over_f`).

    Parameters
    ----------
    F : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Soma (ROI) fluorescence; NaN is not allowed.
    Fneu : array_like, same shape as `F`
        Neuropil fluorescence of each ROI, same units.
    r : float or array_like of shape (n_neurons,)
        Contamination ratio, ≥ 0: one for all neurons or one per neuron.

    Returns
    -------
    ndarray, same shape as `F`, float64.

    Raises
    ------
    ValueError
        If the shapes of `F` and `Fneu` differ (the message names both), `r` has the wrong shape,
        is negative or not finite, or the input has the wrong shape or NaN.
    """
    F2d, Fneu2d, was_1d = _matching_pair(F, Fneu)
    r = validate.as_array(r, "r", ndim=(0, 1))
    if r.ndim == 1 and r.shape != (F2d.shape[0],) and r.shape != (1,):
        raise ValueError(f"r has shape {r.shape}: give one number, or one per neuron "
                         f"(shape ({F2d.shape[0]},))")
    if not np.all(np.isfinite(r)) or np.any(r < 0):
        raise ValueError(f"r must be finite and ≥ 0, got {r}")
    out = F2d - r.reshape(-1, 1) * Fneu2d
    return out[0] if was_1d else out


def _pinball_loss(residuals: np.ndarray, tau: float) -> np.ndarray:
    """Quantile-regression loss per row, each window (last axis) with its own best intercept."""
    # The best intercept is the window's tau-quantile, here as the order statistic of rank
    # ceil(tau * w) (the "inverted CDF" quantile): an exact minimiser, found by partitioning.
    k = int(np.ceil(tau * residuals.shape[-1])) - 1
    u = residuals - np.partition(residuals, k, axis=-1)[..., k:k + 1]
    return np.mean(u * (tau - (u < 0)), axis=(-2, -1))


def estimate_r(F, Fneu, fs, *, q=20, window_s=30.0, smooth_s=0.5, r_range=(0.0, 2.0), tol=1e-4):
    """Estimate each neuron's neuropil contamination ratio r from its traces.

    Idea: while the cell is quiet, its ROI sees only its resting fluorescence, r times the
    neuropil and noise, so in a scatter plot of F against Fneu the **lower edge** of the cloud has
    slope r; the cell's transients only add points above it. This edge is fitted by *quantile
    regression* (Koenker & Bassett 1978): the line for which `q` % of the points lie below it,
    found by minimising the asymmetric absolute error. Unlike least squares on all frames, which
    the transients pull up whenever cell and neuropil happen to be active together, it needs no
    list of quiet frames.

    The resting fluorescence is not constant: it bleaches (as does the neuropil, so the slow
    parts of F and Fneu are correlated whatever r is) and drifts. Two steps keep these out of
    the slope: (1) both traces are high-passed the same way, by subtracting their centred moving
    average over ``2 * window_s`` (a linear operation, so ``F = ... + r * Fneu`` still holds);
    (2) the fit allows the baseline a separate level in each consecutive window of `window_s`
    seconds (the last window ends with the trace and may overlap the one before). The slope is
    found by golden-section search within `r_range` (the loss is convex in r).

    Noise in Fneu pulls every regression slope towards zero ("regression dilution"): a measured
    ring trace has frame-to-frame noise comparable to its real fluctuations, and an unsmoothed
    fit can return half the true r. So both traces are first smoothed the same way (Gaussian,
    σ = `smooth_s` seconds), which averages out most of that noise and little of the neuropil's
    own, slower, fluctuations.

    Limits: the estimate is biased if the cell is more active when the neuropil is bright, and
    undetermined if the neuropil barely fluctuates on timescales shorter than `window_s`
    compared with the noise of F. An estimate at the edge of `r_range`, or above 1 (the soma
    cannot see more neuropil than the ring around it), means the fit failed: the Allen Institute
    pipeline replaces such values by a fallback (0.7, or the mean of the other cells).

    Parameters
    ----------
    F : array_like, shape (n_frames,) or (n_neurons, n_frames)
        Soma (ROI) fluorescence; NaN is not allowed.
    Fneu : array_like, same shape as `F`
        Neuropil fluorescence of each ROI, same units.
    fs : float
        Frame rate in Hz, > 0.
    q : float
        Percentile of the fitted edge, strictly between 0 and 100; 10-30 ignores transients while
        using enough frames.
    window_s : float
        Baseline changes slower than about this (seconds) are ignored: the length of the
        windows with their own baseline level (the high-pass averages over twice as long);
        > 0 and at most the length of the trace.
    smooth_s : float or None
        Gaussian smoothing (σ, seconds) of both traces before fitting; None fits the traces as
        they are.
    r_range : (float, float)
        Interval searched for r, ``0 <= low < high <= 100``.
    tol : float
        Precision of r: the search stops when the interval is narrower, > 0 (or when it is as
        narrow as floating-point numbers near ``r_range[1]`` allow).

    Returns
    -------
    float for one trace, ndarray (n_neurons,) for many.

    Raises
    ------
    ValueError
        If the shapes of `F` and `Fneu` differ, `fs`, `window_s`, `smooth_s` or `tol` is not
        positive, `q` is not strictly between 0 and 100, `r_range` is not an interval of ``r ≥ 0``,
        a window is longer than the trace, or the input has NaN.
    """
    fs = validate.positive(fs, "fs", unit="Hz")
    F2d, Fneu2d, was_1d = _matching_pair(F, Fneu, fs)
    q = validate.in_range(q, "q", 0, 100)
    if q in (0, 100):
        raise ValueError("q must be strictly between 0 and 100 (a percentile of the scatter)")
    try:
        low, high = r_range
    except (TypeError, ValueError):
        raise TypeError(f"r_range must be a pair (low, high), got {r_range!r}") from None
    low, high = (validate.in_range(v, "r_range", 0, _MAX_R) for v in (low, high))
    if not low < high:
        raise ValueError(f"r_range must be an interval (low, high) with low < high, got {r_range}")
    tol = validate.positive(tol, "tol")
    n_frames = F2d.shape[-1]
    w = validate.window_frames(window_s, fs, n_frames, shape=F2d.shape)

    pair = np.stack([F2d, Fneu2d])
    if smooth_s is not None:
        validate.window_frames(smooth_s, fs, n_frames, name="smooth_s")
        pair = ndimage.gaussian_filter1d(pair, smooth_s * fs, axis=-1, mode="nearest")
    pair -= ndimage.uniform_filter1d(pair, 2 * w, axis=-1, mode="nearest")
    starts = np.unique(np.r_[np.arange(0, n_frames - w + 1, w), n_frames - w])
    y, x = pair[:, :, starts[:, None] + np.arange(w)]  # (neurons, windows, frames)

    def loss(r):
        return _pinball_loss(y - r[:, None, None] * x, q / 100)

    # golden-section search, all neurons at once
    golden = (np.sqrt(5) - 1) / 2
    a = np.full(len(y), low)
    b = np.full(len(y), high)
    c, d = b - golden * (b - a), a + golden * (b - a)
    loss_c, loss_d = loss(c), loss(d)
    # The interval shrinks by `golden` per step, and cannot shrink below the spacing of floating
    # point numbers near `high`: stop after the steps that reach tol (or that spacing).
    reachable = max(tol, 16 * np.finfo(np.float64).eps * high)
    for _ in range(math.ceil(math.log(reachable / (high - low)) / math.log(golden)) + 1):
        if np.max(b - a) <= reachable:
            break
        left = loss_c <= loss_d  # the minimum lies in [a, d]
        a, b = np.where(left, a, c), np.where(left, d, b)
        c_new = np.where(left, b - golden * (b - a), d)
        d_new = np.where(left, c, a + golden * (b - a))
        loss_new = loss(np.where(left, c_new, d_new))
        loss_c, loss_d = np.where(left, loss_new, loss_d), np.where(left, loss_c, loss_new)
        c, d = c_new, d_new
    r = (a + b) / 2
    return float(r[0]) if was_1d else r
