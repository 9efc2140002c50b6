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
    ("ex-bins-check", {"first_bin_sizes": lambda ns: np.full(10, 2)}, "not every bin holds 2 frames"),
    ("ex-bins-check", {"first_bin_sizes": lambda ns: np.full(10, 2.4)}, "2.4 is only their average"),
    ("ex-bins-check", {"first_bin_sizes": lambda ns: np.bincount(np.floor((np.arange(30) + 1) / 2.4).astype(int))[:10]},
     "by its end time"),
    ("ex-bins-check", {"first_bin_sizes": lambda ns: np.cumsum(ns["first_bin_sizes"])}, "up to the end of each bin"),
    ("ex-bins-check", {"first_bin_sizes": lambda ns: ns["first_bin_sizes"].astype(float)}, "return integers"),
    ("ex-bins-check", {"first_bin_sizes": lambda ns: ns["first_bin_sizes"][:9]}, "first ten bins"),
    ("ex-bins-check", {"n_bins": lambda ns: ns["n_frames"] // 2}, "rounded the bin to 2 frames"),
    ("ex-bins-check", {"n_bins": lambda ns: float(ns["n_bins"])}, "whole number"),
    ("ex-bins-check", {"n_bins": lambda ns: math.floor(ns["n_frames"] / 4.8)}, "duration in seconds"),
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
    ("ex-coact-check", {"expected_coactivity": lambda ns: float(ns["binned"].mean())}, "mean fraction of neurons"),
    ("ex-coact-check", {"expected_coactivity": lambda ns: float(ns["binned"].sum())}, "average over bins"),
    ("ex-coact-check", {"independent_sd": lambda ns: float(ns["binned"].sum(axis=0).std())}, "real coactivity's spread"),
    ("ex-coact-check", {"independent_sd": lambda ns: float(np.sqrt(ns["binned"].mean(axis=1).sum()))}, "Poisson"),
    ("ex-coact-check", {"independent_sd": lambda ns: ns["independent_sd"] ** 2}, "take its square root"),
    ("ex-coact-check", {"independent_sd": lambda ns: float(np.sqrt(324 * ns["binned"].mean() * (1 - ns["binned"].mean())))},
     "equally active"),
    ("ex-coact-check", {"independent_sd": lambda ns: float(np.sum(np.sqrt(ns["p_active"] * (1 - ns["p_active"]))))},
     "variances add"),
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
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: float(np.mean(ns["null"] >= ns["threshold_ref"]) * 6250)},
     "strictly above"),
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: 62.5}, "exactly 1 %"),
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: float(np.mean(ns["null"] > ns["threshold_ref"]))},
     "that is a fraction"),
    ("ex-threshold-check", {"expected_chance_bins": lambda ns: float(np.sum(ns["binned"].sum(axis=0) > ns["threshold_ref"]))},
     "chance is measured in the null"),
    ("ex-threshold-check", {"chance_share": lambda ns: 100 * ns["chance_share"]}, "that is a percentage"),
    ("ex-threshold-check", {"chance_share": lambda ns: 1 / ns["chance_share"]}, "real events per chance event"),
    ("ex-threshold-check", {"chance_share": lambda ns: ns["expected_chance_bins"] / 6250}, "share of all bins"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: np.flatnonzero(np.asarray(c) > t)}, "all the bins above"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: np.flatnonzero(np.diff((np.asarray(c) > t).astype(int)) == 1) + 1},
     "starts at bin 0"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: np.flatnonzero(
        (np.asarray(c) > t) & ~np.r_[np.asarray(c)[1:] > np.asarray(t)[1:] if np.ndim(t) else np.asarray(c)[1:] > t, False])},
     "last bins of the runs"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: ns["run_starts"](c, np.asarray(t) - 0.5)}, "strictly above"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: np.asarray(c) > t}, "boolean mask"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: np.asarray(c)[ns["run_starts"](c, t)]}, "coactivity values"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: lambda c, t: np.array([i for i, v in enumerate(c) if v > t and (
        i == 0 or c[i - 1] <= t)])}, "integer array"),
    ("ex-coactivefn-check", {"run_starts": lambda ns: ns["lesson07"].run_starts_key}, "write this yourself"),
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


test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested = \
    lt.wrong_answer_tests(WRONG)


# ---------------------------------------------------------------- answer keys, computed independently

def test_bin_sizes_follow_the_rule_by_integer_arithmetic():
    # At 4.8 Hz a 0.5 s bin is 12/5 frames: frame t goes to bin floor(5 t / 12), exactly.
    by_hand = np.bincount([5 * t // 12 for t in range(60)])[:25]
    assert lesson07.bin_sizes(60, 4.8).tolist() == by_hand.tolist()
    assert lesson07.bin_sizes(60, 4.8)[:10].tolist() == [3, 2, 3, 2, 2, 3, 2, 3, 2, 2]
    # 7.5 Hz: 3.75 frames per bin, 4 bins every 15 frames (4, 4, 4, 3), a partial bin dropped.
    assert lesson07.bin_sizes(17, 7.5).tolist() == [4, 4, 4, 3]
    assert lesson07.bin_sizes(17, 7.5).sum() == 15


def test_independent_coactivity_matches_a_brute_force_distribution():
    """Mean and s.d. of a sum of independent Bernoulli variables, by enumerating every outcome."""
    binned = np.array([[1, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]], dtype=bool)   # p = 1/4, 1/2, 3/4
    p = [0.25, 0.5, 0.75]
    outcomes = [(np.prod([pi if bit else 1 - pi for pi, bit in zip(p, bits)]), sum(bits))
                for bits in np.ndindex(2, 2, 2)]
    mean = sum(w * n for w, n in outcomes)
    sd = math.sqrt(sum(w * (n - mean) ** 2 for w, n in outcomes))
    assert lesson07.independent_coactivity(binned) == pytest.approx((mean, sd), rel=1e-12)
    assert mean == 1.5 and sd == pytest.approx(math.sqrt(3 / 16 + 1 / 4 + 3 / 16))


def test_expected_chance_counts_null_values_strictly_above():
    null = np.array([[0, 3, 5, 5], [5, 6, 1, 2]])          # 2 shuffles x 4 bins
    # Strictly above 5: one value (6) in 8 -> 1/8 of 4 bins = 0.5 bins.
    assert lesson07.expected_chance(null, 5) == pytest.approx(0.5)
    assert lesson07.expected_chance(null, 4) == pytest.approx(2.0)     # 5, 5, 5, 6
    assert lesson07.expected_chance(null, 6) == 0.0


def test_run_starts_key_by_hand_and_against_scipy_labels():
    from scipy import ndimage
    assert lesson07.run_starts_key(np.array([3, 9, 9, 2, 9]), 5).tolist() == [1, 4]
    assert lesson07.run_starts_key(np.array([9, 9, 1, 6, 6, 6, 1]), 5).tolist() == [0, 3]
    assert lesson07.run_starts_key(np.array([3, 5, 5, 9, 4]), 9).tolist() == []
    assert lesson07.run_starts_key(np.array([4, 6, 6, 2, 7]), np.array([5, 7, 5, 1, 8])).tolist() == [2]
    rng = np.random.default_rng(0)
    for _ in range(20):
        counts = rng.integers(0, 10, 200)
        runs = ndimage.find_objects(ndimage.label(counts > 6)[0])
        assert lesson07.run_starts_key(counts, 6).tolist() == [r[0].start for r in runs]


def test_reference_analysis_matches_explicit_loops():
    ref, null = lesson07.analysis(), lesson07.null()
    raster, fs, _ = lesson07.population()
    ordered, position = np.sort(null.ravel()), 0.99 * (null.size - 1)     # linear interpolation, by hand
    low = math.floor(position)
    assert ref.threshold == pytest.approx(ordered[low] + (position - low) * (ordered[low + 1] - ordered[low]))
    frame_bin = [math.floor(t / (fs * 0.5)) for t in range(raster.shape[1])]
    n_bins = math.floor(raster.shape[1] / (fs * 0.5))
    counts = np.zeros(n_bins, dtype=int)
    for b in range(0, n_bins, 97):                       # every 97th bin, by a loop over frames
        frames = [t for t in range(raster.shape[1]) if frame_bin[t] == b]
        counts[b] = int(np.sum(raster[:, frames].any(axis=1)))
        assert ref.coactivity[b] == counts[b]
    events = [b for b in range(n_bins) if ref.coactivity[b] > ref.threshold]
    assert ref.bins.tolist() == events
    assert np.array_equal(ref.members, ref.binned[:, events].T)


def test_neuron_labels_and_ari_against_pair_counting():
    assert lesson07.neuron_labels([np.array([1, 2]), np.array([2, 4])], 6).tolist() == [-1, 0, 0, -1, 1, -1]

    def rand_adjusted(a, b):
        """Hubert & Arabie's ARI from pair counts, by looping over every pair of items."""
        n = len(a)
        pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        both = sum(a[i] == a[j] and b[i] == b[j] for i, j in pairs)
        in_a = sum(a[i] == a[j] for i, j in pairs)
        in_b = sum(b[i] == b[j] for i, j in pairs)
        expected = in_a * in_b / len(pairs)
        return (both - expected) / ((in_a + in_b) / 2 - expected)

    truth = lesson07.PopulationTruth([np.array([0, 1, 2]), np.array([5, 6])], [], [], None, None, None)
    for found in ([np.array([0, 1, 2]), np.array([5, 6])], [np.array([0, 1]), np.array([2, 5, 6, 7])], [np.array([3])]):
        want = rand_adjusted(lesson07.neuron_labels(truth.ensembles, 9).tolist(), lesson07.neuron_labels(found, 9).tolist())
        assert lesson07.ensemble_ari(found, truth, 9) == pytest.approx(want)


def test_planted_events_found_by_a_loop():
    truth = lesson07.PopulationTruth([], [np.array([0, 5, 30]), np.array([12])], [], None, None, None)
    fs = 4.8          # bins of 2.4 frames: frames 0 -> bin 0, 5 -> 2, 30 -> 12, 12 -> 5
    found = np.array([0, 3, 6])
    hits = [b in found or b + 1 in found for b in (0, 2, 12, 5)]
    assert lesson07.planted_events_found(found, truth, fs) == pytest.approx(np.mean(hits)) == pytest.approx(0.75)


def test_silhouette_by_k_against_a_direct_silhouette():
    from scipy.cluster.hierarchy import fcluster
    members = lesson07.analysis().members[:40]
    ks = [2, 3, 5, 8]
    sim = np.array([[np.sum(a & b) / np.sum(a | b) if np.any(a | b) else 1.0 for b in members] for a in members])
    distance = 1 - sim
    for k, score in zip(ks, lesson07.silhouette_by_k(members, ks)):
        labels = fcluster(lesson07.tree(members), k, criterion="maxclust")
        widths = []
        for i, own in enumerate(labels):
            mates = [j for j in range(len(labels)) if labels[j] == own and j != i]
            if not mates:
                widths.append(0.0)
                continue
            a = np.mean(distance[i, mates])
            b = min(np.mean(distance[i, labels == other]) for other in set(labels) - {own})
            widths.append((b - a) / max(a, b))
        assert score == pytest.approx(np.mean(widths))


def test_jitter_threshold_is_each_bins_own_percentile():
    raster, fs, _ = lesson07.population(seed=1, n_neurons=30, n_frames=2000)
    null = en.jitter_null(raster, fs, 0.5, window_s=5.0, n_shuffles=1000, seed=0)
    want = [np.percentile(null[:, b], 99) for b in range(null.shape[1])]
    assert np.allclose(lesson07.jitter_threshold(raster, fs), want)
