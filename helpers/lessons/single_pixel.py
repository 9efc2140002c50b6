"""Lesson 01 (single-pixel fluorescence): the cells and pixels its exercises refer to."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from helpers import simulate


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
