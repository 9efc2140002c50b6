"""Per-student variants, the instructor's side: the course secret, students' tokens, grading.

With variants on, every simulated recording of a student's notebook comes from the student's own
*variant* (see :mod:`helpers.variants`, the student's side), so students cannot share numbers.
A variant is ``HMAC-SHA256(secret, "calcium-variant/1", scope, student id)`` cut to 128 bits, where
the scope is ``*`` (one variant per student for the whole course) or the assignment id (a variant
per student and assignment). The secret stays with the instructor, outside the course folder; a
student receives only their own variants, in a token file.

Switch (``nbgrader_config.py``; off by default)::

    c.Variants.assignments = ["*"]                  # every assignment, one variant per student
    c.Variants.assignments = ["03-neuropil"]        # or these assignments, each its own variant
    c.Variants.folder = "~/.calcium-variants"       # the secret and the list of students (default)
    c.Variants.compare_seconds = 20                 # per failed check, comparing with other students

Commands (``python -m tooling.grading variants ...``)::

    tokens ALICE BOB ... | --students FILE  [--assignment ID] [--out DIR]
        make the secret if there is none, and a token file per student (DIR/STUDENT/calcium-variant.json)
    show
        what is switched on, where the secret is, how many students have tokens
    verify ASSIGNMENT [--samples N | --class]
        run the assignment's solution notebook on other variants and list the checks it fails:
        switch variants on only where there are none (a lesson's open exercises and reference
        answers may be tuned to its common data)

Grading (:class:`tooling.grading.execute.SandboxedExecute`) derives the variant from the student id
nbgrader gives the submission and the secret, never from the notebook, and sets it for the
student's kernel and the checker (``$CALCIUM_VARIANT``). When a check of value answers fails, the
checker runs it again with the other students' variants (:func:`matching_student`); if it passes
with one, the report says "matches another student's variant (ID)" (the check stays at 0). A check
that used no simulated recording (real recordings, fixed inputs) is reported as the same for every
student.
"""
from __future__ import annotations

import argparse
import contextlib
import copy
import hashlib
import hmac
import json
import os
import secrets
import sys
import time

from traitlets import Float, List, Unicode
from traitlets.config import LoggingConfigurable

from helpers import variants as student_side

SECRET_NAME, STUDENTS_NAME = "secret", "students.txt"
#: In the report, after a check's id: its failed answers pass with another student's variant.
MATCH = "the answers match another student's variant"
#: The note a check that used no simulated recording leaves for :class:`~tooling.grading.execute.SandboxedExecute`.
SAME_FOR_EVERYONE = "calcium-variants: same data for every student"


class Variants(LoggingConfigurable):
    """The instructor's switch and secret (see the module doc)."""

    assignments = List(Unicode(), default_value=[], help=(
        "Assignments whose simulated data are each student's own: ['*'] for every assignment "
        "(one variant per student), or assignment ids (a variant per student and assignment). "
        "Empty (the default): off.")).tag(config=True)
    compare_seconds = Float(20.0, help=(
        "Seconds a failed check of value answers may spend trying other students' variants (each "
        "recomputes that student's recordings); the check's own time limit is extended by as much.")
    ).tag(config=True)
    folder = Unicode("~/.calcium-variants", help=(
        "Folder of the course secret and the list of students given tokens; keep it outside the "
        "course folder and out of version control.")).tag(config=True)

    @property
    def path(self) -> str:
        return os.path.abspath(os.path.expanduser(self.folder))

    def scope(self, assignment: str) -> str | None:
        """The scope of `assignment`'s variants (``*`` or its id), or None when they are off."""
        if student_side.ALL in self.assignments:
            return student_side.ALL
        return assignment if assignment in self.assignments else None

    def secret(self, create: bool = False) -> bytes:
        """The course secret (made, readable by you only, when `create` and there is none).

        Raises
        ------
        RuntimeError
            If there is no secret and `create` is false.
        """
        path = os.path.join(self.path, SECRET_NAME)
        if not os.path.exists(path):
            if not create:
                raise RuntimeError(f"variants are on, but there is no course secret at {path}: make it and "
                                   "the students' tokens with `python -m tooling.grading variants tokens`")
            os.makedirs(self.path, mode=0o700, exist_ok=True)
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as file:
                file.write(secrets.token_hex(32) + "\n")
        with open(path) as file:
            text = file.read().strip()
        if len(text) < 32:
            raise RuntimeError(f"the course secret {path} is too short (damaged?)")
        return text.encode()

    def students(self) -> list[str]:
        """Students given tokens so far."""
        path = os.path.join(self.path, STUDENTS_NAME)
        if not os.path.exists(path):
            return []
        with open(path) as file:
            return sorted({line.strip() for line in file if line.strip()})

    def add_students(self, students) -> None:
        merged = sorted(set(self.students()) | set(students))
        os.makedirs(self.path, mode=0o700, exist_ok=True)
        with open(os.path.join(self.path, STUDENTS_NAME), "w") as file:
            file.write("".join(f"{student}\n" for student in merged))

    def variant(self, assignment: str, student: str) -> str | None:
        """The variant (32 hex digits) of `student` for `assignment`, or None when variants are off."""
        scope = self.scope(assignment)
        return None if scope is None else derive(self.secret(), scope, student)

    def others(self, assignment: str, student: str, known=()) -> dict:
        """``{id: variant}`` of every other student (given a token, or in `known`)."""
        scope = self.scope(assignment)
        if scope is None:
            return {}
        secret = self.secret()
        return {other: derive(secret, scope, other)
                for other in sorted(set(self.students()) | set(known)) if other != student}

    def token(self, student: str, assignment: str | None = None, all_assignments=()) -> dict:
        """The token of `student`: for one assignment, or for the course (every assignment of
        `all_assignments`, with ``None`` where variants are off, so none is ever guessed)."""
        check_student_id(student)
        secret = self.secret(create=True)
        if assignment is not None:
            scope = self.scope(assignment)
            if scope is None:
                raise ValueError(f"variants are not on for {assignment}: add it to c.Variants.assignments")
            variants = {assignment: derive(secret, scope, student)}
        elif student_side.ALL in self.assignments:
            variants = {student_side.ALL: derive(secret, student_side.ALL, student)}
        else:
            variants = {name: (derive(secret, name, student) if name in self.assignments else None)
                        for name in sorted(set(all_assignments) | set(self.assignments))}
        if not any(variants.values()):
            raise ValueError("variants are off: set c.Variants.assignments in nbgrader_config.py")
        return {"format": student_side.FORMAT, "student": student, "variants": variants,
                "check": student_side.token_digest(student, variants)}


def derive(secret: bytes, scope: str, student: str) -> str:
    """``HMAC-SHA256(secret, format, scope, student)``, 128 bits as 32 hex digits."""
    message = "\0".join([student_side.FORMAT, scope, student]).encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def check_student_id(student: str) -> None:
    if not isinstance(student, str) or not student.strip() or student != student.strip() \
            or any(ch in student for ch in "/\\\0\n"):
        raise ValueError(f"not a usable student id: {student!r}")


def for_grading(config, ids: dict) -> tuple[str | None, dict | None, float]:
    """``(variant, others, compare_seconds)`` of the submission nbgrader is grading (`ids`: its
    ``resources["nbgrader"]``): ``(None, None, 0)`` when variants are off for the assignment."""
    settings = Variants(config=config)
    if settings.scope(ids["assignment"]) is None:
        return None, None, 0.0
    known = ()
    with contextlib.suppress(Exception):  # the gradebook's students, if it can be read
        from nbgrader.api import Gradebook

        with Gradebook(ids["db_url"]) as gradebook:
            known = [student.id for student in gradebook.students]
    return (settings.variant(ids["assignment"], ids["student"]),
            settings.others(ids["assignment"], ids["student"], known), settings.compare_seconds)


# --------------------------------------------------------------------------- in the checker

def clear_lesson_caches() -> None:
    """Forget what lesson modules cached (computed from one variant's recordings).

    :mod:`helpers.simulate` keys its own cache by variant; a lesson module's ``lru_cache`` does not.
    """
    for name, module in list(sys.modules.items()):
        if name.startswith("helpers.lessons.") and module is not None:
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()


@contextlib.contextmanager
def use(variant: str):
    """Work on `variant`'s recordings for a while (the checker only)."""
    before = student_side._override
    student_side._override = student_side.words(variant)
    clear_lesson_caches()
    try:
        yield
    finally:
        student_side._override = before
        clear_lesson_caches()


def matching_student(run, answers: dict, others: dict, seconds: float) -> tuple[str | None, int]:
    """The first other student whose variant makes the failed check pass: ``(id or None, compared)``.

    `run(namespace)` runs the check on a namespace with the answers bound and says whether it
    passed; each run gets its own copy of the answers.
    """
    deadline, compared, longest = time.monotonic() + seconds, 0, 0.0
    for student, variant in others.items():
        if time.monotonic() + longest > deadline:  # the next one would not end in time
            break
        started = time.monotonic()
        compared += 1
        with use(variant):
            if run(copy.deepcopy(answers)):
                return student, compared
        longest = max(longest, time.monotonic() - started)
    return None, compared


# --------------------------------------------------------------------------- command line

def _source_assignments(config) -> list[str]:
    from nbgrader.coursedir import CourseDirectory

    folder = CourseDirectory(config=config).source_directory
    return sorted(name for name in os.listdir(folder) if os.path.isdir(os.path.join(folder, name))
                  and not name.startswith(".")) if os.path.isdir(folder) else []


def verify(notebook_path: str, variant_list, timeout: int = 300, out=sys.stdout) -> dict:
    """Run a solution notebook once per variant (a plain kernel, as the instructor's own code);
    return ``{variant: [(cell, error), ...]}`` of the cells that raised."""
    import nbformat
    from nbclient import NotebookClient

    failures = {}
    folder = os.path.dirname(os.path.abspath(notebook_path))
    for variant in variant_list:
        notebook = nbformat.read(notebook_path, as_version=4)
        saved = os.environ.get(student_side.ENV)
        os.environ[student_side.ENV] = variant  # the kernel inherits it
        try:
            NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": folder}}).execute()
        finally:
            if saved is None:
                os.environ.pop(student_side.ENV, None)
            else:
                os.environ[student_side.ENV] = saved
        failures[variant] = [
            (cell.metadata.get("nbgrader", {}).get("grade_id") or f"cell {index}",
             f"{output.ename}: {output.evalue}".strip().splitlines()[0][:200])
            for index, cell in enumerate(notebook.cells) if cell.cell_type == "code"
            for output in cell.get("outputs", []) if output.output_type == "error"]
        # The whole variant, so that a failure can be rerun (CALCIUM_VARIANT=<it> in the lesson).
        print(f"variant {variant}: " + ("every cell ran" if not failures[variant] else
              "; ".join(f"{cell} failed ({error})" for cell, error in failures[variant])), file=out, flush=True)
    return failures


def _config():
    from tooling.grading import worker

    return worker.load_course(os.getcwd()).config


def main(argv=None, out=sys.stdout) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.grading variants",
                                     description="Per-student variants: tokens and status.")
    commands = parser.add_subparsers(dest="command", required=True)
    tokens = commands.add_parser("tokens", help="a token file per student (makes the secret if needed)")
    tokens.add_argument("student", nargs="*", help="student ids (as nbgrader knows them)")
    tokens.add_argument("--students", help="a file of student ids, one a line")
    tokens.add_argument("--assignment", help="a token for this assignment only (to hand out with its notebook)")
    tokens.add_argument("--out", default=None, help="folder for the tokens (default: FOLDER/tokens)")
    commands.add_parser("show", help="what is switched on")
    check = commands.add_parser("verify", help="run an assignment's solutions on other variants")
    check.add_argument("assignment")
    which = check.add_mutually_exclusive_group()
    which.add_argument("--samples", type=int, default=3, help="random variants to try (default 3)")
    which.add_argument("--class", dest="whole_class", action="store_true",
                       help="the variants of every student given a token (exact, slower)")
    options = parser.parse_args(argv)
    config = _config()
    settings = Variants(config=config)
    if options.command == "verify":
        from nbgrader.coursedir import CourseDirectory

        source = CourseDirectory(config=config).source_directory
        path = os.path.join(source, options.assignment, f"{options.assignment}.ipynb")
        if not os.path.exists(path):
            print(f"No solution notebook {path}.", file=out)
            return 1
        if options.whole_class:
            if settings.scope(options.assignment) is None:
                print(f"Variants are not on for {options.assignment}: nothing to verify with --class.", file=out)
                return 1
            chosen = list(settings.others(options.assignment, None).values())
        else:
            chosen = [secrets.token_hex(16) for _ in range(max(1, options.samples))]
        failing = {v: f for v, f in verify(path, chosen, out=out).items() if f}
        print(f"{options.assignment}: the solutions " + (
            f"fail on {len(failing)} of {len(chosen)} variants: keep variants off for it, or make its "
            "reference answers and bounds hold on any recording." if failing
            else f"pass on all {len(chosen)} variants."), file=out)
        return 1 if failing else 0
    if options.command == "show":
        if not settings.assignments:
            print("Variants are off (c.Variants.assignments is empty).", file=out)
            return 0
        which = ("every assignment (one variant per student)" if student_side.ALL in settings.assignments
                 else ", ".join(settings.assignments))
        secret = os.path.join(settings.path, SECRET_NAME)
        print(f"Variants are on for {which}.\nSecret: {secret} ({'present' if os.path.exists(secret) else 'MISSING'}); "
              f"{len(settings.students())} students have tokens.", file=out)
        return 0
    students = list(options.student)
    if options.students:
        with open(options.students) as file:
            students += [line.strip() for line in file if line.strip()]
    if not students:
        parser.error("name the students, or give --students FILE")
    folder = os.path.abspath(options.out or os.path.join(settings.path, "tokens"))
    try:
        made = {student: settings.token(student, options.assignment, _source_assignments(config))
                for student in students}
    except (ValueError, RuntimeError) as err:
        print(f"No tokens made: {err}", file=out)
        return 1
    for student, token in made.items():
        os.makedirs(os.path.join(folder, student), exist_ok=True)
        with open(os.path.join(folder, student, student_side.TOKEN_NAME), "w") as file:
            json.dump(token, file, indent=1)
    settings.add_students(made)
    if os.path.commonpath([settings.path, os.getcwd()]) == os.getcwd():
        print(f"Warning: the secret is inside the course folder ({settings.path}): keep it out of version "
              "control and of anything you publish, or set c.Variants.folder elsewhere.", file=out)
    print(f"Wrote {len(made)} tokens to {folder}/STUDENT/{student_side.TOKEN_NAME} (secret: "
          f"{os.path.join(settings.path, SECRET_NAME)}).", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
