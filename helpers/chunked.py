"""The pipeline on movies larger than memory: the same analysis, one chunk of frames at a time, with
``dask.array``.

A dask array is a grid of NumPy *chunks* and a recipe (a task graph) saying how to make each
result chunk from input chunks; nothing is computed until ``.compute()`` (or ``dask.compute``
for several results at once, sharing the reads). Movies here are chunked **along time only**:
each chunk holds whole frames, ``chunks=(n_frames_per_chunk, y, x)``. The scheduler then keeps a
few chunks in memory at a time, whatever the movie's length. Every function below returns a
*lazy* dask array; compute it, or pass several to ``dask.compute``.

How each step splits into chunks — three patterns, and the in-memory functions of the course do
the work inside each chunk:

- **Per frame** (registration): each output frame needs only its input frame (and a template
  computed once beforehand). ``map_blocks`` / ``blockwise`` apply
  :func:`helpers.registration.estimate_shifts` and :func:`~helpers.registration.apply_shifts` to
  each chunk. ROI traces are per frame too: one sparse matrix product per chunk.
- **Over all of time** (projections, local correlation): every pixel's result depends on every
  frame. Each chunk contributes *sums* (of x, of x², of neighbours' products), the sums of all
  chunks are added, and the result is computed from the totals. (The mean of the chunks'
  standard deviations is *not* the standard deviation: chunks differ in mean.)
- **Along time, locally** (rolling baselines, temporal filters): each output frame needs the
  frames within a window around it. ``map_overlap`` lends every chunk ``depth`` frames of each
  neighbour, runs the in-memory filter (:mod:`helpers.baseline`) and trims them off again; with
  ``depth`` at least half the window, the result equals the in-memory one exactly.

:func:`measure` reports a computation's time and the peak memory it allocates.

This module only computes: it reads no files (see :mod:`helpers.tiff_series` for a lazy reader of
TIFF series). Results equal the in-memory functions' (``tests/test_chunked.py``).
"""
from __future__ import annotations

import dataclasses
import time
import tracemalloc

import dask
import dask.array as da
import numpy as np
import scipy.sparse

from helpers import baseline as bl, registration as reg
from helpers.validate import as_array, boolean_array, choice, in_range, positive, whole_number, window_frames

#: Offsets (dy, dx) to half of the 8 (or 4) neighbours of a pixel; the other half are the same
#: pairs seen from the other pixel.
_HALF_NEIGHBOURS = {4: ((0, 1), (1, 0)), 8: ((0, 1), (1, 0), (1, 1), (1, -1))}


def _span(d: int) -> tuple[slice, slice]:
    if d > 0:
        return slice(0, -d), slice(d, None)
    if d < 0:
        return slice(-d, None), slice(0, d)
    return slice(None), slice(None)


def _pairs(dy: int, dx: int):
    """``(a, b)``: slices of the pixels p and of their neighbours p + (dy, dx), both inside."""
    (ya, yb), (xa, xb) = _span(dy), _span(dx)
    return (ya, xa), (yb, xb)


# --------------------------------------------------------------------------- dask arrays

def time_chunks(movie, chunk_frames: int) -> da.Array:
    """A movie as a dask array chunked along time: chunks of `chunk_frames` whole frames.

    Parameters
    ----------
    movie : ndarray, dask array, or lazy array (e.g. :class:`helpers.tiff_series.TiffSeries`)
        ``(n_frames, y, x)``; anything with ``shape``, ``dtype``, ``ndim`` and slicing. A dask
        array is rechunked (merging neighbouring chunks costs little; splitting frames across
        chunks along y or x is undone).
    chunk_frames : int
        Frames per chunk (the last chunk holds the rest). Memory per chunk is
        ``chunk_frames * y * x * itemsize`` bytes, and more for each copy a step makes (float32
        conversion: 4 bytes per pixel).

    Returns
    -------
    dask.array.Array, chunks ``(chunk_frames, y, x)``
    """
    chunk_frames = whole_number(chunk_frames, "chunk_frames", unit="frames")
    if getattr(movie, "ndim", None) != 3:
        raise ValueError(f"movie must be a (time, y, x) array, got {getattr(movie, 'shape', type(movie).__name__)}")
    if isinstance(movie, da.Array):
        return movie.rechunk((chunk_frames, -1, -1))
    return da.from_array(movie, chunks=(chunk_frames, -1, -1), asarray=False, lock=False)


def _finite_chunk(chunk: np.ndarray, name: str) -> np.ndarray:
    """The chunk itself, or a ValueError if it holds NaN or ±inf (checked when it is computed)."""
    if chunk.size and not np.isfinite(chunk).all():
        n_bad = int((~np.isfinite(chunk)).sum())
        raise ValueError(f"{name} contains {n_bad} NaN or infinite value(s) in one of its chunks: drop or "
                         "interpolate them first")
    return chunk


def _as_dask_movie(movie, name: str = "movie") -> da.Array:
    """A 3-D dask array with whole frames in every chunk (an ndarray becomes one chunk); a float
    movie's chunks are checked for NaN and ±inf as they are computed."""
    if not isinstance(movie, da.Array):
        if getattr(movie, "ndim", None) == 3 and not isinstance(movie, np.ndarray):
            movie = time_chunks(movie, movie.shape[0])
        else:
            movie = da.from_array(as_array(movie, name, ndim=3, dtype=None, allow_nan=True), chunks=-1)
    if movie.ndim != 3:
        raise ValueError(f"{name} must be a (time, y, x) dask array, got shape {movie.shape}")
    if not (np.issubdtype(movie.dtype, np.number) and not np.issubdtype(movie.dtype, np.complexfloating)):
        raise TypeError(f"{name} must hold real numbers, got dtype {movie.dtype}")
    if len(movie.chunks[1]) > 1 or len(movie.chunks[2]) > 1:
        movie = movie.rechunk({1: -1, 2: -1})  # whole frames per chunk
    if np.issubdtype(movie.dtype, np.floating):
        movie = movie.map_blocks(_finite_chunk, name, dtype=movie.dtype)
    return movie


def projections(movie, kinds=("mean", "max", "std")) -> dict[str, da.Array]:
    """Lazy projections of a movie over time: ``{"mean": ..., "max": ..., "std": ...}``.

    Each is a float64 ``(y, x)`` image equal to :func:`helpers.movie.projection` of the whole
    movie (the std is the population one, ``ddof=0``). Dask reduces chunk by chunk — sums and
    counts for the mean and std, maxima for the max — and combines the partial results in a
    tree, so memory holds a few chunks and small partial images. Compute several at once with
    ``dask.compute(*projections(m).values())``: the chunks are read once for all of them.

    Parameters
    ----------
    movie : dask array or array-like, (n_frames, y, x)
    kinds : sequence of {"mean", "max", "min", "std"}
    """
    movie = _as_dask_movie(movie)
    out = {}
    for kind in kinds:
        choice(kind, "kind", ("mean", "max", "min", "std"))
        if kind in ("mean", "std"):
            out[kind] = getattr(movie, kind)(axis=0, dtype=np.float64)
        else:
            out[kind] = getattr(movie, kind)(axis=0).astype(np.float64)
    return out


# --------------------------------------------------------------------------- local correlation

def _correlation_sums(chunk: np.ndarray, reference: np.ndarray, neighbours: int) -> np.ndarray:
    """Per-chunk sums ``(2 + k, y, x)``: Σx, Σx², and Σ x_p x_{p + offset} for each of the k
    half-neighbour offsets (at the pixels p that have that neighbour), of ``x = chunk - reference``."""
    x = chunk.astype(np.float64) - reference
    out = np.zeros((2 + len(_HALF_NEIGHBOURS[neighbours]), *x.shape[1:]))
    out[0] = x.sum(axis=0)
    out[1] = np.einsum("tij,tij->ij", x, x)
    for k, (dy, dx) in enumerate(_HALF_NEIGHBOURS[neighbours]):
        a, b = _pairs(dy, dx)
        out[(2 + k, *a)] = np.einsum("tij,tij->ij", x[(slice(None), *a)], x[(slice(None), *b)])
    return out[None]


def _correlation_from_sums(sums: np.ndarray, n_frames: int, neighbours: int) -> np.ndarray:
    s1, s2 = sums[0], sums[1]
    var = np.maximum(s2 - s1 * s1 / n_frames, 0.0)
    # A pixel whose trace is constant has no correlation: its pairs count as 0 (as in
    # helpers.movie.local_correlation). The sums are of x - first frame, so a constant pixel's
    # are exactly 0; the relative bound only absorbs rounding.
    varying = var > 1e-12 * np.maximum(s2 / n_frames, 1e-300)
    sd = np.sqrt(np.where(varying, var, 1.0))
    total = np.zeros(s1.shape)
    count = np.zeros(s1.shape)
    for k, (dy, dx) in enumerate(_HALF_NEIGHBOURS[neighbours]):
        a, b = _pairs(dy, dx)
        cov = sums[(2 + k, *a)] - s1[a] * s1[b] / n_frames
        r = np.where(varying[a] & varying[b], cov / (sd[a] * sd[b]), 0.0)
        total[a] += r
        total[b] += r
        count[a] += 1
        count[b] += 1
    return total / count


def local_correlation(movie, neighbours: int = 8) -> da.Array:
    """Lazy local correlation image of a movie chunked along time.

    The same image as :func:`helpers.movie.local_correlation` — for each pixel, the mean Pearson
    correlation over time with its 4 or 8 neighbours inside the image; a constant pixel counts
    as 0 — but computed from sums: each chunk contributes Σx, Σx² and the sums of products of
    neighbouring pixels (of ``x`` = the movie minus its first frame, which keeps the sums small),
    the chunks' sums are added, and the correlations come from the totals. Correlations of the
    chunks themselves cannot be averaged: a correlation is not a sum.

    Parameters
    ----------
    movie : dask array or array-like, (n_frames, y, x), at least 2 frames and 2 pixels
    neighbours : {4, 8}

    Returns
    -------
    dask.array.Array, (y, x), float64
    """
    choice(neighbours, "neighbours", tuple(_HALF_NEIGHBOURS), what="pixels sharing an edge, or an edge or a corner")
    movie = _as_dask_movie(movie)
    n_frames, ny, nx = movie.shape
    if n_frames < 2 or ny * nx < 2:
        raise ValueError(f"a local correlation needs at least 2 frames and 2 pixels, got shape {movie.shape}")
    reference = movie[0].astype(np.float64)
    k = len(_HALF_NEIGHBOURS[neighbours])
    per_chunk = movie.map_blocks(_correlation_sums, reference[None], neighbours, dtype=np.float64,
                                 chunks=((1,) * movie.numblocks[0], (2 + k,), (ny,), (nx,)), new_axis=1)
    totals = per_chunk.sum(axis=0)
    return totals.map_blocks(_correlation_from_sums, n_frames, neighbours, dtype=np.float64,
                             drop_axis=0, chunks=((ny,), (nx,)))


# --------------------------------------------------------------------------- registration

def _shifts_of_chunk(chunk, template, upsample, max_shift, normalization):
    return reg.estimate_shifts(chunk, template, upsample=upsample, max_shift=max_shift,
                               normalization=normalization)


def _template_array(template, movie: da.Array) -> np.ndarray:
    if template is None:
        raise TypeError("template is None: compute one image first (e.g. the mean of a still stretch "
                        "of frames) and register every chunk to it; a per-chunk template would give "
                        "each chunk its own offset")
    if isinstance(template, da.Array):
        template = template.compute()
    template = as_array(template, "template", ndim=2)
    if template.shape != movie.shape[1:]:
        raise ValueError(f"template has shape {template.shape} but the frames are {movie.shape[1:]}")
    return template


def estimate_shifts(movie, template, upsample: int = 10, max_shift=None, normalization=None) -> da.Array:
    """Lazy rigid shifts ``(n_frames, 2)`` of every frame against one template, chunk by chunk.

    Each chunk is passed to :func:`helpers.registration.estimate_shifts` with the same
    `template` (see there for the sign convention and the other parameters): the shifts equal
    the in-memory ones, whatever the chunking. The template must be given: a template per chunk
    (e.g. each chunk's own mean) would measure each chunk's shifts from a different origin.

    Returns
    -------
    dask.array.Array, (n_frames, 2), float64, chunked like the movie along time.
    """
    movie = _as_dask_movie(movie)
    template = _template_array(template, movie)
    return movie.map_blocks(_shifts_of_chunk, template, upsample, max_shift, normalization,
                            dtype=np.float64, drop_axis=(1, 2), new_axis=1,
                            chunks=(movie.chunks[0], (2,)))


def _apply_to_chunk(chunk, shifts, order):
    return reg.apply_shifts(chunk, shifts, order=order)


def apply_shifts(movie, shifts, order: int = 3) -> da.Array:
    """Lazy registered movie: :func:`helpers.registration.apply_shifts` on each chunk with its
    frames' shifts. `shifts` may be a NumPy array ``(n_frames, 2)`` or a dask array (e.g. from
    :func:`estimate_shifts`); it is aligned with the movie's chunks. Returns float32 frames."""
    movie = _as_dask_movie(movie)
    if not isinstance(shifts, da.Array):
        shifts = as_array(shifts, "shifts", ndim=2)
    if tuple(shifts.shape) != (movie.shape[0], 2):
        raise ValueError(f"shifts must have shape (n_frames, 2) = ({movie.shape[0]}, 2), got {tuple(shifts.shape)}")
    shifts = (shifts if isinstance(shifts, da.Array) else da.from_array(shifts)).rechunk((movie.chunks[0], 2))
    return da.blockwise(_apply_to_chunk, "tyx", movie, "tyx", shifts, "tk", order, None,
                        dtype=np.float32, concatenate=True)


def register(movie, template, upsample: int = 10, max_shift=None, normalization=None, order: int = 3):
    """``(registered, shifts)``, both lazy: :func:`estimate_shifts` then :func:`apply_shifts`.

    Computing the registered movie computes each chunk's shifts on the way: one pass over the
    data, chunk by chunk. Computing both, or several results of the registered movie, in one
    ``dask.compute`` shares that pass.
    """
    shifts = estimate_shifts(movie, template, upsample=upsample, max_shift=max_shift, normalization=normalization)
    return apply_shifts(movie, shifts, order=order), shifts


# --------------------------------------------------------------------------- ROI traces

def _mask_stack(masks, shape=None) -> tuple[np.ndarray, bool]:
    """Masks as a boolean (n, y, x) stack without empty masks, and whether one 2-D mask was given."""
    arr = boolean_array(masks, "masks", ndim=(2, 3))
    was_2d = arr.ndim == 2
    arr = arr[None] if was_2d else arr
    if len(arr) == 0:
        raise ValueError("masks is an empty stack: pass at least one (y, x) mask")
    if shape is not None and arr.shape[1:] != tuple(shape):
        raise ValueError(f"masks have frames of shape {arr.shape[1:]} but the movie's frames are {tuple(shape)}")
    empty = np.flatnonzero(~arr.any(axis=(1, 2)))
    if empty.size:
        raise ValueError(f"masks {empty.tolist()} are empty (no True pixel): drop them first")
    return arr, was_2d


def roi_weights(masks) -> scipy.sparse.csr_array:
    """The ROIs' mean as a sparse matrix ``W`` of shape ``(n_rois, y * x)``: ``W[i, p] = 1 / |mask i|``
    on the pixels of mask i (in raster order, ``y * width + x``), 0 elsewhere.

    ``W @ frames.reshape(n_frames, -1).T`` is then the ``(n_rois, n_frames)`` matrix of ROI mean
    traces: one product for all ROIs and frames. It stores only the ROIs' pixels, a few
    thousand numbers where a dense matrix would hold ``n_rois * y * x``.
    """
    masks, _ = _mask_stack(masks)
    n = len(masks)
    flat = masks.reshape(n, -1)
    rows, cols = np.nonzero(flat)
    values = 1.0 / flat.sum(axis=1)[rows]
    return scipy.sparse.csr_array((values, (rows, cols)), shape=flat.shape)


def _traces_of_chunk(chunk, weights, used):
    pixels = chunk.reshape(len(chunk), -1)[:, used].astype(np.float64)  # only the ROIs' pixels
    return np.asarray(weights @ pixels.T)


def roi_traces(movie, masks) -> da.Array:
    """Lazy mean trace of every ROI, ``(n_rois, n_frames)`` float64, one sparse product per chunk.

    Equal to ``helpers.masks.roi_traces(movie, masks)`` (the mean over each mask). Each chunk
    multiplies :func:`roi_weights` (restricted to the pixels some ROI uses) by its frames' pixels;
    the result is chunked along time like the movie.
    """
    movie = _as_dask_movie(movie)
    masks, was_2d = _mask_stack(masks, shape=movie.shape[1:])
    weights = roi_weights(masks)
    used = np.flatnonzero(masks.reshape(len(masks), -1).any(axis=0))
    weights = weights[:, used]
    traces = movie.map_blocks(_traces_of_chunk, weights, used, dtype=np.float64, drop_axis=(1, 2),
                              new_axis=0, chunks=((len(masks),), movie.chunks[0]))
    return traces[0] if was_2d else traces


# --------------------------------------------------------------------------- rolling baseline

def overlap_frames(window: int) -> int:
    """Frames a chunk must borrow from each neighbour for a centred rolling window of `window`
    frames: the window of frame t reaches ``window // 2`` frames into the past (and
    ``(window - 1) // 2`` into the future), so ``window // 2``."""
    return whole_number(window, "window", unit="frames") // 2


def _as_dask_traces(traces, name: str = "traces") -> tuple[da.Array, bool]:
    if not isinstance(traces, da.Array):
        traces = da.from_array(as_array(traces, name, ndim=(1, 2)), chunks=-1)
    if traces.ndim not in (1, 2):
        raise ValueError(f"{name} must be (n_frames,) or (n_neurons, n_frames), got shape {traces.shape}")
    was_1d = traces.ndim == 1
    if was_1d:
        traces = traces[None]
    if len(traces.chunks[0]) > 1:
        traces = traces.rechunk({0: -1})
    return traces.astype(np.float64), was_1d


def _at_least(chunks: tuple, size: int) -> tuple:
    """Chunk sizes along one axis, neighbours merged until each holds at least `size` (or all)."""
    merged = []
    for c in chunks:
        if merged and merged[-1] < size:
            merged[-1] += c
        else:
            merged.append(c)
    if len(merged) > 1 and merged[-1] < size:
        merged[-2] += merged.pop()
    return tuple(merged)


def _baseline_of_chunk(chunk, q, window_s, fs, mode):
    return bl.rolling_percentile(chunk, q, window_s, fs, mode=mode)


def rolling_baseline(traces, q, window_s, fs, *, mode="nearest") -> da.Array:
    """Lazy :func:`helpers.baseline.rolling_percentile` of traces chunked along time, by ``map_overlap``.

    Each chunk borrows :func:`overlap_frames` frames from each neighbouring chunk, runs the
    in-memory rolling percentile on the extended chunk, and drops the borrowed frames again; the
    ends of the whole trace are handled by `mode`, as in memory (dask adds nothing there:
    ``boundary="none"``). The result equals the in-memory baseline exactly, for any chunking.

    Parameters
    ----------
    traces : dask array or array_like, (n_frames,) or (n_neurons, n_frames)
        Chunked along time (the last axis). Chunks shorter than the window are merged with their
        neighbours first (an extended chunk must hold at least one window).
    q, window_s, fs, mode
        As :func:`helpers.baseline.rolling_percentile`: percentile, window in seconds (converted
        to ``round(window_s * fs)`` frames), frame rate in Hz, edge mode.

    Returns
    -------
    dask.array.Array, same shape as `traces`, float64.
    """
    fs = positive(fs, "fs", unit="Hz")
    traces, was_1d = _as_dask_traces(traces)
    q = in_range(q, "q", 0, 100)
    size = window_frames(window_s, fs, traces.shape[-1], shape=traces.shape)
    choice(mode, "mode", bl.EDGE_MODES, what="how the window sees past the ends of the trace")
    traces = traces.rechunk({1: _at_least(traces.chunks[1], size)})
    out = traces.map_overlap(_baseline_of_chunk, depth={0: 0, 1: overlap_frames(size)}, boundary="none",
                             q=q, window_s=window_s, fs=fs, mode=mode, dtype=np.float64)
    return out[0] if was_1d else out


# --------------------------------------------------------------------------- measuring

@dataclasses.dataclass(frozen=True)
class Measurement:
    """What :func:`measure` found: the wall-clock time in seconds, the peak memory allocated
    during the call in bytes (above what was allocated before it), and the call's result."""

    seconds: float
    peak_bytes: int
    result: object = dataclasses.field(repr=False)

    @property
    def peak_mb(self) -> float:
        """Peak memory in MB (10**6 bytes)."""
        return self.peak_bytes / 1e6

    def __str__(self):
        return f"{self.seconds:.2f} s, peak memory {self.peak_mb:.1f} MB"


def measure(function, *args, **kwargs) -> Measurement:
    """Call ``function(*args, **kwargs)`` and measure its wall-clock time and peak memory.

    Memory is what Python and NumPy allocate during the call, in every thread, as traced by
    :mod:`tracemalloc`: the arrays a computation makes, chunks included. Not counted: memory
    allocated before the call (the interpreter, the libraries, existing arrays), and pages of
    memory-mapped files, which belong to the operating system's file cache and are dropped when
    memory is short. So it answers "how much memory does this computation need", which is what a
    memory budget is about; the process's resident size (RSS) is larger by the libraries it
    holds. Tracing slows code that allocates many small Python objects, a little.
    """
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        start = time.perf_counter()
        result = function(*args, **kwargs)
        seconds = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] - before
    finally:
        if started:
            tracemalloc.stop()
    return Measurement(seconds, max(int(peak), 0), result)


def compute(*arrays, scheduler: str = "threads", num_workers: int | None = None):
    """``dask.compute(*arrays)`` with a chosen local scheduler: ``"threads"`` (the default of dask
    arrays, `num_workers` threads, default one per core) or ``"synchronous"`` (one chunk after
    the other in this thread: slower, but its memory use is the same on every machine)."""
    choice(scheduler, "scheduler", ("threads", "synchronous"))
    options = {"scheduler": scheduler}
    if num_workers is not None and scheduler == "threads":
        options["num_workers"] = whole_number(num_workers, "num_workers", unit="threads")
    return dask.compute(*arrays, **options)


__all__ = ["time_chunks", "projections", "local_correlation", "estimate_shifts", "apply_shifts", "register",
           "roi_weights", "roi_traces", "overlap_frames", "rolling_baseline", "Measurement", "measure",
           "compute"]
