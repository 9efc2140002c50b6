"""Tests of helpers.ensembles: against straightforward loops and planted ensembles of the simulator."""
import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.spatial.distance import pdist, squareform

from helpers import ensembles as en
from helpers import simulate
from helpers import events as ev


# --- independent, deliberately plain implementations ------------------------------------------

def bin_loop(raster, fs, bin_s):
    """Exact decimal arithmetic: frame t starts at t / fs s and goes to the bin holding that time."""
    width = Fraction(str(fs)) * Fraction(str(bin_s))  # frames per bin
    n_neurons, n_frames = np.shape(raster)
    n_bins = math.floor(Fraction(n_frames) / width)
    out = np.zeros((n_neurons, n_bins), dtype=bool)
    for i in range(n_neurons):
        for t in range(n_frames):
            b = math.floor(Fraction(t) / width)
            if raster[i][t] and b < n_bins:
                out[i, b] = True
    return out


def null_by_rolling(raster, fs, bin_s, offsets):
    """What the vectorised null replaces: roll every neuron's dense train, bin, count."""
    rows = []
    for shift in offsets:
        rolled = np.array([np.roll(train, k) for train, k in zip(raster, shift)])
        rows.append(bin_loop(rolled, fs, bin_s).sum(axis=0))
    return np.array(rows)


def null_by_jittering(raster, fs, bin_s, window_s, uniforms):
    """What the vectorised jitter null computes, event by event: window w holds the frames whose
    (exact decimal) bin is in [w * m, (w + 1) * m); frames of the dropped partial bin form their
    own window; event e of surrogate s moves to the window's frame number floor(u * length)."""
    width = Fraction(str(fs)) * Fraction(str(bin_s))
    n_neurons, n_frames = np.shape(raster)
    n_bins = math.floor(Fraction(n_frames) / width)
    m = max(2, round(window_s / bin_s))
    window = [math.floor(Fraction(t) / width) // m if math.floor(Fraction(t) / width) < n_bins
              else -1 for t in range(n_frames)]
    members = {w: [t for t in range(n_frames) if window[t] == w] for w in set(window)}
    neuron, frame = np.nonzero(raster)
    rows = []
    for u in uniforms:
        moved = np.zeros_like(raster, dtype=bool)
        for i, t, x in zip(neuron, frame, u):
            frames = members[window[t]]
            moved[i, frames[int(x * len(frames))]] = True
        rows.append(bin_loop(moved, fs, bin_s).sum(axis=0))
    return np.array(rows)


def silhouette_loop(distance, labels):
    widths = []
    for i, li in enumerate(labels):
        own = [distance[i][j] for j, lj in enumerate(labels) if lj == li and j != i]
        if not own:
            widths.append(0.0)
            continue
        a = sum(own) / len(own)
        b = min(np.mean([distance[i][j] for j, lj in enumerate(labels) if lj == other])
                for other in set(labels) - {li})
        widths.append((b - a) / max(a, b) if max(a, b) > 0 else 0.0)
    return sum(widths) / len(widths)


def ari_by_pairs(a, b):
    """Adjusted Rand index from counting agreeing and disagreeing pairs (Steinley 2004)."""
    same_both = same_a = same_b = neither = 0
    for i, j in itertools.combinations(range(len(a)), 2):
        sa, sb = a[i] == a[j], b[i] == b[j]
        same_both += sa and sb
        same_a += sa and not sb
        same_b += sb and not sa
        neither += not sa and not sb
    num = 2 * (same_both * neither - same_a * same_b)
    den = (same_both + same_a) * (same_a + neither) + (same_both + same_b) * (same_b + neither)
    return num / den if den else 1.0


def random_raster(n_neurons, n_frames, p, seed):
    return np.random.default_rng(seed).random((n_neurons, n_frames)) < p


# --- binning and coactivity ------------------------------------------------------------------------

@pytest.mark.parametrize("fs, bin_s, n_frames", [(4.8, 0.5, 100), (30.0, 0.5, 200), (7.5, 0.2, 61),
                                                 (6.0, 0.5, 30), (10.0, 1.0, 95),
                                                 (6.0, 0.2, 50)])  # 6 * 0.2 = 1.2000000000000002
def test_bin_events_matches_exact_decimal_bin_edges(fs, bin_s, n_frames):
    raster = random_raster(7, n_frames, 0.3, seed=n_frames)
    binned = en.bin_events(raster, fs, bin_s)
    want = bin_loop(raster, fs, bin_s)
    assert binned.dtype == bool and binned.shape == want.shape
    np.testing.assert_array_equal(binned, want)
    np.testing.assert_array_equal(en.coactivity(binned), want.sum(axis=0))
    assert np.issubdtype(en.coactivity(binned).dtype, np.integer)


def test_bin_edges_at_4_8_hz_alternate_three_and_two_frames():
    raster = np.eye(12, dtype=bool)  # neuron i has one event at frame i
    binned = en.bin_events(raster, 4.8, 0.5)  # 2.4 frames per bin: bins start at 0, 2.4, 4.8, 7.2, 9.6
    assert binned.shape == (12, 5)  # 12 / 2.4 = 5 whole bins
    np.testing.assert_array_equal(binned.argmax(axis=1), [0, 0, 0, 1, 1, 2, 2, 2, 3, 3, 4, 4])
    raster = np.eye(13, dtype=bool)[:, :13]  # a 13th frame would start bin 5, which is partial
    assert en.bin_events(raster, 4.8, 0.5).shape == (13, 5)
    assert not en.bin_events(raster, 4.8, 0.5)[12].any()


def test_a_neuron_counts_once_per_bin():
    raster = np.zeros((2, 30), dtype=bool)
    raster[0, [0, 1, 2]] = True  # three events in the first bin of 3 frames
    raster[1, 1] = True
    np.testing.assert_array_equal(en.coactivity(en.bin_events(raster, 6.0, 0.5))[:2], [2, 0])


# --- the shuffle null ----------------------------------------------------------------------------

@pytest.mark.parametrize("n_neurons, n_frames, p, fs, bin_s", [
    (12, 150, 0.04, 4.8, 0.5),    # sparse, 2.4 frames per bin and a partial last bin
    (10, 120, 0.5, 4.8, 0.5),     # dense: many events share bins after a shift
    (8, 90, 0.3, 30.0, 0.1),      # 3 frames per bin
    (6, 7, 0.6, 4.8, 0.5),        # shorter than 3 bins
    (9, 5, 0.5, 4.8, 0.5),        # 2 bins: a neuron's events may all fall in one bin
    (6, 40, 0.4, 6.0, 0.2),       # bin edges on whole frames despite rounding
    (5, 40, 0.95, 3.0, 1.0),      # almost every frame an event
])
def test_vectorised_null_equals_rolling_dense_rasters(n_neurons, n_frames, p, fs, bin_s):
    raster = random_raster(n_neurons, n_frames, p, seed=n_frames)
    raster[0] = False             # a silent neuron
    raster[1] = False
    raster[1, n_frames - 1] = True  # a single event at the very end
    offsets = en.shuffle_offsets(25, n_neurons, n_frames, seed=1)
    null = en.circular_shuffle_null(raster, fs, bin_s, offsets=offsets)
    np.testing.assert_array_equal(null, null_by_rolling(raster, fs, bin_s, offsets))


def test_null_with_a_seed_uses_shuffle_offsets_and_keeps_event_counts():
    raster = random_raster(9, 200, 0.05, seed=3)
    null = en.circular_shuffle_null(raster, 4.8, 0.5, n_shuffles=40, seed=7)
    same = en.circular_shuffle_null(raster, 4.8, 0.5, offsets=en.shuffle_offsets(40, 9, 200, seed=7))
    np.testing.assert_array_equal(null, same)
    assert null.shape == (40, en.bin_events(raster, 4.8, 0.5).shape[1])
    # Offsets are taken modulo the length, as np.roll does: any whole number works.
    whole_turns = en.circular_shuffle_null(raster, 4.8, 0.5, offsets=np.full((1, 9), 200))
    np.testing.assert_array_equal(whole_turns[0], en.coactivity(en.bin_events(raster, 4.8, 0.5)))
    wild = np.array([[-1, -250, 401, 1000, 7, -7, 199, 200, 3001]])
    np.testing.assert_array_equal(en.circular_shuffle_null(raster, 4.8, 0.5, offsets=wild),
                                  null_by_rolling(raster, 4.8, 0.5, wild))
    offsets = en.shuffle_offsets(1000, 9, 200, seed=0)
    assert offsets.min() == 0 and offsets.max() == 199


# --- the jitter null ---------------------------------------------------------------------------

@pytest.mark.parametrize("n_neurons, n_frames, p, fs, bin_s, window_s", [
    (12, 150, 0.04, 4.8, 0.5, 5.0),   # sparse, 2.4 frames per bin and a partial last bin
    (10, 120, 0.5, 4.8, 0.5, 2.0),    # dense: many events of a neuron share a window
    (8, 90, 0.3, 30.0, 0.1, 0.55),    # 3 frames per bin, the window rounded to 6 bins
    (6, 40, 0.4, 6.0, 0.2, 0.1),      # the shortest window: 2 bins
    (5, 40, 0.95, 3.0, 1.0, 13.0),    # almost every frame an event, one window of 13 bins
])
def test_vectorised_jitter_null_equals_moving_events_one_by_one(n_neurons, n_frames, p, fs, bin_s, window_s):
    raster = random_raster(n_neurons, n_frames, p, seed=n_frames)
    raster[0] = False                 # a silent neuron
    raster[1] = False
    raster[1, n_frames - 1] = True    # a single event at the very end (maybe in the partial bin)
    null = en.jitter_null(raster, fs, bin_s, window_s, n_shuffles=20, seed=4)
    uniforms = np.random.default_rng(4).random((20, int(raster.sum())), dtype=np.float32)
    np.testing.assert_array_equal(null, null_by_jittering(raster, fs, bin_s, window_s, uniforms))
    assert null.dtype == np.int64 and null.shape == (20, en.bin_events(raster, fs, bin_s).shape[1])


def test_jitter_keeps_the_population_rate_of_every_window():
    # At most one event per neuron and 5-s window (50 frames at 10 Hz): no two can meet in a bin,
    # so every surrogate has exactly the real number of active neurons summed over each window.
    raster = random_raster(30, 600, 0.05, seed=5)
    for row in raster:
        for start in range(0, 600, 50):
            later = np.flatnonzero(row[start:start + 50])[1:]
            row[start + later] = False
    null = en.jitter_null(raster, 10.0, 0.5, window_s=5.0, n_shuffles=50, seed=1)
    real = en.coactivity(en.bin_events(raster, 10.0, 0.5))
    np.testing.assert_array_equal(null.reshape(50, -1, 10).sum(axis=2),
                                  np.broadcast_to(real.reshape(-1, 10).sum(axis=1), (50, 12)))
    assert not np.all(null == real)  # but the bins within each window differ


@pytest.fixture(scope="module")
def shared_gain():
    """Population traces with a shared slow gain (brain state) and no ensembles: every excess of
    coactivity over an honest null is a false ensemble event."""
    rec = simulate.population_traces(seed=0, n_ensembles=0, gain_modulation=3.0)
    truth = rec.truth
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    return ev.event_raster(ev.detect_events(dff, rec.fs)), rec.fs


def test_circular_shuffle_finds_false_ensembles_from_a_shared_gain_and_the_jitter_null_does_not(shared_gain):
    raster, fs = shared_gain
    coactive = en.coactivity(en.bin_events(raster, fs, 0.5))
    circular = en.circular_shuffle_null(raster, fs, 0.5, n_shuffles=1000, seed=0)
    jitter = en.jitter_null(raster, fs, 0.5, window_s=5.0, n_shuffles=1000, seed=0)
    rate = {name: np.mean(coactive > en.significance_threshold(null, 99)) for name, null in
            (("circular", circular), ("jitter", jitter))}
    # A 99th-percentile threshold lets chance pass in 1 % of bins: the jitter null keeps to
    # that (1.1 %); the circular null, which lacks the shared gain, passes six times as many.
    assert rate["circular"] > 0.03 and rate["jitter"] < 0.015, rate
    per_bin = np.mean(coactive > en.significance_threshold(jitter, 99, per_bin=True))
    assert per_bin < 0.015, per_bin
    # Family-wise (the 95th percentile of each surrogate's largest coactivity): with no
    # ensembles, no bin should pass. The circular null lets dozens pass.
    false_events = {name: int(np.sum(coactive > np.percentile(null.max(axis=1), 95)))
                    for name, null in (("circular", circular), ("jitter", jitter))}
    assert false_events["circular"] >= 10 and false_events["jitter"] <= 1, false_events


def test_jitter_null_recovers_planted_ensembles(population):
    truth, fs = population.truth, population.fs
    dff = (population.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    raster = ev.event_raster(ev.detect_events(dff, fs))
    jaccard, ari, share_real = recovery(raster, truth, fs, null="jitter")
    assert np.unique(jaccard.argmax(axis=1)).size == len(truth.ensembles)
    assert jaccard.max(axis=1).min() >= 0.8 and ari >= 0.8 and share_real >= 0.8


def test_with_a_shared_gain_the_jitter_null_and_per_bin_thresholds_keep_ensembles_apart():
    rec = simulate.population_traces(seed=0, gain_modulation=3.0)
    truth, fs = rec.truth, rec.fs
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    raster = ev.event_raster(ev.detect_events(dff, fs))
    jaccard, ari, share_real = recovery(raster, truth, fs, null="jitter", per_bin=True)
    assert jaccard.max(axis=1).min() >= 0.8 and ari >= 0.8 and share_real >= 0.85, (jaccard, ari, share_real)
    _, _, circular_share = recovery(raster, truth, fs)
    assert circular_share < 0.7, circular_share  # many of its ensemble events are the gain's


def test_per_bin_thresholds():
    null = np.array([[0, 5, 1], [2, 5, 3], [4, 5, 5]])
    np.testing.assert_allclose(en.significance_threshold(null, 50, per_bin=True), [2, 5, 3])
    assert isinstance(en.significance_threshold(null, 50), float)
    binned = np.array([[1, 1, 1], [1, 1, 0], [1, 1, 1]], dtype=bool)   # coactivity 3, 3, 2
    bins, members = en.ensemble_events(binned, np.array([2.5, 3.0, 1.0]))
    np.testing.assert_array_equal(bins, [0, 2])
    np.testing.assert_array_equal(members, binned[:, [0, 2]].T)
    with pytest.raises(ValueError, match="one per bin"):
        en.ensemble_events(binned, np.array([1.0, 2.0]))
    with pytest.raises(TypeError, match="boolean"):
        en.ensemble_events(binned, np.array([True, False, True]))
    with pytest.raises(TypeError, match="per_bin"):
        en.significance_threshold(null, 99, per_bin="yes")
    with pytest.raises(ValueError, match="NaN"):
        en.ensemble_events(binned, np.array([1.0, np.nan, 1.0]))


def test_jitter_null_bad_input():
    raster = random_raster(3, 50, 0.1, seed=0)
    with pytest.raises(ValueError, match="window_s"):
        en.jitter_null(raster, 10.0, 0.5, window_s=-1.0)
    with pytest.raises(ValueError, match="window_s"):
        en.jitter_null(raster, 10.0, 0.5, window_s=60.0)  # longer than the 10 bins
    with pytest.raises(TypeError, match="window_s"):
        en.jitter_null(raster, 10.0, 0.5, window_s=True)
    with pytest.raises(ValueError, match="n_shuffles"):
        en.jitter_null(raster, 10.0, n_shuffles=0)
    with pytest.raises(ValueError, match="event raster"):
        en.jitter_null(np.full((3, 50), 0.5), 10.0)
    with pytest.raises(TypeError, match="seed"):
        en.jitter_null(raster, 10.0, seed=True)
    assert not en.jitter_null(np.zeros((3, 50), bool), 10.0, n_shuffles=3).any()


def test_significance_threshold_is_the_pooled_percentile():
    null = np.random.default_rng(0).poisson(3, (50, 80))
    assert en.significance_threshold(null) == np.percentile(null.ravel(), 99)
    assert en.significance_threshold(null, q=50) == np.median(null)


def test_ensemble_events_are_bins_strictly_above_threshold():
    binned = np.zeros((4, 6), dtype=bool)
    binned[:3, 1] = True
    binned[:, 4] = True
    binned[:2, 5] = True
    bins, members = en.ensemble_events(binned, 2)
    np.testing.assert_array_equal(bins, [1, 4])
    np.testing.assert_array_equal(members, [[1, 1, 1, 0], [1, 1, 1, 1]])
    assert members.dtype == bool
    assert en.ensemble_events(binned, 4)[0].size == 0


# --- similarity and clustering -------------------------------------------------------------------

def test_jaccard_matches_scipy():
    members = random_raster(15, 40, 0.3, seed=2)
    want = 1 - squareform(pdist(members, metric="jaccard"))
    np.testing.assert_allclose(en.jaccard_similarity(members), want)
    empty = np.zeros((2, 5), dtype=bool)
    np.testing.assert_array_equal(en.jaccard_similarity(empty), np.ones((2, 2)))


def test_silhouette_matches_a_loop():
    rng = np.random.default_rng(1)
    distance = squareform(pdist(rng.random((20, 3))))
    for labels in (rng.integers(0, 3, 20), np.r_[np.zeros(19, int), 1], np.arange(20) % 5):
        assert en._mean_silhouette(distance, labels) == pytest.approx(silhouette_loop(distance, labels.tolist()))
    assert en._mean_silhouette(distance, np.zeros(20, int)) == -1.0


def noisy_groups(sizes=(6, 9, 5), n_neurons=60, seed=0):
    """Events of three disjoint neuron groups, each event with 80 % of its group and a few others."""
    rng = np.random.default_rng(seed)
    groups = np.array_split(rng.permutation(n_neurons)[:30], 3)
    rows, truth = [], []
    for g, count in enumerate(sizes):
        for _ in range(count):
            row = np.zeros(n_neurons, dtype=bool)
            row[groups[g][rng.random(groups[g].size) < 0.8]] = True
            row[rng.choice(n_neurons, 2)] = True
            rows.append(row)
            truth.append(g)
    order = rng.permutation(len(rows))
    return np.array(rows)[order], np.array(truth)[order], groups


def test_clustering_recovers_groups_and_numbers_clusters_by_first_event():
    members, truth, _ = noisy_groups()
    labels = en.cluster_ensembles(members)
    assert en.adjusted_rand_index(truth, labels) == 1.0
    _, first = np.unique(labels, return_index=True)
    assert list(labels[np.sort(first)]) == [0, 1, 2]
    assert np.unique(en.cluster_ensembles(members, cut=2)).size == 2
    assert np.unique(en.cluster_ensembles(members, cut=1.0)).size == 1
    assert np.unique(en.cluster_ensembles(members, cut=1e-9)).size == len(np.unique(members, axis=0))


def test_clustering_of_few_or_structureless_events_gives_one_cluster():
    np.testing.assert_array_equal(en.cluster_ensembles(np.ones((1, 4), bool)), [0])
    np.testing.assert_array_equal(en.cluster_ensembles(np.eye(2, 4, dtype=bool)), [0, 0])
    identical = np.ones((5, 4), dtype=bool)
    np.testing.assert_array_equal(en.cluster_ensembles(identical), np.zeros(5))


def test_a_recording_without_ensemble_events_gives_no_ensembles():
    bins, members = en.ensemble_events(np.zeros((5, 20), dtype=bool), 0)
    assert bins.shape == (0,) and members.shape == (0, 5)
    labels = en.cluster_ensembles(members)
    assert labels.shape == (0,) and en.jaccard_similarity(members).shape == (0, 0)
    assert en.summarise_ensembles(members, labels, bins) == []


def test_summary_members_participate_in_half_of_the_events():
    members = np.array([[1, 1, 0, 0, 1], [1, 1, 0, 0, 0], [1, 0, 0, 0, 0], [0, 0, 1, 1, 0]], bool)
    labels = np.array([0, 0, 0, 1])
    bins = np.array([3, 10, 11, 20])
    ensembles = en.summarise_ensembles(members, labels, bins, 0.5, min_events=1)
    assert len(ensembles) == 2
    np.testing.assert_array_equal(ensembles[0].members, [0, 1])  # neuron 1 in 2 of 3, neuron 4 in 1 of 3
    np.testing.assert_allclose(ensembles[0].activation_times_s, [1.5, 5.0, 5.5])
    np.testing.assert_allclose(ensembles[0].participation, [1, 2 / 3, 0, 0, 1 / 3])
    np.testing.assert_array_equal(ensembles[1].members, [2, 3])
    assert len(en.summarise_ensembles(members, labels, bins, 0.5)) == 1  # one-off patterns dropped
    strict = en.summarise_ensembles(members, labels, bins, 0.5, min_participation=1.0)
    np.testing.assert_array_equal(strict[0].members, [0])


def test_adjusted_rand_index_matches_pair_counting():
    rng = np.random.default_rng(5)
    for _ in range(10):
        a, b = rng.integers(0, 4, 30), rng.integers(0, 3, 30)
        b[:15] = a[:15]
        assert en.adjusted_rand_index(a, b) == pytest.approx(ari_by_pairs(a.tolist(), b.tolist()))
    labels = rng.integers(0, 5, 40)
    assert en.adjusted_rand_index(labels, (labels + 2) % 5) == 1.0  # names of labels do not matter
    assert en.adjusted_rand_index(np.zeros(6), np.zeros(6)) == 1.0


# --- ground truth: planted ensembles -------------------------------------------------------------

def recovery(raster, truth, fs, bin_s=0.5, null="circular", per_bin=False):
    binned = en.bin_events(raster, fs, bin_s)
    if null == "circular":
        null = en.circular_shuffle_null(raster, fs, bin_s, n_shuffles=200, seed=0)
    else:
        null = en.jitter_null(raster, fs, bin_s, n_shuffles=1000 if per_bin else 200, seed=0)
    bins, members = en.ensemble_events(binned, en.significance_threshold(null, 99, per_bin=per_bin))
    labels = en.cluster_ensembles(members)
    found = en.summarise_ensembles(members, labels, bins, bin_s)
    jaccard = np.array([[np.intersect1d(p, f.members).size / np.union1d(p, f.members).size
                         for f in found] for p in truth.ensembles])
    # ARI over the ensemble events caused by a planted ensemble (its event in the bin or the
    # bin before: member spikes come up to one frame late).
    planted = np.full(bins.size, -1)
    for j, frames in enumerate(truth.ensemble_event_frames):
        event_bins = np.floor(frames / (fs * bin_s) + 1e-9).astype(int)
        for lag in (0, 1):
            planted[np.isin(bins, event_bins + lag) & (planted < 0)] = j
    real = planted >= 0
    return jaccard, en.adjusted_rand_index(planted[real], labels[real]), real.mean()


@pytest.fixture(scope="module")
def population():
    return simulate.population_traces(seed=0)  # 324 x 15 000 at 4.8 Hz, GCaMP6s, 5 ensembles


@pytest.mark.parametrize("source", ["true spikes", "detected events"])
def test_planted_ensembles_are_recovered(population, source):
    truth, fs = population.truth, population.fs
    if source == "true spikes":
        raster = truth.spikes > 0
    else:
        dff = (population.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
        raster = ev.event_raster(ev.detect_events(dff, fs))
    jaccard, ari, share_real = recovery(raster, truth, fs)
    best = jaccard.argmax(axis=1)
    assert np.unique(best).size == len(truth.ensembles)  # each planted ensemble has its own match
    assert jaccard.max(axis=1).min() >= 0.8, jaccard.max(axis=1)
    assert ari >= 0.8, ari
    assert share_real >= 0.8  # most significant bins come from planted ensembles


# --- bad input -----------------------------------------------------------------------------------

def test_bad_input_is_refused_with_a_clear_message():
    raster = random_raster(3, 50, 0.1, seed=0)
    with pytest.raises(ValueError, match="event raster"):
        en.bin_events(np.random.default_rng(0).normal(size=(3, 50)), 10.0)
    with pytest.raises(ValueError, match="2-D"):
        en.bin_events(raster[0], 10.0)
    with pytest.raises(ValueError, match="fs"):
        en.bin_events(raster, 0)
    with pytest.raises(ValueError, match="bin_s"):
        en.bin_events(raster, 10.0, bin_s=-0.5)
    with pytest.raises(ValueError, match="fewer than one bin"):
        en.bin_events(raster, 10.0, bin_s=6.0)
    with pytest.raises(ValueError, match="offsets"):
        en.circular_shuffle_null(raster, 10.0, offsets=np.zeros((5, 4), int))
    with pytest.raises(ValueError, match="offsets"):
        en.circular_shuffle_null(raster, 10.0, offsets=np.zeros((5, 3)))
    with pytest.raises(ValueError, match="n_shuffles"):
        en.circular_shuffle_null(raster, 10.0, n_shuffles=0)
    with pytest.raises(ValueError, match="q must be within"):
        en.significance_threshold(np.ones((3, 3)), q=0.99 * 200)
    with pytest.raises(TypeError, match="threshold"):
        en.ensemble_events(en.bin_events(raster, 10.0), None)
    with pytest.raises(ValueError, match="method"):
        en.cluster_ensembles(raster, method="ward")
    with pytest.raises(ValueError, match="cut"):
        en.cluster_ensembles(raster, cut="pca")
    with pytest.raises(ValueError, match="cut"):
        en.cluster_ensembles(raster, cut=1.5)
    with pytest.raises(ValueError, match="cut"):
        en.cluster_ensembles(raster, cut=0)
    with pytest.raises(ValueError, match="labels"):
        en.summarise_ensembles(raster, np.zeros(2, int), np.zeros(3, int))
    with pytest.raises(ValueError, match="bins"):
        en.summarise_ensembles(raster, np.zeros(3, int), np.zeros(3))
    with pytest.raises(ValueError, match="min_participation"):
        en.summarise_ensembles(raster, np.zeros(3, int), np.zeros(3, int), min_participation=50)
    with pytest.raises(ValueError, match="same items"):
        en.adjusted_rand_index(np.zeros(3), np.zeros(4))


def test_silhouette_scores_pick_the_cut_that_cluster_ensembles_makes():
    rng = np.random.default_rng(3)
    groups = np.repeat(np.eye(3, dtype=bool), 8, axis=0)       # 24 events of 3 distinct ensembles
    members = np.repeat(groups, 10, axis=1) | (rng.random((24, 30)) < 0.05)
    ks = np.arange(2, 10)
    scores = en.silhouette_scores(members, ks)
    labels = en.cluster_ensembles(members)
    assert ks[np.argmax(scores)] == len(np.unique(labels)) == 3
    assert en.linkage_tree(members).shape == (23, 4)
    with pytest.raises(ValueError, match="at least 2"):
        en.linkage_tree(members[:1])
