"""Lesson 08b: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values; the answer keys agree with independent computations."""
import itertools

import lesson_tools as lt
import numpy as np
import pytest
from scipy import interpolate

from helpers import extraction as ex, movie as mv, registration as reg
from helpers.lessons import sources as lesson08b

LESSON = "08b-sources"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _chain(patch_size, overlap, nearest=False):
    """A learner's piecewise registration: rigid, patch shifts, field (interpolated or nearest)."""
    def register(movie):
        rigid = reg.estimate_shifts(movie, taper_px=2.0)
        rigidly = reg.apply_shifts(movie, rigid)
        shifts, centres = reg.estimate_patch_shifts(rigidly, rigidly.mean(axis=0), patch_size=patch_size,
                                                    overlap=overlap, max_shift=3.0)
        if nearest:
            rows = np.abs(np.arange(movie.shape[1])[:, None] - centres[0][None]).argmin(axis=1)
            cols = np.abs(np.arange(movie.shape[2])[:, None] - centres[1][None]).argmin(axis=1)
            field = np.moveaxis(shifts[:, rows][:, :, cols], -1, 1)
        else:
            field = reg.shift_field(shifts, centres, movie.shape[1:])
        return field + rigid[:, :, None, None]
    return register


def _centred(e, t):
    d = np.asarray(e, np.float64) - t
    return d - d.mean(axis=0)


def _extrapolating(shifts, centres, shape):
    """Bilinear interpolation that extrapolates linearly beyond the outermost centres."""
    grid = np.stack(np.meshgrid(np.arange(shape[0]), np.arange(shape[1]), indexing="ij"), axis=-1)
    out = np.empty((len(shifts), 2, *shape))
    for t, a in itertools.product(range(len(shifts)), range(2)):
        f = interpolate.RegularGridInterpolator(centres, shifts[t, :, :, a], bounds_error=False, fill_value=None)
        out[t, a] = f(grid)
    return out


def _threshold_cells(movie, radius_px):
    return lesson08b.threshold_rois(mv.local_correlation(movie), 90.0)


def _all_components(movie, radius_px):
    return ex.footprint_masks(ex.extract_sources(movie, 16, radius_px).footprints)


WRONG = [
    ("ex-block-check", {"worst_block": lambda ns: ns["worst_block"][::-1]}, "row first"),
    ("ex-block-check", {"worst_block": lambda ns: list(ns["worst_block"])}, "a tuple of two integers"),
    ("ex-block-check", {"worst_block_error_px": lambda ns: float(ns["block_rms"].max() ** 2)}, "take the square root"),
    ("ex-block-check", {"worst_block_error_px": lambda ns: float(ns["maps"]["rigid"].reshape(3, 32, 3, 32).mean(
        axis=(1, 3))[ns["worst_block"]])}, "mean of the error over the block"),
    ("ex-errmap-check", {"error_map": lambda ns: lambda e, t: np.sqrt(((np.asarray(e, float) - t) ** 2).sum(axis=1).mean(axis=0))},
     "remove each pixel's mean"),
    ("ex-errmap-check", {"error_map": lambda ns: lambda e, t: np.sqrt((_centred(e, t) ** 2).sum(axis=1)).mean(axis=0)},
     "mean length of the error vector"),
    ("ex-errmap-check", {"error_map": lambda ns: lambda e, t: (_centred(e, t) ** 2).sum(axis=1).mean(axis=0)},
     "take the square root"),
    ("ex-errmap-check", {"error_map": lambda ns: lambda e, t: np.sqrt((_centred(e, t)[:, 0] ** 2).mean(axis=0))},
     "one axis only"),
    ("ex-errmap-check", {"error_map": lambda ns: lambda e, t: np.sqrt((_centred(e, t) ** 2).mean(axis=0))},
     "combine dy and dx"),
    ("ex-errmap-check", {"error_map": lambda ns: lambda e, t: reg.displacement_error(e, t, per_pixel=True)},
     "write this yourself"),
    ("ex-interp-check", {"interpolate_field": lambda ns: lambda s, c, f: lesson08b_nearest(s, c, f)}, "nearest patch"),
    ("ex-interp-check", {"interpolate_field": lambda ns: lambda s, c, f: ns["interpolate_field"](np.asarray(s)[..., ::-1], c, f)},
     "swapped"),
    ("ex-interp-check", {"interpolate_field": lambda ns: lambda s, c, f: np.moveaxis(ns["interpolate_field"](s, c, f), 1, -1)},
     "put (dy, dx) on axis 1"),
    ("ex-interp-check", {"interpolate_field": lambda ns: _extrapolating}, "keep the value of the outermost centre"),
    ("ex-interp-check", {"interpolate_field": lambda ns: reg.shift_field}, "write this yourself"),
    ("ex-patch-check", {"patch_errors": lambda ns: {p: reg.displacement_error(reg.estimate_shifts(ns["movie"][:100]),
                                                                               ns["true_field"][:100]) for p in (16, 32, 64)}},
     "rigid registration's error"),
    ("ex-patch-check", {"patch_errors": lambda ns: {p: reg.displacement_error(reg.register_piecewise(
        ns["movie"][:100], patch_size=p, overlap=0)[1], ns["true_field"][:100]) for p in (16, 32, 64)}}, "overlap="),
    ("ex-patch-check", {"patch_errors": lambda ns: {str(p): e for p, e in ns["patch_errors"].items()}}, "keys must be exactly"),
    ("ex-myreg-check", {"my_register": lambda ns: lambda m: reg.estimate_shifts(m)}, "hardly better than rigid"),
    ("ex-myreg-check", {"my_register": lambda ns: _chain(16, 8)}, "patches that small"),
    ("ex-myreg-check", {"my_register": lambda ns: _chain(32, 0, nearest=True)}, "not nearest patch"),
    ("ex-myreg-check", {"my_register": lambda ns: lambda m: -_chain(32, 16)(m)}, "wrong sign"),
    ("ex-myreg-check", {"my_register": lambda ns: lambda m: reg.register_piecewise(m)[1]}, "write this yourself"),
    ("ex-myreg-check", {"my_register": lambda ns: lambda m: np.moveaxis(_chain(32, 16)(m), 1, -1)}, "put (dy, dx) on axis 1"),
    ("ex-myreg-check", {"my_register": lambda ns: _chain(16, 8)}, lt.Hidden("patches that small")),
    ("ex-nnls-check", {"trace_update": lambda ns: lambda y, a: np.linalg.lstsq(a, y, rcond=None)[0]}, "has negative values"),
    ("ex-nnls-check", {"trace_update": lambda ns: lambda y, a: np.maximum(np.linalg.lstsq(a, y, rcond=None)[0], 0)},
     "clipping the unconstrained solution"),
    ("ex-nnls-check", {"trace_update": lambda ns: lambda y, a: ns["trace_update"](y, a).T}, "transpose"),
    ("ex-nnls-check", {"trace_update": lambda ns: lambda y, a: np.maximum(np.linalg.lstsq(a, y, rcond=None)[0], 0)},
     lt.Hidden("clipping the unconstrained solution")),
    ("ex-found-check", {"found_fraction": lambda ns: {k: 100 * v for k, v in ns["found_fraction"].items()}}, "is above 1"),
    ("ex-found-check", {"found_fraction": lambda ns: {k: float(np.mean(masks_iou(ex.footprint_masks(f.footprints, smooth_px=0.0),
                                                                                 ns["cells_truth"].masks) >= 0.5))
                                                      for k, f in ns["fits"].items()}}, "at its defaults"),
    ("ex-found-check", {"found_fraction": lambda ns: {k: float(np.sum(ex.match_to_truth(
        f.footprints, f.traces, ns["cells_truth"].masks, ns["cells_truth"].calcium).iou >= 0.5) / len(f.footprints))
        for k, f in ns["fits"].items()}}, "all 12"),
    ("ex-mycells-check", {"my_cells": lambda ns: _threshold_cells}, "masks cut from an image by a threshold"),
    ("ex-mycells-check", {"my_cells": lambda ns: _all_components}, "too many masks are not cells"),
    ("ex-mycells-check", {"my_cells": lambda ns: lambda m, r: ex.extract_sources(m, 16, r).footprints}, "bool values are expected"),
    ("ex-mycells-check", {"my_cells": lambda ns: _all_components}, lt.Hidden("too many masks are not cells")),
    ("ex-iscell-check", {"is_cell": lambda ns: lambda s, r, z: np.ones(len(s), dtype=bool)}, "you accept components that are not cells"),
    ("ex-iscell-check", {"is_cell": lambda ns: lambda s, r, z: np.zeros(len(s), dtype=bool)}, "you reject true cells"),
    ("ex-iscell-check", {"is_cell": lambda ns: lambda s, r, z: ((s >= 2.5) & (r >= 0.8)).astype(float)}, "bool values are expected"),
    ("ex-iscell-check", {"is_cell": lambda ns: lambda s, r, z: z >= 10}, lt.Hidden("you accept components that are not cells")),
    ("ex-real-check", {"allen_nonrigid_sd_px": lambda ns: float(np.std(ns["allen_field"]))}, "subtract from the field"),
    ("ex-real-check", {"allen_nonrigid_sd_px": lambda ns: ns["still_nonrigid_sd_px"],
                       "still_nonrigid_sd_px": lambda ns: ns["allen_nonrigid_sd_px"]}, "register with reg.register_piecewise"),
    ("ex-real-check", {"still_nonrigid_sd_px": lambda ns: np.array([ns["still_nonrigid_sd_px"]])}, "not a single number"),
]


def lesson08b_nearest(shifts, centres, shape):
    shifts = np.asarray(shifts)
    rows = np.abs(np.arange(shape[0])[:, None] - centres[0][None]).argmin(axis=1)
    cols = np.abs(np.arange(shape[1])[:, None] - centres[1][None]).argmin(axis=1)
    return np.moveaxis(shifts[:, rows][:, :, cols], -1, 1)


def masks_iou(found, true):
    """Each true mask's IoU with its partner (one-to-one, the package's pairing)."""
    from helpers import masks
    return masks.match_masks(found, true)[0]


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)


# ---------------------------------------------------------------- answer keys, computed independently

def test_error_map_key_by_explicit_loops():
    rng = np.random.default_rng(0)
    est, true = rng.normal(size=(6, 2, 3, 4)), rng.normal(size=(6, 2, 3, 4))
    want = np.zeros((3, 4))
    for y, x in itertools.product(range(3), range(4)):
        e = [est[t, :, y, x] - est[:, :, y, x].mean(axis=0) for t in range(6)]
        g = [true[t, :, y, x] - true[:, :, y, x].mean(axis=0) for t in range(6)]
        want[y, x] = np.sqrt(np.mean([(a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 for a, b in zip(e, g)]))
    assert np.allclose(lesson08b.error_map_key(est, true), want)
    # a constant offset at every pixel is not an error
    assert np.allclose(lesson08b.error_map_key(true + 5.0, true), 0, atol=1e-12)


def test_interpolation_key_against_scipy_with_clamped_coordinates():
    rng = np.random.default_rng(1)
    shifts = rng.normal(size=(2, 3, 4, 2))
    centres = (np.array([4.0, 10.5, 17.0]), np.array([3.0, 9.0, 15.5, 24.0]))
    shape = (22, 30)
    y = np.clip(np.arange(shape[0]), centres[0][0], centres[0][-1])
    x = np.clip(np.arange(shape[1]), centres[1][0], centres[1][-1])
    grid = np.stack(np.meshgrid(y, x, indexing="ij"), axis=-1)
    for t, a in itertools.product(range(2), range(2)):
        f = interpolate.RegularGridInterpolator(centres, shifts[t, :, :, a])
        assert np.allclose(reg.shift_field(shifts, centres, shape)[t, a], f(grid), atol=1e-5)


def test_nnls_key_against_brute_force_over_active_sets():
    rng = np.random.default_rng(2)
    a = np.abs(rng.normal(size=(8, 3))) + np.eye(8, 3)
    y = rng.normal(size=(8, 5))
    got = lesson08b.nnls_traces(y, a)
    for t in range(5):
        best, best_cost = None, np.inf
        for k in range(4):                   # every set of free components: the optimum is one of them
            for active in itertools.combinations(range(3), k):
                c = np.zeros(3)
                if active:
                    c[list(active)] = np.linalg.lstsq(a[:, list(active)], y[:, t], rcond=None)[0]
                if np.all(c >= -1e-12) and np.sum((y[:, t] - a @ c) ** 2) < best_cost:
                    best, best_cost = c, np.sum((y[:, t] - a @ c) ** 2)
        assert np.allclose(got[:, t], np.maximum(best, 0), atol=1e-8)


class _Truth:
    def __init__(self, masks, spikes):
        self.masks, self.spikes = masks, spikes


def test_cell_scores_by_hand():
    true = np.zeros((3, 10, 10), bool)
    true[0, :4, :4] = true[1, 5:9, 5:9] = true[2, :3, 6:9] = True
    spikes = np.array([[9], [7], [1]])               # cell 2 fires once: neither right nor wrong
    found = np.zeros((4, 10, 10), bool)
    found[0, :4, :3] = True                          # IoU 12/16 with cell 0: found
    found[1, 5:9, 5:6] = True                        # IoU 4/16 with cell 1: not found
    found[2, :3, 6:9] = True                         # cell 2, which fires too rarely to count
    found[3, 8:10, 0:2] = True                       # nothing
    recall, precision = lesson08b.cell_scores(found, _Truth(true, spikes))
    assert recall == pytest.approx(1 / 2)            # cells 0 and 1 count; cell 0 found
    assert precision == pytest.approx(1 / 3)         # masks 0, 1, 3 judged; mask 0 right


def test_precision_recall_and_labels_by_loops():
    assert lesson08b.precision_recall([True, True, False, False], [True, False, True, False]) == (0.5, 0.5)
    assert lesson08b.precision_recall([False, False], [True, False]) == (1.0, 0.0)
    movie, truth = lesson08b.cells_movie(0)
    found = ex.footprint_masks(lesson08b.fit(0).footprints)
    want = [max(np.sum(f & t) / np.sum(f | t) for t in truth.masks) >= 0.5 for f in found]
    assert lesson08b.component_labels(0).tolist() == want


def test_found_fraction_key_by_loops():
    movie, truth = lesson08b.cells_movie(0)
    for key in ((16, 1), (16, 0), (8, 1)):
        result = lesson08b.fit(0, *key)
        found = ex.footprint_masks(result.footprints)
        iou = np.array([[np.sum(f & t) / np.sum(f | t) for f in found] for t in truth.masks])
        # IoU > 0.5 pairs cannot compete: a true mask has at most one such partner among masks that do
        # not overlap much, so the one-to-one pairing agrees with each true cell's best match here
        assert lesson08b.found_fraction_key(result, truth.masks) == pytest.approx(np.mean(iou.max(axis=1) >= 0.5))


def test_block_rms_by_loops():
    rng = np.random.default_rng(4)
    image = rng.random((6, 9))
    want = [[np.sqrt(np.mean([image[y, x] ** 2 for y in range(2 * i, 2 * i + 2) for x in range(3 * j, 3 * j + 3)]))
             for j in range(3)] for i in range(3)]
    assert np.allclose(lesson08b.block_rms(image), want)


def test_nonrigid_sd_by_hand():
    field = np.zeros((2, 2, 2, 2))
    field[0, 0] = [[1.0, 3.0], [1.0, 3.0]]            # frame 0, dy: mean 2, deviations +-1
    field[1, 1] = 7.0                                 # frame 1, dx: uniform, no non-rigid part
    # 16 values: 4 of them +-1, the rest 0 -> s.d. sqrt(4 / 16)
    assert lesson08b.nonrigid_sd(field) == pytest.approx(0.5)


def test_open_bounds_separate_the_model_answer_from_weak_ones():
    """The calibration recorded beside the bounds, re-measured on the visible movie."""
    movie, true = lesson08b.nonrigid_movie(0)
    rigid = reg.displacement_error(lesson08b.rigid_shifts(0), true)
    assert reg.displacement_error(_chain(32, 16)(np.array(movie)), true) / rigid < lesson08b.REGISTER_RATIO_SEEN - 0.05
    assert reg.displacement_error(_chain(32, 0, nearest=True)(np.array(movie)), true) / rigid > lesson08b.REGISTER_RATIO_SEEN
