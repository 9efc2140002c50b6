"""The grading command's side of a submission: its staged result recorded in the gradebook.

:func:`tooling.grading.worker.execute_submission` leaves a submission's graded notebooks in a
staging folder without touching the gradebook; :func:`record_submission` runs nbgrader's own
autograde on them with only the preprocessors that write the gradebook (``SaveAutoGrades``,
``AssignLatePenalties``), which also records the student, the submission and its timestamp and
writes ``autograded/STUDENT/ASSIGNMENT/``. The grading command calls it for one submission at a
time, so the gradebook has a single writer however many submissions are executed at once.

A notebook that could not be graded (a placeholder, see :mod:`tooling.grading.worker`) is
*flagged* in the gradebook and each of its grades marked as needing manual grading, so the
formgrader lists it for attention; :func:`submission_status` and the export plugin give it no
score.
"""
from __future__ import annotations

import glob
import os
import shutil

from tooling.grading import sandbox, variants, worker

GRADED, NOT_GRADABLE, FAILED = "graded", "not gradable", "grader failed"


def _record_only(app, coursedir, staged: str):
    """nbgrader's autograde converter that reads the staged notebooks and only saves grades."""
    from nbgrader.converters import Autograde

    class RecordGrades(Autograde):
        @property
        def _input_directory(self) -> str:
            return staged if self._sanitizing else self.coursedir.autograded_directory

    converter = RecordGrades(coursedir=coursedir, parent=app)
    converter.sanitize_preprocessors = []
    converter.autograde_preprocessors = [p for p in converter.autograde_preprocessors
                                         if worker.preprocessor_name(p) in worker.GRADEBOOK_WRITERS]
    converter.force = True
    converter.create_student = True
    return converter


def not_gradable(path: str) -> str | None:
    """Why the autograded notebook at `path` is a placeholder for an ungradable one, or None."""
    import json

    try:
        with open(path) as file:
            return json.load(file).get("metadata", {}).get(worker.METADATA_KEY, {}).get("not_gradable")
    except (OSError, ValueError, AttributeError):
        return None


def record_submission(app, assignment: str, result: dict, staging: str) -> dict:
    """Save a staged submission's grades; return its report row (see :func:`report_row`)."""
    from nbgrader.api import Gradebook
    from nbgrader.utils import capture_log

    student = result["student"]
    if result["error"]:
        return report_row(result, FAILED)
    coursedir = worker.course_directory(app, assignment_id=assignment, student_id=student)
    graded = coursedir.format_path(coursedir.autograded_directory, student, assignment)
    placeholders_before = {os.path.basename(path)[:-len(".ipynb")]
                           for path in glob.glob(os.path.join(graded, "*.ipynb")) if not_gradable(path)}
    outcome = capture_log(_record_only(app, coursedir, os.path.join(staging, "out")))
    if not outcome["success"]:
        result["error"] = outcome.get("error") or "nbgrader could not save the grades"
        result["log"] = outcome.get("log", "")
        return report_row(result, FAILED)
    for report in glob.glob(os.path.join(staging, "out", student, assignment, "*" + sandbox.REPORT_SUFFIX)):
        shutil.copy(report, graded)
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        submission = gradebook.find_submission(assignment, student)
        for notebook in submission.notebooks:
            if notebook.name in result["not_gradable"]:
                notebook.flagged = True
                for grade in notebook.grades:
                    grade.needs_manual_grade = True
            elif any(variants.MATCH in note for note in result["notes"]):
                notebook.flagged = True  # answers of another student's variant: look at both
            elif notebook.name in placeholders_before:
                notebook.flagged = False  # flagged by an earlier run, now graded
        gradebook.db.commit()
        status = submission_status(submission, result["not_gradable"])
    return report_row(result, *status)


def placeholder_reasons(submission, coursedir) -> dict:
    """``{notebook: why}`` for a gradebook submission's notebooks that could not be graded: flagged,
    with a placeholder as their autograded notebook."""
    folder = coursedir.format_path(coursedir.autograded_directory, submission.student.id,
                                   submission.assignment.name)
    reasons = {}
    for notebook in submission.notebooks:
        why = notebook.flagged and not_gradable(os.path.join(folder, f"{notebook.name}.ipynb"))
        if why:
            reasons[notebook.name] = why
    return reasons


def submission_status(submission, reasons: dict) -> tuple:
    """``(status, score, max_score, points to grade by hand)`` of a gradebook submission whose
    notebooks `reasons` (``{notebook: why}``) could not be graded."""
    if reasons:
        return NOT_GRADABLE, None, submission.max_score, None
    pending = sum(grade.max_score for notebook in submission.notebooks for grade in notebook.grades
                  if grade.needs_manual_grade)
    return GRADED, submission.score, submission.max_score, pending


def report_row(result: dict, status: str, score=None, max_score=None, pending=None) -> dict:
    """A row of ``reports/ASSIGNMENT-autograde.csv``."""
    notes = list(result["notes"])
    notes += [f"NOT GRADABLE: {reason}" for reason in result["not_gradable"].values()]
    if status == FAILED:
        notes.append("GRADER FAILED: " + (result["error"] or "").strip().splitlines()[-1][:300])
    return {"student": result["student"], "status": status, "score": score, "max_score": max_score,
            "to_grade_by_hand": pending, "seconds": result["seconds"], "notes": " | ".join(notes)}
