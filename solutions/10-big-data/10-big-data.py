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
# # 10 · A full-size recording: out of memory, in chunks
#
# Every movie so far fitted in memory. A real two-photon session does not: 30 minutes at 30 Hz of
# 512 × 512 pixels is 54 000 frames, about 28 GB on disk and twice that once converted to
# floating point — more than most laptops hold. suite2p therefore reads and registers its data in
# batches from a binary file, and CaImAn works on memory-mapped files with several processes. This
# lesson teaches the same step with the standard tools of the Python ecosystem: the recording stays
# on disk, it is read lazily, and [Dask](https://docs.dask.org) runs the course's analysis one
# *chunk* of frames at a time — on this computer, or on a cluster.
#
# The lesson's recording is simulated, so every result can be checked against the truth, and it is
# written to disk as a series of TIFF files, the way microscopes write long sessions. It is only
# 98 MB, so that the lesson runs in seconds; to make the point we allow our computations
# **25 MB of memory**, a quarter of the recording's size on disk — the situation of a 64 GB
# recording on a 16 GB laptop. The code does not change with the size.
#
# **Learning objectives** — after this lesson you can
# 1. work out how much memory a recording and each copy of it take, from its shape and dtype;
# 2. read a multi-file TIFF series lazily — memory-map a file, read only the frames you need;
# 3. build a `dask.array` chunked along time and compute projections without holding the movie;
# 4. tell how a step splits into chunks: per frame (registration, traces), sums over time
#    (projections, correlations), or windows along time that need overlapping chunks (`map_overlap`);
# 5. register a movie chunk by chunk against one template, and extract every ROI's trace as one
#    sparse matrix product per chunk;
# 6. measure peak memory and time, choose a chunk size for a memory budget, and compare with the
#    in-memory computation;
# 7. run the same code on a `dask.distributed` cluster, local or remote, given its address.
#
# **Time:** about 2 hours. **Prerequisites:** lessons 01 (projections), 02 (masks and traces),
# 04 (rolling baselines) and 08 (registration, local correlation); NumPy's dtypes.
#
# Sizes in this lesson are decimal: **1 MB = 10⁶ bytes, 1 GB = 10⁹ bytes** (your operating system
# may show MiB = 2²⁰ bytes, 5 % more).
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import tempfile
import time

import dask
import dask.array as da
import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse
import tifffile
from dask.diagnostics import ProgressBar

from helpers import baseline as bl, chunked, masks as mk, plots, registration as reg, tiff_series
from helpers.lessons import big_data as lesson10

# Two threads, like the course machine, so that the memory figures below are the same on yours.
dask.config.set(scheduler="threads", num_workers=lesson10.THREADS)

# The simulator writes the recording file by file; it never holds more than one file in memory.
workdir = tempfile.TemporaryDirectory(prefix="calcium-lesson10-")  # deleted at the end of the lesson
start = time.perf_counter()
paths = lesson10.write_recording(workdir.name)
rec = lesson10.recording()   # the simulation's description and ground truth; its frames are on disk only
truth, fs = rec.truth, rec.fs
budget = lesson10.MEMORY_BUDGET
on_disk = sum(path.stat().st_size for path in paths)
print(f"wrote {len(paths)} files ({paths[0].name} ... {paths[-1].name}), {on_disk / 1e6:.1f} MB, "
      f"in {time.perf_counter() - start:.1f} s")
print(f"the recording: {rec.shape} (time, y, x), {rec.dtype}, {fs:g} Hz; {len(truth.masks)} cells well "
      f"inside the field; memory budget: {budget / 1e6:.0f} MB")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. How big is a recording?
#
# A movie's size is simple arithmetic: **frames × rows × columns × bytes per value**. Detectors
# count photons in whole numbers, so raw movies are usually `uint16` (2 bytes per pixel). Analysis
# converts them to floating point — `float32` (4 bytes) in this course's movie functions, `float64`
# (8 bytes, NumPy's default) in many others — so every conversion makes a copy two or four times the
# size on disk. A NumPy array tells its own size: `array.itemsize` bytes per value, `array.nbytes`
# in total.
#
# **Example** — the bytes per value of the usual dtypes, and the lesson's recording:

# %% nbgrader={"grade": false, "grade_id": "s1-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
for dtype in (np.uint16, np.float32, np.float64):
    print(f"{np.dtype(dtype).name:>8}: {np.dtype(dtype).itemsize} bytes per value")
n_frames, height, width = rec.shape
print(f"the recording: {n_frames} x {height} x {width} x 2 bytes = {n_frames * height * width * 2 / 1e6:.1f} MB "
      f"(the files: {on_disk / 1e6:.1f} MB, with their headers); as float32: {n_frames * height * width * 4 / 1e6:.1f} MB")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-session-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — A 30-minute session imaged at 30 frames per second, 512 × 512 pixels per frame,
# stored as `uint16`. Store its size **in GB** (10⁹ bytes) in `session_gb`, and the size of the
# same movie converted to `float32` in `session_float32_gb` (floats, not rounded).

# %% nbgrader={"grade": false, "grade_id": "ex-session", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
session_frames = 30 * 60 * 30
session_gb = session_frames * 512 * 512 * 2 / 1e9
session_float32_gb = session_frames * 512 * 512 * 4 / 1e9
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-session-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_session_size; check_session_size(session_gb, session_float32_gb)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-budget-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.2** — How many frames of the lesson's recording (`height` × `width` pixels) fit in
# the memory budget `budget` (in bytes) once converted to `float32`? Store the largest whole number
# of frames in `frames_in_budget` (an `int`). This is an upper bound on a chunk's length — before
# counting any copy a computation makes.

# %% nbgrader={"grade": false, "grade_id": "ex-budget", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
frames_in_budget = budget // (height * width * np.dtype(np.float32).itemsize)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-budget-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_frames_in_budget; check_frames_in_budget(frames_in_budget)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Reading lazily: a TIFF series and memory maps
#
# `tifffile.imread(path)` reads a whole file into memory. For a file that is stored uncompressed
# and contiguous — as microscopes and this simulator write them — there is a lazier way:
# `tifffile.memmap(path)` *maps* the file into memory. It returns a NumPy array at once, without
# reading anything; the operating system reads the pages of the file that you index, when you
# index them. Those pages sit in the operating system's file cache, which it empties when memory
# runs short, so a memory map does not count against your budget the way an array does — but while
# the map is open, your process's memory use (its *resident set*) shows the pages you touched.
#
# A long session is a *series* of files. `tiff_series.TiffSeries` makes one lazy `(time, y, x)`
# array of a series: opening it reads only each file's header; indexing it reads just the frames
# asked for, from the files that hold them, into a new array.
#
# **Example** — one file memory-mapped, then the whole series, and frame 1234 read from it:

# %% nbgrader={"grade": false, "grade_id": "s2-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
first_file = tifffile.memmap(paths[0], mode="r")
print(f"{paths[0].name}: {type(first_file).__name__} {first_file.shape} {first_file.dtype}; "
      f"frame 123 has mean {first_file[123].mean():.1f}")
del first_file  # closes the map

series = tiff_series.TiffSeries(paths)
print(series)
print("frames per file:", series.file_lengths, "  frame rate from the files:", series.fs, "Hz")

# %% mystnb={"image": {"alt": "Frame 1234 of the recording, read from the third TIFF file of the series: a noisy 128 by 128 pixel field with dozens of faint round cell bodies."}}
ax = plots.image(series[1234], title="frame 1234, read from the series", label="fluorescence (counts)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-ranges-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.1** — The index arithmetic of a lazy reader. Write a function
# `frames_to_read(file_lengths, start, stop)` that says which files hold the frames `start:stop` of
# a series, and which of their own frames. `file_lengths` is a list of the number of frames in each
# file, in order — files may hold **different** numbers of frames. Frames are counted from 0 across
# the whole series; the range includes `start` and excludes `stop`, and `0 <= start < stop <=` the
# total. Return a **list of tuples** `(file_index, first, stop_in_file)`, one per file that holds at
# least one frame of the range, in file order, where `first:stop_in_file` are frames of that file
# counted from **its** first frame (stop excluded). For example, with `file_lengths = [100, 100, 50]`,
# frames `90:210` are `[(0, 90, 100), (1, 0, 100), (2, 0, 10)]`.

# %% nbgrader={"grade": false, "grade_id": "ex-ranges", "locked": false, "schema_version": 3, "solution": true, "task": false}
def frames_to_read(file_lengths, start, stop):
    ### BEGIN SOLUTION
    ranges, file_start = [], 0
    for index, length in enumerate(file_lengths):
        first, last = max(start, file_start), min(stop, file_start + length)
        if first < last:
            ranges.append((index, first - file_start, last - file_start))
        file_start += length
    return ranges
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-ranges-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_frames_to_read; check_frames_to_read(frames_to_read)
### BEGIN HIDDEN TESTS
check_frames_to_read(frames_to_read, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Dask arrays: the movie in chunks along time
#
# A **dask array** looks like a NumPy array — it has a shape and a dtype, and `movie.mean(axis=0)`
# works — but it is a grid of NumPy *chunks* plus a recipe (a *task graph*) saying how each result
# is made from the chunks. Nothing is read or computed until you call `.compute()`; then dask's
# scheduler runs the tasks on a few threads, holding only a few chunks at a time, and returns a
# NumPy array. `da.from_array(series, chunks=(100, -1, -1))` chunks our series along time: each
# chunk is 100 whole frames (`-1`: the whole axis). Each chunk is one read of the files.
#
# A projection needs every frame, but not all at once: each chunk contributes a partial result
# (its sum and count for the mean, its maximum), and dask combines the partial results. For the
# standard deviation the partial results must be sums of `x` and `x²` (or means and sums of squared
# deviations): **the mean of the chunks' standard deviations is not the standard deviation**,
# because the chunks' means differ (bleaching, drift). `dask.compute(a, b, c)` computes several
# results in one pass, reading each chunk once for all of them.
#
# **Example** — the series as a dask array, and its mean image. (A dask array left on its own at the
# end of a cell shows, in JupyterLab, as a table with a picture of its chunks.)

# %% nbgrader={"grade": false, "grade_id": "s3-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
movie = da.from_array(series, chunks=(100, -1, -1))  # the same as chunked.time_chunks(series, 100)
print(movie)
print(f"{movie.numblocks[0]} chunks of {movie.chunksize[0]} frames, {np.prod(movie.chunksize) * movie.itemsize / 1e6:.1f} MB "
      f"each; {movie.nbytes / 1e6:.0f} MB in all, none of it read yet")

# %% nbgrader={"grade": false, "grade_id": "s3-example-mean", "locked": true, "schema_version": 3, "solution": false, "task": false}
mean_lazy = movie.mean(axis=0, dtype=np.float64)
print("before .compute():", mean_lazy)
with ProgressBar():
    mean_of_recording = mean_lazy.compute()
print("after:", type(mean_of_recording).__name__, mean_of_recording.shape, mean_of_recording.dtype)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-proj-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Compute the mean, maximum and standard-deviation projections of the **whole**
# recording from the dask array `movie`, in one pass, and store them as NumPy arrays of shape
# (y, x) in `mean_image`, `max_image` and `std_image` (population standard deviation, `ddof=0`;
# compute the mean and std in `float64`, e.g. with `dtype=np.float64`).

# %% nbgrader={"grade": false, "grade_id": "ex-proj", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
mean_image, max_image, std_image = dask.compute(movie.mean(axis=0, dtype=np.float64), movie.max(axis=0),
                                                movie.std(axis=0, dtype=np.float64))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-proj-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_projections; check_projections(mean_image, max_image, std_image)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-measure-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Measuring memory, and choosing a chunk size
#
# How much memory does a computation need? `chunked.measure(function, *args)` calls the function
# and reports its wall-clock time and its **peak memory**: the most that Python and NumPy had
# allocated at any moment during the call, in every thread (measured with the standard library's
# `tracemalloc`). It counts the chunks and every copy made of them; it does not count what was
# allocated before the call, nor the file cache behind memory maps.
# `lesson10.compute_projections(series, chunk_frames, threads)` computes the three projections of
# exercise 3.1 with `chunk_frames` frames per chunk on `threads` threads.
#
# **Example** — the peak memory of the projections for three chunk sizes, on the lesson's two threads:

# %% nbgrader={"grade": false, "grade_id": "s3-measure", "locked": true, "schema_version": 3, "solution": false, "task": false}
measured_sizes = [20, 40, 80]
measured = [chunked.measure(lesson10.compute_projections, series, size, 2) for size in measured_sizes]
for size, m in zip(measured_sizes, measured):
    print(f"chunks of {size:3d} frames ({size * height * width * 2 / 1e6:4.1f} MB on disk): {m}")

# %% mystnb={"image": {"alt": "Measured peak memory of the three projections on two threads against the chunk size, 20, 40 and 80 frames: it rises almost in a straight line, from below the dashed 25 MB budget line at 20 frames to about twice the budget at 80 frames."}}
ax = lesson10.memory_figure(measured_sizes, [m.peak_mb for m in measured])

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-chunk-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — *Predict first:* a chunk of 40 frames is 1.3 MB on disk; why does computing
# the projections with it take far more? Then **choose** `chunk_frames`, the number of frames per
# chunk for the projections on **one thread**, `lesson10.compute_projections(series, chunk_frames, 1)`
# (one thread works through the chunks one after the other, so its peak is the same on every run):
# (1) it divides the file length, 500 frames, so that every chunk is read from a single file;
# (2) the peak memory stays within the budget of 25 MB; (3) it is the **largest** such chunk — every
# chunk costs a task, a read and a partial result, so needlessly small chunks are slower (and, past a
# point, not even smaller in memory: try a few). Measure with `chunked.measure`. The check measures
# your choice again on the same recording (allowing 5 % for run-to-run variation), and the next
# larger divisor of 500, which must not fit.

# %% nbgrader={"grade": false, "grade_id": "ex-chunk", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
# A chunk in flight costs its uint16 data plus two float64 copies made by the std (18 bytes per
# pixel, 9 times its size on disk), once per thread, plus partial results (more, the more chunks).
# The divisors of 500 near the budget on one thread: 50 fits, 100 does not.
for size in (50, 100):
    print(f"chunks of {size} frames, one thread:", chunked.measure(lesson10.compute_projections, series, size, 1))
chunk_frames = 50
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-chunk-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_chunk_frames; check_chunk_frames(chunk_frames)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Registration, chunk by chunk
#
# Rigid registration is a *per-frame* operation: a frame's shift depends only on that frame and the
# template (lesson 08). So it splits into chunks naturally — `map_blocks` runs
# `reg.estimate_shifts` on each chunk — with one condition: **every chunk is registered to the same
# template**, computed once before. A template per chunk (each chunk's own mean, as a naive
# per-file script does) measures each chunk's shifts from a different origin, and the registered
# movie jumps at every chunk boundary. The template here is the mean of the first 100 frames
# (`lesson10.template`), a short and therefore sharp stretch; it is read once.
#
# From here on the lesson uses chunks of `lesson10.CHUNK_FRAMES` = 24 frames. Measure every step:
# `reg.estimate_shifts` transforms 16 frames at a time into complex numbers (16 bytes per pixel),
# whatever the chunk, so it needs about 19 MB *per thread* — on two threads more than the budget.
# This step therefore runs on one thread. The simulated motion is in whole pixels, so whole-pixel
# estimates (`upsample=1`, twice as fast as the default tenth of a pixel) are enough here.
#
# **Example** — every frame's shift, estimated chunk by chunk on one thread, against the true motion:

# %% nbgrader={"grade": false, "grade_id": "s4-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
template = lesson10.template(series)                            # reads frames 0-99 once
movie = chunked.time_chunks(series, lesson10.CHUNK_FRAMES)     # da.from_array(series, chunks=(24, -1, -1))
shifts_lazy = chunked.estimate_shifts(movie, template, upsample=1)   # reg.estimate_shifts on each chunk
with ProgressBar(dt=1):
    run = chunked.measure(shifts_lazy.compute, num_workers=1)
shifts = run.result
print(f"{run}; shifts {shifts.shape}; RMS error against the true motion: "
      f"{lesson10.centred_rms(shifts, truth.shifts):.2f} px (after removing each one's mean)")

# %% mystnb={"image": {"alt": "Estimated and true rigid shifts over the 200 s recording, rows (dy) above and columns (dx) below: the estimated line lies on the true whole-pixel steps throughout."}}
axes = lesson10.shifts_figure(np.arange(n_frames) / fs, shifts, truth.shifts)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-register-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — Write `register_in_chunks(movie, chunk_frames)`: the rigid shifts `(dy, dx)` of
# every frame of a `(time, y, x)` NumPy movie (any numeric dtype), an array of shape `(n_frames, 2)`,
# estimated **`chunk_frames` frames at a time** with `reg.estimate_shifts` (with a dask array and
# `map_blocks`, or with a loop over chunks — your choice; the last chunk may be shorter). You choose
# the template, but it must be one template for the whole movie. The check runs your function on a
# movie with known motion with two chunkings: the two results must agree (to 10⁻⁶ px), and their
# RMS error against the true motion (after removing each one's mean) must be at most 0.5 px.
# Hidden tests use another movie and other chunkings (down to one frame per chunk).

# %% nbgrader={"grade": false, "grade_id": "ex-register", "locked": false, "schema_version": 3, "solution": true, "task": false}
def register_in_chunks(movie, chunk_frames):
    ### BEGIN SOLUTION
    reference = np.asarray(movie[:100], dtype=np.float64).mean(axis=0)  # one template, before the chunks
    pieces = [reg.estimate_shifts(movie[i:i + chunk_frames], reference)
              for i in range(0, len(movie), chunk_frames)]
    return np.concatenate(pieces)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-register-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_register_in_chunks; check_register_in_chunks(register_in_chunks)
### BEGIN HIDDEN TESTS
check_register_in_chunks(register_in_chunks, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. One pass over the registered movie: local correlation and traces
#
# `chunked.apply_shifts(movie, shifts)` is the registered movie — lazily: no frame is moved until a
# result needs it. Each result we want from it (the local correlation image, the ROI traces) would
# read and register the whole movie again; computed together with `dask.compute`, they share one
# pass. (suite2p instead writes the registered movie to disk once and reads it back for each step.)
#
# The **local correlation image** (lesson 08) needs, for every pixel, its correlation over *all*
# frames with each neighbour. A correlation is not a sum, so the chunks' correlations cannot be
# combined — but Pearson's correlation of two traces `a` and `b` of `n` frames is made of sums:
#
# $$r = \frac{\Sigma ab/n - (\Sigma a/n)(\Sigma b/n)}{\sqrt{\Sigma a^2/n - (\Sigma a/n)^2}\,\sqrt{\Sigma b^2/n - (\Sigma b/n)^2}}$$
#
# Each chunk contributes `n`, `Σa`, `Σb`, `Σa²`, `Σb²` and `Σab`; added over the chunks, they give
# the correlation of the whole traces. `chunked.local_correlation` does this for every pair of
# neighbouring pixels at once (its result equals `helpers.movie.local_correlation` of lesson 08).
#
# **Example** — the local correlation image and the traces of the true cells, in one pass (shifts
# applied with linear interpolation, `order=1`, faster than cubic and enough for whole-pixel motion):

# %% nbgrader={"grade": false, "grade_id": "s5-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
registered = chunked.apply_shifts(movie, shifts, order=1)        # lazy
with ProgressBar(dt=1):
    run = chunked.measure(dask.compute, chunked.local_correlation(registered),
                          chunked.roi_traces(registered, truth.masks))
corr_image, traces = run.result
print(f"{run}; local correlation image {corr_image.shape}; traces {traces.shape} (cells, frames)")

# %% mystnb={"image": {"alt": "Local correlation image of the registered recording, values from about 0 to 0.5, with the outlines of the 32 true cells: most outlined cells are brighter than the background, a few silent ones are not."}}
ax = plots.image(corr_image, title="local correlation of the registered movie, true cells outlined",
                 label="mean correlation with the 8 neighbours")
for mask in truth.masks:
    ax.contour(mask, levels=[0.5], colors="#E69F00", linewidths=0.8)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-corr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Write `correlation_in_chunks(a, b, chunk_frames)`: Pearson's correlation of two
# traces `a` and `b` (1-D arrays of the same length, any numeric dtype — a movie's pixels are
# `uint16`), computed from sums accumulated **`chunk_frames` frames at a time** with the formula
# above (the last chunk may be shorter). Return one float. Convert each chunk to `float64` before
# squaring or multiplying. A trace that does not vary has no correlation: return `0.0` when either
# sum of squared deviations is 0.

# %% nbgrader={"grade": false, "grade_id": "ex-corr", "locked": false, "schema_version": 3, "solution": true, "task": false}
def correlation_in_chunks(a, b, chunk_frames):
    ### BEGIN SOLUTION
    n = sa = sb = saa = sbb = sab = 0.0
    for i in range(0, len(a), chunk_frames):
        x = np.asarray(a[i:i + chunk_frames], dtype=np.float64)
        y = np.asarray(b[i:i + chunk_frames], dtype=np.float64)
        n += len(x)
        sa, sb = sa + x.sum(), sb + y.sum()
        saa, sbb, sab = saa + x @ x, sbb + y @ y, sab + x @ y
    var_a, var_b = saa / n - (sa / n) ** 2, sbb / n - (sb / n) ** 2
    if var_a <= 0 or var_b <= 0:
        return 0.0
    return float((sab / n - sa / n * sb / n) / np.sqrt(var_a * var_b))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-corr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_correlation_in_chunks; check_correlation_in_chunks(correlation_in_chunks)
### BEGIN HIDDEN TESTS
check_correlation_in_chunks(correlation_in_chunks, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Every ROI's trace as one sparse matrix product
#
# An ROI's mean trace averages its pixels in every frame. Flatten each frame into a vector of
# `y · x` pixels (row by row) and put the frames side by side: a chunk becomes a matrix `P` of
# `n_pixels × n_frames`. Then all traces of the chunk are one product, `W @ P`, where `W` has one row
# per ROI holding `1 / |mask|` on the mask's pixels and 0 elsewhere. `W` is almost all zeros, so it
# is stored **sparse** (`scipy.sparse`): only the ROIs' pixels, their column indices and values.
# Computing traces is then cheap per chunk, and the chunks' results simply sit side by side in time.
#
# **Example** — `W` for the true cells, and three of the traces computed in section 5:

# %% nbgrader={"grade": false, "grade_id": "s6-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
W = chunked.roi_weights(truth.masks)
dense_mb = W.shape[0] * W.shape[1] * 8 / 1e6
sparse_mb = (W.data.nbytes + W.indices.nbytes + W.indptr.nbytes) / 1e6
print(f"W: {W.shape} (ROIs, pixels), {W.nnz} non-zero values ({W.nnz / (W.shape[0] * W.shape[1]):.2%}); "
      f"{sparse_mb:.2f} MB sparse instead of {dense_mb:.1f} MB dense; each row sums to {W.sum(axis=1)[:3].round(6)} ...")

# %% mystnb={"image": {"alt": "Traces of three cells over the 200 s recording, each on its own baseline level between about 130 and 300 a.u., with sharp calcium transients."}}
ax = plots.traces(np.arange(n_frames) / fs, traces[:3], labels=["cell 0", "cell 1", "cell 2"],
                  title="ROI traces from the registered movie")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-traces-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** — Write `traces_in_chunks(movie, masks, chunk_frames)`: the mean trace of every
# mask, an array `(n_rois, n_frames)` of `float64`, computed `chunk_frames` frames at a time (the last
# chunk may be shorter) as `W @ P` per chunk, with a sparse `W` you build yourself (e.g.
# `scipy.sparse.csr_array((values, (rows, columns)), shape=...)`; `np.nonzero` gives the rows and
# columns of the True pixels). `movie` is a `(time, y, x)` NumPy movie (any numeric dtype), `masks` a
# boolean `(n_rois, y, x)` stack with no empty mask. Do not call `mk.roi_traces` or the `chunked`
# functions: those are what you compare with.

# %% nbgrader={"grade": false, "grade_id": "ex-traces", "locked": false, "schema_version": 3, "solution": true, "task": false}
def traces_in_chunks(movie, masks, chunk_frames):
    ### BEGIN SOLUTION
    flat_masks = masks.reshape(len(masks), -1)
    rows, columns = np.nonzero(flat_masks)
    weights = scipy.sparse.csr_array((1.0 / flat_masks.sum(axis=1)[rows], (rows, columns)),
                                     shape=flat_masks.shape)
    pieces = []
    for i in range(0, len(movie), chunk_frames):
        chunk = movie[i:i + chunk_frames]
        pixels = chunk.reshape(len(chunk), -1).astype(np.float64)   # (frames, pixels)
        pieces.append(weights @ pixels.T)                           # (ROIs, frames)
    return np.concatenate(pieces, axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-traces-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_traces_in_chunks; check_traces_in_chunks(traces_in_chunks)
### BEGIN HIDDEN TESTS
check_traces_in_chunks(traces_in_chunks, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. A rolling baseline along time: `map_overlap`
#
# Traces are small here, but not always: 1000 cells over a 2-hour session at 30 Hz are 1.7 GB of
# `float64`, and the same question arises for any filter along time applied to the movie itself.
# A rolling baseline (lesson 04) is **local in time**: frame `t`'s value needs the frames of a window
# around it, `t − w//2` to `t + (w−1)//2` for a window of `w` frames. Near the edge of a chunk the
# window reaches into the neighbouring chunk. `map_overlap` solves this: it lends every chunk
# `depth` frames from each neighbour, runs an in-memory function on the extended chunk, and cuts the
# borrowed frames off again. With `boundary="none"` dask adds nothing at the two ends of the whole
# trace, where the function's own edge handling applies, as in memory. Chunks whose extension holds a
# whole window need `depth` of at least half the window; with less, the baseline changes near every
# chunk edge — and with the chunking.
#
# **Example** — the lesson 04 rolling 20th percentile over 30 s (450 frames) of the traces chunked in
# 500 frames, with too little overlap (20 frames) and with enough (half the window):

# %% nbgrader={"grade": false, "grade_id": "s7-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
q, window_s = lesson10.BASELINE_Q, lesson10.BASELINE_WINDOW_S
window = round(window_s * fs)
traces_lazy = da.from_array(traces, chunks=(-1, 500))   # all cells, 500 frames per chunk
f0 = {}
for depth in (20, chunked.overlap_frames(window)):
    f0[depth] = traces_lazy.map_overlap(bl.rolling_percentile, depth={0: 0, 1: depth}, boundary="none",
                                        q=q, window_s=window_s, fs=fs, dtype=np.float64).compute()
f0_memory = bl.rolling_percentile(traces, q, window_s, fs)
for depth, result in f0.items():
    print(f"depth {depth:3d} frames: largest difference from the in-memory baseline "
          f"{np.abs(result - f0_memory).max():.3g} a.u.")

# %% mystnb={"image": {"alt": "One cell's trace over 40 s around a chunk edge, drawn dotted, with two chunked baselines: the one with enough overlap runs smoothly under the trace; the one with too little overlap departs from it on one side of the edge."}}
difference = np.abs(f0[20] - f0_memory)
cell, worst = np.unravel_index(np.argmax(difference), difference.shape)   # where too little overlap errs most
edge = 500 * round(worst / 500)                                           # the chunk edge next to it
around = slice(max(edge - 300, 0), min(edge + 300, n_frames))
ax = lesson10.boundary_figure(np.arange(n_frames)[around] / fs, traces[cell, around],
                              f0[chunked.overlap_frames(window)][cell, around], f0[20][cell, around], [edge / fs])

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-baseline-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — Write `my_chunked_baseline(traces, fs, chunk_frames)`: a baseline F₀ of every
# trace (`traces`: `(n_neurons, n_frames)` `float64`, `fs` in Hz), one value per neuron and frame,
# computed with `map_overlap` on the traces chunked in `chunk_frames` frames along time (at least
# 500 frames in every test, and the traces' length is a multiple of it). **You choose** the method (any of `helpers.baseline`'s, e.g. a rolling
# percentile), its parameters, and the overlap. The check scores your baseline against the true one
# — the level each trace returns to when its cell and the neuropil are quiet — on traces like the
# lesson's (the same cells, with noise drawn anew): at most 3 % mean error, and the result must not
# depend on the chunking (two chunkings must agree to 10⁻⁹). Hidden tests: another recording at
# 30 Hz with a faster indicator, and other chunkings. Do not call `chunked.rolling_baseline`: it is
# the reference.

# %% nbgrader={"grade": false, "grade_id": "ex-baseline", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_chunked_baseline(traces, fs, chunk_frames):
    ### BEGIN SOLUTION
    q, window_s = 25, 30.0              # quieter than the 20th percentile's noise bias, long enough for bursts
    depth = round(window_s * fs) // 2   # half the window, in frames
    lazy = da.from_array(np.asarray(traces, dtype=np.float64), chunks=(-1, chunk_frames))
    return lazy.map_overlap(bl.rolling_percentile, depth={0: 0, 1: depth}, boundary="none",
                            q=q, window_s=window_s, fs=fs, dtype=np.float64).compute()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-baseline-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.big_data import check_my_chunked_baseline; check_my_chunked_baseline(my_chunked_baseline)
### BEGIN HIDDEN TESTS
check_my_chunked_baseline(my_chunked_baseline, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s8-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. In memory or in chunks: measured
#
# The recording fits in this machine's memory, so we can do the whole chain both ways and compare:
# projections, traces and their baseline, once with the whole movie read into memory and converted
# to `float32` (the way of lessons 01–09), once with dask in chunks of 24 frames. Both give the same
# numbers; what differs is the time and the memory. (`benchmarks/bench_big_data.py` does the same
# on a recording four times longer, 395 MB on disk, each way in a fresh process, and measures the
# process's resident memory: in memory the computation added 2.4 GB, six times the data, in 7–17 s;
# with dask, chunks of 50 frames, it added 78 MB — 20 % of the data — in 1–2 s.)
#
# **Example** — the two pipelines (`lesson10.pipeline_in_memory` and `lesson10.pipeline_in_chunks`),
# measured:

# %% nbgrader={"grade": false, "grade_id": "s8-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
runs = {"in memory": chunked.measure(lesson10.pipeline_in_memory, series, truth.masks, fs),
        "dask, in chunks": chunked.measure(lesson10.pipeline_in_chunks, series, truth.masks, fs)}
for name, m in runs.items():
    print(f"{name:>16}: {m}  ({m.peak_bytes / on_disk:.0%} of the recording's size on disk)")
in_memory, in_chunks = runs["in memory"].result, runs["dask, in chunks"].result
print("largest relative difference between the two results:",
      max(float(np.abs(in_chunks[k] - in_memory[k]).max() / np.abs(in_memory[k]).max()) for k in in_memory))

# %% mystnb={"image": {"alt": "Two bar charts comparing the whole pipeline in memory and in dask chunks: time in seconds on the left, similar for both; peak memory in MB on the right, hundreds of MB in memory against less than the dashed 25 MB budget line in chunks."}}
axes = lesson10.comparison_figure(runs)

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-measure-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 8.1** (manually graded) — Look at the two measurements. (a) Why does the in-memory
# pipeline need several times the recording's size on disk, not just its size? (b) Is the chunked
# pipeline slower or faster here, and what costs time in it that the in-memory one does not pay?
# (c) Your lab's recording is 50 GB of `uint16` and your computer has 16 GB of memory: which parts of
# this lesson's code would you change, and which would you keep?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-measure", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# (a) Reading gives the `uint16` movie (1× its size on disk), converting it to `float32` a second
# copy twice that size, and the standard deviation makes `float64` temporaries of the whole movie
# (4× each): the peak is several copies of the movie at once, not one. (b) Here it takes a similar
# time: both read the same bytes and do the same arithmetic; the chunked pipeline pays for many small
# tasks (scheduling, one file read per chunk, partial results to combine) but runs on two threads
# and never touches more memory than a few chunks — it can be faster, because small chunks stay in
# the processor's cache. (c) Nothing in the chunked code depends on the size: keep the series
# reader, the dask arrays and the `chunked` functions; choose the chunk size by measuring against
# the budget (a few hundred frames of 512 × 512, not 20), use all cores (`num_workers`, or a
# cluster), write the registered movie to disk once instead of recomputing it for each step, and
# never call `.compute()` on a whole movie — only on images and traces.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s9-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. The same code on a cluster
#
# So far dask ran its tasks on threads of this Python process. `dask.distributed` runs them on a
# **cluster**: a *scheduler* hands tasks to *workers*, which may be threads of this process, other
# processes on this computer, or processes on many computers of your institute's cluster. Once a
# `Client` is connected, every `.compute()` goes through it — the analysis code does not change. The
# scheduler also serves a **dashboard**, a web page with a live view of the tasks, the progress and
# each worker's memory, at `client.dashboard_link` (it needs the `bokeh` package:
# `pip install bokeh`; here only its address is printed). `progress(...)` draws a progress bar of
# computations running on the cluster.
#
# **Example** — a local cluster of one worker with two threads in this process (`processes=False`:
# nothing to start or to copy between processes), the projections computed on it, then the same
# computation from a second client that knows only the scheduler's **address**:

# %% nbgrader={"grade": false, "grade_id": "s9-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
from dask.distributed import Client, LocalCluster, progress

cluster = LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0")
client = Client(cluster)
print("dashboard:", client.dashboard_link)
lazy = chunked.projections(chunked.time_chunks(series, 100))
futures = client.compute(list(lazy.values()))   # starts at once, in the background
progress(futures, notebook=False)
on_cluster = dict(zip(lazy, client.gather(futures)))
print("\nthe same mean image as in section 3:", np.allclose(on_cluster["mean"], mean_of_recording))

# %% nbgrader={"grade": false, "grade_id": "s9-address", "locked": true, "schema_version": 3, "solution": false, "task": false}
address = cluster.scheduler_address   # on a real cluster: something like "tcp://10.1.2.3:8786"
print("scheduler address:", address)
with Client(address) as other_client:  # any Python session that can reach the address can do this
    max_again = chunked.projections(chunked.time_chunks(series, 100), kinds=("max",))["max"].compute()
print("the same maximum image:", np.array_equal(max_again, on_cluster["max"]))
client.close()
cluster.close()

# %% [markdown] nbgrader={"grade": false, "grade_id": "s9-remote-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# On a real cluster someone starts a scheduler (`dask scheduler` prints its address) and workers
# (`dask worker tcp://10.1.2.3:8786`) — or a job-queue system does it for you (the `dask-jobqueue`
# package starts workers as SLURM or PBS jobs). Your notebook then needs one changed line:
#
# ```python
# client = Client("tcp://10.1.2.3:8786")   # instead of Client(LocalCluster(...))
# ```
#
# Two things must hold for the same code to run there. The **workers must see the files**: the
# series is opened on each worker by its paths, so the recording must sit on storage every worker
# mounts at the same path (a shared file system), and the `helpers` package must be installed in the
# workers' environment. And **each worker's memory** must hold the chunks it works on at once — the
# budget you measured — times its threads.

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-cluster-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 9.1** (manually graded) — A colleague creates the dask array with
# `da.from_array(tifffile.imread(path), chunks=(100, -1, -1))` and sends it to the institute's
# cluster. It works on a small file but is slow and runs out of memory on a 20 GB one, *before* any
# worker starts. Explain why, and what to write instead.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-cluster", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# `tifffile.imread` reads the whole file into the notebook's memory first, so a 20 GB file needs
# 20 GB there before dask is involved; `from_array` on that NumPy array then puts the data itself
# into the task graph, which the client must pickle and send to the scheduler and workers — slow,
# and copied again. Instead, give dask something lazy that the workers open themselves: a
# `TiffSeries` of the paths (or `tifffile.memmap`, or a Zarr store) in `da.from_array(...)`, with the
# files on storage the workers can read. Then only the paths travel in the graph, and each worker
# reads just its own chunks.
# ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "cleanup", "locked": true, "schema_version": 3, "solution": false, "task": false}
workdir.cleanup()   # the recording's files are deleted
print("temporary files removed")

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - Size = frames × rows × columns × bytes per value; every conversion to `float32`/`float64` makes
#   a copy 2×/4× the size of the `uint16` original.
# - A series of uncompressed TIFF files can be read lazily: `tifffile.memmap` for one file,
#   `TiffSeries` for all, reading only the frames indexed (index arithmetic: `frames_to_read`).
# - A dask array is chunks plus a recipe; `.compute()` runs it a few chunks at a time;
#   `dask.compute(a, b, ...)` shares one pass. Chunk movies along time: whole frames per chunk.
# - Per-frame steps split freely (registration against **one** template, traces as `W @ P` with a
#   sparse `W`); statistics over time combine the chunks' **sums** (never their stds or
#   correlations); windows along time need `map_overlap` with `depth` of at least half the window.
# - Memory is measured, not guessed: a chunk costs several times its size on disk, once per thread.
#   Choose the chunk size under a budget by measuring, and compare with the in-memory version.
# - The same code runs on a cluster: connect a `Client` to a scheduler address; the workers must see
#   the files.
#
# ## References
#
# - Rocklin, M. (2015). Dask: parallel computation with blocked algorithms and task scheduling.
#   *Proceedings of the 14th Python in Science Conference*, 130–136.
# - Dask documentation: [Dask Array](https://docs.dask.org/en/stable/array.html),
#   [overlapping computations (`map_overlap`)](https://docs.dask.org/en/stable/array-overlap.html),
#   [chunks](https://docs.dask.org/en/stable/array-chunks.html) and
#   [best practices](https://docs.dask.org/en/stable/array-best-practices.html);
#   [Dask.distributed](https://distributed.dask.org).
# - Pachitariu, M., et al. (2017). Suite2p: beyond 10,000 neurons with standard two-photon
#   microscopy. *bioRxiv* 061507. (Batched registration from a binary file.)
# - Giovannucci, A., et al. (2019). CaImAn, an open source tool for scalable calcium imaging data
#   analysis. *eLife*, 8, e38173. (Memory-mapped files, parallel processing of patches.)
# - Gohlke, C. tifffile: read and write TIFF files. https://github.com/cgohlke/tifffile
# - Virtanen, P., et al. (2020). SciPy 1.0: fundamental algorithms for scientific computing in
#   Python. *Nature Methods*, 17, 261–272. (`scipy.sparse`.)
#
# *Execution time of this lesson, top to bottom with `jupyter nbconvert --execute` on the course
# machine (2 cores, shared with other jobs): about 15 s of CPU time; 17–20 s wall-clock including
# the kernel's start when the machine is quiet, up to 35–50 s when other jobs load both cores.
# Writing the recording, the registration pass, the in-memory pipeline of section 8 and the checks
# that regenerate the recording take most of it.*
