"""Lesson 07: each check recognises typical wrong answers and says which mistake it was,
without printing the expected values."""
import math

import lesson_tools as lt
import numpy as np
import pytest

from helpers import ensembles as en
from helpers.lessons import ensembles as lesson07

LESSON = "07-ensembles"


@pytest.fixture(scope="module")
def lesson():
    notebook = lt.load(LESSON)
    return lt.check_cells(notebook), lt.run_solutions(notebook)


def _counts(raster, fs, bin_s):
    """Events per (neuron, bin) instead of active or not."""
    raster = np.asarray(raster)
    n_bins = math.floor(raster.shape[1] / (fs * bin_s))
    frame_bin = np.floor(np.arange(raster.shape[1]) / (fs * bin_s)).astype(int)
    counts = np.zeros((raster.shape[0], n_bins), dtype=int)
    neuron, frame = np.nonzero(raster[:, frame_bin < n_bins])
    np.add.at(counts, (neuron, frame_bin[frame]), 1)
    return counts


def _whole_frame_bins(raster, fs, bin_s):
    """Bins of round(fs * bin_s) whole frames (np.reshape), the last partial one dropped."""
    n = round(fs * bin_s)
    raster = np.asarray(raster)
    usable = raster.shape[1] // n * n
    return raster[:, :usable].reshape(raster.shape[0], -1, n).any(axis=2)


def _with_partial_bin(raster, fs, bin_s):
    raster = np.asarray(raster)
    n_bins = math.ceil(raster.shape[1] / (fs * bin_s))
    frame_bin = np.floor(np.arange(raster.shape[1]) / (fs * bin_s)).astype(int)
    out = np.zeros((raster.shape[0], n_bins), dtype=bool)
    neuron, frame = np.nonzero(raster)
    out[neuron, frame_bin[frame]] = True
    return out


def _partial_into_last_bin(raster, fs, bin_s):
    """Events of the last, partial bin counted in the last whole bin instead of dropped."""
    raster = np.asarray(raster)
    n_bins = math.floor(raster.shape[1] / (fs * bin_s))
    frame_bin = np.minimum(np.floor(np.arange(raster.shape[1]) / (fs * bin_s)).astype(int), n_bins - 1)
    out = np.zeros((raster.shape[0], n_bins), dtype=bool)
    neuron, frame = np.nonzero(raster)
    out[neuron, frame_bin[frame]] = True
    return out


def _bins_via_reference(raster, fs, bin_s):
    """A learner's function that hands the work to the package's reference."""
    binned = en.bin_events(raster, fs, bin_s)
    return binned.copy()


def _roll_each(raster, offsets):
    return np.array([np.roll(row, k) for row, k in zip(raster, offsets)])


def _train_via_reference(frames, n_frames, offset):
    """shuffle_train through en.circular_shuffle_null, with one-frame bins (fs = 1 Hz, 1 s bins)."""
    train = np.isin(np.arange(n_frames), frames)[None]
    return np.flatnonzero(en.circular_shuffle_null(train, 1.0, 1.0, offsets=np.array([[offset]]))[0])


def _above_via_reference(coactivity, threshold):
    """coactive_bins through en.ensemble_events, on a made-up raster with the same coactivity."""
    counts = np.asarray(coactivity)
    fake_binned = np.arange(int(counts.max()))[:, None] < counts[None, :]
    return en.ensemble_events(fake_binned, threshold)[0]


def _circular_pooled_bins(raster, fs):
    """The lesson's chain: circular shuffles, one pooled 99th-percentile threshold."""
    null = en.circular_shuffle_null(raster, fs, 0.5, n_shuffles=1000, seed=0)
    return np.flatnonzero(en.bin_events(raster, fs, 0.5).sum(axis=0) > en.significance_threshold(null, 99))


def _jitter_pooled_bins(raster, fs):
    """The jitter null with one pooled threshold: set by the busiest periods."""
    null = en.jitter_null(raster, fs, 0.5, window_s=5.0, n_shuffles=1000, seed=0)
    return np.flatnonzero(en.bin_events(raster, fs, 0.5).sum(axis=0) > en.significance_threshold(null, 99))


def _family_wise_bins(raster, fs):
    """Circular shuffles with a family-wise threshold (99th percentile of each shuffle's maximum)."""
    null = en.circular_shuffle_null(raster, fs, 0.5, n_shuffles=1000, seed=0)
    return np.flatnonzero(en.bin_events(raster, fs, 0.5).sum(axis=0) > np.percentile(null.max(axis=1), 99))


def _chain_ensembles(null, min_events):
    def find(raster, fs):
        return lesson07.reference_ensembles(raster, fs, null=null, min_events=min_events)
    return find


# (check cell, answers to replace: {name: function of the solution namespace}, hint expected)
WRONG = [
    ("ex-bins-check", {"frames_per_bin": lambda ns: ns["fs"] / ns["bin_s"]}, "that is fs / bin_s"),
    ("ex-bins-check", {"n_bins": lambda ns: ns["n_frames"] // 2}, "rounded the bin to 2 frames"),
    ("ex-bins-check", {"n_bins": lambda ns: float(ns["n_bins"])}, "whole number"),
    ("ex-bins-check", {"frames_per_bin": lambda ns: 2.0}, "do not round"),
    ("ex-binfn-check", {"bin_raster": lambda ns: _counts}, "return booleans"),
    ("ex-binfn-check", {"bin_raster": lambda ns: _whole_frame_bins}, "whole frames"),
    ("ex-binfn-check", {"bin_raster": lambda ns: _with_partial_bin}, "partial bin"),
    ("ex-binfn-check", {"bin_raster": lambda ns: lambda r, f, b: ns["bin_raster"](r, f, b).T}, "neurons on axis 0"),
    ("ex-binfn-check", {"bin_raster": lambda ns: _partial_into_last_bin}, "went into the last whole bin"),
    ("ex-binfn-check", {"bin_raster": lambda ns: lambda r, f, b: ns["bin_raster"](r, f, b).astype(float)}, "dtype=bool"),
    ("ex-binfn-check", {"bin_raster": lambda ns: lambda r, f, b: ns["bin_raster"](r, 4.8, b)},
     lt.Hidden("passed as arguments")),
    ("ex-binfn-check", {"bin_raster": lambda ns: en.bin_events}, "write this yourself"),
    ("ex-binfn-check", {"bin_raster": lambda ns: _bins_via_reference}, "write this yourself"),
    ("ex-coact-check", {"coactivity_counts": lambda ns: ns["binned"].sum(axis=1)}, "summed over bins"),
    ("ex-coact-check", {"coactivity_counts": lambda ns: ns["binned"].mean(axis=0)}, "fraction of neurons"),
    ("ex-coact-check", {"peak_time_s": lambda ns: int(np.argmax(ns["coactivity_counts"]))}, "bin index"),
    ("ex-coact-check", {"peak_time_s": lambda ns: float(np.argmax(ns["coactivity_counts"]) * 2.4)}, "time in frames"),
    ("ex-coact-check", {"coactivity_counts": lambda ns: ns["binned"].sum(axis=0).astype(float)}, "whole numbers"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: lambda fr, n, o: np.asarray(fr) + o}, "wrap them round"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: lambda fr, n, o: (np.asarray(fr) + o) % n}, "increasing order"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: lambda fr, n, o: np.sort((np.asarray(fr) - o) % n)}, "moved earlier"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: lambda fr, n, o: np.sort((np.asarray(fr) + o) % n).astype(float)},
     "integer"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: lambda fr, n, o: np.array(sorted((f + o) % n for f in fr))},
     "also when it is empty"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: lambda fr, n, o: np.sort(np.where(fr + o > n, fr + o - n, fr + o))},
     "exactly on n_frames"),
    ("ex-shufflefn-check", {"shuffle_train": lambda ns: _train_via_reference}, "write this yourself"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: en.bin_events(
        np.roll(r, off[0], axis=1), f, b).sum(axis=0)}, "same offset"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: _roll_each(
        en.bin_events(r, f, b), off).sum(axis=0)}, "shuffled after binning"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: en.bin_events(r, f, b).sum(axis=0)},
     "real coactivity"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: en.bin_events(
        _roll_each(r, off), f, b).sum(axis=1)}, "sum over neurons"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: en.bin_events(
        _roll_each(r, -off), f, b).sum(axis=0)}, "moved earlier"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: ns["shuffled_coactivity"](
        r, off, f, b).astype(float)}, "whole numbers"),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: ns["shuffled_coactivity"](
        r, off, 4.8, b)}, lt.Hidden("passed as arguments")),
    ("ex-oneshuffle-check", {"shuffled_coactivity": lambda ns: lambda r, off, f, b: en.circular_shuffle_null(
        r, f, b, offsets=np.asarray(off)[None])[0]}, "write this yourself"),
    ("ex-threshold-check", {"threshold_99": lambda ns: float(np.percentile(ns["null"], 0.99))}, "99, not 0.99"),
    ("ex-threshold-check", {"threshold_99": lambda ns: float(np.percentile(ns["null"].max(axis=1), 99))}, "each shuffle's maximum"),
    ("ex-threshold-check", {"threshold_99": lambda ns: float(np.percentile(ns["binned"].sum(axis=0), 99))}, "real coactivity"),
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: float(np.mean(ns["null"] >= ns["threshold_99"]) * 6250)},
     "strictly above"),
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: 62.5}, "exactly 1 %"),
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: float(np.mean(ns["null"] > ns["threshold_99"]))}, "that is a fraction"),
    ("ex-coactivefn-check", {"coactive_bins": lambda ns: lambda c, t: np.flatnonzero(np.asarray(c) >= t)}, "strictly above"),
    ("ex-coactivefn-check", {"coactive_bins": lambda ns: lambda c, t: np.asarray(c) > t}, "boolean mask"),
    ("ex-coactivefn-check", {"coactive_bins": lambda ns: lambda c, t: np.asarray(c)[np.asarray(c) > t]}, "coactivity values"),
    ("ex-coactivefn-check", {"coactive_bins": lambda ns: lambda c, t: np.array([i for i, v in enumerate(c) if v > t])},
     "integer array"),
    ("ex-coactivefn-check", {"coactive_bins": lambda ns: _above_via_reference}, "write this yourself"),
    ("ex-members-check", {"event_bins": lambda ns: np.flatnonzero(ns["binned"].sum(axis=0) >= ns["threshold_ref"])},
     "strictly above"),
    ("ex-members-check", {"event_members": lambda ns: ns["event_members"].T.copy()}, "one row per ensemble event"),
    ("ex-members-check", {"event_times_s": lambda ns: ns["event_bins"] * 2.4}, "these are frames"),
    ("ex-members-check", {"event_times_s": lambda ns: ns["event_bins"].copy()}, "bin indices"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: int(np.sum(a & b))}, "number of shared neurons"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(np.sum(a & b) / a.size)}, "number of neurons"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(np.sum(a & b) / np.sum(a | b))
                            if np.any(a | b) else float("nan")}, "return 1.0"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(np.sum(a & b) / np.sum(a | b))
                            if np.any(a | b) else 0.0}, "defined to be identical"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(np.sum(a & b) / (np.sum(a) + np.sum(b)))
                            if np.any(a | b) else 1.0}, "counts the shared neurons twice"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(np.sum(a & b) / np.sum(a | b))
                            if np.any(a) and np.any(b) else 1.0}, "only two empty sets"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(np.sum(a & b) / np.sum(a | b))
                            if np.any(a | b) else 1}, "asks for a float"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: lambda a, b: float(en.jaccard_similarity(np.array([a, b]))[0, 1])},
     "write this yourself"),
    ("ex-jaccardfn-check", {"jaccard": lambda ns: en.jaccard_similarity}, "takes 1 positional parameter"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: int(np.argmax(s))}, "position of the maximum"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: int(ks[np.argmin(s)])}, "smallest mean silhouette"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: float(ks[np.argmax(s)])}, "whole number"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: int(ks[len(s) - 1 - np.argmax(s[::-1])])}, "smallest k"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: int(np.argmax(s)) + 2}, "need not start at 2"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: float(np.max(s))}, "not a silhouette value"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: int(en.cluster_ensembles(ns["event_members_ref"]).max() + 1)},
     "write this yourself"),
    ("ex-cut-check", {"best_cut": lambda ns: lambda ks, s: int(ks[np.argmax(ns["lesson07"].silhouette_by_k(
        ns["event_members_ref"], ks))])}, "write this yourself"),
    ("ex-recovery-check", {"recovery": lambda ns: ns["recovery"].T.copy()}, "transpose"),
    ("ex-recovery-check", {"recovery": lambda ns: np.array([[float(len(set(p) & set(f.members))) for f in ns["found"]]
                                                            for p in ns["truth"].ensembles])}, "numbers of shared neurons"),
    ("ex-recovery-check", {"n_extra": lambda ns: int(np.sum(ns["recovery"].max(axis=1) < 0.5))}, "counts planted ensembles"),
    ("ex-recovery-check", {"n_extra": lambda ns: int(np.sum(ns["recovery"].max(axis=0) >= 0.5))}, "DO match"),
    ("ex-zf-check", {"zf_n_bins": lambda ns: math.ceil(ns["zf_raster"].shape[1] / 3.75)}, "partial bin"),
    ("ex-zf-check", {"zf_threshold": lambda ns: float(np.percentile(ns["zf_null"], 0.99))}, "99, not 0.99"),
    ("ex-zf-check", {"zf_event_bins": lambda ns: np.flatnonzero(ns["zf_binned"].sum(axis=0) >= ns["zf_threshold"])},
     "strictly above"),
    ("ex-zf-check", {"zf_threshold": lambda ns: float(np.percentile(ns["zf_binned"].sum(axis=0), 99))}, "real coactivity"),
    ("ex-eventbins-check", {"ensemble_event_bins": lambda ns: _circular_pooled_bins}, "whole population's rate"),
    ("ex-eventbins-check", {"ensemble_event_bins": lambda ns: _jitter_pooled_bins}, "too strict where it matters"),
    ("ex-eventbins-check", {"ensemble_event_bins": lambda ns: _family_wise_bins}, "too strict where it matters"),
    ("ex-eventbins-check", {"ensemble_event_bins": lambda ns: lambda r, f: _circular_pooled_bins(r, f) > -1},
     "boolean mask"),
    ("ex-findens-check", {"find_ensembles": lambda ns: _chain_ensembles("circular", 2)}, "ask more events of an ensemble"),
    ("ex-findens-check", {"find_ensembles": lambda ns: _chain_ensembles("circular", 10)}, "null that keeps the population"),
    ("ex-findens-check", {"find_ensembles": lambda ns: _chain_ensembles("jitter", 2)}, "clusters of a few events"),
    ("ex-findens-check", {"find_ensembles": lambda ns: lambda r, f: [np.arange(5)]}, "strict loses real ones"),
    ("ex-findens-check", {"find_ensembles": lambda ns: lambda r, f: np.zeros((0, 3), dtype=int)}, "list of ensembles"),
]


@pytest.mark.parametrize("grade_id, wrong, hint", WRONG, ids=lt.wrong_answer_ids(WRONG))
def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
    checks, namespace = lesson
    lt.assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)


def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
    checks, _ = lesson
    lt.assert_two_wrong_answers_per_check(checks, WRONG)
