"""Lesson 08b (non-rigid motion and source extraction): the movies its exercises use, the
reference results, and the checks of its exercises.

Two kinds of simulated movie: a 96 x 96 px field of 30 cells that moves rigidly *and* deforms
smoothly (``nonrigid_px=4``: up to 4 px of deformation on top of the rigid walk), and a 48 x 64 px
field of 12 cells that may overlap (``max_overlap=0.5``). Both are computed once per process and
kept read-only, as are the reference fits, so checks and figures reuse them.

Each ``check_*`` function is the whole of one check cell: it takes the learner's answers,
recomputes everything else from the lesson's data and fails with a message that names the likely
mistake, never the expected value. ``unseen=True`` runs the hidden tests: other movies (seeds),
other grids and sizes; the rules stay the ones the exercise states. Where an exercise asks the
learner to write a method the package has, the learner's function runs inside
:func:`helpers.checks.own_work` (``refuse=``): calling the package's method fails.

The bounds of the open exercises were calibrated with the reference solution and weak answers on
the visible and hidden movies; the numbers are in comments beside each bound.
"""
from __future__ import annotations

import functools

import numpy as np
from scipy import optimize

from helpers import checks, data, extraction as ex, masks, movie as mv, registration as reg, simulate

# ---------------------------------------------------------------- movies

#: The non-rigid movies: 300 frames of 96 x 96 px, 30 cells, rigid walk + smooth deformation <= 4 px.
NONRIGID_MOVIE = dict(n_cells=30, shape=(300, 96, 96), motion=True, nonrigid_px=4.0)
NONRIGID_SEEN, NONRIGID_UNSEEN = (0,), (11, 12, 13)
#: The patch-size sweep runs on the first SWEEP_FRAMES frames; overlap is half a patch.
SWEEP_FRAMES = 100
PATCH_SIZES = (16, 32, 64)
#: The overlapping-cells movies (as benchmarks/bench_extraction.py): 1000 frames of 48 x 64 px.
CELLS_MOVIE = dict(n_cells=12, shape=(1000, 48, 64), rate_hz=0.3, max_overlap=0.5)
CELLS_SEEN, CELLS_UNSEEN = (0,), (1, 2, 3)
RADIUS_PX = 4.5                 # cell radius given to the extraction (the simulated cells: 4-6 px)
N_COMPONENTS = 16               # the reference's number of components (12 true cells)
MIN_SPIKES = 5                  # a true cell counts for recall only if it fires at least this often
IOU_FOUND = 0.5                 # a cell is found when its one-to-one partner has IoU >= this

# Bounds of the open exercises (calibration: report of the lesson, re-measured 2026-12-06).
# my_register, error / rigid error on 300-frame movies: visible seed 0 reference (the model answer,
# = register_piecewise) 0.55, nearest patch's shift instead of interpolation 0.72, no edge taper
# 0.67, 16 px patches 1.22, rigid 1.00; hidden seeds 11-13 reference 0.55 / 0.61 / 0.53 (mean 0.56),
# nearest patch 0.69 / 0.73 / 0.67 (mean 0.70), no taper 0.73 / 0.72 / 0.68 (mean 0.71), 16 px
# patches 1.35 / 1.37 / 1.23.
REGISTER_RATIO_SEEN = 0.65
REGISTER_RATIO_MEAN = 0.65
REGISTER_RATIO_EACH = 0.75
# my_cells: recall and precision of the matched masks (IoU >= 0.5), cells firing >= 5 times.
# Visible seed 0: reference 1.00 / 1.00; threshold ROIs (90th percentile) 0.10 / 0.33; all 16 components without
# evaluation 1.00 / 0.71. Hidden seeds 1-3: reference 0.88 / 1.00, 0.67 / 0.86, 0.82 / 1.00 (means
# 0.79 / 0.95); all 16 components: precision 0.58 / 0.50 / 0.60 (mean 0.56); threshold ROIs at the
# 90th percentile recall 0.25 / 0.44 / 0.09.
# Students' variants (2026-12-06): on the lesson movie of some variants the fit holds only 7 of the
# 10 active cells (recall 0.70 with any evaluation), and evaluate_components' defaults reject true
# cells whose r is below 0.8 (recall 0.55 on one variant). The reference therefore evaluates with
# min_snr 2 and min_r 0.7: lesson movie recall / precision 1.00 / 1.00 on seed 0, 0.70-1.00 /
# 0.82-1.00 on 5 variants; hidden means recall 0.83-0.96, precision 0.84-0.88. One lesson movie holds
# about 10 active cells (each cell missed, or mask wrong, costs about 0.1), so the visible bounds are
# recall 0.6 and precision 0.75 (all 16 components without evaluation: 0.71 on seed 0).
CELLS_RECALL_SEEN = 0.6
CELLS_PRECISION_SEEN = 0.75
CELLS_RECALL_MEAN = CELLS_PRECISION_MEAN = 0.7
# is_cell, pooled over the 16 components of each movie: precision and recall of the accepted ones
# (a component is a cell when its mask reaches IoU >= 0.5 with a true mask). Visible seed 0:
# evaluate_components' defaults 1.00 / 0.83, accept all 0.75 / 1.00, size >= 10 px only 0.92 / 0.92;
# hidden seeds 1-3 pooled: defaults 0.97 / 0.93, accept all 0.62 / 1.00, size only 0.68 / 1.00,
# SNR > 2.5 only 0.83 / 0.97, r > 0.8 only 0.93 / 0.93, SNR > 5 0.96 / 0.83.
# Over 8 students' variants the defaults reach recall 0.50 on one lesson fit and 0.79 on the hidden
# components of two (r >= 0.8 rejects true cells), and one wrong component among the ~10 cells of
# one fit costs 0.08-0.1 of precision. The reference, SNR >= 2, r >= 0.7, size >= 10 px, reaches
# precision / recall >= 0.83 / 0.83 on the lesson fit and >= 0.86 / 0.91 pooled over the hidden
# ones, on seed 0 and the 8 variants; accept all: precision 0.62-0.75 (lesson fit), 0.62-0.73
# (hidden); size only: 0.68 on the hidden components of seed 0.
IS_CELL_PRECISION = 0.8
IS_CELL_RECALL = 0.8


def _read_only(*arrays):
    for a in arrays:
        a.flags.writeable = False
    return arrays if len(arrays) > 1 else arrays[0]


def nonrigid_movie(seed: int = 0):
    """A simulated non-rigid movie and its truth: ``(movie, true_field)``, field (T, 2, Y, X) px."""
    return _nonrigid_movie(int(seed))


@functools.lru_cache(maxsize=6)
def _nonrigid_movie(seed: int):
    rec = simulate.simulate_movie(seed=seed, **NONRIGID_MOVIE)
    return _read_only(rec.movie, rec.truth.displacement)


@functools.lru_cache(maxsize=6)
def rigid_shifts(seed: int = 0) -> np.ndarray:
    """Rigid shifts (T, 2) of a non-rigid movie by phase correlation to its mean (the defaults)."""
    return _read_only(reg.estimate_shifts(nonrigid_movie(seed)[0]))


def rigid_field(seed: int = 0) -> np.ndarray:
    """The rigid shifts as a field (T, 2, Y, X): the same (dy, dx) at every pixel."""
    movie, true = nonrigid_movie(seed)
    return np.broadcast_to(rigid_shifts(seed)[:, :, None, None], true.shape).astype(np.float32)


@functools.lru_cache(maxsize=2)
def patch_sweep(seed: int = 0) -> dict:
    """Error (px) of register_piecewise on the first SWEEP_FRAMES frames, per patch size
    (overlap half a patch): the answer key of exercise 2.2."""
    movie, true = nonrigid_movie(seed)
    clip, truth = movie[:SWEEP_FRAMES], true[:SWEEP_FRAMES]
    return {p: reg.displacement_error(reg.register_piecewise(clip, patch_size=p, overlap=p // 2)[1], truth)
            for p in PATCH_SIZES}


def cells_movie(seed: int = 0):
    """A movie with overlapping cells: ``(movie, truth)`` (truth: the simulator's GroundTruth)."""
    return _cells_movie(int(seed))


@functools.lru_cache(maxsize=6)
def _cells_movie(seed: int):
    rec = simulate.simulate_movie(seed=seed, **CELLS_MOVIE)
    return _read_only(rec.movie), rec.truth


def fit(seed: int = 0, n_components: int = N_COMPONENTS, n_background: int = 1):
    """The reference extraction (greedy start, HALS) of a cells movie."""
    return _fit(int(seed), int(n_components), int(n_background))


@functools.lru_cache(maxsize=8)
def _fit(seed: int, n_components: int, n_background: int):
    return ex.extract_sources(cells_movie(seed)[0], n_components, RADIUS_PX, n_background=n_background)


@functools.lru_cache(maxsize=8)
def quality(seed: int = 0):
    """evaluate_components of the reference fit, with CaImAn-like defaults."""
    return ex.evaluate_components(cells_movie(seed)[0], fit(seed))


def overlapping(true_masks) -> np.ndarray:
    """Boolean (n,): which true cells share pixels with another true cell."""
    m = np.asarray(true_masks).reshape(len(true_masks), -1).astype(int)
    shared = m @ m.T
    np.fill_diagonal(shared, 0)
    return shared.sum(axis=1) > 0


THRESHOLD_PERCENTILES = np.arange(70.0, 98.0, 2.5)


def threshold_rois(image, percentile: float) -> np.ndarray:
    """Lesson 08's method on a local correlation image: above a percentile, opened (radius 1),
    regions of at least 15 px. Returns boolean masks (n, Y, X)."""
    labels = masks.label_rois(masks.clean_mask(masks.threshold_mask(image, "percentile", percentile), 1, 15))
    return np.array([labels == k for k in range(1, labels.max() + 1)], dtype=bool).reshape(-1, *image.shape)


def best_threshold_rois(seed: int = 0) -> np.ndarray:
    """Threshold ROIs at the percentile that finds the most true cells (IoU >= 0.5) on this very
    movie: the fairest threshold ROIs can be, since it uses the truth."""
    movie, truth = cells_movie(seed)
    image = mv.local_correlation(movie)
    candidates = [threshold_rois(image, q) for q in THRESHOLD_PERCENTILES]
    return max(candidates, key=lambda rois: np.sum(masks.match_masks(rois, truth.masks)[0] >= IOU_FOUND)
               if len(rois) else -1)


def comparison(seed: int = 0) -> list[dict]:
    """Per method and group of true cells (overlapping / separated): number of cells, median IoU,
    fraction found (IoU >= 0.5) and median trace r with the true calcium, for the best threshold
    ROIs (mask-mean traces) and the reference fit."""
    movie, truth = cells_movie(seed)
    result = fit(seed)
    match = ex.match_to_truth(result.footprints, result.traces, truth.masks, truth.calcium)
    rois = best_threshold_rois(seed)
    iou, partner = masks.match_masks(rois, truth.masks)
    flat = rois.reshape(len(rois), -1).astype(np.float64)
    roi_traces = (flat / flat.sum(axis=1, keepdims=True)) @ movie.reshape(len(movie), -1).T
    r = np.array([np.corrcoef(roi_traces[j], truth.calcium[i])[0, 1] if j >= 0 else 0.0
                  for i, j in enumerate(partner)])
    group = overlapping(truth.masks)
    rows = []
    for name, ious, rs in (("threshold ROIs", iou, r), ("factorisation", match.iou, match.trace_r)):
        for label, sel in (("overlapping", group), ("separated", ~group)):
            rows.append(dict(method=name, cells=label, n=int(sel.sum()), median_iou=float(np.median(ious[sel])),
                             found=float(np.mean(ious[sel] >= IOU_FOUND)), median_r=float(np.median(rs[sel]))))
    return rows


def found_fraction_key(extraction, true_masks) -> float:
    """Fraction of true cells whose one-to-one partner (footprint_masks, Hungarian on IoU) has
    IoU >= IOU_FOUND: the answer key of exercise 3.2."""
    found = ex.footprint_masks(extraction.footprints)
    iou, _ = masks.match_masks(found, true_masks)
    return float(np.mean(iou >= IOU_FOUND))


def nonrigid_sd(field) -> float:
    """S.d. (px) of the non-rigid part of a field (T, 2, Y, X): the field minus, in every frame
    and axis, its mean over the pixels."""
    field = np.asarray(field, dtype=np.float64)
    return float(np.std(field - field.mean(axis=(2, 3), keepdims=True)))


STILL_MOVIE = dict(n_cells=30, shape=(100, 96, 96))


@functools.lru_cache(maxsize=1)
def still_movie() -> np.ndarray:
    """A still simulated movie (no motion), like the non-rigid movies otherwise, 100 frames of 96 x 96 px."""
    return _read_only(simulate.simulate_movie(seed=0, **STILL_MOVIE).movie)


@functools.lru_cache(maxsize=1)
def real_and_still():
    """The non-rigid s.d. of register_piecewise's field on the Allen crop and on a still simulated
    movie (no motion at all), and the rigid error on the still one: (allen, still, rigid_still)."""
    allen = data.load_allen_raw_crop().movie
    still = still_movie()
    still_field = reg.register_piecewise(still)[1]
    zero = np.zeros((len(still), 2))
    return (nonrigid_sd(reg.register_piecewise(allen)[1]), nonrigid_sd(still_field),
            reg.displacement_error(still_field, zero), reg.displacement_error(reg.estimate_shifts(still), zero))


# ---------------------------------------------------------------- figures

def plot_error_maps(maps: dict, *, vmax=None):
    """Error maps side by side, px, one colour scale (cividis: colour-blind safe)."""
    import matplotlib.pyplot as plt
    vmax = vmax or max(float(m.max()) for m in maps.values())
    fig, axes = plt.subplots(1, len(maps), figsize=(4 * len(maps) + 1, 3.6), layout="constrained")
    for ax, (title, image) in zip(np.atleast_1d(axes), maps.items()):
        shown = ax.imshow(image, cmap="cividis", vmin=0, vmax=vmax)
        ax.set(title=f"{title}: RMS {np.sqrt(np.mean(image ** 2)):.2f} px", xlabel="x (px)", ylabel="y (px)")
    fig.colorbar(shown, ax=axes, label="residual displacement error (px)")
    return fig


def plot_footprints(image, true_masks, found_masks=None, *, title="", ax=None):
    """An image (cividis) with the true masks' outlines (white) and found masks' outlines (orange)."""
    import matplotlib.pyplot as plt
    ax = ax or plt.subplots(figsize=(5, 4), layout="constrained")[1]
    ax.imshow(image, cmap="cividis")
    for m in true_masks:
        ax.contour(m, levels=[0.5], colors="white", linewidths=1.0)
    for m in (found_masks if found_masks is not None else []):
        ax.contour(m, levels=[0.5], colors="#E69F00", linewidths=1.2, linestyles="--")
    ax.set(title=title, xlabel="x (px)", ylabel="y (px)")
    return ax


# ---------------------------------------------------------------- answer keys

def error_map_key(estimated, true) -> np.ndarray:
    """Exercise 1.2's key: the package's per-pixel displacement error."""
    return reg.displacement_error(estimated, true, per_pixel=True)


def nnls_traces(y, a) -> np.ndarray:
    """Exercise 3.1's key: C (K, T) >= 0 minimising ||Y - A C|| frame by frame (scipy's NNLS)."""
    y, a = np.asarray(y, dtype=np.float64), np.asarray(a, dtype=np.float64)
    return np.stack([optimize.nnls(a, column)[0] for column in y.T], axis=1)


def cell_scores(found, truth) -> tuple[float, float]:
    """Recall and precision of boolean masks (n, Y, X) against a movie's truth: a true cell firing
    at least MIN_SPIKES times is found when its one-to-one partner (Hungarian on IoU) has IoU >=
    IOU_FOUND; precision counts the masks paired so with such a cell, over all masks except those
    paired (IoU >= IOU_FOUND) with a cell that fires less (those are neither right nor wrong)."""
    active = truth.spikes.sum(axis=1) >= MIN_SPIKES
    iou, _ = masks.match_masks(found, truth.masks)
    hit = (iou >= IOU_FOUND) & active
    quiet_hits = int(np.sum((iou >= IOU_FOUND) & ~active))
    recall = hit.sum() / max(active.sum(), 1)
    precision = hit.sum() / max(len(found) - quiet_hits, 1)
    return float(recall), float(precision)


def component_labels(seed: int) -> np.ndarray:
    """Which components of the reference fit are true cells: their mask's best IoU with a true
    mask (any cell, however often it fires) is >= IOU_FOUND."""
    movie, truth = cells_movie(seed)
    found = ex.footprint_masks(fit(seed).footprints).reshape(N_COMPONENTS, -1).astype(float)
    true = truth.masks.reshape(len(truth.masks), -1).astype(float)
    shared = found @ true.T
    iou = shared / (found.sum(axis=1)[:, None] + true.sum(axis=1)[None] - shared)
    return iou.max(axis=1) >= IOU_FOUND


def precision_recall(accepted, is_true) -> tuple[float, float]:
    """Precision and recall of boolean decisions against boolean labels (1.0 when undefined)."""
    accepted, is_true = np.asarray(accepted, bool), np.asarray(is_true, bool)
    tp = np.sum(accepted & is_true)
    return (float(tp / accepted.sum()) if accepted.any() else 1.0,
            float(tp / is_true.sum()) if is_true.any() else 1.0)


# ---------------------------------------------------------------- checks

def _random_fields(rng, n_frames, shape):
    """Smooth random fields (T, 2, Y, X) with a rigid part: the hidden tests of exercise 1.2."""
    yy, xx = np.mgrid[:shape[0], :shape[1]] / max(shape)
    base = np.stack([np.sin(3 * yy + 1) * np.cos(2 * xx), np.cos(2.5 * xx + yy)])
    weights = rng.normal(size=(n_frames, 2, 1, 1))
    rigid = rng.normal(size=(n_frames, 2, 1, 1))
    return (weights * base + rigid + 2.0).astype(np.float32)


def rigid_error_map(seed: int = 0) -> np.ndarray:
    """The per-pixel error (px) of rigid registration of a non-rigid movie."""
    return reg.displacement_error(rigid_field(seed), nonrigid_movie(seed)[1], per_pixel=True)


def block_rms(error_map, n_blocks: int = 3) -> np.ndarray:
    """RMS of an error map over each block of an n_blocks x n_blocks grid (equal blocks)."""
    y, x = error_map.shape
    return np.sqrt((error_map ** 2).reshape(n_blocks, y // n_blocks, n_blocks, x // n_blocks).mean(axis=(1, 3)))


def check_worst_block(worst_block, worst_block_error_px):
    """Exercise 1.1: the 32 x 32 px block where rigid registration is worst (RMS of the error map)."""
    rms = block_rms(rigid_error_map(0))
    plain = rigid_error_map(0).reshape(3, 32, 3, 32).mean(axis=(1, 3))
    if type(worst_block) is not tuple or len(worst_block) != 2:
        checks.fail("worst_block", f"is a {type(worst_block).__name__}; a tuple of two integers (row, column) "
                                   "is expected.", "e.g. tuple(int(i) for i in np.unravel_index(k, (3, 3)))")
    for i, name in enumerate(("row", "column")):
        checks.is_number(f"worst_block[{i}] (the block's {name})", worst_block[i], integer=True)
    want = tuple(int(i) for i in np.unravel_index(np.argmax(rms), rms.shape))
    got = tuple(int(i) for i in worst_block)
    if got != want:
        if got == want[::-1]:
            hint = "row first: the first index is y (rows), the second x (columns)"
        elif got == tuple(int(i) for i in np.unravel_index(np.argmax(plain), plain.shape)):
            hint = "that block has the largest mean error; the exercise asks for the root mean square"
        else:
            hint = "reshape the 96 x 96 map to (3, 32, 3, 32) and average the squared error over axes 1 and 3"
        checks.fail("worst_block", "is not the block with the largest RMS error.", hint)
    checks.is_number("worst_block_error_px", worst_block_error_px)
    checks.close("worst_block_error_px", worst_block_error_px, rms.max(), rtol=1e-4, mistakes={
        "that is the mean of the error over the block; take the root of the mean of its square":
            plain[want],
        "take the square root of the mean squared error": rms.max() ** 2,
        "that is the block's largest pixel error; take the RMS over the block": rigid_error_map(0).reshape(
            3, 32, 3, 32)[want[0], :, want[1]].max(),
    }, hint="the root mean square of maps['rigid'] over the block's 32 x 32 pixels")


def check_error_map(error_map, unseen=False):
    """Exercise 1.2: the learner's per-pixel error of a field against the true one."""
    checks.is_function("error_map", error_map, n_params=2)
    if unseen:
        rng = np.random.default_rng(7)
        cases = [("two random smooth fields (40 frames, 20 x 30 px)",
                  _random_fields(rng, 40, (20, 30)), _random_fields(rng, 40, (20, 30))),
                 ("two random fields (7 frames, 5 x 3 px)",
                  rng.normal(size=(7, 2, 5, 3)), rng.normal(size=(7, 2, 5, 3)))]
    else:
        true = nonrigid_movie(0)[1]
        smooth = _random_fields(np.random.default_rng(0), len(true), true.shape[2:])
        cases = [("the rigid shifts as a field, against the truth", rigid_field(0), true),
                 ("a smooth random field, against the truth", smooth, true)]
    for what, estimated, true in cases:
        call = f"error_map(estimated, true) on {what}"
        got = checks.call("error_map", error_map, np.array(estimated), np.array(true),
                          refuse=(reg.displacement_error,))
        checks.is_array(call, got, shape=true.shape[2:], hint="one error per pixel: shape (y, x)",
                        wrong_shapes={true.shape[1:]: "combine dy and dx into the length of the error vector",
                                      true.shape[:1]: "one value per pixel, not per frame: average over frames"})
        est64, true64 = np.asarray(estimated, np.float64), np.asarray(true, np.float64)
        raw = est64 - true64
        centred = raw - raw.mean(axis=0)
        checks.close(call, got, error_map_key(estimated, true), rtol=1e-3, atol=1e-5, mistakes={
            "remove each pixel's mean over frames first: registration is defined up to a constant offset":
                np.sqrt((raw ** 2).sum(axis=1).mean(axis=0)),
            "that is the mean length of the error vector; the exercise asks for the root mean square over frames":
                np.sqrt((centred ** 2).sum(axis=1)).mean(axis=0),
            "the squared error: take the square root": (centred ** 2).sum(axis=1).mean(axis=0),
            "the error of one axis only: use the length of the (dy, dx) difference":
                np.sqrt((centred[:, 0] ** 2).mean(axis=0)),
        }, hint="the root mean square over frames of the length of (estimated - true) after removing each "
                "pixel's mean over frames from both")


def _interp_cases(unseen):
    rng = np.random.default_rng(3 if unseen else 0)
    if not unseen:
        _, centres = reg.estimate_patch_shifts(nonrigid_movie(0)[0][:2])
        return [("the lesson's 5 x 5 grid of patches (3 frames, 96 x 96 px)",
                 rng.normal(size=(3, len(centres[0]), len(centres[1]), 2)), centres, (96, 96))]
    return [("a 3 x 4 grid on a 40 x 70 px frame", rng.normal(size=(4, 3, 4, 2)),
             (np.array([5.5, 19.5, 33.5]), np.array([8.0, 25.0, 40.5, 61.0])), (40, 70)),
            ("one patch row (1 x 3 grid) on a 12 x 50 px frame", rng.normal(size=(2, 1, 3, 2)),
             (np.array([6.0]), np.array([10.0, 24.5, 39.0])), (12, 50))]


def check_interpolate_field(interpolate_field, unseen=False):
    """Exercise 2.1: bilinear interpolation of patch shifts to every pixel."""
    checks.is_function("interpolate_field", interpolate_field, n_params=3)
    for what, shifts, centres, shape in _interp_cases(unseen):
        call = f"interpolate_field(patch_shifts, centres, frame_shape) on {what}"
        got = checks.call("interpolate_field", interpolate_field, shifts.copy(),
                          (centres[0].copy(), centres[1].copy()), shape, refuse=(reg.shift_field,))
        n = len(shifts)
        checks.is_array(call, got, shape=(n, 2, *shape), hint="one (dy, dx) per pixel of every frame: (n_frames, 2, y, x)",
                        wrong_shapes={(n, *shape, 2): "put (dy, dx) on axis 1: (n_frames, 2, y, x), as the "
                                                      "package's fields (np.moveaxis)"})
        rows = np.abs(np.arange(shape[0])[:, None] - centres[0][None]).argmin(axis=1)
        cols = np.abs(np.arange(shape[1])[:, None] - centres[1][None]).argmin(axis=1)
        nearest = np.moveaxis(shifts[:, rows][:, :, cols], -1, 1)
        checks.close(call, got, reg.shift_field(shifts, centres, shape), rtol=1e-4, atol=1e-5, mistakes={
            "every pixel takes its nearest patch's shift: interpolate linearly between the centres instead":
                nearest,
            "dy and dx are swapped": reg.shift_field(shifts[..., ::-1], centres, shape),
        }, hint="interpolate linearly along y between the row centres and along x between the column "
                "centres, and keep the value of the outermost centre beyond it (np.interp does both)")


def check_patch_errors(patch_errors):
    """Exercise 2.2: the learner's patch-size sweep on the first SWEEP_FRAMES frames."""
    checks.is_dict("patch_errors", patch_errors, keys=PATCH_SIZES)
    want = patch_sweep(0)
    movie, true = nonrigid_movie(0)
    rigid = reg.displacement_error(reg.estimate_shifts(movie[:SWEEP_FRAMES]), true[:SWEEP_FRAMES])
    for p in PATCH_SIZES:
        name = f"patch_errors[{p}]"
        checks.is_number(name, patch_errors[p])
        checks.close(name, patch_errors[p], want[p], rtol=2e-3, atol=1e-4, mistakes={
            "that is rigid registration's error: score the field that register_piecewise returns": rigid,
        }, hint=f"register the first {SWEEP_FRAMES} frames (movie[:{SWEEP_FRAMES}]) with patch_size={p} and "
                f"overlap={p // 2}, and score its field with reg.displacement_error against the true field of "
                f"the same frames")


def _field_answer(call, got, shape):
    n = shape[0]
    if type(got) is np.ndarray and got.shape == (n, 2):
        return got
    return checks.is_array(call, got, shape=(n, 2, *shape[1:]),
                           hint="return the displacement field (n_frames, 2, y, x) (rigid shifts (n_frames, 2) are "
                                "accepted too)", wrong_shapes={(n, *shape[1:], 2): "put (dy, dx) on axis 1"})


def check_my_register(my_register, unseen=False):
    """Exercise 2.3 (open): the learner's non-rigid registration, scored by its error against the
    true field as a ratio to rigid registration's error on the same movie."""
    checks.is_function("my_register", my_register, n_params=1)
    ratios = []
    for seed in (NONRIGID_UNSEEN if unseen else NONRIGID_SEEN):
        movie, true = nonrigid_movie(seed)
        call = f"my_register(movie) on {'a movie you have not seen' if unseen else 'the lesson movie'}"
        got = checks.call("my_register", my_register, np.array(movie),
                          refuse=(reg.register_piecewise,))
        got = _field_answer(call, got, movie.shape)
        rigid = reg.displacement_error(rigid_shifts(seed), true)
        ratio = reg.displacement_error(got, true) / rigid
        ratios.append(ratio)
        bound = REGISTER_RATIO_EACH if unseen else REGISTER_RATIO_SEEN
        if ratio > bound:
            if reg.displacement_error(-np.asarray(got, np.float64), true) < reg.displacement_error(got, true):
                hint = ("the field has the wrong sign: give the displacement of the scene, with the sign of "
                        "reg.estimate_shifts (what apply_shift_field undoes)")
            elif ratio > 1.05:
                hint = ("worse than one rigid shift: patches that small hold too few cells and fit noise; try "
                        "24-48 px patches, and bound each patch's deviation from the rigid shift")
            elif ratio > 0.9:
                hint = ("hardly better than rigid: does the field vary over the frame? estimate a shift per patch "
                        "(reg.estimate_patch_shifts) after removing the rigid motion, and add the rigid part back")
            else:
                hint = ("interpolate the patch shifts between patch centres (not nearest patch), taper the patch "
                        "edges, and let patches overlap by about half their size")
            checks.fail(call, f"has {ratio:.2f} times rigid registration's error against the true field "
                              f"(aim: at most {bound:g}).", hint)
    if unseen and np.mean(ratios) > REGISTER_RATIO_MEAN:
        checks.fail("my_register(movie) on movies you have not seen",
                    f"has on average {np.mean(ratios):.2f} times rigid registration's error (aim: at most "
                    f"{REGISTER_RATIO_MEAN:g}).", "taper the patch edges, interpolate between centres, 24-48 px patches")


def _nnls_cases(unseen):
    if not unseen:
        movie, truth = cells_movie(0)
        pick = np.flatnonzero(overlapping(truth.masks))[:4]
        a = truth.footprints[pick].reshape(len(pick), -1).T.astype(np.float64)
        keep = a.sum(axis=1) > 0
        y = movie[:200].reshape(200, -1).T[keep].astype(np.float64)
        y = y - np.median(y, axis=1, keepdims=True)       # background removed: cells near zero when quiet
        return [("4 overlapping footprints of the lesson movie and 200 frames", y, a[keep])]
    rng = np.random.default_rng(11)
    yy, xx = np.mgrid[:20, :20]
    centres = [(6, 6), (9, 9), (12, 7), (7, 13), (14, 14)]
    a = np.stack([np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / 12.0).ravel() for cy, cx in centres], axis=1)
    c = np.maximum(rng.normal(0.2, 1.0, size=(5, 60)), 0)
    return [("5 overlapping Gaussian footprints, 60 frames", a @ c + rng.normal(0, 0.3, size=(400, 60)), a)]


def check_trace_update(trace_update, unseen=False):
    """Exercise 3.1: non-negative least squares for the traces, footprints fixed."""
    checks.is_function("trace_update", trace_update, n_params=2)
    for what, y, a in _nnls_cases(unseen):
        call = f"trace_update(Y, A) on {what}"
        got = checks.call("trace_update", trace_update, y.copy(), a.copy())
        k, t = a.shape[1], y.shape[1]
        checks.is_array(call, got, shape=(k, t), hint="one row per component, one column per frame: (K, T)",
                        wrong_shapes={(t, k): "transpose: components on axis 0, frames on axis 1"})
        if np.any(got < -1e-9):
            checks.fail(call, "has negative values.",
                        "the traces are constrained to be non-negative; a least-squares solution (np.linalg.lstsq) "
                        "ignores the constraint")
        want = nnls_traces(y, a)
        scale = np.abs(want).max()
        clipped = np.maximum(np.linalg.lstsq(a, y, rcond=None)[0], 0)
        checks.close(call, got, want, rtol=1e-3, atol=1e-4 * scale, mistakes={
            "clipping the unconstrained solution at 0 is not the constrained optimum where footprints overlap: "
            "solve each frame with the constraint (scipy.optimize.nnls)": clipped,
        }, hint="minimise ||Y[:, t] - A @ c|| with c >= 0 for every frame t (scipy.optimize.nnls(A, Y[:, t]))")


def check_found_fraction(found_fraction):
    """Exercise 3.2: fraction of true cells found by three fits (background, number of components)."""
    keys = ((16, 1), (16, 0), (8, 1))
    checks.is_dict("found_fraction", found_fraction, keys=keys)
    truth = cells_movie(0)[1]
    for key in ((16, 0), (8, 1), (16, 1)):     # (16, 0) first: its typical mistakes give distinct values
        name = f"found_fraction[{key}]"
        value = checks.is_number(name, found_fraction[key])
        if value > 1:
            checks.fail(name, "is above 1.", "a fraction of the true cells: between 0 and 1, not a percentage or a count")
        result = fit(0, *key)
        iou_raw, _ = masks.match_masks(ex.footprint_masks(result.footprints, smooth_px=0.0), truth.masks)
        iou, _ = masks.match_masks(ex.footprint_masks(result.footprints), truth.masks)
        checks.close(name, value, found_fraction_key(result, truth.masks), rtol=1e-6, atol=1e-9, mistakes={
            "that is a fraction of the components; divide by the number of true cells (all 12)":
                float(np.sum(iou >= IOU_FOUND) / len(result.footprints)),
            "make the masks with ex.footprint_masks at its defaults (smoothed), as match_to_truth does":
                float(np.mean(iou_raw >= IOU_FOUND)),
        }, hint="count the true cells (all 12) whose matched IoU is at least 0.5, divided by the number of true cells")


def check_my_cells(my_cells, unseen=False):
    """Exercise 3.3 (open): the learner's cells as boolean masks, scored by recall and precision."""
    checks.is_function("my_cells", my_cells, n_params=2)
    scores = []
    for seed in (CELLS_UNSEEN if unseen else CELLS_SEEN):
        movie, truth = cells_movie(seed)
        call = f"my_cells(movie, radius_px) on {'a movie you have not seen' if unseen else 'the lesson movie'}"
        got = checks.call("my_cells", my_cells, np.array(movie), RADIUS_PX)
        checks.is_array(call, got, ndim=3, dtype="bool", hint="boolean masks, one per cell: (n_cells, y, x)")
        if got.shape[1:] != movie.shape[1:] or len(got) == 0:
            checks.fail(call, f"has shape {got.shape}; at least one mask of the frame's shape is expected.",
                        "stack one (y, x) mask per cell along axis 0")
        recall, precision = cell_scores(got, truth)
        scores.append((recall, precision))
        if not unseen and (recall < CELLS_RECALL_SEEN or precision < CELLS_PRECISION_SEEN):
            _fail_cells(call, recall, precision, (CELLS_RECALL_SEEN, CELLS_PRECISION_SEEN), len(got))
    if unseen:
        recall, precision = np.mean(scores, axis=0)
        if recall < CELLS_RECALL_MEAN or precision < CELLS_PRECISION_MEAN:
            _fail_cells("my_cells(movie, radius_px) on movies you have not seen", recall, precision,
                        (CELLS_RECALL_MEAN, CELLS_PRECISION_MEAN), None, mean=True)


def _fail_cells(call, recall, precision, bounds, n_masks, mean=False):
    recall_bound, precision_bound = bounds
    if recall < recall_bound and precision < precision_bound:
        hint = ("masks cut from an image by a threshold merge overlapping cells; fit footprints and traces "
                "together (ex.extract_sources) and make masks of the footprints (ex.footprint_masks)")
    elif precision < precision_bound:
        hint = ("too many masks are not cells: keep only the components that pass an evaluation "
                "(ex.evaluate_components), or ask for fewer components")
    else:
        hint = ("cells are missed: ask for more components than you expect cells (the extras can be "
                "rejected by evaluation), or check the masks' size (footprint_masks at half the peak)")
    avg = "on average " if mean else ""
    checks.fail(call, f"finds {avg}{recall:.0%} of the cells (recall) and {avg}{precision:.0%} of its masks are cells "
                      f"(precision); aim for a recall of at least {recall_bound:.0%} and a precision of at least "
                      f"{precision_bound:.0%}.", hint)


def check_is_cell(is_cell, unseen=False):
    """Exercise 4.1 (open): the learner's accept rule on (snr, r, size_px), scored against truth."""
    checks.is_function("is_cell", is_cell, n_params=3)
    decisions, labels = [], []
    for seed in (CELLS_UNSEEN if unseen else CELLS_SEEN):
        q = quality(seed)
        call = "is_cell(snr, r, size_px)" + (" on components you have not seen" if unseen else "")
        got = checks.call("is_cell", is_cell, q.snr.copy(), q.r.copy(), q.size_px.copy())
        checks.is_array(call, got, shape=q.snr.shape, dtype="bool",
                        hint="one True/False per component, as a boolean array (e.g. (snr > a) & (r > b))")
        decisions.append(got)
        labels.append(component_labels(seed))
    precision, recall = precision_recall(np.concatenate(decisions), np.concatenate(labels))
    if precision < IS_CELL_PRECISION or recall < IS_CELL_RECALL:
        hint = ("you accept components that are not cells: raise a threshold (SNR first), or combine tests with &"
                if precision < IS_CELL_PRECISION else
                "you reject true cells: a threshold too strict, or tests combined with & where one failing "
                "test should not reject a clear cell")
        checks.fail(call, f"accepts components with precision {precision:.2f} and recall {recall:.2f} against the "
                          f"true cells (aim: precision at least {IS_CELL_PRECISION:g}, recall at least "
                          f"{IS_CELL_RECALL:g}).", hint)


def check_real_and_still(allen_nonrigid_sd_px, still_nonrigid_sd_px):
    """Exercise 5.1: the non-rigid part of register_piecewise's field on the Allen crop and on a
    still movie."""
    allen, still, _, _ = real_and_still()
    for name, value, want in (("allen_nonrigid_sd_px", allen_nonrigid_sd_px, allen),
                              ("still_nonrigid_sd_px", still_nonrigid_sd_px, still)):
        checks.is_number(name, value)
        checks.close(name, value, want, rtol=2e-3, hint=(
            "register with reg.register_piecewise at its defaults; subtract from the field, in every frame and "
            "axis, its mean over the pixels (field.mean(axis=(2, 3), keepdims=True)), then take np.std of the rest"))
