"""Lesson 02: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest
from scipy import ndimage
from skimage import filters, measure, morphology

LESSON = "02-roi-masks"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _zscore(image):
    return (image - image.mean()) / image.std()


def _raise(error):
    raise error


def _corrs(ns, mask, truth):
    traces = [ns["mk"].roi_traces(ns["movie"], mask, how) for how in ("mean", "median", "weighted")]
    return np.array([np.corrcoef(t, truth)[0, 1] for t in traces])


def _column_major(mask):
    ys, xs = np.nonzero(mask)
    order = np.lexsort((ys, xs))
    return ys[order], xs[order]


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-norm-check", {"std_smooth": lambda ns: ns["std_image"]}, "the std image itself"),
    ("ex-norm-check", {"std_smooth": lambda ns: ndimage.gaussian_filter(ns["std_image"], sigma=2)}, "use sigma=1"),
    ("ex-norm-check", {"std_smooth": lambda ns: ndimage.gaussian_filter(ns["mean_image"], sigma=1)}, "smoothed mean image"),
    ("ex-norm-check", {"std_norm": lambda ns: ns["std_smooth"] / ns["std_smooth"].max()}, "dividing by the maximum alone"),
    ("ex-norm-check", {"std_norm": lambda ns: _zscore(ns["std_smooth"])}, "z-score"),
    ("ex-norm-check", {"std_norm": lambda ns: (ns["std_image"] - ns["std_image"].min()) / np.ptp(ns["std_image"])},
     "unsmoothed std image"),
    ("ex-abs-check", {"mask_abs": lambda ns: ns["std_norm_ref"] < 0.4}, "below the threshold"),
    ("ex-abs-check", {"mask_abs": lambda ns: ns["std_image"] > 0.4}, "normalised units"),
    ("ex-abs-check", {"mask_abs": lambda ns: (ns["std_norm_ref"] > 0.4).astype(float)}, "made by a comparison"),
    ("ex-kstd-check", {"threshold_mean_std": lambda ns: lambda image, k: image > image.mean(axis=0) + k * image.std(axis=0)},
     "one threshold per column"),
    ("ex-kstd-check", {"threshold_mean_std": lambda ns: lambda image, k: image > image.mean() + 3 * image.std()},
     "not a fixed 3"),
    ("ex-kstd-check", {"threshold_mean_std": lambda ns: lambda image, k: float(image.mean() + k * image.std())},
     "not the threshold"),
    ("ex-kstd-check", {"threshold_mean_std": lambda ns: lambda image, k: image > image.mean() - k * image.std()},
     "not below it"),
    ("ex-kstd-check", {"threshold_mean_std": lambda ns: lambda image, k: ns["std_norm_ref"] > ns["std_norm_ref"].mean() + k * ns["std_norm_ref"].std()},
     "image and k passed as arguments"),
    ("ex-pct-check", {"mask_p80": lambda ns: ns["std_norm_ref"] > np.percentile(ns["std_norm_ref"], 0.8)}, "from 0 to 100"),
    ("ex-pct-check", {"mask_p10": lambda ns: ns["std_norm_ref"] > np.percentile(ns["std_norm_ref"], 90)}, "not above the 90th"),
    ("ex-pct-check", {"mask_p80": lambda ns: ns["std_norm_ref"] < np.percentile(ns["std_norm_ref"], 80)}, "below the percentile"),
    ("ex-pct-check", {"mask_otsu": lambda ns: ns["std_image"] > filters.threshold_otsu(ns["std_image"])}, "unsmoothed std image"),
    ("ex-clean-check", {"n_regions_raw": lambda ns: int(measure.label(ns["raw_mask_ref"], connectivity=1).max())}, "4-connected"),
    ("ex-clean-check", {"n_regions_raw": lambda ns: ns["n_regions_raw"] + 1}, "background (label 0)"),
    ("ex-clean-check", {"n_regions_raw": lambda ns: float(ns["n_regions_raw"])}, "whole number"),
    ("ex-clean-check", {"mask_clean": lambda ns: morphology.remove_small_objects(
        morphology.opening(ns["raw_mask_ref"], morphology.disk(1)), connectivity=2)}, "default max_size is 64"),
    ("ex-clean-check", {"mask_clean": lambda ns: morphology.remove_small_objects(ns["raw_mask_ref"], max_size=19, connectivity=2)},
     "not opened"),
    ("ex-clean-check", {"n_regions_clean": lambda ns: ns["n_regions_clean"] + 1}, "background (label 0) is not a region"),
    ("ex-props-check", {"roi_centroids": lambda ns: ns["roi_centroids"][:, ::-1]}, "columns are swapped"),
    ("ex-props-check", {"roi_areas": lambda ns: np.bincount(ns["labels_ref"].ravel())}, "included the background"),
    ("ex-props-check", {"roi_centroids": lambda ns: ns["roi_centroids"].T.copy()}, "one row per region"),
    ("ex-coords-check", {"roi_ys": lambda ns: ns["roi_xs"], "roi_xs": lambda ns: ns["roi_ys"]}, "swapped"),
    ("ex-coords-check", {"first_pixel_segment": lambda ns: ns["movie"][300:751, ns["roi_ys"][0], ns["roi_xs"][0]]},
     "stop of a slice is excluded"),
    ("ex-coords-check", {"last_pixel_trace": lambda ns: ns["movie"][:, ns["roi_ys"][0], ns["roi_xs"][0]]}, "that is the first pixel"),
    ("ex-coords-check", {"first_pixel_segment": lambda ns: ns["movie"][300:750, ns["roi_ys"][-1], ns["roi_xs"][-1]]},
     "that is the last pixel"),
    ("ex-pxt-check", {"pixels_by_time": lambda ns: lambda movie, mask: movie[:, mask].astype(np.float64)}, "transpose it"),
    ("ex-pxt-check", {"pixels_by_time": lambda ns: lambda movie, mask: movie[:, mask].T}, "astype(np.float64)"),
    ("ex-pxt-check", {"pixels_by_time": lambda ns: lambda movie, mask: movie[:, _column_major(mask)[0], _column_major(mask)[1]].T.astype(float)},
     "raster order"),
    ("ex-pxt-check", {"pixels_by_time": lambda ns: lambda movie, mask: _raise(NotImplementedError())}, "not written yet"),
    ("ex-pxt-check", {"pixels_by_time": lambda ns: lambda movie, mask: np.asarray(ns["movie"])[:, mask].T.astype(float)
                      if mask.shape == ns["movie"].shape[1:] else np.zeros((int(mask.sum()), 2000))},
     "movie and the mask passed as arguments"),
    ("ex-mtrace-check", {"mask_trace": lambda ns: lambda movie, mask, how: movie[:, mask].astype(float).mean(axis=0)}, "reduced over time"),
    ("ex-mtrace-check", {"mask_trace": lambda ns: lambda movie, mask, how: movie[:, mask].astype(float).mean(axis=1)},
     'with how="median" return the median'),
    ("ex-mtrace-check", {"mask_trace": lambda ns: lambda movie, mask, how: movie[:, mask].astype(float).sum(axis=1)}, "sum over the pixels"),
    ("ex-mtrace-check", {"mask_trace": lambda ns: lambda movie, mask, how: movie[:, mask].T.astype(float)}, "pixels x time matrix"),
    ("ex-wtrace-check", {"weighted_trace": lambda ns: lambda movie, mask, w: movie[:, mask].astype(float) @ w[mask] / w.sum()},
     "not over the whole image"),
    ("ex-wtrace-check", {"weighted_trace": lambda ns: lambda movie, mask, w: movie[:, mask].astype(float).mean(axis=1)}, "plain mean"),
    ("ex-wtrace-check", {"weighted_trace": lambda ns: lambda movie, mask, w: movie[:, mask].astype(float) @ w[mask]}, "normalise"),
    ("ex-corr-check", {"trace_corrs": lambda ns: _corrs(ns, ns["true_masks"][ns["cell"]], ns["rec"].truth.calcium[ns["cell"]])},
     "use the loose mask"),
    ("ex-corr-check", {"trace_corrs": lambda ns: ns["trace_corrs"][::-1].copy()}, "keep the order"),
    ("ex-corr-check", {"trace_corrs": lambda ns: _corrs(ns, ns["loose"], ns["rec"].traces[ns["cell"]])}, "not with the true fluorescence"),
    ("ex-iou-check", {"iou": lambda ns: lambda a, b: 2 * (a & b).sum() / (a.sum() + b.sum())}, "Dice"),
    ("ex-iou-check", {"iou": lambda ns: lambda a, b: (a & b).sum() / (a.sum() + b.sum())}, "counts the shared pixels twice"),
    ("ex-iou-check", {"iou": lambda ns: lambda a, b: (a & b).sum() / a.sum()}, "fraction of a covered by b"),
    ("ex-iou-check", {"iou": lambda ns: lambda a, b: (a & b).sum() / (a | b).sum() if (a & b).any() else 1.0},
     "for any two masks"),
    ("ex-best-check", {"best_iou": lambda ns: np.array([max(ns["mk"].iou(t, d) for t in ns["true_masks"]) for d in ns["rois_ref"]])},
     "one value per detected ROI"),
    ("ex-best-check", {"fraction_found": lambda ns: 100 * ns["fraction_found"]}, "not a percentage"),
    ("ex-best-check", {"fraction_found": lambda ns: float(np.sum(ns["best_iou"] >= 0.5))}, "number of cells"),
    ("ex-best-check", {"fraction_found": lambda ns: 1 - ns["fraction_found"]}, "below 0.5"),
    ("ex-sima-check", {"sima_traces": lambda ns: ns["sima_traces"].T.copy()}, "transpose to (2, n_frames)"),
    ("ex-sima-check", {"sima_traces": lambda ns: ns["mk"].roi_traces(ns["sima"].movie, ns["sima_rois"], "median")}, "medians"),
    ("ex-sima-check", {"sima_n_pixels": lambda ns: ns["sima_rois"].sum(axis=0)}, "summed over the ROIs"),
    ("ex-sima-check", {"sima_traces": lambda ns: ns["sima_traces"][::-1].copy()}, "wrong order"),
    ("ex-s2p-check", {"s2p_cell_masks": lambda ns: ns["s2p"].masks.copy()}, "iscell True"),
    ("ex-s2p-check", {"s2p_cell_masks": lambda ns: ns["s2p_cell_masks"].transpose(0, 2, 1).copy()}, "Ly rows and Lx columns"),
]


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    lt.assert_two_wrong_answers_per_check(checks, WRONG)
