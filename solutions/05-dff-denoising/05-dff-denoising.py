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
# # 05 · ΔF/F₀ and denoising
#
# A raw fluorescence trace says how bright an ROI was, in arbitrary units that depend on how much
# indicator the cell expresses, how deep it lies and how hard the laser pushes. To compare
# neurons, sessions and animals we express activity *relative to the cell's own resting
# brightness*: ΔF/F₀. Then we estimate how noisy each trace is and remove as much of that noise as
# we can without flattening the calcium transients — here with wavelet denoising, step by step.
#
# **Learning objectives** — after this lesson you can
# 1. compute ΔF and ΔF/F₀ as a fraction and in percent, and say how the choice of F₀ changes it;
# 2. recognise an F₀ near zero (after neuropil subtraction) and guard against it;
# 3. estimate a trace's noise σ by the standard deviation and by the median absolute deviation
#    (MAD), and explain why they differ on active traces;
# 4. denoise a trace with PyWavelets: decomposition, noise from the finest level, the universal
#    threshold, soft thresholding, reconstruction — and choose the wavelet and the level;
# 5. measure the signal-to-noise ratio (SNR) before and after, and know when it misleads;
# 6. choose a denoising method and its time scale that lower the noise while keeping the
#    transients' amplitudes, judged against the truth on recordings at other frame rates;
# 7. show a few neurons across the steps raw → normalised → background removed → denoised.
#
# **Time:** about 100 minutes. **Prerequisites:** lessons 03 (neuropil correction) and 04
# (baseline F₀); NumPy reductions along an axis (`axis=1` for one value per neuron).
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np
import pywt

from helpers import baseline, data, dff, plots, simulate
from helpers.lessons import dff_denoising

rec = dff_denoising.recording(seed=0)   # simulate.simulate_traces(n_neurons=20, n_frames=3000, fs=30.0, seed=0)
truth = rec.truth                       # the simulation's ground truth
fs = rec.fs                             # 30 frames per second
F = dff_denoising.soma_traces(seed=0)   # (neurons, time), a.u., neuropil already removed exactly
time_s = np.arange(F.shape[1]) / fs     # frame i is at i / fs seconds
k = dff_denoising.active_neuron(seed=0) # the neuron that fires the most
print(f"F: shape {F.shape} (neurons, frames) at {fs} Hz; the most active neuron is k = {k}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. ΔF and ΔF/F₀
#
# The traces `F` are simulated somata whose neuropil has been removed exactly (the ideal outcome of
# lesson 03), so each is `F0 · (1 + calcium) + noise`: a slowly bleaching and drifting baseline
# F₀, multiplied up during each calcium transient, plus detector noise.
#
# - **ΔF = F − F₀** is the rise above baseline, still in the trace's arbitrary units (a.u.).
# - **ΔF/F₀ = (F − F₀) / F₀** is that rise *relative* to the baseline: unitless, 0 at rest. A
#   single action potential raises GCaMP6s fluorescence by about 0.23, i.e. 23 %, in zoomed-in
#   cells with viral expression (Chen et al. 2013) — the simple regime this lesson's simulation
#   uses. Under population-imaging conditions single spikes are far smaller and vary widely (Huang
#   et al. 2021 detected under 10 % of them): the simulator's realistic regime gives a median of
#   about 0.07 per spike, close to the noise σ of a single frame (see the example below).
#
# This course stores ΔF/F₀ as a **fraction** (0.23); a percentage is 100 times that (23 %), and a
# name that holds one says so (`_percent`). Mixing them up is the most common ΔF/F₀ bug: a
# threshold of "2 σ" or an amplitude of "0.5" means something else by a factor of 100.
#
# **Example** — neuron `k` and one simple F₀: the median of its whole trace.

# %% mystnb={"image": {"alt": "Fluorescence of the most active simulated neuron over 100 seconds, in arbitrary units, with repeated fast-rising, slowly decaying transients on a flat noisy baseline; a horizontal line marks its median, the constant F0."}}
ax = plots.traces(time_s, F[k], labels=["F (neuron k)"], title="one neuron and a constant F₀")
ax.axhline(np.median(F[k]), color="#D55E00", lw=1.5, label="F₀ = median of the trace")
ax.legend(loc="upper right", frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-regimes-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the same 20 neurons in the two regimes of the simulator (`regime="realistic"`,
# see the book page *The simulator*): the median ΔF/F₀ of one spike, the median noise σ of one
# frame's ΔF/F₀, and their ratio. In the simple regime a single spike stands about 4–5 σ above
# the noise and is easy to see; in the realistic regime it is about 1 σ — invisible in one
# frame, which is why denoising (section 4) and, later, event detection are hard on real data.

# %%
for regime in ["simple", "realistic"]:
    t_reg = simulate.simulate_traces(**dff_denoising.RECORDING, seed=0, regime=regime).truth
    amp, sigma = np.median(t_reg.spike_amplitude), np.median(t_reg.noise_sd / t_reg.f0.mean(axis=1))
    print(f"{regime:>9}: one spike ≈ {amp:.3f} ΔF/F₀, noise σ ≈ {sigma:.3f}, ratio {amp / sigma:.1f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-dff-k-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.1** — What if F₀ is wrong? *Predict first:* if F₀ is 10 % too high, does a
# transient's peak ΔF/F₀ come out 10 % smaller, more than 10 % smaller, or less? And where does the
# quiet level (the ΔF/F₀ between transients) sit then? Write your prediction down, then measure
# it on neuron `k` (the trace `F[k]`), with F₀ = the median of its whole trace (one number):
# store its ΔF/F₀ as a fraction in `dff_k` and in percent in `dff_k_percent` (float arrays of
# shape `(n_frames,)`); then, with an F₀ 10 % higher than that median, store the **relative
# change of the largest ΔF/F₀ value** of the trace in `peak_change` (a fraction: −0.10 would
# mean "10 % smaller") and the median of that ΔF/F₀ over the trace — where the quiet level now
# sits — in `quiet_level_high` (a fraction). Both are floats.

# %% nbgrader={"grade": false, "grade_id": "ex-dff-k", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
f0_k = np.median(F[k])
dff_k = (F[k] - f0_k) / f0_k
dff_k_percent = 100 * dff_k
dff_high = (F[k] - 1.1 * f0_k) / (1.1 * f0_k)
peak_change = float(dff_high.max() / dff_k.max() - 1)
quiet_level_high = float(np.median(dff_high))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-dff-k-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_f0_too_high; check_f0_too_high(dff_k, dff_k_percent, peak_change, quiet_level_high)

# %% [markdown] nbgrader={"grade": false, "grade_id": "f0-high-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# An F₀ too high by a factor (1 + e) turns every ΔF/F₀ value d into (1 + d)/(1 + e) − 1: the quiet
# level drops below zero, to about −e/(1 + e), and a peak loses that same offset on top of the
# shrinking by 1/(1 + e) — so a small transient loses relatively more than a large one. Errors in
# F₀ are errors in every amplitude, and in the level a threshold is measured from.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-dff-fn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.2** — Write a function `compute_dff(F, F0)` that returns ΔF/F₀ **as a fraction**,
# as a float array of the shape of `F`. `F` is one trace `(n_frames,)` or many
# `(n_neurons, n_frames)`; `F0` is a number, or an array that broadcasts against `F` (the same
# shape — a baseline per frame — or `(n_neurons, 1)`, one value per neuron): NumPy's
# broadcasting does this for you. A baseline at or below zero makes ΔF/F₀ meaningless (it blows
# up or flips the sign of every transient), so if **any** value of `F0` is `<= 0`, raise a
# `ValueError` with a message saying so, instead of returning a result.

# %% nbgrader={"grade": false, "grade_id": "ex-dff-fn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def compute_dff(F, F0):
    ### BEGIN SOLUTION
    F, F0 = np.asarray(F, dtype=float), np.asarray(F0, dtype=float)
    if np.any(F0 <= 0):
        raise ValueError("F0 must be positive everywhere: a baseline at or below zero makes ΔF/F0 meaningless")
    return (F - F0) / F0
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-dff-fn-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_compute_dff; check_compute_dff(compute_dff)
### BEGIN HIDDEN TESTS
check_compute_dff(compute_dff, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### F₀ decides what ΔF/F₀ says
#
# Lesson 04 estimated F₀ in many ways. Each gives a different ΔF/F₀ — and the simulation tells
# us the right one. `dff_denoising.f0_estimates` returns, for one trace, the true F₀ of the
# simulation and four estimates: the constant median; centred moving medians of 11 frames
# (0.37 s) and of 201 frames (6.7 s), both as in the source notebook's exercises; and a rolling
# 10th percentile over 30 s.
#
# **Example** — the five baselines of neuron `k`, over its first 40 seconds:

# %% mystnb={"image": {"alt": "The first 40 seconds of neuron k's fluorescence with five baseline estimates: the true F0, the constant median and the 201-frame moving median lie close together at the quiet level, the 30-second rolling 10th percentile sits a little lower, and the 11-frame moving median follows every transient up."}}
f0_options = dff_denoising.f0_estimates(F[k], fs, true_f0=truth.f0[k])
first_40_s = time_s < 40
ax = plots.traces(time_s[first_40_s], F[k][first_40_s], labels=["F (neuron k)"],
                  title="five baselines F₀ for the same trace")
for name, f0_trace in f0_options.items():
    ax.plot(time_s[first_40_s], f0_trace[first_40_s], lw=1.5, label=name)
ax.legend(loc="upper right", frameon=False, fontsize=8);

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-peaks-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1.3** — *Predict first:* look at the figure. Against which baselines will neuron
# `k`'s largest ΔF/F₀ come out too large, and against which too small, compared with the true
# F₀? Then measure: for each baseline in `f0_options` (a dict, in its order), neuron `k`'s ΔF/F₀
# as a fraction against that baseline, frame by frame, and its largest value over the whole
# trace. Store the five maxima, in the dict's order, in the float array `peak_dff` of shape
# `(5,)`.

# %% nbgrader={"grade": false, "grade_id": "ex-peaks", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
peak_dff = np.array([np.max((F[k] - f0) / f0) for f0 in f0_options.values()])
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-peaks-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_peak_dff; check_peak_dff(peak_dff)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The constant median comes closest to the true peak: neuron `k` is quiet most of the time, so
# the median of its whole trace lands near its resting level (and its baseline barely drifts in
# these 100 s). The 30 s rolling 10th percentile sits below the resting level (a low percentile
# of noisy samples undershoots it by about 1.3 σ) and inflates every ΔF/F₀. The 201-frame
# (6.7 s) moving median is lifted during bursts of transients, which take up a good part of its
# window, and shaves the largest peak. The 11-frame moving median is shorter than a GCaMP6s
# transient: it follows the transients up and cuts most of each peak away. **A baseline window
# must be much longer than the transients — and bursts — it has to ignore.**
#
# ## 2. How noisy is a trace? Standard deviation vs MAD
#
# Every later step — denoising thresholds, event detection at "3 σ", SNR — needs the noise σ of a
# trace. The plain **standard deviation** measures the spread of *all* samples: every transient
# and every drift inflates it, so on an active neuron it overestimates the noise. The **median
# absolute deviation** (MAD), median(|x − median(x)|), looks only at the bulk. It is not σ itself:
# for Gaussian noise, half of the samples lie within 0.6745 σ of the centre, so the median of
# |x − median| is 0.6745 σ — scaled accordingly, it estimates σ. As long as the cell
# is active less than half of the time, its transients move the MAD much less than the standard
# deviation. (A third estimate, `dff.noise_sd(x, "diff_mad")`, takes the MAD of frame-to-frame
# differences divided by √2; it ignores slow drift too, and we use it in section 3.)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mad-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.1** — Write a function `mad_sigma(x)` that returns the MAD estimate of the noise
# σ of a 1-D array `x`, as one float: the median absolute deviation from the median, **scaled so
# that for Gaussian noise it estimates σ** (work out the factor from the text; 4 significant
# digits are enough). Use the plain median (`np.median`; for an even number of samples it
# averages the two middle ones).

# %% nbgrader={"grade": false, "grade_id": "ex-mad", "locked": false, "schema_version": 3, "solution": true, "task": false}
def mad_sigma(x):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    return float(1.4826 * np.median(np.abs(x - np.median(x))))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-mad-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_mad_sigma; check_mad_sigma(mad_sigma)
### BEGIN HIDDEN TESTS
check_mad_sigma(mad_sigma, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-sigmas-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — `dff_true` below is the ΔF/F₀ of every simulated neuron against its *true*
# baseline, so it is exactly the true calcium signal plus noise. *Predict first:* for which
# neurons will the standard deviation overestimate the noise most, and will the MAD estimate be
# exact? Then store the standard deviation of each neuron's trace over time (NumPy's default
# `ddof=0`) in `sigma_std` and its MAD estimate of exercise 2.1 in `sigma_mad`, each a float array
# of shape `(n_neurons,)`, and compare them in the figure below.

# %% nbgrader={"grade": false, "grade_id": "dff-true", "locked": true, "schema_version": 3, "solution": false, "task": false}
dff_true = dff_denoising.dff_true_f0(seed=0)   # (F - true F0) / true F0, shape (neurons, frames)

# %% nbgrader={"grade": false, "grade_id": "ex-sigmas", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
sigma_std = dff_true.std(axis=1)
sigma_mad = 1.4826 * np.median(np.abs(dff_true - np.median(dff_true, axis=1, keepdims=True)), axis=1)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-sigmas-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_noise_sigmas; check_noise_sigmas(sigma_std, sigma_mad)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s2b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — both estimates against the true noise σ of each neuron's ΔF/F₀ (the simulation's
# noise s.d. divided by the neuron's mean baseline). Points on the dashed line are exact.

# %% mystnb={"image": {"alt": "Scatter plot of estimated against true noise sigma of 20 simulated neurons: MAD estimates lie close above the identity line, standard deviations further above it, far above for the most active neurons."}}
noise_true = truth.noise_sd / truth.f0.mean(axis=1)
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
ax.scatter(noise_true, dff.noise_sd(dff_true, "std"), label="standard deviation", marker="o")
ax.scatter(noise_true, dff.noise_sd(dff_true, "mad"), label="MAD × 1.4826", marker="s")
lims = [0, 1.1 * dff.noise_sd(dff_true, "std").max()]
ax.plot(lims, lims, "k--", lw=1, label="estimate = truth")
ax.set(xlabel="true noise σ (ΔF/F₀, fraction)", ylabel="estimated σ (ΔF/F₀, fraction)",
       title="noise estimates on 20 simulated neurons")
ax.legend(frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. The pitfall: F₀ near zero after neuropil subtraction
#
# ΔF/F₀ divides by F₀. After neuropil subtraction, `F − r · Fneu`, a dim soma in bright neuropil
# can be left with a baseline near zero — or below it when r is too large. Dividing by it turns
# noise into enormous ΔF/F₀ values, and a negative F₀ flips the sign of every transient. The real
# Allen Brain Observatory traces show this: three ROIs with their neuropil traces, where the
# common fixed r = 0.7 leaves ROI 1 with a baseline around zero — its quiet level (a low
# percentile) is **negative** (that pipeline's own fit gave r ≈ 0.078 for it; lesson 03). Their
# frame rate is not recorded in the file, and we need none here.
#
# A useful guard: a baseline must be clearly above zero — above the noise σ of the trace. Here
# we measure that noise with `dff.noise_sd(F, "diff_mad")`, the MAD of frame-to-frame
# differences divided by √2, which ignores the slow drift of these 48 160-frame raw traces.

# %% nbgrader={"grade": false, "grade_id": "allen-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
F_allen = dff_denoising.allen_corrected(r=0.7)   # F - 0.7 * Fneu, shape (3, 48160), a.u.
print("Allen ROI traces after F - 0.7 Fneu:", F_allen.shape)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-allen-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — *Predict first:* which of the three ROIs will fail the guard? Then apply it.
# For each ROI of `F_allen`, store in `f0_allen` its constant baseline, the **10th percentile** of
# its trace over time (`np.percentile` with its default linear interpolation; NumPy takes
# percentiles from 0 to 100), in `noise_allen` its noise σ measured as described above, and in
# `f0_safe` a boolean array that is True for the ROIs whose baseline passes the guard. Each has
# shape `(3,)`.

# %% nbgrader={"grade": false, "grade_id": "ex-allen", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
f0_allen = np.percentile(F_allen, 10, axis=1)
noise_allen = dff.noise_sd(F_allen, "diff_mad")
f0_safe = f0_allen > noise_allen
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-allen-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_allen_guard; check_allen_guard(f0_allen, noise_allen, f0_safe)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — ROI 1 after subtracting 0.7 · Fneu and after subtracting the pipeline's fitted
# 0.078 · Fneu, and the ΔF/F₀ of each over 6000 frames, with a local baseline this time (a moving
# median of 1001 frames, so that the slow drift of this long recording does not matter).
# `dff.delta_f_over_f` refuses the first: it checks F₀ against the noise like exercise 3.1 and
# says what to do — so we divide by hand to show the damage. The frame rate is unknown: time is
# in frames.

# %% mystnb={"image": {"alt": "Three panels for Allen ROI 1. Top: the whole trace after neuropil subtraction; with r equal to 0.078 it stays around 60 to 120 a.u., with r equal to 0.7 it hovers around zero, partly below it. Middle: dF/F0 for r equal to 0.7 over 6000 frames swings between about minus 8 and plus 13, amplified noise. Bottom: dF/F0 for r equal to 0.078 stays within about plus or minus 0.5."}}
roi1_r07 = F_allen[1]
roi1_fit = dff_denoising.allen_corrected(r=[0.7, 0.078, 0.125])[1]
try:
    dff.delta_f_over_f(roi1_r07, np.percentile(roi1_r07, 10))
except ValueError as err:
    print("dff.delta_f_over_f refused:", err)
frames = np.arange(roi1_r07.size)
part = slice(20000, 26000)
fig, axes = plt.subplots(3, 1, figsize=(8, 7.5), layout="constrained")
plots.traces(frames, np.vstack([roi1_fit, roi1_r07]), labels=["r = 0.078 (fitted)", "r = 0.7"], ax=axes[0],
             xlabel="frame", ylabel="F − r·Fneu (a.u.)", title="Allen ROI 1 after neuropil subtraction")
axes[0].axhline(0, color="#000000", lw=0.8)
for ax, trace, r in [(axes[1], roi1_r07, 0.7), (axes[2], roi1_fit, 0.078)]:
    f0_local = baseline.moving_median(trace, 1001)
    plots.traces(frames[part], ((trace - f0_local) / f0_local)[part], ax=ax, xlabel="frame",
                 ylabel="ΔF/F₀ (fraction)", title=f"ΔF/F₀ with r = {r} (F₀: moving median of 1001 frames)")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-s2p-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.2** — suite2p subtracts `0.7 · Fneu` by default. Its example output has 23 ROIs
# (`dff_denoising.suite2p_corrected(r)` returns `F - r * Fneu` for all of them, one row per ROI).
# *Predict first:* will subtracting more neuropil (r = 1.0 instead of 0.7) leave more ROIs safe,
# or fewer — and how many of the 23 do you expect to be safe at each r? Write both numbers down.
# Then measure with the guard of section 3, as in exercise 3.1 (a constant F₀ from the 10th
# percentile over time, the noise measured as described there), on **all 23 ROIs**, cells or
# not: store how many are safe with r = 0.7 in `n_safe_r07` and with r = 1.0 in `n_safe_r10`
# (Python or NumPy integers), and compare with your guess.

# %% nbgrader={"grade": false, "grade_id": "ex-s2p", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def n_safe(corrected):
    return int(np.sum(np.percentile(corrected, 10, axis=1) > dff.noise_sd(corrected, "diff_mad")))


n_safe_r07 = n_safe(dff_denoising.suite2p_corrected(0.7))
n_safe_r10 = n_safe(dff_denoising.suite2p_corrected(1.0))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-s2p-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_safe_counts; check_safe_counts(n_safe_r07, n_safe_r10)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# With r = 1.0 several of suite2p's ROIs are left with a baseline inside the noise: their ΔF/F₀
# would be meaningless. What to do then: use a smaller or fitted r (lesson 03); or add a constant
# back after subtraction, e.g. `F − r · (Fneu − median(Fneu))`, which removes the neuropil's
# *fluctuations* and keeps the trace positive — but **not** the soma's level: its F₀ still holds
# `r · median(Fneu)`, so every ΔF/F₀ is diluted by f₀ / (f₀ + r·median(Fneu)). On this lesson's
# simulation (the true f₀ and neuropil, r = 0.7) that factor has a median of 0.51 (0.28–0.62):
# ΔF/F₀ comes out about **two-fold too small**. Use the constant only as a guard, and compare
# amplitudes only between traces corrected the same way; always look at F₀ before dividing by it.
#
# ## 4. Wavelet denoising, step by step
#
# Imaging noise is close to *white*: independent from frame to frame, spread evenly over all
# frequencies. A calcium transient at 30 Hz is smooth over tens of frames. The **discrete wavelet
# transform** splits a trace into bands by time scale: `pywt.wavedec(x, wavelet, level=L)`
# returns the list `[cA_L, cD_L, ..., cD_2, cD_1]` — one *approximation* `cA_L` (the slow shape
# at the coarsest scale) and `L` *detail* bands, from the coarsest `cD_L` to the **finest `cD_1`,
# which is last**. Band j has about n / 2ʲ coefficients, each describing changes over about 2ʲ
# frames. A transient lives in a few large coefficients of the coarser bands; white noise spreads
# evenly as many small coefficients over every band, and the finest band holds almost nothing
# else. Donoho and Johnstone's recipe (1994):
#
# 1. **decompose** the trace;
# 2. **estimate the noise** from the finest band: σ = median(|cD₁|) / 0.6745 (the MAD of
#    coefficients whose median is 0 by construction, so it is not subtracted);
# 3. take the **universal threshold** λ = σ √(2 ln n), n = number of frames of the trace (natural
#    log): the level that n pure-noise coefficients almost surely stay below;
# 4. **soft-threshold** every detail coefficient: shrink it towards zero by λ, setting those
#    smaller than λ to 0 (`pywt.threshold(c, λ, mode="soft")`); leave the approximation alone;
# 5. **reconstruct** with `pywt.waverec` — which can return one sample more than the trace for an
#    odd length, so keep the first n.
#
# Throughout, the trace's ends are extended by mirroring, `mode="symmetric"` (PyWavelets'
# default, which we pass explicitly in both `wavedec` and `waverec`).
#
# **Example** — the decomposition of neuron `k`'s ΔF/F₀ (against its true F₀) with the `sym4`
# wavelet and 5 levels:

# %% mystnb={"image": {"alt": "Six stacked panels with the wavelet coefficients of neuron k's dF/F0: the level-5 approximation follows the slow shape of the transients; the coarse detail bands have a few large coefficients at the transients; the finest detail band looks like uniform noise."}}
x = dff_true[k]
coeffs = pywt.wavedec(x, "sym4", mode="symmetric", level=5)
names = ["approximation cA5"] + [f"detail cD{j}" for j in range(5, 0, -1)]
fig, axes = plt.subplots(len(coeffs), 1, figsize=(8, 8), layout="constrained")
for ax, band, name in zip(axes, coeffs, names):
    ax.plot(band, lw=0.8)
    ax.set_ylabel("coefficient", fontsize=8)
    ax.set_title(f"{name}: {band.size} coefficients", fontsize=9, loc="left")
axes[-1].set_xlabel("coefficient index (position along the trace)");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-threshold-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.1** — From `coeffs` above (the `sym4`, 5-level decomposition of `x`, neuron `k`'s
# ΔF/F₀ with 3000 frames), store the noise estimate of step 2 in `sigma_wav` and the universal
# threshold of step 3 in `threshold_u` (floats; mind which band is the finest, and which
# logarithm). Then *predict:* for a trace of the same noise but four times as long, would λ be
# larger or smaller, and why does that make sense for "the level pure noise stays below"?

# %% nbgrader={"grade": false, "grade_id": "ex-threshold", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
sigma_wav = float(np.median(np.abs(coeffs[-1])) / 0.6745)
threshold_u = float(sigma_wav * np.sqrt(2 * np.log(len(x))))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-threshold-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_wavelet_threshold; check_wavelet_threshold(sigma_wav, threshold_u)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-wavelet-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — Put the five steps together: write `wavelet_denoise_trace(x, wavelet, level)`
# for a 1-D trace `x` of n frames, a wavelet name such as `"sym4"` and a number of levels. Use
# exactly these conventions: decompose `x` into `level` levels with `pywt.wavedec`, in the
# `"symmetric"` signal-extension mode; σ from the finest detail band (`coeffs[-1]`) as in
# exercise 4.1; λ = σ √(2 ln n) with n = `len(x)`; **soft** thresholding at λ (`pywt.threshold`)
# of **every detail band** (`coeffs[1:]`), the approximation `coeffs[0]` unchanged; rebuild with
# the inverse transform, `pywt.waverec`, in the same mode, and cut the result to the first n
# samples (the inverse can return one more). Return a float array of shape `(n,)`.

# %% nbgrader={"grade": false, "grade_id": "ex-wavelet", "locked": false, "schema_version": 3, "solution": true, "task": false}
def wavelet_denoise_trace(x, wavelet, level):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    coeffs = pywt.wavedec(x, wavelet, mode="symmetric", level=level)
    sigma = np.median(np.abs(coeffs[-1])) / 0.6745
    threshold = sigma * np.sqrt(2 * np.log(len(x)))
    coeffs[1:] = [pywt.threshold(c, threshold, mode="soft") for c in coeffs[1:]]
    return pywt.waverec(coeffs, wavelet, mode="symmetric")[:len(x)]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-wavelet-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_wavelet_denoise_trace; check_wavelet_denoise_trace(wavelet_denoise_trace)
### BEGIN HIDDEN TESTS
check_wavelet_denoise_trace(wavelet_denoise_trace, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# From now on we use the course's reference, `dff.wavelet_denoise(x, wavelet, level)`, which
# follows the same recipe (on one trace or many).
#
# **Example** — neuron `k` denoised with the smooth `sym4` wavelet and with the `haar` wavelet
# (a step: it rebuilds the trace from blocks), 4 levels each, over 20 seconds, with the true
# calcium signal that the simulation knows:

# %% mystnb={"image": {"alt": "Twenty seconds of neuron k's noisy dF/F0 in light grey, the true calcium signal in black, and two denoised versions: the sym4 result follows the smooth rise and decay of each transient, the haar result follows it in blocky steps."}}
window = (time_s >= 20) & (time_s < 40)
fig, ax = plt.subplots(figsize=(8, 3.2), layout="constrained")
ax.plot(time_s[window], x[window], color="#BBBBBB", lw=0.6, label="ΔF/F₀ (noisy)")
ax.plot(time_s[window], truth.calcium[k][window], color="#000000", lw=1.2, label="true calcium")
for wav in ["sym4", "haar"]:
    ax.plot(time_s[window], dff.wavelet_denoise(x, wav, 4)[window], lw=1.2, label=f"denoised, {wav}, 4 levels")
ax.set(xlabel="time (s)", ylabel="ΔF/F₀ (fraction)", title="the wavelet's shape shows in the result")
ax.legend(loc="upper right", frameon=False, fontsize=8);

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-levels-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.3** — How many levels? Only a simulation can say for sure. *Predict first:* a
# GCaMP6s transient lasts about a second, and level j describes changes over about 2ʲ frames —
# which level will be best at 30 Hz? Then measure. For `x` (neuron `k`'s
# ΔF/F₀) and the true calcium signal `truth.calcium[k]`, store in `raw_error` the root-mean-square
# (RMS) error of `x` itself, `sqrt(mean((x - true)²))` over all frames, and in `level_errors` the
# RMS error of `x` denoised with the reference, `dff.wavelet_denoise`, and the `sym4` wavelet at
# each number of levels from 1 to 8 (a float array of shape `(8,)`, level 1 first). Store the
# level with the smallest error in `best_level` (an integer from 1 to 8 — mind that array
# positions start at 0).

# %% nbgrader={"grade": false, "grade_id": "ex-levels", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
def rms(a, b):
    return float(np.sqrt(np.mean((a - b) ** 2)))


raw_error = rms(x, truth.calcium[k])
level_errors = np.array([rms(dff.wavelet_denoise(x, "sym4", level), truth.calcium[k]) for level in range(1, 9)])
best_level = int(np.argmin(level_errors)) + 1
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-levels-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_level_errors; check_level_errors(raw_error, level_errors, best_level)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# Too few levels leave slow noise in the approximation, which is never thresholded; too many put
# the transients themselves into coarse bands where the threshold shrinks them. At 30 Hz with
# GCaMP6s the best is 3 to 4 levels (a transient lasts about a second, 2⁵ frames). At 4.8 Hz a transient is
# only a few frames long: use 2 or 3 levels there.
#
# ## 5. Signal-to-noise ratio, before and after
#
# A trace's **SNR** compares the size of its transients with its noise. We use a robust version:
# how far the trace rises above its typical (median) level — to its 99th percentile, so that one
# outlier frame does not decide — divided by the MAD noise σ:
#
# $$\text{SNR} = \frac{P_{99}(x) - \operatorname{median}(x)}{\hat\sigma_{\text{MAD}}(x)}.$$
#
# It is unitless, so a raw trace with a flat baseline and its ΔF/F₀ have the same SNR.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-snr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — Write a function `snr(x)` that returns the SNR defined above of a 1-D trace
# `x`, as one float, with σ the MAD estimate of exercise 2.1 (your `mad_sigma`, or
# `dff.noise_sd(x, "mad")`) and `np.percentile`'s default linear interpolation. *Predict first:*
# what SNR does pure Gaussian noise get — 0, about 1, or more?

# %% nbgrader={"grade": false, "grade_id": "ex-snr", "locked": false, "schema_version": 3, "solution": true, "task": false}
def snr(x):
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=float)
    sigma = 1.4826 * np.median(np.abs(x - np.median(x)))
    return float((np.percentile(x, 99) - np.median(x)) / sigma)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-snr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_snr; check_snr(snr)
### BEGIN HIDDEN TESTS
check_snr(snr, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### A real recording: the Allen ΔF/F₀ excerpt
#
# 74 neurons imaged at 30 Hz, ΔF/F₀ already computed by the Allen Brain Observatory pipeline (as
# a fraction). No ground truth here: this is where SNR is what we can measure.

# %% nbgrader={"grade": false, "grade_id": "allen-dff-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
allen = data.load_allen_dff()
allen_dff = allen.traces                 # (74, 6001), ΔF/F₀ as a fraction
allen_time_s = np.arange(allen_dff.shape[1]) / allen.fs
print(f"Allen ΔF/F₀: {allen_dff.shape} at {allen.fs} Hz ({allen.units})")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-allen-snr-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — *Predict first:* denoising the Allen traces with the lesson's recipe
# (the `sym4` wavelet with 4 levels, each trace on its own) — by what factor will it raise a
# typical neuron's SNR: under 1.5, about 2, or more than 3? Then measure: store the SNR of
# exercise 5.1 of each raw trace in `snr_raw` and of each denoised trace in `snr_denoised` (float
# arrays of shape `(74,)`), and the median over neurons of each neuron's gain, its denoised SNR
# over its raw SNR, in `snr_gain` (a float).

# %% nbgrader={"grade": false, "grade_id": "ex-allen-snr", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
allen_denoised = dff.wavelet_denoise(allen_dff, "sym4", 4)
snr_raw = dff.snr(allen_dff)
snr_denoised = dff.snr(allen_denoised)
snr_gain = float(np.median(snr_denoised / snr_raw))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-allen-snr-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_allen_snr; check_allen_snr(snr_raw, snr_denoised, snr_gain)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — SNR is easy to inflate. Below, for 1 to 8 levels: the median SNR of the Allen
# traces after denoising (real data, no truth) and, on the simulation, the median SNR and the
# median RMS error against the true calcium. The Allen SNR rises with every level — a smoother
# baseline has a smaller MAD. In the simulation the SNR peaks at 5 levels, when the error against
# the truth is already growing, and falls only once the transients themselves are cut down.

# %% mystnb={"image": {"alt": "Two panels against the number of wavelet levels from 1 to 8: left, median SNR after denoising: for the Allen traces it rises with every level, for the simulated traces it rises up to 5 levels and then falls; right, the median RMS error of the simulated denoised traces against the true calcium, lowest at about 4 levels and rising after."}}
levels = np.arange(1, 9)
snr_allen = [np.median(dff.snr(dff.wavelet_denoise(allen_dff, "sym4", L))) for L in levels]
sim_denoised = [dff.wavelet_denoise(dff_true, "sym4", L) for L in levels]
snr_sim = [np.median(dff.snr(d)) for d in sim_denoised]
err_sim = [np.median(np.sqrt(np.mean((d - truth.calcium) ** 2, axis=1))) for d in sim_denoised]
fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
axes[0].plot(levels, snr_allen, "o-", label="Allen (real, 74 neurons)")
axes[0].plot(levels, snr_sim, "s-", label="simulation (20 neurons)")
axes[0].set(xlabel="wavelet levels", ylabel="median SNR (unitless)", title="SNR after denoising")
axes[0].legend(frameon=False)
axes[1].plot(levels, err_sim, "s-", color="#E69F00")
axes[1].set(xlabel="wavelet levels", ylabel="median RMS error (ΔF/F₀)", title="error against the truth (simulation)");

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-levels", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Question 5.3** (manually graded) — Why does the SNR still grow with the number of levels
# where the error against the true signal already grows (beyond 3 or 4 levels)? What does
# over-denoising do to a transient, and how would you choose the wavelet and the level for a real
# recording, where there is no ground truth? Answer in three to five sentences.
#
# ### BEGIN SOLUTION
# *Model answer.* The SNR divides the transients' height by the MAD of the trace, which is
# dominated by the quiet baseline; every extra level smooths that baseline further, so the MAD
# falls and the SNR rises as long as the transients' peaks survive (in the simulation it falls only
# after 5 levels, when the peaks are cut down too). Beyond 3–4 levels at 30 Hz the
# transients themselves (about a second, 2⁵ frames) fall into bands that are thresholded, so soft
# thresholding shrinks their peaks, rounds their fast rise and can erase small single-spike events
# — the error against the truth grows. A high SNR therefore does not prove a faithful trace. On
# real data: match the level to the transient duration and frame rate (a transient should span
# the coarse bands, not the fine ones: fewer levels at low rates), prefer a smooth wavelet shaped
# like a transient (sym4 rather than haar), calibrate on simulated traces with the same rate,
# indicator and noise, and check visually that peaks and rise times in the denoised trace match
# the raw one (e.g. the residual raw − denoised should look like noise, without transient shapes).
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mydenoise-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.4** (open) — Denoising that keeps the transients. Write `my_denoise(x, fs)` that
# returns a denoised copy of one trace `x` — a neuron's ΔF/F₀ (fraction) against its true F₀,
# like a row of `dff_true`, recorded with GCaMP6s at `fs` Hz — one value per frame. Choose the
# method and its parameters yourself (a wavelet and its levels, a Gaussian or Savitzky–Golay
# filter from `scipy`, a median filter, …). It is scored against the true calcium signal with
# two numbers, and must reach both:
#
# - **noise reduction** — the MAD noise σ of `x − true` over that of `your output − true`, median
#   over the neurons: **at least 1.4** (the SNR grows by that factor if the transients keep their
#   size);
# - **amplitude error** — at every peak of the true calcium signal above 0.2 (prominence 0.1),
#   `|your output − true| / true` at that frame, median over all such peaks: **at most 20 %**.
#
# On `dff_true` (30 Hz) and on recordings you have not seen: another seed, 15 Hz with more noise,
# and 7.5 Hz in the realistic regime. *Predict first:* at 7.5 Hz, should your filter average over
# as many **frames** as at 30 Hz, or over as many **seconds**?

# %% nbgrader={"grade": false, "grade_id": "ex-mydenoise", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_denoise(x, fs):
    ### BEGIN SOLUTION
    from scipy import ndimage
    # A centred Gaussian of 0.1 s: much shorter than a GCaMP6s transient (~1 s), several frames at 30 Hz.
    return ndimage.gaussian_filter1d(np.asarray(x, dtype=float), sigma=0.1 * fs, mode="nearest")
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-mydenoise-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_my_denoise; check_my_denoise(my_denoise)
### BEGIN HIDDEN TESTS
check_my_denoise(my_denoise, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. The whole cleaning chain: raw → normalised → background removed → denoised
#
# The source course's task: take raw GCaMP6s traces recorded at **4.8 Hz** (324 neurons ×
# 15 000 frames), and clean them in three steps — **normalise** to ΔF/F₀ with a low F₀ (its hint:
# a lower quartile), **remove the background**, fluctuations slower than 20 s from the optics,
# without removing the transients (lesson 04's lower-envelope `baseline.remove_slow_drift`), and
# **denoise** (wavelets, with few levels at this low rate) — then plot a couple of neurons across
# the steps to check that it worked. The simulator's `population_traces` mirrors that dataset;
# below, 40 of its neurons over 3000 frames (10 minutes).
#
# One correction to that recipe. Bleaching and drift **multiply** the fluorescence —
# `F = F₀(t) · (1 + calcium)`, as the simulator models it — so a transient in a bleached stretch
# is smaller in a.u. Dividing by one constant F₀ and subtracting the drift afterwards leaves those
# transients too small (and the level wrong). Divide by a baseline that follows the slow changes
# instead, `F / F₀(t) − 1`: normalising and removing the background are then one division.

# %% nbgrader={"grade": false, "grade_id": "pop-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
pop = simulate.population_traces(seed=0, n_neurons=40, n_frames=3000)
pop_F, pop_fs = pop.traces, pop.fs                    # raw fluorescence (a.u.), 4.8 Hz
pop_time_s = np.arange(pop_F.shape[1]) / pop_fs
pop_neurons = np.argsort(pop.truth.spikes.sum(axis=1))[::-1][:3]   # the three most active neurons
print(f"raw traces {pop_F.shape} at {pop_fs} Hz; neurons to show: {pop_neurons.tolist()}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "fig-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Deliverable 6.1** (manually graded) — Make the four-step figure for the three neurons
# `pop_neurons`: one row per neuron, one column per step, against time in seconds, showing the
# first 120 s (compute every step on the whole 625 s trace, then plot only `pop_time_s < 120`).
# 1. **raw**: `pop_F` (a.u.);
# 2. **normalised, constant F₀**: ΔF/F₀ (fraction) with F₀ the 25th percentile of each neuron's
#    raw trace over time (one value per neuron) — the slow changes are still there;
# 3. **background divided out**: ΔF/F₀ = `pop_F / F0_t - 1` with `F0_t` a slow baseline that
#    follows bleaching and drift: the rolling 25th percentile over 60 s,
#    `baseline.rolling_percentile(pop_F, 25, 60.0, pop_fs)` (60 s is long against a transient and
#    against the gaps between this sparse population's events, short against the drift);
# 4. **denoised**: `dff.wavelet_denoise(..., "sym4", 2)` of step 3 (2 levels at 4.8 Hz).
#
# Label every axis with its units and title each column; in the last column also draw the true
# calcium signal `pop.truth.calcium` for comparison. (`dff_denoising.plot_steps(time_s, steps,
# neurons, units=..., truth=..., window_s=(start, stop))` draws such a grid from a dict
# `{column title: traces}`.)
# Graded on: the four correct steps (the background divided out, not subtracted), readable axes
# with units, and the truth overlay.

# %% nbgrader={"grade": true, "grade_id": "fig-steps", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "The first 120 seconds of three simulated neurons, one per row, in four columns: raw fluorescence in arbitrary units; dF/F0 with a constant F0, the slow bleaching and drift still present; F divided by a 60-second rolling baseline minus 1, flat at zero with the transients intact; denoised, smoother, with the timing of the black true calcium signal but lower peaks."}}
### BEGIN SOLUTION
f0_pop = np.percentile(pop_F, 25, axis=1, keepdims=True)
dff_pop = dff.delta_f_over_f(pop_F, f0_pop)
f0_t = baseline.rolling_percentile(pop_F, 25, 60.0, pop_fs)
flat_pop = pop_F / f0_t - 1
clean_pop = dff.wavelet_denoise(flat_pop, "sym4", 2)
steps = {"1 raw": pop_F, "2 normalised, constant F₀": dff_pop,
         "3 F / F₀(t) − 1 (60 s baseline)": flat_pop, "4 denoised (sym4, 2 levels)": clean_pop}
fig = dff_denoising.plot_steps(pop_time_s, steps, pop_neurons, units={"1 raw": "F (a.u.)"},
                               truth=pop.truth.calcium, window_s=(0, 120))
### END SOLUTION

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-steps", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# **Question 6.2** (manually graded) — Compare the denoised traces with the true calcium signal.
# Name two ways in which they still differ, and for each, which step of the chain causes it.
#
# ### BEGIN SOLUTION
# *Model answer.* (1) The level is offset and scaled: the raw trace also contains the neuropil
# (no neuropil correction was possible without neuropil traces), so F₀ includes the neuropil
# and ΔF/F₀ is smaller than the true calcium signal, and the 25th percentile is not the true
# resting level; the neuropil's own slow fluctuations remain too. (2) Transients are
# smoothed: at 4.8 Hz a GCaMP6s transient spans only a few frames, so soft thresholding shrinks
# the peaks and small single-spike transients nearly vanish, while some noise bumps survive.
# (Also acceptable: residual slow wobble where the 60 s baseline did not follow faster changes;
# dips after dense bursts where the rolling percentile was lifted; and, had we divided by a
# constant F₀ and subtracted the drift instead, transients too small wherever the baseline had
# bleached, because bleaching multiplies the signal.)
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mydff-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 6.3** (open) — `bleach_rec` below is 10 minutes of 8 neurons at 15 Hz whose baseline
# bleaches to 37 % of its start, neuropil already removed exactly (`bleach_F`). *Predict first:*
# with one constant F₀ per neuron, is a transient near the end of the recording too large or too
# small, and where does the quiet level sit? Then write `my_dff(trace, fs)` that returns the
# ΔF/F₀ (a fraction) of one such trace, one value per frame — choose the baseline method and its
# parameters yourself. It is scored against the true calcium signal, averaged over 1 s bins (which
# takes most of the noise out): a mean absolute error of at most **0.05** ΔF/F₀ over the neurons
# passes, on this recording and on recordings you have not seen (another frame rate, indicator,
# bleaching, and the realistic regime).

# %% nbgrader={"grade": false, "grade_id": "bleach-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
bleach_rec = dff_denoising.bleaching_recording(seed=0)
bleach_F = bleach_rec.traces - bleach_rec.truth.r[:, None] * bleach_rec.truth.neuropil   # f0(t)·(1 + calcium) + noise
print(f"bleach_F: {bleach_F.shape} at {bleach_rec.fs} Hz")

# %% nbgrader={"grade": false, "grade_id": "ex-mydff", "locked": false, "schema_version": 3, "solution": true, "task": false}
def my_dff(trace, fs):
    ### BEGIN SOLUTION
    from scipy import ndimage
    smooth = ndimage.gaussian_filter1d(np.asarray(trace, dtype=float), 0.5 * fs)   # less noise in the percentile
    f0_t = baseline.rolling_percentile(smooth, 10, 30.0, fs)
    return trace / f0_t - 1
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-mydff-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.dff_denoising import check_my_dff; check_my_dff(my_dff)
### BEGIN HIDDEN TESTS
check_my_dff(my_dff, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - ΔF = F − F₀ (a.u.); ΔF/F₀ = (F − F₀)/F₀ is a **fraction**; percent is ×100 and is named so.
#   One GCaMP6s spike: ≈ 0.23 in zoomed-in cells, but ≈ 0.05–0.07 and widely variable in
#   population imaging — about the noise of one frame.
# - Bleaching and drift multiply the signal: divide by a baseline that follows them,
#   F / F₀(t) − 1, rather than subtract the drift after dividing by a constant F₀.
# - `F − r·(Fneu − median Fneu)` keeps r·median(Fneu) in F₀ and dilutes ΔF/F₀ (about two-fold here).
# - ΔF/F₀ is only as good as F₀: a window much shorter than a transient eats the transient; a low
#   percentile of noisy data sits a little below the resting level. An F₀ 10 % too high pulls the
#   quiet level to about −0.09 and shrinks every peak by more than 10 %.
# - Never divide by a baseline near zero: after `F − r·Fneu` check that F₀ is above the noise,
#   and fix r (or add a constant back) when it is not.
# - Noise σ: the standard deviation is inflated by transients and drift; 1.4826 × MAD is robust;
#   the MAD of differences / √2 also ignores drift.
# - Wavelet denoising: `wavedec` → σ = median(|cD₁|)/0.6745 → λ = σ√(2 ln n) → soft-threshold the
#   detail bands → `waverec`, trimmed to n. Choose a smooth wavelet and a level matched to the
#   transient length and frame rate.
# - SNR rises with every smoothing step; judge denoising against ground truth (simulation) and
#   by eye, not by SNR alone: a good denoiser lowers the noise *and* keeps the transients' peaks
#   (exercise 5.4), and its smoothing is set in seconds, matched to the indicator, not in frames.
#
# *Execution time of this notebook, top to bottom under `pytest --nbval-lax` on the course machine
# (2 cores): about 7.5 s of CPU, most of it importing the libraries and simulating the recordings;
# about 19 s of wall time while the machine was shared.*
#
# ## References
#
# - Donoho, D. L., & Johnstone, I. M. (1994). Ideal spatial adaptation by wavelet shrinkage.
#   *Biometrika*, 81(3), 425–455. (The universal threshold.)
# - Donoho, D. L. (1995). De-noising by soft-thresholding. *IEEE Transactions on Information
#   Theory*, 41(3), 613–627.
# - Lee, G. R., Gommers, R., Waselewski, F., Wohlfahrt, K., & O'Leary, A. (2019). PyWavelets: A
#   Python package for wavelet analysis. *Journal of Open Source Software*, 4(36), 1237.
# - Chen, T.-W., et al. (2013). Ultrasensitive fluorescent proteins for imaging neuronal activity.
#   *Nature*, 499, 295–300.
# - Pachitariu, M., et al. (2017). Suite2p: beyond 10,000 neurons with standard two-photon
#   microscopy. *bioRxiv* 061507. (F − 0.7·Fneu.)
# - de Vries, S. E. J., et al. (2020). A large-scale standardized physiological survey reveals
#   functional organization of the mouse visual cortex. *Nature Neuroscience*, 23, 138–151.
#   (The Allen Brain Observatory traces.)
# - Huang, L., et al. (2021). Relationship between simultaneously recorded spiking activity and
#   fluorescence signal in GCaMP6 transgenic mice. *eLife*, 10, e51675.
# - Rousseeuw, P. J., & Croux, C. (1993). Alternatives to the median absolute deviation.
#   *Journal of the American Statistical Association*, 88(424), 1273–1283.
