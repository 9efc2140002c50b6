"""Benchmark: an exact rolling 10th-percentile baseline on 324 x 15 000 traces.

Plain script (not collected by pytest): ``python benchmarks/bench_baseline.py``. It prints times
measured in this one run and their ratios to one ``np.copyto`` pass over the same array
(DESIGN §5 target: ≤ 100×). Times are CPU times of this process (``time.process_time``): on a
machine shared with other jobs, wall-clock times of the CPU-bound filter grow with the load
while the memory-bound copy hardly does, which would inflate the ratio. Window: 30 s at 4.8 Hz = 144 frames, a typical lesson-04 window
(long against a GCaMP6s transient, short against bleaching).

Compared:
- ``helpers.baseline.rolling_percentile`` (SciPy's 1-D ``percentile_filter`` row by row);
- one 2-D ``percentile_filter(x, 10, size=(1, w))`` call, timed on a few rows and extrapolated
  to 324 (it takes minutes on the whole array);
- the same 2-D call with ``axes=(1,)`` (a 1-D footprint applied along the last axis), also timed
  on a few rows.
All results are checked to be identical to the row-by-row ones.
"""
import time

import numpy as np
from scipy.ndimage import percentile_filter

from helpers.baseline import rolling_percentile

N_NEURONS, N_FRAMES, FS, WINDOW_S, Q = 324, 15_000, 4.8, 30.0, 10
SUBSET = 8  # rows for the slow 2-D calls


def timed(function, repeats):
    """Best CPU time of `repeats` calls, and the last result."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        result = function()
        times.append(time.process_time() - start)
    return min(times), result


def traces():
    try:
        from helpers import simulate
    except ImportError:
        print("helpers.simulate not available: random data of the same shape")
        return np.random.default_rng(0).normal(100, 10, size=(N_NEURONS, N_FRAMES))
    print("data: simulate.population_traces(seed=0)")
    return simulate.population_traces(seed=0).traces


def main():
    x = np.ascontiguousarray(traces(), dtype=np.float64)
    assert x.shape == (N_NEURONS, N_FRAMES), x.shape
    w = round(WINDOW_S * FS)
    print(f"array {x.shape} float64, window {WINDOW_S} s at {FS} Hz = {w} frames, q = {Q}")

    dst = np.empty_like(x)
    np.copyto(dst, x)  # touch the destination pages once
    t_copy, _ = timed(lambda: np.copyto(dst, x), 20)
    t_rows, reference = timed(lambda: rolling_percentile(x, Q, WINDOW_S, FS), 3)
    part = x[:SUBSET]
    t_2d, out_2d = timed(lambda: percentile_filter(part, Q, size=(1, w), mode="nearest"), 1)
    t_axes, out_axes = timed(lambda: percentile_filter(part, Q, size=w, axes=(1,), mode="nearest"), 1)
    assert np.array_equal(out_2d, reference[:SUBSET])
    assert np.array_equal(out_axes, reference[:SUBSET])
    t_2d *= N_NEURONS / SUBSET
    t_axes *= N_NEURONS / SUBSET

    print(f"np.copyto, one pass (best of 20)            {t_copy * 1e3:9.2f} ms")
    print(f"rolling_percentile, 1-D rows (best of 3)    {t_rows * 1e3:9.2f} ms  "
          f"= {t_rows / t_copy:7.1f} x copy  (target <= 100 x)")
    print(f"2-D percentile_filter size=(1, w)           {t_2d * 1e3:9.2f} ms  "
          f"= {t_2d / t_copy:7.1f} x copy, {t_2d / t_rows:5.1f} x rows  (extrapolated from {SUBSET} rows)")
    print(f"2-D percentile_filter size=w, axes=(1,)     {t_axes * 1e3:9.2f} ms  "
          f"= {t_axes / t_copy:7.1f} x copy, {t_axes / t_rows:5.1f} x rows  (extrapolated from {SUBSET} rows)")
    print("all outputs identical to the row-by-row result")


if __name__ == "__main__":
    main()
