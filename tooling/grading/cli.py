"""``python -m tooling.grading``: install the sandbox kernel, check it, autograde a class, open the
formgrader.

``install-kernel [--memory 4G] [--user | --prefix DIR]``
    Install the ``calcium-sandbox`` kernelspec (into this Python environment by default).
``check``
    Start a sandbox once and say whether grading can run here.
``autograde ASSIGNMENT [--student ID ...] [--jobs N]``
    Grade every submitted student (or the ones named), N submissions at a time (default: one per
    core), each in its own sandboxes; the gradebook is written by this process alone, one
    submission at a time. A progress line per student: score, points still to grade by hand,
    time, and what looked like tampering. Writes ``reports/ASSIGNMENT-autograde.csv`` (rows of
    students graded before are kept). A notebook that is missing or unreadable is *not gradable*:
    no score, flagged in the formgrader, "not gradable" in ``nbgrader export``. Exits with 0 when
    every submission was graded or found not gradable, even hostile or broken ones; 1 when the
    grader itself failed for some student (the others are still graded); 2 when the sandbox is not
    available (nothing is graded).
``lab [--port N] [JUPYTER OPTIONS]``
    JupyterLab on the course folder with nbgrader's formgrader (manual grading), see
    :mod:`tooling.grading.lab`.
``variants tokens STUDENT ... | variants show | variants verify ASSIGNMENT``
    Per-student variants of the simulated data: the students' token files, what is switched on,
    and whether an assignment's solutions hold on other variants; see :mod:`tooling.grading.variants`.

Run it from the course folder (the one with ``nbgrader_config.py``).
"""
from __future__ import annotations

import argparse
import csv
import glob
import os
import shutil
import sys
import tempfile

from tooling.grading import limits, record, sandbox, worker

REPORT_FIELDS = ["student", "status", "score", "max_score", "to_grade_by_hand", "seconds", "notes"]


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


def default_jobs() -> int:
    """One submission at a time per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def results(tasks: list[dict], jobs: int):
    """Execute the tasks (:func:`tooling.grading.worker.execute_submission`), `jobs` at a time in
    worker processes (in this process when 1); yield each result as it is ready."""
    if jobs <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield worker.execute_submission(task)
        return
    import concurrent.futures
    import multiprocessing

    pending, rounds = list(tasks), 0
    while pending:  # a worker process that dies breaks the pool: the others are tried again
        rounds += 1
        broken = []
        context = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(max_workers=min(jobs, len(pending)), mp_context=context,
                                                    initializer=worker.quiet_warnings) as pool:
            futures = {pool.submit(worker.execute_submission, task): task for task in pending}
            for future in concurrent.futures.as_completed(futures):
                try:
                    yield future.result()
                except concurrent.futures.process.BrokenProcessPool as err:
                    if rounds < 3:
                        broken.append(futures[future])
                        continue
                    yield {"student": futures[future]["student"], "notes": [], "not_gradable": {},
                           "error": f"the worker process grading it died ({err})", "log": "", "seconds": 0.0}
        pending = broken


def progress_line(number: int, total: int, row: dict) -> str:
    if row["status"] == record.GRADED:
        status = f"{row['score']:g}/{row['max_score']:g} points"
        if row["to_grade_by_hand"]:
            status += f" + {row['to_grade_by_hand']:g} to grade by hand"
    else:
        status = row["status"].upper()
    notes = [note for note in row["notes"].split(" | ") if note]
    return (f"[{number}/{total}] {row['student']}: {status} in {row['seconds']:.1f} s"
            + "".join(f"\n      - {note}" for note in notes))


def write_report(path: str, rows: list[dict]) -> None:
    """Write the class report, keeping the rows of students not graded this time."""
    merged = {}
    if os.path.exists(path):
        with open(path, newline="") as file:
            for row in csv.DictReader(file):
                if "status" not in row:  # a report of an earlier version of this command
                    row["status"] = record.GRADED if row.get("graded") == "True" else record.FAILED
                merged[row["student"]] = row
    merged.update({row["student"]: row for row in rows})
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=REPORT_FIELDS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(merged[student] for student in sorted(merged))


def autograde(assignment: str, students: list[str] | None = None, jobs: int | None = None,
              out=sys.stdout) -> int:
    """Autograde `assignment` for each submitted student; return the exit status (see module doc)."""
    problem = sandbox_problem()
    if problem:
        print(f"Grading refused: {problem}", file=out)
        return 2
    worker.quiet_warnings()
    root = os.getcwd()
    app = worker.load_course(root)
    coursedir = worker.course_directory(app)
    submitted = coursedir.format_path(coursedir.submitted_directory, "*", assignment)
    found = sorted(os.path.basename(os.path.dirname(path)) for path in glob.glob(submitted))
    unknown = sorted(set(students or ()) - set(found))
    for student in unknown:
        where = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        print(f"No submission of {assignment} from {student}: {os.path.relpath(where, root)}/ "
              "does not exist.", file=out)
    students = [s for s in found if students is None or s in students]
    if not students:
        if not unknown:
            print(f"No submissions of {assignment} in {coursedir.submitted_directory}/.", file=out)
        return 1
    jobs = max(1, min(jobs or default_jobs(), len(students)))
    links = {}
    for student in students:
        folder = coursedir.format_path(coursedir.submitted_directory, student, assignment)
        links[student] = [f"link removed from the submission: {link}" for link in remove_links(folder)]
    staging = tempfile.mkdtemp(prefix=".autograde-", dir=root)
    tasks = [{"root": root, "assignment": assignment, "student": student, "staging": staging}
             for student in students]
    reports = os.path.join(root, "reports")
    rows = []
    if jobs > 1:
        print(f"Grading {len(students)} submissions of {assignment}, {jobs} at a time.", file=out, flush=True)
    try:
        for number, result in enumerate(results(tasks, jobs), 1):
            result["notes"] = links[result["student"]] + result["notes"]
            row = record.record_submission(app, assignment, result, staging)
            if row["status"] == record.FAILED:
                log = os.path.join(reports, f"{assignment}-{result['student']}-grader.log")
                os.makedirs(reports, exist_ok=True)
                with open(log, "w") as file:
                    file.write(result.get("log", "") + "\n" + (result["error"] or ""))
                row["notes"] += f" | the grader's log: {os.path.relpath(log, root)}"
            rows.append(row)
            print(progress_line(number, len(students), row), file=out, flush=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report = os.path.join(reports, f"{assignment}-autograde.csv")
    write_report(report, rows)
    summary(assignment, rows, os.path.relpath(report, root), out)
    return 1 if unknown or any(row["status"] == record.FAILED for row in rows) else 0


def summary(assignment: str, rows: list[dict], report: str, out) -> None:
    by_status = {status: [row["student"] for row in rows if row["status"] == status]
                 for status in (record.GRADED, record.NOT_GRADABLE, record.FAILED)}
    print(f"Graded {len(by_status[record.GRADED])} of {len(rows)} submissions; report: {report}", file=out)
    if by_status[record.NOT_GRADABLE]:
        names = " ".join(f"--student {s}" for s in by_status[record.NOT_GRADABLE])
        print(f"NOT GRADABLE (no score: flagged in the formgrader, \"not gradable\" in `nbgrader export`): "
              f"{', '.join(by_status[record.NOT_GRADABLE])}.\n"
              f"  Ask for the notebook again, put it in submitted/STUDENT/{assignment}/ (or add it to "
              f"downloaded/{assignment}/archive/ and run `nbgrader zip_collect --force {assignment}`), "
              f"then grade it:\n  python -m tooling.grading autograde {assignment} {names}", file=out)
    if by_status[record.FAILED]:
        print(f"The grader failed for: {', '.join(by_status[record.FAILED])} (each one's log is in "
              "reports/; the other submissions were graded).", file=out)
    pending = [row for row in rows if row["status"] == record.GRADED and row["to_grade_by_hand"]]
    if pending:
        print(f"{len(pending)} of the submissions {'has' if len(pending) == 1 else 'have'} points to grade by "
              "hand: open the formgrader with `python -m tooling.grading lab`.", file=out)


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
    grade.add_argument("--jobs", "-j", type=int, default=None,
                       help=f"submissions graded at once (default: one per core, here {default_jobs()})")
    lab = commands.add_parser("lab", help="JupyterLab with the formgrader, for manual grading")
    lab.add_argument("--port", type=int, default=8888, help="first port to try (default 8888)")
    lab.add_argument("--ip", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    lab.epilog = "Other options are passed on to `jupyter lab` (e.g. --no-browser)."
    commands.add_parser("variants", add_help=False, help="per-student variants: tokens, status, verify")
    options, extra = parser.parse_known_args(argv)
    if options.command == "variants":
        from tooling.grading import variants

        return variants.main(extra)
    if extra and options.command != "lab":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
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
        user = limits.sandbox_user(limits.DEFAULTS["user"])
        print("Each submission's processes and threads are capped by the kernel (RLIMIT_NPROC), its "
              "memory, CPU time and files by its supervisor; sandboxes run as "
              + (f"`{limits.DEFAULTS['user']}` (uid {user[0]}), since you grade as root." if user else "you."))
        return 0
    if options.command == "lab":
        from tooling.grading import lab as instructor_lab

        return instructor_lab.start(options.port, options.ip, extra)
    if options.jobs is not None and options.jobs < 1:
        parser.error("--jobs must be at least 1")
    return autograde(options.assignment, options.student, options.jobs)
