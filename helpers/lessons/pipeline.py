"""Lesson 08 (from raw movie to ensembles): the lesson's recording, its reference chain and the
lesson-specific metrics (spatial correlation of a footprint, CaImAn-style acceptance).

Check cells recompute what an exercise refers to by calling these functions (the check protocol).
The expensive steps (simulation, registration, the chain) are computed once per process and kept
read-only.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage import morphology

from helpers import (baseline, dff, ensembles as en, events as ev, masks as mk, movie as mv,
                     neuropil, registration as reg, simulate)

#: The lesson's movie: the demo movie with motion, shortened to 600 frames at 10 Hz (60 s, to
#: keep the lesson fast), livelier cells and two planted ensembles of 4 cells.
OPTIONS = {"motion": True, "n_frames": 600, "fs": 10.0, "rate_hz": 0.3, "n_ensembles": 2,
           "ensemble_size": (4, 4), "ensemble_rate_hz": 0.2, "ensemble_spikes": 2}
#: ROI detection on the local correlation image (8 neighbours) of the registered movie.
CORR_THRESHOLD, OPENING_RADIUS, MIN_SIZE = 0.15, 1, 15
#: Component quality: the activity image averages the top 5 % frames; footprint region = mask
#: dilated by 3 px. Acceptance thresholds (SNR as helpers.dff.snr: p99 over MAD σ).
TOP_FRACTION, MARGIN_PX, SNR_MIN, R_MIN = 0.05, 3, 4.0, 0.85
#: ΔF/F₀: neuropil ratio, rolling 10th percentile over 10 s; events vs spike bursts.
R_NEUROPIL, BASELINE_Q, BASELINE_WINDOW_S = 0.7, 10, 10.0
MERGE_S, TOLERANCE_S, BIN_S, N_SHUFFLES = 1.0, 0.5, 0.5, 1000


def _read_only(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays if len(arrays) > 1 else arrays[0]


def recording(seed: int = 0):
    """``simulate.demo_movie(seed, **OPTIONS)``: the lesson's simulated movie with motion."""
    return simulate.demo_movie(seed=seed, **OPTIONS)


@functools.lru_cache(maxsize=2)
def registered(seed: int = 0):
    """``(registered movie, estimated shifts)`` of :func:`recording` by ``registration.register``
    (mean-image template, plain cross-correlation, 0.1 px, cubic spline), read-only."""
    movie, shifts = reg.register(recording(seed).movie)
    return _read_only(movie, shifts)


@functools.lru_cache(maxsize=2)
def correlation_images(seed: int = 0):
    """``(raw, registered)`` local correlation images (8 neighbours), read-only."""
    return _read_only(mv.local_correlation(recording(seed).movie, 8),
                      mv.local_correlation(registered(seed)[0], 8))


def detect_rois(correlation_image, threshold=CORR_THRESHOLD) -> np.ndarray:
    """Threshold, clean (opening radius 1, regions >= 15 px) and label: bool (n, y, x)."""
    mask = mk.threshold_mask(correlation_image, "absolute", threshold)
    return mk.label_rois(mk.clean_mask(mask, OPENING_RADIUS, MIN_SIZE))


def n_patches(size: int, stride: int, overlap: int) -> int:
    """Patches of width ``stride + overlap`` starting at 0, stride, 2 stride, ... while they fit."""
    width = stride + overlap
    return 0 if width > size else (size - width) // stride + 1


def spatial_correlation(movie, masks, top_fraction=TOP_FRACTION, margin_px=MARGIN_PX) -> np.ndarray:
    """Does the data look like the footprint when the component is active?

    For each mask: its mean trace; the ``round(top_fraction * n_frames)`` frames (at least 1)
    where that trace is highest; the *activity image* = mean of those frames minus the mean of
    all frames; the Pearson correlation between the activity image and the mask (as 0/1) over the
    pixels of the mask dilated by a disk of `margin_px`. A simplified version of CaImAn's
    ``r_values`` (which also removes the activity of neighbouring components).
    """
    movie = np.asarray(movie)
    mean_image = movie.mean(axis=0, dtype=np.float64)
    traces = mk.roi_traces(movie, masks)
    k = max(1, round(top_fraction * movie.shape[0]))
    out = np.empty(len(masks))
    for i, (mask, trace) in enumerate(zip(masks, traces)):
        active = np.argsort(trace, kind="stable")[-k:]
        activity = movie[active].mean(axis=0, dtype=np.float64) - mean_image
        region = morphology.dilation(mask, morphology.disk(margin_px))
        out[i] = np.corrcoef(activity[region], mask[region].astype(np.float64))[0, 1]
    return out


def accept(snr, spatial_corr, snr_min, r_min) -> np.ndarray:
    """CaImAn's rule without its lower bounds: SNR strictly above `snr_min` OR spatial
    correlation at least `r_min`."""
    return (np.asarray(snr) > snr_min) | (np.asarray(spatial_corr) >= r_min)


def decoy_masks(shape, true_masks, n=3, radius=4) -> np.ndarray:
    """`n` discs of `radius` px centred on the pixels farthest from every true cell (false
    candidates for the quality section)."""
    distance = ndimage.distance_transform_edt(~np.asarray(true_masks).any(axis=0))
    yy, xx = np.indices(shape)
    out = []
    for _ in range(n):
        cy, cx = np.unravel_index(np.argmax(distance), shape)
        disc = (yy - cy) ** 2 + (xx - cx) ** 2 <= radius ** 2
        out.append(disc)
        distance[(yy - cy) ** 2 + (xx - cx) ** 2 <= (3 * radius) ** 2] = 0
    return np.array(out)


def dff_traces(F, Fneu, fs):
    """The lesson's ΔF/F₀: ``Fc = F - 0.7 (Fneu - median(Fneu))`` per ROI (the neuropil's
    fluctuations removed, its level kept, so F₀ stays well above zero), ``F0`` = rolling 10th
    percentile of Fc over 10 s (edges "nearest"), ``(Fc - F0) / F0``."""
    Fneu = np.asarray(Fneu, dtype=np.float64)
    corrected = neuropil.subtract_neuropil(F, Fneu - np.median(Fneu, axis=-1, keepdims=True), R_NEUROPIL)
    f0 = baseline.rolling_percentile(corrected, BASELINE_Q, BASELINE_WINDOW_S, fs)
    return dff.delta_f_over_f(corrected, f0)


@dataclass(frozen=True, eq=False)
class Chain:
    """The reference chain on the lesson's movie (arrays read-only)."""

    candidates: np.ndarray      # bool (n_cand, y, x): detected ROIs, then 3 decoys
    n_detected: int             # the first n_detected candidates come from the correlation image
    candidate_dff: np.ndarray   # (n_cand, T)
    snr: np.ndarray             # (n_cand,)
    spatial_corr: np.ndarray    # (n_cand,)
    accepted: np.ndarray        # bool (n_cand,)
    rois: np.ndarray            # bool (n, y, x): the accepted candidates
    dff: np.ndarray             # (n, T)
    partner: np.ndarray         # int (n,): true cell of each ROI (IoU >= 0.5), -1 if none
    onsets: list                # event onset frames per ROI
    raster: np.ndarray          # bool (n, T)
    true_bursts: list           # burst onsets of each ROI's partner (empty for none)
    score: object               # events.MatchScore over the ROIs with a partner
    threshold: float            # 99th percentile of the shuffle null
    ensembles: tuple            # helpers.ensembles.Ensemble


@functools.lru_cache(maxsize=2)
def chain(seed: int = 0) -> Chain:
    rec = recording(seed)
    movie, _ = registered(seed)
    fs, truth = rec.fs, rec.truth
    detected = detect_rois(correlation_images(seed)[1])
    candidates = np.concatenate([detected, decoy_masks(movie.shape[1:], detected)])
    F = mk.roi_traces(movie, candidates)
    Fneu = mk.roi_traces(movie, mk.neuropil_rings(candidates))
    cand_dff = dff_traces(F, Fneu, fs)
    snr = dff.snr(cand_dff)
    r = spatial_correlation(movie, candidates)
    accepted = accept(snr, r, SNR_MIN, R_MIN)
    rois = candidates[accepted]
    roi_dff = cand_dff[accepted]
    best_iou, partner_of_true = mk.match_masks(rois, truth.masks)
    partner = np.full(len(rois), -1)
    good = (partner_of_true >= 0) & (best_iou >= 0.5)
    partner[partner_of_true[good]] = np.flatnonzero(good)
    events = ev.detect_events(roi_dff, fs)
    onsets = events.per_neuron("onset")
    bursts = ev.spike_bursts(list(truth.spike_frames), fs, MERGE_S)
    true_bursts = [bursts[p] if p >= 0 else np.array([], dtype=int) for p in partner]
    with_partner = np.flatnonzero(partner >= 0)
    score = ev.match_events([onsets[i] for i in with_partner], [true_bursts[i] for i in with_partner],
                            fs, TOLERANCE_S)
    raster = ev.event_raster(events)
    binned = en.bin_events(raster, fs, BIN_S)
    null = en.circular_shuffle_null(raster, fs, BIN_S, N_SHUFFLES, seed=0)
    threshold = en.significance_threshold(null, 99)
    bins, members = en.ensemble_events(binned, threshold)
    found = ()
    if len(bins) >= 2:
        labels = en.cluster_ensembles(members)
        found = tuple(en.summarise_ensembles(members, labels, bins, BIN_S))
    _read_only(candidates, cand_dff, snr, r, accepted, rois, roi_dff, partner, raster)
    return Chain(candidates, len(detected), cand_dff, snr, r, accepted, rois, roi_dff, partner,
                 onsets, raster, true_bursts, score, threshold, found)


def local_correlation_variant(movie, kind: str) -> np.ndarray:
    """Typical wrong 4-neighbour local correlation images, for the checks' hints:
    ``"divide_by_4"`` averages border pixels over 4 as if missing neighbours had correlation 0;
    ``"wrap"`` pairs border pixels with the opposite edge (``np.roll``)."""
    m = np.asarray(movie, dtype=np.float64)
    centred = m - m.mean(axis=0)
    norm = np.sqrt((centred ** 2).sum(axis=0))
    z = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0)
    if kind == "wrap":
        return sum((z * np.roll(z, s, axis=a)).sum(axis=0) for a in (1, 2) for s in (1, -1)) / 4
    if kind == "divide_by_4":
        return mv.local_correlation(m, 4) * _inside_neighbours(m.shape[1:]) / 4
    raise ValueError(f"unknown kind {kind!r}")


def _inside_neighbours(shape) -> np.ndarray:
    count = np.zeros(shape)
    count[:, :-1] += 1
    count[:, 1:] += 1
    count[:-1, :] += 1
    count[1:, :] += 1
    return count


def other_movie(seed: int):
    """A small movie with motion for hidden tests: 150 frames of 40 x 50 px, 5 cells."""
    return simulate.demo_movie(seed=seed, motion=True, n_frames=150, height=40, width=50, n_cells=5)
