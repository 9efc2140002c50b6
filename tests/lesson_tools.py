"""Run a lesson's cells and check cells in-process, for fast tests of the checks themselves.

Check cells follow the check protocol (book/maintainers.md): they read student answers only by
name and recompute everything else. So a check can be run on its own with any answers we choose —
the reference solutions, typical wrong answers, look-alike objects — without a kernel.
"""
from __future__ import annotations

import ast
import builtins
import pathlib
import re

import jupytext
import pytest

from tooling.grading.checker import free_names as grading_free_names
import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt

ROOT = pathlib.Path(__file__).resolve().parents[1]


def load(lesson_id: str):
    return jupytext.read(ROOT / "solutions" / lesson_id / f"{lesson_id}.py")


def nbgrader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def is_check(cell) -> bool:
    meta = nbgrader(cell)
    return cell.cell_type == "code" and meta.get("grade", False) and not meta.get("solution", False)


def check_cells(notebook) -> dict[str, str]:
    """``{grade_id: source}`` of every autograded check cell, in notebook order."""
    return {nbgrader(c)["grade_id"]: c.source for c in notebook.cells if is_check(c)}


def answer_cells(notebook) -> list[str]:
    return [c.source for c in notebook.cells
            if c.cell_type == "code" and nbgrader(c).get("solution", False)]


def bound_names(tree: ast.AST) -> set[str]:
    """Names a piece of code binds anywhere (assignments, imports, defs, loop targets, ...)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def free_names(source: str) -> set[str]:
    """The student answers a check cell reads: the grader's own definition, so that the protocol
    test and the grader cannot disagree about what a check fetches from the student."""
    return set(grading_free_names(source))


def run_solutions(notebook) -> dict:
    """Execute every code cell except the check cells in one namespace; return the namespace."""
    namespace: dict = {"__name__": "__lesson__"}
    for cell in notebook.cells:
        if cell.cell_type == "code" and not is_check(cell):
            exec(compile(cell.source, "<lesson cell>", "exec"), namespace)  # noqa: S102
            plt.close("all")
    return namespace


def visible(source: str) -> str:
    """A check cell's source as the student's release has it: without the hidden tests."""
    return re.sub(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", "", source, flags=re.S)


class Hidden(str):
    """A hint that only the hidden tests must produce: the mistake shows on data the student has
    not seen (another frame rate, another movie), not in the visible check."""


def run_check(source: str, answers: dict) -> None:
    """Run one check cell's source with only the given answers bound (as the grader does)."""
    exec(compile(source, "<check cell>", "exec"), dict(answers))  # noqa: S102


def revealed(message: str, value) -> bool:
    """Whether `message` shows the number `value`, as str() or a common format would write it.

    Whole numbers below 10 are not searched for: digits that small appear in any message
    ("axis 1", "2 values differ") without revealing anything.
    """
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        return False
    if isinstance(value, (int, np.integer)):
        return int(value) >= 10 and re.search(rf"(?<![\d.]){int(value)}(?![\d.])", message) is not None
    shown = {f"{value:.4g}", f"{value:.3g}", f"{value:.2f}", str(value)}
    return any(len(s) >= 4 and s in message for s in shown)


def assert_fails_with_hint(source: str, namespace: dict, wrong: dict, hint: str) -> str:
    """Run a check cell with the solution's answers, some replaced by wrong ones, and assert that
    it fails with `hint` in its message and without showing any expected value.

    Only the visible part of the cell runs (what the student's Validate runs), unless `hint` is
    :class:`Hidden`: then the whole cell, hidden tests included. `wrong` maps answer names to
    functions of the solution namespace that build the wrong answer. Returns the message.
    """
    from helpers.checks import CheckFailed

    if not isinstance(hint, Hidden):
        source = visible(source)
    names = free_names(source)
    answers = {name: namespace[name] for name in names}
    answers.update({name: make(namespace) for name, make in wrong.items()})
    try:
        run_check(source, answers)
    except CheckFailed as failure:
        message = str(failure)
    else:
        raise AssertionError(f"the check accepted the wrong answer meant to trigger {hint!r}")
    assert hint in message, f"expected the hint {hint!r}, got:\n{message}"
    expected = [namespace[n] for n in names]
    expected += [v for value in expected if isinstance(value, dict) for v in value.values()]
    for value in expected:  # never reveal the right answer
        assert not revealed(message, value), f"the message reveals the expected value {value!r}: {message}"
    assert "array([" not in message and "[[" not in message, f"the message prints an array: {message}"
    return message


def wrong_answer_ids(table) -> list[str]:
    """Readable test ids for a table of (check id, {name: builder}, hint)."""
    return [f"{grade_id}:{'+'.join(wrong)}:{hint[:24]}" for grade_id, wrong, hint in table]


def assert_two_wrong_answers_per_check(checks: dict, table) -> None:
    """The lesson standard: every check is fed at least two typical wrong answers."""
    counts = {grade_id: sum(row[0] == grade_id for row in table) for grade_id in checks}
    too_few = {grade_id: n for grade_id, n in counts.items() if n < 2}
    assert not too_few, f"checks with fewer than two wrong answers tested: {too_few}"


def wrong_answer_tests(table):
    """The two tests every lesson's WRONG table gets, for a test module with a ``lesson`` fixture
    giving ``(checks, namespace)``: each wrong answer fails its check with its hint, and every
    check has at least two wrong answers. Assign both to ``test_*`` names so pytest collects them."""
    @pytest.mark.parametrize("grade_id, wrong, hint", table, ids=wrong_answer_ids(table))
    def test_wrong_answer_fails_with_its_hint(lesson, grade_id, wrong, hint):
        checks, namespace = lesson
        assert_fails_with_hint(checks[grade_id], namespace, wrong, hint)

    def test_every_check_has_at_least_two_wrong_answers_tested(lesson):
        checks, _ = lesson
        assert_two_wrong_answers_per_check(checks, table)

    return test_wrong_answer_fails_with_its_hint, test_every_check_has_at_least_two_wrong_answers_tested
