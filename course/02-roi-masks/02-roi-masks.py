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

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a13a2935569cbaf91868608e6d8330ae", "grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 02 · From pixels to cells: ROI masks and traces
#
# A neuron's cell body covers dozens of pixels, and lesson 01 showed that one pixel's trace is
# noisy. To get *one* fluorescence trace per cell we must decide which pixels belong to it — a
# **region of interest (ROI)**, stored as a boolean **mask** — and then combine the traces of
# those pixels. This lesson does both by hand, with the same steps that pipelines such as
# suite2p and CaImAn automate: a summary image, a threshold, some clean-up, labelled regions,
# pixel traces, one trace per ROI, and a comparison with the truth.
#
# **Learning objectives** — after this lesson you can
# 1. explain what the mean and standard-deviation images show, and smooth and normalise an image;
# 2. turn an image into a mask with an absolute, a mean + kσ, a percentile and an Otsu threshold,
#    and show a mask as an outline or as a scatter of pixels;
# 3. clean a mask with a morphological opening and small-object removal, split it into ROIs
#    (connected components) and measure their area and centroid;
# 4. get the coordinates of a mask's pixels and gather their traces into a pixels × time matrix;
# 5. compute a ROI's mean, median and brightness-weighted trace, and say how they differ;
# 6. score detected masks against ground-truth masks with the intersection over union (IoU);
# 7. read ROIs drawn in ImageJ and ROIs found by suite2p, on real recordings;
# 8. choose a segmentation method yourself and measure it against the true cells, on movies it
#    was not tuned to.
#
# **Time:** about 110 minutes. **Prerequisites:** lesson 01 (movies as `(time, y, x)` arrays,
# projections, pixel traces, rows are y and columns are x); NumPy boolean arrays and `np.nonzero`.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook. Every section
# starts again from reference values computed with `helpers`, so a mistake in one exercise does
# not carry over to the next. Some exercises leave the method to you: their check runs your
# function on this lesson's movie (and, when graded, on movies you have not seen) and reports your
# score against the simulation's true cells, with the bound to reach.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "0af170ad52b4289f22dcd2973cf78acd", "grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage
from skimage import filters, measure, morphology

from helpers import data, masks as mk, movie as mv, plots, simulate
from helpers.lessons import roi_masks

rec = simulate.demo_movie(seed=0)   # a simulated recording whose ground truth we know
movie = rec.movie                    # fluorescence, float32, shape (time, y, x)
fs = rec.fs                          # frame rate in Hz
true_masks = rec.truth.masks         # the true cell masks, bool (n_cells, y, x)
print(f"movie: shape {movie.shape}, {fs} Hz; {len(true_masks)} true cells")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "8d203c2671d2357542c14580ecff7e66", "grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. An image in which cells stand out
#
# To find cells we first summarise the movie in one image (lesson 01). The **mean image** shows
# where the indicator is: every cell body, active or not, but also the bright neuropil between
# cells. The **standard-deviation image** shows where the brightness *changes*: cells that fire
# stand out, silent ones do not. It is not zero elsewhere, because every pixel carries noise, and
# shot noise grows with brightness (a brighter pixel is a noisier pixel).
#
# **Example** — both projections, with the outlines of the true cells (known here because the
# movie is simulated). `roi_masks.outline` draws a mask's outline on an image.

# %% mystnb={"image": {"alt": "Mean and standard-deviation images of the simulated movie side by side, with the outlines of the twelve true cells in orange; in the standard-deviation image most cells are bright but two or three outlined cells are as dark as the background."}}
mean_image = mv.projection(movie, "mean")
std_image = mv.projection(movie, "std")
fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
roi_masks.outline(plots.image(mean_image, ax=axes[0], title="mean image"), true_masks, label="true cells")
roi_masks.outline(plots.image(std_image, ax=axes[1], title="standard-deviation image",
                              label="std of fluorescence (a.u.)"), true_masks, label="true cells");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "d329ea167ee564bba536446ccbf06f93", "grade": false, "grade_id": "s1b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Preprocessing.** Two steps make an image easier to threshold:
#
# - **Smoothing** with a Gaussian of standard deviation σ (in pixels) replaces each pixel by a
#   weighted average of its neighbourhood. Noise, independent from pixel to pixel, averages out;
#   a cell body several pixels wide survives. `scipy.ndimage.gaussian_filter` does it; its
#   `sigma` is σ in pixels, and at the border it reflects the image (its default `mode`).
# - **Normalisation** rescales an image to a fixed range. With min–max normalisation,
#   $(I - \min I) / (\max I - \min I)$, the darkest pixel becomes 0 and the brightest 1, so a
#   threshold such as 0.4 no longer depends on the recording's brightness units (though where the
#   cells lie between darkest and brightest still varies from one recording to another).
#
# **Exercise 1.1** — Smooth `std_image` with a Gaussian of σ = 1 pixel (default border mode) and
# store the result in `std_smooth`. Then min–max normalise `std_smooth` to the range 0 to 1 and
# store it in `std_norm`. Both are float arrays of shape (y, x).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "111e6bb255aeee3709e8b2dad8f8bb05", "grade": false, "grade_id": "ex-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "0e1cc8d05bc4aca1fb97981d2dcdaec9", "grade": true, "grade_id": "ex-norm-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_normalised; check_normalised(std_smooth, std_norm)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "9b76ffbdbc926d5bffa0a647409e60f9", "grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Thresholds: from an image to a mask
#
# A **mask** is a boolean image, True on the pixels we keep. The simplest way to make one is a
# threshold: `mask = image > threshold` keeps the pixels *strictly above* it. How to choose the
# threshold?
#
# | threshold | the value | keeps |
# |---|---|---|
# | absolute | a number you choose, in the image's units | pixels brighter than it |
# | mean + kσ | μ + kσ, with μ and σ the mean and standard deviation of all the pixels | pixels unusually bright for this image |
# | percentile | `np.percentile(image, p)` | the brightest (100 − p) % of the pixels |
# | Otsu | `skimage.filters.threshold_otsu(image)` | the bright class of a two-class split of the histogram |
#
# The last three adapt to the image. They also ignore normalisation: rescaling an image moves the
# threshold with it, so they select the same pixels before and after. Only an absolute threshold
# depends on the units, which is why it is usually set on a normalised image.
#
# From here on we work with the reference normalised image `std_norm_ref` (the answer of
# Exercise 1.1, computed by `roi_masks.normalised_std()`).
#
# **Example** — an absolute threshold at 0.6, shown as an outline on the image. Note that
# `ax.contour` and `plt.scatter` take x before y, while NumPy indexes rows (y) first.

# %% mystnb={"image": {"alt": "The normalised, smoothed standard-deviation image with orange outlines around the few brightest blobs, the pixels above 0.6."}}
std_norm_ref = roi_masks.normalised_std()
mask_06 = std_norm_ref > 0.6
print(f"{mask_06.sum()} of {mask_06.size} pixels are above 0.6")
ax = plots.image(std_norm_ref, title="normalised std image > 0.6", label="normalised std (0-1)")
roi_masks.outline(ax, mask_06, label="above 0.6");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5d06caa73236390b07bffd6ee124ad24", "grade": false, "grade_id": "ex-abs-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.1** — The threshold 0.6 was a guess. Choose a better absolute threshold
# for `std_norm_ref` and store in `mask_abs` the mask of the pixels above it (a boolean array of
# shape (y, x)). The check scores your mask against the pixels of the simulation's true cells with
# the *intersection over union* (section 6): the number of pixels in both over the number in
# either, 1 for a perfect mask. How high an IoU one threshold can reach depends on the recording,
# so the check compares yours with the best IoU any absolute threshold of this image reaches: aim
# for at least **80 %** of it. *Predict first:* what goes wrong with a threshold that is too low,
# and with one that is too high?

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "bc52e428ca7db0e4f6ac3294f04960b1", "grade": false, "grade_id": "ex-abs", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "13d121a7aac950357d6d3be5a0729957", "grade": true, "grade_id": "ex-abs-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_mask_abs; check_mask_abs(mask_abs)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "772215dc1d63d60ae7c9bfc11cffd913", "grade": false, "grade_id": "ex-kstd-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — Write a function `threshold_mean_std(image, k)` that returns the boolean mask
# of the pixels of a 2-D `image` strictly above `mean + k * std`, where the mean and the standard
# deviation are taken over **all** pixels of the image (one number each; population standard
# deviation, NumPy's default `ddof=0`). `k` may be any real number, negative or zero included.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "8eb0eb0e44237e556f0f64b5145cd6c0", "grade": false, "grade_id": "ex-kstd", "locked": false, "schema_version": 3, "solution": true, "task": false}
def threshold_mean_std(image, k):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "20530e7f489d724b78947e465e16c5e6", "grade": true, "grade_id": "ex-kstd-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_threshold_mean_std; check_threshold_mean_std(threshold_mean_std)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0e7fd0096eb19cb206d151eb8e5dcf90", "grade": false, "grade_id": "ex-pct-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.3** — Percentile and Otsu thresholds of `std_norm_ref`. Store in `mask_p10` and
# `mask_p80` the pixels strictly above its 10th and its 80th percentile (`np.percentile`, with
# percentiles from 0 to 100 and its default linear interpolation), and in `mask_otsu` the pixels
# strictly above Otsu's threshold of `std_norm_ref` (see the table). All three are boolean arrays
# of shape (y, x). *Predict first:* which of the three could serve as a mask of the cells?

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "aa5960b9dd45c877bb797dcd7aa97c05", "grade": false, "grade_id": "ex-pct", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "bd6f0bc8cb1bff076d091ff05bc8713b", "grade": true, "grade_id": "ex-pct-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_percentile_otsu; check_percentile_otsu(mask_p10, mask_p80, mask_otsu)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "3531bad5e5997bd2cf7755b976b6fcd5", "grade": false, "grade_id": "s2b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — four thresholds side by side, with the mean + 3σ mask from `helpers.masks`
# (`mk.threshold_mask(image, method, ...)` implements all four). The mean + 3σ rule assumes that
# cells are rare outliers in a background of noise; here cells cover a good part of the field,
# so they inflate σ and the rule keeps only a few of the brightest cells. The 10th percentile keeps 90 %
# of the image: useless as a cell mask (it is how a *baseline* is estimated, in lesson 04).

# %% mystnb={"image": {"alt": "Four panels of the normalised standard-deviation image with mask outlines: the absolute threshold 0.4, mean plus three standard deviations (a few small blobs), the 80th percentile and Otsu's threshold (similar masks around most cells)."}}
reference_masks = {"absolute, > 0.4": std_norm_ref > 0.4,
                   "mean + 3σ": mk.threshold_mask(std_norm_ref, "mean_std", k=3),
                   "80th percentile": mk.threshold_mask(std_norm_ref, "percentile", value=80),
                   "Otsu": mk.threshold_mask(std_norm_ref, "otsu")}
fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), layout="constrained")
for ax, (name, mask) in zip(axes.flat, reference_masks.items()):
    plots.image(std_norm_ref, ax=ax, title=f"{name}: {mask.sum()} pixels", label="normalised std (0-1)")
    roi_masks.outline(ax, mask)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "03244a90577eadb989e1e2214b3242a4", "grade": false, "grade_id": "ex-cellpx-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Every threshold above is **global**: one number for the whole image. But the neuropil between
# the cells is not uniform — it forms a smooth background, brighter in some parts of the field
# than in others — so a global threshold keeps background where it is bright and cuts into cells
# where it is dim. A cell is a *bump* a few pixels wide on top of that background.
#
# **Exercise 2.4** — Your method. Write a function `cell_pixels(movie)` that returns a boolean
# mask of shape (y, x), True on the pixels that belong to cells, for any `(time, y, x)` movie. You
# choose the summary image, the preprocessing (smoothing, normalisation, removing the smooth
# background — for instance by subtracting a copy of the image smoothed much more than a cell is
# wide) and the threshold rule. The check scores your mask against the pixels of all true cells
# with the IoU, as in Exercise 2.1, and asks for at least **0.6** — more than any global threshold
# of `std_norm_ref` reaches here — on this lesson's movie and, when graded, on movies you have not
# seen (another seed, more cells, more noise, another frame rate). On a movie so hard that no
# threshold of the background-removed std image reaches 0.75, the check asks for 80 % of the best
# such a threshold reaches instead (its message gives the bound). A threshold in the image's
# units, tuned to this movie, will not carry over: use a rule that adapts to the image.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "5dfaa073612cfa90dcfddf4af4f9f943", "grade": false, "grade_id": "ex-cellpx", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cell_pixels(movie):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "730f552ac7489c58ef449dd0927e9df0", "grade": true, "grade_id": "ex-cellpx-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_cell_pixels; check_cell_pixels(cell_pixels)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "cf51014b623ea81c91b51332b451941a", "grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Morphology: cleaning a mask and splitting it into ROIs
#
# Smoothing the image is one way to avoid noisy masks. Here we take the other way: threshold the
# *unsmoothed* std image (above its 80th percentile, `roi_masks.raw_threshold_mask()`) and clean
# the mask afterwards. Its isolated specks of a pixel or two are noise, not cells.
#
# - A morphological **opening** (`morphology.opening(mask, morphology.disk(r))`) is an erosion
#   followed by a dilation with a disk of radius r: everything too thin to contain the disk
#   disappears, and what survives gets back its size with smoother outlines.
# - **Small-object removal** deletes whole regions with fewer pixels than a minimum size.
# - **Labelling** (`measure.label`) numbers the **connected components**: groups of True pixels
#   that touch. With `connectivity=2` pixels touching by a corner count as connected
#   (8-connectivity); with `connectivity=1` only pixels sharing an edge do (4-connectivity). The
#   background is 0, the regions 1, 2, …, numbered in raster order of their first pixel (row by
#   row, from the top left). In this course regions are always 8-connected.
#
# **Example** — the raw mask, and what an opening with a disk of radius 1 does to it:

# %% mystnb={"image": {"alt": "Two panels: the raw 80th-percentile mask of the unsmoothed standard-deviation image, with a few isolated single-pixel specks, and the same mask after an opening with a disk of radius 1, specks gone and outlines smoother."}}
raw_mask_ref = roi_masks.raw_threshold_mask()
opened = morphology.opening(raw_mask_ref, morphology.disk(1))
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
plots.image(raw_mask_ref, ax=axes[0], title=f"raw mask: {raw_mask_ref.sum()} pixels", label="in mask (1) or not (0)", cmap="cividis")
plots.image(opened, ax=axes[1], title=f"opened with disk(1): {opened.sum()} pixels", label="in mask (1) or not (0)", cmap="cividis");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "ce16961d142264c1c9afd3f4bdf9d3b2", "grade": false, "grade_id": "ex-clean-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — (a) Write a function `clean_mask(mask)` that cleans a boolean mask of shape
# (y, x): open it with a disk of radius 1, then remove every 8-connected region with **fewer than
# 20 pixels** (a region of exactly 20 pixels stays). In scikit-image 0.26,
# `morphology.remove_small_objects` removes the regions of **at most** `max_size` pixels, and by
# default it uses 4-connectivity (`connectivity=1`) and `max_size=64`: choose its arguments so
# that it follows this exercise's rules. Return the cleaned mask (boolean, the shape of `mask`). The check calls your function on `raw_mask_ref`
# and on `roi_masks.cleaning_test_mask()`, a small mask on which each of these rules changes the
# result: show it with `plots.image` and predict which of its shapes survive before you run the check.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "a77072f7cf4dcd6d4c70665b42b09009", "grade": false, "grade_id": "ex-cleanfn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def clean_mask(mask):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e0fe91e90f46316b9dae3e1a735b1fa2", "grade": true, "grade_id": "ex-cleanfn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_clean_mask; check_clean_mask(clean_mask)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1656c0627f064a6b509113cd23e68d3c", "grade": false, "grade_id": "ex-clean-b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# (b) *Predict first:* look at `raw_mask_ref` in the figure above. Will the cleaning remove a few
# of its regions, about half, or most of them? Then count: store the number of 8-connected regions
# of `raw_mask_ref` in `n_regions_raw` (an integer; the background is not a region), and in
# `n_regions_clean` the number of 8-connected regions of `raw_mask_ref` once cleaned — by your
# `clean_mask`, or by the reference `roi_masks.clean_mask()` if your function does not pass its
# check yet.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "0506541d2b5e2dd04455303f7c5e95cc", "grade": false, "grade_id": "ex-clean", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "bce47abb06931d40db3c803d639d7e61", "grade": true, "grade_id": "ex-clean-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_region_counts; check_region_counts(n_regions_raw, n_regions_clean)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "706e66737ffffeb965084e21c7b34846", "grade": false, "grade_id": "s3b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the regions of the reference clean mask (`roi_masks.clean_mask()`), each with its
# own label. `measure.regionprops(labels)` measures each region: `.area` (pixels), `.centroid`
# (`(y, x)`: row first, as everything in NumPy), `.bbox` and more. Look at region 4: large and
# irregular, not a round cell body. Back in the std image of section 1, that area is a band of
# *active neuropil*, as variable as a cell. A threshold on brightness cannot tell the two apart,
# nor separate cells that touch; the shape of a region (its area, how round it is) and the
# activity of its pixels can — suite2p and CaImAn use both.

# %% mystnb={"image": {"alt": "Label image of the cleaned mask: ten numbered regions in shades from dark blue to yellow on a dark background; nine are round cell-sized blobs, region 4 is a large crescent-shaped band."}}
labels_ref = measure.label(roi_masks.clean_mask(), connectivity=2)
ax = plots.image(labels_ref, title=f"{labels_ref.max()} labelled regions", label="label (0 = background)")
for region in measure.regionprops(labels_ref):
    ax.annotate(str(region.label), (region.centroid[1], region.centroid[0]), color="white", ha="center", va="center")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "c404cec8bfdfdeab9f26269cce503eae", "grade": false, "grade_id": "ex-props-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — With `measure.regionprops(labels_ref)` (or `measure.regionprops_table`), store the area of every region, in
# pixels and in label order, in `roi_areas` (a NumPy array of shape (n_regions,); integers or
# floats), and their centroids in `roi_centroids`, a float array of shape (n_regions, 2) whose
# row i is `(y, x)` of region i + 1.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "0246f1c6ae75ddca83f8abda95f6b5c6", "grade": false, "grade_id": "ex-props", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "ecbafac84f8a8f760b7df02a67fae7b6", "grade": true, "grade_id": "ex-props-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_region_properties; check_region_properties(roi_areas, roi_centroids)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "dc53760d3b37c84dfdc9412ac0f5d4db", "grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Pixel coordinates and the pixels × time matrix
#
# From now on the **detected ROIs** are the regions of the clean mask as separate masks,
# `rois_ref = roi_masks.detected_rois()`, a boolean array of shape (n_rois, y, x): `rois_ref[i]`
# is region i + 1 of `labels_ref`.
#
# `ys, xs = np.nonzero(mask)` gives the row and column of every True pixel of a mask, in
# **raster order** (row by row from the top, left to right within a row). These are the indices
# of NumPy's *fancy indexing*: indexing the movie's y axis with `ys` and its x axis with `xs`
# (and its time axis with `:`) picks the trace of every pixel of the mask at once, an array of
# shape (n_frames, n_pixels) — time × pixels. In this course traces are stored one per row
# (neurons × time), so the pixel traces are arranged as **pixels × time**: row i is the trace of
# pixel `(ys[i], xs[i])`. Indexing with the boolean mask itself, `movie[:, mask]`, gives the
# same time × pixels array, in the same raster order. The cell's pixels need not form a rectangle: this is why we index with
# coordinates rather than with a crop.
#
# **Example** — the pixels of ROI 0 as a scatter plot over the std image (`plots.points` takes
# rows and columns; `plt.scatter` would take `xs` first):

# %% mystnb={"image": {"alt": "The normalised standard-deviation image with the pixels of the first detected ROI marked by small orange dots, filling a round cell in the top right corner."}}
rois_ref = roi_masks.detected_rois()
ys, xs = np.nonzero(rois_ref[0])
print(f"{len(rois_ref)} ROIs; ROI 0 has {len(ys)} pixels; its first pixel is at row {ys[0]}, column {xs[0]}")
ax = plots.image(std_norm_ref, title="pixels of ROI 0", label="normalised std (0-1)")
plots.points(ax, ys, xs, color="#E69F00", marker=".");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "e75f0d8341e1a75a839ecb36307ca0d3", "grade": false, "grade_id": "ex-coords-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — For the ROI `rois_ref[1]`, store the rows and columns of its pixels (raster
# order, as `np.nonzero` gives them) in `roi_ys` and `roi_xs`. Then store in
# `first_pixel_segment` the trace of its **first** pixel over the frames recorded from 10 s up
# to, but not including, 25 s (frame `i` starts at `i / fs` seconds; `fs` is 30 Hz here), and in
# `last_pixel_trace` the trace of its **last** pixel over all frames (each a 1-D array).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "801d1febbff2daab035009e3c7878588", "grade": false, "grade_id": "ex-coords", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "8cea3a6dbc31df6aede0e70817327abb", "grade": true, "grade_id": "ex-coords-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_coordinates; check_coordinates(roi_ys, roi_xs, first_pixel_segment, last_pixel_trace)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "1166858739eacdd41bd9d540e1a97bf5", "grade": false, "grade_id": "ex-pxt-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — Write a function `pixels_by_time(movie, mask)` that returns the traces of all
# the pixels of a boolean `mask` of shape (y, x) in a `(time, y, x)` movie, as a **float64**
# array of shape **(n_pixels, n_frames)**, one row per pixel in raster order (the order of
# `np.nonzero(mask)`).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "82771e712d86fc1f697caa673bb99525", "grade": false, "grade_id": "ex-pxt", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pixels_by_time(movie, mask):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "43b68866eb0a5d15bc5f1b7b072f652f", "grade": true, "grade_id": "ex-pxt-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_pixels_by_time; check_pixels_by_time(pixels_by_time)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5fd294800da6ce4ff2447787b9952c38", "grade": false, "grade_id": "s4b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — how many pixel traces does each threshold mask of section 2 give? As many as it
# has True pixels: the matrix has one row per pixel.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "13bb92ff39073475fe14cd4c67ca1bd5", "grade": false, "grade_id": "s4b", "locked": true, "schema_version": 3, "solution": false, "task": false}
for name, mask in reference_masks.items():
    print(f"{name:>16}: pixels x time matrix of shape {mk.pixels_by_time(movie, mask).shape}")

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "57ce2d07fff3198e5850572197dfd222", "grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. From many pixel traces to one trace per cell
#
# A ROI's trace summarises its pixels, frame by frame — a reduction over the **pixels** axis,
# which leaves one value per frame. Which axis number that is depends on how your array is laid
# out: axis 0 of the pixels × time matrix of section 4, but axis 1 of `movie[:, mask]`, which is
# time × pixels. Look at your array's shape before you choose the axis. Three common summaries:
#
# - the **mean**: every pixel counts the same; noise averages out best when all pixels are alike;
# - the **median**: robust to a few outlier pixels (a bright neighbour leaking in, a dead pixel),
#   but noisier than the mean when the pixels are alike;
# - a **weighted mean** $F(t) = \sum_p w_p F_p(t) / \sum_p w_p$ over the ROI's pixels $p$: pixels
#   with larger weights count more. Weighting by **brightness** (each pixel's mean over time, the
#   mean image) favours the cell's bright centre over its dim edge and over background pixels
#   the mask caught by mistake. suite2p also computes a weighted mean, but with other weights:
#   its `lam` is a footprint *fitted to the cell's activity* (how strongly each pixel follows the
#   cell's activity, not how bright it is), normalised to sum to 1, and by default it drops the
#   pixels that two ROIs share before it extracts the traces, so a neighbour cannot leak in there.
#
# **Example** — the mean trace of ROI 1 with `mk.roi_traces` (methods `"mean"`, `"median"`,
# `"weighted"`):

# %% mystnb={"image": {"alt": "The mean fluorescence trace of detected ROI 1 over the 67 seconds of the movie: a baseline near 170 a.u. with about ten sharp calcium transients rising to 190-200 a.u."}}
time_s = mv.time_axis(movie.shape[0], fs)
plots.traces(time_s, mk.roi_traces(movie, rois_ref[1], "mean"), title="ROI 1, mean of its pixels");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "4e0dff4723eccfa02b51daaa79af9412", "grade": false, "grade_id": "ex-mtrace-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Write a function `mask_trace(movie, mask, how)` that returns the trace of the
# ROI `mask` (boolean, shape (y, x)) in a `(time, y, x)` movie: for every frame, the mean of the
# mask's pixels if `how == "mean"`, their median if `how == "median"`. Return a **float64** array
# with one value per frame (convert the pixels to float64 before reducing).

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "f9a40958597b770087219d00d0e5879e", "grade": false, "grade_id": "ex-mtrace", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mask_trace(movie, mask, how):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "c447207149e4728f27259e4b35380b95", "grade": true, "grade_id": "ex-mtrace-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_mask_trace; check_mask_trace(mask_trace)


# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a2ed5abf8d28b531b7f54a825c3adb8a", "grade": false, "grade_id": "ex-wtrace-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — Write a function `weighted_trace(movie, mask, weights)` that returns the
# weighted mean trace of the ROI `mask`: at every frame $t$,
# $F(t) = \sum_p w_p F_p(t) / \sum_p w_p$, where both sums run over the pixels $p$ **of the mask**
# only and $w_p$ is `weights[y, x]` of pixel $p$. `weights` is an image of shape (y, x) with no
# negative value and some positive value inside the mask. Return a float64 array with one value
# per frame. (For brightness weights, pass the mean image as `weights`.)

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "1d367b7e3519bae8832b49e0476246ef", "grade": false, "grade_id": "ex-wtrace", "locked": false, "schema_version": 3, "solution": true, "task": false}
def weighted_trace(movie, mask, weights):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "ee225995535aa52e598769a2564aa834", "grade": true, "grade_id": "ex-wtrace-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_weighted_trace; check_weighted_trace(weighted_trace)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "5a999c813b42974159a6f0c35a75201d", "grade": false, "grade_id": "ex-corr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.3** — Which summary is closest to the truth? Masks are rarely perfect, so take a
# mask drawn too large: `loose = roi_masks.loose_mask()` is the true mask of cell
# `cell = roi_masks.trace_cell()` grown by 3 pixels, with a rim of neuropil around the cell.
# Compute the mean, the median and the brightness-weighted trace of `loose` (weights: the mean
# image of `movie`), and store in `trace_corrs` a float array of three values, in this order
# (mean, median, weighted): the Pearson correlation of each trace with the cell's true calcium
# signal `rec.truth.calcium[cell]` (`np.corrcoef(a, b)[0, 1]`). You may use `mk.roi_traces`.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "e9041036925666f61264598c614e3129", "grade": false, "grade_id": "corr-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
loose = roi_masks.loose_mask()
cell = roi_masks.trace_cell()
print(f"cell {cell}: true mask {true_masks[cell].sum()} pixels, loose mask {loose.sum()} pixels")

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "160f5ab3fee619947cdb30553553c140", "grade": false, "grade_id": "ex-corr", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "bc1a1d7d3651966cf3ae192c62196e2a", "grade": true, "grade_id": "ex-corr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_trace_corrs; check_trace_corrs(trace_corrs)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "6ee98128d48b402da59a93a49a93587c", "grade": false, "grade_id": "q-traces-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 5.4** (manually graded) — Plot the three traces of the loose mask against time in
# seconds on one figure (axes labelled with units; `plots.traces` stacks them with `offset=`).
# Then explain in three or four sentences the order of the three correlations: why is the median
# the worst here, and why does brightness weighting beat the plain mean on a mask that is too large?

# %% deletable=false mystnb={"image": {"alt": "Mean, median and brightness-weighted traces of the loose mask over time, stacked with an offset: the same transients in all three, smallest and noisiest in the median trace."}} nbgrader={"cell_type": "code", "checksum": "447defe7cdaed91cd907d1c17aed4338", "grade": true, "grade_id": "q-traces-plot", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()


# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "ce176bbaf3fd912a4c00ad88a08cf2c9", "grade": true, "grade_id": "q-traces", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# YOUR ANSWER HERE

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "96af66e2a87e4c6bbc6311783e4816ed", "grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. How good are the masks? Intersection over union
#
# On a simulated movie we know the true masks, so we can score the detected ones. The standard
# score of the overlap of two masks A and B is the **intersection over union**,
#
# $$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A \cup B|},$$
#
# the number of pixels in both over the number of pixels in either: 1 for identical masks, 0 for
# masks that do not touch. A true cell counts as found when some detected ROI overlaps it with
# IoU ≥ 0.5.

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "beb5e743805f3fa108cffbc76ec174d2", "grade": false, "grade_id": "ex-iou-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** — Write a function `iou(a, b)` that returns the intersection over union of two
# boolean masks of the same shape, as a float between 0 and 1. You may assume that at least one
# of them has a True pixel.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "77df0265f8861d76bbea4f5a85aa141f", "grade": false, "grade_id": "ex-iou", "locked": false, "schema_version": 3, "solution": true, "task": false}
def iou(a, b):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "031a8306a39bcbef049941655fa9cfe6", "grade": true, "grade_id": "ex-iou-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_iou; check_iou(iou)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "b9f1696ab77147eac50d75873f5f888d", "grade": false, "grade_id": "ex-best-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.2** — Score the detected ROIs `rois_ref` against the true masks `true_masks`. For
# every **true** cell, store in `best_iou` the largest IoU it has with any detected ROI (a float
# array with one value per true cell, in the order of `true_masks`; a detected ROI may serve
# several true cells here). Store in `fraction_found` the fraction (0 to 1, not percent) of true
# cells with a best IoU of at least 0.5. You may use `mk.iou`.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "9aa8be571dfa6ec63a75ae30073f75f0", "grade": false, "grade_id": "ex-best", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "36b73013a1871fd3ab03cab4c31727e5", "grade": true, "grade_id": "ex-best-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_best_iou; check_best_iou(best_iou, fraction_found)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a86adf2430e13b29c93dae46839c95d4", "grade": false, "grade_id": "s6b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the detected ROIs and the true cells, each true cell numbered, on the mean image,
# and how many spikes each true cell fired during the recording:

# %% mystnb={"image": {"alt": "The mean image with the outlines of the twelve true cells in blue, numbered, and of the ten detected ROIs in orange: most true cells have a matching orange outline; a few, among them some that never fired, have none."}}
fig, ax = plt.subplots(figsize=(8, 5.5), layout="constrained")
plots.image(mean_image, ax=ax, title="true cells (numbered) and detected ROIs")
roi_masks.outline(ax, true_masks, color="#56B4E9", label="true cells")
roi_masks.outline(ax, rois_ref, color="#E69F00", label="detected ROIs")
for i, c in enumerate(mk.roi_properties(true_masks)["centroid"]):
    ax.annotate(str(i), (c[1], c[0]), color="white", ha="center", va="center", fontsize=8)
print("spikes fired by each true cell:", {i: len(spikes) for i, spikes in enumerate(rec.truth.spike_frames)})

# %% [markdown] deletable=false nbgrader={"cell_type": "markdown", "checksum": "43a0972423b4f1fdd4d3da5903b139b9", "grade": true, "grade_id": "q-missed", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Question 6.3** (manually graded) — Which true cells were not found (your `best_iou` below 0.5)?
# Give two different reasons a true cell was missed or scored low here, pointing to the figure and to
# the spike counts printed above it, and for each one a change to the method that would help.
#
# YOUR ANSWER HERE

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "e67a6748cf090baeaa4d0f69cb634ac4", "grade": false, "grade_id": "ex-segment-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.4** — Now do better than `rois_ref`. Write a function `segment_cells(movie)` that
# returns one boolean mask per cell it finds in a `(time, y, x)` movie: an array of shape
# `(n_cells, y, x)`. Everything in this lesson is yours to combine — the summary image, smoothing,
# background removal, the threshold rule (your `cell_pixels` of Exercise 2.4, if it passes),
# opening, a minimum size, labelling — or anything else from NumPy, SciPy, scikit-image and
# `helpers`. The check pairs each true cell with at most one of your ROIs (the pairing of largest
# total IoU, as `mk.match_masks` finds it) and averages the IoU of the pairs, counting a true cell
# without an ROI, and an ROI without a cell, as 0. `rois_ref` scores 0.3-0.6 on the lesson's movies
# (each student's has its own seed); aim for at least **0.6** on this movie and, when graded, on
# movies you have not seen (another seed, more cells, more noise, another frame rate) — or, on a
# movie where a good method (background removal, a robust threshold, an opening) scores below about
# 0.7, at least 85 % of what it scores (the check's message gives the bound). The message also
# says what held your score back.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "f362ddad1b474cb96e98c478789896a5", "grade": false, "grade_id": "ex-segment", "locked": false, "schema_version": 3, "solution": true, "task": false}
def segment_cells(movie):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "776cbddc528b9b5e87e3d78010ee1ebd", "grade": true, "grade_id": "ex-segment-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_segment_cells; check_segment_cells(segment_cells)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "ab3954314dc98c88e44903c4eff1b221", "grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Real recordings: ImageJ ROIs and suite2p masks
#
# **SIMA.** The short two-photon movie of lesson 01 (20 frames, frame rate unknown) comes with
# two ROIs drawn by hand in ImageJ. `data.load_sima_rois()` reads the ImageJ file (with the
# `roifile` package) and turns each outline into a boolean mask of the movie's frame size.

# %% mystnb={"image": {"alt": "Mean image of the real SIMA movie, 128 by 256 pixels, with the outlines of its two hand-drawn ImageJ ROIs in orange and blue."}}
sima = data.load_sima_movie()
sima_rois = data.load_sima_rois()
print(f"SIMA movie {sima.movie.shape}, frame rate {sima.fs or 'unknown'}; ROIs {sima_rois.shape}")
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
plots.image(mv.projection(sima.movie, "mean"), ax=ax, title="SIMA movie, mean image, ImageJ ROIs")
roi_masks.outline(ax, sima_rois[0], color="#E69F00", label="ROI 0")
roi_masks.outline(ax, sima_rois[1], color="#56B4E9", label="ROI 1");

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "6a58664efac4789281cd21a6049ea55f", "grade": false, "grade_id": "ex-sima-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — Store in `sima_n_pixels` the number of pixels of each SIMA ROI (an integer
# array of shape (2,)), and in `sima_traces` the **mean** trace of each ROI in `sima.movie`, a
# float array of shape (2, n_frames): one row per ROI, as traces are stored in this course.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "5d7f076c31a8fe6bf5cb28a319d6bf66", "grade": false, "grade_id": "ex-sima", "locked": false, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "9ff3f6bec7220f7213543132d989418f", "grade": true, "grade_id": "ex-sima-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_sima; check_sima(sima_n_pixels, sima_traces)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "fa846dfdc1f4415d0aae3eebe1eb8b9c", "grade": false, "grade_id": "s7b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **suite2p.** suite2p detects ROIs from the pixels' correlated activity and saves them in
# `stat.npy`, a list with one dict per ROI: `stat[i]["ypix"]` and `stat[i]["xpix"]` are the rows
# and columns of its pixels, `stat[i]["lam"]` their weights (the footprint fitted to the cell's
# activity; pixels shared with another ROI are left out of the traces). Its classifier's
# decision, cell or not, is in `iscell.npy`. (`stat.npy` is a *pickle*: loading it can run code,
# so load only files you trust — `helpers.data` checks the file's hash first.) The field of view
# is `ops["Ly"]` rows by `ops["Lx"]` columns, and `ops["meanImg"]` is the mean image.

# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "c3abbd9b30b178fa0cd646c9b084d5ae", "grade": false, "grade_id": "s2p-load", "locked": true, "schema_version": 3, "solution": false, "task": false}
s2p = data.load_suite2p()
shape_s2p = (s2p.ops["Ly"], s2p.ops["Lx"])
print(f"{len(s2p.stat)} ROIs in a {shape_s2p} field of view; {s2p.iscell.sum()} classified as cells")
print("ROI 0: first rows", s2p.stat[0]["ypix"][:5], "first columns", s2p.stat[0]["xpix"][:5])

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a1e27734a7e10c1d3ebcc6c5a6abbf73", "grade": false, "grade_id": "ex-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.2** — Write a function `cell_masks(stat, iscell, shape)` that builds, from a
# suite2p `stat` list, the masks of the ROIs classified as cells (`iscell` True), in the order of
# `stat`: a boolean array of shape (n_cells, Ly, Lx), where `shape` is `(Ly, Lx)`, in which mask
# i is True exactly on the pixels `(ypix, xpix)` of the i-th cell. Hint: fancy indexing works for
# assignment too — it can set many pixels of an array at once. The check calls it on suite2p's
# ROIs (`s2p.stat, s2p.iscell, shape_s2p`) and on a few small ROIs of its own.

# %% deletable=false nbgrader={"cell_type": "code", "checksum": "ce47abf5afe46f7bd5ae1d2a953a8a05", "grade": false, "grade_id": "ex-s2p", "locked": false, "schema_version": 3, "solution": true, "task": false}
def cell_masks(stat, iscell, shape):
    # YOUR CODE HERE
    raise NotImplementedError()


# %% deletable=false editable=false nbgrader={"cell_type": "code", "checksum": "bd76a51af20ac3ecc5a935c28733969b", "grade": true, "grade_id": "ex-s2p-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.roi_masks import check_cell_masks; check_cell_masks(cell_masks)

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "a7d76a43cf122bcd872bdbd4995df196", "grade": false, "grade_id": "fig-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.3** (manually graded figure) — Show suite2p's mean image `s2p.mean_image` with the
# outlines of the ROIs classified as cells in one colour and of the rejected ROIs in another,
# with a legend, a title and labelled axes (`roi_masks.outline(ax, masks, color=..., label=...)`
# draws outlines; `s2p.masks` holds every ROI's mask).

# %% deletable=false mystnb={"image": {"alt": "suite2p's mean image, 176 by 156 pixels, with the outlines of the 21 ROIs classified as cells in orange and of the 2 rejected ROIs in blue; the rejected ones are large, irregular regions rather than round cell bodies."}} nbgrader={"cell_type": "code", "checksum": "3e1d1d6101d8258b6d30d41643bd353f", "grade": true, "grade_id": "fig-s2p", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# YOUR CODE HERE
raise NotImplementedError()

# %% [markdown] deletable=false editable=false nbgrader={"cell_type": "markdown", "checksum": "0ea9870b6423ce9e28301f4fb3547486", "grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - The mean image shows where the indicator is; the standard-deviation image shows what changes,
#   i.e. the *active* cells. Silent cells are faint in it: only their shot noise shows them.
# - Gaussian smoothing averages out pixel noise; min–max normalisation makes an absolute threshold
#   portable. Mean + kσ, percentile and Otsu thresholds adapt to the image and ignore
#   normalisation; mean + 3σ is too strict when cells cover much of the field.
# - An opening removes specks and smooths outlines; small-object removal drops tiny regions;
#   labelling (8-connectivity here) splits a mask into ROIs, and `regionprops` measures them.
#   Touching cells merge: thresholds cannot split them.
# - `ys, xs = np.nonzero(mask)` (rows first) and `movie[:, ys, xs].T` give the pixels × time
#   matrix, one row per pixel in raster order.
# - A ROI trace reduces over the pixels: the mean is the least noisy when pixels are alike, the
#   median resists outliers, brightness weighting forgives a mask drawn too large.
# - IoU = |A∩B| / |A∪B| scores a mask against the truth; a cell is usually "found" at IoU ≥ 0.5.
# - A global threshold fights the smooth neuropil background; removing that background first (the
#   image minus a strongly smoothed copy) and a threshold that adapts to the image's own spread
#   find more cells, and better outlined — on movies the method was not tuned to.
# - Real ROIs come as ImageJ outlines (rasterised to masks) or as suite2p's `ypix`/`xpix` lists.
#   Next (lesson 03): the neuropil that every ROI trace still contains.
#
# ## References
#
# - Otsu, N. (1979). A threshold selection method from gray-level histograms. *IEEE Transactions
#   on Systems, Man, and Cybernetics*, 9(1), 62–66.
# - van der Walt, S., et al. (2014). scikit-image: image processing in Python. *PeerJ*, 2, e453.
# - Pachitariu, M., et al. (2017). Suite2p: beyond 10,000 neurons with standard two-photon
#   microscopy. *bioRxiv* 061507.
# - Giovannucci, A., et al. (2019). CaImAn, an open-source tool for scalable calcium imaging data
#   analysis. *eLife*, 8, e38173.
# - Kaifosh, P., Zaremba, J. D., Danielson, N. B., & Losonczy, A. (2014). SIMA: Python software for
#   analysis of dynamic fluorescence imaging data. *Frontiers in Neuroinformatics*, 8, 80.
# - Schneider, C. A., Rasband, W. S., & Eliceiri, K. W. (2012). NIH Image to ImageJ: 25 years of
#   image analysis. *Nature Methods*, 9, 671–675.
