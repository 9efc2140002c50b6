"""Lesson 01 (single-pixel fluorescence): the cells and pixels its exercises refer to, and the
checks of its exercises.

Each ``check_*`` function is the whole of one check cell (``check_dims(n_frames, height, width)``):
it takes the learner's answers, recomputes everything else from the lesson's data and fails with
a message that names the likely mistake. ``unseen=True`` runs the hidden tests' variations (other
movies, frame rates and arguments); the rules stay the ones the exercise states.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from helpers import checks, data, movie as mv, simulate


def _bounding_box(mask: np.ndarray, pad: int) -> dict:
    ys, xs = np.nonzero(mask)
    height, width = mask.shape
    return {"x_min": max(int(xs.min()) - pad, 0), "x_max": min(int(xs.max()) + 1 + pad, width),
            "y_min": max(int(ys.min()) - pad, 0), "y_max": min(int(ys.max()) + 1 + pad, height)}


def _overlap(a: dict, b: dict) -> bool:
    return (a["x_min"] < b["x_max"] and b["x_min"] < a["x_max"]
            and a["y_min"] < b["y_max"] and b["y_min"] < a["y_max"])


def cell_boxes(seed: int = 0, pad: int = 2) -> dict:
    """Boxes of three well-separated cells of ``simulate.demo_movie(seed)``.

    The three largest cells whose padded bounding boxes lie inside the image and do not overlap,
    named "A", "B", "C" from left to right. Each box is ``{"x_min", "x_max", "y_min", "y_max"}`` in pixels, half-open
    (``x_max`` and ``y_max`` excluded), padded by `pad` pixels and clipped to the image.
    """
    masks = simulate.demo_movie(seed=seed).truth.masks
    chosen: list[dict] = []
    for i in np.argsort(masks.sum(axis=(1, 2)))[::-1]:
        box = _bounding_box(masks[i], pad)
        touches_border = box["x_min"] == 0 or box["y_min"] == 0 or \
            box["x_max"] == masks.shape[2] or box["y_max"] == masks.shape[1]
        if not touches_border and not any(_overlap(box, other) for other in chosen):
            chosen.append(box | {"cell": int(i)})
        if len(chosen) == 3:
            break
    if len(chosen) < 3:
        raise RuntimeError(f"demo_movie(seed={seed}) has fewer than three separable cells")
    chosen.sort(key=lambda b: b["x_min"])
    return {name: {k: v for k, v in box.items() if k != "cell"} for name, box in zip("ABC", chosen)}


def inside_outside(seed: int = 0) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((y, x) inside cell A, (y, x) outside every cell)`` of ``demo_movie(seed)``.

    Inside: the pixel of cell A's footprint with the largest weight (its centre). Outside: the
    pixel farthest from every cell's mask (Euclidean distance; the first one in row-major order
    on ties).
    """
    truth = simulate.demo_movie(seed=seed).truth
    box_a = cell_boxes(seed)["A"]
    # Cell A is the cell whose mask fills most of box A.
    in_box = truth.masks[:, box_a["y_min"]:box_a["y_max"], box_a["x_min"]:box_a["x_max"]].sum(axis=(1, 2))
    cell_a = int(np.argmax(in_box))
    inside = np.unravel_index(np.argmax(truth.footprints[cell_a]), truth.footprints[cell_a].shape)
    distance = ndimage.distance_transform_edt(~truth.masks.any(axis=0))
    outside = np.unravel_index(np.argmax(distance), distance.shape)
    return (int(inside[0]), int(inside[1])), (int(outside[0]), int(outside[1]))


# --------------------------------------------------------------------------- checks

AXES_HINT = "the axes are (time, y, x): frames on axis 0, rows (height) on axis 1, columns (width) on axis 2"


def _movie() -> np.ndarray:
    return np.asarray(simulate.demo_movie(seed=0).movie)


def check_dims(n_frames, height, width):
    """Exercise 1.1: the movie's number of frames, height and width, as integers."""
    T, Y, X = _movie().shape
    checks.equal("n_frames", n_frames, T, hint=AXES_HINT)
    checks.equal("height", height, Y, hint=AXES_HINT,
                 mistakes={"height is the number of rows, y (axis 1); you gave the width": X})
    checks.equal("width", width, X, hint=AXES_HINT,
                 mistakes={"width is the number of columns, x (axis 2); you gave the height": Y})


def check_duration(duration_s):
    """Exercise 1.2: the recording's duration in seconds."""
    rec = simulate.demo_movie(seed=0)
    T, fs = rec.movie.shape[0], rec.fs
    checks.is_number("duration_s", duration_s)
    checks.close("duration_s", duration_s, T / fs, rtol=1e-9, mistakes={
        "this is the number of frames: divide by the frame rate fs to get seconds": T,
        "multiplying by fs gives frames x frames/second; divide by fs instead": T * fs,
        "the answer should be in seconds, not minutes": T / fs / 60,
        "(T - 1) / fs is when the last frame starts; the recording lasts one more frame period": (T - 1) / fs,
    })


def check_frames(frame_116, last_frame):
    """Exercise 2.1: the 116th and the last frame."""
    m = _movie()
    T, Y, X = m.shape
    frame_hint = "a frame is all rows and columns at one time index"
    checks.is_array("frame_116", frame_116, shape=(Y, X), hint=frame_hint, wrong_shapes={
        (T, X): "that takes one row of every frame; a frame is selected on the time axis (axis 0)"})
    checks.close("frame_116", frame_116, m[115], mistakes={
        "that is the 117th frame: Python counts from 0, so the first frame is at index 0": m[116]})
    checks.is_array("last_frame", last_frame, shape=(Y, X), hint=frame_hint)
    checks.close("last_frame", last_frame, m[-1], mistakes={
        "that is the second-to-last frame: negative indices count from the end, starting at -1": m[-2],
        "that is the first frame; the exercise asks for the last": m[0],
    })


def _projection_shapes(T, Y, X) -> dict:
    return {(T, X): "you reduced over axis 1 (rows); a projection reduces over time, axis 0",
            (T, Y): "you reduced over axis 2 (columns); a projection reduces over time, axis 0",
            (): "you reduced over all axes at once; reduce over time only (axis=0)"}


def check_projections(max_image, std_image):
    """Exercise 3.1: the maximum and standard-deviation projections over all frames."""
    m = _movie()
    wrong_axis = _projection_shapes(*m.shape)
    checks.is_array("max_image", max_image, shape=m.shape[1:], wrong_shapes=wrong_axis)
    checks.close("max_image", max_image, mv.projection(m, "max"), mistakes={
        "that is the mean projection; the exercise asks for the maximum": mv.projection(m, "mean")})
    checks.is_array("std_image", std_image, shape=m.shape[1:], wrong_shapes=wrong_axis)
    checks.close("std_image", std_image, mv.projection(m, "std"), mistakes={
        "use the population standard deviation (ddof=0, NumPy's default), not ddof=1": m.std(axis=0, ddof=1),
        "that is the variance; the standard deviation is its square root": m.var(axis=0)})


def check_max_range(max_100_500):
    """Exercise 3.2: the maximum projection over the 400 frames from index 100 (indices 100 to 499)."""
    m = _movie()
    checks.is_array("max_100_500", max_100_500, shape=m.shape[1:], wrong_shapes=_projection_shapes(*m.shape),
                    hint="select the frames of the range on the time axis, then reduce over time")
    checks.close("max_100_500", max_100_500, mv.projection(m, "max", frames=(100, 500)), mistakes={
        "that is the maximum over all frames: select the frames of the range first": mv.projection(m, "max"),
        "that is 401 frames, one too many: count the frames your slice takes (its stop index is excluded)":
            mv.projection(m, "max", frames=(100, 501)),
        "that is 399 frames, one too few: a slice's stop index is excluded, so it lies one past the last frame "
        "you want": mv.projection(m, "max", frames=(100, 499)),
        "the frames start at index 100; you started one frame later": mv.projection(m, "max", frames=(101, 500)),
        "that is the mean over the range; the exercise asks for the maximum": mv.projection(m, "mean", frames=(100, 500)),
    })


def check_mean_projection_between(mean_projection_between, unseen=False):
    """Exercise 3.3: the mean projection between two times in seconds.

    The visible cases include times whose frame numbers must be rounded (0.49 s is frame 14.7,
    so frame 15), so truncating with ``int`` fails here, not only in the hidden tests.
    """
    rec = simulate.demo_movie(seed=0)
    m, fs = np.asarray(rec.movie), rec.fs
    if unseen:  # other times, and another movie at another frame rate
        other = simulate.single_cell_movie(seed=3, fs=10.0)
        cases = [(m, fs, 2.0, 5.5), (m, fs, 10.1, 10.4), (m, fs, 0.5, 60.0),
                 (np.asarray(other.movie), other.fs, 1.0, 3.0), (np.asarray(other.movie), other.fs, 0.26, 7.04)]
    else:
        cases = [(m, fs, 0.0, 1.0), (m, fs, 0.49, 1.51)]
    checks.is_function("mean_projection_between", mean_projection_between, n_params=4)
    for movie, rate, start_s, stop_s in cases:
        call = f"mean_projection_between(movie, {rate:g}, {start_s}, {stop_s})"
        got = checks.call("mean_projection_between", mean_projection_between, movie, rate, start_s, stop_s,
                          refuse=(mv.projection,))
        checks.is_array(call, got, shape=movie.shape[1:],
                        hint="return one value per pixel: the mean over the selected frames (axis 0)")
        start, stop = round(start_s * rate), round(stop_s * rate)
        checks.close(call, got, movie[start:stop].mean(axis=0), rtol=1e-5, mistakes={
            "you used the times as frame indices: multiply seconds by fs to get frames":
                movie[int(start_s):int(stop_s)].mean(axis=0) if int(stop_s) > int(start_s) else None,
            "that is the mean over the whole movie: select the frames between the two times first": movie.mean(axis=0),
            "int() truncates (14.7 frame periods becomes frame 14): a time belongs to the frame whose start is "
            "nearest, so round to the nearest frame":
                movie[int(start_s * rate):int(stop_s * rate)].mean(axis=0) if int(start_s * rate) != start else None,
            "the stop time's frame is excluded: the frames end just before it": movie[start:stop + 1].mean(axis=0),
        }, hint="convert both times as the exercise states, exclude the stop frame, and use the movie and "
                "frame rate passed as arguments (not the lesson's global variables)")


def check_crops(cell_b_mean, cell_c_max_first100):
    """Exercise 4.1: two projections cropped to the boxes of cells B and C."""
    m = _movie()
    boxes = cell_boxes()
    for answer_name, answer, cell, image, other in [
            ("cell_b_mean", cell_b_mean, "B", mv.projection(m, "mean"), mv.projection(m, "max")),
            ("cell_c_max_first100", cell_c_max_first100, "C", mv.projection(m, "max", frames=(0, 100)),
             mv.projection(m, "mean"))]:
        box = boxes[cell]
        ys, xs = (box["y_min"], box["y_max"]), (box["x_min"], box["x_max"])
        shape = (ys[1] - ys[0], xs[1] - xs[0])
        swapped = "rows and columns are swapped: index rows (y) first, then columns (x)"
        checks.is_array(answer_name, answer, shape=shape, wrong_shapes={shape[::-1]: swapped},
                        hint=f"the box of cell {cell} is y_max - y_min rows by x_max - x_min columns")
        swapped_fits = xs[1] <= image.shape[0] and ys[1] <= image.shape[1]
        checks.close(answer_name, answer, mv.crop(image, y=ys, x=xs), rtol=1e-5, mistakes={
            "the box is right but the image is not: check which projection and which frames the exercise asks for":
                mv.crop(other, y=ys, x=xs),
            swapped: mv.crop(image, y=xs, x=ys) if swapped_fits else None,
        }, hint="the crop keeps the box's rows and columns of the projection the exercise asks for")


def _coded_image() -> np.ndarray:
    """A test image whose every pixel says where it is: value = 1000 * row + column."""
    rows, cols = np.mgrid[0:40, 0:60]
    return (1000 * rows + cols).astype(float)


def check_crop_around(crop_around, unseen=False):
    """Exercise 4.2: the square of side 2 * half_size + 1 centred on a pixel."""
    coded = _coded_image()
    cases = [(20, 5, 2), (5, 50, 4), (30, 30, 0), (39 - 3, 59 - 3, 3)] if unseen else [(10, 30, 3), (4, 7, 0)]
    checks.is_function("crop_around", crop_around, n_params=4)
    for cy, cx, h in cases:
        call = f"crop_around(image, {cy}, {cx}, {h})"
        got = checks.call("crop_around", crop_around, coded, cy, cx, h, refuse=(mv.crop,))
        checks.is_array(call, got, shape=(2 * h + 1, 2 * h + 1), wrong_shapes={
            (2 * h, 2 * h): "the stop of a slice is excluded: the square needs one more row and column"},
            hint="the square has 2 * half_size + 1 pixels per side: the centre plus half_size on each side")
        swapped_fits = cx + h < coded.shape[0] and cy + h < coded.shape[1]
        checks.close(call, got, mv.crop(coded, y=(cy - h, cy + h + 1), x=(cx - h, cx + h + 1)), mistakes={
            "rows and columns are swapped: the centre is at row center_y and column center_x":
                mv.crop(coded, y=(cx - h, cx + h + 1), x=(cy - h, cy + h + 1)) if swapped_fits else None,
        }, hint="a pixel's value here is 1000 * row + column: compare your crop's corner with the centre you were given")


def check_time_axis(t):
    """Exercise 5.1: the time of every frame in seconds, from 0."""
    rec = simulate.demo_movie(seed=0)
    T, fs = rec.movie.shape[0], rec.fs
    checks.is_array("t", t, ndim=1, hint="one time value per frame")
    checks.is_array("t", t, shape=(T,), hint="one time value per frame, no more, no less", wrong_shapes={
        (T + 1,): "np.linspace(0, duration, n) includes the end point: you have one value too many"})
    checks.close("t", t, mv.time_axis(T, fs), rtol=1e-9, atol=1e-9, mistakes={
        "these are frame indices; divide by fs to get seconds": np.arange(T),
        "multiply frame indices by the frame *period* 1/fs (or divide by fs), not by fs": np.arange(T) * fs,
        "the first frame is at 0 s, not at 1/fs": np.arange(1, T + 1) / fs,
        "the answer should be in seconds, not milliseconds": np.arange(T) / fs * 1000,
        "np.linspace(0, duration, n_frames) spaces the frames by slightly more than 1/fs":
            np.linspace(0, T / fs, T),
    }, hint="frame i is recorded at i / fs seconds")


def check_pixel_trace(pixel_trace, unseen=False):
    """Exercise 5.2: a pixel's trace as float64."""
    m = _movie()
    cases = [(m, 12, 40)]
    if unseen:  # another movie, and pixels at its corners and edges
        om = np.asarray(simulate.single_cell_movie(seed=5).movie)
        cases = [(om, 0, 0), (om, om.shape[1] - 1, 3), (om, 7, om.shape[2] - 2)]
    checks.is_function("pixel_trace", pixel_trace, n_params=3)
    for movie, y, x in cases:
        call = f"pixel_trace(movie, {y}, {x})"
        got = checks.call("pixel_trace", pixel_trace, movie, y, x, refuse=(mv.pixel_trace,))
        checks.is_array(call, got, shape=(movie.shape[0],), hint="one value per frame: all frames of one pixel")
        checks.is_array(call, got, dtype="float64")
        swapped_fits = x < movie.shape[1] and y < movie.shape[2]
        checks.close(call, got, movie[:, y, x].astype(np.float64), mistakes={
            f"you took row {x}, column {y}: the pixel is at row y and column x":
                movie[:, x, y] if swapped_fits else None,
        }, hint="one value per frame, from the pixel at row y and column x")


def check_brightest(brightest_y, brightest_x):
    """Exercise 5.3: row and column, in the full image, of the brightest max-projection pixel of box B."""
    m = _movie()
    box = cell_boxes()["B"]
    y0, x0 = box["y_min"], box["x_min"]

    def peak_in_box(image):
        crop = mv.crop(image, y=(y0, box["y_max"]), x=(x0, box["x_max"]))
        y, x = np.unravel_index(np.argmax(crop), crop.shape)
        return int(y), int(x)

    max_image = mv.projection(m, "max")
    y_crop, x_crop = peak_in_box(max_image)
    y_ref, x_ref = y_crop + y0, x_crop + x0
    y_mean, x_mean = (i + o for i, o in zip(peak_in_box(mv.projection(m, "mean")), (y0, x0)))
    y_all, x_all = (int(i) for i in np.unravel_index(np.argmax(max_image), max_image.shape))
    checks.is_number("brightest_y", brightest_y, integer=True, hint="a row index is a whole number")
    checks.is_number("brightest_x", brightest_x, integer=True, hint="a column index is a whole number")
    answer = (brightest_y, brightest_x)
    named = {(y_crop, x_crop): "those are the row and column inside the crop: the crop's row 0 is the box's y_min, "
                               "so add the box's y_min and x_min to get the position in the full image",
             (x_ref, y_ref): "rows and columns are swapped: np.unravel_index returns (row, column) = (y, x)",
             (y_all, x_all): "that is the brightest pixel of the whole image; look inside cell B's box only",
             (y_mean, x_mean): "that is the brightest pixel of the box in the mean image; the exercise asks for "
                               "the maximum projection"}
    named.pop((y_ref, x_ref), None)  # (cannot happen here, but a right answer is never a mistake)
    if answer in named:
        checks.fail("brightest_y, brightest_x", "is not the right pixel.", named[answer])
    checks.equal("brightest_y", brightest_y, y_ref,
                 hint="the pixel must lie in cell B's box; give its row in the full image, not in the crop")
    checks.equal("brightest_x", brightest_x, x_ref,
                 hint="the pixel must lie in cell B's box; give its column in the full image, not in the crop")


def check_inside_outside(inside_trace, outside_trace, std_ratio):
    """Exercise 5.4: traces inside cell A and outside every cell, and the ratio of their stds."""
    m = _movie()
    (iy, ix), (oy, ox) = inside_outside()
    ref_in, ref_out = mv.pixel_trace(m, iy, ix), mv.pixel_trace(m, oy, ox)
    for answer_name, answer, ref, (y, x) in [("inside_trace", inside_trace, ref_in, (iy, ix)),
                                             ("outside_trace", outside_trace, ref_out, (oy, ox))]:
        checks.is_array(answer_name, answer, shape=ref.shape, hint="one value per frame of the pixel's trace")
        checks.close(answer_name, answer, ref, rtol=1e-6, mistakes={
            "rows and columns are swapped: the pairs are (y, x), row first":
                m[:, x, y] if x < m.shape[1] and y < m.shape[2] else None})
    checks.is_number("std_ratio", std_ratio)
    checks.close("std_ratio", std_ratio, ref_in.std() / ref_out.std(), rtol=1e-4, mistakes={
        "that is outside over inside; the exercise asks for inside / outside": ref_out.std() / ref_in.std(),
        "that is a ratio of means; the exercise asks for standard deviations over time": ref_in.mean() / ref_out.mean(),
        "that is a ratio of variances; take standard deviations": ref_in.var() / ref_out.var(),
    })


def check_sima_trace(sima_trace):
    """Exercise 6.1: the trace of the brightest mean-image pixel inside the first SIMA ROI."""
    sm = data.load_sima_movie().movie
    roi = data.load_sima_rois()[0]
    mean_img = mv.projection(sm, "mean")
    y0, x0 = np.unravel_index(np.argmax(np.where(roi, mean_img, -np.inf)), roi.shape)
    y1, x1 = np.unravel_index(np.argmax(mean_img), mean_img.shape)
    y2, x2 = np.unravel_index(np.argmax(np.where(roi, mv.projection(sm, "max"), -np.inf)), roi.shape)
    checks.is_array("sima_trace", sima_trace, shape=(sm.shape[0],), hint="one value per frame of the SIMA movie")
    checks.close("sima_trace", sima_trace, mv.pixel_trace(sm, y0, x0), rtol=1e-6, mistakes={
        "that is the brightest pixel of the whole image; restrict the argmax to the ROI": mv.pixel_trace(sm, y1, x1),
        "that pixel is the brightest of the maximum projection; the exercise asks for the mean projection":
            mv.pixel_trace(sm, y2, x2) if (y2, x2) != (y0, x0) else None,
    }, hint="the pixel must be the ROI's brightest in the mean image; its trace has one value per frame")


# --------------------------------------------------------------------------- open exercises
# Section 6: the learner chooses the method; the check scores the result against the simulation's
# ground truth, on the lesson's movie and (unseen=True) on movies the learner has not seen.

#: Exercise 6.1: how many cells find_cells is asked for, and how many of its positions must land
#: in different true cells. Calibration (std or mean projection, a 13 x 13 box blanked around
#: each pick): 6 of 6 on the lesson's movie and on each unseen movie. Weak answers: the 6 largest
#: pixels of any projection, 1-3 of 6 (they sit in one or two cells); blanking only a 5 x 5 box,
#: 2-5 of 6; a 9 x 9 box, 6 on the lesson's movie but 4 on the dense unseen one.
N_CELLS_TO_FIND, MIN_CELLS_FOUND = 6, 5
#: Exercise 6.2: the score is the cell's true calcium within PEAK_WINDOW_S of the returned time,
#: as a fraction of its peak, averaged over the cells that fired at least PEAK_MIN_SPIKES times.
#: Calibration, lesson movie / unseen movies: 5 x 5-pixel mean smoothed over 0.3 s (the reference)
#: 0.98 / 0.95-0.98; the single pixel's argmax 0.64 / 0.26-0.57; the single pixel smoothed over
#: 0.3 s 0.92 / 0.43-0.83; a 3 x 3-pixel mean, unsmoothed, 0.96 / 0.55-0.90.
PEAK_WINDOW_S, MIN_PEAK_FRACTION, PEAK_MIN_SPIKES = 0.25, 0.8, 5
#: most_active_time is called on the movie cropped to a square of 2 * CROP_HALF_PX + 1 pixels around
#: the cell (clipped at the border): the cell and its surround, not the whole field, crosses to the
#: learner's kernel when grading. Footprints fade out within 1.85 x 6 px of their centre.
CROP_HALF_PX = 12

#: The hidden tests' movies: (what the message calls it, demo_movie's arguments).
UNSEEN_MOVIES = [("a denser movie (20 cells)", {"seed": 2, "n_cells": 20}),
                 ("a noisier movie (half the photons)", {"seed": 3, "photons_per_unit": 0.08}),
                 ("a GCaMP6f movie (faster transients)", {"seed": 5, "indicator": "GCaMP6f"}),
                 ("a movie at 10 Hz", {"seed": 4, "fs": 10.0, "n_frames": 1000})]


def _open_recordings(unseen: bool):
    """``(description, recording)`` of the lesson's movie, or of the unseen movies."""
    if not unseen:
        return [("the lesson's movie", simulate.demo_movie(seed=0))]
    return [(what, simulate.demo_movie(**kwargs)) for what, kwargs in UNSEEN_MOVIES]


def cells_hit(positions, masks) -> tuple[int, int, int]:
    """Score of find_cells' positions against the true masks ``(n_cells, y, x)``.

    Returns ``(found, repeats, outside)``: the number of different true cells the positions land
    in, the positions that land in a cell an earlier position already found, and the positions
    that land in no cell.
    """
    seen, repeats, outside = set(), 0, 0
    for y, x in positions:
        cells = np.flatnonzero(masks[:, y, x])
        if not cells.size:
            outside += 1
        elif int(cells[0]) in seen:
            repeats += 1
        else:
            seen.add(int(cells[0]))
    return len(seen), repeats, outside


def check_find_cells(find_cells, unseen=False):
    """Exercise 6.1: n positions, each in a different true cell (bound: MIN_CELLS_FOUND of N_CELLS_TO_FIND)."""
    n = N_CELLS_TO_FIND
    checks.is_function("find_cells", find_cells, n_params=2)
    for what, rec in _open_recordings(unseen):
        movie, masks = np.asarray(rec.movie), rec.truth.masks
        call = f"find_cells(movie, {n}) on {what}"
        got = checks.call("find_cells", find_cells, movie, n)
        if type(got) is np.ndarray and got.dtype.kind == "f":
            checks.fail(call, f"has dtype {got.dtype}, but positions are pixel indices.",
                        "return whole numbers: build the array with dtype=int")
        checks.is_array(call, got, shape=(n, 2), dtype="int", wrong_shapes={
            (2, n): "one row per cell, holding its (row, column): shape (n, 2), not (2, n)"},
            hint="one (row, column) pair per cell: an integer array of shape (n, 2)")
        height, width = movie.shape[1:]
        swapped_hint = "rows and columns are swapped: each row of your array is (row, column) = (y, x)"
        if (got < 0).any() or (got[:, 0] >= height).any() or (got[:, 1] >= width).any():
            checks.fail(call, "holds positions outside the image.", swapped_hint if (
                (got >= 0).all() and (got[:, 1] < height).all() and (got[:, 0] < width).all()) else
                f"rows run from 0 to {height - 1} and columns from 0 to {width - 1}")
        found, repeats, outside = cells_hit(got, masks)
        if found >= MIN_CELLS_FOUND:
            continue
        flipped = got[:, ::-1]
        if (flipped[:, 0] < height).all() and (flipped[:, 1] < width).all() \
                and cells_hit(flipped, masks)[0] >= MIN_CELLS_FOUND:
            hint = swapped_hint
        elif repeats >= outside:
            hint = ("several positions lie in the same cell: a cell is up to about 12 pixels wide, so once a "
                    "cell is picked, rule out its whole neighbourhood before looking for the next")
        else:
            hint = ("several positions lie outside every cell: the largest values of a noisy projection can be "
                    "noise or neuropil; try another projection, or smooth the image before picking")
        checks.fail(call, f"your {n} positions land in {found} different true cell(s) ({repeats} in a cell "
                          f"already found, {outside} outside every cell); aim for at least {MIN_CELLS_FOUND}.", hint)


def peak_fractions(times_s, rec) -> np.ndarray:
    """Score of most_active_time: per cell, the largest true calcium within PEAK_WINDOW_S of the
    returned time, as a fraction of the cell's peak (1: the time falls on its largest transient)."""
    half = max(1, round(PEAK_WINDOW_S * rec.fs))
    fractions = []
    for cell, t_s in times_s.items():
        calcium = rec.truth.calcium[cell]
        frame = int(np.floor(t_s * rec.fs + 1e-6))  # frame k covers [k / fs, (k + 1) / fs)
        fractions.append(calcium[max(frame - half, 0):frame + half + 1].max() / calcium.max())
    return np.array(fractions)


def scored_cells(rec) -> dict:
    """``{cell: (y, x)}``: the cells most_active_time is scored on (those that fired at least
    PEAK_MIN_SPIKES times), each with its centre pixel (the peak of its true footprint)."""
    truth = rec.truth
    return {cell: tuple(int(i) for i in np.unravel_index(np.argmax(truth.footprints[cell]), truth.footprints[cell].shape))
            for cell in range(len(truth.masks)) if len(truth.spike_frames[cell]) >= PEAK_MIN_SPIKES}


def check_most_active_time(most_active_time, unseen=False):
    """Exercise 6.2: the time of a cell's largest transient (bound: MIN_PEAK_FRACTION of the peak on average)."""
    checks.is_function("most_active_time", most_active_time, n_params=4)
    for what, rec in _open_recordings(unseen):
        movie, fs = np.asarray(rec.movie), rec.fs
        duration = movie.shape[0] / fs
        times = {}
        for cell, (y, x) in scored_cells(rec).items():
            y0, x0 = max(y - CROP_HALF_PX, 0), max(x - CROP_HALF_PX, 0)
            window = movie[:, y0:y + CROP_HALF_PX + 1, x0:x + CROP_HALF_PX + 1]
            call = f"most_active_time(movie, {fs:g}, {y - y0}, {x - x0}) on {what}, cropped around a cell"
            got = checks.call("most_active_time", most_active_time, window, fs, y - y0, x - x0)
            checks.is_number(call, got, hint="return one time, in seconds")
            if not 0 <= got < duration:
                checks.fail(call, f"is {'negative' if got < 0 else 'later than the end of the recording'}.",
                            "return the time in seconds (frame i starts at i / fs), not a frame index"
                            if got >= duration else "times run from 0 s (the first frame) to the end")
            times[cell] = float(got)
        score = float(peak_fractions(times, rec).mean())
        if score >= MIN_PEAK_FRACTION:
            continue
        if len(set(times.values())) == 1:
            hint = "your function returns the same time for every cell: use the pixel (y, x) it is given"
        else:
            hint = ("a single pixel's noise can rise higher than the cell's transients: average the traces of a "
                    "few neighbouring pixels (a small crop around (y, x)), or a few consecutive frames, before "
                    "looking for the maximum")
        checks.fail(f"most_active_time on {what}",
                    f"at the times you return, the cells' true calcium (within {PEAK_WINDOW_S:g} s) reaches on "
                    f"average {math.floor(100 * score)} % of its peak; aim for at least {100 * MIN_PEAK_FRACTION:.0f} %.",
                    hint)
