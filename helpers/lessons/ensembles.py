"""Lesson 07 (neuronal ensembles): the rasters its exercises refer to, the reference analysis and
its figures.

Check cells recompute what an exercise refers to by calling these functions (the check protocol).
The expensive steps (event detection on 324 × 15 000 traces, 1000 shuffles) are computed once per
process and kept read-only, so checks and figures reuse them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import dendrogram

from helpers import checks, data, ensembles as en, events as ev, simulate

#: Bin width (s), number of shuffles and their seed, percentile: the lesson's conventions.
BIN_S = 0.5
N_SHUFFLES = 1000
SHUFFLE_SEED = 0
PERCENTILE = 99
#: Numbers of clusters tried by the silhouette cut.
KS = tuple(range(2, 31))
#: The zebrafish recording's first frames hold a start artefact (many onsets at once): dropped.
ZEBRAFISH_SKIP_FRAMES = 10


def _read_only(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays if len(arrays) > 1 else arrays[0]


@functools.lru_cache(maxsize=4)
def _event_raster(seed: int, options: tuple) -> np.ndarray:
    rec = simulate.population_traces(seed=seed, **dict(options))
    truth = rec.truth
    # ΔF/F0 with the true neuropil ratio and baseline: only event detection adds errors here.
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    return _read_only(ev.event_raster(ev.detect_events(dff, rec.fs)))


def population(seed: int = 0, **options):
    """``(raster, fs, truth)`` of ``simulate.population_traces(seed, **options)``.

    `raster` is boolean ``(n_neurons, n_frames)``, True at the onset frame of each calcium event
    detected by :func:`helpers.events.detect_events` (default settings) in ΔF/F₀ made with the
    true neuropil ratio and baseline. It is read-only: copy it to change it.
    """
    raster = _event_raster(seed, tuple(sorted(options.items())))
    rec = simulate.population_traces(seed=seed, **options)
    return raster, rec.fs, rec.truth


@functools.lru_cache(maxsize=2)
def _null(seed: int) -> np.ndarray:
    raster, fs, _ = population(seed)
    return _read_only(en.circular_shuffle_null(raster, fs, BIN_S, N_SHUFFLES, seed=SHUFFLE_SEED))


def null(seed: int = 0) -> np.ndarray:
    """Read-only ``(1000, n_bins)`` coactivity of 1000 circular shuffles of :func:`population`'s
    raster (shuffle seed :data:`SHUFFLE_SEED`, 0.5 s bins)."""
    return _null(seed)


@dataclass(frozen=True, eq=False)
class Analysis:
    """The reference chain on one raster (all arrays read-only)."""

    binned: np.ndarray          # bool (n_neurons, n_bins)
    coactivity: np.ndarray      # int (n_bins,)
    threshold: float            # 99th percentile of the null, pooled
    bins: np.ndarray            # int (n_events,) ensemble-event bins
    members: np.ndarray         # bool (n_events, n_neurons)
    labels: np.ndarray          # int (n_events,) cluster of each event (silhouette cut)
    ensembles: tuple            # helpers.ensembles.Ensemble, largest first


def _analyse(raster, fs, null_coactivity) -> Analysis:
    binned = en.bin_events(raster, fs, BIN_S)
    threshold = en.significance_threshold(null_coactivity, PERCENTILE)
    bins, members = en.ensemble_events(binned, threshold)
    labels = en.cluster_ensembles(members)
    found = tuple(en.summarise_ensembles(members, labels, bins, BIN_S))
    return Analysis(*_read_only(binned, en.coactivity(binned)), threshold,
                    *_read_only(bins, members, labels), found)


@functools.lru_cache(maxsize=2)
def analysis(seed: int = 0) -> Analysis:
    """The reference analysis of :func:`population` (bins, threshold, events, clusters, ensembles)."""
    raster, fs, _ = population(seed)
    return _analyse(raster, fs, null(seed))


@functools.lru_cache(maxsize=1)
def _zebrafish():
    traces = data.load_zebrafish_dff()
    dff = np.asarray(traces.traces)[:, ZEBRAFISH_SKIP_FRAMES:]
    raster = _read_only(ev.event_raster(ev.detect_events(dff, traces.fs)))
    zf_null = _read_only(en.circular_shuffle_null(raster, traces.fs, BIN_S, N_SHUFFLES, seed=SHUFFLE_SEED))
    return raster, traces.fs, zf_null


def zebrafish():
    """``(raster, fs, null)``: event onsets of the zebrafish pDp recording (1003 neurons, 7.5 Hz)
    without its first :data:`ZEBRAFISH_SKIP_FRAMES` frames, and the coactivity of 1000 circular
    shuffles of it (seed :data:`SHUFFLE_SEED`, 0.5 s bins). All read-only."""
    return _zebrafish()


@functools.lru_cache(maxsize=1)
def zebrafish_analysis() -> Analysis:
    """The reference analysis of :func:`zebrafish`."""
    return _analyse(*_zebrafish())


def tree(members) -> np.ndarray:
    """Average-linkage tree of ensemble events on the distance 1 − Jaccard (as
    :func:`helpers.ensembles.cluster_ensembles` builds it)."""
    return en.linkage_tree(members, method="average")


def silhouette_by_k(members, ks=KS) -> np.ndarray:
    """Mean silhouette width of the tree cut into k clusters, for each k of `ks`."""
    return en.silhouette_scores(members, ks, method="average")


def equal_indices(name: str, value, expected, *, mistakes: dict | None = None, hint: str | None = None) -> None:
    """:func:`helpers.checks.equal` for a 1-D array of integer indices (whose length may differ)."""
    if type(value) is np.ndarray and value.dtype.kind not in "iu":
        checks.fail(name, f"has dtype {value.dtype}, but integer indices are expected.",
                    "return an integer array (np.flatnonzero returns one, also when empty; or use .astype(int))")
    checks.is_array(name, value, ndim=1, dtype="int", hint=hint)
    checks.equal(name, value, np.asarray(expected), hint=hint, mistakes=mistakes)


def random_raster(n_neurons: int, n_frames: int, rate: float, seed: int) -> np.ndarray:
    """A boolean raster with independent events (probability `rate` per frame), for hidden tests."""
    return np.random.default_rng(seed).random((n_neurons, n_frames)) < rate


# --------------------------------------------------------------------------- figures

def plot_coactivity(coactivity, threshold, *, ax, bin_s: float = BIN_S, label: str = "coactivity"):
    """Coactivity (neurons active per bin) against the bin start time, with the threshold and
    the bins above it marked; return the Axes."""
    time_s = np.arange(coactivity.size) * bin_s
    ax.plot(time_s, coactivity, lw=0.6, label=label)
    above = coactivity > threshold
    ax.plot(time_s[above], coactivity[above], "o", ms=3, color="#D55E00", label="ensemble events (above)")
    ax.axhline(threshold, color="#000000", ls="--", lw=0.8, label="threshold (99th pct of the null)")
    ax.set_xlabel("time (s, start of the 0.5 s bin)")
    ax.set_ylabel("active neurons per bin")
    ax.legend(loc="upper right", frameon=False, fontsize="small")
    return ax


def plot_jaccard(similarity, *, ax, order=None, title: str | None = None):
    """Jaccard similarity matrix as a cividis heatmap (events in `order`); return the Axes."""
    s = similarity if order is None else similarity[np.ix_(order, order)]
    shown = ax.imshow(s, cmap="cividis", vmin=0, vmax=1, interpolation="nearest")
    ax.set_xlabel("ensemble event" + (" (sorted by cluster)" if order is not None else " (in time order)"))
    ax.set_ylabel("ensemble event")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(shown, ax=ax, label="Jaccard similarity", shrink=0.85)
    return ax


def plot_dendrogram(members, k: int, *, ax):
    """Dendrogram of the ensemble events with the cut into `k` clusters drawn; return the Axes."""
    linkage_tree = tree(members)
    heights = linkage_tree[:, 2]
    # Cutting into k clusters undoes the last k - 1 merges: the cut lies between two merge heights.
    cut = 0.5 * (heights[-k] + heights[-k + 1]) if k > 1 else heights[-1] + 0.05
    dendrogram(linkage_tree, ax=ax, color_threshold=cut, no_labels=True, above_threshold_color="#999999")
    ax.axhline(cut, color="#000000", ls="--", lw=0.8)
    ax.set_xlabel("ensemble events (leaves)")
    ax.set_ylabel("distance, 1 − Jaccard (average linkage)")
    ax.set_title(f"dendrogram; dashed line: the cut into {k} clusters")
    return ax
