"""``nbgrader export`` for the course: a grade only where there is one, and a status that says why.

nbgrader's CSV exporter writes 0 for a student with no submission and for one whose notebook could
not be graded, exactly as for a real zero; an instructor who uploads ``grades.csv`` to an LMS would
fail them without noticing. :class:`CourseExport` (``c.ExportApp.plugin_class`` in
``nbgrader_config.py``) writes the same columns plus ``status``:

``graded``
    autograded, nothing left to grade by hand: the score is final;
``needs manual grading (N points)``
    the score counts 0 for the N points of manually graded answers not graded yet;
``not gradable: WHY``
    a notebook was missing or unreadable (see :mod:`tooling.grading.worker`): no score;
``no submission``
    nothing was collected from this student: no score.

Rows are written with the ``csv`` module (names with commas stay in their column).
"""
from __future__ import annotations

import csv

from nbgrader.api import MissingEntry
from nbgrader.plugins import CsvExportPlugin

from tooling.grading import record

FIELDS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
          "raw_score", "late_submission_penalty", "score", "max_score", "status"]


class CourseExport(CsvExportPlugin):
    """nbgrader's CSV export with a ``status`` column and no score where none was given."""

    def export(self, gradebook) -> None:
        from tooling.grading import worker

        coursedir = getattr(self.parent, "coursedir", None) or worker.course_directory(self.parent)
        destination = self.to or "grades.csv"
        students, assignments = [str(s) for s in self.student], [str(a) for a in self.assignment]
        self.log.info("Exporting grades to %s", destination)
        with open(destination, "w", newline="") as file:
            writer = csv.DictWriter(file, fieldnames=FIELDS)
            writer.writeheader()
            for assignment in gradebook.assignments:
                if assignments and assignment.name not in assignments:
                    continue
                for student in gradebook.students:
                    if students and student.id not in students:
                        continue
                    row = {"assignment": assignment.name, "duedate": assignment.duedate,
                           "student_id": student.id, "last_name": student.last_name,
                           "first_name": student.first_name, "email": student.email,
                           "max_score": assignment.max_score}
                    try:
                        submission = gradebook.find_submission(assignment.name, student.id)
                    except MissingEntry:
                        row["status"] = "no submission"
                    else:
                        row.update(self._graded(submission, coursedir))
                    writer.writerow({key: "" if value is None else value for key, value in row.items()})

    @staticmethod
    def _graded(submission, coursedir) -> dict:
        reasons = record.placeholder_reasons(submission, coursedir)
        status, score, _, pending = record.submission_status(submission, reasons)
        row = {"timestamp": submission.timestamp}
        if status == record.NOT_GRADABLE:
            row["status"] = "not gradable: " + "; ".join(reasons.values())
            return row
        penalty = submission.late_submission_penalty
        row.update(raw_score=score, late_submission_penalty=penalty, score=max(0.0, score - penalty),
                   status=f"needs manual grading ({pending:g} point{'' if pending == 1 else 's'})" if pending else record.GRADED)
        return row
