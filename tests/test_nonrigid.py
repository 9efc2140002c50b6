"""Tests of non-rigid motion: the simulator's deformation field (truth.displacement) and
piecewise-rigid registration in helpers.registration (patch shifts, the interpolated shift field,
its application, and the error against the true field).

Tolerances: exact identities are checked to float32 precision; the accuracy bounds on simulated
movies are the errors measured with benchmarks/bench_nonrigid.py on these seeds, with a margin
(stated at each test)."""
import math

import numpy as np
import pytest
from scipy import ndimage

from helpers import registration as reg
from helpers import simulate

pytestmark = pytest.mark.filterwarnings("error")

NOISELESS = dict(photons_per_unit=math.inf, read_noise=0.0)


@pytest.fixture(scope="module")
def deformed():
    """A small non-rigid movie with rigid motion too (about 1.5 s to simulate)."""
    return simulate.simulate_movie(n_cells=25, shape=(300, 80, 80), seed=3, motion=True,
                                   nonrigid_px=4.0)


def textured(seed=0, shape=(64, 64)):
    """Fine random texture: structure in every part of the frame, as in every patch."""
    return 100 + 20 * ndimage.gaussian_filter(np.random.default_rng(seed).normal(size=shape), 1.5)


# --------------------------------------------------------------------------- simulator

def test_nonrigid_motion_is_off_by_default():
    rec = simulate.demo_movie(seed=0, n_frames=50, motion=True)
    assert rec.truth.displacement is None
    assert rec.truth.params["nonrigid_px"] == 0


def test_displacement_field_is_the_rigid_shifts_plus_a_bounded_smooth_deformation(deformed):
    field, shifts = deformed.truth.displacement, deformed.truth.shifts
    assert field.shape == (300, 2, 80, 80) and field.dtype == np.float32
    assert not field.flags.writeable
    assert "with motion (non-rigid)" in repr(deformed.truth)
    nonrigid = field - shifts[:, :, None, None]
    assert np.abs(nonrigid).max() <= 4.0 + 1e-5                       # the stated bound
    np.testing.assert_allclose(nonrigid.mean(axis=(2, 3)), 0.0, atol=1e-4)  # zero mean: rigid part
    assert nonrigid.std() > 0.3                                       # it is really non-rigid
    # smooth: wavelengths >= 60 px, so a neighbouring pixel moves at most 2 pi / 60 x 4 px more
    for axis in (2, 3):
        assert np.abs(np.diff(nonrigid, axis=axis)).max() <= 2 * np.pi / 60 * 4.0


def test_movie_shows_the_scene_displaced_by_the_field():
    """Noise-free: frame t of the deformed movie is the still frame t read at (y - dy, x - dx)."""
    kwargs = dict(n_cells=10, shape=(40, 48, 56), seed=5, **NOISELESS)
    still = simulate.simulate_movie(**kwargs)
    moved = simulate.simulate_movie(**kwargs, nonrigid_px=3.0, motion_step_px=0.5)
    field = moved.truth.displacement
    np.testing.assert_array_equal(moved.truth.shifts, 0.0)
    grid = np.mgrid[:48, :56].astype(float)
    inner = (slice(6, -6), slice(6, -6))  # away from the edges, where the still frame ends
    for t in (0, 20, 39):
        expected = ndimage.map_coordinates(still.movie[t].astype(float), grid - field[t], order=3)
        scale = still.movie[t][inner].max()
        np.testing.assert_allclose(moved.movie[t][inner], expected[inner], atol=0.02 * scale)
    # the traces are what the masks see without motion: noise-free, exactly the still ones
    np.testing.assert_allclose(moved.traces, still.traces, rtol=1e-5)


def test_nonrigid_switch_leaves_cells_spikes_and_rigid_shifts_alone():
    kwargs = dict(n_cells=8, shape=(60, 48, 48), seed=2, motion=True)
    rigid = simulate.simulate_movie(**kwargs)
    both = simulate.simulate_movie(**kwargs, nonrigid_px=2.0)
    np.testing.assert_array_equal(both.truth.shifts, rigid.truth.shifts)
    np.testing.assert_array_equal(both.truth.footprints, rigid.truth.footprints)
    np.testing.assert_array_equal(both.truth.spikes, rigid.truth.spikes)


@pytest.mark.parametrize("kwargs, words", [
    (dict(nonrigid_px=-1.0), "nonrigid_px must be >= 0"),
    (dict(nonrigid_px=math.nan), "nonrigid_px must be a finite number"),
    (dict(nonrigid_px=1.0, nonrigid_wavelength_px=2.0), "nonrigid_wavelength_px must be >= 4"),
    (dict(nonrigid_px=1.0, shape=(20000, 60, 80)), "displacement field"),
])
def test_bad_deformation_parameters_are_refused(kwargs, words):
    call = dict(n_cells=5, shape=(50, 40, 40), seed=0)
    with pytest.raises(ValueError, match=words):
        simulate.simulate_movie(**{**call, **kwargs})


# --------------------------------------------------------------------------- registration pieces

def test_a_uniform_field_is_exactly_a_rigid_shift():
    movie = np.stack([textured(1, (64, 64)), textured(2, (64, 64))]).astype(np.float32)
    shifts = np.array([[1.3, -0.4], [-2.0, 2.6]])
    field = np.broadcast_to(shifts[:, :, None, None], (2, 2, 64, 64))
    np.testing.assert_allclose(reg.apply_shift_field(movie, field),
                               reg.apply_shifts(movie, shifts), atol=1e-3)


def test_patches_tile_the_frame_with_at_least_the_overlap():
    movie = np.zeros((2, 100, 70), np.float32) + textured(0, (100, 70)).astype(np.float32)
    shifts, (cy, cx) = reg.estimate_patch_shifts(movie, patch_size=32, overlap=16)
    assert shifts.shape == (2, len(cy), len(cx), 2)
    assert cy[0] == 15.5 and cy[-1] == 100 - 16.5 and cx[0] == 15.5 and cx[-1] == 70 - 16.5
    assert np.diff(cy).max() <= 32 - 16 and np.diff(cx).max() <= 32 - 16
    # a patch larger than the frame is the whole frame: one patch, the rigid shift
    shifts, (cy, cx) = reg.estimate_patch_shifts(movie, patch_size=(200, 16), overlap=(0, 8))
    assert shifts.shape[1] == 1 and cy.tolist() == [49.5]


def test_every_patch_recovers_a_rigid_shift_with_the_sign_convention():
    scene = textured(3, (80, 80))
    true = np.array([[0.0, 0.0], [2.0, -1.0], [-1.4, 0.7]])
    inner = (slice(8, -8), slice(8, -8))  # real content up to the edges: none repeated
    movie = np.stack([ndimage.shift(scene, s, order=3)[inner] for s in true]).astype(np.float32)
    shifts, _ = reg.estimate_patch_shifts(movie, scene[inner], patch_size=24, overlap=8)
    expected = np.broadcast_to(true[:, None, None], shifts.shape)
    # content moved +2 rows gives about +2 in every patch. The tapered patches of the frame and
    # of the template overlap less the further they are shifted, which pulls the estimates
    # towards 0: on this fine texture by 0.1 px in the median patch, 0.3 px at most (0.6 px on
    # a smoother scene: test_registration.smooth_scene)
    np.testing.assert_array_equal(np.sign(shifts[1:]), np.sign(expected[1:]))
    np.testing.assert_allclose(shifts, expected, atol=0.35)
    np.testing.assert_allclose(np.median(shifts, axis=(1, 2)), true, rtol=0.1, atol=0.05)


def test_shift_field_interpolates_bilinearly_between_centres_and_holds_beyond():
    cy, cx = np.array([10.0, 30.0, 50.0]), np.array([5.0, 25.0])
    plane = lambda y, x: 0.1 * y - 0.05 * x + 1.0  # noqa: E731
    patch = np.zeros((1, 3, 2, 2))
    patch[0, :, :, 0] = plane(cy[:, None], cx[None, :])
    patch[0, :, :, 1] = -1.0
    field = reg.shift_field(patch, (cy, cx), (60, 30))
    assert field.shape == (1, 2, 60, 30) and field.dtype == np.float32
    y, x = np.mgrid[:60, :30].astype(float)
    inside = (y >= 10) & (y <= 50) & (x >= 5) & (x <= 25)
    np.testing.assert_allclose(field[0, 0][inside], plane(y, x)[inside], atol=1e-5)  # exact on a plane
    np.testing.assert_allclose(field[0, 0][:10], np.tile(field[0, 0][10], (10, 1)), atol=1e-6)
    np.testing.assert_allclose(field[0, 1], -1.0)
    one = reg.shift_field(np.full((4, 1, 1, 2), 0.7), ([20.0], [20.0]), (40, 40))
    np.testing.assert_allclose(one, 0.7, atol=1e-6)


def test_displacement_error_ignores_each_pixels_constant_offset():
    rng = np.random.default_rng(0)
    true = rng.normal(size=(50, 2, 6, 7)).astype(np.float32)
    offset = rng.normal(size=(2, 6, 7)).astype(np.float32)
    assert reg.displacement_error(true + offset, true) < 1e-6
    noise = 0.3 * rng.normal(size=true.shape)
    noisy = true + noise
    # centred noise of s.d. 0.3 on both axes: a vector error of about 0.3 sqrt(2)
    assert reg.displacement_error(noisy, true) == pytest.approx(0.3 * math.sqrt(2), rel=0.05)
    error_map = reg.displacement_error(noisy, true, per_pixel=True)
    assert error_map.shape == (6, 7)
    # rigid shifts count as the same shift at every pixel
    shifts = rng.normal(size=(50, 2))
    field = np.broadcast_to(shifts[:, :, None, None], (50, 2, 6, 7))
    assert reg.displacement_error(shifts, field) < 1e-6
    assert reg.displacement_error(shifts, shifts + 1.0) < 1e-6


@pytest.mark.parametrize("call, words", [
    (lambda m: reg.estimate_patch_shifts(m, patch_size=4), "patch_size must be a whole number"),
    (lambda m: reg.estimate_patch_shifts(m, patch_size=16, overlap=16), "overlap=16 must be smaller"),
    (lambda m: reg.estimate_patch_shifts(m, patch_size=(16, 16, 16)), "a pair"),
    (lambda m: reg.apply_shift_field(m, np.zeros((len(m), 2, 5, 5))), "field must have shape"),
    (lambda m: reg.shift_field(np.zeros((3, 2, 2, 2)), ([1.0, 0.0], [1.0, 2.0]), (9, 9)),
     "strictly increasing"),
    (lambda m: reg.shift_field(np.zeros((3, 2, 2, 2)), ([1.0], [1.0, 2.0]), (9, 9)), "1 row centres"),
    (lambda m: reg.displacement_error(np.zeros((4, 2)), np.zeros((5, 2))), "4 frames"),
    (lambda m: reg.displacement_error(np.zeros((4, 2)), np.zeros((4, 2)), per_pixel=True),
     "needs a field"),
    (lambda m: reg.register_piecewise(m, max_deviation=0.0), "max_deviation must be a positive"),
])
def test_bad_input_is_refused_with_a_clear_message(call, words):
    movie = np.zeros((3, 40, 40), np.float32) + textured(0, (40, 40)).astype(np.float32)
    with pytest.raises((ValueError, TypeError), match=words):
        call(movie)


# --------------------------------------------------------------------------- against the truth

def test_piecewise_registration_follows_the_true_field_better_than_rigid(deformed):
    """Measured on this movie: rigid 0.51 px, piecewise 0.33 px (ratio 0.65); over the worst
    quarter of pixels for rigid 0.69 and 0.42 px (ratio 0.61); mean correlation of the frames with
    their mean 0.745 vs 0.739. bench_nonrigid.py's four larger movies give ratios 0.53-0.60.
    Bounds: ratios 0.8 and 0.7."""
    true = deformed.truth.displacement
    rigid = reg.estimate_shifts(deformed.movie)
    registered, field = reg.register_piecewise(deformed.movie, patch_size=32, overlap=16)
    assert registered.shape == deformed.movie.shape and field.shape == true.shape
    rigid_error, piecewise_error = reg.displacement_error(rigid, true), reg.displacement_error(field, true)
    print(f"rigid {rigid_error:.3f} px, piecewise {piecewise_error:.3f} px")
    assert piecewise_error < 0.8 * rigid_error
    # where the rigid correction is worst, the piecewise one gains the most
    rigid_map = reg.displacement_error(rigid, true, per_pixel=True)
    piecewise_map = reg.displacement_error(field, true, per_pixel=True)
    worst = rigid_map > np.quantile(rigid_map, 0.75)
    assert piecewise_map[worst].mean() < 0.7 * rigid_map[worst].mean()
    # and the registered movie is sharper: its frames resemble their mean more
    rigid_movie = reg.apply_shifts(deformed.movie, rigid)
    assert reg.correlation_to_template(registered, registered.mean(0)).mean() > \
        reg.correlation_to_template(rigid_movie, rigid_movie.mean(0)).mean()
