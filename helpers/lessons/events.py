"""Lesson 06 (detecting calcium events): the traces its exercises refer to, and its figures.

Check cells recompute what an exercise refers to by calling these functions (the check protocol).
"""
from __future__ import annotations

import numpy as np
from scipy.signal import peak_widths

from helpers import checks, events as ev, simulate

#: The thresholds of the k sweep (section 8), in noise standard deviations.
K_SWEEP = (2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
#: Largest onset-to-burst time difference for a match (section 8), seconds.
TOLERANCE_S = 0.5


def simulated_dff(seed: int = 6, fs: float = 10.0, n_neurons: int = 40, duration_s: float = 300.0):
    """``(dff, fs, truth)``: simulated GCaMP6s ΔF/F₀ (fraction) with its ground truth.

    ΔF/F₀ is made from the true neuropil ratio and the true baseline,
    ``(F - r * neuropil) / f0 - 1``, so it is the true calcium signal plus noise: the lesson can
    then study event detection alone, without the errors of neuropil and baseline estimates.
    """
    rec = simulate.simulate_traces(n_neurons=n_neurons, n_frames=round(duration_s * fs), fs=fs,
                                   indicator="GCaMP6s", seed=seed, roi_pixels=130, rate_hz=0.05)
    truth = rec.truth
    return (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1, rec.fs, truth


def true_bursts(truth, fs: float) -> list[np.ndarray]:
    """Ground-truth events: each neuron's spikes grouped into bursts (onset frames), spikes closer
    than the indicator's decay time sharing a burst (:func:`helpers.events.spike_bursts`)."""
    return ev.spike_bursts(truth.spike_frames, fs, merge_s=truth.indicator["decay_s"])


def quiet_trace(seed: int = 0, fs: float = 10.0):
    """``(dff, fs, spike_frames)`` of one barely active, bright (low-noise) neuron: 4 spikes in
    5 minutes, plus four slow bumps of 3-6 % ΔF/F₀ (Gaussian, s.d. 0.8 s) that are not spikes —
    what a slightly mis-subtracted neuropil or a small movement out of the focal plane leaves."""
    rec = simulate.simulate_traces(n_neurons=1, n_frames=round(300 * fs), fs=fs, seed=seed,
                                   roi_pixels=3000, f0=400.0, rate_hz=0.01, rate_spread=0.0)
    truth = rec.truth
    dff = (rec.traces[0] - truth.r[0] * truth.neuropil[0]) / truth.f0[0] - 1
    time_s = np.arange(dff.size) / fs
    for centre_s, height in [(40.0, 0.04), (95.0, 0.05), (160.0, 0.03), (240.0, 0.06)]:
        dff += height * np.exp(-0.5 * ((time_s - centre_s) / 0.8) ** 2)
    return dff, rec.fs, truth.spike_frames[0]


def fwhm_reference(trace, peak_index: int, baseline: float, fs: float, *, interpolate: bool = True) -> float:
    """FWHM in seconds with the lesson's conventions, computed by :func:`scipy.signal.peak_widths`.

    Half level ``baseline + (trace[peak] - baseline) / 2``; from the peak outwards, the first
    sample at or below it, and the crossing interpolated linearly towards the peak; the edge
    frame when the trace stays above the level up to the edge. ``interpolate=False`` gives the
    typical mistake of taking those first samples themselves as the crossings.
    """
    trace = np.asarray(trace, dtype=float)
    amplitude = trace[peak_index] - baseline
    if not interpolate:
        at_or_below = trace <= baseline + amplitude / 2
        left = np.flatnonzero(at_or_below[:peak_index])
        right = np.flatnonzero(at_or_below[peak_index:])
        return float(((peak_index + right[0] if right.size else trace.size - 1)
                      - (left[-1] if left.size else 0)) / fs)
    left, right = half_max_crossings(trace, peak_index, baseline)
    return float((right - left) / fs)


def equal_frames(name: str, value, expected, *, mistakes: dict | None = None, hint: str | None = None) -> None:
    """:func:`helpers.checks.equal` for a 1-D array of frame indices (whose length may differ)."""
    checks.is_array(name, value, ndim=1, dtype="int", hint=hint)
    checks.equal(name, value, np.asarray(expected), hint=hint, mistakes=mistakes)


def compound_fraction(events, factor: float = 1.5, min_events: int = 3) -> np.ndarray:
    """The lesson's own metric, per neuron with at least `min_events` events (in neuron order):
    the fraction of its events whose amplitude exceeds `factor` times its median event amplitude."""
    values = []
    for amplitudes in events.per_neuron("amplitude"):
        if amplitudes.size >= min_events:
            values.append(np.mean(amplitudes > factor * np.median(amplitudes)))
    return np.array(values, dtype=float)


def true_multi_spike_fraction(truth, fs: float, neurons) -> np.ndarray:
    """Per neuron: the fraction of its ground-truth bursts (see :func:`true_bursts`) holding two
    or more spikes."""
    bursts = true_bursts(truth, fs)
    out = []
    for n in neurons:
        frames = np.sort(np.asarray(truth.spike_frames[n]))
        sizes = np.diff(np.r_[np.searchsorted(frames, bursts[n]), frames.size])
        out.append(np.mean(sizes >= 2) if sizes.size else np.nan)
    return np.array(out)


def k_sweep(dff, fs: float, bursts, ks=K_SWEEP, tolerance_s: float = TOLERANCE_S):
    """``(precision, recall, f1)`` arrays, one value per threshold k (lower level 1.5 σ)."""
    scores = [ev.match_events(ev.detect_events(dff, fs, k=k, k_low=min(1.5, k)).per_neuron("onset"),
                              bursts, fs, tolerance_s) for k in ks]
    return tuple(np.array([getattr(s, name) for s in scores]) for name in ("precision", "recall", "f1"))


# --------------------------------------------------------------------------- figures

def plot_events(t, traces, events, neurons, *, ax, offset: float = 1.0, ylabel: str = "ΔF/F₀ (fraction)"):
    """Traces of some neurons, stacked by `offset`, each detected event shaded under the trace from
    onset to offset and its peak marked; return the Axes. The legend sits right of the axes."""
    for i, n in enumerate(neurons):
        shift = i * offset
        line, = ax.plot(t, traces[n] + shift, lw=0.7, label=f"neuron {n}")
        mine = events.neuron == n
        for onset, stop in zip(events.onset[mine], events.offset[mine]):
            ax.fill_between(t[onset:stop], shift, traces[n][onset:stop] + shift, color=line.get_color(),
                            alpha=0.45, lw=0, label="event (onset to offset)" if i == 0 and onset == events.onset[mine][0] else None)
        ax.plot(t[events.peak[mine]], traces[n][events.peak[mine]] + shift, "v", ms=4,
                color="#000000", label="event peak" if i == 0 else None)
    ax.set_xlabel("time (s)")
    ax.set_ylabel(ylabel + (" (stacked)" if len(neurons) > 1 else ""))
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small")
    return ax


def half_max_crossings(trace, peak_index: int, baseline: float) -> tuple[float, float]:
    """Left and right half-maximum crossings (fractional frames) with the lesson's conventions."""
    trace = np.asarray(trace, dtype=float)
    amplitude = trace[peak_index] - baseline
    _, _, left, right = peak_widths(trace, [peak_index], rel_height=0.5, prominence_data=(
        np.array([amplitude]), np.array([0]), np.array([trace.size - 1])))
    return float(left[0]), float(right[0])


def plot_raster(events, *, ax, color: str = "#0072B2", title: str | None = None):
    """Event onsets as a scatter: time (s) on x, neuron id on y; return the Axes."""
    ax.scatter(events.onset_s, events.neuron, s=25, marker="|", color=color, linewidths=1.2)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("neuron id")
    ax.set_xlim(0, events.n_frames / events.fs)
    ax.set_ylim(-0.5, events.n_neurons - 0.5)
    if title:
        ax.set_title(title)
    return ax
