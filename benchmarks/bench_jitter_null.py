"""Benchmark: the jitter null against the circular-shuffle null, speed and false ensembles.

On the event raster of ``simulate.population_traces(seed=0, n_ensembles=0, gain_modulation=3.0)``
(324 x 15 000 at 4.8 Hz, a slow gain shared by all neurons and no ensembles; events detected
with ``helpers.events`` defaults on ΔF/F₀ from the true neuropil and baseline):

- wall time of 1000 surrogates of ``helpers.ensembles.jitter_null`` (5-s windows) and of
  ``circular_shuffle_null`` (best of 3), and of a naive jitter loop (events moved one by one in
  dense rasters, binned with ``bin_events``), timed on a few surrogates and extrapolated;
- false ensemble events: the share of bins above the pooled 99th-percentile threshold (chance:
  1 %), above the per-bin threshold, and the number of bins above the family-wise threshold (the
  95th percentile of each surrogate's maximum; chance: none in 95 % of recordings).

Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_jitter_null.py``.
"""
import time

import numpy as np

from helpers import ensembles, events, simulate

N_SHUFFLES, NAIVE_SHUFFLES, BIN_S, WINDOW_S = 1000, 3, 0.5, 5.0


def timed(function, repeat):
    best, result = np.inf, None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        best = min(best, time.perf_counter() - start)
    return best, result


def naive_jitter(raster, fs, n_shuffles, seed=0):
    """Every event moved within its window, one at a time, into a dense raster."""
    rng = np.random.default_rng(seed)
    bins = np.floor(np.arange(raster.shape[1]) / (fs * BIN_S) + 1e-9).astype(int)
    window = bins // round(WINDOW_S / BIN_S)
    rows = []
    for _ in range(n_shuffles):
        moved = np.zeros_like(raster)
        for i, t in zip(*np.nonzero(raster)):
            frames = np.flatnonzero(window == window[t])
            moved[i, rng.choice(frames)] = True
        rows.append(ensembles.coactivity(ensembles.bin_events(moved, fs, BIN_S)))
    return np.array(rows)


def main():
    rec = simulate.population_traces(seed=0, n_ensembles=0, gain_modulation=3.0)
    truth, fs = rec.truth, rec.fs
    dff = (rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1
    raster = events.event_raster(events.detect_events(dff, fs))
    coactive = ensembles.coactivity(ensembles.bin_events(raster, fs, BIN_S))
    print(f"raster {raster.shape}, {int(raster.sum())} events, {coactive.size} bins")
    t_jitter, jitter = timed(
        lambda: ensembles.jitter_null(raster, fs, BIN_S, WINDOW_S, N_SHUFFLES, seed=0), 3)
    t_circular, circular = timed(
        lambda: ensembles.circular_shuffle_null(raster, fs, BIN_S, n_shuffles=N_SHUFFLES, seed=0), 3)
    t_naive, _ = timed(lambda: naive_jitter(raster, fs, NAIVE_SHUFFLES), 1)
    t_naive *= N_SHUFFLES / NAIVE_SHUFFLES
    print(f"jitter_null, {N_SHUFFLES} surrogates (best of 3)          {t_jitter:7.2f} s")
    print(f"circular_shuffle_null, {N_SHUFFLES} shuffles (best of 3)   {t_circular:7.2f} s")
    print(f"naive jitter loop (extrapolated from {NAIVE_SHUFFLES})            {t_naive:7.1f} s   "
          f"({t_naive / t_jitter:.0f} x slower)")
    for name, null in (("circular", circular), ("jitter", jitter)):
        pooled = np.mean(coactive > ensembles.significance_threshold(null, 99))
        per_bin = np.mean(coactive > ensembles.significance_threshold(null, 99, per_bin=True))
        family = int(np.sum(coactive > np.percentile(null.max(axis=1), 95)))
        print(f"{name:8s}: bins above the pooled 99th percentile {100 * pooled:5.2f} %, per-bin "
              f"{100 * per_bin:5.2f} % (chance 1 %); above the family-wise threshold {family} bins")


if __name__ == "__main__":
    main()
