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
# 7. read ROIs drawn in ImageJ and ROIs found by suite2p, on real recordings.
#
# **Time:** about 90 minutes. **Prerequisites:** lesson 01 (movies as `(time, y, x)` arrays,
# projections, pixel traces, rows are y and columns are x); NumPy boolean arrays and `np.nonzero`.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook. Every section
# starts again from reference values computed with `helpers`, so a mistake in one exercise does
# not carry over to the next.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Preprocessing.** Two steps make an image easier to threshold:
#
# - **Smoothing** with a Gaussian of standard deviation σ (in pixels) replaces each pixel by a
#   weighted average of its neighbourhood. Noise, independent from pixel to pixel, averages out;
#   a cell body several pixels wide survives. `scipy.ndimage.gaussian_filter(image, sigma=1)`
#   does it (at the border it reflects the image, its default `mode="reflect"`).
# - **Normalisation** rescales an image to a fixed range. With min–max normalisation,
#   $(I - \min I) / (\max I - \min I)$, the darkest pixel becomes 0 and the brightest 1, so a
#   threshold such as 0.4 means the same thing in every recording, whatever its brightness units.
#
# **Exercise 1.1** — Smooth `std_image` with a Gaussian of σ = 1 pixel (default border mode) and
# store the result in `std_smooth`. Then min–max normalise `std_smooth` to the range 0 to 1 and
# store it in `std_norm`. Both are float arrays of shape (y, x).

# %% nbgrader={"grade": false, "grade_id": "ex-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
std_smooth = ndimage.gaussian_filter(std_image, sigma=1)
std_norm = (std_smooth - std_smooth.min()) / (std_smooth.max() - std_smooth.min())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-norm-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from scipy import ndimage
from helpers import checks, movie as mv, simulate
from helpers.lessons import roi_masks
std = roi_masks.std_image()
mean = mv.projection(simulate.demo_movie(seed=0).movie, "mean")
smooth = ndimage.gaussian_filter(std, sigma=1)
checks.is_array("std_smooth", std_smooth, shape=std.shape, hint="smoothing keeps the image's shape (y, x)")
checks.close("std_smooth", std_smooth, smooth, mistakes={
    "that is the std image itself: smooth it with ndimage.gaussian_filter(std_image, sigma=1)": std,
    "sigma is the Gaussian's standard deviation in pixels: use sigma=1": ndimage.gaussian_filter(std, sigma=2),
    "that is the smoothed mean image; smooth the standard-deviation image": ndimage.gaussian_filter(mean, sigma=1),
    "keep the default border mode (reflect): mode='constant' pads the border with zeros": ndimage.gaussian_filter(std, sigma=1, mode="constant"),
}, hint="ndimage.gaussian_filter(std_image, sigma=1)")
checks.is_array("std_norm", std_norm, shape=std.shape, hint="normalising keeps the image's shape (y, x)")
checks.close("std_norm", std_norm, roi_masks.normalised_std(), atol=1e-4, mistakes={
    "dividing by the maximum alone does not bring the darkest pixel to 0: use (x - min) / (max - min)": smooth / smooth.max(),
    "that is a z-score (mean 0, standard deviation 1); rescale to 0..1 with (x - min) / (max - min)": (smooth - smooth.mean()) / smooth.std(),
    "that normalises the unsmoothed std image; normalise std_smooth": (std - std.min()) / (std.max() - std.min()),
    "subtract the minimum before dividing by the range: (x - min) / (max - min)": smooth / (smooth.max() - smooth.min()),
}, hint="min-max normalisation: (std_smooth - std_smooth.min()) / (std_smooth.max() - std_smooth.min())")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Thresholds: from an image to a mask
#
# A **mask** is a boolean image, True on the pixels we keep. The simplest way to make one is a
# threshold: `mask = image > threshold` keeps the pixels *strictly above* it. How to choose the
# threshold?
#
# | threshold | the value | keeps |
# |---|---|---|
# | absolute | a number you choose, in the image's units | pixels brighter than it |
# | mean + kσ | `image.mean() + k * image.std()` over all pixels | pixels unusually bright for this image |
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-abs-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.1** — The threshold 0.6 misses several cells. Store in `mask_abs` the mask of the
# pixels of `std_norm_ref` strictly above **0.4** (a boolean array of shape (y, x)).

# %% nbgrader={"grade": false, "grade_id": "ex-abs", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
mask_abs = std_norm_ref > 0.4
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-abs-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers import checks
from helpers.lessons import roi_masks
img = roi_masks.normalised_std()
checks.is_array("mask_abs", mask_abs, shape=img.shape, dtype="bool", hint="one True/False value per pixel of std_norm_ref")
checks.equal("mask_abs", mask_abs, img > 0.4, mistakes={
    "that mask holds the pixels below the threshold; keep those above it (>)": img < 0.4,
    "0.4 is in normalised units: threshold std_norm_ref, not the raw std image": roi_masks.std_image() > 0.4,
    "that is the threshold of the example, 0.6; the exercise asks for 0.4": img > 0.6,
}, hint="std_norm_ref > 0.4")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-kstd-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — Write a function `threshold_mean_std(image, k)` that returns the boolean mask
# of the pixels of a 2-D `image` strictly above `mean + k * std`, where the mean and the standard
# deviation are taken over **all** pixels of the image (one number each; population standard
# deviation, NumPy's default `ddof=0`). `k` may be any real number, negative or zero included.

# %% nbgrader={"grade": false, "grade_id": "ex-kstd", "locked": false, "schema_version": 3, "solution": true, "task": false}
def threshold_mean_std(image, k):
    ### BEGIN SOLUTION
    return image > image.mean() + k * image.std()
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-kstd-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, data, masks as mk
from helpers.lessons import roi_masks
img = roi_masks.normalised_std()
checks.is_function("threshold_mean_std", threshold_mean_std, n_params=2)
for k in (3.0, 1.0):
    got = checks.call("threshold_mean_std", threshold_mean_std, img, k)
    checks.is_array(f"threshold_mean_std(std_norm_ref, {k})", got, shape=img.shape, dtype="bool",
                    hint="return the mask (image > threshold), one True/False per pixel, not the threshold")
    checks.equal(f"threshold_mean_std(std_norm_ref, {k})", got, mk.threshold_mask(img, "mean_std", k=k), mistakes={
        "take the mean and std over all pixels (no axis): with axis=0 you get one threshold per column":
            img > img.mean(axis=0) + k * img.std(axis=0),
        "use the k passed as an argument, not a fixed 3": img > img.mean() + 3 * img.std(),
        "the threshold is mean + k * std, above the mean, not below it": img > img.mean() - k * img.std(),
        "use the population standard deviation (ddof=0, NumPy's default)": img > img.mean() + k * img.std(ddof=1),
    }, hint="image > image.mean() + k * image.std()")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(7)
others = [(data.load_sima_movie().movie.mean(axis=0, dtype=np.float64), 2.0),
          (data.load_suite2p().mean_image, 0.5),
          (rng.normal(size=(31, 47)), -1.0),
          (rng.gamma(2.0, size=(50, 20)), 0.0)]
for image, k in others:
    got = checks.call("threshold_mean_std", threshold_mean_std, image, k)
    checks.is_array(f"threshold_mean_std(image of shape {image.shape}, {k})", got, shape=image.shape, dtype="bool",
                    hint="use the image and k passed as arguments; return one True/False value per pixel")
    checks.equal(f"threshold_mean_std(image of shape {image.shape}, {k})", got,
                 mk.threshold_mask(image, "mean_std", k=k),
                 hint="use the image and k passed as arguments: image > image.mean() + k * image.std()")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-pct-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.3** — Percentile and Otsu thresholds of `std_norm_ref`. Store in `mask_p10` and
# `mask_p80` the pixels strictly above its 10th and its 80th percentile (`np.percentile`, with
# percentiles from 0 to 100 and its default linear interpolation), and in `mask_otsu` the pixels
# strictly above Otsu's threshold (`filters.threshold_otsu(std_norm_ref)`). All three are boolean
# arrays of shape (y, x).

# %% nbgrader={"grade": false, "grade_id": "ex-pct", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
mask_p10 = std_norm_ref > np.percentile(std_norm_ref, 10)
mask_p80 = std_norm_ref > np.percentile(std_norm_ref, 80)
mask_otsu = std_norm_ref > filters.threshold_otsu(std_norm_ref)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-pct-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from skimage import filters
from helpers import checks, masks as mk
from helpers.lessons import roi_masks
img = roi_masks.normalised_std()
for answer_name, answer, p in [("mask_p10", mask_p10, 10), ("mask_p80", mask_p80, 80)]:
    checks.is_array(answer_name, answer, shape=img.shape, dtype="bool", hint="one True/False value per pixel of std_norm_ref")
    checks.equal(answer_name, answer, mk.threshold_mask(img, "percentile", value=p), mistakes={
        "np.percentile takes percentiles from 0 to 100 (np.quantile takes fractions)": img > np.percentile(img, p / 100),
        "that mask holds the pixels below the percentile; keep those above it (>)": img < np.percentile(img, p),
        f"keep the pixels above the {p}th percentile, not above the {100 - p}th": img > np.percentile(img, 100 - p),
    }, hint=f"std_norm_ref > np.percentile(std_norm_ref, {p})")
checks.is_array("mask_otsu", mask_otsu, shape=img.shape, dtype="bool", hint="one True/False value per pixel of std_norm_ref")
checks.equal("mask_otsu", mask_otsu, mk.threshold_mask(img, "otsu"), mistakes={
    "that mask holds the pixels below Otsu's threshold; keep those above it (>)": img < filters.threshold_otsu(img),
    "apply Otsu's threshold to std_norm_ref, not to the unsmoothed std image":
        roi_masks.std_image() > filters.threshold_otsu(roi_masks.std_image()),
}, hint="std_norm_ref > filters.threshold_otsu(std_norm_ref)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — four thresholds side by side, with the mean + 3σ mask from `helpers.masks`
# (`mk.threshold_mask(image, method, ...)` implements all four). The mean + 3σ rule assumes that
# cells are rare outliers in a background of noise; here cells cover a good part of the field,
# so they inflate σ and the rule keeps only the three brightest cells. The 10th percentile keeps 90 %
# of the image: useless as a cell mask (it is how a *baseline* is estimated, in lesson 04).

# %% mystnb={"image": {"alt": "Four panels of the normalised standard-deviation image with mask outlines: the absolute threshold 0.4, mean plus three standard deviations (only three small blobs), the 80th percentile and Otsu's threshold (similar masks around most cells)."}}
reference_masks = {"absolute, > 0.4": std_norm_ref > 0.4,
                   "mean + 3σ": mk.threshold_mask(std_norm_ref, "mean_std", k=3),
                   "80th percentile": mk.threshold_mask(std_norm_ref, "percentile", value=80),
                   "Otsu": mk.threshold_mask(std_norm_ref, "otsu")}
fig, axes = plt.subplots(2, 2, figsize=(10, 6.5), layout="constrained")
for ax, (name, mask) in zip(axes.flat, reference_masks.items()):
    plots.image(std_norm_ref, ax=ax, title=f"{name}: {mask.sum()} pixels", label="normalised std (0-1)")
    roi_masks.outline(ax, mask)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-clean-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Count the 8-connected regions of `raw_mask_ref` and store the number in
# `n_regions_raw` (an integer; the background is not a region). Then clean `raw_mask_ref`: open it
# with a disk of radius 1, then remove every 8-connected region with **fewer than 20 pixels**.
# In scikit-image 0.26 that is `morphology.remove_small_objects(opened, max_size=19,
# connectivity=2)`: it removes regions of at most `max_size` pixels, and by default it would use
# 4-connectivity and `max_size=64`. Store the cleaned mask (boolean, shape (y, x)) in
# `mask_clean` and the number of its 8-connected regions in `n_regions_clean`.

# %% nbgrader={"grade": false, "grade_id": "ex-clean", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_regions_raw = int(measure.label(raw_mask_ref, connectivity=2).max())
opened = morphology.opening(raw_mask_ref, morphology.disk(1))
mask_clean = morphology.remove_small_objects(opened, max_size=19, connectivity=2)
n_regions_clean = int(measure.label(mask_clean, connectivity=2).max())
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-clean-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from skimage import measure, morphology
from helpers import checks, masks as mk
from helpers.lessons import roi_masks
raw = roi_masks.raw_threshold_mask()
clean = roi_masks.clean_mask()
checks.is_number("n_regions_raw", n_regions_raw, integer=True, hint="a number of regions is a whole number")
checks.equal("n_regions_raw", n_regions_raw, int(measure.label(raw, connectivity=2).max()), mistakes={
    "you counted 4-connected regions: pass connectivity=2 so that pixels touching by a corner connect": int(measure.label(raw, connectivity=1).max()),
    "the background (label 0) is not a region: the number of regions is the largest label": int(measure.label(raw, connectivity=2).max()) + 1,
    "that is a number of pixels, not of regions": int(raw.sum()),
}, hint="label raw_mask_ref with measure.label(..., connectivity=2); the largest label is the number of regions")
checks.is_array("mask_clean", mask_clean, shape=raw.shape, dtype="bool", hint="one True/False value per pixel")
opened = morphology.opening(raw, morphology.disk(1))
checks.equal("mask_clean", mask_clean, clean, mistakes={
    "remove_small_objects' default max_size is 64, which deletes real cells: pass max_size=19":
        morphology.remove_small_objects(opened, max_size=64, connectivity=2),
    "that is the raw mask with small regions removed, but not opened: open it first with disk(1)":
        morphology.remove_small_objects(raw, max_size=19, connectivity=2),
    "the opening uses a disk of radius 1, not 2": mk.clean_mask(raw, opening_radius=2, min_size=20),
}, hint="open with morphology.disk(1), then remove_small_objects(..., max_size=19, connectivity=2)")
checks.is_number("n_regions_clean", n_regions_clean, integer=True, hint="a number of regions is a whole number")
checks.equal("n_regions_clean", n_regions_clean, int(measure.label(clean, connectivity=2).max()), mistakes={
    "you counted 4-connected regions: pass connectivity=2": int(measure.label(clean, connectivity=1).max()),
    "the background (label 0) is not a region": int(measure.label(clean, connectivity=2).max()) + 1,
}, hint="count the 8-connected regions of the cleaned mask")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-props-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — With `measure.regionprops(labels_ref)` (or `measure.regionprops_table`), store the area of every region, in
# pixels and in label order, in `roi_areas` (a NumPy array of shape (n_regions,); integers or
# floats), and their centroids in `roi_centroids`, a float array of shape (n_regions, 2) whose
# row i is `(y, x)` of region i + 1.

# %% nbgrader={"grade": false, "grade_id": "ex-props", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
table = measure.regionprops_table(labels_ref, properties=("area", "centroid"))  # a dict of columns
roi_areas = table["area"]
roi_centroids = np.column_stack([table["centroid-0"], table["centroid-1"]])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-props-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers import checks, masks as mk
from helpers.lessons import roi_masks
props = mk.roi_properties(roi_masks.detected_rois())
n = len(props["area"])
checks.is_array("roi_areas", roi_areas, shape=(n,), hint="one area per labelled region of labels_ref (the background is not a region)",
                wrong_shapes={(n + 1,): "you included the background (label 0): regionprops lists the regions 1, 2, ... only"})
checks.close("roi_areas", roi_areas, props["area"], rtol=0, atol=0.5, mistakes={
    "those are the areas sorted by size; keep the label order of regionprops": sorted(props["area"]),
}, hint="the area of a region is its number of pixels, region.area")
checks.is_array("roi_centroids", roi_centroids, shape=(n, 2), hint="one (y, x) pair per region",
                wrong_shapes={(2, n): "transpose: one row per region, holding (y, x)"})
checks.close("roi_centroids", roi_centroids, props["centroid"], mistakes={
    "the columns are swapped: region.centroid is (y, x) (row, column); keep that order": props["centroid"][:, ::-1],
}, hint="stack region.centroid of each region, in label order")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. Pixel coordinates and the pixels × time matrix
#
# From now on the **detected ROIs** are the regions of the clean mask as separate masks,
# `rois_ref = roi_masks.detected_rois()`, a boolean array of shape (n_rois, y, x): `rois_ref[i]`
# is region i + 1 of `labels_ref`.
#
# `ys, xs = np.nonzero(mask)` gives the row and column of every True pixel of a mask, in
# **raster order** (row by row from the top, left to right within a row). These are the indices
# of NumPy's *fancy indexing*: `movie[:, ys, xs]` picks the trace of every pixel of the mask at
# once, an array of shape (n_frames, n_pixels). In this course traces are stored one per row
# (neurons × time), so we transpose it to **pixels × time**: row i is the trace of pixel
# `(ys[i], xs[i])`. The cell's pixels need not form a rectangle: this is why we index with
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-coords-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — For the ROI `rois_ref[1]`, store the rows and columns of its pixels (raster
# order, as `np.nonzero` gives them) in `roi_ys` and `roi_xs`. Then store in
# `first_pixel_segment` the trace of its **first** pixel over the frames 300 up to, but not
# including, 750 (`movie[300:750, ...]`), and in `last_pixel_trace` the trace of its **last**
# pixel over all frames (each a 1-D array).

# %% nbgrader={"grade": false, "grade_id": "ex-coords", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
roi_ys, roi_xs = np.nonzero(rois_ref[1])
first_pixel_segment = movie[300:750, roi_ys[0], roi_xs[0]]
last_pixel_trace = movie[:, roi_ys[-1], roi_xs[-1]]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-coords-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, masks as mk, simulate
from helpers.lessons import roi_masks
m = simulate.demo_movie(seed=0).movie
roi = roi_masks.detected_rois()[1]
ys, xs = mk.pixel_coordinates(roi)
for answer_name, answer, ref in [("roi_ys", roi_ys, ys), ("roi_xs", roi_xs, xs)]:
    checks.is_array(answer_name, answer, shape=ref.shape, dtype="int", hint="one index per pixel of the ROI: ys, xs = np.nonzero(rois_ref[1])")
if np.array_equal(roi_ys, xs) and np.array_equal(roi_xs, ys):
    checks.fail("roi_ys, roi_xs", "rows and columns are swapped.", hint="np.nonzero returns rows (y) first, then columns (x)")
checks.equal("roi_ys", roi_ys, ys, hint="np.nonzero(mask) returns (rows, columns) in raster order")
checks.equal("roi_xs", roi_xs, xs, hint="np.nonzero(mask) returns (rows, columns) in raster order")
checks.is_array("first_pixel_segment", first_pixel_segment, shape=(450,),
                hint="frames 300 up to but not including 750: movie[300:750, y, x]",
                wrong_shapes={(451,): "the stop of a slice is excluded: movie[300:750] has 750 - 300 frames"})
checks.close("first_pixel_segment", first_pixel_segment, m[300:750, ys[0], xs[0]], mistakes={
    "rows and columns are swapped: index movie[frames, y, x]": m[300:750, xs[0], ys[0]] if xs[0] < m.shape[1] and ys[0] < m.shape[2] else None,
    "that is the last pixel; the exercise asks for the first one here": m[300:750, ys[-1], xs[-1]],
}, hint="the first pixel is (roi_ys[0], roi_xs[0])")
checks.is_array("last_pixel_trace", last_pixel_trace, shape=(m.shape[0],), hint="one value per frame: movie[:, y, x]")
checks.close("last_pixel_trace", last_pixel_trace, m[:, ys[-1], xs[-1]], mistakes={
    "that is the first pixel; the last one is (roi_ys[-1], roi_xs[-1])": m[:, ys[0], xs[0]],
    "rows and columns are swapped: index movie[:, y, x]": m[:, xs[-1], ys[-1]] if xs[-1] < m.shape[1] and ys[-1] < m.shape[2] else None,
}, hint="the last pixel is (roi_ys[-1], roi_xs[-1])")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-pxt-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — Write a function `pixels_by_time(movie, mask)` that returns the traces of all
# the pixels of a boolean `mask` of shape (y, x) in a `(time, y, x)` movie, as a **float64**
# array of shape **(n_pixels, n_frames)**, one row per pixel in raster order (the order of
# `np.nonzero(mask)`).

# %% nbgrader={"grade": false, "grade_id": "ex-pxt", "locked": false, "schema_version": 3, "solution": true, "task": false}
def pixels_by_time(movie, mask):
    ### BEGIN SOLUTION
    ys, xs = np.nonzero(mask)
    return movie[:, ys, xs].T.astype(np.float64)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-pxt-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, data, masks as mk, simulate
from helpers.lessons import roi_masks
m = np.asarray(simulate.demo_movie(seed=0).movie)
roi = roi_masks.detected_rois()[1]
n_px, n_t = int(roi.sum()), m.shape[0]
checks.is_function("pixels_by_time", pixels_by_time, n_params=2)
got = checks.call("pixels_by_time", pixels_by_time, m, roi)
checks.is_array("pixels_by_time(movie, rois_ref[1])", got, ndim=2, hint="return a 2-D array: one row per pixel, one column per frame")
checks.is_array("pixels_by_time(movie, rois_ref[1])", got, shape=(n_px, n_t), hint="one row per pixel of the mask, one column per frame",
                wrong_shapes={(n_t, n_px): "movie[:, ys, xs] is (frames, pixels): transpose it to (pixels, frames) with .T"})
checks.is_array("pixels_by_time(movie, rois_ref[1])", got, dtype="float64")
ys, xs = np.nonzero(roi)
checks.close("pixels_by_time(movie, rois_ref[1])", got, mk.pixels_by_time(m, roi), mistakes={
    "the rows are not in raster order: use the order of np.nonzero(mask) (row by row)": m[:, ys, xs].T[np.lexsort((ys, xs))],
}, hint="row i is the trace of pixel (ys[i], xs[i]) with ys, xs = np.nonzero(mask)")
### BEGIN HIDDEN TESTS
other = simulate.simulate_movie(n_cells=4, shape=(300, 40, 50), seed=5)  # a movie of another shape
om = np.asarray(other.movie)
single = np.zeros(om.shape[1:], dtype=bool)
single[7, 31] = True
box = np.zeros(om.shape[1:], dtype=bool)
box[10:14, 3:20] = True
sima = data.load_sima_movie().movie
cases = [(om, other.truth.masks[1], "a true cell of another movie"), (om, single, "a one-pixel mask"),
         (om, box, "a 4 x 17 box"), (np.asarray(sima), data.load_sima_rois()[1], "the second SIMA ROI")]
for mov, mask, what in cases:
    got = checks.call("pixels_by_time", pixels_by_time, mov, mask)
    checks.is_array(f"pixels_by_time on {what}", got, shape=(int(mask.sum()), mov.shape[0]), dtype="float64",
                    hint="use the movie and the mask passed as arguments; one row per pixel, one column per frame")
    checks.close(f"pixels_by_time on {what}", got, mk.pixels_by_time(mov, mask),
                 hint="one row per pixel of the given mask, in the order of np.nonzero(mask), from the given movie")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — how many pixel traces does each threshold mask of section 2 give? As many as it
# has True pixels: the matrix has one row per pixel.

# %% nbgrader={"grade": false, "grade_id": "s4b", "locked": true, "schema_version": 3, "solution": false, "task": false}
for name, mask in reference_masks.items():
    print(f"{name:>16}: pixels x time matrix of shape {mk.pixels_by_time(movie, mask).shape}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. From many pixel traces to one trace per cell
#
# A ROI's trace summarises its pixels, frame by frame — a reduction over the **pixels** axis of
# the pixels × time matrix (axis 0), which leaves one value per frame:
#
# - the **mean**: every pixel counts the same; noise averages out best when all pixels are alike;
# - the **median**: robust to a few outlier pixels (a bright neighbour leaking in, a dead pixel),
#   but noisier than the mean when the pixels are alike;
# - a **weighted mean** $F(t) = \sum_p w_p F_p(t) / \sum_p w_p$ over the ROI's pixels $p$: pixels
#   with larger weights count more. Weighting by **brightness** (each pixel's mean over time, the
#   mean image) favours the cell's bright centre over its dim edge and over background pixels
#   the mask caught by mistake. suite2p weights pixels by its footprint `lam` in the same way.
#
# **Example** — the mean trace of ROI 1 with `mk.roi_traces` (methods `"mean"`, `"median"`,
# `"weighted"`):

# %% mystnb={"image": {"alt": "The mean fluorescence trace of detected ROI 1 over the 67 seconds of the movie: a baseline near 170 a.u. with about ten sharp calcium transients rising to 190-200 a.u."}}
time_s = mv.time_axis(movie.shape[0], fs)
plots.traces(time_s, mk.roi_traces(movie, rois_ref[1], "mean"), title="ROI 1, mean of its pixels");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mtrace-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Write a function `mask_trace(movie, mask, how)` that returns the trace of the
# ROI `mask` (boolean, shape (y, x)) in a `(time, y, x)` movie: for every frame, the mean of the
# mask's pixels if `how == "mean"`, their median if `how == "median"`. Return a **float64** array
# with one value per frame (convert the pixels to float64 before reducing).

# %% nbgrader={"grade": false, "grade_id": "ex-mtrace", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mask_trace(movie, mask, how):
    ### BEGIN SOLUTION
    pixels = movie[:, mask].astype(np.float64)   # (n_frames, n_pixels)
    if how == "median":
        return np.median(pixels, axis=1)
    return pixels.mean(axis=1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-mtrace-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, data, masks as mk, simulate
from helpers.lessons import roi_masks
m = np.asarray(simulate.demo_movie(seed=0).movie)
roi = roi_masks.detected_rois()[1]
pixels = mk.pixels_by_time(m, roi)
checks.is_function("mask_trace", mask_trace, n_params=3)
for how in ("mean", "median"):
    got = checks.call("mask_trace", mask_trace, m, roi, how)
    name = f'mask_trace(movie, rois_ref[1], "{how}")'
    checks.is_array(name, got, shape=(m.shape[0],), hint="one value per frame: reduce over the pixels, not over time",
                    wrong_shapes={(int(roi.sum()),): "you reduced over time (one value per pixel); reduce over the pixels, keeping one value per frame",
                                  (int(roi.sum()), m.shape[0]): "that is the pixels x time matrix; reduce it over the pixels"})
    checks.is_array(name, got, dtype="float64")
    other_how = "median" if how == "mean" else "mean"
    checks.close(name, got, mk.roi_traces(m, roi, how), mistakes={
        f'with how="{how}" return the {how}, not the {other_how}': mk.roi_traces(m, roi, other_how),
        "that is the sum over the pixels; divide by their number (or use the mean)": pixels.sum(axis=0),
    }, hint=f"the {how} over the mask's pixels at each frame")
### BEGIN HIDDEN TESTS
other = simulate.simulate_movie(n_cells=4, shape=(300, 40, 50), seed=5)
om = np.asarray(other.movie)
sima = np.asarray(data.load_sima_movie().movie)
for mov, mask, what in [(om, other.truth.masks[2], "a true cell of another movie"),
                        (sima, data.load_sima_rois()[0], "the first SIMA ROI")]:
    for how in ("median", "mean"):
        got = checks.call("mask_trace", mask_trace, mov, mask, how)
        checks.is_array(f'mask_trace on {what}, "{how}"', got, shape=(mov.shape[0],), dtype="float64",
                        hint="use the movie and mask passed as arguments; one value per frame")
        checks.close(f'mask_trace on {what}, "{how}"', got, mk.roi_traces(mov, mask, how),
                     hint=f"the {how} over the mask's pixels at each frame, in float64")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-wtrace-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — Write a function `weighted_trace(movie, mask, weights)` that returns the
# weighted mean trace of the ROI `mask`: at every frame $t$,
# $F(t) = \sum_p w_p F_p(t) / \sum_p w_p$, where both sums run over the pixels $p$ **of the mask**
# only and $w_p$ is `weights[y, x]` of pixel $p$. `weights` is an image of shape (y, x) with no
# negative value and some positive value inside the mask. Return a float64 array with one value
# per frame. (For brightness weights, pass the mean image as `weights`.)

# %% nbgrader={"grade": false, "grade_id": "ex-wtrace", "locked": false, "schema_version": 3, "solution": true, "task": false}
def weighted_trace(movie, mask, weights):
    ### BEGIN SOLUTION
    pixels = movie[:, mask].astype(np.float64)   # (n_frames, n_pixels)
    w = np.asarray(weights, dtype=np.float64)[mask]
    return pixels @ (w / w.sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-wtrace-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, data, masks as mk, movie as mv, simulate
from helpers.lessons import roi_masks
m = np.asarray(simulate.demo_movie(seed=0).movie)
mean_img = mv.projection(m, "mean")
roi = roi_masks.detected_rois()[1]
checks.is_function("weighted_trace", weighted_trace, n_params=3)
got = checks.call("weighted_trace", weighted_trace, m, roi, mean_img)
name = "weighted_trace(movie, rois_ref[1], mean_image)"
checks.is_array(name, got, shape=(m.shape[0],), hint="one value per frame: a weighted mean over the pixels",
                wrong_shapes={(int(roi.sum()),): "you reduced over time; reduce over the pixels, keeping one value per frame"})
checks.is_array(name, got, dtype="float64")
pixels = mk.pixels_by_time(m, roi)
w = mean_img[roi]
checks.close(name, got, mk.roi_traces(m, roi, "weighted", weights=mean_img), mistakes={
    "divide by the sum of the weights inside the mask, not over the whole image": w @ pixels / mean_img.sum(),
    "normalise: divide the weighted sum by the sum of the weights (inside the mask)": w @ pixels,
    "that is the plain mean: the pixels must count in proportion to their weights": pixels.mean(axis=0),
}, hint="sum over the mask's pixels of weight * trace, divided by the sum of the mask's weights")
### BEGIN HIDDEN TESTS
other = simulate.simulate_movie(n_cells=4, shape=(300, 40, 50), seed=5)
om = np.asarray(other.movie)
sima = np.asarray(data.load_sima_movie().movie)
sima_roi = data.load_sima_rois()[1]
loose = np.zeros(om.shape[1:], dtype=bool)
loose[5:30, 5:30] = True
for mov, mask, weights, what in [
        (om, other.truth.masks[0], np.asarray(other.truth.footprints[0], dtype=np.float64), "footprint weights"),
        (om, loose, np.asarray(other.truth.footprints[1], dtype=np.float64), "weights that are 0 on part of the mask"),
        (sima, sima_roi, mv.projection(sima, "mean"), "the SIMA movie")]:
    got = checks.call("weighted_trace", weighted_trace, mov, mask, weights)
    checks.is_array(f"weighted_trace with {what}", got, shape=(mov.shape[0],), dtype="float64",
                    hint="use the movie, mask and weights passed as arguments; one value per frame")
    checks.close(f"weighted_trace with {what}", got, mk.roi_traces(mov, mask, "weighted", weights=weights),
                 hint="weight each pixel of the given mask by the given weights, divided by the sum of those weights")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-corr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.3** — Which summary is closest to the truth? Masks are rarely perfect, so take a
# mask drawn too large: `loose = roi_masks.loose_mask()` is the true mask of cell
# `cell = roi_masks.trace_cell()` grown by 3 pixels, with a rim of neuropil around the cell.
# Compute the mean, the median and the brightness-weighted trace of `loose` (weights: the mean
# image of `movie`), and store in `trace_corrs` a float array of three values, in this order
# (mean, median, weighted): the Pearson correlation of each trace with the cell's true calcium
# signal `rec.truth.calcium[cell]` (`np.corrcoef(a, b)[0, 1]`). You may use `mk.roi_traces`.

# %% nbgrader={"grade": false, "grade_id": "corr-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
loose = roi_masks.loose_mask()
cell = roi_masks.trace_cell()
print(f"cell {cell}: true mask {true_masks[cell].sum()} pixels, loose mask {loose.sum()} pixels")

# %% nbgrader={"grade": false, "grade_id": "ex-corr", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
loose_traces = np.vstack([mk.roi_traces(movie, loose, "mean"), mk.roi_traces(movie, loose, "median"),
                          mk.roi_traces(movie, loose, "weighted", weights=mean_image)])
# np.corrcoef of 4 rows is the 4 x 4 matrix of their correlations; the last row pairs the truth with each.
trace_corrs = np.corrcoef(np.vstack([loose_traces, rec.truth.calcium[cell]]))[-1, :3]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-corr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, masks as mk, simulate
from helpers.lessons import roi_masks
rec = simulate.demo_movie(seed=0)
m, calcium = rec.movie, rec.truth.calcium[roi_masks.trace_cell()]

loose, true_mask = roi_masks.loose_mask(), rec.truth.masks[roi_masks.trace_cell()]
corrs = {(mask_name, truth_name): np.array([np.corrcoef(mk.roi_traces(m, mask, how), truth)[0, 1]
                                            for how in ("mean", "median", "weighted")])
         for mask_name, mask in [("loose", loose), ("true", true_mask)]
         for truth_name, truth in [("calcium", calcium), ("fluorescence", rec.traces[roi_masks.trace_cell()])]}
checks.is_array("trace_corrs", trace_corrs, shape=(3,), hint="three correlations: mean, median, weighted")
ref = corrs["loose", "calcium"]
checks.close("trace_corrs", trace_corrs, ref, rtol=0, atol=1e-4, mistakes={
    "use the loose mask, not the cell's true mask": corrs["true", "calcium"],
    "correlate with the true calcium signal rec.truth.calcium[cell], not with the true fluorescence trace":
        corrs["loose", "fluorescence"],
    "keep the order (mean, median, weighted)": ref[::-1],
}, hint="np.corrcoef(trace, rec.truth.calcium[cell])[0, 1] for the mean, median and brightness-weighted traces of loose")

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-traces-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 5.4** (manually graded) — Plot the three traces of the loose mask against time in
# seconds on one figure (axes labelled with units; `plots.traces` stacks them with `offset=`).
# Then explain in three or four sentences the order of the three correlations: why is the median
# the worst here, and why does brightness weighting beat the plain mean on a mask that is too large?

# %% nbgrader={"grade": true, "grade_id": "q-traces-plot", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "Mean, median and brightness-weighted traces of the loose mask over time, stacked with an offset: the same transients in all three, smallest and noisiest in the median trace."}}
### BEGIN SOLUTION
loose_ref = [mk.roi_traces(movie, loose, how) for how in ("mean", "median", "weighted")]
ax = plots.traces(time_s, np.vstack(loose_ref), labels=["mean", "median", "brightness-weighted"],
                  offset=60, title=f"cell {cell}, mask grown by 3 px (traces offset by 60 a.u.)")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
### END SOLUTION

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-traces", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* The loose mask holds the cell and a rim of neuropil pixels that do not share its
# transients. The median picks, at each frame, the middle pixel value: with a large rim that is
# often a rim or edge pixel, so the transients shrink, and for pixels that all carry similar noise
# the median is also noisier than the mean (about 1.25 times the noise for Gaussian noise). The
# mean dilutes the cell's transients with the rim's unrelated signal in proportion to the rim's
# share of the pixels. Brightness weighting gives the bright cell body more weight than the dimmer
# rim, so the trace is closer to the cell's own signal — it partly undoes the error of the mask.
# With the true mask, the mean and the weighted trace are about equally good and the median is
# still the noisiest.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. How good are the masks? Intersection over union
#
# On a simulated movie we know the true masks, so we can score the detected ones. The standard
# score of the overlap of two masks A and B is the **intersection over union**,
#
# $$\mathrm{IoU}(A, B) = \frac{|A \cap B|}{|A \cup B|},$$
#
# the number of pixels in both over the number of pixels in either: 1 for identical masks, 0 for
# masks that do not touch. A true cell counts as found when some detected ROI overlaps it with
# IoU ≥ 0.5. With boolean arrays, `a & b` is the intersection, `a | b` the union, and `.sum()`
# counts True pixels.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-iou-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** — Write a function `iou(a, b)` that returns the intersection over union of two
# boolean masks of the same shape, as a float between 0 and 1. You may assume that at least one
# of them has a True pixel.

# %% nbgrader={"grade": false, "grade_id": "ex-iou", "locked": false, "schema_version": 3, "solution": true, "task": false}
def iou(a, b):
    ### BEGIN SOLUTION
    return float((a & b).sum() / (a | b).sum())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-iou-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, masks as mk
a = np.zeros((20, 30), dtype=bool)
a[2:12, 3:13] = True          # 100 pixels
b = np.zeros((20, 30), dtype=bool)
b[7:17, 8:20] = True          # 120 pixels, some shared with a
shared, size_a, size_b = int((a & b).sum()), int(a.sum()), int(b.sum())
checks.is_function("iou", iou, n_params=2)
got = checks.call("iou", iou, a, b)
checks.is_number("iou(a, b)", got, hint="return one number: the IoU of the two masks")
checks.close("iou(a, b)", got, mk.iou(a, b), rtol=1e-9, mistakes={
    "that is the Dice coefficient 2|A∩B| / (|A| + |B|); IoU divides by the union |A∪B|": 2 * shared / (size_a + size_b),
    "|A| + |B| counts the shared pixels twice: the union is (a | b).sum()": shared / (size_a + size_b),
    "that is the fraction of a covered by b (|A∩B| / |A|); divide by the union": shared / size_a,
    "that is the fraction of b covered by a (|A∩B| / |B|); divide by the union": shared / size_b,
    "that is the number of shared pixels; divide it by the number of pixels in the union": shared,
}, hint="(a & b).sum() / (a | b).sum()")
checks.close("iou(a, a)", checks.call("iou", iou, a, a.copy()), 1.0, rtol=1e-9, hint="identical masks have IoU 1")
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(11)
far = np.zeros((20, 30), dtype=bool)
far[15:19, 22:29] = True
inner = np.zeros((20, 30), dtype=bool)
inner[4:8, 5:9] = True
r1, r2 = rng.random((2, 64, 48)) < 0.3
for x, y, what in [(a, far, "disjoint masks"), (a, inner, "a mask inside another"),
                   (inner, a, "the same pair swapped"), (r1, r2, "two random masks")]:
    got = checks.call("iou", iou, x, y)
    checks.is_number(f"iou on {what}", got, hint="return one number: the IoU of the two masks passed as arguments")
    checks.close(f"iou on {what}", got, mk.iou(x, y), rtol=1e-9, atol=1e-12,
                 hint="(a & b).sum() / (a | b).sum(), for any two masks of the same shape")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-best-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.2** — Score the detected ROIs `rois_ref` against the true masks `true_masks`. For
# every **true** cell, store in `best_iou` the largest IoU it has with any detected ROI (a float
# array with one value per true cell, in the order of `true_masks`; a detected ROI may serve
# several true cells here). Store in `fraction_found` the fraction (0 to 1, not percent) of true
# cells with a best IoU of at least 0.5. You may use `mk.iou`.

# %% nbgrader={"grade": false, "grade_id": "ex-best", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
best_iou = np.zeros(len(true_masks))
for i, true_mask in enumerate(true_masks):
    for roi in rois_ref:
        best_iou[i] = max(best_iou[i], mk.iou(true_mask, roi))
fraction_found = float(np.mean(best_iou >= 0.5))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-best-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, masks as mk, simulate
from helpers.lessons import roi_masks
truth = simulate.demo_movie(seed=0).truth.masks
detected = roi_masks.detected_rois()
table = np.array([[mk.iou(t, d) for d in detected] for t in truth])   # (n_true, n_detected)
checks.is_array("best_iou", best_iou, shape=(len(truth),), hint="one value per true cell",
                wrong_shapes={(len(detected),): "that is one value per detected ROI: take the maximum over the detected ROIs for each true cell"})
checks.close("best_iou", best_iou, table.max(axis=1), mistakes={
    "that is the IoU with the detected ROI of the same index; take the best over all detected ROIs":
        np.array([mk.iou(t, detected[i]) if i < len(detected) else 0.0 for i, t in enumerate(truth)]),
    "the one-to-one matching of mk.match_masks is stricter; take the plain maximum for each true cell":
        mk.match_masks(detected, truth)[0],
}, hint="for each true mask, the maximum of mk.iou(true_mask, roi) over the detected ROIs")
ref_fraction = float(np.mean(table.max(axis=1) >= 0.5))
checks.is_number("fraction_found", fraction_found)
checks.close("fraction_found", fraction_found, ref_fraction, rtol=1e-9, mistakes={
    "the answer should be a fraction between 0 and 1, not a percentage": 100 * ref_fraction,
    "that is a number of cells; divide by the number of true cells": float(np.sum(table.max(axis=1) >= 0.5)),
    "that is the fraction of cells with IoU below 0.5; count those with IoU >= 0.5": 1 - ref_fraction,
}, hint="the mean of (best_iou >= 0.5)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-missed", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Question 6.3** (manually graded) — Which true cells were not found (your `best_iou` below 0.5)?
# Give two different reasons a true cell was missed or scored low here, pointing to the figure and the
# table above, and for each one a change to the method that would help.
#
# ### BEGIN SOLUTION
# *Model answer.* Not found: cells 0, 1, 2 and 7. (1) Cells 1 and 2
# never fired (0 spikes) and cell 7 fired rarely (8 spikes) and is small: their brightness hardly
# changes, so in the standard-deviation image they are no brighter than the background and no
# threshold on it finds them. They are visible in the **mean image**: thresholding the mean image
# as well, or combining the two, would find them (whether a silent cell is worth finding depends
# on the question). (2) Cells 1 and 2 also sit inside a band of active neuropil that was detected
# as one large region (region 4 of `labels_ref`): its IoU with either cell is tiny because the union
# is huge. Rejecting regions by shape (too large, not round: `regionprops` area, eccentricity,
# solidity) or splitting them (a watershed), or methods that use the pixels' correlated activity
# (suite2p, CaImAn's CNMF) would help. (3) A threshold draws ROIs larger or smaller than the
# cells (cell 0's ROI covers only part of it): the IoU is low although the ROI sits on the cell;
# a threshold adapted to each region, or growing or eroding the ROIs, fits them better.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
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

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-sima-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — Store in `sima_n_pixels` the number of pixels of each SIMA ROI (an integer
# array of shape (2,)), and in `sima_traces` the **mean** trace of each ROI in `sima.movie`, a
# float array of shape (2, n_frames): one row per ROI, as traces are stored in this course.

# %% nbgrader={"grade": false, "grade_id": "ex-sima", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
sima_n_pixels = sima_rois.sum(axis=(1, 2))
sima_traces = np.zeros((len(sima_rois), sima.movie.shape[0]))
for i, roi in enumerate(sima_rois):
    sima_traces[i] = sima.movie[:, roi].mean(axis=1, dtype=np.float64)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-sima-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, data, masks as mk
sm = data.load_sima_movie().movie
rois = data.load_sima_rois()
T = sm.shape[0]
checks.is_array("sima_n_pixels", sima_n_pixels, shape=(2,), dtype="int", hint="one pixel count per ROI: sum each mask over y and x",
                wrong_shapes={rois.shape[1:]: "you summed over the ROIs (axis 0); sum each mask over y and x (axis=(1, 2))"})
checks.equal("sima_n_pixels", sima_n_pixels, rois.sum(axis=(1, 2)), hint="count the True pixels of each mask")
checks.is_array("sima_traces", sima_traces, shape=(2, T), hint="one row per ROI, one column per frame",
                wrong_shapes={(T, 2): "one row per ROI: transpose to (2, n_frames)"})
checks.close("sima_traces", sima_traces, mk.roi_traces(sm, rois, "mean"), mistakes={
    "those are the medians; the exercise asks for the mean of each ROI's pixels": mk.roi_traces(sm, rois, "median"),
    "those are sums over the pixels; divide by each ROI's number of pixels": mk.roi_traces(sm, rois, "mean") * rois.sum(axis=(1, 2))[:, None],
    "the rows are in the wrong order: row 0 is ROI 0": mk.roi_traces(sm, rois, "mean")[::-1],
}, hint="for each ROI, the mean over its pixels at each frame: movie[:, roi].mean(axis=1)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s7b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **suite2p.** suite2p detects ROIs from the pixels' correlated activity and saves them in
# `stat.npy`, a list with one dict per ROI: `stat[i]["ypix"]` and `stat[i]["xpix"]` are the rows
# and columns of its pixels, `stat[i]["lam"]` their weights (the footprint). Its classifier's
# decision, cell or not, is in `iscell.npy`. (`stat.npy` is a *pickle*: loading it can run code,
# so load only files you trust — `helpers.data` checks the file's hash first.) The field of view
# is `ops["Ly"]` rows by `ops["Lx"]` columns, and `ops["meanImg"]` is the mean image.

# %% nbgrader={"grade": false, "grade_id": "s2p-load", "locked": true, "schema_version": 3, "solution": false, "task": false}
s2p = data.load_suite2p()
shape_s2p = (s2p.ops["Ly"], s2p.ops["Lx"])
print(f"{len(s2p.stat)} ROIs in a {shape_s2p} field of view; {s2p.iscell.sum()} classified as cells")
print("ROI 0: first rows", s2p.stat[0]["ypix"][:5], "first columns", s2p.stat[0]["xpix"][:5])

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.2** — Build from `s2p.stat` the masks of the ROIs that suite2p classified as cells
# (`s2p.iscell` True), in the order of `stat`: store them in `s2p_cell_masks`, a boolean array of
# shape (n_cells, Ly, Lx) in which mask i is True exactly on the pixels `(ypix, xpix)` of the i-th
# cell. Hint: `mask = np.zeros(shape_s2p, dtype=bool)`, then `mask[ypix, xpix] = True`.

# %% nbgrader={"grade": false, "grade_id": "ex-s2p", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
cell_ids = np.flatnonzero(s2p.iscell)
s2p_cell_masks = np.zeros((len(cell_ids),) + shape_s2p, dtype=bool)
for row, roi_id in enumerate(cell_ids):
    roi = s2p.stat[roi_id]
    s2p_cell_masks[row, roi["ypix"], roi["xpix"]] = True
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-s2p-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks, data, masks as mk
s2p = data.load_suite2p()
shape = (int(s2p.ops["Ly"]), int(s2p.ops["Lx"]))
every = mk.masks_from_suite2p(s2p.stat, shape)
n_cells = int(s2p.iscell.sum())
checks.is_array("s2p_cell_masks", s2p_cell_masks, shape=(n_cells,) + shape, dtype="bool",
                hint="one (Ly, Lx) mask per ROI classified as a cell",
                wrong_shapes={(len(every),) + shape: "keep only the ROIs with s2p.iscell True",
                              (n_cells,) + shape[::-1]: "a mask has Ly rows and Lx columns: np.zeros((Ly, Lx), dtype=bool)"})
checks.equal("s2p_cell_masks", s2p_cell_masks, every[s2p.iscell], mistakes={
    "those are the ROIs suite2p rejected: keep those with iscell True": every[~s2p.iscell] if (~s2p.iscell).sum() == n_cells else None,
}, hint="mask[stat[i]['ypix'], stat[i]['xpix']] = True for each ROI with iscell True, in the order of stat")

# %% [markdown] nbgrader={"grade": false, "grade_id": "fig-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.3** (manually graded figure) — Show suite2p's mean image `s2p.mean_image` with the
# outlines of the ROIs classified as cells in one colour and of the rejected ROIs in another,
# with a legend, a title and labelled axes (`roi_masks.outline(ax, masks, color=..., label=...)`
# draws outlines; `s2p.masks` holds every ROI's mask).

# %% nbgrader={"grade": true, "grade_id": "fig-s2p", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "suite2p's mean image, 176 by 156 pixels, with the outlines of the 21 ROIs classified as cells in orange and of the 2 rejected ROIs in blue; the rejected ones are large, irregular regions rather than round cell bodies."}}
### BEGIN SOLUTION
ax = plots.image(s2p.mean_image, title="suite2p ROIs on the mean image", label="mean fluorescence (a.u.)")
roi_masks.outline(ax, s2p.masks[s2p.iscell], color="#E69F00", label="cell")
roi_masks.outline(ax, s2p.masks[~s2p.iscell], color="#56B4E9", label="not a cell")
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - The mean image shows where the indicator is; the standard-deviation image shows what changes,
#   i.e. the *active* cells. Silent cells are invisible in it.
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
