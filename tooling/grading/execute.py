"""nbgrader preprocessors of the course's autograder: split execution and output limits.

:class:`SandboxedExecute` replaces nbgrader's ``Execute`` in ``Autograde.autograde_preprocessors``
(see ``nbgrader_config.py``). It runs a notebook's cells in order, but in two places:

* every cell except the check cells runs in the student's kernel, the ``calcium-sandbox`` kernel
  (:mod:`tooling.grading.sandbox`), started in a private exchange folder over Unix sockets, with
  per-cell timeouts that interrupt it and kill it when interrupting does not work;
* a *check cell* (an nbgrader grade cell that is code and not a solution, whose source is the one
  in the gradebook: nbgrader's ``OverwriteCells`` has restored edited or deleted ones before) never
  runs there. Its free names are fetched from the student's kernel as plain data and the cell runs
  in the trusted checker (:mod:`tooling.grading.checker`); its outputs are written into the cell,
  so nbgrader scores it as usual (an error is zero points).

When the kernel stops (``os._exit``, a crash, killed after a timeout or after the notebook's time
limit), the cells already graded keep their outputs, every later check cell gets a ``NotGraded``
error (zero points) and grading goes on with the next notebook. What looked like tampering is
logged and written to ``<notebook>.grading-report.json`` beside the autograded notebook.

:class:`LimitOutputBytes` caps the bytes of output a cell keeps (nbgrader's ``LimitOutput`` counts
lines only, so one long line went through). :class:`FeedbackClearHiddenTests` and
:class:`FeedbackClearMarkScheme` keep hidden tests and mark schemes out of feedback.
"""
from __future__ import annotations

import json
import os
import tempfile
import time
from queue import Empty

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async
from nbgrader.api import Gradebook
from nbgrader.preprocessors import ClearHiddenTests, ClearMarkScheme, Execute, NbGraderPreprocessor
from traitlets import Bool, Integer, List, Unicode

from tooling.grading import limits, sandbox, variants
from tooling.grading.checker import CheckerProcess, free_names

_KERNEL_SIDE = "__import__('tooling.grading.kernel_side', fromlist=['_'])"


def _error(ename: str, evalue: str) -> nbformat.NotebookNode:
    return nbformat.from_dict({"output_type": "error", "ename": ename, "evalue": evalue,
                               "traceback": [f"{ename}: {evalue}"]})


class SandboxedExecute(Execute):
    """Run student cells in the sandboxed kernel and check cells in the trusted checker."""

    timeout = Integer(60, help="Seconds a cell (or a check, its calls included) may run.").tag(config=True)
    notebook_timeout = Integer(1800, help="Seconds a whole notebook may run; the rest is not graded.").tag(config=True)
    interrupt_grace = Integer(5, help="Seconds an interrupted kernel has to respond before it is killed.").tag(config=True)
    checker_memory = Unicode(sandbox.DEFAULT_MEMORY, help="Address-space cap of the checker.").tag(config=True)
    max_answer_bytes = Integer(2**30, help="Largest answers file read from the student's kernel.").tag(config=True)
    max_output_bytes = Integer(
        20 * 2**20, help="Bytes of output kept from one cell while it runs (a memory safeguard; "
                         "LimitOutputBytes sets what the notebook keeps).").tag(config=True)
    # Limits per submission (all of its processes together), see tooling.grading.limits
    max_processes = Integer(256, help="Processes and threads the notebook's sandbox may have at once "
                                      "(more fail to start).").tag(config=True)
    max_memory = Unicode("4G", help="Memory of all the sandbox's processes together; above it the "
                                    "sandbox is stopped.").tag(config=True)
    max_cpu_seconds = Integer(1800, help="CPU time of all the sandbox's processes together; above it "
                                         "the sandbox is stopped.").tag(config=True)
    max_written_bytes = Unicode("2G", help="Bytes of files the sandbox may write in the folder it shares "
                                           "with the grader; above it the sandbox is stopped.").tag(config=True)
    sandbox_user = Unicode("nobody", help="The unprivileged user the sandbox runs as when grading as "
                                          "root (the kernel caps processes per user, except root's).").tag(config=True)

    def preprocess(self, nb, resources, km=None):
        sandbox.probe()
        require_kernelspec()
        NotebookClient.__init__(self, nb, km)  # resets the client's state, as nbconvert does
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.kernel_name = sandbox.KERNEL_NAME
        self.findings, self.stopped = [], None
        trusted = self._check_cell_sources(resources["nbgrader"])
        # Per-student variants: derived from the id nbgrader gives the submission, never the notebook
        variant, self.other_variants, self.compare_seconds = variants.for_grading(self.config, resources["nbgrader"])
        self.same_for_everyone = []
        submission = os.path.abspath(resources.get("metadata", {}).get("path") or ".")
        db_url = resources["nbgrader"]["db_url"]  # the gradebook sits in the course folder
        course = os.path.dirname(db_url.removeprefix("sqlite:///")) if db_url.startswith("sqlite:///") else os.getcwd()
        with tempfile.TemporaryDirectory(prefix="calcium-grade-") as exchange:
            for part in ("kernel", "grader"):
                os.mkdir(os.path.join(exchange, part))
            self.exchange = exchange
            chosen = {variants.student_side.ENV: variant or "off"}  # a token in the submission is ignored
            checker = CheckerProcess(exchange, self.checker_memory, self.max_answer_bytes, private=[course],
                                     env=chosen)
            checker.start()
            checker.warm_up(list(trusted.values()), self.timeout * max(1, len(trusted)))
            env = {**os.environ, "CALCIUM_SANDBOX_SUBMISSION": submission,
                   "CALCIUM_SANDBOX_EXCHANGE": exchange, "CALCIUM_SANDBOX_PRIVATE": course,
                   limits.LIMITS_ENV: json.dumps(self.limits()), **chosen,
                   sandbox.BINDS_ENV: json.dumps(sandbox.system_binds())}
            try:
                with self.setup_kernel(cwd=submission, env=env):
                    info = self.wait_for_reply(self.kc.kernel_info())
                    self.nb.metadata["language_info"] = info["content"]["language_info"]
                    self._run_cells(trusted, checker)
            finally:
                checker.stop()
                for note in limits.read_notes(exchange):  # what the sandbox's supervisor saw
                    self._note(note)
        if self.same_for_everyone:
            self._note("same data for every student (real recordings or fixed inputs), so variants do not "
                       f"apply: {', '.join(self.same_for_everyone)}")
        self._report(resources, submission)
        return self.nb, self.resources

    def limits(self) -> dict:
        """The limits of the notebook's sandbox (see :mod:`tooling.grading.limits`)."""
        return {"processes": self.max_processes, "memory": self.max_memory, "cpu_seconds": self.max_cpu_seconds,
                "written": self.max_written_bytes, "user": self.sandbox_user}

    def create_kernel_manager(self):
        """A kernel manager that talks to the kernel over Unix sockets in the exchange folder."""
        km = super().create_kernel_manager()
        km.transport = "ipc"
        km.ip = os.path.join(self.exchange, "kernel", "ipc")
        km.connection_file = os.path.join(self.exchange, "connection.json")
        return km

    @staticmethod
    def _check_cell_sources(ids: dict) -> dict:
        """``{grade_id: source}`` of the notebook's check cells, from the gradebook."""
        with Gradebook(ids["db_url"]) as gradebook:
            notebook = gradebook.find_notebook(ids["notebook"], ids["assignment"])
            solutions = {cell.name for cell in notebook.solution_cells}
            sources = {cell.name: cell.source for cell in notebook.source_cells}
            return {cell.name: sources[cell.name] for cell in notebook.grade_cells
                    if cell.cell_type == "code" and cell.name not in solutions and cell.name in sources}

    def _trusted_source(self, cell, trusted: dict) -> str | None:
        """The gradebook's source if `cell` is a check cell, else None (the cell is student code).

        A check cell nbgrader added back after a student deleted it starts with a comment saying
        so; anything else that differs from the gradebook (an unlocked check cell) is student code.
        """
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        source = trusted.get(grade_id)
        if source is None:
            return None
        if cell.source.endswith(source):
            prefix = cell.source[:len(cell.source) - len(source)]
            if all(not line.strip() or line.lstrip().startswith("#") for line in prefix.splitlines()):
                return source
        self._note(f"check cell {grade_id} differs from the gradebook (is it unlocked?): "
                   "it ran as student code")
        return None

    def _note(self, finding: str) -> None:
        self.findings.append(finding)
        self.log.warning("Grading note: %s", finding)

    def _run_cells(self, trusted: dict, checker: CheckerProcess) -> None:
        deadline = time.monotonic() + self.notebook_timeout
        status, detail = self._kernel_request(f"{_KERNEL_SIDE}.snapshot()", self.timeout)
        if status != "ok":  # before any student code: the grader is broken, not the submission
            raise RuntimeError(f"the sandboxed kernel cannot run the grader's code ({status}: {detail})")
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            source = self._trusted_source(cell, trusted)
            if self.stopped is None and time.monotonic() > deadline:
                self._stop_kernel(f"the notebook ran longer than its limit of {self.notebook_timeout} s")
            if self.stopped is not None:
                cell.outputs = [_error("NotGraded", f"not run: {self.stopped}")] if source is not None else []
            elif source is not None:
                cell.outputs = self._check(source, index, checker)
                cell.execution_count = None
            else:
                self._run_student_cell(cell, index)

    def _run_student_cell(self, cell, index: int) -> None:
        self._output_bytes = 0
        try:
            self.execute_cell(cell, index, store_history=True)
        except DeadKernelError:
            cell.outputs.append(_error("KernelStopped", "the kernel stopped while running this cell "
                                       "(os._exit, a crash or memory exhaustion); later cells were not run"))
            self._stop_kernel(f"the kernel stopped in cell {index}")
            return
        except CellTimeoutError:
            cell.outputs.append(_error("CellTimeoutError", "the cell's output did not arrive in time"))
        if any(out.output_type == "error" and out.get("ename") == "CellTimeoutError" for out in cell.outputs):
            self._note(f"cell {index} timed out after {self.timeout} s")
            status, _ = self._kernel_request("", self.interrupt_grace)
            if status != "ok" and self.stopped is None:
                self._stop_kernel(f"the kernel did not respond after cell {index} timed out")

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most `max_output_bytes` of a cell's output while it runs (guards the grader's memory)."""
        content = msg["content"]
        remaining = self.max_output_bytes - self._output_bytes
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        if msg["msg_type"] == "stream" and size > remaining > 0:
            content["text"] = content["text"][:remaining] + "\n... output truncated while the cell ran ...\n"
            size = remaining
        if size > remaining:
            return None
        self._output_bytes += size
        return super().output(outs, msg, display_id, cell_index)

    def _check(self, source: str, index: int, checker: CheckerProcess) -> list:
        try:
            names = free_names(source)
        except SyntaxError as err:
            return [_error("SyntaxError", f"the check cell is not valid Python: {err}")]
        request = {"source": source, "names": names, "answers": None, "reason": None}
        if self.other_variants is not None:  # variants on: compare a failed check with the others'
            request.update(others=self.other_variants, compare_seconds=self.compare_seconds,
                           check=self.nb.cells[index].metadata.get("nbgrader", {}).get("grade_id"))
        if names:
            request["answers"] = os.path.join(self.exchange, "kernel", f"answers-{index}.npz")
            status, detail = self._kernel_request(
                f"{_KERNEL_SIDE}.dump_answers({names!r}, {request['answers']!r})", self.timeout)
            if status == "stopped":
                return [_error("NotGraded", f"not run: {self.stopped}")]
            if status != "ok":
                request["reason"] = f"{status}: {detail}"
                self._note(f"answers for check cell {index} could not be fetched ({status}: {detail})")
        outputs, notes = checker.check(request, self.timeout + self.compare_seconds, self._call_kernel)
        for entry in os.scandir(os.path.join(self.exchange, "kernel")):
            if entry.name.endswith(".npz"):  # answers and results: read, and maybe large
                os.unlink(entry.path)
        if variants.SAME_FOR_EVERYONE in notes:
            self.same_for_everyone.append(request["check"])
        for note in dict.fromkeys(n for n in notes if n != variants.SAME_FOR_EVERYONE):
            if note not in self.findings:
                self._note(note)
        return [nbformat.from_dict(output) for output in outputs]

    def _call_kernel(self, message: dict, seconds: float) -> tuple[str, str]:
        """Serve a checker's call of a student function: run it in the student's kernel."""
        name, arguments, result = message.get("name"), message.get("arguments"), message.get("result")
        inside = (os.path.dirname(str(arguments)) == os.path.join(self.exchange, "grader")
                  and os.path.dirname(str(result)) == os.path.join(self.exchange, "kernel"))
        if message.get("op") != "call" or not str(name).isidentifier() or not inside:
            return "failed", "malformed call request"
        status, detail = self._kernel_request(
            f"{_KERNEL_SIDE}.call_answer({name!r}, {arguments!r}, {result!r}, {self.max_answer_bytes!r})",
            seconds)
        return ("failed" if status == "error" else status), detail

    def _kernel_request(self, code: str, timeout: float) -> tuple[str, str]:
        """Run grader code in the student's kernel: ``("ok" | "error" | "timeout" | "stopped", detail)``."""
        return run_sync(self._async_kernel_request)(code, timeout)

    async def _async_kernel_request(self, code: str, timeout: float) -> tuple[str, str]:
        if self.stopped is not None:
            return "stopped", self.stopped
        msg_id = self.kc.execute(code, silent=True, store_history=False, allow_stdin=False,
                                 stop_on_error=False)
        deadline, interrupted = time.monotonic() + timeout, False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and interrupted:
                await self._async_stop_kernel("the kernel did not respond to an interrupt")
                return "stopped", self.stopped
            if remaining <= 0:
                await ensure_async(self.km.interrupt_kernel())
                deadline, interrupted = time.monotonic() + self.interrupt_grace, True
                continue
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=min(remaining, 1.0)))
            except Empty:
                if not await ensure_async(self.km.is_alive()):
                    await self._async_stop_kernel("the kernel stopped")
                    return "stopped", self.stopped
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if interrupted:
                return "timeout", f"did not finish within {timeout:g} s"
            content = msg["content"]
            if content.get("status") == "ok":
                return "ok", ""
            return "error", f"{content.get('ename')}: {content.get('evalue')}"[:500]

    async def _async_stop_kernel(self, reason: str) -> None:
        if self.stopped is None:
            self.stopped = reason
            self._note(reason)
        if await ensure_async(self.km.is_alive()):
            await ensure_async(self.km.shutdown_kernel(now=True))

    _stop_kernel = run_sync(_async_stop_kernel)

    def _report(self, resources: dict, folder: str) -> None:
        ids = resources["nbgrader"]
        report = {key: ids[key] for key in ("student", "assignment", "notebook")}
        report["findings"] = self.findings
        with open(os.path.join(folder, ids["notebook"] + sandbox.REPORT_SUFFIX), "w") as file:
            json.dump(report, file, indent=1)


def require_kernelspec() -> None:
    """Raise :class:`~tooling.grading.sandbox.SandboxUnavailable` unless the sandbox kernel is installed."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    install = "install it with `python -m tooling.grading install-kernel`"
    try:
        spec = KernelSpecManager().get_kernel_spec(sandbox.KERNEL_NAME)
    except NoSuchKernel:
        raise sandbox.SandboxUnavailable(f"the sandbox kernel `{sandbox.KERNEL_NAME}` is not installed: "
                                         f"{install}") from None
    if "tooling.grading.sandbox" not in spec.argv or spec.interrupt_mode != "message":
        raise sandbox.SandboxUnavailable(f"the kernelspec `{sandbox.KERNEL_NAME}` does not start the "
                                         f"sandbox ({spec.resource_dir}): {install}")


class LimitOutputBytes(NbGraderPreprocessor):
    """Cap the bytes of output each code cell keeps: text is cut, larger data replaced by a note.

    Errors are kept (their messages cut), so a cut never changes a score.
    """

    max_bytes = Integer(1_000_000, help="Bytes of output kept per cell (-1: no limit).").tag(config=True)

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" or self.max_bytes < 0:
            return cell, resources
        budget = self.max_bytes
        for output in cell.outputs:
            if output.output_type == "stream":
                output.text, budget = self._cut(output.text, budget)
            elif output.output_type == "error":
                output.evalue, budget = self._cut(output.evalue, budget)
                traceback, budget = self._cut("\n".join(output.traceback), budget)
                output.traceback = traceback.split("\n")
            else:
                size = sum(len(json.dumps(value)) for value in output.get("data", {}).values())
                if size > budget:
                    output.data = {"text/plain": f"[output of {size} bytes removed: more than the "
                                                 f"limit of {self.max_bytes} bytes per cell]"}
                budget = max(0, budget - size)
        return cell, resources

    def _cut(self, text: str, budget: int) -> tuple[str, int]:
        size = len(text.encode())
        if size <= budget:
            return text, budget - size
        kept = text.encode()[:budget].decode(errors="ignore")
        return kept + f"\n... output truncated: {size} bytes, more than the limit of {self.max_bytes} per cell ...", 0


#: nbconvert's HTML exporter configures ``display_data_priority`` for every preprocessor; nbgrader's
#: don't take it as configuration and warned about it in every ``generate_feedback``.
def _display_priority() -> List:
    return List(["text/html", "application/pdf", "text/latex", "image/svg+xml", "image/png", "image/jpeg",
                 "text/plain"]).tag(config=True)


class FeedbackClearHiddenTests(ClearHiddenTests):
    """Remove hidden tests from feedback, also where a student typed the markers into an answer."""

    enforce_metadata = Bool(False)
    display_data_priority = _display_priority()


class FeedbackClearMarkScheme(ClearMarkScheme):
    """Remove mark schemes from feedback (a deleted answer cell comes back with its mark scheme)."""

    enforce_metadata = Bool(False)
    display_data_priority = _display_priority()
