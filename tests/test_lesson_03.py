"""Lesson 03: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest
from scipy import ndimage
from skimage.morphology import dilation, disk

from helpers.lessons import neuropil as L

LESSON = "03-neuropil"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _not_written(F, Fneu, r):
    raise NotImplementedError()


def _ring_with_iterations_inside(m, i, g, w):
    """Outer dilation with a disk, inner one with scipy's iterations=gap: right for gap >= 1 (two
    3 x 3 cross dilations are disk(2)), wrong for gap 0, where iterations=0 repeats until nothing changes."""
    return dilation(m[i], disk(g + w)) & ~ndimage.binary_dilation(m[i], iterations=g) & ~m.any(axis=0)


def _frame_statistic(statistic):
    """A neuropil estimate that is one statistic of the whole frame, the same for every cell."""
    def neuropil_traces(movie, masks):
        return np.repeat(statistic(movie, axis=(1, 2))[None].astype(float), len(masks), axis=0)
    return neuropil_traces


def _ring_traces(gap, width):
    return lambda movie, masks: L.mk.roi_traces(movie, L.mk.neuropil_rings(masks, gap, width))


def _one_pixel(movie, masks):
    """The pixel farthest from every cell, for every cell: mostly shot noise, at the wrong level."""
    distance = ndimage.distance_transform_edt(~masks.any(axis=0))
    y, x = np.unravel_index(np.argmax(distance), distance.shape)
    return np.repeat(movie[:, y, x][None].astype(float), len(masks), axis=0)


def _slopes(F, Fneu):
    return np.array([np.polyfit(n, f, 1)[0] for f, n in zip(F, Fneu)])


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-global-check", {"bg_mean": lambda ns: ns["movie"].mean(axis=0)}, "reduced over time"),
    ("ex-global-check", {"bg_median": lambda ns: ns["movie"].mean(axis=(1, 2))}, "that is the mean of each frame"),
    ("ex-global-check", {"bg_min": lambda ns: ns["movie"].max(axis=(1, 2))}, "maximum of each frame"),
    ("ex-global-check", {"bg_min": lambda ns: ns["movie"].min(axis=2)}, "reduced over x only"),
    ("ex-pixel-check", {"npil_pixel_trace": lambda ns: ns["cell_pixel_trace"]}, "other pixel"),
    ("ex-pixel-check", {"cell_pixel_trace": lambda ns: ns["movie"][:, ns["cell_yx"][1], ns["cell_yx"][0]].astype(float)},
     "swapped"),
    ("ex-pixel-check", {"npil_pixel_corr": lambda ns: float(np.corrcoef(ns["cell_pixel_trace"], ns["bg_mean"])[0, 1])},
     "correlation of the cell pixel"),
    ("ex-pixel-check", {"npil_pixel_corr": lambda ns: float(np.cov(ns["npil_pixel_trace"], ns["bg_mean"])[0, 1])},
     "that is the covariance"),
    ("ex-pixel-check", {"cell_pixel_trace": lambda ns: ns["movie"][:, ns["cell_yx"][0], ns["cell_yx"][1]]}, "float64"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: dilation(m[i], disk(g + w)) & ~dilation(m[i], disk(g))},
     "exclude the pixels of every other cell"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: dilation(m[i], disk(w)) & ~dilation(m[i], disk(g)) & ~m.any(axis=0)},
     "radius gap + width"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: dilation(m[i], disk(g + w)) & ~dilation(m[i], disk(w)) & ~m.any(axis=0)},
     "swapped"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: ns["rings"][i]}, "arguments"),
    ("ex-ring-check", {"ring_mask": lambda ns: _ring_with_iterations_inside}, "iterations=0 does not stop"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: ndimage.binary_dilation(m[i], iterations=g + w)
                       & ~ndimage.binary_dilation(m[i], iterations=g) & ~m.any(axis=0)}, "diamond"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: ns["mk"].neuropil_rings(m, g, w)[i]}, "write this yourself"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: (dilation(m[i], disk(g + w)) & ~dilation(m[i], disk(g))
                                                                     & ~m.any(axis=0)).astype(int)}, "dtype"),
    ("ex-traces-check", {"F": lambda ns: ns["Fneu"], "Fneu": lambda ns: ns["F"]}, "swapped"),
    ("ex-traces-check", {"Fneu": lambda ns: np.array([np.median(ns["movie"][:, r], axis=1) for r in ns["rings"]], dtype=float)},
     "median"),
    ("ex-traces-check", {"F": lambda ns: ns["F"].T.copy()}, "transposed"),
    ("ex-traces-check", {"F": lambda ns: np.array([ns["movie"][:, m].sum(axis=1) for m in ns["cell_masks"]], dtype=float)},
     "sum over the pixels"),
    ("ex-traces-check", {"Fneu": lambda ns: np.array([ns["movie"][:, r].mean(axis=1) for r in ns["rings"]])}, "float64"),
    # Exercise 3.3 (open): weak choices fail the bound with a hint on what to change.
    ("ex-npil-check", {"neuropil_traces": lambda ns: _frame_statistic(np.median)}, "not uniform across the field"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: _frame_statistic(np.mean)}, "not the whole frame or far pixels"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: _ring_traces(0, 1)}, "leave a gap between the cell"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: _ring_traces(8, 8)}, "a ring a few pixels from it"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: _one_pixel}, "one pixel is mostly shot noise"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: lambda movie, masks: np.median(movie, axis=(1, 2)).astype(float)},
     "not one for the whole field"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: lambda movie, masks: _ring_traces(2, 3)(movie, masks).T.copy()},
     "one row per cell"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: lambda movie, masks: np.full((len(masks), len(movie)), np.nan)},
     "region without pixels"),
    ("ex-npil-check", {"neuropil_traces": lambda ns: lambda movie, masks: ns["Fneu_ref"][:, :100].copy()},
     "shape (n_cells, n_frames)"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: N - r * F}, "swapped"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: r * (F - N)}, "not the difference of the two traces"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: F - (1 - r) * N}, "(1 - r)"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: F - np.mean(r) * N}, "scales its own row"),
    ("ex-subtract-check", {"subtract": lambda ns: _not_written}, "not written yet"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: F - np.asarray(r)[:, None] * N if np.ndim(F) == 2 else F - r * N},
     "raised IndexError"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: F - r * N}, "raised ValueError"),
    ("ex-subtract-check", {"subtract": lambda ns: ns["neuropil"].subtract_neuropil}, "write this yourself"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: ns["neuropil"].subtract_neuropil(F, N, r)}, "write this yourself"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: ns["F_ref"] - 0.7 * ns["Fneu_ref"]}, "arguments passed"),
    ("ex-sweep-check", {"F_corr_sweep": lambda ns: ns["F_corr_sweep"][::-1].copy()}, "wrong order"),
    ("ex-sweep-check", {"F_corr_sweep": lambda ns: ns["F_corr_sweep"].T.copy()}, "np.vstack"),
    ("ex-sweep-check", {"negative_fraction": lambda ns: 100 * ns["negative_fraction"]}, "percentage"),
    ("ex-sweep-check", {"negative_fraction": lambda ns: (ns["F_corr_sweep"] < 0).sum(axis=1)}, "count of frames"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(np.polyfit(N, F, 1)[0])}, "fitted all frames"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(np.polyfit(F[q], N[q], 1)[0])}, "regressed Fneu on F"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(N[q] @ F[q] / (N[q] @ N[q]))}, "intercept"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(F[q].mean() / N[q].mean())}, "ratio of means"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: np.polyfit(N[q], F[q], 1)}, "one float"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(L.quiet_slopes([F], [N], [q])[0])}, "write this yourself"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(np.polyfit(N[q], F[q], 1)[1])}, "intercept; return the slope"),
    ("ex-hp-check", {"r_hp": lambda ns: L.quiet_slopes(ns["F_ref"], ns["Fneu_ref"], ns["quiet"])}, "raw traces"),
    ("ex-hp-check", {"r_hp": lambda ns: L.quiet_slopes(L.highpass(ns["F_ref"], 20), L.highpass(ns["Fneu_ref"], 20), ns["quiet"])},
     "not 20 frames"),
    ("ex-hp-check", {"r_hp": lambda ns: ns["r_hp_smooth"]}, "without smoothing"),
    ("ex-hp-check", {"r_hp_smooth": lambda ns: L.quiet_slopes(ndimage.gaussian_filter1d(ns["F_hp"], 0.5, axis=-1),
                                                                  ndimage.gaussian_filter1d(ns["Fneu_hp"], 0.5, axis=-1), ns["quiet"])},
     "not 0.5 frames"),
    ("ex-hp-check", {"r_hp_smooth": lambda ns: L.quiet_slopes(ns["F_hp"], ns["Fneu"] - 0, ns["quiet"])}, "same way"),
    # Exercise 5.3 (open): naive estimators fail the bound with a hint on what to try.
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: np.full(len(F), 0.7)}, "a fixed r cannot pass"),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: _slopes(F, N)}, "bleaching, drift"),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: _slopes(L.highpass(F, round(20 * fs)),
                                                                            L.highpass(N, round(20 * fs)))},
     lt.Hidden("regression dilution")),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: ns["estimate_r"](F, N, 1.0)}, "regression dilution"),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: 0.7}, "not one for all cells"),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: [0.7] * len(F)}, "not a NumPy array"),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: np.float64(0.7)}, "not one for all cells"),
    ("ex-estr-check", {"estimate_r": lambda ns: lambda F, N, fs: ns["neuropil"].estimate_r(F, N, fs)}, "write this yourself"),
    ("ex-allen-check", {"allen_corrected": lambda ns: ns["allen_F"] - 0.7 * ns["allen_Fneu"]}, "r = 0.7 for every ROI"),
    ("ex-allen-check", {"allen_corrected": lambda ns: ns["allen_F"] - ns["allen_r"][::-1, None] * ns["allen_Fneu"]},
     "wrong ROIs"),
    ("ex-allen-check", {"allen_negative_fraction": lambda ns: 100 * ns["allen_negative_fraction"]}, "percentage"),
    ("ex-allen-check", {"allen_negative_fraction": lambda ns: (ns["allen_corrected"] < 0).mean(axis=1)}, "fixed r = 0.7"),
    ("ex-s2p-check", {"s2p_corrected": lambda ns: ns["s2p"].F - 0.7 * ns["s2p"].Fneu}, "index the rows"),
    ("ex-s2p-check", {"s2p_corrected": lambda ns: 0.7 * ns["s2p"].Fneu[ns["s2p"].iscell] - ns["s2p"].F[ns["s2p"].iscell]},
     "subtract"),
    ("ex-s2p-check", {"s2p_lowest": lambda ns: int(np.argmin(np.median(ns["s2p_corrected"], axis=1)))},
     "original ROI number"),
    ("ex-s2p-check", {"s2p_lowest": lambda ns: float(ns["s2p_lowest"])}, "whole number"),
]


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)
