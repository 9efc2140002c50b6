# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 01 · Single-pixel fluorescence
#
# A two-photon calcium-imaging recording is a movie: the same field of view imaged again and
# again, a few to a few hundred times per second. When a neuron fires, calcium floods its cell
# body, the indicator (here GCaMP6s) binds it and glows brighter. Everything later in this course
# starts from the numbers in that movie, so this lesson looks at them directly: one frame, one
# projection, one pixel at a time.
#
# **Learning objectives** — after this lesson you can
# 1. say what each axis of a movie array means and how many frames, rows and columns it has;
# 2. pick out single frames, including "the 116th frame" without an off-by-one error;
# 3. summarise a movie with mean, maximum and standard-deviation projections, over all frames or
#    over a time range given in seconds;
# 4. crop a cell's bounding box from an image, with rows as *y* and columns as *x*;
# 5. extract a pixel's fluorescence trace and plot it against time in seconds;
# 6. tell a pixel inside a cell from one outside it by its trace;
# 7. choose a method yourself — where the cells are, when a cell was most active — and measure
#    how well it does against the simulation's ground truth.
#
# **Time:** about 80 minutes. **Prerequisites:** Python and NumPy basics (indexing, slicing,
# `axis=` in reductions), matplotlib's `imshow` and `plot`.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook. Some
# exercises leave the method to you: their check runs your function on this lesson's movie (and,
# when graded, on movies you have not seen) and reports your score against the simulation's ground
# truth, with the bound to reach.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np

from helpers import data, movie as mv, plots, simulate

rec = simulate.demo_movie(seed=0)  # a simulated recording whose ground truth we know
movie = rec.movie                   # fluorescence, float32, shape (time, y, x)
fs = rec.fs                         # frame rate in Hz (frames per second)
print(f"movie: shape {movie.shape}, dtype {movie.dtype}, frame rate {fs} Hz")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. The movie is a 3-D array: (time, y, x)
#
# NumPy stores the movie as a block of numbers with three axes. By the convention of this course
# (and of `tifffile`, suite2p and CaImAn) **axis 0 is time**, axis 1 is **y** (image rows, top to
# bottom) and axis 2 is **x** (image columns, left to right). `movie[t]` is the frame at index
# `t`, and `movie[t, y, x]` is one pixel's brightness in arbitrary units (a.u.) of the detector.
#
# **Example** — the first frame, `movie[0]`:

# %% mystnb={"image": {"alt": "The first frame of the simulated movie: a dim, noisy field with a few brighter round cell bodies."}}
ax = plots.image(movie[0], title="frame 0 (the first frame)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-dims-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — Store the number of frames, the image height (number of rows) and the image
# width (number of columns) of `movie` in `n_frames`, `height` and `width`, as Python integers.

# %% nbgrader={"grade": false, "grade_id": "ex-dims", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_frames, height, width = movie.shape
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-dims-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_dims; check_dims(n_frames, height, width)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-duration-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.2** — How long is the recording? Each frame lasts one *frame period*, $1/f_s$
# seconds: frame $k$ (counting from 0) is recorded from $k/f_s$ to $(k+1)/f_s$ seconds. Store the
# duration of the whole recording **in seconds** in `duration_s` (a float). *Predict first:* when
# does the last frame start, and when does the recording end?

# %% nbgrader={"grade": false, "grade_id": "ex-duration", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
duration_s = movie.shape[0] / fs
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-duration-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_duration; check_duration(duration_s)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Single frames — and counting from zero
#
# Python counts from 0: the *first* frame is `movie[0]`, the *second* is `movie[1]`. Negative
# indices count from the end, without a zero: `movie[-2]` is the second frame from the end. A
# single frame is noisy: at any instant only a few cells are active and the detector adds shot
# noise.
#
# **Exercise 2.1** — Store the 116th frame of `movie` in `frame_116` and the last frame in
# `last_frame` (each a 2-D array of shape (y, x)). *Predict first:* which index holds the 116th
# frame?

# %% nbgrader={"grade": false, "grade_id": "ex-frames", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
frame_116 = movie[115]
last_frame = movie[-1]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-frames-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_frames; check_frames(frame_116, last_frame)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Projections: one image that summarises many frames
#
# A *projection* collapses the time axis: for each pixel, one statistic over its values in time.
# The **mean** image shows where the tissue is bright on average (cell bodies, and the indicator
# in the neuropil around them); the **maximum** shows every place that was ever bright, active
# cells included; the **standard deviation** highlights pixels whose brightness *changes* — active
# cells stand out while a bright but silent structure does not. Each one reduces the movie over
# one of its axes — which one follows from section 1.
#
# **Example** — the mean image, with `helpers.movie.projection`:

# %% mystnb={"image": {"alt": "Mean projection of the simulated movie: round cell bodies brighter than a smoothly varying background."}}
mean_image = mv.projection(movie, "mean")
ax = plots.image(mean_image, title="mean projection, all frames")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-proj-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Compute the maximum projection `max_image` and the standard-deviation
# projection `std_image` over all frames of `movie` (each shape (y, x); for the standard deviation
# use NumPy's default, the population formula `ddof=0`). *Predict first:* the simulation has two
# cells that never fire — in which of the two images will they be hard to see? The figure after the
# check shows both projections.

# %% nbgrader={"grade": false, "grade_id": "ex-proj", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
max_image = movie.max(axis=0)
std_image = movie.std(axis=0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-proj-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_projections; check_projections(max_image, std_image)

# %% mystnb={"image": {"alt": "Maximum and standard-deviation projections side by side; active cells stand out most in the standard-deviation image."}}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
plots.image(mv.projection(movie, "max"), ax=axes[0], title="maximum projection")
plots.image(mv.projection(movie, "std"), ax=axes[1], title="standard-deviation projection",
            label="std of fluorescence (a.u.)");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-range-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — Projections over part of the recording show what happened then. Compute the
# maximum projection over the 400 frames that start at index 100 (index 100 is the first of them)
# and store it in `max_100_500`.

# %% nbgrader={"grade": false, "grade_id": "ex-range", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
max_100_500 = movie[100:500].max(axis=0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-range-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_max_range; check_max_range(max_100_500)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-window-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.3** — Times are easier to think in than frame indices. Write a function
# `mean_projection_between(movie, fs, start_s, stop_s)` that returns the mean projection over the
# frames recorded from `start_s` up to (not including) `stop_s` seconds, for a movie recorded at
# `fs` frames per second. The convention: frame `i` starts at `i / fs` seconds, and a time belongs
# to the frame whose start is **nearest** to it (0.49 s at 30 Hz is 14.7 frame periods: frame 15);
# the frames used run from the start time's frame up to, but not including, the stop time's frame.
# Return a float array of shape (y, x). You may assume `0 <= start_s < stop_s` and that the range
# lies within the movie.

# %% nbgrader={"grade": false, "grade_id": "ex-window", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mean_projection_between(movie, fs, start_s, stop_s):
    ### BEGIN SOLUTION
    start, stop = round(start_s * fs), round(stop_s * fs)
    return movie[start:stop].mean(axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-window-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_mean_projection_between; check_mean_projection_between(mean_projection_between)
### BEGIN HIDDEN TESTS
check_mean_projection_between(mean_projection_between, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Cropping a cell's box: rows are y, columns are x
#
# A box around a cell is given by its x range (columns) and y range (rows). NumPy indexes
# **rows first**: `image[y_min:y_max, x_min:x_max]`. Plotting functions do the opposite —
# `plt.scatter(x, y)` and `Rectangle((x, y), ...)` take x first — which is the classic source of
# transposed crops and pixels picked from the wrong place. Ranges here are half-open like Python
# slices: `x_min` is included, `x_max` is not.
#
# The simulation tells us where its cells are. Here are the boxes of three of them:

# %% nbgrader={"grade": false, "grade_id": "boxes", "locked": true, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons import single_pixel
cell_boxes = single_pixel.cell_boxes()
for cell, box in cell_boxes.items():
    print(f"cell {cell}: x_min={box['x_min']:2d} x_max={box['x_max']:2d}   y_min={box['y_min']:2d} y_max={box['y_max']:2d}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "boxes-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — cell A's box drawn on the mean image, and the mean image cropped to it:

# %% mystnb={"image": {"alt": "Left: the mean image with an orange box around cell A. Right: the mean image cropped to that box, showing one cell body."}}
box = cell_boxes["A"]
y_range, x_range = (box["y_min"], box["y_max"]), (box["x_min"], box["x_max"])
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
plots.box(plots.image(mean_image, ax=axes[0], title="mean image, cell A boxed"), y_range, x_range)
plots.image(mv.crop(mean_image, y=y_range, x=x_range), ax=axes[1], title="cropped to cell A");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-crop-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — Store in `cell_b_mean` the mean image (`mean_image`) cropped to cell B's box,
# and in `cell_c_max_first100` the **maximum** projection of the **first 100 frames** (indices
# 0–99) cropped to cell C's box. Use the numbers from the `cell_boxes` table.

# %% nbgrader={"grade": false, "grade_id": "ex-crop", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
b, c = cell_boxes["B"], cell_boxes["C"]
cell_b_mean = mean_image[b["y_min"]:b["y_max"], b["x_min"]:b["x_max"]]
cell_c_max_first100 = movie[:100, c["y_min"]:c["y_max"], c["x_min"]:c["x_max"]].max(axis=0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-crop-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_crops; check_crops(cell_b_mean, cell_c_max_first100)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-cropfn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — Write a function `crop_around(image, center_y, center_x, half_size)` that
# returns the square of side `2 * half_size + 1` pixels centred on the pixel (row `center_y`,
# column `center_x`) of a 2-D image. You may assume the square lies inside the image.

# %% nbgrader={"grade": false, "grade_id": "ex-cropfn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def crop_around(image, center_y, center_x, half_size):
    ### BEGIN SOLUTION
    return image[center_y - half_size:center_y + half_size + 1,
                 center_x - half_size:center_x + half_size + 1]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-cropfn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_crop_around; check_crop_around(crop_around)
### BEGIN HIDDEN TESTS
check_crop_around(crop_around, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. A pixel's trace, against time in seconds
#
# Fix a pixel and follow it through the movie: its values in every frame, one per frame, are its
# **trace** (section 1 says how to index one pixel in one frame; a slice `:` takes every index of
# an axis). To plot a trace against time we need a time axis in seconds: frame `i` is recorded at
# `i / fs` seconds, so the first frame is at 0 s.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-time-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Store the time of every frame of `movie`, in seconds, in `t` (a float array
# with one value per frame, starting at 0).

# %% nbgrader={"grade": false, "grade_id": "ex-time", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
t = np.arange(movie.shape[0]) / fs
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-time-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_time_axis; check_time_axis(t)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-tracefn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — Write a function `pixel_trace(movie, y, x)` that returns the trace of the pixel
# at row `y`, column `x` of a `(time, y, x)` movie as a **float64** array of one value per frame.

# %% nbgrader={"grade": false, "grade_id": "ex-tracefn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pixel_trace(movie, y, x):
    ### BEGIN SOLUTION
    return movie[:, y, x].astype(np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-tracefn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_pixel_trace; check_pixel_trace(pixel_trace)
### BEGIN HIDDEN TESTS
check_pixel_trace(pixel_trace, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the trace of the brightest pixel of the standard-deviation image, marked with a cross:

# %% mystnb={"image": {"alt": "Top: the standard-deviation image with a cross on its brightest pixel. Bottom: that pixel's trace over 66 seconds, with sharp rises followed by slow decays."}}
std_ref = mv.projection(movie, "std")
y_peak, x_peak = np.unravel_index(np.argmax(std_ref), std_ref.shape)
time_s = mv.time_axis(movie.shape[0], fs)
fig, axes = plt.subplots(2, 1, figsize=(8, 6), layout="constrained", height_ratios=[1.4, 1])
plots.points(plots.image(std_ref, ax=axes[0], title="std image", label="std (a.u.)"), y_peak, x_peak)
plots.traces(time_s, mv.pixel_trace(movie, y_peak, x_peak), ax=axes[1],
             title=f"pixel (y={y_peak}, x={x_peak})");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-brightest-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.3** — Which pixel of cell B's box (section 4) was ever the brightest, in any single
# frame? Decide which of the projections of section 3 answers that question, find the pixel of
# the box where it is largest, and store its row and column **in the full image** in
# `brightest_y` and `brightest_x` (Python integers). *Predict first:* if you crop the image to the
# box and look for the maximum there, are the row and column you get those of the full image?

# %% nbgrader={"grade": false, "grade_id": "ex-brightest", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
box_b = cell_boxes["B"]
max_in_b = mv.projection(movie, "max")[box_b["y_min"]:box_b["y_max"], box_b["x_min"]:box_b["x_max"]]
row_in_box, col_in_box = np.unravel_index(np.argmax(max_in_b), max_in_b.shape)
brightest_y, brightest_x = int(row_in_box) + box_b["y_min"], int(col_in_box) + box_b["x_min"]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-brightest-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_brightest; check_brightest(brightest_y, brightest_x)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-inout-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.4** — Compare a pixel inside a cell with one outside any cell. The simulation's
# ground truth gives us both: `inside_yx` is the centre pixel of cell A, and `outside_yx` is a
# pixel far from every cell (printed below). Store their traces in `inside_trace` and
# `outside_trace` (float64 arrays, one value per frame), and the ratio of their **standard
# deviations over time**, inside over outside, in `std_ratio` (a float). *Predict first:* the
# inside pixel has the cell's transients on top of everything the outside pixel has — will its
# standard deviation be many times the outside pixel's, or less than twice it?

# %% nbgrader={"grade": false, "grade_id": "inout-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
inside_yx, outside_yx = single_pixel.inside_outside()
print("inside (y, x):", inside_yx, "  outside (y, x):", outside_yx)

# %% nbgrader={"grade": false, "grade_id": "ex-inout", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
inside_trace = mv.pixel_trace(movie, *inside_yx)
outside_trace = mv.pixel_trace(movie, *outside_yx)
std_ratio = float(inside_trace.std() / outside_trace.std())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-inout-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_inside_outside; check_inside_outside(inside_trace, outside_trace, std_ratio)

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-inout-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 5.5** (manually graded) — Plot `inside_trace` and `outside_trace` against `t` on one
# figure (axes labelled with units). Then describe, in two or three sentences, two differences
# between the traces and what in the tissue causes each. Is the outside pixel's signal flat? Why not?

# %% nbgrader={"grade": true, "grade_id": "q-inout-plot", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "Traces of a pixel inside cell A and of a pixel outside all cells over time: the inside trace has large transients, the outside trace only small slow fluctuations and noise."}}
### BEGIN SOLUTION
ax = plots.traces(mv.time_axis(movie.shape[0], fs), np.vstack([inside_trace, outside_trace]),
                  labels=["inside cell A", "outside every cell"],
                  title="a pixel inside a cell vs one outside")
### END SOLUTION

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-inout", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# (1) the inside pixel shows large,
# fast-rising and slowly decaying transients — calcium entering the cell body when the neuron
# fires, seen through GCaMP6s; the outside pixel has none of them. (2) The inside pixel has a
# higher baseline (the indicator fills the soma) and larger noise (shot noise grows with
# brightness). The outside pixel is not flat: neuropil — axons and dendrites of many neurons —
# fluctuates slowly, the whole image bleaches and drifts, and detector noise is always there.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "open-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Your method, scored against the truth
#
# So far every exercise had one right answer. Real analysis is made of choices — which projection,
# which pixels, how much averaging — and a simulation lets us measure how good a choice is,
# because it knows where the cells are and when they fired. In this section **you choose the
# method**. The check runs your function on this lesson's movie and reports a score against the
# ground truth, with the bound to reach; when your notebook is graded it also runs it on movies
# you have not seen — denser, noisier, recorded with another indicator or at another frame rate —
# so a method tuned to this one movie may not pass. You may use anything from NumPy and `helpers`.
#
# **Exercise 6.1** — Write a function `find_cells(movie, n)` that returns the positions of `n`
# **different** cells of a `(time, y, x)` movie: an integer array of shape `(n, 2)`, one
# `(row, column)` pair per cell. A position counts when it lies inside a true cell that no earlier
# position already landed in; with `n = 6`, at least **5 of the 6** positions must count, on every
# movie. Decide which projection to search, and how to keep from picking the same cell twice — a
# cell body here is up to about 12 pixels wide. *Predict first:* where do the 6 largest pixels of
# the standard-deviation image lie?

# %% nbgrader={"grade": false, "grade_id": "ex-findcells", "locked": false, "schema_version": 3, "solution": true, "task": false}
def find_cells(movie, n):
    ### BEGIN SOLUTION
    # The std image: active cells stand out (the mean image works too). After each pick, a 13 x 13
    # box around it is ruled out, so that the next pick lies in another cell.
    image = np.asarray(movie).std(axis=0).astype(np.float64)
    positions = np.zeros((n, 2), dtype=int)
    for i in range(n):
        y, x = np.unravel_index(np.argmax(image), image.shape)
        positions[i] = y, x
        image[max(y - 6, 0):y + 7, max(x - 6, 0):x + 7] = -np.inf
    return positions
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-findcells-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_find_cells; check_find_cells(find_cells)
### BEGIN HIDDEN TESTS
check_find_cells(find_cells, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-peaktime-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.2** — When was a cell most active? Write a function `most_active_time(movie, fs, y,
# x)` that returns the time, **in seconds** (frame `i` starts at `i / fs`), of the largest calcium
# transient of the cell whose centre is the pixel at row `y`, column `x`. The check calls it for
# every cell of the movie that fired at least 5 times, on the movie cropped to a 25 × 25-pixel
# square around the cell (smaller at the border) and with the cell's true centre, and looks up
# the cell's **true** calcium within 0.25 s of the time you return, as a fraction of its peak (1:
# you found its largest transient). Averaged over the cells, that fraction must reach at least
# **80 %** on every movie. Decide which pixels and which frames to look at. *Predict first:* the
# example in section 5 plotted one pixel's trace — would its largest value mark the cell's largest
# transient?

# %% nbgrader={"grade": false, "grade_id": "ex-peaktime", "locked": false, "schema_version": 3, "solution": true, "task": false}
def most_active_time(movie, fs, y, x):
    ### BEGIN SOLUTION
    # One pixel is too noisy: average the 5 x 5 pixels around the centre (clipped at the border),
    # then over about 0.3 s of frames, before looking for the maximum.
    local = np.asarray(movie)[:, max(y - 2, 0):y + 3, max(x - 2, 0):x + 3].mean(axis=(1, 2))
    width = max(1, round(0.3 * fs))
    smooth = np.convolve(local, np.ones(width) / width, mode="same")
    return float(np.argmax(smooth) / fs)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-peaktime-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_most_active_time; check_most_active_time(most_active_time)
### BEGIN HIDDEN TESTS
check_most_active_time(most_active_time, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. The same on a real recording
#
# Simulations tell us the truth; real recordings tell us what truth looks like. This is a short
# two-photon movie from the SIMA project (Losonczy lab), with two ROIs drawn in ImageJ.
# **Its frame rate is not recorded in the file**: the loader says so (`fs` is `None`) instead of
# guessing. Where a lesson needs seconds on such data it states the rate it assumes.

# %% mystnb={"image": {"alt": "Mean projection of the real SIMA two-photon movie, 128 by 256 pixels, with the outlines of its two ImageJ ROIs."}}
sima = data.load_sima_movie()
sima_rois = data.load_sima_rois()
print(f"SIMA movie: shape {sima.movie.shape} (time, y, x); frame rate: {sima.fs or 'unknown'}")
ax = plots.image(mv.projection(sima.movie, "mean"), title="SIMA movie, mean projection")
for roi in sima_rois:
    ax.contour(roi, levels=[0.5], colors="#E69F00", linewidths=1.5)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-sima-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — For the first ROI (`sima_rois[0]`, a boolean mask of shape (y, x)), find the
# pixel of the ROI with the highest mean-projection value and store its trace (float64, one value
# per frame of `sima.movie`) in `sima_trace`. The argmax of the whole image is not restricted to
# the ROI: decide how to keep every pixel outside the ROI from winning (Exercise 6.1 had the same
# problem).

# %% nbgrader={"grade": false, "grade_id": "ex-sima", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
sima_mean = mv.projection(sima.movie, "mean")
inside_roi = np.where(sima_rois[0], sima_mean, -np.inf)
y_best, x_best = np.unravel_index(np.argmax(inside_roi), inside_roi.shape)
sima_trace = mv.pixel_trace(sima.movie, y_best, x_best)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-sima-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_sima_trace; check_sima_trace(sima_trace)

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - A movie is a `(time, y, x)` array; its duration in seconds is `n_frames / fs`.
# - Frames count from 0: the 116th frame is `movie[115]`; the last is `movie[-1]`.
# - Projections reduce over time (`axis=0`): the mean shows structure, the maximum every bright
#   moment, the standard deviation what *changes* — the active cells.
# - NumPy indexes rows (y) first: `image[y_min:y_max, x_min:x_max]`; plotting functions take x first.
# - A pixel's trace is `movie[:, y, x]`; its time axis is `np.arange(n_frames) / fs` seconds.
# - A pixel outside every cell is not silent: neuropil, bleaching, drift and noise are in every
#   pixel — the next lessons turn pixels into cells (02) and remove that contamination (03).
# - One pixel in one frame is mostly noise: finding cells needs a projection and a rule that keeps
#   picks apart; finding a cell's moments needs averaging over neighbouring pixels and frames. On
#   simulated data such choices can be scored against the truth — on movies the method was not
#   tuned to.
#
# ## References
#
# - Grienberger, C., & Konnerth, A. (2012). Imaging calcium in neurons. *Neuron*, 73(5), 862–885.
# - Chen, T.-W., et al. (2013). Ultrasensitive fluorescent proteins for imaging neuronal activity.
#   *Nature*, 499, 295–300. (GCaMP6s and GCaMP6f.)
# - Kaifosh, P., Zaremba, J. D., Danielson, N. B., & Losonczy, A. (2014). SIMA: Python software for
#   analysis of dynamic fluorescence imaging data. *Frontiers in Neuroinformatics*, 8, 80.
# - Harris, C. R., et al. (2020). Array programming with NumPy. *Nature*, 585, 357–362.
