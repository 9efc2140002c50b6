"""Grading time: per submission against plain nbgrader, and a class graded in parallel.

1. *Per submission*: two temporary courses with the same lesson and the same perfect submission,
   one with the repository's ``nbgrader_config.py`` (student code in the ``calcium-sandbox``
   kernel, checks in the checker) graded with ``python -m tooling.grading autograde --jobs 1``,
   one with nbgrader's own ``Execute`` (everything in an ordinary kernel) graded by ``nbgrader
   autograde``. Each is graded alternately, several times, in-process (imports not counted); the
   medians and their ratio are printed.
2. *A class* (``--students N``, default 40): the lesson's simulated class of honest, wrong,
   broken and hostile submissions (``tests/grading_fixtures/classroom.py``, repeated to N) graded
   with ``--jobs 1`` and then ``--jobs 2`` (wall clock of the whole command; ``--timeout`` seconds
   per cell, which its endless loops wait for). Prints the speed-up,
   the time per submission of the parallel run against the plain per-submission time of part 1,
   and checks that both runs gave every student the same grades.

The machine (CPU, cores, load) is printed first: figures from a busy machine are slower. Needs
bubblewrap. Run from the repository root:

    python benchmarks/bench_grading.py [LESSON] [--repeat 3] [--students 40] [--jobs 2]
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from grading_fixtures import classroom  # noqa: E402

PLAIN = ('\nc.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", '
         '"nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor", '
         '"nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades", '
         '"nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]\n')
GRADE_ONCE = """
import io, time, warnings
warnings.filterwarnings("ignore")
mode, lesson = %r, %r
if mode == "plain":
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp
    from nbgrader.coursedir import CourseDirectory
    app = NbGraderApp(); app.initialize([])
    api = NbGraderAPI(coursedir=CourseDirectory(parent=app), parent=app)
    grade = lambda: api.autograde(lesson, "perfect", force=True)["success"]
else:
    from tooling.grading import cli, worker
    worker.load_course(".")
    grade = lambda: cli.autograde(lesson, ["perfect"], jobs=1, out=io.StringIO()) == 0
started = time.perf_counter()
assert grade()
print(time.perf_counter() - started)
"""


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 "unknown CPU")
    return (f"{model}, {len(os.sched_getaffinity(0))} cores available, load average "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def course(root: Path, lesson: str, extra: str = "") -> classroom.Lesson:
    classroom.make_course(root, REPO, {lesson: REPO / "solutions" / lesson}, extra)
    return classroom.Lesson.read(lesson, root / "course" / lesson / f"{lesson}.ipynb",
                                 root / "solutions" / lesson / f"{lesson}.ipynb")


def per_submission(tmp: Path, lesson: str, repeat: int, env: dict) -> dict:
    courses = {"sandboxed": tmp / "sandboxed", "plain": tmp / "plain"}
    for mode, root in courses.items():
        release = course(root, lesson, PLAIN if mode == "plain" else "")
        target = root / "submitted" / "perfect" / lesson
        target.mkdir(parents=True)
        __import__("nbformat").write(release.notebook(), target / f"{lesson}.ipynb")
    times = {mode: [] for mode in courses}
    for _ in range(repeat):
        for mode, root in courses.items():
            done = subprocess.run([sys.executable, "-c", GRADE_ONCE % (mode, lesson)], cwd=root, env=env,
                                  capture_output=True, text=True, check=True)
            times[mode].append(float(done.stdout.split()[-1]))
    for mode, values in times.items():
        print(f"{mode:>9}: median {statistics.median(values):.1f} s per submission  "
              f"({', '.join(f'{v:.1f}' for v in values)})", flush=True)
    median = {mode: statistics.median(values) for mode, values in times.items()}
    print(f"ratio sandboxed / plain: {median['sandboxed'] / median['plain']:.2f}", flush=True)
    return median


def grades(root: Path, lesson: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
        return {(s.student.id, g.name): g.score for s in gradebook.assignment_submissions(lesson)
                for n in s.notebooks for g in n.grades}


def a_class(tmp: Path, lesson: str, students: int, jobs: int, plain_seconds: float, env: dict,
            timeout: int) -> None:
    root = tmp / "class"
    release = course(root, lesson, f"\nc.SandboxedExecute.timeout = {timeout}\n")
    base = classroom.combined_class(release, str(root))
    names = sorted(base)
    chosen = {f"{names[i % len(names)]}{i // len(names)}": base[names[i % len(names)]] for i in range(students)}
    classroom.lms_zip(root, lesson, chosen)
    classroom.nbgrader(root, "zip_collect", lesson, env=env)
    kinds = ", ".join(f"{name} x{sum(1 for s in chosen if s.startswith(name))}" for name in names)
    print(f"class of {students} submissions of {lesson}: {kinds}", flush=True)
    wall, results = {}, {}
    for run_jobs in (1, jobs):
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", lesson, "--jobs", str(run_jobs)],
                              cwd=root, env=env, capture_output=True, text=True)
        wall[run_jobs] = time.perf_counter() - started
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        results[run_jobs] = grades(root, lesson)
        print(f"--jobs {run_jobs}: {wall[run_jobs]:.0f} s, {wall[run_jobs] / students:.2f} s per submission "
              f"(load average now {os.getloadavg()[0]:.1f})", flush=True)
    same = results[1] == results[jobs]
    print(f"speed-up with --jobs {jobs}: {wall[1] / wall[jobs]:.2f}x; grades identical to the sequential run: {same}")
    print(f"per-submission time with --jobs {jobs} / plain nbgrader per submission: "
          f"{wall[jobs] / students / plain_seconds:.2f}")
    if not same:
        raise SystemExit("the parallel run gave different grades")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lesson", nargs="?", default="01-single-pixel")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--students", type=int, default=40, help="class size (0: skip the class)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=20,
                        help="seconds per cell in the class (its endless loops wait for it; default 20)")
    options = parser.parse_args()
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        env = classroom.instructor_env(tmp / "kernels" / "share" / "jupyter")
        subprocess.run([sys.executable, "-m", "tooling.grading", "install-kernel", "--prefix", str(tmp / "kernels")],
                       check=True, env=env, capture_output=True)
        median = per_submission(tmp, options.lesson, options.repeat, env)
        if options.students:
            a_class(tmp, options.lesson, options.students, options.jobs, median["plain"], env, options.timeout)


if __name__ == "__main__":
    main()
