"""Lesson 09 (spike inference): the recordings and sweeps its exercises refer to, and its figures.

Check cells recompute what an exercise refers to by calling these functions (the check protocol).
"""
from __future__ import annotations

import functools

import matplotlib.pyplot as plt
import numpy as np

from helpers import simulate, spikes as sp

#: Decay time constants of the section 1 sweep, seconds.
TAUS_S = (0.1, 0.3, 1.0, 3.0)
#: Rise time constants of the section 2 sweep (decay fixed at GCaMP6s's), seconds.
RISES_S = (0.0706, 0.2, 0.5, 0.68)
#: Frame rates of the section 3 sweep, Hz.
FRAME_RATES = (4.8, 7.5, 15.0, 30.0, 60.0)
#: Fixed AR(1) coefficients of the section 4 sweep.
G_VALUES = (0.1, 0.9, 0.99)
#: Conventions of the accuracy measures (section 6): bins and matching tolerance, seconds;
#: detection threshold as a fraction of each neuron's maximum inferred activity.
BIN_S, TOLERANCE_S, FRACTION_OF_MAX = 1.0, 0.2, 0.3
#: Conditions of the accuracy figure: ROI sizes setting the noise (about 0.12, 0.06 and 0.02 ΔF/F₀).
NOISE_ROI_PIXELS = {"high noise": 12, "Allen-like noise": 50, "low noise": 400}


def simulated_dff(seed: int = 3, fs: float = 30.0, indicator: str = "GCaMP6s", n_neurons: int = 10,
                  duration_s: float = 120.0, roi_pixels: int = 50, rate_hz: float = 0.3):
    """``(dff, fs, truth)``: simulated ΔF/F₀ (fraction) with its ground truth.

    ΔF/F₀ is made from the true neuropil ratio and baseline, ``(F - r * neuropil) / f0 - 1``: the
    true calcium plus noise, so the lesson studies spike inference alone.
    """
    rec = simulate.simulate_traces(n_neurons=n_neurons, n_frames=round(duration_s * fs), fs=fs,
                                   indicator=indicator, seed=seed, roi_pixels=roi_pixels, rate_hz=rate_hz)
    truth = rec.truth
    return (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1, rec.fs, truth


def reference_deconvolution(neuron: int = 2, **recording):
    """OASIS on one neuron of :func:`simulated_dff` with the indicator's true decay time (AR(1))."""
    dff, fs, truth = simulated_dff(**recording)
    return sp.deconvolve(dff[neuron], fs, decay_s=truth.indicator["decay_s"])


def score(dff, fs, truth, g=None, decay_s=None, rise_s=0.0):
    """:func:`helpers.spikes.score_inference` of OASIS on every neuron, with the lesson's conventions."""
    result = sp.deconvolve(dff, fs, g=g, decay_s=decay_s, rise_s=rise_s)
    threshold = sp.spike_threshold(result.spikes, fraction_of_max=FRACTION_OF_MAX)
    return sp.score_inference(result.spikes, truth.spikes, fs, threshold, bin_s=BIN_S,
                              tolerance_s=TOLERANCE_S)


@functools.lru_cache(maxsize=2)
def accuracy_grid(seed: int = 1, n_neurons: int = 10, duration_s: float = 180.0):
    """Median binned-rate correlation and F1 of OASIS (true decay, AR(1)) per indicator, frame
    rate (``FRAME_RATES`` but 60 Hz) and noise level (``NOISE_ROI_PIXELS``).

    Returns ``{(indicator, noise label): (fs array, correlation array, F1 array)}``.
    """
    rates = np.array(FRAME_RATES[:-1])
    grid = {}
    for indicator in ("GCaMP6s", "GCaMP6f"):
        for label, pixels in NOISE_ROI_PIXELS.items():
            r, f1 = [], []
            for fs in rates:
                dff, fs_, truth = simulated_dff(seed=seed, fs=fs, indicator=indicator, n_neurons=n_neurons,
                                                duration_s=duration_s, roi_pixels=pixels)
                s = score(dff, fs_, truth, decay_s=truth.indicator["decay_s"])
                r.append(s.median_correlation)
                f1.append(s.detection.f1)
            grid[indicator, label] = (rates, np.array(r), np.array(f1))
    return grid


def plot_accuracy_grid(grid):
    """Two panels (correlation, F1) against frame rate: one line per indicator and noise level."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), layout="constrained", sharex=True)
    styles = {"GCaMP6s": "-", "GCaMP6f": "--"}
    colours = dict(zip(NOISE_ROI_PIXELS, ("#D55E00", "#0072B2", "#009E73")))
    for (indicator, label), (rates, r, f1) in grid.items():
        for ax, values in zip(axes, (r, f1)):
            ax.plot(rates, values, styles[indicator], marker="o", color=colours[label],
                    label=f"{indicator}, {label}")
    axes[0].set(xlabel="frame rate (Hz)", ylabel="median correlation (1 s bins)", ylim=(0, 1),
                title="inferred vs true spike counts")
    axes[1].set(xlabel="frame rate (Hz)", ylabel="F1 (±0.2 s, one-to-one)", ylim=(0, 1),
                title="detected vs true spikes")
    axes[0].set_xscale("log")
    axes[0].set_xticks(FRAME_RATES[:-1], [f"{f:g}" for f in FRAME_RATES[:-1]])
    for ax in axes:
        ax.minorticks_off()
    axes[1].legend(frameon=False, fontsize=7, loc="lower right")
    return axes
