"""The answer keys of lessons 01, 03, 04 and 10, tested against values computed independently:
by hand on tiny inputs, by brute-force loops, or with another library (SciPy's statistics and
spatial distances, NumPy's corrcoef). The checks compare the learners' answers with these keys,
so a wrong key would pass a wrong answer and fail a right one; "the solutions pass every check"
cannot see that, because the solutions are written from the same exercise text."""
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import ndimage, stats
from scipy.spatial.distance import cdist

from helpers import simulate
from helpers.lessons import baseline as L04, big_data as L10, neuropil as L03, single_pixel as L01


# --------------------------------------------------------------------------- lesson 01

def test_bounding_box_and_overlap_by_hand():
    mask = np.zeros((6, 8), bool)
    mask[2:4, 3:6] = True                           # rows 2-3, columns 3-5
    assert L01._bounding_box(mask, 0) == {"x_min": 3, "x_max": 6, "y_min": 2, "y_max": 4}
    assert L01._bounding_box(mask, 1) == {"x_min": 2, "x_max": 7, "y_min": 1, "y_max": 5}
    assert L01._bounding_box(mask, 3) == {"x_min": 0, "x_max": 8, "y_min": 0, "y_max": 6}  # clipped
    a = {"x_min": 0, "x_max": 3, "y_min": 0, "y_max": 3}
    assert L01._overlap(a, {"x_min": 2, "x_max": 5, "y_min": 2, "y_max": 5})
    assert not L01._overlap(a, {"x_min": 3, "x_max": 5, "y_min": 0, "y_max": 3})  # half-open: touching is not overlapping


def _box_image(box, shape):
    image = np.zeros(shape, bool)
    image[box["y_min"]:box["y_max"], box["x_min"]:box["x_max"]] = True
    return image


def test_cell_boxes_are_the_largest_separable_cells():
    masks = simulate.demo_movie(seed=0).truth.masks
    boxes = L01.cell_boxes(0)
    assert list(boxes) == ["A", "B", "C"]
    assert [b["x_min"] for b in boxes.values()] == sorted(b["x_min"] for b in boxes.values())
    images = {name: _box_image(box, masks.shape[1:]) for name, box in boxes.items()}
    assert sum(images.values()).max() == 1                                     # pixel by pixel: no overlap
    chosen = []
    for name, box in boxes.items():
        # the cell of each box: a mask whose padded extent (from np.argwhere) is exactly the box
        for i, m in enumerate(masks):
            ys, xs = np.argwhere(m).T
            if (ys.min() - 2, ys.max() + 3, xs.min() - 2, xs.max() + 3) == \
                    (box["y_min"], box["y_max"], box["x_min"], box["x_max"]):
                chosen.append(i)
                break
        else:
            raise AssertionError(f"box {name} is not a cell's padded bounding box")
        assert box["y_min"] > 0 and box["x_min"] > 0 and box["y_max"] < masks.shape[1] and box["x_max"] < masks.shape[2]
    # every cell larger than the smallest chosen one, not chosen, touches the border or overlaps a chosen box
    smallest = min(masks[i].sum() for i in chosen)
    for i, m in enumerate(masks):
        if i in chosen or m.sum() <= smallest:
            continue
        ys, xs = np.argwhere(m).T
        padded = np.zeros(masks.shape[1:], bool)
        padded[max(ys.min() - 2, 0):ys.max() + 3, max(xs.min() - 2, 0):xs.max() + 3] = True
        at_border = padded[0].any() or padded[-1].any() or padded[:, 0].any() or padded[:, -1].any()
        assert at_border or (padded & sum(images.values()).astype(bool)).any(), f"cell {i} was wrongly skipped"


def test_inside_outside_by_brute_force():
    truth = simulate.demo_movie(seed=0).truth
    inside, outside = L01.inside_outside(0)
    box = L01.cell_boxes(0)["A"]
    owner = [i for i, m in enumerate(truth.masks) if m[inside]]
    assert len(owner) >= 1 and truth.masks[owner[0], box["y_min"]:box["y_max"], box["x_min"]:box["x_max"]].any()
    assert truth.footprints[owner[0]][inside] == truth.footprints[owner[0]].max()
    cells = np.argwhere(truth.masks.any(axis=0))
    free = np.argwhere(~truth.masks.any(axis=0))                      # row-major order
    distance = cdist(free, cells).min(axis=1)                       # SciPy's pairwise distances
    assert tuple(free[np.argmax(distance)]) == outside


def test_cells_hit_by_hand():
    masks = np.zeros((3, 4, 4), bool)
    masks[0, 0, 0] = masks[0, 0, 1] = True
    masks[1, 2, 2] = True
    masks[2, 3, 3] = True
    # cell 0 twice (one repeat), cell 1, one miss, cell 1 again (repeat); cell 2 never
    assert L01.cells_hit([(0, 0), (0, 1), (2, 2), (1, 1), (2, 2)], masks) == (2, 2, 1)
    assert L01.cells_hit([], masks) == (0, 0, 0)
    assert L01.cells_hit(np.array([[3, 3], [0, 3]]), masks) == (1, 0, 1)


def test_peak_fractions_by_hand():
    calcium = np.array([[0, 0, 1, 4, 0, 0, 0, 0, 2, 0],
                        [0, 5, 0, 0, 0, 0, 0, 0, 0, 1.0]])
    rec = SimpleNamespace(fs=2.0, truth=SimpleNamespace(calcium=calcium))
    half = max(1, round(L01.PEAK_WINDOW_S * 2.0))
    # cell 0 at t = 4.0 s: frame 8; cell 1 at t = 0.5 s: frame 1, its peak
    want0 = calcium[0, max(8 - half, 0):8 + half + 1].max() / 4
    assert L01.peak_fractions({0: 4.0, 1: 0.5}, rec) == pytest.approx([want0, 1.0])
    # 0.49 s is still frame 0 (frame k covers [k / fs, (k + 1) / fs)); 0.5 s - 1e-9 too
    assert L01.peak_fractions({1: 0.4999999999}, rec)[0] == pytest.approx(
        calcium[1, 0:half + 1].max() / 5)


def test_scored_cells_by_hand():
    footprints = np.zeros((3, 5, 5))
    footprints[0, 1, 2], footprints[0, 1, 3] = 1.0, 0.5
    footprints[1, 4, 0] = 0.3
    footprints[2, 2, 2] = 0.9
    n = L01.PEAK_MIN_SPIKES
    truth = SimpleNamespace(footprints=footprints, masks=footprints > 0,
                            spike_frames=[list(range(n)), list(range(n - 1)), list(range(n + 3))])
    assert L01.scored_cells(SimpleNamespace(truth=truth)) == {0: (1, 2), 2: (2, 2)}


# --------------------------------------------------------------------------- lesson 03

def test_neuropil_error_by_hand():
    assert L03.neuropil_error([11.0, 9.0, 10.0], [10.0, 10.0, 10.0]) == pytest.approx(0.2 / 3)
    got = L03.neuropil_error([[2.0, 2.0], [1.0, 6.0]], [[1.0, 4.0], [1.0, 3.0]])
    assert got == pytest.approx([(1 + 0.5) / 2, (0 + 1) / 2])


def test_quiet_slopes_against_scipy_linregress():
    rng = np.random.default_rng(0)
    x = rng.normal(100, 5, (3, 200))
    quiet = rng.random((3, 200)) < 0.5
    y = 7 + np.array([[0.2], [0.5], [0.9]]) * x + rng.normal(0, 1, x.shape)
    y = np.where(quiet, y, y + 50)                                  # the active frames lie far above
    want = [stats.linregress(xi[q], yi[q]).slope for xi, yi, q in zip(x, y, quiet)]
    assert L03.quiet_slopes(y, x, quiet) == pytest.approx(want, rel=1e-9)
    assert [L03._ols_slope(xi[q], yi[q]) for xi, yi, q in zip(x, y, quiet)] == pytest.approx(want, rel=1e-9)
    exact = 3 + 0.55 * x[0]                                         # points exactly on a line
    assert L03.quiet_slopes([exact], [x[0]], [quiet[0]])[0] == pytest.approx(0.55, rel=1e-9)


def test_highpass_is_the_trace_minus_its_moving_average():
    x = np.array([[1.0, 4.0, 2.0, 8.0, 5.0, 7.0], [0, 0, 3, 0, 0, 0]])
    padded = np.pad(x, ((0, 0), (1, 1)), mode="edge")               # "nearest" edges, window 3
    moving = np.array([[padded[r, i:i + 3].mean() for i in range(6)] for r in range(2)])
    assert L03.highpass(x, 3) == pytest.approx(x - moving)
    assert L03.highpass(np.full((2, 9), 5.0), 4) == pytest.approx(0)


def test_smooth_is_a_normalised_gaussian():
    x = np.zeros(41)
    x[20] = 1.0                                                     # an impulse far from the edges
    sigma = 2.0
    k = np.arange(-20, 21)
    kernel = np.where(np.abs(k) <= 4 * sigma + 0.5, np.exp(-k ** 2 / (2 * sigma ** 2)), 0)
    assert L03.smooth(x, sigma) == pytest.approx(kernel / kernel.sum(), abs=1e-12)


def test_dim_cell_and_pixel_pair_by_brute_force():
    F, Fneu = L03.traces()
    medians = [np.median(f - n) for f, n in zip(F, Fneu)]
    cell = L03.dim_cell()
    assert medians[cell] == min(medians)
    truth = L03.recording().truth
    centre, outside = L03.pixel_pair()
    assert truth.footprints[cell][centre] == truth.footprints[cell].max()
    pixels = np.argwhere(np.ones(truth.masks.shape[1:], bool))      # every pixel, row-major
    to_cell = cdist(pixels, np.argwhere(truth.masks[cell])).min(axis=1)
    others = np.delete(truth.footprints > 0, cell, axis=0).any(axis=0)
    to_others = cdist(pixels, np.argwhere(others)).min(axis=1)
    ring = (to_cell >= 3) & (to_cell < 4)
    best = pixels[ring][np.argmax(to_others[ring])]
    assert tuple(best) == outside


def test_quiet_frames_and_ring_traces_by_hand():
    rec = L03.recording()
    q = L03.quiet_frames()
    assert q.shape == rec.truth.calcium.shape and (q == (rec.truth.calcium < L03.QUIET_BELOW)).all()
    F, Fneu = L03.traces()
    movie = np.asarray(rec.movie, float)
    assert F[0] == pytest.approx(movie[:, rec.truth.masks[0]].mean(axis=1))


# --------------------------------------------------------------------------- lesson 04

def test_baseline_error_and_bias_by_hand():
    est, true = np.array([11.0, 9.0, 12.0, 10.0]), np.full(4, 10.0)
    assert L04.baseline_error(est, true) == pytest.approx((0.1 + 0.1 + 0.2 + 0) / 4)
    assert L04.signed_bias(est, true) == pytest.approx((0.1 - 0.1 + 0.2) / 4)
    two = L04.baseline_error([[2.0, 2.0], [1.0, 3.0]], [[1.0, 4.0], [2.0, 2.0]])
    assert two.shape == (2,) and two == pytest.approx([(1 + 0.5) / 2, (0.5 + 0.5) / 2])
    assert L04.signed_bias([[2.0, 2.0]], [[1.0, 4.0]]) == pytest.approx([(1 - 0.5) / 2])


def test_most_active_single_spike_and_corrected_by_hand():
    spikes = np.zeros((3, 100), int)
    spikes[0, [10, 20, 30]] = 1
    spikes[1, [5, 80]] = 1                                          # two spikes 75 frames apart
    spikes[2, [40, 41]] = 1
    calcium = np.zeros((3, 100))
    calcium[1, 8] = 2.0                                             # the transient after frame 5 peaks at 8
    calcium[1, 50] = 9.0                                            # more than 2 s later: not this spike's
    truth = SimpleNamespace(spikes=spikes, calcium=calcium,
                            spike_times_s=[np.array([1.0, 2.0, 3.0]), np.array([0.5, 8.0]), np.array([4.0, 4.1])],
                            r=np.array([0.5, 1.0, 0.0]), neuropil=np.ones((3, 100)))
    rec = SimpleNamespace(fs=10.0, truth=truth, traces=np.full((3, 100), 3.0))
    assert L04.most_active(rec) == 0
    # neuron 2 (2 spikes 0.1 s apart) has no isolated spike within 5 s; neuron 1 has: 0.5 s
    assert L04.single_spike(rec, alone_s=5.0) == (1, 8)
    assert L04.corrected(rec) == pytest.approx(np.array([[2.5] * 100, [2.0] * 100, [3.0] * 100]))


def test_ema_key_is_the_recursion():
    rng = np.random.default_rng(1)
    x, a, start = rng.normal(size=30), 0.2, 3.0
    state, want = start, []
    for value in x:                                                 # b[t] = (1 - a) b[t-1] + a x[t]
        state = (1 - a) * state + a * value
        want.append(state)
    assert L04._ema(x, a, start) == pytest.approx(want)


def _running(x, size, reduce, mode):
    """A centred rolling min or max by a loop over frames (SciPy's centre: size // 2 before)."""
    before, after = size // 2, size - 1 - size // 2
    padded = np.pad(x, (before, after), mode={"nearest": "edge", "reflect": "symmetric", "mirror": "reflect"}[mode])
    return np.array([reduce(padded[i:i + size]) for i in range(len(x))])


def test_maximin_modes_by_loops():
    rng = np.random.default_rng(4)
    x, rate = rng.normal(10, 1, 120) + np.linspace(0, 3, 120), 0.1    # a window of round(60 * 0.1) = 6 frames
    modes = L04._maximin_modes(x, rate)
    assert len(modes) == 27
    for (g_mode, m_mode, x_mode), got in modes.items():
        smooth = ndimage.gaussian_filter1d(x, 10, mode=g_mode)       # (the Gaussian: SciPy's own)
        want = _running(_running(smooth, 6, np.min, m_mode), 6, np.max, x_mode)
        assert got == pytest.approx(want), (g_mode, m_mode, x_mode)


def test_matches_a_mode_and_future_changed_by_hand():
    by_mode = {"a": np.array([1.0, 2.0]), "b": np.array([5.0, 6.0])}
    assert L04._matches_a_mode(np.array([5.0, 6.00001]), by_mode)
    assert not L04._matches_a_mode(np.array([1.0, 6.0]), by_mode)
    assert L04._future_changed(np.array([1.0, 2.0, 3.0, 4.0, 5.0]), 10.0) == pytest.approx([1, 2, 50, 40, 30])


def test_coded_image_says_where_each_pixel_is():
    image = L01._coded_image()
    assert image.shape == (40, 60) and image[0, 0] == 0 and image[3, 7] == 3007 and image[39, 59] == 39059


# --------------------------------------------------------------------------- lesson 10

def test_centred_rms_and_baseline_error_by_hand():
    true = np.array([[0.0, 0.0], [1.0, 0.0], [2.0, 0.0]])
    assert L10.centred_rms(true + 5.0, true) == pytest.approx(0.0)  # a constant offset is free
    est = true.copy()
    est[1] = [1.0, 3.0]                                             # error (0, 3) before centring
    # centred error: frames (0, -1), (0, 2), (0, -1) -> squared lengths 1, 4, 1
    assert L10.centred_rms(est, true) == pytest.approx(np.sqrt(6 / 3))
    assert L10.baseline_error([[11.0, 10.0], [5.0, 4.0]], np.array([[10.0, 10.0], [5.0, 5.0]])) == pytest.approx(
        (0.1 + 0 + 0 + 0.2) / 4)


def test_template_is_the_mean_of_the_first_frames():
    movie = np.arange(2 * L10.TEMPLATE_FRAMES * 4, dtype=np.uint16).reshape(2 * L10.TEMPLATE_FRAMES, 2, 2)
    want = np.array([[movie[:L10.TEMPLATE_FRAMES, y, x].astype(float).sum() / L10.TEMPLATE_FRAMES
                      for x in range(2)] for y in range(2)])
    assert L10.template(movie) == pytest.approx(want)


def test_compute_projections_against_numpy():
    movie = np.random.default_rng(2).integers(0, 60000, (23, 5, 4)).astype(np.uint16)
    for chunk in (1, 5, 23, 50):
        got = L10.compute_projections(movie, chunk)
        assert got["mean"] == pytest.approx(movie.astype(float).mean(axis=0))
        assert (got["max"] == movie.max(axis=0)).all()
        assert got["std"] == pytest.approx(movie.astype(float).std(axis=0), rel=1e-9)


def test_pearson_keys_against_numpy():
    rng = np.random.default_rng(3)
    a, b = rng.normal(size=50), rng.normal(size=50)
    assert L10._pearson(a, b) == pytest.approx(np.corrcoef(a, b)[0, 1], rel=1e-12)
    assert L10._pearson(a, np.full(50, 7.0)) == 0.0
    # the wrapped version: uint16 squares of 300 wrap (300**2 = 90000 = 24464 mod 65536)
    x = np.array([300, 0, 300, 0], np.uint16)
    y = np.array([1, 0, 1, 0], np.uint16)
    n, sa, sb, saa, sbb, sab = 4, 600.0, 2.0, 2 * 24464.0, 2.0, 600.0
    va, vb = saa / n - (sa / n) ** 2, sbb / n - (sb / n) ** 2
    want = (sab / n - sa / n * sb / n) / np.sqrt(va * vb) if va > 0 else None
    assert want is None and L10._pearson_wrapped(x, y) is None      # 12232 - 22500 < 0: no variance left
    x = np.array([200, 0, 100, 50], np.uint16)                      # no wrap: the true correlation
    assert L10._pearson_wrapped(x, y) == pytest.approx(np.corrcoef(x.astype(float), y.astype(float))[0, 1])


def test_divisors_and_file_ranges_by_brute_force():
    assert L10._divisors(12) == [1, 2, 3, 4, 6, 12]
    assert L10._divisors(1) == [1] and L10._divisors(13) == [1, 13]
    lengths = [3, 5, 2]
    # frames 2..7 of the series: file 0 frame 2, file 1 frames 0-4 (series 3-7)
    assert L10._ranges_global(lengths, 2, 8) == [(0, 2, 3), (1, 3, 8)]
    assert L10._ranges_equal_files(lengths, 2, 8) == [(0, 2, 3), (1, 0, 3), (2, 0, 2)]


def test_traces_with_transposed_pixels_by_hand():
    movie = np.arange(2 * 3 * 3, dtype=float).reshape(2, 3, 3)
    masks = np.zeros((1, 3, 3), bool)
    masks[0, 0, 1] = masks[0, 0, 2] = True                          # pixels (0, 1) and (0, 2)
    # transposed: the values at (1, 0) and (2, 0) of each frame
    want = [[(movie[t, 1, 0] + movie[t, 2, 0]) / 2 for t in range(2)]]
    assert L10._traces_transposed_pixels(movie, masks) == pytest.approx(np.array(want))
    assert L10._traces_transposed_pixels(np.zeros((2, 3, 4)), np.zeros((1, 3, 4), bool)) is None


# --------------------------------------------------------------------------- solutions vs keys

import ast  # noqa: E402
import importlib  # noqa: E402
import types  # noqa: E402

import lesson_tools as lt  # noqa: E402
from tooling import release  # noqa: E402

#: The lessons whose solutions this file holds to "no solution calls the key its check uses".
KEY_LESSONS = release.lesson_ids()  # every lesson (the keys tested above are 01, 03, 04 and 10's)
#: Solutions allowed to name a function their check uses, and why.
NOT_A_KEY = {
    "ex-s2p": "suite2p_corrected is the exercise's input (suite2p's F - r * Fneu for a given r), which the "
              "check recomputes too; the answer (how many ROIs are safe) is the learner's count",
    "ex-chunk": "compute_projections is the computation whose memory the exercise asks to measure; the "
                "answer (a chunk size) is chosen from the measurements, and the check measures it again",
}


def _module_functions_used(function, module, seen=None) -> set[str]:
    """The module-level functions of `module` that `function` calls, directly or through others."""
    seen = set() if seen is None else seen
    codes = [function.__code__]
    while codes:
        code = codes.pop()
        codes.extend(c for c in code.co_consts if isinstance(c, types.CodeType))
        for name in code.co_names:
            value = getattr(module, name, None)
            if isinstance(value, types.FunctionType) and value.__module__ == module.__name__ and name not in seen:
                seen.add(name)
                _module_functions_used(value, module, seen)
    return seen


def _lesson_modules(notebook) -> dict:
    """``{name in the notebook: module}`` for every ``helpers.lessons`` module it imports."""
    found = {}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.walk(ast.parse(cell.source)):
            if isinstance(node, ast.ImportFrom) and node.module == "helpers.lessons":
                for alias in node.names:
                    found[alias.asname or alias.name] = importlib.import_module(f"helpers.lessons.{alias.name}")
    return found


def _keys_called(source: str, modules: dict) -> set[tuple[str, str]]:
    """``(module, function)`` for every lesson-module function a piece of code names."""
    called = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            called.add((modules[node.value.id].__name__, node.attr))
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("helpers.lessons."):
            called.update((node.module, alias.name) for alias in node.names)
    return called


def solutions_calling_their_keys(notebook) -> list[str]:
    """Solution cells that call a function their next check cell compares the answer with."""
    modules = _lesson_modules(notebook)
    problems, pending = [], []
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        if lt.nbgrader(cell).get("solution"):
            pending.append(cell)
        elif lt.is_check(cell):
            keys = set()
            for module_name, name in _keys_called(cell.source, {}):
                module = importlib.import_module(module_name)
                keys |= {(module_name, k) for k in _module_functions_used(getattr(module, name), module)}
            for node in ast.walk(ast.parse(cell.source)):      # lesson06.check_x(...) style
                if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
                    module = modules[node.value.id]
                    keys |= {(module.__name__, k) for k in _module_functions_used(getattr(module, node.attr), module)}
            for answer in (a for a in pending if lt.nbgrader(a)["grade_id"] not in NOT_A_KEY):
                shared = _keys_called(answer.source, modules) & keys
                if shared:
                    problems.append(f"{lt.nbgrader(answer)['grade_id']} calls {sorted(n for _, n in shared)}, "
                                    f"which {lt.nbgrader(cell)['grade_id']} compares it with")
            pending = []
    return problems


@pytest.mark.parametrize("lesson_id", KEY_LESSONS)
def test_no_solution_calls_its_checks_key(lesson_id):
    assert solutions_calling_their_keys(lt.load(lesson_id)) == []


def test_the_key_detector_sees_a_solution_that_calls_its_key():
    notebook = lt.load("04-baseline")
    for cell in notebook.cells:
        if lt.nbgrader(cell).get("grade_id") == "ex-windows":
            cell.source = "window_errors = lesson04.baseline_error(F, F0_true)\nbest_window = 101\n"
    assert solutions_calling_their_keys(notebook) == [
        "ex-windows calls ['baseline_error'], which ex-windows-check compares it with"]
