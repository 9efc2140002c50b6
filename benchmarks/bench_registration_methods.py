"""Benchmark: rigid registration methods compared fairly on the simulated movie with motion.

``helpers.registration.estimate_shifts`` on ``simulate.demo_movie(seed=0, motion=True)`` (2000
frames x 60 x 80 px, GCaMP6s, rigid random walk up to 3 px) with each method and regularisation:
plain cross-correlation, unregularised phase correlation, phase correlation with only the edge
taper or only the spectral smoothing, and phase correlation regularised as suite2p does it
(``normalization="regularized"``: taper 3.45 px, smoothing 1.15 px — suite2p's defaults), also
with a wider smoothing. Each is run with the default template (the movie's mean) and with the
motion-free scene as template (the best any template could be). Prints the RMS error against the
simulator's true shifts (after removing the constant offset, which is not identifiable) and the
best of 3 wall times. Run: ``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_registration_methods.py``.
"""
import time

import numpy as np

from helpers import simulate
from helpers.registration import estimate_shifts

METHODS = [
    ("cross-correlation", dict(normalization=None)),
    ("cross-correlation + taper", dict(normalization=None, taper_px=3.45)),
    ("phase correlation, unregularised", dict(normalization="phase")),
    ("phase correlation + taper only", dict(normalization="phase", taper_px=3.45)),
    ("phase correlation + smoothing only", dict(normalization="phase", smooth_sigma_px=1.15)),
    ("regularised (suite2p defaults)", dict(normalization="regularized")),
    ("regularised, smoothing 2 px", dict(normalization="regularized", smooth_sigma_px=2.0)),
    ("regularised, smoothing 3 px", dict(normalization="regularized", smooth_sigma_px=3.0)),
]


def rms_error(estimated, true):
    d = (estimated - estimated.mean(axis=0)) - (true - true.mean(axis=0))
    return float(np.sqrt((d ** 2).sum(axis=1).mean()))


def main():
    rec = simulate.demo_movie(seed=0, motion=True)
    scene = simulate.demo_movie(seed=0).movie.mean(axis=0)
    true = rec.truth.shifts
    print(f"movie {rec.movie.shape}; true shifts up to {np.abs(true).max():.2f} px")
    print(f"{'method':38s} {'RMS error, px':>14s} {'(scene template)':>17s} {'time, s':>8s}")
    for name, kwargs in METHODS:
        best = np.inf
        for _ in range(3):
            start = time.perf_counter()
            shifts = estimate_shifts(rec.movie, **kwargs)
            best = min(best, time.perf_counter() - start)
        with_scene = estimate_shifts(rec.movie, scene, **kwargs)
        print(f"{name:38s} {rms_error(shifts, true):14.3f} {rms_error(with_scene, true):17.3f} {best:8.2f}")


if __name__ == "__main__":
    main()
