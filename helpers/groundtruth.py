"""Scores against real spikes: the spike-inference field's own measures, as pure functions.

Event detection and spike inference are judged here against spikes recorded electrically while
the neuron was imaged (the CASCADE ground truth, :func:`helpers.data.load_ground_truth`). Every
function takes plain arrays — ΔF/F₀ or inferred activity per frame, frame times and spike times
in seconds on the same clock — and states its conventions:

* **Frames as intervals.** Frame ``i`` stands for the interval between the midpoints to its
  neighbours' times (the first and last frames extend half an interval outwards):
  :func:`frame_edges`. Spikes are counted per frame in these intervals (:func:`spike_counts`), as
  CASCADE bins its ground truth. Where activity must be re-binned in seconds, each frame's
  activity is spread evenly over its interval (:func:`binned_correlation`).
* **Correlation with the smoothed spike train** (:func:`smoothed_correlation`): Pearson's r
  between the inferred activity and the spike counts per frame, both smoothed with a Gaussian of
  standard deviation `sigma_s` seconds. CASCADE (Rupprecht et al. 2021) smooths its ground truth
  with σ = 0.2 s for 7.5 Hz models and 0.05-0.1 s for 30 Hz models, and does not smooth its own
  (already smooth) predictions; sparse outputs such as OASIS's must be smoothed too to be
  compared fairly, hence ``smooth_inferred=True`` by default.
* **CASCADE's error and bias** (:func:`cascade_error_bias`): with both traces smoothed as above,
  ``error = sum |inferred - true| / sum true`` and ``bias = sum (inferred - true) / sum true``.
  Both need the inferred activity **in spikes per frame**; activity in ΔF/F₀ units must be
  calibrated first, and the calibration is then what they measure.
* **Binned correlation** (:func:`binned_correlation`): Pearson's r between inferred activity and
  spike counts summed in consecutive bins of `bin_s` seconds from the start of the first frame
  (an incomplete last bin is dropped). Spikefinder (Berens et al. 2018) scored at 25 Hz, i.e.
  40 ms bins (:func:`spikefinder_correlation`): about 0.36 for a simple baseline method and 0.44
  for the best entries.
* **Events against bursts** (:func:`score_onsets`): an event onset is *correct* when a spike lies
  within ±`tolerance_s` of it (0.5 s); spikes less than `burst_gap_s` apart (1 s) form one
  *burst* (a chain: a long train is one burst, :func:`burst_windows`), and a burst is *found*
  when an onset falls within it widened by ±`tolerance_s`. Precision = correct onsets / onsets,
  recall = found bursts / bursts, F1 their harmonic mean. Unlike
  :func:`helpers.events.match_events`, the matching is not one-to-one: several onsets in one
  burst are all correct (a burst is one calcium event only at low rates) and count the burst once.
* **Noise level** (:func:`noise_level`): CASCADE's ν = 100 · median(|Δ ΔF/F₀|) / √fs, in
  "percent per square-root hertz": about 1 is excellent, 3-4 decent, above 5 poor.

Correlations are NaN when either side is constant (e.g. no spike in the recording), as for any
Pearson coefficient; the functions say so rather than inventing a value.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d

from helpers.validate import as_array, as_traces, positive

__all__ = ["SPIKEFINDER_BIN_S", "noise_level", "frame_edges", "spike_counts", "gaussian_smooth",
           "smoothed_correlation", "cascade_error_bias", "binned_correlation",
           "spikefinder_correlation", "burst_windows", "EventScore", "score_onsets"]

SPIKEFINDER_BIN_S = 0.04
"""Spikefinder's resolution: correlations at 25 Hz, i.e. in 40 ms bins (Berens et al. 2018)."""


# --------------------------------------------------------------------------- inputs

def _times(values, name: str, *, allow_empty: bool) -> np.ndarray:
    """A 1-D float64 array of finite times in seconds (possibly empty if `allow_empty`)."""
    if isinstance(values, (list, tuple)) and len(values) == 0 and allow_empty:
        return np.zeros(0)
    if isinstance(values, np.ndarray) and values.size == 0 and allow_empty:
        if values.ndim != 1:
            raise ValueError(f"{name} must be 1-D (times in seconds), got shape {values.shape}")
        return np.zeros(0)
    try:
        booleans = np.asarray(values).dtype == bool
    except (ValueError, TypeError):  # ragged: as_array explains
        booleans = False
    if booleans:
        raise TypeError(f"{name} must hold times in seconds, not booleans")
    return as_array(values, name, ndim=1)


def _frame_times(frame_times_s) -> np.ndarray:
    times = _times(frame_times_s, "frame_times_s", allow_empty=False)
    if times.size < 2:
        raise ValueError("frame_times_s needs at least 2 frames (their spacing gives each frame's "
                         "interval)")
    if not (np.diff(times) > 0).all():
        raise ValueError("frame_times_s must increase strictly (one time per frame, in seconds, "
                         "in order)")
    return times


def _trace(values, name: str, n_frames: int | None = None) -> np.ndarray:
    x = as_array(values, name, ndim=1)
    if n_frames is not None and x.size != n_frames:
        raise ValueError(f"{name} has {x.size} values but there are {n_frames} frames: give one "
                         "value per frame")
    return x


def _pearson(a: np.ndarray, b: np.ndarray) -> float:
    a = a - a.mean()
    b = b - b.mean()
    for x in (a, b):  # rescale tiny values: their squares would underflow to 0
        scale = np.abs(x).max()
        if 0 < scale < 1e-100:
            x /= scale
    denominator = math.sqrt(float((a * a).sum()) * float((b * b).sum()))
    return float((a * b).sum() / denominator) if denominator > 0 else math.nan


# --------------------------------------------------------------------------- noise, frames

def noise_level(dff, fs):
    """CASCADE's noise level ν = 100 · median(|ΔF/F₀[t+1] - ΔF/F₀[t]|) / √fs.

    The median absolute difference between consecutive frames measures the high-frequency noise
    and is hardly moved by transients; dividing by √fs makes recordings at different frame rates
    comparable (Rupprecht et al. 2021, ``calculate_noise_levels``). About 1 is excellent, 3-4
    decent, above 5 poor.

    Parameters
    ----------
    dff : array, (n_frames,) or (n_neurons, n_frames)
        ΔF/F₀ as a fraction (not percent), at least 2 frames, no NaN.
    fs : float
        Frame rate, Hz.

    Returns
    -------
    float for one trace, (n_neurons,) array for many.
    """
    fs = positive(fs, "fs", unit="Hz")
    x, was_1d = as_traces(dff, "dff", fs=fs)
    if x.shape[-1] < 2:
        raise ValueError("dff needs at least 2 frames for frame-to-frame differences")
    nu = 100.0 * np.median(np.abs(np.diff(x, axis=-1)), axis=-1) / math.sqrt(fs)
    return float(nu[0]) if was_1d else nu


def frame_edges(frame_times_s) -> np.ndarray:
    """Edges of the frames' intervals, seconds: ``n_frames + 1`` values.

    Inner edges are the midpoints between consecutive frame times; the first and last frames
    extend outwards by half their distance to their neighbour. For evenly spaced frames at
    ``fs`` this is ``frame_times_s ± 0.5 / fs``.
    """
    t = _frame_times(frame_times_s)
    middle = 0.5 * (t[1:] + t[:-1])
    return np.concatenate([[t[0] - (t[1] - t[0]) / 2], middle, [t[-1] + (t[-1] - t[-2]) / 2]])


def spike_counts(spike_times_s, frame_times_s) -> np.ndarray:
    """Number of spikes in each frame's interval (:func:`frame_edges`), float64 (n_frames,).

    An interval includes its left edge and excludes its right one (the last includes both);
    spikes outside all intervals are not counted.
    """
    edges = frame_edges(frame_times_s)
    spikes = _times(spike_times_s, "spike_times_s", allow_empty=True)
    return np.histogram(spikes, bins=edges)[0].astype(np.float64)


def gaussian_smooth(x, fs, sigma_s) -> np.ndarray:
    """`x` smoothed along time with a Gaussian of standard deviation `sigma_s` seconds.

    ``scipy.ndimage.gaussian_filter1d`` with σ = ``sigma_s * fs`` frames, truncated at 4 σ, edges
    reflected (SciPy's default, as CASCADE's ``gaussian_filter``); below 1/8 frame it changes
    nothing and `x` is returned as it is. A Gaussian conserves the sum: smoothed spike counts
    still add up to the number of spikes (away from the edges).
    """
    return _smooth(_trace(x, "x"), fs, sigma_s, "x")


def _smooth(values: np.ndarray, fs, sigma_s, name: str) -> np.ndarray:
    fs = positive(fs, "fs", unit="Hz")
    sigma_s = positive(sigma_s, "sigma_s", unit="seconds")
    sigma_frames = sigma_s * fs
    if sigma_frames > values.size:
        raise ValueError(f"sigma_s={sigma_s:g} s is {sigma_frames:.3g} frames at fs={fs:g} Hz, "
                         f"longer than {name} ({values.size} frames): is it in seconds?")
    if sigma_frames < 0.125:  # SciPy's kernel is then the single sample 1 (and 1/σ² overflows)
        return values.copy()
    return gaussian_filter1d(values, sigma_frames)


# --------------------------------------------------------------------------- inference scores

def smoothed_correlation(inferred, spike_counts, fs, sigma_s, *, smooth_inferred: bool = True) -> float:
    """Pearson's r between inferred activity and the Gaussian-smoothed true spike train.

    Parameters
    ----------
    inferred : array (n_frames,)
        Inferred activity per frame, any units (the correlation ignores scale and offset).
    spike_counts : array (n_frames,)
        True spikes per frame (:func:`spike_counts`).
    fs : float
        Frame rate, Hz.
    sigma_s : float
        Standard deviation of the Gaussian, seconds (CASCADE: 0.2 s at 7.5 Hz, 0.05-0.1 s at
        30 Hz).
    smooth_inferred : bool
        Smooth the inferred activity with the same Gaussian (default; needed for sparse outputs
        such as deconvolved spikes). False reproduces CASCADE, whose predictions are already
        smooth rates.

    Returns
    -------
    float, NaN when either side is constant (e.g. no spike at all).
    """
    if not isinstance(smooth_inferred, (bool, np.bool_)):
        raise TypeError(f"smooth_inferred must be True or False, got {smooth_inferred!r}")
    counts = _trace(spike_counts, "spike_counts")
    activity = _trace(inferred, "inferred", counts.size)
    truth = _smooth(counts, fs, sigma_s, "spike_counts")
    if smooth_inferred:
        activity = _smooth(activity, fs, sigma_s, "inferred")
    return _pearson(activity, truth)


def cascade_error_bias(inferred_spikes, spike_counts, fs, sigma_s) -> tuple[float, float]:
    """CASCADE's error and bias of an inferred spike rate against the true spikes.

    Both traces are smoothed with a Gaussian of `sigma_s` seconds (:func:`gaussian_smooth`);
    with ``d = inferred - true`` and ``S = sum(true)`` (the number of true spikes, smoothed):
    ``error = sum |d| / S`` and ``bias = sum d / S``. An error of 0.6 means the misplaced and
    missing activity amounts to 60 % of the true spikes; a bias of -0.3 means 30 % too few
    spikes in total. Rupprecht et al. 2021 report errors around 0.6-1 for their models.

    Parameters
    ----------
    inferred_spikes : array (n_frames,)
        Inferred spikes per frame, **in spikes** (a rate in spikes per frame). Activity in ΔF/F₀
        units must be divided by a ΔF/F₀ per spike first; the error and bias then measure that
        calibration as much as the inference.
    spike_counts : array (n_frames,)
        True spikes per frame (:func:`spike_counts`), at least one spike.
    fs, sigma_s : float
        Frame rate (Hz) and the Gaussian's standard deviation (seconds).

    Returns
    -------
    (error, bias) : floats
    """
    counts = _trace(spike_counts, "spike_counts")
    inferred = _trace(inferred_spikes, "inferred_spikes", counts.size)
    if (counts < 0).any() or not np.array_equal(counts, np.round(counts)):
        raise ValueError("spike_counts must hold whole, non-negative numbers of spikes per frame "
                         "(see spike_counts())")
    if counts.sum() == 0:
        raise ValueError("spike_counts holds no spike: the error and bias are relative to the "
                         "number of true spikes and are undefined without any")
    truth = _smooth(counts, fs, sigma_s, "spike_counts")
    difference = _smooth(inferred, fs, sigma_s, "inferred_spikes") - truth
    total = float(truth.sum())
    return float(np.abs(difference).sum() / total), float(difference.sum() / total)


def binned_correlation(inferred, frame_times_s, spike_times_s, bin_s) -> float:
    """Pearson's r between inferred activity and spike counts in bins of `bin_s` seconds.

    Bins start at the first frame's start (:func:`frame_edges`) and are `bin_s` wide; the last
    bin is dropped if the frames end inside it. Each frame's activity is spread evenly over its
    interval, so a frame straddling a bin edge contributes to both bins in proportion — the bins
    may be shorter than a frame (25 Hz bins of a 15 Hz recording). Spikes are counted in the bin
    they fall in. Summing over bins ignores timing errors within a bin, which is why coarse bins
    give higher correlations.

    Parameters
    ----------
    inferred : array (n_frames,)
        Inferred activity per frame, any units.
    frame_times_s, spike_times_s : 1-D arrays
        Frame times and true spike times, seconds, on the same clock.
    bin_s : float
        Bin width, seconds; at least two bins must fit in the recording.

    Returns
    -------
    float, NaN when either side is constant (e.g. no spike at all).
    """
    edges = frame_edges(frame_times_s)
    activity = _trace(inferred, "inferred", edges.size - 1)
    spikes = _times(spike_times_s, "spike_times_s", allow_empty=True)
    bin_s = positive(bin_s, "bin_s", unit="seconds")
    span = edges[-1] - edges[0]
    n_bins = math.floor(span / bin_s * (1 + 1e-12))
    if n_bins < 2:
        raise ValueError(f"bin_s={bin_s:g} s leaves fewer than 2 bins in {span:.3g} s of "
                         "recording: use shorter bins")
    if n_bins > 2**25:
        raise ValueError(f"bin_s={bin_s:g} s makes {n_bins:.3g} bins, too many: is it in seconds?")
    bin_edges = edges[0] + bin_s * np.arange(n_bins + 1)
    cumulative = np.concatenate([[0.0], np.cumsum(activity)])
    per_bin = np.diff(np.interp(bin_edges, edges, cumulative))
    counts = np.histogram(spikes, bins=bin_edges)[0].astype(np.float64)
    return _pearson(per_bin, counts)


def spikefinder_correlation(inferred, frame_times_s, spike_times_s) -> float:
    """:func:`binned_correlation` at spikefinder's 25 Hz (40 ms bins; Berens et al. 2018)."""
    return binned_correlation(inferred, frame_times_s, spike_times_s, SPIKEFINDER_BIN_S)


# --------------------------------------------------------------------------- event scores

def burst_windows(spike_times_s, gap_s=1.0) -> tuple[np.ndarray, np.ndarray]:
    """Group spikes into bursts: the (start, end) times, seconds, of each burst.

    Spikes are taken in time order; a spike less than `gap_s` after the previous one joins its
    burst (a chain, so a long train with short gaps is one burst). A burst of one spike starts
    and ends at that spike.

    Returns
    -------
    (starts, ends) : float64 arrays (n_bursts,)
    """
    spikes = np.sort(_times(spike_times_s, "spike_times_s", allow_empty=True))
    gap_s = positive(gap_s, "gap_s", unit="seconds")
    if spikes.size == 0:
        return np.zeros(0), np.zeros(0)
    first = np.flatnonzero(np.concatenate([[True], np.diff(spikes) >= gap_s]))
    last = np.concatenate([first[1:], [spikes.size]]) - 1
    return spikes[first], spikes[last]


@dataclass(frozen=True)
class EventScore:
    """Event onsets scored against bursts of true spikes (see :func:`score_onsets`).

    ``precision``, ``recall`` and ``f1`` are fractions; ``n_correct`` of ``n_onsets`` onsets have
    a spike within the tolerance, ``n_found`` of ``n_bursts`` bursts hold an onset.
    """

    precision: float
    recall: float
    f1: float
    n_onsets: int
    n_correct: int
    n_bursts: int
    n_found: int


def score_onsets(onset_times_s, spike_times_s, *, tolerance_s=0.5, burst_gap_s=1.0) -> EventScore:
    """Precision, recall and F1 of event onsets against bursts of true spikes.

    * An onset is **correct** when a spike lies within ±`tolerance_s` of it
      (``|spike - onset| <= tolerance_s``).
    * Spikes less than `burst_gap_s` apart form one **burst** (:func:`burst_windows`); a burst
      from ``start`` to ``end`` is **found** when an onset lies in
      ``[start - tolerance_s, end + tolerance_s]``.
    * precision = correct / onsets (1 with no onset: no false alarm), recall = found / bursts
      (1 with no burst), F1 = their harmonic mean (0 when both are 0).

    Onsets are times in seconds on the spikes' clock; for frames ``onset`` of a recording with
    frame times ``t``, pass ``t[onset]``.
    """
    onsets = np.sort(_times(onset_times_s, "onset_times_s", allow_empty=True))
    spikes = np.sort(_times(spike_times_s, "spike_times_s", allow_empty=True))
    tolerance_s = positive(tolerance_s, "tolerance_s", unit="seconds")
    starts, ends = burst_windows(spikes, burst_gap_s)
    # The first spike at or after onset - tolerance decides whether one lies within the window.
    nearest = np.searchsorted(spikes, onsets - tolerance_s, side="left")
    correct = nearest < spikes.size
    correct[correct] = spikes[nearest[correct]] <= onsets[correct] + tolerance_s
    # The first onset at or after start - tolerance decides whether a burst holds one.
    first = np.searchsorted(onsets, starts - tolerance_s, side="left")
    found = first < onsets.size
    found[found] = onsets[first[found]] <= ends[found] + tolerance_s
    precision = float(correct.mean()) if onsets.size else 1.0
    recall = float(found.mean()) if starts.size else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return EventScore(precision=precision, recall=recall, f1=f1, n_onsets=int(onsets.size),
                      n_correct=int(correct.sum()), n_bursts=int(starts.size),
                      n_found=int(found.sum()))
