"""Benchmark: local correlation image and rigid registration on a 2000 x 60 x 80 movie.

Compares each helper with its straightforward version, measured in this one run:

- ``helpers.movie.local_correlation`` (8 neighbours) against a pixel-by-pixel loop calling
  ``np.corrcoef`` for each neighbour pair. The loop is timed on a subset of pixels and
  extrapolated to the whole image (it is linear in the number of pixels).
- ``helpers.registration.estimate_shifts`` (all frames at once, in blocks) against a loop of
  ``skimage.registration.phase_cross_correlation`` over the frames, same settings.

Each timing is the best of 3 runs (the machine is shared). Also prints the registration error
against the simulator's true shifts. Run: ``python benchmarks/bench_movie.py``. On a loaded
2-core machine, run with ``OPENBLAS_NUM_THREADS=1``: OpenBLAS threads competing for busy cores
slow both registration versions down many times over.
"""
import time

import numpy as np
from skimage.registration import phase_cross_correlation

from helpers import simulate
from helpers.movie import local_correlation
from helpers.registration import apply_shifts, estimate_shifts

LOOP_PIXELS = 300  # pixels timed in the per-pixel loop; extrapolated to the whole image


def timed(function, *args, repeat=3, **kwargs):
    """The result and the best wall time of `repeat` calls."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        result = function(*args, **kwargs)
        best = min(best, time.perf_counter() - start)
    return result, best


def local_correlation_pixels(movie, pixels):
    """The straightforward version, for a list of (y, x) pixels."""
    _, ny, nx = movie.shape
    out = []
    for y, x in pixels:
        rs = [np.corrcoef(movie[:, y, x], movie[:, y + dy, x + dx])[0, 1]
              for dy in (-1, 0, 1) for dx in (-1, 0, 1)
              if (dy or dx) and 0 <= y + dy < ny and 0 <= x + dx < nx]
        out.append(np.mean(rs))
    return np.array(out)


def main():
    rec = simulate.demo_movie(seed=0, motion=True)
    movie = rec.movie
    n_frames, ny, nx = movie.shape
    print(f"movie {movie.shape}, {movie.dtype}")

    image, t_fast = timed(local_correlation, movie, 8)
    rng = np.random.default_rng(0)
    flat = rng.choice(ny * nx, size=LOOP_PIXELS, replace=False)
    pixels = list(zip(*np.unravel_index(flat, (ny, nx))))
    loop, t_loop = timed(local_correlation_pixels, movie, pixels)
    t_loop_all = t_loop * ny * nx / LOOP_PIXELS
    error = np.abs(loop - image[tuple(np.array(pixels).T)]).max()
    print(f"local correlation (8 neighbours): vectorised {t_fast:.3f} s; per-pixel loop "
          f"{t_loop:.2f} s for {LOOP_PIXELS} pixels -> {t_loop_all:.1f} s extrapolated to "
          f"{ny * nx} pixels; ratio {t_loop_all / t_fast:.0f}x; max difference {error:.1e}")

    template = movie.mean(axis=0)
    shifts, t_fast = timed(estimate_shifts, movie, template, upsample=10)
    loop, t_loop = timed(lambda: -np.array([
        phase_cross_correlation(template, frame, upsample_factor=10, normalization=None)[0]
        for frame in movie]))
    same = np.isclose(shifts, loop, atol=1e-9).all(axis=1).mean()
    print(f"shift estimation: blocked FFT {t_fast:.3f} s; skimage loop {t_loop:.3f} s; ratio "
          f"{t_loop / t_fast:.1f}x; identical on {same:.1%} of frames")

    _, t_apply = timed(apply_shifts, movie, shifts)
    print(f"apply_shifts (cubic spline, frame loop): {t_apply:.3f} s")

    true = rec.truth.shifts
    for name, norm in (("cross-correlation", None), ("phase correlation", "phase")):
        est = estimate_shifts(movie, template, normalization=norm)
        d = (est - est.mean(axis=0)) - (true - true.mean(axis=0))
        print(f"registration error vs true shifts ({name}): "
              f"{np.sqrt((d ** 2).sum(axis=1).mean()):.3f} px RMS (after removing the mean offset); "
              f"true shifts span {np.ptp(true, axis=0).round(1).tolist()} px")


if __name__ == "__main__":
    main()
