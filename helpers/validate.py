"""Input validation shared by the analysis modules.

Every public analysis function checks its inputs with these and raises a ``ValueError`` (or
``TypeError``) whose message says which argument was wrong, what was expected and what to do.

What is refused everywhere: NaN and ±inf in arrays and numbers; values so large that squaring or
summing them overflows (beyond ``LARGEST``); booleans where a number or a whole-number choice is
asked (``True`` is not 1 here); sizes that would exhaust memory (more than ``MAX_ELEMENTS``
values); and traces whose time axis looks like the first one instead of the last.
"""
from __future__ import annotations

import math
import numbers

import numpy as np

LARGEST = 1e15
"""Largest magnitude accepted in an array: fluorescence, ΔF/F₀, counts and pixel values are far
below it, and squares and sums of such values stay finite (even in float32 movies)."""

MAX_ELEMENTS = 2**25
"""Largest array a parameter may ask a function to build (33.5 million values, 256 MiB of float64:
with a few temporaries of that size a call stays within a couple of GiB)."""

TRANSPOSED_RATIO = 10
"""Traces with at least this many times more rows than columns look transposed..."""

LONG_RECORDING_S = 120.0
"""...unless their frame rate says they last at least this long (seconds): whole-brain recordings
can have many more neurons than frames."""


class NotWholeNumberError(TypeError, ValueError):
    """A count or index that is not a whole number: a TypeError that is also a ValueError, as
    the functions raised ValueError for these before (callers catching either keep working)."""


def _describe(x) -> str:
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape} and dtype {x.dtype}"
    return f"a {type(x).__name__}"


def _check_ndim(arr: np.ndarray, name: str, ndim, what: str = "") -> None:
    """`ndim`: None (any), an int or a tuple of allowed ints."""
    if ndim is None:
        return
    allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
    if arr.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        raise ValueError(f"{name} must be {'a ' if what else ''}{want}{what}, got {_describe(arr)}")


def _non_finite(arr: np.ndarray, name: str) -> None:
    """Raise if a floating array holds NaN, ±inf or values beyond ±LARGEST."""
    if arr.size == 0:
        return
    low, high = arr.min(), arr.max()  # two passes without a temporary; NaN propagates
    if math.isfinite(low) and math.isfinite(high) and max(-low, high) <= LARGEST:
        return
    n_nan = int(np.isnan(arr).sum())
    if n_nan:
        raise ValueError(f"{name} contains {n_nan} NaN value(s): drop or interpolate them first "
                         "(e.g. remove all-NaN rows of a recording)")
    n_inf = int(np.isinf(arr).sum())
    if n_inf:
        raise ValueError(f"{name} contains {n_inf} infinite value(s) (±inf): drop or interpolate "
                         "them first (an overflow or a division by zero upstream?)")
    raise ValueError(f"{name} holds values up to {max(-low, high):.3g} in magnitude, beyond "
                     f"±{LARGEST:.0e}: sums and squares of such values overflow; rescale it "
                     "(e.g. to ΔF/F₀ or to the detector's units)")


def as_array(x, name: str, *, ndim=None, dtype=np.float64, allow_nan: bool = False) -> np.ndarray:
    """Return `x` as an ndarray of `dtype`, checking its number of dimensions and its values.

    `ndim` may be an int or a tuple of allowed ints. Booleans and integers are converted to
    `dtype` (pass ``dtype=None`` to keep the input's dtype). Unless `allow_nan`, NaN, ±inf and
    values beyond ±``LARGEST`` are refused.
    """
    if x is None:
        raise TypeError(f"{name} is None: pass an array")
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name} must be a number or an array of numbers, got {x!r} (a bool)")
    if isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got a string {x[:40]!r}")
    try:
        arr = np.asarray(x) if dtype is None else np.asarray(x, dtype=dtype)
    except OverflowError:
        raise ValueError(f"{name} holds numbers too large for {np.dtype(dtype)}: rescale it") from None
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric array-like, got {_describe(x)} ({err})") from None
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == bool):
        raise TypeError(f"{name} must be a numeric array, got {_describe(arr)} (ragged lists, "
                        "strings or objects?)")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError(f"{name} must hold real numbers, got {_describe(arr)}")
    _check_ndim(arr, name, ndim)
    if arr.size == 0:
        raise ValueError(f"{name} is empty ({_describe(arr)})")
    if not allow_nan and np.issubdtype(arr.dtype, np.floating):
        _non_finite(arr, name)
    return arr


def as_movie(movie, name: str = "movie", *, dtype=np.float32) -> np.ndarray:
    """A movie as a 3-D ``(time, y, x)`` array (float32 by default)."""
    try:
        raw = np.asarray(movie)
    except (TypeError, ValueError):  # ragged: as_array explains
        raw = None
    checked = raw is not None and raw.ndim == 3 and np.issubdtype(raw.dtype, np.floating)
    if checked:
        _non_finite(raw, name)  # before float32 turns large values into inf
    return as_array(movie, name, ndim=3, dtype=dtype, allow_nan=checked)


def time_last(shape, name: str, fs=None) -> None:
    """Refuse a ``(neurons, frames)`` shape that looks like ``(frames, neurons)``.

    Suspicious: at least ``TRANSPOSED_RATIO`` times more rows than columns, unless the frame rate
    `fs` (when the function has one) says the columns last ``LONG_RECORDING_S`` or more. Real
    recordings with many neurons and few frames (1003 neurons x 260 frames) pass.
    """
    if len(shape) != 2:
        return
    rows, cols = shape
    if rows < TRANSPOSED_RATIO * cols:
        return
    if fs is not None and cols / fs >= LONG_RECORDING_S:
        return
    lasting = f" ({cols / fs:.3g} s at fs={fs:g} Hz)" if fs is not None else ""
    raise ValueError(f"{name} has shape {tuple(shape)}: {rows} neurons but only {cols} frames"
                     f"{lasting} — it looks transposed. Time is the last axis, (neurons, frames): "
                     f"if your array is (frames, neurons), pass {name}.T (if it really holds that "
                     f"many neurons, pass them in groups of fewer than {TRANSPOSED_RATIO * cols})")


def as_traces(traces, name: str = "traces", *, fs=None) -> tuple[np.ndarray, bool]:
    """Traces as a 2-D float64 ``(neurons, time)`` array, and whether the input was 1-D.

    Functions accept one trace ``(time,)`` or many; they compute on 2-D and give back the
    input's shape (``out[0] if was_1d else out``). A 2-D array that looks transposed (see
    :func:`time_last`; give `fs` when the function has one) is refused.
    """
    arr = as_array(traces, name, ndim=(1, 2))
    time_last(arr.shape, name, fs)
    was_1d = arr.ndim == 1
    return (arr[np.newaxis] if was_1d else arr), was_1d


def _as_float(value) -> float:
    """A real number as a float; integers too large for a float become ±inf."""
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def number(value, name: str, *, low=-math.inf, high=math.inf, low_open: bool = False,
           unit: str = "", why: str = "") -> float:
    """A finite real number (not a bool) within ``[low, high]`` (``(low, high]`` if `low_open`).

    `why` is appended to the message of a value above `high` (the reason for the bound).
    """
    units = f" in {unit}" if unit else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number{units}, got {value!r}")
    value = _as_float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number{units}, got {value}")
    if value < low or (low_open and value == low):
        if low == 0 and low_open:
            hint = " (a frame rate is unknown? then state the rate you assume)" if name == "fs" else ""
            raise ValueError(f"{name} must be a positive number{units}, got {value:g}{hint}")
        raise ValueError(f"{name} must be {'>' if low_open else '>='} {low:g}{units}, got {value:g}")
    if value > high:
        raise ValueError(f"{name} must be at most {high:g}{units}, got {value:g}{why}")
    return value


SMALLEST = 1e-300
"""Smallest positive number accepted: dividing by anything smaller overflows."""


def positive(value, name: str, *, unit: str = "", high=math.inf, why: str = "") -> float:
    """A finite number > 0 (frame rates, windows, time constants), optionally at most `high`.

    Values below ``SMALLEST`` (1e-300) are refused too: dividing by them overflows."""
    value = number(value, name, low=0, low_open=True, high=high, unit=unit, why=why)
    if value < SMALLEST:
        raise ValueError(f"{name}={value:g}{' ' + unit if unit else ''} is too small to compute with "
                         f"(below {SMALLEST:g}): is it in the right units?")
    return value


def in_range(value, name: str, low: float, high: float) -> float:
    """A finite number within ``[low, high]`` (percentiles, fractions)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) \
            or not math.isfinite(_as_float(value)):
        raise TypeError(f"{name} must be a finite number, got {value!r}")
    if not low <= value <= high:
        raise ValueError(f"{name} must be within [{low}, {high}], got {value}")
    return float(value)


def whole_number(value, name: str, *, low: int = 1, high: int | None = None, unit: str = "",
                 why: str = "") -> int:
    """A whole number (an int, not a bool nor a float) within ``[low, high]``."""
    units = f" of {unit}" if unit else ""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise NotWholeNumberError(f"{name} must be a whole number{units}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be a whole number{units} >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name} must be at most {high}{' ' + unit if unit else ''}, got {value}{why}")
    return int(value)


def choice(value, name: str, options: tuple, *, what: str = ""):
    """One of `options`, compared by value, but never a bool standing in for 0/1 (or an array)."""
    if isinstance(value, (bool, np.bool_)) and not any(isinstance(o, bool) for o in options) \
            or isinstance(value, (np.ndarray, list, dict, set)) \
            or value not in options:
        listed = ", ".join(map(repr, options))
        raise ValueError(f"{name} must be one of {listed}{' (' + what + ')' if what else ''}, got {value!r}")
    return value


def check_size(n_values, name: str, what: str) -> None:
    """Refuse a parameter `name` that asks for more than ``MAX_ELEMENTS`` values of `what`."""
    if n_values > MAX_ELEMENTS:
        raise ValueError(f"{name} asks for {what} of {n_values:.3g} values, more than the "
                         f"{MAX_ELEMENTS:.3g} ({MAX_ELEMENTS * 8 / 2**20:.0f} MiB of float64) this "
                         "course allows: memory would run out. Is it in the right units?")


def window_frames(window_s, fs, n_frames: int, name: str = "window_s", *, shape=None) -> int:
    """Convert a window in seconds to a whole number of frames, ``round(window_s * fs)``.

    Raises if the window is shorter than one frame or longer than the trace. `shape`, the shape
    of the traces, lets the message point out traces that look transposed.
    """
    window_s = positive(window_s, name, unit="seconds")
    fs = positive(fs, "fs", unit="Hz")
    frames = window_s * fs  # may overflow to inf: compared before any conversion to int
    w = round(frames) if frames < 1e15 else math.inf
    if w < 1:
        raise ValueError(f"{name}={window_s} s is shorter than one frame at fs={fs} Hz")
    if w > n_frames:
        hint = ""
        if shape is not None and len(shape) == 2 and shape[0] > shape[1]:
            hint = (f"; the traces are {shape[0]} rows x {shape[1]} frames — time is the last "
                    "axis: if they are (frames, neurons), transpose them (.T)")
        raise ValueError(f"{name}={window_s} s is {w if w < math.inf else f'{frames:.3g}'} frames "
                         f"at fs={fs} Hz, longer than the trace ({n_frames} frames): use a shorter "
                         f"window{hint}")
    return int(w)


def boolean_array(x, name: str, *, ndim=None, hint: str = "") -> np.ndarray:
    """`x` as a boolean array; numbers are accepted if they are all 0 or 1 (`hint` says what else
    to do). `ndim` may be an int or a tuple of allowed ints. Empty arrays pass."""
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be a boolean array, got {_describe(x)} ({err})") from None
    _check_ndim(arr, name, ndim, what=" boolean array")
    if arr.dtype != bool:
        if not np.issubdtype(arr.dtype, np.number) or not np.isin(arr, (0, 1)).all():
            raise ValueError(f"{name} must be boolean (or 0/1){'; ' + hint if hint else ''}")
        arr = arr.astype(bool)
    return arr


def mask_2d(mask, name: str = "mask", shape=None) -> np.ndarray:
    """A boolean ``(y, x)`` mask, not empty, optionally of a given image shape."""
    arr = boolean_array(mask, name, ndim=2, hint="for a label image select one label, e.g. labels == 3")
    if shape is not None and arr.shape != tuple(shape):
        raise ValueError(f"{name} has shape {arr.shape} but the image/movie frames are {tuple(shape)}")
    if not arr.any():
        raise ValueError(f"{name} is empty (no True pixel)")
    return arr
