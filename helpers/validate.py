"""Input validation shared by the analysis modules.

Every public analysis function checks its inputs with these and raises a ``ValueError`` (or
``TypeError``) whose message says which argument was wrong, what was expected and what to do.
"""
from __future__ import annotations

import numbers

import numpy as np


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"a {type(x).__name__}"


def as_array(x, name: str, *, ndim=None, dtype=np.float64, allow_nan: bool = False) -> np.ndarray:
    """Return `x` as an ndarray of `dtype`, checking its number of dimensions and NaN.

    `ndim` may be an int or a tuple of allowed ints. Booleans and integers are converted to
    `dtype` (pass ``dtype=None`` to keep the input's dtype).
    """
    if x is None:
        raise TypeError(f"{name} is None: pass an array")
    try:
        arr = np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric array-like, got {_describe(x)} ({err})") from None
    if arr.dtype == object:
        raise TypeError(f"{name} must be a numeric array, got an object array (ragged lists?)")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            want = " or ".join(f"{d}-D" for d in allowed)
            raise ValueError(f"{name} must be {want}, got {_describe(arr)}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty ({_describe(arr)})")
    if not allow_nan and np.issubdtype(arr.dtype, np.floating) and np.isnan(arr).any():
        n = int(np.isnan(arr).sum())
        raise ValueError(f"{name} contains {n} NaN value(s): drop or interpolate them first "
                         "(e.g. remove all-NaN rows of a recording)")
    return arr


def as_movie(movie, name: str = "movie", *, dtype=np.float32) -> np.ndarray:
    """A movie as a 3-D ``(time, y, x)`` array (float32 by default)."""
    arr = as_array(movie, name, ndim=3, dtype=dtype)
    return arr


def as_traces(traces, name: str = "traces") -> tuple[np.ndarray, bool]:
    """Traces as a 2-D float64 ``(neurons, time)`` array, and whether the input was 1-D.

    Functions accept one trace ``(time,)`` or many; they compute on 2-D and give back the
    input's shape (``out[0] if was_1d else out``).
    """
    arr = as_array(traces, name, ndim=(1, 2))
    was_1d = arr.ndim == 1
    return (arr[np.newaxis] if was_1d else arr), was_1d


def positive(value, name: str, *, unit: str = "") -> float:
    """A finite number > 0 (frame rates, windows, time constants)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{' in ' + unit if unit else ''}, got {_describe(value)}")
    value = float(value)
    if not np.isfinite(value) or value <= 0:
        hint = " (a frame rate is unknown? then state the rate you assume)" if name == "fs" else ""
        raise ValueError(f"{name} must be a positive number{' in ' + unit if unit else ''}, got {value}{hint}")
    return value


def in_range(value, name: str, low: float, high: float) -> float:
    """A finite number within ``[low, high]`` (percentiles, fractions)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be within [{low}, {high}], got {value}")
    return float(value)


def window_frames(window_s, fs, n_frames: int, name: str = "window_s") -> int:
    """Convert a window in seconds to an odd-or-even whole number of frames, ``round(window_s * fs)``.

    Raises if the window is shorter than one frame or longer than the trace.
    """
    window_s = positive(window_s, name, unit="seconds")
    fs = positive(fs, "fs", unit="Hz")
    w = int(round(window_s * fs))
    if w < 1:
        raise ValueError(f"{name}={window_s} s is shorter than one frame at fs={fs} Hz")
    if w > n_frames:
        raise ValueError(f"{name}={window_s} s is {w} frames at fs={fs} Hz, longer than the trace "
                         f"({n_frames} frames): use a shorter window")
    return w


def mask_2d(mask, name: str = "mask", shape=None) -> np.ndarray:
    """A boolean ``(y, x)`` mask, not empty, optionally of a given image shape."""
    arr = np.asarray(mask)
    if arr.ndim != 2:
        raise ValueError(f"{name} must be a 2-D (y, x) mask, got {_describe(arr)}")
    if arr.dtype != bool:
        if not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must be boolean (or 0/1); for a label image select one label, "
                             "e.g. labels == 3")
        arr = arr.astype(bool)
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} has shape {arr.shape} but the image/movie frames are {tuple(shape)}")
    if not arr.any():
        raise ValueError(f"{name} is empty (no True pixel)")
    return arr
