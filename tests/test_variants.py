"""Per-student variants (issue 27): each student's simulated data are their own, and copied
numbers are caught.

The fast tests cover the student's side (:mod:`helpers.variants`: tokens, clear errors, off by
default) and the instructor's (:mod:`tooling.grading.variants`: the secret, tokens). The class test
grades a class of lesson 01 with the real nbgrader, its gradebook and the sandbox: three students
whose numbers come from their own notebooks score full marks, and one who hands in another's
numbers scores 0 on those checks and is flagged with the other's id.
"""
from __future__ import annotations

import ast
import csv
import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbgrader.api import Gradebook

from grading_fixtures import classroom
from helpers import simulate, variants
from tooling.grading import variants as grading_variants

REPO = Path(__file__).resolve().parents[1]
LESSON = "01-single-pixel"
SECRET = b"a course secret for the tests, 64 hex digits long in real life"


def _digest(array) -> str:
    return hashlib.sha256(np.ascontiguousarray(array).tobytes()).hexdigest()


@pytest.fixture
def clean(monkeypatch, tmp_path):
    """A working folder without tokens, no variant in the environment, no hub user."""
    for name in (variants.ENV, "JUPYTERHUB_USER", "JPY_SESSION_NAME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    folder = tmp_path / LESSON
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def _token(student: str, assignments: dict, scope_of=None) -> dict:
    values = {name: (grading_variants.derive(SECRET, scope_of or name, student) if on else None)
              for name, on in assignments.items()}
    return {"format": variants.FORMAT, "student": student, "variants": values,
            "check": variants.token_digest(student, values)}


def _write(folder: Path, token: dict) -> Path:
    path = folder / variants.TOKEN_NAME
    path.write_text(json.dumps(token))
    return path


def _traces():
    return simulate.simulate_traces(n_neurons=5, n_frames=300, seed=3).traces


# --------------------------------------------------------------------------- student's side

def test_off_by_default_the_data_are_todays(clean):
    assert variants.current() == ()
    # simulate_traces(n_neurons=5, n_frames=300, seed=3) before variants existed
    assert _digest(_traces()) == "9ec0d900531d737c1843080242c916cbc80ad703ba7679e0d01d2f2c80118d3c", \
        "with variants off the simulator must give what it gave before them (if it was changed on purpose, update this)"
    assert "variant" not in simulate.simulate_traces(n_neurons=5, n_frames=300, seed=3).truth.params
    assert "common data" in variants.describe()


def test_a_token_beside_the_notebook_gives_the_students_own_data_every_time(clean):
    common = _digest(_traces())
    _write(clean, _token("alice", {LESSON: True}))
    alice = _digest(_traces())
    assert alice != common and _digest(_traces()) == alice  # cached or not, the same
    _write(clean, _token("bob", {LESSON: True}))
    assert _digest(_traces()) not in (alice, common)
    # what the grader sets for alice, derived from her id and the secret, gives her data
    os.environ[variants.ENV] = grading_variants.derive(SECRET, LESSON, "alice")
    try:
        assert _digest(_traces()) == alice
    finally:
        del os.environ[variants.ENV]
    assert "student bob" in variants.describe()


def test_a_course_token_in_the_home_folder_on_jupyterhub(clean, monkeypatch):
    home = Path(os.environ["HOME"])
    _write(home, _token("alice", {"*": True}, scope_of="*"))
    monkeypatch.setenv("JUPYTERHUB_USER", "alice")
    assert variants.current() == variants.words(grading_variants.derive(SECRET, "*", "alice"))
    monkeypatch.setenv("JUPYTERHUB_USER", "bob")
    with pytest.raises(variants.VariantError, match="belongs to student 'alice', but you are logged in as 'bob'"):
        _traces()


def test_a_course_token_names_each_assignment_and_never_guesses(clean, monkeypatch):
    home = Path(os.environ["HOME"])
    _write(home, _token("alice", {LESSON: True, "02-roi-masks": False}))
    assert variants.current() == variants.words(grading_variants.derive(SECRET, LESSON, "alice"))
    other = clean.parent / "02-roi-masks"
    other.mkdir()
    monkeypatch.chdir(other)
    assert variants.current() == ()  # variants are off for that assignment: the common data
    elsewhere = clean.parent / "Downloads"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(variants.VariantError, match="is none of them: open the notebook from its assignment"):
        _traces()
    monkeypatch.setenv("JPY_SESSION_NAME", str(elsewhere / f"{LESSON}.ipynb"))  # the notebook's own name
    assert variants.current() == variants.words(grading_variants.derive(SECRET, LESSON, "alice"))


@pytest.mark.parametrize("damage, message", [
    (lambda t: t["variants"].update({LESSON: "0" * 32}), "was changed after your instructor made it"),
    (lambda t: t.update(student="bob"), "was changed after your instructor made it"),
    (lambda t: t["variants"].update({LESSON: "not hex"}), "32 lower-case hex digits"),
    (lambda t: t.pop("format"), "is not a variant token of this course"),
    (lambda t: t.update(variants={}), "no student id or no variants"),
])
def test_a_damaged_token_is_a_clear_error_never_other_data(clean, damage, message):
    token = _token("alice", {LESSON: True})
    damage(token)
    _write(clean, token)
    with pytest.raises(variants.VariantError, match=message):
        _traces()
    (clean / variants.TOKEN_NAME).write_text("{not json")
    with pytest.raises(variants.VariantError, match="not a readable variant token"):
        _traces()


def test_a_malformed_variant_from_the_environment_is_refused(clean, monkeypatch):
    monkeypatch.setenv(variants.ENV, "alice")
    with pytest.raises(variants.VariantError, match="hex digits"):
        _traces()
    monkeypatch.setenv(variants.ENV, "off")
    _write(clean, _token("alice", {LESSON: True}))  # the grader's "off" wins over a token
    assert variants.current() == ()


def test_every_random_stream_of_the_simulator_takes_the_variant():
    tree = ast.parse((REPO / "helpers" / "simulate.py").read_text())
    calls = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id == "_streams"]
    assert calls and all(len(call.args) == 2 and "variant" in ast.unparse(call.args[1]) for call in calls), \
        [ast.unparse(call) for call in calls]


# --------------------------------------------------------------------------- instructor's side

def test_variants_are_derived_from_the_secret_and_the_scope():
    alice = grading_variants.derive(SECRET, LESSON, "alice")
    assert re.fullmatch(r"[0-9a-f]{32}", alice)
    assert alice == grading_variants.derive(SECRET, LESSON, "alice")
    assert len({alice, grading_variants.derive(SECRET, LESSON, "bob"),
                grading_variants.derive(SECRET, "*", "alice"),
                grading_variants.derive(SECRET + b"x", LESSON, "alice")}) == 4


def test_tokens_command_makes_a_private_secret_and_one_token_per_student(tmp_path, monkeypatch):
    from traitlets.config import Config

    config = Config()
    config.Variants.assignments = [LESSON]
    config.Variants.folder = str(tmp_path / "secret")
    settings = grading_variants.Variants(config=config)
    assert settings.scope(LESSON) == LESSON and settings.scope("02-roi-masks") is None
    with pytest.raises(RuntimeError, match="no course secret"):
        settings.variant(LESSON, "alice")
    token = settings.token("alice", all_assignments=[LESSON, "02-roi-masks"])
    assert oct((tmp_path / "secret" / "secret").stat().st_mode & 0o777) == "0o600"
    assert token["variants"]["02-roi-masks"] is None
    assert token["variants"][LESSON] == settings.variant(LESSON, "alice")
    assert settings.token("alice", LESSON)["variants"] == {LESSON: settings.variant(LESSON, "alice")}
    settings.add_students(["alice", "bob"])
    assert settings.others(LESSON, "alice", known=["carol"]).keys() == {"bob", "carol"}
    with pytest.raises(ValueError, match="not on for 02-roi-masks"):
        settings.token("alice", "02-roi-masks")
    with pytest.raises(ValueError, match="not a usable student id"):
        settings.token("../alice")
    assert grading_variants.Variants().scope(LESSON) is None  # off by default


# --------------------------------------------------------------------------- a class graded

#: Cells of lesson 01 kept for the class (a shorter notebook grades faster): the set-up, three
#: exercises on the simulated movie (the numbers of two differ between students) and one on the
#: real SIMA movie (the same for everyone).
KEPT = ("setup", "ex-dims", "ex-dims-check", "ex-frames", "ex-frames-check", "boxes", "ex-brightest",
        "ex-brightest-check", "ex-sima", "ex-sima-check")
COPIED = {"ex-frames-check", "ex-brightest-check"}  # the checks of the numbers dave copies


def _short_lesson(folder: Path) -> None:
    notebook = nbformat.read(REPO / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    notebook.cells = [cell for cell in notebook.cells
                      if cell.metadata.get("nbgrader", {}).get("grade_id") in KEPT
                      or "data.load_sima_movie()" in cell.source]
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{LESSON}.ipynb")


def _solution(notebook, grade_id: str) -> str:
    cell = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)
    return "\n".join(line for line in cell.source.splitlines() if "### " not in line)


STUDENT_RUN = """
import json, sys
import numpy as np
namespace = {}
for source in json.load(sys.stdin):
    exec(source, namespace)
print(json.dumps({"frame_116": namespace["frame_116"].tolist(), "last_frame": namespace["last_frame"].tolist(),
                  "brightest": [namespace["brightest_y"], namespace["brightest_x"]]}))
"""


def _numbers_in_own_notebook(solved, folder: Path, env: dict) -> dict:
    """What a student's notebook computes (its solution code, in a new Python process, as in a
    new kernel), run in the folder of the notebook."""
    sources = [_solution(solved, grade_id) for grade_id in ("setup", "ex-frames", "boxes", "ex-brightest")]
    sources[0] = sources[0].replace("import matplotlib.pyplot as plt\n", "")
    done = subprocess.run([sys.executable, "-c", STUDENT_RUN], input=json.dumps(sources), cwd=folder, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])  # (after what the set-up prints)


def _hand_in(release, solved, numbers: dict):
    """The release with the student's own numbers typed in (and code for the other answers)."""
    notebook = nbformat.from_dict(json.loads(json.dumps(release)))
    typed = {
        "ex-frames": (f"import numpy as np\nframe_116 = np.array({numbers['frame_116']}, dtype=np.float32)\n"
                      f"last_frame = np.array({numbers['last_frame']}, dtype=np.float32)"),
        "ex-brightest": f"brightest_y, brightest_x = {numbers['brightest'][0]}, {numbers['brightest'][1]}",
    }
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in ("ex-dims", "ex-sima"):
            cell.source = _solution(solved, grade_id)
        elif grade_id in typed:
            cell.source = typed[grade_id]
    return notebook


@pytest.mark.slow
def test_a_class_with_variants_own_numbers_pass_copied_numbers_are_flagged(tmp_path):
    classroom.require_sandbox()
    secret_folder = tmp_path / "instructor-secret"  # outside the course folder
    _short_lesson(tmp_path / "source")
    course, env = classroom.sandboxed_course(
        tmp_path, REPO, {LESSON: tmp_path / "source"},
        f"\nc.SandboxedExecute.timeout = 30\nc.Variants.assignments = [{LESSON!r}]\n"
        f"c.Variants.folder = {str(secret_folder)!r}\n")
    students = ["alice", "bob", "carol", "dave"]
    for extra in ([], ["--assignment", LESSON, "--out", str(tmp_path / "lms")]):  # course tokens, LMS tokens
        made = subprocess.run([sys.executable, "-m", "tooling.grading", "variants", "tokens", *students, *extra],
                              cwd=course, env=env, capture_output=True, text=True)
        assert made.returncode == 0, made.stdout + made.stderr
    release = nbformat.read(course / "course" / LESSON / f"{LESSON}.ipynb", as_version=4)
    solved = nbformat.read(course / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    numbers = {}
    for student in students[:3]:  # LMS: each saved the notebook and their token in a folder of theirs
        folder = tmp_path / "students" / student / "Downloads"
        folder.mkdir(parents=True)
        (folder / variants.TOKEN_NAME).write_bytes((tmp_path / "lms" / student / variants.TOKEN_NAME).read_bytes())
        student_env = {**env, "HOME": str(folder.parent)}
        student_env.pop(variants.ENV, None)
        numbers[student] = _numbers_in_own_notebook(solved, folder, student_env)
    assert numbers["alice"]["brightest"] != numbers["bob"]["brightest"] or \
        numbers["alice"]["frame_116"] != numbers["bob"]["frame_116"]
    # JupyterHub: alice's course token in her home; her notebook run again gives the same numbers
    hub = tmp_path / "hub" / "alice"
    (hub / LESSON).mkdir(parents=True)
    (hub / variants.TOKEN_NAME).write_bytes((secret_folder / "tokens" / "alice" / variants.TOKEN_NAME).read_bytes())
    hub_env = {**env, "HOME": str(hub), "JUPYTERHUB_USER": "alice"}
    hub_env.pop(variants.ENV, None)
    assert _numbers_in_own_notebook(solved, hub / LESSON, hub_env) == numbers["alice"]

    handed_in = {student: (_hand_in(release, solved, numbers[student]), set()) for student in students[:3]}
    handed_in["dave"] = (_hand_in(release, solved, numbers["alice"]), COPIED)  # alice's numbers
    classroom.lms_zip(course, LESSON, handed_in)
    classroom.nbgrader(course, "zip_collect", LESSON, env=env)
    graded = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", LESSON, "--jobs", "2"],
                            cwd=course, env=env, capture_output=True, text=True)
    assert graded.returncode == 0, graded.stdout + graded.stderr

    with Gradebook(f"sqlite:///{course}/gradebook.db") as gradebook:
        for student, (_, failing) in handed_in.items():
            grades = gradebook.find_submission_notebook(LESSON, LESSON, student).grades
            failed = {g.name for g in grades if g.auto_score is not None and g.auto_score < g.max_score}
            assert failed == failing, f"{student}: {sorted(failed)}\n{graded.stdout}"
            flagged = gradebook.find_submission_notebook(LESSON, LESSON, student).flagged
            assert flagged == (student == "dave"), f"{student} flagged: {flagged}"  # (in the formgrader)
    with open(course / "reports" / f"{LESSON}-autograde.csv") as file:
        notes = {row["student"]: row["notes"] for row in csv.DictReader(file)}
    for check in COPIED:
        assert f"{check}: the answers match another student's variant (alice)" in notes["dave"], graded.stdout
    assert re.search(r"same data for every student \(real recordings or fixed inputs\).*ex-sima-check",
                     notes["alice"]), notes["alice"]
    assert all("matches another student" not in notes[s] for s in students[:3]), notes


def test_a_token_in_a_source_folder_never_reaches_the_release(tmp_path):
    from tooling import release

    folder = tmp_path / "course" / LESSON
    folder.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), folder / f"{LESSON}.ipynb")
    (folder / variants.TOKEN_NAME).write_text("{}")
    with pytest.raises(RuntimeError, match="is a student's variant token: it was removed from the release"):
        release.pair_release([f"solutions/{LESSON}/{LESSON}.ipynb"], str(tmp_path / "course"))
    assert not (folder / variants.TOKEN_NAME).exists() and (folder / f"{LESSON}.py").exists()


def test_verify_lists_the_checks_a_solution_fails_on_other_variants(tmp_path, clean):
    first = float(simulate.simulate_traces(n_neurons=2, n_frames=50, seed=0).traces[0, 0])
    cells = [nbformat.v4.new_code_cell("from helpers import simulate\n"
                                       "x = float(simulate.simulate_traces(n_neurons=2, n_frames=50, seed=0).traces[0, 0])"),
             nbformat.v4.new_code_cell("assert x > 0", metadata={"nbgrader": {"grade_id": "robust-check"}}),
             nbformat.v4.new_code_cell(f"assert x == {first!r}", metadata={"nbgrader": {"grade_id": "tuned-check"}})]
    path = tmp_path / "lesson.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=cells), path)
    variant = grading_variants.derive(SECRET, LESSON, "alice")
    failures = grading_variants.verify(str(path), [variant], timeout=120, out=open(os.devnull, "w"))
    assert [cell for cell, _ in failures[variant]] == ["tuned-check"]
    assert variants.ENV not in os.environ


def test_comparing_with_other_variants_stops_at_its_time_budget(clean):
    others = {name: grading_variants.derive(SECRET, LESSON, name) for name in ("bob", "carol", "dave")}
    seen = []

    def run(answers):  # a check that passes only on carol's recordings
        seen.append(variants.current())
        return variants.current() == variants.words(others["carol"])

    assert grading_variants.matching_student(run, {"x": np.zeros(3)}, others, 10.0) == ("carol", 2)
    assert seen == [variants.words(others["bob"]), variants.words(others["carol"])]
    assert variants.current() == ()  # back to the student's own (here: off)
    assert grading_variants.matching_student(run, {}, others, 0.0) == (None, 0)  # no time: no comparison


def test_show_says_what_is_switched_on(tmp_path, monkeypatch):
    import io

    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.Variants.assignments = ['*']\nc.Variants.folder = {str(tmp_path / 'secret')!r}\n")
    monkeypatch.chdir(folder)
    said = io.StringIO()
    assert grading_variants.main(["show"], out=said) == 0
    assert "on for every assignment" in said.getvalue() and "MISSING" in said.getvalue()
    assert grading_variants.main(["tokens", "alice"], out=said) == 0
    token = json.loads((tmp_path / "secret" / "tokens" / "alice" / variants.TOKEN_NAME).read_text())
    assert list(token["variants"]) == ["*"] and "secret is inside" not in said.getvalue()
