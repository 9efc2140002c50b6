"""Bad input: every public function refuses what it cannot handle — no hang, no crash, no silent NaN.

Two parts:

1. A property-based suite (Hypothesis) over every public function of the analysis modules,
   ``helpers.data`` and ``helpers.simulate``. Each function has a valid call; Hypothesis spoils
   one or two of its arguments with values of the argument's kind (NaN, ±inf, booleans, zero,
   negative, huge and tiny numbers, transposed, constant, empty or ragged arrays, wrong types,
   ...) or replaces an array by a degenerate but legal one. Every call runs in a forked process
   with a time limit and a memory cap, and must either return finite output of the right shape
   or raise ``ValueError``/``TypeError`` (``OSError`` for paths) whose message names a spoiled
   argument. A hang, a crash, ``MemoryError``, a raw error or a silent NaN fails.
2. One test per example of issue 22, each now a clear error or a correct result.

Settings: ``HYPOTHESIS_PROFILE=ci`` (the default here) is derandomized with a modest number of
examples per function; ``HYPOTHESIS_PROFILE=thorough`` runs many more, randomized.
"""
from __future__ import annotations

import atexit
import dataclasses
import math
import os
import pickle
import re
import resource
import select
import shutil
import signal
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from helpers import (baseline, data, dff, ensembles, events, masks, movie, neuropil, registration,
                     simulate, spikes)
from helpers import extraction

settings.register_profile("ci", max_examples=60, deadline=None, derandomize=True, database=None,
                          suppress_health_check=list(HealthCheck), print_blob=True)
settings.register_profile("thorough", max_examples=300, deadline=None, database=None,
                          suppress_health_check=list(HealthCheck))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

TIMEOUT_S = 20          # per call: far above any of these calls on their small inputs
MEMORY_CAP = 2 * 2**30  # bytes a call may allocate on top of what the process already maps


# --------------------------------------------------------------------------- isolation

def run_isolated(call, timeout=TIMEOUT_S):
    """Run ``call()`` in a forked child with a time limit and a memory cap.

    Returns ``("ok", summary)`` with what ``call`` returned (a short text, or a problem found in
    the child), ``("raised", type, message, is_value_or_type_error, mro_names)``, ``("crash",
    signal or status)`` or ``("hang",)``.
    """
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        try:
            os.close(read_end)
            with open("/proc/self/statm") as f:
                mapped = int(f.read().split()[0]) * resource.getpagesize()
            resource.setrlimit(resource.RLIMIT_AS, (mapped + MEMORY_CAP, mapped + MEMORY_CAP))
            try:
                outcome = ("ok", call())
            except BaseException as err:  # noqa: BLE001 - reported to the parent
                outcome = ("raised", type(err).__name__, str(err)[:2000],
                           isinstance(err, (ValueError, TypeError)),
                           [c.__name__ for c in type(err).__mro__])
            payload = pickle.dumps(outcome)
            with os.fdopen(write_end, "wb") as f:
                f.write(payload)
        finally:
            os._exit(0)
    os.close(write_end)
    chunks = []
    ready, _, _ = select.select([read_end], [], [], timeout)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read_end)
        return ("hang",)
    with os.fdopen(read_end, "rb") as f:
        while chunk := f.read(1 << 16):
            chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    if not chunks:
        return ("crash", os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status))
    return pickle.loads(b"".join(chunks))


def non_finite(value, nan_ok=(), path="result"):
    """Where `value` (arrays, numbers, dataclasses, lists, dicts) holds NaN or ±inf, or None."""
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            for i, item in enumerate(value.ravel()[:1000]):
                found = non_finite(item, nan_ok, f"{path}[{i}]")
                if found:
                    return found
            return None
        if np.issubdtype(value.dtype, np.number) and not np.isfinite(value).all():
            return f"{path} holds {int((~np.isfinite(value)).sum())} non-finite value(s)"
        return None
    if isinstance(value, (float, np.floating, complex)):
        return None if math.isfinite(abs(value)) else f"{path} is {value}"
    if dataclasses.is_dataclass(value):
        for field in dataclasses.fields(value):
            if field.name in nan_ok:
                continue
            found = non_finite(getattr(value, field.name), nan_ok, f"{path}.{field.name}")
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value[:1000]):
            found = non_finite(item, nan_ok, f"{path}[{i}]")
            if found:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            found = non_finite(item, nan_ok, f"{path}[{key!r}]")
            if found:
                return found
    return None


# --------------------------------------------------------------------------- valid inputs

RNG = np.random.default_rng(0)
FS = 30.0
N_FRAMES = 300


def _dff(n=3, n_frames=N_FRAMES, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 0.05, (n, n_frames))
    kernel = np.exp(-np.arange(60) / 20.0)
    for row in x:
        for onset in rng.choice(n_frames - 60, 3, replace=False):
            row[onset:onset + 60] += 0.8 * kernel
    return x


DFF = _dff()
F_RAW = 100 + 20 * DFF + RNG.normal(0, 1, DFF.shape)
F_NEU = 80 + RNG.normal(0, 2, DFF.shape)


def _movie():
    t, ny, nx = 24, 12, 14
    yy, xx = np.mgrid[:ny, :nx]
    blob = np.exp(-((yy - 5.5) ** 2 + (xx - 6.5) ** 2) / 6.0)
    course = 1 + np.sin(np.arange(t) / 3.0) ** 2
    return (50 + 40 * blob[None] * course[:, None, None]
            + np.random.default_rng(2).normal(0, 1, (t, ny, nx))).astype(np.float32)


MOVIE = _movie()
MASK = np.zeros(MOVIE.shape[1:], bool)
MASK[4:8, 5:9] = True
MASKS = np.zeros((2,) + MOVIE.shape[1:], bool)
MASKS[0, 4:8, 5:9] = True
MASKS[1, 1:3, 10:13] = True
EVENTS = events.detect_events(DFF, FS)
RASTER = np.random.default_rng(3).random((6, N_FRAMES)) < 0.03
BINNED = ensembles.bin_events(RASTER, FS, 0.5)
NULL = ensembles.circular_shuffle_null(RASTER, FS, 0.5, n_shuffles=20, seed=0)
MEMBERS = np.random.default_rng(4).random((7, 6)) < 0.5
SPIKE_COUNTS = (np.random.default_rng(5).random((3, N_FRAMES)) < 0.03).astype(float)
INFERRED = spikes.convolve_spikes(SPIKE_COUNTS, spikes.exponential_kernel(0.1, FS, 0.5))
FRAMES = [np.array([5, 40, 41, 200]), np.array([], dtype=int), np.array([100])]
STAT = [{"ypix": np.array([1, 1, 2]), "xpix": np.array([2, 3, 2]), "lam": np.array([1.0, 0.5, 0.2])},
        {"ypix": np.array([6]), "xpix": np.array([7]), "lam": np.array([2.0])}]

_TMP = Path(tempfile.mkdtemp(prefix="bad-input-"))
atexit.register(shutil.rmtree, _TMP, ignore_errors=True)


def _suite2p_folder() -> Path:
    folder = _TMP / "plane0"
    folder.mkdir(exist_ok=True)
    for part in ("F", "Fneu", "spks", "iscell", "stat", "ops"):
        (folder / f"{part}.npy").write_bytes(data.fetch(f"fissa_s2p_{part}.npy").read_bytes())
    return folder


def _files():
    text = _TMP / "notes.txt"
    text.write_text("not a registry line\n")
    binary = _TMP / "noise.bin"
    binary.write_bytes(bytes(range(256)) * 4)
    bad_zip = _TMP / "empty.zip"
    with zipfile.ZipFile(bad_zip, "w") as z:
        z.writestr("readme.txt", "no roi here")
    return text, binary, bad_zip


TEXT_FILE, BINARY_FILE, BAD_ZIP = _files()


# --------------------------------------------------------------------------- bad values by kind

NUMBERS = [0, 0.0, -1, -0.5, math.nan, math.inf, -math.inf, True, False, 1e-300, 1e300, 1e18,
           10**30, "1", None, [1.0], np.array([1.0, 2.0]), np.float32("nan"), np.int64(-3),
           complex(1, 1), np.bool_(True)]
WHOLE = [0, -1, 1.5, 2.0, math.nan, math.inf, True, False, 10**12, 10**30, "3", None,
         np.int64(-3), np.array(3), np.array([2, 3]), 2**63]
CHOICES = ["nope", "", None, 1, 0, True, False, 1.5, np.array(["a"]), ["mean"], b"mean", "MEAN"]
PATHS = [_TMP / "missing", _TMP, TEXT_FILE, BINARY_FILE, BAD_ZIP, 123, None, b"\x00", ["a"]]

_number = st.one_of(st.sampled_from(NUMBERS), st.floats(allow_nan=True, allow_infinity=True),
                    st.integers(-2**70, 2**70))
_whole = st.one_of(st.sampled_from(WHOLE), st.integers(-2**66, 2**66))


def _flat_stretch(b):
    out = np.array(b, dtype=float, copy=True)
    out[..., : int(0.6 * out.shape[-1])] = 0.0
    return out


def _with(value):
    def put(b):
        out = np.array(b, dtype=float, copy=True)
        out.flat[out.size // 2] = value
        return out
    return put


ARRAY_VARIANTS = {
    "one NaN": _with(math.nan), "one inf": _with(math.inf), "one -inf": _with(-math.inf),
    "one 1e300": _with(1e300), "one 1e16": _with(1e16),
    "all huge": lambda b: np.asarray(b, float) * 1e300, "all tiny": lambda b: np.asarray(b, float) * 1e-300,
    "constant": lambda b: np.full(np.shape(b), 3.0), "zeros": lambda b: np.zeros(np.shape(b)),
    "flat stretch": _flat_stretch, "negative": lambda b: -np.asarray(b, float),
    "transposed": lambda b: np.asarray(b).T, "reversed axes": lambda b: np.moveaxis(np.asarray(b), 0, -1),
    "first row": lambda b: np.asarray(b)[:1], "3 along last": lambda b: np.asarray(b)[..., :3],
    "1 along last": lambda b: np.asarray(b)[..., :1], "empty last": lambda b: np.asarray(b)[..., :0],
    "empty first": lambda b: np.asarray(b)[:0], "ravelled": lambda b: np.ravel(b),
    "extra axis": lambda b: np.asarray(b)[None], "scalar": lambda b: 3.0, "bool scalar": lambda b: True,
    "None": lambda b: None, "string": lambda b: "traces", "strings": lambda b: np.asarray(b).astype(str),
    "booleans": lambda b: np.asarray(b, float) > np.median(np.asarray(b, float)),
    "integers": lambda b: np.asarray(b, float).astype(np.int64), "list": lambda b: np.asarray(b).tolist(),
    "ragged": lambda b: [[1.0, 2.0], [3.0]], "object": lambda b: np.array([{"a": 1}, None], dtype=object),
    "complex": lambda b: np.asarray(b) + 1j, "strided": lambda b: np.asarray(b)[..., ::2],
    "float32": lambda b: np.asarray(b, np.float32), "one element": lambda b: np.ones((1,) * np.ndim(b)),
    "0.5 everywhere": lambda b: np.full(np.shape(b), 0.5),
}


def _random_array(base):
    shape = np.shape(base)
    dims = st.tuples(*[st.integers(0, min(max(n, 1), 8) + 2) for n in shape]) if shape else st.just(())
    return dims.flatmap(lambda s: hnp.arrays(np.float64, s, elements=st.floats(
        allow_nan=True, allow_infinity=True, width=64)))


def _variant(name, base):
    try:
        return ARRAY_VARIANTS[name](base)
    except IndexError:  # a variant that needs an axis the base has not (a scalar threshold)
        return ARRAY_VARIANTS["extra axis"](base)


def _array(base):
    variants = st.sampled_from(sorted(ARRAY_VARIANTS)).map(lambda k: _variant(k, base))
    return st.one_of(variants, variants, variants, _random_array(base))


KINDS = {"number": lambda base: _number, "whole": lambda base: _whole,
         "choice": lambda base: st.sampled_from(CHOICES), "array": _array,
         "path": lambda base: st.sampled_from(PATHS), "events": lambda base: st.sampled_from(
             [None, "events", DFF, dataclasses.replace(EVENTS, fs=-1.0), EVENTS]),
         "frames": lambda base: st.sampled_from(
             [np.array([-5, 3]), np.array([1.5, 2.0]), np.array([2**62]), [np.array([1]), [2.5]],
              np.array([[1, 2]]), "frames", None, [None], np.array([], dtype=float), np.array([True]),
              [np.array([3, 1, 2])] * 3, np.array([10**15])]),
         "stat": lambda base: st.sampled_from(
             [[], [{}], [{"ypix": [1.5], "xpix": [2.5]}], [{"ypix": np.array([99]), "xpix": np.array([0])}],
              "stat", None, 5, [{"ypix": np.array([1]), "xpix": np.array([1]), "lam": np.array([math.nan])}],
              [{"ypix": np.array([[1]]), "xpix": np.array([[1]])}]]),
         "pair": lambda base: st.sampled_from(
             [(1,), (1, 2, 3), (-1, 1), (2, 1), (math.nan, 1), (0, math.inf), "ab", None, 5, (True, 2),
              (1e300, 1e301), (0, 10**30)]),
         "seed": lambda base: st.sampled_from([-1, 1.5, "0", True, None, 10**40, [1, -2]]),
         "anything": lambda base: st.sampled_from([None, "x", -1, math.nan, True, [], {}, object()])}


@dataclasses.dataclass
class Spec:
    """A public function, a valid call, the kind of each argument and the expected output."""

    fn: object
    args: dict            # name -> (kind, valid value); positional in this order
    kwargs: dict = dataclasses.field(default_factory=dict)   # keyword-only, same form
    shape: object = None  # callable(call kwargs) -> expected shape of the result (or of .attr)
    attr: str | None = None
    nan_ok: tuple = ()    # documented NaN fields (e.g. means over silent neurons)
    errors: tuple = (ValueError, TypeError)
    related: dict = dataclasses.field(default_factory=dict)  # arg -> other names its errors may cite

    @property
    def name(self):
        return f"{self.fn.__module__.split('.')[-1]}.{self.fn.__name__}"


def same_as(arg):
    return lambda kw: np.shape(kw[arg])


def A(value):
    return ("array", value)


def N(value):
    return ("number", value)


def W(value):
    return ("whole", value)


def C(value):
    return ("choice", value)


TRACE_WINDOWS = {"fs": ("window_s", "cutoff_s", "smooth_s", "bin_s", "traces", "F", "trace")}

SPECS = [
    # movie
    Spec(movie.projection, {"movie": A(MOVIE), "kind": C("std"), "frames": ("pair", (2, 10))},
         shape=lambda kw: np.shape(kw["movie"])[1:], related={"movie": ("frames",)}),
    Spec(movie.crop, {"movie_or_image": A(MOVIE), "y": ("pair", (2, 8)), "x": ("pair", (3, 9))},
         related={"movie_or_image": ("y", "x")},
         shape=lambda kw: np.shape(kw["movie_or_image"])[:-2] + (kw["y"][1] - kw["y"][0], kw["x"][1] - kw["x"][0])),
    Spec(movie.pixel_trace, {"movie": A(MOVIE), "y": W(3), "x": W(4)}, shape=lambda kw: (np.shape(kw["movie"])[0],),
         related={"movie": ("y", "x")}),
    Spec(movie.time_axis, {"n_frames": W(100), "fs": N(FS)}, shape=lambda kw: (kw["n_frames"],)),
    Spec(movie.local_correlation, {"movie": A(MOVIE), "neighbours": C(8)}, shape=lambda kw: np.shape(kw["movie"])[1:]),
    # registration
    Spec(registration.estimate_shifts, {"movie": A(MOVIE), "template": A(MOVIE.mean(0)), "upsample": W(4),
                                        "max_shift": N(3.0), "normalization": C(None)},
         shape=lambda kw: (len(kw["movie"]), 2), related={"template": ("movie",), "movie": ("template",)}),
    Spec(registration.apply_shifts, {"movie": A(MOVIE), "shifts": A(RNG.normal(0, 1, (24, 2))), "order": C(1)},
         shape=same_as("movie"), related={"movie": ("shifts",)}),
    Spec(registration.register, {"movie": A(MOVIE), "template": A(MOVIE.mean(0)), "upsample": W(2)},
         shape=same_as("movie"), attr=0, related={"template": ("movie",), "movie": ("template",)}),
    Spec(registration.correlation_to_template, {"movie": A(MOVIE), "template": A(MOVIE.mean(0))},
         shape=lambda kw: (len(kw["movie"]),), related={"template": ("movie",), "movie": ("template",)}),
    # registration: piecewise-rigid (issue 31)
    Spec(registration.estimate_patch_shifts, {"movie": A(MOVIE), "template": A(MOVIE.mean(0)), "patch_size": W(8),
                                              "overlap": W(4), "upsample": W(2)},
         related={"template": ("movie",), "movie": ("template", "patch_size", "overlap"),
                  "patch_size": ("overlap",), "overlap": ("patch_size",)}),
    Spec(registration.shift_field, {"patch_shifts": A(RNG.normal(0, 1, (24, 2, 2, 2))),
                                    "centres": ("anything", ([3.0, 8.0], [3.5, 9.5])),
                                    "frame_shape": ("pair", (12, 14))},
         shape=lambda kw: (len(kw["patch_shifts"]), 2, *np.broadcast_to(kw["frame_shape"], 2)),
         related={"patch_shifts": ("centres",), "centres": ("patch_shifts",)}),
    Spec(registration.apply_shift_field, {"movie": A(MOVIE), "field": A(RNG.normal(0, 1, (24, 2, 12, 14))),
                                          "order": C(1)},
         shape=same_as("movie"), related={"movie": ("field",)}),
    Spec(registration.register_piecewise, {"movie": A(MOVIE), "template": A(MOVIE.mean(0)), "patch_size": W(8),
                                           "overlap": W(4), "max_deviation": N(3.0), "upsample": W(2)},
         shape=same_as("movie"), attr=0,
         related={"template": ("movie",), "movie": ("template", "patch_size", "overlap"),
                  "patch_size": ("overlap",), "overlap": ("patch_size",)}),
    Spec(registration.displacement_error, {"estimated": A(RNG.normal(0, 1, (24, 2))),
                                           "true": A(RNG.normal(0, 1, (24, 2, 12, 14)))},
         kwargs={"per_pixel": C(True)}, shape=lambda kw: np.shape(kw["true"])[2:] if kw["per_pixel"] else (),
         related={"estimated": ("true",), "true": ("estimated",)}),
    # masks
    Spec(masks.threshold_mask, {"image": A(MOVIE.mean(0)), "method": C("percentile"), "value": N(80.0)},
         shape=same_as("image"), related={"method": ("value",), "value": ("method",)}),
    Spec(masks.clean_mask, {"mask": A(MASK), "opening_radius": W(1), "min_size": W(3)}, shape=same_as("mask")),
    Spec(masks.label_rois, {"mask": A(MASK), "min_size": W(2)}),
    Spec(masks.roi_properties, {"masks": A(MASKS)}),
    Spec(masks.pixel_coordinates, {"mask": A(MASK)}),
    Spec(masks.pixels_by_time, {"movie": A(MOVIE), "mask": A(MASK)}, related={"movie": ("mask",)}),
    Spec(masks.neuropil_rings, {"masks": A(MASKS), "gap_px": W(1), "width_px": W(2)}, shape=same_as("masks"),
         related={"masks": ("gap_px", "width_px")}),
    Spec(masks.roi_traces, {"movie": A(MOVIE), "masks": A(MASKS), "method": C("weighted"),
                            "weights": A(MOVIE.mean(0))},
         shape=lambda kw: np.shape(kw["masks"])[:-2] + (len(kw["movie"]),),
         related={"movie": ("masks",), "method": ("weights",),
                                                          "weights": ("method",)}),
    Spec(masks.masks_from_suite2p, {"stat": ("stat", STAT), "shape": ("pair", (8, 9)), "weights": C(True)},
         shape=lambda kw: (len(kw["stat"]), 8, 9), related={"shape": ("stat",), "stat": ("shape",)}),
    Spec(masks.iou, {"a": A(MASK), "b": A(MASKS[0])}, related={"a": ("b", "masks"), "b": ("a", "masks")}),
    Spec(masks.match_masks, {"predicted": A(MASKS), "truth": A(MASKS[::-1])},
         related={"predicted": ("truth",), "truth": ("predicted",)}),
    # neuropil
    Spec(neuropil.subtract_neuropil, {"F": A(F_RAW), "Fneu": A(F_NEU), "r": A(0.7)}, shape=same_as("F"),
         related={"F": ("Fneu",), "Fneu": ("F",)}),
    Spec(neuropil.estimate_r, {"F": A(F_RAW), "Fneu": A(F_NEU), "fs": N(FS)},
         kwargs={"q": N(20), "window_s": N(3.0), "smooth_s": N(0.2), "r_range": ("pair", (0.0, 2.0)),
                 "tol": N(1e-3)},
         shape=lambda kw: (len(kw["F"]),), related={"F": ("Fneu", "window_s", "smooth_s"),
                                                    "Fneu": ("F", "window_s", "smooth_s"), **TRACE_WINDOWS}),
    # baseline
    Spec(baseline.constant_baseline, {"traces": A(F_RAW), "stat": C("percentile")}, kwargs={"q": N(10)},
         shape=same_as("traces")),
    Spec(baseline.moving_median, {"traces": A(F_RAW), "window_frames": W(31)}, kwargs={"mode": C("reflect")},
         shape=same_as("traces"), related={"traces": ("window_frames",)}),
    Spec(baseline.rolling_percentile, {"traces": A(F_RAW), "q": N(10), "window_s": N(2.0), "fs": N(FS)},
         kwargs={"mode": C("nearest")}, shape=same_as("traces"),
         related={"traces": ("window_s",), **TRACE_WINDOWS}),
    Spec(baseline.ema_baseline, {"traces": A(F_RAW), "tau_s": N(2.0), "fs": N(FS)}, shape=same_as("traces")),
    Spec(baseline.maximin, {"traces": A(F_RAW), "fs": N(FS)},
         kwargs={"sigma_frames": N(3.0), "window_s": N(2.0), "mode": C("nearest")}, shape=same_as("traces"),
         related={"traces": ("window_s", "sigma_frames"), **TRACE_WINDOWS}),
    Spec(baseline.remove_slow_drift, {"traces": A(F_RAW), "fs": N(FS)},
         kwargs={"cutoff_s": N(4.0), "q": N(10), "mode": C("wrap")}, shape=same_as("traces"),
         related={"traces": ("cutoff_s",), **TRACE_WINDOWS}),
    # dff
    Spec(dff.delta_f_over_f, {"F": A(F_RAW), "F0": A(np.full((3, 1), 100.0))}, kwargs={"min_f0": N(1.0)},
         shape=same_as("F"), related={"F": ("F0",), "F0": ("F",)}),
    Spec(dff.noise_sd, {"traces": A(DFF), "method": C("diff_mad")}, shape=lambda kw: (len(kw["traces"]),)),
    Spec(dff.wavelet_denoise, {"traces": A(DFF), "wavelet": C("sym4"), "level": W(3), "mode": C("soft"),
                               "threshold": ("number", "universal")}, kwargs={"extension": C("symmetric")},
         shape=same_as("traces"), related={"traces": ("level", "wavelet"), "wavelet": ("level",)}),
    Spec(dff.snr, {"traces": A(DFF), "signal": C("p99"), "noise": C("mad")},
         shape=lambda kw: (len(kw["traces"]),), related={"noise": ("method",)}),
    # events
    Spec(events.robust_zscore, {"traces": A(DFF)}, shape=same_as("traces")),
    Spec(events.detect_events, {"traces": A(DFF), "fs": N(FS)},
         kwargs={"k": N(3.0), "k_low": N(1.5), "min_amplitude": N(0.1), "min_duration_s": N(0.2),
                 "min_separation_s": N(0.3), "sigma": A(np.full(3, 0.05))},
         related={"k": ("k_low",), "traces": ("sigma",), "sigma": ("traces",)}),
    Spec(events.detect_bursts, {"traces": A(DFF), "fs": N(FS)},
         kwargs={"k": N(3.5), "window_s": N(0.3), "reference_s": N(0.2), "min_separation_s": N(0.3),
                 "k_active": N(5.0), "k_rerise": N(2.0)}),
    Spec(events.event_raster, {"events": ("events", EVENTS), "n_neurons": W(5), "n_frames": W(400)},
         shape=lambda kw: (EVENTS.n_neurons if kw["n_neurons"] is None else kw["n_neurons"],
                           EVENTS.n_frames if kw["n_frames"] is None else kw["n_frames"]),
         related={"n_neurons": ("raster",),
                                                                   "n_frames": ("raster",)}),
    Spec(events.event_features, {"events": ("events", EVENTS), "duration_s": N(20.0)},
         nan_ok=("mean_amplitude", "mean_fwhm_s")),
    Spec(Events_per_neuron := (lambda field: EVENTS.per_neuron(field)), {"field": C("amplitude")}),
    Spec(events.spike_bursts, {"spike_frames": ("frames", FRAMES), "fs": N(FS), "merge_s": N(0.5)}),
    Spec(events.match_events, {"detected_frames": ("frames", FRAMES), "true_frames": ("frames", FRAMES[::-1]),
                               "fs": N(FS), "tolerance_s": N(0.3)},
         related={"detected_frames": ("true_frames",), "true_frames": ("detected_frames",)}),
    # ensembles
    Spec(ensembles.bin_events, {"raster": A(RASTER), "fs": N(FS), "bin_s": N(0.5)},
         related={"fs": ("bin_s", "raster"), "bin_s": ("raster",)}),
    Spec(ensembles.coactivity, {"binned": A(BINNED)}, shape=lambda kw: (np.shape(kw["binned"])[1],)),
    Spec(ensembles.shuffle_offsets, {"n_shuffles": W(10), "n_neurons": W(6), "n_frames": W(300), "seed": ("seed", 0)},
         shape=lambda kw: (kw["n_shuffles"], kw["n_neurons"])),
    Spec(ensembles.circular_shuffle_null, {"raster": A(RASTER), "fs": N(FS), "bin_s": N(0.5), "n_shuffles": W(20),
                                           "seed": ("seed", 0), "offsets": A(np.zeros((4, 6), int))},
         related={"fs": ("bin_s", "raster"), "bin_s": ("raster",), "raster": ("offsets",),
                  "offsets": ("n_shuffles",)}),
    Spec(ensembles.jitter_null, {"raster": A(RASTER), "fs": N(FS), "bin_s": N(0.5), "window_s": N(2.0),
                                 "n_shuffles": W(20), "seed": ("seed", 0)},
         related={"fs": ("bin_s", "raster", "window_s"), "bin_s": ("raster", "window_s"),
                  "window_s": ("bin_s", "raster"), "raster": ("window_s",)}),
    Spec(ensembles.significance_threshold, {"null": A(NULL), "q": N(99)}),
    Spec(ensembles.ensemble_events, {"binned": A(BINNED), "threshold": N(1.0)}),
    Spec(ensembles.jaccard_similarity, {"members": A(MEMBERS)},
         shape=lambda kw: (len(kw["members"]),) * 2),
    Spec(ensembles.linkage_tree, {"members": A(MEMBERS), "method": C("average")}),
    Spec(ensembles.silhouette_scores, {"members": A(MEMBERS), "ks": ("anything", [2, 3]), "method": C("average")}),
    Spec(ensembles.cluster_ensembles, {"members": A(MEMBERS), "method": C("average"), "cut": N(0.7)},
         shape=lambda kw: (len(kw["members"]),)),
    Spec(ensembles.summarise_ensembles, {"members": A(MEMBERS), "labels": A(np.array([0, 0, 1, 1, 1, 2, 0])),
                                         "bins": A(np.arange(7)), "bin_s": N(0.5)},
         kwargs={"min_participation": N(0.5), "min_events": W(2)},
         related={"members": ("labels", "bins"), "labels": ("members",), "bins": ("members",)}),
    Spec(ensembles.adjusted_rand_index, {"labels_true": A(np.array([0, 0, 1, 1])), "labels_pred": A(np.array([1, 1, 0, 2]))},
         related={"labels_true": ("labels_pred",), "labels_pred": ("labels_true",)}),
    # spikes
    Spec(spikes.boxcar_kernel, {"width_s": N(0.2), "fs": N(FS)}, kwargs={"normalise": C("sum")},
         related={"fs": ("width_s",)}),
    Spec(spikes.triangle_kernel, {"width_s": N(0.2), "fs": N(FS)}, kwargs={"normalise": C("peak")},
         related={"fs": ("width_s",)}),
    Spec(spikes.exponential_kernel, {"tau_s": N(0.3), "fs": N(FS), "duration_s": N(1.0)},
         kwargs={"normalise": C("sum")}, related={"fs": ("duration_s",), "tau_s": ("kernel",)}),
    Spec(spikes.double_exponential_kernel, {"rise_s": N(0.05), "decay_s": N(0.5), "fs": N(FS), "duration_s": N(2.0)},
         kwargs={"normalise": C("sum")},
         related={"fs": ("duration_s", "kernel"), "rise_s": ("decay_s", "kernel"), "decay_s": ("rise_s", "kernel"),
                  "duration_s": ("kernel",)}),
    Spec(spikes.normalise_kernel, {"kernel": A(np.exp(-np.arange(10) / 3.0)), "how": C("peak")},
         shape=same_as("kernel"), related={"how": ("normalise",)}),
    Spec(spikes.convolve_spikes, {"spikes": A(SPIKE_COUNTS), "kernel": A(np.exp(-np.arange(10) / 3.0))},
         shape=same_as("spikes")),
    Spec(spikes.ar_coefficients, {"decay_s": N(0.5), "fs": N(FS), "rise_s": N(0.05)},
         related={"fs": ("decay_s", "rise_s"), "decay_s": ("rise_s",), "rise_s": ("decay_s",)}),
    Spec(spikes.ar_time_constants, {"g": ("anything", (1.5, -0.55)), "fs": N(FS)}),
    Spec(spikes.ar_impulse_response, {"g": ("anything", 0.9), "n_frames": W(50)}, shape=lambda kw: (kw["n_frames"],)),
    Spec(spikes.deconvolve, {"trace": A(F_RAW[0]), "fs": N(FS)},
         kwargs={"order": C(1), "penalty": C(1), "noise_sd": N(1.0), "baseline": N(100.0),
                 "baseline_nonneg": C(False)},
         shape=same_as("trace"), attr="calcium"),
    Spec(spikes.infer_spikes, {"trace": A(F_RAW[0]), "fs": N(FS)},
         kwargs={"decay_s": N(0.5), "rise_s": N(0.05), "sparsity": N(2.0), "noise_sd": N(1.0), "baseline": N(100.0)},
         shape=same_as("trace"), attr="calcium",
         related={"fs": ("decay_s", "rise_s"), "decay_s": ("rise_s",), "rise_s": ("decay_s",)}),
    Spec(spikes.spike_threshold, {"spikes": A(INFERRED)}, kwargs={"k_std": N(3.0)},
         shape=lambda kw: (len(kw["spikes"]),), related={"k_std": ("fraction_of_max", "percentile")}),
    Spec(spikes.spike_frames, {"spikes": A(INFERRED), "threshold": A(0.1)},
         kwargs={"fs": N(FS), "min_distance_s": N(0.1)}, related={"fs": ("min_distance_s",),
                                                              "spikes": ("threshold",)}),
    Spec(spikes.spike_times_s, {"spikes": A(INFERRED), "fs": N(FS), "threshold": A(0.1)},
         kwargs={"min_distance_s": N(0.1)}, related={"fs": ("min_distance_s",), "spikes": ("threshold",)}),
    Spec(spikes.binned_rate_correlation, {"inferred": A(INFERRED), "true_spikes": A(SPIKE_COUNTS),
                                          "fs": N(FS), "bin_s": N(0.5)},
         shape=lambda kw: (len(kw["inferred"]),), nan_ok=("result",),
         related={"inferred": ("true_spikes", "bin_s"), "true_spikes": ("inferred", "bin_s"), "fs": ("bin_s",)}),
    Spec(spikes.score_inference, {"inferred": A(INFERRED), "true_spikes": A(SPIKE_COUNTS), "fs": N(FS),
                                  "threshold": A(0.1)},
         kwargs={"bin_s": N(0.5), "tolerance_s": N(0.2), "min_distance_s": N(0.1)}, nan_ok=("correlation",),
         related={"inferred": ("true_spikes", "threshold", "bin_s"), "true_spikes": ("inferred", "bin_s"),
                  "fs": ("bin_s", "min_distance_s")}),
    # data
    Spec(data.read_registry, {"path": ("path", data.REGISTRY_FILE)}, errors=(ValueError, TypeError, OSError)),
    Spec(data.fetch, {"name": C("sima_example.tif")}, kwargs={"registry": ("anything", None)},
         errors=(ValueError, TypeError, OSError, data.DataUnavailableError)),
    Spec(data.load_imagej_rois, {"path": ("path", data.fetch("sima_imagej_rois.zip")), "shape": ("pair", (128, 256))},
         errors=(ValueError, TypeError, OSError)),
    Spec(data.load_ground_truth, {"name": C("ds06_1")},
         errors=(ValueError, TypeError, OSError, data.DataUnavailableError)),
    Spec(data.load_suite2p_folder, {"folder": ("path", _suite2p_folder())}, kwargs={"fs": N(FS)},
         errors=(ValueError, TypeError, OSError)),
    # simulate
    Spec(simulate.simulate_traces, {"n_neurons": W(4), "n_frames": W(200), "fs": N(FS), "indicator": C("GCaMP6f"),
                                    "seed": ("seed", 0)},
         kwargs={"roi_pixels": W(20), "rate_hz": N(0.5), "rate_spread": N(0.5), "f0": N(50.0),
                 "bleach_tau_s": N(100.0), "photons_per_unit": N(0.2), "drift_timescale_s": N(5.0),
                 "r_range": ("pair", (0.2, 0.8)), "n_ensembles": W(1), "ensemble_size": ("pair", (2, 3)),
                 "ensemble_spikes": W(1)},
         shape=lambda kw: (kw["n_neurons"], kw["n_frames"]), attr="traces",
         related={"n_neurons": ("ensemble_size",), "ensemble_size": ("n_neurons",), "n_frames": ("fs",),
                  "fs": ("n_frames", "drift_timescale_s"), "rate_hz": ("rate_spread",),
                  "rate_spread": ("rate_hz",), "drift_timescale_s": ("fs",)}),
    Spec(simulate.simulate_movie, {"n_cells": W(2), "shape": ("pair", (40, 24, 26)), "fs": N(FS)},
         kwargs={"radius_px": ("pair", (2.0, 3.0)), "motion": C(True), "max_shift_px": N(2.0),
                 "motion_step_px": N(0.3), "read_noise": N(1.0)},
         shape=lambda kw: kw["shape"], attr="movie",
         related={"shape": ("radius_px", "n_cells", "fs"), "radius_px": ("shape",), "n_cells": ("shape", "radius_px"),
                  "fs": ("shape",)}),
    Spec(simulate.demo_movie, {"seed": ("seed", 1)},
         kwargs={"n_frames": W(30), "height": W(32), "width": W(34), "n_cells": W(2), "fs": N(FS)},
         shape=lambda kw: (kw["n_frames"], kw["height"], kw["width"]), attr="movie",
         related={"height": ("radius_px", "shape", "n_cells"), "width": ("radius_px", "shape", "n_cells"),
                  "n_frames": ("shape",), "n_cells": ("shape",)}),
    Spec(simulate.single_cell_movie, {"seed": ("seed", 1)},
         kwargs={"n_frames": W(30), "height": W(40), "width": W(40), "fs": N(FS)},
         shape=lambda kw: (kw["n_frames"], kw["height"], kw["width"]), attr="movie",
         related={"height": ("radius_px", "shape", "n_cells"), "width": ("radius_px", "shape", "n_cells"),
                  "n_frames": ("shape",)}),
    Spec(simulate.population_traces, {"seed": ("seed", 1)},
         kwargs={"n_neurons": W(25), "n_frames": W(300), "fs": N(4.8), "ensemble_size": ("pair", (3, 5))},
         shape=lambda kw: (kw["n_neurons"], kw["n_frames"]), attr="traces",
         related={"n_neurons": ("ensemble_size",), "ensemble_size": ("n_neurons",), "fs": ("n_frames",),
                  "n_frames": ("fs",)}),
]

# extraction (issue 31): source extraction by non-negative matrix factorisation
_SEEDS, _FOOTPRINTS, _TRACES = extraction.greedy_init(MOVIE, 2, 2.0)
_EXTRACTION = extraction.fit_components(MOVIE, _FOOTPRINTS, _TRACES, n_iter=5)
_FITTED = {"movie": ("footprints", "traces"), "footprints": ("movie", "traces"),
           "traces": ("movie", "footprints")}
SPECS += [
    Spec(extraction.greedy_init, {"movie": A(MOVIE), "n_components": W(2), "radius_px": N(2.0)},
         related={"movie": ("radius_px", "n_components"), "radius_px": ("movie",), "n_components": ("movie",)}),
    Spec(extraction.correlation_init, {"movie": A(MOVIE), "n_components": W(2), "radius_px": N(2.0)},
         related={"movie": ("radius_px", "n_components", "correlation image"), "radius_px": ("movie",),
                  "n_components": ("movie",)}),
    Spec(extraction.fit_components, {"movie": A(MOVIE), "footprints": A(_FOOTPRINTS), "traces": A(_TRACES)},
         kwargs={"n_background": W(1), "n_iter": W(5), "tol": N(1e-5)},
         shape=lambda kw: (kw["n_background"], *np.shape(kw["movie"])[1:]), attr="background_maps",
         related=_FITTED),
    Spec(extraction.extract_sources, {"movie": A(MOVIE), "n_components": W(2), "radius_px": N(2.0)},
         kwargs={"init": C("greedy"), "n_background": W(1), "n_iter": W(5)},
         related={"movie": ("radius_px", "n_components", "correlation image"), "radius_px": ("movie",),
                  "n_components": ("movie",)}),
    Spec(extraction.evaluate_components, {"movie": A(MOVIE), "extraction": ("anything", _EXTRACTION)},
         kwargs={"min_snr": N(2.5), "min_r": N(0.8), "min_size_px": W(3), "n_consecutive": W(5),
                 "n_peaks": W(5), "before_frames": W(3), "after_frames": W(10)},
         shape=lambda kw: (len(_EXTRACTION.footprints),), attr="snr",
         related={"movie": ("footprints", "traces", "extraction"), "extraction": ("footprints", "traces")}),
    Spec(extraction.footprint_masks, {"footprints": A(_FOOTPRINTS), "fraction": N(0.5), "smooth_px": N(1.0)},
         shape=same_as("footprints")),
    Spec(extraction.match_to_truth, {"footprints": A(_FOOTPRINTS), "traces": A(_TRACES), "true_masks": A(MASKS),
                                     "true_traces": A(DFF[:2, :24])},
         kwargs={"fraction": N(0.5), "smooth_px": N(1.0)}, shape=lambda kw: (len(kw["true_masks"]),), attr="iou",
         related={"footprints": ("traces", "predicted", "truth"), "traces": ("footprints", "true_traces"),
                  "true_masks": ("truth", "predicted", "true_traces"), "true_traces": ("traces", "true_masks"),
                  "smooth_px": ("footprints",)}),
]
Events_per_neuron.__name__ = "Events.per_neuron"
Events_per_neuron.__module__ = "helpers.events"

# Functions without arguments (checked once: finite records); argument-free data loaders.
NO_ARGUMENTS = [data.course_registry, data.cache_dir, data.load_sima_movie, data.load_sima_rois,
                data.load_allen_raw_crop, data.load_allen_roi_traces, data.load_allen_neuropil_traces,
                data.load_allen_dff, data.load_zebrafish_dff, data.load_suite2p, data.ground_truth_names]


def _call_strategy(spec):
    names = list(spec.args) + list(spec.kwargs)
    kinds = {**spec.args, **spec.kwargs}

    @st.composite
    def build(draw):
        values = {name: value for name, (_, value) in kinds.items()}
        spoiled = draw(st.sets(st.sampled_from(names), min_size=1, max_size=min(2, len(names))))
        for name in spoiled:
            kind, value = kinds[name]
            values[name] = draw(KINDS[kind](value))
        return values, sorted(spoiled)
    return build()


def _invoke(spec, values):
    positional = [values[name] for name in spec.args]
    keywords = {name: values[name] for name in spec.kwargs}
    return spec.fn(*positional, **keywords)


def _summarise(spec, values):
    """Call and check the output in the child; return None if fine, else what is wrong."""
    result = _invoke(spec, values)
    target = result
    if spec.attr is not None:
        target = result[spec.attr] if isinstance(spec.attr, int) else getattr(result, spec.attr)
    if spec.nan_ok == ("result",):
        problem = None if np.isinf(np.asarray(target, dtype=float)).sum() == 0 else "infinite result"
    else:
        problem = non_finite(result, spec.nan_ok)
    if problem is None and spec.shape is not None:
        want = tuple(spec.shape(values))
        got = np.shape(target)
        if got != want and got != ():  # one value per neuron is a float for a single trace
            problem = f"output shape {got}, expected {want}"
    return problem


def _check(spec, values, spoiled):
    outcome = run_isolated(lambda: _summarise(spec, values))
    described = ", ".join(f"{n}={_short(values[n])}" for n in spoiled)
    assert outcome[0] not in ("hang", "crash"), f"{spec.name}({described}): {outcome}"
    if outcome[0] == "ok":
        assert outcome[1] is None, f"{spec.name}({described}) returned {outcome[1]}"
        return "ok"
    _, kind, message, _, mro = outcome
    allowed = {e.__name__ for e in spec.errors}
    assert allowed & set(mro), f"{spec.name}({described}) raised {kind}: {message}"
    cited = set(spoiled)
    for name in spoiled:
        cited.update(spec.related.get(name, ()))
        if isinstance(values[name], (str, Path)) and str(values[name]):
            cited.add(str(values[name]))  # a file or data set named by its own name
    assert any(name in message for name in cited) or kind in {"FileNotFoundError", "IsADirectoryError",
                                                              "NotADirectoryError", "PermissionError"}, (
        f"{spec.name}({described}) raised {kind} without naming {sorted(cited)}: {message}")
    return "raised"


def _short(value):
    if isinstance(value, np.ndarray):
        finite = np.issubdtype(value.dtype, np.number) and value.size and np.isfinite(value).all()
        return f"<{value.dtype} {value.shape}{'' if finite else ' with non-finite/non-numeric'}>"
    text = repr(value)
    return text if len(text) < 60 else text[:57] + "..."


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_valid_call_gives_finite_output(spec):
    outcome = run_isolated(lambda: _summarise(spec, {n: v for n, (_, v) in {**spec.args, **spec.kwargs}.items()}))
    assert outcome == ("ok", None), f"{spec.name} on its valid call: {outcome}"


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_bad_input_is_refused_clearly_or_handled(spec):
    @given(_call_strategy(spec))
    def property_(call):
        values, spoiled = call
        _check(spec, values, spoiled)
    property_()


@pytest.mark.parametrize("fn", NO_ARGUMENTS, ids=lambda f: f.__name__)
def test_argument_free_loaders_give_finite_records(fn):
    outcome = run_isolated(lambda: non_finite(fn()) if fn is not data.load_suite2p else
                           non_finite([getattr(fn(), f) for f in ("F", "Fneu", "spks", "masks", "mean_image")]))
    assert outcome == ("ok", None), f"{fn.__name__}: {outcome}"


def test_every_public_function_is_covered():
    covered = {spec.name for spec in SPECS} | {f"data.{f.__name__}" for f in NO_ARGUMENTS}
    public = set()
    for module in (movie, registration, masks, neuropil, baseline, dff, events, ensembles, spikes,
                   data, simulate,
                   extraction):
        names = getattr(module, "__all__", None) or [n for n in vars(module) if not n.startswith("_")]
        for name in names:
            obj = getattr(module, name)
            if callable(obj) and not isinstance(obj, type) and getattr(obj, "__module__", "") == module.__name__:
                public.add(f"{module.__name__.split('.')[-1]}.{name}")
    assert public <= covered, f"not covered: {sorted(public - covered)}"


# --------------------------------------------------------------------------- issue 22's examples

def _one(value, array, index=None):
    out = np.array(array, dtype=np.float64, copy=True)
    out[index if index is not None else (0,) * out.ndim] = value
    return out


@pytest.mark.parametrize("value, word", [(math.inf, "infinite"), (-math.inf, "infinite"), (math.nan, "NaN")])
def test_inf_is_refused_like_nan(value, word):
    bad_movie = _one(value, MOVIE, (3, 5, 6))
    for call in (lambda: registration.apply_shifts(bad_movie, np.zeros((len(MOVIE), 2))),
                 lambda: registration.register(bad_movie),
                 lambda: masks.roi_traces(bad_movie, MASKS, method="weighted")):
        with pytest.raises(ValueError, match=f"movie contains 1 {word}"):
            call()
    with pytest.raises(ValueError, match=f"traces contains 1 {word}"):
        baseline.ema_baseline(_one(value, F_RAW), 2.0, FS)
    with pytest.raises(ValueError, match=f"kernel contains 1 {word}"):
        spikes.convolve_spikes(SPIKE_COUNTS, _one(value, np.exp(-np.arange(10) / 3.0), 4))
    with pytest.raises(ValueError, match=f"traces contains 1 {word}"):
        dff.wavelet_denoise(_one(value, DFF))
    with pytest.raises(ValueError, match=f"shifts contains 1 {word}"):
        registration.apply_shifts(MOVIE, _one(value, np.zeros((len(MOVIE), 2))))
    with pytest.raises(ValueError, match=f"trace contains 1 {word}"):  # was "SVD did not converge"
        spikes.deconvolve(_one(value, F_RAW[0]), FS)


def test_values_too_large_to_sum_are_refused():
    with pytest.raises(ValueError, match="beyond ±1e\\+15.*rescale"):
        baseline.ema_baseline(_one(1e300, F_RAW), 2.0, FS)


def test_transposed_traces_are_refused_naming_the_time_axis():
    allen_like = _dff(n=74, n_frames=6001)  # the Allen excerpt's shape, 74 neurons x 6001 frames
    with pytest.raises(ValueError, match=r"traces has shape \(6001, 74\).*Time is the last axis.*traces\.T"):
        events.detect_events(allen_like.T, 30)
    assert len(events.detect_events(allen_like, 30)) > 0
    S, T = INFERRED[:, :900 // 3 * 3], SPIKE_COUNTS  # 3 neurons x 300 frames
    with pytest.raises(ValueError, match=r"inferred has shape \(300, 3\).*Time is the last axis"):
        spikes.score_inference(S.T, T.T, 30, 0.05, bin_s=0.05)
    # a window longer than a trace that looks transposed says which axis is time
    with pytest.raises(ValueError, match="longer than the trace.*time is the last axis"):
        baseline.rolling_percentile(RNG.normal(100, 1, (30, 20)), 10, 2.0, FS)


@pytest.mark.parametrize("shape, fs", [((1003, 260), 7.5), ((324, 15000), 4.8), ((74, 6001), 30.0),
                                       ((23, 864), 1.0), ((3, 48160), 11.0), ((9, 5), 4.8)])
def test_the_course_shapes_are_not_taken_for_transposed(shape, fs):
    traces = np.random.default_rng(0).normal(0, 1, shape)
    assert dff.noise_sd(traces).shape == (shape[0],)
    assert events.robust_zscore(traces).shape == shape
    assert baseline.ema_baseline(traces, 1.0, fs).shape == shape


@pytest.mark.parametrize("call, name", [
    (lambda: neuropil.subtract_neuropil(F_RAW, F_NEU, r=True), "r"),
    (lambda: events.detect_events(DFF, FS, sigma=True), "sigma"),
    (lambda: ensembles.ensemble_events(BINNED, threshold=True), "threshold"),
    (lambda: spikes.spike_frames(INFERRED, threshold=True), "threshold"),
    (lambda: dff.wavelet_denoise(DFF, threshold=True), "threshold"),
    (lambda: registration.apply_shifts(MOVIE, np.zeros((len(MOVIE), 2)), order=True), "order"),
    (lambda: spikes.deconvolve(F_RAW[0], FS, order=True), "order"),
    (lambda: spikes.deconvolve(F_RAW[0], FS, penalty=False), "penalty"),
    (lambda: movie.local_correlation(MOVIE, neighbours=True), "neighbours"),
    (lambda: movie.time_axis(True, FS), "n_frames"),
])
def test_booleans_are_not_numbers(call, name):
    with pytest.raises((TypeError, ValueError), match=name):
        call()


@pytest.mark.parametrize("tol", [1e-16, 1e-20, 1e-300])
def test_estimate_r_returns_for_unreachable_tolerances(tol):
    outcome = run_isolated(lambda: neuropil.estimate_r(F_RAW, F_NEU, fs=30, window_s=5, tol=tol), timeout=60)
    assert outcome[0] == "ok" and np.isfinite(outcome[1]).all() and outcome[1].shape == (3,), outcome
    coarse = neuropil.estimate_r(F_RAW, F_NEU, fs=30, window_s=5, tol=1e-8)
    np.testing.assert_allclose(outcome[1], coarse, atol=1e-7)


def test_load_imagej_rois_checks_the_shape_is_a_pair():
    path = data.fetch("sima_imagej_rois.zip")
    outcome = run_isolated(lambda: data.load_imagej_rois(path, (128,)))
    assert outcome[:2] == ("raised", "TypeError") and "shape must be a pair (y, x)" in outcome[2], outcome
    assert data.load_imagej_rois(path, (128, 256)).shape == (2, 128, 256)


def test_wavelet_denoise_of_a_flat_stretch_or_a_constant_trace_is_finite():
    trace = np.r_[np.zeros(600), DFF[0]]
    out = dff.wavelet_denoise(trace)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[:500], 0.0, atol=1e-12)  # flat stays flat (σ = 0: unchanged)
    np.testing.assert_allclose(dff.wavelet_denoise(np.full(300, 2.5)), 2.5)
    assert np.isfinite(dff.wavelet_denoise(trace, threshold=0.1)).all()
    with pytest.raises(ValueError, match="5 frames, too few .* sym4"):  # was "from 1 to 0"
        dff.wavelet_denoise(DFF[0, :5])


def test_estimate_shifts_of_a_constant_movie_is_zero():
    still = np.full((6, 16, 16), 7.0)
    np.testing.assert_array_equal(registration.estimate_shifts(still), 0.0)
    np.testing.assert_array_equal(registration.estimate_shifts(still, upsample=1), 0.0)
    registered, shifts = registration.register(still, normalization="phase")
    np.testing.assert_array_equal(shifts, 0.0)
    np.testing.assert_array_equal(registered, still)


def test_ar_models_the_module_would_reject_are_refused_when_built():
    with pytest.raises(ValueError, match="decay_s=1e\\+300 s at fs=30 Hz"):
        spikes.ar_coefficients(1e300, 30)
    with pytest.raises(ValueError, match="decay_s"):
        spikes.ar_coefficients(0.7, 1e20, 0.07)
    with pytest.raises(ValueError, match="rise_s"):
        spikes.ar_coefficients(0.5, 30, 1e-6)
    g = spikes.ar_coefficients(0.7, 30, 0.07)
    assert spikes.ar_time_constants(g, 30) == pytest.approx((0.7, 0.07))


def test_deconvolving_a_constant_trace():
    with pytest.raises(ValueError, match="trace row 0: no AR\\(1\\) model could be estimated.*give g or decay_s"):
        spikes.deconvolve(np.zeros((1, 300)), 30)
    result = spikes.deconvolve(np.zeros((1, 300)), 30, g=0.9)
    assert np.isfinite(result.calcium).all() and not result.spikes.any()


def test_event_rates_need_a_duration_covering_the_events():
    trace = _dff(n=2, n_frames=900)  # 30 s at 30 Hz
    found = events.detect_events(trace, 30)
    with pytest.raises(ValueError, match="duration_s=0.5 s is shorter than the time the events span"):
        events.event_features(found, duration_s=0.5)
    np.testing.assert_allclose(events.event_features(found, duration_s=60).rate_hz,
                               events.event_features(found).rate_hz / 2)


def test_load_suite2p_folder_refuses_a_negative_rate():
    folder = _suite2p_folder()
    with pytest.raises(ValueError, match="fs must be a positive number"):
        data.load_suite2p_folder(folder, fs=-30)
    assert data.load_suite2p_folder(folder, fs=30).fs == 30.0


@pytest.mark.parametrize("call, name", [
    (lambda: movie.time_axis(10**12, 30), "n_frames"),
    (lambda: masks.clean_mask(MASK, opening_radius=10**5), "opening_radius"),
    (lambda: baseline.maximin(F_RAW, 30, sigma_frames=1e9), "sigma_frames"),
    (lambda: registration.estimate_shifts(MOVIE, upsample=10**4), "upsample"),
    (lambda: masks.neuropil_rings(MASKS, gap_px=10**6), "gap_px"),
    (lambda: events.event_raster(EVENTS, n_neurons=10**6, n_frames=10**6), "n_neurons x n_frames"),
    (lambda: ensembles.shuffle_offsets(10**6, 10**4, 100), "n_shuffles x n_neurons"),
    (lambda: ensembles.bin_events(RASTER, 30, 1e-12), "bin_s"),
    (lambda: spikes.exponential_kernel(1.0, 30, 1e12), "duration_s"),
    (lambda: spikes.ar_impulse_response(0.9, 10**12), "n_frames"),
    (lambda: simulate.simulate_traces(n_neurons=10**5, n_frames=10**5), "n_neurons"),
    (lambda: simulate.simulate_traces(n_neurons=2, n_frames=10**4, fs=1e-3, rate_hz=100), "rate_hz"),
])
def test_sizes_that_would_exhaust_memory_are_refused_with_the_reason(call, name):
    outcome = run_isolated(call)
    assert outcome[0] == "raised" and outcome[3], outcome
    assert re.search(name, outcome[2]) and re.search("memory|wider|covers|limit|finer", outcome[2]), outcome


def test_raw_errors_became_clear_ones():
    with pytest.raises(ValueError, match="ks must hold whole numbers of clusters"):  # was "cannot convert float NaN"
        ensembles.silhouette_scores(MEMBERS, [2, math.nan])
    np.testing.assert_allclose(ensembles.silhouette_scores(MEMBERS, [2, 3.0]),
                               ensembles.silhouette_scores(MEMBERS, [2, 3]))
    # was "Python int too large to convert to C long": a tolerance longer than the recording
    score = events.match_events(FRAMES, FRAMES[::-1], 30, 1e18)
    assert (score.n_matched, score.n_detected, score.n_true) == (2, 5, 5)
