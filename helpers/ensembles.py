"""Neuronal ensembles: coactivity, a circular-shuffle null, ensemble events and their clustering.

The chain, from an event raster (neurons × frames, True at event onsets, see
:func:`helpers.events.event_raster`):

1. :func:`bin_events` — which neurons had an event in each time bin (e.g. 500 ms);
2. :func:`coactivity` — how many neurons were active in each bin;
3. :func:`circular_shuffle_null` and :func:`significance_threshold` — how much coactivity chance
   alone gives, when each neuron keeps its own event train but loses its timing relative to the
   others; :func:`jitter_null` — the same when every event only moves within a few seconds, so
   that slow changes of the population's rate shared by all neurons (brain state, locomotion,
   shared neuropil) stay in the null instead of passing for ensembles;
4. :func:`ensemble_events` — bins whose coactivity beats the threshold, and the neurons in them;
5. :func:`jaccard_similarity` and :func:`cluster_ensembles` — which ensemble events recruit
   similar neurons;
6. :func:`summarise_ensembles` — each ensemble's member neurons and activation times.

Binning rule used everywhere: with ``frames_per_bin = fs * bin_s`` (2.4 frames for 500 ms at
4.8 Hz — need not be whole), frame ``t`` (which starts at ``t / fs`` seconds) falls in bin
``floor(t / frames_per_bin)``, the bin containing its start time. Only whole bins are kept:
``n_bins = floor(n_frames / frames_per_bin)``, and frames in a last, partial bin are ignored,
because a shorter bin would have less coactivity by construction.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.spatial.distance import squareform

from helpers.validate import (as_array, boolean_array, check_size, choice, in_range, number, positive,
                              time_last, whole_number)

# Tolerance (in bins) for frames that sit exactly on a bin edge: at 6 Hz with 0.2 s bins frame 6
# starts bin 5, although in floating point 6 / (6.0 * 0.2) is 4.999999999999999.
_EDGE = 1e-9


def _frames_per_bin(fs, bin_s) -> float:
    frames = positive(fs, "fs", unit="Hz") * positive(bin_s, "bin_s", unit="seconds")
    if not 0 < frames < math.inf:
        raise ValueError(f"bin_s={bin_s:g} s at fs={fs:g} Hz is {frames:g} frames: is bin_s in "
                         "seconds and fs in Hz?")
    return frames


def _bins_of_frames(n_frames: int, frames_per_bin: float, name: str, n_rows: int = 1
                    ) -> tuple[np.ndarray, int]:
    """Bin index of every frame (``n_bins`` for frames in the dropped partial bin) and n_bins.

    `n_rows` rows of bins will be made: their size is checked against the memory limit."""
    bins_float = n_frames / frames_per_bin + _EDGE  # may be inf for a tiny bin
    check_size(n_rows * bins_float, "bin_s", f"{n_rows} rows of bins (a bin of "
               f"{frames_per_bin:.3g} frames)")
    n_bins = math.floor(bins_float)
    if n_bins < 1:
        raise ValueError(f"{name} has {n_frames} frames, fewer than one bin of {frames_per_bin:g} "
                         "frames: use a shorter bin_s or a longer recording")
    bins = np.floor(np.arange(n_frames) / frames_per_bin + _EDGE).astype(np.intp)
    return np.minimum(bins, n_bins), n_bins


def _as_raster(raster, name: str = "raster", *, allow_empty: bool = False) -> np.ndarray:
    """A 2-D boolean array (0/1 numbers are accepted); `allow_empty` admits zero rows."""
    arr = boolean_array(raster, name, ndim=2, hint=(
        "an event raster is (neurons, frames) with True at event onsets, e.g. from "
        "helpers.events.event_raster; values other than 0/1 — are these traces?"))
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    return arr


def bin_events(raster, fs, bin_s: float = 0.5) -> np.ndarray:
    """Which neurons had at least one event in each time bin.

    Frame ``t`` goes to bin ``floor(t / (fs * bin_s))`` — the bin that contains its start time
    ``t / fs`` — so bins need not hold a whole number of frames (500 ms at 4.8 Hz holds 2.4 frames:
    bins get the starts of 3 or 2 frames, 3, 2, 3, 2, 2, 3, ...). Only whole bins are returned,
    ``floor(n_frames / (fs * bin_s))`` of them; events in a last partial bin are dropped. A neuron
    counts once per bin however many events it had there.

    Parameters
    ----------
    raster : array_like of bool, shape (n_neurons, n_frames)
        True where a neuron's event starts (see :func:`helpers.events.event_raster`).
    fs : float
        Frame rate, Hz.
    bin_s : float
        Bin width in seconds (default 0.5 s).

    Returns
    -------
    ndarray of bool, shape (n_neurons, n_bins)
        True where the neuron was active in the bin. Bin ``b`` covers ``[b * bin_s, (b+1) * bin_s)``.
    """
    raster = _as_raster(raster)
    time_last(raster.shape, "raster", positive(fs, "fs", unit="Hz"))
    bins, n_bins = _bins_of_frames(raster.shape[1], _frames_per_bin(fs, bin_s), "raster",
                                   raster.shape[0])
    neuron, frame = np.nonzero(raster)
    binned = np.zeros((raster.shape[0], n_bins + 1), dtype=bool)
    binned[neuron, bins[frame]] = True
    return binned[:, :n_bins]


def coactivity(binned) -> np.ndarray:
    """Number of neurons active in each bin (a count, not a fraction; divide by n_neurons for one).

    Parameters
    ----------
    binned : array_like of bool, shape (n_neurons, n_bins)
        From :func:`bin_events`.

    Returns
    -------
    ndarray of int, shape (n_bins,)
    """
    return _as_raster(binned, "binned").sum(axis=0)


def shuffle_offsets(n_shuffles: int, n_neurons: int, n_frames: int, seed=None) -> np.ndarray:
    """Random circular shifts: one whole number of frames in ``[0, n_frames)`` per shuffle and neuron.

    ``np.random.default_rng(seed).integers(0, n_frames, size=(n_shuffles, n_neurons))``; pass the
    result to :func:`circular_shuffle_null` (``offsets=``) to reproduce or compare shuffles.
    """
    for value, name in ((n_shuffles, "n_shuffles"), (n_neurons, "n_neurons"), (n_frames, "n_frames")):
        whole_number(value, name, high=2**62)
    check_size(n_shuffles * n_neurons, "n_shuffles x n_neurons", "shuffle offsets")
    return _generator(seed).integers(0, n_frames, size=(n_shuffles, n_neurons))


def _generator(seed) -> np.random.Generator:
    if isinstance(seed, (bool, np.bool_)):
        raise TypeError(f"seed must be a whole number >= 0, a numpy Generator or None, got {seed!r}")
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError) as err:
        raise TypeError(f"seed must be a whole number >= 0, a numpy Generator or None, got "
                        f"{seed!r} ({err})") from None


def circular_shuffle_null(raster, fs, bin_s: float = 0.5, n_shuffles: int = 1000, seed=None,
                          offsets=None) -> np.ndarray:
    """Coactivity expected by chance: bin coactivity of circularly shuffled event trains.

    In each shuffle every neuron's event train is rotated in time by its own random offset
    (``frame -> (frame + offset) % n_frames``, the same as ``np.roll(raster[i], offset)``), which
    keeps each neuron's number of events and their intervals but destroys their timing relative
    to the other neurons. Shuffling happens at **frame** resolution, **before** binning; the
    shuffled raster is then binned and counted exactly as :func:`bin_events` and
    :func:`coactivity` do.

    Vectorised over events, not over frames: only the event frames are shifted and scattered into
    bins with ``np.bincount``, never a dense raster rolled. A neuron with two events in one bin
    after the shift counts once.

    Parameters
    ----------
    raster : array_like of bool, shape (n_neurons, n_frames)
        Event onsets (see :func:`helpers.events.event_raster`).
    fs : float
        Frame rate, Hz.
    bin_s : float
        Bin width in seconds, as for :func:`bin_events`.
    n_shuffles : int
        Number of shuffles (ignored when `offsets` is given).
    seed : int or numpy Generator, optional
        Seed for :func:`shuffle_offsets`.
    offsets : array_like of int, shape (n_shuffles, n_neurons), optional
        The shifts to use, in frames, instead of random ones.

    Returns
    -------
    ndarray of int, shape (n_shuffles, n_bins)
        Coactivity (number of active neurons) of every bin in every shuffle.
    """
    raster = _as_raster(raster)
    time_last(raster.shape, "raster", positive(fs, "fs", unit="Hz"))
    n_neurons, n_frames = raster.shape
    frames_per_bin = _frames_per_bin(fs, bin_s)
    bins, n_bins = _bins_of_frames(n_frames, frames_per_bin, "raster")
    if offsets is None:
        check_size(whole_number(n_shuffles, "n_shuffles") * n_bins, "n_shuffles",
                   f"a null of {n_bins} bins per shuffle")
        offsets = shuffle_offsets(n_shuffles, n_neurons, n_frames, seed)
    else:
        offsets = as_array(offsets, "offsets", ndim=2, dtype=None)
        if not np.issubdtype(offsets.dtype, np.integer) or offsets.shape[1] != n_neurons:
            raise ValueError(f"offsets must be whole numbers of frames, shape (n_shuffles, {n_neurons}), "
                             f"got dtype {offsets.dtype} and shape {offsets.shape}")
        offsets = offsets % n_frames
        check_size(offsets.shape[0] * n_bins, "offsets", f"a null of {n_bins} bins per shuffle")
    n_shuffles = offsets.shape[0]

    # A neuron's events, rotated, stay in circular order. So an event starts a new (neuron, bin)
    # pair unless the event before it (circularly) shares its bin — except the earliest event
    # after the rotation, which always does. Events further than a bin from the one before can
    # never share its bin: they always count, and only the few "close" events need the test.
    neuron, frame = np.nonzero(raster)  # sorted by neuron, then frame
    index = np.arange(neuron.size)
    first = np.searchsorted(neuron, neuron, side="left")
    last = np.searchsorted(neuron, neuron, side="right") - 1
    previous = np.where(index == first, last, index - 1)
    gap = np.where(previous == index, n_frames, (frame - frame[previous]) % n_frames)
    close = gap < frames_per_bin + 1
    far_neuron, far_frame = neuron[~close], frame[~close]
    close_neuron, close_frame, previous_frame = neuron[close], frame[close], frame[previous[close]]
    # Shifted frames lie in [0, 2 n_frames): a doubled lookup table replaces the modulo.
    bin_of = np.concatenate([bins, bins])

    width = n_bins + 1  # the last column collects events in the dropped partial bin
    null = np.empty((n_shuffles, n_bins), dtype=np.int64)
    per_chunk = max(1, 2**18 // max(neuron.size, 1))
    for start in range(0, n_shuffles, per_chunk):
        shift = offsets[start:start + per_chunk]
        row_start = (np.arange(shift.shape[0]) * width)[:, None]
        keys = [(bin_of[far_frame + shift[:, far_neuron]] + row_start).ravel()]
        if close_neuron.size:
            moved = close_frame + shift[:, close_neuron]
            moved_previous = previous_frame + shift[:, close_neuron]
            b = bin_of[moved]
            counted = (b != bin_of[moved_previous]) | (moved % n_frames <= moved_previous % n_frames)
            keys.append((b + row_start)[counted])
        counts = np.bincount(np.concatenate(keys), minlength=shift.shape[0] * width)
        null[start:start + shift.shape[0]] = counts.reshape(-1, width)[:, :n_bins]
    return null


def jitter_null(raster, fs, bin_s: float = 0.5, window_s: float = 5.0, n_shuffles: int = 1000,
                seed=None) -> np.ndarray:
    """Coactivity expected by chance when only fast synchrony is broken: interval jitter
    (Amarasingham et al. 2012, J Neurophysiol 107:517).

    Time is cut into windows of ``window_s`` seconds (a whole number of bins, the closest to
    `window_s`, at least 2: ``window_bins = max(2, round(window_s / bin_s))``); in each
    surrogate every event moves to a frame drawn uniformly within its own window, independently
    of all other events. Each neuron therefore keeps its number of events in every window, and
    the population keeps its event rate window by window — its slow rise and fall with brain
    state, running or shared neuropil — while coincidences finer than a window are destroyed.
    The circular shuffle (:func:`circular_shuffle_null`) moves each neuron's whole train instead,
    so slow shared modulation, which raises many neurons' rates at the same time, is absent from
    its null and its high-rate periods pass for ensemble events.

    The window sets what counts as an ensemble: synchrony within a bin that is not explained by
    rate changes slower than the window. Choose it well above the bin (the coincidence to test)
    and below the timescale of the shared modulation (tens of seconds for brain state). Frames of
    the last, partial bin (dropped by :func:`bin_events`) form their own window, so no event moves
    into or out of the counted bins. Counting follows :func:`bin_events` and
    :func:`coactivity` (a neuron counts once per bin).

    Vectorised over events: the jittered frames of all surrogates are drawn at once (in chunks)
    and scattered into bins with ``np.bincount``; only the events of a neuron that share a
    window with another of its events need the once-per-bin test.

    Parameters
    ----------
    raster : array_like of bool, shape (n_neurons, n_frames)
        Event onsets (see :func:`helpers.events.event_raster`).
    fs : float
        Frame rate, Hz.
    bin_s : float
        Bin width in seconds, as for :func:`bin_events`.
    window_s : float
        Jitter window in seconds (default 5 s, ten 500-ms bins); rounded to whole bins.
    n_shuffles : int
        Number of surrogates.
    seed : int or numpy Generator, optional
        Seed of the random draws.

    Returns
    -------
    ndarray of int, shape (n_shuffles, n_bins)
        Coactivity (number of active neurons) of every bin in every surrogate; use it like the
        circular null, e.g. with :func:`significance_threshold`.
    """
    raster = _as_raster(raster)
    time_last(raster.shape, "raster", positive(fs, "fs", unit="Hz"))
    n_neurons, n_frames = raster.shape
    frames_per_bin = _frames_per_bin(fs, bin_s)
    bins, n_bins = _bins_of_frames(n_frames, frames_per_bin, "raster")
    window_s = positive(window_s, "window_s", unit="seconds")
    window_bins = max(2, round(window_s / (frames_per_bin / fs)))
    if window_bins > n_bins:
        raise ValueError(f"window_s={window_s:g} s is {window_bins} bins of {bin_s:g} s, longer than "
                         f"the recording's {n_bins} bins: use a shorter window_s (a few seconds)")
    n_shuffles = whole_number(n_shuffles, "n_shuffles")
    check_size(n_shuffles * n_bins, "n_shuffles", f"a null of {n_bins} bins per shuffle")
    rng = _generator(seed)

    n_windows = -(-n_bins // window_bins)
    window = np.where(bins < n_bins, bins // window_bins, n_windows)  # partial bin: its own window
    start = np.searchsorted(window, np.arange(n_windows + 1))         # first frame of each window
    length = np.diff(np.r_[start, n_frames])
    neuron, frame = np.nonzero(raster)
    event_window = window[frame]
    first, size = start[event_window], length[event_window]
    # An event alone in its (neuron, window) always counts once. Events sharing one may land in
    # the same bin: each writes its number into a slot (surrogate, group, bin of the window) of a
    # scratch array, and only the last writer of every slot counts — once per (surrogate, neuron,
    # bin), without sorting and without reading the untouched slots.
    _, group, group_size = np.unique(neuron * (n_windows + 1) + event_window, return_inverse=True,
                                     return_counts=True)
    shared = group_size[group] > 1
    _, shared_group = np.unique(group[shared], return_inverse=True)
    n_groups = int(shared_group.max()) + 1 if shared.any() else 0
    group_first_bin = np.zeros(n_groups, dtype=np.intp)
    group_first_bin[shared_group] = np.where(event_window[shared] < n_windows,
                                             event_window[shared] * window_bins, n_bins)

    width = n_bins + 1  # the last column collects the partial bin
    null = np.empty((n_shuffles, n_bins), dtype=np.int64)
    per_chunk = max(1, min(2**18 // max(neuron.size, 1), 2**22 // max(n_groups * window_bins, 1)))
    for begin in range(0, n_shuffles, per_chunk):
        rows = min(per_chunk, n_shuffles - begin)
        moved = first + (rng.random((rows, neuron.size), dtype=np.float32) * size).astype(np.intp)
        moved = np.minimum(moved, first + size - 1)  # float32 rounding can reach the window's end
        moved_bin = bins[moved]
        row_start = (np.arange(rows) * width)[:, None]
        counted = [(moved_bin[:, ~shared] + row_start).ravel()]
        if n_groups:
            bin_shared = moved_bin[:, shared]
            slot = ((np.arange(rows)[:, None] * n_groups + shared_group) * window_bins
                    + bin_shared - group_first_bin[shared_group]).ravel()
            writer = np.empty(rows * n_groups * window_bins, dtype=np.int64)
            writer[slot] = np.arange(slot.size)
            keep = writer[slot] == np.arange(slot.size)
            counted.append((bin_shared + row_start).ravel()[keep])
        counts_per_bin = np.bincount(np.concatenate(counted), minlength=rows * width)
        null[begin:begin + rows] = counts_per_bin.reshape(rows, width)[:, :n_bins]
    return null


def significance_threshold(null, q: float = 99, *, per_bin: bool = False):
    """The `q`-th percentile of the null coactivity, pooled over all bins and shuffles.

    Real bins whose coactivity is **above** this value are called significant; by construction
    chance alone exceeds it in at most (100 - q) % of bins. This is a per-bin rate, not a
    family-wise one: over thousands of bins some chance bins pass. For family-wise control use
    the percentile of each shuffle's maximum instead, ``np.percentile(null.max(axis=1), q)``.

    With ``per_bin=True`` each bin gets its own threshold, the percentile over shuffles of that
    bin alone. This is the threshold to use with :func:`jitter_null`, whose surrogates keep the
    population's rate at each moment: a bin is then compared with chance at the same moment, so
    a period of high shared activity neither passes for an ensemble nor hides ensembles in the
    quiet periods (as one pooled threshold, set by the busiest periods, would). Use at least
    a few hundred shuffles (1000 by default in the nulls). With the circular null, whose
    surrogates are the same at every moment, both give about the same.

    Parameters
    ----------
    null : array_like, shape (n_shuffles, n_bins)
        From :func:`circular_shuffle_null` or :func:`jitter_null`.
    q : float
        Percentile in [0, 100] (99 by default — not a fraction).
    per_bin : bool
        One threshold per bin (an array) instead of one pooled number.

    Returns
    -------
    float, or ndarray of float, shape (n_bins,), with ``per_bin=True``
    """
    q = in_range(q, "q", 0, 100)
    if not isinstance(per_bin, (bool, np.bool_)):
        raise TypeError(f"per_bin must be True or False, got {per_bin!r}")
    if per_bin:
        null = as_array(null, "null", ndim=2)
        return np.percentile(null, q, axis=0)
    return float(np.percentile(as_array(null, "null", ndim=(1, 2)), q))


def ensemble_events(binned, threshold) -> tuple[np.ndarray, np.ndarray]:
    """Bins whose coactivity exceeds the threshold, and the neurons active in each.

    Consecutive significant bins are separate ensemble events (the clustering usually groups
    them).

    Parameters
    ----------
    binned : array_like of bool, shape (n_neurons, n_bins)
        From :func:`bin_events`.
    threshold : float or array_like, shape (n_bins,)
        Coactivity a bin must exceed (strictly), e.g. from :func:`significance_threshold`: one
        number, or one per bin (``significance_threshold(null, per_bin=True)``).

    Returns
    -------
    bins : ndarray of int, shape (n_events,)
        Index of each significant bin (its start time is ``bins * bin_s`` seconds).
    members : ndarray of bool, shape (n_events, n_neurons)
        The contributing neurons of each ensemble event.
    """
    binned = _as_raster(binned, "binned")
    if isinstance(threshold, (np.ndarray, list, tuple)) and np.ndim(threshold) > 0:
        if np.asarray(threshold).dtype == bool:
            raise TypeError("threshold must be numbers of neurons, got a boolean array")
        threshold = as_array(threshold, "threshold", ndim=1)
        if threshold.shape != (binned.shape[1],):
            raise ValueError(f"threshold has {threshold.size} values but binned has {binned.shape[1]} "
                             "bins: give one threshold, or one per bin")
    else:
        threshold = number(threshold, "threshold", unit="neurons")
    bins = np.flatnonzero(binned.sum(axis=0) > threshold)
    return bins, binned[:, bins].T.copy()


def jaccard_similarity(members) -> np.ndarray:
    """Jaccard similarity of the neuron sets of every pair of ensemble events.

    ``S[i, j] = |A_i ∩ A_j| / |A_i ∪ A_j|``: 1 for identical sets, 0 for disjoint ones. Computed
    for all pairs at once with one matrix product (intersections) and the set sizes (unions).
    Two empty sets are defined to be identical (similarity 1).

    Parameters
    ----------
    members : array_like of bool, shape (n_events, n_neurons)
        From :func:`ensemble_events`.

    Returns
    -------
    ndarray of float, shape (n_events, n_events), symmetric, ones on the diagonal.
    """
    m = _as_raster(members, "members", allow_empty=True).astype(np.float64)
    intersection = m @ m.T
    size = m.sum(axis=1)
    union = size[:, None] + size[None, :] - intersection
    return np.divide(intersection, union, out=np.ones_like(intersection), where=union > 0)


def _mean_silhouette(distance: np.ndarray, labels: np.ndarray) -> float:
    """Mean silhouette width of a labelling, from a square distance matrix.

    Silhouette of an item: ``(b - a) / max(a, b)``, with ``a`` its mean distance to the other
    members of its cluster and ``b`` its mean distance to the nearest other cluster; 0 for an item
    alone in its cluster. A labelling with a single cluster scores -1 (no split to judge).
    """
    _, labels = np.unique(labels, return_inverse=True)
    if labels.max() == 0:
        return -1.0
    onehot = np.eye(labels.max() + 1)[labels]
    size = onehot.sum(axis=0)
    sums = distance @ onehot  # summed distance of each item to each cluster
    items = np.arange(labels.size)
    others_in_own = size[labels] - 1
    own = sums[items, labels] / np.maximum(others_in_own, 1)
    mean_to = sums / size
    mean_to[items, labels] = np.inf
    nearest = mean_to.min(axis=1)
    scale = np.maximum(own, nearest)
    width = np.divide(nearest - own, scale, out=np.zeros(labels.size), where=scale > 0)
    return float(np.where(others_in_own > 0, width, 0.0).mean())


_LINKAGE_METHODS = ("average", "complete", "single", "weighted")


def _event_distance(members) -> np.ndarray:
    distance = 1.0 - jaccard_similarity(members)
    np.fill_diagonal(distance, 0.0)
    return distance


def linkage_tree(members, method: str = "average") -> np.ndarray:
    """The hierarchical clustering tree of ensemble events on the distance 1 − Jaccard.

    The tree :func:`cluster_ensembles` cuts, as :func:`scipy.cluster.hierarchy.linkage` returns it
    (for a dendrogram, or cuts of your own with ``fcluster``). Needs at least 2 events.
    """
    m = _as_raster(members, "members", allow_empty=True)
    choice(method, "method", _LINKAGE_METHODS)
    if m.shape[0] < 2:
        raise ValueError(f"members has {m.shape[0]} row(s): a tree needs at least 2 ensemble events")
    return linkage(squareform(_event_distance(m), checks=False), method=method)


def silhouette_scores(members, ks, method: str = "average") -> np.ndarray:
    """Mean silhouette width of the tree cut into k clusters, for each k of `ks`.

    The score :func:`cluster_ensembles` maximises with ``cut="silhouette"`` (from -1 to 1; an
    event alone in its cluster scores 0; a single cluster scores -1).
    """
    m = _as_raster(members, "members", allow_empty=True)
    ks = _cluster_counts(ks)
    tree, distance = linkage_tree(m, method), _event_distance(m)
    # More clusters than events is the same cut as one cluster per event.
    return np.array([_mean_silhouette(distance, fcluster(tree, min(k, len(m)), criterion="maxclust"))
                     for k in ks], dtype=np.float64)


def _cluster_counts(ks) -> list[int]:
    """`ks` as a list of whole numbers of clusters >= 1 (whole floats such as 2.0 are accepted)."""
    try:
        ks = list(ks)
    except TypeError:
        raise TypeError(f"ks must be a sequence of numbers of clusters, e.g. range(2, 10), "
                        f"got {ks!r}") from None
    for k in ks:
        if isinstance(k, (bool, np.bool_)) or not isinstance(k, numbers.Real) \
                or not math.isfinite(k) or k != int(k) or k < 1:
            raise ValueError(f"ks must hold whole numbers of clusters >= 1, got {k!r}")
    return [int(k) for k in ks]


def cluster_ensembles(members, method: str = "average", cut="silhouette") -> np.ndarray:
    """Group ensemble events that recruit similar neurons: hierarchical clustering on 1 − Jaccard.

    The events are clustered with :func:`scipy.cluster.hierarchy.linkage` on the distance
    ``1 - jaccard_similarity(members)``. Where to cut the tree — how many ensembles there are — is
    decided by `cut`:

    * ``"silhouette"`` (default): try every number of clusters from 2 to ``min(n_events - 1, 30)``
      and keep the one with the largest mean silhouette width (how much closer each event is to
      its own cluster than to the nearest other one, from -1 to 1; an event alone in its cluster
      scores 0; the fewest clusters win a tie). It needs no threshold picked by eye and rewards
      groups that are both tight and well apart. If no number of clusters reaches a positive
      mean silhouette, or there are fewer than 3 events, all events form one cluster. Chance
      ensemble events share few neurons with anything and end up in small clusters of their
      own (see ``min_events`` of :func:`summarise_ensembles`).
    * a float in (0, 1]: cut at that distance (``fcluster(..., criterion="distance")``), e.g. 0.7
      joins events whose neuron sets overlap with Jaccard ≥ 0.3 on average (for "average").
    * an int: exactly that many clusters (``criterion="maxclust"``).

    Parameters
    ----------
    members : array_like of bool, shape (n_events, n_neurons)
        From :func:`ensemble_events`.
    method : str
        Linkage method: "average" (UPGMA, the default), "complete", "single" or "weighted".
    cut : "silhouette", float or int
        The rule for cutting the tree, see above.

    Returns
    -------
    ndarray of int, shape (n_events,)
        Cluster label of each ensemble event, 0, 1, 2, … numbered by first appearance in time.
    """
    m = _as_raster(members, "members", allow_empty=True)
    choice(method, "method", _LINKAGE_METHODS)
    n = m.shape[0]
    if isinstance(cut, str):
        valid = cut == "silhouette"
    elif isinstance(cut, numbers.Integral):
        valid = not isinstance(cut, bool) and cut >= 1
    else:
        valid = isinstance(cut, numbers.Real) and 0 < cut <= 1
    if not valid:
        raise ValueError(f"cut must be 'silhouette', a distance in (0, 1] or a whole number of "
                         f"clusters >= 1, got {cut!r}")
    if n < 2:
        return np.zeros(n, dtype=np.intp)
    tree, distance = linkage_tree(m, method), _event_distance(m)
    if isinstance(cut, str):
        candidates = [fcluster(tree, k, criterion="maxclust") for k in range(2, min(n - 1, 30) + 1)]
        scores = [_mean_silhouette(distance, labels) for labels in candidates]
        if not candidates or max(scores) <= 0:
            labels = np.ones(n, dtype=np.intp)
        else:
            labels = candidates[int(np.argmax(scores))]
    elif isinstance(cut, numbers.Integral):  # more clusters than events: one per event
        labels = fcluster(tree, min(int(cut), n), criterion="maxclust")
    else:
        labels = fcluster(tree, float(cut), criterion="distance")
    _, first = np.unique(labels, return_index=True)
    order = np.argsort(np.argsort(first))  # rank of each label by its first event
    return order[np.unique(labels, return_inverse=True)[1]]


@dataclass(frozen=True, eq=False)
class Ensemble:
    """One ensemble: its member neurons and when it was active."""

    members: np.ndarray
    activation_times_s: np.ndarray
    event_index: np.ndarray
    participation: np.ndarray


def summarise_ensembles(members, labels, bins, bin_s: float = 0.5, *, min_participation: float = 0.5,
                        min_events: int = 2) -> list[Ensemble]:
    """Describe each cluster of ensemble events as an ensemble: member neurons and activation times.

    A neuron is a **member** of an ensemble if it contributes to at least `min_participation`
    (a fraction) of the cluster's events — a recurring member, not a neuron that joined once. The
    **activation times** are the start times of the cluster's bins (``bin * bin_s`` seconds).
    Clusters with fewer than `min_events` events are not reported: an ensemble is a pattern that
    recurs.

    Parameters
    ----------
    members : array_like of bool, shape (n_events, n_neurons)
        From :func:`ensemble_events`.
    labels : array_like of int, shape (n_events,)
        From :func:`cluster_ensembles`.
    bins : array_like of int, shape (n_events,)
        Bin index of each ensemble event, from :func:`ensemble_events`.
    bin_s : float
        Bin width used for binning, seconds.
    min_participation : float
        Fraction of the cluster's events a neuron must join to be a member (0.5 by default).
    min_events : int
        Smallest number of events for a cluster to count as an ensemble.

    Returns
    -------
    list of Ensemble, largest (most events) first, each with
        ``members`` (int neuron ids), ``activation_times_s`` (float), ``event_index`` (rows of
        `members` in this cluster) and ``participation`` (fraction of the cluster's events each
        neuron joined, shape (n_neurons,)).
    """
    m = _as_raster(members, "members", allow_empty=True)
    labels, bins = _ndarray(labels, "labels"), _ndarray(bins, "bins")
    for arr, name in ((labels, "labels"), (bins, "bins")):
        if arr.shape != (m.shape[0],) or not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name} must hold one whole number per ensemble event ({m.shape[0]}), "
                             f"got dtype {arr.dtype} and shape {arr.shape}")
    bin_s = positive(bin_s, "bin_s", unit="seconds")
    min_participation = in_range(min_participation, "min_participation", 0, 1)
    min_events = whole_number(min_events, "min_events", unit="events")
    ensembles = []
    for label in np.unique(labels):
        index = np.flatnonzero(labels == label)
        if index.size < min_events:
            continue
        participation = m[index].mean(axis=0)
        ensembles.append(Ensemble(members=np.flatnonzero(participation >= min_participation),
                                  activation_times_s=bins[index] * bin_s, event_index=index,
                                  participation=participation))
    return sorted(ensembles, key=lambda e: -e.event_index.size)


def adjusted_rand_index(labels_true, labels_pred) -> float:
    """Adjusted Rand index of two labellings of the same items: 1 identical, ~0 chance level.

    Hubert & Arabie's formula from the contingency table of the two labellings; label values
    themselves do not matter, only which items share a label.
    """
    a, b = _labels(labels_true, "labels_true"), _labels(labels_pred, "labels_pred")
    if a.shape != b.shape:
        raise ValueError(f"labels_true and labels_pred must label the same items, got {a.size} and {b.size}")
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)

    def pairs(x):
        return (x * (x - 1) / 2).sum()

    index, rows, cols, total = pairs(table), pairs(table.sum(1)), pairs(table.sum(0)), pairs(np.array([a.size]))
    expected = rows * cols / total if total else 0.0
    maximum = (rows + cols) / 2
    return 1.0 if maximum == expected else float((index - expected) / (maximum - expected))


def _ndarray(x, name: str) -> np.ndarray:
    """``np.asarray(x)``, with a message naming `x` for ragged input."""
    try:
        return np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be an array, got {type(x).__name__} ({err})") from None


def _labels(labels, name: str) -> np.ndarray:
    """A non-empty 1-D array of labels: numbers (finite) or strings."""
    arr = _ndarray(labels, name)
    if arr.dtype.kind in "US":
        if arr.ndim != 1 or arr.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array of labels, got shape {arr.shape}")
        return arr
    return as_array(labels, name, ndim=1, dtype=None)
