"""Lesson 03 (neuropil contamination): the recording, cells and pixels its exercises refer to.

The lesson's movie is the demo movie made longer and slower (5 min at 10 Hz) and with a neuropil
that fluctuates by a few per cent of its level over seconds, as in real recordings (2-5 % in the
Allen neuropil traces, after smoothing over 1 s and removing changes slower than a minute):
``neuropil_amplitude=0.1`` instead of the simulator's default (under 1 %), with which the
contamination ratio r cannot be recovered.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from helpers import masks as mk, simulate

#: The lesson's simulated recording: ``simulate.demo_movie(**MOVIE)``.
MOVIE = {"seed": 0, "n_frames": 3000, "fs": 10.0, "neuropil_amplitude": 0.1}
#: The neuropil ring of the lesson's traces, in pixels.
RING = {"gap_px": 2, "width_px": 3}
#: A cell is "quiet" in frames where its true calcium signal is below this (dF/F0, fraction).
QUIET_BELOW = 0.01


def recording(seed: int = MOVIE["seed"]):
    """The lesson's movie (``seed`` changes only the random draw, for hidden tests)."""
    return simulate.demo_movie(**(MOVIE | {"seed": seed}))


def traces(seed: int = MOVIE["seed"]) -> tuple[np.ndarray, np.ndarray]:
    """``(F, Fneu)``: mean over each true cell mask and over its ring (:data:`RING`), per frame."""
    rec = recording(seed)
    rings = mk.neuropil_rings(rec.truth.masks, **RING)
    return mk.roi_traces(rec.movie, rec.truth.masks), mk.roi_traces(rec.movie, rings)


def quiet_frames(seed: int = MOVIE["seed"]) -> np.ndarray:
    """Boolean ``(n_cells, n_frames)``: True where the cell's true calcium is below QUIET_BELOW."""
    return recording(seed).truth.calcium < QUIET_BELOW


def dim_cell(seed: int = MOVIE["seed"]) -> int:
    """The cell whose level sits closest to its neuropil's: the lowest median of ``F - Fneu``.

    Subtracting its neuropil at full strength (r = 1) drives it below zero.
    """
    F, Fneu = traces(seed)
    return int(np.argmin(np.median(F - Fneu, axis=1)))


def pixel_pair(seed: int = MOVIE["seed"]) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((y, x) at the centre of the dim cell, (y, x) of a neuropil pixel beside it)``.

    The neuropil pixel is the pixel 3-4 px from the cell's mask (Euclidean distance) that is
    farthest from every other cell, so it sees neuropil only; the first in row-major order on ties.
    """
    truth = recording(seed).truth
    cell = dim_cell(seed)
    centre = np.unravel_index(np.argmax(truth.footprints[cell]), truth.footprints[cell].shape)
    to_cell = ndimage.distance_transform_edt(~truth.masks[cell])
    others = np.delete(truth.footprints > 0, cell, axis=0).any(axis=0)
    to_others = ndimage.distance_transform_edt(~others)
    candidates = np.where((to_cell >= 3) & (to_cell < 4), to_others, -1.0)
    outside = np.unravel_index(np.argmax(candidates), candidates.shape)
    return (int(centre[0]), int(centre[1])), (int(outside[0]), int(outside[1]))


def other_masks(seed: int) -> np.ndarray:
    """Cell masks of another, small simulated field (6 cells, 40 x 50 px), for hidden tests."""
    return simulate.simulate_movie(n_cells=6, shape=(50, 40, 50), fs=10.0, seed=seed).truth.masks


def highpass(x, window_frames: int) -> np.ndarray:
    """Exercise 5.2's high-pass: each row minus its centred moving average (``mode="nearest"``)."""
    return x - ndimage.uniform_filter1d(x, size=window_frames, axis=-1, mode="nearest")


def smooth(x, sigma_frames: float) -> np.ndarray:
    """Exercise 5.2's smoothing: a Gaussian along time with SciPy's default edges."""
    return ndimage.gaussian_filter1d(x, sigma=sigma_frames, axis=-1)


def quiet_slopes(F_all, Fneu_all, quiet) -> np.ndarray:
    """The quiet-frame least-squares slope of every cell: the reference version of Exercise 5.1,
    ``np.polyfit(Fneu[quiet], F[quiet], 1)[0]`` row by row."""
    return np.array([np.polyfit(n[q], f[q], 1)[0] for f, n, q in zip(F_all, Fneu_all, quiet)])
