"""A simulated class for the autograder's tests: honest, broken and hostile submissions.

Every submission is the student release of a lesson with some answer cells replaced. It comes
with the set of check cells an honest grader fails in it, worked out from the lesson itself:
a check fails when it reads (per the check protocol; which names, the hand-written table of
``tests/check_table.py`` says) an answer the submission broke,
or when it comes after the cell where the submission kills its kernel.

Attacks on the grader itself (kernel hooks, monkeypatching, rebinding: :data:`HOOKS`, ``REBIND``)
come with two exercises answered wrong, ``V`` (the first answer cell that assigns values) and
``F`` (the first that defines a function): an honest grader gives nothing for V and F and full
marks for the rest. The other attacks and mistakes (:func:`value_attacks`: endless loops, memory
bombs, look-alike answers, reading the solutions, overwriting files, edited or deleted checks)
each aim at one value exercise, which an honest grader fails unless the attack leaves its right
answer intact; reading the solutions makes it right only if the read succeeds.
:func:`individual_class` makes one submission per attack (the fixture lesson),
:func:`combined_class` a few submissions carrying them all (real lessons).
"""
from __future__ import annotations

import ast
import base64
import copy
import dataclasses
import io
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import jupytext
import nbformat

import check_table

WRONG = -987654.321


@dataclasses.dataclass
class Answer:
    grade_id: str
    index: int            # position in the release notebook
    names: list[str]
    is_function: bool
    solution: str


@dataclasses.dataclass
class Lesson:
    """A lesson's release and what its checks read."""

    name: str
    release: nbformat.NotebookNode
    answers: list[Answer]
    checks: dict          # check grade_id -> (index, points, free names)

    @classmethod
    def read(cls, name: str, release_path, solution_path) -> "Lesson":
        release = nbformat.read(release_path, as_version=4)
        solved = {cell.metadata["nbgrader"]["grade_id"]: cell.source
                  for cell in nbformat.read(solution_path, as_version=4).cells
                  if cell.metadata.get("nbgrader", {}).get("grade_id")}
        answers, checks = [], {}
        for index, cell in enumerate(release.cells):
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type != "code" or "grade_id" not in meta:
                continue
            if meta.get("solution") and not meta.get("grade"):
                tree = ast.parse(solved[meta["grade_id"]])
                functions = [n.name for n in tree.body if isinstance(n, ast.FunctionDef)]
                names = functions or sorted({t.id for n in tree.body if isinstance(n, ast.Assign)
                                             for t in ast.walk(n) if isinstance(t, ast.Name)
                                             and isinstance(t.ctx, ast.Store)})
                answers.append(Answer(meta["grade_id"], index, names, bool(functions), solved[meta["grade_id"]]))
            elif meta.get("grade") and not meta.get("solution"):
                # what the check reads, from the hand-written table, not from the grader's free_names
                checks[meta["grade_id"]] = (index, meta["points"], check_table.reads(name, meta["grade_id"]))
        return cls(name, release, answers, checks)

    @property
    def value(self) -> Answer:
        return next(a for a in self.answers if not a.is_function)

    @property
    def function(self) -> Answer:
        return next(a for a in self.answers if a.is_function)

    def failing(self, *broken: Answer) -> set[str]:
        """The checks an honest grader fails when the answers `broken` are wrong."""
        names = {name for answer in broken for name in answer.names}
        return {grade_id for grade_id, (_, _, read) in self.checks.items() if read & names}

    def after(self, index: int) -> set[str]:
        return {grade_id for grade_id, (position, _, _) in self.checks.items() if position > index}

    def points(self, failing: set[str]) -> float:
        return sum(points for grade_id, (_, points, _) in self.checks.items() if grade_id not in failing)

    def notebook(self, replace: dict | None = None, *, solved: bool = True, insert: dict | None = None,
                 delete: tuple = ()) -> nbformat.NotebookNode:
        """The release with answers solved, cells replaced ({grade_id: source}), new cells
        inserted after cells ({grade_id: source}) and cells deleted."""
        notebook = copy.deepcopy(self.release)
        solutions = {a.grade_id: a.solution for a in self.answers} if solved else {}
        cells = []
        for cell in notebook.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id in delete:
                continue
            source = (replace or {}).get(grade_id, solutions.get(grade_id))
            if source is not None:
                cell.source = source
            cells.append(cell)
            if grade_id in (insert or {}):
                cells.append(nbformat.v4.new_code_cell(insert[grade_id]))
        notebook.cells = cells
        return notebook


def wrong(answer: Answer) -> str:
    """A plain but wrong answer."""
    if answer.is_function:
        return "".join(f"def {name}(*args, **kwargs):\n    return {WRONG}\n" for name in answer.names)
    return "".join(f"{name} = {WRONG}\n" for name in answer.names)


def encoded(source: str) -> str:
    """`source` hidden from plain reading: exec of base64, with names built from strings."""
    payload = base64.b64encode(textwrap.dedent(source).encode()).decode()
    return (f"_b = __import__('bas' + 'e64')\n"
            f"getattr(__import__('built' + 'ins'), 'ex' + 'ec')(_b.b64decode('{payload}').decode(), {{}})\n")


# --- attacks on the grader: each makes naive grading (checks in the student's kernel) pass -----
INPUT_TRANSFORMER = """\
def _blank(lines):
    return [] if any("checks" in line or "assert" in line for line in lines) else lines
get_ipython().input_transformers_post.append(_blank)
"""
INPUT_TRANSFORMER_GETATTR = """\
_ip = globals()['get_' + 'ipython']()
getattr(_ip, 'input_' + 'transformers_' + 'post').append(
    lambda lines: [] if any(w in ''.join(lines) for w in ('che' + 'cks', 'ass' + 'ert')) else lines)
"""
AST_TRANSFORMER = """\
import ast
from IPython import get_ipython
class _Drop(ast.NodeTransformer):
    def visit_Module(self, node):
        return ast.Module(body=[], type_ignores=[]) if "checks" in ast.dump(node) else node
get_ipython().ast_transformers.append(_Drop())
"""
TRACE_AND_EVENTS = """\
import sys, threading
def _noop(*args, **kwargs):
    return None
def _patch(*args):
    import helpers.checks as c
    for name in ("is_array", "is_number", "is_function", "close", "equal", "_fail"):
        setattr(c, name, _noop)
def _tracer(frame, event, arg):
    if "checks" in frame.f_code.co_filename:
        _patch()
    return None
sys.settrace(_tracer)
threading.settrace(_tracer)
get_ipython().events.register("pre_run_cell", _patch)
"""
MONKEYPATCH = """\
import builtins, numpy, helpers.checks
def _yes(*args, **kwargs):
    return True
def _pass(*args, **kwargs):
    return None
for _name in ("allclose", "array_equal", "isclose"):
    setattr(numpy, _name, _yes)
for _name in helpers.checks.__all__:
    if _name != "CheckFailed":
        setattr(helpers.checks, _name, _pass)
_real_import = builtins.__import__
def _import(name, *args, **kwargs):
    module = _real_import(name, *args, **kwargs)
    if name.startswith("helpers"):
        module.checks = helpers.checks
    return module
builtins.__import__ = _import
builtins.AssertionError = type("AssertionError", (Exception,), {})
"""
REBIND = """\
import sys, types, numpy
_fake = types.SimpleNamespace(**{n: (lambda *a, **k: None)
                                for n in ("is_array", "is_number", "is_function", "call", "close", "equal")})
checks = _fake
helpers = types.SimpleNamespace(checks=_fake)
sys.modules["helpers.checks"] = _fake
np = types.SimpleNamespace(**vars(numpy))
np.allclose = lambda *a, **k: True
"""

# --- attacks on the machine: each makes the value answer right only if it succeeds -------------
READ_SOLUTIONS = """\
import glob, os
_found = []
_targets = ["{root}/solutions/{lesson}/{lesson}.ipynb", "{root}/gradebook.db",
            "{root}/autograded/{student}/{lesson}/{lesson}.ipynb", "{lesson}.ipynb"]
_here = os.getcwd()
while _here != "/":
    _here = os.path.dirname(_here)
    _targets += [os.path.join(_here, "solutions", "{lesson}", "{lesson}.ipynb"), os.path.join(_here, "gradebook.db")]
_targets += ["/proc/self/cwd/../../../solutions/{lesson}/{lesson}.ipynb", "/proc/self/cwd/../../../gradebook.db"]
for _proc in glob.glob("/proc/[0-9]*"):
    _targets += [_proc + "/root{root}/gradebook.db", _proc + "/cwd/../../../gradebook.db",
                 _proc + "/root{root}/solutions/{lesson}/{lesson}.ipynb"]
for _target in _targets:
    try:
        with open(_target, "rb") as _file:
            if _file.read(10):
                _found.append(_target)
    except OSError:
        pass
print("readable:", _found)
"""
OVERWRITE = """\
import glob, os
_victims = ["{root}/gradebook.db", "{root}/nbgrader_config.py", "{root}/solutions/{lesson}/{lesson}.ipynb",
            "{root}/submitted/perfect/{lesson}/{lesson}.ipynb", "{root}/course/{lesson}/{lesson}.ipynb"]
_victims += [p + "/root" + v for p in glob.glob("/proc/[0-9]*") for v in list(_victims)]
_victims += ["/proc/self/cwd/../../../gradebook.db", "/proc/self/cwd/../../perfect/{lesson}/{lesson}.ipynb"]
_written = []
for _victim in _victims:
    try:
        with open(_victim, "wb") as _file:
            _file.write(b"overwritten by a submission")
        _written.append(_victim)
    except OSError:
        pass
    try:
        os.remove(_victim)
        _written.append(_victim)
    except OSError:
        pass
print("written:", _written)
"""
LOOK_ALIKES = """\
import numpy as np
class AlwaysEqual:
    def __init__(self, value):
        self.value = value
    def __eq__(self, other):
        return True
    __ne__ = lambda self, other: False
    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.value, dtype=dtype)
    def __float__(self):
        return float(np.asarray(self.value).ravel()[0])
class Sub(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), bool)
"""


MEMORY = "hog = [bytearray(2**28) for _ in range(10**4)]\n"  # MemoryError at the cap, then freed
EXIT = "import os\nos._exit(1)\n"
#: Attacks on the grader that hook or patch the kernel: each alone fools checks run in the kernel.
HOOKS = {"inputhook": INPUT_TRANSFORMER + INPUT_TRANSFORMER_GETATTR, "asthook": encoded(AST_TRANSFORMER),
         "tracehook": TRACE_AND_EVENTS, "monkeypatch": MONKEYPATCH + encoded(MONKEYPATCH)}


def value_attacks(lesson: Lesson, root: str, student: str) -> dict:
    """Attacks and mistakes aimed at one value exercise: ``{name: make}``, where ``make(answer)``
    gives ``(replaced cells, deleted cells, whether an honest grader fails the answer's checks)``."""
    def checks_of(answer):
        return tuple(sorted(lesson.failing(answer)))

    def look_alike(answer, wrapper):  # the right value, then a look-alike of it
        return LOOK_ALIKES + answer.solution + "\n" + "".join(
            f"{name} = {wrapper.format(name)}\n" for name in answer.names)

    def fill(template):
        return template.format(root=root, lesson=lesson.name, student=student)

    def reads(answer):  # right only if the solutions, the gradebook or the graded notebook were read
        return (fill(READ_SOLUTIONS) + "if _found:\n" + textwrap.indent(answer.solution, "    ")
                + "else:\n" + textwrap.indent(wrong(answer), "    "))

    return {
        "loop": lambda a: ({a.grade_id: "while True:\n    pass\n" + a.solution}, (), True),
        "memory": lambda a: ({a.grade_id: MEMORY + a.solution}, (), True),
        "badimport": lambda a: ({a.grade_id: "import no_such_module_for_grading\n" + a.solution}, (), True),
        "bigprint": lambda a: ({a.grade_id: a.solution + "\nprint('x' * 50_000_000)\n"}, (), False),
        "eqtrue": lambda a: ({a.grade_id: look_alike(a, "AlwaysEqual({0})")}, (), True),
        "subclass": lambda a: ({a.grade_id: look_alike(a, "np.asarray({0}).view(Sub)")}, (), True),
        "readsolutions": lambda a: ({a.grade_id: reads(a)}, (), True),
        "overwrite": lambda a: ({a.grade_id: fill(OVERWRITE) + a.solution}, (), False),
        "deletedcheck": lambda a: ({}, checks_of(a), False),
        "editedcheck": lambda a: ({a.grade_id: wrong(a), **{c: "pass" for c in checks_of(a)}}, (), True),
    }


def _common(lesson: Lesson) -> dict:
    """The plan of the submissions every class has: ``{student: (replace, insert, delete, failing)}``."""
    V, F, last = lesson.value, lesson.function, lesson.answers[-1]
    return {
        "perfect": ({}, {}, (), set()),
        "untouched": (None, {}, (), set(lesson.checks)),
        "partial": ({V.grade_id: wrong(V), F.grade_id: wrong(F), last.grade_id: None}, {}, (),
                    lesson.failing(V, F, last)),
        "exit": ({F.grade_id: EXIT + F.solution}, {}, (), lesson.after(F.index)),
    }


def _hooked(lesson: Lesson, attack: str, rebind: bool = False) -> tuple:
    """V and F wrong (with REBIND in their cells), `attack` in a new cell after the setup cell."""
    V, F = lesson.value, lesson.function
    extra = REBIND if rebind else ""
    return ({V.grade_id: wrong(V) + extra, F.grade_id: wrong(F) + extra}, {_setup(lesson): attack} if attack else {},
            (), lesson.failing(V, F))


def individual_class(lesson: Lesson, root: str) -> dict:
    """``{student: (notebook, failing checks)}``: one submission per attack or mistake, aimed at V."""
    plan = _common(lesson)
    for name in value_attacks(lesson, root, ""):
        replace, delete, fails = value_attacks(lesson, root, name)[name](lesson.value)
        plan[name] = (replace, {}, delete, lesson.failing(lesson.value) if fails else set())
    plan.update({name: _hooked(lesson, attack) for name, attack in HOOKS.items()})
    plan["rebind"] = _hooked(lesson, "", rebind=True)
    return _submissions(lesson, plan)


def combined_class(lesson: Lesson, root: str) -> dict:
    """``{student: (notebook, failing checks)}`` with the same attacks a few per submission, so
    that a real lesson's class is graded in a few minutes: the value attacks each on its own value
    exercise (students ``broken1``, ``broken2``, ...; the first also replaces the locked setup cell
    with ``os._exit``, which grading must restore), and all hooks and patches together (``tamper``)."""
    plan = _common(lesson)
    values = [a for a in lesson.answers if not a.is_function]
    names = list(value_attacks(lesson, root, "").items())
    for number, start in enumerate(range(0, len(names), len(values)), 1):
        student = f"broken{number}"
        replace, delete, broken = ({_setup(lesson): EXIT} if number == 1 else {}), (), []
        for (name, _), answer in zip(names[start:], values):
            more, deleted, fails = value_attacks(lesson, root, student)[name](answer)
            replace.update(more)
            delete += deleted
            broken += [answer] if fails else []
        plan[student] = (replace, {}, delete, lesson.failing(*broken))
    plan["tamper"] = _hooked(lesson, "".join(HOOKS.values()), rebind=True)
    return _submissions(lesson, plan)


def carrier(lesson: Lesson, attack: str, individual: bool) -> str:
    """The student whose submission carries `attack` in :func:`individual_class` or
    :func:`combined_class`."""
    if individual:
        return attack
    if attack in HOOKS or attack == "rebind":
        return "tamper"
    values = sum(not a.is_function for a in lesson.answers)
    return f"broken{list(value_attacks(lesson, '', '')).index(attack) // values + 1}"


def _submissions(lesson: Lesson, plan: dict) -> dict:
    """``{student: (notebook, failing)}`` from ``{student: (replace, insert, delete, failing)}``;
    `replace` None means the untouched release."""
    return {student: (lesson.notebook(replace or {}, solved=replace is not None, insert=insert, delete=delete),
                      failing)
            for student, (replace, insert, delete, failing) in plan.items()}


def _setup(lesson: Lesson) -> str:
    """grade_id of the first locked code cell (the lesson's setup)."""
    return next(cell.metadata["nbgrader"]["grade_id"] for cell in lesson.release.cells
                if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("locked"))


# --- the course copy -----------------------------------------------------------------------------
def make_course(root: Path, repo: Path, lessons: dict, extra_config: str = "") -> None:
    """A course folder at `root`: the repo's nbgrader config, the lessons' sources (``{id: folder}``,
    a paired ``.ipynb`` made from the Jupytext ``.py`` where missing) and their releases."""
    root.mkdir(parents=True)
    (root / "nbgrader_config.py").write_text((repo / "nbgrader_config.py").read_text() + extra_config)
    for lesson, folder in lessons.items():
        target = root / "solutions" / lesson
        shutil.copytree(folder, target)
        notebook = target / f"{lesson}.ipynb"
        if not notebook.exists():
            nbformat.write(jupytext.read(target / f"{lesson}.py"), notebook)
        nbgrader(root, "generate_assignment", lesson, "--force")


def sandboxed_course(base: Path, repo: Path, lessons: dict, extra_config: str = "") -> tuple[Path, dict]:
    """A course at ``base/course`` (:func:`make_course`) and the environment of its instructor,
    whose sandbox kernel (2 GB per process) is installed in ``base/kernels``."""
    env = instructor_env(base / "kernels" / "share" / "jupyter")
    subprocess.run([sys.executable, "-m", "tooling.grading", "install-kernel", "--prefix", str(base / "kernels"),
                    "--memory", "2G"], check=True, env=env, capture_output=True)
    make_course(base / "course", repo, lessons, extra_config)
    return base / "course", env


def nbgrader(root: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=root, env=env or instructor_env(),
                          capture_output=True, text=True)
    assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"
    return done


def lms_zip(root: Path, lesson: str, students: dict) -> None:
    """The submissions as an LMS would export them: one zip of STUDENT_NOTEBOOK.ipynb files."""
    archive = root / "downloaded" / lesson / "archive"
    archive.mkdir(parents=True)
    with zipfile.ZipFile(archive / "export.zip", "w") as bundle:
        for student, (notebook, _) in students.items():
            text = io.StringIO()
            nbformat.write(notebook, text)
            bundle.writestr(f"{student}_{lesson}.ipynb", text.getvalue())


def file_hashes(root: Path, skip: tuple = ()) -> dict:
    """sha256 of every file under `root`, except under the relative folders `skip`."""
    import hashlib

    return {str(path.relative_to(root)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(root.rglob("*")) if path.is_file()
            and not any(str(path.relative_to(root)).startswith(s) for s in skip)}


def instructor_env(kernels: Path | None = None) -> dict:
    """Environment of the instructor's commands: this Python's scripts on the PATH (nbgrader runs
    `alembic`), and the test's kernelspec folder."""
    env = {**os.environ, "MPLBACKEND": "Agg",
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    if kernels is not None:
        env["JUPYTER_PATH"] = str(kernels)
    return env


def require_sandbox() -> None:
    """Skip (or, under ``CI=true`` in any spelling, fail) a test when the grading sandbox cannot run
    here, naming the real cause (needs.sandbox)."""
    import needs

    needs.sandbox()
