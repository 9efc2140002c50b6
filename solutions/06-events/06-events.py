# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 06 · Detecting calcium events
#
# A ΔF/F₀ trace goes up when a neuron fires and slowly comes back down. Most questions asked of a
# recording — how active is this neuron, which neurons fire together (lesson 07) — start by
# turning each trace into a list of **events**: when did the trace rise clearly above its noise,
# how high, for how long. This lesson builds that detector step by step, measures its events, and
# scores it against the ground truth of a simulation — simple, then realistic — before running
# it on real recordings, some with their neuron's spikes recorded electrically at the same time.
#
# **Learning objectives** — after this lesson you can
# 1. explain why a calcium event is not a spike, and count both in a simulated recording;
# 2. measure a trace's noise robustly (1.4826 × MAD) and express the trace as robust z-scores;
# 3. find threshold crossings and event onsets, and explain what a lower level (hysteresis), a
#    minimum duration and a minimum separation add;
# 4. add a second, absolute threshold that protects barely active neurons from false events;
# 5. find peaks with `scipy.signal.find_peaks` and measure each event's full width at half maximum;
# 6. draw traces with their events and a raster, and compute event features — rates, amplitudes,
#    inter-event intervals, the fraction of active neurons — and a metric of your own;
# 7. score detections against ground truth with precision, recall and F1, choose a threshold and
#    build a detector of your own that holds on recordings you have not seen;
# 8. say what a simple simulation hides (supralinear and saturating indicators, small single
#    spikes in population imaging) and estimate false events without ground truth from the
#    sign-flipped traces;
# 9. run detectors on a real population recording and score them against real, electrically
#    recorded spikes.
#
# **Time:** about 2 hours. **Prerequisites:** lesson 05 (ΔF/F₀ and noise σ), NumPy boolean
# masks, `np.diff`, `np.flatnonzero`; matplotlib's `plot` and `scatter`.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import math

import matplotlib.pyplot as plt
import numpy as np
from scipy.signal import find_peaks

from helpers import data, events as ev, groundtruth, plots
from helpers.lessons import events as lesson06

# Simulated GCaMP6s recording with known spikes: 40 neurons, 5 minutes at 10 Hz.
# dff is ΔF/F₀ as a fraction, made with the TRUE neuropil ratio and baseline, so it is the
# true calcium signal plus noise: here we study event detection alone.
dff, fs, truth = lesson06.simulated_dff()
n_neurons, n_frames = dff.shape
time_s = np.arange(n_frames) / fs
print(f"dff: {n_neurons} neurons x {n_frames} frames at {fs} Hz ({n_frames / fs:.0f} s)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. A calcium event is not a spike
#
# A spike lets calcium into the cell body; the indicator (GCaMP6s here) binds it and glows for
# about a second: ΔF/F₀ jumps within ~0.2 s and decays with a time constant of ~0.7 s. A
# **calcium event** is what we can see of that in a noisy trace — a stretch that rises clearly
# above the noise. The two are related but not the same:
#
# - spikes closer together than about one decay time **add up into one event** (a burst);
# - a **lone spike** gives a small transient that noise can hide — no event at all;
# - noise alone can, rarely, look like an event.
#
# So an event detector counts *bursts of activity*, not spikes. To score it fairly, we group the
# simulation's true spikes into **bursts** too: spikes are taken in time order and a spike less
# than `merge_s` seconds after the previous one joins its burst (`ev.spike_bursts`, with
# `merge_s` = the indicator's decay time constant, `truth.indicator["decay_s"]`).
#
# **Example** — neuron 4 over one minute: its true spikes (ticks), the noiseless calcium signal
# and what we measure (ΔF/F₀ with noise).

# %% mystnb={"image": {"alt": "One simulated neuron over 60 seconds: black ticks mark true spikes, a smooth line the noiseless calcium signal and a noisy line the measured dF/F0; close spikes merge into one larger transient."}}
window = time_s < 60
fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
ax.plot(time_s[window], dff[4, window], lw=0.7, label="measured ΔF/F₀")
ax.plot(time_s[window], truth.calcium[4, window], lw=1.5, label="true calcium signal")
spikes_s = truth.spike_times_s[4][truth.spike_times_s[4] < 60]
ax.vlines(spikes_s, -0.35, -0.2, color="#000000", lw=1, label="true spikes")
ax.set(xlabel="time (s)", ylabel="ΔF/F₀ (fraction)", title="neuron 4: spikes, calcium, measurement")
ax.legend(loc="upper right", frameon=False, fontsize="small");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-bursts-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — *Predict first:* in the figure, are there more true spikes or more bursts,
# and roughly how many bursts would you count by eye? Then, for neuron 4, store the number of true
# spikes in `n_spikes_4` and the number of true bursts in `n_bursts_4` (Python or NumPy integers).
# `truth.spike_frames[4]` holds the frame of each of its spikes (one entry per spike, in time
# order). Count the bursts yourself from the rule above: the first spike starts a burst, and so
# does every spike that comes `merge_s` **seconds** or more after the previous spike (the frames
# are at `fs` Hz; `merge_s` is `truth.indicator["decay_s"]`). `ev.spike_bursts` applies the same
# rule, if you want to compare.

# %% nbgrader={"grade": false, "grade_id": "ex-bursts", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
frames_4 = np.asarray(truth.spike_frames[4])
n_spikes_4 = frames_4.size
n_bursts_4 = int(frames_4.size > 0) + int(np.sum(np.diff(frames_4) / fs >= truth.indicator["decay_s"]))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-bursts-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_bursts; check_bursts(n_spikes_4, n_bursts_4)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Each neuron in units of its own noise: robust z-scores
#
# "Clearly above the noise" needs each neuron's noise level σ. Its standard deviation is a poor
# estimate: events are large, positive and skewed, so an active neuron's standard deviation is
# inflated by its own events — and a threshold built on it would hide them. The **median absolute
# deviation** (MAD) ignores the rare large values:
#
# $$\mathrm{MAD}(x) = \operatorname{median}_t\,\bigl|x_t - \operatorname{median}(x)\bigr|,
# \qquad \sigma = 1.4826 \times \mathrm{MAD}(x).$$
#
# The factor 1.4826 makes σ equal the standard deviation for Gaussian noise. (Medians are NumPy's
# `np.median`: for an even number of frames, the mean of the two middle values.) The **robust
# z-score** expresses a trace in units of its own noise:
#
# $$z_t = \frac{x_t - \operatorname{median}(x)}{1.4826\,\mathrm{MAD}(x)}.$$
#
# Then one threshold, say z > 3, means the same for a quiet and for a noisy neuron.
#
# A NumPy tool you need here: a reduction along one axis drops that axis, so `np.median(dff,
# axis=1)` has shape `(n_neurons,)` and cannot be subtracted from the `(n_neurons, n_frames)`
# array row by row. With `keepdims=True` the axis stays, with length 1 — shape `(n_neurons, 1)` —
# and broadcasting then subtracts each row's own median from that row.
#
# **Exercise 2.1** — *Predict first:* for which neurons will the standard deviation exceed σ the
# most — quiet or active ones? For every simulated neuron (each row of `dff`), compute the robust
# noise level σ = 1.4826 × MAD and store the values in `noise_sigma`, and the plain standard
# deviation (`np.std`, ddof = 0) in `noise_std` — both float arrays with one value per neuron. The
# example after the check shows whether your prediction holds.

# %% nbgrader={"grade": false, "grade_id": "ex-sigma", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
centre = np.median(dff, axis=1, keepdims=True)
noise_sigma = 1.4826 * np.median(np.abs(dff - centre), axis=1)
noise_std = dff.std(axis=1)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-sigma-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_noise; check_noise(noise_sigma, noise_std)

# %% [markdown] nbgrader={"grade": false, "grade_id": "sigma-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the simulation knows each neuron's true noise (in ΔF/F₀ units: the noise σ of the
# raw trace over the mean baseline). The standard deviation overestimates it, the more so the
# more active the neuron; the MAD estimate stays much closer (slightly high for the most active
# neurons, whose events fill a sizeable share of the frames).

# %% mystnb={"image": {"alt": "Scatter of estimated against true noise level per neuron: the MAD-based estimates lie close to the identity line, the standard deviations well above it for the more active neurons."}}
sigma_ref = 1.4826 * np.median(np.abs(dff - np.median(dff, axis=1, keepdims=True)), axis=1)
true_sigma = truth.noise_sd / truth.f0.mean(axis=1)
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
ax.scatter(true_sigma, dff.std(axis=1), s=15, label="standard deviation")
ax.scatter(true_sigma, sigma_ref, s=15, marker="s", label="1.4826 × MAD")
lims = [0, 1.1 * dff.std(axis=1).max()]
ax.plot(lims, lims, color="#000000", lw=0.8, label="identity")
ax.set(xlabel="true noise σ (ΔF/F₀)", ylabel="estimated σ (ΔF/F₀)", title="noise estimates per neuron")
ax.legend(frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-robustz-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — Write a function `robust_z(x)` that takes **one** trace (a 1-D float array)
# and returns its robust z-score, a float array of the same shape:
# `(x − median(x)) / (1.4826 × median(|x − median(x)|))`. You may assume the MAD is not zero.

# %% nbgrader={"grade": false, "grade_id": "ex-robustz", "locked": false, "schema_version": 3, "solution": true, "task": false}
def robust_z(x):
    ### BEGIN SOLUTION
    centre = np.median(x)
    return (x - centre) / (1.4826 * np.median(np.abs(x - centre)))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-robustz-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_robust_z; check_robust_z(robust_z)
### BEGIN HIDDEN TESTS
check_robust_z(robust_z, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Threshold crossings, onsets and what makes an event
#
# The simplest detector marks the frames where the z-score **crosses a threshold k upwards**: frame
# t is a crossing when `z[t] > k` and the frame before was not above it, `z[t−1] ≤ k`. The first
# frame of the trace counts as a crossing when it is already above k (the trace "starts in" an
# event). Each crossing is the **onset** of a run of frames above k.
#
# A bare crossing is a fragile event definition: noise makes the trace flicker around k — several
# crossings on one transient's rise and decay — and a single noisy frame above k becomes an
# "event". `ev.detect_events` adds three rules, all with durations in seconds (a stretch of m
# frames lasts m / fs s; "at least d seconds" means at least `ceil(d · fs)` frames):
#
# 1. **hysteresis** — an event must reach the upper level `median + k·σ` (k = 3), but it lasts as
#    long as the trace stays above a lower level `median + k_low·σ` (k_low = 1.5): its onset is
#    where the trace rises out of the noise, its offset where it falls back (`k_low = k` gives a
#    single threshold);
# 2. **separation** — two stretches with a gap shorter than `min_separation_s` (0.3 s) are merged:
#    a dip under the level on a noisy decay does not split a transient;
# 3. **duration** — events shorter than `min_duration_s` (0.2 s) are dropped: noise lasts a frame,
#    a calcium transient much longer.
#
# Events come back as an `ev.Events` table of flat arrays, one entry per event, sorted by neuron
# then onset: `neuron`, `onset` (first frame above the lower level), `peak` (frame of the
# maximum), `offset` (first frame after the event: the event covers `onset <= t < offset`),
# `amplitude` (peak value minus the neuron's median, in ΔF/F₀) and `fwhm_s` (section 6).
#
# **Example** — neuron 4's z-score with k = 3: its upward crossings, and the events of
# `ev.detect_events` shaded.

# %% mystnb={"image": {"alt": "Robust z-score of neuron 4 over 60 seconds with a dashed line at z = 3; orange crosses mark upward crossings of that line and shaded bands the events found by detect_events."}}
z_all = ev.robust_zscore(dff)
above = z_all[4] > 3
crossings = np.flatnonzero(above & ~np.r_[False, above[:-1]])
sim_events = ev.detect_events(dff, fs)   # the reference events of the simulated recording
fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
lesson06.plot_events(time_s, z_all, sim_events, [4], ax=ax, ylabel="robust z-score")
ax.axhline(3, color="#000000", ls="--", lw=0.8)
ax.plot(time_s[crossings], z_all[4, crossings], "x", color="#D55E00", label="upward crossing of k = 3")
ax.set_xlim(0, 60)
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small")
print(f"{len(sim_events)} events in {n_neurons} neurons; neuron 4: {np.sum(sim_events.neuron == 4)} events, "
      f"{crossings.size} crossings of z = 3")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-onsets-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Write a function `threshold_onsets(z, k)` that returns, as an **integer** NumPy
# array in increasing order, every frame t of the 1-D array `z` where z crosses `k` upwards:
# `z[t] > k` (strictly) and either `t == 0` or `z[t − 1] <= k`. With no crossing it returns an
# empty integer array. (Hint: a boolean mask, the same mask shifted by one frame, `np.flatnonzero`.)

# %% nbgrader={"grade": false, "grade_id": "ex-onsets", "locked": false, "schema_version": 3, "solution": true, "task": false}
def threshold_onsets(z, k):
    ### BEGIN SOLUTION
    above = np.asarray(z) > k
    was_above = np.r_[False, above[:-1]]
    return np.flatnonzero(above & ~was_above)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-onsets-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_threshold_onsets; check_threshold_onsets(threshold_onsets)
### BEGIN HIDDEN TESTS
check_threshold_onsets(threshold_onsets, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "rules-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — what each rule adds. The rules are switched on one at a time (a "minimum
# duration" of 0.01 s keeps every stretch of at least one frame), and the events are scored against
# the true bursts. Section 9 defines the scores; for now, *precision* is the share of detected
# events that are real and *recall* the share of true bursts that were found.

# %% nbgrader={"grade": false, "grade_id": "rules-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
rule_sets = {"crossings of 3σ only": dict(k_low=3.0, min_duration_s=0.01, min_separation_s=0),
             "+ lower level 1.5σ": dict(min_duration_s=0.01, min_separation_s=0),
             "+ separation 0.3 s": dict(min_duration_s=0.01),
             "+ duration 0.2 s (the defaults)": dict()}
bursts_ref = lesson06.true_bursts(truth, fs)
print(f"{'rules':34s}{'events':>7s}{'precision':>11s}{'recall':>8s}")
for label, options in rule_sets.items():
    found = ev.detect_events(dff, fs, **options)
    score = ev.match_events(found.per_neuron("onset"), bursts_ref, fs, tolerance_s=0.5)
    print(f"{label:34s}{len(found):7d}{score.precision:11.2f}{score.recall:8.2f}")
print(f"{'true bursts':34s}{sum(b.size for b in bursts_ref):7d}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. A second, absolute threshold for quiet neurons
#
# The z threshold is relative: `k·σ` is as small as the neuron's noise. For a bright, low-noise
# neuron that barely fires, σ is set by nothing but that small noise, so `k·σ` can be a ΔF/F₀
# change of 1–2 %, and any small, slow fluctuation that is not a spike — a slightly mis-subtracted
# neuropil, a small movement out of the focal plane — passes it. (In the example below, we added
# four such bumps of 3–6 % ΔF/F₀ to a simulated neuron.) A second, **absolute** threshold on the
# amplitude removes those: `ev.detect_events(..., min_amplitude=a)` keeps an event only if its
# amplitude (peak minus the neuron's median, in ΔF/F₀ **as a fraction**) is at least `a`. Where to
# put `a` is a real decision: above the fluctuations that are not spikes, but below the smallest
# transient a single spike gives — and that is smaller than one spike's nominal amplitude (0.23
# for GCaMP6s in this simulation) in neurons with less indicator, and lower again when a slow
# frame rate samples the transient after its peak.
#
# **Example** — a bright, barely active neuron: a few true spikes in 5 minutes, and four slow bumps.

# %% mystnb={"image": {"alt": "Trace of a barely active simulated neuron over 300 seconds with its events shaded: four tall transients at the true spikes, and several small slow bumps that the k-sigma threshold alone also calls events."}}
quiet, quiet_fs, quiet_spikes = lesson06.quiet_trace()
quiet_time = np.arange(quiet.size) / quiet_fs
fig, ax = plt.subplots(figsize=(9, 3), layout="constrained")
lesson06.plot_events(quiet_time, quiet[None], ev.detect_events(quiet, quiet_fs), [0], ax=ax)
ax.vlines(quiet_spikes / quiet_fs, -0.08, -0.04, color="#000000", lw=1.5, label="true spikes")
ax.set_title("a quiet neuron: events with the k·σ threshold only")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-quiet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — *Predict first:* how many events will the k·σ threshold alone find in
# `quiet`? Then count them: store in `n_quiet_k_only` the number of events `ev.detect_events`
# finds in `quiet` (frame rate `quiet_fs`) with its default parameters (`len(events)` is the
# number of events).
#
# Then **choose** the absolute threshold: store in `quiet_min_amplitude` a value (ΔF/F₀ as a
# fraction) for `min_amplitude`. Look at the bumps and the spike-driven events in the figure, and
# at the amplitudes of the events of the 40 neurons (`sim_events.amplitude`, section 3), before you
# decide. The check applies your threshold to the quiet neuron — every true burst must stay and
# every bump must go — and to the lesson's 40 neurons, where it may cost at most 1 % of the true
# bursts the detector finds without it. When grading, the same is checked on other quiet neurons
# and other populations (4.8 and 7.5 Hz, GCaMP6f at 30 Hz).

# %% nbgrader={"grade": false, "grade_id": "ex-quiet", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_quiet_k_only = len(ev.detect_events(quiet, quiet_fs))
# Above the bumps (≤ 0.06), well below one spike's transient (about 0.23, less in dim neurons).
quiet_min_amplitude = 0.1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-quiet-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_quiet; check_quiet(n_quiet_k_only, quiet_min_amplitude)
### BEGIN HIDDEN TESTS
check_quiet(n_quiet_k_only, quiet_min_amplitude, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. Peaks with `scipy.signal.find_peaks`
#
# Another view of detection looks for **local maxima** instead of runs above a level.
# `scipy.signal.find_peaks(x, height=h, distance=d)` returns the frames of the samples larger than
# both neighbours, keeping those with `x ≥ h` and, of peaks closer than `d` frames (an integer, at
# least 1), only the tallest. On a noisy trace every wiggle is a local maximum, so `height` does
# the work of the threshold and `distance` stops one transient's noisy top from giving several
# peaks. Peaks are good at *when is the maximum*; runs above a level (section 3) at *when did it
# start and end* — `ev.detect_events` gives both.
#
# **Exercise 5.1** — *Predict first:* called on `dff[4]` with no `height` and no `distance`, would
# `find_peaks` return tens, hundreds or about a thousand peaks? (Try it.) Then find the peaks of
# neuron 4's ΔF/F₀ trace `dff[4]` that reach the level median + 3σ of that trace (its median and
# σ = 1.4826 × MAD, in ΔF/F₀ — the trace is not z-scored), keeping peaks at least one second
# apart: `find_peaks` counts `distance` in frames, so convert (the whole number of frames that
# covers one second). Store the frames (the first value `find_peaks` returns) in `peak_frames`.

# %% nbgrader={"grade": false, "grade_id": "ex-peaks", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
trace4 = dff[4]
level = np.median(trace4) + 3 * 1.4826 * np.median(np.abs(trace4 - np.median(trace4)))
peak_frames, _ = find_peaks(trace4, height=level, distance=math.ceil(1.0 * fs))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-peaks-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_peak_frames; check_peak_frames(peak_frames)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. How long is an event? Full width at half maximum
#
# The **full width at half maximum** (FWHM) of an event is the time the trace spends above half
# its amplitude: with `baseline` the neuron's median and `peak` the frame of the maximum, the
# *half level* is `baseline + (trace[peak] − baseline) / 2`. From the peak, walk left frame by
# frame to the first sample **at or below** the half level; the crossing lies between that sample
# and the next one towards the peak, found by **linear interpolation** (if sample i is at or below
# the level h and sample i + 1 above it, the crossing is at i + (h − x[i]) / (x[i+1] − x[i])).
# Walk right the same way. If the trace stays above the level up to the edge of the recording,
# the crossing is taken **at the edge frame** (0 or n − 1), and the width is then a lower bound.
# FWHM = (right crossing − left crossing) / fs seconds.
#
# A single GCaMP6s transient has a FWHM under ~1 s (rise ~0.2 s, half-decay ~0.55 s); bursts
# stack transients and last longer, but a width over ~5 s means something else — a slow drift, a
# baseline error, an artefact.
#
# **Example** — one event of neuron 4 with its half level and crossings:

# %% mystnb={"image": {"alt": "Close-up of one event of neuron 4 in dF/F0 against time: a dotted line marks the baseline, a dashed line the half-maximum level, and two markers the interpolated crossings whose distance is the FWHM."}}
mine = np.flatnonzero(sim_events.neuron == 4)
i = mine[np.argmax(sim_events.amplitude[mine])]
peak, base = sim_events.peak[i], sim_events.baseline[4]
half = base + sim_events.amplitude[i] / 2
near = slice(peak - 20, peak + 40)
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
ax.plot(time_s[near], dff[4, near], "o-", ms=3, lw=0.8, label="ΔF/F₀ (neuron 4)")
ax.axhline(base, color="#000000", ls=":", lw=0.8, label="baseline (median)")
ax.axhline(half, color="#D55E00", ls="--", lw=0.8, label="half maximum")
left, right = lesson06.half_max_crossings(dff[4], peak, base)
ax.plot(np.array([left, right]) / fs, [half, half], "D", color="#D55E00", ms=6, label="crossings (interpolated)")
ax.set(xlabel="time (s)", ylabel="ΔF/F₀ (fraction)", title=f"FWHM = {sim_events.fwhm_s[i]:.2f} s")
ax.legend(loc="upper right", frameon=False, fontsize="small");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-fwhm-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** — Write a function `fwhm_s(trace, peak_index, baseline, fs)` that returns the
# FWHM in **seconds** (a float) of the event peaking at frame `peak_index` of the 1-D array
# `trace`, with the conventions above: half level `baseline + (trace[peak_index] − baseline) / 2`,
# the first sample at or below it on each side, linear interpolation towards the peak, the edge
# frame if the trace never falls to the level on that side.

# %% nbgrader={"grade": false, "grade_id": "ex-fwhm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def fwhm_s(trace, peak_index, baseline, fs):
    ### BEGIN SOLUTION
    x = np.asarray(trace, dtype=float)
    half = baseline + (x[peak_index] - baseline) / 2

    def crossing(step):
        i = peak_index
        edge = 0 if step < 0 else x.size - 1
        while i != edge and x[i] > half:
            i += step
        if x[i] >= half:  # at the edge, still above the level (or exactly on it)
            return float(i)
        return i - step * (half - x[i]) / (x[i - step] - x[i])

    return (crossing(+1) - crossing(-1)) / fs
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-fwhm-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_fwhm_s; check_fwhm_s(fwhm_s)
### BEGIN HIDDEN TESTS
check_fwhm_s(fwhm_s, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "fwhm-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the FWHM of every simulated event (`sim_events.fwhm_s`, measured the same way):

# %% mystnb={"image": {"alt": "Histogram of the full width at half maximum of all simulated GCaMP6s events, in seconds: most lie between 0.3 and 1 second, all far below the 5-second line."}}
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.hist(sim_events.fwhm_s, bins=30)
ax.axvline(5, color="#D55E00", ls="--", label="5 s")
ax.set(xlabel="FWHM (s)", ylabel="number of events", title="event widths, simulated GCaMP6s")
ax.legend(frameon=False)
print(f"median FWHM {np.median(sim_events.fwhm_s):.2f} s; fraction under 5 s: {np.mean(sim_events.fwhm_s < 5):.3f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Seeing the events: highlighted traces and a raster
#
# Always look at what a detector found: shade each event on its trace, and draw a **raster** —
# one mark per event, time on the x-axis and neuron id on the y-axis. As an array, a raster is a
# boolean matrix `(n_neurons, n_frames)` with True at each event's **onset** frame (the onset is
# when the neuron became active; lesson 07 bins these to find neurons that fire together).
#
# **Example** — the raster of the simulated recording as a scatter plot:

# %% mystnb={"image": {"alt": "Raster of the simulated recording: event onsets as short vertical marks, time in seconds on the x-axis and neuron id 0 to 39 on the y-axis; some neurons have many events, others few."}}
fig, ax = plt.subplots(figsize=(9, 4), layout="constrained")
lesson06.plot_raster(sim_events, ax=ax, title="event onsets, simulated recording");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-raster-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — From the reference events `sim_events` (computed above with
# `ev.detect_events(dff, fs)`), build the onset raster `onset_raster`: a boolean array of shape
# `(n_neurons, n_frames)` that is True in each event's neuron row at the event's onset frame, and
# False everywhere else. Build it with NumPy, without a loop over events (one fancy-indexing
# assignment can set all of them); `ev.event_raster` does the same, if you want to compare.

# %% nbgrader={"grade": false, "grade_id": "ex-raster", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
onset_raster = np.zeros((n_neurons, n_frames), dtype=bool)
onset_raster[sim_events.neuron, sim_events.onset] = True
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-raster-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_onset_raster; check_onset_raster(onset_raster)

# %% [markdown] nbgrader={"grade": false, "grade_id": "fig-events-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Task 7.2** (manually graded: a deliverable figure) — Plot the ΔF/F₀ traces of neurons 4, 19
# and 30 over the first 120 s, stacked, with every event of `sim_events` highlighted (shaded from
# onset to offset, or its onset and peak marked) and the true spikes of each neuron as ticks. Label
# the axes with units, add a legend, and make the figure readable in grey scale and for
# colour-blind readers. (`lesson06.plot_events` can do the shading; you may also write your own.)

# %% nbgrader={"grade": true, "grade_id": "fig-events", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "Three simulated neurons' dF/F0 traces over 120 seconds, stacked, with each detected event shaded in the trace's colour, event peaks marked with triangles and true spikes as black ticks below each trace."}}
### BEGIN SOLUTION
first = time_s < 120
shown_events = ev.detect_events(dff[:, first], fs)
fig, ax = plt.subplots(figsize=(10, 5), layout="constrained")
lesson06.plot_events(time_s[first], dff[:, first], shown_events, [4, 19, 30], ax=ax, offset=1.0)
for row, n in enumerate([4, 19, 30]):
    spikes = truth.spike_times_s[n][truth.spike_times_s[n] < 120]
    ax.vlines(spikes, row - 0.25, row - 0.12, color="#000000", lw=1, label="true spikes" if row == 0 else None)
ax.set_title("events of neurons 4, 19 and 30 (stacked by 1 ΔF/F₀)")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small");
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s8-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. Event features — and a metric of our own
#
# Once events are a table, features are one line each:
#
# - **event rate** of a neuron: its number of events over the duration of the recording,
#   `n_frames / fs` seconds, in events per second (Hz); the **mean rate across neurons** averages
#   these rates over *all* neurons, silent ones included;
# - **amplitudes**: `events.amplitude`, in ΔF/F₀;
# - **inter-event intervals** (IEI): the time from each event's onset to the next onset *of the same
#   neuron*, in seconds; a neuron with m events gives m − 1 intervals;
# - **fraction of active neurons**: neurons with at least one event over all neurons, a fraction
#   (0.9, not 90).
#
# `ev.event_features(events)` computes these; here you compute them yourself (your function is
# compared with it, so it may not call it).
#
# **Exercise 8.1** — Write a function `summarise_events(neuron, onset, n_neurons, n_frames, fs)`.
# `neuron` and `onset` are the columns of an event table such as `sim_events` (`sim_events.neuron`,
# `sim_events.onset`: integer arrays, one entry per event, sorted by neuron, then onset), recorded
# from `n_neurons` neurons over `n_frames` frames at `fs` Hz. Some neurons may have no event at all,
# the last ones included. Return a dict with the keys
# - `"rates_hz"`: the event rate of each neuron (float array, one value per neuron, 0 for a silent one);
# - `"mean_rate_hz"`: the mean of these rates over all neurons, silent ones included (a float);
# - `"iei_s"`: all inter-event intervals in seconds as one flat float array, neuron 0's intervals
#   first (in time order), then neuron 1's, and so on — the order of the events in the table;
# - `"fraction_active"`: the fraction of neurons with at least one event (a float).
#
# (Hints: `np.bincount` counts events per neuron — what does it return when the last neurons
# are silent?; `np.diff` of the onsets, keeping only the differences between two events of the
# same neuron.) The check calls your function on
# `sim_events`, on a small table of its own and, when grading, on recordings you have not seen.

# %% nbgrader={"grade": false, "grade_id": "ex-features", "locked": false, "schema_version": 3, "solution": true, "task": false}
def summarise_events(neuron, onset, n_neurons, n_frames, fs):
    ### BEGIN SOLUTION
    counts = np.bincount(neuron, minlength=n_neurons)
    rates_hz = counts / (n_frames / fs)
    same_neuron = neuron[1:] == neuron[:-1]
    return {"rates_hz": rates_hz, "mean_rate_hz": float(rates_hz.mean()),
            "iei_s": np.diff(onset)[same_neuron] / fs, "fraction_active": float(np.mean(counts > 0))}
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-features-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_summarise_events; check_summarise_events(summarise_events)
### BEGIN HIDDEN TESTS
check_summarise_events(summarise_events, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s8b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### An original metric: the compound-event fraction
#
# Rates count events, but an event is not a spike (section 1): some events hold a burst of
# several spikes. Can we tell how often a neuron fires in bursts without deconvolving its trace?
# The idea: an event of several spikes is taller than a single-spike event of the same neuron. In
# this lesson's simulation transients add linearly — two spikes give exactly twice the height —
# but a real indicator does not: GCaMP binds calcium cooperatively (a Hill curve), so small bursts
# add *supralinearly* (two spikes give more than twice one spike's ΔF/F₀) and large ones
# *saturate* (Chen et al. 2013). Taller still means more spikes, but not in proportion. If most
# of a neuron's events are single spikes — true for sparsely firing cortical neurons — its
# **median event amplitude** is its single-spike amplitude, and an event well above it probably
# holds more than one spike. We define, for each neuron with at least 3 events, its
# **compound-event fraction**:
#
# $$C = \frac{\#\{\text{events with amplitude} > 1.5 \times \text{median event amplitude}\}}
#            {\#\{\text{events}\}}.$$
#
# It is dimensionless and per neuron, so it does not depend on the indicator's brightness, on the
# neuron's expression level or on ΔF/F₀ scaling errors — only on the *shape* of its amplitude
# distribution. 1.5 sits between one spike (1×) and two (2× if linear, more under a Hill
# curve). It needs a few events to have a meaningful median, hence the minimum of 3. It is blind
# to bursts faster than the indicator's rise (it sees their sum, not their number) and fooled by
# a neuron whose typical event is itself a burst.
#
# **Exercise 8.2** — Write a function `compound_event_fraction(amplitudes)` that takes a list of
# one array of event amplitudes per neuron (as `sim_events.per_neuron("amplitude")` gives, empty
# for a silent neuron) and returns the compound-event fraction of every neuron with **at least 3**
# events: a float array with one value per such neuron, in increasing neuron order (neurons with
# fewer than 3 events are left out). Use `np.median` and a strict `>`. The check calls it on the
# amplitudes of `sim_events`, of a small table of its own and, when grading, of other recordings.

# %% nbgrader={"grade": false, "grade_id": "ex-metric", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compound_event_fraction(amplitudes):
    ### BEGIN SOLUTION
    return np.array([np.mean(a > 1.5 * np.median(a)) for a in amplitudes if a.size >= 3], dtype=float)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-metric-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_compound_event_fraction; check_compound_event_fraction(compound_event_fraction)
### BEGIN HIDDEN TESTS
check_compound_event_fraction(compound_event_fraction, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "metric-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — does the metric measure what it claims? The simulation knows which true bursts
# hold two or more spikes. Each point is a neuron:

# %% mystnb={"image": {"alt": "Scatter of the compound-event fraction of each neuron against the true fraction of its spike bursts holding two or more spikes; the points rise together, mostly a little below the identity line, with the correlation printed in the title."}}
cf_ref = lesson06.compound_fraction(sim_events)
eligible_neurons = np.flatnonzero(np.bincount(sim_events.neuron, minlength=n_neurons) >= 3)
true_multi = lesson06.true_multi_spike_fraction(truth, fs, eligible_neurons)
r = np.corrcoef(cf_ref, true_multi)[0, 1]
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
ax.scatter(true_multi, cf_ref, s=18)
ax.plot([0, 0.35], [0, 0.35], color="#000000", lw=0.8, label="identity")
ax.set(xlabel="true fraction of bursts with ≥ 2 spikes", ylabel="compound-event fraction C",
       title=f"metric vs ground truth (r = {r:.2f})")
ax.legend(frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "metric-circular-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The metric tracks the truth (r ≈ 0.9) but reads low: two spikes up to a decay time apart add less
# than twice the amplitude, so some two-spike events stay under 1.5× the median.
#
# **But this validation is circular.** The metric assumes that amplitude grows with the number of
# spikes and that most events are single spikes; the lesson's simulation was built with linear
# transients and sparse single spikes, so it cannot fail. The simulator can switch on what real
# recordings have: bursts (`burst_spikes=1.6`: 40 % of firing events hold two or more spikes),
# the indicator's Hill nonlinearity (`nonlinearity="hill"`), or everything of population imaging
# at once (`regime="realistic"`: small single-spike transients that vary from spike to spike,
# bursts, the Hill curve, a shared slow gain and realistic noise). First the nonlinearity itself —
# the noise-free height of isolated bursts of 1–5 spikes, relative to the same neuron's single
# spikes — then the metric's correlation with the truth on each kind of recording:

# %% mystnb={"image": {"alt": "Noise-free peak dF/F0 of isolated bursts against their number of spikes, relative to a single spike of the same neuron: the linear simulation lies on the identity line, the Hill nonlinearity above it, about 2.3 times for two spikes and 8 times for five."}}
fig, ax = plt.subplots(figsize=(5, 3.5), layout="constrained")
for nonlinearity, marker in (("linear", "o"), ("hill", "s")):
    sizes, ratio = lesson06.isolated_burst_amplitudes(nonlinearity)
    ax.plot(sizes, ratio, marker=marker, label=f"{nonlinearity} (simulated GCaMP6s)")
ax.set(xlabel="spikes in the burst", ylabel="peak ΔF/F₀ / single-spike peak (ratio)",
       title="bursts under a linear and a Hill indicator")
ax.legend(frameon=False)
for row in lesson06.metric_validity():
    print(f"{row['recording']:48s} r = {row['r']:5.2f} over {row['neurons']} neurons")

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-metric-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# At the simulation's single-spike amplitude, the Hill curve is supralinear: two spikes give about
# 2.3 times one spike's ΔF/F₀, five about 8 times (saturation comes only with many more spikes, or
# at the higher resting calcium of an active neuron). The metric's good agreement holds only on
# the recording it was designed on. With bursts, many neurons' *typical* event is a burst, the
# median is no longer a single spike and the correlation collapses; the Hill curve restores a
# little of it (bursts stand out more); in the realistic regime, where single spikes are small,
# vary in size and are mostly missed (section 9), it is gone. A metric validated on a linear
# simulation of single spikes says nothing about a real recording — validate against real spikes
# (section 11), or against a simulation that has the mechanisms that could break it.
#
# **Question 8.3** (manually graded) — The compound-event fraction tracked the truth only in the
# lesson's linear simulation. Name two situations in a **real** recording where it would mislead,
# and say for each whether it would read too high or too low. Then propose one change to the metric (or a check to run beside it)
# that guards against one of them.

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-metric", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* (1) A neuron that mostly fires in bursts: its median event is itself a burst,
# so single spikes sit *below* the median and only very large bursts pass 1.5× — C reads too low.
# (2) Indicator saturation or nonlinearity (GCaMP's Hill-type response; high calcium): two spikes
# give less than twice the amplitude, so C reads too low; the opposite nonlinearity at low calcium
# (supralinear GCaMP6 response) makes it read too high. (3) Noise: a neuron with low SNR has
# amplitudes widely spread by noise alone, and the largest noise-inflated single-spike events
# pass 1.5× — too high; so does slow drift or an unremoved baseline shift that lifts some events.
# (4) Events merged by the minimum separation (two bursts seconds apart) inflate amplitudes only
# little but lengthen events. Guards: require a minimum SNR (median amplitude / σ above, say, 5)
# before reporting C; use a low quantile (e.g. the 25th percentile) of amplitudes as the single-
# spike reference instead of the median; or combine amplitude with width (compound events are
# also longer, FWHM > 1.5× the median FWHM). Any two valid situations with the direction of the
# error and one sensible guard earn full marks.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s9-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. How good is the detector? Precision, recall and F1
#
# On simulated data we know the true bursts, so we can score detections. A detected onset
# **matches** a true burst onset of the same neuron when they are at most a tolerance apart,
# before or after (`|detected − true| <= tolerance`), and each event matches **at most one**
# partner (one-to-one). Then
#
# - **precision** = matched / detected — how many detections are real;
# - **recall** = matched / true — how many real bursts were found;
# - **F1** = 2 · precision · recall / (precision + recall), their harmonic mean.
#
# By convention precision is 1 when nothing was detected (no false alarm), recall is 1 when there
# was nothing to find, and F1 is 0 when precision and recall are both 0.
#
# **Exercise 9.1** — Write a function `precision_recall_f1(detected, true, tolerance_frames)` for
# one neuron: `detected` and `true` are 1-D integer arrays of frames in increasing order (either
# may be empty), `tolerance_frames` a number of frames. Match them one-to-one **greedily**: take
# the true events in increasing order, and match each to the **earliest** detected event not yet
# matched with `|detected − true| <= tolerance_frames` (if there is one). Return the tuple
# `(precision, recall, f1)` of three floats, with the conventions above. (For windows of equal
# width this greedy rule finds the largest possible number of matches.)

# %% nbgrader={"grade": false, "grade_id": "ex-prf", "locked": false, "schema_version": 3, "solution": true, "task": false}
def precision_recall_f1(detected, true, tolerance_frames):
    ### BEGIN SOLUTION
    used = np.zeros(len(detected), dtype=bool)
    matched = 0
    for t in true:
        candidates = np.flatnonzero(~used & (np.abs(np.asarray(detected) - t) <= tolerance_frames))
        if candidates.size:
            used[candidates[0]] = True
            matched += 1
    precision = matched / len(detected) if len(detected) else 1.0
    recall = matched / len(true) if len(true) else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return float(precision), float(recall), float(f1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-prf-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_precision_recall_f1; check_precision_recall_f1(precision_recall_f1)
### BEGIN HIDDEN TESTS
check_precision_recall_f1(precision_recall_f1, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s9b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# For the whole recording, `ev.match_events(detected, true, fs, tolerance_s)` does the same for all
# neurons at once (lists of per-neuron arrays, tolerance in seconds) and returns a `MatchScore`
# with `.precision`, `.recall` and `.f1`.
#
# **Exercise 9.2** — How does the threshold k trade precision for recall? Write a function
# `score_thresholds(dff, fs, bursts, ks)` that, for each k in `ks`, in that order, detects events
# in `dff` with the lesson's detector `ev.detect_events` at threshold k (its other parameters at
# their defaults: lower level 1.5σ, 0.2 s, 0.3 s), and scores their onsets against the true bursts
# `bursts` (one array of frames per neuron) with `ev.match_events` and a tolerance of 0.5 s. It
# returns the tuple `(precision, recall, f1)` of three float arrays, one value per k. (The check
# also calls it on a recording at another frame rate, with other thresholds.) Then call it with
# `dff`, `fs`, the true bursts of the simulation — every neuron's spikes grouped as in section 1,
# with the indicator's decay time as the merge window (`ev.spike_bursts` takes the whole list of
# neurons at once) — and the thresholds `lesson06.K_SWEEP` (2, 2.5, 3, 4, 5, 6, 8); store its
# results in `precision_by_k`, `recall_by_k` and `f1_by_k`, and the k with the highest F1 in
# `best_k` (a float). *Predict first:* which of the three scores will rise with k?

# %% nbgrader={"grade": false, "grade_id": "ex-sweep", "locked": false, "schema_version": 3, "solution": true, "task": false}
def score_thresholds(dff, fs, bursts, ks):
    ### BEGIN SOLUTION
    scores = [ev.match_events(ev.detect_events(dff, fs, k=k).per_neuron("onset"), bursts, fs, tolerance_s=0.5)
              for k in ks]
    return tuple(np.array([getattr(s, name) for s in scores]) for name in ("precision", "recall", "f1"))
    ### END SOLUTION


### BEGIN SOLUTION
bursts = ev.spike_bursts(truth.spike_frames, fs, merge_s=truth.indicator["decay_s"])
precision_by_k, recall_by_k, f1_by_k = score_thresholds(dff, fs, bursts, lesson06.K_SWEEP)
best_k = float(lesson06.K_SWEEP[np.argmax(f1_by_k)])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-sweep-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_score_thresholds; check_score_thresholds(score_thresholds, precision_by_k, recall_by_k, f1_by_k, best_k)
### BEGIN HIDDEN TESTS
check_score_thresholds(score_thresholds, precision_by_k, recall_by_k, f1_by_k, best_k, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "sweep-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the trade-off as a figure:

# %% mystnb={"image": {"alt": "Precision, recall and F1 of the event detector against the threshold k from 2 to 8 noise standard deviations: precision rises towards 1, recall falls steeply above k = 4, and F1 peaks around k = 3."}}
p_ref, r_ref, f_ref = lesson06.k_sweep(dff, fs, lesson06.true_bursts(truth, fs))
fig, ax = plt.subplots(figsize=(6, 3.5), layout="constrained")
for values, label, marker in [(p_ref, "precision", "o"), (r_ref, "recall", "s"), (f_ref, "F1", "^")]:
    ax.plot(lesson06.K_SWEEP, values, marker=marker, label=label)
ax.set(xlabel="threshold k (noise σ above the median)", ylabel="score (fraction)", ylim=(0, 1.05),
       title="detections vs true spike bursts (±0.5 s)")
ax.legend(frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-k-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 9.3** (manually graded) — Explain in three to five sentences why precision rises and
# recall falls as k increases, what kind of true bursts are lost first, and which k you would use
# (a) to count how many neurons are active at all and (b) to find ensembles in lesson 07 where a
# false event can create a spurious coincidence. Why is F1 not the whole story?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-k", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* A higher k demands a larger excursion above the noise: noise alone rarely reaches
# it, so false detections vanish and precision approaches 1; but small true transients no longer
# reach it either, so recall falls. Lone single spikes go first (about one spike's amplitude, a
# few σ at this SNR, less in neurons with a small spike amplitude or larger noise), then two-spike
# bursts; large bursts survive even at k = 8. (a) To count active neurons, missing a neuron's only
# small events matters more than one false event, and one event suffices: a lower k (2.5–3) with
# an absolute amplitude threshold; (b) for ensembles, false events create chance coincidences
# while missing some true ones only weakens the signal, so prefer precision: k ≈ 4 (precision
# ≈ 1, recall still ~0.7). F1 weighs false alarms and misses equally, but their costs depend on the
# question; it also depends on the matching tolerance and on how true events are defined (bursts
# vs spikes), and a simulation's SNR may not match the real recording's.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mydetector-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### Your own detector, scored against the truth
#
# **Exercise 9.4** — Write a function `my_detector(dff, fs)` that takes ΔF/F₀ traces (a float array
# `(n_neurons, n_frames)`, a fraction) recorded at `fs` Hz and returns the **onset frames** of the
# events it finds: a list with one integer array per neuron (rows of `dff`, in order; an empty
# array for a neuron without events). Choose the method and its parameters yourself — anything
# from this lesson, with `ev.detect_events` or your own code, or something else (an `ev.Events`
# table is accepted too). It is scored as in Exercise 9.2: one-to-one matching of your onsets with
# the true bursts within ±0.5 s: an **F1 of at least 0.8** on the lesson's recording passes and,
# when grading, **at least 0.72** on recordings you have not seen, which are harder: GCaMP6f at
# 30 Hz, GCaMP6s at 4.8 Hz, and a noisier GCaMP6s recording. Rules stated in frames, or a threshold in ΔF/F₀ tuned to this
# recording, will not carry over.

# %% nbgrader={"grade": false, "grade_id": "ex-mydetector", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_detector(dff, fs):
    ### BEGIN SOLUTION
    # Hysteresis (2.5σ to start, 1.5σ to bound), 0.3 s separation, 0.2 s minimum duration: every
    # rule in noise units and seconds, so it holds for another indicator, noise level or frame rate.
    # k = 2.5 rather than 3: on the noisier and faster recordings k = 3 misses small bursts.
    return ev.detect_events(dff, fs, k=2.5, k_low=1.5, min_duration_s=0.2, min_separation_s=0.3).per_neuron("onset")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-mydetector-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_my_detector; check_my_detector(my_detector)
### BEGIN HIDDEN TESTS
check_my_detector(my_detector, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "realistic-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The same detector in a harder simulation
#
# The scores above are optimistic. The lesson's simulation gives every spike of a neuron the same
# transient, of 0.23 ΔF/F₀ for GCaMP6s — Chen et al.'s (2013) figure for zoomed-in cells with
# viral expression. Under population-imaging conditions single spikes are far smaller and vary
# from spike to spike: Huang et al. (2021) detected **under 10 % of single spikes** (and 20–30 % of
# doublets) in such recordings. The simulator's realistic regime models this (small, variable
# single-spike transients, bursts, the Hill nonlinearity, a slow gain shared by the neurons, noise
# calibrated on real recordings); here are the same 40 neurons, firing at the same rates, in both
# regimes, with the detector's defaults:

# %% mystnb={"image": {"alt": "Two rows of traces of the same simulated neuron, simple regime on top and realistic regime below, over 60 seconds, with detected events shaded and true spikes as ticks: in the realistic regime most single spikes leave no visible transient and only bursts are detected."}}
regimes = lesson06.regime_comparison()
print(f"{'regime':10s}{'events':>7s}{'precision':>10s}{'recall':>7s}{'F1':>6s}{'single spikes found':>21s}"
      f"{'bursts of ≥ 2 found':>21s}")
for row in regimes:
    print(f"{row['regime']:10s}{row['events']:7d}{row['precision']:10.2f}{row['recall']:7.2f}{row['f1']:6.2f}"
          f"{row['single']:21.2f}{row['multi']:21.2f}")
hard_dff, _, hard_truth = lesson06.simulated_dff(regime="realistic")
fig, axes = plt.subplots(2, 1, figsize=(9, 5), layout="constrained", sharex=True)
for ax, (label, x, x_truth) in zip(axes, [("simple", dff, truth), ("realistic", hard_dff, hard_truth)]):
    lesson06.plot_events(time_s, x, ev.detect_events(x, fs), [4], ax=ax)
    ax.vlines(x_truth.spike_times_s[4], -0.3, -0.15, color="#000000", lw=1, label="true spikes")
    ax.set_title(f"neuron 4, {label} regime")
    ax.set_xlim(0, 60)
axes[0].set_xlabel("")
axes[1].legend().remove()

# %% [markdown] nbgrader={"grade": false, "grade_id": "realistic-after-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# What changes: in the realistic regime the detector still finds most bursts of two or more spikes
# (about 2 in 3), but only about **1 single spike in 7** — in line with Huang et al. — so its
# recall against all bursts drops from 0.9 to under 0.4, while its precision stays high (an event
# it does report is usually real). An event is evidence of a burst, and a neuron without events is
# not a silent neuron. Rates, "fraction active" and anything built on event counts inherit this,
# and the F1 bound of Exercise 9.4 could not be met there by any threshold detector.
#
# ### Estimating false events without ground truth: negative-going transients
#
# A real recording has no ground truth, but it has a control. Calcium transients go **up**; noise
# goes up and down alike. So run the same detector on the **sign-flipped** trace (`2 · median − x`,
# a mirror image around the baseline): whatever it finds there is noise that looks like an event,
# and its number estimates the false events among the real detections (Dombeck et al. 2007). In
# the simulation we can compare the estimate with the false events we know — detections with no
# true spike between 0.5 s before their onset and their offset:

# %% nbgrader={"grade": false, "grade_id": "flipped-example", "locked": true, "schema_version": 3, "solution": false, "task": false}
for row in regimes:
    print(f"{row['regime']:10s} events {row['events']:4d}: found in the flipped traces {row['flipped']:3d}, "
          f"false events known from the simulation {row['false']:3d}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "flipped-after-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The flipped traces give the right order of magnitude — 10 flipped events where the simulation
# knows of 16 false ones in the simple regime (1.3 % and 2.1 % of the events), 12 and 21 in the
# realistic one (6 % and 10 %: fewer real events, as much noise) — but they underestimate: some "false" events are a true transient lifted by noise a little early or late
# or split in two, which the mirror image cannot produce. Slow signals that are not spikes (the
# bumps of section 4, neuropil, movement) are also positive, so they escape the control. Use the
# flipped count as a lower bound on false events, and report it beside any event rate from real
# data.

# %% [markdown] nbgrader={"grade": false, "grade_id": "s10-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. The whole detection on a real recording
#
# The Allen Brain Observatory excerpt: ΔF/F₀ (a fraction) of 74 neurons of mouse visual cortex,
# 6001 frames at 30 Hz (about 200 s). The Allen Visual Coding mice express GCaMP6f, faster than
# GCaMP6s: its transients are a few hundred milliseconds wide. There is no ground truth here, so
# we look: the detector's defaults are stated in seconds, so they mean the same at 30 Hz as at 10.
#
# **Example** — the raster and three traces with their events:

# %% mystnb={"image": {"alt": "Top: raster of the Allen recording, event onsets of 74 neurons over 200 seconds. Bottom: three real dF/F0 traces over the first 60 seconds, stacked, with their detected events shaded and peaks marked."}}
allen = data.load_allen_dff()
allen_events = ev.detect_events(allen.traces, allen.fs)
allen_time = np.arange(allen.traces.shape[1]) / allen.fs
busiest = np.argsort(np.bincount(allen_events.neuron, minlength=allen.traces.shape[0]))[::-1][:3]
fig, axes = plt.subplots(2, 1, figsize=(10, 7), layout="constrained", height_ratios=[1, 1.2])
lesson06.plot_raster(allen_events, ax=axes[0], title="Allen Brain Observatory excerpt: event onsets")
lesson06.plot_events(allen_time, allen.traces, allen_events, list(busiest), ax=axes[1], offset=1.5)
axes[1].set_xlim(0, 60)
axes[1].set_title("the three neurons with the most events, first 60 s");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-allen-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 10.1** — *Predict first:* will the Allen neurons fire more or less often than the
# simulated ones (section 8), and will their events be wider or narrower? Then detect events in
# `allen.traces` at `allen.fs` with `ev.detect_events` and its defaults, and store:
# `allen_mean_rate_hz`, the mean event rate across all 74 neurons in events per second — over the
# **Allen** recording's duration, `allen.traces.shape[1] / allen.fs` seconds (the `n_frames` and
# `fs` of the set-up cell belong to the simulation); `allen_fraction_active`, the fraction of
# neurons with at least one event; and `allen_median_fwhm_s`, the median FWHM of all events in
# seconds. All three are floats. (`ev.event_features` may help.)

# %% nbgrader={"grade": false, "grade_id": "ex-allen", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
allen_found = ev.detect_events(allen.traces, allen.fs)
allen_counts = np.bincount(allen_found.neuron, minlength=allen.traces.shape[0])
allen_mean_rate_hz = float(np.mean(allen_counts / (allen.traces.shape[1] / allen.fs)))
allen_fraction_active = float(np.mean(allen_counts > 0))
allen_median_fwhm_s = float(np.median(allen_found.fwhm_s))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-allen-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_allen; check_allen(allen_mean_rate_hz, allen_fraction_active, allen_median_fwhm_s)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s10b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# A caution about those widths: at 30 Hz the noise is large relative to each frame's signal, the
# maximum of noisy samples overshoots and the first noisy sample below half maximum comes early, so
# raw FWHMs are biased short. Measured on wavelet-denoised traces (lesson 05) they are about twice
# as long — still far under 5 s:

# %% nbgrader={"grade": false, "grade_id": "allen-denoised", "locked": true, "schema_version": 3, "solution": false, "task": false}
from helpers import dff as dff_tools
denoised_events = ev.detect_events(dff_tools.wavelet_denoise(allen.traces), allen.fs)
print(f"median FWHM: raw {np.median(allen_events.fwhm_s):.2f} s, denoised {np.median(denoised_events.fwhm_s):.2f} s; "
      f"events: raw {len(allen_events)}, denoised {len(denoised_events)}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s11-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 11. Against real spikes
#
# The Allen recording has no ground truth; these do. In each of the course's eight **ground-truth
# recordings** one neuron was imaged while its spikes were recorded electrically (cell-attached)
# at the same time — six indicators (OGB-1, GCaMP6f, GCaMP6s, jGCaMP7f, jGCaMP8m), 15–158 Hz, from
# the CASCADE database (Rupprecht et al. 2021). `data.load_ground_truth(name)` gives ΔF/F₀ (`.dff`,
# a fraction), frame times (`.frame_times_s`), spike times (`.spike_times_s`, same clock) and the
# frame rate (`.fs`). A detector is scored with the field's convention (`groundtruth.score_onsets`):
# spikes less than 1 s apart form one burst; an onset is correct when a spike lies within ±0.5 s
# of it, and a burst is found when an onset lies within it (±0.5 s).
#
# **Example** — one recording scored by hand (frames become times with `.frame_times_s`), then a
# table: the lesson's detector (`ev.detect_events`, defaults) and the package's burst detector
# (`ev.detect_bursts`: it looks for *new rises* of the trace, including re-rises while the neuron
# is still active, on an inferred, denoised trace) on every recording:

# %% mystnb={"image": {"alt": "Twenty-five seconds of a real GCaMP6s recording (ds16_1) in dF/F0 with the electrically recorded spikes as ticks and the onsets of two detectors as markers: detect_events marks a single onset where a long stretch of activity begins, detect_bursts marks most bursts within it."}}
busy = data.load_ground_truth("ds16_1")          # the recording of the figure: one active neuron
busy_score = groundtruth.score_onsets(busy.frame_times_s[ev.detect_events(busy.dff, busy.fs).onset],
                                      busy.spike_times_s)
print(f"ds16_1 with detect_events: {busy_score.n_onsets} onsets, {busy_score.n_correct} correct; "
      f"{busy_score.n_found} of {busy_score.n_bursts} bursts found\n")
print(lesson06.real_score_table())                # the same for every recording and both detectors
start_s, stop_s = 50, 75
shown = (busy.frame_times_s > start_s) & (busy.frame_times_s < stop_s)
fig, ax = plt.subplots(figsize=(9, 3.5), layout="constrained")
ax.plot(busy.frame_times_s[shown], busy.dff[shown], lw=0.6, color="#0072B2", label="ΔF/F₀")
spikes_shown = busy.spike_times_s[(busy.spike_times_s > start_s) & (busy.spike_times_s < stop_s)]
ax.vlines(spikes_shown, -0.6, -0.3, color="#000000", lw=0.8, label="recorded spikes")
for detector, marker, colour, height in ((ev.detect_events, "v", "#D55E00", 1.05), (ev.detect_bursts, "^", "#009E73", 1.2)):
    onsets_t = busy.frame_times_s[detector(busy.dff, busy.fs).onset]
    onsets_t = onsets_t[(onsets_t > start_s) & (onsets_t < stop_s)]
    ax.plot(onsets_t, np.full(onsets_t.size, height * busy.dff[shown].max()), marker, color=colour, ms=7,
            ls="none", label=f"{detector.__name__} onsets")
ax.set(xlabel="time (s)", ylabel="ΔF/F₀ (fraction)", title="ds16_1 (GCaMP6s, 59 Hz): an active neuron")
ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize="small");

# %% [markdown] nbgrader={"grade": false, "grade_id": "s11b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Where the lesson's detector fails: its precision is near 1 everywhere, but on the **active**
# neurons (ds06 GCaMP6f, ds16 GCaMP6s: several bursts a second) it finds only 5–10 % of the bursts.
# An event lasts until the trace falls back to baseline, and an active neuron's trace never does
# between bursts: a whole stretch of activity becomes one event with one onset. It does well on
# sparse neurons with fast, bright indicators (jGCaMP8m). Fast indicators at high frame rates
# (ds11, GCaMP6f at 158 Hz) are hard for both detectors: a single spike's transient is small and
# brief against the noise. `ev.detect_bursts`, which looks for rises rather than stretches above
# baseline, recovers most bursts. None of this was visible in the simulation of sparse single
# spikes.
#
# **Exercise 11.1** (scored, not graded against a bound) — Write a function `real_detector(dff,
# fs)` for **one** real trace (1-D ΔF/F₀, a fraction, at `fs` Hz) returning its event onsets as a
# 1-D integer array of frames. Start from your `my_detector`, or try an idea of this section: an
# onset is a **rise**, so look for where the trace goes up fast (e.g. threshold the robust z-score
# of the change of a lightly smoothed trace, `np.diff`, with onsets kept at least ~0.3 s apart).
# The cell after it runs your function on all eight recordings and prints your precision, recall
# and F1 per recording next to the package's detectors. Real data have no planted bound, so this
# is scored but not graded: the cell fails only if the output is malformed. Compare, and note where
# your detector fails and why (Question 11.2).

# %% nbgrader={"grade": false, "grade_id": "ex-real", "locked": false, "schema_version": 3, "solution": true, "task": false}
def real_detector(dff, fs):
    ### BEGIN SOLUTION
    from scipy.ndimage import gaussian_filter1d

    smooth = gaussian_filter1d(np.asarray(dff, dtype=float), sigma=max(0.05 * fs, 0.5))  # 50 ms
    rise = np.diff(smooth, prepend=smooth[0])          # how fast the trace goes up, per frame
    z = (rise - np.median(rise)) / (1.4826 * np.median(np.abs(rise - np.median(rise))))
    above = z > 3
    onsets = np.flatnonzero(above & ~np.r_[False, above[:-1]])
    kept, last = [], -np.inf
    for onset in onsets:                              # keep onsets at least 0.3 s apart
        if onset - last >= 0.3 * fs:
            kept.append(onset)
            last = onset
    return np.array(kept, dtype=int)
    ### END SOLUTION


# %% nbgrader={"grade": false, "grade_id": "ex-real-score", "locked": true, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.events import check_real_detector; check_real_detector(real_detector)

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-real-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 11.2** (manually graded) — Look at your table. On which recordings does your detector
# do worse than on the simulation of section 9, and what in those recordings (indicator, frame
# rate, firing pattern, noise) explains it? What would you report, beside an event rate, from a
# real recording without ground truth?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-real", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* The rise detector above reaches a mean F1 of about 0.76 (the lesson's detector
# 0.52, `detect_bursts` 0.86); the simulation promised 0.9 and more. Worst are the recordings of
# fast indicators at high frame rates with sparse single spikes (ds11 GCaMP6f at 158 Hz: small,
# brief transients in per-frame noise; smoothing helps only up to the transient's own width) and
# the most active neuron (ds16 GCaMP6s: bursts ride on each other's decay, so a rise is small
# compared with the level reached, and onsets closer than the separation merge). Stretches above
# baseline fail on active neurons, rises on noisy fast indicators. Beside a rate, report the
# detector and its parameters, the noise level (e.g. CASCADE's ν), the number of events in the
# sign-flipped traces as an estimate of false events, and — from recordings like these — the
# detector's recall for the indicator and frame rate used, since single spikes are mostly missed.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "challenge-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 12. Optional challenge (not graded): AR(1) deconvolution
#
# A GCaMP transient decays roughly exponentially, `c[t] = g · c[t−1] + s[t]`, with
# `g = exp(−1 / (fs · τ))` and τ the decay time constant (`truth.indicator["decay_s"]`, about
# 0.69 s for GCaMP6s). Undo the decay: the residual `s[t] = x[t] − g · x[t−1]` is large where
# calcium *enters* — at spikes — and near zero on the decays, so close spikes that merge into one
# event separate again. Try it on `dff`: compute `s` per neuron, threshold its robust z-score,
# take upward crossings (your `threshold_onsets`) as detected spikes, and score them with
# `ev.match_events` against the single spikes `truth.spike_frames` (not bursts) with a 0.3 s
# tolerance. Does recall of single spikes beat the event detector's? What happens to precision,
# and why does differencing amplify noise? (Lesson 09 does this properly, with OASIS.) Another
# route: **template matching** — correlate each trace with the expected single-spike transient
# shape and threshold the correlation.

# %%
# Your code for the optional challenge (not graded).

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - A calcium event is a burst of activity seen through a slow indicator, not a spike: close
#   spikes merge, lone spikes can vanish in the noise. Score detectors against spike *bursts*.
# - Noise σ = 1.4826 × MAD is robust to a neuron's own events; robust z-scores put every neuron in
#   units of its noise, so one threshold fits all.
# - An onset is an upward crossing (`z[t] > k ≥ z[t−1]`); hysteresis (an upper level to reach, a
#   lower level to bound the event), a minimum separation and a minimum duration, all in seconds,
#   turn crossings into events. A second, absolute amplitude threshold protects quiet neurons.
# - `find_peaks(x, height=..., distance=...)` finds maxima; FWHM measures widths with linear
#   interpolation at the half level (GCaMP6s: well under 5 s; raw traces at high rates bias it short).
# - Look at events: highlighted traces and a raster. Features are one line each on the event
#   table: rates (over all neurons), amplitudes, inter-event intervals within neurons, the fraction
#   of active neurons — and metrics you design and then validate against ground truth.
# - Precision, recall and F1 with one-to-one matching and a stated tolerance; k trades precision
#   for recall, and the right k depends on the question. Rules in noise units and seconds carry
#   over to other indicators, noise levels and frame rates; thresholds in ΔF/F₀ or frames do not.
# - A simulation only tests what it models. Indicators are supralinear for small bursts and
#   saturate for large ones; under population imaging most single spikes are missed (recall of
#   single spikes fell from 0.9 to about 0.15 in the realistic regime). A metric validated on a
#   linear simulation of single spikes is not validated.
# - Without ground truth, the events found in the sign-flipped traces estimate (a lower bound of)
#   the false events.
# - Against real spikes, a detector of stretches above baseline misses most bursts of active
#   neurons; detecting rises does better. Report precision and recall per indicator and frame rate.
#
# Next: lesson 07 bins these onsets to find neurons that fire together — ensembles.
#
# *Execution time of this notebook, top to bottom with `jupyter nbconvert --execute` on the course
# machine (2 cores): 8–9 s of CPU, of which about 2.5 s is the lesson's own computation (the
# realistic simulation, the eight ground-truth recordings and both package detectors on them
# included; the rest is the kernel's start and drawing the figures); 25 s of wall time while the
# machine was shared (load average 7).*
#
# ## References
#
# - Chen, T.-W., et al. (2013). Ultrasensitive fluorescent proteins for imaging neuronal activity.
#   *Nature*, 499, 295–300. (GCaMP6s and GCaMP6f kinetics.)
# - Dombeck, D. A., Khabbaz, A. N., Collman, F., Adelman, T. L., & Tank, D. W. (2007). Imaging
#   large-scale neural activity with cellular resolution in awake, mobile mice. *Neuron*, 56(1),
#   43–57. (Negative-going transients as an estimate of false positives.)
# - Grienberger, C., & Konnerth, A. (2012). Imaging calcium in neurons. *Neuron*, 73(5), 862–885.
# - Huang, L., et al. (2021). Relationship between simultaneously recorded spiking activity and
#   fluorescence signal in GCaMP6 transgenic mice. *eLife*, 10, e51675. (Single spikes under
#   population imaging.)
# - Leys, C., et al. (2013). Detecting outliers: Do not use standard deviation around the mean,
#   use absolute deviation around the median. *J. Exp. Soc. Psychol.*, 49(4), 764–766.
# - Theis, L., et al. (2016). Benchmarking spike rate inference in population calcium imaging.
#   *Neuron*, 90(3), 471–482.
# - de Vries, S. E. J., et al. (2020). A large-scale standardized physiological survey reveals
#   functional organization of the mouse visual cortex. *Nat. Neurosci.*, 23, 138–151. (The Allen
#   Brain Observatory data.)
# - Friedrich, J., Zhou, P., & Paninski, L. (2017). Fast online deconvolution of calcium imaging
#   data. *PLoS Comput. Biol.*, 13(3), e1005423. (AR models and OASIS.)
# - Rupprecht, P., et al. (2021). A database and deep learning toolbox for noise-optimized,
#   generalized spike inference from calcium imaging. *Nat. Neurosci.*, 24, 1324–1337. (The CASCADE
#   ground-truth recordings of section 11.)
# - Virtanen, P., et al. (2020). SciPy 1.0. *Nature Methods*, 17, 261–272. (`find_peaks`, `peak_widths`.)
