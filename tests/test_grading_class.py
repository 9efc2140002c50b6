"""The instructor's grading cycle on a simulated class, with real nbgrader, kernels and bubblewrap.

For each lesson a temporary course is built from the repository's ``nbgrader_config.py`` and the
lesson's source: the release is generated, the class's submissions are exported as an LMS zip and
collected with ``nbgrader zip_collect``, graded with ``python -m tooling.grading autograde``, then
feedback is generated and grades exported. The fixture lesson gets one submission per attack
(``classroom.individual_class``); real lessons get the same attacks combined a few per submission
(``classroom.combined_class``). See ``grading_fixtures/classroom.py`` for the class and why each
submission's honest grade is what it is.
"""
from __future__ import annotations

import csv
import html
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

from grading_fixtures import classroom

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
FIXTURE = "00-fixture"
#: Real lessons graded when their source is in the repository (the issue asks for two).
REAL_LESSONS = ["01-single-pixel", "02-roi-masks"]
LESSONS = [FIXTURE] + [name for name in REAL_LESSONS if (REPO / "solutions" / name).is_dir()]
MAX_BYTES = 1_000_000  # LimitOutputBytes.max_bytes of nbgrader_config.py


def lesson_folder(name: str) -> Path:
    return REPO / "tests" / "grading_fixtures" / name if name == FIXTURE else REPO / "solutions" / name


def _hidden_lines(notebook: nbformat.NotebookNode, release: nbformat.NotebookNode) -> list[str]:
    """Distinctive lines of the hidden tests (not also in the release)."""
    visible = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    lines = []
    for cell in notebook.cells:
        inside = False
        for line in cell.source.splitlines():
            inside = (inside or "BEGIN HIDDEN TESTS" in line) and "END HIDDEN TESTS" not in line
            if inside and len(line.strip()) > 15 and line.strip() not in visible and "HIDDEN TESTS" not in line:
                lines.append(line.strip())
    return lines


def _text(page: str) -> str:
    """What a reader of an HTML page sees (syntax highlighting splits code into many tags)."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module", params=LESSONS)
def graded(request, tmp_path_factory):
    classroom.require_sandbox()
    name = request.param
    base = tmp_path_factory.mktemp(name)
    root, kernels = base / "course", base / "kernels"
    env = classroom.instructor_env(kernels / "share" / "jupyter")
    subprocess.run([sys.executable, "-m", "tooling.grading", "install-kernel", "--prefix", str(kernels),
                    "--memory", "2G"], check=True, env=env, capture_output=True)
    # the production per-cell timeout (nbgrader_config.py, 60 s): an honest cell on a busy runner
    # must not fail for want of time; the endless loop of the class costs its 60 s
    classroom.make_course(root, REPO, {name: lesson_folder(name)})
    lesson = classroom.Lesson.read(name, root / "course" / name / f"{name}.ipynb",
                                   root / "solutions" / name / f"{name}.ipynb")
    make_class = classroom.individual_class if name == FIXTURE else classroom.combined_class
    students = make_class(lesson, str(root))
    if name == "01-single-pixel":  # a learner whose function only calls the package's reference
        delegate = "from helpers import movie as mv\ndef pixel_trace(movie, y, x):\n    return mv.pixel_trace(movie, y, x)\n"
        students["delegates"] = (lesson.notebook({"ex-tracefn": delegate}), {"ex-tracefn-check"})
    classroom.lms_zip(root, name, students)
    classroom.nbgrader(root, "zip_collect", name, env=env)
    kept = ("autograded", "feedback", "gradebook.db", "reports", "downloaded", "grades.csv")
    before = classroom.file_hashes(root, skip=kept)
    cli = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", name], cwd=root, env=env,
                         capture_output=True, text=True)
    after = classroom.file_hashes(root, skip=kept)
    classroom.nbgrader(root, "generate_feedback", name, env=env)
    classroom.nbgrader(root, "export", env=env)
    with open(root / "grades.csv") as file:
        grades = {row["student_id"]: row for row in csv.DictReader(file)}
    return SimpleNamespace(name=name, root=root, lesson=lesson, students=students, cli=cli,
                           before=before, after=after, grades=grades)


def test_every_submission_is_graded_as_an_honest_grader_would(graded):
    lesson, wrong = graded.lesson, []
    with Gradebook(f"sqlite:///{graded.root}/gradebook.db") as gradebook:
        for student, (_, failing) in graded.students.items():
            scores = {grade.name: (grade.auto_score, grade.max_score) for grade in
                      gradebook.find_submission_notebook(lesson.name, lesson.name, student).grades}
            failed = {check for check in lesson.checks if scores[check][0] != scores[check][1]}
            if failed != failing:
                wrong.append(f"{student}: failed {sorted(failed)}, an honest grader fails {sorted(failing)}")
    assert not wrong, "\n".join(wrong) + "\n" + graded.cli.stdout


def test_the_class_is_graded_with_progress_and_a_tamper_report(graded):
    out = graded.cli.stdout
    assert graded.cli.returncode == 0, out + graded.cli.stderr
    n = len(graded.students)
    for student in graded.students:
        assert re.search(rf"^\[\d+/{n}\] {student}: [\d.]+/[\d.]+ points", out, re.M), out
    with open(graded.root / "reports" / f"{graded.name}-autograde.csv") as file:
        report = {row["student"]: row["notes"] for row in csv.DictReader(file)}
    assert set(report) == set(graded.students)
    assert report["perfect"] == ""

    def notes(attack):
        return report[classroom.carrier(graded.lesson, attack, graded.name == FIXTURE)]

    assert "IPython input transformers" in notes("inputhook")
    assert "sys.settrace" in notes("tracehook") and "IPython event callbacks" in notes("tracehook")
    assert "IPython AST transformers" in notes("asthook")
    assert "helpers.checks.close" in notes("monkeypatch") and "numpy.allclose" in notes("monkeypatch")
    if graded.name == FIXTURE:  # combined with the input transformer, the rebinding cells are blanked
        assert "sys.modules['helpers.checks']" in notes("rebind")
    assert "is not plain data (a __main__.AlwaysEqual)" in notes("eqtrue")
    assert "(a __main__.Sub (a subclass of numpy.ndarray))" in notes("subclass")
    assert "was deleted (put back)" in notes("deletedcheck") and "was edited (restored)" in notes("editedcheck")
    if "delegates" in report:
        assert report["delegates"] == "`pixel_trace` used the package's reference `helpers.movie:pixel_trace`"


def test_solutions_instructor_files_and_other_submissions_are_untouched(graded):
    changed = sorted(path for path in set(graded.before) | set(graded.after)
                     if graded.before.get(path) != graded.after.get(path))
    assert not changed
    assert any(path.startswith("solutions/") for path in graded.before)
    assert any(path.startswith("submitted/perfect/") for path in graded.before)


def test_grades_csv_has_every_student_with_the_honest_score(graded):
    assert set(graded.grades) == set(graded.students)
    for student, (_, failing) in graded.students.items():
        assert float(graded.grades[student]["raw_score"]) == graded.lesson.points(failing), student


def test_feedback_exists_for_everyone_and_shows_no_hidden_test(graded):
    solution = nbformat.read(graded.root / "solutions" / graded.name / f"{graded.name}.ipynb", as_version=4)
    hidden = _hidden_lines(solution, graded.lesson.release)
    assert hidden, "the lesson has hidden tests to look for"
    visible_check = next(line.strip() for cell in graded.lesson.release.cells
                         if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code"
                         for line in cell.source.splitlines() if len(line.strip()) > 15)
    for student in graded.students:
        page = _text((graded.root / "feedback" / student / graded.name / f"{graded.name}.html").read_text())
        assert visible_check in page, f"{student}: the feedback should show the visible checks"
        leaked = [line for line in hidden if line in page]
        assert not leaked, f"{student}'s feedback shows hidden tests: {leaked}"
        assert "SECRET-HIDDEN" not in page


def test_a_50_megabyte_line_is_cut_to_the_byte_limit(graded):
    student = classroom.carrier(graded.lesson, "bigprint", graded.name == FIXTURE)
    notebook = nbformat.read(graded.root / "autograded" / student / graded.name / f"{graded.name}.ipynb", 4)
    sizes = [len(output.get("text", "").encode()) for cell in notebook.cells if cell.cell_type == "code"
             for output in cell.outputs]
    assert max(sizes) <= MAX_BYTES + 200
    assert any("output truncated" in output.get("text", "") for cell in notebook.cells
               if cell.cell_type == "code" for output in cell.outputs)


@pytest.mark.parametrize("attack", ["inputhook", "asthook", "tracehook", "monkeypatch"])
def test_the_attacks_fool_a_plain_nbgrader_autograde(attack, plain_graded):
    """The attacks are real: checks run in the student's kernel give them points they did not earn."""
    lesson, scores = plain_graded
    _, failing = classroom.individual_class(lesson, "/")[attack]
    assert scores[attack] > lesson.points(failing)


@pytest.fixture(scope="module")
def plain_graded(tmp_path_factory):
    """The fixture lesson's attacks graded by nbgrader's own Execute (checks in the student's kernel)."""
    root = tmp_path_factory.mktemp("plain") / "course"
    plain = ('\nc.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", '
             '"nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades"]\n')
    classroom.make_course(root, REPO, {FIXTURE: lesson_folder(FIXTURE)}, plain)
    lesson = classroom.Lesson.read(FIXTURE, root / "course" / FIXTURE / f"{FIXTURE}.ipynb",
                                   root / "solutions" / FIXTURE / f"{FIXTURE}.ipynb")
    attacks = ["inputhook", "asthook", "tracehook", "monkeypatch"]
    students = {k: v for k, v in classroom.individual_class(lesson, str(root)).items() if k in attacks}
    for student, (notebook, _) in students.items():
        folder = root / "submitted" / student / FIXTURE
        folder.mkdir(parents=True)
        nbformat.write(notebook, folder / f"{FIXTURE}.ipynb")
    classroom.nbgrader(root, "autograde", FIXTURE)
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
        scores = {s: sum(g.auto_score or 0 for g in gradebook.find_submission_notebook(FIXTURE, FIXTURE, s).grades
                         if g.name in lesson.checks) for s in students}
    return lesson, scores
