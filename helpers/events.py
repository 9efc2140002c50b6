"""Calcium events: robust z-scores, threshold crossings, event features and scores against truth.

A *calcium event* is a stretch of a ΔF/F₀ trace that rises clearly above that neuron's noise. It is
not a spike: one event may hold a burst of spikes, and a lone spike in a noisy trace may give none.
:func:`detect_events` finds events with a neuron-specific threshold and returns them as an
:class:`Events` table — flat arrays with one row per event — so that everything downstream
(rasters, rates, intervals, matching, shuffles) is a vectorised operation on those arrays.

:func:`detect_events` ends an event only when the trace falls back to baseline, so the bursts of
an active neuron merge into one long event. :func:`detect_bursts` finds the onset of every burst,
re-rises within long events included; it is the course's recommended reference when events are
compared with spikes (scored against real spikes in ``benchmarks/bench_ground_truth.py``).
:func:`detect_events` stays the lessons' threshold detector, its defaults unchanged.

Conventions used throughout:

* frames are counted from 0; a stretch "from `onset` to `offset`" means the frames
  ``onset <= t < offset`` (Python's half-open convention), so it lasts ``(offset - onset) / fs`` s;
* seconds become frames through the frame rate: a stretch of ``m`` frames lasts ``m / fs`` s, so
  "at least `d` seconds" means at least ``ceil(d * fs)`` frames and "shorter than `d` seconds" means
  fewer than ``ceil(d * fs)`` frames;
* the noise level σ of a neuron is robust: 1.4826 × the median absolute deviation (MAD) of its trace
  from its median, which equals the standard deviation for Gaussian noise and is hardly moved by
  the (rare, positive) transients.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.ndimage import gaussian_filter1d
from scipy.signal import fftconvolve, peak_widths
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import maximum_bipartite_matching

from helpers.dff import MAD_TO_SD
from helpers.validate import (as_array, as_traces, check_size, choice, in_range, number, positive,
                              whole_number)


def _frames_at_least(seconds: float, fs: float) -> int:
    """Smallest whole number of frames lasting at least `seconds` (``m / fs >= seconds``)."""
    # The tolerance keeps 1.1 s at 100 Hz at 110 frames although 1.1 * 100 = 110.00000000000001.
    # Beyond 2**53 frames (longer than any recording) the count is capped: no overflow.
    frames = seconds * fs
    return math.ceil(frames - 1e-9) if frames < 2**53 else 2**53


def _row_medians(a: np.ndarray, *, overwrite: bool = False) -> np.ndarray:
    """``np.median(a, axis=1)`` of a 2-D array, several times faster.

    One partition at the upper middle element, then the largest of the lower half: NumPy's
    median partitions at both middle elements at once, which is ~6x slower on long rows.
    """
    part = a if overwrite else a.copy()
    half = a.shape[1] // 2
    part.partition(half, axis=1)
    upper = part[:, half]
    return upper if a.shape[1] % 2 else 0.5 * (upper + part[:, :half].max(axis=1))


def _robust_noise(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median and 1.4826 × MAD of each row of a 2-D array; a zero MAD is an error."""
    baseline = _row_medians(x)
    noise_sd = MAD_TO_SD * _row_medians(np.abs(x - baseline[:, None]), overwrite=True)
    flat = np.flatnonzero(noise_sd == 0)
    if flat.size:
        raise ValueError(
            f"traces: the median absolute deviation is zero for neuron(s) {flat[:10].tolist()}"
            f"{' ...' if flat.size > 10 else ''} (more than half the samples are identical, e.g. a "
            "constant or clipped trace), so no robust noise level exists: drop those neurons or "
            "give their noise level as sigma")
    return baseline, noise_sd


def robust_zscore(traces) -> np.ndarray:
    """Each trace in units of its own noise: ``(x - median) / (1.4826 * MAD)``, per neuron.

    A value of 3 means "three noise standard deviations above the neuron's typical level", which
    makes one threshold meaningful for quiet and noisy neurons alike. The median and MAD are used
    instead of the mean and standard deviation because calcium transients are large, positive
    and skewed: they inflate the standard deviation of an active neuron and would hide its own
    events.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        ΔF/F₀ (or any fluorescence) traces, time on the last axis; NaN is not allowed.

    Returns
    -------
    ndarray, the input's shape, float64, dimensionless.

    Raises
    ------
    ValueError
        Wrong number of dimensions, NaN, or a trace whose MAD is zero (more than half its samples
        identical, e.g. a constant or clipped trace): its noise level cannot be estimated.
    """
    x, was_1d = as_traces(traces)
    baseline, noise_sd = _robust_noise(x)
    z = (x - baseline[:, None]) / noise_sd[:, None]
    return z[0] if was_1d else z


@dataclass(frozen=True, eq=False)
class Events:
    """Detected calcium events as a flat table: one entry per event in each array.

    Events are sorted by neuron, then by onset.

    Attributes
    ----------
    neuron : int ndarray (n_events,)
        Row of the trace (neuron index) the event belongs to.
    onset, peak, offset : int ndarray (n_events,)
        Frames: the first frame above the lower level, the frame of the maximum, and the first
        frame after the event (exclusive end), so the event covers frames ``onset <= t < offset``
        (see :func:`detect_events`).
    amplitude : float ndarray (n_events,)
        Peak value minus the neuron's baseline (its median), in the units of the trace
        (ΔF/F₀ as a fraction if the trace is ΔF/F₀).
    fwhm_s : float ndarray (n_events,)
        Full width at half maximum in seconds: the time between the two points where the trace
        crosses ``baseline + amplitude / 2`` on either side of the peak, each found by linear
        interpolation between the two samples around the crossing. A crossing outside the
        recording is taken at its edge (the width is then a lower bound).
    baseline, noise_sd : float ndarray (n_neurons,)
        Per neuron: the baseline (median) and noise σ the threshold was built on.
    fs : float
        Frame rate, Hz.
    n_frames, n_neurons : int
        Shape of the traces the events were detected in.
    """

    neuron: np.ndarray
    onset: np.ndarray
    peak: np.ndarray
    offset: np.ndarray
    amplitude: np.ndarray
    fwhm_s: np.ndarray
    baseline: np.ndarray
    noise_sd: np.ndarray
    fs: float
    n_frames: int
    n_neurons: int

    def __len__(self) -> int:
        return int(self.neuron.size)

    @property
    def onset_s(self) -> np.ndarray:
        """Onset times in seconds (frame / fs)."""
        return self.onset / self.fs

    @property
    def peak_s(self) -> np.ndarray:
        """Peak times in seconds (frame / fs)."""
        return self.peak / self.fs

    def per_neuron(self, field: str = "onset") -> list[np.ndarray]:
        """One array per neuron (empty for silent ones) of a per-event field, e.g. onset frames."""
        choice(field, "field", ("onset", "peak", "offset", "amplitude", "fwhm_s"))
        values = getattr(self, field)
        return np.split(values, np.searchsorted(self.neuron, np.arange(1, self.n_neurons)))


def _runs(mask: np.ndarray):
    """Rows, starts and exclusive ends of the runs of True along the last axis of a 2-D mask."""
    n_rows, n_cols = mask.shape
    # Rows laid end to end, each closed by a False column, led by one False: value changes then
    # alternate between run starts and run ends, and no run crosses into the next row.
    flat = np.zeros(n_rows * (n_cols + 1) + 1, dtype=bool)
    flat[1:].reshape(n_rows, n_cols + 1)[:, :n_cols] = mask
    changes = np.flatnonzero(flat[1:] != flat[:-1])
    starts, ends = changes[0::2], changes[1::2]
    return starts // (n_cols + 1), starts % (n_cols + 1), ends % (n_cols + 1)


def _peaks_within(x: np.ndarray, rows, onsets, offsets) -> np.ndarray:
    """Frame of the maximum of ``x[row, onset:offset]`` for each event (the first if tied)."""
    if onsets.size == 0:
        return onsets.copy()
    lengths = offsets - onsets
    first = np.cumsum(lengths) - lengths
    segment = np.repeat(np.arange(onsets.size), lengths)
    frames = np.arange(lengths.sum()) - np.repeat(first, lengths) + np.repeat(onsets, lengths)
    values = x[np.repeat(rows, lengths), frames]
    is_max = values == np.maximum.reduceat(values, first)[segment]
    hits = np.flatnonzero(is_max)
    first_hit = hits[np.r_[True, segment[hits][1:] != segment[hits][:-1]]]
    return frames[first_hit]


def detect_events(traces, fs, *, k: float = 3.0, k_low: float = 1.5, min_amplitude: float | None = None,
                  min_duration_s: float = 0.2, min_separation_s: float = 0.3, sigma=None) -> Events:
    """Find calcium events: stretches of a trace clearly above its neuron's noise.

    For each neuron the baseline is its median and the noise σ is 1.4826 × its MAD (or `sigma`,
    if given). Two levels are used (*hysteresis*): an event must reach the **upper** level
    ``baseline + k * σ``, and it lasts as long as the trace stays above the **lower** level
    ``baseline + k_low * σ`` — it starts where the trace rises out of the noise and ends where it
    falls back, not where it happens to cross the upper level. The steps, in this order:

    1. **stretches** — runs of consecutive frames above the lower level;
    2. **threshold** — only stretches whose maximum exceeds the upper level are kept;
    3. **separation** — two kept stretches of a neuron with a gap shorter than `min_separation_s`
       (fewer than ``ceil(min_separation_s * fs)`` frames below the lower level) are *merged* into
       one event: a trace that dips under the level for a moment, from noise on a slow decay, is
       still one transient;
    4. **duration** — events lasting less than `min_duration_s` from onset to offset (fewer than
       ``ceil(min_duration_s * fs)`` frames, and at least one frame) are dropped: a noise spike
       is a frame or two, a calcium transient lasts longer;
    5. **absolute amplitude** (optional) — events whose amplitude (peak minus baseline) is below
       `min_amplitude`, in the trace's units, are dropped. This second threshold protects very
       quiet neurons, whose σ is so small that ``k * σ`` would pass tiny fluctuations.

    All durations are in seconds, so the defaults mean the same at 4.8 Hz and at 100 Hz. The
    defaults (k = 3, k_low = 1.5, 0.2 s, 0.3 s, no absolute threshold) were checked on real
    ΔF/F₀ and on simulations (see ``tests/test_events.py``):

    * Allen Brain Observatory excerpt (74 neurons, 30 Hz): 0.038 events/s per neuron, 91 % of
      neurons active; zebrafish OGB-1 (1003 neurons, 7.5 Hz, 35 s): 0.017 events/s, 44 % active;
    * the sign-flipped traces (``2 * median - x``, where only noise rises) give 0.7 % (Allen) and
      4 % (zebrafish, without its first 10 frames, which hold a start artefact) as many events —
      an estimate of the share of false detections; white noise gives 0.0003 (30 Hz) to 0.0016
      (7.5 Hz) events/s;
    * simulated GCaMP6s at a single-spike SNR of 5-6, 0.05 spikes/s: F1 ≥ 0.93 against spike
      bursts at 4.8, 7.5, 10, 30 and 100 Hz.

    A single threshold (``k_low = k``) needs a longer minimum duration to reject noise, and more
    so the higher the frame rate.

    Each event's peak is the frame of its maximum, its amplitude the peak value minus the
    baseline, and its full width at half maximum (FWHM) is measured on the trace around the peak
    (see :class:`Events`). Noise biases both: the maximum of noisy samples overshoots, and the
    first noisy sample below half maximum comes early, so widths measured on raw traces at high
    frame rates are too short — measure them on denoised traces. Events touching the start or end
    of the recording are kept, cut at the edge.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        ΔF/F₀ traces (or any traces whose transients are positive), time on the last axis. NaN is
        not allowed. Remove slow drift first: the baseline is one number per neuron.
    fs : float
        Frame rate in Hz.
    k : float
        Upper level in noise standard deviations above the baseline (3 to 5 is usual).
    k_low : float
        Lower level, in [0, k], that bounds each event (its onset and offset).
    min_amplitude : float, optional
        Second, absolute threshold on the amplitude, in the trace's units (e.g. 0.1 for a 10 %
        ΔF/F₀ change). None: no absolute threshold.
    min_duration_s : float
        Shortest event kept, seconds.
    min_separation_s : float
        Gaps shorter than this (seconds) do not split an event; 0 merges nothing.
    sigma : float or array_like (n_neurons,), optional
        Noise σ per neuron in the trace's units (e.g. from wavelet denoising) instead of the MAD
        estimate.

    Returns
    -------
    Events
        Flat arrays, one entry per event (see :class:`Events`).

    Raises
    ------
    ValueError
        Bad traces (wrong ndim, NaN, a zero-MAD trace when `sigma` is not given), non-positive
        `fs`, `k` or `min_duration_s`, `k_low` outside [0, k], a negative `min_separation_s`, or
        a `sigma` of the wrong shape or not positive.
    """
    fs = positive(fs, "fs", unit="Hz")
    x, _ = as_traces(traces, fs=fs)
    k = positive(k, "k", unit="noise standard deviations")
    k_low = in_range(k_low, "k_low", 0.0, k)
    min_duration_s = positive(min_duration_s, "min_duration_s", unit="seconds")
    min_separation_s = number(min_separation_s, "min_separation_s", low=0, unit="seconds (0 merges nothing)")
    if min_amplitude is not None:
        min_amplitude = positive(min_amplitude, "min_amplitude", unit="the trace's units")
    n_neurons, n_frames = x.shape
    if sigma is None:
        baseline, noise_sd = _robust_noise(x)
    else:
        baseline = _row_medians(x)
        noise_sd = as_array(sigma, "sigma", ndim=(0, 1))
        if noise_sd.ndim == 1 and noise_sd.shape != (n_neurons,):
            raise ValueError(f"sigma must be one number or one per neuron ({n_neurons}), "
                             f"got {noise_sd.size} values")
        if not np.isfinite(noise_sd).all() or not (noise_sd > 0).all():
            raise ValueError("sigma must be positive and finite for every neuron (it is the noise "
                             "standard deviation in the trace's units)")
        noise_sd = np.broadcast_to(noise_sd, (n_neurons,)).copy()

    rows, onsets, offsets = _runs(x > (baseline + k_low * noise_sd)[:, None])
    # Keep the stretches holding a frame above the upper level: the stretch a frame lies in is
    # the last one starting at or before it.
    high_rows, high_frames = np.nonzero(x > (baseline + k * noise_sd)[:, None])
    keep = np.zeros(rows.size, dtype=bool)
    keep[np.searchsorted(rows * n_frames + onsets, high_rows * n_frames + high_frames, side="right") - 1] = True
    rows, onsets, offsets = rows[keep], onsets[keep], offsets[keep]

    joins = (rows[1:] == rows[:-1]) & (onsets[1:] - offsets[:-1] < _frames_at_least(min_separation_s, fs))
    starts_group = np.ones(rows.size, dtype=bool)
    starts_group[1:] = ~joins
    ends_group = np.ones(rows.size, dtype=bool)
    ends_group[:-1] = ~joins
    rows, onsets, offsets = rows[starts_group], onsets[starts_group], offsets[ends_group]

    keep = offsets - onsets >= max(1, _frames_at_least(min_duration_s, fs))
    rows, onsets, offsets = rows[keep], onsets[keep], offsets[keep]
    peaks = _peaks_within(x, rows, onsets, offsets)
    amplitude = x[rows, peaks] - baseline[rows]
    if min_amplitude is not None:
        keep = amplitude >= min_amplitude
        rows, onsets, offsets, peaks, amplitude = (a[keep] for a in (rows, onsets, offsets, peaks, amplitude))

    return Events(neuron=rows, onset=onsets, peak=peaks, offset=offsets, amplitude=amplitude,
                  fwhm_s=_fwhm_frames(x, rows, peaks, amplitude) / fs, baseline=baseline,
                  noise_sd=noise_sd, fs=fs, n_frames=int(n_frames), n_neurons=int(n_neurons))


def _fwhm_frames(x: np.ndarray, rows, peaks, amplitude) -> np.ndarray:
    """Full width at half `amplitude` around each peak, in frames (see :class:`Events`)."""
    n_frames = x.shape[1]
    # One call on the concatenated traces; the bases stop each search at its own row's edges.
    row_starts = rows * n_frames
    return peak_widths(x.ravel(), row_starts + peaks, rel_height=0.5,
                       prominence_data=(amplitude, row_starts, row_starts + n_frames - 1))[0]


def _lower_half_sd(values: np.ndarray) -> tuple[float, float]:
    """Median and a robust s.d. from the values below it: 1.4826 × their median distance.

    Transients only push values up, so the lower half of a detection statistic is noise.
    """
    median = float(np.median(values))
    below = median - values[values <= median]
    sd = MAD_TO_SD * float(np.median(below)) if below.size else 0.0
    return median, sd


def _rise_zscore(y: np.ndarray, fs: float, decay_s: float, window_s: float,
                 reference_s: float) -> np.ndarray:
    """Matched-filter evidence, in robust noise s.d., that a transient starts at each frame.

    ``m(t) = sum_j h_j y(t + j) - (sum_j h_j g^(j + (P + 1) / 2)) · mean(y[t - P : t])``: the
    trace over the next `window_s` (at most one decay time) weighted by the decay ``h_j = g^j``
    (unit norm), minus what the level of the preceding `reference_s` (P frames) predicts for it
    as it decays. Any constant baseline cancels out in the median; frames whose window runs past
    the end get the median (no evidence).
    """
    n = y.size
    g = math.exp(-1.0 / (decay_s * fs))
    length = int(max(2, min(round(min(decay_s, window_s, n / fs) * fs), n - 1)))
    h = g ** np.arange(length)
    h /= math.sqrt(float((h * h).sum()))
    n_ref = max(1, round(min(reference_s * fs, n)))
    cumulative = np.concatenate([[0.0], np.cumsum(y)])
    t = np.arange(n)
    start = np.maximum(t - n_ref, 0)
    reference = np.where(t > 0, (cumulative[t] - cumulative[start]) / np.maximum(t - start, 1), y[0])
    ahead = fftconvolve(y, h[::-1])[length - 1:length - 1 + n]
    m = ahead - float(np.sum(h * g ** (np.arange(length) + (n_ref + 1) / 2))) * reference
    complete = n - length + 1
    m[complete:] = np.median(m[:complete])
    median, sd = _lower_half_sd(m[:complete])
    return (m - median) / sd if sd > 0 else np.zeros(n)


def _increment_sd(y: np.ndarray, fs: float, decay_s: float, window_s: float) -> float:
    """Robust s.d. of the trace's decay-corrected change over `window_s`: the noise of a rise."""
    w = max(1, round(min(window_s * fs, y.size)))
    if w >= y.size:
        return 0.0
    smooth = gaussian_filter1d(y, max(w / 2, 0.5))
    change = smooth[w:] - math.exp(-w / (decay_s * fs)) * smooth[:-w]
    return _lower_half_sd(change)[1]


def _thin(onsets: np.ndarray, min_gap: int) -> np.ndarray:
    """Sorted onsets, each kept only if at least `min_gap` frames after the last one kept."""
    kept: list[int] = []
    for onset in np.sort(onsets):
        if not kept or onset - kept[-1] >= min_gap:
            kept.append(int(onset))
    return np.array(kept, dtype=np.intp)


# A re-rise must add at least this fraction of the calcium already there: the kernel (one decay
# time constant) describes real decays only to a few percent, and that misfit reappears as small
# inferred spikes along every large decay.
_RERISE_MIN_FRACTION = 0.05
# A group of inferred spikes starts at its first frame reaching this fraction of its largest one.
_ONSET_FRACTION = 0.1


def _burst_onsets(y, fs, inferred, row, k, window_s, reference_s, separation, k_active, k_rerise):
    """Onsets (frames) of one neuron's bursts, and the noise s.d. of a rise (see detect_bursts)."""
    decay_s = float(np.atleast_1d(inferred.decay_s)[row])
    z = _rise_zscore(y, fs, decay_s, window_s, reference_s)
    _, starts, ends = _runs((z > k)[np.newaxis])
    new = starts[np.concatenate([[True], starts[1:] - ends[:-1] >= separation])] if starts.size else starts
    sd = _increment_sd(y, fs, decay_s, reference_s)
    spikes = inferred.spikes if inferred.spikes.ndim == 1 else inferred.spikes[row]
    calcium = inferred.calcium if inferred.calcium.ndim == 1 else inferred.calcium[row]
    active_frames = np.flatnonzero(spikes > 0)
    if active_frames.size and sd > 0:
        gaps = np.flatnonzero(np.diff(active_frames) >= separation)
        first = active_frames[np.concatenate([[0], gaps + 1])]
        last = active_frames[np.concatenate([gaps, [active_frames.size - 1]])] + 1
        cumulative = np.concatenate([[0.0], np.cumsum(spikes)])
        before = calcium[np.maximum(first - 1, 0)]
        size = cumulative[last] - cumulative[first]
        keep = (before > k_active * sd) & (size >= np.maximum(k_rerise * sd, _RERISE_MIN_FRACTION * before))
        rerises = np.array([a + int(np.argmax(spikes[a:b] >= _ONSET_FRACTION * spikes[a:b].max()))
                            for a, b in zip(first[keep], last[keep])], dtype=np.intp)
    else:
        rerises = np.zeros(0, dtype=np.intp)
    return _thin(np.concatenate([new, rerises]), separation), sd, calcium


def detect_bursts(traces, fs, *, k=3.5, window_s=0.3, reference_s=0.2, min_separation_s=0.3,
                  k_active=5.0, k_rerise=2.0) -> Events:
    """Find the onsets of bursts of spikes, including re-rises within long events.

    The course's recommended event detector when events stand for bursts of spikes: on the
    course's eight ground-truth recordings it finds 78 % of the bursts with 96 % of its onsets
    within 0.5 s of a spike (F1 0.86), against 41 % and 99 % (F1 0.58) for
    :func:`detect_events`, which ends each event only when the trace falls back to baseline and
    so merges the bursts of an active neuron. Each neuron is handled on its own:

    1. **Kernel.** :func:`helpers.spikes.infer_spikes` chooses the decay from the data and infers
       the activity (spikes and denoised calcium) and the baseline.
    2. **New transients.** A matched filter asks at every frame whether a transient starts: the
       trace over the next `window_s` (at most one decay time), weighted by the decay, against
       what the mean of the preceding `reference_s` predicts as it decays. Its evidence is in
       robust noise s.d. (from the lower half of its values: transients only push it up); each
       stretch above `k` starts an event. Slow drifts and a constant baseline cancel out.
    3. **Re-rises.** While the neuron is clearly active — its denoised calcium above `k_active`
       times the noise s.d. σ of a rise (the decay-corrected change of the trace over
       `reference_s`) — a new group of inferred spikes adding at least `k_rerise` σ (and at least
       5 % of the calcium already there, the accuracy of a one-time-constant decay) starts an
       event too, at its first frame reaching a tenth of its largest: a burst that begins before
       the previous one has decayed. A lower bar than in step 2 because a neuron that is firing
       is likely to fire again.
    4. **Separation.** Onsets closer than `min_separation_s` to the previous one are dropped;
       inferred spikes separated by less than that form one group in step 3.

    Each event ends at the next onset of its neuron or where the denoised calcium, after its
    maximum, falls below σ. Its peak is the frame of the trace's maximum in between, its
    amplitude that value minus the baseline, its FWHM measured as in :func:`detect_events` (for
    a re-rise the half-maximum level may lie below the plateau it sits on: the width is then of
    the whole plateau). ``Events.noise_sd`` holds σ and ``Events.baseline`` the inferred baseline.

    Limits: single spikes of fast indicators (GCaMP6f, jGCaMP7f) at population-imaging noise are
    often missed (recall 0.5 on the Allen GCaMP6f recording); bursts less than
    `min_separation_s` apart are one event; at 7.5 Hz and below a GCaMP6s rise spans a frame or
    two and the detector is no better than :func:`detect_events`.

    Parameters
    ----------
    traces : array_like, shape (n_frames,) or (n_neurons, n_frames)
        ΔF/F₀ traces, time on the last axis, at least 10 frames, no NaN.
    fs : float
        Frame rate, Hz.
    k : float
        Evidence (in noise s.d.) the matched filter needs to start an event.
    window_s, reference_s : float
        Lengths (seconds) of the look-ahead window and of the reference before each frame.
    min_separation_s : float
        Shortest time between two onsets of a neuron, seconds (0 keeps every onset).
    k_active, k_rerise : float
        Activity level (calcium above `k_active` σ) at which re-rises are looked for, and the
        size (in σ) a re-rise must reach; 0 and above.

    Returns
    -------
    Events

    Raises
    ------
    ValueError, TypeError
        Bad traces (wrong shape, NaN, fewer than 10 frames, no measurable noise), non-positive
        `fs`, `k`, `window_s` or `reference_s`, negative `min_separation_s`, `k_active` or
        `k_rerise`. Windows longer than the recording are cut to its length.
    """
    from helpers.spikes import infer_spikes  # helpers.spikes imports this module

    fs = positive(fs, "fs", unit="Hz")
    x, _ = as_traces(traces, fs=fs)
    k = positive(k, "k", unit="noise standard deviations")
    window_s = positive(window_s, "window_s", unit="seconds")
    reference_s = positive(reference_s, "reference_s", unit="seconds")
    min_separation_s = number(min_separation_s, "min_separation_s", low=0, unit="seconds")
    k_active = number(k_active, "k_active", low=0, high=1e6, unit="noise standard deviations")
    k_rerise = number(k_rerise, "k_rerise", low=0, high=1e6, unit="noise standard deviations")
    n_neurons, n_frames = x.shape
    try:
        inferred = infer_spikes(x, fs)
    except ValueError as err:  # name the argument as the caller knows it
        message = str(err).replace("trace row", "row").replace("give noise_sd, or drop", "drop")
        raise ValueError(f"traces: {message}") from None
    separation = max(1, _frames_at_least(min_separation_s, fs))
    rows, onsets, offsets, noise_sd = [], [], [], np.zeros(n_neurons)
    for i, y in enumerate(x):
        found, noise_sd[i], calcium = _burst_onsets(y, fs, inferred, i, k, window_s, reference_s,
                                                    separation, k_active, k_rerise)
        ends = np.concatenate([found[1:], [n_frames]]).astype(np.intp)
        for onset, end in zip(found, ends):
            stretch = calcium[onset:end]
            top = int(np.argmax(stretch))
            below = np.flatnonzero(stretch[top:] < noise_sd[i])
            offsets.append(onset + max(1, top + below[0]) if below.size else end)
        rows.append(np.full(found.size, i, dtype=np.intp))
        onsets.append(found)
    rows = np.concatenate(rows)
    onsets = np.concatenate(onsets).astype(np.intp)
    offsets = np.array(offsets, dtype=np.intp)
    baseline = np.atleast_1d(np.asarray(inferred.baseline, dtype=np.float64))
    peaks = _peaks_within(x, rows, onsets, offsets)
    amplitude = x[rows, peaks] - baseline[rows]
    widths = np.zeros(onsets.size)
    positive_peaks = amplitude > 0
    if positive_peaks.any():
        widths[positive_peaks] = _fwhm_frames(x, rows[positive_peaks], peaks[positive_peaks],
                                              amplitude[positive_peaks])
    return Events(neuron=rows, onset=onsets, peak=peaks, offset=offsets, amplitude=amplitude,
                  fwhm_s=widths / fs, baseline=baseline, noise_sd=noise_sd, fs=fs,
                  n_frames=int(n_frames), n_neurons=int(n_neurons))


def _as_events(events) -> Events:
    if not isinstance(events, Events):
        raise TypeError(f"events must be the Events returned by detect_events, got {type(events).__name__}")
    return events


def event_raster(events, n_neurons: int | None = None, n_frames: int | None = None) -> np.ndarray:
    """Boolean ``(n_neurons, n_frames)`` raster with True at each event's **onset** frame.

    Onsets, not peaks, because an onset is when the neuron started to be active; ensembles bin
    these. A raster is what a scatter plot of events (time on x, neuron on y) shows.

    Parameters
    ----------
    events : Events
        From :func:`detect_events`.
    n_neurons, n_frames : int, optional
        Shape of the raster; default: the shape of the traces the events came from. Larger values
        pad with False; smaller ones that would drop events are an error.

    Returns
    -------
    ndarray of bool, shape (n_neurons, n_frames)
    """
    events = _as_events(events)
    shape = (events.n_neurons if n_neurons is None else n_neurons,
             events.n_frames if n_frames is None else n_frames)
    shape = tuple(whole_number(size, name) for size, name in zip(shape, ("n_neurons", "n_frames")))
    check_size(shape[0] * shape[1], "n_neurons x n_frames", "a raster")
    if len(events) and (events.neuron.max() >= shape[0] or events.onset.max() >= shape[1]):
        raise ValueError(f"a raster of shape {shape} cannot hold these events (neurons up to "
                         f"{events.neuron.max()}, onsets up to frame {events.onset.max()})")
    raster = np.zeros(shape, dtype=bool)
    raster[events.neuron, events.onset] = True
    return raster


@dataclass(frozen=True, eq=False)
class EventFeatures:
    """Per-neuron summaries of detected events (see :func:`event_features`)."""

    rate_hz: np.ndarray
    mean_amplitude: np.ndarray
    mean_fwhm_s: np.ndarray
    iei_s: np.ndarray
    iei_neuron: np.ndarray
    fraction_active: float


def event_features(events, duration_s: float | None = None) -> EventFeatures:
    """Event rate, mean amplitude, mean FWHM and inter-event intervals of each neuron.

    * ``rate_hz`` (n_neurons,): events per second over the recording (0 for a silent neuron);
    * ``mean_amplitude`` (n_neurons,): mean event amplitude in the trace's units (NaN if silent);
    * ``mean_fwhm_s`` (n_neurons,): mean FWHM in seconds (NaN if silent);
    * ``iei_s`` and ``iei_neuron`` (flat, one entry per interval): the time in seconds from each
      event's onset to the next onset of the same neuron, and that neuron's index — a neuron
      with m events contributes m - 1 intervals;
    * ``fraction_active``: fraction (not percent) of neurons with at least one event.

    Parameters
    ----------
    events : Events
        From :func:`detect_events`.
    duration_s : float, optional
        Length of the recording in seconds; default ``n_frames / fs``. It may not be shorter
        than the time the events span (the last event's end): the rates would be too high.

    Returns
    -------
    EventFeatures
    """
    events = _as_events(events)
    if duration_s is None:
        duration_s = events.n_frames / events.fs
    else:
        duration_s = positive(duration_s, "duration_s", unit="seconds")
        span_s = events.offset.max(initial=0) / events.fs
        if duration_s < span_s * (1 - 1e-9):
            raise ValueError(f"duration_s={duration_s:g} s is shorter than the time the events span "
                             f"(up to {span_s:g} s; the recording lasts {events.n_frames} frames at "
                             f"{events.fs:g} Hz): the rates would be too high. Leave it out, or give "
                             "the recording's length in seconds")
    counts = np.bincount(events.neuron, minlength=events.n_neurons)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_amplitude = np.bincount(events.neuron, events.amplitude, events.n_neurons) / counts
        mean_fwhm_s = np.bincount(events.neuron, events.fwhm_s, events.n_neurons) / counts
    same = events.neuron[1:] == events.neuron[:-1]
    return EventFeatures(rate_hz=counts / duration_s, mean_amplitude=mean_amplitude,
                         mean_fwhm_s=mean_fwhm_s, iei_s=np.diff(events.onset)[same] / events.fs,
                         iei_neuron=events.neuron[1:][same], fraction_active=float((counts > 0).mean()))


_MAX_FRAME = 2**40  # more frames than any recording holds; frame arithmetic stays far from overflow


def _frame_lists(frames, name: str) -> tuple[list[np.ndarray], bool]:
    """Sorted int frame arrays from one 1-D array (one neuron) or a list of them (one per neuron).

    Also returns whether a single array was given.
    """
    if isinstance(frames, np.ndarray) and frames.ndim == 1:
        frames, single = [frames], True
    elif isinstance(frames, (list, tuple)):
        single = False
    else:
        raise TypeError(f"{name} must be a 1-D array of frame indices or a list of them (one per "
                        f"neuron), got {type(frames).__name__}")
    out = []
    for f in frames:
        arr = np.asarray(f)
        if arr.ndim != 1 or arr.size and not np.issubdtype(arr.dtype, np.integer):
            raise TypeError(f"{name} must hold 1-D arrays of whole frame indices (not times in "
                            f"seconds), got an array of dtype {arr.dtype} and shape {arr.shape}")
        if arr.size and max(-arr.min(), arr.max()) > _MAX_FRAME:
            raise ValueError(f"{name} must hold frame indices within ±{_MAX_FRAME:.3g}, got values "
                             f"from {arr.min()} to {arr.max()}")
        out.append(np.sort(arr).astype(np.intp))
    return out, single


def spike_bursts(spike_frames, fs, merge_s):
    """Group spikes into bursts: ground-truth events to compare detected calcium events with.

    A calcium indicator cannot separate spikes closer than about one decay time, so such spikes
    make one event. Spikes are taken in time order and each spike less than `merge_s` after the
    previous one (``(frame - previous) / fs < merge_s``) joins its burst — a chain, so a long
    train is one burst. Several spikes in one frame are one burst.

    Parameters
    ----------
    spike_frames : 1-D int array, or list of them (one per neuron)
        Frame of each spike (repeats allowed), e.g. ``truth.spike_frames``.
    fs : float
        Frame rate, Hz.
    merge_s : float
        Spikes closer than this (seconds) share a burst; about the indicator's decay time.

    Returns
    -------
    1-D int array of burst onset frames (the frame of each burst's first spike), or a list of them
    if a list was given.
    """
    spike_frames, single = _frame_lists(spike_frames, "spike_frames")
    fs = positive(fs, "fs", unit="Hz")
    merge_s = positive(merge_s, "merge_s", unit="seconds")
    bursts = []
    for frames in spike_frames:
        starts = np.r_[True, np.diff(frames) / fs >= merge_s] if frames.size else np.zeros(0, bool)
        bursts.append(frames[starts])
    return bursts[0] if single else bursts


@dataclass(frozen=True)
class MatchScore:
    """Detection scores: precision, recall and F1 (fractions), with the counts behind them."""

    precision: float
    recall: float
    f1: float
    n_matched: int
    n_detected: int
    n_true: int


def match_events(detected_frames, true_frames, fs, tolerance_s) -> MatchScore:
    """Score detected events against true ones: precision, recall and F1 with one-to-one matching.

    A detected event may match a true event of the same neuron when their frames are at most
    `tolerance_s` apart, before or after (``abs(detected - true) / fs <= tolerance_s``). The window
    is symmetric on purpose: a threshold onset usually *lags* the spike by up to one rise time,
    but noise can make it cross a frame early. Each event matches at most one partner, and the
    matching with the most pairs is used (a maximum bipartite matching), so the counts do not
    depend on the order of the events.

    precision = matched / detected, recall = matched / true, F1 = their harmonic mean. With nothing
    detected precision is 1 (no false alarm), with nothing to find recall is 1; F1 is 0 when both
    precision and recall are 0.

    Parameters
    ----------
    detected_frames, true_frames : 1-D int array, or list of them (one per neuron, same length)
        Event frames, e.g. onsets from ``Events.per_neuron("onset")`` and burst onsets from
        :func:`spike_bursts`.
    fs : float
        Frame rate, Hz.
    tolerance_s : float
        Largest time difference (seconds) for a match, e.g. 0.5 s.

    Returns
    -------
    MatchScore
    """
    detected, _ = _frame_lists(detected_frames, "detected_frames")
    true, _ = _frame_lists(true_frames, "true_frames")
    if len(detected) != len(true):
        raise ValueError(f"detected_frames has {len(detected)} neurons but true_frames has {len(true)}: "
                         "give one array per neuron in both, in the same order")
    fs = positive(fs, "fs", unit="Hz")
    first = min((int(a.min()) for a in detected + true if a.size), default=0)
    span = max((int(a.max()) for a in detected + true if a.size), default=0) - first
    # A tolerance longer than all the frames span matches as much as one of that length.
    tolerance = min(positive(tolerance_s, "tolerance_s", unit="seconds") * fs, span + 1)
    # Neurons are laid end to end with gaps wider than the tolerance so no pair crosses neurons.
    spacing = span + math.ceil(tolerance) + 2
    d = np.concatenate([a - first + i * spacing for i, a in enumerate(detected)])
    t = np.concatenate([a - first + i * spacing for i, a in enumerate(true)])
    n_matched = 0
    if d.size and t.size:
        lo = np.searchsorted(d, t - tolerance - 1e-9, side="left")
        hi = np.searchsorted(d, t + tolerance + 1e-9, side="right")
        n_pairs = hi - lo
        true_index = np.repeat(np.arange(t.size), n_pairs)
        detected_index = np.arange(n_pairs.sum()) - np.repeat(np.cumsum(n_pairs) - n_pairs - lo, n_pairs)
        graph = coo_matrix((np.ones(true_index.size, dtype=np.int8), (true_index, detected_index)),
                           shape=(t.size, d.size)).tocsr()
        n_matched = int((maximum_bipartite_matching(graph, perm_type="column") >= 0).sum())
    precision = n_matched / d.size if d.size else 1.0
    recall = n_matched / t.size if t.size else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return MatchScore(precision=precision, recall=recall, f1=f1, n_matched=n_matched,
                      n_detected=int(d.size), n_true=int(t.size))
