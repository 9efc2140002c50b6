"""Lesson 10: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values.

The lesson's files are deleted at its end, so wrong answers are built from the recording the checks
regenerate (``big_data._recording_array``), never from the notebook's series."""
import dask.array as da
import lesson_tools as lt
import numpy as np
import pytest
import scipy.sparse

from helpers import baseline as bl, chunked, registration as reg, tiff_series
from helpers.lessons import big_data

LESSON = "10-big-data"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


# --- wrong versions of the learners' functions ------------------------------------------------

def _ranges_global(lengths, start, stop):
    """Series frame numbers instead of each file's own."""
    out, first = [], 0
    for i, n in enumerate(lengths):
        a, b = max(start, first), min(stop, first + n)
        if a < b:
            out.append((i, a, b))
        first += n
    return out


def _ranges_shifted(lengths, start, stop, *, inclusive=False, one_based=False):
    out, first = [], 0
    for i, n in enumerate(lengths):
        a, b = max(start, first), min(stop, first + n)
        if a < b:
            out.append((i + one_based, a - first, b - first - inclusive))
        first += n
    return out


def _ranges_every_file(lengths, start, stop):
    """An entry for every file, empty ranges included."""
    out, first = [], 0
    for i, n in enumerate(lengths):
        out.append((i, min(max(start - first, 0), n), min(max(stop - first, 0), n)))
        first += n
    return out


def _ranges_equal_files(lengths, start, stop):
    """As if every file were as long as the first."""
    n = lengths[0]
    return [(i, max(start - i * n, 0), min(stop - i * n, n)) for i in range(start // n, (stop - 1) // n + 1)]


def _chunks(x, size):
    return [x[i:i + size] for i in range(0, len(x), size)]


def _shifts_own_template(movie, size):
    return np.concatenate([reg.estimate_shifts(c) for c in _chunks(movie, size)])


def _shifts_right(movie, size):
    template = np.asarray(movie[:100], dtype=np.float64).mean(axis=0)
    return np.concatenate([reg.estimate_shifts(c, template) for c in _chunks(movie, size)])


def _pearson(x, y):
    x, y = np.asarray(x, float), np.asarray(y, float)
    return float(np.corrcoef(x, y)[0, 1]) if x.std() and y.std() else 0.0


def _corr_mean_of_chunks(a, b, size):
    return float(np.mean([_pearson(x, y) for x, y in zip(_chunks(a, size), _chunks(b, size))]))


def _corr_in_integers(a, b, size):
    """The sums in the traces' own dtype: uint16 squares wrap around."""
    n = sa = sb = saa = sbb = sab = 0
    for x, y in zip(_chunks(a, size), _chunks(b, size)):
        n += len(x)
        sa, sb = sa + x.sum(), sb + y.sum()
        saa, sbb, sab = saa + (x * x).sum(), sbb + (y * y).sum(), sab + (x * y).sum()
    va, vb = saa / n - (sa / n) ** 2, sbb / n - (sb / n) ** 2
    return float((sab / n - sa / n * sb / n) / np.sqrt(va * vb)) if va > 0 and vb > 0 else 0.0


def _covariance(a, b, size):
    x, y = np.asarray(a, float), np.asarray(b, float)
    return float(((x - x.mean()) * (y - y.mean())).mean())


def _corr_nan_for_constant(a, b, size):
    x, y = np.asarray(a, float), np.asarray(b, float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return float(np.corrcoef(x, y)[0, 1])


def _weights(masks):
    flat = masks.reshape(len(masks), -1)
    rows, cols = np.nonzero(flat)
    return scipy.sparse.csr_array((1.0 / flat.sum(axis=1)[rows], (rows, cols)), shape=flat.shape), flat


def _traces(movie, masks, size, *, sums=False, transposed=False, drop_last=False, column_major=False):
    w, flat = _weights(masks)
    if sums:
        w = scipy.sparse.csr_array(w.multiply(flat.sum(axis=1)[:, None]))
    pieces = []
    for c in _chunks(movie, size):
        if drop_last and len(c) < size:
            continue
        pixels = (np.transpose(c, (0, 2, 1)) if column_major else c).reshape(len(c), -1).astype(float)
        pieces.append(w @ pixels.T)
    out = np.concatenate(pieces, axis=1)
    return out.T.copy() if transposed else out


def _baseline(traces, fs, size, *, depth=None, axis=1, q=25, window_s=30.0):
    depth = round(window_s * fs) // 2 if depth is None else depth
    lazy = da.from_array(np.asarray(traces, float), chunks=(-1, size))
    return lazy.map_overlap(bl.rolling_percentile, depth={0: depth, 1: 0} if axis == 0 else {0: 0, 1: depth},
                            boundary="none", q=q, window_s=window_s, fs=fs, dtype=float).compute()


def _constant_mean(traces, fs, size):
    return np.repeat(np.asarray(traces).mean(axis=1, keepdims=True), np.shape(traces)[1], axis=1)


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-session-check", {"session_gb": lambda ns: ns["session_gb"] * 8}, "in bits"),
    ("ex-session-check", {"session_gb": lambda ns: ns["session_gb"] * 1e9 / 2**30}, "GiB"),
    ("ex-session-check", {"session_gb": lambda ns: ns["session_gb"] / 60}, "minutes were not converted"),
    ("ex-session-check", {"session_float32_gb": lambda ns: ns["session_float32_gb"] * 2}, "float64 takes 8"),
    ("ex-session-check", {"session_float32_gb": lambda ns: ns["session_gb"]}, "takes 4 bytes, not 2"),
    ("ex-budget-check", {"frames_in_budget": lambda ns: ns["budget"] // (ns["height"] * ns["width"] * 2)}, "uint16"),
    ("ex-budget-check", {"frames_in_budget": lambda ns: ns["frames_in_budget"] + 1}, "rounds up"),
    ("ex-budget-check", {"frames_in_budget": lambda ns: 25 * 2**20 // (ns["height"] * ns["width"] * 4)}, "not 25 MiB"),
    ("ex-budget-check", {"frames_in_budget": lambda ns: ns["budget"] / (ns["height"] * ns["width"] * 4)}, "whole number"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: _ranges_global}, "count each file's frames from its own"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: lambda l, a, b: _ranges_shifted(l, a, b, inclusive=True)},
     "stop is excluded"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: _ranges_every_file}, "only the files that hold"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: lambda l, a, b: _ranges_shifted(l, a, b, one_based=True)},
     "count from 0"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: _ranges_equal_files}, "the files differ in length"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: lambda l, a, b: tuple(ns["frames_to_read"](l, a, b))},
     "is a tuple"),
    ("ex-ranges-check", {"frames_to_read": lambda ns: tiff_series.file_ranges}, "write this yourself"),
    ("ex-proj-check", {"std_image": lambda ns: np.mean([f.std(axis=0, dtype=float) for f in _chunks(
        big_data._recording_array(), 500)], axis=0)}, "mean of the files' standard deviations"),
    ("ex-proj-check", {"std_image": lambda ns: ns["std_image"] * np.sqrt(3000 / 2999)}, "ddof=0"),
    ("ex-proj-check", {"mean_image": lambda ns: big_data._recording_array()[:500].mean(axis=0)}, "first file"),
    ("ex-proj-check", {"max_image": lambda ns: ns["mean_image"]}, "the mean projection"),
    ("ex-proj-check", {"mean_image": lambda ns: big_data._recording_array().mean(axis=1)}, "reduces over a spatial axis"),
    ("ex-proj-check", {"max_image": lambda ns: da.from_array(big_data._recording_array(), chunks=(500, -1, -1)).max(axis=0)},
     "call .compute()"),
    ("ex-chunk-check", {"chunk_frames": lambda ns: 57}, "does not divide the file length"),
    ("ex-chunk-check", {"chunk_frames": lambda ns: 100}, "more than the budget"),
    ("ex-chunk-check", {"chunk_frames": lambda ns: 25}, "a larger chunk that divides 500 fits too"),
    ("ex-chunk-check", {"chunk_frames": lambda ns: 50.0}, "whole number"),
    ("ex-register-check", {"register_in_chunks": lambda ns: _shifts_own_template}, "template of its own"),
    ("ex-register-check", {"register_in_chunks": lambda ns: lambda m, s: -_shifts_right(m, s)}, "sign is flipped"),
    ("ex-register-check", {"register_in_chunks": lambda ns: lambda m, s: _shifts_right(m, s)[:, ::-1].copy()},
     "swapped"),
    ("ex-register-check", {"register_in_chunks": lambda ns: lambda m, s: _shifts_right(m[:len(m) - len(m) % s], s)},
     "the last chunk is shorter"),
    ("ex-register-check", {"register_in_chunks": lambda ns: lambda m, s: chunked.estimate_shifts(
        chunked.time_chunks(m, s), m[:100].mean(axis=0)).compute()}, "write this yourself"),
    ("ex-corr-check", {"correlation_in_chunks": lambda ns: _corr_mean_of_chunks}, "averages the chunks' correlations"),
    ("ex-corr-check", {"correlation_in_chunks": lambda ns: _corr_in_integers}, "overflowed"),
    ("ex-corr-check", {"correlation_in_chunks": lambda ns: _covariance}, "covariance"),
    ("ex-corr-check", {"correlation_in_chunks": lambda ns: _corr_nan_for_constant}, "constant trace has no correlation"),
    ("ex-traces-check", {"traces_in_chunks": lambda ns: lambda m, k, s: _traces(m, k, s, sums=True)}, "sum over each mask"),
    ("ex-traces-check", {"traces_in_chunks": lambda ns: lambda m, k, s: _traces(m, k, s, transposed=True)},
     "rows are ROIs"),
    ("ex-traces-check", {"traces_in_chunks": lambda ns: lambda m, k, s: _traces(m, k, s, drop_last=True)},
     "the last chunk is shorter"),
    ("ex-traces-check", {"traces_in_chunks": lambda ns: lambda m, k, s: _traces(m, k, s, column_major=True)},
     "row-major"),
    ("ex-traces-check", {"traces_in_chunks": lambda ns: lambda m, k, s: np.concatenate(
        [chunked.roi_traces(c, k).compute() for c in _chunks(m, s)], axis=1)}, "write this yourself"),
    ("ex-baseline-check", {"my_chunked_baseline": lambda ns: lambda t, fs, s: _baseline(t, fs, s, depth=0)},
     "changes with the chunking"),
    ("ex-baseline-check", {"my_chunked_baseline": lambda ns: lambda t, fs, s: _baseline(t, fs, s, depth=40)},
     "at least half the window"),
    ("ex-baseline-check", {"my_chunked_baseline": lambda ns: _constant_mean}, "rides up on the transients"),
    ("ex-baseline-check", {"my_chunked_baseline": lambda ns: lambda t, fs, s: _baseline(t, fs, s, q=1)},
     "below the quiet level"),
    ("ex-baseline-check", {"my_chunked_baseline": lambda ns: lambda t, fs, s: chunked.rolling_baseline(
        da.from_array(t, chunks=(-1, s)), 25, 30.0, fs).compute()}, "write this yourself"),
]


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)


def test_the_other_accepted_chunk_sizes_are_the_divisors_below(lesson):
    """The chunk exercise has one answer (the largest divisor of 500 that fits); smaller divisors
    fail with the hint that points upwards, not with a memory failure."""
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks["ex-chunk-check"], namespace, {"chunk_frames": lambda ns: 20},
                              "a larger chunk that divides 500 fits too")


def test_the_solutions_pass_the_hidden_tests(lesson):
    checks, namespace = lesson
    for grade_id, source in checks.items():
        if "HIDDEN" in source:
            lt.run_check(source, {name: namespace[name] for name in lt.free_names(source)})


def test_the_lesson_leaves_no_files_behind(lesson):
    _, namespace = lesson
    assert not __import__("os").path.exists(namespace["workdir"].name)
