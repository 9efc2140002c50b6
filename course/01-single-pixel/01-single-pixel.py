# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "751971aba25315df8a5242c1c451017f", "grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "f56b52eb3328cbada870f83480b89781", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np

from helpers import data, movie as mv, plots, simulate

rec = simulate.demo_movie(seed=0)  # a simulated recording whose ground truth we know
movie = rec.movie                   # fluorescence, float32, shape (time, y, x)
fs = rec.fs                         # frame rate in Hz (frames per second)
print(f"movie: shape {movie.shape}, dtype {movie.dtype}, frame rate {fs} Hz")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "28b14dfd67cfc0c0905abf7dadac14a3", "grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "e1ced263a63b018b8e282d402d6b447a", "grade": false, "grade_id": "ex-dims-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — Store the number of frames, the image height (number of rows) and the image
# width (number of columns) of `movie` in `n_frames`, `height` and `width`, as Python integers.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "902f560cd68f848e76f5261b801f70e2", "grade": false, "grade_id": "ex-dims", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "5a0bf1e636dd13d1324198434c7bebdc", "grade": true, "grade_id": "ex-dims-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_dims; check_dims(n_frames, height, width)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "2d09cb2f1d7a1556e94479cebc454460", "grade": false, "grade_id": "ex-duration-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.2** — How long is the recording? Each frame lasts one *frame period*, $1/f_s$
# seconds: frame $k$ (counting from 0) is recorded from $k/f_s$ to $(k+1)/f_s$ seconds. Store the
# duration of the whole recording **in seconds** in `duration_s` (a float). *Predict first:* when
# does the last frame start, and when does the recording end?

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "928306104bda99be4c7785652d7b36e8", "grade": false, "grade_id": "ex-duration", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "d501d1c53a72917012062629e9d37d49", "grade": true, "grade_id": "ex-duration-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_duration; check_duration(duration_s)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "967b169c5f45c86110887d00b7795524", "grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "841cd4da7a19e7308f3ba36d4ef81576", "grade": false, "grade_id": "ex-frames", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "ac9eee3a5c0f41180fe9de03c74d1668", "grade": true, "grade_id": "ex-frames-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_frames; check_frames(frame_116, last_frame)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "40a92794d518ca000c5ca2f97cf0050a", "grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "95699666a64ccf8613ff23c095e4224b", "grade": false, "grade_id": "ex-proj-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Compute the maximum projection `max_image` and the standard-deviation
# projection `std_image` over all frames of `movie` (each shape (y, x); for the standard deviation
# use NumPy's default, the population formula `ddof=0`). *Predict first:* the simulation has two
# cells that never fire — in which of the two images will they be hard to see? The figure after the
# check shows both projections.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "aa7311e50a9d0bf9110ac4db222a0bb6", "grade": false, "grade_id": "ex-proj", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "680d3f7792f07eba5e86a0a2957afb43", "grade": true, "grade_id": "ex-proj-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_projections; check_projections(max_image, std_image)

# %% mystnb={"image": {"alt": "Maximum and standard-deviation projections side by side; active cells stand out most in the standard-deviation image."}}
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
plots.image(mv.projection(movie, "max"), ax=axes[0], title="maximum projection")
plots.image(mv.projection(movie, "std"), ax=axes[1], title="standard-deviation projection",
            label="std of fluorescence (a.u.)");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "649e1ba08ad7f171f989a77853c8b5b9", "grade": false, "grade_id": "ex-range-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — Projections over part of the recording show what happened then. Compute the
# maximum projection over the 400 frames that start at index 100 (index 100 is the first of them)
# and store it in `max_100_500`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "36f2556e14c5ff2f1f04945cad5ff521", "grade": false, "grade_id": "ex-range", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "cb560d26cf8a71f7c80ce1dff06b869d", "grade": true, "grade_id": "ex-range-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_max_range; check_max_range(max_100_500)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f52657180330bf9c2bce571f3c32fa72", "grade": false, "grade_id": "ex-window-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.3** — Times are easier to think in than frame indices. Write a function
# `mean_projection_between(movie, fs, start_s, stop_s)` that returns the mean projection over the
# frames recorded from `start_s` up to (not including) `stop_s` seconds, for a movie recorded at
# `fs` frames per second. The convention: frame `i` starts at `i / fs` seconds, and a time belongs
# to the frame whose start is **nearest** to it (0.49 s at 30 Hz is 14.7 frame periods: frame 15);
# the frames used run from the start time's frame up to, but not including, the stop time's frame.
# Return a float array of shape (y, x). You may assume `0 <= start_s < stop_s` and that the range
# lies within the movie.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "d30c7c890a86796cf5333fb40566fdde", "grade": false, "grade_id": "ex-window", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mean_projection_between(movie, fs, start_s, stop_s):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "915787606d99b132da388fe77f3862f0", "grade": true, "grade_id": "ex-window-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_mean_projection_between; check_mean_projection_between(mean_projection_between)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9c12ea369cdc3fd107f432971c7f5b5a", "grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Cropping a cell's box: rows are y, columns are x
#
# A box around a cell is given by its x range (columns) and y range (rows). NumPy indexes
# **rows first**: `image[y_min:y_max, x_min:x_max]`. Plotting functions do the opposite —
# `plt.scatter(x, y)` and `Rectangle((x, y), ...)` take x first — which is the classic source of
# transposed crops and pixels picked from the wrong place. Ranges here are half-open like Python
# slices: `x_min` is included, `x_max` is not.
#
# The simulation tells us where its cells are. Here are the boxes of three of them:

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "082ce0111bcc1d98e343a0082a4d29b6", "grade": false, "grade_id": "boxes", "locked": true, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons import single_pixel
cell_boxes = single_pixel.cell_boxes()
for cell, box in cell_boxes.items():
    print(f"cell {cell}: x_min={box['x_min']:2d} x_max={box['x_max']:2d}   y_min={box['y_min']:2d} y_max={box['y_max']:2d}")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "8828c16c1b797ad5f2e1be6621b45194", "grade": false, "grade_id": "boxes-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — cell A's box drawn on the mean image, and the mean image cropped to it:

# %% mystnb={"image": {"alt": "Left: the mean image with an orange box around cell A. Right: the mean image cropped to that box, showing one cell body."}}
box = cell_boxes["A"]
y_range, x_range = (box["y_min"], box["y_max"]), (box["x_min"], box["x_max"])
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
plots.box(plots.image(mean_image, ax=axes[0], title="mean image, cell A boxed"), y_range, x_range)
plots.image(mv.crop(mean_image, y=y_range, x=x_range), ax=axes[1], title="cropped to cell A");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "667029ef08af6b05620762199ee8f0fd", "grade": false, "grade_id": "ex-crop-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — Store in `cell_b_mean` the mean image (`mean_image`) cropped to cell B's box,
# and in `cell_c_max_first100` the **maximum** projection of the **first 100 frames** (indices
# 0–99) cropped to cell C's box. Use the numbers from the `cell_boxes` table.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "b4ec4dfa668982692f3a257390869566", "grade": false, "grade_id": "ex-crop", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "164485f3e47a5cc7aaa80793305c4906", "grade": true, "grade_id": "ex-crop-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_crops; check_crops(cell_b_mean, cell_c_max_first100)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "2c7978b86798e5ec744e5437bd440c2d", "grade": false, "grade_id": "ex-cropfn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — Write a function `crop_around(image, center_y, center_x, half_size)` that
# returns the square of side `2 * half_size + 1` pixels centred on the pixel (row `center_y`,
# column `center_x`) of a 2-D image. You may assume the square lies inside the image.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "d45f69683bd816256bfe21884d514b5f", "grade": false, "grade_id": "ex-cropfn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def crop_around(image, center_y, center_x, half_size):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "26f9e778f7db90455afe22d6a8f6370c", "grade": true, "grade_id": "ex-cropfn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_crop_around; check_crop_around(crop_around)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7eaab0cf2cc0ec729c63f6aea0c1f1a5", "grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. A pixel's trace, against time in seconds
#
# Fix a pixel and follow it through the movie: its values in every frame, one per frame, are its
# **trace** (section 1 says how to index one pixel in one frame; a slice `:` takes every index of
# an axis). To plot a trace against time we need a time axis in seconds: frame `i` is recorded at
# `i / fs` seconds, so the first frame is at 0 s.

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c7eac94f2ea7025ed153d25c9a16156d", "grade": false, "grade_id": "ex-time-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Store the time of every frame of `movie`, in seconds, in `t` (a float array
# with one value per frame, starting at 0).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "178be7b4678edbe576a4a2a4338b8eae", "grade": false, "grade_id": "ex-time", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "a2063a4f0902d6fd75e707fb46ba9652", "grade": true, "grade_id": "ex-time-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_time_axis; check_time_axis(t)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "e6a3935e9f8df06788ed178e9b7b9f13", "grade": false, "grade_id": "ex-tracefn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — Write a function `pixel_trace(movie, y, x)` that returns the trace of the pixel
# at row `y`, column `x` of a `(time, y, x)` movie as a **float64** array of one value per frame.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "48fda4c0b2e641491d9993b39bcee3e6", "grade": false, "grade_id": "ex-tracefn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pixel_trace(movie, y, x):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "2c22e4be45ef0d3040dafd9f7fa6dc7f", "grade": true, "grade_id": "ex-tracefn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_pixel_trace; check_pixel_trace(pixel_trace)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "8f3f9d19b0d09aff56bc7813e89ba742", "grade": false, "grade_id": "s5b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the trace of the brightest pixel of the standard-deviation image, marked with a cross:

# %% mystnb={"image": {"alt": "Top: the standard-deviation image with a cross on its brightest pixel. Bottom: that pixel's trace over 66 seconds, with sharp rises followed by slow decays."}}
std_ref = mv.projection(movie, "std")
y_peak, x_peak = np.unravel_index(np.argmax(std_ref), std_ref.shape)
time_s = mv.time_axis(movie.shape[0], fs)
fig, axes = plt.subplots(2, 1, figsize=(8, 6), layout="constrained", height_ratios=[1.4, 1])
plots.points(plots.image(std_ref, ax=axes[0], title="std image", label="std (a.u.)"), y_peak, x_peak)
plots.traces(time_s, mv.pixel_trace(movie, y_peak, x_peak), ax=axes[1],
             title=f"pixel (y={y_peak}, x={x_peak})");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1d04df5478403b9a7f0c3100bdb9488f", "grade": false, "grade_id": "ex-brightest-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.3** — Which pixel of cell B's box (section 4) was ever the brightest, in any single
# frame? Decide which of the projections of section 3 answers that question, find the pixel of
# the box where it is largest, and store its row and column **in the full image** in
# `brightest_y` and `brightest_x` (Python integers). *Predict first:* if you crop the image to the
# box and look for the maximum there, are the row and column you get those of the full image?

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "d838f603eaaef10eb9d63d610ab95c0b", "grade": false, "grade_id": "ex-brightest", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "42db49bfdfc075bbe21eeb273b0bff6a", "grade": true, "grade_id": "ex-brightest-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_brightest; check_brightest(brightest_y, brightest_x)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "3a422a1311d77edd4e96ee624754361e", "grade": false, "grade_id": "ex-inout-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.4** — Compare a pixel inside a cell with one outside any cell. The simulation's
# ground truth gives us both: `inside_yx` is the centre pixel of cell A, and `outside_yx` is a
# pixel far from every cell (printed below). Store their traces in `inside_trace` and
# `outside_trace` (float64 arrays, one value per frame), and the ratio of their **standard
# deviations over time**, inside over outside, in `std_ratio` (a float). *Predict first:* the
# inside pixel has the cell's transients on top of everything the outside pixel has — will its
# standard deviation be many times the outside pixel's, or less than twice it?

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "dae92efd61426069af505209fb9d4517", "grade": false, "grade_id": "inout-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
inside_yx, outside_yx = single_pixel.inside_outside()
print("inside (y, x):", inside_yx, "  outside (y, x):", outside_yx)

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "6f6d94bcd21aa7e0e41d67f58f860a7e", "grade": false, "grade_id": "ex-inout", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "9b99ea64f5f0903f6dbc81ff02deba8b", "grade": true, "grade_id": "ex-inout-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_inside_outside; check_inside_outside(inside_trace, outside_trace, std_ratio)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0d3bc0877d0bc1f6ec01a962d0da18f3", "grade": false, "grade_id": "q-inout-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 5.5** (manually graded) — Plot `inside_trace` and `outside_trace` against `t` on one
# figure (axes labelled with units). Then describe, in two or three sentences, two differences
# between the traces and what in the tissue causes each. Is the outside pixel's signal flat? Why not?

# %% deletable=false mystnb={"image": {"alt": "Traces of a pixel inside cell A and of a pixel outside all cells over time: the inside trace has large transients, the outside trace only small slow fluctuations and noise."}} nbgrader={"cell_type": "code", "checksum": "1e475c30ffe8b6df8eaf0b8c09abe3f4", "grade": true, "grade_id": "q-inout-plot", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()


# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "0710b2b7b78ac977e2a6d09e32b72563", "grade": true, "grade_id": "q-inout", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# YOUR ANSWER HERE

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "91398652f60ff087659b3a4a55a4f653", "grade": false, "grade_id": "open-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "dccaa5d358b456aced878968894cfdcf", "grade": false, "grade_id": "ex-findcells", "locked": false, "schema_version": 3, "solution": true, "task": false}
def find_cells(movie, n):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "84b0602d094de3bf9622b2424849f36d", "grade": true, "grade_id": "ex-findcells-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_find_cells; check_find_cells(find_cells)


# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f7d481ebec9d8637ba0d769012b413c4", "grade": false, "grade_id": "ex-peaktime-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "dc33a31e358d481ea0822324d923a4e4", "grade": false, "grade_id": "ex-peaktime", "locked": false, "schema_version": 3, "solution": true, "task": false}
def most_active_time(movie, fs, y, x):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "58c34fcdc87ae0ab36c1c36d3191782e", "grade": true, "grade_id": "ex-peaktime-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_most_active_time; check_most_active_time(most_active_time)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "dd9d4992fd5ccd7e07dfcfd6263b42ed", "grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a21a6cea7ba2384fb54fa098c922e838", "grade": false, "grade_id": "ex-sima-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — For the first ROI (`sima_rois[0]`, a boolean mask of shape (y, x)), find the
# pixel of the ROI with the highest mean-projection value and store its trace (float64, one value
# per frame of `sima.movie`) in `sima_trace`. The argmax of the whole image is not restricted to
# the ROI: decide how to keep every pixel outside the ROI from winning (Exercise 6.1 had the same
# problem).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "5d7f076c31a8fe6bf5cb28a319d6bf66", "grade": false, "grade_id": "ex-sima", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "75808d8cbaa1192a4fde5dc5ba405ea8", "grade": true, "grade_id": "ex-sima-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.single_pixel import check_sima_trace; check_sima_trace(sima_trace)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "74d5a8617102e44f79114f34371ebf71", "grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
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
