"""Source extraction (helpers.extraction) and overlapping cells in the simulator, against the truth.

Tolerances come from ``benchmarks/bench_extraction.py`` and from the small movies below (``SMALL``,
seeds 0-7, cells that fire at least 5 times in 20 s): per movie the median IoU of the found cells
with the true masks is 0.70-0.93 and the median correlation of their traces with the true calcium
0.68-0.94; pooled over seeds 0-3, 89 % of the cells reach IoU 0.5. The bounds leave a margin for a
movie's harder cells but fail for a fit that misses or merges cells.
"""
import numpy as np
import pytest

from helpers import extraction, masks, movie, simulate

# 6 cells that may overlap (two masks sharing up to half of the smaller one) in 32 x 40 px, 20 s.
SMALL = dict(n_cells=6, shape=(600, 32, 40), rate_hz=0.5, max_overlap=0.5)
RADIUS_PX = 4.5


@pytest.fixture(scope="module")
def small():
    return simulate.simulate_movie(seed=3, **SMALL)


@pytest.fixture(scope="module")
def fitted(small):
    return extraction.extract_sources(small.movie, 9, RADIUS_PX)


def _overlapping(true_masks):
    m = true_masks.reshape(len(true_masks), -1).astype(int)
    shared = m @ m.T
    np.fill_diagonal(shared, 0)
    return shared.sum(axis=1) > 0


def _active(truth, min_spikes=5):
    return truth.spikes.sum(axis=1) >= min_spikes


# --------------------------------------------------------------------------- simulator

def test_overlap_is_off_by_default_and_bounded_when_on():
    assert not _overlapping(simulate.simulate_movie(seed=0, **{**SMALL, "max_overlap": 0.0}).truth.masks).any()
    for seed in range(3):
        truth = simulate.simulate_movie(seed=seed, n_cells=10, shape=(20, 40, 48), max_overlap=0.4).truth
        m = truth.masks.reshape(10, -1).astype(int)
        shared = m @ m.T
        np.fill_diagonal(shared, 0)
        smaller = np.minimum.outer(m.sum(axis=1), m.sum(axis=1))
        assert (shared <= 0.4 * smaller).all()
        assert _overlapping(truth.masks).sum() >= 2, "a dense field with overlap allowed has overlapping cells"


NOISELESS = dict(photons_per_unit=float("inf"), read_noise=0.0)


def test_overlapping_traces_are_the_mask_means_and_collect_the_neighbours_light(small):
    movie_, truth = small.movie, small.truth
    means = (movie_.reshape(len(movie_), -1).astype(np.float64) @ truth.masks.reshape(len(truth.masks), -1).T
             / truth.masks.sum(axis=(1, 2))).T
    np.testing.assert_allclose(small.traces, means, rtol=1e-6)
    # Without noise, what a mask sees beyond its own cell's model follows the overlapping neighbour.
    still = simulate.simulate_movie(seed=3, **{**SMALL, "shape": (300, 32, 40)}, **NOISELESS)
    t = still.truth
    own = t.f0 * (1 + t.calcium) + t.r[:, None] * t.neuropil
    m = t.masks.reshape(len(t.masks), -1).astype(int)
    shared = m @ m.T
    np.fill_diagonal(shared, 0)
    pairs = [(i, j) for i, j in zip(*np.nonzero(shared)) if t.spikes[j].sum() >= 2]
    assert len(pairs) >= 3
    for i, j in pairs:
        assert np.corrcoef(still.traces[i] - own[i], t.calcium[j])[0, 1] > 0.6


def test_overlap_with_motion_gives_the_still_movies_mask_means():
    options = {**SMALL, "shape": (300, 32, 40), **NOISELESS}
    moving = simulate.simulate_movie(seed=3, motion=True, **options)
    still = simulate.simulate_movie(seed=3, **options)
    np.testing.assert_allclose(moving.traces, still.traces, rtol=1e-6)


@pytest.mark.parametrize("bad, error", [(-0.1, ValueError), (0.95, ValueError), (True, TypeError),
                                        ("0.5", TypeError)])
def test_max_overlap_is_validated(bad, error):
    with pytest.raises(error, match="max_overlap"):
        simulate.simulate_movie(seed=0, **{**SMALL, "max_overlap": bad})


# --------------------------------------------------------------------------- the factorisation itself

def test_hals_recovers_an_exact_low_rank_non_negative_movie():
    rng = np.random.default_rng(0)
    frame = (20, 24)
    ys, xs = np.mgrid[:frame[0], :frame[1]]
    centres = [(6, 6), (8, 10), (14, 17)]  # the first two overlap
    a = np.stack([np.exp(-((ys - y) ** 2 + (xs - x) ** 2) / 8.0) for y, x in centres])
    a[a < 0.05] = 0
    c = rng.gamma(0.3, 2.0, (3, 400))
    background = 5.0 + np.outer(np.linspace(1, 2, frame[0] * frame[1]), np.ones(400)).T.reshape(400, *frame)
    data = np.tensordot(c.T, a, 1) + background
    start_a = np.clip(a + 0.2 * rng.random(a.shape) * (a > 0), 0, None)
    start_c = np.clip(c + 0.5 * rng.random(c.shape), 0, None)
    fit = extraction.fit_components(data, start_a, start_c, n_background=1, n_iter=2000, tol=0)
    assert fit.residual < 1e-3
    for k in range(3):
        assert np.corrcoef(fit.footprints[k].ravel(), a[k].ravel())[0, 1] > 0.999
        assert np.corrcoef(fit.traces[k], c[k])[0, 1] > 0.999
        assert (fit.footprints[k][a[k] == 0] == 0).all(), "footprints stay within their support"


def test_fit_output_is_non_negative_normalised_and_improves_with_iterations(small):
    _, start_a, start_c = extraction.greedy_init(small.movie, 6, RADIUS_PX)
    short = extraction.fit_components(small.movie, start_a, start_c, n_iter=2)
    long = extraction.fit_components(small.movie, start_a, start_c, n_iter=60)
    assert long.residual <= short.residual
    for fit in (short, long):
        assert (fit.footprints >= 0).all() and (fit.traces >= 0).all()
        np.testing.assert_allclose(fit.footprints.max(axis=(1, 2)), 1.0)
        assert fit.background_maps.shape == (1, 32, 40) and fit.background_traces.shape == (1, 600)
        assert (fit.footprints[start_a[:len(fit.footprints)] == 0] == 0).all()
    assert long.seeds.shape == (len(long.footprints), 2)


# --------------------------------------------------------------------------- against the truth

def test_greedy_seeds_land_on_the_active_cells(small):
    seeds, _, _ = extraction.greedy_init(small.movie, 9, RADIUS_PX)
    centres = np.array([np.argwhere(m).mean(axis=0) for m in small.truth.masks])
    for centre in centres[_active(small.truth)]:
        assert np.linalg.norm(seeds - centre, axis=1).min() <= 3.0


@pytest.fixture(scope="module")
def several():
    """Seeds 0-3 of SMALL with their extraction (9 components) and its evaluation."""
    out = []
    for seed in range(4):
        rec = simulate.simulate_movie(seed=seed, **SMALL)
        fit = extraction.extract_sources(rec.movie, 9, RADIUS_PX)
        match = extraction.match_to_truth(fit.footprints, fit.traces, rec.truth.masks, rec.truth.calcium)
        out.append((rec, fit, match, extraction.evaluate_components(rec.movie, fit)))
    return out


def test_extraction_finds_overlapping_cells_that_threshold_rois_merge(several):
    ious, rs, n_overlapping = [], [], 0
    for rec, fit, match, _ in several:
        truth = rec.truth
        found = _active(truth)
        n_overlapping += _overlapping(truth.masks)[found].sum()
        ious.append(match.iou[found])
        rs.append(match.trace_r[found])
        assert np.median(match.iou[found]) >= 0.7 and np.median(match.trace_r[found]) >= 0.75, match
        # No threshold of the correlation image separates the touching cells as well.
        image = movie.local_correlation(rec.movie)
        best = max(masks.match_masks(masks.label_rois(masks.clean_mask(
            masks.threshold_mask(image, "percentile", q), 1, 15)), truth.masks)[0][found].mean()
            for q in np.arange(50.0, 95.0, 5.0))
        assert best < 0.5 < match.iou[found].mean()
    ious, rs = np.concatenate(ious), np.concatenate(rs)
    assert len(ious) >= 16 and n_overlapping >= 10
    assert np.mean(ious >= 0.5) >= 0.8 and np.median(ious) >= 0.8, ious
    assert np.median(rs) >= 0.8, rs


def test_a_background_term_is_needed(small, fitted):
    truth = small.truth
    with_bg = extraction.match_to_truth(fitted.footprints, fitted.traces, truth.masks, truth.calcium)
    without = extraction.extract_sources(small.movie, 9, RADIUS_PX, n_background=0)
    assert without.background_maps.shape == (0, 32, 40)
    no_bg = extraction.match_to_truth(without.footprints, without.traces, truth.masks, truth.calcium)
    found = _active(truth)
    assert np.median(no_bg.iou[found]) < np.median(with_bg.iou[found]) - 0.15


def test_correlation_init_seeds_at_correlation_peaks(small):
    seeds, footprints, traces = extraction.correlation_init(small.movie, 9, RADIUS_PX)
    image = movie.local_correlation(small.movie)
    assert len(seeds) <= 9 and footprints.shape == (len(seeds), 32, 40) and traces.shape == (len(seeds), 600)
    assert image[tuple(seeds[0])] == image.max()
    gaps = np.linalg.norm(seeds[:, None] - seeds[None], axis=2)[np.triu_indices(len(seeds), 1)]
    assert gaps.min() >= round(RADIUS_PX)
    fit = extraction.extract_sources(small.movie, 9, RADIUS_PX, init="correlation")
    match = extraction.match_to_truth(fit.footprints, fit.traces, small.truth.masks, small.truth.calcium)
    assert np.median(match.iou[_active(small.truth)]) >= 0.5


# --------------------------------------------------------------------------- component evaluation

def test_evaluation_accepts_the_cells_and_rejects_the_extra_components(several):
    true_positive = n_accepted = n_cells = 0
    for rec, fit, match, quality in several:
        cells = set(match.partner[(match.iou >= 0.5) & _active(rec.truth)].tolist())
        any_cell = set(match.partner[match.iou >= 0.5].tolist())  # quiet cells too
        unmatched = [k for k in range(len(fit.footprints)) if k not in set(match.partner.tolist())]
        assert len(unmatched) >= 2
        accepted = set(np.flatnonzero(quality.accepted).tolist())
        true_positive += len(accepted & cells)
        n_accepted += len(accepted - (any_cell - cells))  # a quiet cell accepted is no mistake
        n_cells += len(cells)
        # The SNR alone already separates the found cells from the components matching no cell.
        assert np.median([quality.snr[k] for k in cells]) > max(quality.snr[k] for k in unmatched)
    precision, recall = true_positive / n_accepted, true_positive / n_cells
    assert precision >= 0.8 and recall >= 0.75, (precision, recall)


def test_snr_of_noise_and_of_transients():
    rng = np.random.default_rng(1)
    noise = rng.normal(0, 1, (20, 1000))
    snr = extraction._exceptionality_snr(noise, 5)
    assert np.median(snr) < 2.0 and snr.max() < 2.5
    kernel = np.exp(-np.arange(60) / 15.0)
    spikes = (rng.random((20, 1000)) < 0.005).astype(float)
    spikes[:, 500] = 1
    transients = noise + 6 * np.array([np.convolve(s, kernel)[:1000] for s in spikes])
    assert extraction._exceptionality_snr(transients, 5).min() > 4


def test_half_sample_mode_sits_at_the_baseline_of_an_active_trace():
    rng = np.random.default_rng(2)
    trace = rng.normal(10, 1, 2000)
    trace[:1200] += rng.exponential(5, 1200)  # active 60 % of the time
    assert abs(extraction._half_sample_mode(trace) - 10) < 0.6 < abs(np.median(trace) - 10)


def test_match_to_truth_pairs_and_scores():
    masks_ = np.zeros((2, 10, 10), bool)
    masks_[0, 1:4, 1:4] = masks_[1, 5:9, 5:9] = True
    traces = np.random.default_rng(0).random((2, 50))
    match = extraction.match_to_truth(masks_[::-1].astype(float), traces[::-1], masks_, traces, smooth_px=0)
    np.testing.assert_array_equal(match.partner, [1, 0])
    np.testing.assert_allclose(match.iou, 1.0)
    np.testing.assert_allclose(match.trace_r, 1.0)
    fp = np.zeros((10, 10))
    fp[2, 2], fp[2, 3] = 1.0, 0.4
    assert extraction.footprint_masks(fp, 0.5, smooth_px=0).sum() == 1
    assert extraction.footprint_masks(fp, 0.3, smooth_px=0).sum() == 2


# --------------------------------------------------------------------------- bad input

def test_bad_input_is_refused_with_the_reason(small):
    m = small.movie[:50]
    a = np.ones((2, 32, 40))
    c = np.ones((2, 50))
    with pytest.raises(ValueError, match="footprints have frames of shape"):
        extraction.fit_components(m, np.ones((2, 30, 40)), c)
    with pytest.raises(ValueError, match=r"traces must have shape \(2, 50\)"):
        extraction.fit_components(m, a, np.ones((2, 40)))
    with pytest.raises(ValueError, match="non-negative"):
        extraction.fit_components(m, -a, c)
    with pytest.raises(ValueError, match=r"footprints \[1\] are all zero"):
        extraction.fit_components(m, np.stack([a[0], 0 * a[1]]), c)
    with pytest.raises(ValueError, match="n_background"):
        extraction.fit_components(m, a, c, n_background=50)
    with pytest.raises(ValueError, match="init must be one of"):
        extraction.extract_sources(m, 3, RADIUS_PX, init="random")
    with pytest.raises(ValueError, match="radius_px"):
        extraction.greedy_init(m, 3, 100.0)
    with pytest.raises(ValueError, match="n_components"):
        extraction.greedy_init(m, 10**6, RADIUS_PX)
    with pytest.raises(TypeError, match="extraction must be the Extraction"):
        extraction.evaluate_components(m, {"footprints": a})
    with pytest.raises(ValueError, match="movie contains 1 NaN"):
        extraction.greedy_init(np.where(np.arange(m.size).reshape(m.shape) == 7, np.nan, m), 3, RADIUS_PX)
    with pytest.raises(ValueError, match="true_traces must have shape"):
        extraction.match_to_truth(a, c, small.truth.masks, np.ones((6, 49)))
