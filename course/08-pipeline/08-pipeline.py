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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1c2ffa0d7352bd181bb949c86a0be44b", "grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 08 · From raw movie to ensembles
#
# Lessons 01–07 started from a movie that held still. Real brains move: breathing, heartbeat and
# the animal's own movements shift the field of view by a few micrometres, and a neuron that
# drifts out of its ROI looks like a neuron whose fluorescence changed. This capstone lesson adds
# the two steps that come before everything else — **motion correction** and **finding the
# cells** — and then runs the whole chain of the course on one movie whose ground truth we know,
# from raw frames to events and ensembles. It ends with two real recordings and with what the
# large pipelines, CaImAn and suite2p, do beyond this course.
#
# **Learning objectives** — after this lesson you can
# 1. recognise motion artefacts in projections and local correlation images;
# 2. estimate a frame's rigid shift by cross-correlation with a template, with the sign
#    convention stated, apply the shifts, and judge the result (correlation with the template,
#    error against true shifts); compare cross- and (regularised) phase correlation fairly and
#    choose a registration that meets a stated error bound;
# 3. explain piecewise-rigid correction (NoRMCorre) and its main parameters;
# 4. compute a correct local correlation image, detect ROIs, and score them against the true cells;
# 5. evaluate components by the SNR of their trace and the spatial correlation of their footprint,
#    and accept or reject them as CaImAn does;
# 6. run lessons 01–07 as one pipeline with `helpers` and score it against the ground truth;
# 7. read a suite2p output folder — yours — into the course's conventions and analyse it.
#
# **Time:** about 2.5 hours. **Prerequisites:** lessons 01–07; the discrete Fourier transform
# (`np.fft.fft2`) at the level of "a correlation is a product of spectra".
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "2a9977cc5aaaf1644a9efaa670a97c4d", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from skimage import measure, morphology

from helpers import (baseline, data, dff, ensembles as en, events as ev, masks as mk, movie as mv,
                     plots, registration as reg)
from helpers.lessons import pipeline as lesson08

# The course's demo movie with rigid motion, shortened to 600 frames at 10 Hz (60 s) so that the
# lesson runs in seconds, with two planted ensembles of 4 cells (truth.ensembles).
rec = lesson08.recording(seed=0)
movie, fs, truth = rec.movie, rec.fs, rec.truth
n_frames = movie.shape[0]
print(f"movie: {movie.shape} (time, y, x) at {fs} Hz; {len(truth.masks)} cells; "
      f"planted ensembles: {[e.tolist() for e in truth.ensembles]}")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "dcf8d23c462f25229429dc59d9f07fbd", "grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Motion artefacts
#
# The simulator moved the whole picture by a random walk of sub-pixel **rigid** shifts — every
# pixel by the same `(dy, dx)`. Its convention, used throughout this lesson: frame `t` shows the
# scene displaced by `truth.shifts[t] = (dy, dx)` pixels, `frame_t(y, x) = scene(y − dy, x − dx)`;
# `dy > 0` means the content moved **down** (to larger rows), `dx > 0` to the **right**.
#
# A projection over moving frames is blurred: every cell is smeared over the path it travelled,
# and the maximum projection — which keeps each pixel's brightest moment — shows each bright
# cell several times, slightly displaced. The local correlation image (section 4) suffers too:
# a moving edge makes neighbouring pixels brighten and darken together whether or not a cell is
# active, so the correlation no longer singles out the cells.
#
# **Example** — the true shifts and the maximum projection of the raw movie (the registered one
# follows in section 4):

# %% mystnb={"image": {"alt": "Left: the true vertical and horizontal shifts of the simulated movie over 60 seconds, random walks within plus or minus 3 pixels. Right: the maximum projection of the raw movie, with blurred, smeared cells."}}
t_s = mv.time_axis(n_frames, fs)
fig, axes = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained", width_ratios=[1.4, 1])
plots.traces(t_s, truth.shifts.T, labels=["dy (rows)", "dx (columns)"], ax=axes[0],
             ylabel="true shift (px)", title="motion of the simulated movie")
plots.image(mv.projection(movie, "max"), ax=axes[1], title="max projection, raw");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f95053a3a22f94b125642b18e7239b31", "grade": false, "grade_id": "ex-disp-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — How far did the picture move at worst? Store in `max_displacement_px` (a
# float) the largest **distance**, in pixels, between the scene's position and any frame's
# position: the maximum over frames of the length of the shift vector,
# $\max_t \sqrt{dy_t^2 + dx_t^2}$, from `truth.shifts`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "38ad283d9dc214ca85976da7b39a1a19", "grade": false, "grade_id": "ex-disp", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "0af88e350e1ea996c26625b00e3e3304", "grade": true, "grade_id": "ex-disp-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_max_displacement; check_max_displacement(max_displacement_px)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "99ec6ba67fc33433afcfc56527d4933d", "grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Rigid registration against a template
#
# To undo the motion we compare every frame with a **template**, an image of where things should
# be. The usual first template is the mean image of the movie: blurred by the motion, but centred
# on the *average* position of the frames. (So shifts estimated against it are relative to that
# average position: from the movie alone, the shifts are known only **up to one constant
# offset**.)
#
# For each candidate shift `(dy, dx)` we could move the template and measure how well it matches
# the frame; the **cross-correlation** does this for all shifts at once, and the Fourier
# transform computes it fast: the circular cross-correlation of frame and template is
# `ifft2(fft2(frame) * conj(fft2(template)))`, and its value at index `(p, q)` is
# $\sum_{y,x} \text{frame}(y, x)\,\text{template}(y - p, x - q)$ (indices modulo the image size) —
# large when the frame looks like the template moved by `(p, q)`. The position of its **peak** is
# the frame's displacement, to the nearest pixel. Because the correlation is circular, an index
# past the middle means a negative shift: index `p > ny // 2` stands for `p − ny`.
#
# Two refinements of the reference `helpers.registration.estimate_shifts`:
# - **sub-pixel** precision, by evaluating the correlation on a finer grid around the peak
#   (upsampled DFT; `upsample=10` gives 0.1 px);
# - **phase correlation** (`normalization="phase"`) divides the spectrum by its magnitude so that
#   every spatial frequency weighs the same. It gives a razor-sharp peak on detailed images and is
#   what scikit-image uses by default. **Unregularised**, on smooth, noisy calcium frames whose
#   finest detail is mostly shot noise, it lets the noise win. suite2p therefore regularises it
#   (`normalization="regularized"`): it **tapers** the frame's edges (so the jump where opposite
#   edges meet in the periodic transform adds no false structure) and **smooths** the whitened
#   spectrum with a Gaussian (taking the weight off the noisiest frequencies). Section 2's last
#   example compares all of them fairly, on the same movie against the same truth. The reference
#   uses the plain cross-correlation by default.
#
# **Sign trap:** `skimage.registration.phase_cross_correlation` returns the shift that *undoes*
# the motion, the opposite of our convention.
#
# **Exercise 2.1** — Write `register_frame(frame, template)` that returns the **integer** rigid
# shift `(dy, dx)` of one frame relative to the template, in the simulator's convention
# (`frame(y, x) ≈ template(y − dy, x − dx)`), as a NumPy array of shape `(2,)`: compute the
# circular cross-correlation defined above, find its peak, and turn the peak's indices into a
# signed shift. *Predict first:* with the correlation defined as `frame × conj(template)`, does
# the peak sit at `+shift` or at `−shift`? Conventions: an index `p` past the middle
# (`p > n // 2`, `n` the image's size along that axis) stands for `p − n`; an index exactly at
# the middle (`p == n // 2`) stays positive; rows first.
#
# Write it with NumPy (`np.fft`, `np.argmax`, `np.unravel_index`): the check refuses an answer
# that calls `reg.estimate_shifts`, the reference you compare with next. The check moves an image
# by known whole-pixel shifts, one of them by exactly half the image's height; the hidden tests
# use frames of other movies and other images.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9863b22ab522be3fc4eeccf9ba394b7b", "grade": false, "grade_id": "ex-regframe", "locked": false, "schema_version": 3, "solution": true, "task": false}
def register_frame(frame, template):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "d03065f1d56d0d82a045e10f39524f06", "grade": true, "grade_id": "ex-regframe-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_register_frame; check_register_frame(register_frame)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "2fa4b7b7d5a5724dd3cbde2f0634c542", "grade": false, "grade_id": "s2b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the reference estimates every frame's shift to 0.1 px against the mean image and
# applies the shifts (`reg.register` = `estimate_shifts` + `apply_shifts`, cubic-spline
# interpolation, edge pixels repeated where the shifted frame would leave the image). The
# estimates follow the truth up to a constant offset, so we compare them after subtracting each
# curve's mean:

# %% mystnb={"image": {"alt": "Estimated and true shifts over 60 seconds, each with its mean removed, for rows (top) and columns (bottom): the estimated curves lie on top of the true ones."}}
registered_ref, shifts_ref = lesson08.registered(seed=0)
fig, axes = plt.subplots(2, 1, figsize=(9, 4.5), layout="constrained", sharex=True)
for k, (ax, axis_name) in enumerate(zip(axes, ["dy (rows)", "dx (columns)"])):
    plots.traces(t_s, np.vstack([truth.shifts[:, k] - truth.shifts[:, k].mean(),
                                 shifts_ref[:, k] - shifts_ref[:, k].mean()]),
                 labels=["true", "estimated"], ax=ax, ylabel=f"{axis_name}, mean removed (px)")
axes[0].set_title("rigid shifts: estimated vs true");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0dc44ae23298b57b8fb0661f0098aa0e", "grade": false, "grade_id": "ex-shifterr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — Write `shift_error_px(estimated, true)` that measures how far estimated
# shifts are from the true ones. Both are arrays `(n_frames, 2)` of `(dy, dx)` in pixels. Because
# shifts are identifiable only up to a constant offset, first **remove each array's mean over
# frames** (per column); then return the **root mean square of the Euclidean error**,
# $\sqrt{\frac{1}{T}\sum_t \left(e_{y,t}^2 + e_{x,t}^2\right)}$, where $e$ is the difference of the
# two centred arrays — a float in pixels. The hidden tests use other shift arrays.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "f9aaaebd91278b6447e20d9897f201a6", "grade": false, "grade_id": "ex-shifterr", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shift_error_px(estimated, true):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "45a30e975e684df1af128630bc7ef946", "grade": true, "grade_id": "ex-shifterr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_shift_error; check_shift_error(shift_error_px)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "4a4733687c7291de0722dcce2fab5952", "grade": false, "grade_id": "ex-corr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The error against the truth (about 0.17 px here, well below the 0.5 px we aim for) needs a
# simulation. On real data the usual quality measure is how much each frame resembles the
# template: the **Pearson correlation over pixels** between the frame and the template, one value
# per frame (`reg.correlation_to_template`). After good registration it is higher and steadier.
#
# **Exercise 2.3** — With the template `template_reg = registered_ref.mean(axis=0)` (the mean image
# of the registered movie, sharper than the raw mean), compute the correlation of every frame with
# it, for the raw movie (`corr_raw`) and for the registered movie (`corr_registered`): float arrays
# of one value per frame. *Predict first:* in which frames will the raw movie's correlation dip
# most — compare with the true shifts in section 1's figure after you have plotted it below.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "fcf682996b183590a4a463730c9fb441", "grade": false, "grade_id": "ex-corr", "locked": false, "schema_version": 3, "solution": true, "task": false}
template_reg = registered_ref.mean(axis=0)
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "997e7eaf687fa92cb7c5ab7e229ea7f7", "grade": true, "grade_id": "ex-corr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_template_correlation; check_template_correlation(corr_raw, corr_registered)

# %% mystnb={"image": {"alt": "Correlation of each frame with the template over 60 seconds: the raw movie's values dip whenever the movie moves far from its average position, the registered movie's stay high and steady."}}
ax = plots.traces(t_s, np.vstack([reg.correlation_to_template(movie, template_reg),
                                  reg.correlation_to_template(registered_ref, template_reg)]),
                  labels=["raw", "registered"], ylabel="correlation with template",
                  title="registration quality: frame-to-template correlation")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "db74224494d41e6f352452ff0149526a", "grade": false, "grade_id": "s2c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example — which correlation?** A fair comparison runs every method on the same movie, with the
# same template (the raw mean image), and scores it against the same truth with exercise 2.2's
# measure (`lesson08.motion_error_px`, the reference). Phase correlation is shown unregularised,
# with suite2p's regularisation at its defaults (an edge taper of 3.45 px and a spectral
# smoothing of 1.15 px) and with a wider smoothing; the plain cross-correlation also with the
# taper alone.

# %%
methods = {"cross-correlation": {}, "cross-correlation + taper 3.45 px": {"taper_px": 3.45},
           "phase correlation, unregularised": {"normalization": "phase"},
           "phase correlation, suite2p's regularisation": {"normalization": "regularized"},
           "phase correlation, regularised, smoothing 3 px": {"normalization": "regularized", "smooth_sigma_px": 3.0}}
for name, options in methods.items():
    error = lesson08.motion_error_px(reg.estimate_shifts(movie, **options), truth.shifts)
    print(f"{name:48s} {error:5.2f} px RMS")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5c1d2ee13086ce517b824eba35245ecf", "grade": false, "grade_id": "ex-motion-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Unregularised phase correlation fails here (1.5 px RMS, and 1.7–16 px on the other movies the
# checks use); **regularised, it works**: 0.37 px with suite2p's defaults and about 0.2 px with a
# 3 px smoothing — as good as the plain cross-correlation (0.17 px), which the taper improves a
# little further (0.14 px). These frames are small (60 × 80 px) and photon-poor, the conditions
# where the whitening hurts most; on large, detailed frames regularised phase correlation is
# suite2p's robust choice. What decides is the regularisation, not "phase" or "cross".
#
# **Exercise 2.4** (open) — Write `estimate_motion(movie)` that returns the rigid shift of every
# frame of a raw `(time, y, x)` movie, as a float array `(n_frames, 2)` of `(dy, dx)` in pixels in
# the simulator's convention. Choose the method and its settings yourself; you may use
# `reg.estimate_shifts`, `reg.apply_shifts` and anything else. It is scored like
# `shift_error_px` (each array's mean removed) against the true shifts: on the lesson's movie, on
# a movie of the **realistic regime**, and, in the hidden tests, on movies you have not seen
# (twice the motion, a third of the photons, 30 Hz). An RMS error of **at most 0.35 px** passes.
# *Think first:* what blurs the mean-image template, and what could give you a sharper one?

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "632a5014f68397057f8e7a6b197d2b21", "grade": false, "grade_id": "ex-motion", "locked": false, "schema_version": 3, "solution": true, "task": false}
def estimate_motion(movie):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "7377a25439a4f58351fd9c7094bb4c9f", "grade": true, "grade_id": "ex-motion-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_estimate_motion; check_estimate_motion(estimate_motion)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "cfd34f2cedf43bf570eab47923a9e604", "grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Piecewise-rigid correction: the idea of NoRMCorre
#
# A rigid shift assumes the whole field of view moves as one. Brain tissue is soft, and a
# laser-scanning microscope writes each frame line by line, so different parts of a large frame
# can move differently. **NoRMCorre** (Pnevmatikakis & Giovannucci 2017), CaImAn's motion
# correction, handles this *piecewise*: it splits the frame into overlapping **patches**,
# registers each patch rigidly against the same patch of the template, and blends the patch
# shifts into a smooth shift field. Its main parameters, with the values the CaImAn walkthrough
# used for 256 × 256 px frames at 14.7 Hz:
#
# | parameter | meaning | value |
# |---|---|---|
# | `max_shifts` | largest rigid shift searched, px (y, x) | (6, 6) |
# | `pw_rigid` | piecewise-rigid (True) or one rigid shift per frame (False) | True |
# | `strides` | a new patch starts every `strides` px | (48, 48) |
# | `overlaps` | neighbouring patches share this many px; a patch is `strides + overlaps` wide | (24, 24) |
# | `max_deviation_rigid` | a patch's shift may differ from the frame's rigid shift by at most this, px | 3 |
#
# Rigid correction runs first; the patches then refine it. Small patches follow local motion but
# contain little structure, so their correlation peaks are noisy — `max_deviation_rigid` keeps a
# patch whose estimate went astray close to the rigid shift, and the overlaps make neighbouring
# patches agree. Our simulation moves rigidly, so rigid correction is all it needs.
#
# **Exercise 3.1** — (a) Patches of width `w = stride + overlap` start at 0, `stride`,
# `2 * stride`, … as long as they fit entirely in the frame (start + w ≤ frame size); the same
# along both axes. Store the total number of patches of a 256 × 256 px frame with the walkthrough's
# `strides = (48, 48)` and `overlaps = (24, 24)` in `n_patches_256` (an int). (b) A frame's rigid
# shift is `dy = 2.5` px; with `max_deviation_rigid = 3` and `max_shifts = (6, 6)`, which patch
# shifts `dy` are allowed? Store the interval as `patch_dy_range = (low, high)`, a tuple of two
# floats (the deviation bound applies around the rigid shift; the allowed interval is also limited
# to ±`max_shifts`).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "aab3458080eeddd4083cb2d41a7224d4", "grade": false, "grade_id": "ex-patches", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "6b6f62d7c5b586bfec66ac1d4bc81901", "grade": true, "grade_id": "ex-patches-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_patches; check_patches(n_patches_256, patch_dy_range)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b6e44d03db7649ecaf8c783854d12c2d", "grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. The local correlation image, done right
#
# A cell's pixels share its calcium transients, while shot noise is independent from pixel to
# pixel. So inside a cell, a pixel's trace **correlates** with its neighbours' traces; outside, it
# correlates little. The **local correlation image** gives every pixel the mean Pearson
# correlation (over time) of its trace with the traces of its neighbours — the 4 pixels sharing an
# edge, or the 8 sharing an edge or a corner. It highlights *active* cells whatever their
# brightness, which makes it the standard image for looking at a movie's cells. The large
# pipelines detect from related but different images: CaImAn computes it (`local_correlations`)
# and its CNMF-E variant seeds components where the correlation image and the peak-to-noise ratio
# are both high; suite2p detects cells in a correlation map of its own, computed from a low-rank
# (SVD) summary of the binned, high-pass-filtered movie — not from this neighbour image.
#
# Details that matter: at the border only neighbours **inside** the image count (an edge pixel has
# 3 of its 4 edge-neighbours, a corner 2), so no padding enters the average; a constant trace has
# no defined correlation and is taken as 0. A trap: CaImAn's `local_correlations` with 8
# neighbours adds the anti-diagonal correlations to the wrong pixels; `mv.local_correlation` is
# checked against a pixel-by-pixel loop.
#
# Motion corrupts this image: on the raw movie, pixels near every edge of a cell or a bright
# neuropil patch brighten and darken together as the picture moves, so correlation spreads
# everywhere and the cells blur.
#
# **Exercise 4.1** — Write `local_correlation_4(movie)` for a `(time, y, x)` movie: for every pixel,
# the mean of the Pearson correlations over time between its trace and each of its **4
# edge-neighbours that lie inside the image**; a neighbour pair involving a constant trace counts
# as correlation 0. Return a float array `(y, x)`. Hint: standardise every trace to zero mean and
# unit norm; then the correlation of two pixels is the sum over time of their products, and
# `z[:, :, :-1] * z[:, :, 1:]` gives all horizontal pairs at once. (A loop over pixels with
# `np.corrcoef` is also fine; `mv.local_correlation`, the reference, is not.) The check runs it on
# a crop of the registered movie and on a small movie with a constant pixel; the hidden tests on
# other movies.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "536531e9f17079c2bcd19c69b139fa42", "grade": false, "grade_id": "ex-lc4", "locked": false, "schema_version": 3, "solution": true, "task": false}
def local_correlation_4(movie):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "74d7da4c05070ca00df1a67e0b05b19f", "grade": true, "grade_id": "ex-lc4-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_local_correlation_4; check_local_correlation_4(local_correlation_4)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "4712e1f2cb31ad125f81d7e4a87a7544", "grade": false, "grade_id": "q-before-after-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Task 4.2** (manually graded, deliverable figure) — Make one figure with four panels, 2 × 2:
# the maximum projection (top) and the 8-neighbour local correlation image (bottom) of the raw
# movie (left) and of the registered movie `registered_ref` (right), with titles, axes in pixels and
# a colour bar with units (correlation has none: label it "correlation"). Use the same colour range
# for the two correlation images, so they can be compared. Draw the outlines of the true masks
# (`truth.masks.any(axis=0)`, e.g. with `ax.contour(..., levels=[0.5])`) on the registered
# correlation image.

# %% deletable=false mystnb={"image": {"alt": "Two by two panels: maximum projections and local correlation images of the raw and the registered simulated movie. Raw: blurred cells, and correlation images with bright rings along the cells' edges, where motion makes neighbouring pixels change together; registered: compact cells, and a correlation image bright on the cells themselves, matching the outlines of the true masks."}} nbgrader={"cell_type": "code", "checksum": "621d5775ab665fad20c7b8bb20c5c7ca", "grade": true, "grade_id": "q-before-after", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c69332c7f4dec5d420354c689ae521d2", "grade": false, "grade_id": "ex-rois-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Detecting ROIs.** Lesson 02's recipe applies to any image: threshold, clean, label.
#
# **Example** — the reference chain's recipe on the registered movie's 8-neighbour image
# (`lesson08.detect_rois`): pixels strictly above a correlation of 0.15, an opening of radius 1,
# regions of at least 15 px, one ROI per region. It is scored against the true cells with
# lesson 02's measure, the **mean IoU** (ROIs and true cells paired one-to-one; a cell without an
# ROI, or an ROI without a cell, counts 0; `lesson08.segmentation_score`). The same recipe on a
# movie of the realistic regime, registered the same way:

# %%
for name in ("lesson", "realistic"):
    what, rec_open, registered_open = lesson08.open_recording(name)
    recipe_rois = lesson08.detect_rois(mv.local_correlation(registered_open, 8))
    score = lesson08.segmentation_score(recipe_rois, rec_open.truth.masks)
    print(f"{what}: {len(recipe_rois)} ROIs for {len(rec_open.truth.masks)} cells, mean IoU {score['score']:.2f}, "
          f"missed cells {score['missed']}")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c2fc1fb423433063f7d30fad6ce04e7c", "grade": false, "grade_id": "ex-rois-md2", "locked": true, "schema_version": 3, "solution": false, "task": false}
# A fixed threshold of 0.15 does not carry over: the correlation between two pixels of a cell
# falls when the noise rises, when the transients shrink (the realistic regime's single spikes)
# or when more frames of noise sit between them (a higher frame rate). On the realistic movie the
# recipe misses several of the cells (the printout counts them), and many of its ROIs match no cell.
#
# **Exercise 4.3** (open) — Write `find_rois(movie)` that takes a **registered** `(time, y, x)`
# movie and returns one boolean mask per ROI, a `(n_rois, y, x)` array. Choose the image (local
# correlation, standard deviation, mean, a combination), the threshold rule and the cleaning
# yourself; the package's functions are allowed. It is scored by the mean IoU with the true cells,
# on the lesson's registered movie and on the realistic-regime movie above, and in the hidden
# tests on movies you have not seen (another seed, a denser field with 18 cells, 30 Hz): a mean
# IoU of **at least 0.4** passes.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "a9715a20c185493bb15e18ee956c3c54", "grade": false, "grade_id": "ex-rois", "locked": false, "schema_version": 3, "solution": true, "task": false}
def find_rois(movie):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "ca1affa25bc9209a42667ed340e0e1b2", "grade": true, "grade_id": "ex-rois-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_find_rois; check_find_rois(find_rois)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "32274a4524ba2b522510003a6f902b4b", "grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Component quality: accept or reject
#
# Whatever finds the candidates — a threshold here, CNMF in CaImAn, suite2p's detection — some are
# not cells: a patch of neuropil, two cells merged, noise. CaImAn evaluates every component with
# (up to) three measures and accepts it if **any one** of them is good enough:
# - the **SNR** of its trace (`min_SNR`, 2.0 in the walkthrough; CaImAn's SNR is a probability of
#   seeing the trace's largest values under its noise, not our ratio);
# - the **spatial correlation** `r_values` (`rval_thr`, 0.85): when the component is active, the
#   data around it should look like its footprint;
# - a CNN classifier of the footprint's shape (`min_cnn_thr`), which we skip.
#
# In CaImAn's code (`select_components_from_metrics`) a component passes the SNR test if
# `SNR > min_SNR` (strictly) and the spatial test if `r_value >= rval_thr` (at least); components
# below separate *lowest* bounds on any measure are rejected even so (we leave those out).
#
# Our versions: **SNR** = `dff.snr` of the candidate's ΔF/F₀ (lesson 05: its 99th percentile above
# its median, over the MAD noise σ). Pure Gaussian noise already scores about 2.3 by this
# definition, so our `snr_min` is 4, not CaImAn's 2. **Spatial correlation** =
# `lesson08.spatial_correlation`: the mean of the frames where the candidate's trace is in its top
# 5 %, minus the mean image, correlated with the mask over the mask's surroundings (3 px).
#
# **Example** — the candidates: the ROIs of section 4's recipe (`lesson08.detect_rois`) plus
# three *decoys*, discs far from every cell, which should be rejected. The reference chain
# computes both measures:

# %% mystnb={"image": {"alt": "Scatter of spatial correlation against SNR for each candidate: detected ROIs as blue dots, decoy discs as orange crosses; dashed lines at SNR 4 and spatial correlation 0.85 divide the plane, and the decoys fall in the rejected corner."}}
ref_chain = lesson08.chain(seed=0)
n_detected = ref_chain.n_detected
candidate_dff = ref_chain.candidate_dff
fig, ax = plt.subplots(figsize=(5.5, 4), layout="constrained")
ax.scatter(ref_chain.snr[:n_detected], ref_chain.spatial_corr[:n_detected], label="detected ROI")
ax.scatter(ref_chain.snr[n_detected:], ref_chain.spatial_corr[n_detected:], marker="x", label="decoy disc")
ax.axvline(lesson08.SNR_MIN, ls="--", color="0.4")
ax.axhline(lesson08.R_MIN, ls="--", color="0.4")
ax.set(xlabel="SNR (p99 over MAD noise σ, unitless)", ylabel="spatial correlation", title="component quality")
ax.legend(frameon=False);

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0a92f2b74392d95cd880b02588316d5b", "grade": false, "grade_id": "ex-accept-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Write `accept_components(snr, spatial_corr, snr_min, r_min)` that takes two
# float arrays of one value per component and returns a **boolean** array, True for an accepted
# component: `snr > snr_min` (strictly) **or** `spatial_corr >= r_min` (at least), as in CaImAn. The
# check includes values exactly at the thresholds; the hidden tests use other values and thresholds.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "7c9532f4975e9b88163a4a256ef85c26", "grade": false, "grade_id": "ex-accept", "locked": false, "schema_version": 3, "solution": true, "task": false}
def accept_components(snr, spatial_corr, snr_min, r_min):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "97be78ae43a4b30e7262e61ac0394d6b", "grade": true, "grade_id": "ex-accept-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_accept_components; check_accept_components(accept_components)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7342229ba0244d7dcb83fd5e342de379", "grade": false, "grade_id": "ex-snr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — Compute the SNR of every candidate's ΔF/F₀ trace (the rows of
# `candidate_dff`) by the definition above, and store it in `candidate_snr` (one float per
# candidate): $\text{SNR} = \dfrac{P_{99}(x) - \text{median}(x)}{1.4826 \cdot \text{median}(|x - \text{median}(x)|)}$,
# with NumPy's default (linear) percentile, per trace (one value per row: reduce along time).
# Then store in `n_accepted` the number of candidates accepted with `snr_min = 4.0` and
# `r_min = 0.85`, using `ref_chain.spatial_corr` for the spatial correlation. *Predict first:*
# will the three decoys pass by their SNR, by their spatial correlation, or not at all?

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "27fa67e6f3929f927249216d6e5af9aa", "grade": false, "grade_id": "ex-snr", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "6c209a89f65c1467d7fc7884f4861fc8", "grade": true, "grade_id": "ex-snr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_candidate_snr; check_candidate_snr(candidate_snr, n_accepted)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "eeac03227c5bdce1186fbc4b8b262b85", "grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The whole chain, lessons 01–07, on one movie
#
# Every step of the course is one or two calls to `helpers`. On the accepted ROIs of the
# registered movie:
#
# | step | lesson | call |
# |---|---|---|
# | ROI traces F | 02 | `mk.roi_traces(registered, rois)` |
# | neuropil rings and their traces | 03 | `mk.roi_traces(registered, mk.neuropil_rings(rois))` |
# | neuropil correction, F₀, ΔF/F₀ | 03–05 | `lesson08.dff_traces(F, Fneu, fs)` — `Fc = F − 0.7 · Fneu`, F₀ = rolling 10th percentile of `Fc` over 10 s |
# | events | 06 | `ev.detect_events(dff, fs)` (k = 3, hysteresis at 1.5 σ) |
# | ensembles | 07 | `en.bin_events` (0.5 s) → `en.circular_shuffle_null` (1000) → 99th percentile → `en.ensemble_events` → `en.cluster_ensembles` → `en.summarise_ensembles` |
#
# F₀ is taken from the **corrected** trace, so it holds the soma's own level only. A tempting
# shortcut, `F − 0.7 · (Fneu − median(Fneu))`, removes the neuropil's fluctuations but keeps
# `0.7 · median(Fneu)` in F₀, and divides every ΔF/F₀ by the factor f₀ / (f₀ + 0.7 · N̄) (true
# soma baseline f₀, neuropil level N̄): on the lesson's movie that factor has a median of about
# 0.5 (0.40–0.66 over the cells), so ΔF/F₀ would come out **about half** its true size (lesson 05).
# The plain subtraction is safe for almost every candidate — `dff.delta_f_over_f` checks it: on
# the lesson's movie the smallest F₀ of any candidate is still 4 noise s.d. above zero. A candidate
# on a dim spot, no brighter than its ring, has no baseline left after subtracting 0.7 · Fneu
# (lesson 05): `dff_traces` then gives that ROI alone a smaller r (0.6, 0.5, ..., the largest that
# leaves a baseline; lesson 03) rather than adding a constant. The reference chain `lesson08.chain(seed=0)` holds every
# intermediate result; each ROI's true cell is `partner` (−1 if no true cell overlaps it with
# IoU ≥ 0.5).
#
# **Example** — ΔF/F₀ of the accepted ROIs with their detected event onsets (orange) and the true
# spike-burst onsets of their partner cells (black):

# %% mystnb={"image": {"alt": "Stacked dF/F0 traces of the accepted ROIs over 60 seconds, each with orange marks at detected event onsets and black marks at the onsets of the true spike bursts of its matched cell; large transients are detected, many single spikes are not."}}
fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
for i, trace in enumerate(ref_chain.dff):
    ax.plot(t_s, trace + i, lw=0.6, color="#0072B2")
    ax.plot(ref_chain.onsets[i] / fs, np.full(len(ref_chain.onsets[i]), i + 0.85), "|", color="#E69F00", ms=10)
    ax.plot(ref_chain.true_bursts[i] / fs, np.full(len(ref_chain.true_bursts[i]), i + 0.7), "|", color="black", ms=6)
ax.set(xlabel="time (s)", ylabel="ROI (ΔF/F₀ offset by 1 per ROI, fraction)", title="accepted ROIs: events vs truth");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "f4928bb012df15b30db4a793f78c647b", "grade": false, "grade_id": "ex-f1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** — Score the events against the truth as in lesson 06. *Predict first:* which
# will be lower here, precision or recall, and why? Then, for the ROIs **with a partner**
# (`ref_chain.partner >= 0`; an ROI without a true cell has nothing to be scored against), match
# the detected onsets (`ref_chain.onsets[i]`, frames) with the true burst onsets
# (`ref_chain.true_bursts[i]`, frames; spikes closer than 1 s merged), one-to-one, within
# **0.5 s** before or after, with lesson 06's matching, pooled over those ROIs. Store a dict
# `event_scores` with keys `"precision"`, `"recall"` and `"f1"` (fractions).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "19f7ef1a274c33a46df2379b861c07d0", "grade": false, "grade_id": "ex-f1", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "80c298e64015a760073b6f191b674139", "grade": true, "grade_id": "ex-f1-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_event_scores; check_event_scores(event_scores)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9ed7bdcc4287f8ebc475715ba9176450", "grade": false, "grade_id": "ex-ens-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The recall is low, and it should be: measured against the true calcium, a single spike raises
# these ROIs' ΔF/F₀ by about 0.23 (roughly 0.1–0.35 over the ROIs; with the median shortcut above it
# would be about 0.1), while the noise of a small ROI at 10 Hz has an s.d. of about 0.12 — a
# single spike stands two noise s.d. high, and most are missed, while bursts are found. In the
# realistic regime single spikes are smaller still (lesson 05). The last step finds ensembles
# among the accepted ROIs (lesson 07). `ref_chain.ensembles` lists what it found, each with
# `members` (ROI indices) and `activation_times_s`.
#
# **Exercise 6.2** — For the **first** ensemble found (`ref_chain.ensembles[0]`), translate its
# member ROIs into true cell ids with `ref_chain.partner` (drop members whose partner is −1) and
# store in `best_jaccard` the largest Jaccard similarity, |A ∩ B| / |A ∪ B|, between that set of
# true cells and any planted ensemble in `truth.ensembles` (a float). If the chain found no
# ensemble at all (`ref_chain.ensembles` is empty: it can happen on a movie of one minute), nothing
# was recovered: store 0.0.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "392b2d47f79ea24f8fbae33b4489303d", "grade": false, "grade_id": "ex-ens", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "2c49193eea1208ec80f165a052b0ce6d", "grade": true, "grade_id": "ex-ens-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_best_jaccard; check_best_jaccard(best_jaccard)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "7d1645c60447f7cb8b6fc1b88546f00e", "grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. A real raw movie: the Allen crop
#
# A 100 × 100 px crop of a raw, unregistered two-photon movie from the Allen Brain Observatory,
# with the pipeline's reference image (`.reference`, its `ave_image`). The file stores no frame
# rate (Allen single-plane imaging runs at about 31 Hz; unverified here), and we need none: motion
# correction works frame by frame.
#
# **Only 100 frames** (about 3 s): enough to estimate each frame's shift and to compare projections
# before and after registration — but not for anything that needs activity over time: a local
# correlation image from 100 noisy frames is dominated by noise and motion, a rolling baseline has
# nothing to roll over, and a few seconds hold a handful of events at best.
#
# **Exercise 7.1** — Which template? These 100 frames' own mean is noisy and blurred by the motion
# it should measure; the pipeline's reference image was built from the whole recording. Estimate
# every frame's rigid shift against the better of the two with the package's registration at its
# default settings (plain cross-correlation, 0.1 px; scikit-image's `phase_cross_correlation` with
# `normalization=None` and `upsample_factor=10` finds the same shifts — mind its sign), and store
# it in `allen_shifts` (float array `(100, 2)`, `(dy, dx)` in px).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "747c3a85965565b9f0d317dfb094fa4c", "grade": false, "grade_id": "ex-allen", "locked": false, "schema_version": 3, "solution": true, "task": false}
allen = data.load_allen_raw_crop()
print(f"Allen crop: {allen.movie.shape} (time, y, x), frame rate: {allen.fs or 'unknown'}")
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "5bfc1712f35f02fe14985540d3e5ee6b", "grade": true, "grade_id": "ex-allen-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_allen_shifts; check_allen_shifts(allen_shifts)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a4ebe1be72848ce13d82afd8a6fc7772", "grade": false, "grade_id": "s7b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the shifts, and each frame's correlation with the reference before and after
# applying them. Beware of the second panel: a shift chosen *to maximise* the correlation with
# the template raises it even when the frame holds mostly noise, so a higher correlation after
# registration does not prove that a single frame's shift is right.

# %% mystnb={"image": {"alt": "Top: estimated vertical and horizontal shifts of the 100 Allen frames; stretches of steady values interrupted by frames whose estimates jump by 10 to 20 pixels. Bottom: correlation of each frame with the reference image: about 0.01 before registration and about 0.1 after it, for every frame, the implausible ones included."}}
allen_shifts_ref = reg.estimate_shifts(allen.movie, template=allen.reference)
allen_registered = reg.apply_shifts(allen.movie, allen_shifts_ref)
frame_index = np.arange(allen.movie.shape[0])
fig, axes = plt.subplots(2, 1, figsize=(9, 5), layout="constrained", sharex=True)
plots.traces(frame_index, allen_shifts_ref.T, labels=["dy (rows)", "dx (columns)"], ax=axes[0],
             xlabel="frame (rate unknown)", ylabel="estimated shift (px)", title="Allen crop")
plots.traces(frame_index, np.vstack([reg.correlation_to_template(allen.movie, allen.reference),
                                     reg.correlation_to_template(allen_registered, allen.reference)]),
             labels=["raw", "registered"], ax=axes[1], xlabel="frame (rate unknown)",
             ylabel="correlation with reference");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5167e664b2ff04709e87266a6795301f", "grade": false, "grade_id": "q-allen-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 7.2** (manually graded) — Judge these shifts. Which estimates do you trust and which
# not, and why (think of how noisy one raw frame is, of how fast tissue can move between two
# frames, and of the correlation values)? Name two
# things you would change to register this movie more reliably, and say what the 100 frames do
# *not* allow you to conclude about its cells.

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "429ac13b00a9c07c0d29fb067076c8ba", "grade": true, "grade_id": "q-allen", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# YOUR ANSWER HERE

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "38febae5f0b3d43a3a9dbcc84ae6738e", "grade": false, "grade_id": "s8-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Your own data: a suite2p output folder
#
# suite2p writes, for each imaging plane, a folder `suite2p/plane0` with `F.npy` (ROI
# fluorescence, ROIs × frames), `Fneu.npy` (neuropil), `spks.npy` (deconvolved activity),
# `iscell.npy` (its classifier's verdict and probability), `stat.npy` (each ROI's pixels `ypix`,
# `xpix` and weights `lam`) and `ops.npy` (settings and images, e.g. `meanImg`, `Ly`, `Lx`,
# `neucoeff`, `fs`). `data.load_suite2p_folder(path, fs=...)` reads such a folder into the course's
# conventions: traces float64 `(n_rois, n_frames)`, `iscell` boolean, masks boolean
# `(n_rois, Ly, Lx)` from `stat`. **`stat.npy` and `ops.npy` are pickles — unpickling runs code, so
# load only folders you trust** (your own suite2p runs).
#
# The course's example folder (`data.load_suite2p()`, FISSA's example recording) has
# `ops["fs"] = 1`, suite2p's placeholder: its frame rate is **unknown**. We **assume 10 Hz**
# (as lesson 04 did); every time in seconds below depends on that assumption.
#
# ```python
# s2p = data.load_suite2p_folder("~/my_experiment/suite2p/plane0", fs=30.0)   # your own data
# ```

# %% mystnb={"image": {"alt": "Mean image of the suite2p example recording, 176 by 156 pixels, with the outlines of the ROIs suite2p classified as cells in orange and of the rejected ones in pink."}}
s2p = data.load_suite2p()
fs_s2p = 10.0   # ASSUMED frame rate (ops["fs"] = 1 is a placeholder)
print(f"suite2p: {s2p.F.shape[0]} ROIs x {s2p.F.shape[1]} frames, {s2p.iscell.sum()} classified as cells; "
      f"neucoeff {s2p.neucoeff}; frame rate in the file: {s2p.fs or 'unknown'} (assumed {fs_s2p} Hz)")
ax = plots.image(s2p.mean_image, title="suite2p example: mean image and ROIs")
ax.contour(s2p.masks[s2p.iscell].any(axis=0), levels=[0.5], colors="#E69F00", linewidths=1)
ax.contour(s2p.masks[~s2p.iscell].any(axis=0), levels=[0.5], colors="#CC79A7", linewidths=1);

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b5974dbf68a3b912f8a6ca54114cdd90", "grade": false, "grade_id": "ex-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 8.1** — Compute ΔF/F₀ of the ROIs that suite2p classified as cells (`s2p.iscell`),
# in ROI order, and store it in `s2p_dff` (float `(n_cells, n_frames)`, a fraction), the way
# section 6 does it: suite2p's own neuropil correction with its coefficient from the folder
# (`s2p.neucoeff`), then a baseline that follows slow drift — the rolling 10th percentile over
# **30 s** at the assumed frame rate, edges "nearest" (lesson 04's `baseline.rolling_percentile`
# converts seconds to frames for you) — taken from the trace it divides.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9da6d40e9e949f8ab53070899dbe3c17", "grade": false, "grade_id": "ex-s2p", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "cdc27c3000c9c4d1f4474d027b3f998f", "grade": true, "grade_id": "ex-s2p-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.pipeline import check_s2p_dff; check_s2p_dff(s2p_dff)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1b528d11da6d0f047f5dfa2bec8cd9c7", "grade": false, "grade_id": "s8b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the rest of the chain on the suite2p cells: events (lesson 06) and the ensemble
# analysis (lesson 07). With 21 cells and 86 s (at the assumed rate) there is little room for
# ensembles; the point is that your own folder goes through the same few calls.

# %% mystnb={"image": {"alt": "Event raster of the suite2p example cells over 86 seconds at the assumed 10 Hz (onsets as marks, cell on the y-axis) above the number of cells active per 0.5 second bin, with a dashed line at the 99th percentile of the circular-shuffle null."}}
Fc_s2p = s2p.F[s2p.iscell] - s2p.neucoeff * s2p.Fneu[s2p.iscell]
s2p_dff_ref = dff.delta_f_over_f(Fc_s2p, baseline.rolling_percentile(Fc_s2p, 10, 30.0, fs_s2p))
s2p_events = ev.detect_events(s2p_dff_ref, fs_s2p)
s2p_raster = ev.event_raster(s2p_events)
s2p_binned = en.bin_events(s2p_raster, fs_s2p, 0.5)
s2p_threshold = en.significance_threshold(en.circular_shuffle_null(s2p_raster, fs_s2p, 0.5, 1000, seed=0), 99)
s2p_bins, _ = en.ensemble_events(s2p_binned, s2p_threshold)
print(f"{len(s2p_events.onset)} events in {len(s2p_dff_ref)} cells; coactivity threshold {s2p_threshold:g} cells; "
      f"{len(s2p_bins)} bins above it")
fig, axes = plt.subplots(2, 1, figsize=(10, 5), layout="constrained", sharex=True, height_ratios=[2, 1])
cell, frame = np.nonzero(s2p_raster)
axes[0].scatter(frame / fs_s2p, cell, marker="|", s=60, color="#0072B2")
axes[0].set(ylabel="cell", title="suite2p cells: events (frame rate assumed 10 Hz)")
bin_start = np.arange(s2p_binned.shape[1]) * 0.5
axes[1].plot(bin_start, s2p_binned.sum(axis=0), lw=0.8)
axes[1].axhline(s2p_threshold, ls="--", color="0.4")
axes[1].set(xlabel="time (s, assuming 10 Hz)", ylabel="active cells per 0.5 s");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "eede6eaedf1fca2cce16c84cd5f25eb8", "grade": false, "grade_id": "s9-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. Where CaImAn and suite2p take over
#
# This course built every step from transparent pieces so that each could be checked. The
# established pipelines replace several of them by models fitted to the whole movie:
#
# - **Source extraction: CNMF** (CaImAn; Pnevmatikakis et al. 2016, Giovannucci et al. 2019)
#   factorises the movie as `Y ≈ A·C + B + noise`: spatial footprints `A` (non-negative, local),
#   calcium traces `C` (following an autoregressive model of order `p`), a low-rank background `B`
#   (`gnb` components) — all fitted together, so **overlapping cells are demixed** and the
#   neuropil is part of the model instead of a ring. Its parameters in the walkthrough: `K`
#   components per patch of half-size `rf`, expected cell half-width `gSig`, `merge_thr` for
#   merging components whose traces correlate too much. suite2p (Pachitariu et al. 2017) detects
#   ROIs from a low-dimensional decomposition of the registered movie and subtracts
#   `neucoeff · Fneu`, as in section 8. Lesson 08b builds a small version of this factorisation
#   and checks it against the true footprints of overlapping cells.
# - **Deconvolution**: both infer spiking activity from the calcium traces (OASIS, Friedrich et al.
#   2017; suite2p's `spks`) instead of thresholding ΔF/F₀ — lesson 09.
# - **Classifiers**: CaImAn's CNN on footprint shapes and suite2p's classifier (`iscell`) trained on
#   curated ROIs replace hand-set thresholds; their verdicts still deserve a look.
# - **Motion**: NoRMCorre (CaImAn) and suite2p's block-wise non-rigid registration do what
#   section 3 described, on GPUs or in parallel, with sub-pixel accuracy; lesson 08b registers
#   patches and interpolates their shifts by hand, against a known deformation.
#
# Use them on real datasets — and use what you learned here to check their output: look at the
# correlation with the template after registration, at the local correlation image, at the traces
# of accepted and rejected components, at events against the raw traces.

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "3c0a473e590b89b91f415b9ddeeb4e54", "grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - Motion blurs projections and spreads local correlation along every edge: correct it first.
# - Rigid shift = peak of the cross-correlation `ifft2(fft2(frame) · conj(fft2(template)))`,
#   wrapped past the middle; sign convention `frame(y, x) = template(y − dy, x − dx)`.
#   Unregularised phase correlation fails on smooth, noisy calcium frames; regularised as suite2p
#   does it (edge taper, spectral smoothing) it works, as well as the plain cross-correlation
#   once the smoothing suits the frames. An edge taper and a second pass against the registered
#   mean image sharpen either.
# - Against a mean-image template, shifts are known up to a constant: compare with the truth after
#   removing means (here ≈ 0.17 px RMS, 0.13 px with taper and second pass); on real data, use the
#   frame-to-template correlation.
# - NoRMCorre = rigid, then overlapping patches (`strides`, `overlaps`) registered separately and
#   held within `max_deviation_rigid` of the rigid shift.
# - The local correlation image averages correlations with the neighbours inside the image;
#   thresholding it finds the active cells, not the silent ones — and a fixed threshold does not
#   carry over to other noise levels or frame rates. suite2p detects from its own SVD-based
#   correlation map.
# - Components are accepted if their SNR **or** their spatial correlation is high enough.
# - ΔF/F₀ after neuropil subtraction: F₀ from the corrected trace; keeping r·median(Fneu) in it
#   halves every amplitude here.
# - The course's chain runs end to end with a handful of `helpers` calls; on the simulation it
#   finds bursts reliably, single spikes rarely, and part of a planted ensemble.
# - Your suite2p folder loads with `data.load_suite2p_folder(path, fs=...)`; state the frame rate.
#
# ## References
#
# - Pnevmatikakis, E. A., & Giovannucci, A. (2017). NoRMCorre: An online algorithm for piecewise
#   rigid motion correction of calcium imaging data. *Journal of Neuroscience Methods*, 291, 83–94.
# - Giovannucci, A., et al. (2019). CaImAn, an open source tool for scalable calcium imaging data
#   analysis. *eLife*, 8, e38173.
# - Pachitariu, M., et al. (2017). Suite2p: beyond 10,000 neurons with standard two-photon
#   microscopy. *bioRxiv* 061507.
# - Pnevmatikakis, E. A., et al. (2016). Simultaneous denoising, deconvolution, and demixing of
#   calcium imaging data. *Neuron*, 89(2), 285–299.
# - Friedrich, J., Zhou, P., & Paninski, L. (2017). Fast online deconvolution of calcium imaging
#   data. *PLoS Computational Biology*, 13(3), e1005423.
# - Guizar-Sicairos, M., Thurman, S. T., & Fienup, J. R. (2008). Efficient subpixel image
#   registration algorithms. *Optics Letters*, 33(2), 156–158.
# - de Vries, S. E. J., et al. (2020). A large-scale standardized physiological survey reveals
#   functional organization of the mouse visual cortex. *Nature Neuroscience*, 23, 138–151. (Allen
#   Brain Observatory.)
#
# *Execution time of this lesson, top to bottom with `jupyter nbconvert --execute` on the course
# machine (2 cores, shared with other jobs): about 11 s of CPU time, 20–30 s wall-clock including
# the kernel's start, depending on the load; the solutions with their hidden tests (which simulate
# five more movies) take about 19 s of CPU time. The simulations (600 frames instead of the
# demo's 2000) and their registrations take most of it.*
