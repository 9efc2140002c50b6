"""Grading time per submission: the sandboxed split grader vs a plain ``nbgrader autograde``.

Builds two temporary courses with the same lesson and the same perfect submission: one with the
repository's ``nbgrader_config.py`` (student code in the ``calcium-sandbox`` kernel, checks in the
checker), one with nbgrader's own ``Execute`` (everything in an ordinary kernel). Grades the
submission alternately in each, several times, timing ``nbgrader autograde`` in-process (the
import of nbgrader is not counted), and prints the medians and their ratio (issue 15 asks for
about 2x at most). Needs bubblewrap. Run from the repository root:

    python benchmarks/bench_grading.py [LESSON] [--repeat 3]
"""
from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from grading_fixtures import classroom  # noqa: E402

PLAIN = ('\nc.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", '
         '"nbgrader.preprocessors.IgnorePattern", "nbconvert.preprocessors.ClearMetadataPreprocessor", '
         '"nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades", '
         '"nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]\n')
GRADE_ONCE = """
import time, warnings
warnings.filterwarnings("ignore")
from tooling.grading.cli import _nbgrader_api
api, _ = _nbgrader_api()
started = time.perf_counter()
result = api.autograde(%r, "perfect", force=True)
assert result["success"], result
print(time.perf_counter() - started)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("lesson", nargs="?", default="01-single-pixel")
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    lesson = options.lesson
    folder = REPO / "solutions" / lesson
    with tempfile.TemporaryDirectory() as tmp:
        kernels = Path(tmp) / "kernels"
        env = classroom.instructor_env(kernels / "share" / "jupyter")
        subprocess.run([sys.executable, "-m", "tooling.grading", "install-kernel", "--prefix", str(kernels)],
                       check=True, env=env, capture_output=True)
        courses = {"sandboxed": Path(tmp) / "sandboxed", "plain": Path(tmp) / "plain"}
        for mode, root in courses.items():
            classroom.make_course(root, REPO, {lesson: folder}, PLAIN if mode == "plain" else "")
            release = classroom.Lesson.read(lesson, root / "course" / lesson / f"{lesson}.ipynb",
                                            root / "solutions" / lesson / f"{lesson}.ipynb")
            target = root / "submitted" / "perfect" / lesson
            target.mkdir(parents=True)
            __import__("nbformat").write(release.notebook(), target / f"{lesson}.ipynb")
        times = {mode: [] for mode in courses}
        for _ in range(options.repeat):
            for mode, root in courses.items():
                done = subprocess.run([sys.executable, "-c", GRADE_ONCE % lesson], cwd=root, env=env,
                                      capture_output=True, text=True, check=True)
                times[mode].append(float(done.stdout.split()[-1]))
    median = {mode: statistics.median(values) for mode, values in times.items()}
    for mode, values in times.items():
        print(f"{mode:>9}: median {median[mode]:.1f} s per submission  ({', '.join(f'{v:.1f}' for v in values)})")
    print(f"ratio sandboxed / plain: {median['sandboxed'] / median['plain']:.2f}")


if __name__ == "__main__":
    main()
