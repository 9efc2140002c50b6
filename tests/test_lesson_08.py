"""Lesson 08: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import lesson_tools as lt
import numpy as np
import pytest

from helpers import dff
from helpers import events as ev
from helpers import registration as reg

LESSON = "08-pipeline"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _correlation_shift(frame, template):
    """Integer shift from the circular cross-correlation, before any sign or wrap convention."""
    c = np.real(np.fft.ifft2(np.fft.fft2(frame) * np.conj(np.fft.fft2(template))))
    return np.array(np.unravel_index(np.argmax(c), c.shape), dtype=float)


def _wrapped(frame, template):
    p = _correlation_shift(frame, template)
    return np.where(p > np.array(frame.shape) // 2, p - frame.shape, p)


def _lc4_divide_by_4(movie):
    m = np.asarray(movie, dtype=np.float64)
    z = m - m.mean(axis=0)
    norm = np.sqrt((z ** 2).sum(axis=0))
    z = np.divide(z, norm, out=np.zeros_like(z), where=norm > 0)
    total = np.zeros(m.shape[1:])
    h = (z[:, :, :-1] * z[:, :, 1:]).sum(axis=0)
    v = (z[:, :-1] * z[:, 1:]).sum(axis=0)
    total[:, :-1] += h
    total[:, 1:] += h
    total[:-1] += v
    total[1:] += v
    return total / 4


def _lc4_roll(movie):
    m = np.asarray(movie, dtype=np.float64)
    z = m - m.mean(axis=0)
    z = z / np.sqrt((z ** 2).sum(axis=0))
    return sum((z * np.roll(z, s, axis=a)).sum(axis=0) for a in (1, 2) for s in (1, -1)) / 4


def _local_correlation(movie, neighbours=4, skip_constant=False, guard_constant=True):
    """A hand-written local correlation image (not the package's), with switchable conventions."""
    m = np.asarray(movie, dtype=np.float64)
    centred = m - m.mean(axis=0)
    norm = np.sqrt((centred ** 2).sum(axis=0))
    with np.errstate(invalid="ignore"):  # unguarded, a constant trace gives 0 / 0 = NaN
        z = np.divide(centred, norm, out=np.zeros_like(centred), where=norm > 0) if guard_constant else centred / norm
    ny, nx = norm.shape
    total, count = np.zeros((ny, nx)), np.zeros((ny, nx))
    for dy, dx in [(0, 1), (1, 0), (1, 1), (1, -1)][:neighbours // 2]:
        a = slice(0, ny - dy), slice(max(0, -dx), nx - max(0, dx))
        b = slice(dy, ny), slice(max(0, dx), nx + min(0, dx))
        r = (z[(slice(None), *a)] * z[(slice(None), *b)]).sum(axis=0)
        weight = (norm[a] > 0) & (norm[b] > 0) if skip_constant else 1
        total[a] += r
        total[b] += r
        count[a] += weight
        count[b] += weight
    return np.divide(total, count, out=np.zeros_like(total), where=count > 0)


def _wrap_at_middle_too(frame, template):
    p = _correlation_shift(frame, template)
    return np.where(p >= np.array(frame.shape) // 2, p - frame.shape, p)


def _snr_along(x, axis):
    """Lesson 05's SNR reduced along `axis` (axis=0: one value per frame, the wrong axis)."""
    median = np.median(x, axis=axis, keepdims=True)
    sigma = 1.4826 * np.median(np.abs(x - median), axis=axis)
    return (np.percentile(x, 99, axis=axis) - median.squeeze(axis)) / sigma


def _matched(ns):
    return np.flatnonzero(ns["ref_chain"].partner >= 0)


def _scores(ns, tolerance_s):
    c, sel = ns["ref_chain"], _matched(ns)
    return ev.match_events([c.onsets[i] for i in sel], [c.true_bursts[i] for i in sel], ns["fs"], tolerance_s)


def _jaccard_of_rois(ns):
    rois = set(ns["ref_chain"].ensembles[0].members.tolist())
    return max(len(rois & set(e.tolist())) / len(rois | set(e.tolist())) for e in ns["truth"].ensembles)


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-disp-check", {"max_displacement_px": lambda ns: float(np.abs(ns["truth"].shifts).max())}, "along one axis"),
    ("ex-disp-check", {"max_displacement_px": lambda ns: float((ns["truth"].shifts ** 2).sum(axis=1).max())}, "squared distance"),
    ("ex-disp-check", {"max_displacement_px": lambda ns: float(np.hypot(*ns["truth"].shifts.T).mean())}, "mean distance"),
    ("ex-regframe-check", {"register_frame": lambda ns: lambda f, t: -_wrapped(f, t)}, "sign is flipped"),
    ("ex-regframe-check", {"register_frame": lambda ns: lambda f, t: _correlation_shift(f, t)}, "negative shifts are missing"),
    ("ex-regframe-check", {"register_frame": lambda ns: lambda f, t: _wrapped(f, t)[::-1].copy()}, "swapped"),
    ("ex-regframe-check", {"register_frame": lambda ns: lambda f, t: _wrapped(f, t)[None]}, "one shift per axis"),
    ("ex-shifterr-check", {"shift_error_px": lambda ns: lambda a, b: float(np.sqrt(((a - b) ** 2).sum(axis=1).mean()))},
     "constant offset"),
    ("ex-shifterr-check", {"shift_error_px": lambda ns: lambda a, b: float(np.sqrt((((a - a.mean(0)) - (b - b.mean(0))) ** 2).mean()))},
     "divides by 2T"),
    ("ex-shifterr-check", {"shift_error_px": lambda ns: lambda a, b: float(np.hypot(*((a - a.mean(0)) - (b - b.mean(0))).T).mean())},
     "mean error distance"),
    ("ex-shifterr-check", {"shift_error_px": lambda ns: lambda a, b: np.array([1.0])}, "not a single number"),
    ("ex-corr-check", {"corr_raw": lambda ns: ns["corr_registered"]}, "the other movie"),
    ("ex-corr-check", {"corr_registered": lambda ns: reg.correlation_to_template(ns["registered_ref"], ns["movie"].mean(axis=0))},
     "not of the raw one"),
    ("ex-corr-check", {"corr_raw": lambda ns: np.zeros(ns["movie"].shape[1:])}, "one value per pixel"),
    ("ex-patches-check", {"n_patches_256": lambda ns: 4}, "along one axis"),
    ("ex-patches-check", {"n_patches_256": lambda ns: 25}, "must fit in the frame"),
    ("ex-patches-check", {"n_patches_256": lambda ns: 9}, "non-overlapping"),
    ("ex-patches-check", {"patch_dy_range": lambda ns: (-3.0, 3.0)}, "around the rigid shift"),
    ("ex-patches-check", {"patch_dy_range": lambda ns: (-6.0, 6.0)}, "max_shifts alone"),
    ("ex-patches-check", {"patch_dy_range": lambda ns: [-0.5, 5.5]}, "not a tuple"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: lambda m: _local_correlation(m, 8)}, "uses 8 neighbours"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: _lc4_divide_by_4}, "at the border"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: _lc4_roll}, "np.roll wraps"),
    ("ex-rois-check", {"roi_masks": lambda ns: ns["mk"].label_rois(ns["mk"].clean_mask(
        ns["mk"].threshold_mask(ns["lesson08"].correlation_images(seed=0)[0], "absolute", 0.15), 1, 15))}, "raw movie's"),
    ("ex-rois-check", {"roi_masks": lambda ns: ns["roi_masks"].astype(int)}, "boolean"),
    ("ex-rois-check", {"fraction_found": lambda ns: 100 * ns["fraction_found"]}, "not a percentage"),
    ("ex-rois-check", {"fraction_found": lambda ns: ns["fraction_found"] * len(ns["truth"].masks) / len(ns["roi_masks"])},
     "over the true cells"),
    ("ex-accept-check", {"accept_components": lambda ns: lambda s, r, smin, rmin: (s > smin) & (r >= rmin)}, "EITHER test"),
    ("ex-accept-check", {"accept_components": lambda ns: lambda s, r, smin, rmin: (s >= smin) | (r >= rmin)}, "strict"),
    ("ex-accept-check", {"accept_components": lambda ns: lambda s, r, smin, rmin: (s > smin) | (r > rmin)}, "includes its threshold"),
    ("ex-accept-check", {"accept_components": lambda ns: lambda s, r, smin, rmin: np.flatnonzero((s > smin) | (r >= rmin))},
     "not the indices"),
    ("ex-snr-check", {"candidate_snr": lambda ns: (np.percentile(ns["candidate_dff"], 99, axis=1) - np.median(ns["candidate_dff"], axis=1))
                      / ns["candidate_dff"].std(axis=1)}, "not the standard deviation"),
    ("ex-snr-check", {"candidate_snr": lambda ns: dff.snr(ns["candidate_dff"]) * 1.4826}, "not the MAD itself"),
    ("ex-snr-check", {"candidate_snr": lambda ns: _snr_along(ns["candidate_dff"], axis=0)}, "one value per frame"),
    ("ex-snr-check", {"n_accepted": lambda ns: len(ns["candidate_snr"]) - ns["n_accepted"]}, "rejected"),
    ("ex-snr-check", {"n_accepted": lambda ns: int(((ns["ref_chain"].snr > 4) & (ns["ref_chain"].spatial_corr >= 0.85)).sum())},
     "requires both"),
    ("ex-f1-check", {"event_scores": lambda ns: ns["event_scores"] | {"precision": ns["event_scores"]["recall"]}}, "swapped"),
    ("ex-f1-check", {"event_scores": lambda ns: {k: getattr(_scores(ns, 0.5 / ns["fs"]), k) for k in ("precision", "recall", "f1")}},
     "not 0.5 frames"),
    ("ex-f1-check", {"event_scores": lambda ns: ns["event_scores"] | {"f1": (ns["event_scores"]["precision"] + ns["event_scores"]["recall"]) / 2}},
     "harmonic mean"),
    ("ex-f1-check", {"event_scores": lambda ns: {"p": 1.0, "r": 1.0, "f1": 1.0}}, "missing keys"),
    ("ex-ens-check", {"best_jaccard": _jaccard_of_rois}, "ROI indices"),
    ("ex-ens-check", {"best_jaccard": lambda ns: float(len({int(p) for p in ns["ref_chain"].partner[ns["ref_chain"].ensembles[0].members] if p >= 0}
                                                         & set(ns["truth"].ensembles[1].tolist())))}, "intersection size"),
    ("ex-allen-check", {"allen_shifts": lambda ns: reg.estimate_shifts(ns["allen"].movie)}, "mean of these 100 frames"),
    ("ex-allen-check", {"allen_shifts": lambda ns: -ns["allen_shifts"]}, "sign is flipped"),
    ("ex-allen-check", {"allen_shifts": lambda ns: ns["allen_shifts"].T.copy()}, "one row per frame"),
    ("ex-s2p-check", {"s2p_dff": lambda ns: 100 * ns["s2p_dff"]}, "not in percent"),
    ("ex-s2p-check", {"s2p_dff": lambda ns: np.vstack([ns["s2p_dff"], ns["s2p_dff"][:2]])}, "classified as cells"),
    ("ex-s2p-check", {"s2p_dff": lambda ns: dff.delta_f_over_f(ns["s2p"].F[ns["s2p"].iscell], ns["baseline"].rolling_percentile(
        ns["s2p"].F[ns["s2p"].iscell], 10, 30.0, 10.0))}, "subtract the neuropil"),
    ("ex-s2p-check", {"s2p_dff": lambda ns: dff.delta_f_over_f(ns["Fc"], ns["baseline"].rolling_percentile(ns["Fc"], 10, 3.0, 10.0))},
     "not 30 frames"),
    # The package's reference is what the learner compares with, not the answer.
    ("ex-regframe-check", {"register_frame": lambda ns: lambda f, t: ns["reg"].estimate_shifts(f[None], t, upsample=1)[0]},
     "write this yourself"),
    ("ex-regframe-check", {"register_frame": lambda ns: lambda f, t: ns["reg"].register(f[None], t, upsample=1)[1][0]},
     "write this yourself"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: lambda m: ns["mv"].local_correlation(m, 4)}, "write this yourself"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: lambda m: ns["lesson08"].local_correlation_variant(m, "divide_by_4")
                      * ns["lesson08"]._inside_neighbours(m.shape[1:]) / 4}, "write this yourself"),
    ("ex-accept-check", {"accept_components": lambda ns: ns["lesson08"].accept}, "write this yourself"),
    ("ex-accept-check", {"accept_components": lambda ns: lambda s, r, smin, rmin: ns["lesson08"].accept(s, r, smin, rmin)},
     "write this yourself"),
    # Conventions the exercises state, caught by the visible checks.
    ("ex-regframe-check", {"register_frame": lambda ns: _wrap_at_middle_too}, "exactly at the middle"),
    ("ex-shifterr-check", {"shift_error_px": lambda ns: lambda a, b: float(np.sqrt((((a - a.mean()) - (b - b.mean())) ** 2).sum(axis=1).mean()))},
     "not one mean of the whole array"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: lambda m: _local_correlation(m, guard_constant=False)}, "constant trace"),
    ("ex-lc4-check", {"local_correlation_4": lambda ns: lambda m: _local_correlation(m, skip_constant=True)},
     "still counts as a neighbour"),
    ("ex-accept-check", {"accept_components": lambda ns: lambda s, r, smin, rmin: ((s > smin) | (r >= rmin)).astype(float)},
     "not 0.0/1.0"),
    ("ex-disp-check", {"max_displacement_px": lambda ns: float(np.abs(ns["truth"].shifts).sum(axis=1).max())}, "adds |dy| + |dx|"),
    ("ex-rois-check", {"roi_masks": lambda ns: ns["mk"].label_rois(ns["mk"].threshold_mask(ns["lc_ref"], "absolute", 0.15))},
     "clean the mask"),
    ("ex-f1-check", {"event_scores": lambda ns: {k: getattr(ev.match_events(list(ns["ref_chain"].onsets), list(ns["ref_chain"].true_bursts),
                                                                            ns["fs"], 0.5), k) for k in ("precision", "recall", "f1")}},
     "only the ROIs with a partner"),
    ("ex-s2p-check", {"s2p_dff": lambda ns: dff.delta_f_over_f(ns["Fc"], ns["baseline"].rolling_percentile(
        ns["s2p"].F[ns["s2p"].iscell], 10, 30.0, 10.0))}, "baseline of the neuropil-corrected"),
]


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    counts = {grade_id: sum(w[0] == grade_id for w in WRONG) for grade_id in checks}
    assert min(counts.values()) >= 2, counts


def test_the_lesson_movie_registers_within_half_a_pixel(lesson):
    """The issue's bar: the reference registration errs by < 0.5 px against the true shifts."""
    _, ns = lesson
    assert ns["shift_error_px"](ns["shifts_ref"], ns["truth"].shifts) < 0.5
