"""Tests of helpers.events: against straightforward loops, simulated ground truth and real data."""
import statistics
from fractions import Fraction

import numpy as np
import pytest
import scipy.io

import needs
from helpers import events as ev


# --- independent, deliberately plain implementations ------------------------------------------

def robust_sd_loop(row):
    centre = statistics.median(row)
    return centre, 1.4826 * statistics.median(abs(v - centre) for v in row)


def at_least(n_frames, fs, seconds):
    """Exact decimal comparison n_frames / fs >= seconds."""
    return Fraction(int(n_frames)) / Fraction(str(fs)) >= Fraction(str(seconds))


def half_crossing(row, peak, half, step):
    """Walk from the peak until the trace is <= half; interpolate linearly between the samples."""
    edge = 0 if step < 0 else len(row) - 1
    i = peak
    while i != edge and row[i] > half:
        i += step
    if row[i] >= half:  # reached the edge still above half maximum, or exactly on it
        return float(i)
    fraction = (half - row[i]) / (row[i - step] - row[i])
    return i - step * fraction


def detect_loop(x, fs, k=3.0, k_low=1.5, min_amplitude=None, min_duration_s=0.2, min_separation_s=0.3):
    rows = []
    for n, row in enumerate(np.atleast_2d(x).tolist()):
        base, sd = robust_sd_loop(row)
        runs, t = [], 0
        while t < len(row):
            if row[t] > base + k_low * sd:
                start = t
                while t < len(row) and row[t] > base + k_low * sd:
                    t += 1
                if max(row[start:t]) > base + k * sd:
                    runs.append([start, t])
            else:
                t += 1
        merged = []
        for start, stop in runs:
            if merged and not at_least(start - merged[-1][1], fs, min_separation_s):
                merged[-1][1] = stop
            else:
                merged.append([start, stop])
        for start, stop in merged:
            if not at_least(stop - start, fs, min_duration_s):
                continue
            segment = row[start:stop]
            peak = start + segment.index(max(segment))
            amplitude = row[peak] - base
            if min_amplitude is not None and amplitude < min_amplitude:
                continue
            half = base + amplitude / 2
            width = half_crossing(row, peak, half, +1) - half_crossing(row, peak, half, -1)
            rows.append((n, start, peak, stop, amplitude, width / fs))
    return rows


def greedy_matches(detected, true, fs, tolerance_s):
    """Sweep the true events in time order, each taking the earliest free detection in its window."""
    used, matched = set(), 0
    for t in sorted(true):
        for i, d in sorted(enumerate(detected), key=lambda p: p[1]):
            if i not in used and abs(d - t) <= tolerance_s * fs + 1e-9:
                used.add(i)
                matched += 1
                break
    return matched


def transient_traces(n_neurons, n_frames, fs, seed, rate_hz=0.1, decay_s=1.0, noise=0.05):
    """Exponential transients of random size at random times plus Gaussian noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(n_frames) / fs
    x = rng.normal(0, noise, (n_neurons, n_frames))
    for row in x:
        for onset in rng.uniform(0, t[-1], rng.poisson(rate_hz * t[-1])):
            row += rng.uniform(0.1, 1.0) * np.where(t >= onset, np.exp(-(t - onset) / decay_s), 0)
    return x


# --- robust z-score ----------------------------------------------------------------------------

def test_robust_zscore_matches_a_loop_and_keeps_the_shape():
    x = transient_traces(4, 300, 10.0, seed=1)
    for part in (x, x[:, :299]):  # even and odd lengths (the median of an even length averages two)
        for row, zrow in zip(part, ev.robust_zscore(part)):
            base, sd = robust_sd_loop(row.tolist())
            np.testing.assert_allclose(zrow, (row - base) / sd, rtol=1e-12)
    z = ev.robust_zscore(x)
    assert ev.robust_zscore(x[2]).shape == (300,)
    np.testing.assert_allclose(ev.robust_zscore(x[2]), z[2])


def test_robust_zscore_is_insensitive_to_transients_unlike_the_std():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, 5000)
    active = noise.copy()
    active[::50] += 30  # 2 % of samples carry huge transients
    assert abs(np.median(np.abs(ev.robust_zscore(active) - ev.robust_zscore(noise))) ) < 0.05
    assert active.std() > 3 * noise.std()


def test_zero_mad_is_a_clear_error():
    x = np.zeros((3, 100))
    x[0] = np.random.default_rng(0).normal(size=100)
    x[2, :10] = 1.0
    with pytest.raises(ValueError, match=r"median absolute deviation is zero for neuron\(s\) \[1, 2\]"):
        ev.robust_zscore(x)
    with pytest.raises(ValueError, match="sigma"):
        ev.detect_events(x, 10.0)


# --- detection against the loop ------------------------------------------------------------------

@pytest.mark.parametrize("fs, params", [
    (30.0, {}),
    (4.8, {}),
    (7.5, dict(k=2.5, k_low=2.5, min_amplitude=0.3, min_duration_s=0.1, min_separation_s=0.0)),
    (30.0, dict(k=4.0, k_low=0.0, min_duration_s=0.05, min_separation_s=1.0)),
])
def test_detect_events_matches_a_frame_by_frame_loop(fs, params):
    x = transient_traces(12, int(60 * fs), fs, seed=int(fs * 10) + len(params))
    got = ev.detect_events(x, fs, **params)
    want = detect_loop(x, fs, **params)
    assert len(got) == len(want) > 10
    want = np.array(want)
    np.testing.assert_array_equal(got.neuron, want[:, 0])
    np.testing.assert_array_equal(got.onset, want[:, 1])
    np.testing.assert_array_equal(got.peak, want[:, 2])
    np.testing.assert_array_equal(got.offset, want[:, 3])
    np.testing.assert_allclose(got.amplitude, want[:, 4], rtol=1e-12)
    np.testing.assert_allclose(got.fwhm_s, want[:, 5], rtol=1e-9)
    assert (got.fs, got.n_neurons, got.n_frames) == (fs, 12, x.shape[1])


def test_one_trace_gives_events_of_neuron_zero():
    x = transient_traces(1, 600, 30.0, seed=3)
    one = ev.detect_events(x[0], 30.0)
    assert len(one) > 0 and one.n_neurons == 1 and (one.neuron == 0).all()
    np.testing.assert_array_equal(one.onset, ev.detect_events(x, 30.0).onset)


def square_pulses(pulses, n_frames):
    """Zero trace with rectangular pulses (start_frame, stop_frame, height)."""
    x = np.zeros(n_frames)
    for start, stop, height in pulses:
        x[start:stop] = height
    return x


def test_separation_merges_short_gaps_only():
    fs = 10.0
    # gaps of 2 frames (0.2 s) and 4 frames (0.4 s) between 5-frame pulses
    x = square_pulses([(10, 15, 1), (17, 22, 1), (26, 31, 1)], 100)
    e = ev.detect_events(x, fs, sigma=0.1, min_separation_s=0.3)
    np.testing.assert_array_equal(e.onset, [10, 26])
    np.testing.assert_array_equal(e.offset, [22, 31])
    assert len(ev.detect_events(x, fs, sigma=0.1, min_separation_s=0)) == 3
    assert len(ev.detect_events(x, fs, sigma=0.1, min_separation_s=0.5)) == 1


def test_minimum_duration_counts_frames_from_seconds():
    fs = 30.0
    x = square_pulses([(10, 12, 1), (40, 43, 1), (80, 90, 1)], 200)  # 2, 3 and 10 frames
    e = ev.detect_events(x, fs, sigma=0.1, min_duration_s=0.1)  # 0.1 s = 3 frames at 30 Hz
    np.testing.assert_array_equal(e.onset, [40, 80])
    e = ev.detect_events(x, fs, sigma=0.1, min_duration_s=0.11)
    np.testing.assert_array_equal(e.onset, [80])
    x = square_pulses([(10, 119, 1), (200, 310, 1)], 1000)  # 109 and 110 frames at 100 Hz
    e = ev.detect_events(x, 100.0, sigma=0.1, min_duration_s=1.1)  # 1.1 * 100 = 110.00000000000001
    np.testing.assert_array_equal(e.onset, [200])


def test_absolute_threshold_rescues_a_quiet_neuron_from_tiny_events():
    rng = np.random.default_rng(0)
    quiet = rng.normal(0, 0.002, 3000)
    quiet[1000:1030] += 0.03  # 15 sigma, but only 3 % dF/F
    quiet[2000:2030] += 0.5
    assert len(ev.detect_events(quiet, 30.0)) == 2
    e = ev.detect_events(quiet, 30.0, min_amplitude=0.1)
    assert len(e) == 1 and e.onset[0] == 2000


def test_fwhm_of_a_triangle_is_exact_with_linear_interpolation():
    fs = 20.0
    x = np.zeros(200)
    x[50:61] = np.linspace(0, 1, 11)  # rises over 10 frames
    x[60:81] = np.linspace(1, 0, 21)  # falls over 20 frames
    e = ev.detect_events(x, fs, sigma=0.05)
    assert len(e) == 1 and e.peak[0] == 60
    np.testing.assert_allclose(e.amplitude, 1.0)
    np.testing.assert_allclose(e.fwhm_s, 15 / fs)  # 5 frames before and 10 after the peak


def test_fwhm_is_cut_at_the_edge_of_the_recording():
    x = np.zeros(100)
    x[:8] = [1.0, 0.9, 0.8, 0.7, 0.6, 0.4, 0.3, 0.2]
    e = ev.detect_events(x, 10.0, sigma=0.05)
    assert (e.onset[0], e.peak[0]) == (0, 0)
    np.testing.assert_allclose(e.fwhm_s, 0.45)  # from the edge (frame 0) to frame 4.5


def test_events_span_the_lower_level_and_must_reach_the_upper_one():
    x = np.zeros(100)
    x[10:30] = 0.2   # 2 sigma: above the lower level only, never an event
    x[50:54] = 0.2   # shoulders above the lower level ...
    x[54:57] = 0.5   # ... around a peak above the upper level
    x[57:62] = 0.2
    e = ev.detect_events(x, 10.0, sigma=0.1, min_separation_s=0)
    np.testing.assert_array_equal([e.onset, e.peak, e.offset], [[50], [54], [62]])
    single = ev.detect_events(x, 10.0, sigma=0.1, k_low=3.0, min_duration_s=0.1)
    np.testing.assert_array_equal([single.onset, single.offset], [[54], [57]])
    at_level = square_pulses([(20, 30, 0.5)], 100)  # exactly at baseline + 2 * 0.25: not above it
    assert len(ev.detect_events(at_level, 10.0, sigma=0.25, k=2.0)) == 0
    assert len(ev.detect_events(at_level, 10.0, sigma=0.25, k=1.9)) == 1


def sampled_transients(fs, onsets_s, duration_s=120.0, rise_s=0.1, decay_s=1.2, amplitude=0.6,
                       noise=0.06, seed=0):
    """The same continuous-time GCaMP-like signal sampled at any frame rate."""
    t = np.arange(int(duration_s * fs)) / fs
    x = np.random.default_rng(seed).normal(0, noise, t.size)
    for onset in onsets_s:
        dt = np.clip(t - onset, 0, None)
        x += amplitude * (np.exp(-dt / decay_s) - np.exp(-dt / rise_s)) * (t >= onset)
    return x


@pytest.mark.parametrize("fs", [4.8, 7.5, 30.0, 100.0])
def test_default_parameters_work_across_frame_rates(fs):
    onsets_s = np.arange(5.0, 115.0, 7.3)
    e = ev.detect_events(sampled_transients(fs, onsets_s), fs)
    score = ev.match_events(e.onset, np.floor(onsets_s * fs).astype(int), fs, tolerance_s=0.5)
    # noise-free transients 7.3 s apart: detection is near perfect (F1 0.97 at 4.8 Hz, one onset
    # missed or late among 15, and 1.0 at the other rates when written); 0.95 allows no second miss
    assert score.f1 >= 0.95, (fs, score)
    assert np.all(e.fwhm_s < 5.0)


# --- real recordings -----------------------------------------------------------------------------

def load_dff(name):
    path = needs.data_file(name)  # the data cache, located by helpers.data
    x = scipy.io.loadmat(path)["dF_traces"].astype(np.float64)
    return x[~np.isnan(x).all(axis=1)]


@pytest.mark.parametrize("name, fs, shape", [
    ("allen_552195520_excerpt_dff.mat", 30.0, (74, 6001)),
    ("ogb1_zf_pdp_calcium_traces_01.mat", 7.5, (1003, 260)),
])
def test_defaults_give_sensible_event_rates_on_real_recordings(name, fs, shape):
    x = load_dff(name)
    assert x.shape == shape
    e = ev.detect_events(x, fs)
    features = ev.event_features(e)
    # Neurons of mouse cortex and fish telencephalon give calcium events about once a minute
    # at rest (a few per minute for active ones); most have some in minutes of recording.
    assert 0.005 < features.rate_hz.mean() < 0.2
    assert 0.3 < features.fraction_active <= 1.0
    assert np.median(e.amplitude) > 3 * np.median(e.noise_sd)
    assert np.median(e.fwhm_s) < 5.0
    # Flipped around its median a trace keeps its noise but its transients point down: what is
    # still detected estimates the false detections. The zebrafish traces start with a dip (an
    # artefact of their dF/F over the first ~1 s) that the flip would turn into events: skip it.
    kept = x[:, 10:] if fs == 7.5 else x
    flipped = 2 * np.median(kept, axis=1, keepdims=True) - kept
    assert len(ev.detect_events(flipped, fs)) < 0.1 * len(ev.detect_events(kept, fs))


# --- raster and features -------------------------------------------------------------------------

def test_raster_marks_onsets_and_features_match_loops():
    fs = 10.0
    x = transient_traces(6, 900, fs, seed=5, rate_hz=0.08)
    e = ev.detect_events(x, fs)
    raster = ev.event_raster(e)
    assert raster.dtype == bool and raster.shape == x.shape
    for n in range(6):
        np.testing.assert_array_equal(np.flatnonzero(raster[n]), e.onset[e.neuron == n])
    assert ev.event_raster(e, n_neurons=8, n_frames=1000).shape == (8, 1000)

    f = ev.event_features(e)
    for n in range(6):
        mine = [i for i in range(len(e)) if e.neuron[i] == n]
        assert f.rate_hz[n] == pytest.approx(len(mine) / 90.0)
        if mine:
            assert f.mean_amplitude[n] == pytest.approx(sum(e.amplitude[i] for i in mine) / len(mine))
            assert f.mean_fwhm_s[n] == pytest.approx(sum(e.fwhm_s[i] for i in mine) / len(mine))
        intervals = [(e.onset[b] - e.onset[a]) / fs for a, b in zip(mine, mine[1:])]
        np.testing.assert_allclose(f.iei_s[f.iei_neuron == n], intervals)
    assert f.fraction_active == pytest.approx(np.mean([n in e.neuron for n in range(6)]))
    assert ev.event_features(e, duration_s=180.0).rate_hz == pytest.approx(f.rate_hz / 2)
    split = e.per_neuron("onset")
    assert len(split) == 6 and all((s == e.onset[e.neuron == n]).all() for n, s in enumerate(split))


def test_a_silent_recording_has_empty_events_and_nan_means():
    e = ev.detect_events(np.random.default_rng(0).normal(0, 1, (3, 50)), 10.0, k=10)
    assert len(e) == 0 and not ev.event_raster(e).any()
    f = ev.event_features(e)
    assert (f.rate_hz == 0).all() and np.isnan(f.mean_amplitude).all() and f.fraction_active == 0
    assert [s.size for s in e.per_neuron()] == [0, 0, 0]


# --- bursts and matching -------------------------------------------------------------------------

def test_spike_bursts_chain_spikes_closer_than_merge_time():
    rng = np.random.default_rng(2)
    fs, merge_s = 4.8, 1.5
    trains = [np.sort(rng.integers(0, 2000, rng.integers(0, 60))) for _ in range(5)]
    got = ev.spike_bursts(trains, fs, merge_s)
    for train, bursts in zip(trains, got):
        want, last = [], None
        for f in train:
            if last is None or (f - last) / fs >= merge_s:
                want.append(f)
            last = f
        np.testing.assert_array_equal(bursts, want)
    np.testing.assert_array_equal(ev.spike_bursts(np.array([3, 3, 5, 40]), 10.0, 0.5), [3, 40])
    np.testing.assert_array_equal(ev.spike_bursts(np.array([0, 5, 9]), 10.0, 0.5), [0, 5])  # 0.5 s apart is not closer


def test_match_events_is_one_to_one_and_maximal():
    rng = np.random.default_rng(4)
    fs, tol = 30.0, 0.3
    for _ in range(20):
        true = np.sort(rng.choice(3000, rng.integers(0, 40), replace=False))
        found = true[rng.random(true.size) < 0.8]
        detected = np.sort(np.r_[found + rng.integers(-12, 13, found.size),  # within and beyond 9 frames
                                 rng.integers(0, 3000, rng.integers(0, 10))])
        score = ev.match_events(detected, true, fs, tol)
        assert score.n_matched == greedy_matches(detected.tolist(), true.tolist(), fs, tol)
        assert (score.n_detected, score.n_true) == (detected.size, true.size)
        if detected.size and true.size:
            assert score.precision == pytest.approx(score.n_matched / detected.size)
            assert score.recall == pytest.approx(score.n_matched / true.size)


def test_match_events_window_and_conventions():
    # one detection between two true events can only match one of them
    s = ev.match_events(np.array([10]), np.array([5, 15]), 10.0, 0.5)
    assert (s.n_matched, s.precision, s.recall) == (1, 1.0, 0.5)
    assert s.f1 == pytest.approx(2 / 3)
    # the tolerance is inclusive and symmetric
    assert ev.match_events(np.array([12, 28]), np.array([15, 25]), 10.0, 0.3).n_matched == 2
    assert ev.match_events(np.array([11]), np.array([15]), 10.0, 0.3).n_matched == 0
    # neurons never match across each other
    s = ev.match_events([np.array([100]), np.array([], int)], [np.array([], int), np.array([100])], 10.0, 1.0)
    assert (s.n_matched, s.precision, s.recall, s.f1) == (0, 0.0, 0.0, 0.0)
    nothing = ev.match_events(np.array([], int), np.array([], int), 10.0, 1.0)
    assert (nothing.precision, nothing.recall, nothing.f1) == (1.0, 1.0, 1.0)


# --- ground truth: simulated GCaMP6s -------------------------------------------------------------

@pytest.mark.parametrize("fs", [4.8, 30.0])
def test_event_f1_against_spike_bursts_on_simulated_gcamp6s(fs):
    from helpers import simulate
    # Sparse firing as in the course's population recording; every neuron has the same spike
    # size and baseline, and an ROI large enough for a single-spike SNR of at least 5.
    rec = simulate.simulate_traces(n_neurons=30, n_frames=int(300 * fs), fs=fs, indicator="GCaMP6s",
                                   seed=8, roi_pixels=130, rate_hz=0.05, rate_spread=0.5,
                                   amplitude_spread=0.0, f0_spread=0.0)
    truth = rec.truth
    # dF/F0 from the true baseline and neuropil: calcium plus noise / f0.
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    snr = truth.spike_amplitude / (truth.noise_sd / truth.f0.mean(axis=1))  # single spike / noise sd
    assert snr.min() >= 5, snr.min()
    e = ev.detect_events(dff, rec.fs)
    bursts = ev.spike_bursts(truth.spike_frames, rec.fs, merge_s=truth.indicator["decay_s"])
    score = ev.match_events(e.per_neuron("onset"), bursts, rec.fs, tolerance_s=0.5)
    # every single spike at least 5 noise sd: the target F1 of 0.9 (0.98 at 30 Hz when written)
    assert score.f1 >= 0.9, score
    assert score.n_true > 300
    assert np.median(e.fwhm_s) < 5.0


# --- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, error, match", [
    (dict(fs=0), ValueError, "fs must be a positive"),
    (dict(fs=10, k=-1), ValueError, "k must be a positive"),
    (dict(fs=10, k=3, k_low=4), ValueError, "k_low must be within"),
    (dict(fs=10, min_duration_s=0), ValueError, "min_duration_s"),
    (dict(fs=10, min_separation_s=-0.1), ValueError, "min_separation_s"),
    (dict(fs=10, min_separation_s="0.3"), TypeError, "min_separation_s"),
    (dict(fs=10, min_amplitude=0), ValueError, "min_amplitude"),
    (dict(fs=10, sigma=np.ones(3)), ValueError, "one per neuron"),
    (dict(fs=10, sigma=-1.0), ValueError, "sigma must be positive"),
])
def test_detect_events_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        ev.detect_events(np.random.default_rng(0).normal(size=(2, 100)), **kwargs)


def test_detect_events_rejects_bad_traces():
    with pytest.raises(ValueError, match="1-D or 2-D"):
        ev.detect_events(np.zeros((2, 3, 4)), 10.0)
    bad = np.random.default_rng(0).normal(size=(2, 100))
    bad[1, 5] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ev.detect_events(bad, 10.0)


def test_other_functions_reject_bad_input():
    e = ev.detect_events(transient_traces(2, 300, 10.0, seed=0), 10.0)
    with pytest.raises(TypeError, match="Events returned by detect_events"):
        ev.event_raster(np.zeros((2, 300), bool))
    with pytest.raises(TypeError, match="Events"):
        ev.event_features({"onset": []})
    with pytest.raises(ValueError, match="cannot hold"):
        ev.event_raster(e, n_frames=int(e.onset.max()))
    with pytest.raises(ValueError, match="n_neurons"):
        ev.event_raster(e, n_neurons=0)
    with pytest.raises(ValueError, match="field"):
        e.per_neuron("time")
    with pytest.raises(TypeError, match="not times in seconds"):
        ev.match_events(np.array([1.5]), np.array([1]), 10.0, 0.5)
    with pytest.raises(TypeError, match="list of them"):
        ev.match_events(3, np.array([1]), 10.0, 0.5)
    with pytest.raises(ValueError, match="same order"):
        ev.match_events([np.array([1])], [np.array([1]), np.array([2])], 10.0, 0.5)
    with pytest.raises(ValueError, match="tolerance_s"):
        ev.match_events(np.array([1]), np.array([1]), 10.0, 0)
    with pytest.raises(ValueError, match="merge_s"):
        ev.spike_bursts(np.array([1, 2]), 10.0, -1)


# --- detect_bursts ---------------------------------------------------------------------------------

def gcamp_trace(fs=30.0, duration_s=60.0, bursts=((10.0, 5), (12.0, 5), (30.0, 3), (45.0, 4)),
                noise=0.03, seed=0):
    """ΔF/F₀ of bursts (start s, spikes 50 ms apart): rise 0.07 s, decay 1.5 s, 0.3 per spike."""
    from helpers import spikes
    n = round(duration_s * fs)
    train = np.zeros(n)
    for start, n_spikes in bursts:
        for j in range(n_spikes):
            train[round((start + 0.05 * j) * fs)] += 0.3
    kernel = spikes.double_exponential_kernel(0.07, 1.5, fs, 10.0, normalise="peak")
    return spikes.convolve_spikes(train, kernel) + np.random.default_rng(seed).normal(0, noise, n)


def test_detect_bursts_finds_a_re_rise_that_detect_events_merges():
    fs = 30.0
    trace = gcamp_trace(fs)
    merged = ev.detect_events(trace, fs)
    assert np.sum((merged.onset / fs > 9) & (merged.onset / fs < 13)) == 1  # one event for both
    found = ev.detect_bursts(trace, fs)
    onsets_s = found.onset / fs
    for start in (10.0, 12.0, 30.0, 45.0):
        assert np.sum(np.abs(onsets_s - start) <= 0.3) == 1, start
    assert len(found) == 4


def test_detect_bursts_events_table():
    fs = 30.0
    traces = np.stack([gcamp_trace(fs, seed=1), gcamp_trace(fs, bursts=((20.0, 6),), seed=2)])
    found = ev.detect_bursts(traces, fs)
    assert found.n_neurons == 2 and found.n_frames == traces.shape[1] and found.fs == fs
    assert np.all(np.diff(found.neuron) >= 0)
    for i in range(2):
        mine = found.neuron == i
        onsets, offsets, peaks = found.onset[mine], found.offset[mine], found.peak[mine]
        assert np.all(np.diff(onsets) >= round(0.3 * fs))
        assert np.all((onsets <= peaks) & (peaks < offsets) & (offsets <= np.r_[onsets[1:], traces.shape[1]]))
        np.testing.assert_allclose(found.amplitude[mine], traces[i, peaks] - found.baseline[i])
        one = ev.detect_bursts(traces[i], fs)  # row by row
        np.testing.assert_array_equal(one.onset, onsets)
    assert found.baseline.shape == found.noise_sd.shape == (2,) and (found.noise_sd > 0).all()
    assert (found.fwhm_s > 0).all() and (found.amplitude > 0).all()
    assert ev.event_raster(found).sum() == len(found)


def test_detect_bursts_on_noise_alone_finds_little():
    rng = np.random.default_rng(3)
    fs = 30.0
    noise = rng.normal(0, 0.05, (5, 3600))
    assert len(ev.detect_bursts(noise, fs)) <= 5  # 10 minutes of noise in all


@pytest.mark.parametrize("kwargs, error, match", [
    ({"k": 0}, ValueError, "k"), ({"k": True}, TypeError, "k"),
    ({"window_s": -1}, ValueError, "window_s"), ({"reference_s": np.nan}, ValueError, "reference_s"),
    ({"min_separation_s": -0.1}, ValueError, "min_separation_s"),
    ({"k_active": -1}, ValueError, "k_active"), ({"k_rerise": "2"}, TypeError, "k_rerise"),
])
def test_detect_bursts_rejects_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        ev.detect_bursts(gcamp_trace(), 30.0, **kwargs)


def test_detect_bursts_rejects_bad_traces():
    with pytest.raises(ValueError, match="NaN"):
        ev.detect_bursts(np.r_[gcamp_trace()[:-1], np.nan], 30.0)
    with pytest.raises(ValueError, match="traces: row 0: no noise level"):
        ev.detect_bursts(np.zeros(300), 30.0)
    with pytest.raises(ValueError, match="fs"):
        ev.detect_bursts(gcamp_trace(), 0)


@pytest.mark.parametrize("regime", ["simple", "realistic"])
def test_detect_bursts_beats_detect_events_on_simulations(regime):
    from helpers import groundtruth, simulate
    assert regime == "simple" or regime in simulate.REGIMES
    fs = 30.0
    rec = simulate.simulate_traces(n_neurons=12, n_frames=3600, fs=fs, indicator="GCaMP6s", seed=1,
                                   **({} if regime == "simple" else {"regime": regime}))
    truth = rec.truth
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    times = (np.arange(dff.shape[1]) + 0.5) / fs
    scores = {}
    for name, found in (("bursts", ev.detect_bursts(dff, fs)), ("events", ev.detect_events(dff, fs))):
        onsets = found.per_neuron("onset")
        per = [groundtruth.score_onsets(times[onsets[i]], truth.spike_times_s[i]) for i in range(12)]
        scores[name] = np.mean([(s.precision, s.recall, s.f1) for s in per], axis=0)
    assert scores["bursts"][0] >= 0.9 and scores["bursts"][2] > scores["events"][2]


#: Precision, recall per recording when detect_bursts was written (issue 24); each must stay
#: within 0.1 of it (a regression guard), and the means must reach the issue's targets: precision
#: >= 0.90 and burst F1 >= 0.85 (detect_events' defaults: 0.99 and 0.58).
REAL_SCORES = {"ds02_1": (1.00, 0.92), "ds02_2": (1.00, 0.91), "ds02_3": (0.96, 0.81),
               "ds06_1": (0.98, 0.72), "ds11_1": (0.83, 0.47), "ds16_1": (1.00, 0.74),
               "ds29_1": (1.00, 0.75), "ds31_1": (0.92, 0.93)}


@pytest.fixture(scope="module")
def real_burst_scores():
    from helpers import data, groundtruth
    for files in data._GROUND_TRUTH_FILES.values():
        needs.data_file(files[0])

    def score(rec):
        found = ev.detect_bursts(rec.dff, rec.fs)
        return groundtruth.score_onsets(rec.frame_times_s[found.onset], rec.spike_times_s)

    return {name: score(data.load_ground_truth(name)) for name in data.ground_truth_names()}


def test_detect_bursts_meets_the_targets_on_real_ground_truth(real_burst_scores):
    precision = np.mean([s.precision for s in real_burst_scores.values()])
    recall = np.mean([s.recall for s in real_burst_scores.values()])
    assert precision >= 0.90
    assert 2 * precision * recall / (precision + recall) >= 0.85  # the F1 of the means
    assert np.mean([s.f1 for s in real_burst_scores.values()]) >= 0.85
    for name, (p, r) in REAL_SCORES.items():
        assert real_burst_scores[name].precision >= p - 0.1 and real_burst_scores[name].recall >= r - 0.1, name
