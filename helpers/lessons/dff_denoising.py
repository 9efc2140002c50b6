"""Lesson 05 (ΔF/F₀ and denoising): the traces its exercises refer to, and its four-step figure.

The lesson's simulated recording is ``simulate.simulate_traces(**RECORDING, seed=seed)``. Its
traces are taken *after* an ideal neuropil correction (the true r and neuropil removed), so that
``F = F0 * (1 + calcium) + noise`` exactly and ΔF/F₀ with the true F₀ is the true calcium signal
plus noise.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from helpers import baseline, data, simulate

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
