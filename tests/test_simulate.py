"""Tests of helpers.simulate: the contract, the ground truth's consistency with the data it
generates, the literature kinetics, determinism, parameter errors and the calibration bands
against the course's real recordings."""
import math

import numpy as np
import pytest
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from helpers import simulate

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
    data = pytest.importorskip("helpers.data")
    try:
        allen = data.load_allen_dff()
        soma, neuropil = data.load_allen_roi_traces(), data.load_allen_neuropil_traces()
        s2p = data.load_suite2p()
    except data.DataUnavailableError as err:
        pytest.skip(f"real recordings not available: {err}")
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
