"""Benchmark: event detection and spike inference scored against real spikes (CASCADE ground truth).

Plain script (not collected by pytest): ``python benchmarks/bench_ground_truth.py`` with
``CALCIUM_COURSE_DATA`` pointing at the data folder. For each of the eight recordings of
``helpers.data.ground_truth_names()`` (one neuron imaged while its spikes were recorded
electrically) it prints the scores of

* event detection — ``helpers.events.detect_events`` with its defaults (the lessons' detector),
  ``helpers.events.detect_bursts`` (the recommended reference) and a plain median/MAD detector
  (an onset wherever the robust z-score ``(x - median) / (1.4826 MAD)`` crosses 3 upwards):
  precision, recall and F1 of the onsets against bursts of spikes
  (``helpers.groundtruth.score_onsets``: onset correct within ±0.5 s of a spike, spikes < 1 s
  apart form one burst, found when an onset falls within the burst ± 0.5 s);
* spike inference — ``helpers.spikes.deconvolve`` with its defaults (the lessons' method),
  ``helpers.spikes.infer_spikes`` (the recommended reference) and OASIS with its own defaults
  (``oasis.functions.deconvolve(y)``): the correlation with the true spike counts in 0.1 s and
  0.5 s bins and at spikefinder's 25 Hz (``binned_correlation``), the correlation with the
  Gaussian-smoothed spike train at σ = 0.1 s (CASCADE's 30 Hz models' smoothing;
  ``smoothed_correlation``, both sides smoothed), and CASCADE's error and bias at σ = 0.1 s.

Error and bias need spikes, and these methods give ΔF/F₀. Each method's activity is therefore
calibrated on the first half of the recording (true spikes / inferred activity there) and the
error and bias are measured on the second half: what an experimenter with a calibration
recording of the same cell would get. Means over the recordings close each table; for events
also the F1 of the mean precision and recall (the issue's figures).
"""
import time

import numpy as np
import oasis.functions

from helpers import data, events, groundtruth as gt, spikes

SIGMA_S = 0.1          # Gaussian smoothing of CASCADE's 30 Hz models, seconds
BINS_S = (0.1, 0.5)    # the bins


def mad_onsets(dff: np.ndarray) -> np.ndarray:
    """Frames where the robust z-score crosses 3 from below: the plainest threshold detector."""
    z = events.robust_zscore(dff)
    return np.flatnonzero((z[1:] > 3) & (z[:-1] <= 3)) + 1


def oasis_defaults(dff: np.ndarray) -> np.ndarray:
    state = np.random.get_state()
    np.random.seed(0)  # OASIS's parameter estimate may draw random numbers
    try:
        return np.asarray(oasis.functions.deconvolve(dff)[1], dtype=np.float64)
    finally:
        np.random.set_state(state)


def calibrated_error_bias(activity, rec) -> tuple[float, float]:
    """CASCADE's error and bias on the second half, calibrated on the first half."""
    counts = gt.spike_counts(rec.spike_times_s, rec.frame_times_s)
    half = counts.size // 2
    if activity[:half].sum() <= 0 or counts[half:].sum() == 0:
        return float("nan"), float("nan")
    scale = counts[:half].sum() / activity[:half].sum()
    return gt.cascade_error_bias(activity[half:] * scale, counts[half:], rec.fs, SIGMA_S)


def inference_scores(activity, rec) -> list[float]:
    counts = gt.spike_counts(rec.spike_times_s, rec.frame_times_s)
    binned = [gt.binned_correlation(activity, rec.frame_times_s, rec.spike_times_s, b) for b in BINS_S]
    return [*binned, gt.smoothed_correlation(activity, counts, rec.fs, SIGMA_S),
            gt.spikefinder_correlation(activity, rec.frame_times_s, rec.spike_times_s),
            *calibrated_error_bias(activity, rec)]


def main():
    detectors = {"detect_events": lambda r: events.detect_events(r.dff, r.fs).onset,
                 "detect_bursts": lambda r: events.detect_bursts(r.dff, r.fs).onset,
                 "median/MAD k=3": lambda r: mad_onsets(r.dff)}
    inferences = {"deconvolve": lambda r: spikes.deconvolve(r.dff, r.fs).spikes,
                  "infer_spikes": lambda r: spikes.infer_spikes(r.dff, r.fs).spikes,
                  "OASIS defaults": lambda r: oasis_defaults(r.dff)}
    event_rows = {name: [] for name in detectors}
    inference_rows = {name: [] for name in inferences}
    seconds = dict.fromkeys([*detectors, *inferences], 0.0)
    records = [data.load_ground_truth(name) for name in data.ground_truth_names()]
    for rec in records:
        for name, detect in detectors.items():
            start = time.perf_counter()
            onsets = detect(rec)
            seconds[name] += time.perf_counter() - start
            score = gt.score_onsets(rec.frame_times_s[onsets], rec.spike_times_s)
            event_rows[name].append((score.precision, score.recall, score.f1))
        for name, infer in inferences.items():
            start = time.perf_counter()
            activity = infer(rec)
            seconds[name] += time.perf_counter() - start
            inference_rows[name].append(inference_scores(activity, rec))

    print("Ground truth (CASCADE): one neuron imaged with its spikes recorded electrically")
    print(f"{'recording':9} {'indicator':9} {'fs Hz':>7} {'nu':>5} {'spikes':>6} {'bursts':>6}")
    for rec in records:
        n_bursts = gt.burst_windows(rec.spike_times_s)[0].size
        print(f"{rec.name:9} {rec.indicator:9} {rec.fs:7.2f} {rec.noise_level:5.2f} "
              f"{rec.spike_times_s.size:6d} {n_bursts:6d}")

    print("\nEvents against bursts: precision / recall / F1")
    print(f"{'recording':9} " + " ".join(f"{name:>20}" for name in detectors))
    for i, rec in enumerate(records):
        print(f"{rec.name:9} " + " ".join(f"{'%.2f / %.2f / %.2f' % event_rows[n][i]:>20}" for n in detectors))
    means = {n: np.mean(event_rows[n], axis=0) for n in detectors}
    print(f"{'mean':9} " + " ".join(f"{'%.2f / %.2f / %.2f' % tuple(means[n]):>20}" for n in detectors))
    f1_of_means = {n: 2 * m[0] * m[1] / (m[0] + m[1]) for n, m in means.items()}
    print(f"{'F1(mean)':9} " + " ".join(f"{f1_of_means[n]:>20.2f}" for n in detectors))

    columns = ("r 0.1s", "r 0.5s", "r smooth", "r 25Hz", "error", "bias")
    print(f"\nSpike inference: correlations with the true spikes (bins, Gaussian σ = {SIGMA_S} s, "
          "25 Hz), CASCADE error and bias (second half, calibrated on the first)")
    for name in inferences:
        print(f"\n{name}")
        print(f"{'recording':9} " + " ".join(f"{c:>8}" for c in columns))
        for rec, row in zip(records, inference_rows[name]):
            print(f"{rec.name:9} " + " ".join(f"{v:8.2f}" for v in row))
        print(f"{'mean':9} " + " ".join(f"{v:8.2f}" for v in np.nanmean(inference_rows[name], axis=0)))

    print("\nTime for all eight recordings: " + ", ".join(f"{n} {s:.1f} s" for n, s in seconds.items()))


if __name__ == "__main__":
    main()
