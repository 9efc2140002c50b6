# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown] nbgrader={"grade": false, "grade_id": "header", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 00 · Grading fixture
#
# A tiny lesson for the autograder's tests: it follows the check protocol (check cells read only
# the answers by name and recompute the data themselves) and needs nothing but NumPy.

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np

movie = np.random.default_rng(0).random((30, 8, 10)).astype(np.float32)
fs = 4.0

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-mean-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1** — Store the mean image of `movie` over time in `mean_image`.

# %% nbgrader={"grade": false, "grade_id": "ex-mean", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
mean_image = movie.mean(axis=0)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-mean-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks
m = np.random.default_rng(0).random((30, 8, 10)).astype(np.float32)
checks.is_array("mean_image", mean_image, shape=m.shape[1:], hint="average over time, axis 0")
checks.close("mean_image", mean_image, m.mean(axis=0), rtol=1e-5)
### BEGIN HIDDEN TESTS
# SECRET-HIDDEN-MEAN: this line must never reach a student
checks.close("mean_image", mean_image, m.sum(axis=0) / m.shape[0], rtol=1e-5, hint="sum over time / frames")
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-count-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2** — Store the number of frames of `movie` in `n_frames` (a Python int).

# %% nbgrader={"grade": false, "grade_id": "ex-count", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
n_frames = movie.shape[0]
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-count-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers import checks
checks.equal("n_frames", n_frames, 30, hint="frames are on axis 0")
### BEGIN HIDDEN TESTS
assert n_frames == 30  # SECRET-HIDDEN-COUNT
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-times-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3** — Write `frame_times(n, fs)`: the start time in seconds of each of `n` frames
# recorded at `fs` Hz, as a float array starting at 0.

# %% nbgrader={"grade": false, "grade_id": "ex-times", "locked": false, "schema_version": 3, "solution": true, "task": false}
def frame_times(n, fs):
    ### BEGIN SOLUTION
    return np.arange(n) / fs
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-times-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks
checks.is_function("frame_times", frame_times, n_params=2)
got = checks.call("frame_times", frame_times, 5, 2.0)
checks.is_array("frame_times(5, 2.0)", got, shape=(5,))
checks.close("frame_times(5, 2.0)", got, [0, 0.5, 1, 1.5, 2], hint="frame i starts at i / fs")
### BEGIN HIDDEN TESTS
for n, rate in [(7, 30.0), (1, 1.0)]:
    checks.close(f"frame_times({n}, {rate})", checks.call("frame_times", frame_times, n, rate),
                 np.arange(n) / rate)  # SECRET-HIDDEN-TIMES
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-norm-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4** — Write `normalise(trace)`: the trace rescaled linearly so that its minimum is 0
# and its maximum 1.

# %% nbgrader={"grade": false, "grade_id": "ex-norm", "locked": false, "schema_version": 3, "solution": true, "task": false}
def normalise(trace):
    ### BEGIN SOLUTION
    return (trace - trace.min()) / (trace.max() - trace.min())
    ### END SOLUTION


# %% nbgrader={"grade": true, "grade_id": "ex-norm-check", "locked": true, "points": 2, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks
trace = np.array([2.0, 4.0, 3.0, 6.0])
checks.close("normalise(trace)", checks.call("normalise", normalise, trace), [0, 0.5, 0.25, 1])
### BEGIN HIDDEN TESTS
other = np.random.default_rng(1).normal(size=50)
checks.close("normalise(other)", checks.call("normalise", normalise, other),
             (other - other.min()) / np.ptp(other))  # SECRET-HIDDEN-NORM
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-peak-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 5** — Store the time in seconds of the brightest frame of the mean trace of `movie`
# (the mean over all pixels of each frame) in `peak_time_s`.

# %% nbgrader={"grade": false, "grade_id": "ex-peak", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
peak_time_s = float(np.argmax(movie.mean(axis=(1, 2))) / fs)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-peak-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
import numpy as np
from helpers import checks
m = np.random.default_rng(0).random((30, 8, 10)).astype(np.float32)
checks.is_number("peak_time_s", peak_time_s)
checks.close("peak_time_s", peak_time_s, np.argmax(m.mean(axis=(1, 2))) / 4.0,
             mistakes={"that is a frame index: divide by fs": float(np.argmax(m.mean(axis=(1, 2))))})

# %% [markdown] nbgrader={"grade": true, "grade_id": "q-interpret", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# **Question** — In one sentence: why is the mean image less noisy than a single frame?
#
# === BEGIN MARK SCHEME ===
# Averaging T frames divides the noise's standard deviation by sqrt(T).
# === END MARK SCHEME ===
