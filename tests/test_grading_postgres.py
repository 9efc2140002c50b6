"""The whole grading cycle with the gradebook on PostgreSQL (issue "Grading a large class").

A real PostgreSQL server (Debian's ``postgresql``: ``initdb`` and ``postgres`` from
``/usr/lib/postgresql/*/bin``) is started in a temporary folder, listening on a Unix socket only,
as the ``postgres`` user when the tests run as root (``initdb`` refuses root). The fixture lesson's
course is configured with ``c.CourseDirectory.db_url = "postgresql+psycopg://..."``, as
``book/instructors.md`` says (with a ``course_id``, which PostgreSQL's foreign keys need), and goes through the cycle: generate, collect, parallel autograde,
a manual grade, feedback, export. SQLite stays the default (every other grading test uses it).
"""
from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from nbgrader.api import Gradebook

import needs
from grading_fixtures import classroom

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LESSON = "00-fixture"
PORT = 54329  # (only names the socket file: the server listens on no TCP port)


def postgres_binaries() -> Path:
    binaries = needs.postgres_bin()
    import psycopg  # noqa: F401  (a test dependency: pip install -e '.[test]')
    return binaries


@pytest.fixture(scope="module")
def database():
    """A PostgreSQL server in a temporary folder; yields the gradebook's db_url."""
    binaries = postgres_binaries()
    folder = Path(tempfile.mkdtemp(prefix="calcium-postgres-", dir="/tmp"))
    data, socket_dir = folder / "data", folder / "socket"
    user = {}
    if os.geteuid() == 0:  # initdb refuses to run as root: the server runs as the postgres user
        import pwd

        entry = pwd.getpwnam("postgres")
        user = {"user": entry.pw_uid, "group": entry.pw_gid}
        os.chmod(folder, 0o755)
    for path in (data, socket_dir):
        path.mkdir()
        if user:
            os.chown(path, user["user"], user["group"])
    log = open(folder / "server.log", "w")
    subprocess.run([binaries / "initdb", "-D", data, "-U", "grader", "-A", "trust", "--no-sync"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=folder, **user)
    server = subprocess.Popen([binaries / "postgres", "-D", data, "-k", socket_dir, "-p", str(PORT),
                               "-c", "listen_addresses=", "-c", "fsync=off"], stdout=log, stderr=log,
                              cwd=folder, **user)
    try:
        deadline = time.monotonic() + 60
        while subprocess.run([binaries / "pg_isready", "-h", socket_dir, "-p", str(PORT)],
                             capture_output=True).returncode != 0:
            assert server.poll() is None and time.monotonic() < deadline, (folder / "server.log").read_text()
            time.sleep(0.3)
        subprocess.run([binaries / "createdb", "-h", socket_dir, "-p", str(PORT), "-U", "grader", "gradebook"],
                       check=True, capture_output=True)
        yield f"postgresql+psycopg://grader@/gradebook?host={socket_dir}&port={PORT}"
    finally:
        server.send_signal(signal.SIGINT)  # fast shutdown
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def test_the_whole_cycle_runs_on_postgresql(database, tmp_path):
    classroom.require_sandbox()
    root, env = classroom.sandboxed_course(
        tmp_path, REPO, {LESSON: REPO / "tests" / "grading_fixtures" / LESSON},
        f"\nc.CourseDirectory.db_url = {database!r}\n"
        "c.CourseDirectory.course_id = 'calcium-imaging'\n")
    assert not (root / "gradebook.db").exists()  # generate_assignment wrote to PostgreSQL
    lesson = classroom.Lesson.read(LESSON, root / "course" / LESSON / f"{LESSON}.ipynb",
                                   root / "solutions" / LESSON / f"{LESSON}.ipynb")
    plan = classroom.individual_class(lesson, str(root))
    students = {name: plan[name] for name in ("perfect", "untouched", "partial", "exit")}
    classroom.lms_zip(root, LESSON, students)
    classroom.nbgrader(root, "zip_collect", LESSON, env=env)
    cli = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", LESSON, "--jobs", "2"],
                         cwd=root, env=env, capture_output=True, text=True, timeout=900)
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "2 at a time" in cli.stdout and not (root / "gradebook.db").exists()

    with Gradebook(database, "calcium-imaging") as gradebook:  # and `perfect`'s written answer is graded by hand
        for student, (_, failing) in students.items():
            grades = {g.name: g for g in gradebook.find_submission_notebook(LESSON, LESSON, student).grades}
            failed = {check for check in lesson.checks if grades[check].score != lesson.checks[check][1]}
            assert failed == failing, student
        answer = {g.name: g for g in
                  gradebook.find_submission_notebook(LESSON, LESSON, "perfect").grades}["q-interpret"]
        answer.manual_score = answer.max_score
        gradebook.db.commit()
    classroom.nbgrader(root, "generate_feedback", LESSON, env=env)
    classroom.nbgrader(root, "export", env=env)
    with open(root / "grades.csv", newline="") as file:
        grades = {row["student_id"]: row for row in csv.DictReader(file)}
    assert set(grades) == set(students)
    perfect = lesson.points(set()) + 1  # every check, and the written answer graded by hand
    assert float(grades["perfect"]["score"]) == perfect and grades["perfect"]["status"] == "graded"
    for student, (_, failing) in students.items():
        assert (root / "feedback" / student / LESSON / f"{LESSON}.html").exists()
        if student != "perfect":
            assert float(grades[student]["score"]) == lesson.points(failing), student
