"""Lesson 02 (from pixels to cells): the reference images, masks and ROIs its exercises refer to,
and the figure of mask outlines it draws."""
from __future__ import annotations

import numpy as np
from scipy import ndimage
from skimage import morphology

from helpers import masks as mk, movie as mv, plots, simulate

#: Width of the Gaussian smoothing of section 1, in pixels.
SMOOTH_SIGMA_PX = 1.0
#: Section 3's pipeline: percentile threshold of the raw std image, opening radius, smallest ROI.
PERCENTILE, OPENING_RADIUS_PX, MIN_SIZE_PX = 80, 1, 20
#: Radius by which section 5's "loose" mask is dilated beyond the true mask, in pixels.
LOOSE_PX = 3


def std_image(seed: int = 0) -> np.ndarray:
    """Standard-deviation projection of ``simulate.demo_movie(seed)``, float64 ``(y, x)``."""
    return mv.projection(simulate.demo_movie(seed=seed).movie, "std")


def normalised_std(seed: int = 0) -> np.ndarray:
    """The std image smoothed with a Gaussian of s.d. 1 px (``scipy.ndimage.gaussian_filter``,
    borders reflected) and rescaled to 0 (darkest pixel) .. 1 (brightest pixel)."""
    smooth = ndimage.gaussian_filter(std_image(seed), sigma=SMOOTH_SIGMA_PX)
    return (smooth - smooth.min()) / (smooth.max() - smooth.min())


def raw_threshold_mask(seed: int = 0) -> np.ndarray:
    """Section 3's starting point: pixels of the (unsmoothed) std image above its 80th percentile."""
    return mk.threshold_mask(std_image(seed), "percentile", value=PERCENTILE)


def clean_mask(seed: int = 0) -> np.ndarray:
    """`raw_threshold_mask` opened with a disk of radius 1 and without regions under 20 pixels."""
    return mk.clean_mask(raw_threshold_mask(seed), OPENING_RADIUS_PX, MIN_SIZE_PX)


def detected_rois(seed: int = 0) -> np.ndarray:
    """The ROIs the lesson detects: one boolean mask per 8-connected region of `clean_mask`,
    ``(n, y, x)``, in ``skimage.measure.label`` order (raster order of each region's first pixel)."""
    return mk.label_rois(clean_mask(seed))


def trace_cell(seed: int = 0) -> int:
    """Index of the true cell of ``demo_movie(seed)`` with the brightest resting baseline."""
    return int(np.argmax(simulate.demo_movie(seed=seed).truth.f0[:, 0]))


def loose_mask(seed: int = 0) -> np.ndarray:
    """The true mask of `trace_cell`, dilated by a disk of radius 3 px: a mask drawn too large,
    as a threshold often draws it, with a rim of neuropil pixels around the cell."""
    truth = simulate.demo_movie(seed=seed).truth
    return morphology.dilation(truth.masks[trace_cell(seed)], morphology.disk(LOOSE_PX))


def outline(ax, masks, *, color: str = plots.OKABE_ITO[1], label: str | None = None, linewidth: float = 1.5):
    """Draw the outline of one mask ``(y, x)`` or of each of a stack ``(n, y, x)`` on an image.

    The contour passes half-way between the mask's pixels and the background's, so it encloses
    exactly the mask's pixels as ``imshow`` draws them. `label` names the outlines in a legend.
    """
    masks = np.asarray(masks)
    for i, mask in enumerate(masks[np.newaxis] if masks.ndim == 2 else masks):
        ax.contour(mask.astype(float), levels=[0.5], colors=color, linewidths=linewidth)
        if label and i == 0:
            ax.plot([], [], color=color, lw=linewidth, label=label)
    if label:
        ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    return ax
