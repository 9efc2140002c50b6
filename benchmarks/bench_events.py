"""Benchmark: event detection and the circular-shuffle null on 324 x 15 000 traces at 4.8 Hz.

Plain script (not collected by pytest): ``python benchmarks/bench_events.py``. Everything is
measured in this one run and printed as times and ratios (DESIGN §5 targets):

- ``helpers.ensembles.circular_shuffle_null``, 1000 shuffles of the event raster of
  ``simulate.population_traces(seed=0)`` (events detected with ``helpers.events`` defaults),
  against the naive loop that rolls every neuron's dense train with ``np.roll`` and bins it with
  ``bin_events``: target ≤ 1.5 s and ≥ 10× faster. The naive loop is timed on a few shuffles and
  extrapolated to 1000 (it takes about half a minute); its output is checked to be identical for
  the same offsets.
- ``helpers.events.detect_events`` on the 324 x 15 000 ΔF/F₀ traces, against one ``np.copyto``
  pass over the same array (the memory-traffic floor of any function that reads the traces); one
  per-neuron ``np.median`` is printed for scale (detection needs two medians, the baseline and the
  MAD, and computes them by a single partition each, several times faster than ``np.median``).
"""
import time

import numpy as np

from helpers import ensembles, events, simulate

N_SHUFFLES, NAIVE_SHUFFLES, BIN_S = 1000, 20, 0.5


def timed(function, repeats):
    """Best time of `repeats` calls, and the last result."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


def naive_null(raster, fs, offsets):
    rows = []
    for shift in offsets:
        rolled = np.array([np.roll(train, k) for train, k in zip(raster, shift)])
        rows.append(ensembles.coactivity(ensembles.bin_events(rolled, fs, BIN_S)))
    return np.array(rows)


def main():
    rec = simulate.population_traces(seed=0)
    truth, fs = rec.truth, rec.fs
    dff = np.ascontiguousarray((rec.traces - truth.r[:, None] * truth.neuropil) / truth.f0 - 1)
    print(f"data: simulate.population_traces(seed=0), dF/F0 {dff.shape} at {fs} Hz")

    dst = np.empty_like(dff)
    np.copyto(dst, dff)  # touch the destination pages once
    t_copy, _ = timed(lambda: np.copyto(dst, dff), 20)
    t_median, _ = timed(lambda: np.median(dff, axis=1), 3)
    t_detect, detected = timed(lambda: events.detect_events(dff, fs), 3)
    raster = events.event_raster(detected)
    rate = len(detected) / dff.shape[0] / (dff.shape[1] / fs)
    print(f"events: {len(detected)} ({rate:.3f} per neuron per s)")
    print(f"np.copyto, one pass (best of 20)          {t_copy * 1e3:9.2f} ms")
    print(f"np.median per neuron (best of 3)          {t_median * 1e3:9.2f} ms  = {t_median / t_copy:6.1f} x copy"
          "  (for scale; detection takes two medians, by a faster partition)")
    print(f"detect_events (best of 3)                 {t_detect * 1e3:9.2f} ms  = {t_detect / t_copy:6.1f} x copy")

    offsets = ensembles.shuffle_offsets(N_SHUFFLES, *raster.shape, seed=0)
    t_fast, null = timed(lambda: ensembles.circular_shuffle_null(raster, fs, BIN_S, offsets=offsets), 3)
    t_naive, naive = timed(lambda: naive_null(raster, fs, offsets[:NAIVE_SHUFFLES]), 1)
    assert np.array_equal(naive, null[:NAIVE_SHUFFLES]), "vectorised and naive nulls differ"
    t_naive *= N_SHUFFLES / NAIVE_SHUFFLES
    print(f"circular_shuffle_null, {N_SHUFFLES} shuffles (best of 3) {t_fast:7.3f} s   (target <= 1.5 s)")
    print(f"naive np.roll loop, {N_SHUFFLES} shuffles          {t_naive:7.3f} s   "
          f"(extrapolated from {NAIVE_SHUFFLES}; identical output)")
    print(f"speed-up                                  {t_naive / t_fast:7.1f} x   (target >= 10 x)")


if __name__ == "__main__":
    main()
