"""The grading command's paths that the class tests do not take, on one small course (the fixture
lesson) graded for real (nbgrader, sandboxed kernels, the checker): exit codes, ``check``,
``--student``, "no submissions", a submission holding symbolic links (to ``solutions/`` and to
the gradebook), ``notebook_timeout``, ``max_answer_bytes``, a missing or wrong kernelspec, and a
grader that fails (exit 1, with its log). Per-cell timeout: the production 60 s.
"""
from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from grading_fixtures import classroom

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LESSON = "00-fixture"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    classroom.require_sandbox()
    base = tmp_path_factory.mktemp("paths")
    root, env = classroom.sandboxed_course(base, REPO, {LESSON: REPO / "tests" / "grading_fixtures" / LESSON})
    lesson = classroom.Lesson.read(LESSON, root / "course" / LESSON / f"{LESSON}.ipynb",
                                   root / "solutions" / LESSON / f"{LESSON}.ipynb")
    config = (root / "nbgrader_config.py").read_text()
    assert re.findall(r"SandboxedExecute\.timeout\s*=\s*(\d+)", config) == ["60"]  # production's per cell
    return root, env, lesson, config


def grade(root: Path, env: dict, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tooling.grading", *args], cwd=root, env=env,
                          capture_output=True, text=True, timeout=timeout)


def submit(root: Path, student: str, notebook) -> Path:
    folder = root / "submitted" / student / LESSON
    folder.mkdir(parents=True)
    nbformat.write(notebook, folder / f"{LESSON}.ipynb")
    return folder


def report(root: Path) -> dict:
    with open(root / "reports" / f"{LESSON}-autograde.csv", newline="") as file:
        return {row["student"]: row for row in csv.DictReader(file)}


def scores(root: Path, student: str) -> dict:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(LESSON, LESSON, student)
        return {grade.name: grade.auto_score for grade in notebook.grades if grade.auto_score is not None}


def test_check_says_whether_grading_can_run(course, tmp_path):
    root, env, _, _ = course
    done = grade(root, env, "check")
    assert done.returncode == 0 and "grading can run" in done.stdout, done.stdout + done.stderr
    # a kernelspec of the same name that does not start the sandbox: refused, exit 2
    wrong = tmp_path / "kernels" / "calcium-sandbox"
    wrong.mkdir(parents=True)
    (wrong / "kernel.json").write_text(json.dumps({"argv": [sys.executable, "-m", "ipykernel_launcher", "-f",
                                                            "{connection_file}"], "language": "python",
                                                   "display_name": "not the sandbox"}))
    shadowed = env | {"JUPYTER_PATH": f"{tmp_path}:{env['JUPYTER_PATH']}"}
    done = grade(root, shadowed, "check")
    assert done.returncode == 2 and "does not start the sandbox" in done.stdout, done.stdout
    assert "install-kernel" in done.stdout


def test_no_submissions_and_unknown_students_exit_1(course):
    root, env, _, _ = course
    done = grade(root, env, "autograde", LESSON)
    assert done.returncode == 1 and f"No submissions of {LESSON}" in done.stdout, done.stdout + done.stderr
    submit(root, "zoe", course[2].notebook())
    done = grade(root, env, "autograde", LESSON, "--student", "ghost")
    assert done.returncode == 1 and f"No submission of {LESSON} from ghost" in done.stdout, done.stdout
    assert not (root / "reports" / f"{LESSON}-autograde.csv").exists()  # nothing was graded


def test_links_in_a_submission_are_removed_and_only_named_students_graded(course):
    root, env, lesson, _ = course
    before = classroom.file_hashes(root / "solutions")
    submit(root, "alice", lesson.notebook())
    mallory = submit(root, "mallory", lesson.notebook())
    (mallory / "answers").symlink_to(root / "solutions")                       # a folder: every solution
    (mallory / "gradebook.db").symlink_to(root / "gradebook.db")                # the gradebook itself
    (mallory / "data").mkdir()
    (mallory / "data" / "model.ipynb").symlink_to(root / "solutions" / LESSON / f"{LESSON}.ipynb")
    linker = root / "submitted" / "linker" / LESSON                            # the notebook is the solution
    linker.mkdir(parents=True)
    (linker / f"{LESSON}.ipynb").symlink_to(root / "solutions" / LESSON / f"{LESSON}.ipynb")

    done = grade(root, env, "autograde", LESSON, "--student", "alice", "--student", "mallory",
                 "--student", "linker")
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    rows = report(root)
    assert set(rows) == {"alice", "mallory", "linker"}, out                    # zoe was not named
    full = lesson.points(set())
    for student in ("alice", "mallory"):
        assert rows[student]["status"] == "graded" and float(rows[student]["score"]) == full, rows[student]
    for link in ("answers", "gradebook.db", "data/model.ipynb"):
        assert f"link removed from the submission: {link}" in rows["mallory"]["notes"], rows["mallory"]
        assert not (mallory / link).is_symlink()
    assert rows["linker"]["status"] == "not gradable" and not rows["linker"]["score"], rows["linker"]
    assert f"link removed from the submission: {LESSON}.ipynb" in rows["linker"]["notes"]
    graded = root / "autograded" / "mallory" / LESSON
    assert graded.is_dir() and not (graded / "gradebook.db").exists() and not (graded / "answers").exists()
    assert not list(graded.rglob("model.ipynb"))
    assert classroom.file_hashes(root / "solutions") == before                 # nothing reached them
    assert not (root / "autograded" / "zoe").exists()


def test_notebook_timeout_and_max_answer_bytes(course):
    root, env, lesson, config = course
    (root / "nbgrader_config.py").write_text(config + "\nc.SandboxedExecute.notebook_timeout = 5\n"
                                             "c.SandboxedExecute.max_answer_bytes = 1_000_000\n")
    try:
        submit(root, "slowpoke", lesson.notebook({"ex-count": "import time\ntime.sleep(10)\nn_frames = 30\n"}))
        submit(root, "hoarder", lesson.notebook({"ex-mean": "mean_image = np.zeros((1000, 1000))\n"}))
        done = grade(root, env, "autograde", LESSON, "--student", "slowpoke", "--student", "hoarder")
    finally:
        (root / "nbgrader_config.py").write_text(config)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out
    rows = report(root)
    assert "the notebook ran longer than its limit of 5 s" in rows["slowpoke"]["notes"], rows["slowpoke"]
    slow = scores(root, "slowpoke")
    assert slow["ex-count-check"] == 0 and slow["ex-peak-check"] == 0, slow  # not run: no points
    assert "more than the limit of 1000000" in rows["hoarder"]["notes"], rows["hoarder"]
    hoard = scores(root, "hoarder")
    assert hoard["ex-mean-check"] == 0 and hoard["ex-count-check"] == 1 and hoard["ex-peak-check"] == 1, hoard


def test_a_grader_failure_exits_1_and_keeps_its_log(course):
    root, env, _, config = course
    # a limit the sandbox cannot read is the grader's failure, not the student's: no score, exit 1
    (root / "nbgrader_config.py").write_text(config + "\nc.SandboxedExecute.max_memory = 'lots'\n")
    try:
        done = grade(root, env, "autograde", LESSON, "--student", "zoe")
    finally:
        (root / "nbgrader_config.py").write_text(config)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "The grader failed for: zoe" in done.stdout, out
    assert report(root)["zoe"]["status"] == "grader failed"
    assert "NbGraderException" in (root / "reports" / f"{LESSON}-zoe-grader.log").read_text()
