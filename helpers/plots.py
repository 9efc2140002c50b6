"""Figures for the lessons: a few plotting functions with the course's conventions built in.

Images are drawn with a perceptually uniform, colour-blind-safe colormap (``viridis``, or
``cividis`` where stated), with pixel axes labelled ``x (px)`` and ``y (px)`` and the origin at the
top left, as NumPy indexes them (row = y, column = x). Lines use the Okabe–Ito palette, which stays
distinguishable for the common forms of colour blindness. Every function labels its axes with
units and returns the matplotlib ``Axes`` so a lesson can add to it.

Alt text for the book goes in the cell's metadata (``mystnb: {"image": {"alt": "..."}}``), not here.
"""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Rectangle

#: Okabe & Ito (2008), "Color Universal Design": distinguishable under common colour blindness.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
plt.rcParams["axes.prop_cycle"] = plt.cycler(color=OKABE_ITO)
plt.rcParams["image.cmap"] = "viridis"


def _axes(ax, figsize=(5, 4)):
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def image(img, *, ax=None, title: str | None = None, label: str = "fluorescence (a.u.)",
          cmap: str = "viridis", vmin=None, vmax=None):
    """Show a 2-D image (a frame, a projection) with a labelled colour bar; return the Axes."""
    img = np.asarray(img)
    if img.ndim != 2:
        raise ValueError(f"image() shows one 2-D (y, x) image, got shape {img.shape}; "
                         "for a movie pick a frame (movie[i]) or a projection")
    ax = _axes(ax)
    shown = ax.imshow(img, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.set_xlabel("x (px)")
    ax.set_ylabel("y (px)")
    if title:
        ax.set_title(title)
    ax.figure.colorbar(shown, ax=ax, label=label, shrink=0.85)
    return ax


def box(ax, y, x, *, color: str = "#E69F00", label: str | None = None):
    """Outline a half-open pixel box ``rows y[0]:y[1]``, ``columns x[0]:x[1]`` on an image."""
    (y0, y1), (x0, x1) = y, x
    # imshow centres pixel (r, c) at (c, r): a pixel's outer edge is half a pixel away.
    ax.add_patch(Rectangle((x0 - 0.5, y0 - 0.5), x1 - x0, y1 - y0, fill=False, lw=2,
                           edgecolor=color, label=label))
    return ax


def points(ax, ys, xs, *, color: str = "#D55E00", label: str | None = None, marker: str = "x"):
    """Mark pixels (rows `ys`, columns `xs`) on an image."""
    ax.scatter(np.atleast_1d(xs), np.atleast_1d(ys), c=color, marker=marker, s=60, label=label)
    return ax


def traces(t, ys, *, labels=None, ax=None, xlabel: str = "time (s)",
           ylabel: str = "fluorescence (a.u.)", title: str | None = None, offset: float = 0.0):
    """Plot one trace or several (rows of `ys`) against the time axis `t`; return the Axes.

    `offset` stacks several traces vertically (trace i is shifted up by ``i * offset``).
    """
    ys = np.atleast_2d(np.asarray(ys, dtype=float))
    t = np.asarray(t, dtype=float)
    if ys.shape[-1] != t.shape[0]:
        raise ValueError(f"the time axis has {t.shape[0]} samples but the traces have {ys.shape[-1]}: "
                         "make one time value per frame")
    ax = _axes(ax, figsize=(8, 3))
    labels = list(labels) if labels is not None else [None] * len(ys)
    for i, (y, lab) in enumerate(zip(ys, labels)):
        ax.plot(t, y + i * offset, lw=0.8, label=lab)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    if any(lab is not None for lab in labels):
        ax.legend(loc="upper right", frameon=False)
    return ax
