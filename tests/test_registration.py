"""Tests of helpers.registration: sign convention, agreement with scikit-image frame by frame,
recovery of known shifts (own synthetic movie and the simulator), and error paths."""
import numpy as np
import pytest
from scipy import ndimage
from skimage.registration import phase_cross_correlation

from helpers import registration as reg
from helpers import simulate

pytestmark = pytest.mark.filterwarnings("error")


def smooth_scene(seed=0, shape=(48, 64)):
    """A textured image with blobs, like a mean projection of a calcium movie."""
    rng = np.random.default_rng(seed)
    scene = 20 * ndimage.gaussian_filter(rng.normal(size=shape), 3) + 100
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    for cy, cx in rng.uniform(6, np.array(shape) - 6, size=(10, 2)):
        scene += 60 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * 2.5 ** 2))
    return scene


def displaced_movie(scene, shifts, noise=0.0, seed=1):
    """Frame t = scene displaced by shifts[t] (ndimage.shift moves content by +shift)."""
    rng = np.random.default_rng(seed)
    frames = np.stack([ndimage.shift(scene, s, order=3, mode="nearest") for s in shifts])
    return (frames + noise * rng.normal(size=frames.shape)).astype(np.float32)


def rms_error(estimated, true):
    """Root-mean-square length of the error after removing the constant offset (not identifiable)."""
    d = (estimated - estimated.mean(axis=0)) - (true - true.mean(axis=0))
    return float(np.sqrt((d ** 2).sum(axis=1).mean()))


@pytest.mark.parametrize("normalization", ["phase", None])
def test_sign_content_moved_down_two_rows_gives_plus_two(normalization):
    scene = smooth_scene()
    # np.roll moves content by +k exactly (periodic), so the answer is exact
    movie = np.stack([scene, np.roll(scene, 2, axis=0), np.roll(scene, (-3, 5), axis=(0, 1))])
    shifts = reg.estimate_shifts(movie, scene, normalization=normalization)
    np.testing.assert_allclose(shifts, [[0, 0], [2, 0], [-3, 5]], atol=1e-12)


@pytest.mark.parametrize("normalization", ["phase", None])
def test_estimate_shifts_equals_skimage_frame_by_frame_with_opposite_sign(normalization):
    scene = smooth_scene(seed=2)
    true = np.random.default_rng(3).uniform(-4, 4, size=(25, 2))
    movie = displaced_movie(scene, true, noise=1.0)
    expected = np.array([-phase_cross_correlation(scene, frame, upsample_factor=10,
                                                  normalization=normalization)[0]
                         for frame in movie])
    got = reg.estimate_shifts(movie, scene, upsample=10, normalization=normalization)
    assert got.shape == (25, 2) and got.dtype == np.float64
    np.testing.assert_allclose(got, expected, atol=1e-9)


def test_whole_pixel_estimates_without_upsampling():
    scene = smooth_scene(seed=4)
    true = np.array([[0.3, -1.2], [2.6, 0.0], [-1.5, 3.4]])
    got = reg.estimate_shifts(displaced_movie(scene, true), scene, upsample=1)
    assert np.all(got == np.round(got))
    assert np.abs(got - true).max() <= 0.5 + 1e-9  # the nearest pixel (-1.5 may go either way)


def test_recovers_known_subpixel_shifts_on_a_synthetic_movie():
    scene = smooth_scene(seed=5)
    rng = np.random.default_rng(6)
    walk = np.cumsum(rng.normal(0, 0.4, size=(150, 2)), axis=0)
    movie = displaced_movie(scene, walk, noise=3.0)
    # against the true scene: absolute shifts
    with_scene = reg.estimate_shifts(movie, scene, normalization=None)
    assert np.sqrt(((with_scene - walk) ** 2).sum(axis=1).mean()) < 0.25
    # default template (the mean frame): shifts up to a constant offset
    with_mean = reg.estimate_shifts(movie, normalization=None)
    assert rms_error(with_mean, walk) < 0.5


def test_max_shift_limits_the_search():
    scene = smooth_scene(seed=7)
    movie = np.roll(scene, 6, axis=0)[np.newaxis]
    assert reg.estimate_shifts(movie, scene, max_shift=10)[0, 0] == pytest.approx(6)
    limited = reg.estimate_shifts(movie, scene, max_shift=3)
    assert np.abs(limited).max() <= 3 + 0.75  # the sub-pixel refinement may reach 3/4 px further


def test_apply_shifts_undoes_the_displacement():
    scene = smooth_scene(seed=8)
    true = np.array([[1.5, -2.25], [-0.4, 0.7], [0.0, 0.0]])
    registered = reg.apply_shifts(displaced_movie(scene, true), true)
    assert registered.dtype == np.float32 and registered.shape == (3, 48, 64)
    inner = (slice(None), slice(4, -4), slice(4, -4))  # the edges repeat border pixels
    np.testing.assert_allclose(registered[inner], np.broadcast_to(scene, registered.shape)[inner],
                               rtol=0, atol=0.5)
    assert np.isfinite(registered).all()


def test_apply_shifts_matches_map_coordinates():
    # independent route: sample frame t at (y + dy, x + dx) with map_coordinates
    rng = np.random.default_rng(9)
    movie = rng.normal(size=(4, 10, 12)).astype(np.float32)
    shifts = rng.uniform(-2, 2, size=(4, 2))
    yy, xx = np.mgrid[:10, :12].astype(float)
    for order in (1, 3):
        expected = np.stack([ndimage.map_coordinates(f, [yy + dy, xx + dx], order=order,
                                                     mode="nearest")
                             for f, (dy, dx) in zip(movie, shifts)])
        np.testing.assert_allclose(reg.apply_shifts(movie, shifts, order=order), expected,
                                   atol=1e-5)


def test_register_improves_correlation_to_template():
    scene = smooth_scene(seed=10)
    true = np.random.default_rng(11).uniform(-3, 3, size=(20, 2))
    movie = displaced_movie(scene, true, noise=2.0)
    registered, shifts = reg.register(movie, scene, normalization=None)
    np.testing.assert_allclose(shifts, reg.estimate_shifts(movie, scene, normalization=None))
    before = reg.correlation_to_template(movie, scene)
    after = reg.correlation_to_template(registered, scene)
    assert after.mean() > before.mean() and after.min() > 0.95


def test_correlation_to_template_matches_corrcoef():
    rng = np.random.default_rng(12)
    movie = rng.normal(size=(5, 6, 7)).astype(np.float32)
    movie[1] += 2 * movie[0]
    movie[4] = 3.0  # constant frame: correlation defined as 0
    template = movie[0].astype(np.float64)
    got = reg.correlation_to_template(movie, template)
    expected = [np.corrcoef(f.ravel().astype(np.float64), template.ravel())[0, 1] for f in movie[:4]]
    np.testing.assert_allclose(got[:4], expected, rtol=1e-6)
    assert got[4] == 0


def test_simulated_movie_with_motion():
    rec = simulate.demo_movie(seed=0, motion=True, n_frames=600)  # the full movie: see benchmarks
    true = rec.truth.shifts
    assert np.abs(true).max() > 2  # there is motion to find
    shifts = reg.estimate_shifts(rec.movie)
    error = rms_error(shifts, true)
    assert error < 0.5, f"RMS error {error:.3f} px against the simulator's shifts"


# --- regularised phase correlation (suite2p's) ------------------------------------------------

@pytest.fixture(scope="module")
def moving_demo():
    return simulate.demo_movie(seed=0, motion=True, n_frames=600)


def test_regularised_phase_correlation_succeeds_where_plain_phase_correlation_fails(moving_demo):
    """On the noisy simulated movie (cells of 3-6 px, ~19 photons a pixel), unregularised phase
    correlation is pulled to wrong peaks; the taper and the spectral smoothing fix it."""
    true = moving_demo.truth.shifts
    errors = {name: rms_error(reg.estimate_shifts(moving_demo.movie, normalization=name), true)
              for name in (None, "phase", "regularized")}
    assert errors["phase"] > 1.5, errors                    # fails (2.5 px)
    assert errors["regularized"] < 0.5, errors              # 0.35 px
    assert errors[None] < 0.3, errors                       # cross-correlation: 0.18 px
    # each regularisation helps on its own
    movie = moving_demo.movie
    taper = rms_error(reg.estimate_shifts(movie, normalization="phase", taper_px=3.45), true)
    smooth = rms_error(reg.estimate_shifts(movie, normalization="phase", smooth_sigma_px=1.15), true)
    assert errors["regularized"] < smooth < taper < errors["phase"], (taper, smooth, errors)


def test_regularized_defaults_are_suite2ps_and_can_be_switched_off(moving_demo):
    movie = moving_demo.movie[:40]
    explicit = reg.estimate_shifts(movie, normalization="phase", taper_px=3.45, smooth_sigma_px=1.15)
    np.testing.assert_array_equal(reg.estimate_shifts(movie, normalization="regularized"), explicit)
    assert (reg.REGULARIZED_TAPER_PX, reg.REGULARIZED_SMOOTH_SIGMA_PX) == (3.45, 1.15)
    np.testing.assert_array_equal(
        reg.estimate_shifts(movie, normalization="regularized", taper_px=0, smooth_sigma_px=0),
        reg.estimate_shifts(movie, normalization="phase"))
    registered, shifts = reg.register(movie, normalization="regularized")
    np.testing.assert_array_equal(shifts, explicit)


def test_regularized_sign_and_whole_pixel_shifts():
    scene = smooth_scene(seed=14)
    movie = np.stack([scene, np.roll(scene, 2, axis=0), np.roll(scene, (-3, 5), axis=(0, 1))])
    shifts = reg.estimate_shifts(movie, scene, upsample=1, normalization="regularized")
    np.testing.assert_array_equal(shifts, [[0, 0], [2, 0], [-3, 5]])
    true = np.random.default_rng(15).uniform(-3, 3, size=(30, 2))
    noisy = displaced_movie(scene, true, noise=3.0)
    assert rms_error(reg.estimate_shifts(noisy, scene, normalization="regularized"), true) < 0.2


def test_edge_taper_and_spectral_smoothing():
    mask = reg._edge_taper((40, 60), 3.45)
    assert mask.shape == (40, 60) and mask.max() <= 1
    assert mask[20, 30] > 0.95 and mask[0, 30] < 0.15 and mask[0, 0] < mask[0, 30]
    np.testing.assert_allclose(mask, mask[::-1, ::-1])  # symmetric
    assert np.all(reg._edge_taper((5, 7), 0) == 1)
    # Multiplying the whitened spectrum by the Gaussian's spectrum smooths the correlation
    # surface by that Gaussian: compare with a spatial (periodic) Gaussian filter.
    rng = np.random.default_rng(16)
    surface = rng.normal(size=(48, 64))
    spectral = np.real(np.fft.ifft2(np.fft.fft2(surface) * reg._gaussian_spectrum((48, 64), 1.5)))
    spatial = ndimage.gaussian_filter(surface, 1.5, mode="wrap", truncate=8)
    np.testing.assert_allclose(spectral, spatial, atol=2e-3 * np.abs(spatial).max())


# --- errors -------------------------------------------------------------------------------------

@pytest.fixture
def movie():
    return np.random.default_rng(13).normal(size=(3, 8, 9)).astype(np.float32)


@pytest.mark.parametrize("kwargs, match", [
    ({"template": np.zeros((9, 8))}, "template has shape"),
    ({"upsample": 0}, "upsample"),
    ({"upsample": 2.5}, "upsample"),
    ({"max_shift": -1}, "max_shift"),
    ({"normalization": "none"}, "normalization"),
    ({"normalization": "regularised"}, "normalization"),
    ({"taper_px": -1}, "taper_px"),
    ({"smooth_sigma_px": float("nan")}, "smooth_sigma_px"),
    ({"smooth_sigma_px": 1e9}, "smooth_sigma_px")])
def test_estimate_shifts_errors(movie, kwargs, match):
    with pytest.raises(ValueError, match=match):
        reg.estimate_shifts(movie, **kwargs)


def test_errors_for_bad_movies_shifts_and_order(movie):
    bad = movie.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        reg.estimate_shifts(bad)
    with pytest.raises(ValueError, match="3-D"):
        reg.estimate_shifts(movie[0])
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        reg.apply_shifts(movie, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="order"):
        reg.apply_shifts(movie, np.zeros((3, 2)), order=7)
    with pytest.raises(TypeError, match="template"):
        reg.correlation_to_template(movie, None)
    with pytest.raises(TypeError, match="taper_px"):
        reg.estimate_shifts(movie, taper_px=True)
