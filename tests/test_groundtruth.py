"""helpers.groundtruth: every measure against values computed by hand on tiny inputs and against
brute-force loops on random ones, its conventions (edges, tolerances, chains), and its errors."""
import math

import numpy as np
import pytest
from scipy.ndimage import gaussian_filter1d

from helpers import groundtruth as gt


# --------------------------------------------------------------------------- noise, frames

def test_noise_level_by_hand():
    # |diff| = 0.1, 0.2, 0.1 -> median 0.1; 100 * 0.1 / sqrt(4) = 5
    assert gt.noise_level([0.0, 0.1, 0.3, 0.2], 4.0) == pytest.approx(5.0)
    two = gt.noise_level(np.array([[0.0, 0.1, 0.3, 0.2], [0.0, 0.0, 0.1, 0.1]]), 4.0)
    np.testing.assert_allclose(two, [5.0, 0.0])


def test_noise_level_is_cascades_formula():
    rng = np.random.default_rng(1)
    dff = rng.normal(0, 0.05, 3000)
    fs = 30.0
    expected = np.nanmedian(np.abs(np.diff(dff))) / np.sqrt(fs) * 100  # calculate_noise_levels
    assert gt.noise_level(dff, fs) == pytest.approx(expected)


def test_frame_edges_are_midpoints_with_half_intervals_outside():
    np.testing.assert_allclose(gt.frame_edges([0.0, 1.0, 3.0]), [-0.5, 0.5, 2.0, 4.0])
    fs = 30.0
    times = np.arange(5) / fs
    np.testing.assert_allclose(gt.frame_edges(times), (np.arange(6) - 0.5) / fs)


def test_spike_counts_by_hand_and_by_loop():
    times = np.array([0.0, 1.0, 2.0, 3.0])           # edges -0.5, 0.5, 1.5, 2.5, 3.5
    spikes = [-0.6, -0.5, 0.49, 0.5, 0.5, 2.2, 3.5, 9.0]
    np.testing.assert_array_equal(gt.spike_counts(spikes, times), [2, 2, 1, 1])  # 3.5: last edge
    rng = np.random.default_rng(2)
    times = np.cumsum(rng.uniform(0.05, 0.1, 200))
    spikes = rng.uniform(times[0] - 0.2, times[-1] + 0.2, 300)
    edges = gt.frame_edges(times)
    loop = np.zeros(times.size)
    for s in spikes:
        for i in range(times.size):
            last = i == times.size - 1
            if edges[i] <= s < edges[i + 1] or (last and s == edges[-1]):
                loop[i] += 1
    np.testing.assert_array_equal(gt.spike_counts(spikes, times), loop)
    assert gt.spike_counts([], times).sum() == 0


def test_gaussian_smoothing_keeps_the_number_of_spikes():
    counts = np.zeros(200)
    counts[[50, 51, 120]] = [1, 2, 1]
    smooth = gt.gaussian_smooth(counts, 30.0, 0.1)
    assert smooth.sum() == pytest.approx(4.0)
    np.testing.assert_allclose(smooth, gaussian_filter1d(counts, 3.0))


# --------------------------------------------------------------------------- inference scores

def test_cascade_error_and_bias_by_hand():
    counts = np.zeros(300)
    counts[[40, 100, 101, 200]] = 1
    fs, sigma = 30.0, 0.1
    assert gt.cascade_error_bias(counts, counts, fs, sigma) == pytest.approx((0.0, 0.0))
    assert gt.cascade_error_bias(2 * counts, counts, fs, sigma) == pytest.approx((1.0, 1.0))
    assert gt.cascade_error_bias(np.zeros(300), counts, fs, sigma) == pytest.approx((1.0, -1.0))
    half = 0.5 * counts
    assert gt.cascade_error_bias(half, counts, fs, sigma) == pytest.approx((0.5, -0.5))


def test_cascade_error_and_bias_against_their_definition():
    rng = np.random.default_rng(3)
    counts = rng.poisson(0.05, 500).astype(float)
    inferred = rng.gamma(0.3, 0.2, 500)
    fs, sigma = 20.0, 0.2
    truth = gaussian_filter1d(counts, sigma * fs)
    estimate = gaussian_filter1d(inferred, sigma * fs)
    error = np.sum(np.abs(estimate - truth)) / truth.sum()
    positive = np.sum((estimate - truth)[estimate > truth])
    negative = np.sum((estimate - truth)[estimate < truth])
    assert gt.cascade_error_bias(inferred, counts, fs, sigma) == pytest.approx(
        (error, (positive + negative) / truth.sum()))


def test_smoothed_correlation():
    rng = np.random.default_rng(4)
    counts = rng.poisson(0.1, 400).astype(float)
    fs, sigma = 30.0, 0.1
    assert gt.smoothed_correlation(counts, counts, fs, sigma) == pytest.approx(1.0)
    inferred = counts + rng.normal(0, 0.3, 400)
    truth = gaussian_filter1d(counts, 3.0)
    both = np.corrcoef(gaussian_filter1d(inferred, 3.0), truth)[0, 1]
    cascade = np.corrcoef(inferred, truth)[0, 1]
    assert gt.smoothed_correlation(inferred, counts, fs, sigma) == pytest.approx(both)
    assert gt.smoothed_correlation(inferred, counts, fs, sigma, smooth_inferred=False) == pytest.approx(cascade)
    assert math.isnan(gt.smoothed_correlation(inferred, np.zeros(400), fs, sigma))


def brute_force_binned(inferred, times, spikes, bin_s, sub=20):
    """Each frame cut into `sub` equal pieces carrying 1/sub of its activity, binned by centre."""
    edges = gt.frame_edges(times)
    n_bins = int(np.floor((edges[-1] - edges[0]) / bin_s + 1e-9))
    a = np.zeros(n_bins)
    for i, value in enumerate(inferred):
        width = (edges[i + 1] - edges[i]) / sub
        for j in range(sub):
            centre = edges[i] + (j + 0.5) * width
            b = int((centre - edges[0]) // bin_s)
            if b < n_bins:
                a[b] += value / sub
    c = np.zeros(n_bins)
    for s in spikes:
        b = int((s - edges[0]) // bin_s)
        if 0 <= b < n_bins and s >= edges[0]:
            c[b] += 1
    return np.corrcoef(a, c)[0, 1]


@pytest.mark.parametrize("bin_s", [0.25, 0.04, 0.5])
def test_binned_correlation_against_a_brute_force_loop(bin_s):
    rng = np.random.default_rng(5)
    fs = 10.0  # frames of 0.1 s: bins of 0.04 s are shorter than a frame
    times = (np.arange(120) + 0.5) / fs
    spikes = np.sort(rng.uniform(0, 12, 40))
    inferred = np.zeros(120)
    np.add.at(inferred, np.minimum((spikes * fs).astype(int), 119), 1.0)
    inferred += rng.uniform(0, 0.3, 120)
    got = gt.binned_correlation(inferred, times, spikes, bin_s)
    assert got == pytest.approx(brute_force_binned(inferred, times, spikes, bin_s), abs=1e-9)


def test_binned_correlation_by_hand():
    times = np.array([0.5, 1.5, 2.5, 3.5])   # frames [0,1), [1,2), [2,3), [3,4)
    # Bins of 2 s: activity (1, 3) against spikes (2, 0): r = -1; activity (1, 0) against (2, 1): 1.
    assert gt.binned_correlation([1.0, 0.0, 3.0, 0.0], times, [0.2, 1.7], 2.0) == pytest.approx(-1.0)
    assert gt.binned_correlation([1.0, 0.0, 0.0, 0.0], times, [0.2, 1.7, 3.0], 2.0) == pytest.approx(1.0)
    # A bin of 3 s leaves one complete bin only.
    with pytest.raises(ValueError, match="fewer than 2 bins"):
        gt.binned_correlation([1.0, 0.0, 0.0, 0.0], times, [0.2], 3.0)
    assert math.isnan(gt.binned_correlation([1.0, 0.0, 0.0, 0.0], times, [], 1.0))


def test_spikefinder_correlation_is_25_hz():
    rng = np.random.default_rng(6)
    times = (np.arange(600) + 0.5) / 60.0
    spikes = np.sort(rng.uniform(0, 10, 50))
    inferred = rng.uniform(0, 1, 600)
    assert gt.spikefinder_correlation(inferred, times, spikes) == gt.binned_correlation(
        inferred, times, spikes, 0.04)


# --------------------------------------------------------------------------- events

def test_burst_windows_chain_spikes_less_than_the_gap_apart():
    starts, ends = gt.burst_windows([5.0, 0.0, 0.5, 1.4, 3.0, 3.99], gap_s=1.0)
    np.testing.assert_allclose(starts, [0.0, 3.0, 5.0])
    np.testing.assert_allclose(ends, [1.4, 3.99, 5.0])
    starts, ends = gt.burst_windows([0.0, 1.0], gap_s=1.0)  # exactly the gap: two bursts
    np.testing.assert_allclose(starts, [0.0, 1.0])
    assert gt.burst_windows([])[0].size == 0


def test_score_onsets_by_hand():
    spikes = [1.0, 1.3, 5.0, 9.0, 9.5, 10.2]   # bursts [1, 1.3], [5, 5], [9, 10.2]
    onsets = [0.5, 3.0, 9.9, 10.8]
    score = gt.score_onsets(onsets, spikes)
    # Correct: 0.5 (spike 1.0 exactly 0.5 away) and 9.9 (9.5); not 3.0, nor 10.8 (10.2 is 0.6
    # away). Found: [1, 1.3] (window from 0.5) and [9, 10.2] (9.9); [5, 5] is missed.
    assert (score.n_onsets, score.n_correct, score.n_bursts, score.n_found) == (4, 2, 3, 2)
    assert score.precision == pytest.approx(0.5) and score.recall == pytest.approx(2 / 3)
    assert score.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))


def test_score_onsets_edge_cases():
    empty = gt.score_onsets([], [1.0, 2.0])
    assert (empty.precision, empty.recall, empty.f1) == (1.0, 0.0, 0.0)
    quiet = gt.score_onsets([1.0], [])
    assert (quiet.precision, quiet.recall, quiet.f1) == (0.0, 1.0, 0.0)
    nothing = gt.score_onsets([], [])
    assert (nothing.precision, nothing.recall) == (1.0, 1.0)
    many = gt.score_onsets([1.0, 1.1, 1.2], [1.0])  # several onsets in one burst are all correct
    assert (many.precision, many.recall, many.n_found) == (1.0, 1.0, 1)


def brute_force_scores(onsets, spikes, tol, gap):
    correct = sum(any(abs(s - o) <= tol for s in spikes) for o in onsets)
    bursts, current = [], []
    for s in sorted(spikes):
        if current and s - current[-1] >= gap:
            bursts.append((current[0], current[-1]))
            current = []
        current.append(s)
    if current:
        bursts.append((current[0], current[-1]))
    found = sum(any(a - tol <= o <= b + tol for o in onsets) for a, b in bursts)
    return correct, len(bursts), found


@pytest.mark.parametrize("seed", range(5))
def test_score_onsets_against_brute_force_loops(seed):
    rng = np.random.default_rng(seed)
    spikes = np.sort(rng.uniform(0, 60, rng.integers(0, 60)))
    onsets = np.sort(rng.uniform(0, 60, rng.integers(0, 40)))
    tol, gap = rng.choice([0.25, 0.5, 1.0]), rng.choice([0.5, 1.0, 2.0])
    score = gt.score_onsets(onsets, spikes, tolerance_s=tol, burst_gap_s=gap)
    assert (score.n_correct, score.n_bursts, score.n_found) == brute_force_scores(onsets, spikes, tol, gap)


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("call, message", [
    (lambda: gt.frame_edges([0.0]), "at least 2 frames"),
    (lambda: gt.frame_edges([0.0, 1.0, 1.0]), "increase strictly"),
    (lambda: gt.frame_edges([0.0, np.nan]), "NaN"),
    (lambda: gt.spike_counts([True, False], [0.0, 1.0]), "not booleans"),
    (lambda: gt.spike_counts([[0.5]], [0.0, 1.0]), "1-D"),
    (lambda: gt.noise_level([1.0], 30.0), "at least 2 frames"),
    (lambda: gt.noise_level([0.0, 1.0], -30.0), "fs"),
    (lambda: gt.gaussian_smooth(np.zeros(10), 30.0, 1.0), "longer than x"),
    (lambda: gt.smoothed_correlation(np.zeros(10), np.zeros(10), 30.0, 1.0), "longer than spike_counts"),
    (lambda: gt.smoothed_correlation(np.zeros(10), np.zeros(11), 30.0, 0.01), "one value per frame"),
    (lambda: gt.smoothed_correlation(np.zeros(10), np.zeros(10), 30.0, 0.01, smooth_inferred=1), "True or False"),
    (lambda: gt.cascade_error_bias(np.zeros(10), np.zeros(10), 30.0, 0.01), "no spike"),
    (lambda: gt.cascade_error_bias(np.zeros(10), np.full(10, 0.5), 30.0, 0.01), "whole"),
    (lambda: gt.binned_correlation(np.zeros(3), [0.0, 1.0, 2.0], [0.5], math.inf), "finite"),
    (lambda: gt.binned_correlation(np.zeros(3), [0.0, 1.0, 2.0], [0.5], 1e-9), "too many"),
    (lambda: gt.score_onsets([1.0], [1.0], tolerance_s=0), "positive"),
    (lambda: gt.burst_windows([1.0], gap_s=True), "number"),
])
def test_bad_input_is_refused_with_a_clear_message(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call()


def test_smoothing_below_an_eighth_of_a_frame_changes_nothing():
    x = np.random.default_rng(7).normal(size=50)
    np.testing.assert_array_equal(gt.gaussian_smooth(x, 1.0, 0.1), x)
