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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d9a26b250515ed2141cf4b85e2e67f92", "grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 03 · Neuropil contamination
#
# A cell body is not alone in its pixels. Above and below it, and all around it, lies the
# **neuropil**: a dense felt of axons and dendrites from many other neurons, also full of calcium
# indicator. The microscope's focal volume is a few micrometres deep, so the light collected
# over a soma always includes some glow from this neuropil, whose activity belongs to *other*
# neurons. This lesson measures that contamination and removes it, and shows where the removal
# goes wrong.
#
# **Learning objectives** — after this lesson you can
# 1. compute a global background trace (mean, median, minimum of each frame) and say why it is
#    not the neuropil around a cell;
# 2. extract a neuropil pixel's trace beside a cell, and see why one pixel is too noisy;
# 3. build a neuropil **ring** around a cell from two dilations (a gap and a width), excluding
#    every cell's pixels, and average the movie over it;
# 4. correct a trace as $F_\mathrm{corr} = F - r\,F_\mathrm{np}$ for r = 0, 0.7 and 1, and
#    recognise over-subtraction;
# 5. estimate r from the data, compare it with the true r of a simulation, and explain why such
#    fits fail (bleaching, noise, active cells);
# 6. read the published r values of the Allen Institute's pipeline on real traces, and apply
#    suite2p's fixed $F - 0.7\,F_\mathrm{neu}$;
# 7. choose a neuropil region and a way to estimate r yourself, and measure both against the
#    known truth of simulated recordings you have not seen.
#
# **Time:** about 90 minutes. **Prerequisites:** lesson 01 (movies, projections, pixel traces)
# and lesson 02 (masks, fancy indexing to pixel traces); NumPy broadcasting.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook. Two exercises
# (3.3 and 5.3) are **open**: you choose the method and its parameters, and the check scores your
# result against the simulation's known truth, with the bound the exercise states — on the
# lesson's data and, when graded, on simulated recordings you have not seen.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "b23eb6055a1d2210b12509e98d242ca2", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

from helpers import data, masks as mk, movie as mv, neuropil, plots, simulate
from helpers.lessons import neuropil as np_lesson

# The demo movie, 5 minutes at 10 Hz. Real neuropil fluctuates by a few per cent of its level
# over seconds (2-5 % in the Allen traces used below); the simulator's default neuropil is much
# calmer (under 1 %), too calm to measure r, so we ask for a livelier one: neuropil_amplitude=0.1.
rec = simulate.demo_movie(seed=0, n_frames=3000, fs=10.0, neuropil_amplitude=0.1)
movie = rec.movie                   # float32, (time, y, x)
fs = rec.fs                         # Hz
cell_masks = rec.truth.masks        # bool, (n_cells, y, x): the true cell masks
n_cells, n_frames = len(cell_masks), movie.shape[0]
time_s = mv.time_axis(n_frames, fs)
mean_image = mv.projection(movie, "mean")
print(f"movie {movie.shape} at {fs} Hz ({n_frames / fs:.0f} s), {n_cells} cells")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "69994aa7721c112b40ffafc37f094c7c", "grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Global background: one trace for the whole frame
#
# The crudest estimate of "everything that is not my cell" is a statistic of the whole frame,
# taken frame by frame: its **mean**, **median** or **minimum** over all pixels. Each gives one
# value per frame, a trace of shape `(time,)`: each frame is reduced over both image axes, y and
# x. All three share the slow bleaching of the whole field, but none knows what the neuropil does
# *next to a particular cell*: the neuropil is not uniform.
#
# **Exercise 1.1** — *Predict first:* which of the three traces will lie highest, and which will
# be the noisiest from frame to frame — and why (think of the bright cells, and of what the
# darkest pixel of a noisy frame is)? Then store the mean, the median and the minimum of each
# frame of `movie` in `bg_mean`, `bg_median` and `bg_min` (float arrays of one value per frame),
# and compare with the figure after the check.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "e45170cd8fce9b6b60d376037cd22e38", "grade": false, "grade_id": "ex-global", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "94933b4aab97ed2bcabb4a133fb88882", "grade": true, "grade_id": "ex-global-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_background; check_background(bg_mean, bg_median, bg_min)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "eb6e070535985734525a647bbb61acee", "grade": false, "grade_id": "s1-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the three background traces. They differ in level (the mean is pulled up by the
# few bright cells, which the median ignores; the minimum follows the darkest pixel, pulled down
# by noise) and share the slow decay of photobleaching:

# %% mystnb={"image": {"alt": "Three global background traces over 300 seconds: mean, median and minimum of each frame. The mean lies highest, the minimum far lower and noisier; all three decline slowly."}}
ax = plots.traces(time_s, np.vstack([movie.mean(axis=(1, 2)), np.median(movie, axis=(1, 2)),
                                     movie.min(axis=(1, 2))]),
                  labels=["frame mean", "frame median", "frame minimum"], title="global background traces")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7d8467197581a548b0af942a7eaae709", "grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. A neuropil pixel beside a cell
#
# Closer to the truth: look at the neuropil right next to the cell. Here is a pixel at the centre
# of one cell (the cross) and a pixel a few pixels outside it (the circle), away from every other
# cell, so it sees neuropil only.

# %% mystnb={"image": {"alt": "Mean image of the simulated movie with a cross at the centre of one cell near the left edge and a circle on a neuropil pixel a few pixels outside it."}}
cell_yx, npil_yx = np_lesson.pixel_pair()
print("cell pixel (y, x):", cell_yx, "  neuropil pixel (y, x):", npil_yx)
ax = plots.image(mean_image, title="a cell pixel (x) and a neuropil pixel (o)")
plots.points(ax, *cell_yx, label="cell")
plots.points(ax, *npil_yx, marker="o", color="#E69F00", label="neuropil")
ax.legend(loc="lower right");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "377f4b901466a5ed9fd83a7aef7a38c5", "grade": false, "grade_id": "ex-pixel-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.1** — Store the traces of the cell pixel `cell_yx` and of the neuropil pixel
# `npil_yx` in `cell_pixel_trace` and `npil_pixel_trace` (float64 arrays, one value per frame;
# the pairs are `(y, x)`). *Predict first:* the neuropil pixel sees only neuropil, and so does
# most of the frame — will its trace correlate strongly with the frame-mean background (close to
# 1) or weakly? Then store in `npil_pixel_corr` the Pearson correlation coefficient (a float)
# between `npil_pixel_trace` and the frame-mean background: the mean of each frame of `movie`,
# computed here from `movie` (not from your `bg_mean`). `np.corrcoef(a, b)` returns the 2 × 2
# matrix of the correlations between `a` and `b`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1d3ce4c7351a86004a67416510795c62", "grade": false, "grade_id": "ex-pixel", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "0bac205b75a849c7efe85487b44ca34e", "grade": true, "grade_id": "ex-pixel-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_pixel_traces; check_pixel_traces(cell_pixel_trace, npil_pixel_trace, npil_pixel_corr)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "21f8217d46967ac4593838831ff2e71b", "grade": false, "grade_id": "s2b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The correlation is weak — whatever you predicted: one pixel collects few photons, so its
# **shot noise** is several times larger than the neuropil's fluctuations. To measure the
# neuropil we must average many pixels — but only pixels *near* the cell, and none belonging to
# any cell.

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f3d568ad64a0f66baad7c1970903bef8", "grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Neuropil rings from two dilations
#
# A **dilation** grows a mask: `skimage.morphology.dilation(mask, disk(k))` adds every pixel
# within `k` pixels of it (`disk(k)` is a disk-shaped neighbourhood of radius `k`). Two dilations
# of the same cell, a larger and a smaller one, make a ring: the pixels the larger one adds to
# the smaller one. Boolean arrays combine with `&` (and), `|` (or) and `~` (not).
#
# The **gap** keeps the ring off the cell's blurred edge (where its own light still spills); the
# **width** sets how many pixels are averaged. A "1-pixel ring 7 pixels away" is `gap=7,
# width=1`; "3 pixels wide starting 2 pixels away" is `gap=2, width=3`. Finally the ring must
# exclude the pixels of **every** cell: a neighbour inside the ring would add its own transients
# to "the neuropil".
#
# **Example** — the rings of all cells with `gap=2, width=3`, from `helpers.masks.neuropil_rings`:

# %% mystnb={"image": {"alt": "Mean image with every cell mask outlined in blue and each cell's neuropil ring, gap 2 and width 3 pixels, outlined in orange; rings avoid all cells."}}
rings = mk.neuropil_rings(cell_masks, gap_px=2, width_px=3)
ax = plots.image(mean_image, title="cells (blue) and their neuropil rings (orange)")
ax.contour(cell_masks.any(axis=0), levels=[0.5], colors="#56B4E9", linewidths=1)
ax.contour(rings.any(axis=0), levels=[0.5], colors="#E69F00", linewidths=1);

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "459633d802a462a5c5a2229834f3a199", "grade": false, "grade_id": "ex-ring-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Write a function `ring_mask(masks, i, gap, width)` that returns the neuropil
# ring of cell `i` of a boolean `(n_cells, y, x)` stack `masks`: the pixels within `gap + width`
# pixels of cell `i` but not within `gap` pixels of it (two dilations of `masks[i]` with
# `skimage.morphology.disk` of these radii), and not in **any** cell of `masks`. Return a boolean
# `(y, x)` array. `gap` may be 0 (the ring then touches the cell); `width` is at least 1.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "2fbd3ec4c0711bc77c02328e85ae8c30", "grade": false, "grade_id": "ex-ring", "locked": false, "schema_version": 3, "solution": true, "task": false}
from skimage.morphology import dilation, disk


def ring_mask(masks, i, gap, width):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "90371771fcaa4e8e450ce590c42ef509", "grade": true, "grade_id": "ex-ring-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_ring_mask; check_ring_mask(ring_mask)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "79ded716be0b7c79718608b1d65acf49", "grade": false, "grade_id": "ex-traces-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — Turn masks into traces. Store in `F` the mean over each cell's mask
# (`cell_masks[k]`) of every frame, and in `Fneu` the mean over each cell's ring (`rings[k]`,
# from the example above), both float64 arrays of shape `(n_cells, n_frames)`. Fancy indexing
# helps: `movie[:, mask]` is the `(n_frames, n_pixels)` matrix of a mask's pixel traces.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "70a5bd80638b5ea40924d136d3b29b90", "grade": false, "grade_id": "ex-traces", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "1a7c8af77ac6a2ddfca4880670ebfcb2", "grade": true, "grade_id": "ex-traces-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_traces; check_traces(F, Fneu)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f30c93733bbdc82d37c03ae34bff0c91", "grade": false, "grade_id": "s3-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the dim cell of Section 2 and its ring. The ring trace is far smoother than the
# single neuropil pixel and follows the slow ups and downs that the cell's trace also carries
# between its own transients:

# %% mystnb={"image": {"alt": "Two traces over 300 seconds: a cell's fluorescence with sharp transients on top of slow fluctuations, and its neuropil ring's fluorescence, which follows the same slow fluctuations at a similar level."}}
F_ref, Fneu_ref = np_lesson.traces()      # reference traces: later sections start from these
dim = np_lesson.dim_cell()
ax = plots.traces(time_s, np.vstack([F_ref[dim], Fneu_ref[dim]]), labels=["cell (F)", "ring (Fneu)"],
                  title=f"cell {dim} and its neuropil ring")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b185499c44a4d809b56d8c352525a03c", "grade": false, "grade_id": "ex-npil-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Which pixels measure a cell's neuropil?
#
# Section 4 subtracts "the neuropil" from each cell, so we need the neuropil fluorescence that
# reaches the soma — and the simulation knows it: `rec.truth.neuropil[k]` is the neuropil
# reaching cell `k`, one value per frame (before the soma hides part of it, Section 4). A ring is
# one way to estimate it, and its gap and width are choices; the frame statistics of Section 1
# and single pixels are others.
#
# **Exercise 3.3** (open) — *Predict first:* rank these four by how close you expect them to
# come to the true neuropil of each cell, and say why: the frame median of Section 1; a ring
# touching the cell (gap 0, width 1); the lesson's ring (gap 2, width 3); a wide ring far out
# (gap 8, width 8).
#
# Then write `neuropil_traces(movie, masks)` that returns your estimate of the neuropil reaching
# each cell of the boolean stack `masks` (shape `(n_cells, y, x)`): a float array of shape
# `(n_cells, n_frames)`. You choose the pixels — a ring with the gap and width you decide (made by
# `mk.neuropil_rings(masks, gap_px, width_px)` or by your `ring_mask`), another region, the whole
# frame — and how to combine them (mean, median). **Scoring:** for each cell, the
# mean over frames of |your trace − true neuropil| / true neuropil; averaged over the cells, at
# most **8 %** passes — on this movie and, when graded, on movies you have not seen (denser
# cells, 30 Hz, another indicator). `np_lesson.neuropil_error(your_traces, rec.truth.neuropil)`
# gives this error for each cell, so you can try candidates before you decide.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "b181184caa0d6cac8890386fafe2e362", "grade": false, "grade_id": "ex-npil", "locked": false, "schema_version": 3, "solution": true, "task": false}
def neuropil_traces(movie, masks):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "4eb81aca239a5c00cfd8e3b2f56ef05d", "grade": true, "grade_id": "ex-npil-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_neuropil_traces; check_neuropil_traces(neuropil_traces)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "49bf470dbec9fc89429a3564be83141f", "grade": false, "grade_id": "s3c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the four candidates of the prediction, and a single neuropil pixel, scored on
# this movie. The frame median has the neuropil's ups and downs but not its local *level*; the
# touching ring carries the cell's own transients; the far ring averages neuropil that is no
# longer the cell's; the single pixel is mostly shot noise.

# %% mystnb={"image": {"alt": "Horizontal bar chart of the mean error, in percent of the true neuropil, of five neuropil estimates on the lesson's movie, with the 8 percent bound as a dashed line: the ring with gap 2 and width 3 is lowest, under the bound; the frame median, the touching ring, the far ring and the single pixel are above it."}}
truth_npil = rec.truth.neuropil
one_pixel = np.repeat(movie[:, npil_yx[0], npil_yx[1]][None].astype(float), n_cells, axis=0)
candidates = {
    "frame median": np.repeat(np.median(movie, axis=(1, 2))[None].astype(float), n_cells, axis=0),
    "ring gap 0, width 1": mk.roi_traces(movie, mk.neuropil_rings(cell_masks, gap_px=0, width_px=1)),
    "ring gap 2, width 3": Fneu_ref,
    "ring gap 8, width 8": mk.roi_traces(movie, mk.neuropil_rings(cell_masks, gap_px=8, width_px=8)),
    "the neuropil pixel of Section 2": one_pixel,
}
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.barh(list(candidates), [100 * np_lesson.neuropil_error(c, truth_npil).mean() for c in candidates.values()],
        color="#0072B2")
ax.axvline(100 * np_lesson.NEUROPIL_ERROR_MAX, color="black", ls="--", lw=1)
ax.invert_yaxis()
ax.set_xlabel("mean error against the true neuropil (% of its level)")
ax.set_title("five estimates (dashed: the bound of Ex. 3.3)");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "792027369c3d46fb753e6c735b5bad75", "grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Subtracting the neuropil: $F_\mathrm{corr} = F - r\,F_\mathrm{np}$
#
# The standard model says a soma ROI measures its cell plus a fraction r of the neuropil:
# $F = F_\mathrm{cell} + r\,F_\mathrm{np}$, so $F_\mathrm{corr} = F - r\,F_\mathrm{np}$. Why a
# fraction and not all of it? The soma displaces the neuropil: within the ROI only the layers
# above and below the cell body contribute. Typical values are 0.5–0.9; **0.7** is the usual
# fixed choice (Chen et al. 2013; suite2p's default). r = 0 removes nothing; r = 1 assumes the
# soma sees the neuropil at full strength, which usually **over-subtracts**: the corrected trace
# dips whenever the neuropil brightens, and its level can fall below zero — negative
# fluorescence, which no cell emits.
#
# **Exercise 4.1** — Write a function `subtract(F, Fneu, r)` that returns the corrected
# fluorescence $F - r\,F_\mathrm{neu}$. `F` and `Fneu` have the same shape: one trace
# `(n_frames,)` or many `(n_cells, n_frames)`. `r` is either one number, used for every trace, or
# a 1-D array with **one value per cell** (row). Return a float array of the shape of `F`.
# *Predict first:* with `r` of shape `(n_cells,)` and `Fneu` of shape `(n_cells, n_frames)`, what
# does NumPy do with `r * Fneu` — scale rows, scale columns, or raise an error? Try it on a
# small example (2 cells, 3 frames) before you write the function.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1abc0e7e944bf9f191b824a858ae0f61", "grade": false, "grade_id": "ex-subtract", "locked": false, "schema_version": 3, "solution": true, "task": false}
def subtract(F, Fneu, r):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e4bb66bbdf2e7993ef4ab648af39e37e", "grade": true, "grade_id": "ex-subtract-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_subtract; check_subtract(subtract)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5772cea59598f0ba2e819eb1911dfa5f", "grade": false, "grade_id": "ex-sweep-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — Over-subtraction. The dim cell `dim` (defined above) sits only a little
# above its ring (see the example figure of Section 3). *Predict first:* in about what fraction
# of its frames will its corrected trace be below zero with r = 0, with r = 0.7 and with r = 1?
# Then compute its corrected trace from `F_ref[dim]` and `Fneu_ref[dim]` for r = 0, 0.7 and 1 and
# stack them as the rows of `F_corr_sweep` (shape `(3, n_frames)`, rows in that order of r). Store,
# for each of the three rows, the **fraction** of frames (0 to 1, not percent) where the corrected
# trace is below zero in `negative_fraction` (shape `(3,)`), and compare with your prediction.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "7a0b17d40b098d4afbca65732f660cc7", "grade": false, "grade_id": "ex-sweep", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "17dc069fc77b9c7263a3f98db5831594", "grade": true, "grade_id": "ex-sweep-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_sweep; check_sweep(F_corr_sweep, negative_fraction)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "573fd64b5999c6ed0e2cd192d2afa7d7", "grade": false, "grade_id": "q-sweep-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Task 4.3** (manually graded) — Plot the three rows of `F_corr_sweep` against time (axes
# labelled with units, one label per r) with a dashed line at zero.

# %% deletable=false mystnb={"image": {"alt": "The dim cell's fluorescence corrected with r equal to 0, 0.7 and 1 over 300 seconds: each larger r lowers the trace; with r equal to 1 most of it lies below the dashed zero line."}} nbgrader={"cell_type": "code", "checksum": "7592a7e032b6f63635d44c512a76a905", "grade": true, "grade_id": "q-sweep-plot", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "47c6ff0a2f6e91fa124d612cf62e1ff7", "grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Estimating r from the data
#
# If $F = F_\mathrm{cell} + r\,F_\mathrm{np}$ and the cell is **quiet** (no transient, so
# $F_\mathrm{cell}$ is just its resting level), then $F$ is a straight line in $F_\mathrm{np}$
# with slope r. So: take the quiet frames, regress $F$ on $F_\mathrm{np}$, read off the slope.
# The simulation tells us which frames are quiet (true calcium below 1 % dF/F₀) and what r is:

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "53bc0054fa8875387cee9bf9e77d9fbd", "grade": false, "grade_id": "quiet", "locked": true, "schema_version": 3, "solution": false, "task": false}
quiet = np_lesson.quiet_frames()           # bool (n_cells, n_frames): True where the cell is quiet
r_true = np.array(rec.truth.r)             # the true contamination ratio of each cell
print("fraction of quiet frames per cell:", np.round(quiet.mean(axis=1), 2))

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0789096d73dd8f9e4867eafebbb635a2", "grade": false, "grade_id": "ex-fit-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Write a function `fit_r_quiet(F, Fneu, quiet)` for one cell: `F`, `Fneu`
# are 1-D traces and `quiet` a boolean array of the same length. Fit the straight line
# $F = a + r\,F_\mathrm{neu}$ by ordinary least squares (with an intercept $a$) to the frames
# where `quiet` is True, and return the slope r as a float. (`np.polyfit(x, y, 1)` returns
# `[slope, intercept]`; or use slope = covariance(x, y) / variance(x).) Regress F **on** Fneu: F
# is y, Fneu is x.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "25483ceba77e0d236a34b3d0b7b36ea0", "grade": false, "grade_id": "ex-fit", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fit_r_quiet(F, Fneu, quiet):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "ef7a494a3c1bd661c395f7fcddc7284a", "grade": true, "grade_id": "ex-fit-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_fit_r_quiet; check_fit_r_quiet(fit_r_quiet)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "770063e02a49e42ccfc8ca953c5b9ecf", "grade": false, "grade_id": "s5b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the regression on all twelve cells, against the truth. Far too large:

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "83a1b2a4e4305c6ac58091c03ecc53ae", "grade": false, "grade_id": "s5b", "locked": true, "schema_version": 3, "solution": false, "task": false}
r_raw = np_lesson.quiet_slopes(F_ref, Fneu_ref, quiet)  # the reference version of Exercise 5.1, cell by cell
print("true r:      ", np.round(r_true, 2))
print("quiet fit r: ", np.round(r_raw, 2))

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5be84343b95dce1cc4935e75d1d21f18", "grade": false, "grade_id": "s5c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Why? The whole field **bleaches**: the cell's resting level and the neuropil fade together, so
# over minutes F and Fneu fall together *whatever r is*, and the slope picks up that shared
# trend. The scatter, coloured by time, shows it: the cloud slides down a steep diagonal over
# the recording, while within any short stretch the slope is shallower.

# %% mystnb={"image": {"alt": "Scatter of a cell's fluorescence against its ring's fluorescence on quiet frames, coloured by time with the cividis colormap: early frames at the upper right, late ones at the lower left, along a line steeper than the true slope, which is drawn for comparison."}}
k = 0
q = quiet[k]
fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
points = ax.scatter(Fneu_ref[k][q], F_ref[k][q], c=time_s[q], cmap="cividis", s=3)
fig.colorbar(points, ax=ax, label="time (s)")
xs = np.linspace(Fneu_ref[k][q].min(), Fneu_ref[k][q].max(), 2)
intercept = np.mean(F_ref[k][q]) - r_true[k] * np.mean(Fneu_ref[k][q])
ax.plot(xs, intercept + r_true[k] * xs, color="#D55E00", label=f"slope = true r ({r_true[k]:.2f})")
ax.plot(xs, np.polyval(np.polyfit(Fneu_ref[k][q], F_ref[k][q], 1), xs), color="black", ls="--",
        label=f"quiet-frame fit ({r_raw[k]:.2f})")
ax.set_xlabel("ring fluorescence Fneu (a.u.)")
ax.set_ylabel("cell fluorescence F (a.u.)")
ax.set_title(f"cell {k}, quiet frames")
ax.legend(frameon=False);

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "45a7a90e940ac4ed9851762c9b2407b7", "grade": false, "grade_id": "ex-hp-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — Remove the shared slow trend before fitting, then average out the noise.
# Subtracting the same linear filter from both traces keeps $F = \ldots + r\,F_\mathrm{neu}$
# valid, so the slope is still r.
#
# 1. **High-pass** every trace of `F_ref` and `Fneu_ref`: subtract from it its centred moving
#    average over 20 s (`ndimage.uniform_filter1d` along time, the last axis; the window is
#    20 s converted to frames and rounded to the nearest frame; `mode="nearest"` at the ends).
#    Fit every cell with the quiet-frame regression (your `fit_r_quiet`, or
#    `np_lesson.quiet_slopes(F, Fneu, quiet)` above) on the high-passed traces: store the twelve
#    slopes in `r_hp` (shape `(n_cells,)`).
# 2. **Smooth** the *high-passed* traces of step 1 with a Gaussian along time of σ = 0.5 s
#    (`ndimage.gaussian_filter1d`, σ converted to frames, SciPy's default edges), fit again, and
#    store the slopes in `r_hp_smooth`.
#
# *Predict first:* the raw fit was far too high. After step 1, will the slopes be about right,
# still too high, or too low? And after step 2? Write your guesses down, then compare with
# `r_true`. The check allows ±0.002 in each r.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "a9eae9611f1c6eada2cc2c747abda5ea", "grade": false, "grade_id": "ex-hp", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "55599815bad8b8b7fe6d0c580f85e5b9", "grade": true, "grade_id": "ex-hp-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_highpass_fits; check_highpass_fits(r_hp, r_hp_smooth)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a1a351be0cdc9466323e29c78b24f108", "grade": false, "grade_id": "s5d-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the three estimates and `helpers.neuropil.estimate_r`, which needs no list of
# quiet frames: it fits the **lower edge** of the F-vs-Fneu cloud (a quantile regression: the
# cell's transients only add points *above* the line), after the same high-pass and smoothing.
#
# - The raw fit is far too high (the shared bleaching).
# - High-passed but not smoothed, it is too **low**: the ring trace is noisy, and noise in the x
#   variable flattens every least-squares slope (*regression dilution*).
# - Smoothing averages most of that noise away: these estimates, and the lower-envelope ones,
#   land within about 0.1 of the truth on average (the printout measures it on this recording),
#   single cells off by 0.15 or more — a realistic precision on five minutes of data. Some error
#   remains: the ring is not exactly the neuropil under the soma, the cell's baseline drifts, and
#   a few minutes of a slowly fluctuating neuropil do not pin down a slope.

# %% mystnb={"image": {"alt": "Estimated against true r for twelve simulated cells, for four methods: raw quiet-frame fits lie far above the diagonal, high-passed fits below it, high-passed and smoothed fits and the lower-envelope estimate close to it."}}
F_hp_ref, Fneu_hp_ref = (np_lesson.highpass(x, round(20 * fs)) for x in (F_ref, Fneu_ref))
estimates = {
    "quiet fit, raw": r_raw,
    "quiet fit, high-passed": np_lesson.quiet_slopes(F_hp_ref, Fneu_hp_ref, quiet),
    "quiet fit, high-passed + smoothed": np_lesson.quiet_slopes(np_lesson.smooth(F_hp_ref, 0.5 * fs),
                                                                np_lesson.smooth(Fneu_hp_ref, 0.5 * fs), quiet),
    "lower envelope (estimate_r)": neuropil.estimate_r(F_ref, Fneu_ref, fs),
}
fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
for (label, r_est), marker in zip(estimates.items(), "osD^"):
    ax.scatter(r_true, r_est, marker=marker, label=label)
    print(f"{label:35s} mean |error| = {np.mean(np.abs(r_est - r_true)):.3f}")
ax.plot([0.4, 1.0], [0.4, 1.0], color="black", lw=1, ls="--", label="estimate = truth")
ax.set_xlabel("true r")
ax.set_ylabel("estimated r")
ax.set_title("estimating r, 12 simulated cells")
ax.legend(frameon=False, fontsize=8);

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "4fc60c9d1070ab4823dc21e00d3556fd", "grade": false, "grade_id": "s5e-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Your own estimator of r
#
# Five minutes do not pin r down: even the best estimates above miss some cells by 0.15 or more.
# To score an estimator fairly we need longer recordings. `np_lesson.scoring_traces()` returns
# one: 20 minutes at 5 Hz, 12 cells whose true r lie anywhere between 0.2 and 1.0, with each
# ring a little farther out than the lesson's (gap 4, width 4), so that the cell's own light,
# which spills a few pixels beyond its mask, stays out of Fneu.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "4fe0c4b98ed207ac3087ad3cfa83fc5d", "grade": false, "grade_id": "scoring", "locked": true, "schema_version": 3, "solution": false, "task": false}
F_long, Fneu_long, fs_long, r_long = np_lesson.scoring_traces()   # r_long: the true r of each cell
print(f"F_long {F_long.shape} at {fs_long} Hz ({F_long.shape[1] / fs_long / 60:.0f} min); "
      f"true r from {r_long.min():.2f} to {r_long.max():.2f}")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "983590e20c1ca19d36a2736b91e14c4e", "grade": false, "grade_id": "ex-estr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.3** (open) — Write `estimate_r(F, Fneu, fs)`: given the traces of the cells of one
# recording (`F` and `Fneu`, shape `(n_cells, n_frames)`, recorded at `fs` Hz), return one r per
# cell, a float array of shape `(n_cells,)` — without being told which frames are quiet: real
# data do not say. You decide what to remove before fitting and over how many seconds, whether
# and how much to smooth, which frames to fit and how. Give every duration in seconds and convert
# it with `fs`: the recordings you are scored on have other frame rates. The lesson's pieces are
# yours to use (`np_lesson.highpass`, `np_lesson.smooth`, `np.polyfit`, your `fit_r_quiet`), but
# not `neuropil.estimate_r`: that is the reference you compared with above.
#
# **Scoring:** the mean over the cells of |your r − true r| must be at most **0.13** — on
# `F_long, Fneu_long, fs_long` (measure it yourself with `r_long`) and, when graded, on recordings
# you have not seen (noisier, denser, 10 min at 10 Hz with GCaMP6f). *Predict first:* would
# suite2p's fixed r = 0.7 for every cell pass? Measure it with `r_long`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "4adcf59fea626a7c348e620629043a5e", "grade": false, "grade_id": "ex-estr", "locked": false, "schema_version": 3, "solution": true, "task": false}
def estimate_r(F, Fneu, fs):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "a0731e0544f20657b26f0e39f0567f25", "grade": true, "grade_id": "ex-estr-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_estimate_r; check_estimate_r(estimate_r)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "8fbb4bc87690ced18450427b6d0d4f6f", "grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Real traces: the Allen Institute's pipeline
#
# The Allen Brain Observatory's pipeline publishes, for its own test recording, the soma traces
# of three ROIs, their neuropil traces, and the r it estimated for each: **r = [0.7, 0.078,
# 0.125]**. The first is not a measurement: the pipeline's fit for ROI 0 gave r > 1, which is
# physically implausible (the soma cannot see more neuropil than the ring around it), and the
# pipeline then falls back to a fixed 0.7. Its method chooses r so that the corrected trace is
# as **smooth** as possible (small second differences, fitted with cross-validation), not by the
# regression above.
#
# The file does not store the frame rate. **We assume 11 Hz** (48 160 frames would be a ~73 min
# multiplane session at about 11 Hz); nothing in the exercises depends on it except the time
# axis and the time windows of `estimate_r`.

# %% mystnb={"image": {"alt": "Three pairs of real traces from the Allen Institute test recording over the first 200 seconds, assuming 11 hertz: each ROI's soma fluorescence and its neuropil fluorescence. ROI 0 lies well above its neuropil, ROI 1 below it, ROI 2 above it."}}
allen_F = data.load_allen_roi_traces().traces        # (3, 48160), a.u.
allen_Fneu = data.load_allen_neuropil_traces().traces
allen_fs = 11.0                                      # Hz, ASSUMED (not stored in the file)
allen_r = np.array([0.7, 0.078, 0.125])              # the pipeline's published r (0.7 = fallback)
allen_t = mv.time_axis(allen_F.shape[1], allen_fs)
first = slice(0, round(200 * allen_fs))
fig, axes = plt.subplots(3, 1, figsize=(8, 6), sharex=True, layout="constrained")
for roi, ax in enumerate(axes):
    plots.traces(allen_t[first], np.vstack([allen_F[roi, first], allen_Fneu[roi, first]]), ax=ax,
                 labels=["soma F", "neuropil Fneu"], title=f"ROI {roi}",
                 xlabel="time (s, assuming 11 Hz)" if roi == 2 else "")
print("median F:   ", np.round(np.median(allen_F, axis=1), 1))
print("median Fneu:", np.round(np.median(allen_Fneu, axis=1), 1))

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "54c0184cca16102789389f71002762cd", "grade": false, "grade_id": "ex-allen-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** — Store in `allen_corrected` the Allen traces corrected with the pipeline's
# published ratios, each ROI with its own r from `allen_r` (shape `(3, n_frames)`, ROIs in their
# order). *Predict first*, from the median levels printed above: which ROI will a **fixed
# r = 0.7** (the same for all three) drive below zero most often? Then store in
# `allen_negative_fraction` the fraction of frames (0 to 1) in which each ROI's trace corrected
# with r = 0.7 is below zero (shape `(3,)`).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "5b9f8c1073925d452c60fb33db8d1486", "grade": false, "grade_id": "ex-allen", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "26a027b3d3ce106643d1f0aaa151b9ab", "grade": true, "grade_id": "ex-allen-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_allen; check_allen(allen_corrected, allen_negative_fraction)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "32c8505c5795a5a4cd223f69844bd985", "grade": false, "grade_id": "s6b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — what the regression-type estimate of Section 5 (`estimate_r`, lower envelope)
# says about the same traces, at the assumed 11 Hz. For ROI 0 it runs to the upper end of its
# search range, 2: it fails too. The scatter of F against Fneu shows why: ROI 0 is very active,
# and its activity rises and falls *with* the neuropil (correlation 0.7), so no line through the
# quiet frames separates "neuropil" from "the cell". For ROIs 1 and 2 it finds about 0.6 — far
# from the pipeline's 0.078 and 0.125. (Each line is drawn through the 20th percentile of
# F − r·Fneu, the lower edge of the cloud.)

# %% mystnb={"image": {"alt": "Three scatter plots of soma against neuropil fluorescence for the Allen ROIs, every 20th frame, with two lines each: the published r of the Allen pipeline, nearly flat for ROIs 1 and 2, and the lower-envelope estimate, steeper."}}
allen_est = neuropil.estimate_r(allen_F, allen_Fneu, allen_fs)
print("published r:           ", allen_r, "(ROI 0: fallback)")
print("lower-envelope estimate:", np.round(allen_est, 3))
fig, axes = plt.subplots(1, 3, figsize=(11, 3.5), layout="constrained")
for roi, ax in enumerate(axes):
    x, y = allen_Fneu[roi, ::20], allen_F[roi, ::20]
    ax.scatter(x, y, s=2, color="#999999")
    xs = np.linspace(x.min(), x.max(), 2)
    for r, color, label in [(allen_r[roi], "#0072B2", "published"), (allen_est[roi], "#D55E00", "lower envelope")]:
        ax.plot(xs, np.percentile(y - r * x, 20) + r * xs, color=color, label=f"{label}: r = {r:.2f}")
    ax.set_xlabel("neuropil Fneu (a.u.)")
    ax.set_ylabel("soma F (a.u.)")
    ax.set_title(f"ROI {roi}")
    ax.legend(frameon=False, fontsize=8)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9d2b35a96239b623c5c9b6f397673463", "grade": false, "grade_id": "q-allen-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 6.2** (manually graded) — In four to six sentences: (a) Why can a fit of r return a
# value above 1, and why is such a value rejected? What does the pipeline's fallback to 0.7 for
# ROI 0 assume? (b) For ROIs 1 and 2 the pipeline's smoothness criterion gives r ≈ 0.1 and the
# lower-envelope regression about 0.6. Look at `allen_negative_fraction` and the median levels
# printed above: which would you trust for ROI 1, and why might a criterion that asks for a
# *smooth* corrected trace pull r towards 0 when the neuropil trace is itself noisy from frame to
# frame? (c) What would you need to settle the question?

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "429ac13b00a9c07c0d29fb067076c8ba", "grade": true, "grade_id": "q-allen", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# YOUR ANSWER HERE

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9e269343ef8e5f52a37d9be570de599e", "grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. suite2p: a fixed r = 0.7
#
# suite2p does not estimate r: it subtracts `ops["neucoeff"]` = 0.7 times each ROI's neuropil,
# `F - 0.7 * Fneu`, for every ROI. Its output folder holds `F` and `Fneu` for all ROIs and
# `iscell`, its classifier's verdict (True for ROIs it considers cells). This folder is a small
# public example (the FISSA project's suite2p test output); its frame rate is unknown.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "072c99f7ec5877ef14028f71cd0241de", "grade": false, "grade_id": "s2p", "locked": true, "schema_version": 3, "solution": false, "task": false}
s2p = data.load_suite2p()
print(f"F {s2p.F.shape}, Fneu {s2p.Fneu.shape}, {s2p.iscell.sum()} of {len(s2p.iscell)} ROIs are cells, "
      f"neucoeff = {s2p.neucoeff}")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9a9ee60de45c043cd569e379b2ea0a57", "grade": false, "grade_id": "ex-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — Store in `s2p_corrected` suite2p's corrected traces (its fixed r,
# `s2p.neucoeff` = 0.7) of the ROIs that are cells (`s2p.iscell` True), in their original order
# (shape `(n_cells, n_frames)`). Then store in `s2p_lowest` the index **in the original numbering
# of all ROIs** (0 to 22) of the cell whose corrected trace has the lowest median — a Python
# `int`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9da6d40e9e949f8ab53070899dbe3c17", "grade": false, "grade_id": "ex-s2p", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "0d09fe65f0a8c47328786650d4368e87", "grade": true, "grade_id": "ex-s2p-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.neuropil import check_suite2p; check_suite2p(s2p_corrected, s2p_lowest)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "26e442be798b572b113ebd22bb581182", "grade": false, "grade_id": "s7b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — how much of each cell's raw level a fixed 0.7 removes. Where 0.7·Fneu is most of
# F, the corrected level is small, and ΔF/F₀ computed from it (lesson 05) is inflated — a reason
# to check the corrected baseline before dividing by it.

# %% mystnb={"image": {"alt": "Bar chart of the fraction of each suite2p cell's median raw fluorescence removed by subtracting 0.7 times its neuropil; most cells lose between half and three quarters of their level."}}
removed = 0.7 * np.median(s2p.Fneu[s2p.iscell], axis=1) / np.median(s2p.F[s2p.iscell], axis=1)
fig, ax = plt.subplots(figsize=(8, 3), layout="constrained")
ax.bar(np.flatnonzero(s2p.iscell), removed, color="#0072B2")
ax.set_xlabel("ROI index (cells only)")
ax.set_ylabel("0.7 Fneu / F (fraction of median)")
ax.set_title("share of the raw level removed by suite2p's correction");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d9be433662729b9795912096bbc4c0ce", "grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - Every soma ROI also collects neuropil: $F = F_\mathrm{cell} + r\,F_\mathrm{np}$, typically
#   r ≈ 0.5–0.9. Correct with $F_\mathrm{corr} = F - r\,F_\mathrm{np}$.
# - A global background (frame mean, median, minimum) shares bleaching but not the local
#   neuropil's level; one neuropil pixel is mostly shot noise. Average a **ring**: two dilations
#   (`gap`, `gap + width`), minus every cell's pixels — close to the cell, because the neuropil
#   changes across the field, but off its blurred edge, where its own light spills.
# - Too large an r **over-subtracts**: the trace dips when the neuropil brightens and can go
#   negative; ΔF/F₀ on such a baseline is meaningless.
# - r can be estimated as the slope of F against Fneu on quiet frames, but only after removing
#   shared slow trends (bleaching) and averaging out the ring's noise (regression dilution);
#   expect errors of about 0.1 on minutes of data, and use longer recordings to measure it.
#   Fits fail (r > 1 or at the search limit) for very active cells whose activity follows the
#   neuropil; pipelines then fall back to a fixed value.
# - A fixed r (0.7 for every cell) is a prior, not a measurement: where r varies from cell to
#   cell, it is off by about 0.2 on average.
# - Different criteria give different r on the same real traces (Allen: smoothness ≈ 0.1;
#   lower envelope ≈ 0.6). suite2p sidesteps the question with a fixed 0.7.
#
# *Execution time of this notebook: about 9 s of CPU time (the check cells, which simulate the
# recordings of the open exercises' hidden tests, add about 13 s when graded); 20–26 s
# wall-clock on the course machine (2 cores) while other jobs were running.*
#
# ## References
#
# - Chen, T.-W., et al. (2013). Ultrasensitive fluorescent proteins for imaging neuronal activity.
#   *Nature*, 499, 295–300. (Neuropil subtraction with r = 0.7.)
# - Kerlin, A. M., Andermann, M. L., Berezovskii, V. K., & Reid, R. C. (2010). Broadly tuned
#   response properties of diverse inhibitory neuron subtypes in mouse visual cortex. *Neuron*,
#   67(5), 858–871. (Neuropil rings and contamination.)
# - Pachitariu, M., et al. (2017). Suite2p: beyond 10,000 neurons with standard two-photon
#   microscopy. *bioRxiv* 061507. (`neucoeff` = 0.7.)
# - de Vries, S. E. J., et al. (2020). A large-scale standardized physiological survey reveals
#   functional organization of the mouse visual cortex. *Nature Neuroscience*, 23, 138–151.
#   (The Allen Brain Observatory pipeline, including its neuropil correction.)
# - Keemink, S. W., et al. (2018). FISSA: a neuropil decontamination toolbox for calcium imaging
#   signals. *Scientific Reports*, 8, 3493. (Why rings and a single r are not enough.)
# - Koenker, R., & Bassett, G. (1978). Regression quantiles. *Econometrica*, 46(1), 33–50.
