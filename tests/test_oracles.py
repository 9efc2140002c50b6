"""The code that decides which cells are checks, and which names a check reads, against the
hand-written table of ``check_table.py`` — not against itself.

``book.nbgrader_role`` decides what the book may publish; ``lesson_tools.is_check`` decides what the
lesson tests run as checks; the release's metadata decides what nbgrader grades;
``checker.free_names`` decides which of the student's values the grader fetches for a check. A
check cell whose metadata says otherwise (misclassified) or a protocol change would slip through
every test that takes its expected value from one of these functions.
"""
from __future__ import annotations

import pathlib

import jupytext
import nbformat
import pytest

import lesson_tools as lt
from check_table import CHECK_CELLS, check_ids, reads
from tooling import book, release
from tooling.grading.checker import free_names

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _source(lesson_id: str) -> pathlib.Path:
    if lesson_id == "00-fixture":
        return ROOT / "tests" / "grading_fixtures" / lesson_id / f"{lesson_id}.py"
    return ROOT / "solutions" / lesson_id / f"{lesson_id}.py"


def _by_id(notebook) -> dict:
    return {lt.nbgrader(c)["grade_id"]: c for c in notebook.cells if "grade_id" in lt.nbgrader(c)}


def test_the_table_covers_every_lesson():
    assert set(CHECK_CELLS) == {"00-fixture", *release.lesson_ids()}


@pytest.mark.parametrize("lesson_id", sorted(CHECK_CELLS))
def test_the_check_cells_are_the_tables(lesson_id):
    notebook = jupytext.read(_source(lesson_id))
    cells = _by_id(notebook)
    missing = check_ids(lesson_id) - set(cells)
    assert not missing, f"{lesson_id}: check cells of the table not in the lesson: {sorted(missing)}"
    by_book = {g for g, c in cells.items() if book.nbgrader_role(c) == "check"}
    by_tests = {g for g, c in cells.items() if lt.is_check(c)}
    for who, found in (("book.nbgrader_role", by_book), ("lesson_tools.is_check", by_tests)):
        assert found == check_ids(lesson_id), (
            f"{lesson_id}: {who} takes {sorted(found - check_ids(lesson_id))} for check cells and misses "
            f"{sorted(check_ids(lesson_id) - found)}; fix the cells' nbgrader metadata, or the table in "
            "tests/check_table.py")
    for grade_id in check_ids(lesson_id):  # what nbgrader grades and locks, by the metadata itself
        meta, cell = lt.nbgrader(cells[grade_id]), cells[grade_id]
        assert cell.cell_type == "code" and meta.get("grade") is True and meta.get("solution") is False \
            and meta.get("locked") is True and meta.get("points", 0) > 0, f"{lesson_id} {grade_id}: {meta}"


@pytest.mark.parametrize("lesson_id", sorted(set(CHECK_CELLS) - {"00-fixture"}))
def test_the_release_grades_the_tables_check_cells(lesson_id):
    path = ROOT / "course" / lesson_id / f"{lesson_id}.ipynb"
    cells = _by_id(nbformat.read(path, as_version=4))
    graded = {g for g, c in cells.items() if c.cell_type == "code" and lt.nbgrader(c).get("grade")
              and not lt.nbgrader(c).get("solution")}
    assert graded == check_ids(lesson_id)


@pytest.mark.parametrize("lesson_id", sorted(CHECK_CELLS))
def test_free_names_are_the_tables_answers(lesson_id):
    cells = _by_id(jupytext.read(_source(lesson_id)))
    for grade_id in check_ids(lesson_id):
        assert set(free_names(cells[grade_id].source)) == reads(lesson_id, grade_id), grade_id


# hand-written cases of the protocol beyond the lessons' one-line calls: (source, answers it reads)
PROTOCOL = [
    ("check_x(a, b)", {"check_x", "a", "b"}),
    ("from m import check_x; check_x(a, b)", {"a", "b"}),
    ("import numpy as np\nm = np.ones(3)\nchecks.close('f0', f0, m)", {"checks", "f0"}),
    ("for n in range(3):\n    f(n)", {"f"}),                       # a loop variable is bound
    ("[g(x) for x in xs]", {"g", "xs"}),                             # a comprehension's variable too
    ("def h(a):\n    return a + k\nh(1)", {"k"}),                    # a global read in a function
    ("lambda q: q + z", {"z"}),
    ("print(len(y), display)", {"y"}),                               # builtins and IPython's display
    ("try:\n    w\nexcept NameError as e:\n    print(e)", {"w"}),
    ("x = x + 1", set()),                                            # bound in the cell: not an answer
    ("import os\nos.remove(path)", {"path"}),
    ("class C:\n    v = u\nC()", {"u"}),
    ("with open(p) as handle:\n    handle.read()", {"p"}),
]


@pytest.mark.parametrize("source, answers", PROTOCOL, ids=[s.splitlines()[0][:30] for s, _ in PROTOCOL])
def test_free_names_on_hand_written_cases(source, answers):
    assert set(free_names(source)) == answers


def test_free_names_refuses_what_is_not_python():
    with pytest.raises(SyntaxError):
        free_names("check(a b)")
