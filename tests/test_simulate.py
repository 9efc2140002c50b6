"""Tests of helpers.simulate: the contract, the ground truth's consistency with the data it
generates, the literature kinetics, determinism, parameter errors and the calibration bands
against the course's real recordings."""
import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from helpers import data, groundtruth, simulate

import needs

BAND = 1.5  # simulated figures must lie within x1.5 of the real ones


@pytest.fixture(scope="module")
def demo():
    return simulate.demo_movie(seed=0)


@pytest.fixture(scope="module")
def population():
    return simulate.population_traces(seed=0)


@pytest.fixture(scope="module")
def still():
    return simulate.demo_movie(seed=0, n_frames=600)


@pytest.fixture(scope="module")
def moving():
    return simulate.demo_movie(seed=0, n_frames=600, motion=True)


def _soma_signal(truth):
    """Each soma's time course as the movie scales its footprint: f0 / (mask mean of the
    footprint) * (1 + calcium)."""
    level = np.array([fp[m].mean() for fp, m in zip(truth.footprints, truth.masks)])
    return truth.f0 / level[:, None] * (1.0 + truth.calcium)


def _dff_from_truth(rec):
    truth = rec.truth
    return (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1.0


# --------------------------------------------------------------------------- contract

def _check_contract(rec, n, n_frames, image_shape=None):
    truth = rec.truth
    assert isinstance(rec.fs, float)
    assert rec.traces.shape == (n, n_frames) and rec.traces.dtype == np.float64
    if image_shape is None:
        assert rec.movie is None and truth.footprints is None and truth.masks is None
    else:
        assert rec.movie.shape == (n_frames, *image_shape) and rec.movie.dtype == np.float32
        assert truth.footprints.shape == (n, *image_shape) and truth.footprints.dtype == np.float32
        assert truth.masks.shape == (n, *image_shape) and truth.masks.dtype == bool
    for name in ("calcium", "f0", "neuropil"):
        assert getattr(truth, name).shape == (n, n_frames)
        assert getattr(truth, name).dtype == np.float64
    assert truth.spikes.shape == (n, n_frames) and np.issubdtype(truth.spikes.dtype, np.integer)
    for name in ("r", "noise_sd", "rates_hz", "spike_amplitude"):
        assert getattr(truth, name).shape == (n,) and getattr(truth, name).dtype == np.float64
    assert truth.shifts.shape == (n_frames, 2)
    assert isinstance(truth.spike_frames, list) and len(truth.spike_frames) == n
    assert isinstance(truth.spike_times_s, list) and len(truth.spike_times_s) == n
    assert all(np.issubdtype(f.dtype, np.integer) for f in truth.spike_frames)
    assert isinstance(truth.ensembles, list)
    assert len(truth.ensemble_event_frames) == len(truth.ensemble_event_times_s) == len(truth.ensembles)
    assert {"name", "rise_s", "decay_s", "amplitude"} <= set(truth.indicator)
    assert truth.params["seed"] == 0


def test_presets_follow_the_contract(demo, population):
    _check_contract(demo, 12, 2000, (60, 80))
    assert demo.fs == 30.0 and demo.truth.indicator["name"] == "GCaMP6s"
    assert not demo.truth.shifts.any() and demo.truth.ensembles == []
    single = simulate.single_cell_movie(seed=0)
    _check_contract(single, 1, 1000, (40, 40))
    _check_contract(population, 324, 15000)
    assert population.fs == 4.8 and population.truth.indicator["name"] == "GCaMP6s"
    assert len(population.truth.ensembles) == 5
    assert all(10 <= len(members) <= 20 for members in population.truth.ensembles)


def test_presets_take_overrides():
    rec = simulate.population_traces(seed=1, n_neurons=50, n_frames=3000)
    assert rec.traces.shape == (50, 3000) and rec.truth.params["seed"] == 1
    movie = simulate.demo_movie(seed=0, n_frames=300, indicator="gcamp6f")
    assert movie.movie.shape == (300, 60, 80) and movie.truth.indicator["name"] == "GCaMP6f"


def test_masks_are_thresholded_footprints_and_never_overlap(demo):
    truth = demo.truth
    peaks = truth.footprints.max(axis=(1, 2), keepdims=True)
    np.testing.assert_array_equal(truth.masks, truth.footprints > 0.5 * peaks)
    assert truth.masks.sum(axis=0).max() == 1
    # No footprint reaches into another cell's mask, yet some neighbours' edges do overlap.
    support = truth.footprints > 0
    for i, mask in enumerate(truth.masks):
        others = np.delete(support, i, axis=0)
        assert not others[:, mask].any()
    assert (support.sum(axis=0) > 1).any()
    radii = np.sqrt(truth.masks.sum(axis=(1, 2)) / np.pi)
    assert radii.min() > 2.5 and radii.max() < 6.5


# --------------------------------------------------------------------------- determinism, cache

def test_same_seed_same_recording_even_without_the_cache():
    first = simulate.simulate_movie(n_cells=3, shape=(200, 30, 30), seed=5)
    again = simulate._build_movie.__wrapped__(simulate._key(first.truth.params))  # no cache
    assert first.movie is not again.movie
    np.testing.assert_array_equal(first.movie, again.movie)
    np.testing.assert_array_equal(first.truth.calcium, again.truth.calcium)
    other = simulate.simulate_movie(n_cells=3, shape=(200, 30, 30), seed=6)
    assert not np.array_equal(first.truth.masks, other.truth.masks)
    assert not np.array_equal(first.movie, other.movie)


def test_cached_results_cannot_be_corrupted():
    rec = simulate.simulate_traces(n_neurons=5, n_frames=100, seed=2)
    with pytest.raises(ValueError):
        rec.traces[0, 0] = 1.0
    with pytest.raises(ValueError):
        rec.truth.spike_frames[0][:] = 0
    rec.truth.spike_frames.clear()
    rec.truth.params["seed"] = 99
    again = simulate.simulate_traces(n_neurons=5, n_frames=100, seed=2)
    assert len(again.truth.spike_frames) == 5 and again.truth.params["seed"] == 2


def test_motion_leaves_the_rest_of_the_recording_unchanged(still, moving):
    for name in ("footprints", "masks", "calcium", "f0", "neuropil", "r"):
        np.testing.assert_array_equal(getattr(still.truth, name), getattr(moving.truth, name))
    assert not np.array_equal(still.movie, moving.movie)


# --------------------------------------------------------------------------- the data re-derive from the truth

def test_movie_rederives_from_its_parts_within_shot_and_read_noise(demo):
    truth, params = demo.truth, demo.truth.params
    parts = np.concatenate([truth.footprints, truth.neuropil_maps]).reshape(-1, 60 * 80)
    courses = np.concatenate([_soma_signal(truth), truth.neuropil_timecourses])
    expected = (courses.T @ parts).reshape(demo.movie.shape)
    sd = np.sqrt(expected / params["photons_per_unit"] + params["read_noise"] ** 2)
    z = (demo.movie - expected) / sd
    assert abs(z.mean()) < 0.01
    assert abs(z.std() - 1.0) < 0.02
    # The expected mask means are exactly f0 * (1 + calcium) + r * neuropil.
    for i, mask in enumerate(truth.masks):
        np.testing.assert_allclose(
            expected[:, mask].mean(axis=1),
            truth.f0[i] * (1 + truth.calcium[i]) + truth.r[i] * truth.neuropil[i], rtol=1e-5)


def test_traces_are_the_mask_means_of_the_movie(demo):
    for i, mask in enumerate(demo.truth.masks):
        np.testing.assert_allclose(demo.traces[i], demo.movie[:, mask].astype(float).mean(axis=1),
                                   rtol=1e-9)


@pytest.mark.parametrize("name", ["demo", "moving", "population"])
def test_traces_follow_the_contamination_model_with_the_stated_noise(name, request):
    rec = request.getfixturevalue(name)
    truth = rec.truth
    residual = rec.traces - truth.f0 * (1 + truth.calcium) - truth.r[:, None] * truth.neuropil
    ratio = residual.std(axis=1) / truth.noise_sd
    assert np.all(np.abs(ratio - 1) < 0.1)
    assert np.abs(residual.mean(axis=1) / truth.noise_sd).max() < 0.2


def test_neuropil_maps_weigh_the_field_by_r_inside_each_mask(demo):
    truth = demo.truth
    for i, mask in enumerate(truth.masks):
        field = truth.neuropil_timecourses.T @ truth.neuropil_maps[:, mask].mean(axis=1)
        np.testing.assert_allclose(field, truth.r[i] * truth.neuropil[i], rtol=1e-5)
    assert np.all((truth.r >= 0.5) & (truth.r <= 0.9))


# --------------------------------------------------------------------------- spikes and calcium

def test_spike_times_frames_and_counts_agree(population):
    truth, fs = population.truth, population.fs
    for i, (times, frames) in enumerate(zip(truth.spike_times_s, truth.spike_frames)):
        offset = times * fs - frames
        assert np.all((offset >= 0) & (offset < 1))
        assert np.all(np.diff(times) >= 0)
        np.testing.assert_array_equal(np.bincount(frames, minlength=truth.spikes.shape[1]),
                                      truth.spikes[i])


def test_calcium_matches_the_kernel_averaged_over_each_frame():
    """An independent computation: sum the continuous kernel over spikes on a fine time grid
    and average within each frame."""
    rec = simulate.simulate_traces(n_neurons=3, n_frames=120, fs=4.8, indicator="GCaMP6f",
                                   rate_hz=1.0, seed=3)
    truth, fs = rec.truth, rec.fs
    rise, decay = truth.indicator["rise_s"], truth.indicator["decay_s"]
    fine = (np.arange(120 * 400) + 0.5) / (400 * fs)
    t_peak = rise * decay / (decay - rise) * np.log(decay / rise)
    peak = np.exp(-t_peak / decay) - np.exp(-t_peak / rise)
    for i in range(3):
        signal = np.zeros_like(fine)
        for spike in truth.spike_times_s[i]:
            lag = np.clip(fine - spike, 0, None)
            signal += np.where(fine > spike, np.exp(-lag / decay) - np.exp(-lag / rise), 0.0)
        signal *= truth.spike_amplitude[i] / peak
        np.testing.assert_allclose(truth.calcium[i], signal.reshape(120, 400).mean(axis=1),
                                   atol=1e-4 * truth.spike_amplitude[i])


@pytest.mark.parametrize("name, time_to_peak_s, half_decay_s", [
    ("GCaMP6s", 0.179, 0.550),  # Chen et al. 2013, Supplementary Table 3 (V1 in vivo, 1 AP)
    ("GCaMP6f", 0.045, 0.142),
])
def test_kernels_reproduce_the_literature_kinetics(name, time_to_peak_s, half_decay_s):
    kinetics = simulate.INDICATORS[name]
    t = np.arange(0, 5, 1e-5)
    kernel = np.exp(-t / kinetics["decay_s"]) - np.exp(-t / kinetics["rise_s"])
    top = kernel.argmax()
    half = top + np.argmax(kernel[top:] < kernel[top] / 2)
    assert t[top] == pytest.approx(time_to_peak_s, rel=0.01)
    assert t[half] - t[top] == pytest.approx(half_decay_s, rel=0.01)


def test_spikes_produce_transients_where_the_truth_says(demo):
    truth = demo.truth
    n_isolated = 0
    for i, frames in enumerate(truth.spike_frames):
        before = np.concatenate([[-10 ** 6], frames[:-1]])
        isolated = frames[(frames - before > 60) & (frames > 0) & (frames < 1998)]
        n_isolated += isolated.size
        # Calcium rises within two frames by most of one spike's amplitude...
        rise = truth.calcium[i, isolated + 2] - truth.calcium[i, isolated - 1]
        assert np.all(rise > 0.5 * truth.spike_amplitude[i])
        # ... and is exactly zero before the first spike.
        assert not truth.calcium[i, :frames[0] if frames.size else None].any()
    assert n_isolated > 50
    assert np.all(truth.calcium >= 0)


def test_ensemble_members_cofire_at_ensemble_events(population):
    truth = population.truth
    p = truth.params["ensemble_p"]
    members_all = np.concatenate(truth.ensembles)
    assert len(np.unique(members_all)) >= 0.9 * len(members_all)  # mostly disjoint
    outsiders = np.setdiff1d(np.arange(324), members_all)
    for members, frames, times in zip(truth.ensembles, truth.ensemble_event_frames,
                                      truth.ensemble_event_times_s):
        np.testing.assert_array_equal(frames, np.floor(times * population.fs).astype(int))
        window = truth.spikes[:, frames] + truth.spikes[:, frames + 1]
        members_firing = (window[members] > 0).mean()
        assert abs(members_firing - p) < 0.05
        assert (window[outsiders] > 0).mean() < 0.05


# --------------------------------------------------------------------------- motion

def test_motion_follows_the_stated_shift_convention():
    """frame_t(y, x) = scene(y - dy, x - dx): a noiseless cell's centre moves by +(dy, dx)."""
    for seed in range(20):
        rec = simulate.single_cell_movie(seed=seed, height=50, width=50, radius_px=(4.0, 4.0),
                                         motion=True, photons_per_unit=math.inf, read_noise=0.0,
                                         neuropil_level=0.0, n_frames=120)
        footprint = rec.truth.footprints[0]
        if not (footprint[:5].any() or footprint[-5:].any()
                or footprint[:, :5].any() or footprint[:, -5:].any()):
            break
    else:
        pytest.fail("no seed gave a cell away from the edges")
    shifts = rec.truth.shifts
    assert np.abs(shifts).max() <= 3.0 and np.abs(shifts).max() > 1.0
    centre = np.array(ndimage.center_of_mass(footprint))
    moved = np.array([ndimage.center_of_mass(frame) for frame in rec.movie])
    np.testing.assert_allclose(moved - centre, shifts, atol=0.02)


def test_motion_is_recoverable_by_phase_correlation(still, moving):
    scene, rec = still.movie.mean(axis=0), moving
    frames = np.arange(0, 600, 20)
    # skimage returns the shift that registers the frame onto the scene: minus the motion.
    found = np.array([phase_cross_correlation(scene - scene.mean(), rec.movie[t] - rec.movie[t].mean(),
                                              upsample_factor=20, normalization=None)[0]
                      for t in frames])
    assert np.abs(rec.truth.shifts[frames]).max() > 1.0
    np.testing.assert_allclose(found, -rec.truth.shifts[frames], atol=0.5)


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize("call, error, words", [
    (lambda: simulate.simulate_traces(rate_hz=-0.1), ValueError, "rate_hz"),
    (lambda: simulate.simulate_traces(fs=0), ValueError, "fs"),
    (lambda: simulate.simulate_traces(fs=-30.0), ValueError, "fs"),
    (lambda: simulate.simulate_traces(fs=float("nan")), ValueError, "fs"),
    (lambda: simulate.simulate_traces(indicator="GCaMP8m"), ValueError, "GCaMP6f"),
    (lambda: simulate.simulate_traces(n_neurons=0), ValueError, "n_neurons"),
    (lambda: simulate.simulate_traces(n_frames=10.5), TypeError, "n_frames"),
    (lambda: simulate.simulate_traces(seed=-1), ValueError, "seed"),
    (lambda: simulate.simulate_traces(seed=1.5), TypeError, "seed"),
    (lambda: simulate.simulate_traces(rate=0.1), TypeError, "rate_hz"),
    (lambda: simulate.simulate_traces(r_range=(0.5, 1.5)), ValueError, "r_range"),
    (lambda: simulate.simulate_traces(r_range=(0.9, 0.5)), ValueError, "low <= high"),
    (lambda: simulate.simulate_traces(ensemble_p=2), ValueError, "ensemble_p"),
    (lambda: simulate.simulate_traces(n_neurons=8, n_ensembles=1), ValueError, "ensemble_size"),
    (lambda: simulate.simulate_movie(shape=(100, 60)), ValueError, "shape"),
    (lambda: simulate.simulate_movie(shape=(100, 0, 60)), ValueError, "shape[1]"),
    (lambda: simulate.simulate_movie(shape=(100, 12, 12), radius_px=(5, 8)), ValueError, "do not fit"),
    (lambda: simulate.simulate_movie(n_cells=40, shape=(10, 30, 30)), ValueError, "could not place"),
    (lambda: simulate.simulate_movie(radius_px=5), TypeError, "radius_px"),
    (lambda: simulate.simulate_movie(motion="yes"), TypeError, "motion"),
    (lambda: simulate.simulate_movie(max_shift_px=-1), ValueError, "max_shift_px"),
    (lambda: simulate.demo_movie(photons_per_unit=0), ValueError, "photons_per_unit"),
])
def test_invalid_parameters_raise_clear_errors(call, error, words):
    with pytest.raises(error, match=words.replace("[", r"\[").replace("]", r"\]")):
        call()


# --------------------------------------------------------------------------- calibration

def _real_figures():
    try:
        allen = data.load_allen_dff()
        soma, neuropil = data.load_allen_roi_traces(), data.load_allen_neuropil_traces()
        s2p = data.load_suite2p()
    except data.DataUnavailableError as err:
        needs.unavailable("the course's real recordings", f"loading them failed ({err})",
                          f"Fetch the data: {data.PREFETCH_COMMAND}.")
    corrected = s2p.F - s2p.neucoeff * s2p.Fneu
    s2p_dff = corrected / np.percentile(corrected, 20, axis=1, keepdims=True) - 1
    return {
        "allen": simulate._summary_statistics(allen.traces, allen.fs),
        "suite2p": simulate._summary_statistics(s2p_dff, 1.0),  # rate unknown: no event rate
        "allen_neuropil": simulate._neuropil_to_soma(soma.traces, neuropil.traces),
        "suite2p_neuropil": simulate._neuropil_to_soma(s2p.F[s2p.iscell], s2p.Fneu[s2p.iscell]),
    }


def _within_band(simulated, real):
    return 1 / BAND <= simulated / real <= BAND


def test_calibration_against_the_allen_excerpt_and_suite2p(demo):
    real = _real_figures()
    # Like for like with the Allen excerpt: 74 neurons x 6001 frames at 30 Hz, GCaMP6f.
    mirror = simulate.simulate_traces(n_neurons=74, n_frames=6001, fs=30.0, indicator="GCaMP6f")
    sim = simulate._summary_statistics(_dff_from_truth(mirror), mirror.fs)
    for figure in ("noise", "amplitude", "event_rate_per_min"):
        assert _within_band(sim[figure], real["allen"][figure]), (figure, sim, real["allen"])
    assert _within_band(sim["noise"], real["suite2p"]["noise"])
    demo_noise = simulate._summary_statistics(_dff_from_truth(demo), demo.fs)["noise"]
    assert _within_band(demo_noise, real["allen"]["noise"])
    assert _within_band(demo_noise, real["suite2p"]["noise"])
    for rec in (mirror, demo):
        ratio = simulate._neuropil_to_soma(rec.traces, rec.truth.neuropil)
        assert _within_band(ratio, real["allen_neuropil"])
        assert _within_band(ratio, real["suite2p_neuropil"])


def test_summary_statistics_on_a_known_trace():
    """White noise of s.d. 0.05 with 30 square events of height 0.5 over 10 minutes at 10 Hz."""
    rng = np.random.default_rng(0)
    dff = 0.05 * rng.standard_normal((4, 6000))
    starts = np.arange(30) * 200 + 50
    for start in starts:
        dff[:, start:start + 20] += 0.5
    figures = simulate._summary_statistics(dff, 10.0)
    assert figures["noise"] == pytest.approx(0.05, rel=0.05)
    assert figures["event_rate_per_min"] == pytest.approx(3.0, abs=0.2)
    assert figures["amplitude"] == pytest.approx(0.5, abs=0.1)
    assert simulate._neuropil_to_soma(np.full((2, 5), 200.0), np.full((2, 5), 150.0)) == 0.75


# --------------------------------------------------------------------------- the simple regime stays

def test_default_regime_output_is_unchanged():
    """Lessons and their checks depend on the simple regime's exact output: these sums were
    recorded from the simulator before the realistic regime was added."""
    traces = simulate.simulate_traces(n_neurons=6, n_frames=900, fs=15.0, seed=3, n_ensembles=1,
                                      ensemble_size=(2, 3))
    movie = simulate.simulate_movie(n_cells=3, shape=(120, 30, 34), seed=4, motion=True)
    assert traces.traces.sum() == pytest.approx(863687.8346162196, rel=1e-12)
    assert traces.truth.calcium.sum() == pytest.approx(101.82805093839715, rel=1e-12)
    assert traces.truth.spikes.sum() == 40
    assert traces.truth.neuropil.sum() == pytest.approx(660534.8954755545, rel=1e-12)
    assert movie.movie.astype(np.float64).sum() == pytest.approx(15431436.706344604, rel=1e-12)
    assert movie.traces.sum() == pytest.approx(56000.23921274979, rel=1e-12)
    assert movie.truth.shifts.sum() == pytest.approx(-80.01403381748878, rel=1e-12)
    assert traces.truth.params["regime"] == "simple" and traces.truth.gain is None
    assert set(traces.truth.indicator) == {"name", "rise_s", "decay_s", "amplitude", "time_to_peak_s",
                                           "half_decay_s"}


# --------------------------------------------------------------------------- the realistic regime

@pytest.fixture(scope="module")
def realistic_population():
    return simulate.population_traces(seed=0, regime="realistic")


def test_realistic_presets_follow_the_contract(realistic_population):
    _check_contract(realistic_population, 324, 15000)
    truth = realistic_population.truth
    assert truth.params["regime"] == "realistic" and truth.params["noise_nu"] == 3.0
    assert truth.gain.shape == (15000,) and truth.gain_coupling.shape == (324,)
    assert truth.gain.mean() == pytest.approx(1.0) and truth.gain.min() > 0
    assert {"hill_n", "kd_nM", "dff_max", "ca_rest_nM"} <= set(truth.indicator)
    assert truth.indicator["amplitude"] == simulate.INDICATORS["GCaMP6s"]["amplitude_population"]
    movie = simulate.demo_movie(seed=0, n_frames=300, regime="realistic")
    _check_contract(movie, 12, 300, (60, 80))
    assert repr(movie).count("realistic regime") == 1
    # The regime's values are defaults: any argument overrides them.
    linear = simulate.simulate_traces(n_neurons=3, n_frames=300, regime="realistic", nonlinearity="linear",
                                      gain_modulation=1.0)
    assert linear.truth.gain is None and "hill_n" not in linear.truth.indicator


def test_regimes_share_cells_and_baselines():
    """Switching the regime changes the activity, not the rest of the recording."""
    simple = simulate.simulate_traces(n_neurons=10, n_frames=600, seed=8)
    real = simulate.simulate_traces(n_neurons=10, n_frames=600, seed=8, regime="realistic")
    for name in ("f0", "r"):
        np.testing.assert_array_equal(getattr(simple.truth, name), getattr(real.truth, name))


def test_hill_nonlinearity_is_supralinear_then_saturates():
    for name in ("GCaMP6s", "GCaMP6f"):
        ind = simulate.INDICATORS[name]
        step = simulate._hill_increment(np.array([ind["amplitude_population"]]), ind)[0]
        dff = simulate._hill_dff(step * np.arange(0, 401), ind)
        assert dff[1] == pytest.approx(ind["amplitude_population"], rel=1e-9)  # the inverse
        assert dff[2] > 2.05 * dff[1] and dff[5] > 5.5 * dff[1]  # small bursts: supralinear
        assert np.all(np.diff(dff) > 0) and dff[-1] < ind["dff_max"]
        assert dff[-1] > 0.8 * ind["dff_max"] and dff[400] - dff[200] < 0.2 * (dff[200] - dff[0])


def test_each_spike_brings_its_own_amount_of_calcium():
    """With a spike-to-spike spread, isolated spikes of one neuron peak at lognormal heights."""
    rec = simulate.simulate_traces(n_neurons=40, n_frames=20000, fs=30.0, rate_hz=0.2, seed=1,
                                   amplitude_spread=0.0, spike_amplitude_spread=0.5, rate_spread=0.0)
    truth, peaks = rec.truth, []
    for i, frames in enumerate(truth.spike_frames):
        gap_before = np.diff(np.r_[-10**6, frames])
        gap_after = np.diff(np.r_[frames, 10**9])
        for f in frames[(gap_before > 200) & (gap_after > 200) & (frames < 19990)]:
            peaks.append(truth.calcium[i, f:f + 10].max())
    peaks = np.log(peaks)
    assert len(peaks) > 300
    assert np.std(peaks) == pytest.approx(0.5, abs=0.06)
    assert np.exp(np.median(peaks)) == pytest.approx(0.23 * 0.97, rel=0.1)  # sampled peak < A


def test_bursts_keep_the_mean_rate():
    rec = simulate.simulate_traces(n_neurons=200, n_frames=30000, fs=30.0, rate_hz=0.3, rate_spread=0.0,
                                   burst_spikes=2.0, seed=2)
    truth = rec.truth
    counts = np.array([len(t) for t in truth.spike_times_s])
    assert counts.mean() == pytest.approx(0.3 * 1000, rel=0.05)  # 1000 s, 0.3 Hz
    intervals = np.concatenate([np.diff(t) for t in truth.spike_times_s])
    within = intervals < 0.05
    # Geometric bursts of mean 2: half the spikes follow another within the burst.
    assert within.mean() == pytest.approx(0.5, abs=0.05)
    # 2 ms refractory + an exponential wait of mean 8 ms: median 7.5 ms. (Shorter intervals occur
    # only when two independent events overlap.)
    assert np.median(intervals[within]) == pytest.approx(0.0075, abs=0.001)
    assert (intervals < 0.002).mean() < 0.005


def test_shared_gain_modulates_every_neurons_rate_together():
    rec = simulate.simulate_traces(n_neurons=200, n_frames=36000, fs=10.0, rate_hz=0.5, rate_spread=0.0,
                                   gain_modulation=3.0, gain_timescale_s=10.0, seed=3)
    truth = rec.truth
    assert truth.gain.mean() == pytest.approx(1.0)
    # +-1 s.d. of the state: a rate ratio of 3 (log gain has s.d. log(3) / 2).
    assert np.std(np.log(truth.gain)) == pytest.approx(np.log(3) / 2, rel=0.25)
    counts = np.array([len(t) for t in truth.spike_times_s])
    assert counts.mean() == pytest.approx(0.5 * 3600, rel=0.05)  # the mean rate is kept
    population = truth.spikes.sum(axis=0).reshape(-1, 50).sum(axis=1)  # 5-s bins
    gain = truth.gain.reshape(-1, 50).mean(axis=1)
    assert np.corrcoef(population, gain)[0, 1] > 0.9
    # Each neuron follows gain ** coupling: strongly coupled neurons swing more.
    per_bin = truth.spikes.reshape(200, -1, 50).sum(axis=2)
    high, low = gain > np.quantile(gain, 0.8), gain < np.quantile(gain, 0.2)
    swing = {}
    for name, group in (("strong", truth.gain_coupling > 1.5), ("weak", truth.gain_coupling < 0.5)):
        swing[name] = per_bin[group][:, high].mean() / per_bin[group][:, low].mean()
    assert swing["strong"] > swing["weak"] ** 2 > 1, swing


@pytest.mark.parametrize("fs, nu", [(4.8, 3.0), (30.0, 1.0), (158.28, 0.46)])
def test_noise_nu_sets_cascades_noise_level(fs, nu):
    nu_module = groundtruth
    rec = simulate.simulate_traces(n_neurons=30, n_frames=4000, fs=fs, noise_nu=nu, rate_hz=0.05, seed=4)
    measured = np.median(nu_module.noise_level(_dff_from_truth(rec), fs))
    assert measured == pytest.approx(nu, rel=0.15)


def test_noise_nu_calibrates_movies_too():
    nu_module = groundtruth
    rec = simulate.demo_movie(seed=0, n_frames=600, regime="realistic", rate_hz=0.05)
    assert np.median(nu_module.noise_level(_dff_from_truth(rec), rec.fs)) == pytest.approx(1.0, rel=0.2)


@pytest.mark.parametrize("call, error, words", [
    (lambda: simulate.simulate_traces(regime="zoomed"), ValueError, "regime"),
    (lambda: simulate.simulate_traces(regime=None), ValueError, "regime"),
    (lambda: simulate.simulate_traces(photons_per_unit=0.2, noise_nu=1.0), TypeError, "noise_nu"),
    (lambda: simulate.simulate_traces(nonlinearity="sigmoid"), ValueError, "nonlinearity"),
    (lambda: simulate.simulate_traces(gain_modulation=0.5), ValueError, "gain_modulation"),
    (lambda: simulate.simulate_traces(gain_modulation=True), TypeError, "gain_modulation"),
    (lambda: simulate.simulate_traces(burst_spikes=0.5), ValueError, "burst_spikes"),
    (lambda: simulate.simulate_traces(noise_nu=float("nan")), ValueError, "noise_nu"),
    (lambda: simulate.simulate_traces(noise_nu=0.01), ValueError, "read noise"),
    (lambda: simulate.simulate_traces(gain_timescale_s=0, gain_modulation=2.0), ValueError, "gain_timescale_s"),
    (lambda: simulate.simulate_traces(nonlinearity="hill", amplitude=23.0), ValueError, "amplitude"),
    (lambda: simulate.simulate_traces(n_frames=10**6, n_neurons=1, fs=1000.0, gain_modulation=2.0,
                                      gain_timescale_s=10**5), ValueError, "gain_timescale_s"),
])
def test_invalid_realistic_parameters_raise_clear_errors(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_photons_per_unit_given_replaces_the_regimes_noise_level():
    rec = simulate.simulate_traces(n_neurons=2, n_frames=100, regime="realistic", photons_per_unit=0.5)
    assert rec.truth.params["photons_per_unit"] == 0.5 and rec.truth.params["noise_nu"] is None


# --------------------------------------------------------------------------- realistic calibration

GROUND_TRUTH = {"ds11_1": "GCaMP6f", "ds06_1": "GCaMP6f"}  # the simulator's indicator that mirrors each


def _ground_truth(name):
    """A CASCADE ground-truth recording (``helpers.data.load_ground_truth``), or skip."""
    try:
        return data.load_ground_truth(name)
    except data.DataUnavailableError as err:
        needs.unavailable("the ground-truth recordings", f"loading them failed ({err})",
                          f"Fetch the data: {data.PREFETCH_COMMAND}.")


def _real_events(name):
    recording = _ground_truth(name)
    return simulate._spike_event_statistics([recording.dff], [recording.frame_times_s],
                                            [recording.spike_times_s], GROUND_TRUTH[name])


def _simulated_events(rec):
    dff = _dff_from_truth(rec)
    times = (np.arange(dff.shape[1]) + 0.5) / rec.fs
    return simulate._spike_event_statistics(list(dff), [times] * len(dff), rec.truth.spike_times_s,
                                            rec.truth.indicator["name"])


def _mirror(name, regime, n_neurons=40):
    """Simulated neurons recorded like one ground-truth recording: its frame rate, duration,
    firing rate and (realistic regime) noise level."""
    recording = _ground_truth(name)
    times = recording.frame_times_s
    noise = {"noise_nu": recording.noise_level} if regime == "realistic" else {}
    return simulate.simulate_traces(n_neurons=n_neurons, n_frames=times.size, fs=recording.fs,
                                    indicator=GROUND_TRUTH[name], regime=regime, seed=0,
                                    rate_hz=recording.spike_times_s.size / (times[-1] - times[0]), **noise)


def test_realistic_noise_level_matches_the_real_recordings(realistic_population):
    nu_module = groundtruth
    try:
        allen, zebrafish = data.load_allen_dff(), data.load_zebrafish_dff()
    except data.DataUnavailableError as err:
        needs.unavailable("the course's real recordings", f"loading them failed ({err})",
                          f"Fetch the data: {data.PREFETCH_COMMAND}.")
    allen_nu = np.median(nu_module.noise_level(allen.traces, allen.fs))              # 0.93
    mirror = simulate.simulate_traces(n_neurons=74, n_frames=6001, fs=30.0, indicator="GCaMP6f",
                                      regime="realistic")
    assert _within_band(np.median(nu_module.noise_level(_dff_from_truth(mirror), 30.0)), allen_nu)
    # The population preset (4.8 Hz, large field) against the real population at a low rate.
    zebrafish_nu = np.median(nu_module.noise_level(zebrafish.traces, zebrafish.fs))  # 2.96
    population_nu = np.median(nu_module.noise_level(_dff_from_truth(realistic_population), 4.8))
    assert _within_band(population_nu, zebrafish_nu)
    # The regime's noise lies within the range of the six ground-truth recordings (0.46-1.91).
    real = [_ground_truth(name).noise_level for name in data.ground_truth_names()]
    assert min(real) < simulate.REGIMES["realistic"]["noise_nu"] < max(real)


def test_realistic_mirror_of_the_allen_excerpt_is_within_the_bands():
    real = _real_figures()["allen"]
    mirror = simulate.simulate_traces(n_neurons=74, n_frames=6001, fs=30.0, indicator="GCaMP6f",
                                      regime="realistic")
    sim = simulate._summary_statistics(_dff_from_truth(mirror), mirror.fs)
    for figure in ("noise", "amplitude", "event_rate_per_min"):
        assert _within_band(sim[figure], real[figure]), (figure, sim, real)


def test_single_spike_amplitudes_match_the_ground_truth_and_the_simple_regime_does_not():
    """Isolated single spikes of the two GCaMP6f ground-truth recordings (Allen V1 and zebrafish;
    15 events, median dF/F0 about 0.04) against simulated neurons recorded the same way."""
    real, simulated, simple = [], [], []
    for name in GROUND_TRUTH:
        real.append(_real_events(name)[1][0])
        simulated.append(_simulated_events(_mirror(name, "realistic"))[1][0])
        simple.append(_simulated_events(_mirror(name, "simple"))[1][0])
    real, simulated, simple = (np.median(np.concatenate(x)) for x in (real, simulated, simple))
    assert _within_band(simulated, real), (simulated, real)
    assert simple > 3 * real  # zoomed-in amplitudes: four to five times too large here


def test_small_bursts_are_supralinear():
    events = _simulated_events(_mirror("ds11_1", "realistic", n_neurons=80))
    one, two, more = (np.median(events[k][0]) for k in (1, 2, "3+"))
    assert two > 2.1 * one and more > 1.5 * two
    linear = _simulated_events(_mirror("ds11_1", "simple", n_neurons=80))
    assert np.median(linear[2][0]) < 2.05 * np.median(linear[1][0])


def test_single_spikes_are_hard_to_detect_as_in_population_imaging(realistic_population):
    """Huang et al. 2021: under population-imaging conditions under 10 % of single spikes and
    20-30 % of doublets are detected. Our detector is the ideal observer (it knows each spike's
    time and the kernel), at a 1 % false-positive rate."""
    events = _simulated_events(realistic_population)
    single, double = events[1][1].mean(), events[2][1].mean()
    assert single <= 0.15 and 0.15 <= double <= 0.45, (single, double)
    allen_like = simulate.simulate_traces(n_neurons=74, n_frames=6001, fs=30.0, indicator="GCaMP6f",
                                          regime="realistic")
    events = _simulated_events(allen_like)
    assert events[1][1].mean() <= 0.35 and events[2][1].mean() > 1.8 * events[1][1].mean()
    simple = simulate.simulate_traces(n_neurons=74, n_frames=6001, fs=30.0, indicator="GCaMP6f")
    assert _simulated_events(simple)[1][1].mean() >= 0.9  # the simple regime sees nearly all


def test_real_single_spike_detection_is_consistent_with_the_realistic_regime_only():
    """The 15 isolated single spikes of ds11 and ds06 (3 detected) against the detection rate
    each regime predicts for those recordings: within 2.6 s.d. for the realistic regime only."""
    observed, expected = 0, {"simple": [0.0, 0.0], "realistic": [0.0, 0.0]}
    for name in GROUND_TRUTH:
        events = _real_events(name)[1]
        observed += int(events[1].sum())
        for regime in expected:
            p = _simulated_events(_mirror(name, regime))[1][1].mean()
            expected[regime][0] += events[1].size * p
            expected[regime][1] += events[1].size * p * (1 - p)
    z = {regime: (observed - mean) / np.sqrt(var) for regime, (mean, var) in expected.items()}
    assert abs(z["realistic"]) < 2.6, z
    assert z["simple"] < -5, z


def test_a_jammed_cell_placement_starts_again(monkeypatch):
    """Sequential placement can jam although the cells fit: this student's variant of a 20-cell
    movie jams in its first round (found by running lessons on random variants); a fresh round
    places all 20, and the first round of seed 0 is unchanged (the outputs pinned above)."""
    monkeypatch.setenv("CALCIUM_VARIANT", "43b6b7cb2e1b68e27aaf27140cc90919")
    rec = simulate.demo_movie(seed=2, n_cells=20, n_frames=50)
    assert rec.truth.masks.shape[0] == 20
    monkeypatch.setattr(simulate, "_PLACEMENT_ROUNDS", 1)
    simulate._build_movie.cache_clear()
    with pytest.raises(ValueError, match="could not place"):
        simulate.demo_movie(seed=2, n_cells=20, n_frames=50)
