"""Lesson 10 (a full-size recording): the lesson's recording and memory budget, its reference
pipeline in memory and in chunks, its figures, and the checks of its exercises.

The recording is :class:`helpers.tiff_series.SimulatedRecording` with :data:`RECORDING`: it is
made a block of frames at a time, so the lesson writes it to disk without ever holding it, and a
check can remake any part of it exactly. The checks never read the learner's files: what they
need of the recording they regenerate (the whole movie once per process, kept read-only, for
the projections and the chunk-size measurement).

Each ``check_*`` function is the whole of one check cell: it takes the learner's answers,
recomputes everything else from the lesson's data and fails with a message that names the likely
mistake. ``unseen=True`` runs the hidden tests' variations: another chunking (other chunk sizes,
another series' file lengths) and another recording; the rules stay the ones the exercise states.
"""
from __future__ import annotations

import functools
import math

import matplotlib.pyplot as plt
import numpy as np

from helpers import baseline as bl, checks, chunked, masks as mk, movie as mv, plots
from helpers import tiff_series

#: The lesson's recording: 3000 frames of 128 x 128 px at 15 Hz (200 s), uint16, 98 MB on disk;
#: 50 GCaMP6s cells (32 of them well inside the field), whole-pixel motion up to 4 px.
RECORDING = {"n_frames": 3000, "height": 128, "width": 128, "fs": 15.0, "n_cells": 50, "seed": 0,
             "rate_hz": 0.3}
#: Hidden tests: another recording — smaller frames, 30 Hz, GCaMP6f, other cells and motion.
OTHER_RECORDING = {"n_frames": 600, "height": 48, "width": 64, "fs": 30.0, "n_cells": 10, "seed": 5,
                   "rate_hz": 0.5, "indicator": "GCaMP6f", "max_shift_px": 3, "radius_px": (3.0, 5.0)}
#: Hidden tests of the baseline exercise: long traces of that recording's cells (only its truth is
#: used, no frame is made).
OTHER_TRACES = OTHER_RECORDING | {"n_frames": 6000}
#: Frames per TIFF file of the lesson's series.
FRAMES_PER_FILE = 500
#: The memory the lesson allows its computations: 25 MB (10**6 bytes), a quarter of the recording's
#: size on disk and an eighth of it as float32 — like a 64 GB recording on a 16 GB laptop.
MEMORY_BUDGET = 25_000_000
#: Threads of the local scheduler in the measured computations (the course machine has 2 cores;
#: fixed, so that a measurement means the same everywhere).
THREADS = 2
#: The lesson's chunk (frames) for sections 4-8, measured to keep every step within the budget
#: (registration on one thread: its FFTs take about 19 MB per thread whatever the chunk).
CHUNK_FRAMES = 24
#: The registration template: the mean of the first frames.
TEMPLATE_FRAMES = 100
#: The session of exercise 1.1: 30 minutes at 30 Hz, 512 x 512 px, uint16.
SESSION_MIN, SESSION_FS, SESSION_PX = 30, 30.0, 512
#: The section 7 example's baseline: rolling 20th percentile over 30 s.
BASELINE_Q, BASELINE_WINDOW_S = 20, 30.0
#: Bounds of the open exercises.
CHUNK_BUDGET_SLACK = 1.05      # the check's measurement may exceed the budget by 5 % (run-to-run variation, < 1 MB)
SHIFT_RMS_MAX_PX = 0.5         # registration: RMS error against the true motion
BASELINE_ERROR_MAX = 0.03      # baseline: mean error, fraction of the true F0


def recording(seed: int = 0, **overrides) -> tiff_series.SimulatedRecording:
    """The lesson's :class:`~helpers.tiff_series.SimulatedRecording` (cached; a few MB: frames are
    made on demand)."""
    return tiff_series.simulated_recording(**(RECORDING | {"seed": seed} | overrides))


def other_recording() -> tiff_series.SimulatedRecording:
    """The hidden tests' recording (:data:`OTHER_RECORDING`)."""
    return tiff_series.simulated_recording(**OTHER_RECORDING)


def write_recording(folder) -> list:
    """Write the lesson's recording to `folder` as a TIFF series of :data:`FRAMES_PER_FILE` frames
    per file; returns the paths in frame order."""
    return tiff_series.write_series(recording(), folder, frames_per_file=FRAMES_PER_FILE, name="recording")


def compute_projections(movie, chunk_frames: int, threads: int = 1) -> dict:
    """The mean, max and std projections of a movie (a series, or any array), computed with dask
    in chunks of `chunk_frames` frames: the lesson's measured computation.

    With ``threads=1`` (the default) dask's synchronous scheduler works through the chunks one after
    the other, so the peak memory is the same on every run; with more threads, about one chunk per
    thread is in flight, and which tasks overlap varies from run to run (a few MB here)."""
    lazy = chunked.projections(chunked.time_chunks(movie, chunk_frames))
    if threads == 1:
        images = chunked.compute(*lazy.values(), scheduler="synchronous")
    else:
        images = chunked.compute(*lazy.values(), num_workers=threads)
    return dict(zip(lazy, images))


@functools.lru_cache(maxsize=1)
def _recording_array() -> np.ndarray:
    """The whole lesson recording as one read-only uint16 array (98 MB), for the checks."""
    frames = recording().frames(0, RECORDING["n_frames"])
    frames.flags.writeable = False
    return frames


@functools.lru_cache(maxsize=1)
def reference_projections() -> dict:
    """Projections of the lesson's recording (float64 images, read-only), computed in chunks."""
    images = compute_projections(tiff_series.ArraySeries(_recording_array()), 250)
    for image in images.values():
        image.flags.writeable = False
    return images


def template(movie) -> np.ndarray:
    """The lesson's registration template: the mean of the first :data:`TEMPLATE_FRAMES` frames."""
    return np.asarray(movie[:TEMPLATE_FRAMES], dtype=np.float64).mean(axis=0)


def centred_rms(estimated, true) -> float:
    """RMS length of the difference of two shift arrays, each centred on its mean over frames
    (shifts against a template are known up to a constant), in pixels."""
    estimated, true = np.asarray(estimated, float), np.asarray(true, float)
    error = (estimated - estimated.mean(axis=0)) - (true - true.mean(axis=0))
    return float(np.sqrt((error ** 2).sum(axis=1).mean()))


def noisy_traces(rec: tiff_series.SimulatedRecording, seed: int = 1) -> np.ndarray:
    """ROI mean traces of `rec` as a registered movie would give them: the noiseless traces of its
    truth plus Gaussian noise of each ROI's s.d. (shot and read noise of its pixels)."""
    truth = rec.truth
    noise = np.random.default_rng([seed, 3]).standard_normal(truth.traces.shape)
    return truth.traces + truth.noise_sd[:, None] * noise


def baseline_error(f0, truth) -> float:
    """Mean over neurons and frames of ``|f0 - truth| / truth`` (a fraction)."""
    return float(np.mean(np.abs(np.asarray(f0, float) - truth) / truth))


# --------------------------------------------------------------------------- pipelines compared

def pipeline_in_memory(series, masks, fs: float) -> dict:
    """Projections, ROI traces and their rolling baseline, with the whole movie in memory."""
    movie = np.asarray(series[:], dtype=np.float32)  # the whole movie, converted once
    images = {kind: mv.projection(movie, kind) for kind in ("mean", "max", "std")}
    traces = mk.roi_traces(movie, masks)
    f0 = bl.rolling_percentile(traces, BASELINE_Q, BASELINE_WINDOW_S, fs)
    return images | {"traces": traces, "f0": f0}


def pipeline_in_chunks(series, masks, fs: float, chunk_frames: int = CHUNK_FRAMES, threads: int = THREADS) -> dict:
    """The same results with dask, in chunks of `chunk_frames` frames, in one pass over the data."""
    movie = chunked.time_chunks(series, chunk_frames)
    lazy = chunked.projections(movie)
    traces = chunked.roi_traces(movie, masks)
    f0 = chunked.rolling_baseline(traces, BASELINE_Q, BASELINE_WINDOW_S, fs)
    names = [*lazy, "traces", "f0"]
    return dict(zip(names, chunked.compute(*lazy.values(), traces, f0, num_workers=threads)))


# --------------------------------------------------------------------------- figures

def memory_figure(chunk_sizes, peaks_mb, threads=THREADS, budget_mb=MEMORY_BUDGET / 1e6, ax=None):
    """Measured peak memory against the chunk size, with the budget as a line."""
    ax = ax if ax is not None else plt.subplots(figsize=(6, 3.6), layout="constrained")[1]
    ax.plot(chunk_sizes, peaks_mb, "o-", color=plots.OKABE_ITO[0], label="measured peak")
    ax.axhline(budget_mb, color=plots.OKABE_ITO[5], ls="--", label="budget")
    ax.set_xlabel("chunk size (frames)")
    ax.set_ylabel("peak memory (MB)")
    ax.set_title(f"projections, {threads} thread{'s' if threads > 1 else ''}")
    ax.legend(frameon=False)
    return ax


def shifts_figure(t, estimated, true, ax=None):
    """Estimated and true shifts (each centred on its mean) against time, dy and dx."""
    estimated, true = np.asarray(estimated, float), np.asarray(true, float)
    fig, axes = plt.subplots(2, 1, figsize=(8, 4.2), sharex=True, layout="constrained") if ax is None else (None, ax)
    for k, (axis, name) in enumerate(zip(axes, ("dy (rows)", "dx (columns)"))):
        axis.plot(t, true[:, k] - true[:, k].mean(), color=plots.OKABE_ITO[1], lw=2, label="true")
        axis.plot(t, estimated[:, k] - estimated[:, k].mean(), color=plots.OKABE_ITO[0], lw=0.8, label="estimated")
        axis.set_ylabel(f"{name} (px)")
    axes[-1].set_xlabel("time (s)")
    axes[0].legend(frameon=False, ncol=2, loc="lower right", bbox_to_anchor=(1.0, 1.0))
    return axes


def boundary_figure(t, trace, f0_right, f0_short, boundaries, ax=None):
    """A trace with two chunked baselines: enough overlap, and too little; chunk edges dotted."""
    ax = plots.traces(t, np.vstack([trace, f0_right, f0_short]), ax=ax,
                      labels=["trace", "baseline, enough overlap", "baseline, too little overlap"])
    for b in boundaries:
        ax.axvline(b, color="0.5", ls=":", lw=1)
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, frameon=False)
    return ax


def comparison_figure(results: dict, budget_mb=MEMORY_BUDGET / 1e6):
    """Bars of time (s) and peak memory (MB) for each way of computing, ``{label: Measurement}``."""
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.4), layout="constrained")
    labels = list(results)
    colours = plots.OKABE_ITO[:len(labels)]
    axes[0].bar(labels, [m.seconds for m in results.values()], color=colours)
    axes[0].set_ylabel("time (s)")
    axes[1].bar(labels, [m.peak_mb for m in results.values()], color=colours)
    axes[1].axhline(budget_mb, color=plots.OKABE_ITO[5], ls="--", label="budget")
    axes[1].set_ylabel("peak memory (MB)")
    axes[1].legend(frameon=False)
    return axes


# --------------------------------------------------------------------------- checks

def _frames() -> tuple[int, int, int]:
    return RECORDING["n_frames"], RECORDING["height"], RECORDING["width"]


def check_session_size(session_gb, session_float32_gb):
    """Exercise 1.1: a 30-minute, 30 Hz, 512 x 512 uint16 session in GB, on disk and as float32."""
    frames = SESSION_MIN * 60 * SESSION_FS
    pixels = frames * SESSION_PX * SESSION_PX
    disk = pixels * 2 / 1e9
    for name, value, want, itemsize, other in [("session_gb", session_gb, disk, 2, 4),
                                               ("session_float32_gb", session_float32_gb, 2 * disk, 4, 2)]:
        checks.is_number(name, value, hint="one number of gigabytes (a float)")
        checks.close(name, value, want, rtol=1e-6, mistakes={
            "that is in bits: a byte is 8 bits, and sizes are counted in bytes": want * 8,
            "that is a number of bytes; divide by 10**9 for GB": want * 1e9,
            "that counts the pixels, not the bytes: multiply by the bytes per value": pixels / 1e9,
            f"a {'uint16' if itemsize == 2 else 'float32'} value takes {itemsize} bytes, not {other}":
                want * other / itemsize,
            "that is in GiB (2**30 bytes); the exercise asks for GB = 10**9 bytes": want * 1e9 / 2**30,
            "minutes were not converted to seconds: 30 minutes are 1800 s": want / 60,
            "a float32 value takes 4 bytes; float64 takes 8": 4 * disk if itemsize == 4 else None,
        }, hint="frames (duration in seconds times the frame rate) x rows x columns x bytes per value, "
                "divided by 10**9")


def check_frames_in_budget(frames_in_budget):
    """Exercise 1.2: how many float32 frames of the lesson's recording fit in the budget."""
    _, height, width = _frames()
    per_frame = height * width * 4
    want = MEMORY_BUDGET // per_frame
    checks.is_number("frames_in_budget", frames_in_budget, integer=True,
                     hint="a number of frames is a whole number: round down with // or int()")
    checks.equal("frames_in_budget", frames_in_budget, int(want), mistakes={
        "that rounds up: a frame that does not fit entirely does not fit; round down": int(want) + 1,
        "that is for uint16 frames (2 bytes per pixel); the frames are converted to float32 (4 bytes)":
            int(MEMORY_BUDGET // (height * width * 2)),
        "that is for float64 (8 bytes per pixel); the exercise asks for float32": int(MEMORY_BUDGET // (height * width * 8)),
        "the budget is 25 MB = 25 * 10**6 bytes, not 25 MiB (25 * 2**20)": int(25 * 2**20 // per_frame),
        "that counts pixels, not bytes: each float32 pixel takes 4 bytes": int(MEMORY_BUDGET // (height * width)),
    }, hint="the budget in bytes divided by the bytes of one float32 frame, rounded down")


def _series_cases(unseen: bool) -> list:
    """``(file_lengths, [(start, stop), ...])``: the lesson's series and series of unequal files."""
    if unseen:  # other series: single-frame files, a long first file, many short ones
        return [([1, 1, 1, 1], [(0, 4), (1, 3), (3, 4)]),
                ([1000, 3, 250], [(999, 1001), (1000, 1003), (500, 1200), (1002, 1253)]),
                ([64] * 20, [(63, 65), (128, 640), (1279, 1280), (0, 1)])]
    n, per_file = RECORDING["n_frames"], FRAMES_PER_FILE
    return [([per_file] * (n // per_file), [(0, 10), (490, 510), (1000, 1500), (2999, 3000), (250, 2750)]),
            ([300, 700, 150, 500], [(250, 1200), (1000, 1150), (1149, 1151), (0, 1650)])]


def _ranges_global(lengths, start, stop):
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    return [(i, a + starts[i], b + starts[i]) for i, a, b in tiff_series.file_ranges(lengths, start, stop)]


def _ranges_equal_files(lengths, start, stop):
    """As if every file had the first file's length."""
    n = lengths[0]
    out = []
    for i in range(start // n, (stop - 1) // n + 1):
        out.append((i, max(start - i * n, 0), min(stop - i * n, n)))
    return out


def _as_ranges(name, value):
    """The answer as a list of (int, int, int) tuples, or a teaching failure."""
    if type(value) is not list:
        if isinstance(value, tuple):
            checks.fail(name, "is a tuple; return a list of (file_index, first, stop) tuples.")
        if isinstance(value, np.ndarray):
            checks.fail(name, "is a NumPy array; return a list of (file_index, first, stop) tuples.",
                        "build a list and append one tuple per file")
        checks.fail(name, f"is a {type(value).__name__}, not a list.", "return a list of (file_index, first, stop) tuples")
    out = []
    for item in value:
        if type(item) not in (tuple, list) or len(item) != 3:
            checks.fail(name, "holds an item that is not a (file_index, first, stop) tuple.",
                        "each item is a tuple of three whole numbers")
        for number in item:
            if isinstance(number, (bool, np.bool_)) or not isinstance(number, (int, np.integer)) \
                    or not (type(number) is int or type(number).__module__ == "numpy"):
                checks.fail(name, "holds a value that is not a whole number.",
                            "file indices and frame indices are whole numbers (int); use // for division")
        out.append(tuple(int(v) for v in item))
    return out


def check_frames_to_read(frames_to_read, unseen=False):
    """Exercise 2.1: which files, and which of their frames, hold frames start:stop of a series."""
    checks.is_function("frames_to_read", frames_to_read, n_params=3)
    for lengths, ranges in _series_cases(unseen):
        for start, stop in ranges:
            call = f"frames_to_read({lengths}, {start}, {stop})"
            got = _as_ranges(call, checks.call("frames_to_read", frames_to_read, list(lengths), start, stop,
                                               refuse=(tiff_series.file_ranges,)))
            want = tiff_series.file_ranges(lengths, start, stop)
            if got == want:
                continue
            padded = [(i, max(min(start - s, n), 0), max(min(stop - s, n), 0))
                      for i, (s, n) in enumerate(zip(np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths))]
            mistakes = {
                "those are frame numbers of the whole series; count each file's frames from its own first frame (0)":
                    _ranges_global(lengths, start, stop),
                "stop is excluded, also within a file: the last frame read is stop - 1": [(i, a, b - 1) for i, a, b in want],
                "list only the files that hold at least one frame of the range": padded,
                "file indices count from 0": [(i + 1, a, b) for i, a, b in want],
                "the files differ in length: find each file's first frame by adding up the lengths of the files "
                "before it, not from the first file's length": _ranges_equal_files(lengths, start, stop),
            }
            for hint, wrong in mistakes.items():
                if wrong != want and got == [tuple(int(v) for v in w) for w in wrong]:
                    checks.fail(call, "is not right.", hint)
            checks.fail(call, "is not right.",
                        "walk through the files keeping the series' frame number where each one starts; a file "
                        "takes part if it overlaps start:stop, and its part runs from max(start, its first frame) "
                        "to min(stop, its last frame + 1), minus its first frame")


def check_projections(mean_image, max_image, std_image):
    """Exercise 3.1: the mean, max and std projections of the whole recording."""
    ref = reference_projections()
    movie = _recording_array()
    n, height, width = movie.shape
    spatial = "that reduces over a spatial axis (rows or columns, axis 1 or 2); a projection reduces over time, axis 0"
    wrong_axis = {(n, width): spatial, (n, height): spatial,
                  (): "that reduces over all axes; reduce over time only (axis=0)"}
    for name, value, kind in [("mean_image", mean_image, "mean"), ("max_image", max_image, "max"),
                              ("std_image", std_image, "std")]:
        checks.is_array(name, value, shape=(height, width), wrong_shapes=wrong_axis,
                        hint="one value per pixel: a (y, x) image; call .compute() (or dask.compute) to get a NumPy array")
        if value.shape == ref[kind].shape and np.allclose(value, ref[kind], rtol=1e-6, atol=1e-9):
            continue  # right: the typical mistakes below are only worked out for a wrong answer
        checks.close(name, value, ref[kind], rtol=1e-6, atol=1e-9, mistakes=_projection_mistakes(kind, movie, ref),
                     hint=f"the {kind} over time of the whole recording, every frame of every file")


def _projection_mistakes(kind: str, movie: np.ndarray, ref: dict) -> dict:
    n = len(movie)
    per_file = [movie[i:i + FRAMES_PER_FILE] for i in range(0, n, FRAMES_PER_FILE)]
    mistakes = {"that is the projection of the first file (or chunk) only: reduce over every frame of the series":
                mv.projection(per_file[0], kind)}
    if kind == "std":
        mistakes |= {
            "the mean of the files' standard deviations is not the standard deviation of the recording: the "
            "files' means differ (bleaching, drift), so combine sums of x and x², or let dask reduce":
                np.mean([f.std(axis=0, dtype=np.float64) for f in per_file], axis=0),
            "use the population standard deviation (ddof=0), NumPy's and dask's default":
                ref["std"] * math.sqrt(n / (n - 1)),
            "that is the variance; the standard deviation is its square root": ref["std"] ** 2,
        }
    if kind == "max":
        mistakes["that is the mean projection; the exercise asks for the maximum"] = ref["mean"]
    return mistakes


def _warm_up() -> None:
    """One small run of the measured computation, so that first-call allocations (imports, caches)
    do not count in a measurement."""
    compute_projections(tiff_series.ArraySeries(_recording_array()[:200]), 50, 1)


def _divisors(n: int) -> list[int]:
    return [d for d in range(1, n + 1) if n % d == 0]


def check_chunk_frames(chunk_frames):
    """Exercise 3.2: the largest divisor of the file length whose projections (one thread) stay
    within the budget — measured again here on the same recording (generated in memory, read like
    the files): the learner's chunk size must fit, the next larger divisor must not."""
    n = RECORDING["n_frames"]
    checks.is_number("chunk_frames", chunk_frames, integer=True, hint="a number of frames is a whole number")
    if not 1 <= chunk_frames <= n:
        checks.fail("chunk_frames", f"is {chunk_frames}: a chunk holds 1 to {n} frames.")
    if FRAMES_PER_FILE % chunk_frames:
        checks.fail("chunk_frames", f"does not divide the file length ({FRAMES_PER_FILE} frames): some chunks "
                    "straddle two files.", "choose a divisor of the file length, so that every chunk is read from a "
                    "single file")
    series = tiff_series.ArraySeries(_recording_array())
    _warm_up()
    peak = chunked.measure(compute_projections, series, int(chunk_frames), 1).peak_bytes
    budget = MEMORY_BUDGET
    if peak > CHUNK_BUDGET_SLACK * budget:
        checks.fail("chunk_frames", f"with chunks of {chunk_frames} frames the projections peaked at "
                    f"{peak / 1e6:.1f} MB here, more than the budget of {budget / 1e6:.0f} MB (plus 5 % for "
                    "run-to-run variation).",
                    "a chunk costs far more than its size on disk — the float copies the std makes: measure "
                    "with chunked.measure (one thread, as the exercise says) and use smaller chunks")
    larger = [d for d in _divisors(FRAMES_PER_FILE) if d > chunk_frames]
    if larger:
        next_peak = chunked.measure(compute_projections, series, larger[0], 1).peak_bytes
        if next_peak <= budget:
            checks.fail("chunk_frames", f"fits, but a larger chunk that divides {FRAMES_PER_FILE} fits too (it "
                        f"peaked at {next_peak / 1e6:.1f} MB here).",
                        "choose the largest chunk that fits: every chunk costs a task, a read and a partial "
                        "result, so needlessly small chunks are slower — and, past a point, not even smaller "
                        "in memory")


def _correlation_cases(unseen: bool) -> list:
    """``(label, a, b, chunk_frames)``: traces as a movie gives them (uint16), and edge cases."""
    if unseen:  # other pixels, another recording, other chunkings
        other = other_recording().frames(0, OTHER_RECORDING["n_frames"])
        rng = np.random.default_rng(21)
        x = rng.normal(size=500)
        return [("two pixels of another recording, chunks of 1", other[:, 20, 30], other[:, 21, 30], 1),
                ("two pixels of another recording, one chunk", other[:, 5, 5], other[:, 40, 60], 600),
                ("anti-correlated traces, chunks of 77", x, -2 * x + 0.1 * rng.normal(size=500), 77),
                ("a constant second trace, chunks of 64", x, np.full(500, 3.0), 64)]
    truth = recording().truth
    movie = _recording_array()
    cy, cx = (int(round(v)) for v in np.argwhere(truth.masks[0]).mean(axis=0))
    return [("two neighbouring pixels of cell 0, chunks of 500", movie[:, cy, cx], movie[:, cy, cx + 1], 500),
            ("a pixel of cell 0 and a far pixel, chunks of 256", movie[:, cy, cx], movie[:, (cy + 64) % 128, (cx + 64) % 128], 256),
            ("a constant trace, chunks of 100", movie[:, cy, cx], np.full(len(movie), 7, dtype=np.uint16), 100)]


def _pearson(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    a, b = a - a.mean(), b - b.mean()
    norm = math.sqrt((a * a).sum() * (b * b).sum())
    return float((a * b).sum() / norm) if norm > 0 else 0.0


def check_correlation_in_chunks(correlation_in_chunks, unseen=False):
    """Exercise 5.1: Pearson's correlation of two traces from chunk sums."""
    checks.is_function("correlation_in_chunks", correlation_in_chunks, n_params=3)
    for label, a, b, chunk in _correlation_cases(unseen):
        got = checks.call("correlation_in_chunks", correlation_in_chunks, a, b, chunk)
        name = f"correlation_in_chunks({label})"
        if isinstance(got, (float, np.floating)) and not math.isfinite(got):
            checks.fail(name, f"is {got}.", "a constant trace has no correlation: return 0.0 when either trace "
                                            "does not vary (its sum of squared deviations is 0)")
        checks.is_number(name, got, hint="return one number: the correlation of the two whole traces")
        want = _pearson(a, b)
        pieces = [(a[i:i + chunk], b[i:i + chunk]) for i in range(0, len(a), chunk)]
        mistakes = {
            "that averages the chunks' correlations; a correlation is not a sum: add the chunks' sums (n, Σa, Σb, "
            "Σa², Σb², Σab) and compute one correlation from the totals":
                float(np.mean([_pearson(x, y) for x, y in pieces])) if len(pieces) > 1 else None,
            "the squares overflowed: uint16 (or int) arithmetic wraps around; convert the chunks to float64 first":
                _pearson_wrapped(a, b) if np.asarray(a).dtype.kind in "ui" else None,
            "that is the covariance; divide by both standard deviations": float(np.cov(a, b, ddof=0)[0, 1]),
            "the last chunk is shorter: use every chunk, up to the end of the traces":
                _pearson(a[:len(a) - len(a) % chunk], b[:len(b) - len(b) % chunk]) if len(a) % chunk and len(a) > chunk else None,
        }
        checks.close(name, got, want, rtol=1e-6, atol=1e-9, mistakes=mistakes,
                     hint="add up, over the chunks, n, Σa, Σb, Σa², Σb² and Σab (in float64); then "
                          "cov = Σab/n − (Σa/n)(Σb/n), and the correlation is cov over the product of the standard "
                          "deviations; 0 if one of them is 0")


def _pearson_wrapped(a, b) -> float | None:
    """The correlation as uint16 arithmetic computes it (products wrap around)."""
    with np.errstate(over="ignore"):
        a16, b16 = np.asarray(a), np.asarray(b)
        n = len(a16)
        sa, sb = float(a16.sum()), float(b16.sum())
        saa, sbb, sab = (float((x * y).astype(x.dtype).sum(dtype=np.uint64)) for x, y in ((a16, a16), (b16, b16), (a16, b16)))
    va, vb = saa / n - (sa / n) ** 2, sbb / n - (sb / n) ** 2
    if va <= 0 or vb <= 0:
        return None
    return (sab / n - sa / n * sb / n) / math.sqrt(va * vb)


def _movie_cases(unseen: bool, chunkings) -> list:
    """``(label, movie (uint16), truth shifts, masks, chunk sizes)``."""
    if unseen:
        rec = other_recording()
        return [("another recording", rec.frames(0, rec.n_frames), rec.truth.shifts, rec.truth.masks, chunkings[1])]
    rec = recording()
    frames = slice(600, 900)  # a stretch with more motion than most (2.4 px RMS)
    return [("frames 600-899 of the lesson's recording", _recording_array()[frames].copy(), rec.truth.shifts[frames],
             rec.truth.masks, chunkings[0])]


def check_register_in_chunks(register_in_chunks, unseen=False):
    """Exercise 4.1: shifts estimated chunk by chunk against one template, scored against the true motion."""
    checks.is_function("register_in_chunks", register_in_chunks, n_params=2)
    for label, movie, true, _, chunkings in _movie_cases(unseen, [(100, 70), (1, 250, 599)]):
        results = []
        for chunk in chunkings:
            got = checks.call("register_in_chunks", register_in_chunks, movie, chunk,
                              refuse=(chunked.estimate_shifts, chunked.register))
            name = f"register_in_chunks({label}, {chunk})"
            checks.is_array(name, got, shape=(len(movie), 2), hint="one (dy, dx) per frame: shape (n_frames, 2)",
                            wrong_shapes={(2, len(movie)): "one row per frame: shape (n_frames, 2)",
                                          (len(movie) - len(movie) % chunk, 2) if len(movie) % chunk else (-1,):
                                              "the last chunk is shorter: register every frame, up to the end"})
            results.append((chunk, got))
        (c0, first), *others = results
        for chunk, other in others:
            if np.abs(other - first).max() > 1e-6:
                checks.fail(f"register_in_chunks({label}, ...)",
                            f"gives other shifts with chunks of {chunk} frames than with chunks of {c0}.",
                            "the shifts depend on the chunking: each chunk was registered to a template of its own, "
                            "so each chunk's shifts are measured from a different origin. Compute one template "
                            "before the loop and register every chunk to it")
        error = centred_rms(first, true)
        if error > SHIFT_RMS_MAX_PX:
            flipped = centred_rms(-first, true) < SHIFT_RMS_MAX_PX
            swapped = centred_rms(first[:, ::-1], true) < SHIFT_RMS_MAX_PX
            checks.fail(f"register_in_chunks({label}, {c0})",
                        f"is {error:.2f} px RMS from the true motion (aim: at most {SHIFT_RMS_MAX_PX} px).",
                        "the sign is flipped: return the displacement of each frame's content, as "
                        "reg.estimate_shifts does, not the correction" if flipped else
                        "dy and dx are swapped: (rows, columns)" if swapped else
                        "use a sharp template: the mean of a short stretch of frames, registered once; and keep "
                        "estimate_shifts' defaults (0.1 px)")


def check_traces_in_chunks(traces_in_chunks, unseen=False):
    """Exercise 6.1: ROI mean traces, one sparse product per chunk."""
    checks.is_function("traces_in_chunks", traces_in_chunks, n_params=3)
    refused = (mk.roi_traces, chunked.roi_traces, chunked.roi_weights)
    for label, movie, _, masks, chunkings in _movie_cases(unseen, [(64, 100), (1, 599)]):
        want = mk.roi_traces(movie, masks)
        n, T = want.shape
        for chunk in chunkings:
            name = f"traces_in_chunks({label}, masks, {chunk})"
            got = checks.call("traces_in_chunks", traces_in_chunks, movie, masks, chunk, refuse=refused)
            checks.is_array(name, got, shape=(n, T), hint="one row per ROI, one column per frame: (n_rois, n_frames)",
                            wrong_shapes={(T, n): "rows are ROIs and columns frames: transpose (W @ pixels.T)",
                                          (n, T - T % chunk) if T % chunk else (-1,):
                                              "the last chunk is shorter: include every frame, up to the end"})
            sizes = masks.reshape(len(masks), -1).sum(axis=1)
            checks.close(name, got, want, rtol=1e-6, atol=1e-9, mistakes={
                "that is the sum over each mask: the weights are 1 / (pixels in the mask), so that W gives the mean":
                    want * sizes[:, None],
                "the pixels of the chunk must be flattened in the same (row-major) order as the masks: "
                "chunk.reshape(len(chunk), -1)":
                    _traces_transposed_pixels(movie, masks),
            }, hint="W[i, p] = 1 / (pixels of mask i) where mask i is True; each chunk's traces are W times its pixels, "
                    "(n_rois, n_pixels) @ (n_pixels, frames); put the chunks side by side in time")


def _traces_transposed_pixels(movie, masks):
    """Traces when the frames are flattened column-major but the masks row-major."""
    if movie.shape[1] != movie.shape[2]:
        return None
    flipped = np.transpose(movie, (0, 2, 1))
    return mk.roi_traces(np.ascontiguousarray(flipped), masks)


def _baseline_cases(unseen: bool) -> list:
    """``(label, traces, true baseline, fs, (chunk sizes))``."""
    if unseen:
        rec = tiff_series.simulated_recording(**OTHER_TRACES)
        return [("another recording at 30 Hz (GCaMP6f)", noisy_traces(rec, seed=4), rec.truth.baseline, rec.fs, (1000, 1500)),
                ("the lesson's cells, noise drawn anew", noisy_traces(recording(), seed=9), recording().truth.baseline,
                 recording().fs, (600, 1000))]
    rec = recording()
    return [("traces of the lesson's cells", noisy_traces(rec, seed=1), rec.truth.baseline, rec.fs, (500, 750))]


def check_my_chunked_baseline(my_chunked_baseline, unseen=False):
    """Exercise 7.1: a chunked baseline of the learner's design, identical for any chunking and
    within 3 % of the true baseline on average."""
    checks.is_function("my_chunked_baseline", my_chunked_baseline, n_params=3)
    for label, traces, truth, fs, chunkings in _baseline_cases(unseen):
        results = []
        for chunk in chunkings:
            name = f"my_chunked_baseline({label}, {fs:g}, {chunk})"
            try:
                got = checks.call("my_chunked_baseline", my_chunked_baseline, traces, fs, chunk,
                                  refuse=(chunked.rolling_baseline,))
            except checks.CheckFailed as failure:
                if "longer than the trace" not in str(failure):
                    raise
                checks.fail(name, "raised an error: a chunk was shorter than the baseline's window.",
                            "map_overlap runs your function on each chunk plus the frames it borrows: lend each "
                            "chunk at least half the window (depth, in frames, along the time axis)")
            checks.is_array(name, got, shape=traces.shape, hint="one baseline value per neuron and frame: the shape of the traces",
                            wrong_shapes={traces.shape[::-1]: "keep the traces' layout: (n_neurons, n_frames)"})
            results.append(got)
        for chunk, other in zip(chunkings[1:], results[1:]):
            if not np.allclose(other, results[0], rtol=1e-9, atol=1e-9):
                differ = np.flatnonzero(~np.isclose(other, results[0], rtol=1e-9, atol=1e-9).all(axis=0))
                checks.fail(f"my_chunked_baseline({label}, ...)",
                            f"changes with the chunking: with chunks of {chunkings[0]} and of {chunk} frames, "
                            f"{len(differ)} frames get different baselines.",
                            "near the chunk edges the window reaches into the neighbouring chunks: map_overlap must "
                            "lend each chunk at least half the window (in frames) — check depth, and that it is "
                            "given along the time axis (the last one)")
        error = baseline_error(results[0], truth)
        if error > BASELINE_ERROR_MAX:
            bias = float(np.mean((results[0] - truth) / truth))
            checks.fail(f"my_chunked_baseline({label}, {fs:g}, {chunkings[0]})",
                        f"is {100 * error:.1f} % off the true baseline on average (aim: at most "
                        f"{100 * BASELINE_ERROR_MAX:.0f} %).",
                        "it rides up on the transients: a lower percentile or a longer window" if bias > 0 else
                        "it sits below the quiet level (a low percentile of noise is below its middle), or misses "
                        "the drift: a higher percentile, or a shorter window")
