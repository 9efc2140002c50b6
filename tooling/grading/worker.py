"""One submission graded without writing the gradebook: the unit of work of ``autograde``.

``python -m tooling.grading autograde`` grades a class in two steps per submission:

1. :func:`execute_submission` (here, in a worker process; several run at once with ``--jobs``):
   reads the submission, decides whether each notebook of the assignment can be graded, and runs
   nbgrader's autograde preprocessors on the gradable ones — sandboxed execution, output limits,
   sanitising — into a *staging* folder. It reads the course folder and the gradebook and writes
   nothing but its staging folder, so any number can run at once, on this machine or elsewhere.
2. :func:`tooling.grading.record.record_submission` (in the grading command's own process, one
   submission at a time): nbgrader's autograde of the staged notebooks with only the preprocessors
   that write the gradebook (scores, late penalties), so gradebook writes are serialised.

A notebook that cannot be graded — missing, not valid JSON, not a notebook — is staged as a
*placeholder*: the release notebook with a banner saying why, every check cell failed with a
``NotGraded`` error, and ``metadata.calcium_grading.not_gradable`` holding the reason. The
formgrader shows it flagged, the feedback says "not graded", and ``nbgrader export`` (with
:class:`tooling.grading.export.CourseExport`) gives no score but the status "not gradable".

:func:`execute_submission` takes and returns plain dicts (JSON-ready), so it can be handed to a
process pool, ``dask.distributed`` or a batch queue unchanged: what it needs is the course folder
(on a shared file system) and the gradebook's ``db_url``.
"""
from __future__ import annotations

import copy
import difflib
import html
import json
import logging
import os
import shutil
import time
import traceback
import warnings

#: nbgrader's autograde preprocessors that write the gradebook: run by the grading command only.
GRADEBOOK_WRITERS = frozenset({"SaveAutoGrades", "AssignLatePenalties"})
#: Notebook metadata of a placeholder for a notebook that could not be graded.
METADATA_KEY = "calcium_grading"

_COURSES: dict = {}  # course root -> (app, config): each worker process loads a course once


def quiet_warnings() -> None:
    """Silence warnings that tell an instructor nothing (submissions without cell ids are given
    ids when staged; nbgrader's SQLAlchemy warnings)."""
    from nbformat.validator import MissingIDFieldWarning

    warnings.filterwarnings("ignore", category=MissingIDFieldWarning)
    warnings.filterwarnings("ignore", module="nbgrader")


def load_course(root: str):
    """nbgrader's application object and configuration of the course at `root` (cached)."""
    root = os.path.abspath(root)
    if root not in _COURSES:
        from nbgrader.apps.nbgraderapp import NbGraderApp

        os.chdir(root)  # nbgrader reads nbgrader_config.py from the working folder
        app = NbGraderApp()
        app.initialize([])
        # nbgrader's log is not the instructor's output (the progress lines are): it is captured
        # per submission and shown when the grader fails
        for handler in list(app.log.handlers):
            app.log.removeHandler(handler)
        app.log.addHandler(logging.NullHandler())
        _COURSES[root] = app
    os.chdir(root)
    return _COURSES[root]


def course_directory(app, **overrides):
    """A ``CourseDirectory`` of the course with some of its folders or ids replaced."""
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(parent=app)
    for name, value in overrides.items():
        setattr(coursedir, name, value)
    return coursedir


def preprocessor_name(preprocessor) -> str:
    name = preprocessor if isinstance(preprocessor, str) else preprocessor.__name__
    return name.rsplit(".", 1)[-1]


def read_notebook(path: str):
    """``(notebook, None)`` or ``(None, why it cannot be graded)``; ids are added where missing."""
    import nbformat

    try:
        with warnings.catch_warnings():
            quiet_warnings()
            notebook = nbformat.read(path, as_version=4)
            nbformat.validate(notebook)
    except nbformat.reader.NotJSONError:
        return None, "it is not a notebook: the file is not valid JSON"
    except Exception as err:  # noqa: BLE001 - any failure to read is a fact about the submission
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return None, f"it is not a readable notebook ({message[:200]})"
    if not isinstance(notebook.get("cells"), list):
        return None, "it is not a readable notebook (it has no cells)"
    return notebook, None


def _cells(notebook) -> dict:
    return {cell.metadata["nbgrader"]["grade_id"]: cell for cell in notebook.cells
            if cell.metadata.get("nbgrader", {}).get("grade_id")}


def _change(before: str, after: str) -> str:
    """The first line an edit removed or added, for the instructor's report."""
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line[:1] in "+-" and line[:3] not in ("+++", "---") and line[1:].strip():
            text = line[1:].strip()
            return f"{'removed' if line[0] == '-' else 'added'} `{text[:60]}{'...' if len(text) > 60 else ''}`"
    return "whitespace only"


def edited_cells(submitted, release, graded_sources: dict, name: str) -> list[str]:
    """What a submission changed in the release's locked cells, for the instructor.

    `graded_sources` are the gradebook's sources (the check cells with their hidden tests): a
    submission whose check cells hold them is a copy of the solution notebook, said once.
    """
    mine, theirs = _cells(submitted), _cells(release)
    if theirs and not set(mine) & set(theirs):
        return [f"{name}.ipynb has none of the assignment's cells: is it the right notebook?"]
    notes, hidden = [], []
    for grade_id, cell in theirs.items():
        if not cell.metadata["nbgrader"].get("locked"):
            continue
        kind = "check cell" if cell.metadata["nbgrader"].get("grade") else "locked cell"
        if grade_id not in mine:
            notes.append(f"{kind} {grade_id} was deleted (put back)")
        elif mine[grade_id].source != cell.source:
            if graded_sources.get(grade_id) not in (None, cell.source) and \
                    mine[grade_id].source.strip() == graded_sources[grade_id].strip():
                hidden.append(grade_id)
            else:
                notes.append(f"{kind} {grade_id} was edited (restored): "
                             f"{_change(cell.source, mine[grade_id].source)}")
    if hidden:
        notes.insert(0, f"{name}.ipynb is the instructor's solution notebook (or a copy of it): its "
                        f"check cells hold the hidden tests ({', '.join(hidden)})")
    return notes


def placeholder(release, reason: str):
    """The release notebook standing for a notebook that could not be graded (see module doc)."""
    import nbformat

    notebook = copy.deepcopy(release)
    shown = html.escape(reason).replace("`", "'").replace("*", "\\*").replace("_", "\\_")
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell(
        f"**This notebook could not be graded:** {shown}. None of its answers were checked and it "
        "has no score. Hand it in again as the `.ipynb` file saved from Jupyter."))
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if meta.get("grade") and not meta.get("solution"):
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename="NotGraded", evalue=f"not graded: {reason}",
                    traceback=[f"NotGraded: not graded: {reason}"])]
    notebook.metadata[METADATA_KEY] = {"not_gradable": reason}
    return notebook


def _copy_submission(source: str, target: str, skip: set) -> None:
    """Copy a submission folder without links, dotfiles and the notebooks named in `skip`."""
    for folder, dirs, files in os.walk(source):
        dirs[:] = [d for d in dirs if not d.startswith(".") and not os.path.islink(os.path.join(folder, d))]
        relative = os.path.relpath(folder, source)
        os.makedirs(os.path.join(target, relative), exist_ok=True)
        for name in files:
            path = os.path.join(folder, name)
            if name.startswith(".") or os.path.islink(path) or (relative == "." and name in skip):
                continue
            shutil.copy2(path, os.path.join(target, relative, name))


def _write_notebook(notebook, path: str) -> None:
    import nbformat

    with warnings.catch_warnings():
        quiet_warnings()
        nbformat.write(notebook, path)


def _execute_only(app, coursedir):
    """nbgrader's autograde converter that stops before the gradebook is written."""
    from nbgrader.converters import Autograde
    from nbgrader.converters.base import BaseConverter
    from nbgrader.utils import find_all_files

    class ExecuteOnly(Autograde):
        """Autograde's copying, sanitising and executing preprocessors; no gradebook writes."""

        def init_assignment(self, assignment_id, student_id):
            BaseConverter.init_assignment(self, assignment_id, student_id)  # the submission's files
            # the assignment's own files replace the student's (as nbgrader's Autograde does)
            dest = self._format_dest(assignment_id, student_id)
            source = self.coursedir.format_path(self.coursedir.source_directory, ".", assignment_id)
            keep = {os.path.join(source, x) for x in self.exclude_overwriting.get(assignment_id, [])}
            for filename in set(find_all_files(source, self.coursedir.ignore + ["*.ipynb"])) - keep:
                target = os.path.join(dest, os.path.relpath(filename, source))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                if os.path.exists(target):
                    os.remove(target)
                shutil.copy(filename, target)

    converter = ExecuteOnly(coursedir=coursedir, parent=app)
    converter.autograde_preprocessors = [p for p in converter.autograde_preprocessors
                                         if preprocessor_name(p) not in GRADEBOOK_WRITERS]
    converter.force = True
    return converter


def execute_submission(task: dict) -> dict:
    """Grade one submission into a staging folder; never write the gradebook (see module doc).

    Parameters
    ----------
    task : dict
        ``root`` (the course folder), ``assignment``, ``student``, ``staging`` (a folder the result
        goes to, as ``staging/out/STUDENT/ASSIGNMENT/``; ``staging/in`` is used on the way).

    Returns
    -------
    dict
        ``student``; ``seconds``; ``notes`` (what the instructor should know: edits, tampering,
        limits); ``not_gradable`` (``{notebook: reason}``); ``error`` (the grader's own failure,
        a traceback, or None) and ``log`` (nbgrader's log when it failed).
    """
    started = time.monotonic()
    result = {"student": task["student"], "notes": [], "not_gradable": {}, "error": None, "log": ""}
    try:
        _execute(task, result)
    except Exception:  # noqa: BLE001 - reported as the grader's failure for this submission only
        result["error"] = traceback.format_exc()
    result["seconds"] = round(time.monotonic() - started, 2)
    return result


def _execute(task: dict, result: dict) -> None:
    from nbgrader.api import Gradebook
    from nbgrader.utils import capture_log

    from tooling.grading import sandbox

    quiet_warnings()
    assignment, student = task["assignment"], task["student"]
    app = load_course(task["root"])
    coursedir = course_directory(app)
    submitted = coursedir.format_path(coursedir.submitted_directory, student, assignment)
    staged_in = os.path.join(task["staging"], "in")
    staged_out = os.path.join(task["staging"], "out")
    with Gradebook(coursedir.db_url, coursedir.course_id) as gradebook:
        notebooks = {nb.name: {cell.name: cell.source for cell in nb.source_cells}
                     for nb in gradebook.find_assignment(assignment).notebooks}
    handed_in = sorted(name for name in os.listdir(submitted) if name.endswith(".ipynb"))
    for name in handed_in:
        if name[:-len(".ipynb")] not in notebooks:
            result["notes"].append(f"{name} is not a notebook of the assignment (ignored)")

    releases, readable = {}, {}
    released = coursedir.format_path(coursedir.release_directory, ".", assignment)
    for name, sources in sorted(notebooks.items()):
        release, _ = read_notebook(os.path.join(released, f"{name}.ipynb"))
        if release is None:
            raise RuntimeError(f"the release notebook {name}.ipynb is missing: run "
                               f"`nbgrader generate_assignment {assignment}`")
        releases[name] = release
        path = os.path.join(submitted, f"{name}.ipynb")
        if not os.path.isfile(path) or os.path.islink(path):
            others = [n for n in handed_in if n != f"{name}.ipynb"]
            result["not_gradable"][name] = f"no {name}.ipynb was handed in" + (
                f" (the submission holds {', '.join(others)})" if others else "")
            continue
        notebook, problem = read_notebook(path)
        if notebook is None:
            result["not_gradable"][name] = f"{name}.ipynb: {problem}"
            continue
        readable[name] = notebook
        result["notes"] += edited_cells(notebook, release, sources, name)

    for folder in (staged_in, staged_out):
        shutil.rmtree(os.path.join(folder, student), ignore_errors=True)
    source = os.path.join(staged_in, student, assignment)
    _copy_submission(submitted, source, skip={f"{name}.ipynb" for name in notebooks})
    for name, notebook in readable.items():
        _write_notebook(notebook, os.path.join(source, f"{name}.ipynb"))
    target = os.path.join(staged_out, student, assignment)
    if readable:
        converter = _execute_only(app, course_directory(
            app, submitted_directory=staged_in, autograded_directory=staged_out,
            assignment_id=assignment, student_id=student))
        outcome = capture_log(converter)
        if not outcome["success"]:
            result["log"] = outcome.get("log", "")
            raise RuntimeError(outcome.get("error") or "nbgrader could not execute the submission")
        for name in readable:
            report = os.path.join(target, name + sandbox.REPORT_SUFFIX)
            if os.path.exists(report):
                with open(report) as file:
                    result["notes"] += json.load(file)["findings"]
    else:  # nothing to execute: the submission's other files, as nbgrader would have copied them
        shutil.copytree(source, target)
    for name, reason in result["not_gradable"].items():
        _write_notebook(placeholder(releases[name], reason), os.path.join(target, f"{name}.ipynb"))
