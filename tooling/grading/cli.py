"""``python -m tooling.grading``: install the sandbox kernel, check it, autograde a class.

``install-kernel [--memory 4G] [--user | --prefix DIR]``
    Install the ``calcium-sandbox`` kernelspec (into this Python environment by default).
``check``
    Start a sandbox once and say whether grading can run here.
``autograde ASSIGNMENT [--student ID ...]``
    Run ``nbgrader autograde`` for every submitted student (or the ones named), one at a time,
    with a progress line per student: score, time, and what looked like tampering. Writes
    ``reports/ASSIGNMENT-autograde.csv``. Exits with 0 when every submission was graded, even
    hostile or broken ones; 1 when the grader itself failed for some student (the others are
    still graded); 2 when the sandbox is not available (nothing is graded).

Run it from the course folder (the one with ``nbgrader_config.py``).
"""
from __future__ import annotations

import argparse
import csv
import glob
import json
import os
import sys
import time
import warnings

from tooling.grading import sandbox

def sandbox_problem() -> str | None:
    """Why grading cannot run here (no working sandbox, no sandbox kernel), or None."""
    from tooling.grading.execute import require_kernelspec

    try:
        sandbox.probe()
        require_kernelspec()
    except sandbox.SandboxUnavailable as err:
        return str(err)
    return None


def remove_links(folder: str) -> list[str]:
    """Delete symbolic links in a submission (nbgrader would copy what they point to); return them."""
    removed = []
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            if os.path.islink(path):
                os.unlink(path)
                removed.append(os.path.relpath(path, folder))
    return removed


def _nbgrader_api():
    from nbgrader.apps import NbGraderAPI
    from nbgrader.apps.nbgraderapp import NbGraderApp
    from nbgrader.coursedir import CourseDirectory

    app = NbGraderApp()
    app.initialize([])
    coursedir = CourseDirectory(parent=app)
    return NbGraderAPI(coursedir=coursedir, parent=app), coursedir


def edited_cells(submitted: str, release: str) -> list[str]:
    """Locked cells of the release notebook that a submitted notebook deleted or edited."""
    import nbformat

    def locked(path):
        cells = nbformat.read(path, as_version=4).cells
        return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in cells
                if cell.metadata.get("nbgrader", {}).get("grade_id")}
    try:
        mine = locked(submitted)
    except Exception as err:  # noqa: BLE001 - nbgrader reports unreadable notebooks itself
        return [f"{os.path.basename(submitted)} could not be read ({type(err).__name__})"]
    notes = []
    for grade_id, cell in locked(release).items():
        if not cell.metadata["nbgrader"].get("locked"):
            continue
        kind = "check cell" if cell.metadata["nbgrader"].get("grade") else "locked cell"
        if grade_id not in mine:
            notes.append(f"{kind} {grade_id} was deleted (put back)")
        elif mine[grade_id].source != cell.source:
            notes.append(f"{kind} {grade_id} was edited (restored)")
    return notes


def autograde(assignment: str, students: list[str] | None = None, out=sys.stdout) -> int:
    """Autograde `assignment` for each submitted student; return the exit status (see module doc)."""
    from nbgrader.api import Gradebook, MissingEntry

    problem = sandbox_problem()
    if problem:
        print(f"Grading refused: {problem}", file=out)
        return 2
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy warnings inside nbgrader
    api, coursedir = _nbgrader_api()
    submitted = coursedir.format_path(coursedir.submitted_directory, "*", assignment)
    found = sorted(os.path.basename(os.path.dirname(path)) for path in glob.glob(submitted))
    students = [s for s in found if students is None or s in students]
    if not students:
        print(f"No submissions of {assignment} in {coursedir.submitted_directory}/.", file=out)
        return 1
    released = coursedir.format_path(coursedir.release_directory, ".", assignment)
    rows, failed = [], []
    for number, student in enumerate(students, 1):
        folder = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        notes = [f"link removed from the submission: {link}" for link in remove_links(folder)]
        for release in sorted(glob.glob(os.path.join(released, "*.ipynb"))):
            mine = os.path.join(folder, os.path.basename(release))
            if os.path.exists(mine):
                notes += edited_cells(mine, release)
        started = time.monotonic()
        result = api.autograde(assignment, student, force=True, create=True)
        seconds = time.monotonic() - started
        graded = coursedir.format_path(coursedir.autograded_directory, student, assignment)
        for report in sorted(glob.glob(os.path.join(graded, "*" + sandbox.REPORT_SUFFIX))):
            with open(report) as file:
                notes += json.load(file)["findings"]
        score = max_score = None
        if result["success"]:
            with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
                try:
                    submission = gradebook.find_submission(assignment, student)
                    score, max_score = submission.score, submission.max_score
                except MissingEntry:
                    result["success"] = False
        if not result["success"]:
            failed.append(student)
            notes.append("GRADER FAILED: " + (result.get("error") or "see the nbgrader log").strip().splitlines()[-1])
        status = f"{score:g}/{max_score:g} points" if score is not None else "not graded"
        line = f"[{number}/{len(students)}] {student}: {status} in {seconds:.1f} s"
        print(line + "".join(f"\n      - {note}" for note in notes), file=out, flush=True)
        rows.append({"student": student, "score": score, "max_score": max_score,
                     "seconds": round(seconds, 1), "graded": result["success"], "notes": " | ".join(notes)})
    os.makedirs(os.path.join(coursedir.root, "reports"), exist_ok=True)
    report = os.path.join(coursedir.root, "reports", f"{assignment}-autograde.csv")
    with open(report, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"Graded {len(students) - len(failed)} of {len(students)} submissions; report: {report}", file=out)
    if failed:
        print(f"The grader failed for: {', '.join(failed)} (see the log above).", file=out)
    return 1 if failed else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.grading", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    install = commands.add_parser("install-kernel", help="install the calcium-sandbox kernelspec")
    install.add_argument("--memory", default=sandbox.DEFAULT_MEMORY, help="address-space cap, e.g. 4G")
    where = install.add_mutually_exclusive_group()
    where.add_argument("--user", action="store_true", help="install for the current user")
    where.add_argument("--prefix", help="install under PREFIX/share/jupyter/kernels")
    commands.add_parser("check", help="check that the sandbox works here")
    grade = commands.add_parser("autograde", help="autograde every submission of an assignment")
    grade.add_argument("assignment")
    grade.add_argument("--student", action="append", help="grade only this student (repeatable)")
    options = parser.parse_args(argv)
    if options.command == "install-kernel":
        print(f"Installed {sandbox.KERNEL_NAME} in "
              f"{sandbox.install_kernel(memory=options.memory, user=options.user, prefix=options.prefix)}")
        return 0
    if options.command == "check":
        problem = sandbox_problem()
        if problem:
            print(f"Grading cannot run here: {problem}")
            return 2
        print("The sandbox works and the calcium-sandbox kernel is installed: grading can run.")
        return 0
    return autograde(options.assignment, options.student)
