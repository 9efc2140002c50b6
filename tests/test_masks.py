"""Tests of helpers.masks against independent implementations (loops, scipy.ndimage, distance
transforms, brute-force assignment) and against the simulator's true masks."""
import itertools
import math
import statistics

import numpy as np
import pytest
from scipy import ndimage

from helpers import masks as hk
from helpers import simulate

pytestmark = pytest.mark.filterwarnings("error")

EIGHT = np.ones((3, 3), bool)  # 8-connectivity for scipy.ndimage.label


def disk_mask(shape, centre, radius):
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (yy - centre[0]) ** 2 + (xx - centre[1]) ** 2 <= radius ** 2


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    img = rng.normal(10, 1, size=(20, 24))
    img[4:9, 5:11] += 8
    img[14:18, 15:20] += 5
    return img


# --- thresholds ---------------------------------------------------------------------------------

def above(img, threshold):
    return np.array([[v > threshold for v in row] for row in img])


def percentile_by_hand(values, q):
    """Linear interpolation between order statistics (the 'linear' definition)."""
    s = sorted(values)
    rank = q / 100 * (len(s) - 1)
    lo = math.floor(rank)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (rank - lo) * (s[hi] - s[lo])


def between_class_variance(values, mask):
    w1 = mask.mean()
    if w1 in (0, 1):
        return 0.0
    return w1 * (1 - w1) * (values[mask].mean() - values[~mask].mean()) ** 2


def test_absolute_threshold_is_strict(image):
    image[0, 0] = 12.0
    got = hk.threshold_mask(image, "absolute", value=12.0)
    assert got.dtype == bool and not got[0, 0]
    np.testing.assert_array_equal(got, above(image, 12.0))


def test_mean_std_threshold(image):
    values = image.ravel().tolist()
    for k in (3.0, 1.5):
        threshold = statistics.fmean(values) + k * statistics.pstdev(values)
        np.testing.assert_array_equal(hk.threshold_mask(image, "mean_std", k=k), above(image, threshold))


@pytest.mark.parametrize("q", [0, 10, 80, 97.5, 100])
def test_percentile_threshold(image, q):
    threshold = percentile_by_hand(image.ravel().tolist(), q)
    np.testing.assert_array_equal(hk.threshold_mask(image, "percentile", value=q), above(image, threshold))


def test_otsu_maximises_between_class_variance(image):
    values = image.ravel()
    got = hk.threshold_mask(image, "otsu").ravel()
    best = max(between_class_variance(values, values > t) for t in np.unique(values))
    # skimage works on a 256-bin histogram, so it is near (not exactly at) the exhaustive optimum
    assert between_class_variance(values, got) >= 0.99 * best


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "triangle"}, "method"),
    ({"method": "absolute"}, "needs value"),
    ({"method": "percentile"}, "needs value"),
    ({"method": "otsu", "value": 3}, "takes no value"),
    ({"method": "mean_std", "value": 3}, "takes no value"),
    ({"method": "percentile", "value": 150}, r"\[0, 100\]")])
def test_threshold_errors(image, kwargs, match):
    with pytest.raises(ValueError, match=match):
        hk.threshold_mask(image, **kwargs)


def test_threshold_rejects_nan_and_movies(image):
    image[3, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hk.threshold_mask(image, "otsu")
    with pytest.raises(ValueError, match="2-D"):
        hk.threshold_mask(np.ones((3, 4, 5)), "otsu")


# --- cleaning and labelling ---------------------------------------------------------------------

def open_by_loops(mask, offsets):
    """Binary opening by explicit erosion then dilation (valid away from the image border)."""
    ny, nx = mask.shape
    def inside(y, x):
        return 0 <= y < ny and 0 <= x < nx
    eroded = np.array([[all(inside(y + dy, x + dx) and mask[y + dy, x + dx] for dy, dx in offsets)
                        for x in range(nx)] for y in range(ny)])
    return np.array([[any(inside(y - dy, x - dx) and eroded[y - dy, x - dx] for dy, dx in offsets)
                      for x in range(nx)] for y in range(ny)])


def test_clean_mask_matches_loop_opening_and_scipy_size_filter():
    rng = np.random.default_rng(1)
    mask = np.zeros((30, 30), bool)
    mask[3:27, 3:27] = rng.random((24, 24)) < 0.55  # specks, lines and blobs, away from the border
    mask[5:12, 5:13] = True
    mask[18:22, 16:25] = True
    plus = [(0, 0), (1, 0), (-1, 0), (0, 1), (0, -1)]  # disk(1)
    opened = open_by_loops(mask, plus)
    labels, n = ndimage.label(opened, structure=EIGHT)
    sizes = ndimage.sum_labels(opened, labels, index=np.arange(1, n + 1))
    expected = np.isin(labels, 1 + np.flatnonzero(sizes >= 6))
    got = hk.clean_mask(mask, opening_radius=1, min_size=6)
    np.testing.assert_array_equal(got, expected)
    assert got.any() and not got.all()


def test_clean_mask_keeps_regions_touching_the_border():
    mask = np.zeros((12, 12), bool)
    mask[0:5, 0:5] = True
    assert hk.clean_mask(mask, opening_radius=1, min_size=1)[0:5, 0:5].sum() >= 24


def test_clean_mask_without_opening_only_drops_small_regions():
    mask = np.zeros((8, 8), bool)
    mask[1, 1] = mask[2, 2] = True  # diagonal neighbours: one 2-pixel region
    mask[5, 5] = True
    got = hk.clean_mask(mask, opening_radius=0, min_size=2)
    assert got[1, 1] and got[2, 2] and not got[5, 5]


def test_label_rois_matches_scipy_label():
    rng = np.random.default_rng(2)
    mask = rng.random((25, 25)) < 0.3
    labels, n = ndimage.label(mask, structure=EIGHT)
    sizes = ndimage.sum_labels(mask, labels, index=np.arange(1, n + 1))
    expected = [labels == i for i in range(1, n + 1) if sizes[i - 1] >= 3]
    got = hk.label_rois(mask, min_size=3)
    assert got.dtype == bool and got.shape == (len(expected), 25, 25)
    np.testing.assert_array_equal(got, np.array(expected))


def test_label_rois_uses_8_connectivity():
    mask = np.eye(5, dtype=bool)
    assert hk.label_rois(mask).shape[0] == 1


def test_label_rois_errors():
    with pytest.raises(ValueError, match="empty"):
        hk.label_rois(np.zeros((5, 5), bool))
    with pytest.raises(ValueError, match="min_size"):
        hk.label_rois(np.eye(5, dtype=bool), min_size=6)
    with pytest.raises(ValueError, match="boolean"):
        hk.label_rois(np.full((5, 5), 2))


def test_roi_properties_match_coordinates():
    masks = np.zeros((2, 10, 12), bool)
    masks[0, 2:5, 3:9] = True
    masks[1, 7, 1] = masks[1, 9, 10] = True  # two pieces count as one ROI
    props = hk.roi_properties(masks)
    for i, m in enumerate(masks):
        ys, xs = np.nonzero(m)
        np.testing.assert_allclose(props["centroid"][i], [ys.mean(), xs.mean()])
        assert props["area"][i] == len(ys)
        assert props["bbox"][i].tolist() == [ys.min(), xs.min(), ys.max() + 1, xs.max() + 1]


def test_pixel_coordinates_and_pixels_by_time():
    rng = np.random.default_rng(3)
    movie = rng.normal(size=(7, 5, 6)).astype(np.float32)
    mask = rng.random((5, 6)) < 0.4
    ys, xs = hk.pixel_coordinates(mask)
    expected_coords = [(y, x) for y in range(5) for x in range(6) if mask[y, x]]
    assert list(zip(ys.tolist(), xs.tolist())) == expected_coords
    matrix = hk.pixels_by_time(movie, mask)
    assert matrix.shape == (len(expected_coords), 7) and matrix.dtype == np.float64
    for row, (y, x) in zip(matrix, expected_coords):
        assert row.tolist() == [float(frame[y, x]) for frame in movie]
    with pytest.raises(ValueError, match="frames are"):
        hk.pixels_by_time(movie, mask[:4])


# --- neuropil rings -----------------------------------------------------------------------------

def rings_by_distance(masks, gap, width):
    """Ring = pixels at Euclidean distance in (gap, gap + width] from the cell, minus all cells."""
    any_cell = masks.any(axis=0)
    out = []
    for m in masks:
        d = ndimage.distance_transform_edt(~m)
        out.append((d > gap) & (d <= gap + width) & ~any_cell)
    return np.array(out)


@pytest.fixture
def crowded_cells():
    """Overlapping, touching and isolated cells."""
    shape = (40, 50)
    cells = [disk_mask(shape, (10, 10), 4), disk_mask(shape, (10, 17), 4),  # overlap
             disk_mask(shape, (18, 12), 3),                                # touches both
             disk_mask(shape, (28, 35), 5), disk_mask(shape, (3, 45), 2)]  # alone, at the border
    return np.array(cells)


@pytest.mark.parametrize("gap, width", [(0, 1), (2, 1), (2, 3), (1, 5)])
def test_rings_match_distance_definition(crowded_cells, gap, width):
    got = hk.neuropil_rings(crowded_cells, gap_px=gap, width_px=width)
    np.testing.assert_array_equal(got, rings_by_distance(crowded_cells, gap, width))


def test_rings_exclude_every_cell_and_the_gap(crowded_cells):
    rings = hk.neuropil_rings(crowded_cells, gap_px=2, width_px=3)
    any_cell = crowded_cells.any(axis=0)
    for cell, ring in zip(crowded_cells, rings):
        assert ring.any()
        assert not (ring & any_cell).any()
        d = ndimage.distance_transform_edt(~cell)
        assert d[ring].min() > 2 and d[ring].max() <= 5


def test_single_mask_ring_follows_the_source_recipe():
    # the course source: outer = dilation(mask, disk(3)), inner = dilation(mask, disk(2)), here
    # with scipy's binary_dilation and explicit disks
    mask = disk_mask((21, 21), (10, 9), 3) | disk_mask((21, 21), (12, 12), 2)
    outer = ndimage.binary_dilation(mask, structure=disk_mask((7, 7), (3, 3), 3))
    inner = ndimage.binary_dilation(mask, structure=disk_mask((5, 5), (2, 2), 2))
    ring = hk.neuropil_rings(mask, gap_px=2, width_px=1)
    assert ring.shape == (21, 21)
    np.testing.assert_array_equal(ring, outer & ~inner)


def test_empty_ring_names_the_cell():
    shape = (9, 9)
    inner = disk_mask(shape, (4, 4), 1)
    outer = ~inner  # covers everything around cell 0
    with pytest.raises(ValueError, match="cell 0"):
        hk.neuropil_rings(np.array([inner, outer]), gap_px=0, width_px=2)
    with pytest.raises(ValueError, match="empty"):
        hk.neuropil_rings(np.array([inner, np.zeros(shape, bool)]))
    with pytest.raises(ValueError, match="width_px"):
        hk.neuropil_rings(inner, width_px=0)


# --- traces -------------------------------------------------------------------------------------

@pytest.fixture
def movie_and_masks():
    rng = np.random.default_rng(4)
    movie = rng.gamma(5, 20, size=(15, 12, 14)).astype(np.float32)
    masks = np.array([disk_mask((12, 14), (4, 4), 2), disk_mask((12, 14), (7, 9), 3)])
    return movie, masks


def test_mean_and_median_traces_match_frame_loops(movie_and_masks):
    movie, masks = movie_and_masks
    for method, statistic in (("mean", statistics.fmean), ("median", statistics.median)):
        got = hk.roi_traces(movie, masks, method=method)
        assert got.shape == (2, 15) and got.dtype == np.float64
        expected = [[statistic([float(v) for v in frame[m]]) for frame in movie] for m in masks]
        np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_weighted_traces_follow_the_source_recipe(movie_and_masks):
    movie, masks = movie_and_masks
    got = hk.roi_traces(movie, masks, method="weighted")
    for trace, m in zip(got, masks):
        ys, xs = np.nonzero(m)
        pixel_traces = movie[:, ys, xs].astype(np.float64)
        means = pixel_traces.mean(axis=0)
        np.testing.assert_allclose(trace, np.average(pixel_traces, axis=1, weights=means / means.sum()))


def test_weighted_traces_with_given_weights(movie_and_masks):
    movie, masks = movie_and_masks
    weights = np.random.default_rng(5).random((2, 12, 14))
    got = hk.roi_traces(movie, masks[1], method="weighted", weights=weights[1])
    assert got.shape == (15,)
    expected = [sum(weights[1][y, x] * float(frame[y, x]) for y, x in zip(*np.nonzero(masks[1])))
                / weights[1][masks[1]].sum() for frame in movie]
    np.testing.assert_allclose(got, expected)
    np.testing.assert_allclose(hk.roi_traces(movie, masks, "weighted", weights)[1], got)


@pytest.mark.parametrize("kwargs, match", [
    ({"method": "sum"}, "method"),
    ({"method": "mean", "weights": np.ones((12, 14))}, "only used"),
    ({"method": "weighted", "weights": -np.ones((12, 14))}, "non-negative"),
    ({"method": "weighted", "weights": np.zeros((12, 14))}, "sum to 0"),
    ({"method": "weighted", "weights": np.ones((5, 5))}, "weights must have shape")])
def test_trace_errors(movie_and_masks, kwargs, match):
    movie, masks = movie_and_masks
    with pytest.raises(ValueError, match=match):
        hk.roi_traces(movie, masks, **kwargs)


def test_trace_errors_for_masks_and_movie(movie_and_masks):
    movie, masks = movie_and_masks
    with pytest.raises(ValueError, match="frames are"):
        hk.roi_traces(movie, masks[:, :10])
    with pytest.raises(ValueError, match=r"\[1\] are empty"):
        hk.roi_traces(movie, np.array([masks[0], np.zeros_like(masks[0])]))
    bad = movie.copy()
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        hk.roi_traces(bad, masks)


# --- suite2p, IoU and matching ------------------------------------------------------------------

def test_masks_from_suite2p():
    stat = [{"ypix": np.array([0, 0, 1]), "xpix": np.array([2, 3, 3]), "lam": np.array([.5, .2, .3])},
            {"ypix": np.array([4]), "xpix": np.array([0]), "lam": np.array([1.0])}]
    masks = hk.masks_from_suite2p(stat, (5, 6))
    assert masks.dtype == bool and masks.shape == (2, 5, 6)
    assert {tuple(p) for p in np.argwhere(masks[0])} == {(0, 2), (0, 3), (1, 3)}
    assert masks[1].sum() == 1 and masks[1, 4, 0]
    footprints = hk.masks_from_suite2p(stat, (5, 6), weights=True)
    assert footprints.dtype == np.float64 and footprints[0, 0, 3] == 0.2 and footprints.sum() == 2.0


@pytest.mark.parametrize("stat, shape, match", [
    ([{"ypix": np.array([5]), "xpix": np.array([0])}], (5, 6), "outside"),
    ([{"ypix": np.array([1])}], (5, 6), "must be a dict"),
    ([{"ypix": np.array([], int), "xpix": np.array([], int)}], (5, 6), "empty"),
    ([], (5, 6), "no ROI")])
def test_masks_from_suite2p_errors(stat, shape, match):
    with pytest.raises(ValueError, match=match):
        hk.masks_from_suite2p(stat, shape)
    with pytest.raises(TypeError, match="pair"):
        hk.masks_from_suite2p([{"ypix": [0], "xpix": [0]}], 5)


def test_iou_by_pixel_sets():
    a = disk_mask((15, 15), (6, 6), 4)
    b = disk_mask((15, 15), (8, 7), 3)
    pa, pb = set(map(tuple, np.argwhere(a))), set(map(tuple, np.argwhere(b)))
    assert hk.iou(a, b) == pytest.approx(len(pa & pb) / len(pa | pb))
    assert hk.iou(a, a) == 1.0
    with pytest.raises(ValueError, match="different shapes"):
        hk.iou(a, b[:5])
    with pytest.raises(ValueError, match="empty"):
        hk.iou(a, np.zeros_like(a))


def test_match_masks_equals_brute_force_assignment():
    shape = (30, 30)
    truth = np.array([disk_mask(shape, c, r) for c, r in [((8, 8), 4), ((9, 14), 4), ((22, 22), 3)]])
    pred = np.array([disk_mask(shape, c, r) for c, r in
                     [((9, 11), 5), ((8, 8), 3), ((22, 23), 3), ((2, 27), 1)]])
    iou_matrix = np.array([[hk.iou(t, p) for p in pred] for t in truth])
    best_total, best_perm = -1, None
    for perm in itertools.permutations(range(len(pred)), len(truth)):
        total = sum(iou_matrix[i, j] for i, j in enumerate(perm))
        if total > best_total:
            best_total, best_perm = total, perm
    best_iou, partner = hk.match_masks(pred, truth)
    assert partner.tolist() == list(best_perm)
    np.testing.assert_allclose(best_iou, [iou_matrix[i, j] for i, j in enumerate(best_perm)])


def test_match_masks_leaves_unmatched_truth_at_zero():
    shape = (20, 20)
    truth = np.array([disk_mask(shape, (5, 5), 3), disk_mask(shape, (15, 15), 3)])
    best_iou, partner = hk.match_masks(truth[0], truth)
    assert best_iou.tolist() == [1.0, 0.0] and partner.tolist() == [0, -1]


# --- ground truth -------------------------------------------------------------------------------

def test_threshold_clean_label_recovers_simulated_cells():
    rec = simulate.demo_movie(seed=0)
    std_image = rec.movie.std(axis=0)
    rois = hk.label_rois(hk.clean_mask(hk.threshold_mask(std_image, "otsu"), 1, 20))
    best_iou, _ = hk.match_masks(rois, rec.truth.masks)
    recovered = (best_iou >= 0.5).mean()
    # 9 of 12 on seed 0 (touching cells merge into one ROI and miss); most cells must be found
    assert recovered >= 2 / 3, f"only {recovered:.0%} of true cells found with IoU >= 0.5"
    # the simulator's traces are the means over the true masks, computed its own way
    np.testing.assert_allclose(hk.roi_traces(rec.movie, rec.truth.masks), rec.traces, rtol=1e-9)
