"""Properties every lesson must have: the check protocol, checks that pass the solutions and
reject look-alike answers, figures with alt text, a release in sync that stops at the first
exercise. (Lessons also execute top to bottom under nbval: see the `solutions` test path.)"""
import ast
import inspect
import types

import lesson_tools as lt
import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from tooling import release
from helpers.checks import CheckFailed

LESSONS = release.lesson_ids()


@pytest.fixture(scope="module", params=LESSONS)
def lesson(request):
    notebook = lt.load(request.param)
    return request.param, notebook, lt.run_solutions(notebook)


def _answers(source, namespace):
    return {name: namespace[name] for name in lt.free_names(source)}


def test_check_cells_follow_the_check_protocol(lesson):
    lesson_id, notebook, _ = lesson
    answer_names = set().union(*(lt.bound_names(ast.parse(s)) for s in lt.answer_cells(notebook)))
    checks = lt.check_cells(notebook)
    assert len(checks) >= 8, f"{lesson_id}: the lesson standard asks for at least 8 autograded checks"
    for grade_id, source in checks.items():
        reads = lt.free_names(source)
        assert reads, f"{grade_id} reads no answer"
        assert reads <= answer_names, (
            f"{grade_id} reads {sorted(reads - answer_names)} which no answer cell defines: a check "
            "must import or recompute everything but the student's answers")


def test_solutions_pass_every_check(lesson):
    _, notebook, namespace = lesson
    for grade_id, source in lt.check_cells(notebook).items():
        try:
            lt.run_check(source, _answers(source, namespace))
        except AssertionError as failure:
            pytest.fail(f"the solution fails check {grade_id}: {failure}")


class AlwaysEqual:
    """Claims to equal everything."""
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __hash__ = object.__hash__


class ArrayLike:
    """Converts to the right array on request, but is not an array."""
    def __init__(self, array):
        self.array = np.asarray(array)
        self.shape, self.dtype = self.array.shape, self.array.dtype

    def __array__(self, dtype=None, copy=None):
        return self.array


class SubArray(np.ndarray):
    pass


class SubFloat(float):
    pass


def look_alikes(value):
    """Objects that imitate a correct answer without being a plain value of the right type."""
    if isinstance(value, np.ndarray):
        return {"list": value.tolist(), "ndarray subclass": value.view(SubArray),
                "__array__ object": ArrayLike(value), "always-equal object": AlwaysEqual()}
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return {"number subclass": SubFloat(value) if isinstance(value, (float, np.floating)) else SubInt(value),
                "0-d array": np.array(value), "always-equal object": AlwaysEqual()}
    return {}


class SubInt(int):
    pass


def returning_look_alikes(function, kind):
    """A stand-in for a student's function that returns look-alikes of the right results."""
    def fake(*args, **kwargs):
        return look_alikes(function(*args, **kwargs)).get(kind, AlwaysEqual())
    return fake


def test_checks_reject_look_alike_answers(lesson):
    _, notebook, namespace = lesson
    tried = 0
    for grade_id, source in lt.check_cells(notebook).items():
        answers = _answers(source, namespace)
        for name, value in answers.items():
            if isinstance(value, types.FunctionType):
                fakes = {kind: returning_look_alikes(value, kind)
                         for kind in ("list", "ndarray subclass", "__array__ object", "always-equal object")}
            else:
                fakes = look_alikes(value)
            for kind, fake in fakes.items():
                tried += 1
                with pytest.raises(CheckFailed):
                    lt.run_check(source, answers | {name: fake})
                    pytest.fail(f"{grade_id} accepted a {kind} as `{name}`")
    assert tried > 0


def test_every_figure_has_alt_text(lesson):
    _, notebook, _ = lesson
    for cell in notebook.cells:
        if cell.cell_type == "code" and not lt.is_check(cell) and ("plots." in cell.source or "plt." in cell.source):
            alt = cell.metadata.get("mystnb", {}).get("image", {}).get("alt", "")
            assert len(alt) > 20, f"a figure cell has no alt text (mystnb.image.alt):\n{cell.source[:200]}"


@pytest.mark.slow
def test_release_is_in_sync_with_solutions():
    assert release.out_of_date(LESSONS) == [], "run `make release` and commit course/"


@pytest.mark.slow
@pytest.mark.parametrize("lesson_id", LESSONS)
def test_release_stops_at_the_first_exercise(lesson_id, repo_root, tmp_path):
    notebook = nbformat.read(repo_root / "course" / lesson_id / f"{lesson_id}.ipynb", as_version=4)
    first_answer = next(i for i, c in enumerate(notebook.cells)
                        if c.cell_type == "code" and lt.nbgrader(c).get("solution"))
    client = NotebookClient(notebook, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}})
    with pytest.raises(CellExecutionError) as error:
        client.execute()
    assert "NotImplementedError" in str(error.value)
    executed = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code" and c.get("execution_count")]
    assert max(executed) == first_answer, "the release ran past its first exercise"


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_release_contains_no_solutions_or_hidden_tests(lesson_id, repo_root):
    secret, visible = set(), set()  # lines inside solution/hidden blocks, lines outside them
    for cell in lt.load(lesson_id).cells:
        inside = False
        for line in cell.source.splitlines():
            if "BEGIN SOLUTION" in line or "BEGIN HIDDEN TESTS" in line:
                inside = True
            elif "END SOLUTION" in line or "END HIDDEN TESTS" in line:
                inside = False
            elif len(line.strip()) > 25:
                (secret if inside else visible).add(line.strip())
    secret -= visible  # a line the release shows anyway (e.g. a visible import) reveals nothing
    assert secret, "found no solution lines to look for"
    for path in (repo_root / "course" / lesson_id).iterdir():
        text = path.read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{path.name} contains {marker}"
        leaked = [line for line in secret if line in text]
        assert not leaked, f"{path.name} contains solution or hidden-test lines: {leaked[:3]}"


# --- checks out of sight: one call in the notebook, never the answer ---------------------------

def check_cell_problems(source: str) -> list[str]:
    """Why a release check cell is not what the course allows (empty list: it is).

    Allowed: at most 3 lines holding imports of ``check_*`` functions from ``helpers.lessons.*``
    and calls of them whose arguments are names (the student's answers) or keyword constants
    (``unseen=True``). Anything else could compute, or show, an answer.
    """
    lines = [line for line in source.splitlines() if line.strip()]
    problems = [f"{len(lines)} lines (at most 3)"] if len(lines) > 3 else []
    imported = set()
    for statement in ast.parse(source).body:
        if (isinstance(statement, ast.ImportFrom) and (statement.module or "").startswith("helpers.lessons.")
                and all(a.name.startswith("check_") and a.asname is None for a in statement.names)):
            imported |= {a.name for a in statement.names}
            continue
        call = statement.value if isinstance(statement, ast.Expr) else None
        if (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in imported
                and all(isinstance(a, ast.Name) for a in call.args)
                and all(isinstance(k.value, ast.Constant) for k in call.keywords)):
            continue
        problems.append(f"not a call of the lesson's check: {ast.unparse(statement)[:80]!r}")
    return problems


#: A check cell as the course wrote them before its checks moved into the package: it computes the
#: expected answer in plain sight (kept here to show the test below would catch it).
OLD_STYLE_CHECK = '''\
from helpers import checks, movie as mv, simulate
m = simulate.demo_movie(seed=0).movie
checks.close("max_100_500", max_100_500, mv.projection(m, "max", frames=(100, 500)))
'''


def test_an_old_style_check_cell_is_refused():
    problems = check_cell_problems(OLD_STYLE_CHECK)
    assert len(problems) >= 3 and "not a call of the lesson's check" in problems[-1]
    assert check_cell_problems("from helpers.lessons.single_pixel import check_dims; check_dims(a, b, c)") == []
    assert check_cell_problems("from helpers.lessons.x import check_y; check_y(a + 1)")  # computes


@pytest.mark.parametrize("lesson_id", LESSONS)
def test_release_check_cells_are_one_call_of_the_lesson_check(lesson_id, repo_root):
    notebook = nbformat.read(repo_root / "course" / lesson_id / f"{lesson_id}.ipynb", as_version=4)
    cells = [c for c in notebook.cells if lt.is_check(c)]
    assert cells
    for cell in cells:
        problems = check_cell_problems(cell.source)
        assert not problems, f"{lesson_id} {lt.nbgrader(cell)['grade_id']}: {problems}"
    lines = sum(len([l for l in c.source.splitlines() if l.strip()]) for c in notebook.cells)
    check_lines = sum(len([l for l in c.source.splitlines() if l.strip()]) for c in cells)
    assert check_lines <= 0.08 * lines, f"{lesson_id}: check cells are {check_lines / lines:.0%} of the lines"


def solution_expressions(notebook) -> set[str]:
    """Lines of the lesson's code solutions, and the expressions they assign or return: what no
    message may contain (a hint that holds one hands out the answer)."""
    found = set()
    for cell in notebook.cells:
        if cell.cell_type != "code" or not lt.nbgrader(cell).get("solution"):
            continue
        inside = False
        for line in cell.source.splitlines():
            text = line.strip()
            if "BEGIN SOLUTION" in text or "END SOLUTION" in text:
                inside = "BEGIN" in text
                continue
            if not inside or text.startswith("#"):
                continue
            found.add(text)
            for prefix in ("return ",):
                if text.startswith(prefix):
                    found.add(text[len(prefix):])
            if " = " in text and not text.startswith(("if ", "for ", "while ")):
                found.add(text.split(" = ", 1)[1])
    return {text for text in found if len(text) >= 10}


def perturbed(value):
    """A wrong answer of the same type that no check catalogues as a typical mistake."""
    if isinstance(value, (bool, np.bool_)):
        return not value
    if isinstance(value, (int, np.integer)):
        return type(value)(value + 7)
    if isinstance(value, (float, np.floating)):
        return type(value)(value * 1.37 + 0.11)
    if isinstance(value, np.ndarray):
        if value.dtype == bool:
            flipped = value.copy()
            flipped.reshape(-1)[::3] ^= True
            return flipped
        if value.size == 0:
            return np.zeros(3, dtype=value.dtype)
        return (value + 7) if value.dtype.kind in "iu" else (value * 1.37 + 0.11).astype(value.dtype)
    if isinstance(value, dict):
        return {key: perturbed(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(perturbed(item) for item in value)
    if isinstance(value, str):
        return value + " (not this)"
    if isinstance(value, types.FunctionType):
        def wrong_function(*args, **kwargs):
            return perturbed(value(*args, **kwargs))
        wrong_function.__signature__ = inspect.signature(value)
        return wrong_function
    raise TypeError(f"no wrong answer made for {type(value).__name__}")


def test_an_uncatalogued_wrong_answer_fails_without_giving_the_solution(lesson):
    lesson_id, notebook, namespace = lesson
    solutions = solution_expressions(notebook)
    assert solutions
    for grade_id, source in lt.check_cells(notebook).items():
        answers = _answers(source, namespace)
        for name, value in answers.items():
            try:
                lt.run_check(lt.visible(source), answers | {name: perturbed(value)})
            except CheckFailed as failure:
                message = str(failure)
            else:
                pytest.fail(f"{grade_id}: the visible check accepted a wrong `{name}`")
            given = [s for s in solutions if s in message]
            assert not given, f"{grade_id}: the message for a wrong `{name}` contains the solution {given}:\n{message}"


def test_a_failed_check_shows_its_message_once_without_a_traceback():
    from IPython.core.interactiveshell import InteractiveShell
    from helpers import checks

    shell = InteractiveShell.instance()
    try:
        checks.fail("duration_s", "is not right.", "divide by the frame rate")
    except CheckFailed as failure:
        shown = failure._render_traceback_()
    assert shown == ["Check failed: `duration_s`: is not right.", "  Hint: divide by the frame rate"]
    assert hasattr(shell, "showtraceback")  # IPython calls _render_traceback_ in place of a traceback
