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
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: dilation(m[i], disk(g + w)) & ~dilation(m[i], disk(g))},
     "exclude the pixels of every other cell"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: dilation(m[i], disk(w)) & ~dilation(m[i], disk(g)) & ~m.any(axis=0)},
     "radius gap + width"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: dilation(m[i], disk(g + w)) & ~dilation(m[i], disk(w)) & ~m.any(axis=0)},
     "swapped"),
    ("ex-ring-check", {"ring_mask": lambda ns: lambda m, i, g, w: ns["rings"][i]}, "arguments"),
    ("ex-traces-check", {"F": lambda ns: ns["Fneu"], "Fneu": lambda ns: ns["F"]}, "swapped"),
    ("ex-traces-check", {"Fneu": lambda ns: np.array([np.median(ns["movie"][:, r], axis=1) for r in ns["rings"]], dtype=float)},
     "median"),
    ("ex-traces-check", {"F": lambda ns: ns["F"].T.copy()}, "transposed"),
    ("ex-traces-check", {"F": lambda ns: np.array([ns["movie"][:, m].sum(axis=1) for m in ns["cell_masks"]], dtype=float)},
     "sum over the pixels"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: N - r * F}, "swapped"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: r * (F - N)}, "not r * (F - Fneu)"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: F - (1 - r) * N}, "(1 - r)"),
    ("ex-subtract-check", {"subtract": lambda ns: lambda F, N, r: F - np.mean(r) * N}, "scale each row"),
    ("ex-subtract-check", {"subtract": lambda ns: _not_written}, "not written yet"),
    ("ex-sweep-check", {"F_corr_sweep": lambda ns: ns["F_corr_sweep"][::-1].copy()}, "wrong order"),
    ("ex-sweep-check", {"F_corr_sweep": lambda ns: ns["F_corr_sweep"].T.copy()}, "np.vstack"),
    ("ex-sweep-check", {"negative_fraction": lambda ns: 100 * ns["negative_fraction"]}, "percentage"),
    ("ex-sweep-check", {"negative_fraction": lambda ns: (ns["F_corr_sweep"] < 0).sum(axis=1)}, "count of frames"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(np.polyfit(N, F, 1)[0])}, "fitted all frames"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(np.polyfit(F[q], N[q], 1)[0])}, "regressed Fneu on F"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(N[q] @ F[q] / (N[q] @ N[q]))}, "intercept"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: float(F[q].mean() / N[q].mean())}, "ratio of means"),
    ("ex-fit-check", {"fit_r_quiet": lambda ns: lambda F, N, q: np.polyfit(N[q], F[q], 1)}, "one float"),
    ("ex-hp-check", {"r_hp": lambda ns: L.quiet_slopes(ns["F_ref"], ns["Fneu_ref"], ns["quiet"])}, "raw traces"),
    ("ex-hp-check", {"r_hp": lambda ns: L.quiet_slopes(L.highpass(ns["F_ref"], 20), L.highpass(ns["Fneu_ref"], 20), ns["quiet"])},
     "not 20 frames"),
    ("ex-hp-check", {"r_hp": lambda ns: ns["r_hp_smooth"]}, "without smoothing"),
    ("ex-hp-check", {"r_hp_smooth": lambda ns: L.quiet_slopes(ndimage.gaussian_filter1d(ns["F_hp"], 0.5, axis=-1),
                                                                  ndimage.gaussian_filter1d(ns["Fneu_hp"], 0.5, axis=-1), ns["quiet"])},
     "not 0.5 frames"),
    ("ex-hp-check", {"r_hp_smooth": lambda ns: L.quiet_slopes(ns["F_hp"], ns["Fneu"] - 0, ns["quiet"])}, "same way"),
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


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    lt.assert_two_wrong_answers_per_check(checks, WRONG)
