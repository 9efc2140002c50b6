"""Benchmark: rigid vs piecewise-rigid registration against the simulator's true displacement field.

Movies: ``simulate.simulate_movie(n_cells=30, shape=(400, 96, 96), seed=s, motion=True,
nonrigid_px=4.0)`` for seeds 1-4 (GCaMP6s, the default photon-poor noise; a rigid random walk
up to 3 px plus a smooth deformation bounded by 4 px, wavelengths 60-180 px). For each movie it
prints the RMS error (px) of the estimated displacement of every pixel against
``truth.displacement`` (``registration.displacement_error``: each pixel's mean over frames
removed, as the template's own position is unknown), for

* no correction (zero shifts) and rigid registration (``estimate_shifts``, default settings);
* piecewise-rigid registration (``register_piecewise``) with patch sizes and overlaps swept, and
  without the patch taper (``taper_px=0``);
* a naive piecewise variant a learner might write: every pixel takes the shift of its nearest
  patch centre (a blocky field, no interpolation);
* the oracle: the true field sampled at the patch centres and interpolated with ``shift_field``
  (the error of the interpolation alone, with perfect patch shifts);

and the error over the worst quarter of pixels for rigid (where rigid correction fails) next to
piecewise's there, plus wall times. Run:
``OPENBLAS_NUM_THREADS=1 python benchmarks/bench_nonrigid.py`` (about 3 minutes on 2 busy cores).

``--exercise`` instead calibrates a graded exercise ("register this non-rigid movie"): on the
visible movie (seed 0) and on hidden ones (seeds 11-16) of ``EXERCISE_MOVIE`` it prints the
error of the reference (``register_piecewise``, 32 px patches, 16 px overlap), of rigid
registration and of weak answers (nearest-patch field; 16 px patches; no taper), each also as a
ratio to the rigid error of the same movie.
"""
import sys
import time

import numpy as np

from helpers import registration as reg
from helpers import simulate

SEEDS = (1, 2, 3, 4)
MOVIE = dict(n_cells=30, shape=(400, 96, 96), motion=True, nonrigid_px=4.0)
PATCHES = [(16, 8), (24, 12), (32, 0), (32, 8), (32, 16), (32, 24), (48, 24), (64, 32)]
REFERENCE = (32, 16)


def nearest_patch_field(patch_shifts, centres, frame_shape):
    """The naive field: every pixel takes the shift of the nearest patch centre."""
    rows = np.abs(np.arange(frame_shape[0])[:, None] - centres[0][None]).argmin(axis=1)
    cols = np.abs(np.arange(frame_shape[1])[:, None] - centres[1][None]).argmin(axis=1)
    return np.moveaxis(patch_shifts[:, rows][:, :, cols], -1, 1).astype(np.float32)


def oracle_field(true, centres, frame_shape):
    """The true field read at the (rounded) patch centres, interpolated as the method does."""
    rows, cols = np.round(centres[0]).astype(int), np.round(centres[1]).astype(int)
    at_centres = np.moveaxis(true[:, :, rows][:, :, :, cols], 1, -1)
    return reg.shift_field(at_centres, centres, frame_shape)


def timed(call):
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def main():
    rows = {}
    for seed in SEEDS:
        rec = simulate.simulate_movie(seed=seed, **MOVIE)
        true, movie, frame = rec.truth.displacement, rec.movie, rec.movie.shape[1:]
        error = {"none": reg.displacement_error(np.zeros((len(movie), 2)), true)}
        rigid, t_rigid = timed(lambda: reg.estimate_shifts(movie))
        error["rigid"] = reg.displacement_error(rigid, true)
        rigid_map = reg.displacement_error(rigid, true, per_pixel=True)
        worst = rigid_map >= np.quantile(rigid_map, 0.75)
        times = {"rigid": t_rigid}
        for size, overlap in PATCHES:
            (_, field), t = timed(lambda: reg.register_piecewise(movie, patch_size=size, overlap=overlap))
            error[f"piecewise {size}/{overlap}"] = reg.displacement_error(field, true)
            times[f"piecewise {size}/{overlap}"] = t
            if (size, overlap) == REFERENCE:
                piecewise_map = reg.displacement_error(field, true, per_pixel=True)
        _, untapered = reg.register_piecewise(movie, patch_size=REFERENCE[0], overlap=REFERENCE[1],
                                              taper_px=0.0)
        error[f"piecewise {REFERENCE[0]}/{REFERENCE[1]}, no taper"] = reg.displacement_error(untapered, true)
        rigidly = reg.apply_shifts(movie, reg.estimate_shifts(movie, taper_px=reg.PATCH_TAPER_PX))
        patch_shifts, centres = reg.estimate_patch_shifts(rigidly, rigidly.mean(0), patch_size=32,
                                                          overlap=0, max_shift=3.0)
        rigid_tapered = reg.estimate_shifts(movie, taper_px=reg.PATCH_TAPER_PX)
        blocky = nearest_patch_field(patch_shifts, centres, frame) + rigid_tapered[:, :, None, None]
        error["naive: nearest patch 32/0"] = reg.displacement_error(blocky, true)
        _, centres = reg.estimate_patch_shifts(movie[:1], patch_size=REFERENCE[0], overlap=REFERENCE[1])
        error[f"oracle {REFERENCE[0]}/{REFERENCE[1]}"] = reg.displacement_error(
            oracle_field(true, centres, frame), true)
        error["rigid, worst quarter"] = float(np.sqrt(np.mean(rigid_map[worst] ** 2)))
        error["piecewise 32/16, worst quarter"] = float(np.sqrt(np.mean(piecewise_map[worst] ** 2)))
        for name, value in error.items():
            rows.setdefault(name, []).append((value, times.get(name, np.nan)))
        print(f"seed {seed}: rigid {error['rigid']:.3f} px, piecewise 32/16 "
              f"{error['piecewise 32/16']:.3f} px", flush=True)
    print(f"\nmovie {MOVIE}, seeds {SEEDS}: RMS error of the displacement field, px")
    print(f"{'method':36s}" + "".join(f"{f'seed {s}':>9s}" for s in SEEDS) + f"{'mean':>8s}{'time, s':>9s}")
    for name, values in rows.items():
        errors = [v for v, _ in values]
        seconds = np.nanmean([t for _, t in values]) if not np.isnan([t for _, t in values]).all() else np.nan
        print(f"{name:36s}" + "".join(f"{e:9.3f}" for e in errors) + f"{np.mean(errors):8.3f}"
              + (f"{seconds:9.2f}" if np.isfinite(seconds) else ""))


EXERCISE_MOVIE = dict(n_cells=30, shape=(500, 96, 96), motion=True, nonrigid_px=4.0)
EXERCISE_SEEDS = (0, 11, 12, 13, 14, 15, 16)


def exercise_calibration():
    print(f"movie {EXERCISE_MOVIE}; error px (ratio to rigid)")
    names = ("rigid", "reference 32/16", "nearest patch 32/0", "patches 16/8", "no taper 32/16")
    print(f"{'seed':>5s}" + "".join(f"{n:>22s}" for n in names), flush=True)
    for seed in EXERCISE_SEEDS:
        rec = simulate.simulate_movie(seed=seed, **EXERCISE_MOVIE)
        true, movie = rec.truth.displacement, rec.movie
        rigid = reg.estimate_shifts(movie)
        fields = {"rigid": rigid,
                  "reference 32/16": reg.register_piecewise(movie)[1],
                  "patches 16/8": reg.register_piecewise(movie, patch_size=16, overlap=8)[1],
                  "no taper 32/16": reg.register_piecewise(movie, taper_px=0.0)[1]}
        rigid_tapered = reg.estimate_shifts(movie, taper_px=reg.PATCH_TAPER_PX)
        rigidly = reg.apply_shifts(movie, rigid_tapered)
        patch_shifts, centres = reg.estimate_patch_shifts(rigidly, rigidly.mean(0), overlap=0,
                                                          max_shift=3.0)
        fields["nearest patch 32/0"] = (nearest_patch_field(patch_shifts, centres, movie.shape[1:])
                                        + rigid_tapered[:, :, None, None])
        rigid_error = reg.displacement_error(rigid, true)
        cells = []
        for name in names:
            error = reg.displacement_error(fields[name], true)
            cells.append(f"{error:.3f} ({error / rigid_error:.2f})")
        print(f"{seed:5d}" + "".join(f"{c:>22s}" for c in cells), flush=True)


if __name__ == "__main__":
    exercise_calibration() if "--exercise" in sys.argv[1:] else main()
