"""Unit tests of the autograder's parts: plain-data transport, checker, output limits, sandbox.

The whole grading cycle on a simulated class is in ``test_grading_class.py`` (slow).
"""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import types
import zipfile

import nbformat
import numpy as np
import pytest

from grading_fixtures import classroom
from tooling.grading import checker, plain, sandbox
from tooling.grading.execute import LimitOutputBytes


# --- plain data ------------------------------------------------------------------------------------
class AlwaysEqual:
    def __eq__(self, other):
        return True


class WithArray:
    def __array__(self, dtype=None, copy=None):
        return np.zeros(3)


class Sub(np.ndarray):
    pass


def roundtrip(tmp_path, values, max_bytes=10**8):
    path = str(tmp_path / "answers.npz")
    plain.dump(path, values, {"signs": ["a sign"]})
    return plain.load(path, max_bytes)


def test_plain_data_comes_back_with_its_exact_types(tmp_path):
    values = {"none": None, "flag": True, "count": 3, "ratio": 0.25, "nan": float("nan"), "inf": -float("inf"),
              "text": "dF/F", "image": np.arange(12.0).reshape(3, 4), "mask": np.eye(3, dtype=bool),
              "fortran": np.asfortranarray(np.ones((2, 3), np.float32)), "scalar": np.float32(1.5),
              "index": np.int64(7), "nested": [1, (2.0, "x"), {"k": np.ones(2), 3: None}]}
    back, extra = roundtrip(tmp_path, values)
    assert extra == {"signs": ["a sign"]}
    for name, value in values.items():
        got = back[name]
        if isinstance(value, np.ndarray):
            assert type(got) is np.ndarray and got.dtype == value.dtype and np.array_equal(got, value)
            assert got.flags.f_contiguous == value.flags.f_contiguous
        elif isinstance(value, float) and value != value:
            assert type(got) is float and got != got
        elif name != "nested":
            assert type(got) is type(value) and got == value
    assert type(back["nested"][1]) is tuple and type(back["nested"][2][3]) is type(None)
    assert np.array_equal(back["nested"][2]["k"], np.ones(2))


@pytest.mark.parametrize("value, described", [
    (AlwaysEqual(), "AlwaysEqual"), (WithArray(), "WithArray"), (np.arange(3).view(Sub), "subclass of numpy.ndarray"),
    ([1, AlwaysEqual()], "AlwaysEqual"), (np.array([1, None], dtype=object), "dtype object"),
    (10**5000, "integer too large"), ({(1, 2): 3}, "keys"), (print, "builtin_function_or_method"),
], ids=["eq", "array", "subclass", "nested", "objects", "bigint", "tuplekeys", "builtin"])
def test_look_alikes_and_other_objects_are_not_plain_data(tmp_path, value, described):
    back, _ = roundtrip(tmp_path, {"answer": value})
    assert isinstance(back["answer"], plain.NotPlain)
    assert described in back["answer"].what
    with pytest.raises(TypeError, match="not plain data"):
        plain.check(value, "the answer")


def test_a_function_comes_back_as_its_signature(tmp_path):
    def student(trace, fs=30.0, *rest, window_s, **options):
        return trace

    back, _ = roundtrip(tmp_path, {"student": student})
    assert isinstance(back["student"], plain.FunctionRef)
    assert str(back["student"].signature()) == "(trace, fs=Ellipsis, *rest, window_s, **options)"


def _npz(path, members: dict) -> str:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return str(path)


def _npy(array: np.ndarray, shape=None) -> bytes:
    stream = io.BytesIO()
    np.lib.format.write_array(stream, array, allow_pickle=True)
    data = stream.getvalue()
    if shape is not None:  # a header that lies about the shape
        data = data.replace(repr(array.shape).encode(), repr(shape).encode().ljust(len(repr(array.shape))))
    return data


def _skeleton(values: dict) -> bytes:
    return _npy(np.frombuffer(json.dumps({"values": values}).encode(), np.uint8))


def test_hostile_answer_files_are_refused_without_reading_them(tmp_path, monkeypatch):
    target = tmp_path / "secret.txt"
    target.write_text("instructor's file")
    (tmp_path / "link.npz").symlink_to(target)
    os.mkfifo(tmp_path / "fifo.npz")
    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("skeleton.npy", _skeleton({"x": {"array": 0}}))
        archive.writestr("a0.npy", _npy(np.zeros(2**24)))  # 128 MB unpacked, a few kB packed
    for name, message in [("link.npz", "no answers file"), ("fifo.npz", "not a regular file"),
                          ("missing.npz", "no answers file"), ("bomb.npz", "more than the limit")]:
        with pytest.raises(ValueError, match=message):
            plain.load(str(tmp_path / name), max_bytes=2**20)
    many = str(tmp_path / "many.npz")
    plain.dump(many, {"x": list(range(1000))})
    monkeypatch.setattr(plain, "MAX_SKELETON_BYTES", 1000)
    with pytest.raises(ValueError, match="too many separate values"):
        plain.load(many, max_bytes=2**20)
    (tmp_path / "junk.npz").write_bytes(b"PK not really a zip")
    with pytest.raises(ValueError, match="unreadable"):
        plain.load(str(tmp_path / "junk.npz"), max_bytes=2**20)


def test_malformed_members_become_not_plain(tmp_path):
    path = _npz(tmp_path / "bad.npz", {
        "skeleton.npy": _skeleton({"objects": {"array": 0}, "liar": {"array": 1}, "missing": {"array": 9},
                                   "tag": {"set": [1]}, "scalar": {"scalar": 2}}),
        "a0.npy": _npy(np.array([1, "x"], dtype=object)),
        "a1.npy": _npy(np.zeros(4), shape=(10**6, 10**6)),  # would allocate terabytes if believed
        "a2.npy": _npy(np.zeros(3)),
    })
    values, _ = plain.load(path, max_bytes=2**20)
    assert all(isinstance(value, plain.NotPlain) for value in values.values()), values


# --- the checker -----------------------------------------------------------------------------------
def test_free_names_are_the_answers_a_check_reads():
    source = ("import numpy as np\nfrom helpers import checks\nm = np.ones(3)\n"
              "checks.close('f0', f0, m)\nys = [f(x) for x in m]\ndef g(a):\n    return a + k\n"
              "print(len(ys), display, lambda q: q + z)\n")
    assert checker.free_names(source) == ["f", "f0", "k", "z"]


def test_a_failing_check_shows_one_line_that_never_quotes_the_cell():
    source = ("from helpers import checks\nchecks.is_number('n', n, integer=True, hint='count the frames')\n"
              "### BEGIN HIDDEN TESTS\nassert n == 3  # secret\n### END HIDDEN TESTS\n")
    visible, = checker.run_source(source, {"n": "3"})
    assert visible["ename"] == "CheckFailed" and "count the frames" in visible["evalue"]
    assert visible["traceback"] == [f"CheckFailed: {visible['evalue']}\n(raised on line 2 of the check cell)"]
    hidden, = checker.run_source(source, {"n": 4})
    assert hidden["traceback"] == ["AssertionError: \n(raised by the hidden tests)"]
    assert checker.run_source(source, {"n": 3}) == []
    assert checker.run_source("print('ok')\n1.0", {}) == [{"output_type": "stream", "name": "stdout", "text": "ok\n"}]


@pytest.mark.parametrize("type_name, kind", [("NotImplementedError", NotImplementedError),
                                            ("ValueError", ValueError), ("UnicodeDecodeError", Exception)])
def test_student_exceptions_are_rebuilt_as_exceptions(type_name, kind):
    err = checker._student_exception(type_name, "message")
    assert isinstance(err, kind) and isinstance(err, Exception)


@pytest.mark.parametrize("type_name", ["KeyboardInterrupt", "SystemExit", "AxisError", "Bad Name!"])
def test_other_student_exceptions_keep_their_name_but_stay_ordinary(type_name):
    err = checker._student_exception(type_name, "message")
    assert type(err).__module__ == "student" and not isinstance(err, (KeyboardInterrupt, SystemExit))
    assert type(err).__name__ == type_name.replace(" ", "").replace("!", "")


class _FakeKernel:
    """The grader and the student's kernel, for a checker channel in this process."""

    def __init__(self, exchange, function):
        self.exchange, self.function, self.sent = exchange, function, []

    def write(self, data):
        message = json.loads(data)
        self.sent.append(message)
        arguments, _ = plain.load(message["arguments"], 10**8)
        try:
            plain.dump(message["result"], {"result": self.function(*arguments["args"], **arguments["kwargs"])})
        except Exception as err:  # noqa: BLE001
            plain.dump(message["result"], {}, {"error": [type(err).__name__, str(err)]})

    def flush(self):
        pass

    def readline(self):
        return json.dumps({"status": "ok"}).encode()


def test_a_student_function_is_called_through_a_proxy_with_its_signature(tmp_path):
    for part in ("kernel", "grader"):
        (tmp_path / part).mkdir()

    def student(trace, fs):
        if fs <= 0:
            raise NotImplementedError("not yet")
        return trace * fs

    answers = str(tmp_path / "kernel" / "answers.npz")
    plain.dump(answers, {"f": student, "x": 2.0})
    kernel = _FakeKernel(str(tmp_path), student)
    channel = checker._Channel(kernel, kernel, str(tmp_path), 10**8)
    source = ("import inspect, numpy as np\nfrom helpers import checks\n"
              "checks.is_function('f', f, n_params=2)\nassert str(inspect.signature(f)) == '(trace, fs)'\n"
              "checks.close('f', checks.call('f', f, np.ones(3), x), 2 * np.ones(3))\n"
              "checks.call('f', f, np.ones(3), 0)\n")
    outputs, notes = checker.check({"source": source, "names": ["f", "x"], "answers": answers}, channel)
    assert notes == []
    error, = outputs
    assert "is not written yet" in error["evalue"]  # the student's NotImplementedError came back
    assert len(kernel.sent) == 2 and all(m["op"] == "call" and m["name"] == "f" for m in kernel.sent)


class _StudentKernel(_FakeKernel):
    """The grader's calls served by the real kernel side, in an IPython shell of this process."""

    def write(self, data):
        from tooling.grading import kernel_side

        message = json.loads(data)
        self.sent.append(message)
        kernel_side.call_answer(message["name"], message["arguments"], message["result"], 10**8)


@pytest.mark.parametrize("delegates", [False, True])
def test_a_function_that_calls_the_reference_fails_in_sandboxed_grading_too(tmp_path, delegates):
    """The learner's function runs in their kernel; the kernel side watches it for the references
    the check forbids (checks.own_work) and the checker fails it and notes it for the report."""
    from IPython.core.interactiveshell import InteractiveShell

    from helpers import movie as mv

    for part in ("kernel", "grader"):
        (tmp_path / part).mkdir()
    namespace = {"mv": mv}
    exec("def pixel_trace(movie, y, x):\n" + ("    return mv.pixel_trace(movie, y, x)\n" if delegates else
         "    return movie[:, y, x].astype(float)\n"), namespace)  # noqa: S102
    shell = InteractiveShell.instance()
    shell.user_ns["pixel_trace"] = namespace["pixel_trace"]
    answers = str(tmp_path / "kernel" / "answers.npz")
    plain.dump(answers, {"pixel_trace": namespace["pixel_trace"]})
    kernel = _StudentKernel(str(tmp_path), None)
    channel = checker._Channel(kernel, kernel, str(tmp_path), 10**8)
    source = ("from helpers.lessons.single_pixel import check_pixel_trace; check_pixel_trace(pixel_trace)\n"
              "check_pixel_trace(pixel_trace, unseen=True)\n")
    try:
        outputs, notes = checker.check({"source": source, "names": ["pixel_trace"], "answers": answers}, channel)
    finally:
        del shell.user_ns["pixel_trace"]
    assert kernel.sent and all(m["op"] == "call" for m in kernel.sent)
    if delegates:
        error, = outputs
        assert "write this yourself" in error["evalue"] and "helpers.movie.pixel_trace" in error["evalue"]
        assert notes == ["`pixel_trace` used the package's reference `helpers.movie:pixel_trace`"]
    else:
        assert outputs == [] and notes == []
    assert sys.getprofile() is None  # the watch is removed after each call


def test_a_look_alike_answer_fails_its_check_before_the_check_runs(tmp_path):
    (tmp_path / "kernel").mkdir()
    answers = str(tmp_path / "kernel" / "answers.npz")
    plain.dump(answers, {"x": AlwaysEqual()})
    channel = checker._Channel(None, None, str(tmp_path), 10**8)
    outputs, notes = checker.check({"source": "print('ran')", "names": ["x"], "answers": answers}, channel)
    assert [o["ename"] for o in outputs] == ["NotPlainData"] and "AlwaysEqual" in notes[0]


# --- output limits ---------------------------------------------------------------------------------
def test_limit_output_bytes_cuts_text_and_data_but_keeps_errors():
    cell = nbformat.v4.new_code_cell(outputs=[
        nbformat.v4.new_output("stream", name="stdout", text="x" * 5_000_000),
        nbformat.v4.new_output("display_data", data={"image/png": "A" * 2000}),
        nbformat.v4.new_output("error", ename="CheckFailed", evalue="e" * 3000, traceback=["t" * 3000]),
    ])
    cell, _ = LimitOutputBytes(max_bytes=1000).preprocess_cell(cell, {}, 0)
    stream, data, error = cell.outputs
    assert len(stream.text.encode()) < 1200 and "output truncated: 5000000 bytes" in stream.text
    assert list(data.data) == ["text/plain"] and "removed" in data.data["text/plain"]
    assert error.output_type == "error" and error.ename == "CheckFailed"


# --- the sandbox -----------------------------------------------------------------------------------
def test_sizes_are_parsed_and_bad_ones_named():
    assert sandbox.parse_size("4G") == 4 * 2**30 and sandbox.parse_size("512m") == 512 * 2**20
    assert sandbox.parse_size("1000") == 1000
    with pytest.raises(ValueError, match="4G"):
        sandbox.parse_size("lots")


def test_the_sandbox_refuses_to_expose_a_folder_that_holds_the_course(tmp_path):
    with pytest.raises(sandbox.SandboxUnavailable, match="contains"):
        sandbox.bwrap_args(readonly=[str(tmp_path)], private=[str(tmp_path / "course")])


def test_a_submission_shows_its_files_but_no_notebook_link_or_report(tmp_path):
    for name in ("data.npy", "graded.ipynb", ".hidden", "x.grading-report.json"):
        (tmp_path / name).write_text("x")
    (tmp_path / "link").symlink_to("/etc/passwd")
    (tmp_path / "folder").mkdir()
    assert sandbox.submission_files(str(tmp_path)) == [str(tmp_path / "data.npy"), str(tmp_path / "folder")]


def test_grading_refuses_without_bubblewrap(monkeypatch):
    monkeypatch.setattr(sandbox.shutil, "which", lambda name: None)
    sandbox.probe.cache_clear()
    try:
        with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
            sandbox.probe()
    finally:
        sandbox.probe.cache_clear()


def test_the_command_refuses_to_grade_without_bubblewrap(tmp_path):
    env = {**os.environ, "PATH": os.path.dirname(sys.executable)}
    done = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", "anything"], cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "Grading refused" in done.stdout and "bubblewrap" in done.stdout


def test_the_kernelspec_starts_the_sandbox_and_interrupts_by_message(tmp_path):
    folder = sandbox.install_kernel(prefix=str(tmp_path), memory="3G")
    spec = json.loads(open(os.path.join(folder, "kernel.json")).read())
    assert os.path.basename(folder) == sandbox.KERNEL_NAME != "python3"
    assert spec["argv"][1:5] == ["-m", "tooling.grading.sandbox", "--memory", "3G"]
    assert spec["interrupt_mode"] == "message"


SANDBOXED = """
import os, socket, sys, resource
from tooling.grading import sandbox
sandbox.limit_resources(sandbox.parse_size("1G"))
seen = {}
for name, path in [("course", sys.argv[1]), ("via proc", "/proc/1/root" + sys.argv[1])]:
    seen[name] = os.path.exists(path)
seen["pids"] = len([p for p in os.listdir("/proc") if p.isdigit()])
try:
    socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=2)
    seen["network"] = True
except OSError:
    seen["network"] = False
try:
    open(sys.argv[3], "w")
    seen["write"] = True
except OSError:
    seen["write"] = False
try:
    bytearray(2 * 2**30)
    seen["memory"] = True
except MemoryError:
    seen["memory"] = False
seen["data"] = os.path.isdir(os.environ.get("CALCIUM_COURSE_DATA", "/nonexistent"))
print(seen)
"""


def test_the_sandbox_hides_the_course_from_files_proc_and_network(tmp_path):
    classroom.require_sandbox()
    course = tmp_path / "course"
    (course / "solutions").mkdir(parents=True)
    (tmp_path / "shown").write_text("read-only")
    args = sandbox.bwrap_args(readonly=[str(tmp_path / "shown")], private=[str(course)])
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        done = subprocess.run([*args, sys.executable, "-c", SANDBOXED, str(course / "solutions"),
                               str(server.getsockname()[1]), str(tmp_path / "shown")],
                              capture_output=True, text=True, timeout=60)
    seen = eval(done.stdout)  # noqa: S307 - our own printout
    assert seen["course"] is seen["via proc"] is seen["network"] is seen["write"] is seen["memory"] is False
    assert seen["pids"] <= 3
    from helpers import data

    assert seen["data"] is data.cache_dir().exists()


# --- tamper signs ----------------------------------------------------------------------------------
def test_tamper_signs_name_hooks_and_patches():
    from IPython.core.interactiveshell import InteractiveShell

    from tooling.grading import kernel_side

    shell = InteractiveShell.instance()
    kernel_side.snapshot()
    assert kernel_side.tamper_signs() == []
    import helpers.checks

    real = helpers.checks.close
    shell.input_transformers_post.append(lambda lines: lines)
    shell.ast_transformers.append(types.SimpleNamespace())
    helpers.checks.close = lambda *a, **k: None
    try:
        signs = " | ".join(kernel_side.tamper_signs())
    finally:
        helpers.checks.close = real
        shell.input_transformers_post.pop()
        shell.ast_transformers.pop()
    assert "input transformers" in signs and "AST transformers" in signs and "helpers.checks.close" in signs


def test_importing_the_course_libraries_is_no_sign_of_tampering():
    """dask (lesson 10) installs two import hooks when imported: honest work must not be flagged."""
    from IPython.core.interactiveshell import InteractiveShell

    from tooling.grading import kernel_side

    import dask.array  # noqa: F401 - installs the hooks (if this process has not already)
    import importlib_metadata
    import tlz._build_tlz

    InteractiveShell.instance()
    kernel_side.snapshot()
    # As when the notebook imports dask after the snapshot: new hooks of the same kinds.
    added = [tlz._build_tlz.TlzLoader(), importlib_metadata.MetadataPathFinder()]
    sys.meta_path.extend(added)
    try:
        assert kernel_side.tamper_signs() == []
        sys.meta_path.append(types.SimpleNamespace())  # any other hook is still a sign
        assert kernel_side.tamper_signs() == ["import hooks (sys.meta_path) was changed"]
    finally:
        del sys.meta_path[-3:]


def test_a_checker_that_cannot_run_is_a_grader_failure_not_a_zero(tmp_path):
    classroom.require_sandbox()
    process = checker.CheckerProcess(str(tmp_path / "no-such-exchange"), "1G", 2**20)
    with pytest.raises(RuntimeError, match="the checker cannot run"):
        process.check({"source": "", "names": [], "answers": None, "reason": None}, 30, None)


def test_the_warm_up_runs_a_check_only_up_to_its_first_answer(monkeypatch):
    import helpers

    source = ("import helpers\nhelpers.warmed = 'opening'\nprint('quiet')\n"
              "helpers.warmed = answer\nhelpers.warmed = 'after'\n")
    monkeypatch.setattr(helpers, "warmed", None, raising=False)
    checker.warm_up([source, "this is not python"])
    assert helpers.warmed == "opening"


# --- the class command: statuses, report, feedback, release pairs ---------------------------------
def _release_with_checks() -> nbformat.NotebookNode:
    def cell(kind, source, grade_id, **meta):
        new = nbformat.v4.new_code_cell(source) if kind == "code" else nbformat.v4.new_markdown_cell(source)
        new.metadata["nbgrader"] = {"grade_id": grade_id, "locked": True, "grade": False, "solution": False,
                                    "schema_version": 3, **meta}
        return new

    return nbformat.v4.new_notebook(cells=[
        cell("markdown", "**Exercise 1.1** — count the frames.", "ex-md"),
        cell("code", "# YOUR CODE HERE\nraise NotImplementedError()", "ex", locked=False, solution=True),
        cell("code", "check(n)", "ex-check", grade=True, points=1),
        cell("markdown", "## 2. A section", "s2"),
        cell("code", "check(m)", "s2-check", grade=True, points=2),
        cell("markdown", "YOUR ANSWER HERE", "answer", locked=False, solution=True, grade=True, points=2),
    ])


def test_unreadable_notebooks_are_named_not_read(tmp_path):
    from tooling.grading import worker

    cases = {"cut.ipynb": '{"cells": [', "list.ipynb": "[]", "empty.ipynb": "", "meta.ipynb": '{"a": 1}'}
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        notebook, why = worker.read_notebook(str(tmp_path / name))
        assert notebook is None and why.startswith("it is not a"), (name, why)
    assert "not valid JSON" in worker.read_notebook(str(tmp_path / "cut.ipynb"))[1]
    release = _release_with_checks()
    data = json.loads(nbformat.writes(release))
    for cell in data["cells"]:
        del cell["id"]  # written by an older tool: read, with ids, and without a warning
    (tmp_path / "old.ipynb").write_text(json.dumps(data))
    with __import__("warnings").catch_warnings():
        __import__("warnings").simplefilter("error")
        notebook, why = worker.read_notebook(str(tmp_path / "old.ipynb"))
    assert why is None and all(cell.get("id") for cell in notebook.cells)


def test_edited_cells_say_what_changed_and_recognise_the_solution_notebook():
    from tooling.grading import worker

    release = _release_with_checks()
    graded = {"ex-check": "check(n)\n### BEGIN HIDDEN TESTS\nassert n == 3\n### END HIDDEN TESTS", "s2-check": "check(m)"}
    solution = nbformat.reads(nbformat.writes(release), as_version=4)
    solution.cells[2].source = graded["ex-check"]
    assert worker.edited_cells(solution, release, graded, "nb") == [
        "nb.ipynb is the instructor's solution notebook (or a copy of it): its check cells hold the hidden "
        "tests (ex-check)"]
    edited = nbformat.reads(nbformat.writes(release), as_version=4)
    edited.cells[2].source = "pass"
    del edited.cells[4]
    notes = worker.edited_cells(edited, release, graded, "nb")
    assert notes == ["check cell ex-check was edited (restored): removed `check(n)`",
                     "check cell s2-check was deleted (put back)"]
    other = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    assert "none of the assignment's cells" in worker.edited_cells(other, release, graded, "nb")[0]


def test_a_placeholder_fails_every_check_and_says_why():
    from tooling.grading import worker

    notebook = worker.placeholder(_release_with_checks(), "nb.ipynb: it is not a notebook <b>*x*</b>")
    assert notebook.metadata[worker.METADATA_KEY] == {"not_gradable": "nb.ipynb: it is not a notebook <b>*x*</b>"}
    banner = notebook.cells[0].source
    assert "could not be graded" in banner and "<b>" not in banner and "&lt;b&gt;" in banner
    checks = [c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade") and c.cell_type == "code"]
    assert checks and all(c.outputs[0].ename == "NotGraded" for c in checks)


def test_regrading_some_students_keeps_the_other_rows_of_the_report(tmp_path):
    from tooling.grading import cli

    path = str(tmp_path / "reports" / "a-autograde.csv")
    row = dict.fromkeys(cli.REPORT_FIELDS, "")
    cli.write_report(path, [{**row, "student": "b", "status": "graded", "notes": "tampered"},
                            {**row, "student": "a", "status": "not gradable"}])
    cli.write_report(path, [{**row, "student": "a", "status": "graded", "score": 3}])
    with open(path, newline="") as file:
        rows = list(__import__("csv").DictReader(file))
    assert [(r["student"], r["status"], r["notes"]) for r in rows] == [("a", "graded", ""), ("b", "graded", "tampered")]


def test_progress_lines_show_points_left_to_grade_by_hand():
    from tooling.grading import cli

    row = {"student": "s", "status": "graded", "score": 19.0, "max_score": 22.0, "to_grade_by_hand": 3.0,
           "seconds": 7.25, "notes": "a | b"}
    assert cli.progress_line(1, 2, row) == "[1/2] s: 19/22 points + 3 to grade by hand in 7.2 s\n      - a\n      - b"
    assert cli.progress_line(2, 2, {**row, "status": "not gradable", "notes": ""}) == "[2/2] s: NOT GRADABLE in 7.2 s"


def test_feedback_names_each_graded_cell_after_its_exercise():
    from tooling.grading import feedback

    notebook, _ = feedback.LabelGradedCells().preprocess(_release_with_checks(), {})
    labels = [cell.metadata["nbgrader"].get("label") for cell in notebook.cells]
    assert labels == [None, "Exercise 1.1: your code", "Exercise 1.1: check", None, "2. A section: check",
                      "2. A section: your answer (graded by hand)"]
    assert feedback.exercise_title("**Question 5.5** (manually graded) — plot") == "Question 5.5"
    assert feedback.exercise_title("Some text") is None


def test_the_instructors_lab_turns_the_formgrader_on_and_the_students_lab_stays_off(tmp_path, monkeypatch):
    from tooling.grading import lab

    (tmp_path / ".jupyter").mkdir()
    argv, env = lab.command(str(tmp_path), 8899, "127.0.0.1", "tok", ["--no-browser"])
    assert env["JUPYTER_CONFIG_PATH"].split(os.pathsep)[:2] == [lab.CONFIG, str(tmp_path / ".jupyter")]
    assert "--IdentityProvider.token=tok" in argv and argv[-1] == "--no-browser"
    config = open(os.path.join(lab.CONFIG, "jupyter_server_config.py")).read()
    assert '"nbgrader.server_extensions.formgrader": True' in config and 'cookie_options = {"path": "/"}' in config
    page = json.load(open(os.path.join(lab.CONFIG, "labconfig", "page_config.json")))
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is False
    student = json.load(open(os.path.join(os.path.dirname(__file__), "..", ".jupyter", "labconfig", "page_config.json")))
    assert student["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True


def test_the_release_keeps_its_jupytext_pair(tmp_path, monkeypatch):
    """`nbgrader generate_assignment --force` empties course/ID/: the post-convert hook writes the pair."""
    from tooling import release

    (tmp_path / "solutions" / "01-x").mkdir(parents=True)
    (tmp_path / "course" / "01-x").mkdir(parents=True)
    nbformat.write(_release_with_checks(), tmp_path / "course" / "01-x" / "01-x.ipynb")
    monkeypatch.chdir(tmp_path)
    release.pair_release([str(tmp_path / "solutions" / "01-x" / "01-x.ipynb")])
    assert "**Exercise 1.1**" in (tmp_path / "course" / "01-x" / "01-x.py").read_text()
    assert "tooling.release import pair_release" in open(os.path.join(os.path.dirname(__file__), "..",
                                                                     "nbgrader_config.py")).read()


# --- limits per submission -------------------------------------------------------------------------
def test_limits_come_from_the_grader_and_confine_the_sandbox(monkeypatch):
    from tooling.grading import limits

    chosen = limits.settings('{"processes": 64, "memory": "1G", "user": "nobody"}')
    assert chosen["processes"] == 64 and chosen["memory"] == 2**30 and chosen["written"] == 2 * 2**30
    command, user = limits.confined(["bwrap", "--unshare-user"], ["python", "-m", "ipykernel_launcher"], chosen,
                                    "/env/bin/python")
    inner = command[command.index("-c") + 1:]
    assert inner[1:3] == ["64", "1800"] and inner[-3:] == ["python", "-m", "ipykernel_launcher"]
    if os.geteuid() == 0:  # root sets the sandbox up, then CONFINE becomes the unprivileged user
        assert user == (65534, 65534) or user[0] != 0
        assert command[1:5] == ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
        assert inner[3:5] == [str(user[0]), str(user[1])]
    else:
        assert user is None and inner[3:5] == ["-1", "-1"]


def test_the_supervisor_measures_a_process_tree(tmp_path):
    from tooling.grading import limits

    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pids = limits.tree(os.getpid())
        assert child.pid in pids
        now = limits.usage(pids)
        assert now["tasks"] >= 2 and now["rss"] > 10 * 2**20 and now["cpu"] > 0
        assert 0 < limits.pss([os.getpid()]) <= now["rss"]
    finally:
        child.kill()
        child.wait()
    (tmp_path / "kernel").mkdir()
    (tmp_path / "kernel" / "big").write_bytes(b"x" * 100_000)
    size, count = limits.written(str(tmp_path / "kernel"), 10)
    assert size >= 100_000 and count == 1
    notes = limits.Notes(str(tmp_path))
    notes.add("a note")
    notes.add("a note")
    assert limits.read_notes(str(tmp_path)) == ["a note"]


def test_require_kernelspec_names_a_missing_or_wrong_sandbox_kernel(monkeypatch):
    from jupyter_client.kernelspec import KernelSpec, KernelSpecManager, NoSuchKernel

    from tooling.grading.execute import require_kernelspec

    def missing(self, name):
        raise NoSuchKernel(name)

    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", missing)
    with pytest.raises(sandbox.SandboxUnavailable, match=r"`calcium-sandbox` is not installed.*install-kernel"):
        require_kernelspec()
    plain_kernel = KernelSpec(argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                              resource_dir="/nowhere", interrupt_mode="signal")
    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", lambda self, name: plain_kernel)
    with pytest.raises(sandbox.SandboxUnavailable, match="does not start the sandbox"):
        require_kernelspec()
    sandboxed = KernelSpec(**sandbox.kernelspec(), resource_dir="/nowhere")
    monkeypatch.setattr(KernelSpecManager, "get_kernel_spec", lambda self, name: sandboxed)
    require_kernelspec()
