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
# # 04 · Baseline fluorescence F₀
#
# A neuron that is not firing still glows: its indicator fluoresces at a resting level, the
# **baseline F₀**. Activity is measured *relative* to it — ΔF/F₀ = (F − F₀)/F₀ in the next
# lesson — so every error in F₀ becomes an error in every transient: an F₀ 10 % too high shrinks
# every ΔF/F₀ and hides small events under zero; an F₀ that does not follow bleaching makes the
# same spike look twice as large at the end of a session as at its start. This lesson compares
# the usual ways of estimating F₀ on a simulated recording whose true F₀ we know, then on real
# traces.
#
# **Learning objectives** — after this lesson you can
# 1. explain why the mean of a trace overestimates F₀, and when the median or a low percentile
#    does better;
# 2. measure a baseline's error against a known true F₀;
# 3. choose the window of a moving median (in frames) and of a rolling percentile (in seconds),
#    and say what too short and too long windows do to transients and drift;
# 4. write a causal exponential moving average and weigh its responsiveness against its
#    stability;
# 5. compute suite2p's "maximin" baseline and remove slow (> 20 s) drift without removing the
#    transients;
# 6. say what a rolling filter does at the ends of a trace, and pick an edge mode;
# 7. design a baseline — offline, and online for a live experiment — and show on recordings you
#    have not seen that it stays within a stated error of the true F₀.
#
# **Time:** about 100 minutes. **Prerequisites:** lessons 01 and 03 (traces, neuropil
# correction); NumPy reductions along an axis; `scipy.ndimage` filters are introduced here.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook. Some
# exercises (4.3, 6.1 and 8.1) are **open**: you choose the method and its parameters, and the
# check scores your result against the simulation's true F₀, with the bound the exercise states —
# for 4.3 and 8.1 also, when graded, on simulated recordings you have not seen.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
from scipy import ndimage

from helpers import baseline, data, plots
from helpers.lessons import baseline as lesson04

rec = lesson04.recording()   # simulated: 30 GCaMP6s neurons, 6000 frames at 4.8 Hz, bleaching and drift
fs = rec.fs                  # frame rate, Hz
F = lesson04.corrected(rec)  # neuropil removed with the true r (lesson 03): F = F0_true * (1 + calcium) + noise
F0_true = rec.truth.f0       # the true baseline of every neuron at every frame, same shape as F
cell = lesson04.most_active(rec)
trace = F[cell]              # the most active neuron: the hardest case for a baseline
t = np.arange(F.shape[1]) / fs
print(f"F: {F.shape[0]} neurons x {F.shape[1]} frames at {fs} Hz ({F.shape[1] / fs / 60:.1f} min); "
      f"the example neuron is {cell}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. One number per neuron — and why the mean is biased
#
# The simplest F₀ is one number per neuron, a statistic of its whole trace. The **mean** counts
# every transient: a neuron that is active 20 % of the time has a mean well above its resting
# level, and the more a neuron fires the more its F₀ is overestimated (and its ΔF/F₀
# underestimated) — exactly the neurons we care about most. The **median** ignores the
# transients as long as the cell is quiet more than half of the time. A **low percentile** (the
# 10th, say) sits under the transients — but also under the noise: with noise of standard
# deviation σ it lies about 1.28 σ below the resting level.
#
# And no single number can follow **photobleaching** (the indicator fades, here to about half
# over 21 minutes) or the slow **drift** of the microscope. The rest of the lesson is about
# baselines that change with time.
#
# **Example** — the example neuron with its true F₀ and three constant baselines:

# %% mystnb={"image": {"alt": "Fluorescence of the most active simulated neuron over 21 minutes: frequent transients on a baseline that decays to about half; the true F0 follows the decay while the constant mean, median and 10th percentile are flat lines, the mean highest."}}
ax = plots.traces(t, trace, labels=["trace (neuropil-corrected)"], title=f"neuron {cell}")
ax.plot(t, F0_true[cell], color="k", lw=1.5, label="true F0")
for value, label, colour in [(trace.mean(), "mean", plots.OKABE_ITO[1]),
                             (np.median(trace), "median", plots.OKABE_ITO[2]),
                             (np.percentile(trace, 10), "10th percentile", plots.OKABE_ITO[3])]:
    ax.axhline(value, color=colour, lw=1.5, ls="--", label=label)
ax.legend(loc="upper right", frameon=False, ncol=3);

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-const-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — *Predict first*, from the figure: for this very active neuron, which of the
# three lines comes closest to the true F₀ on average over the session? Then compute the three
# constant baselines of `trace` (the example neuron), each one Python or NumPy float: its mean
# `f0_mean`, its median `f0_median` and its 10th percentile `f0_p10`. For the percentile use
# `np.percentile` with its default (linear interpolation between the two nearest ranked samples);
# note that `np.percentile` takes `q` in **percent** (0–100).

# %% nbgrader={"grade": false, "grade_id": "ex-const", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
f0_mean = trace.mean()
f0_median = np.median(trace)
f0_p10 = np.percentile(trace, 10)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-const-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_constant_baselines; check_constant_baselines(f0_mean, f0_median, f0_p10)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### How wrong is a baseline?
#
# With a simulation we can measure it. The **baseline error** used in this lesson is the mean,
# over frames, of the absolute difference from the true F₀ relative to the true F₀:
#
# $$\text{error} = \frac{1}{T}\sum_{t=0}^{T-1} \frac{\lvert \hat F_0[t] - F_0[t]\rvert}{F_0[t]}$$
#
# a fraction (0.05 means "5 % off on average"). Absolute values, so that a baseline too high in
# one half of the recording and too low in the other does not score zero.
#
# **Exercise 1.2** — Write a function `baseline_error(F0_est, F0_true)` computing this error
# along the **last axis** (time). For one trace (1-D arrays) it returns one number; for arrays of
# shape (n_neurons, n_frames) it returns a 1-D array of one error per neuron. Return a fraction,
# not percent.

# %% nbgrader={"grade": false, "grade_id": "ex-error", "locked": false, "schema_version": 3, "solution": true, "task": false}
def baseline_error(F0_est, F0_true):
    ### BEGIN SOLUTION
    return np.mean(np.abs(F0_est - F0_true) / F0_true, axis=-1)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-error-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_baseline_error; check_baseline_error(baseline_error)
### BEGIN HIDDEN TESTS
check_baseline_error(baseline_error, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — to see what activity alone does, take the same 30 neurons (same spikes, same
# noise) **without** bleaching and drift, where the true F₀ of each neuron is one constant. For
# each neuron, the signed bias of each constant baseline (its mean relative difference from the
# true F₀, positive when too high), against how often the neuron fires. The mean's bias grows
# with the firing rate; the median's grows more slowly; the 10th percentile sits *below* the true
# F₀ (by about 1.28 noise s.d.) and rises only with the most active neurons.

# %% mystnb={"image": {"alt": "Scatter plot of the bias of three constant baselines, in percent of the true F0, against each simulated neuron's firing rate, for a recording without bleaching or drift: the mean's bias rises steeply with the firing rate, the median's less, the 10th percentile's is negative and rises slowly."}}
ax = lesson04.bias_figure(lesson04.steady_recording())

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-consterr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.3** — Measure the error of the three constant baselines for **every** neuron of
# `F`. Store in `constant_errors` an array of shape (3, n_neurons): row 0 the error of each
# neuron's mean, row 1 of its median, row 2 of its 10th percentile (`np.percentile`, default
# interpolation), each value repeated over all frames and compared with `F0_true`. Each neuron
# gets its own constant, computed from its own trace. Use `lesson04.baseline_error` (the course's
# version of your function) so that this exercise does not depend on the previous one.

# %% nbgrader={"grade": false, "grade_id": "ex-consterr", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
levels = [F.mean(axis=1), np.median(F, axis=1), np.percentile(F, 10, axis=1)]
# each neuron's constant, compared with its true F0 at every frame (the formula of Section 1)
constant_errors = np.vstack([np.mean(np.abs(level[:, None] - F0_true) / F0_true, axis=1) for level in levels])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-consterr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_constant_errors; check_constant_errors(constant_errors)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1d-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### What an F₀ error does to ΔF/F₀
#
# How much does a baseline error matter? ΔF/F₀ = (F − F₀)/F₀ is what the next lessons detect
# events in. Take a single spike, far from any other: `lesson04.single_spike(rec)` finds the
# quietest neuron with such a spike, and the frame where its transient peaks.

# %% nbgrader={"grade": false, "grade_id": "spike", "locked": true, "schema_version": 3, "solution": false, "task": false}
spike_cell, spike_frame = lesson04.single_spike(rec)
print(f"neuron {spike_cell}: an isolated spike peaks at frame {spike_frame} ({spike_frame / fs:.1f} s)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-dffbias-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.4** — *Predict first:* if F₀ is 10 % too high at every frame, this spike's
# ΔF/F₀ at its peak becomes (a) 10 % smaller, (b) about a third smaller, or (c) less than half of
# its true value? And the quiet level of ΔF/F₀, which is 0 with the true F₀ — does it stay at 0?
# Write your answers down, then measure. For neuron `spike_cell`, compute ΔF/F₀ with its true
# F₀ (`F0_true[spike_cell]`) and with an F₀ 10 % too high (1.1 times it), both fractions, one
# value per frame. Store the value at `spike_frame` of the first in `spike_dff_true` and of the
# second in `spike_dff_high`, and the median over all frames of the second in
# `quiet_level_high` (three floats).

# %% nbgrader={"grade": false, "grade_id": "ex-dffbias", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
F0_spike = F0_true[spike_cell]
dff_true = (F[spike_cell] - F0_spike) / F0_spike
dff_high = (F[spike_cell] - 1.1 * F0_spike) / (1.1 * F0_spike)
spike_dff_true = dff_true[spike_frame]
spike_dff_high = dff_high[spike_frame]
quiet_level_high = np.median(dff_high)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-dffbias-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_dff_bias; check_dff_bias(spike_dff_true, spike_dff_high, quiet_level_high)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1e-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Not a 10 % change: with F₀′ = 1.1 F₀, ΔF/F₀′ = (ΔF/F₀ − 0.1)/1.1. A baseline error is an
# **offset** of about −0.09 on the whole ΔF/F₀ trace, then a small rescaling. The quiet level
# drops to about −0.09, and a single spike of ΔF/F₀ ≈ 0.17 loses about two thirds of its height,
# while a burst at ΔF/F₀ = 1.4 loses only 16 %: small events suffer most, and a threshold set in
# noise units above zero misses them. The errors of a baseline are worth a few per cent.

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. A moving median: windows from 11 to 1001 frames
#
# A baseline that follows bleaching and drift is computed in a **window** sliding along the trace:
# for each frame, a statistic of the frames around it. The **moving median** of window $w$ frames
# is robust to a transient as long as the transient covers less than half of the window. The
# window is a compromise:
#
# - **too short** (11 frames = 2.3 s here), and a burst of transients fills half of it: the
#   "baseline" climbs into the transients and ΔF/F₀ loses them;
# - **too long** (1001 frames = 3.5 min), and it cannot follow drift or fast bleaching.
#
# `scipy.ndimage.median_filter` computes it: its `size` is the window in frames, and the window
# is centred — frame `t` sees frames `t - w//2` to `t + (w-1)//2`. Near the ends the window runs
# past the data, and its `mode` says what fills the missing frames: `"nearest"` repeats the first
# and last frame, `"reflect"` and `"mirror"` fold the trace back on itself (Section 7 compares
# the options). `baseline.moving_median(traces, w)` does the same for every row of an array.
#
# **Example** — windows of 11, 101 and 1001 frames on a 5-minute stretch of the example neuron:

# %% mystnb={"image": {"alt": "Five minutes of the example neuron with three moving-median baselines: the 11-frame window rises into every burst of transients, the 101-frame window is smoother, the 1001-frame window smoothest; all three sit above the true F0 of this very active neuron."}}
stretch = slice(round(600 * fs), round(900 * fs))
ax = plots.traces(t[stretch], trace[stretch], labels=["trace"], title="moving median, three windows")
ax.plot(t[stretch], F0_true[cell, stretch], color="k", lw=1.5, label="true F0")
for w, colour in zip([11, 101, 1001], plots.OKABE_ITO[1:]):
    ax.plot(t[stretch], baseline.moving_median(trace, w)[stretch], color=colour,
            lw=1.5, label=f"{w} frames ({w / fs:.0f} s)")
ax.legend(loc="upper right", frameon=False, ncol=3);

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-movmed-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.1** — *Predict first*, from the figure: on average over the whole session, is the
# 101-frame moving median of the example neuron above or below its true F₀, and by about how
# many per cent? Then store in `median_101` the moving median of `trace` over a window of **101
# frames** (one value per frame), with `scipy.ndimage` (imported as `ndimage`) and the edge mode
# you prefer among `"nearest"`, `"reflect"` and `"mirror"`. Store in `median_101_bias` its signed
# bias: the mean over frames of (`median_101` − `F0_true[cell]`) / `F0_true[cell]`, a fraction,
# positive when the median is too high.

# %% nbgrader={"grade": false, "grade_id": "ex-movmed", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
median_101 = ndimage.median_filter(trace, size=101, mode="reflect")
median_101_bias = np.mean((median_101 - F0_true[cell]) / F0_true[cell])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-movmed-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_median_101; check_median_101(median_101, median_101_bias)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2a-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# For this neuron every window sits above the true F₀: it is active so much of the time that
# even the median of a long window is lifted by its transients. Section 3 lowers the percentile.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-windows-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — Which window is best for this recording? *Predict first:* the shortest, the
# longest, or one in between — and why? Then, for each window in
# `lesson04.WINDOWS` (11, 31, 101, 301 and 1001 frames), compute the moving-median baseline of
# every neuron of `F` (`baseline.moving_median(F, w)` does it row by row, with `mode="nearest"`;
# or call `median_filter` on each row), its error against `F0_true` with
# `lesson04.baseline_error`, and the **mean over the neurons**. Store the five mean errors, in the
# order of `lesson04.WINDOWS`, in the array `window_errors`, and the window (in frames, a Python
# `int`) with the smallest one in `best_window`.

# %% nbgrader={"grade": false, "grade_id": "ex-windows", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
window_errors = np.array([np.mean(np.abs(baseline.moving_median(F, size) - F0_true) / F0_true)
                          for size in lesson04.WINDOWS])  # every neuron has as many frames: one mean is the mean of means
best_window = int(lesson04.WINDOWS[np.argmin(window_errors)])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-windows-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_window_errors; check_window_errors(window_errors, best_window)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the error against the window, for each neuron (thin lines) and on average:

# %% mystnb={"image": {"alt": "Baseline error of the moving median against window length on a logarithmic axis from 11 to 1001 frames, one thin line per neuron and a thick mean line: the error falls from the shortest window to a minimum at a few hundred frames and rises again for the longest."}}
errors = np.array([lesson04.baseline_error(baseline.moving_median(F, w), F0_true) for w in lesson04.WINDOWS])
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
ax.plot(lesson04.WINDOWS, 100 * errors, color="0.7", lw=0.6)
ax.plot(lesson04.WINDOWS, 100 * errors.mean(axis=1), "o-", color=plots.OKABE_ITO[0], lw=2, label="mean over neurons")
ax.set_xscale("log")
ax.set_xlabel("moving-median window (frames)")
ax.set_ylabel("baseline error (% of true F0)")
ax.legend(frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. A rolling percentile, with the window in seconds
#
# The median is the 50th percentile. A lower percentile sits under the transients even when a
# neuron is active more than half of the window — but, as we saw, also under the noise. The
# **rolling percentile** is the workhorse baseline of many pipelines (e.g. the 8th–10th
# percentile over 30–60 s).
#
# Windows are best given **in seconds**, so that the same analysis means the same thing at 4.8 Hz
# and at 30 Hz. Convert them to frames by rounding seconds × frame rate to the nearest whole frame
# (60 s at 4.8 Hz is 288 frames; 31 s is 148.8, which rounds to 149).
#
# **Which percentile of a window?** `scipy.ndimage.percentile_filter` (with `percentile=q` in
# percent and `size` the window in frames) takes, for every frame, the window's sample of rank
# `int(w * q / 100)` after sorting (counting from 0) — an actual sample, without interpolation.
# `np.percentile` interpolates between ranked samples, so it gives slightly different numbers; in
# this lesson a *rolling* percentile always means SciPy's.
#
# **Exercise 3.1** — Write a function `rolling_percentile_baseline(trace, q, window_s, fs)` that
# returns the rolling `q`-th percentile (`q` in percent, 0–100, SciPy's ranked sample) of a 1-D
# `trace` over a centred window of `window_s` seconds at frame rate `fs` Hz, the window converted
# to frames and rounded to the nearest frame as above. At the ends use the edge mode you prefer
# among `"nearest"`, `"reflect"` and `"mirror"`. Return a float array with one value per frame,
# also when the trace holds whole numbers (a camera stores raw counts as integers, e.g. `uint16`:
# what type does a filter return for an integer input?).

# %% nbgrader={"grade": false, "grade_id": "ex-rollpct", "locked": false, "schema_version": 3, "solution": true, "task": false}
def rolling_percentile_baseline(trace, q, window_s, fs):
    ### BEGIN SOLUTION
    w = round(window_s * fs)
    return ndimage.percentile_filter(np.asarray(trace, dtype=float), q, size=w, mode="nearest")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-rollpct-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_rolling_percentile_baseline; check_rolling_percentile_baseline(rolling_percentile_baseline)
### BEGIN HIDDEN TESTS
check_rolling_percentile_baseline(rolling_percentile_baseline, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-qerr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — Which percentile? *Predict first:* the lowest percentile is safest from the
# transients — will it also have the smallest error? Then, for each `q` in `lesson04.PERCENTILES`
# (5, 10, 20, 30 and 50), compute the rolling `q`-th percentile of every neuron of `F` over a
# **60 s** window (`baseline.rolling_percentile(F, q, 60.0, fs)` applies the filter of exercise
# 3.1 to each row), its error with `lesson04.baseline_error` and the mean over the neurons. Store
# the five mean errors (in the order of `lesson04.PERCENTILES`) in the array `q_errors`, and the
# `q` with the smallest one in `best_q` (a Python `int`).

# %% nbgrader={"grade": false, "grade_id": "ex-qerr", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
q_errors = np.array([np.mean(np.abs(baseline.rolling_percentile(F, q_value, 60.0, fs) - F0_true) / F0_true)
                     for q_value in lesson04.PERCENTILES])
best_q = int(lesson04.PERCENTILES[np.argmin(q_errors)])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-qerr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_q_errors; check_q_errors(q_errors, best_q)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. A causal exponential moving average
#
# Every filter so far is **centred**: the baseline at time *t* uses frames from the future. An
# online analysis (closed-loop experiments, real-time displays) cannot wait for them. The
# **exponential moving average** (EMA) uses only the present and the past:
#
# $$F_0[0] = F[0], \qquad F_0[t] = F_0[t-1] + a\,\bigl(F[t] - F_0[t-1]\bigr), \qquad
# a = 1 - e^{-1/(\tau f_s)}$$
#
# with time constant τ in seconds (so τ·f_s is in frames). Each new frame pulls the estimate a
# fraction *a* of the way towards itself; after τ seconds a step in F is followed to 63 %. This
# value of *a* is the exact sampled version of a first-order low-pass filter; `1/(τ f_s)` is only
# its approximation for long τ. Starting at `F[0]` rather than at 0 avoids a slow climb from zero
# at the beginning.
#
# The trade-off: a **short** τ follows bleaching and drift closely but also climbs into every
# transient (an EMA is an *average*, not a lower envelope); a **long** τ ignores transients but
# lags behind bleaching.
#
# **Exercise 4.1** — Write a function `ema_baseline(trace, tau_s, fs)` computing this causal EMA
# of a 1-D `trace` (time constant `tau_s` seconds, frame rate `fs` Hz), with the initial state
# `F0[0] = trace[0]` and `a = 1 - np.exp(-1 / (tau_s * fs))`. Return a float array with one value
# per frame, also for a trace of whole numbers (raw camera counts). (A loop over frames is fine;
# `scipy.signal.lfilter` is faster.)

# %% nbgrader={"grade": false, "grade_id": "ex-ema", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ema_baseline(trace, tau_s, fs):
    ### BEGIN SOLUTION
    trace = np.asarray(trace, dtype=float)
    smoothing = 1 - np.exp(-1 / (tau_s * fs))
    f0 = np.empty_like(trace)
    f0[0] = trace[0]
    for i in range(1, trace.size):
        f0[i] = f0[i - 1] + smoothing * (trace[i] - f0[i - 1])
    return f0
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-ema-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_ema_baseline; check_ema_baseline(ema_baseline)
### BEGIN HIDDEN TESTS
check_ema_baseline(ema_baseline, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the EMA with τ = 5, 30 and 120 s, on the whole recording, and each one's error:

# %% mystnb={"image": {"alt": "The example neuron over 21 minutes with causal exponential moving averages of time constant 5, 30 and 120 seconds and the true F0: the 5-second average jumps with every burst, the 120-second one is smooth but stays above the decaying true F0 and lags behind it."}}
ax = plots.traces(t, trace, labels=["trace"], title="causal exponential moving average")
ax.plot(t, F0_true[cell], color="k", lw=1.5, label="true F0")
for tau_s, colour in zip([5.0, 30.0, 120.0], plots.OKABE_ITO[1:]):
    ema = baseline.ema_baseline(trace, tau_s, fs)
    ax.plot(t, ema, color=colour, lw=1.2,
            label=f"tau {tau_s:.0f} s (error {100 * lesson04.baseline_error(ema, F0_true[cell]):.0f} %)")
ax.legend(loc="upper right", frameon=False, ncol=2);

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-ema-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 4.2** (manually graded) — In two to four sentences: what does a short τ get right and
# wrong, and a long τ? Why is every EMA above the true F₀ for this neuron, whatever τ? What would
# you change to use an EMA as a baseline in an online experiment?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-ema", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* A short τ responds fast: it follows bleaching and drift with little lag, but it
# also climbs into every transient and burst, so it is noisy and biased upwards during activity.
# A long τ is stable — a single transient barely moves it — but it lags behind the decaying
# baseline by about τ, so during bleaching it stays too high. Every EMA is an *average* of F,
# transients included, so like the constant mean it overestimates F₀ for an active neuron. Online
# one would average only frames judged quiet (e.g. skip frames more than a few noise s.d. above
# the current estimate, or track a running low quantile instead of the mean), with τ chosen
# longer than a transient but shorter than the drift.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-online-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.3** (open) — An online baseline. Write `online_baseline(trace, fs)` returning a
# baseline for a 1-D `trace` recorded at `fs` Hz (a float array, one value per frame) that a live
# experiment could compute: its value at frame `t` may use frames `0 … t` only. Choose the
# method and its parameters yourself (give durations in seconds and convert them with `fs`). A
# window that ends at the current frame is one way: `scipy.ndimage` filters take an `origin`
# argument that shifts the window, and `origin=(w - 1) // 2` makes a window of `w` frames end at
# the current frame (try it on a short array to see). The EMA of Exercise 4.1 is another way — or
# a start.
#
# **Scoring:** the mean over the neurons of the baseline error against the true F₀ must be at
# most **4 %** — on every neuron of `F` and, when graded, on recordings you have not seen (faster
# and slower bleaching, sparser and busier firing, 30 Hz with GCaMP6f); and changing the second
# half of a trace must not change its baseline in the first half. *Predict first:* would the
# EMA with τ = 30 s pass? `lesson04.baseline_error(online, F0_true)` measures your error on `F`,
# and `lesson04.practice_recording()` is another recording to try (bleaching faster, firing
# less: `lesson04.corrected(...)` gives its traces, `.truth.f0` its true F₀, `.fs` its rate).

# %% nbgrader={"grade": false, "grade_id": "ex-online", "locked": false, "schema_version": 3, "solution": true, "task": false}
def online_baseline(trace, fs):
    ### BEGIN SOLUTION
    # Smooth causally (an EMA of 0.5 s, so a low percentile is not pulled down by the noise), then
    # take the 10th percentile of the past 20 s: long compared with a burst, short compared with
    # the bleaching.
    smooth = baseline.ema_baseline(np.asarray(trace, dtype=float), 0.5, fs)
    w = round(20 * fs)
    return ndimage.percentile_filter(smooth, 10, size=w, origin=(w - 1) // 2, mode="nearest")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-online-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_online_baseline; check_online_baseline(online_baseline)
### BEGIN HIDDEN TESTS
check_online_baseline(online_baseline, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. suite2p's "maximin" baseline
#
# suite2p (Pachitariu et al. 2017) offers three baselines; its default, **maximin**, has three
# steps: (1) smooth the trace with a Gaussian, which removes most of the noise (so the next step
# does not pick out noise troughs); (2) a rolling **minimum** over a long window, which finds the
# quiet level under the transients; (3) a rolling **maximum** over the same window, which lifts
# the estimate back where the minimum undershoots (a sloping baseline, a dip). Together, steps 2
# and 3 are a morphological *opening* of the smoothed trace.
#
# suite2p's defaults are `sig_baseline = 10` — a Gaussian standard deviation **in frames** — and
# `win_baseline = 60` **seconds**. (suite2p converts the window to frames with `int(60 * fs)`,
# which truncates; here we round to the nearest frame, as everywhere in this lesson.)
#
# **Exercise 5.1** — *Predict first:* step 2 alone, the rolling minimum of the smoothed trace —
# does it lie above or below the true F₀, and by more for a noisy trace or a smooth one? Why does
# step 3, a rolling maximum over the same window, not bring the transients back? Then write a
# function `maximin_baseline(trace, fs)` returning the maximin baseline, with suite2p's defaults,
# of a 1-D `trace` recorded at `fs` Hz. `scipy.ndimage` has one-dimensional Gaussian, minimum and
# maximum filters; each has a `mode` for the ends of the trace: use `"nearest"`, `"reflect"` or
# `"mirror"` (your choice, in each step). Return a float array with one value per frame, also for
# a trace of whole numbers (raw camera counts). It is checked on `trace` and on traces at other
# frame rates.

# %% nbgrader={"grade": false, "grade_id": "ex-maximin", "locked": false, "schema_version": 3, "solution": true, "task": false}
def maximin_baseline(trace, fs):
    ### BEGIN SOLUTION
    size = round(60 * fs)
    smooth = ndimage.gaussian_filter1d(np.asarray(trace, dtype=float), sigma=10, mode="nearest")
    lowest = ndimage.minimum_filter1d(smooth, size, mode="nearest")
    return ndimage.maximum_filter1d(lowest, size, mode="nearest")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-maximin-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_maximin_baseline; check_maximin_baseline(maximin_baseline)
### BEGIN HIDDEN TESTS
check_maximin_baseline(maximin_baseline, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the steps on five minutes of a quiet neuron, `spike_cell` of Section 1. The
# rolling minimum follows the lowest dip of the smoothed trace in each window, which noise puts
# below the true F₀; the rolling maximum over the same window lifts it back to the quiet level,
# and since it only takes maxima *of that minimum*, a transient shorter than the window cannot
# enter it. (For the busy example neuron even the lowest dips are transients: maximin rides
# above its F₀, as the bar chart of Section 8 shows.)

# %% mystnb={"image": {"alt": "Five minutes of a quiet simulated neuron with the steps of suite2p's maximin baseline: the raw trace in grey, its Gaussian-smoothed version, the rolling minimum over 60 seconds, which lies below the true F0, and the rolling maximum of that minimum, on the true F0 and below the transients."}}
w60 = round(60 * fs)
smoothed = ndimage.gaussian_filter1d(F[spike_cell], 10, mode="nearest")
rolling_min = ndimage.minimum_filter1d(smoothed, w60, mode="nearest")
steps = np.vstack([smoothed, rolling_min, ndimage.maximum_filter1d(rolling_min, w60, mode="nearest")])
ax = plots.traces(t[stretch], steps[:, stretch],
                  labels=["smoothed (sigma 10 frames)", "rolling minimum, 60 s", "then rolling maximum, 60 s"],
                  title=f"maximin, step by step (neuron {spike_cell})")
ax.plot(t[stretch], F[spike_cell, stretch], color="0.75", lw=0.6, zorder=0, label="trace")
ax.plot(t[stretch], F0_true[spike_cell, stretch], color="k", lw=1.5, label="true F0")
ax.legend(loc="upper right", frameon=False, ncol=2);

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Removing slow drift without removing the transients
#
# "Slow (> 20 s) fluctuations in intensity can happen due to the optical instrumentation; remove
# them, but not the short transients" — a classic preprocessing task. Two ways to estimate the
# slow part:
#
# - **filtering**: a low-pass (e.g. a 20 s moving average) keeps everything slower than 20 s —
#   but a burst of transients is *averaged into it*: subtracting it cuts area off the transients
#   and pushes the quiet stretches around a burst below baseline;
# - a **lower envelope**: a rolling low percentile over 20 s follows only the quiet level; the
#   transients lie above it and pass through.
#
# Either way we subtract the slow part *around its own median*, `trace - (slow - median(slow))`,
# so that the trace keeps its level and units (it can still be divided by a baseline later).
#
# **Example** — both on the two minutes around the example neuron's busiest 20 s:

# %% mystnb={"image": {"alt": "Two panels over the same two minutes of the example neuron. Top: the raw trace with its 20-second moving average, which rises into a burst of transients, and its 20-second lower envelope, which stays at the quiet level. Bottom: the trace after subtracting each; around the burst the filtered version is pulled down, cutting the transients, while the envelope version keeps them."}}
w20 = round(20 * fs)
lowpass = ndimage.uniform_filter1d(trace, w20, mode="nearest")
envelope = ndimage.percentile_filter(trace, 10, size=w20, mode="nearest")
busiest = int(np.argmax(ndimage.uniform_filter1d(rec.truth.calcium[cell], w20)))  # the busiest 20 s
stretch = slice(max(busiest - round(60 * fs), 0), busiest + round(60 * fs))
fig, axes = plt.subplots(2, 1, figsize=(8, 5.5), layout="constrained", sharex=True)
plots.traces(t[stretch], np.vstack([trace, lowpass, envelope])[:, stretch], ax=axes[0],
             labels=["raw", "20 s moving average (filtering)", "20 s lower envelope (10th pct)"],
             title="the slow part, estimated two ways")
plots.traces(t[stretch], np.vstack([trace - (lowpass - np.median(lowpass)),
                                    trace - (envelope - np.median(envelope))])[:, stretch], ax=axes[1],
             labels=["minus the moving average", "minus the lower envelope"], title="after subtracting it");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-drift-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.1** (open) — Remove the slow drift of `trace` (changes slower than about 20 s)
# and keep its transients and its level: estimate the slow part with the method and window you
# choose, and store in `drift_free` the trace minus the slow part taken around its own median
# (one value per frame). *Predict first:* would the moving-average version of the figure pass?
#
# **Scoring** against the truth: the slow part you removed — `trace - drift_free`, around its
# median — is compared with the true baseline's slow changes, `F0_true[cell]` around its median.
# Their mean absolute difference must be at most **4 %** of the true F₀, and the median of the
# trace may move by at most 10 % of F₀.

# %% nbgrader={"grade": false, "grade_id": "ex-drift", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
lower_envelope = ndimage.percentile_filter(trace, 10, size=round(20 * fs), mode="nearest")
drift_free = trace - (lower_envelope - np.median(lower_envelope))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-drift-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_drift_free; check_drift_free(drift_free)

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-drift-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 6.2** (manually graded) — Look at the example figure. In two or three sentences: why
# does subtracting a 20 s moving average shrink the transients and create dips after bursts, while
# the lower envelope does not? What limits the lower envelope (think of a burst lasting longer
# than the window, and of the noise)?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-drift", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* A moving average includes the transients: during and around a burst it rises,
# so subtracting it removes part of each transient's area and, where the average is still high
# after the burst, pushes the quiet trace below its baseline. The rolling 10th percentile follows
# the quiet frames only, so transients that occupy less than about 90 % of the 20 s window stay
# above it and pass through unchanged. Its limits: activity lasting most of the window lifts the
# envelope (it is then removed as "drift"), and a low percentile of a noisy trace sits about
# 1.28 σ below the true level, which only shifts the level (the median is added back) but makes the
# envelope itself noisy for short windows.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Edge handling
#
# At frame 0 a centred window of 1001 frames holds 500 frames that do not exist. `scipy.ndimage`
# fills them according to `mode`, e.g. for a trace `a b c d`:
#
# | mode | padding | good for |
# |---|---|---|
# | `"nearest"` | `a a a \| a b c d \| d d d` | a level that continues past the end |
# | `"reflect"` (SciPy's default) | `c b a \| a b c d \| d c b` | a level that is locally flat |
# | `"mirror"` | `d c b \| a b c d \| c b a` | the same, without repeating the edge frame |
# | `"wrap"` | `b c d \| a b c d \| a b c` | periodic signals only |
#
# A bleaching recording is not periodic: with `"wrap"` the start of the trace borrows the dim end
# of the session. The first and last `w // 2` frames always have a less reliable baseline.
#
# **Exercise 7.1** — *Predict first:* at the ends of this bleaching recording, which mode will do
# best, "nearest" or the two that fold the trace back ("reflect", "mirror") — and does the
# difference between those two matter with a window of 1001 frames? Then, for each of the four
# modes, compute the moving median of every neuron of `F` over **1001 frames** with that edge
# mode (the package's moving median takes it as `mode`), then its relative error against
# `F0_true` (the error of Exercise 1.2) **over the first 500 and the last 500 frames of the
# recording only** (1000 frames per neuron), and the mean over neurons. Store the four values in a dict
# `edge_errors` with the mode names as keys (`"nearest"`, `"reflect"`, `"mirror"`, `"wrap"`) and
# Python or NumPy floats as values.

# %% nbgrader={"grade": false, "grade_id": "ex-edges", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_frames = F.shape[1]
end_columns = np.r_[0:500, n_frames - 500:n_frames]
true_ends = F0_true[:, end_columns]
edge_errors = {mode: np.mean(np.abs(baseline.moving_median(F, 1001, mode=mode)[:, end_columns] - true_ends) / true_ends)
               for mode in ("nearest", "reflect", "mirror", "wrap")}
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-edges-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_edge_errors; check_edge_errors(edge_errors)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s8-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. All methods side by side, and on real recordings
#
# **Example** — the error of every method of this lesson on the 30 simulated neurons, each with
# the settings used above:

# %% mystnb={"image": {"alt": "Horizontal bar chart of the mean baseline error over the 30 simulated neurons for each method: constant mean, median and 10th percentile are worst (around 20 %), the EMA and moving median intermediate, the rolling percentile and maximin best."}}
methods = {
    "constant mean": baseline.constant_baseline(F, "mean"),
    "constant median": baseline.constant_baseline(F, "median"),
    "constant 10th percentile": baseline.constant_baseline(F, "percentile", q=10),
    "EMA, tau 30 s": baseline.ema_baseline(F, 30.0, fs),
    "moving median, 301 frames": baseline.moving_median(F, 301),
    "rolling 10th percentile, 60 s": baseline.rolling_percentile(F, 10, 60.0, fs),
    "rolling 20th percentile, 60 s": baseline.rolling_percentile(F, 20, 60.0, fs),
    "maximin (suite2p defaults)": baseline.maximin(F, fs),
}
method_errors = {name: 100 * lesson04.baseline_error(est, F0_true).mean() for name, est in methods.items()}
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.barh(list(method_errors), list(method_errors.values()), color=plots.OKABE_ITO[0])
ax.invert_yaxis()
ax.set_xlabel("mean baseline error over neurons (% of true F0)");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mybaseline-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 8.1** (open) — Your baseline. The figure ranks the methods on *this* recording;
# another recording has other neurons, other noise, other bleaching. Write `my_baseline(trace,
# fs)` returning F₀ for a 1-D `trace` recorded at `fs` Hz (a float array, one value per frame).
# Choose the method and its parameters yourself — anything from this lesson, combined as you
# like, and `baseline`'s functions may be called — and give every duration in seconds.
#
# **Scoring:** the mean over the neurons of the baseline error against the true F₀ must be at
# most **4 %** — on every neuron of `F` and, when graded, on recordings you have not seen: one
# bleaching faster (τ = 600 s) with sparser firing, one bleaching slower (τ = 5000 s) with busier
# firing, and one at 30 Hz with GCaMP6f. *Predict first:* the best bar of the figure passes
# here — will it pass on a recording whose neurons are mostly quiet? Think of what a low
# percentile does to noise (Section 1), try it on `lesson04.practice_recording()`, and decide.

# %% nbgrader={"grade": false, "grade_id": "ex-mybaseline", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_baseline(trace, fs):
    ### BEGIN SOLUTION
    # A little smoothing first (0.5 s) shrinks the noise, so the 10th percentile stays close to
    # the quiet level; a 30 s window is long compared with a burst, short compared with bleaching.
    smooth = ndimage.gaussian_filter1d(np.asarray(trace, dtype=float), 0.5 * fs, mode="nearest")
    return baseline.rolling_percentile(smooth, 10, 30.0, fs)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-mybaseline-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_my_baseline; check_my_baseline(my_baseline)
### BEGIN HIDDEN TESTS
check_my_baseline(my_baseline, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s8b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# On a real recording there is no true F₀: we can only look. Two recordings:
#
# - three raw somatic traces from the **Allen Brain Observatory** pipeline's test data (48 160
#   frames, not neuropil-corrected). **The file does not record the frame rate.** We *assume*
#   `lesson04.ALLEN_FS_ASSUMED` = 11 Hz (the data loader's unverified estimate) — every window in
#   seconds below depends on that assumption;
# - **suite2p**'s output for FISSA's example recording: `F` and `Fneu` of 23 ROIs over 864 frames,
#   three trials of 288 frames put end to end (so there are two jumps inside the trace). Its
#   `ops["fs"]` of 1 is a placeholder; we assume 10 Hz here, again only as an assumption.
#
# **Example** — suite2p's ROI 0, neuropil-corrected as suite2p does (F − 0.7·Fneu), with a rolling
# 10th percentile and maximin; the dotted lines mark the trial boundaries:

# %% mystnb={"image": {"alt": "A real suite2p trace of 864 frames from three concatenated trials, with a rolling 10th-percentile baseline and a maximin baseline following its slow changes; dotted vertical lines mark the two trial boundaries."}}
s2p = data.load_suite2p()
s2p_fs = 10.0  # assumed: the recording's frame rate is not known
s2p_trace = s2p.F[0] - s2p.neucoeff * s2p.Fneu[0]
s2p_t = np.arange(s2p_trace.size) / s2p_fs
ax = plots.traces(s2p_t, s2p_trace, labels=["F - 0.7 Fneu, ROI 0"], title="suite2p output (frame rate assumed 10 Hz)")
ax.plot(s2p_t, baseline.rolling_percentile(s2p_trace, 10, 20.0, s2p_fs), lw=1.5, label="rolling 10th pct, 20 s")
ax.plot(s2p_t, baseline.maximin(s2p_trace, s2p_fs, window_s=20.0), lw=1.5, label="maximin, 20 s")
for boundary in (288, 576):
    ax.axvline(boundary / s2p_fs, color="0.4", ls=":", lw=1)
ax.legend(loc="upper right", frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-allen-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 8.2** — Load the Allen ROI traces (`data.load_allen_roi_traces().traces`, shape
# (3, 48160)) and store in `allen_f0` the rolling **10th** percentile of **each** trace over a
# **60 s** window at the assumed frame rate `lesson04.ALLEN_FS_ASSUMED`, with the conventions of
# exercise 3.1 (SciPy's ranked sample, the window rounded to the nearest frame, an edge mode it
# allows), filtering each trace along time only. Shape (3, 48160). *Predict first:* if the true
# frame rate were 30 Hz, would your window span more or less than 60 s of the real recording?

# %% nbgrader={"grade": false, "grade_id": "ex-allen", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
allen = data.load_allen_roi_traces()
allen_fs = lesson04.ALLEN_FS_ASSUMED
allen_f0 = np.vstack([ndimage.percentile_filter(row, 10, size=round(60 * allen_fs), mode="nearest")
                      for row in allen.traces])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-allen-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.baseline import check_allen_f0; check_allen_f0(allen_f0)

# %% [markdown] nbgrader={"grade": false, "grade_id": "fig-real-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Task 8.3** (manually graded, deliverable figure) — Overlay on **5 minutes** of Allen ROI 0 (any
# stretch you choose, time in seconds at the assumed rate) at least four baselines: a constant
# median, a moving median, a rolling low percentile (the 10th over 60 s, from `allen_f0` or
# `baseline.rolling_percentile`), a causal EMA and suite2p's maximin. Label the axes with units,
# add a legend, and in the title say which frame rate you assumed. Then, in a comment in the
# cell, say in one sentence which baseline you would trust on this neuron and why.

# %% nbgrader={"grade": true, "grade_id": "fig-real", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "Five minutes of a real Allen somatic trace with large transients, overlaid with a constant median, a moving median, a rolling 10th percentile, a causal EMA and a maximin baseline; the rolling percentile and maximin follow the quiet level, the EMA and moving median rise into the transients."}}
### BEGIN SOLUTION
allen_trace = data.load_allen_roi_traces().traces[0]
fs_a = lesson04.ALLEN_FS_ASSUMED
t_a = np.arange(allen_trace.size) / fs_a
window = slice(round(1200 * fs_a), round(1500 * fs_a))
ax = plots.traces(t_a[window], allen_trace[window], labels=["Allen ROI 0 (raw)"],
                  title=f"baselines on a real trace (frame rate assumed {fs_a:g} Hz)")
for label, est in [("constant median", baseline.constant_baseline(allen_trace, "median")),
                   ("moving median, 301 frames", baseline.moving_median(allen_trace, 301)),
                   ("rolling 10th pct, 60 s", baseline.rolling_percentile(allen_trace, 10, 60.0, fs_a)),
                   ("EMA, tau 30 s", baseline.ema_baseline(allen_trace, 30.0, fs_a)),
                   ("maximin", baseline.maximin(allen_trace, fs_a))]:
    ax.plot(t_a[window], est[window], lw=1.5, label=label)
ax.set_ylim(top=3 * np.median(allen_trace))  # the largest peaks are cut off, to show the baselines
ax.legend(loc="upper left", frameon=False, ncol=2, fontsize="small")
# The rolling 10th percentile (or maximin) follows the quiet level between this neuron's frequent,
# large transients; the constant median and the EMA are lifted by them.
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - F₀ is the resting fluorescence; an F₀ too high shrinks every ΔF/F₀, one that ignores bleaching
#   changes a transient's apparent size over the session. An F₀ 10 % too high is an offset of
#   about −0.09 in ΔF/F₀: it costs a single spike most of its height, a large burst little.
# - The mean of a trace counts the transients: it overestimates F₀, the more the more a neuron
#   fires. The median is robust while the cell is quiet most of the time; a low percentile also
#   sits below the noise (about 1.28 σ for the 10th).
# - Rolling baselines follow bleaching and drift. Too short a window climbs into bursts, too long
#   a window misses drift. Give windows in seconds and convert with `round(window_s * fs)`.
# - Rolling percentiles here are exact ranked samples (`scipy.ndimage.percentile_filter`), not
#   `np.percentile`'s interpolation.
# - A causal EMA can run online but is an average: it lags drift (long τ) or follows the
#   transients (short τ). A low percentile of the recent past (a window that ends at the current
#   frame) is an online baseline that ignores the transients.
# - suite2p's maximin: Gaussian (σ in frames) → rolling minimum → rolling maximum (window in s).
# - Remove slow drift with a lower envelope, not a low-pass filter, to keep the transients.
# - The first and last half-window have the least reliable baseline; choose the edge mode
#   knowingly (`"wrap"` is for periodic signals only).
# - A frame rate the data do not record is an assumption: say so wherever seconds are used.
# - No method wins everywhere: a low percentile sinks below the quiet level of a noisy, quiet
#   neuron; a minimum-based or median baseline rides up on a busy one. Check a choice on more than
#   one recording, against a truth where you have one.
#
# ## References
#
# - Pachitariu, M., et al. (2017). Suite2p: beyond 10,000 neurons with standard two-photon
#   microscopy. *bioRxiv* 061507. (The maximin baseline, `sig_baseline`, `win_baseline`.)
# - Jia, H., Rochefort, N. L., Chen, X., & Konnerth, A. (2011). In vivo two-photon imaging of
#   sensory-evoked dendritic calcium signals in cortical neurons. *Nature Protocols*, 6, 28–35.
#   (Baseline as a running minimum of a smoothed trace; exponentially weighted averaging.)
# - Giovannucci, A., et al. (2019). CaImAn, an open source tool for scalable calcium imaging data
#   analysis. *eLife*, 8, e38173. (Running-percentile baselines for ΔF/F.)
# - de Vries, S. E. J., et al. (2020). A large-scale standardized physiological survey reveals
#   functional organization of the mouse visual cortex. *Nature Neuroscience*, 23, 138–151.
#   (The Allen Brain Observatory pipeline.)
# - Virtanen, P., et al. (2020). SciPy 1.0. *Nature Methods*, 17, 261–272. (`scipy.ndimage`
#   rank filters and their edge modes.)
#
# *Execution time of this lesson on the course machine (2 cores): about 4 s of CPU time; the
# simulated recordings are generated once and cached. The check cells, hidden tests included
# (three more simulated recordings for Exercises 4.3 and 8.1), add under 1 s.*
