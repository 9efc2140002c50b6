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
# # 07 · Neuronal ensembles
#
# Neurons in cortex do not only fire on their own: groups of them fire together, again and again.
# Such a group is an **ensemble**, and each moment it fires is an **ensemble event**. In a
# recording we do not know the ensembles beforehand, so we work backwards: first find the moments
# when more neurons are active together than chance would give, then ask which of those moments
# recruit the same neurons. This lesson builds that chain on a simulation with five planted
# ensembles — so we can check what we find — and then runs it on a real population recording.
#
# **Learning objectives** — after this lesson you can
# 1. bin event onsets into 500 ms windows with a stated rule, also when a bin is not a whole
#    number of frames, compute the coactivity (active neurons per bin) and predict its mean and
#    spread for independent neurons;
# 2. build a null distribution of coactivity with circular shuffles of each neuron's event train,
#    and explain what it keeps and what it destroys — including the shared slow modulation that
#    makes it call high-rate periods ensemble events — and use a jitter null that keeps it;
# 3. set a 99th-percentile threshold, find the ensemble events and their contributing neurons,
#    and say how many chance bins to expect above it;
# 4. compare ensemble events with the Jaccard similarity, cluster them hierarchically and justify
#    where the tree is cut (mean silhouette width);
# 5. present each ensemble — its member neurons and when it was active — and measure how well the
#    planted ensembles were recovered, on the simple simulation and on a realistic one;
# 6. choose a null, a threshold and a reporting rule yourself, scored against planted ensembles;
# 7. run the analysis on a real recording and judge what it shows.
#
# **Time:** about 2.5 hours. **Prerequisites:** lesson 06 (events and the event raster), NumPy
# boolean arrays, `np.floor`, `np.percentile`, `np.flatnonzero`; matplotlib's `plot` and `imshow`.
#
# **How the exercises work.** Each exercise asks for a named variable or function. Write your
# code in the cell below the exercise (replace `raise NotImplementedError()`), run it, then run
# the check cell after it: silence means the check passed; otherwise it tells you what looks
# wrong. The checks also run hidden tests when your instructor grades the notebook.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import matplotlib.pyplot as plt
import numpy as np

from helpers import ensembles as en, plots
from helpers.lessons import ensembles as lesson07

# Simulated population like the course's 324 x 15 000 table: GCaMP6s at 4.8 Hz (52 minutes),
# sparse background firing and five planted ensembles of 10-14 neurons (truth.ensembles).
# raster: True at the onset frame of every calcium event that ev.detect_events (lesson 06) found.
raster, fs, truth = lesson07.population(seed=0)
n_neurons, n_frames = raster.shape
bin_s = 0.5                      # bin width, seconds
print(f"raster: {n_neurons} neurons x {n_frames} frames at {fs} Hz ({n_frames / fs / 60:.0f} min), "
      f"{raster.sum()} events")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s1-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 1. Ensembles, ensemble events and the event raster
#
# We start from an **event raster**: a boolean array `(neurons, frames)` that is True at the
# **onset** frame of each calcium event (lesson 06). Onsets, because an onset is when a neuron
# started to be active; the slow decay of GCaMP6s (about a second) would smear peaks and whole
# events over many frames.
#
# - An **ensemble** is a set of neurons that fire together repeatedly.
# - An **ensemble event** is one moment (here: one time bin) in which significantly many neurons
#   are active together; the neurons active then are its **contributing neurons**.
#
# The simulation planted five ensembles: at each of an ensemble's events, each member fires (with
# probability 0.8) two spikes, in the event's frame or the next. Everything else is background
# firing, independent between neurons.
#
# **Example** — two minutes of the raster. On the left the neurons in their original order; on
# the right the same events with the members of the planted ensembles moved to the top: their
# vertical stripes are the ensemble events we want to find without knowing the ensembles.

# %% mystnb={"image": {"alt": "Two rasters of event onsets over 120 seconds, 324 neurons: on the left in the original neuron order, scattered dots; on the right the planted ensembles' members on top, where their simultaneous onsets form short vertical stripes."}}
window = slice(0, round(120 * fs))
planted = np.concatenate(truth.ensembles)
order = np.r_[planted, np.setdiff1d(np.arange(n_neurons), planted)]
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained", sharey=True)
for ax, rows, title in [(axes[0], np.arange(n_neurons), "original order"),
                        (axes[1], order, "planted ensembles' members first")]:
    neuron, frame = np.nonzero(raster[rows, window])
    ax.scatter(frame / fs, neuron, s=4, marker="|", color="#0072B2")
    ax.set(xlabel="time (s)", title=title, xlim=(0, 120))
axes[0].set_ylabel("neuron (row of the plot)")
axes[0].invert_yaxis();

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-bins-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 2. Binning events: 500 ms windows
#
# Neurons of one ensemble event do not start at exactly the same frame, so we count them in
# short windows — **bins** of `bin_s` = 0.5 s. At 4.8 Hz a bin holds `fs * bin_s` = 2.4 frames,
# not a whole number, so we need a rule. Ours works with start times:
#
# - frame `t` starts at `t / fs` seconds and goes to the bin that contains that time,
#   **bin `floor(t / (fs * bin_s))`** — bin `b` covers `[b * bin_s, (b + 1) * bin_s)` seconds;
# - only **whole** bins are kept: frames in a last, partial bin are dropped (a shorter bin would
#   hold fewer events just because it is shorter);
# - a neuron is **active in a bin** (True) if at least one of its events starts there; it counts
#   once, however many events it had in the bin.
#
# **Exercise 2.1** — *Predict first:* a bin holds 2.4 frames on average. Does the rule give every
# bin 2 frames, or 3, or a mix — and in which pattern? Write down your guess for the first ten
# bins, then work it out: store in `first_bin_sizes` the number of frames that go to each of the
# first ten bins of the recording (an integer array of 10 values, bin 0 first), and in `n_bins`
# the number of whole bins of the recording (a Python or NumPy integer).

# %% nbgrader={"grade": false, "grade_id": "ex-bins", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
frame_bins = np.floor(np.arange(n_frames) / (fs * bin_s)).astype(int)
first_bin_sizes = np.array([np.sum(frame_bins == b) for b in range(10)])
n_bins = int(np.floor(n_frames / (fs * bin_s)))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-bins-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_bins; check_bins(first_bin_sizes, n_bins)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-binfn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2.2** — Write a function `bin_raster(raster, fs, bin_s)` that bins a boolean event
# raster `(n_neurons, n_frames)` with the rule above and returns a **boolean** array
# `(n_neurons, n_bins)`, True where the neuron had at least one event starting in the bin. Frames
# of a last, partial bin are dropped. (The hidden tests use other rasters and frame rates — 30 Hz,
# 7.5 Hz, 10 Hz with 0.25 s bins, … — chosen so that no frame falls within rounding error of a bin
# edge: computing `np.floor(t / (fs * bin_s))` directly is fine.)
#
# Hint: compute the bin of every frame, keep the frames with `bin < n_bins`, and for each bin
# take `np.any` over its frames — or use `np.nonzero(raster)` and set the (neuron, bin) pairs.

# %% nbgrader={"grade": false, "grade_id": "ex-binfn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def bin_raster(raster, fs, bin_s):
    ### BEGIN SOLUTION
    raster = np.asarray(raster, dtype=bool)
    width = fs * bin_s
    n_bins = int(np.floor(raster.shape[1] / width))
    frame_bin = np.floor(np.arange(raster.shape[1]) / width).astype(int)
    binned = np.zeros((raster.shape[0], n_bins), dtype=bool)
    neuron, frame = np.nonzero(raster[:, frame_bin < n_bins])
    binned[neuron, frame_bin[frame]] = True
    return binned
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-binfn-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_bin_raster; check_bin_raster(bin_raster)
### BEGIN HIDDEN TESTS
check_bin_raster(bin_raster, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s3-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 3. Coactivity: how many neurons are active in each bin
#
# The **coactivity** of a bin is the number of neurons active in it — a count of neurons (divide
# by `n_neurons` for a fraction). Its time course shows the moments of high network activity.
#
# **Example** — from here on we use the reference binning `en.bin_events(raster, fs, bin_s)`,
# which follows the rule above. Coactivity over the whole recording and over its first two
# minutes:

# %% mystnb={"image": {"alt": "Coactivity, the number of active neurons per 0.5 second bin, over 52 minutes (top) and the first 120 seconds (bottom): mostly between 2 and 12 neurons, with brief peaks up to about 30."}}
binned = en.bin_events(raster, fs, bin_s)
bin_start_s = np.arange(binned.shape[1]) * bin_s
fig, axes = plt.subplots(2, 1, figsize=(10, 5), layout="constrained")
for ax, stop_s in [(axes[0], bin_start_s[-1] + bin_s), (axes[1], 120)]:
    ax.plot(bin_start_s, binned.sum(axis=0), lw=0.6)
    ax.set(xlabel="time (s, start of the 0.5 s bin)", ylabel="active neurons", xlim=(0, stop_s))
axes[0].set_title("coactivity");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-coact-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3.1** — Is this more coactivity than independent neurons would give? *Predict
# first:* suppose each neuron `i` were active in each bin with its own probability `p_i` — its
# fraction of active bins in `binned` — independently of the other neurons and of time. What
# would the mean coactivity be, and how much would it vary from bin to bin? Work both out and
# store them: the mean in `expected_coactivity` and the standard deviation (over bins, `ddof=0`)
# in `independent_sd` (floats, in active neurons per bin). Then compare them with the real
# coactivity's mean and standard deviation (`binned.sum(axis=0).mean()`, `.std()`): which one
# differs, and in which direction?

# %% nbgrader={"grade": false, "grade_id": "ex-coact", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
p_active = binned.mean(axis=1)          # each neuron's fraction of active bins
expected_coactivity = float(p_active.sum())
independent_sd = float(np.sqrt(np.sum(p_active * (1 - p_active))))   # a sum of independent coin flips
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-coact-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_coactivity; check_coactivity(expected_coactivity, independent_sd)

# %% [markdown] nbgrader={"grade": false, "grade_id": "s4-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 4. What does chance give? Circular shuffles
#
# Some coactivity happens by chance: with 324 neurons each firing now and then, a few of them
# will share a bin. To call a bin *significant* we need the distribution of coactivity that
# chance alone gives **for these neurons** — with their rates, their bursts, their refractory
# gaps — but with no coordination between them.
#
# A **circular shuffle** does exactly that. Each neuron's event train is rotated in time by its
# own random offset: an event at frame `t` moves to `(t + offset) % n_frames` — the end of the
# recording wraps round to its start, as `np.roll(train, offset)` does. Each neuron keeps its
# number of events and every interval between them (up to the one wrap point), but its timing
# relative to the other neurons is gone. Conventions here:
#
# - offsets are whole numbers of frames in `[0, n_frames)`, one per neuron and shuffle;
# - shuffling happens at **frame** resolution, **before** binning; the shuffled raster is then
#   binned and counted exactly like the real one.
#
# **Exercise 4.1** — Write a function `shuffle_train(frames, n_frames, offset)` that takes the
# event frames of one neuron (a 1-D integer array, increasing), the number of frames of the
# recording and an offset (a whole number of frames, `0 <= offset < n_frames`), and returns the
# shifted event frames, `(frame + offset) % n_frames`, **sorted in increasing order** as an
# integer array — the events of `np.roll(train, offset)`. An empty train stays empty.

# %% nbgrader={"grade": false, "grade_id": "ex-shufflefn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shuffle_train(frames, n_frames, offset):
    ### BEGIN SOLUTION
    return np.sort((np.asarray(frames, dtype=int) + offset) % n_frames)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-shufflefn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_shuffle_train; check_shuffle_train(shuffle_train)
### BEGIN HIDDEN TESTS
check_shuffle_train(shuffle_train, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-oneshuffle-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4.2** — One shuffle by hand. Write a function `shuffled_coactivity(raster, offsets,
# fs, bin_s)` that rotates each neuron's row of the event raster by its own offset — `offsets[i]`
# frames for neuron `i`, as `np.roll(raster[i], offsets[i])` does (or your `shuffle_train`) —
# then bins the shuffled raster (`en.bin_events`, the bins of section 2) and returns its
# coactivity: the number of active neurons per bin, an integer array. Shuffle first, then bin.
# Write the shuffle yourself: `en.circular_shuffle_null` (next example) is the reference it is
# compared with. `offsets_one` (below) holds one random offset per neuron to try it on `raster`;
# the hidden tests use other rasters, offsets, frame rates and bin widths.

# %% nbgrader={"grade": false, "grade_id": "oneshuffle-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
offsets_one = en.shuffle_offsets(1, n_neurons, n_frames, seed=7)[0]   # one offset per neuron, frames
print("offsets of the first five neurons (frames):", offsets_one[:5])

# %% nbgrader={"grade": false, "grade_id": "ex-oneshuffle", "locked": false, "schema_version": 3, "solution": true, "task": false}
def shuffled_coactivity(raster, offsets, fs, bin_s):
    ### BEGIN SOLUTION
    shuffled = np.array([np.roll(train, offset) for train, offset in zip(raster, offsets)])
    return en.bin_events(shuffled, fs, bin_s).sum(axis=0)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-oneshuffle-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_shuffled_coactivity; check_shuffled_coactivity(shuffled_coactivity)
### BEGIN HIDDEN TESTS
check_shuffled_coactivity(shuffled_coactivity, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "null-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — 1000 shuffles with `en.circular_shuffle_null`, which does what your
# `shuffled_coactivity` does, 1000 times, but shifts only the event frames instead of rolling the
# whole raster (a few hundred times faster). The result is a `(1000, n_bins)` array: the
# coactivity of every bin in every shuffle. The mean coactivity is the same as in the real data —
# every neuron keeps its events — but the spread is not: real coactivity has more bins with very
# few and with very many active neurons. (The shuffles' spread is itself a little larger than the
# independent neurons of exercise 3.1 predict: bins of 3 frames catch about 9 onsets on average,
# bins of 2 frames about 6 — the binning rule of exercise 2.1 at work.)

# %% mystnb={"image": {"alt": "Histograms of coactivity per bin, real data and 1000 circular shuffles, on a logarithmic count axis: both peak near 7 active neurons, but the real data have a much heavier tail: bins with 20 to 32 active neurons are far more frequent than in the shuffles."}}
null = en.circular_shuffle_null(raster, fs, bin_s, n_shuffles=1000, seed=0)
real = binned.sum(axis=0)
print(f"null: shape {null.shape}; mean coactivity real {real.mean():.3f}, shuffled {null.mean():.3f}; "
      f"standard deviation real {real.std():.2f}, shuffled {null.std():.2f}")
edges = np.arange(0, max(real.max(), null.max()) + 2) - 0.5
fig, ax = plt.subplots(figsize=(7, 3.5), layout="constrained")
ax.hist(null.ravel(), bins=edges, density=True, histtype="step", lw=1.5, label="1000 circular shuffles")
ax.hist(real, bins=edges, density=True, histtype="step", lw=1.5, label="real data")
ax.set(yscale="log", xlabel="active neurons per 0.5 s bin", ylabel="fraction of bins")
ax.legend(frameon=False);

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-shuffle-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 4.3** (manually graded) — Explain in three to five sentences why a circular shuffle
# keeps each neuron's event rate and autocorrelation (its bursts, the gaps between its events) but
# destroys the coactivity between neurons. What would go wrong with (a) rotating all neurons by
# the **same** offset, and (b) placing each neuron's events at random frames instead?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-shuffle", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* A rotation moves all of one neuron's events by the same amount, so it keeps
# their number (the rate) and every interval between them (hence the autocorrelation: bursts stay
# bursts, refractory gaps stay gaps) — only the one interval across the wrap point changes.
# Because every neuron gets its own independent offset, the events of different neurons end up
# at unrelated times: any coordination between neurons is destroyed, and what coactivity remains
# is what neurons with these rates and temporal structure give by chance. The mean coactivity is
# unchanged (same events), only its spread shrinks. (a) One offset for all neurons moves the whole
# recording in time: coactivity is kept, bin for bin (just rotated), so the "null" would contain
# the ensembles and nothing would be significant. (b) Random frames keep the rate but destroy
# each neuron's autocorrelation: a bursty neuron's events would be spread out, changing how often
# several of its events share a bin and how clustered chance coactivity is — a null that does not
# describe these neurons, typically too narrow, so too many bins would look significant.
# What the circular shuffle also destroys: any rate change shared by many neurons at once (brain
# state, locomotion, shared neuropil). Each neuron's busy periods are spread over the recording, so
# the null does not expect many neurons to be busy together, and high-rate periods pass for
# ensemble events (section 9; a null that jitters events within a few seconds keeps them).
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s5-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 5. The threshold and the ensemble events
#
# We call a bin an **ensemble event** when its coactivity is **strictly above** the 99th
# percentile of the null. The percentile is taken over the **pooled** null — all shuffles and all
# bins together, 1000 × `n_bins` values — with `np.percentile(null, 99)` (NumPy's default linear
# interpolation; the percentile is given in percent, 99, not 0.99).
#
# This is a per-bin criterion, so over thousands of bins we *expect* some chance ensemble events.
# `en.significance_threshold(null, 99)` computes the pooled threshold; `threshold_ref` below is
# the one for our recording.

# %% nbgrader={"grade": false, "grade_id": "threshold-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
threshold_ref = en.significance_threshold(null, 99)
print(f"threshold: more than {threshold_ref:g} active neurons in a bin")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-threshold-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.1** — How many of the ensemble events could be chance? *Predict first:* is the
# 99th percentile of the null exceeded — strictly — by exactly 1 % of the null values, by more, or
# by less? (Think about what kind of number a coactivity is.) Then estimate from `null`: store in
# `expected_chance_bins` the number of the recording's bins you expect strictly above
# `threshold_ref` by chance alone (a float), and in `chance_share` the fraction of the real
# ensemble events — the recording's bins whose coactivity is strictly above `threshold_ref` —
# that this number makes up (a float between 0 and 1).

# %% nbgrader={"grade": false, "grade_id": "ex-threshold", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
expected_chance_bins = float(np.mean(null > threshold_ref) * null.shape[1])
chance_share = expected_chance_bins / np.sum(binned.sum(axis=0) > threshold_ref)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-threshold-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_threshold; check_threshold(expected_chance_bins, chance_share)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-coactivefn-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.2** — One ensemble event can cover two bins: its members fire in the event's frame
# or the next, and a bin edge may fall between them; a population burst can last several bins.
# Counting every bin above the threshold then counts one event twice. Write a function
# `run_starts(coactivity, threshold)` that returns the index of the **first bin of every run** of
# consecutive bins whose coactivity is strictly above `threshold` — a run of three such bins
# counts once, by its first bin — in increasing order, as a NumPy integer array (empty when no
# bin is above). `threshold` is a number, or an array with one threshold per bin (section 9 uses
# such thresholds). Think about a run that starts at bin 0 and one that lasts to the last bin.

# %% nbgrader={"grade": false, "grade_id": "ex-coactivefn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def run_starts(coactivity, threshold):
    ### BEGIN SOLUTION
    above = np.asarray(coactivity) > threshold
    before = np.concatenate([[False], above[:-1]])      # was the previous bin above?
    return np.flatnonzero(above & ~before)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-coactivefn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_run_starts; check_run_starts(run_starts)
### BEGIN HIDDEN TESTS
check_run_starts(run_starts, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-members-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5.3** — The ensemble events of the simulation, with the reference threshold
# `threshold_ref`. *Predict first:* the planted ensembles have 10–14 members, and each member
# joins an ensemble event with probability 0.8. Will a typical ensemble event have fewer
# contributing neurons than its ensemble has members, about as many, or more — and why? Then find
# them: store the indices of the bins strictly above the threshold in `event_bins` (integers,
# increasing), their start times in seconds in `event_times_s` (bin `b` starts at `b * bin_s`),
# and the contributing neurons of each ensemble event in `event_members`: a boolean array
# `(n_events, n_neurons)`, one **row per ensemble event**, True for the neurons active in its bin.
# The example below the check shows the answer to your prediction.

# %% nbgrader={"grade": false, "grade_id": "members-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
print(f"binned: {binned.shape[0]} neurons x {binned.shape[1]} bins; threshold_ref = {threshold_ref:g} active neurons")

# %% nbgrader={"grade": false, "grade_id": "ex-members", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
event_bins = np.flatnonzero(binned.sum(axis=0) > threshold_ref)
event_times_s = event_bins * bin_s
event_members = binned[:, event_bins].T
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-members-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_ensemble_events; check_ensemble_events(event_bins, event_times_s, event_members)

# %% [markdown] nbgrader={"grade": false, "grade_id": "events-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — coactivity with the threshold and the ensemble events over ten minutes, and the
# number of contributing neurons per ensemble event against the planted ensembles' sizes. A bin
# passes only with more than `threshold_ref` active neurons, so each ensemble event holds more
# neurons than its ensemble has members: the members that fired, plus background neurons that
# happened to fire in the same bin.

# %% mystnb={"image": {"alt": "Coactivity per 0.5 second bin over the first 600 seconds with a dashed threshold line at 15 neurons; the bins above it, the ensemble events, are marked with orange dots."}}
fig, ax = plt.subplots(figsize=(10, 3.5), layout="constrained")
lesson07.plot_coactivity(binned.sum(axis=0), threshold_ref, ax=ax)
ax.set_xlim(0, 600)
n_contributing = en.ensemble_events(binned, threshold_ref)[1].sum(axis=1)
print(f"{n_contributing.size} ensemble events above the threshold; contributing neurons per event: median "
      f"{np.median(n_contributing):g} ({n_contributing.min()}-{n_contributing.max()}); planted ensembles: "
      f"{min(map(len, truth.ensembles))}-{max(map(len, truth.ensembles))} members")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s6-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 6. Which ensemble events recruit the same neurons? Jaccard similarity
#
# Not every ensemble event belongs to a different ensemble: an ensemble fires repeatedly, and not
# always with all its members. To group events we compare their sets of contributing neurons with
# the **Jaccard similarity**: for two sets A and B of neurons,
#
# $$J(A, B) = \frac{|A \cap B|}{|A \cup B|},$$
#
# the number of neurons in both over the number in either — 1 for identical sets, 0 for disjoint
# ones. Two **empty** sets are defined to be identical: J = 1 (0/0 would be undefined).
#
# **Exercise 6.1** — Write a function `jaccard(a, b)` for two boolean vectors of the same length
# (True for a neuron in the set) that returns their Jaccard similarity as a float, and 1.0 when
# both are empty.

# %% nbgrader={"grade": false, "grade_id": "ex-jaccardfn", "locked": false, "schema_version": 3, "solution": true, "task": false}
def jaccard(a, b):
    ### BEGIN SOLUTION
    a, b = np.asarray(a, dtype=bool), np.asarray(b, dtype=bool)
    union = np.sum(a | b)
    return 1.0 if union == 0 else float(np.sum(a & b) / union)
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-jaccardfn-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_jaccard; check_jaccard(jaccard)
### BEGIN HIDDEN TESTS
check_jaccard(jaccard, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "jaccard-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — `en.jaccard_similarity(members)` computes J for every pair of ensemble events at
# once (`members` is `(n_events, n_neurons)`, as in exercise 5.3). In time order the matrix looks
# like scattered dots: similar events are spread through the recording. The clustering below
# will bring them together.

# %% mystnb={"image": {"alt": "Jaccard similarity matrix of the ensemble events in time order, as a cividis heatmap: mostly dark (low similarity) with many scattered bright entries."}}
event_members_ref = en.ensemble_events(binned, threshold_ref)[1]
similarity = en.jaccard_similarity(event_members_ref)
fig, ax = plt.subplots(figsize=(5.5, 4.5), layout="constrained")
lesson07.plot_jaccard(similarity, ax=ax, title="Jaccard similarity of ensemble events");

# %% [markdown] nbgrader={"grade": false, "grade_id": "s7-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 7. Clustering ensemble events — and where to cut the tree
#
# **Hierarchical clustering** joins the two most similar groups of events again and again until
# one group is left; the result is a tree (a *dendrogram*). We use the distance `1 − J` and
# **average linkage**: the distance between two groups is the mean distance between their events.
# Cutting the tree at some height gives clusters; where to cut decides how many ensembles we
# report, so it needs a rule, not an impression.
#
# Our rule: the **mean silhouette width**. For each event, with `a` its mean distance to the
# other events of its cluster and `b` its mean distance to the events of the nearest other
# cluster, the silhouette is `(b − a) / max(a, b)` — near 1 when the event sits well inside its
# cluster, near 0 or negative when it could as well be elsewhere (an event alone in its cluster
# scores 0). We cut the tree into k = 2, 3, …, 30 clusters, average the silhouette over all events
# for each k, and **keep the k with the largest mean silhouette** (the smallest such k on a tie).
# This is what `en.cluster_ensembles(members)` does. (The source material suggests another rule:
# the number of principal components that explain most of the variance of the member vectors.
# Both look for the number of groups the data support.)
#
# **Example** — the mean silhouette for each k:

# %% mystnb={"image": {"alt": "Mean silhouette width against the number of clusters k from 2 to 30: it rises steeply up to about 10 clusters, peaks, then slowly declines."}}
ks = np.arange(2, 31)
silhouette = lesson07.silhouette_by_k(event_members_ref, ks)
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
ax.plot(ks, silhouette, "o-", ms=3)
ax.set(xlabel="number of clusters k", ylabel="mean silhouette width", title="choosing the cut");

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-cut-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 7.1** — Write our cut rule as a function `best_cut(ks, mean_silhouette)`: `ks` holds
# the numbers of clusters tried (whole numbers, increasing, not always starting at 2) and
# `mean_silhouette[i]` is the mean silhouette of the cut into `ks[i]` clusters. Return the chosen
# number of clusters as an integer: the k with the largest mean silhouette, the smallest such k on
# a tie. (`en.cluster_ensembles` applies this rule for you later; here you write it.) Try it on
# `ks` and `silhouette` above; the hidden tests use other scores.

# %% nbgrader={"grade": false, "grade_id": "ex-cut", "locked": false, "schema_version": 3, "solution": true, "task": false}
def best_cut(ks, mean_silhouette):
    ### BEGIN SOLUTION
    return int(ks[np.argmax(mean_silhouette)])
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-cut-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_best_cut; check_best_cut(best_cut)
### BEGIN HIDDEN TESTS
check_best_cut(best_cut, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "tree-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the tree with its cut, and the similarity matrix with the events sorted by
# cluster (`en.cluster_ensembles` numbers clusters by their first event in time). Sorted, the
# matrix shows bright blocks: groups of events that recruit the same neurons.

# %% mystnb={"image": {"alt": "Left: dendrogram of the ensemble events with a dashed horizontal line where it is cut into clusters; five large coloured branches and several small ones. Right: the Jaccard matrix sorted by cluster, with five bright square blocks on the diagonal."}}
labels = en.cluster_ensembles(event_members_ref)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), layout="constrained")
lesson07.plot_dendrogram(event_members_ref, labels.max() + 1, ax=axes[0])
lesson07.plot_jaccard(similarity, ax=axes[1], order=np.argsort(labels, kind="stable"),
                      title="sorted by cluster")
print(f"{labels.max() + 1} clusters; events per cluster: {np.bincount(labels)}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "s8-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 8. The ensembles: who, and when
#
# Each cluster of ensemble events is an ensemble. Its **members** are the neurons that contribute
# to at least half of its events — recurring members, not neurons that joined once by chance —
# and its **activation times** are the start times of its events. A cluster of a single event is
# not reported: an ensemble is a pattern that recurs. `en.summarise_ensembles` returns them,
# largest (most events) first.

# %% nbgrader={"grade": false, "grade_id": "found-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
event_bins_ref = en.ensemble_events(binned, threshold_ref)[0]
found = en.summarise_ensembles(event_members_ref, labels, event_bins_ref, bin_s)
for k, ensemble in enumerate(found):
    print(f"ensemble {k}: {ensemble.event_index.size:2d} events, members {ensemble.members.tolist()}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "fig-ensembles-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Task 8.1** (manually graded) — Present the ensembles in one figure with two panels: (left)
# which neurons belong to each ensemble of `found` — ensemble number on one axis, neuron id on the
# other; (right) when each ensemble was active — its activation times in seconds. Label the axes
# with units and use one colour per ensemble from a colour-blind-safe palette (matplotlib's
# default colours are set to the Okabe–Ito palette in this course).

# %% nbgrader={"grade": true, "grade_id": "fig-ensembles", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false} mystnb={"image": {"alt": "Left: for each recovered ensemble, dots at the ids of its member neurons. Right: for each ensemble, tick marks at its activation times over the 52-minute recording; the five largest ensembles are active throughout, the small extra ones only a few times."}}
### BEGIN SOLUTION
fig, axes = plt.subplots(1, 2, figsize=(12, 4), layout="constrained", width_ratios=[1, 2])
for k, ensemble in enumerate(found):
    colour = plots.OKABE_ITO[k % len(plots.OKABE_ITO)]
    axes[0].plot(np.full(ensemble.members.size, k), ensemble.members, "o", ms=4, color=colour)
    axes[1].plot(ensemble.activation_times_s, np.full(ensemble.activation_times_s.size, k), "|",
                 ms=10, color=colour)
axes[0].set(xlabel="ensemble", ylabel="neuron id", title="members")
axes[1].set(xlabel="time (s)", ylabel="ensemble", title="activation times (start of the bin)")
axes[1].invert_yaxis()
### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-recovery-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 8.2** — How well were the planted ensembles recovered? `truth.ensembles[i]` holds the
# neuron ids of planted ensemble i and `found[j].members` those of recovered ensemble j. Store in
# `recovery` the Jaccard similarity of their member sets, a float array of shape
# `(n_planted, n_found)` (rows: planted, columns: found, in the order of `found`), and in
# `n_extra` the number of recovered ensembles that match **no** planted ensemble — whose largest
# Jaccard with any planted ensemble is below 0.5 (an integer).

# %% nbgrader={"grade": false, "grade_id": "ex-recovery", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
recovery = np.array([[len(set(p) & set(f.members)) / len(set(p) | set(f.members)) for f in found]
                     for p in truth.ensembles])
n_extra = int(np.sum(recovery.max(axis=0) < 0.5))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-recovery-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_recovery; check_recovery(recovery, n_extra)

# %% [markdown] nbgrader={"grade": false, "grade_id": "recovery-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the recovery matrix, and how many of each planted ensemble's events were found
# (an event counts as found when its bin, or the next one — member spikes come up to one frame
# late — is an ensemble event):

# %% mystnb={"image": {"alt": "Heatmap of the Jaccard similarity between the five planted ensembles (rows) and the recovered ensembles (columns): one bright cell per row in the first five columns, the remaining columns dark."}}
recovery_ref = np.array([[np.intersect1d(p, f.members).size / np.union1d(p, f.members).size for f in found]
                         for p in truth.ensembles])
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
shown = ax.imshow(recovery_ref, cmap="cividis", vmin=0, vmax=1)
ax.set(xlabel="recovered ensemble (largest first)", ylabel="planted ensemble")
fig.colorbar(shown, ax=ax, label="Jaccard similarity of members")
for i, frames in enumerate(truth.ensemble_event_frames):
    planted_bins = np.floor(frames / (fs * bin_s)).astype(int)
    hit = np.isin(planted_bins, event_bins_ref) | np.isin(planted_bins + 1, event_bins_ref)
    print(f"planted ensemble {i}: {len(truth.ensembles[i])} members, {frames.size} events, "
          f"{hit.mean():.0%} of them found")

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-recovery-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 8.3** (manually graded) — Describe how well the planted ensembles were recovered:
# their members, and their events. Where do the extra, smaller ensembles come from? (Use the
# numbers above: the expected number of chance bins from exercise 5.1, the events per cluster,
# the fraction of planted events found.) Why can all five ensembles be recovered exactly although
# only about half of their events passed the threshold?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-recovery", "locked": false, "points": 3, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* The five largest recovered ensembles (20–59 events each) are exactly the five
# planted ones: each matches one planted ensemble with Jaccard 1 — same members, no extra, none
# missing. The remaining six are small clusters of 3–5 events whose members overlap no planted
# ensemble (Jaccard ≤ 0.11). They come from chance: the threshold is a per-bin 99th percentile, and
# the null predicts up to about 60 of the 6250 bins above it by chance alone (about 20 of the 228
# ensemble events lie away from every planted event). Such chance events share few neurons with the
# planted clusters, so the cut groups them among themselves into small clusters; their "members"
# are the neurons that happened to recur in them — often the most active neurons, which join many
# bins. The planted events are found only 33–54 % of the time: each member joins an event with
# probability 0.8, so an ensemble of 10–14 neurons brings about 8–11 active neurons, plus ~7
# background ones, close to the threshold of 15; weaker events are missed. Recovery of the *members* does not need every event: each
# ensemble is still seen 20–60 times, the members are the neurons in at least half of them, and
# background neurons almost never reach that. A stricter (family-wise) threshold or a minimum
# number of events per ensemble would remove most chance ensembles, at the cost of missing more
# true events. "Exactly" holds for this simulation, whose neurons share no slow modulation and whose
# events are large and linear: section 9 shows what a shared gain and realistic amplitudes change.
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "s-gain-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 9. When the whole population speeds up: shared slow modulation
#
# The simulation so far had no **shared slow modulation**: apart from the planted ensembles,
# every neuron fired independently at a constant rate. Real populations are not like that. Brain
# state, arousal, locomotion and shared neuropil raise and lower the firing of many neurons
# together, over seconds to tens of seconds. A circular shuffle rotates each neuron's train by its
# own offset, so its surrogates spread every neuron's busy periods over the whole recording: the
# null knows each neuron's *average* rate, not that all neurons are busy *at the same time*.
#
# The simulator can add such a gain: `simulate.population_traces(seed=0, gain_modulation=3.0,
# n_ensembles=0)` multiplies every neuron's rate by a slow gain shared by all (one standard
# deviation of it changes the rate about √3-fold, on a 10 s timescale; `truth.gain`) — and plants
# **no ensembles at all**: every coincidence in it is chance at that moment.
#
# *Predict first:* run the lesson's chain (circular shuffles, pooled 99th percentile) on this
# population. About how many ensemble events do you expect — the ~60 chance bins of exercise 5.1,
# or more? Will they form "ensembles"?
#
# **Example** — the shared-gain population without ensembles: its gain, its coactivity, and the
# two thresholds.

# %% mystnb={"image": {"alt": "Three panels over the first 600 seconds of a population with a shared slow gain and no ensembles. Top: the shared gain rising and falling between about 0.3 and 3 over tens of seconds. Middle: coactivity with the circular-shuffle threshold as a flat line; many bins in the high-gain periods lie above it. Bottom: the same coactivity with the per-bin jitter threshold, which rises and falls with the gain; only a few scattered bins lie above it."}}
gain_raster, _, gain_truth = lesson07.gain_population(seed=0)
gain_binned = en.bin_events(gain_raster, fs, bin_s)
gain_coactivity = gain_binned.sum(axis=0)
circular_gain = en.circular_shuffle_null(gain_raster, fs, bin_s, n_shuffles=1000, seed=0)
jitter_gain = en.jitter_null(gain_raster, fs, bin_s, window_s=5.0, n_shuffles=1000, seed=0)
threshold_circular = en.significance_threshold(circular_gain, 99)               # one number
threshold_jitter = en.significance_threshold(jitter_gain, 99, per_bin=True)     # one per bin
for name, null_gain, threshold in [("circular, pooled", circular_gain, threshold_circular),
                                   ("jitter, per bin", jitter_gain, threshold_jitter)]:
    above = np.flatnonzero(gain_coactivity > threshold)
    chance = np.mean(null_gain > threshold) * gain_coactivity.size
    bins_gain, members_gain = en.ensemble_events(gain_binned, threshold)
    clusters = en.summarise_ensembles(members_gain, en.cluster_ensembles(members_gain), bins_gain, bin_s)
    print(f"{name:17s}: {above.size} ensemble events ({chance:.0f} expected by chance), "
          f"{len(clusters)} 'ensembles' of >= 2 events, "
          f"{sum(c.event_index.size >= lesson07.MIN_EVENTS for c in clusters)} of >= 10 events")
fig, axes = plt.subplots(3, 1, figsize=(10, 6.5), layout="constrained", sharex=True)
axes[0].plot(np.arange(gain_truth.gain.size) / fs, gain_truth.gain, lw=0.8, color="#009E73")
axes[0].set(ylabel="shared gain", title="the shared slow gain (truth.gain)")
lesson07.plot_coactivity(gain_coactivity, threshold_circular, ax=axes[1])
axes[1].set_title("circular shuffles, one pooled threshold")
lesson07.plot_coactivity(gain_coactivity, threshold_jitter, ax=axes[2])
axes[2].set_title("jitter within 5 s windows, one threshold per bin")
axes[2].set_xlim(0, 600);

# %% [markdown] nbgrader={"grade": false, "grade_id": "s-jitter-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# The circular null lets about six times more bins through than it promises — 376 where about 60
# were expected — all in the high-gain periods, and the clustering turns them into some thirty
# "ensembles" (the largest of 34 neurons: the neurons most coupled to the gain) in a population
# that has none. Nothing in the lesson's chain is wrong; the null answers another question
# ("is this bin busier than these neurons are on average?") than the one we ask ("are these
# neurons more synchronous than their rates *at this moment* explain?").
#
# A null that keeps the population's rate at each moment answers our question. **Interval
# jitter** (Amarasingham et al. 2012) cuts time into windows of a few seconds and moves every
# event to a random frame **within its own window**: each neuron keeps its number of events in
# every window, so the population's slow rise and fall stays in the surrogates, while
# coincidences finer than a window are destroyed. `en.jitter_null(raster, fs, bin_s, window_s=5.0,
# n_shuffles=1000, seed=0)` returns a `(1000, n_bins)` null like the circular one. Because the
# chance level now differs from moment to moment, the threshold must too:
# `en.significance_threshold` with `per_bin=True` takes the percentile of each bin's own
# 1000 surrogates. (A single pooled threshold from the jitter null would be set by the busiest
# periods and miss ensemble events in the quiet ones.) The window is a decision: well above the
# bin (the coincidence we test) and below the timescale of the shared modulation (here 10 s); with
# it, about 54 bins pass where 40 are expected, and no ensemble of 10 or more events appears.
#
# The price: synchrony slower than the window — an ensemble whose members fire over several
# seconds — is part of the null, and is no longer detected.

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-eventbins-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 9.1** — Write `ensemble_event_bins(raster, fs)` that returns the indices of the
# ensemble-event bins (the 0.5 s bins of section 2, as `en.bin_events` makes them; integers,
# increasing) of an event raster. Choose the null, its parameters and the threshold yourself;
# you may use the package. It is scored against the truth on populations with a shared slow gain:
# on one **without** ensembles, at most 1.5 % of the bins may be called ensemble events; on one
# with five planted ensembles, at least 40 % of the planted ensemble events must be found (an event
# counts as found when its bin, or the next, is in your list). The hidden tests use other seeds,
# and a population without a shared gain.

# %% nbgrader={"grade": false, "grade_id": "ex-eventbins", "locked": false, "schema_version": 3, "solution": true, "task": false}
def ensemble_event_bins(raster, fs):
    ### BEGIN SOLUTION
    binned = en.bin_events(raster, fs, 0.5)
    # 300 surrogates: enough for a per-bin 99th percentile here (1000 give the same scores), 3x faster
    null = en.jitter_null(raster, fs, 0.5, window_s=5.0, n_shuffles=300, seed=0)
    return np.flatnonzero(binned.sum(axis=0) > en.significance_threshold(null, 99, per_bin=True))
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-eventbins-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_event_bins; check_event_bins(ensemble_event_bins)
### BEGIN HIDDEN TESTS
check_event_bins(ensemble_event_bins, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "regimes-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ### The simple regime next to the realistic one
#
# The lesson's population is the simulator's *simple* regime, made for a first exposure: every
# spike adds the same 0.23 ΔF/F₀, transients add linearly, the noise is low. Its **realistic**
# regime (`regime="realistic"`; book/simulator.md) draws each spike's amplitude from a wide
# distribution calibrated to population imaging (where most single spikes are invisible), passes
# calcium through a saturating Hill nonlinearity, adds a shared slow gain and noise at the level of
# real recordings. Ensemble members that fire 2 spikes per event, as planted so far, are then
# mostly lost in event detection (ARI about 0.2 with either null); below, they fire 4.
#
# **Example** — the whole chain (null, threshold, clustering, ensembles of at least 10 events)
# on three populations, with each null. ARI is the adjusted Rand index of the neurons' grouping
# (each neuron labelled by its ensemble, or "none") against the planted one: 1 identical, about 0
# chance; "members J" is the mean, over planted ensembles, of the best Jaccard of their members.

# %%
print(f"{'population':32s} {'null':9s} {'events':>6s} {'ensembles':>9s} {'ARI':>5s} {'members J':>9s}")
for row in lesson07.regime_comparison():
    print(f"{row['population']:32s} {row['null']:9s} {row['events']:6d} {row['ensembles']:9d} "
          f"{row['ari']:5.2f} {row['jaccard']:9.2f}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "regimes-text-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# What changes. On the simple population both nulls recover the five ensembles (ARI 1.00). With a
# shared gain the circular null lets through 509 bins instead of about 330 and reports 17
# ensembles of ten or more events (ARI 0.76) — the planted five plus high-gain groupings; the
# jitter null reports the five (ARI 0.97). In the realistic regime the events are still found
# (about 330 bins with either null) but the **members** only partly (Jaccard 0.56–0.61, ARI
# 0.61–0.64): a member's 4-spike event is sometimes too small to be detected, so members fall
# below the "half of the events" rule, and detection errors — not the null — now limit recovery.
# "Five planted ensembles recovered exactly" is a property of the simple simulation, not of the
# method.
#
# **Exercise 9.2** — Write `find_ensembles(raster, fs)` that returns the ensembles of an event
# raster as a **list of integer arrays**, one per ensemble, each holding the ids (rows) of its
# member neurons. Choose the null, the threshold, the clustering and its cut, the members rule and
# which clusters to report yourself; the package may do the work. It is scored by the adjusted
# Rand index of your grouping of the neurons against the planted ensembles (`en.adjusted_rand_index`;
# each neuron is labelled by the first ensemble of your list that holds it, or "none"): aim for
# at least **0.85** on the lesson's population and on the shared-gain population with five
# ensembles (`lesson07.gain_population(seed=0, n_ensembles=5)`), and on hidden populations (other
# seeds, with and without the gain).

# %% nbgrader={"grade": false, "grade_id": "ex-findens", "locked": false, "schema_version": 3, "solution": true, "task": false}
def find_ensembles(raster, fs):
    ### BEGIN SOLUTION
    binned = en.bin_events(raster, fs, 0.5)
    null = en.jitter_null(raster, fs, 0.5, window_s=5.0, n_shuffles=300, seed=0)
    bins, members = en.ensemble_events(binned, en.significance_threshold(null, 99, per_bin=True))
    labels = en.cluster_ensembles(members)
    return [e.members for e in en.summarise_ensembles(members, labels, bins, 0.5, min_events=10)]
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-findens-check", "locked": true, "points": 3, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_find_ensembles; check_find_ensembles(find_ensembles)
### BEGIN HIDDEN TESTS
check_find_ensembles(find_ensembles, unseen=True)
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "s9-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## 10. A real population: the zebrafish olfactory cortex
#
# The same analysis on a real recording: ΔF/F₀ of 1003 neurons of the adult zebrafish
# telencephalon (area pDp, the homologue of olfactory cortex), imaged with the dye OGB-1 at
# 7.5 Hz for about 35 s (Friedrich lab, Rupprecht & Friedrich 2018; distributed with CASCADE as an
# example dataset). We detect events with the
# defaults of lesson 06 after dropping the first 10 frames, which hold a start artefact (many
# neurons "start" at once as the recording begins). At 7.5 Hz a 0.5 s bin holds 3.75 frames.

# %% nbgrader={"grade": false, "grade_id": "zf-setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
zf_raster, zf_fs, _ = lesson07.zebrafish()
print(f"zebrafish raster: {zf_raster.shape[0]} neurons x {zf_raster.shape[1]} frames at {zf_fs} Hz, "
      f"{zf_raster.sum()} events")

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-zf-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 10.1** — *Predict first:* with 1003 neurons but only about 33 s of recording, will
# the pooled threshold be higher or lower than the simulation's 15 neurons, and how many bins do
# you expect above it by chance? Write your guesses down, then run the lesson's chain of
# sections 2–5 on `zf_raster` at `zf_fs`: 0.5 s bins, the circular-shuffle null of section 4
# (1000 shuffles, seed 0, so that your threshold can be checked exactly) and its pooled 99th
# percentile. Store the number of whole bins in `zf_n_bins` (integer), the threshold in
# `zf_threshold` (float) and the ensemble-event bins in `zf_event_bins` (integer indices of the
# bins strictly above the threshold). The example below the check counts the chance bins.

# %% nbgrader={"grade": false, "grade_id": "ex-zf", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
zf_binned = en.bin_events(zf_raster, zf_fs, bin_s)
zf_n_bins = zf_binned.shape[1]
zf_null = en.circular_shuffle_null(zf_raster, zf_fs, bin_s, n_shuffles=1000, seed=0)
zf_threshold = float(np.percentile(zf_null, 99))
zf_event_bins = np.flatnonzero(zf_binned.sum(axis=0) > zf_threshold)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-zf-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.ensembles import check_zebrafish; check_zebrafish(zf_n_bins, zf_threshold, zf_event_bins)

# %% [markdown] nbgrader={"grade": false, "grade_id": "zf-example-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Example** — the zebrafish coactivity with its threshold, and the Jaccard similarity of its
# ensemble events:

# %% mystnb={"image": {"alt": "Left: coactivity of the zebrafish recording over 33 seconds, mostly below 15 neurons, with a burst between 14 and 17 seconds reaching 57 neurons, above the dashed threshold. Right: Jaccard matrix of its seven ensemble events, dark everywhere off the diagonal."}}
zf = lesson07.zebrafish_analysis()
fig, axes = plt.subplots(1, 2, figsize=(12, 3.8), layout="constrained", width_ratios=[2, 1])
lesson07.plot_coactivity(zf.coactivity, zf.threshold, ax=axes[0])
lesson07.plot_jaccard(en.jaccard_similarity(zf.members), ax=axes[1], title="zebrafish ensemble events")
expected = np.mean(lesson07.zebrafish()[2] > zf.threshold) * zf.coactivity.size
print(f"{zf.bins.size} ensemble events (start times {zf.bins * bin_s} s); "
      f"{expected:.2f} expected by chance; events per cluster: {np.bincount(zf.labels)}; "
      f"members of the largest cluster: {zf.ensembles[0].members.size}")

# %% [markdown] nbgrader={"grade": false, "grade_id": "q-zf-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Question 10.2** (manually graded) — Is there significant coactivity in the zebrafish recording?
# Do its ensemble events form ensembles in the sense of this lesson? Look at the event times and
# the Jaccard matrix, and explain why consecutive bins of one burst share almost no neurons (think
# about what the raster holds). What would you need to find ensembles here?

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-zf", "locked": false, "points": 2, "schema_version": 3, "solution": true, "task": false}
# ### BEGIN SOLUTION
# *Model answer.* Yes: 7 bins pass the threshold where chance predicts fewer than one, and four of
# them are consecutive (14.5–16.5 s) with 29–57 active neurons — a population burst (a response to
# a stimulus, or a spontaneous burst: the excerpt does not say). But they do not form an ensemble: their Jaccard similarities
# are near 0, so the clustering merges dissimilar events and no neuron takes part in half of a
# cluster's events (no members). Consecutive bins share no neurons because the raster holds only
# event **onsets**: each neuron starts its response once, in one bin, so a burst that recruits
# neurons over 2 s spreads them over four bins with different neurons. One 35 s recording holds at
# most one or two such bursts, and an ensemble must *recur*. To find ensembles one would need
# longer recordings with repeated stimuli (or spontaneous recurrences), and to treat a multi-bin
# burst as one event (wider bins, merging consecutive significant bins, or "active" meaning
# "within an event" rather than "an onset").
# ### END SOLUTION

# %% [markdown] nbgrader={"grade": false, "grade_id": "recap", "locked": true, "schema_version": 3, "solution": false, "task": false}
# ## Recap
#
# - Events are binned by start time: frame `t` goes to bin `floor(t / (fs · bin_s))`, bins need not
#   hold whole frames (2.4 at 4.8 Hz), and a last partial bin is dropped. A neuron counts once
#   per bin; **coactivity** is the number of active neurons per bin.
#   Independent neurons predict its mean exactly and its spread (their variances p(1 − p) add
#   up); coordination between neurons widens it.
# - **Circular shuffles** rotate each neuron's event train by its own offset, at frame resolution
#   and before binning: rates and autocorrelation are kept, coordination between neurons is
#   destroyed. 1000 of them give the null distribution of coactivity. They also destroy slow
#   modulation shared by many neurons (brain state, locomotion): with a shared gain the circular
#   null lets through six times the chance bins it promises and "finds" some thirty ensembles in
#   a population without any. **Interval jitter** within 5 s windows keeps each neuron's rate
#   window by window; with a per-bin threshold it does not create them.
# - A bin is an **ensemble event** when its coactivity is strictly above the pooled 99th
#   percentile of the null. This per-bin threshold lets about 1 % of chance bins through: count
#   how many to expect (about 60 here, a quarter of the ensemble events). An event that straddles
#   a bin edge fills consecutive bins: count runs of bins by their first bin.
# - Ensemble events are compared by the **Jaccard similarity** of their neuron sets, clustered
#   by average linkage on 1 − J, and the tree is cut where the mean silhouette is largest.
# - An ensemble's **members** join at least half of its events; its **activation times** are its
#   events' times. On the simple simulation the five planted ensembles were recovered exactly,
#   with a few small chance ensembles besides — a reminder to report how many are expected by
#   chance, and to ask an ensemble for more than two events. With realistic amplitudes and noise
#   the members are recovered only partly (ARI about 0.6 with 4-spike ensemble events, 0.2 with 2):
#   event detection, not the null, then limits what can be found.
# - On real data, significant coactivity is not yet an ensemble: an ensemble must recur.
#
# *Execution time of this notebook, top to bottom under `pytest --nbval-lax` on the course machine
# (2 cores): about 17 s of CPU (user time; 3 s more of system time) — the simulations and event
# detection ≈ 0.5–1 s per population, four populations with section 9; 1000 circular shuffles or
# jitter surrogates ≈ 0.3–0.7 s each time they are computed, the lesson's own null once; the two
# open exercises' checks run the learner's functions on two populations each (the model answers
# use 300 jitter surrogates); about 39 s of wall time while the machine was shared.*
#
# ## References
#
# - Amarasingham, A., Harrison, M. T., Hatsopoulos, N. G., & Geman, S. (2012). Conditional modeling
#   and the jitter method of spike resampling. *Journal of Neurophysiology*, 107(2), 517–531.
# - Yuste, R. (2015). From the neuron doctrine to neural networks. *Nature Reviews Neuroscience*,
#   16, 487–497.
# - Wenzel, M., & Hamm, J. P. (2021). Identification and quantification of neuronal ensembles in
#   optical imaging experiments. *Journal of Neuroscience Methods*, 351, 109046.
# - Miller, J. K., Ayzenshtat, I., Carrillo-Reid, L., & Yuste, R. (2014). Visual stimuli recruit
#   intrinsically generated cortical ensembles. *PNAS*, 111(38), E4053–E4061.
# - Rousseeuw, P. J. (1987). Silhouettes: a graphical aid to the interpretation and validation of
#   cluster analysis. *Journal of Computational and Applied Mathematics*, 20, 53–65.
# - Jaccard, P. (1912). The distribution of the flora in the alpine zone. *New Phytologist*, 11(2),
#   37–50.
# - Rupprecht, P., & Friedrich, R. W. (2018). Precise synaptic balance in the zebrafish homolog of
#   olfactory cortex. *Neuron*, 100(3), 669–683. (The zebrafish pDp recording.)
# - Rupprecht, P., et al. (2021). A database and deep learning toolbox for noise-optimized,
#   generalized spike inference from calcium imaging. *Nature Neuroscience*, 24, 1324–1337.
#   (CASCADE, which distributes the zebrafish recording.)
