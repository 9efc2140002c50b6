"""From pixels to cells: threshold masks, morphology, ROI labels, neuropil rings and ROI traces.

A mask is a boolean ``(y, x)`` image, True on the pixels of one region; many masks are stacked as
``(n, y, x)``. Connected components use 8-connectivity throughout: pixels that touch by an edge
or a corner belong to the same region.
"""
from __future__ import annotations


import numpy as np
from scipy.optimize import linear_sum_assignment
from skimage import filters, measure, morphology

from helpers.validate import (as_array, as_movie, boolean_array, check_size, choice, in_range, mask_2d,
                              whole_number)

THRESHOLD_METHODS = ("absolute", "mean_std", "percentile", "otsu")
TRACE_METHODS = ("mean", "median", "weighted")


def _count(value, name: str, minimum: int, maximum: int | None = None, why: str = "") -> int:
    return whole_number(value, name, low=minimum, high=maximum, unit="pixels", why=why)


def _radius(value, name: str, minimum: int, image_shape) -> int:
    """A disk radius in pixels, at most the image's larger side (a larger disk covers the whole
    image whatever its centre, and its footprint would only cost memory)."""
    return _count(value, name, minimum, max(image_shape),
                  why=f" (the images are {tuple(image_shape)} px: a disk wider than them covers "
                      "them entirely)")


def _mask_stack(masks, name: str = "masks", shape=None) -> tuple[np.ndarray, bool]:
    """Masks as a boolean ``(n, y, x)`` stack with no empty mask, and whether the input was 2-D."""
    arr = boolean_array(masks, name, hint="for float footprints use footprints > 0 as masks and "
                                          "pass the footprints as weights")
    if arr.ndim == 2:
        return mask_2d(arr, name, shape)[np.newaxis], True
    if arr.ndim != 3 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be one (y, x) mask or a non-empty (n, y, x) stack of masks, "
                         f"got an array of shape {arr.shape}")
    if shape is not None and arr.shape[1:] != tuple(shape):
        raise ValueError(f"{name} have frames of shape {arr.shape[1:]} but the movie's frames are "
                         f"{tuple(shape)}")
    empty = np.flatnonzero(~arr.any(axis=(1, 2)))
    if empty.size:
        raise ValueError(f"{name} {empty.tolist()} are empty (no True pixel): drop them first")
    return arr, False


def _components(mask: np.ndarray, min_size: int) -> np.ndarray:
    """Label image of the 8-connected components of `mask` with at least `min_size` pixels,
    numbered 1, 2, … in raster order of their first pixel."""
    labels = measure.label(mask, connectivity=2)
    small = np.bincount(labels.ravel()) < min_size
    small[0] = True  # background stays background
    labels[small[labels]] = 0
    return measure.label(labels > 0, connectivity=2)


def threshold_mask(image, method: str, value=None, k: float = 3.0) -> np.ndarray:
    """The pixels of an image strictly above a threshold.

    The threshold depends on `method`:

    - ``"absolute"``: `value` itself, in the image's units;
    - ``"mean_std"``: ``mean + k * std`` of all pixels (population std, ``ddof=0``);
    - ``"percentile"``: the `value`-th percentile of the pixels (0-100, NumPy's default linear
      interpolation), so ``value=80`` keeps the brightest ~20 %;
    - ``"otsu"``: Otsu's threshold (``skimage.filters.threshold_otsu``), which splits the
      histogram into two classes with the least within-class variance.

    Parameters
    ----------
    image : array_like, shape (y, x)
        Usually a projection (mean, std) or a local correlation image; NaN is not allowed.
    method : {"absolute", "mean_std", "percentile", "otsu"}
    value : float, optional
        The threshold (``"absolute"``) or the percentile (``"percentile"``); required by those two
        methods and refused by the others.
    k : float
        Number of standard deviations above the mean (``"mean_std"`` only).

    Returns
    -------
    ndarray of bool, shape (y, x)
        May be all False if no pixel exceeds the threshold.

    Raises
    ------
    ValueError
        Unknown method, `value` missing or given when not used, percentile outside 0-100, or an
        image that is not 2-D or contains NaN.
    """
    image = as_array(image, "image", ndim=2)
    choice(method, "method", THRESHOLD_METHODS)
    needs_value = method in ("absolute", "percentile")
    if needs_value and value is None:
        raise ValueError(f'method="{method}" needs value=' +
                         ("the threshold" if method == "absolute" else "a percentile in 0-100"))
    if not needs_value and value is not None:
        raise ValueError(f'method="{method}" takes no value (got value={value!r}); '
                         + ("set k for the number of standard deviations" if method == "mean_std"
                            else "Otsu finds the threshold itself"))
    if method == "absolute":
        threshold = in_range(value, "value", -np.inf, np.inf)
    elif method == "percentile":
        threshold = np.percentile(image, in_range(value, "value", 0, 100))
    elif method == "mean_std":
        threshold = image.mean() + in_range(k, "k", -np.inf, np.inf) * image.std()
    else:
        threshold = filters.threshold_otsu(image)
    return image > threshold


def clean_mask(mask, opening_radius: int = 1, min_size: int = 20) -> np.ndarray:
    """Remove specks from a threshold mask: a morphological opening, then small-region removal.

    The opening (erosion then dilation with a disk of radius `opening_radius`, see
    ``skimage.morphology.opening``; image borders are reflected so regions touching the border
    are not eaten away) deletes structures thinner than the disk and smooths outlines. Then every
    8-connected region with fewer than `min_size` pixels is removed.

    Parameters
    ----------
    mask : array_like of bool, shape (y, x)
    opening_radius : int
        Disk radius in pixels; 0 skips the opening; at most the mask's larger side.
    min_size : int
        Smallest region kept, in pixels; 1 keeps every region.

    Returns
    -------
    ndarray of bool, shape (y, x)
        May be all False when nothing survives.

    Raises
    ------
    ValueError
        If the mask is not 2-D, not boolean (or 0/1), or empty (the threshold kept no pixel).
    """
    mask = mask_2d(mask, "mask")
    opening_radius = _radius(opening_radius, "opening_radius", 0, mask.shape)
    min_size = _count(min_size, "min_size", 1)
    if opening_radius:
        mask = morphology.opening(mask, morphology.disk(opening_radius))
    return _components(mask, min_size) > 0


def label_rois(mask, min_size: int = 1) -> np.ndarray:
    """Split a mask into one mask per connected region (8-connectivity).

    Regions are ordered as ``skimage.measure.label`` numbers them: by the raster position (row,
    then column) of their first pixel.

    Parameters
    ----------
    mask : array_like of bool, shape (y, x)
    min_size : int
        Regions with fewer pixels are dropped.

    Returns
    -------
    ndarray of bool, shape (n_rois, y, x)

    Raises
    ------
    ValueError
        If the mask is empty or no region has `min_size` pixels.
    """
    mask = mask_2d(mask, "mask")
    labels = _components(mask, _count(min_size, "min_size", 1))
    if not labels.any():
        raise ValueError(f"no region of the mask has at least min_size={min_size} pixels: "
                         "lower min_size or the threshold")
    return labels[np.newaxis] == np.arange(1, labels.max() + 1)[:, None, None]


def roi_properties(masks) -> dict:
    """Centroid, area and bounding box of each ROI (``skimage.measure.regionprops``).

    A mask made of several separate pieces is measured as one ROI.

    Parameters
    ----------
    masks : array_like of bool, shape (y, x) or (n, y, x)

    Returns
    -------
    dict of arrays, one row per ROI:
        ``"centroid"``: float64 (n, 2), ``(y, x)`` in pixels;
        ``"area"``: int (n,), pixels;
        ``"bbox"``: int (n, 4), ``(y0, x0, y1, x1)`` with the stops excluded, so that
        ``mask[y0:y1, x0:x1]`` holds the whole ROI.
    """
    masks, _ = _mask_stack(masks)
    props = [measure.regionprops(m.astype(np.uint8))[0] for m in masks]
    return {"centroid": np.array([p.centroid for p in props], dtype=np.float64),
            "area": np.array([p.area for p in props], dtype=int),
            "bbox": np.array([p.bbox for p in props], dtype=int)}


def pixel_coordinates(mask) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indices ``(ys, xs)`` of the pixels of a mask, in raster order (``np.nonzero``).

    Note the order for plotting: ``plt.scatter(xs, ys)`` puts x first.
    """
    return np.nonzero(mask_2d(mask, "mask"))


def pixels_by_time(movie, mask) -> np.ndarray:
    """The traces of a mask's pixels as a ``(n_pixels, n_frames)`` matrix, float64.

    Rows follow `pixel_coordinates` (raster order): row i is ``movie[:, ys[i], xs[i]]``.
    """
    movie = as_movie(movie)
    ys, xs = pixel_coordinates(mask_2d(mask, "mask", movie.shape[1:]))
    return movie[:, ys, xs].T.astype(np.float64)


def neuropil_rings(masks, gap_px: int = 2, width_px: int = 3) -> np.ndarray:
    """A ring of surrounding pixels for each cell, to measure the neuropil around it.

    The ring of a cell is the pixels within ``gap_px + width_px`` of the cell but farther than
    ``gap_px`` — the difference of two dilations of its mask with disks of these radii
    (``outer & ~inner``) — minus the pixels of **every** cell in `masks`, so no cell's own signal
    enters any ring. ``gap_px=0`` starts the ring right at the cell's edge.

    Parameters
    ----------
    masks : array_like of bool, shape (y, x) or (n, y, x)
        All cells of the field of view (every one is excluded from every ring).
    gap_px : int
        Radius of the inner dilation in pixels (>= 0, at most the image's larger side).
    width_px : int
        Ring width in pixels (>= 1, at most the image's larger side).

    Returns
    -------
    ndarray of bool, same shape as `masks`

    Raises
    ------
    ValueError
        If a mask is empty, or a ring is empty (the cell is surrounded by other cells or the
        border); the message names the cell.
    """
    masks, was_2d = _mask_stack(masks)
    gap_px = _radius(gap_px, "gap_px", 0, masks.shape[1:])
    width_px = _radius(width_px, "width_px", 1, masks.shape[1:])
    any_cell = masks.any(axis=0)
    inner_disk, outer_disk = morphology.disk(gap_px), morphology.disk(gap_px + width_px)
    rings = np.empty_like(masks)
    for i, mask in enumerate(masks):
        inner = morphology.dilation(mask, inner_disk)
        rings[i] = morphology.dilation(mask, outer_disk) & ~inner & ~any_cell
        if not rings[i].any():
            raise ValueError(f"the neuropil ring of cell {i} is empty: other cells or the image "
                             "border cover it; widen it (width_px) or reduce gap_px")
    return rings[0] if was_2d else rings


def roi_traces(movie, masks, method: str = "mean", weights=None) -> np.ndarray:
    """One fluorescence trace per ROI: the mean, median or weighted mean of its pixels per frame.

    With ``method="weighted"`` each pixel counts in proportion to its weight, normalised to sum
    to 1 within the ROI. By default the weights are the pixels' brightness, the mean image over
    time (bright pixels carry more of the cell's signal); pass `weights` to use others, e.g.
    suite2p's ``lam`` footprints from ``masks_from_suite2p(..., weights=True)``.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    masks : array_like of bool, shape (y, x) or (n, y, x)
    method : {"mean", "median", "weighted"}
    weights : array_like, shape (y, x) or like `masks`, optional
        Non-negative pixel weights; only with ``method="weighted"``. Values outside a mask are
        ignored.

    Returns
    -------
    ndarray, float64, shape (n_frames,) for one mask or (n, n_frames)

    Raises
    ------
    ValueError
        Unknown method, empty masks, masks whose shape differs from the frames', NaN in the
        movie, weights given with another method, or negative weights / weights that sum to 0
        within a mask.
    """
    movie = as_movie(movie)
    masks, was_2d = _mask_stack(masks, shape=movie.shape[1:])
    choice(method, "method", TRACE_METHODS)
    if weights is not None and method != "weighted":
        raise ValueError(f'weights are only used with method="weighted", not "{method}"')

    # Only the pixels of some ROI are gathered (in float64), so the cost is that of the ROIs, not
    # of the whole movie.
    used = masks.any(axis=0)
    pixels = movie[:, used].astype(np.float64)          # (n_frames, n_used)
    members = masks[:, used]                             # (n, n_used)
    if method == "median":
        traces = np.stack([np.median(pixels[:, m], axis=1) for m in members])
    else:
        if method == "mean":
            w = members.astype(np.float64)
        elif weights is None:
            w = members * pixels.mean(axis=0)
        else:
            w = _weights(weights, masks)[:, used] * members
        if (w < 0).any():
            raise ValueError("weights must be non-negative within the masks (for brightness "
                             "weights, subtract a background that leaves no negative pixel)")
        total = w.sum(axis=1, keepdims=True)
        if (total <= 0).any():
            bad = np.flatnonzero(total[:, 0] <= 0).tolist()
            raise ValueError(f"the weights of ROI(s) {bad} sum to 0 within the mask")
        traces = (w / total) @ pixels.T
    return traces[0] if was_2d else traces


def _weights(weights, masks: np.ndarray) -> np.ndarray:
    w = as_array(weights, "weights", ndim=(2, 3))
    if w.shape not in (masks.shape[1:], masks.shape):
        raise ValueError(f"weights must have shape {masks.shape[1:]} (one image) or {masks.shape} "
                         f"(one per mask), got {w.shape}")
    return np.broadcast_to(w, masks.shape)


def masks_from_suite2p(stat, shape, weights: bool = False) -> np.ndarray:
    """ROI masks from suite2p's ``stat`` (the list of dicts in ``stat.npy``).

    Each ROI lists its pixels as ``ypix`` (rows) and ``xpix`` (columns); ``lam`` holds their
    weights. Pixels listed twice keep the last weight.

    Parameters
    ----------
    stat : sequence of dict
        Each with ``"ypix"``, ``"xpix"`` (and ``"lam"`` if `weights`).
    shape : (Ly, Lx)
        The field of view, ``ops["Ly"], ops["Lx"]``.
    weights : bool
        False: boolean masks. True: float64 footprints holding ``lam`` on the ROI's pixels and 0
        elsewhere.

    Returns
    -------
    ndarray, shape (n, Ly, Lx), bool or float64
    """
    if np.shape(shape) != (2,):
        raise TypeError(f"shape must be a pair (Ly, Lx), got {shape!r}")
    if not isinstance(weights, (bool, np.bool_)):
        raise TypeError(f"weights must be True (lam footprints) or False (boolean masks), got {weights!r}")
    ly, lx = (_count(v, "shape", 1) for v in shape)
    if isinstance(stat, (str, bytes, dict)) or not hasattr(stat, "__len__"):
        raise TypeError(f"stat must be suite2p's list of per-ROI dicts (stat.npy), got {type(stat).__name__}")
    if len(stat) == 0:
        raise ValueError("stat is empty: suite2p found no ROI")
    check_size(len(stat) * ly * lx, "shape", "masks")
    out = np.zeros((len(stat), ly, lx), dtype=np.float64 if weights else bool)
    for i, roi in enumerate(stat):
        try:
            ys, xs = np.asarray(roi["ypix"]), np.asarray(roi["xpix"])
            values = np.asarray(roi["lam"], dtype=np.float64) if weights else True
        except (KeyError, TypeError, IndexError):
            raise ValueError(f"stat[{i}] must be a dict with 'ypix', 'xpix'"
                             + (" and 'lam'" if weights else "")) from None
        if ys.size == 0 or ys.ndim != 1 or ys.shape != xs.shape or (weights and values.shape != ys.shape):
            raise ValueError(f"stat[{i}] has empty or mismatched ypix/xpix/lam arrays")
        if not (np.issubdtype(ys.dtype, np.integer) and np.issubdtype(xs.dtype, np.integer)):
            raise ValueError(f"stat[{i}] must hold whole pixel indices in ypix and xpix, got dtypes "
                             f"{ys.dtype} and {xs.dtype}")
        if weights and not np.isfinite(values).all():
            raise ValueError(f"stat[{i}]['lam'] holds NaN or infinite weights")
        if ys.min() < 0 or xs.min() < 0 or ys.max() >= ly or xs.max() >= lx:
            raise ValueError(f"stat[{i}] has pixels outside the field of view {(ly, lx)}: "
                             "is shape (Ly, Lx) from the same ops?")
        out[i, ys, xs] = values
    return out


def iou(a, b) -> float:
    """Intersection over union of two masks: shared pixels / pixels in either (0 to 1)."""
    a = np.asarray(a)
    b = np.asarray(b)
    if a.shape != b.shape:
        raise ValueError(f"the masks have different shapes, {a.shape} and {b.shape}")
    a = mask_2d(a, "a")
    b = mask_2d(b, "b")
    return float((a & b).sum() / (a | b).sum())


def match_masks(predicted, truth) -> tuple[np.ndarray, np.ndarray]:
    """Pair detected ROIs with true ROIs one-to-one, maximising the total IoU.

    The pairing is the optimal assignment (Hungarian algorithm,
    ``scipy.optimize.linear_sum_assignment``) on the IoU matrix, so one detected ROI never counts
    for two true cells. A true ROI left without a partner, or paired with IoU 0, is unmatched.

    Parameters
    ----------
    predicted : array_like of bool, shape (n_pred, y, x) or (y, x)
    truth : array_like of bool, shape (n_true, y, x) or (y, x)

    Returns
    -------
    best_iou : ndarray, shape (n_true,), float64
        IoU of each true ROI with its partner (0 if unmatched). A common score: the fraction of
        true cells with IoU >= 0.5.
    partner : ndarray, shape (n_true,), int
        Index of the partner in `predicted`, -1 if unmatched.
    """
    predicted, _ = _mask_stack(predicted, "predicted")
    truth, _ = _mask_stack(truth, "truth", shape=predicted.shape[1:])
    p = predicted.reshape(len(predicted), -1).astype(np.float64)
    t = truth.reshape(len(truth), -1).astype(np.float64)
    shared = t @ p.T
    overlap = shared / (t.sum(axis=1)[:, None] + p.sum(axis=1)[None, :] - shared)
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    best_iou = np.zeros(len(truth))
    partner = np.full(len(truth), -1)
    matched = overlap[rows, cols] > 0
    best_iou[rows[matched]] = overlap[rows, cols][matched]
    partner[rows[matched]] = cols[matched]
    return best_iou, partner
