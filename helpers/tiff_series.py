"""A recording larger than memory, on disk: a simulated one written as a TIFF series one block of
frames at a time, and a lazy reader for any series of uncompressed TIFF files.

Microscopes write long recordings as a *series* of files (ScanImage, for instance, a new file
every few hundred or thousand frames), because one 50 GB file is awkward to copy, check and open.
Here each file is an ImageJ hyperstack — axes ``TYX``, ``uint16`` like a detector's counts, the
frame interval in its metadata — stored uncompressed and contiguous: frame ``k`` of a file
starts at a known byte offset, so any frame can be read without reading the others.

- :class:`SimulatedRecording` — a long movie made of :mod:`helpers.simulate`'s public pieces
  (the cells and neuropil of ``simulate_movie``, the spikes, calcium and baselines of
  ``simulate_traces``), with whole-pixel rigid motion and the Gaussian equivalent of shot and
  read noise. It is generated in fixed blocks of :data:`BLOCK_FRAMES` frames, each with its own
  random stream, so any range of frames can be made on its own, in any order, and always holds
  the same numbers: the whole movie never needs to exist in memory.
- :func:`write_series` — the recording as a series of TIFF files, one file in memory at a time.
- :class:`TiffSeries` — a whole series as one lazy ``(time, y, x)`` array: it has a shape and a
  dtype, and indexing it reads only the frames asked for, from the files that hold them (see
  :func:`file_ranges`). ``dask.array.from_array(series, chunks=...)`` turns it into a dask array.
- :class:`ArraySeries` — the same reading behaviour over an array already in memory (tests).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import numbers
import os
from pathlib import Path

import numpy as np
import tifffile

from helpers import simulate

#: Frames generated together with one random stream; frame ranges are cut from these blocks.
BLOCK_FRAMES = 100

#: The scene is simulated this many pixels beyond the field of view on every side, so that the
#: motion brings real tissue, not an edge, into view.
_MARGIN_EXTRA_PX = 2


@dataclasses.dataclass(frozen=True, eq=False, repr=False)
class LargeTruth:
    """Ground truth of a :class:`SimulatedRecording` (arrays read-only; ``n`` cells, ``T`` frames).

    Attributes
    ----------
    masks : bool (n, y, x)
        True ROI of each cell whose mask lies inside the field of view, at least
        ``max_shift_px`` from its edge (cells nearer the edge, or beyond it, are in the movie but
        not here).
    footprints : float32 (n, y, x)
        Each of those cells' brightness image (a.u.), in the coordinates of the motion-free field.
    shifts : int64 (T, 2)
        Rigid motion ``(dy, dx)`` in whole pixels: frame t shows ``scene(y - dy, x - dx)``.
    spikes : int32 (n, T); calcium, f0 : float64 (n, T)
        Spike counts per frame, the noiseless indicator signal (ΔF/F₀, fraction) and the soma's
        baseline F₀ (a.u.), as in :class:`helpers.simulate.GroundTruth`.
    traces : float64 (n, T)
        The noiseless mean over each mask of the motion-free movie (soma and neuropil): what an
        ROI trace of the registered movie measures, minus noise.
    baseline : float64 (n, T)
        The level each of those traces returns to when its cell and the neuropil are quiet: the
        soma's F₀ plus the neuropil's resting level under the mask (a.u.).
    noise_sd : float64 (n,)
        S.d. of the noise of each ROI's mean trace (shot and read noise of its pixels, at the
        trace's mean level).
    cells : int64 (n,)
        Index of each cell in the simulator's recordings.
    visible_masks : bool (k, y, x)
        The part inside the field of view of every cell that shows there at all (k >= n,
        including cells cut by the edge): what a detected ROI may rightly match.
    """

    masks: np.ndarray
    footprints: np.ndarray
    shifts: np.ndarray
    spikes: np.ndarray
    calcium: np.ndarray
    f0: np.ndarray
    traces: np.ndarray
    baseline: np.ndarray
    noise_sd: np.ndarray
    cells: np.ndarray
    visible_masks: np.ndarray

    def __repr__(self):
        n, T = self.spikes.shape
        return f"LargeTruth({n} cells inside the field x {T} frames, motion up to {np.abs(self.shifts).max()} px)"


def _read_only(*arrays):
    for a in arrays:
        a.flags.writeable = False


def _whole(value, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be a whole number, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be at least {low}, got {value}")
    return int(value)


class SimulatedRecording:
    """A simulated two-photon recording of any length, generated a block of frames at a time.

    The movie is ``uint16`` ``(n_frames, height, width)``: somata and neuropil from
    ``simulate.simulate_movie`` (its ``truth.footprints`` and ``truth.neuropil_maps`` on a field
    ``2 * margin`` pixels larger than the frame), their time courses from
    ``simulate.simulate_traces`` with the same seed and model (so the same spikes, calcium,
    baselines, bleaching and drift as a movie of that length), whole-pixel rigid motion (a random
    walk of s.d. `motion_step_px` per frame, reflected at ±`max_shift_px`, rounded to whole
    pixels), Gaussian noise with the variance of the photon shot noise and the read noise
    (``value / photons_per_unit + read_noise**2``), rounded and clipped to ``0..65535``.

    The neuropil's three activity components are the fluctuations of the first three neuropil
    traces of ``simulate_traces`` (each a mixture of the simulator's components), so the movie's
    neuropil is calcium-like and spatially smooth like the simulator's.

    Parameters
    ----------
    n_frames, height, width : int
        Shape of the movie.
    fs : float
        Frame rate in Hz.
    n_cells : int
        Cells placed in the (enlarged) scene; those inside the field of view are in ``truth``.
    seed : int
        The same seed and parameters give the same movie, pixel for pixel.
    max_shift_px : int
        Largest displacement along each axis, in whole pixels (0: no motion).
    motion_step_px : float
        S.d. of the motion's random walk per frame, in pixels, before rounding.
    **model
        Passed to both simulator calls: ``rate_hz``, ``indicator``, ``radius_px`` (movie only)
        and any of ``simulate.MODEL_DEFAULTS``.
    """

    def __init__(self, n_frames=4000, height=128, width=128, fs=15.0, n_cells=40, seed=0, *,
                 max_shift_px=4, motion_step_px=0.2, radius_px=(3.0, 6.0), **model):
        self.n_frames = _whole(n_frames, "n_frames")
        self.height, self.width = _whole(height, "height", 8), _whole(width, "width", 8)
        self.fs, self.seed = float(fs), seed
        self.max_shift_px = _whole(max_shift_px, "max_shift_px", 0)
        self.params = dict(n_frames=n_frames, height=height, width=width, fs=fs, n_cells=n_cells,
                           seed=seed, max_shift_px=max_shift_px, motion_step_px=motion_step_px,
                           radius_px=radius_px, **model)
        margin = self.max_shift_px + _MARGIN_EXTRA_PX
        self._margin = margin
        scene = simulate.simulate_movie(n_cells=n_cells, shape=(8, height + 2 * margin, width + 2 * margin),
                                        fs=fs, seed=seed, radius_px=radius_px, **model)
        model_only = {k: v for k, v in model.items() if k != "indicator"}
        time_courses = simulate.simulate_traces(n_neurons=n_cells, n_frames=self.n_frames, fs=fs, seed=seed,
                                                indicator=model.get("indicator", "GCaMP6s"), **model_only)
        truth = time_courses.truth
        footprints, masks = scene.truth.footprints, scene.truth.masks
        f0_level = (footprints * masks).sum(axis=(1, 2)) / masks.sum(axis=(1, 2))
        soma = truth.f0 / f0_level[:, None] * (1.0 + truth.calcium)
        bleach = np.exp(-np.arange(self.n_frames) / self.fs / scene.truth.params["bleach_tau_s"])
        neuropil = time_courses.truth.neuropil[:3] / bleach
        activity = neuropil / neuropil.min(axis=1, keepdims=True) - 1.0
        courses = np.vstack([bleach, bleach * activity])
        #: The scene is low-rank: (T, m) time courses times (m, pixels) images.
        self._temporal = np.ascontiguousarray(np.vstack([soma, courses]).T, dtype=np.float32)
        self._spatial = np.concatenate([footprints, scene.truth.neuropil_maps]).astype(np.float32)
        self._gain = scene.truth.params["photons_per_unit"]
        self._read_noise = scene.truth.params["read_noise"]

        rng = np.random.default_rng([seed, 7])
        walk = np.cumsum(rng.normal(0.0, motion_step_px, (self.n_frames, 2)), axis=0)
        bound = self.max_shift_px
        if bound:
            folded = np.mod(walk + bound, 4 * bound)
            walk = np.where(folded > 2 * bound, 4 * bound - folded, folded) - bound
            shifts = np.clip(np.rint(walk), -bound, bound).astype(np.int64)
        else:
            shifts = np.zeros((self.n_frames, 2), np.int64)

        fov = (slice(margin, margin + height), slice(margin, margin + width))
        inner = (slice(margin + bound, margin + height - bound), slice(margin + bound, margin + width - bound))
        inside = masks[(slice(None), *inner)].sum(axis=(1, 2)) == masks.sum(axis=(1, 2))
        cells = np.flatnonzero(inside)
        fov_masks = np.ascontiguousarray(masks[(slice(None), *fov)][cells])
        mask_mean = fov_masks.reshape(len(cells), -1) / fov_masks.sum(axis=(1, 2))[:, None]
        spatial_fov = self._spatial[(slice(None), *fov)].reshape(len(self._spatial), -1).astype(np.float64)
        under_masks = spatial_fov @ mask_mean.T                      # (m, n): each image's mask mean
        expected = (self._temporal.astype(np.float64) @ under_masks).T
        n = len(footprints)
        resting = np.asarray(truth.f0[cells]) + under_masks[n][:, None] * bleach  # neuropil at rest: level x bleach
        npix = fov_masks.sum(axis=(1, 2))
        noise_sd = np.sqrt((expected.mean(axis=1) / self._gain + self._read_noise ** 2) / npix)
        visible = masks[(slice(None), *fov)]
        visible = visible[visible.any(axis=(1, 2))]
        fields = dict(masks=fov_masks, footprints=np.ascontiguousarray(footprints[(slice(None), *fov)][cells]),
                      shifts=shifts, spikes=np.asarray(truth.spikes[cells]), calcium=np.asarray(truth.calcium[cells]),
                      f0=np.asarray(truth.f0[cells]), traces=expected, baseline=resting, noise_sd=noise_sd,
                      cells=cells, visible_masks=visible)
        fields = {k: np.array(v) for k, v in fields.items()}
        _read_only(*fields.values())
        self.truth = LargeTruth(**fields)

    # --- the array's description ---------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.n_frames, self.height, self.width)

    dtype = np.dtype(np.uint16)
    ndim = 3

    @property
    def nbytes(self) -> int:
        """Size of the whole movie in bytes (as ``uint16``, on disk or in memory)."""
        return math.prod(self.shape) * self.dtype.itemsize

    def __len__(self):
        return self.n_frames

    def __repr__(self):
        return (f"SimulatedRecording({self.n_frames} frames x {self.height} x {self.width} px, uint16, "
                f"{self.fs:g} Hz, {self.nbytes / 1e6:.0f} MB; {len(self.truth.cells)} cells inside the field)")

    # --- frames --------------------------------------------------------------------------------
    def _block(self, index: int) -> np.ndarray:
        """Frames ``index * BLOCK_FRAMES`` up to the next block, uint16 (their own random stream)."""
        start = index * BLOCK_FRAMES
        stop = min(start + BLOCK_FRAMES, self.n_frames)
        n, m = self.height, self._margin
        # The whole (padded) scene of every frame in one product, then each frame's window of it.
        scene = (self._temporal[start:stop] @ self._spatial.reshape(len(self._spatial), -1))
        scene = scene.reshape(stop - start, *self._spatial.shape[1:])
        clean = np.empty((stop - start, n, self.width), np.float32)
        for frame, window, (dy, dx) in zip(clean, scene, self.truth.shifts[start:stop]):
            frame[...] = window[m - dy:m - dy + n, m - dx:m - dx + self.width]
        clean = clean.reshape(stop - start, -1)
        np.maximum(clean, 0.0, out=clean)
        rng = np.random.Generator(np.random.SFC64([self.seed, 10, index]))
        noisy = rng.standard_normal(clean.shape, dtype=np.float32)
        sd = np.multiply(clean, 1.0 / self._gain, dtype=np.float32)   # in place from here on
        sd += self._read_noise ** 2
        noisy *= np.sqrt(sd, out=sd)
        noisy += clean
        np.clip(np.rint(noisy, out=noisy), 0, np.iinfo(np.uint16).max, out=noisy)
        return noisy.astype(np.uint16).reshape(-1, n, self.width)

    def frames(self, start: int, stop: int) -> np.ndarray:
        """Frames ``start`` up to (not including) ``stop``, as a new ``uint16`` array."""
        start, stop = _frame_range(start, stop, self.n_frames)
        out = np.empty((stop - start, self.height, self.width), self.dtype)
        for index in range(start // BLOCK_FRAMES, (stop - 1) // BLOCK_FRAMES + 1):
            first = index * BLOCK_FRAMES
            block = self._block(index)
            a, b = max(start, first), min(stop, first + len(block))
            out[a - start:b - start] = block[a - first:b - first]
        return out

    def __getitem__(self, key):
        return _index_frames(self, key)

    def _read_into(self, out: np.ndarray, start: int, stop: int) -> None:
        out[...] = self.frames(start, stop)


@functools.lru_cache(maxsize=2)
def simulated_recording(**params) -> SimulatedRecording:
    """:class:`SimulatedRecording` ``(**params)``, cached (a few MB: the movie is made on demand)."""
    return SimulatedRecording(**params)


# --------------------------------------------------------------------------- frame ranges

def _frame_range(start, stop, n_frames: int) -> tuple[int, int]:
    for value, name in ((start, "start"), (stop, "stop")):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be a whole frame index, got {value!r}")
    if not 0 <= start < stop <= n_frames:
        raise ValueError(f"frames {start}:{stop} are not a non-empty range within the {n_frames} frames "
                         "(start included, stop excluded, counted from 0)")
    return int(start), int(stop)


def file_ranges(file_lengths, start: int, stop: int) -> list[tuple[int, int, int]]:
    """Which files of a series hold frames ``start:stop``, and which of their frames.

    Frames are counted from 0 across the whole series, in file order; the range includes `start`
    and excludes `stop`. Files may hold different numbers of frames.

    Parameters
    ----------
    file_lengths : sequence of int
        Frames in each file, in order (each >= 1).
    start, stop : int
        ``0 <= start < stop <= sum(file_lengths)``.

    Returns
    -------
    list of (file_index, first, stop_in_file)
        One entry per file that holds at least one frame of the range, in order; within file
        ``file_index`` the frames ``first:stop_in_file`` (counted from the file's first frame,
        stop excluded).

    Examples
    --------
    >>> file_ranges([100, 100, 50], 90, 210)
    [(0, 90, 100), (1, 0, 100), (2, 0, 10)]
    """
    lengths = [_whole(n, "file_lengths[i]") for n in file_lengths]
    start, stop = _frame_range(start, stop, sum(lengths))
    out, first = [], 0
    for index, length in enumerate(lengths):
        a, b = max(start, first), min(stop, first + length)
        if a < b:
            out.append((index, a - first, b - first))
        first += length
    return out


def _index_frames(series, key):
    """``series[key]`` for a lazy series: integers and step-1 slices along time, anything NumPy
    accepts along y and x. Reads the whole frames of the time range, then selects y and x."""
    key = key if isinstance(key, tuple) else (key,)
    if any(k is Ellipsis for k in key):
        i = key.index(Ellipsis)
        key = key[:i] + (slice(None),) * (3 - len(key) + 1) + key[i + 1:]
    if len(key) > 3:
        raise IndexError(f"too many indices for a (time, y, x) series: {key!r}")
    time, space = key[0], key[1:]
    n = series.shape[0]
    if isinstance(time, numbers.Integral) and not isinstance(time, bool):
        t = time + n if time < 0 else time
        if not 0 <= t < n:
            raise IndexError(f"frame {time} is outside the series' {n} frames")
        return _read(series, t, t + 1)[0][space]
    if not isinstance(time, slice):
        raise TypeError(f"a series is indexed along time by an integer or a slice, got {time!r}")
    start, stop, step = time.indices(n)
    if step != 1:
        raise IndexError("a series reads contiguous frames: slice with step 1, then subsample the result")
    if stop <= start:
        return np.empty((0, *series.shape[1:]), series.dtype)[(slice(None), *space)]
    frames = _read(series, start, stop)
    if all(s == slice(None) for s in space):
        return frames
    return frames[(slice(None), *space)]


def _read(series, start: int, stop: int) -> np.ndarray:
    out = np.empty((stop - start, *series.shape[1:]), series.dtype)
    series._read_into(out, start, stop)
    return out


# --------------------------------------------------------------------------- writing and reading

def write_series(recording, folder, *, frames_per_file: int = 500, name: str = "recording") -> list[Path]:
    """Write a recording as a series of TIFF files, one file's frames in memory at a time.

    Files are named ``{name}_000.tif``, ``{name}_001.tif``, ... in `folder` (created if needed);
    each holds `frames_per_file` frames (the last one the rest) as an uncompressed, contiguous
    ImageJ hyperstack (axes ``TYX``, the recording's dtype, frame interval ``1 / fs`` seconds).

    Parameters
    ----------
    recording : SimulatedRecording or array_like (n_frames, y, x)
        Anything with ``shape``, ``dtype`` and ``frames(start, stop)`` or NumPy slicing; its
        ``fs`` (Hz) is recorded when it has one.
    folder : str or Path
    frames_per_file : int

    Returns
    -------
    list of Path, in frame order.
    """
    frames_per_file = _whole(frames_per_file, "frames_per_file")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n_frames = recording.shape[0]
    fs = getattr(recording, "fs", None)
    metadata = {"axes": "TYX"} | ({"finterval": 1.0 / fs} if fs else {})
    paths = []
    for k, start in enumerate(range(0, n_frames, frames_per_file)):
        stop = min(start + frames_per_file, n_frames)
        frames = recording.frames(start, stop) if hasattr(recording, "frames") else np.asarray(recording[start:stop])
        path = folder / f"{name}_{k:03d}.tif"
        tifffile.imwrite(path, frames, imagej=True, metadata=metadata, photometric="minisblack")
        paths.append(path)
        del frames
    return paths


class TiffSeries:
    """A series of TIFF files as one lazy ``(time, y, x)`` array.

    Nothing is read when the series is opened except each file's header: its shape, dtype and
    where its pixels start. Indexing — ``series[1234]``, ``series[500:1500]``,
    ``series[100:200, 10:20, :]`` — reads exactly the frames of the time range from the files that
    hold them (:func:`file_ranges`) into a new array, with plain file reads: no memory map stays
    open, so memory holds only what was asked for. With ``shape``, ``dtype``, ``ndim`` and this
    indexing, ``dask.array.from_array(series, chunks=(n, -1, -1))`` reads one chunk per task.

    Every file must be uncompressed and contiguous (as :func:`write_series` and most acquisition
    software write them; ``tifffile.memmap`` needs the same) and hold frames of the same size and
    dtype.

    Attributes
    ----------
    paths : list of Path
    file_lengths : list of int
        Frames per file.
    fs : float or None
        Frame rate from the first file's ImageJ frame interval, if recorded.
    """

    ndim = 3

    def __init__(self, paths):
        self.paths = [Path(p) for p in (paths if not isinstance(paths, (str, os.PathLike)) else [paths])]
        if not self.paths:
            raise ValueError("no files: pass the paths of the series' TIFF files, in frame order")
        self.file_lengths, self._offsets, frame_shape, dtype, self.fs = [], [], None, None, None
        for path in self.paths:
            with tifffile.TiffFile(path) as tif:
                series = tif.series[0]
                shape, offset = series.shape, series.dataoffset
                if frame_shape is None:
                    interval = (tif.imagej_metadata or {}).get("finterval")
                    self.fs = 1.0 / interval if interval else None
                    frame_shape, dtype = shape[-2:], series.dtype
                if offset is None:
                    raise ValueError(f"{path.name} is compressed or tiled: its frames cannot be read at an "
                                     "offset; read it with tifffile.imread, or convert the series once")
                if len(shape) not in (2, 3) or shape[-2:] != frame_shape or series.dtype != dtype:
                    raise ValueError(f"{path.name} holds {shape} {series.dtype} frames, unlike the first file's "
                                     f"{frame_shape} {dtype}: a series has frames of one size and dtype")
            self.file_lengths.append(shape[0] if len(shape) == 3 else 1)
            self._offsets.append(offset)
        self.dtype = np.dtype(dtype)
        self.shape = (sum(self.file_lengths), *frame_shape)
        self._frame_bytes = math.prod(frame_shape) * self.dtype.itemsize

    @classmethod
    def from_folder(cls, folder, pattern: str = "*.tif") -> "TiffSeries":
        """The files of `folder` matching `pattern`, in name order (zero-padded numbers sort right)."""
        paths = sorted(Path(folder).glob(pattern))
        if not paths:
            raise FileNotFoundError(f"no file matches {pattern!r} in {folder}")
        return cls(paths)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize

    def __len__(self):
        return self.shape[0]

    def __repr__(self):
        return (f"TiffSeries({len(self.paths)} files, {self.shape[0]} frames x {self.shape[1]} x {self.shape[2]} px, "
                f"{self.dtype}, {self.nbytes / 1e6:.0f} MB)")

    def __getitem__(self, key):
        return _index_frames(self, key)

    def _read_into(self, out: np.ndarray, start: int, stop: int) -> None:
        done = 0
        for index, first, last in file_ranges(self.file_lengths, start, stop):
            target = out[done:done + last - first]
            with open(self.paths[index], "rb") as file:
                file.seek(self._offsets[index] + first * self._frame_bytes)
                if file.readinto(memoryview(target).cast("B")) != target.nbytes:
                    raise OSError(f"{self.paths[index].name} ended early: the file is truncated")
            done += last - first

    def __dask_tokenize__(self):
        return ("TiffSeries", [(str(p), os.stat(p).st_mtime_ns, os.stat(p).st_size) for p in self.paths])


class ArraySeries:
    """An in-memory ``(time, y, x)`` array that reads like a :class:`TiffSeries`: every read
    returns a new array (never a view), so a computation over it allocates what it would over
    the files. For tests, and for measuring a pipeline's memory without writing files."""

    ndim = 3

    def __init__(self, array):
        self._array = np.asarray(array)
        if self._array.ndim != 3:
            raise ValueError(f"a series is (time, y, x), got an array of shape {self._array.shape}")
        self.shape, self.dtype, self.fs = self._array.shape, self._array.dtype, None

    @property
    def nbytes(self) -> int:
        return self._array.nbytes

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, key):
        return _index_frames(self, key)

    def _read_into(self, out: np.ndarray, start: int, stop: int) -> None:
        np.copyto(out, self._array[start:stop])

    def __dask_tokenize__(self):
        return ("ArraySeries", id(self._array), self.shape, str(self.dtype))
