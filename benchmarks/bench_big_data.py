"""Benchmark: a recording larger than the memory we allow, in memory vs in dask chunks.

Writes the lesson-10 simulation at full length as a TIFF series (default 12 000 frames of
128 x 128 px, uint16: 393 MB on disk — as large as a CI machine writes in a few seconds), then runs
the lesson's pipeline — mean, max and std projections, the ROI traces of the true cells and their
rolling 20th-percentile baseline over 30 s — twice, each time in a fresh Python process so that its
peak resident memory (``VmHWM``) is its own:

- **in memory**: ``helpers.lessons.big_data.pipeline_in_memory``, the whole movie read and
  converted to float32 (the way of lessons 01-09);
- **dask**: ``pipeline_in_chunks``, the same results in chunks of ``--chunk`` frames on
  ``--threads`` threads, in one pass over the files.

For each it prints the wall-clock time, the peak resident memory of the process, the part of it
the computation added (peak minus the resident memory just before it, after the imports), that
part as a fraction of the recording's size on disk (target for dask: at most 25 %), and the peak
memory the computation allocated as traced by ``tracemalloc`` (a second, traced run). The two
pipelines' results are compared.

Plain script (not collected by pytest); Linux (reads ``/proc/self/status``). Run from the
repository root, on a machine with the memory for the in-memory run (about 7x the recording):

    OPENBLAS_NUM_THREADS=1 python benchmarks/bench_big_data.py [--frames 12000] [--chunk 50] [--threads 2]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(variant: str, folder: str, frames: int, chunk: int, threads: int) -> dict:
    """One measured run in this (fresh) process; returns the figures as a dict."""
    import dask
    import numpy as np

    from helpers import chunked, tiff_series
    from helpers.lessons import big_data

    dask.config.set(scheduler="threads", num_workers=threads)
    series = tiff_series.TiffSeries.from_folder(folder)
    rec = big_data.recording(n_frames=frames)
    masks, fs = rec.truth.masks, rec.fs

    def run():
        if variant == "memory":
            return big_data.pipeline_in_memory(series, masks, fs)
        return big_data.pipeline_in_chunks(series, masks, fs, chunk_frames=chunk, threads=threads)

    before_kb = _status_kb("VmRSS")
    start = time.perf_counter()
    result = run()
    seconds = time.perf_counter() - start
    peak_kb = _status_kb("VmHWM")
    traced = chunked.measure(run)
    np.savez(Path(folder) / f"result-{variant}.npz", **result)
    return {"seconds": seconds, "rss_before_mb": before_kb * 1024 / 1e6, "rss_peak_mb": peak_kb * 1024 / 1e6,
            "added_mb": (peak_kb - before_kb) * 1024 / 1e6, "traced_mb": traced.peak_mb,
            "traced_seconds": traced.seconds}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=12_000, help="frames of 128 x 128 px (default 12000: 393 MB)")
    parser.add_argument("--chunk", type=int, default=50, help="frames per dask chunk (default 50)")
    parser.add_argument("--threads", type=int, default=2, help="threads of the dask scheduler (default 2)")
    parser.add_argument("--child", choices=("memory", "dask"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        print(json.dumps(child(options.child, options.folder, options.frames, options.chunk, options.threads)))
        return 0

    import numpy as np

    from helpers import tiff_series
    from helpers.lessons import big_data

    with tempfile.TemporaryDirectory(prefix="bench-big-data-") as folder:
        rec = big_data.recording(n_frames=options.frames)
        start = time.perf_counter()
        paths = tiff_series.write_series(rec, folder, frames_per_file=big_data.FRAMES_PER_FILE)
        on_disk_mb = sum(p.stat().st_size for p in paths) / 1e6
        print(f"recording: {rec.shape} uint16, {len(paths)} files, {on_disk_mb:.0f} MB on disk "
              f"(written in {time.perf_counter() - start:.1f} s); {len(rec.truth.masks)} ROIs; "
              f"dask: chunks of {options.chunk} frames, {options.threads} threads")
        figures = {}
        for variant in ("memory", "dask"):
            command = [sys.executable, __file__, "--child", variant, "--folder", folder, "--frames",
                       str(options.frames), "--chunk", str(options.chunk), "--threads", str(options.threads)]
            done = subprocess.run(command, capture_output=True, text=True, cwd=REPO, check=False,
                                  env=os.environ | {"OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "1")})
            if done.returncode:
                print(done.stderr, file=sys.stderr)
                return done.returncode
            figures[variant] = json.loads(done.stdout.strip().splitlines()[-1])
        for variant, label in (("memory", "in memory"), ("dask", "dask chunks")):
            f = figures[variant]
            print(f"{label:>12}: {f['seconds']:6.2f} s; peak RSS {f['rss_peak_mb']:6.0f} MB, of which the computation "
                  f"added {f['added_mb']:6.0f} MB = {f['added_mb'] / on_disk_mb:5.1%} of the data on disk; "
                  f"traced peak {f['traced_mb']:6.1f} MB")
        memory, chunks = (np.load(Path(folder) / f"result-{v}.npz") for v in ("memory", "dask"))
        worst = max(float(np.abs(chunks[k] - memory[k]).max() / np.abs(memory[k]).max()) for k in memory.files)
        ratio = figures["memory"]["added_mb"] / figures["dask"]["added_mb"]
        print(f"dask / in memory: time x{figures['dask']['seconds'] / figures['memory']['seconds']:.2f}, "
              f"added memory x{1 / ratio:.3f} ({ratio:.0f} times less); largest relative difference of the "
              f"results {worst:.1e}")
        target = figures["dask"]["added_mb"] <= 0.25 * on_disk_mb
        print(f"target (dask adds at most 25 % of the data's size on disk): {'met' if target else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
