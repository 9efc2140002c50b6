"""Looking at a movie: projections, crops, pixel traces, the time axis and the local correlation image.

A movie is a ``(time, y, x)`` array: ``movie[t]`` is frame ``t``, ``movie[:, y, x]`` is the trace
of the pixel in row ``y`` and column ``x``. Rows are y and columns are x — the order NumPy indexes
in, which is the reverse of the ``(x, y)`` order of plotting functions such as ``plt.scatter``.
"""
from __future__ import annotations

import numbers

import numpy as np

from helpers.validate import as_array, as_movie, check_size, choice, positive, whole_number

PROJECTIONS = ("mean", "max", "min", "std", "median")


def _index(value, name: str, size: int, axis: str, shape) -> int:
    """A whole-number pixel index within ``[0, size)``; negative indices are refused on purpose."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole-number pixel index, got {value!r}")
    if not 0 <= value < size:
        raise ValueError(f"{name}={value} is outside the movie: {axis} runs from 0 to {size - 1} "
                         f"(movie shape (time, y, x) = {tuple(shape)})")
    return int(value)


def _box(bounds, name: str, size: int, shape) -> tuple[int, int]:
    """A half-open pixel range ``(start, stop)`` with ``0 <= start < stop <= size``."""
    try:
        start, stop = bounds
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (start, stop) of pixel indices, got {bounds!r}") from None
    for v in (start, stop):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"{name} must hold whole-number pixel indices, got {bounds!r}")
    if not 0 <= start < stop <= size:
        raise ValueError(f"{name}={tuple(bounds)} is not a non-empty range within 0..{size} "
                         f"(the array has shape {tuple(shape)}; ranges are (start, stop) with "
                         "stop excluded, and rows are y, columns are x)")
    return int(start), int(stop)


def _frame_selection(frames, n_frames: int) -> slice:
    if frames is None:
        return slice(None)
    if isinstance(frames, slice):
        try:
            selected = range(n_frames)[frames]
        except (TypeError, ValueError) as err:
            raise TypeError(f"frames={frames} is not a valid slice of frame indices ({err})") from None
        if not len(selected):
            raise ValueError(f"frames={frames} selects no frame of a movie with {n_frames} frames")
        return frames
    start, stop = _box(frames, "frames", n_frames, (n_frames,))
    return slice(start, stop)


def projection(movie, kind: str = "mean", frames=None) -> np.ndarray:
    """One image summarising a movie over time: the mean, max, min, std or median of every pixel.

    The statistic is taken along the time axis (axis 0) of the frames selected by `frames`. The
    standard deviation is the population one (``ddof=0``, as ``np.std``). Computed in float64.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
        The movie; NaN is not allowed.
    kind : {"mean", "max", "min", "std", "median"}
        Which statistic.
    frames : slice or (start, stop), optional
        The frames to use, counted from 0. A pair ``(start, stop)`` follows the Python convention:
        frame `start` is included, frame `stop` is not, so ``(100, 500)`` is the 400 frames
        ``movie[100:500]``; unlike slicing, a `stop` beyond the movie is an error, not silently
        clipped. A ``slice`` is applied as is. Default: all frames.

    Returns
    -------
    ndarray, shape (y, x), float64

    Raises
    ------
    ValueError
        Unknown `kind`, a movie that is not 3-D or contains NaN, or a frame range that is empty or
        outside the movie.
    """
    movie = as_movie(movie)
    choice(kind, "kind", PROJECTIONS)
    selected = movie[_frame_selection(frames, movie.shape[0])]
    if kind == "mean":
        return selected.mean(axis=0, dtype=np.float64)
    if kind == "std":
        return selected.std(axis=0, dtype=np.float64)
    if kind == "median":  # in float64: the middle pair of an even count is averaged
        return np.median(selected.astype(np.float64), axis=0)
    return getattr(np, kind)(selected, axis=0).astype(np.float64)


def crop(movie_or_image, y, x) -> np.ndarray:
    """The rectangle of rows ``y[0]:y[1]`` and columns ``x[0]:x[1]`` of an image or of every frame.

    Rows are y and columns are x: ``crop(image, y=(20, 35), x=(15, 35))`` is
    ``image[20:35, 15:35]``, 15 rows tall and 20 columns wide. Both ranges are half-open (the
    stop is excluded), as in Python slicing, but must lie inside the image: a box that would be
    silently clipped or empty raises instead.

    Parameters
    ----------
    movie_or_image : array_like, shape (y, x) or (n_frames, y, x)
    y, x : (start, stop)
        Pixel ranges along the rows (y) and the columns (x).

    Returns
    -------
    ndarray, shape (y[1] - y[0], x[1] - x[0]) or (n_frames, y[1] - y[0], x[1] - x[0])
        A copy, with the input's dtype.

    Raises
    ------
    ValueError
        If the input is not 2-D or 3-D, or a range is empty or outside the image.
    """
    arr = as_array(movie_or_image, "movie_or_image", ndim=(2, 3), dtype=None, allow_nan=True)
    y0, y1 = _box(y, "y", arr.shape[-2], arr.shape)
    x0, x1 = _box(x, "x", arr.shape[-1], arr.shape)
    return arr[..., y0:y1, x0:x1].copy()


def pixel_trace(movie, y: int, x: int) -> np.ndarray:
    """The fluorescence of the pixel in row `y`, column `x` over time: ``movie[:, y, x]``.

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
    y, x : int
        Row and column, from 0. Negative indices are refused (they would silently count from the
        far edge).

    Returns
    -------
    ndarray, shape (n_frames,), float64

    Raises
    ------
    ValueError
        If the movie is not 3-D, contains NaN, or the pixel is outside it.
    """
    movie = as_movie(movie)
    y = _index(y, "y", movie.shape[1], "y (rows)", movie.shape)
    x = _index(x, "x", movie.shape[2], "x (columns)", movie.shape)
    return movie[:, y, x].astype(np.float64)


def time_axis(n_frames: int, fs: float) -> np.ndarray:
    """The time of each frame in seconds, ``np.arange(n_frames) / fs``; frame 0 is at 0 s.

    Parameters
    ----------
    n_frames : int
        Number of frames (> 0; at most ``helpers.validate.MAX_ELEMENTS``).
    fs : float
        Frame rate in Hz.

    Returns
    -------
    ndarray, shape (n_frames,), float64, seconds
    """
    n_frames = whole_number(n_frames, "n_frames", unit="frames")
    check_size(n_frames, "n_frames", "a time axis")
    fs = positive(fs, "fs", unit="Hz")
    return np.arange(n_frames) / fs


# Offsets (dy, dx) to half of the neighbours; the other half are the same pairs seen from the
# other pixel, so each product is computed once and credited to both pixels.
_HALF_NEIGHBOURS = {4: ((0, 1), (1, 0)), 8: ((0, 1), (1, 0), (1, 1), (1, -1))}


def _pair_slices(dy: int, dx: int):
    """Slices selecting pixels p and their neighbours p + (dy, dx), both inside the image."""
    def span(d):
        if d > 0:
            return slice(0, -d), slice(d, None)
        if d < 0:
            return slice(-d, None), slice(0, d)
        return slice(None), slice(None)

    (ya, yb), (xa, xb) = span(dy), span(dx)
    return (ya, xa), (yb, xb)


def local_correlation(movie, neighbours: int = 8) -> np.ndarray:
    """Local correlation image: how much each pixel's trace correlates with its neighbours'.

    For every pixel, the Pearson correlation over time between its trace and the trace of each
    neighbour is computed, and the mean of these correlations is returned. Neighbours are the 4
    pixels sharing an edge or the 8 pixels sharing an edge or a corner. At the border only the
    neighbours inside the image count (a corner pixel has 2 or 3), so no padding enters the
    average. A pixel whose trace is constant has no defined correlation; it is taken as 0 — the
    pixel itself scores 0 and contributes 0 to its neighbours' averages.

    Cell bodies stand out because their pixels share the same calcium transients, while noise is
    independent from pixel to pixel. (CaImAn's ``local_correlations`` with 8 neighbours credits
    the anti-diagonal correlations to the wrong pixels; this implementation is checked against a
    pixel-by-pixel loop.)

    Parameters
    ----------
    movie : array_like, shape (n_frames, y, x)
        At least 2 frames and 2 pixels; NaN is not allowed.
    neighbours : {4, 8}

    Returns
    -------
    ndarray, shape (y, x), float64, values in [-1, 1]

    Raises
    ------
    ValueError
        If `neighbours` is not 4 or 8, the movie is not 3-D, has fewer than 2 frames, is a single
        pixel, or contains NaN.
    """
    movie = as_movie(movie)
    choice(neighbours, "neighbours", tuple(_HALF_NEIGHBOURS), what="pixels sharing an edge, or an edge or a corner")
    n_frames, ny, nx = movie.shape
    if n_frames < 2:
        raise ValueError(f"movie needs at least 2 frames to correlate, got shape {movie.shape}")
    if ny * nx < 2:
        raise ValueError(f"movie has a single pixel, which has no neighbours (shape {movie.shape})")

    # Standardise each trace (zero mean, unit norm) so that a correlation is a plain sum over time
    # of products. float32 throughout: correlations come out accurate to ~1e-6, and einsum sums
    # the products without the temporary arrays of (z[a] * z[b]).sum(0), ~30x faster here.
    centred = movie - movie.mean(axis=0, dtype=np.float64).astype(np.float32)
    norm = np.sqrt(np.einsum("tij,tij->ij", centred, centred))
    z = centred * np.divide(1, norm, out=np.zeros_like(norm), where=norm > 0)

    total = np.zeros((ny, nx))
    count = np.zeros((ny, nx))
    for dy, dx in _HALF_NEIGHBOURS[neighbours]:
        a, b = _pair_slices(dy, dx)
        r = np.einsum("tij,tij->ij", z[(slice(None), *a)], z[(slice(None), *b)])
        total[a] += r
        total[b] += r
        count[a] += 1
        count[b] += 1
    return total / count
