"""No autograded exercise's prompt contains its solution (issue 25): an exercise whose text already
holds the line to type, or the call the answer is made of, teaches transcription, not a decision.

For each autograded exercise of every lesson — a solution cell followed by its check cell — the
prompt is the markdown written since the previous graded cell. The test fails when

- a non-trivial line of the solution (between ``### BEGIN SOLUTION`` and ``### END SOLUTION``;
  compared without whitespace; lines shorter than 12 characters, imports, comments, ``def``
  lines and ``return name`` are ignored) appears verbatim in the prompt, or
- the prompt's code (inline ``code`` or a fenced block) holds a call the solution makes: the same
  callee with the same arguments (``...`` in the prompt stands for any one argument). Calls of
  NumPy and of Python's builtins are the language's vocabulary, not a solution: a prompt may
  define Pearson's r as ``np.corrcoef(a, b)[0, 1]`` or a sample count as ``round(duration_s * fs)``
  (a solution line written out in full is still caught by the first rule).
"""
from __future__ import annotations

import ast
import builtins
import dataclasses
import re

import jupytext
import lesson_tools as lt
import pytest

from tooling import release

MIN_LINE = 12  # characters, whitespace removed: shorter lines (`x = a + b`) say too little
VOCABULARY = {"np", "numpy", *dir(builtins)}  # callees' root names that only name a primitive

#: Known offenders, ``{lesson id: what and why}``, marked as strict expected failures so that the
#: list stays visible and a fix turns the test red until its entry is removed. Empty: keep it so.
KNOWN_OFFENDERS: dict[str, str] = {}


@dataclasses.dataclass
class Solution:
    grade_id: str
    source: str            # a whole solution cell
    lines: frozenset       # the numbers (from 1) of its lines between the solution markers


@dataclasses.dataclass
class Exercise:
    prompt: str            # markdown since the previous graded cell
    solutions: list        # the solution cells its check answers (usually one)


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def solution_lines(source: str) -> frozenset:
    """The numbers of the lines inside ``### BEGIN SOLUTION`` / ``### END SOLUTION`` blocks."""
    inside, found = False, set()
    for number, line in enumerate(source.splitlines(), 1):
        if "### BEGIN SOLUTION" in line or "### END SOLUTION" in line:
            inside = "BEGIN" in line
        elif inside:
            found.add(number)
    return frozenset(found)


def exercises(notebook) -> list[Exercise]:
    """The autograded exercises of a notebook: the solution cells answered by each check cell."""
    found, prompt, pending = [], [], []
    for cell in notebook.cells:
        meta = lt.nbgrader(cell)
        if cell.cell_type == "markdown" and not meta.get("grade"):
            prompt.append(cell.source)
        elif cell.cell_type == "code" and meta.get("solution") and not meta.get("grade"):
            pending.append(Solution(meta["grade_id"], cell.source, solution_lines(cell.source)))
            assert pending[-1].lines, f"{meta['grade_id']}: a solution cell without solution markers"
        elif lt.is_check(cell) and pending:
            found.append(Exercise("\n".join(prompt), pending))
            prompt, pending = [], []
        elif meta.get("grade"):  # a manually graded task closes the previous exercise's prompt
            prompt, pending = [], []
    return found


def trivial(line: str) -> bool:
    text = line.strip()
    return (len(squeeze(text)) < MIN_LINE or text.startswith(("#", "import ", "from ", "def ", "@"))
            or re.fullmatch(r"return\s+[\w.]+", text) is not None)


def prompt_code(prompt: str) -> list[ast.AST]:
    """The parseable code of a prompt: fenced blocks and inline ``code`` spans."""
    fenced = re.findall(r"```[^\n]*\n(.*?)```", prompt, flags=re.S)
    inline = re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", prompt, flags=re.S))
    trees = []
    for snippet in fenced + inline:
        try:
            trees.append(ast.parse(snippet.strip()))
        except SyntaxError:
            continue
    return trees


def same_argument(solution: ast.AST, prompt: ast.AST) -> bool:
    if isinstance(prompt, ast.Constant) and prompt.value is Ellipsis:
        return True
    return ast.dump(solution) == ast.dump(prompt)


def callee_root(call: ast.Call) -> str:
    node = call.func
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Call)):
        node = node.func if isinstance(node, ast.Call) else node.value
    return node.id if isinstance(node, ast.Name) else ""


def same_call(solution: ast.Call, prompt: ast.Call) -> bool:
    if ast.dump(solution.func) != ast.dump(prompt.func) or len(solution.args) != len(prompt.args):
        return False
    if not all(same_argument(s, p) for s, p in zip(solution.args, prompt.args)):
        return False
    keywords = {k.arg: k.value for k in prompt.keywords}
    return (len(keywords) == len(solution.keywords)
            and all(k.arg in keywords and same_argument(k.value, keywords[k.arg]) for k in solution.keywords))


def offences(exercise: Exercise) -> list[str]:
    """Why this exercise's prompt gives its solution away, as ``"grade id: reason"`` (empty list:
    it does not)."""
    found = []
    prompt = squeeze(exercise.prompt.replace("\\", ""))
    prompt_calls = [node for tree in prompt_code(exercise.prompt) for node in ast.walk(tree)
                    if isinstance(node, ast.Call) and (node.args or node.keywords)]
    # calling the function the exercise asks for, with the names of its signature, gives nothing away
    written = {node.name for solution in exercise.solutions for node in ast.walk(ast.parse(solution.source))
               if isinstance(node, ast.FunctionDef)}
    for solution in exercise.solutions:
        lines = solution.source.splitlines()
        for number in sorted(solution.lines):
            line = lines[number - 1]
            if not trivial(line) and squeeze(line) in prompt:
                found.append(f"{solution.grade_id}: the prompt holds the solution line {line.strip()!r}")
        for node in ast.walk(ast.parse(solution.source)):
            if (isinstance(node, ast.Call) and node.lineno in solution.lines and (node.args or node.keywords)
                    and callee_root(node) not in VOCABULARY | written and len(squeeze(ast.unparse(node))) >= MIN_LINE
                    and any(same_call(node, p) for p in prompt_calls)):
                found.append(f"{solution.grade_id}: the prompt names the solution's call {ast.unparse(node)!r}")
    return found


def lesson_offences(notebook, lesson_id: str) -> list[str]:
    return [f"{lesson_id} {offence}" for exercise in exercises(notebook) for offence in offences(exercise)]


@pytest.mark.parametrize("lesson_id", [
    pytest.param(lesson_id, marks=pytest.mark.xfail(strict=True, reason=KNOWN_OFFENDERS[lesson_id]))
    if lesson_id in KNOWN_OFFENDERS else lesson_id
    for lesson_id in release.lesson_ids()])
def test_no_prompt_contains_its_solution(lesson_id):
    notebook = lt.load(lesson_id)
    assert len(exercises(notebook)) >= 8, f"{lesson_id}: found too few autograded exercises to trust the parse"
    found = lesson_offences(notebook, lesson_id)
    assert not found, "prompts that contain their solution:\n" + "\n".join(found)


# --- the test can fail: a small synthetic lesson -------------------------------------------------

SYNTHETIC = '''\
# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-a-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 1** — Compute the mean trace with `trace = movie[:, mask].mean(axis=1)`.

# %% nbgrader={"grade": false, "grade_id": "ex-a", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
trace = movie[:, mask].mean(axis=1)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-a-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.x import check_a; check_a(trace)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-b-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 2** — Deconvolve with `sp.deconvolve(traces, fs=...)` and store the decay times.

# %% nbgrader={"grade": false, "grade_id": "ex-b", "locked": false, "schema_version": 3, "solution": true, "task": false}
def decay_times(traces, fs):
    ### BEGIN SOLUTION
    g = sp.deconvolve(traces, fs=fs).g[:, 0]
    return -1 / (fs * np.log(g))
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-b-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.x import check_b; check_b(decay_times)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-c-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 3** — Choose a smoothing for the trace yourself (for instance `ndi.gaussian_filter1d`
# with a width in frames you pick); it is scored against the true calcium, as the error
# `np.sqrt(np.mean((smooth - true) ** 2))`.

# %% nbgrader={"grade": false, "grade_id": "ex-c", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
smooth = ndi.gaussian_filter1d(trace, sigma=2.0)
error = np.sqrt(np.mean((smooth - true) ** 2))
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-c-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.x import check_c; check_c(smooth)

# %% [markdown] nbgrader={"grade": false, "grade_id": "ex-d-md", "locked": true, "schema_version": 3, "solution": false, "task": false}
# **Exercise 4** — Write `onsets(dff, fs)`, the onsets that `ev.detect_events(dff, fs, k=3.0)`
# finds, then store them for `dff` in `found`.

# %% nbgrader={"grade": false, "grade_id": "ex-d", "locked": false, "schema_version": 3, "solution": true, "task": false}
def onsets(dff, fs):
    ### BEGIN SOLUTION
    return ev.detect_events(dff, fs, k=3.0).per_neuron("onset")
    ### END SOLUTION

# %% nbgrader={"grade": false, "grade_id": "ex-d-use", "locked": false, "schema_version": 3, "solution": true, "task": false}
### BEGIN SOLUTION
found = onsets(dff, fs)
### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-d-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
from helpers.lessons.x import check_d; check_d(onsets, found)
'''


def test_a_prompt_holding_its_solution_is_caught():
    notebook = jupytext.reads(SYNTHETIC, fmt="py:percent")
    assert [[s.grade_id for s in e.solutions] for e in exercises(notebook)] == [["ex-a"], ["ex-b"], ["ex-c"],
                                                                                ["ex-d", "ex-d-use"]]
    found = lesson_offences(notebook, "synthetic")
    assert any(f.startswith("synthetic ex-a: the prompt holds the solution line") for f in found), found
    assert any(f.startswith("synthetic ex-b: the prompt names the solution's call") for f in found), found
    assert any(f.startswith("synthetic ex-d: the prompt names the solution's call") for f in found), found
    assert not [f for f in found if " ex-d-use:" in f], found  # a call of the function it asks for
    # naming a function is not its call; a NumPy expression is vocabulary, not a solution line
    assert not [f for f in found if " ex-c:" in f], found
