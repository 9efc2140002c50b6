"""The trusted checker: runs check cells in a process where no student code has run.

One checker runs per graded notebook (``python -m tooling.grading.checker``, in its own sandbox
without the submission), reused across the notebook's check cells so that the caches of
``helpers.data`` and ``helpers.simulate`` make recomputing the lesson's data cheap.

For each check cell the grader sends the cell's source, as restored from the gradebook, and the
file of answers the student's kernel wrote. Per the check protocol the cell's *free names* (used
but not bound in it, :func:`free_names`) are the answers. The checker binds each to its plain-data
value; a function defined in the student's kernel becomes a *proxy*: a real ``def`` with the
student function's signature that sends its (plain) arguments to the student's kernel, through
the grader, and returns the function's plain result or raises its exception again. An answer that
is not plain data fails the cell with a message saying so; the cell is not run.

Outputs come back as notebook outputs: what the cell printed and, when it raised, an error whose
traceback is one line (type, message, and whether the hidden tests raised it). Tracebacks never
quote the cell's source, so hidden tests do not leak through feedback. A check passes or fails
as a whole: no partial credit from a last value (see :func:`run_source`).

Protocol: JSON lines; the grader writes requests to the checker's standard input, the checker
answers on its standard output (which it keeps for itself: the cell's prints are captured).
``{"op": "warm", "sources"}`` -> ``{"op": "warmed"}`` (see :func:`warm_up`);
``{"op": "check", "source", "names", "answers", "reason"}`` -> any number of
``{"op": "call", "name", "arguments", "result"}`` (each answered by the grader with
``{"status": "ok" | "timeout" | "stopped" | "failed", "detail"}``) -> ``{"op": "done", "outputs",
"notes"}``.
"""
from __future__ import annotations

import argparse
import ast
import builtins
import contextlib
import io
import itertools
import json
import os
import queue
import re
import subprocess
import sys
import symtable
import threading
import time
import traceback

from helpers import checks
from tooling.grading import plain, sandbox

#: Names a check cell may use without importing them; never fetched from the student's kernel.
NOT_ANSWERS = frozenset(dir(builtins)) | {"display", "get_ipython", "__name__", "__file__"}
HIDDEN_BEGIN, HIDDEN_END = "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"


def free_names(source: str) -> list[str]:
    """Names a cell reads but never binds (builtins excepted): per the check protocol, its answers.

    Raises
    ------
    SyntaxError
        If `source` is not Python.
    """
    table = symtable.symtable(source, "<check>", "exec")
    bound = {s.get_name() for s in table.get_symbols()
             if s.is_assigned() or s.is_imported() or s.is_namespace()}
    read = set()
    pending = [table]
    while pending:
        scope = pending.pop()
        read |= {s.get_name() for s in scope.get_symbols()
                 if s.is_referenced() and (scope is table or s.is_global())}
        pending += scope.get_children()
    return sorted(read - bound - NOT_ANSWERS)


class StudentKernelStopped(BaseException):
    """The student's kernel stopped during a call (a ``BaseException``: checks must not catch it)."""


def _student_exception(type_name, message) -> Exception:
    """The exception a student's function raised, rebuilt from its type name and message."""
    type_name, message = str(type_name)[:80], str(message)
    kind = getattr(builtins, type_name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        with contextlib.suppress(Exception):
            return kind(message)
    name = re.sub(r"\W", "", type_name) or "Error"
    return type(name, (Exception,), {"__module__": "student"})(message)


def _error(ename: str, evalue: str, where: str = "") -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue,
            "traceback": [f"{ename}: {evalue}" + (f"\n({where})" if where else "")]}


def _where(source: str, err: BaseException) -> str:
    """Where in the check cell `err` was raised, without quoting the cell."""
    line = None
    for frame, lineno in traceback.walk_tb(err.__traceback__):
        if frame.f_code.co_filename == "<check>":
            line = lineno
    if line is None:
        return ""
    lines = source.splitlines()
    begins = [i + 1 for i, text in enumerate(lines) if HIDDEN_BEGIN in text]
    ends = [i + 1 for i, text in enumerate(lines) if HIDDEN_END in text]
    if any(b < line < e for b, e in zip(begins, ends)):
        return "raised by the hidden tests"
    return f"raised on line {line} of the check cell"


def run_source(source: str, namespace: dict) -> list[dict]:
    """Run a check cell's source in `namespace`; return its outputs (streams, then any error).

    A value on the last line is not shown: nbgrader would read a number there as partial credit,
    and a check's last value can be the student's answer (``checks.is_number`` returns it).
    """
    stdout, stderr = io.StringIO(), io.StringIO()
    failure = None
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            exec(compile(source, "<check>", "exec"), namespace)  # noqa: S102 - trusted check source
    except (Exception, StudentKernelStopped, KeyboardInterrupt, SystemExit) as err:
        failure = _error(type(err).__name__, str(err), _where(source, err))
    outputs = [{"output_type": "stream", "name": name, "text": text}
               for name, text in (("stdout", stdout.getvalue()), ("stderr", stderr.getvalue())) if text]
    return outputs + ([failure] if failure else [])


class _Channel:
    """The checker's end of the protocol, and the calls into the student's kernel it makes."""

    def __init__(self, incoming, outgoing, exchange: str, max_bytes: int):
        self.incoming, self.outgoing = incoming, outgoing
        self.exchange, self.max_bytes = exchange, max_bytes
        self.counter = itertools.count()
        self.notes: list[str] = []  # for the instructor's report, collected by check()

    def send(self, message: dict) -> None:
        self.outgoing.write(json.dumps(message).encode() + b"\n")
        self.outgoing.flush()

    def receive(self) -> dict | None:
        line = self.incoming.readline()
        return json.loads(line) if line else None

    def call(self, name: str, args: tuple, kwargs: dict):
        """Call the student's function `name` in the student's kernel on plain arguments."""
        plain.check(list(args), f"an argument passed to {name}")
        plain.check(kwargs, f"a keyword argument passed to {name}")
        number = next(self.counter)
        arguments = os.path.join(self.exchange, "grader", f"arguments-{number}.npz")
        result = os.path.join(self.exchange, "kernel", f"result-{number}.npz")
        # The references the check forbids (checks.own_work): the kernel watches for calls of them.
        plain.dump(arguments, {"args": list(args), "kwargs": kwargs},
                   {"references": checks.forbidden_references()})
        self.send({"op": "call", "name": name, "arguments": arguments, "result": result})
        reply = self.receive() or {"status": "failed", "detail": "the grader stopped"}
        os.unlink(arguments)
        status, detail = reply.get("status"), str(reply.get("detail", ""))
        if status == "stopped":
            raise StudentKernelStopped(f"the notebook's kernel stopped while running {name}: {detail}")
        if status == "timeout":
            raise TimeoutError(f"{name} did not finish within the time limit of the check")
        if status != "ok":
            raise RuntimeError(f"{name} could not be called in the notebook's kernel: {detail}")
        try:
            values, extra = plain.load(result, self.max_bytes)
        except ValueError as err:
            raise TypeError(f"{name} returned something that could not be read: {err}") from None
        if "error" in extra:
            type_name, message = (list(extra["error"]) + ["", ""])[:2]
            raise _student_exception(type_name, message)
        if extra.get("used_reference") in checks.forbidden_references():
            self.notes.append(f"`{name}` used the package's reference `{extra['used_reference']}`")
            raise checks.UsedReference(extra["used_reference"])
        value = values.get("result", plain.NotPlain("nothing"))
        if isinstance(value, (plain.NotPlain, plain.FunctionRef)):
            what = value.what if isinstance(value, plain.NotPlain) else "a function"
            raise TypeError(f"{name} returned {what}, which is not plain data (numbers, strings, "
                            "plain NumPy arrays, or lists, tuples and dicts of them)")
        return value

    def proxy(self, name: str, function: plain.FunctionRef):
        """A real function standing for the student's function `name`."""
        def student_function(*args, **kwargs):
            return self.call(name, args, kwargs)

        student_function.__name__ = student_function.__qualname__ = name
        student_function.__module__ = "student"
        student_function.__signature__ = function.signature()
        return student_function


def warm_up(sources: list[str]) -> None:
    """Run the opening statements of check cells, those before the first that reads an answer.

    They import modules and recompute the lesson's data, which ``helpers`` caches: done while the
    student's kernel runs the notebook, this makes the checks themselves fast. Nothing here sees
    student data; failures are ignored (the check itself will report them).
    """
    for source in sources:
        try:
            answers = set(free_names(source))
            opening = []
            for statement in ast.parse(source).body:
                if answers & {node.id for node in ast.walk(statement) if isinstance(node, ast.Name)}:
                    break
                opening.append(statement)
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                exec(compile(ast.Module(opening, []), "<check>", "exec"), {"__name__": "__main__"})  # noqa: S102
        except Exception:  # noqa: BLE001, S112 - a warm-up only
            continue


def check(request: dict, channel: _Channel) -> tuple[list[dict], list[str]]:
    """Run one check cell with the student's answers bound; return its outputs and notes."""
    names, notes = list(request["names"]), []
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    if request.get("reason"):
        return [_error("AnswersUnavailable", "the answers could not be fetched from the notebook's "
                       f"kernel: {request['reason']}")], notes
    if names:
        try:
            values, extra = plain.load(request["answers"], channel.max_bytes)
        except ValueError as err:
            notes.append(f"answers unreadable: {err}")
            return [_error("AnswersUnavailable", f"the answers could not be read: {err}")], notes
        signs = extra.get("signs")
        notes += [str(sign)[:200] for sign in (signs if isinstance(signs, list) else [])[:20]]
        for name in names:
            if name not in values:
                continue  # never defined: the check raises NameError, as it would in the notebook
            value = values[name]
            if isinstance(value, plain.NotPlain):
                notes.append(f"`{name}` is not plain data ({value.what})")
                return [_error("NotPlainData", f"`{name}` is {value.what}, not plain data. An answer "
                               "must be a number, a string, True/False/None, a plain NumPy array, or a "
                               "list, tuple or dict of those, or a function defined with def.")], notes
            namespace[name] = channel.proxy(name, value) if isinstance(value, plain.FunctionRef) else value
    if request.get("others") is None:
        outputs = run_source(request["source"], namespace)
    else:
        outputs = _check_with_variants(request, namespace, notes)
    notes += channel.notes
    channel.notes.clear()
    return outputs, notes


def _failed(outputs: list[dict]) -> bool:
    return any(output["output_type"] == "error" for output in outputs)


def _check_with_variants(request: dict, namespace: dict, notes: list[str]) -> list[dict]:
    """Run a check on the student's own variant; note a check that used no simulated recording,
    and a failed check of value answers that passes with another student's variant."""
    from helpers import variants as student_side
    from tooling.grading import variants

    variants.clear_lesson_caches()  # so that the recordings a check uses are counted
    consulted = student_side.consulted
    outputs = run_source(request["source"], namespace)
    if student_side.consulted == consulted:
        notes.append(variants.SAME_FOR_EVERYONE)
        return outputs
    answers = {name: value for name, value in namespace.items() if name in request["names"]}
    if not _failed(outputs) or not answers or any(callable(value) for value in answers.values()):
        return outputs  # a function answer is the same code whatever the data: nothing to compare
    base = {"__name__": "__main__", "__builtins__": builtins}
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        match, compared = variants.matching_student(
            lambda bound: not _failed(run_source(request["source"], {**base, **bound})),
            answers, request["others"], float(request.get("compare_seconds", 20)))
    if match is not None:
        notes.append(f"{request.get('check') or 'a check'}: {variants.MATCH} ({match})")
    elif compared < len(request["others"]):
        notes.append(f"{request.get('check') or 'a check'}: failed, compared with {compared} of the "
                     f"{len(request['others'])} other students' variants only (time limit)")
    return outputs


def main(argv=None) -> None:
    """Serve check requests on standard input until it closes."""
    parser = argparse.ArgumentParser(prog="python -m tooling.grading.checker")
    parser.add_argument("--exchange", required=True)
    parser.add_argument("--max-answer-bytes", type=int, required=True)
    parser.add_argument("--memory", default=sandbox.DEFAULT_MEMORY)
    options = parser.parse_args(argv)
    sandbox.limit_resources(sandbox.parse_size(options.memory))
    outgoing = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray writes to file descriptor 1 must not corrupt the protocol
    channel = _Channel(sys.stdin.buffer, outgoing, options.exchange, options.max_answer_bytes)
    import helpers.checks  # noqa: F401 - warm the imports every check cell makes
    while (request := channel.receive()) is not None:
        if request.get("op") == "warm":
            warm_up(request["sources"])
            channel.send({"op": "warmed"})
            continue
        outputs, notes = check(request, channel)
        channel.send({"op": "done", "outputs": outputs, "notes": notes})


class CheckerProcess:
    """The grader's side: a sandboxed checker per notebook, restarted after a failure.

    Parameters
    ----------
    exchange : str
        The grader's exchange folder (see :mod:`tooling.grading.sandbox`).
    memory : str
        Address-space cap of the checker.
    max_answer_bytes : int
        Largest answers file the checker reads.
    private : sequence of str
        Paths the sandbox must not expose (the course folder).
    env : dict, optional
        Values of the variables the sandbox keeps (``sandbox.KEPT_ENVIRONMENT``) for the checker
        in place of the grader's own: the student's variant.
    """

    def __init__(self, exchange: str, memory: str, max_answer_bytes: int, private=(), env=None):
        self.exchange, self.memory, self.max_answer_bytes = exchange, memory, max_answer_bytes
        self.private, self.env = list(private), env
        self.process = None
        self.lines: queue.Queue = queue.Queue()
        self.warming = 0.0  # seconds a warm-up may still take

    def start(self) -> None:
        """Start the checker (it warms up while the student's cells run)."""
        args = sandbox.bwrap_args(readonly=[os.path.join(self.exchange, "kernel")],
                                  writable=[os.path.join(self.exchange, "grader")], private=self.private)
        for name in sandbox.KEPT_ENVIRONMENT if self.env else ():  # (bwrap_args keeps the grader's own)
            if name in self.env:
                args += ["--setenv", name, self.env[name]]
        command = [*args, sandbox.python(), "-m", "tooling.grading.checker", "--exchange", self.exchange,
                   "--max-answer-bytes", str(self.max_answer_bytes), "--memory", self.memory]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, args=(self.process.stdout, self.lines), daemon=True).start()

    @staticmethod
    def _read(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    def warm_up(self, sources: list[str], timeout: float) -> None:
        """Have the checker run the opening statements of these check cells (see :func:`warm_up`)
        while the student's cells run; the first check waits up to `timeout` s for it to end."""
        self._send({"op": "warm", "sources": sources})
        self.warming = timeout

    def _require_working_checker(self) -> None:
        """After a checker died: a new one must run an empty check, or the grader itself is broken.

        Raises
        ------
        RuntimeError
            If it does not (the checker's own errors are on the grader's standard error).
        """
        self.start()
        self._send({"op": "check", "source": "", "names": [], "answers": None, "reason": None})
        try:
            line = self.lines.get(timeout=120)
        except queue.Empty:
            line = None
        if line is None or json.loads(line).get("outputs") != []:
            self.stop()
            raise RuntimeError("the checker cannot run: grading stops for this submission")

    def _send(self, message: dict) -> None:
        """Write to the checker; if it has died, its end of output tells the reader so."""
        try:
            self.process.stdin.write(json.dumps(message).encode() + b"\n")
            self.process.stdin.flush()
        except BrokenPipeError:
            pass

    def stop(self) -> None:
        self.warming = 0.0
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None

    def check(self, request: dict, timeout: float, call_kernel) -> tuple[list[dict], list[str]]:
        """Run one check cell; `call_kernel(message, seconds)` serves its calls of student functions.

        A check that does not finish within `timeout` seconds (its calls included) fails with a
        ``CheckTimeout`` error, and so does one whose checker died; the next check starts a new
        checker.
        """
        if self.warming:  # the warm-up's time does not count against the first check
            with contextlib.suppress(queue.Empty):
                self.lines.get(timeout=self.warming)
            self.warming = 0.0
        if self.process is None or self.process.poll() is not None:
            self.stop()
            self.start()
        deadline = time.monotonic() + timeout
        self._send({"op": "check", **request})
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.stop()
                return [_error("CheckTimeout", f"the check did not finish within {timeout:g} s")], []
            if line is None:
                self.stop()
                self._require_working_checker()
                return [_error("CheckFailed", "the checker stopped while running this check (the "
                               "answers may be too large)")], ["the checker stopped during this check"]
            message = json.loads(line)
            if message.get("op") == "done":
                return message["outputs"], message["notes"]
            status, detail = call_kernel(message, max(0.0, deadline - time.monotonic()))
            self._send({"status": status, "detail": detail})


if __name__ == "__main__":
    main()
