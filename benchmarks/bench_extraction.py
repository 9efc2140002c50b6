"""Benchmark: source extraction by non-negative matrix factorisation against the simulator's truth.

Movies: ``simulate.simulate_movie(n_cells=12, shape=(1000, 48, 64), rate_hz=0.3,
max_overlap=0.5, seed=s)`` — cells may overlap, two masks sharing up to half of the smaller one —
for seeds 0-4 (seed 0 the "visible" movie, 1-4 "hidden" ones), and the same with
``max_overlap=0`` (no overlap, 8 cells) for separated cells. Compared, per true cell (cells whose
mask overlaps another's vs cells that overlap none): the IoU of the matched mask and the
correlation of its trace with the true ``calcium`` (``extraction.match_to_truth``), for

- ``extract_sources`` (greedy or correlation-image initialisation, 16 components, rank-1
  background), footprints cut at half their peak after a 1 px smoothing;
- threshold ROIs (``helpers.masks``): the local correlation image or the std projection,
  thresholded at the percentile (50-97.5) that is best on that very movie (an oracle, so the
  fairest the method can be), opened (radius 1), regions of at least 15 px; traces are the ROI
  means;

then the effect of the number of components and of the background's rank, and the component
evaluation (``evaluate_components``) against which components are true cells (matched with
IoU >= 0.5). Prints medians and wall times. Run:
``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_extraction.py`` (about 4 minutes on an idle
core); ``... bench_extraction.py exercise`` runs only the last part, the calibration of a lesson
exercise's bounds.
"""
import time

import numpy as np

from helpers import extraction, masks, movie, simulate

SEEDS = (0, 1, 2, 3, 4)
OVERLAPPING = dict(n_cells=12, shape=(1000, 48, 64), rate_hz=0.3, max_overlap=0.5)
SEPARATED = dict(n_cells=8, shape=(1000, 48, 64), rate_hz=0.3)
RADIUS_PX = 4.5
PERCENTILES = np.arange(50.0, 98.0, 2.5)


def overlapping_cells(true_masks):
    m = true_masks.reshape(len(true_masks), -1).astype(int)
    shared = m @ m.T
    np.fill_diagonal(shared, 0)
    return shared.sum(axis=1) > 0


def threshold_rois(rec):
    """Best-threshold ROIs on the correlation image or std projection: (iou, trace_r) per true cell."""
    best = None
    for image, q in ((im, q) for im in (movie.local_correlation(rec.movie), rec.movie.std(axis=0))
                     for q in PERCENTILES):
        mask = masks.threshold_mask(image, "percentile", float(q))
        cleaned = masks.clean_mask(mask, 1, 15)
        if not cleaned.any():
            continue
        rois = masks.label_rois(cleaned)
        iou, partner = masks.match_masks(rois, rec.truth.masks)
        if best is None or iou.mean() > best[0].mean():
            best = iou, partner, rois
    iou, partner, rois = best
    traces = masks.roi_traces(rec.movie, rois)
    calcium = rec.truth.calcium
    r = np.array([np.corrcoef(traces[j], calcium[i])[0, 1] if j >= 0 and np.ptp(calcium[i]) > 0
                  else 0.0 for i, j in enumerate(partner)])  # as match_to_truth: 0 if undefined
    return iou, r


def nmf(rec, **options):
    options = {"n_components": 16, "radius_px": RADIUS_PX, **options}
    start = time.perf_counter()
    result = extraction.extract_sources(rec.movie, options.pop("n_components"),
                                        options.pop("radius_px"), **options)
    elapsed = time.perf_counter() - start
    match = extraction.match_to_truth(result.footprints, result.traces, rec.truth.masks,
                                      rec.truth.calcium)
    return match.iou, match.trace_r, elapsed, result, match


def summary(name, rows):
    """rows: list of (iou, r, overlapping) per movie."""
    iou = np.concatenate([r[0] for r in rows])
    tr = np.concatenate([r[1] for r in rows])
    ov = np.concatenate([r[2] for r in rows])
    parts = []
    for label, sel in (("overlapping", ov), ("separated", ~ov)):
        if sel.any():
            parts.append(f"{label} ({sel.sum():2d}): IoU {np.median(iou[sel]):.2f} "
                         f"[>=0.5: {np.mean(iou[sel] >= 0.5):.2f}], r {np.median(tr[sel]):.2f}")
    print(f"{name:38s} " + " | ".join(parts))


def main():
    over = {s: simulate.simulate_movie(seed=s, **OVERLAPPING) for s in SEEDS}
    sep = {s: simulate.simulate_movie(seed=s, **SEPARATED) for s in SEEDS}
    n_over = [int(overlapping_cells(r.truth.masks).sum()) for r in over.values()]
    print(f"overlapping movies: cells overlapping another per movie {n_over} of 12")

    print("\n1. Matrix factorisation vs threshold ROIs (per true cell; medians over seeds 0-4)")
    for label, movies in (("overlap allowed", over), ("no overlap", sep)):
        for seeds, which in (((0,), "visible seed 0"), (SEEDS[1:], "hidden seeds 1-4")):
            rows_g, rows_c, rows_t, times = [], [], [], []
            for s in seeds:
                rec = movies[s]
                ov = overlapping_cells(rec.truth.masks)
                iou, r, elapsed, _, _ = nmf(rec)
                rows_g.append((iou, r, ov))
                times.append(elapsed)
                iou, r, _, _, _ = nmf(rec, init="correlation")
                rows_c.append((iou, r, ov))
                iou, r = threshold_rois(rec)
                rows_t.append((iou, r, ov))
            print(f"-- {label}, {which} (NMF fit {np.mean(times):.1f} s per movie)")
            summary("  NMF, greedy init", rows_g)
            summary("  NMF, correlation-image init", rows_c)
            summary("  threshold ROIs (best threshold)", rows_t)

    print("\n2. Number of components (greedy init, rank-1 background; overlap movies, all seeds)")
    for n in (8, 12, 16, 24):
        rows, accepted, true_accepted = [], [], []
        for rec in over.values():
            iou, r, _, result, match = nmf(rec, n_components=n)
            rows.append((iou, r, overlapping_cells(rec.truth.masks)))
            q = extraction.evaluate_components(rec.movie, result, min_snr=3.5)
            matched = set(match.partner[match.iou >= 0.5].tolist())
            accepted.append(int(q.accepted.sum()))
            true_accepted.append(sum(1 for k in np.flatnonzero(q.accepted) if k in matched))
        summary(f"  n_components={n:2d}", rows)
        print(f"{'':38s} accepted per movie {accepted}, of which true cells {true_accepted}")

    print("\n3. Background rank (16 components; overlap movies, all seeds)")
    for nb in (0, 1, 2, 3):
        rows = []
        for rec in over.values():
            iou, r, _, _, _ = nmf(rec, n_background=nb)
            rows.append((iou, r, overlapping_cells(rec.truth.masks)))
        summary(f"  n_background={nb}", rows)

    print("\n4. Component evaluation (16 components, rank-1 background; overlap movies)")
    snr, rval, size, is_cell = [], [], [], []
    for rec in over.values():
        _, _, _, result, match = nmf(rec)
        q = extraction.evaluate_components(rec.movie, result)
        matched = set(match.partner[match.iou >= 0.5].tolist())
        snr.append(q.snr), rval.append(q.r), size.append(q.size_px)
        is_cell.append(np.array([k in matched for k in range(len(q.snr))]))
    snr, rval, size, is_cell = map(np.concatenate, (snr, rval, size, is_cell))
    print(f"  true cells ({is_cell.sum()}): SNR min {snr[is_cell].min():.1f} median "
          f"{np.median(snr[is_cell]):.1f}; r min {rval[is_cell].min():.2f} median "
          f"{np.median(rval[is_cell]):.2f}; size min {size[is_cell].min()}")
    print(f"  other components ({(~is_cell).sum()}): SNR median {np.median(snr[~is_cell]):.1f} max "
          f"{snr[~is_cell].max():.1f}; r median {np.median(rval[~is_cell]):.2f} max "
          f"{rval[~is_cell].max():.2f}")
    for min_snr, min_r in ((2.5, 0.8), (3.0, 0.8), (3.5, 0.8), (3.5, 0.85), (4.0, 0.8)):
        accepted = (snr >= min_snr) & (rval >= min_r) & (size >= 10)
        precision = (accepted & is_cell).sum() / max(accepted.sum(), 1)
        recall = (accepted & is_cell).sum() / max(is_cell.sum(), 1)
        print(f"  min_snr {min_snr}, min_r {min_r}: precision {precision:.2f}, recall {recall:.2f}")


def exercise_calibration(seeds=range(6), min_spikes=5):
    """Bounds for a lesson exercise "extract the cells": per movie, of the true cells firing at
    least `min_spikes` times, the fraction found (a returned component with IoU >= 0.5), and of
    the returned components, the fraction that are such a cell; for the reference (extract_sources
    with 16 components, then evaluate_components' accepted ones), the same without evaluation, and
    threshold ROIs at the percentile that is best on the visible movie (seed 0)."""
    def scores(found_masks, truth):
        active = truth.spikes.sum(axis=1) >= min_spikes
        iou, partner = masks.match_masks(found_masks, truth.masks)
        hit = (iou >= 0.5) & active
        return hit.sum() / max(active.sum(), 1), hit.sum() / len(found_masks), np.median(iou[active])

    def threshold(rec, q):
        image = movie.local_correlation(rec.movie)
        return masks.label_rois(masks.clean_mask(masks.threshold_mask(image, "percentile", q), 1, 15))

    visible = simulate.simulate_movie(seed=0, **OVERLAPPING)
    best_q = max(PERCENTILES, key=lambda q: scores(threshold(visible, q), visible.truth)[0])
    print(f"\n5. Exercise calibration (cells firing >= {min_spikes} times; threshold ROIs at the "
          f"correlation image's {best_q:g}th percentile, best on seed 0)")
    print("  seed  reference: recall precision medIoU | all 16 components: recall precision | "
          "threshold ROIs: recall precision medIoU")
    for seed in seeds:
        rec = simulate.simulate_movie(seed=seed, **OVERLAPPING)
        result = extraction.extract_sources(rec.movie, 16, RADIUS_PX)
        accepted = extraction.evaluate_components(rec.movie, result).accepted
        fp = extraction.footprint_masks(result.footprints)
        ref = scores(fp[accepted], rec.truth)
        every = scores(fp, rec.truth)
        thr = scores(threshold(rec, best_q), rec.truth)
        print(f"  {seed:4d}  {ref[0]:.2f} {ref[1]:.2f} {ref[2]:.2f} | {every[0]:.2f} {every[1]:.2f} | "
              f"{thr[0]:.2f} {thr[1]:.2f} {thr[2]:.2f}")


if __name__ == "__main__":
    import sys
    if sys.argv[1:] == ["exercise"]:
        exercise_calibration()
    else:
        main()
        exercise_calibration()
