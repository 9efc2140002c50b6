"""Lesson 01: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest

LESSON = "01-single-pixel"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-dims-check", {"height": lambda ns: ns["width"]}, "you gave the width"),
    ("ex-dims-check", {"n_frames": lambda ns: ns["height"]}, "frames on axis 0"),
    ("ex-duration-check", {"duration_s": lambda ns: float(ns["n_frames"])}, "number of frames"),
    ("ex-duration-check", {"duration_s": lambda ns: ns["n_frames"] * ns["fs"]}, "divide by fs"),
    ("ex-duration-check", {"duration_s": lambda ns: ns["n_frames"] / ns["fs"] / 60}, "not minutes"),
    ("ex-duration-check", {"duration_s": lambda ns: (ns["n_frames"] - 1) / ns["fs"]}, "one more frame period"),
    ("ex-frames-check", {"frame_116": lambda ns: ns["movie"][116]}, "Python counts from 0"),
    ("ex-frames-check", {"frame_116": lambda ns: np.asarray(ns["movie"][:, 15])}, "selected on the time axis"),
    ("ex-frames-check", {"last_frame": lambda ns: ns["movie"][-2]}, "second-to-last"),
    ("ex-proj-check", {"max_image": lambda ns: ns["movie"].max(axis=1)}, "reduced over axis 1"),
    ("ex-proj-check", {"max_image": lambda ns: ns["movie"].mean(axis=0)}, "mean projection"),
    ("ex-proj-check", {"std_image": lambda ns: ns["movie"].std(axis=0, ddof=1)}, "ddof=0"),
    ("ex-proj-check", {"std_image": lambda ns: ns["movie"].var(axis=0)}, "variance"),
    ("ex-range-check", {"max_100_500": lambda ns: ns["movie"].max(axis=0)}, "over all frames"),
    ("ex-range-check", {"max_100_500": lambda ns: ns["movie"][100:501].max(axis=0)}, "401 frames, one too many"),
    ("ex-range-check", {"max_100_500": lambda ns: ns["movie"][100:499].max(axis=0)}, "399 frames, one too few"),
    ("ex-range-check", {"max_100_500": lambda ns: ns["movie"][100:500].mean(axis=0)}, "mean over the range"),
    ("ex-window-check", {"mean_projection_between": lambda ns: lambda movie, fs, a, b: movie[int(a):int(b)].mean(axis=0)},
     "times as frame indices"),
    ("ex-window-check", {"mean_projection_between": lambda ns: lambda movie, fs, a, b: movie.mean(axis=0)},
     "whole movie"),
    ("ex-window-check", {"mean_projection_between": lambda ns: lambda movie, fs, a, b: movie[round(a * 30.0):round(b * 30.0)].mean(axis=0)},
     lt.Hidden("frame rate passed as arguments")),
    ("ex-crop-check", {"cell_b_mean": lambda ns: ns["mean_image"][ns["b"]["x_min"]:ns["b"]["x_max"], ns["b"]["y_min"]:ns["b"]["y_max"]]},
     "swapped"),
    ("ex-crop-check", {"cell_c_max_first100": lambda ns: ns["mean_image"][ns["c"]["y_min"]:ns["c"]["y_max"], ns["c"]["x_min"]:ns["c"]["x_max"]]},
     "the box is right but the image is not"),
    ("ex-cropfn-check", {"crop_around": lambda ns: lambda im, cy, cx, h: im[cx - h:cx + h + 1, cy - h:cy + h + 1]}, "swapped"),
    ("ex-cropfn-check", {"crop_around": lambda ns: lambda im, cy, cx, h: im[cy - h:cy + h, cx - h:cx + h]}, "one more row and column"),
    ("ex-time-check", {"t": lambda ns: np.arange(ns["n_frames"])}, "frame indices"),
    ("ex-time-check", {"t": lambda ns: np.linspace(0, ns["duration_s"], ns["n_frames"] + 1)}, "one value too many"),
    ("ex-time-check", {"t": lambda ns: np.arange(1, ns["n_frames"] + 1) / ns["fs"]}, "first frame is at 0 s"),
    ("ex-time-check", {"t": lambda ns: np.arange(ns["n_frames"]) / ns["fs"] * 1000}, "milliseconds"),
    ("ex-tracefn-check", {"pixel_trace": lambda ns: lambda movie, y, x: movie[:, x, y].astype(float)}, "row 40, column 12"),
    ("ex-tracefn-check", {"pixel_trace": lambda ns: lambda movie, y, x: movie[:, y, x].astype(np.float32)}, "convert with .astype(np.float64)"),
    ("ex-tracefn-check", {"pixel_trace": lambda ns: lambda movie, y, x: (_ for _ in ()).throw(NotImplementedError())}, "not written yet"),
    # The package's reference is what the learner compares with later, not the answer.
    ("ex-tracefn-check", {"pixel_trace": lambda ns: ns["mv"].pixel_trace}, "write this yourself"),
    ("ex-tracefn-check", {"pixel_trace": lambda ns: lambda movie, y, x: ns["mv"].pixel_trace(movie, y, x)},
     "write this yourself"),
    ("ex-window-check", {"mean_projection_between": lambda ns: lambda movie, fs, a, b: ns["mv"].projection(
        movie, "mean", frames=(round(a * fs), round(b * fs)))}, "write this yourself"),
    ("ex-cropfn-check", {"crop_around": lambda ns: lambda im, cy, cx, h: ns["mv"].crop(
        im, y=(cy - h, cy + h + 1), x=(cx - h, cx + h + 1))}, "write this yourself"),
    # Conventions the exercises state, caught by the visible checks.
    ("ex-window-check", {"mean_projection_between": lambda ns: lambda movie, fs, a, b: movie[int(a * fs):int(b * fs)].mean(axis=0)},
     "int() truncates"),
    ("ex-window-check", {"mean_projection_between": lambda ns: lambda movie, fs, a, b: movie[round(a * fs):round(b * fs) + 1].mean(axis=0)},
     "stop time's frame is excluded"),
    ("ex-range-check", {"max_100_500": lambda ns: ns["movie"][101:500].max(axis=0)}, "one frame later"),
    ("ex-brightest-check", {"brightest_y": lambda ns: ns["brightest_x"], "brightest_x": lambda ns: ns["brightest_y"]}, "swapped"),
    ("ex-brightest-check", {"brightest_y": lambda ns: float(ns["brightest_y"])}, "whole number"),
    ("ex-brightest-check", {"brightest_y": lambda ns: int(ns["row_in_box"]), "brightest_x": lambda ns: int(ns["col_in_box"])},
     "inside the crop"),
    ("ex-brightest-check", {"brightest_y": lambda ns: int(np.unravel_index(np.argmax(ns["movie"].max(axis=0)), (60, 80))[0]),
                            "brightest_x": lambda ns: int(np.unravel_index(np.argmax(ns["movie"].max(axis=0)), (60, 80))[1])},
     "whole image"),
    ("ex-inout-check", {"std_ratio": lambda ns: 1 / ns["std_ratio"]}, "outside over inside"),
    ("ex-inout-check", {"std_ratio": lambda ns: float(ns["inside_trace"].mean() / ns["outside_trace"].mean())}, "ratio of means"),
    ("ex-inout-check", {"inside_trace": lambda ns: ns["movie"][:, ns["inside_yx"][1], ns["inside_yx"][0]].astype(float)}, "swapped"),
    ("ex-sima-check", {"sima_trace": lambda ns: ns["mv"].pixel_trace(ns["sima"].movie, *np.unravel_index(np.argmax(ns["sima_mean"]), ns["sima_mean"].shape))},
     "restrict the argmax to the ROI"),
    ("ex-sima-check", {"sima_trace": lambda ns: ns["sima_trace"][::-1].copy()}, "the ROI's brightest"),
    # Open exercises (section 6): weak methods fail the bound stated in the exercise, with a hint.
    ("ex-findcells-check", {"find_cells": lambda ns: _largest_pixels}, "lie in the same cell"),
    ("ex-findcells-check", {"find_cells": lambda ns: _picks_apart(2)}, "lie in the same cell"),
    ("ex-findcells-check", {"find_cells": lambda ns: lambda movie, n: ns["find_cells"](movie, n)[:, ::-1].copy()},
     "rows and columns are swapped"),
    ("ex-findcells-check", {"find_cells": lambda ns: lambda movie, n: ns["find_cells"](movie, n).astype(float)}, "whole numbers"),
    ("ex-findcells-check", {"find_cells": lambda ns: lambda movie, n: ns["find_cells"](movie, n).T.copy()}, "not (2, n)"),
    # Ruling out a 9 x 9 box is enough on the lesson's movie, not on the denser one.
    ("ex-findcells-check", {"find_cells": lambda ns: _picks_apart(4)}, lt.Hidden("lie in the same cell")),
    ("ex-peaktime-check", {"most_active_time": lambda ns: lambda movie, fs, y, x: float(np.argmax(movie[:, y, x]) / fs)},
     "a single pixel's noise"),
    ("ex-peaktime-check", {"most_active_time": lambda ns: lambda movie, fs, y, x: float(np.argmax(_local(movie, y, x, 2)))},
     "not a frame index"),
    # The lesson's movie instead of the argument: the brightest moment of the whole field, for every cell.
    ("ex-peaktime-check", {"most_active_time": lambda ns: lambda movie, fs, y, x: float(
        np.argmax(ns["movie"].mean(axis=(1, 2))) / fs)}, "same time for every cell"),
    # A 3 x 3 mean without smoothing in time passes on the lesson's movie, not on the GCaMP6f one.
    ("ex-peaktime-check", {"most_active_time": lambda ns: lambda movie, fs, y, x: float(np.argmax(_local(movie, y, x, 1)) / fs)},
     lt.Hidden("a single pixel's noise")),
]


def _largest_pixels(movie, n):
    """The n largest pixels of the std image: all in one or two cells."""
    image = movie.std(axis=0)
    return np.array(np.unravel_index(np.argsort(image.ravel())[::-1][:n], image.shape)).T


def _picks_apart(half):
    """find_cells that rules out a (2 * half + 1)-pixel box around each pick: too small for half < 6."""
    def find_cells(movie, n):
        image = movie.std(axis=0).astype(float)
        positions = np.zeros((n, 2), dtype=int)
        for i in range(n):
            positions[i] = np.unravel_index(np.argmax(image), image.shape)
            y, x = positions[i]
            image[max(y - half, 0):y + half + 1, max(x - half, 0):x + half + 1] = -np.inf
        return positions
    return find_cells


def _local(movie, y, x, half):
    """Mean trace of the (2 * half + 1)-pixel square around (y, x), clipped at the border."""
    return movie[:, max(y - half, 0):y + half + 1, max(x - half, 0):x + half + 1].mean(axis=(1, 2))


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)
