"""The instructor's cycle as a new instructor meets it: the README's block, run as written.

A temporary clone of the course (the files a clone has, with ``.venv`` pointing at this
environment) gets an LMS zip of lesson 01 from six students: ``alice`` hands in the solution
notebook, ``bob`` the untouched release, ``carol`` three exercises answered, ``dave`` a wrong
answer and an exception, ``erin`` a file that is not valid JSON and ``frank`` a solved notebook
without cell ids (as older tools write them). The lines of the README's instructor block are run
by bash, as written, with the course's environment not on the PATH until the block activates it:
set-up, release, collect, autograde, then ``make grade-lab``, in which Chromium — from the link the
command prints — reads the autograded scores and enters a manual grade, then feedback and export.
Then erin hands in a notebook again and is re-graded alone.

The tests assert what issue 33 asked: an unreadable notebook is "not gradable" at every step
(progress, report, formgrader, feedback, export — never a plain 0), re-grading one student merges
into the class report, the formgrader works from a token link, pending manual points are shown,
the solution notebook is recognised, feedback folders hold only the feedback page whose summary
names exercises, tracked files are left alone and generated files are ignored by git, and the
instructor's output carries no warning that tells them nothing.
"""
from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

import needs
from grading_fixtures import classroom
from test_jupyterlab import browser, stop  # noqa: F401 (browser: a fixture)
from test_untrusted_content import _answers

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LESSON = "01-single-pixel"
STUDENTS = ["alice", "bob", "carol", "dave", "erin", "frank"]
#: Warnings that told an instructor nothing (issues 33 and 26), and Python's warnings.
NOISE = ("display_data_priority", "Alternative text", "MissingIDField", "Warning:")


def readme_block() -> list[str]:
    """The command lines of the README's instructor block (comments stay: bash ignores them)."""
    section = (REPO / "README.md").read_text().split("## Instructors", 1)[1].split("\n## ", 1)[0]
    block = section.split("```bash\n", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line.strip()]


def run_lines(root: Path, lines: list[str], env: dict, timeout: int = 900) -> dict:
    """Run `lines` in one bash, as written (stopping at the first failure); ``{line: output}``."""
    script = ["set -e", "exec 2>&1"]
    for number, line in enumerate(lines):
        script += [f"echo '@@@ {number}'", line]
    done = subprocess.run(["bash", "-c", "\n".join(script)], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)
    assert done.returncode == 0, f"the README's block failed:\n{done.stdout[-6000:]}"
    parts = re.split(r"^@@@ (\d+)\n", done.stdout, flags=re.M)
    return {lines[int(number)]: text for number, text in zip(parts[1::2], parts[2::2])}


def without_venv(path: str) -> str:
    """The PATH with no Python environment's scripts on it (the block must activate .venv)."""
    return os.pathsep.join(p for p in path.split(os.pathsep) if not (Path(p) / "activate").exists())


def class_submissions(lesson: classroom.Lesson, solution: Path) -> tuple[dict, dict]:
    """``{student: file text}`` of the LMS zip, and ``{student: (score, failing checks)}``."""
    answers = lesson.answers
    value, function = lesson.value, lesson.function
    no_ids = json.loads(nbformat.writes(lesson.notebook()))
    for cell in no_ids["cells"]:
        cell.pop("id", None)
    files = {
        "alice": solution.read_text(),
        "bob": nbformat.writes(lesson.release),
        "carol": nbformat.writes(lesson.notebook({a.grade_id: a.solution for a in answers[:3]}, solved=False)),
        "dave": nbformat.writes(lesson.notebook({value.grade_id: classroom.wrong(value),
                                                 function.grade_id: "raise ValueError('not done')\n"})),
        "erin": '{"cells": [{"cell_type": "code", "source": "x = 1"',  # cut off: not JSON
        "frank": json.dumps(no_ids),
    }
    failing = {"alice": set(), "bob": set(lesson.checks), "carol": lesson.failing(*answers[3:]),
               "dave": lesson.failing(value, function), "frank": set()}
    return files, {student: (lesson.points(fails), fails) for student, fails in failing.items()}


def make_clone(root: Path) -> None:
    """The files of a clone the cycle uses; `.venv` is this environment, already set up."""
    root.mkdir()
    for name in ("README.md", "Makefile", "nbgrader_config.py", "pyproject.toml"):
        shutil.copy2(REPO / name, root / name)
    shutil.copytree(REPO / ".jupyter", root / ".jupyter")
    for folder in ("solutions", "course"):
        shutil.copytree(REPO / folder / LESSON, root / folder / LESSON)
    (root / ".venv").symlink_to(Path(sys.prefix))
    stamp = Path(sys.prefix) / ".installed"
    if stamp.exists():  # `make setup` is done: its stamp is newer than pyproject.toml
        os.utime(root / "pyproject.toml", (stamp.stat().st_mtime - 60,) * 2)


def formgrader_link(process: subprocess.Popen, log: Path) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        found = re.search(r"Formgrader \(manual grading\):\s+(\S+)", log.read_text())
        if found and _answers(found.group(1)):
            return found.group(1)
        assert process.poll() is None, f"make grade-lab exited:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    raise AssertionError(f"no formgrader within 120 s:\n{log.read_text()[-3000:]}")


def manual_cells(lesson: classroom.Lesson) -> dict:
    """``{grade_id: (cell type, points)}`` of the lesson's answers graded by hand."""
    return {c.metadata["nbgrader"]["grade_id"]: (c.cell_type, c.metadata["nbgrader"]["points"])
            for c in lesson.release.cells
            if c.metadata.get("nbgrader", {}).get("grade") and c.metadata["nbgrader"].get("solution")}


def manual_grading(browser, link: str, artifacts: Path, written: str, points: float) -> dict:  # noqa: F811
    """In the formgrader, from the printed link: what the instructor sees, and a manual grade
    (full marks for alice's written answer `written`)."""
    from playwright.sync_api import expect

    base, token = link.split("/formgrader")[0], link.split("token=")[1]
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(120_000)  # safety timeout per action (a busy runner is slow)
    redirects = []
    page.on("response", lambda r: redirects.append(r.url) if "/login" in r.url else None)
    seen = {}
    try:
        # a deep link with the token: its data requests must not be sent to the login page
        page.goto(f"{base}/formgrader/manage_submissions/{LESSON}?token={token}")
        rows = page.locator("#main-table tr")
        expect(rows).to_have_count(len(STUDENTS))
        seen["submissions"] = {row.locator("td").nth(1).inner_text(): row.inner_text() for row in rows.all()}
        page.screenshot(path=artifacts / "manage-submissions.png", full_page=True)
        page.goto(f"{base}/formgrader/gradebook/{LESSON}/{LESSON}")
        page.locator("a.name-shown", has_text="erin").wait_for(state="attached")
        seen["notebooks"] = page.locator("table").inner_text()
        seen["erin flagged"] = page.locator("tr", has=page.locator("a.name-shown", has_text="erin")).locator(
            "td.flagged .glyphicon-flag").count()
        for student in ("erin", "alice"):
            page.goto(f"{base}/formgrader/gradebook/{LESSON}/{LESSON}")
            link_to = page.locator("a.name-shown", has_text=student)
            link_to.wait_for(state="attached")
            page.goto(base + link_to.get_attribute("href"))
            page.locator("#notebook-container .cell").first.wait_for()
            seen[student] = page.locator("#notebook-container").first.inner_text()
            page.screenshot(path=artifacts / f"submission-{student}.png")
        answer = page.locator(f"input.score#{written}")
        answer.fill(f"{points:g}")
        answer.press("Tab")
        expect(page.locator(f"input.score#{written}")).not_to_have_class(re.compile("needs_manual_grade"))
        page.wait_for_timeout(1000)
        page.screenshot(path=artifacts / "manual-grade.png")
    finally:
        context.close()
    seen["login redirects"] = redirects
    return seen


@pytest.fixture(scope="module")
def cycle(tmp_path_factory, browser):  # noqa: F811 (browser: a fixture)
    classroom.require_sandbox()
    base = tmp_path_factory.mktemp("cycle")
    root, artifacts = base / "clone", REPO / "test-artifacts" / "instructor-cycle"
    artifacts.mkdir(parents=True, exist_ok=True)
    make_clone(root)
    tracked = classroom.file_hashes(root / "course") | {
        f"solutions/{k}": v for k, v in classroom.file_hashes(root / "solutions").items()}
    lesson = classroom.Lesson.read(LESSON, root / "course" / LESSON / f"{LESSON}.ipynb",
                                   root / "solutions" / LESSON / f"{LESSON}.ipynb")
    files, expected = class_submissions(lesson, root / "solutions" / LESSON / f"{LESSON}.ipynb")
    archive = root / "downloaded" / LESSON / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "export.zip", "w") as bundle:
        for student, text in files.items():
            bundle.writestr(f"{student}_{LESSON}.ipynb", text)

    env = {**os.environ, "PATH": without_venv(os.environ["PATH"]), "MPLBACKEND": "Agg"}
    env.pop("VIRTUAL_ENV", None)
    env.pop("JUPYTER_PATH", None)
    lines = readme_block()
    lab = next(i for i, line in enumerate(lines) if line.startswith("make grade-lab"))
    before = run_lines(root, lines[:lab], env)
    (artifacts / "before-lab.txt").write_text("\n".join(f"$ {k}\n{v}" for k, v in before.items()))

    log_path = base / "grade-lab.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(["bash", "-ec", f"{lines[0]}\n{lines[lab]}"], cwd=root, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    manual = manual_cells(lesson)
    written = next(grade_id for grade_id, (kind, _) in manual.items() if kind == "markdown")
    try:
        seen = manual_grading(browser, formgrader_link(server, log_path), artifacts, written, manual[written][1])
    finally:
        stop(server)
        shutil.copy(log_path, artifacts / "grade-lab.log")
    after = run_lines(root, [lines[0]] + lines[lab + 1:], env)  # (a new shell: activate again)
    with open(root / "grades.csv", newline="") as file:
        grades = {row["student_id"]: row for row in csv.DictReader(file)}
    with open(root / "reports" / f"{LESSON}-autograde.csv", newline="") as file:
        report = {row["student"]: row for row in csv.DictReader(file)}

    # erin hands in a notebook again; she alone is graded, then grades are exported again
    fixed = lesson.notebook({a.grade_id: a.solution for a in lesson.answers[:2]}, solved=False)
    nbformat.write(fixed, root / "submitted" / "erin" / LESSON / f"{LESSON}.ipynb")
    regrade = subprocess.run(["bash", "-ec", f"{lines[0]}\npython -m tooling.grading autograde {LESSON} "
                              "--student erin\nnbgrader export"], cwd=root, env=env, capture_output=True,
                             text=True, timeout=600)
    assert regrade.returncode == 0, regrade.stdout + regrade.stderr
    with open(root / "reports" / f"{LESSON}-autograde.csv", newline="") as file:
        report_after = {row["student"]: row for row in csv.DictReader(file)}
    with open(root / "grades.csv", newline="") as file:
        grades_after = {row["student_id"]: row for row in csv.DictReader(file)}
    auto = lesson.points(set())
    return SimpleNamespace(root=root, lesson=lesson, expected=expected, before=before, after=after, seen=seen,
                           auto=auto, manual=manual, written=written,
                           total=auto + sum(points for _, points in manual.values()),
                           grades=grades, report=report, regrade=regrade, report_after=report_after,
                           grades_after=grades_after, tracked=tracked, lines=lines,
                           erin_fixed_score=lesson.points(lesson.failing(*lesson.answers[2:])))


def output_of(outputs: dict, command: str) -> str:
    return next(text for line, text in outputs.items() if line.startswith(command))


def test_the_readme_block_runs_as_written_and_sets_up_grading(cycle):
    setup = output_of(cycle.before, "make grading-setup") + output_of(cycle.before, "python -m tooling.grading check")
    assert "grading can run" in setup
    assert "sudo" not in setup or os.geteuid() != 0  # as root, nothing is run through sudo


def test_autograde_reports_every_student_with_an_unreadable_one_not_gradable(cycle):
    out = output_of(cycle.before, "python -m tooling.grading autograde")
    for student, (score, _) in cycle.expected.items():
        assert re.search(rf"^\[\d/6\] {student}: {score:g}/{cycle.total:g} points", out, re.M), out
    assert re.search(r"^\[\d/6\] erin: NOT GRADABLE", out, re.M), out
    assert "not valid JSON" in out and "--student erin" in out and "zip_collect --force" in out
    assert cycle.report["erin"]["status"] == "not gradable" and cycle.report["erin"]["score"] == ""
    assert set(cycle.report) == set(STUDENTS)


def test_pending_manual_points_and_the_solution_notebook_are_named(cycle):
    out = output_of(cycle.before, "python -m tooling.grading autograde")
    pending = cycle.total - cycle.auto
    assert re.search(rf"^\[\d/6\] alice: {cycle.auto:g}/{cycle.total:g} points \+ {pending:g} to grade by hand",
                     out, re.M), out
    alice = out.split("] alice:", 1)[1].split("\n[", 1)[0]
    assert "solution notebook" in alice and "was edited" not in alice, alice
    assert float(cycle.report["alice"]["to_grade_by_hand"]) == pending
    dave = out.split("] dave:", 1)[1].split("\n[", 1)[0]
    assert "was edited" not in dave and "deleted" not in dave


def test_the_formgrader_works_from_its_link_and_flags_the_unreadable_notebook(cycle):
    seen = cycle.seen
    assert not seen["login redirects"], seen["login redirects"]
    assert "needs manual grading" in seen["submissions"]["alice"]
    assert f"{cycle.auto:g} / {cycle.total:g}" in seen["submissions"]["alice"]
    assert f"0 / {cycle.total:g}" in seen["submissions"]["bob"]
    assert seen["erin flagged"] == 1
    assert "could not be graded" in seen["erin"] and "not valid JSON" in seen["erin"]
    assert "could not be graded" not in seen["alice"]


def test_feedback_holds_only_the_page_which_names_exercises(cycle):
    feedback = cycle.root / "feedback"
    files = sorted(str(p.relative_to(feedback)) for p in feedback.rglob("*") if p.is_file())
    assert files == [f"{s}/{LESSON}/{LESSON}.html" for s in sorted(STUDENTS)]
    alice = html.unescape(re.sub(r"<[^>]+>", " ", (feedback / "alice" / LESSON / f"{LESSON}.html").read_text()))
    assert "Exercise 1.1: check" in alice and "Test cell" not in alice
    points = float(cycle.manual[cycle.written][1])
    assert f"your answer (graded by hand) (Score: {points} / {points})" in re.sub(r"\s+", " ", alice)
    erin = (feedback / "erin" / LESSON / f"{LESSON}.html").read_text()
    assert "not graded" in erin and f"(Score: 0.0 / {float(cycle.total)})" not in erin


def test_the_export_never_turns_an_unreadable_notebook_into_a_zero(cycle):
    grades = cycle.grades
    assert set(grades) == set(STUDENTS)
    assert grades["erin"]["status"].startswith("not gradable") and grades["erin"]["score"] == ""
    assert grades["erin"]["raw_score"] == ""
    graded = float(cycle.manual[cycle.written][1])
    assert float(grades["alice"]["score"]) == cycle.auto + graded  # autograded, and one answer graded by hand
    left = cycle.total - cycle.auto - graded
    assert grades["alice"]["status"] == (f"needs manual grading ({left:g} point{'' if left == 1 else 's'})"
                                         if left else "graded")
    assert grades["bob"]["status"] == "graded" and float(grades["bob"]["score"]) == 0.0
    for student, (score, _) in cycle.expected.items():
        if student != "alice":
            assert float(grades[student]["score"]) == score, student


def test_regrading_one_student_merges_into_the_class_report(cycle):
    out = cycle.regrade.stdout
    assert re.search(rf"^\[1/1\] erin: {cycle.erin_fixed_score:g}/{cycle.total:g} points", out, re.M), out
    before, after = cycle.report, cycle.report_after
    assert set(after) == set(STUDENTS)
    for student in set(STUDENTS) - {"erin"}:
        assert after[student] == before[student], student  # kept as they were, notes included
    assert after["erin"]["status"] == "graded"
    assert cycle.grades_after["erin"]["status"] == "graded"
    assert float(cycle.grades_after["erin"]["score"]) == cycle.erin_fixed_score
    with Gradebook(f"sqlite:///{cycle.root}/gradebook.db") as gradebook:
        assert not gradebook.find_submission_notebook(LESSON, LESSON, "erin").flagged


def test_the_instructor_sees_no_warning_that_tells_them_nothing(cycle):
    outputs = {**cycle.before, **cycle.after, "regrade": cycle.regrade.stdout + cycle.regrade.stderr}
    for line, text in outputs.items():
        course_command = "tooling.grading" in line or line.startswith("make")
        noise = [row for row in text.splitlines()
                 if any(word in row for word in NOISE) or (course_command and "WARNING" in row)]
        assert not noise, f"{line}:\n" + "\n".join(noise)


def test_tracked_files_are_left_alone_and_generated_files_ignored(cycle):
    now = classroom.file_hashes(cycle.root / "course") | {
        f"solutions/{k}": v for k, v in classroom.file_hashes(cycle.root / "solutions").items()}
    assert now == cycle.tracked  # generate_assignment --force wrote the same release and its .py
    generated = sorted({str(p.relative_to(cycle.root)).split("/")[0] for p in cycle.root.iterdir()}
                       - {"README.md", "Makefile", "nbgrader_config.py", "pyproject.toml", ".jupyter",
                          "solutions", "course", ".venv"})
    assert {"gradebook.db", "grades.csv", "reports", "submitted", "autograded", "feedback"} <= set(generated)
    needs.program("git", package="git")
    if not (REPO / ".git").exists():
        needs.unavailable("a git checkout (to ask git which files it ignores)", f"{REPO} has no .git",
                          "Run the tests in a clone of the repository.")
    ignored = subprocess.run(["git", "check-ignore", "--no-index", *[f"{name}/x" if (cycle.root / name).is_dir()
                                                                      else name for name in generated]],
                             cwd=REPO, capture_output=True, text=True)
    assert len(ignored.stdout.split()) == len(generated), (generated, ignored.stdout)


def test_feedback_shows_no_hidden_test_even_to_who_handed_in_the_solutions(cycle):
    from test_grading_class import _hidden_lines, _text

    solution = nbformat.read(cycle.root / "solutions" / LESSON / f"{LESSON}.ipynb", as_version=4)
    hidden = _hidden_lines(solution, cycle.lesson.release)
    assert hidden
    for student in STUDENTS:
        page = _text((cycle.root / "feedback" / student / LESSON / f"{LESSON}.html").read_text())
        assert not [line for line in hidden if line in page], student


def test_grading_setup_uses_sudo_as_a_normal_user_and_apt_get_as_root(tmp_path):
    """`make grading-setup` without bubblewrap: a user with sudo gets `sudo apt-get install`, root
    gets `apt-get install` (stand-ins record the commands; the stand-in apt-get "installs" bwrap)."""
    root = tmp_path / "clone"
    make_clone(root)
    for uid, expected in (("1000", "sudo apt-get"), ("0", "apt-get")):
        shims, log = tmp_path / f"bin-{uid}", tmp_path / f"commands-{uid}.txt"
        shims.mkdir()
        scripts = {
            "id": f"#!/bin/sh\necho {uid}\n",
            "sudo": f"#!/bin/sh\necho sudo \"$@\" >> {log}\nexec \"$@\"\n",
            "apt-get": f"#!/bin/sh\necho apt-get \"$@\" >> {log}\n"
                       f"[ \"$1\" = install ] || [ \"$2\" = install ] && ln -sf {shutil.which('bwrap')} {shims}/bwrap\n"
                       "exit 0\n",
        }
        for name, text in scripts.items():
            (shims / name).write_text(text)
            (shims / name).chmod(0o755)
        for name in ("env", "ln", "sh", "ls", "make", "dirname", "uname", "cat", "touch", "test"):
            if shutil.which(name):
                (shims / name).symlink_to(shutil.which(name))
        env = {**os.environ, "PATH": str(shims)}
        done = subprocess.run([shutil.which("make"), "grading-setup"], cwd=root, env=env, capture_output=True,
                              text=True, timeout=300)
        commands = log.read_text() if log.exists() else ""
        assert done.returncode == 0, done.stdout + done.stderr + commands
        assert "install -y -qq bubblewrap" in commands and commands.splitlines()[0].startswith(expected), commands
        assert ("sudo" in commands) == (uid != "0"), commands
        assert "grading can run" in done.stdout
