"""Tests of helpers.movie against explicit loops written independently of the vectorised code."""
import math
import statistics

import numpy as np
import pytest

from helpers import movie as hm

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture
def small_movie():
    rng = np.random.default_rng(0)
    return rng.normal(100, 10, size=(12, 4, 5)).astype(np.float32)


def per_pixel(movie, statistic):
    """Apply a statistic to the list of values of each pixel, one pixel at a time."""
    _, ny, nx = movie.shape
    return np.array([[statistic([float(v) for v in movie[:, y, x]]) for x in range(nx)]
                     for y in range(ny)])


# --- projection ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, statistic", [
    ("mean", statistics.fmean), ("max", max), ("min", min),
    ("std", statistics.pstdev), ("median", statistics.median)])
def test_projection_matches_per_pixel_statistic(small_movie, kind, statistic):
    got = hm.projection(small_movie, kind)
    assert got.dtype == np.float64 and got.shape == (4, 5)
    np.testing.assert_allclose(got, per_pixel(small_movie, statistic), rtol=1e-12)


def test_projection_over_frame_range_excludes_stop(small_movie):
    expected = per_pixel(small_movie[3:9], max)
    np.testing.assert_array_equal(hm.projection(small_movie, "max", frames=(3, 9)), expected)
    np.testing.assert_array_equal(hm.projection(small_movie, "max", frames=slice(3, 9)), expected)
    # the stop frame really is left out: make it the brightest
    brighter = small_movie.copy()
    brighter[9] += 1000
    np.testing.assert_array_equal(hm.projection(brighter, "max", frames=(3, 9)), expected)


@pytest.mark.parametrize("frames", [(5, 5), (6, 2), (0, 13), (-1, 4), (0.0, 4), slice(8, 3), "0:4"])
def test_projection_rejects_bad_frame_ranges(small_movie, frames):
    with pytest.raises((ValueError, TypeError), match="frames"):
        hm.projection(small_movie, "max", frames=frames)


def test_projection_rejects_unknown_kind_2d_and_nan(small_movie):
    with pytest.raises(ValueError, match="kind"):
        hm.projection(small_movie, "average")
    with pytest.raises(ValueError, match="3-D"):
        hm.projection(small_movie[0])
    bad = small_movie.copy()
    bad[2, 1, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hm.projection(bad)


# --- crop, pixel trace, time axis ---------------------------------------------------------------

def test_crop_takes_rows_from_y_and_columns_from_x():
    image = np.arange(6 * 9).reshape(6, 9)  # not square, so swapping y and x cannot pass
    got = hm.crop(image, y=(1, 4), x=(2, 8))
    assert got.shape == (3, 6)
    for i in range(3):
        for j in range(6):
            assert got[i, j] == image[1 + i, 2 + j]


def test_crop_movie_crops_every_frame(small_movie):
    got = hm.crop(small_movie, y=(1, 3), x=(0, 5))
    assert got.shape == (12, 2, 5) and got.dtype == np.float32
    for t in range(12):
        np.testing.assert_array_equal(got[t], hm.crop(small_movie[t], (1, 3), (0, 5)))
    got[0, 0, 0] = -1  # a copy: the movie is untouched
    assert small_movie[0, 1, 0] != -1


@pytest.mark.parametrize("y, x", [((0, 5), (0, 2)), ((2, 2), (0, 2)), ((-1, 2), (0, 2)),
                                  ((0, 2), (3, 6)), ((0, 2.5), (0, 2)), (3, (0, 2))])
def test_crop_rejects_boxes_outside_or_empty(small_movie, y, x):
    with pytest.raises((ValueError, TypeError)):
        hm.crop(small_movie, y, x)


def test_crop_rejects_1d():
    with pytest.raises(ValueError, match="2-D or 3-D"):
        hm.crop(np.arange(5), (0, 1), (0, 1))


def test_pixel_trace_is_the_pixel_over_frames(small_movie):
    got = hm.pixel_trace(small_movie, 3, 1)
    assert got.dtype == np.float64 and got.shape == (12,)
    assert got.tolist() == [float(frame[3][1]) for frame in small_movie]


@pytest.mark.parametrize("y, x, error", [(4, 0, ValueError), (0, 5, ValueError), (-1, 0, ValueError),
                                         (1.0, 0, TypeError), (True, 0, TypeError)])
def test_pixel_trace_bounds_name_the_shape(small_movie, y, x, error):
    with pytest.raises(error, match=r"\(12, 4, 5\)" if error is ValueError else "whole-number"):
        hm.pixel_trace(small_movie, y, x)


def test_time_axis():
    t = hm.time_axis(5, 4.0)
    assert t.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    with pytest.raises(ValueError, match="fs"):
        hm.time_axis(5, 0)
    with pytest.raises(ValueError, match="n_frames"):
        hm.time_axis(0, 30.0)
    with pytest.raises(ValueError, match="n_frames"):
        hm.time_axis(5.0, 30.0)


# --- local correlation --------------------------------------------------------------------------

def local_correlation_loop(movie, neighbours):
    """Mean np.corrcoef with each in-image neighbour, pixel by pixel; constant traces give 0."""
    _, ny, nx = movie.shape
    steps = [(-1, 0), (1, 0), (0, -1), (0, 1)]
    if neighbours == 8:
        steps += [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    out = np.zeros((ny, nx))
    for y in range(ny):
        for x in range(nx):
            rs = []
            for dy, dx in steps:
                if 0 <= y + dy < ny and 0 <= x + dx < nx:
                    a = movie[:, y, x].astype(np.float64)
                    b = movie[:, y + dy, x + dx].astype(np.float64)
                    rs.append(0.0 if a.std() == 0 or b.std() == 0 else np.corrcoef(a, b)[0, 1])
            out[y, x] = sum(rs) / len(rs)
    return out


@pytest.mark.parametrize("neighbours", [4, 8])
def test_local_correlation_matches_pixel_loop(neighbours):
    rng = np.random.default_rng(1)
    movie = rng.normal(50, 5, size=(60, 6, 7)).astype(np.float32)
    movie[:, 1:4, 2:5] += 4 * rng.normal(size=(60, 1, 1)).astype(np.float32)  # a "cell"
    movie[:, 0, 6] += 3 * rng.normal(size=60).astype(np.float32)  # corner
    movie[:, 5, 0] = movie[:, 4, 1]  # anti-diagonal twins at the border
    movie[:, 3, 3] = 7.0  # a constant pixel inside the cell
    got = hm.local_correlation(movie, neighbours)
    np.testing.assert_allclose(got, local_correlation_loop(movie, neighbours), atol=1e-6)


def test_local_correlation_credits_anti_diagonals_to_the_right_pixels():
    # Only the pair (2, 3)-(3, 2) is correlated; with 8 neighbours exactly these two pixels must
    # light up (CaImAn's version credits this pair to other pixels).
    rng = np.random.default_rng(2)
    movie = rng.normal(size=(4000, 6, 6)).astype(np.float32)
    movie[:, 3, 2] = movie[:, 2, 3]
    got = hm.local_correlation(movie, 8)
    assert got[2, 3] > 0.1 and got[3, 2] > 0.1
    others = np.ones((6, 6), bool)
    others[2, 3] = others[3, 2] = False
    assert np.abs(got[others]).max() < 0.06


def test_local_correlation_constant_pixel_is_zero():
    rng = np.random.default_rng(3)
    movie = rng.normal(size=(30, 3, 3)).astype(np.float32)
    movie[:, 1, 1] = 2.0
    got = hm.local_correlation(movie, 4)
    assert got[1, 1] == 0 and np.isfinite(got).all()


@pytest.mark.parametrize("movie, neighbours, match", [
    (np.ones((5, 3, 3)), 6, "neighbours"),
    (np.ones((1, 3, 3)), 8, "2 frames"),
    (np.ones((5, 1, 1)), 8, "single pixel"),
    (np.ones((5, 3)), 8, "3-D"),
    (np.full((5, 3, 3), np.nan), 8, "NaN")])
def test_local_correlation_errors(movie, neighbours, match):
    with pytest.raises(ValueError, match=match):
        hm.local_correlation(movie, neighbours)


def test_local_correlation_is_bounded_on_a_line_movie():
    # one row: each pixel has 1 or 2 neighbours whatever `neighbours` says
    rng = np.random.default_rng(4)
    base = rng.normal(size=(50, 1, 1))
    movie = (base + 0.01 * rng.normal(size=(50, 1, 5))).astype(np.float32)
    for n in (4, 8):
        got = hm.local_correlation(movie, n)
        assert got.shape == (1, 5)
        assert np.all(got > 0.99) and np.all(got <= 1 + 1e-6)
        assert math.isclose(got[0, 0], local_correlation_loop(movie, n)[0, 0], abs_tol=1e-6)
