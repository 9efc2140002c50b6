"""The book: derived copy of the lessons, build, execution cache, leaks and a real browser.

Fast tests check the derivation on the real lessons and on a small fixture lesson. The tests
marked ``slow`` share one build of the book (``built_book``, a session fixture working in a
temporary copy of the course: tests never touch the checkout), then look for leaked hidden tests
in every built file, prove from jupyter-cache's records what is re-executed after a change, and
open every page in Debian's Chromium (screenshots in ``test-artifacts/book/``).
"""
from __future__ import annotations

import functools
import html
import http.server
import json
import re
import shutil
import threading
from pathlib import Path

import jupytext
import nbformat
import pytest
from jupyter_cache import get_cache

import check_table
import needs
from tooling import book, book_site, launch

ROOT = Path(__file__).resolve().parents[1]
LESSONS = book.lesson_sources(ROOT)
SCREENSHOTS = ROOT / "test-artifacts" / "book"
CHROMIUM = Path("/usr/bin/chromium")
MARKERS = book.SOLUTION_MARKERS + book.HIDDEN_TEST_MARKERS
SECRET_LINE_MIN_CHARS = 25

FIXTURE_LESSON = '''\
# %% [markdown] nbgrader={"grade": false, "grade_id": "intro", "locked": true, "schema_version": 3, "solution": false, "task": false}
# # 99 · Fixture lesson

# %% nbgrader={"grade": false, "grade_id": "setup", "locked": true, "schema_version": 3, "solution": false, "task": false}
import numpy as np

# %% nbgrader={"grade": false, "grade_id": "ex", "locked": false, "schema_version": 3, "solution": true, "task": false}
def double(x):
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION

# %% nbgrader={"grade": true, "grade_id": "ex-check", "locked": true, "points": 1, "schema_version": 3, "solution": false, "task": false}
assert double(2) == 4, "double(2) should be twice 2"
### BEGIN HIDDEN TESTS
assert double(-7.5) == -15.0, "a secret hidden test line that must never be published"
### END HIDDEN TESTS

# %% [markdown] nbgrader={"grade": true, "grade_id": "q", "locked": false, "points": 1, "schema_version": 3, "solution": true, "task": false}
# Look at the data first.
# ### BEGIN SOLUTION
# The model answer, with a nested fence:
#
# ::::{note}
# inside
# ::::
# ### END SOLUTION

# %% mystnb={"image": {"alt": "a figure"}}
x = double(3)
'''


FIXTURE_CONFIG = """\
title: fixture
repository:
  url: https://github.com/someone/fixture-course
launch_buttons:
  binderhub_url: https://mybinder.org
"""


def _write_release(root: Path, lesson_id: str) -> Path:
    """A stand-in for the lesson's student release, course/ID/ID.ipynb."""
    release = root / "course" / lesson_id / f"{lesson_id}.ipynb"
    release.parent.mkdir(parents=True)
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Release"),
                                                   nbformat.v4.new_code_cell("x = 1")]), release)
    return release


def _write_fixture_course(root: Path, toc_lessons=("99-fixture",)) -> Path:
    lesson = root / "solutions" / "99-fixture" / "99-fixture.py"
    lesson.parent.mkdir(parents=True)
    lesson.write_text(FIXTURE_LESSON, encoding="utf-8")
    _write_release(root, "99-fixture")
    (root / "book").mkdir()
    (root / "book" / "intro.md").write_text("# Intro\n", encoding="utf-8")
    (root / "_config.yml").write_text(FIXTURE_CONFIG, encoding="utf-8")
    (root / "pyproject.toml").write_text('[project]\nname = "fixture-course"\nversion = "0.0.1"\n'
                                         'dependencies = ["numpy"]\n', encoding="utf-8")
    chapters = "".join(f"  - file: lessons/{lesson_id}\n" for lesson_id in toc_lessons)
    (root / "_toc.yml").write_text(f"format: jb-book\nroot: book/intro\nchapters:\n{chapters}",
                                   encoding="utf-8")
    return lesson


def _is_check(cell, lesson_id: str) -> bool:
    """Whether a cell is a check cell, by the hand-written table (tests/check_table.py), not by
    ``book.nbgrader_role``: a check cell whose metadata misclassifies it must count as secret."""
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") in check_table.check_ids(lesson_id)


def _check_cells(nb, lesson_id: str) -> list:
    return [cell for cell in nb.cells if _is_check(cell, lesson_id)]


def _public_text(nb, lesson_id: str) -> str:
    return "\n".join(cell.source for cell in nb.cells if not _is_check(cell, lesson_id))


def secret_lines(lesson: Path, published: str = "") -> set[str]:
    """Lines of a lesson that must not be published: every non-trivial line of its check cells
    (hidden tests included), except lines that also appear in its published cells or in the
    ``published`` text (e.g. the book's own pages, which show examples of check code)."""
    nb = jupytext.read(lesson)
    public = _public_text(nb, lesson.stem) + "\n" + published
    lines = {line.strip() for cell in _check_cells(nb, lesson.stem) for line in cell.source.splitlines()}
    return {line for line in lines if len(line) > SECRET_LINE_MIN_CHARS and line not in public}


# --- the derived copy (fast) -------------------------------------------------------------------

def test_the_repository_has_lessons_and_the_toc_lists_them():
    assert LESSONS, "no solutions/NN-slug/NN-slug.py found"
    book.check_toc(ROOT, LESSONS)


@pytest.mark.parametrize("lesson", LESSONS, ids=[p.stem for p in LESSONS])
def test_derived_lesson_drops_checks_and_collapses_solutions(lesson):
    source = jupytext.read(lesson)
    derived = book.derive_notebook(lesson)
    text = nbformat.writes(derived)
    assert len(derived.cells) == len(source.cells) - len(_check_cells(source, lesson.stem)) + 1  # the reader's note
    assert f"course/{lesson.stem}/{lesson.stem}.ipynb" in derived.cells[1].source
    for marker in MARKERS:
        assert marker not in text
    for line in secret_lines(lesson):
        assert line not in text
    assert "nbgrader" not in text
    by_id = {cell.id: cell for cell in derived.cells}
    for cell in source.cells:
        if book.nbgrader_role(cell) != "answer":
            continue
        published = by_id[cell.metadata["nbgrader"]["grade_id"]]
        if cell.cell_type == "code":
            assert "hide-input" in published.metadata["tags"]
            assert published.metadata["mystnb"]["code_prompt_show"] == "Show solution"
        else:
            assert re.search(r"^:{3,}\{dropdown\} Model answer$", published.source, re.MULTILINE)
    # alt text written by the lesson's author reaches myst-nb unchanged
    alts = [c.metadata["mystnb"]["image"]["alt"] for c in source.cells
            if "image" in c.metadata.get("mystnb", {})]
    assert alts == [c.metadata["mystnb"]["image"]["alt"] for c in derived.cells
                    if "image" in c.metadata.get("mystnb", {})]


def test_fixture_lesson_is_derived_cell_by_cell(tmp_path):
    lesson = _write_fixture_course(tmp_path)
    cells = book.derive_notebook(lesson).cells
    assert [c.id for c in cells] == ["intro", "book-note", "setup", "ex", "q", "cell-5"]
    assert cells[3].source == "def double(x):\n    return 2 * x"
    assert cells[3].metadata["tags"] == ["hide-input"]
    # the text before the markers stays visible; the fence outlasts the nested ::::
    assert cells[4].source.splitlines()[0] == "Look at the data first."
    assert cells[4].source.splitlines()[1] == ":::::{dropdown} Model answer"
    assert cells[4].source.splitlines()[-1] == ":::::"
    assert cells[5].metadata == {"mystnb": {"image": {"alt": "a figure"}}}


def test_hidden_tests_outside_a_check_cell_are_refused(tmp_path):
    lesson = _write_fixture_course(tmp_path)
    lesson.write_text(FIXTURE_LESSON.replace("x = double(3)", "### BEGIN HIDDEN TESTS\nx = 1\n### END HIDDEN TESTS"))
    with pytest.raises(book.BookError, match="hidden tests outside a check cell"):
        book.derive_notebook(lesson)


def test_a_lesson_missing_from_the_toc_is_refused(tmp_path):
    _write_fixture_course(tmp_path, toc_lessons=())
    with pytest.raises(book.BookError, match="99-fixture"):
        book.derive_book_source(tmp_path)


def test_a_planned_lesson_is_left_out_until_it_exists(tmp_path):
    _write_fixture_course(tmp_path, toc_lessons=("98-planned", "99-fixture"))
    assert book.check_toc(tmp_path, book.lesson_sources(tmp_path)) == ["lessons/98-planned"]
    derived = book.toc_files(book.derive_book_source(tmp_path) / "_toc.yml")
    assert derived == ["book/intro", "lessons/99-fixture"]


def test_planned_lessons_leave_no_empty_part_in_the_toc():
    toc = {"format": "jb-book", "root": "book/intro", "parts": [
        {"caption": "Lessons", "chapters": [{"file": "lessons/01-a"}, {"file": "lessons/02-b"}]},
        {"caption": "Later", "chapters": [{"file": "lessons/09-c"}]},
        {"caption": "Guides", "chapters": [{"file": "book/guide", "sections": [{"file": "lessons/08-d"}]}]}]}
    assert book._toc_without(toc, {"lessons/02-b", "lessons/09-c", "lessons/08-d"}) == {
        "format": "jb-book", "root": "book/intro", "parts": [
            {"caption": "Lessons", "chapters": [{"file": "lessons/01-a"}]},
            {"caption": "Guides", "chapters": [{"file": "book/guide"}]}]}


def test_a_toc_entry_without_its_page_is_refused(tmp_path):
    _write_fixture_course(tmp_path)
    toc = tmp_path / "_toc.yml"
    toc.write_text(toc.read_text() + "  - file: book/no-such-page\n")
    with pytest.raises(book.BookError, match="book/no-such-page"):
        book.derive_book_source(tmp_path)


def test_each_lesson_page_links_its_student_notebook(tmp_path):
    """The derived copy holds the book's copy of each release (published as notebooks/ID.ipynb)
    and the page's links, read by tooling.book_site; the reader's note links them too."""
    _write_fixture_course(tmp_path)
    dest = book.derive_book_source(tmp_path)
    found = launch.read_settings(tmp_path)
    release = nbformat.read(tmp_path / "course" / "99-fixture" / "99-fixture.ipynb", as_version=4)
    published = nbformat.read(dest / "_extra" / "notebooks" / "99-fixture.ipynb", as_version=4)
    assert published == launch.notebook_for_book(release, found)
    links = json.loads((dest / "_lesson_links.json").read_text())
    assert links == {"lessons/99-fixture": {
        "download": "notebooks/99-fixture.ipynb",
        "github": "https://github.com/someone/fixture-course/blob/main/course/99-fixture/99-fixture.ipynb",
        "binder": "https://mybinder.org/v2/gh/someone/fixture-course/main"
                  "?urlpath=lab/tree/course/99-fixture/99-fixture.ipynb"}}
    note = nbformat.read(dest / "lessons" / "99-fixture.ipynb", as_version=4).cells[1].source
    assert '<a href="../notebooks/99-fixture.ipynb" download' in note
    assert f"[Binder]({links['lessons/99-fixture']['binder']})" in note
    assert f"({links['lessons/99-fixture']['github']})" in note


def test_a_lesson_without_its_student_release_is_refused(tmp_path):
    _write_fixture_course(tmp_path)
    (tmp_path / "course" / "99-fixture" / "99-fixture.ipynb").unlink()
    with pytest.raises(book.BookError, match=r"course/99-fixture/99-fixture.ipynb does not exist.*make release"):
        book.derive_book_source(tmp_path)


def test_launch_settings_without_a_repository_are_refused(tmp_path):
    _write_fixture_course(tmp_path)
    (tmp_path / "_config.yml").write_text("title: fixture\n")
    with pytest.raises(book.BookError, match="repository.url"):
        book.derive_book_source(tmp_path)


def test_derived_copy_is_deterministic_and_rewrites_only_what_changed(tmp_path):
    lesson = _write_fixture_course(tmp_path)
    dest = book.derive_book_source(tmp_path)
    first = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in dest.rglob("*") if p.is_file()}
    assert book.derive_book_source(tmp_path) == dest
    assert first == {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in dest.rglob("*") if p.is_file()}
    (tmp_path / "book" / "extra.md").write_text("# Extra\n")
    lesson.rename(lesson.with_name("gone.py"))  # no longer a lesson: its page must disappear
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\n")
    book.derive_book_source(tmp_path)
    assert not (dest / "lessons").exists() and (dest / "book" / "extra.md").is_file()


def test_only_code_changes_change_the_execution_cache_key(tmp_path):
    """jupyter-cache keys executed notebooks by their code cells: the derived copy must keep
    that key for a prose change (see test_cache_records_* for the real build)."""
    lesson = _write_fixture_course(tmp_path)
    cache = get_cache(tmp_path / "cache")

    def key():
        return cache.create_hashed_notebook(book.derive_notebook(lesson))[1]

    original = key()
    assert key() == original
    lesson.write_text(FIXTURE_LESSON.replace("# # 99 · Fixture lesson", "# # 99 · Fixture lesson, retitled"))
    assert key() == original
    lesson.write_text(FIXTURE_LESSON.replace("x = double(3)", "x = double(4)"))
    assert key() != original


# --- leak search -------------------------------------------------------------------------------

def _texts(path: Path) -> list[str]:
    """The readable versions of a built file: raw, HTML with tags stripped and entities decoded
    (highlighted code is split into <span>s), and every string inside JSON (notebooks)."""
    raw = path.read_bytes().decode("utf-8", errors="replace")
    texts = [raw, html.unescape(re.sub(r"<[^>]+>", "", raw))]
    if path.suffix in (".ipynb", ".json"):
        try:
            strings = []

            def walk(node):
                if isinstance(node, str):
                    strings.append(node)
                elif isinstance(node, dict):
                    [walk(v) for v in node.values()]
                elif isinstance(node, list):
                    [walk(v) for v in node]

            walk(json.loads(raw))
            texts.append("".join(strings))
        except json.JSONDecodeError:
            pass
    return texts


def find_leaks(site: Path, secrets: set[str]) -> list[tuple[str, str]]:
    """Every (file, secret) pair where a secret line or marker occurs in a file under ``site``."""
    leaks = []
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        if path.suffix in (".png", ".jpg", ".svg", ".woff", ".woff2", ".ttf", ".eot", ".ico", ".mo", ".gif"):
            continue
        texts = _texts(path)
        leaks += [(path.relative_to(site).as_posix(), secret) for secret in sorted(secrets)
                  if any(secret in text for text in texts)]
    return leaks


def test_leak_search_sees_through_highlighting_and_json(tmp_path):
    (tmp_path / "page.html").write_text(
        '<pre><span class="n">checks</span><span class="o">.</span><span class="n">close</span>'
        '<span class="p">(</span><span class="s2">&quot;t&quot;</span>)</pre>')
    (tmp_path / "nb.ipynb").write_text(json.dumps({"cells": [{"source": ["a = 1\n", "### BEGIN ", "HIDDEN TESTS\n"]}]}))
    (tmp_path / "clean.js").write_text("var x = 1;")
    assert find_leaks(tmp_path, {'checks.close("t")', "BEGIN HIDDEN TESTS"}) == [
        ("nb.ipynb", "BEGIN HIDDEN TESTS"), ("page.html", 'checks.close("t")')]


# --- the built book (slow) ---------------------------------------------------------------------

def _copy_course(src: Path, dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__")
    for folder in ("solutions", "book", "course"):
        shutil.copytree(src / folder, dest / folder, ignore=ignore)
    for name in (*book.ROOT_FILES, "pyproject.toml"):
        shutil.copy2(src / name, dest / name)
    return dest


@pytest.fixture(scope="session")
def built_book(tmp_path_factory):
    """One build of the book in a temporary copy of the course; returns the copy's root.

    The copy starts from the checkout's execution cache when there is one (after `make book`):
    results are keyed by the lessons' code, so only lessons changed since then are executed."""
    root = _copy_course(ROOT, tmp_path_factory.mktemp("book") / "course")
    cache = ROOT / book.BUILD_FOLDER / ".jupyter_cache"
    if cache.is_dir():
        shutil.copytree(cache, root / book.BUILD_FOLDER / ".jupyter_cache")
    book.build(root)
    return root


def _pre_execution(monkeypatch, returncode: int, stdout: str, stderr: str = "") -> list:
    """Make the parallel pre-execution end as given; return the commands it was asked to run."""
    import subprocess

    commands = []

    def run(command, **kwargs):
        commands.append(command)
        return subprocess.CompletedProcess(command, returncode, stdout, stderr)

    monkeypatch.setattr(book, "uncached_lessons", lambda root: [Path(root) / "99-fixture.ipynb"])
    monkeypatch.setattr(book.subprocess, "run", run)
    return commands


def test_a_pre_execution_that_fails_itself_stops_the_build(tmp_path, monkeypatch):
    """Not a lesson but the parallel execution failed (an import, the cache): the build must not
    fall back silently to executing every lesson one by one."""
    commands = _pre_execution(monkeypatch, 1, "", "Traceback (most recent call last):\nImportError: no executor\n")
    with pytest.raises(book.BookError, match=r"(?s)parallel execution of the lessons failed.*ImportError: no executor"):
        book._execute_uncached(tmp_path, {})
    assert commands and "--execute-only" in commands[0]


def test_a_lesson_that_fails_in_the_pre_execution_is_named(tmp_path, monkeypatch):
    import io

    _pre_execution(monkeypatch, 1, f"succeeded: {tmp_path}/98-ok.ipynb\nexcepted: {tmp_path}/99-fixture.ipynb\n")
    log = io.StringIO()
    book._execute_uncached(tmp_path, {}, log)  # the build that follows reports the lesson's error
    assert "failed in the parallel execution" in log.getvalue() and "99-fixture" in log.getvalue()
    assert "98-ok" not in log.getvalue()
    _pre_execution(monkeypatch, 0, f"succeeded: {tmp_path}/99-fixture.ipynb\n")
    book._execute_uncached(tmp_path, {}, log := io.StringIO())
    assert log.getvalue() == ""


@pytest.mark.slow
def test_warnings_errors_and_stderr_fail_the_build(tmp_path):
    """With the course's own _config.yml, a broken reference, a lesson that raises and a lesson
    that writes to stderr each fail the build, the error quotes them all, and so does the next
    build."""
    lesson = _write_fixture_course(tmp_path)
    shutil.copy2(ROOT / "_config.yml", tmp_path / "_config.yml")
    shutil.copy2(ROOT / "book" / "references.bib", tmp_path / "book" / "references.bib")
    (tmp_path / "book" / "intro.md").write_text("# Intro\n\nSee {doc}`no-such-page`.\n")
    other = tmp_path / "solutions" / "98-stderr" / "98-stderr.py"
    other.parent.mkdir()
    other.write_text("# %% [markdown]\n# # 98 · Stderr\n\n# %%\nimport sys\nprint('careful', file=sys.stderr)\n")
    _write_release(tmp_path, "98-stderr")
    (tmp_path / "_toc.yml").write_text("format: jb-book\nroot: book/intro\nchapters:\n"
                                       "  - file: lessons/99-fixture\n  - file: lessons/98-stderr\n")
    lesson.write_text(FIXTURE_LESSON.replace("x = double(3)", "x = double(3) / 0"))
    with pytest.raises(book.BookError) as failure:
        book.build(tmp_path)
    message = str(failure.value)
    assert "no-such-page" in message
    assert "ZeroDivisionError: division by zero" in message
    assert "98-stderr" in message and "[mystnb.stderr]" in message
    # nothing changed, nothing fixed: the next build must fail again, not pass on stale state
    with pytest.raises(book.BookError, match="no-such-page"):
        book.build(tmp_path)


@pytest.mark.slow
def test_build_makes_every_toc_page_and_a_redirecting_index(built_book):
    site = built_book / "_build" / "html"
    entries = book.toc_files(built_book / "_build" / "book-src" / "_toc.yml")
    for entry in entries:
        assert (site / f"{entry}.html").is_file(), entry
    assert f'url={entries[0]}.html' in (site / "index.html").read_text()


@pytest.mark.slow
def test_figures_carry_their_alt_text(built_book):
    for lesson in book.lesson_sources(built_book):
        page = (built_book / "_build" / "html" / "lessons" / f"{lesson.stem}.html").read_text()
        alts = [c.metadata["mystnb"]["image"]["alt"] for c in jupytext.read(lesson).cells
                if "image" in c.metadata.get("mystnb", {})]
        images = re.findall(r'<img alt="([^"]*)" src="[^"]*_images/', page)
        assert [html.unescape(alt) for alt in images] == alts


@pytest.mark.slow
def test_no_check_cell_or_hidden_test_reaches_the_site(built_book):
    """Searches everything the build wrote — the site (pages, _sources, notebook downloads,
    searchindex.js, scripts) and the derived sources, doctrees, executed notebooks and cache."""
    secrets = set(MARKERS)
    # a line published anywhere (a book page, another lesson) cannot tell a leak
    lessons = book.lesson_sources(built_book)
    pages = "\n".join([page.read_text() for page in (built_book / "book").rglob("*.md")]
                      + [_public_text(jupytext.read(lesson), lesson.stem) for lesson in lessons])
    for lesson in lessons:
        secrets |= secret_lines(lesson, pages)
    assert len(secrets) > len(MARKERS)
    built = built_book / "_build"
    assert (built / "html" / "searchindex.js").is_file() and list(built.glob("html/_sources/lessons/*.ipynb"))
    # The maintainer and instructor guides document the markers: in the files built from those
    # pages, that is not a leak. The book's copies of the student notebooks hold what the release
    # holds — the visible checks, which every student has — and never a hidden test. Lines of
    # check cells are allowed nowhere else.
    documented = {(f"book/{page.stem}", marker) for page in (built_book / "book").glob("*.md")
                  for marker in MARKERS if marker in page.read_text()}
    released = {}
    for lesson in lessons:
        text = "\n".join(_texts(built_book / launch.student_notebook(lesson.stem)))
        for copy in (f"html/{launch.book_notebook(lesson.stem)}",
                     f"book-src/{book_site.EXTRA_FOLDER}/{launch.book_notebook(lesson.stem)}"):
            assert (built / copy).is_file(), copy
            released[copy] = {secret for secret in secrets if secret in text}
    assert not set(MARKERS) & set().union(*released.values())
    leaks = [(path, secret) for path, secret in find_leaks(built, secrets)
             if (path.rsplit(".", 1)[0].split("/", 1)[-1].removeprefix("_sources/"), secret) not in documented
             and secret not in released.get(path, set())]
    assert leaks == []


@pytest.mark.slow
def test_no_word_of_the_check_cells_alone_reaches_the_search_index(built_book):
    """The search index holds stemmed words, not lines: no word found only in check cells may
    be a term of it."""
    from sphinx.search.en import SearchEnglish

    public = set()
    for page in (p for p in (built_book / "book").rglob("*") if p.is_file()):  # .md and .bib
        public |= set(re.findall(r"\w+", page.read_text().lower()))
    for executed in (built_book / "_build" / "jupyter_execute").rglob("*.ipynb"):
        public |= set(re.findall(r"\w+", json.dumps(json.loads(executed.read_text())).lower()))
    secret_words = set()
    for lesson in book.lesson_sources(built_book):
        nb = jupytext.read(lesson)
        public |= set(re.findall(r"\w+", _public_text(nb, lesson.stem).lower()))
        for cell in _check_cells(nb, lesson.stem):
            secret_words |= set(re.findall(r"[a-z_][a-z0-9_]{3,}", cell.source.lower()))
    stem = SearchEnglish({}).stem
    secret_stems = {stem(w) for w in secret_words} - {stem(w) for w in public} - public
    index = (built_book / "_build" / "html" / "searchindex.js").read_text()
    terms = set(json.loads(index[index.index("(") + 1:index.rindex(")")])["terms"])
    assert secret_stems, "expected check cells to use some words of their own"
    assert sorted(secret_stems & terms) == []


def _cache_records(root: Path) -> dict[int, tuple]:
    cache = get_cache(root / "_build" / ".jupyter_cache")
    return {r.pk: (r.hashkey, Path(r.uri).stem, r.created) for r in cache.list_cache_records()}


def _edit_lesson(lesson: Path, cell_type: str, line: str) -> None:
    nb = jupytext.read(lesson)
    cell = next(c for c in nb.cells if c.cell_type == cell_type and book.nbgrader_role(c) == "plain")
    cell.source += "\n" + line
    jupytext.write(nb, lesson, fmt="py:percent")


@pytest.mark.slow
def test_cache_records_show_prose_changes_execute_nothing_and_code_changes_one_lesson(built_book, tmp_path):
    root = tmp_path / "course"
    shutil.copytree(built_book, root)
    before = _cache_records(root)
    assert {stem for _, stem, _ in before.values()} >= {p.stem for p in book.lesson_sources(root)}
    # the lesson that ran fastest is the cheapest to re-execute
    cache = get_cache(root / "_build" / ".jupyter_cache")
    lessons = {p.stem: p for p in book.lesson_sources(root)}
    fastest = min((r for r in cache.list_cache_records() if Path(r.uri).stem in lessons),
                  key=lambda r: r.data.get("execution_seconds", 0))
    target = lessons[Path(fastest.uri).stem]

    _edit_lesson(target, "markdown", "Cache probe: a sentence added by the test.")
    book.build(root)
    assert _cache_records(root) == before, "a text-only change re-executed a lesson"
    assert "Cache probe: a sentence added by the test." in (
        root / "_build" / "html" / "lessons" / f"{target.stem}.html").read_text()

    _edit_lesson(target, "code", "cache_probe = 1")
    book.build(root)
    after = _cache_records(root)
    new = {pk: record for pk, record in after.items() if pk not in before}
    assert [stem for _, stem, _ in new.values()] == [target.stem]
    assert {pk: after[pk] for pk in before} == before, "another lesson's record changed"


# --- in a real browser (slow) ------------------------------------------------------------------

def _require_chromium():
    needs.module("playwright.sync_api", install="pip install -e '.[test]' (never `playwright install`)")
    needs.program("chromium", package="chromium", path=str(CHROMIUM))


@pytest.fixture
def served_site(built_book):
    handler = functools.partial(_QuietHandler, directory=str(built_book / "_build" / "html"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _page_title(root: Path, entry: str) -> str:
    """The first level-1 heading of a toc entry's source, as Sphinx shows it in the title."""
    if entry.startswith(f"{book.LESSON_FOLDER}/"):
        lesson_id = entry.split("/", 1)[1]
        text = "\n".join(c.source for c in jupytext.read(root / "solutions" / lesson_id / f"{lesson_id}.py").cells
                         if c.cell_type == "markdown")
    else:
        text = (root / f"{entry}.md").read_text()
    heading = re.search(r"^# (.+)$", text, re.MULTILINE).group(1)
    return re.sub(r"[`*]", "", heading).strip()


# What a page's maths looks like once the scripts ran: MathJax is waited for, then the page's
# text outside code is returned, with the maths elements and those MathJax typeset.
MATHS_STATE = """async () => {
  const maths = Array.from(document.querySelectorAll("span.math, div.math"));
  if (maths.length && window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  const body = document.body.cloneNode(true);
  body.querySelectorAll("pre, code, script, style, mjx-container").forEach(e => e.remove());
  return {maths: maths.length, mathjax: !!(window.MathJax && MathJax.startup),
          typeset: maths.filter(m => m.querySelector("mjx-container")).length,
          errors: document.querySelectorAll("mjx-merror").length, text: body.textContent};
}"""
RAW_MATHS = ("\\[", "\\(", "$$")


@pytest.mark.slow
def test_every_page_renders_in_chromium(built_book, served_site):
    """Every page, offline: any request not to the local server is blocked and fails the test
    (scripts, fonts, icons: the site must read on a train); maths is typeset by the MathJax the
    site ships, with no raw TeX left in the text; lesson pages offer the student notebook."""
    _require_chromium()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    entries = book.toc_files(built_book / "_build" / "book-src" / "_toc.yml")
    blocked, page_errors, with_maths = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-dev-shm-usage", "--no-first-run"])
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, service_workers="block")
            page = context.new_page()
            page.on("pageerror", lambda error: page_errors.append(str(error)))

            def offline(route):  # every page, frame and popup of the context
                if route.request.url.startswith(f"{served_site}/"):
                    return route.continue_()
                blocked.append((page.url.removeprefix(served_site), route.request.url))
                return route.abort()

            context.route("**/*", offline)
            page.goto(f"{served_site}/index.html")
            page.wait_for_url(f"{served_site}/{entries[0]}.html")
            for entry in entries:
                page.goto(f"{served_site}/{entry}.html", wait_until="load")
                title = _page_title(built_book, entry)
                assert title in page.title(), (entry, page.title())
                assert title in page.locator("h1").first.inner_text()
                maths = page.evaluate(MATHS_STATE)
                if maths["maths"]:
                    with_maths.append(entry)
                    assert maths["mathjax"], f"{entry}: maths, but no MathJax"
                    assert maths["typeset"] == maths["maths"], f"{entry}: maths left untypeset"
                    assert maths["errors"] == 0, f"{entry}: TeX that MathJax cannot typeset"
                raw = [marker for marker in RAW_MATHS if marker in maths["text"]]
                assert raw == [], f"{entry}: raw TeX in the text: {raw}"
                page.wait_for_load_state("networkidle")  # fonts and scripts loaded late
                assert blocked == [], f"pages that reach for the network (page, request): {blocked}"
                images = page.evaluate(
                    "Array.from(document.images).map(i => [i.src, i.complete, i.naturalWidth])")
                broken = [src for src, complete, width in images if not complete or width == 0]
                assert broken == [], f"{entry}: images that did not load: {broken}"
                assert page.locator(".output.traceback, .output.stderr, .output.error").count() == 0
                assert "Traceback (most recent call last)" not in page.inner_text("body")
                page.screenshot(path=str(SCREENSHOTS / f"{entry.replace('/', '__')}.png"), full_page=True)
                if entry.startswith(f"{book.LESSON_FOLDER}/"):
                    _check_lesson_page(page, built_book, entry, len(images))
                    _check_student_notebook_controls(page, built_book, entry, served_site)
                else:
                    assert page.locator(".dropdown-launch-buttons, .btn-download-exercises-button").count() == 0
            page.goto(f"{served_site}/search.html?q=baseline", wait_until="networkidle")
            assert page.locator("#search-results li").count() > 0
        finally:
            browser.close()
    assert page_errors == []
    assert blocked == [], f"pages that reach for the network (page, request): {blocked}"
    assert any(entry.startswith(f"{book.LESSON_FOLDER}/") for entry in with_maths), with_maths


def _check_student_notebook_controls(page, root: Path, entry: str, site: str) -> None:
    """The page's download and launch controls — header menus and the note under the title —
    lead to the lesson's student notebook, and the download is the book's copy of the release."""
    lesson_id = entry.split("/", 1)[1]
    found = launch.read_settings(root)
    expected = launch.launch_urls(found, lesson_id)  # the course sets all three (test_launch.py)
    assert expected
    hrefs = page.eval_on_selector_all(".dropdown-launch-buttons a", "links => links.map(a => a.href)")
    assert hrefs == list(expected.values())
    page.locator(".dropdown-launch-buttons button").click()
    assert page.locator(".dropdown-launch-buttons a").last.is_visible()
    page.keyboard.press("Escape")
    note = page.locator(".admonition.note", has_text="exercise notebook")
    note_hrefs = note.first.evaluate("note => Array.from(note.querySelectorAll('a')).map(a => a.href)")
    assert set(expected.values()) | {launch.github_url(found, lesson_id)} <= set(note_hrefs)
    # nothing on the page launches a derived page or the solutions
    launches = [h for h in page.eval_on_selector_all("a", "links => links.map(a => a.href)")
                if re.match(r"https://(mybinder\.org|colab\.research|[^/]*/hub/)", h)]
    assert launches and not [h for h in launches if "solutions" in h or f"{book.LESSON_FOLDER}%2F" in h
                             or f"/{book.LESSON_FOLDER}/" in h]

    download = f"{site}/{launch.book_notebook(lesson_id)}"
    header = page.locator(".dropdown-download-buttons a.btn-download-exercises-button")
    assert header.evaluate("a => a.href") == download
    in_note = page.locator("a.exercise-download")
    assert in_note.evaluate("a => a.href") == download and in_note.get_attribute("download") is not None
    response = page.request.get(download)
    assert response.ok
    published = nbformat.reads(response.text(), as_version=4)
    release = nbformat.read(root / launch.student_notebook(lesson_id), as_version=4)
    assert published == launch.notebook_for_book(release, found)


def _check_lesson_page(page, root: Path, entry: str, n_images: int) -> None:
    lesson_id = entry.split("/", 1)[1]
    source = jupytext.read(root / "solutions" / lesson_id / f"{lesson_id}.py")
    answers = [c for c in source.cells if book.nbgrader_role(c) == "answer"]
    toggles = page.locator("details.hide.above-input")
    assert toggles.count() == sum(c.cell_type == "code" for c in answers) > 0
    assert page.locator("details.hide.above-input[open]").count() == 0, "a solution is shown open"
    # collapsed code, visible output: the figure an answer draws is shown
    outputs = page.locator(".tag_hide-input .cell_output")
    assert all(outputs.nth(i).is_visible() for i in range(outputs.count()))
    first = toggles.first
    code = first.locator(".cell_input")
    assert not code.is_visible()
    first.locator("summary").click()
    assert code.is_visible() and code.inner_text().strip()
    dropdowns = page.locator("details.sd-dropdown", has_text="Model answer")
    assert dropdowns.count() == sum(c.cell_type == "markdown" for c in answers)
    assert n_images >= sum("image" in c.metadata.get("mystnb", {}) for c in source.cells)
