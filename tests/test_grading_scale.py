"""Grading a class in parallel, with limits per submission (issue "Grading a large class").

A small class of the fixture lesson — honest, broken and hostile — is graded with ``--jobs 2``
and again with ``--jobs 1``; every grade must be the same. Two submissions push the limits per
submission: ``forker`` starts 2000 sleeping processes (bounded: never an unbounded fork bomb) and
must be held at the documented cap of processes and threads, then graded as the honest work it
otherwise is; ``hog`` starts a few processes that each stay under the per-process memory cap but
together exceed the sandbox's total, and must be stopped there (the checks after it are not
graded). Neither may leave a process behind or change another student's grade.
"""
from __future__ import annotations

import csv
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
from nbgrader.api import Gradebook

from grading_fixtures import classroom
from tooling.grading import limits

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LESSON = "00-fixture"
PROCESSES = limits.DEFAULTS["processes"]  # the documented cap
TOTAL_MEMORY = "600M"                     # this test's cap on a sandbox's memory (its processes together)
FORKER = """\
import os, time
pids = []
for _ in range(2000):  # bounded: at most 2000 sleeping processes, never a fork bomb
    try:
        pid = os.fork()
    except OSError:
        break
    if pid == 0:
        time.sleep(300)
        os._exit(0)
    pids.append(pid)
print(f"started {len(pids)} processes")
time.sleep(1)
for pid in pids:  # (then it ends them, so that the rest of the notebook can start threads again)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
"""
HOG = """\
import os, time
for _ in range(4):  # four processes of 300 MB each: each under its own cap, together over the total
    if os.fork() == 0:
        block = bytearray(300 * 2**20)
        block[::4096] = b"x" * len(block[::4096])
        time.sleep(60)
        os._exit(0)
time.sleep(30)
"""


def sandbox_processes(root: Path) -> list[str]:
    """Sandbox launchers (each the parent of a sandbox) grading submissions of the course at `root`."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            environment = (entry / "environ").read_bytes().split(b"\0")
        except OSError:
            continue
        if "tooling.grading.sandbox" in command and any(
                line.startswith(b"CALCIUM_SANDBOX_SUBMISSION=" + str(root).encode()) for line in environment):
            found.append(f"{entry.name} {command}")
    return found


def scores(root: Path, students) -> dict:
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
        return {student: {grade.name: grade.score for grade in
                          gradebook.find_submission_notebook(LESSON, LESSON, student).grades}
                for student in students}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    classroom.require_sandbox()
    root, env = classroom.sandboxed_course(
        tmp_path_factory.mktemp("scale"), REPO, {LESSON: REPO / "tests" / "grading_fixtures" / LESSON},
        f"\nc.SandboxedExecute.max_memory = '{TOTAL_MEMORY}'\n")  # the production per-cell timeout, 60 s
    lesson = classroom.Lesson.read(LESSON, root / "course" / LESSON / f"{LESSON}.ipynb",
                                   root / "solutions" / LESSON / f"{LESSON}.ipynb")
    plan = classroom.individual_class(lesson, str(root))
    # (the endless loop, 60 s per run at the production timeout, is graded by test_grading_class)
    students = {name: plan[name] for name in ("perfect", "untouched", "partial", "exit", "eqtrue")}
    setup = classroom._setup(lesson)
    setup_index = next(i for i, c in enumerate(lesson.release.cells)
                       if c.metadata.get("nbgrader", {}).get("grade_id") == setup)
    students["forker"] = (lesson.notebook(insert={setup: FORKER}), set())
    students["hog"] = (lesson.notebook(insert={setup: HOG}), lesson.after(setup_index))
    classroom.lms_zip(root, LESSON, students)
    classroom.nbgrader(root, "zip_collect", LESSON, env=env)
    runs = {}
    for jobs in (2, 1):
        cli = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", LESSON, "--jobs", str(jobs)],
                             cwd=root, env=env, capture_output=True, text=True, timeout=1200)
        with open(root / "reports" / f"{LESSON}-autograde.csv", newline="") as file:
            report = {row["student"]: row for row in csv.DictReader(file)}
        forker = nbformat.read(root / "autograded" / "forker" / LESSON / f"{LESSON}.ipynb", as_version=4)
        printed = "".join(o.get("text", "") for c in forker.cells if c.cell_type == "code" for o in c.outputs)
        runs[jobs] = SimpleNamespace(cli=cli, report=report, scores=scores(root, students), forker=printed,
                                     left=sandbox_processes(root))
    return SimpleNamespace(root=root, lesson=lesson, students=students, runs=runs)


def test_parallel_grading_gives_every_student_the_sequential_grade(graded):
    parallel, sequential = graded.runs[2], graded.runs[1]
    for run in (parallel, sequential):
        assert run.cli.returncode == 0, run.cli.stdout + run.cli.stderr
    assert "2 at a time" in parallel.cli.stdout
    assert parallel.scores == sequential.scores
    for student, (_, failing) in graded.students.items():
        got = parallel.scores[student]
        failed = {check for check in graded.lesson.checks if got[check] != graded.lesson.checks[check][1]}
        assert failed == failing, f"{student}: failed {sorted(failed)}, expected {sorted(failing)}"


def test_a_submission_is_held_at_the_process_cap_and_graded(graded):
    for run in graded.runs.values():
        started = int(re.search(r"started (\d+) processes", run.forker).group(1))
        assert 10 < started < PROCESSES, run.forker
        assert f"reached the cap of {PROCESSES} processes and threads" in run.report["forker"]["notes"]
        assert run.report["forker"]["score"] == run.report["perfect"]["score"]


def test_a_submission_over_its_total_memory_is_stopped(graded):
    for run in graded.runs.values():
        notes = run.report["hog"]["notes"]
        assert "the sandbox was stopped: it used more than 600 MiB of memory in total" in notes, notes
        assert "kernel stopped" in notes


def test_no_sandbox_outlives_the_grading(graded):
    for run in graded.runs.values():
        assert run.left == [], run.left
