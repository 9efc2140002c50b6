"""Lesson 03 (neuropil contamination): the set-ups and the checks of its exercises.

Set-ups: the recording, cells and pixels the exercises refer to, and the reference versions of
Exercise 5.2's high-pass, smoothing and quiet-frame fits.

Checks: each ``check_*`` function is the whole of one check cell (``check_traces(F, Fneu)``): it
takes the learner's answers, recomputes everything else from the lesson's data and fails with a
message that names the likely mistake, never the expected value. ``unseen=True`` runs the hidden
tests' variations (other fields, traces and recordings); the rules stay the ones the exercise
states. Where the learner writes a method the package already has, the check refuses an answer
that is or calls it (``checks.own_work``).

The lesson's movie is the demo movie made longer and slower (5 min at 10 Hz) and with a neuropil
that fluctuates by a few per cent of its level over seconds, as in real recordings (2-5 % in the
Allen neuropil traces, after smoothing over 1 s and removing changes slower than a minute):
``neuropil_amplitude=0.1`` instead of the simulator's default (under 1 %), with which the
contamination ratio r cannot be recovered.

Two exercises are open: the learner chooses the method and its parameters, and the check scores
the result against the simulation's truth with the bound the exercise states, on the lesson's
data and (hidden tests) on recordings the learner never saw — Exercise 3.3 (a neuropil trace per
cell, scored against the true neuropil at the soma: :data:`NEUROPIL_ERROR_MAX`) and Exercise 5.3
(an estimator of r, scored against the true r: :data:`R_ERROR_MAX`). The bounds were calibrated by
running the reference solutions and typical weak answers on these recordings; the numbers are
beside each bound.
"""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage import morphology

from helpers import checks, data, masks as mk, movie as mv, neuropil, simulate

#: The lesson's simulated recording: ``simulate.demo_movie(**MOVIE)``.
MOVIE = {"seed": 0, "n_frames": 3000, "fs": 10.0, "neuropil_amplitude": 0.1}
#: The neuropil ring of the lesson's traces, in pixels.
RING = {"gap_px": 2, "width_px": 3}
#: A cell is "quiet" in frames where its true calcium signal is below this (dF/F0, fraction).
QUIET_BELOW = 0.01


#: Exercise 3.3's hidden movies: the lesson's movie with another seed and, each, one more change.
OTHER_MOVIES = {
    "20 cells, denser": {"seed": 3, "n_cells": 20},
    "30 Hz": {"seed": 4, "fs": 30.0, "n_frames": 4500},
    "GCaMP6f": {"seed": 7, "indicator": "GCaMP6f"},
}
#: Exercise 5.3's recordings, long enough to pin r down (five minutes are not: Section 5): 20 min
#: at 5 Hz, with r drawn from a wider range than the lesson's movie, so that a fixed r cannot pass.
SCORING_MOVIE = {"seed": 0, "n_frames": 6000, "fs": 5.0, "neuropil_amplitude": 0.1, "r_range": (0.2, 1.0)}
#: Exercise 5.3's neuropil rings: farther from the cell than the lesson's, so that the cell's own
#: light, which spills a few pixels beyond its mask, stays out of Fneu (with the lesson's ring the
#: reference's error reaches 0.17 on some recordings, with this one at most 0.085).
SCORING_RING = {"gap_px": 4, "width_px": 4}
#: Exercise 5.3's hidden recordings: other seeds, each with one more change.
OTHER_SCORING_MOVIES = {
    "noisier (fewer photons)": {"seed": 1, "photons_per_unit": 0.06},
    "20 cells, denser": {"seed": 2, "n_cells": 20},
    "10 min at 10 Hz, GCaMP6f": {"seed": 3, "fs": 10.0, "indicator": "GCaMP6f", "neuropil_amplitude": 0.2},
}


def recording(seed: int = MOVIE["seed"], **changes):
    """The lesson's movie (``seed`` and `changes` vary it, for hidden tests)."""
    return simulate.demo_movie(**(MOVIE | {"seed": seed} | changes))


def ring_traces(rec, ring: dict = RING) -> tuple[np.ndarray, np.ndarray]:
    """``(F, Fneu)`` of a simulated recording: mean over each true cell mask and over its ring
    (:data:`RING`, or `ring`), per frame."""
    rings = mk.neuropil_rings(rec.truth.masks, **ring)
    return mk.roi_traces(rec.movie, rec.truth.masks), mk.roi_traces(rec.movie, rings)


def traces(seed: int = MOVIE["seed"]) -> tuple[np.ndarray, np.ndarray]:
    """``(F, Fneu)`` of the lesson's movie: mean over each true cell mask and over its ring."""
    return ring_traces(recording(seed))


def scoring_recording(seed: int = SCORING_MOVIE["seed"], **changes):
    """Exercise 5.3's recording: 20 min at 5 Hz, r between 0.2 and 1.0 (:data:`SCORING_MOVIE`)."""
    return simulate.demo_movie(**(SCORING_MOVIE | {"seed": seed} | changes))


def scoring_traces(seed: int = SCORING_MOVIE["seed"], **changes) -> tuple[np.ndarray, np.ndarray, float, np.ndarray]:
    """``(F, Fneu, fs, true r)`` of Exercise 5.3's recording (rings: :data:`SCORING_RING`)."""
    rec = scoring_recording(seed, **changes)
    return (*ring_traces(rec, SCORING_RING), rec.fs, np.array(rec.truth.r))


def neuropil_error(estimate, truth) -> np.ndarray:
    """Exercise 3.3's score: per cell, the mean over frames of ``|estimate - truth| / truth``, a
    fraction (`truth`: the true neuropil reaching each cell, ``rec.truth.neuropil``)."""
    estimate, truth = np.asarray(estimate, float), np.asarray(truth, float)
    return np.mean(np.abs(estimate - truth) / truth, axis=-1)


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


# --------------------------------------------------------------------------- checks

AXES_BACKGROUND_HINT = "one value per frame: reduce each frame over both image axes, y and x"
ARGUMENTS_HINT = "use the arguments passed to the function, not the lesson's variables"
FIXED_R = 0.7
#: The Allen pipeline's published r of its three ROIs (0.7 is its fallback for ROI 0).
ALLEN_R = np.array([0.7, 0.078, 0.125])


def _fraction_mistakes(below: np.ndarray) -> dict:
    """Typical mistakes of a fraction of frames below zero, `below` being (rows, frames) bool."""
    frac = below.mean(axis=1)
    return {"that is a percentage; give a fraction between 0 and 1": 100 * frac,
            "that is a count of frames; divide by the number of frames": below.sum(axis=1),
            "that is the fraction of frames at or above zero; count the frames below zero": 1 - frac}


def check_background(bg_mean, bg_median, bg_min):
    """Exercise 1.1: the mean, median and minimum of every frame."""
    m = recording().movie
    T, Y, X = m.shape
    shapes = {(Y, X): "you reduced over time (axis 0): that is a projection image; reduce over the image axes, axis=(1, 2)",
              (T, X): "you reduced over y only; reduce over both image axes, axis=(1, 2)",
              (T, Y): "you reduced over x only; reduce over both image axes, axis=(1, 2)",
              (): "you reduced over every axis at once; keep one value per frame"}
    per_frame = {"mean": m.mean(axis=(1, 2)), "median": np.median(m, axis=(1, 2)), "minimum": m.min(axis=(1, 2))}
    for answer_name, answer, stat in [("bg_mean", bg_mean, "mean"), ("bg_median", bg_median, "median"),
                                      ("bg_min", bg_min, "minimum")]:
        checks.is_array(answer_name, answer, shape=(T,), wrong_shapes=shapes, hint=AXES_BACKGROUND_HINT)
        checks.close(answer_name, answer, per_frame[stat], mistakes={
            "that is the mean of each frame; check which statistic this answer asks for": per_frame["mean"],
            "that is the median of each frame; check which statistic this answer asks for": per_frame["median"],
            "that is the maximum of each frame, not the minimum": m.max(axis=(1, 2)),
        }, hint=f"the {stat} over all pixels of each frame of movie")


def check_pixel_traces(cell_pixel_trace, npil_pixel_trace, npil_pixel_corr):
    """Exercise 2.1: the traces of the cell pixel and of the neuropil pixel, and the latter's
    correlation with the frame-mean background."""
    m = recording().movie
    cell, npil = pixel_pair()
    for answer_name, answer, (y, x), other in [("cell_pixel_trace", cell_pixel_trace, cell, npil),
                                               ("npil_pixel_trace", npil_pixel_trace, npil, cell)]:
        checks.is_array(answer_name, answer, shape=(m.shape[0],), hint="one value per frame of the movie")
        checks.is_array(answer_name, answer, dtype="float64")
        checks.close(answer_name, answer, mv.pixel_trace(m, y, x), rtol=1e-6, mistakes={
            "rows and columns are swapped: the pairs are (y, x), index movie[:, y, x]":
                m[:, x, y] if x < m.shape[1] and y < m.shape[2] else None,
            "that is the other pixel's trace": mv.pixel_trace(m, *other),
        }, hint="the trace of the pixel at row y, column x of the pair")
    npil_trace, bg = mv.pixel_trace(m, *npil), m.mean(axis=(1, 2), dtype=np.float64)
    checks.is_number("npil_pixel_corr", npil_pixel_corr, hint="one number: the correlation coefficient, not the matrix")
    checks.close("npil_pixel_corr", npil_pixel_corr, np.corrcoef(npil_trace, bg)[0, 1], rtol=1e-3, mistakes={
        "that is the correlation of the cell pixel with the background; use the neuropil pixel":
            np.corrcoef(mv.pixel_trace(m, *cell), bg)[0, 1],
        "that is the covariance; the correlation coefficient divides it by both standard deviations":
            np.cov(npil_trace, bg)[0, 1],
        "that is the correlation with the median background; use the frame-mean background (the mean of each frame)":
            np.corrcoef(npil_trace, np.median(m, axis=(1, 2)))[0, 1],
    }, hint="the Pearson correlation coefficient of the neuropil pixel's trace with the frame-mean background")


def _ring_cases(unseen: bool) -> list:
    """(masks, i, gap, width, description) of the calls of Exercise 3.1.

    Visible: a cell with a neighbour within reach of its ring, and a ring that touches its cell
    (gap 0, width 1), the edge case the exercise states.
    """
    if unseen:
        return [(other_masks(seed), i, gap, width, "another field")
                for seed, i, gap, width in [(1, 2, 7, 1), (2, 0, 0, 2), (3, 5, 1, 1), (1, 4, 2, 3)]]
    cm = np.array(recording().truth.masks)
    return [(cm, 3, 2, 3, "cell_masks"), (cm, 5, 0, 1, "cell_masks")]


def _ring_mistakes(masks: np.ndarray, i: int, gap: int, width: int) -> dict:
    def grown(radius):
        return morphology.dilation(masks[i], morphology.disk(radius))

    others = masks.any(axis=0)
    return {
        "the ring must also exclude the pixels of every other cell (of any cell of masks)":
            grown(gap + width) & ~grown(gap),
        "the outer dilation has radius gap + width, not width": grown(width) & ~grown(gap) & ~others,
        "gap and width are swapped: the inner dilation has radius gap": grown(gap + width) & ~grown(width) & ~others,
        "that is the lesson's ring (gap 2, width 3): use the gap and width passed as arguments":
            mk.neuropil_rings(masks, **RING)[i] if (gap, width) != (2, 3) else None,
        "disk(k) is a disk: repeated 3 x 3 dilations (iterations=k) grow a diamond or a square instead":
            (ndimage.binary_dilation(masks[i], iterations=gap + width)
             & ~ndimage.binary_dilation(masks[i], iterations=gap) & ~others) if gap > 0 else None,
    }


def _empty_ring_hint(gap: int) -> str:
    if gap == 0:
        return ("with gap = 0 the inner dilation is the cell itself (disk(0) is one pixel); note that scipy's "
                "binary_dilation with iterations=0 does not stop: it repeats until nothing changes")
    return "the ring lies between two dilations of cell i: the outer one with radius gap + width, the inner with radius gap"


def check_ring_mask(ring_mask, unseen=False):
    """Exercise 3.1: the neuropil ring of cell i from two dilations, without any cell's pixels."""
    checks.is_function("ring_mask", ring_mask, n_params=4)
    for masks, i, gap, width, what in _ring_cases(unseen):
        call = f"ring_mask({what}, {i}, {gap}, {width})"
        got = checks.call("ring_mask", ring_mask, masks, i, gap, width, refuse=(mk.neuropil_rings,))
        if type(got) is np.ndarray and got.dtype != bool:
            checks.fail(call, f"has dtype {got.dtype}, but a boolean mask is expected.",
                        "combine the boolean dilations with & and ~ and return the result as it is, without "
                        "converting it to numbers")
        checks.is_array(call, got, shape=masks.shape[1:], dtype="bool", hint="return one boolean (y, x) mask, the ring of cell i only",
                        wrong_shapes={masks.shape: "return the ring of cell i only, a (y, x) mask"})
        if not got.any():
            checks.fail(call, "is empty: it has no True pixel.", _empty_ring_hint(gap))
        checks.equal(call, got, mk.neuropil_rings(masks, gap, width)[i], mistakes=_ring_mistakes(masks, i, gap, width),
                     hint="two dilations of cell i, with disks of radius gap + width and gap; keep what lies between "
                          f"them and outside every cell; {ARGUMENTS_HINT}")


def check_traces(F, Fneu):
    """Exercise 3.2: the mean trace of every cell mask and of every ring, float64 (n_cells, n_frames)."""
    rec = recording()
    ref_F, ref_Fneu = traces()
    rings = mk.neuropil_rings(rec.truth.masks, **RING)
    n, T = ref_F.shape
    shapes = {(T, n): "the array is transposed: one row per cell, one column per frame (n_cells, n_frames)",
              (n,): "you averaged over time as well; keep one value per frame (mean over the pixels only)"}
    for answer_name, answer, ref, other, regions in [("F", F, ref_F, ref_Fneu, rec.truth.masks),
                                                     ("Fneu", Fneu, ref_Fneu, ref_F, rings)]:
        checks.is_array(answer_name, answer, shape=(n, T), wrong_shapes=shapes, hint="shape (n_cells, n_frames)")
        checks.is_array(answer_name, answer, dtype="float64")
        checks.close(answer_name, answer, ref, rtol=1e-5, mistakes={
            "that is the median over the pixels; this exercise asks for the mean": mk.roi_traces(rec.movie, regions, "median"),
            "that is the sum over the pixels; take the mean": ref * regions.sum(axis=(1, 2))[:, None],
            "F and Fneu are swapped: F comes from the cell masks, Fneu from the rings": other,
        }, hint="for each mask, the mean over its pixels at every frame")


#: Exercise 3.3: the mean over cells and frames of |your neuropil - true neuropil| / true neuropil
#: must be at most this. Calibration (mean error on the lesson's movie; on the three hidden movies
#: of OTHER_MOVIES): the reference, a ring with gap 2 and width 3 px, 0.048 (0.042-0.050); gap 3
#: width 3, 0.049 (0.050-0.054); gap 2 width 6, 0.057 (0.055-0.062); gap 4 width 6, 0.073 (0.074-
#: 0.085: too far out, it fails unseen movies). Weak answers: the frame median 0.109 (0.126-0.159),
#: the frame mean 0.128 (0.147-0.175), a ring touching the cell (gap 0, width 1) 0.192
#: (0.122-0.156), the pixel farthest from every cell 0.208 (0.213-0.359), a far ring (gap 8,
#: width 8) 0.115 (0.117-0.142).
NEUROPIL_ERROR_MAX = 0.08


def _neuropil_cases(unseen: bool) -> list:
    """(call shown to the learner, recording) of the calls of Exercise 3.3."""
    if unseen:
        return [(f"neuropil_traces on another movie, {what}", recording(**changes))
                for what, changes in OTHER_MOVIES.items()]
    return [("neuropil_traces(movie, cell_masks)", recording())]


def _own_signal(residual: np.ndarray, calcium: np.ndarray) -> float:
    """Mean over cells of the correlation between a neuropil estimate's error and the cell's own
    calcium: high when the estimate picks up the cell's transients."""
    values = [np.corrcoef(e, c)[0, 1] for e, c in zip(residual, calcium) if e.std() > 0 and c.std() > 0]
    return float(np.mean(values)) if values else 0.0


def check_neuropil_traces(neuropil_traces, unseen=False):
    """Exercise 3.3 (open): the learner's neuropil trace of every cell, scored against the true
    neuropil reaching the cell (mean relative error at most NEUROPIL_ERROR_MAX)."""
    checks.is_function("neuropil_traces", neuropil_traces, n_params=2)
    for call, rec in _neuropil_cases(unseen):
        truth = np.asarray(rec.truth.neuropil)
        n, T = truth.shape
        got = checks.call("neuropil_traces", neuropil_traces, rec.movie, np.array(rec.truth.masks))
        if type(got) is np.ndarray and got.dtype.kind == "f" and got.shape == (n, T) and np.isnan(got).any():
            rows = int(np.isnan(got).any(axis=1).sum())
            checks.fail(call, f"has NaN in {rows} of its {n} rows.",
                        "the mean of an empty region is NaN: is a region without pixels (a ring hidden by "
                        "other cells, or beyond the image)?")
        checks.is_array(call, got, shape=(n, T), hint="one neuropil trace per cell: shape (n_cells, n_frames)",
                        wrong_shapes={(T, n): "one row per cell, one column per frame: (n_cells, n_frames)",
                                      (T,): "one trace per cell, not one for the whole field: repeat it, or "
                                            "better, measure each cell's surroundings"})
        error = float(neuropil_error(got, truth).mean())
        if error <= NEUROPIL_ERROR_MAX:
            continue
        residual = (got - truth) / truth
        level = float(np.mean(np.abs(residual.mean(axis=1))))
        if _own_signal(residual, rec.truth.calcium) > 0.25:
            hint = ("your traces rise with each cell's own transients: a cell's light spills a few pixels beyond "
                    "its mask, so leave a gap between the cell and the pixels you average")
        elif level > 0.6 * error:
            hint = ("your traces sit at the wrong level: the neuropil is not uniform across the field, so average "
                    "pixels close to each cell (a ring a few pixels from it), not the whole frame or far pixels")
        else:
            hint = "your traces are noisy: average more pixels (a wider ring); one pixel is mostly shot noise"
        checks.fail(call, f"is {100 * error:.1f} % off the true neuropil on average (aim: at most "
                          f"{100 * NEUROPIL_ERROR_MAX:.0f} %).", hint)


def _subtract_cases(unseen: bool) -> list:
    """(F, Fneu, r, description) of the calls of Exercise 4.1: one trace and many, one r and one per cell."""
    if unseen:
        other = simulate.simulate_traces(n_neurons=7, n_frames=500, fs=5.0, seed=11, neuropil_amplitude=0.1)
        oF, oN = np.array(other.traces), np.array(other.truth.neuropil)
        return [(oF, oN, r, "other traces") for r in (0.0, 1.0, 0.35, np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.2]))] + [
            (oF[3], oN[3], 0.9, "one other trace")]
    F, Fneu = traces()
    k = dim_cell()
    return [(F[k], Fneu[k], FIXED_R, "F[k], Fneu[k], 0.7"), (F, Fneu, FIXED_R, "F, Fneu, 0.7"),
            (F, Fneu, np.linspace(0.4, 0.9, len(F)), "F, Fneu, r_per_cell")]


def check_subtract(subtract, unseen=False):
    """Exercise 4.1: F - r Fneu, for one trace or many, with one r or one per cell."""
    checks.is_function("subtract", subtract, n_params=3)
    for F, Fneu, r, what in _subtract_cases(unseen):
        call = f"subtract({what})"
        got = checks.call("subtract", subtract, F, Fneu, r if isinstance(r, np.ndarray) else r,
                          refuse=(neuropil.subtract_neuropil,))
        checks.is_array(call, got, shape=F.shape, hint=f"return an array of the shape of F; {ARGUMENTS_HINT}")
        rows = np.reshape(r, (-1, 1)) if F.ndim == 2 else r
        checks.close(call, got, F - rows * Fneu, rtol=1e-9, mistakes={
            "F and Fneu are swapped: subtract r times the neuropil from the cell's trace": Fneu - rows * F,
            "r scales only the neuropil, not the difference of the two traces": rows * (F - Fneu),
            "that subtracts (1 - r) times the neuropil; subtract r times it": F - (1 - rows) * Fneu,
            "with one r per cell, each r scales its own row: reshape r to (n_cells, 1) before broadcasting":
                F - np.mean(r) * Fneu if np.ndim(r) == 1 else None,
        }, hint=f"subtract r times the neuropil trace from the cell's trace; {ARGUMENTS_HINT}")


def check_sweep(F_corr_sweep, negative_fraction):
    """Exercise 4.2: the dim cell corrected with r = 0, 0.7 and 1, and the fraction of frames below zero."""
    F, Fneu = traces()
    k = dim_cell()
    T = F.shape[1]
    sweep = np.vstack([F[k] - r * Fneu[k] for r in (0.0, FIXED_R, 1.0)])
    checks.is_array("F_corr_sweep", F_corr_sweep, shape=(3, T), hint="three rows (r = 0, 0.7, 1), one column per frame",
                    wrong_shapes={(T, 3): "one row per value of r: stack the traces with np.vstack, not np.column_stack"})
    checks.close("F_corr_sweep", F_corr_sweep, sweep, rtol=1e-6, mistakes={
        "the rows are in the wrong order: r = 0 first, then 0.7, then 1": sweep[::-1],
        "that is another cell's trace: use row dim of F_ref and Fneu_ref":
            np.vstack([F[0] - r * Fneu[0] for r in (0.0, FIXED_R, 1.0)]),
    }, hint="row j is the dim cell's trace corrected with the j-th value of r (0, 0.7, 1)")
    checks.is_array("negative_fraction", negative_fraction, shape=(3,), hint="one fraction per row of F_corr_sweep",
                    wrong_shapes={(T,): "count over time (axis=1), one fraction per value of r"})
    checks.close("negative_fraction", negative_fraction, (sweep < 0).mean(axis=1), atol=1e-9,
                 mistakes=_fraction_mistakes(sweep < 0),
                 hint="for each row, the share of its frames in which the corrected trace is below zero")


def _ols_slope(x: np.ndarray, y: np.ndarray) -> float:
    x, y = x - x.mean(), y - y.mean()
    return float((x @ y) / (x @ x))


def _fit_cases(unseen: bool) -> list:
    """(F, Fneu, quiet, description) of the calls of Exercise 5.1."""
    if unseen:  # points exactly on a line, and another recording
        rng = np.random.default_rng(5)
        x = rng.normal(100, 5, 400)
        quiet_any = rng.random(400) < 0.6
        y = 30 + 0.55 * x + np.where(quiet_any, 0.0, rng.uniform(5, 50, 400))
        other = simulate.simulate_traces(n_neurons=5, n_frames=2000, fs=7.5, seed=21, neuropil_amplitude=0.1)
        oF, oN = np.array(other.traces), np.array(other.truth.neuropil)
        oq = np.array(other.truth.calcium) < 0.02
        return [(y, x, quiet_any, "points on a line")] + [
            (oF[j], oN[j], oq[j], f"another recording's cell {j}") for j in range(5)]
    F, Fneu = traces()
    return [(F[0], Fneu[0], quiet_frames()[0], "F[0], Fneu[0], quiet[0]")]


def check_fit_r_quiet(fit_r_quiet, unseen=False):
    """Exercise 5.1: the least-squares slope of F on Fneu (with an intercept) over the quiet frames."""
    checks.is_function("fit_r_quiet", fit_r_quiet, n_params=3)
    for F, Fneu, q, what in _fit_cases(unseen):
        call = f"fit_r_quiet({what})"
        got = checks.call("fit_r_quiet", fit_r_quiet, F, Fneu, q, refuse=(quiet_slopes,))
        checks.is_number(call, got, hint="return the slope as one float")
        x, y = Fneu[q], F[q]
        checks.close(call, got, _ols_slope(x, y), rtol=1e-6, mistakes={
            "you fitted all frames; use only those where quiet is True": _ols_slope(Fneu, F),
            "you regressed Fneu on F; regress F (y) on Fneu (x)": _ols_slope(y, x),
            "the line needs an intercept: F = a + r * Fneu (a fit through the origin gives another slope)":
                (x @ y) / (x @ x),
            "that is a ratio of means, not a regression slope": y.mean() / x.mean(),
            "that is the intercept; return the slope": y.mean() - _ols_slope(x, y) * x.mean(),
        }, hint=f"the slope of the least-squares line of F on Fneu over the quiet frames; {ARGUMENTS_HINT}")


def _hp_slopes(F, Fneu, quiet, window_frames, sigma_frames=None) -> np.ndarray:
    """Quiet-frame slopes after a high-pass (and, with `sigma_frames`, a smoothing) of both traces."""
    F, Fneu = (highpass(x, window_frames) if window_frames else x for x in (F, Fneu))
    if sigma_frames:
        F, Fneu = smooth(F, sigma_frames), smooth(Fneu, sigma_frames)
    return quiet_slopes(F, Fneu, quiet)


def check_highpass_fits(r_hp, r_hp_smooth):
    """Exercise 5.2: the quiet-frame slopes after a 20 s high-pass, and after a 0.5 s smoothing too."""
    F, Fneu = traces()
    q, fs = quiet_frames(), recording().fs
    w, sigma = round(20 * fs), 0.5 * fs
    ref_hp, ref_sm = _hp_slopes(F, Fneu, q, w), _hp_slopes(F, Fneu, q, w, sigma)
    for answer_name, answer, ref, sigmas in [("r_hp", r_hp, ref_hp, None), ("r_hp_smooth", r_hp_smooth, ref_sm, sigma)]:
        checks.is_array(answer_name, answer, shape=(len(F),), hint="one r per cell")
        checks.close(answer_name, answer, ref, atol=2e-3, mistakes={
            "those are the slopes of the raw traces: high-pass both traces first": quiet_slopes(F, Fneu, q),
            "the window is 20 seconds: convert it to frames with the frame rate, not 20 frames": _hp_slopes(F, Fneu, q, 20, sigmas),
            "high-pass both traces, F and Fneu, the same way": quiet_slopes(highpass(F, w), Fneu, q),
            "you smoothed without high-passing first: smooth the high-passed traces": _hp_slopes(F, Fneu, q, None, sigma),
            "sigma is 0.5 seconds: convert it to frames with the frame rate, not 0.5 frames": _hp_slopes(F, Fneu, q, w, 0.5),
            "that is r_hp_smooth (smoothed); r_hp is fitted on the high-passed traces without smoothing":
                ref_sm if answer_name == "r_hp" else None,
            "that is r_hp (not smoothed): smooth the high-passed traces before this fit":
                ref_hp if answer_name == "r_hp_smooth" else None,
        }, hint="high-pass with the 20 s moving average (mode='nearest'), then fit the quiet frames of each cell")


#: Exercise 5.3: the mean over the cells of a recording of |your r - true r| must be at most this.
#: Calibration on SCORING_MOVIE (visible; hidden: OTHER_SCORING_MOVIES), mean |error|: the reference
#: (20 s high-pass, 0.5 s smoothing, refit on the frames below the line) 0.052 (hidden 0.045-0.048;
#: on 16 more recordings, seeds 4-7 of each configuration, 0.055-0.085); helpers.neuropil.estimate_r
#: 0.067 (hidden 0.035-0.057; 16 more: at most 0.086); least squares on all frames of the high-passed
#: and smoothed traces 0.065 (hidden 0.045-0.065; a fair method here). Weak answers: r = 0.7 for
#: every cell 0.24 (hidden 0.21-0.25; 16 more: 0.16-0.28); least squares on all frames of the raw
#: traces 0.62 (hidden 0.56-0.60); of the high-passed traces without smoothing 0.099 (hidden
#: 0.16-0.24: regression dilution); the reference with its windows in frames instead of seconds
#: 0.42 (hidden 0.38-0.58).
#: Over students' variants (these four recordings of 5 random variants) the bound of 0.10, set on
#: seed 0, failed correct methods: mean |error| over 12 cells has a spread of its own, and the
#: noisier recording is hard (helpers.neuropil.estimate_r up to 0.097; the refit below the median
#: residual up to 0.159, biased low: keeping the frames below the line keeps those where Fneu's
#: noise is high). The reference is now least squares on the high-passed, smoothed traces refitted
#: without the frames more than 2 robust s.d. above the line (the transients): 0.038-0.105 over
#: the 20 recordings (0.054 / hidden 0.046-0.063 on seed 0). Weak answers on the same variants:
#: r = 0.7 for every cell 0.11-0.25 (every variant has a recording above 0.15), raw traces
#: 0.49-0.64, high-passed without smoothing 0.09-0.37 (hidden: at least one above 0.23 per
#: variant), windows in frames 0.35-0.60; hence 0.13.
R_ERROR_MAX = 0.13


def _scoring_cases(unseen: bool) -> list:
    """(call shown to the learner, F, Fneu, fs, true r) of the calls of Exercise 5.3."""
    if unseen:
        return [(f"estimate_r on another recording, {what}", *scoring_traces(**changes))
                for what, changes in OTHER_SCORING_MOVIES.items()]
    return [("estimate_r(F_long, Fneu_long, fs_long)", *scoring_traces())]


def check_estimate_r(estimate_r, unseen=False):
    """Exercise 5.3 (open): the learner's estimator of r, scored against the true r of every cell
    (mean absolute error at most R_ERROR_MAX)."""
    checks.is_function("estimate_r", estimate_r, n_params=3)
    for call, F, Fneu, fs, r_true in _scoring_cases(unseen):
        got = checks.call("estimate_r", estimate_r, F, Fneu, fs, refuse=(neuropil.estimate_r,))
        if isinstance(got, (int, float, np.integer, np.floating)) or (type(got) is np.ndarray and got.ndim == 0):
            checks.fail(call, "is one number, but one r per cell is asked for.",
                        "return an array of shape (n_cells,): one r per row of F, not one for all cells")
        checks.is_array(call, got, shape=r_true.shape, hint="one r per cell, i.e. per row of F: shape (n_cells,)")
        error = float(np.mean(np.abs(got - r_true)))
        if error <= R_ERROR_MAX:
            continue
        bias = float(np.mean(got - r_true))
        if np.std(got) < 0.3 * np.std(r_true):
            hint = ("your estimates hardly differ from cell to cell, but the true r does (from 0.2 to 1.0 here): "
                    "a fixed r cannot pass; fit each cell's own slope of F against Fneu")
        elif bias > 0.5 * error:
            hint = ("your estimates are too high on average: shared slow trends (bleaching, drift) and the cell's "
                    "own transients lift the slope. High-pass both traces the same way, and fit only frames where "
                    "the cell is quiet (the lower edge of the F-vs-Fneu cloud)")
        elif bias < -0.5 * error:
            hint = ("your estimates are too low on average: noise in Fneu flattens a least-squares slope "
                    "(regression dilution); smooth both traces the same way before fitting, and regress F on Fneu")
        else:
            hint = ("your estimates scatter around the truth: fit on more of the quiet frames, and check that one "
                    "cell's active stretches do not decide its slope")
        checks.fail(call, f"is {error:.3f} off the true r on average over the cells (aim: at most {R_ERROR_MAX}).",
                    hint)


def check_allen(allen_corrected, allen_negative_fraction):
    """Exercise 6.1: the Allen traces corrected with their published r, and the fraction of frames
    below zero with a fixed r = 0.7."""
    aF, aN = data.load_allen_roi_traces().traces, data.load_allen_neuropil_traces().traces
    published = aF - ALLEN_R[:, None] * aN
    checks.is_array("allen_corrected", allen_corrected, shape=aF.shape, hint="one corrected trace per ROI, shape (3, n_frames)")
    checks.close("allen_corrected", allen_corrected, published, rtol=1e-9, mistakes={
        "that uses r = 0.7 for every ROI; use the published r of each ROI (allen_r[k] for row k)": aF - FIXED_R * aN,
        "that subtracts r times F; subtract r times the neuropil trace": aF - ALLEN_R[:, None] * aF,
        "the r values are matched to the wrong ROIs": aF - ALLEN_R[::-1, None] * aN,
    }, hint="row k is ROI k's trace minus its own published r times its neuropil trace")
    below = aF - FIXED_R * aN < 0
    checks.is_array("allen_negative_fraction", allen_negative_fraction, shape=(3,), hint="one fraction per ROI",
                    wrong_shapes={(): "one fraction per ROI: average over time only (axis=1)"})
    checks.close("allen_negative_fraction", allen_negative_fraction, below.mean(axis=1), atol=1e-9,
                 mistakes=_fraction_mistakes(below) | {
                     "use the fixed r = 0.7 here, not the published per-ROI r": (published < 0).mean(axis=1)},
                 hint="for each ROI, the share of frames in which its trace corrected with r = 0.7 is below zero")


def check_suite2p(s2p_corrected, s2p_lowest):
    """Exercise 7.1: suite2p's F - 0.7 Fneu for the ROIs that are cells, and the original index of
    the cell with the lowest median."""
    s = data.load_suite2p()
    cells = s.F[s.iscell] - FIXED_R * s.Fneu[s.iscell]
    checks.is_array("s2p_corrected", s2p_corrected, shape=cells.shape, hint="keep only the ROIs with iscell True",
                    wrong_shapes={s.F.shape: "keep only the ROIs that are cells: index the rows with s2p.iscell"})
    checks.close("s2p_corrected", s2p_corrected, cells, rtol=1e-9, mistakes={
        "that is the neuropil times 0.7 minus F; subtract 0.7 times the neuropil from F":
            FIXED_R * s.Fneu[s.iscell] - s.F[s.iscell],
        "that keeps the ROIs that are NOT cells": s.F[~s.iscell] - FIXED_R * s.Fneu[~s.iscell],
    }, hint="each cell's F minus 0.7 times its neuropil, the cells in their original order")
    ids = np.flatnonzero(s.iscell)
    medians = np.median(cells, axis=1)
    checks.is_number("s2p_lowest", s2p_lowest, integer=True, hint="an ROI index is a whole number: int(...)")
    checks.equal("s2p_lowest", s2p_lowest, int(ids[np.argmin(medians)]), mistakes={
        "that is the position among the cells only; convert it to the original ROI number (the i-th cell is the "
        "i-th ROI with iscell True)": int(np.argmin(medians)),
        "that is the cell with the highest median; take the lowest": int(ids[np.argmax(medians)]),
    }, hint="the cell whose corrected trace has the lowest median, numbered as in all ROIs")
