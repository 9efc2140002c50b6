"""Lesson 04 (baseline F0): the recordings its exercises use, its error measure and its figures."""
from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np

from helpers import baseline, plots, simulate

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
