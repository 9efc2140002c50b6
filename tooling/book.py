"""Publish the course as a Jupyter Book, built from a derived copy of the lessons.

The book is never built straight from ``solutions/``: their check cells hold hidden tests, which
would reach the readers through page sources, notebook downloads and the search index. Instead
:func:`derive_book_source` writes a copy in which

- **check cells** (nbgrader ``grade: true, solution: false`` code cells) are deleted, hidden tests
  and all;
- **answer cells** (``solution: true`` code cells) lose their solution markers and are tagged
  ``hide-input``: the solution sits collapsed behind a "Show solution" toggle, its output shown;
- **model answers** (``solution: true`` markdown cells) become a collapsed "Model answer"
  dropdown;
- nbgrader metadata is dropped; cell ids are derived from the grade ids, so the copy is
  byte-for-byte the same for the same lesson, and the execution cache keeps its hits.

Each lesson page also opens the lesson's **student** notebook (the release ``course/``, never the
solutions): the copy writes the book's version of each (``_extra/notebooks/NN-slug.ipynb``,
published as ``notebooks/NN-slug.ipynb``, with a set-up cell for Colab) and the page's download
and launch links (``_lesson_links.json``, read by the Sphinx extension :mod:`tooling.book_site`);
see :mod:`tooling.launch`.

Everything lives under ``<root>/_build/`` (``make clean`` removes it)::

    _build/book-src/         the derived copy: _toc.yml, _config.yml, book/, lessons/NN-slug.ipynb,
                             _extra/notebooks/NN-slug.ipynb, _lesson_links.json
    _build/html/             the website (index.html redirects to the introduction)
    _build/.jupyter_cache/   executed lessons (jupyter-cache); only changed code re-executes
    _build/linkcheck/        the link check's report (``--linkcheck``, needs the internet)

The toc names lessons ``lessons/NN-slug`` — a folder that exists only in the derived copy, so
``jupyter-book build .`` at the repository root cannot publish the solutions by mistake.

Command line: ``python -m tooling.book [--root PATH] [--derive-only | --execute-only | --linkcheck]``.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import jupytext
import nbformat
import yaml
from jupyter_cache import get_cache

from tooling import book_site, launch

BUILD_FOLDER = "_build"
SOURCE_FOLDER = "book-src"
LESSON_FOLDER = "lessons"
BOOK_PAGES_FOLDER = "book"
ROOT_FILES = ("_toc.yml", "_config.yml")

SOLUTION_MARKERS = ("BEGIN SOLUTION", "END SOLUTION")
HIDDEN_TEST_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
# Cell metadata the book reads; everything else (nbgrader, jupytext bookkeeping) is dropped.
KEPT_CELL_METADATA = ("tags", "mystnb")
SOLUTION_PROMPTS = {"code_prompt_show": "Show solution", "code_prompt_hide": "Hide solution"}
READER_NOTE = """:::{{note}}
This page is the lesson with its solutions, collapsed under **Show solution**. To work the
exercises with instant feedback, use the exercise notebook, {path}:
there a check cell follows each exercise (the checks are not shown here).{links}
:::"""
LAUNCH_NAMES = {"jupyterhub": "JupyterHub", "binder": "Binder", "colab": "Colab"}
# The lessons' figures are shown by the inline backend; an inherited MPLBACKEND=Agg (tests,
# the Makefile) would make every figure silently vanish from the book.
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
# Sphinx's warnings ("path:line: WARNING: ..."); kernels log their own "[IPKernelApp] WARNING | ...".
SPHINX_WARNING = re.compile(r"(^|: )(WARNING|ERROR|CRITICAL|SEVERE):")
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")
WARNING_TYPE = re.compile(r"\[[\w.-]+\]$")


class BookError(RuntimeError):
    """The book's sources are inconsistent or its build failed (the message says why)."""


def lesson_sources(root: Path) -> list[Path]:
    """Every lesson source ``solutions/NN-slug/NN-slug.py`` under ``root``, sorted by id (a
    letter may follow the number, ``08b-slug``: a lesson added after 08 that sorts before 09)."""
    return sorted(path for path in Path(root, "solutions").glob("*/*.py")
                  if path.stem == path.parent.name and re.match(r"\d\d[a-z]?-", path.stem))


def nbgrader_role(cell) -> str:
    """What a lesson cell is for the book: ``"check"``, ``"answer"`` or ``"plain"``.

    A check cell is an autograded test (``grade: true, solution: false`` code); an answer cell
    holds a solution (``solution: true``, code or markdown, graded by hand or not).
    """
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("solution"):
        return "answer"
    if meta.get("grade") and cell.cell_type == "code":
        return "check"
    return "plain"


def _without_solution_markers(source: str) -> str:
    lines = [line for line in source.split("\n")
             if not any(marker in line for marker in SOLUTION_MARKERS)]
    return "\n".join(lines).strip("\n")


def _model_answer_dropdown(source: str) -> str:
    """Wrap the part of a markdown answer between the solution markers in a collapsed dropdown.

    Text outside the markers (nbgrader keeps it in the release too) stays visible; a cell
    without markers is an answer as a whole, as for nbgrader.
    """
    lines = source.split("\n")
    begin = next((i for i, line in enumerate(lines) if SOLUTION_MARKERS[0] in line), None)
    end = next((i for i, line in enumerate(lines) if SOLUTION_MARKERS[1] in line), None)
    if begin is None or end is None or end < begin:
        before, answer, after = [], lines, []
    else:
        before, answer, after = lines[:begin], lines[begin + 1:end], lines[end + 1:]
    # The fence must be longer than any colon fence inside the answer.
    longest = max((len(m.group()) for m in re.finditer(r"^:{3,}", "\n".join(answer), re.MULTILINE)),
                  default=2)
    fence = ":" * max(3, longest + 1)
    dropdown = [f"{fence}{{dropdown}} Model answer", *answer, fence]
    return "\n".join(before + dropdown + after).strip("\n")


def _cell_id(cell, taken: set[str]) -> str:
    grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "")
    base = re.sub(r"[^A-Za-z0-9_-]", "-", grade_id)[:60] or f"cell-{len(taken)}"
    cell_id, n = base, 1
    while cell_id in taken:
        cell_id, n = f"{base}-{n}", n + 1
    taken.add(cell_id)
    return cell_id


def _reader_note(lesson_id: str, links: dict[str, str] | None) -> str:
    """The note after a lesson's header; with ``links`` (see :func:`lesson_links`) it links the
    exercise notebook's download and launch services."""
    path = f"`course/{lesson_id}/{lesson_id}.ipynb`"
    text = ""
    if links and links.get("github"):
        path = f"[{path}]({links['github']})"
    if links:
        services = [f"[{LAUNCH_NAMES[key]}]({url})" for key, url in links.items() if key in LAUNCH_NAMES]
        opened = ""
        if services:
            opened = " or open it on " + (", ".join(services[:-1]) + " or " if len(services) > 1 else "") + services[-1]
        # the page is lessons/ID.html; raw HTML, as MyST would take a link to an .ipynb for a page
        text = (f'\n<a href="../{links["download"]}" download class="exercise-download">Download it</a>'
                f"{opened} (also in the {'download and launch menus' if services else 'download menu'}"
                " at the top of the page).")
    return READER_NOTE.format(path=path, links=text)


def lesson_links(found: launch.Settings, lesson_id: str) -> dict[str, str]:
    """A lesson page's links to its student notebook: ``download`` (its path in the site),
    ``github`` (its page in the repository) and one URL per launch service
    (:func:`tooling.launch.launch_urls`)."""
    return {"download": launch.book_notebook(lesson_id), "github": launch.github_url(found, lesson_id),
            **launch.launch_urls(found, lesson_id)}


def derive_notebook(source: Path, links: dict[str, str] | None = None) -> nbformat.NotebookNode:
    """The book's version of one lesson (see the module docstring for what changes); ``links``
    (:func:`lesson_links`) go into the reader's note after the header.

    Raises
    ------
    BookError
        If hidden tests sit anywhere but in a check cell (they would be published).
    """
    lesson = jupytext.read(source)
    cells, taken = [], set()
    for cell in lesson.cells:
        role = nbgrader_role(cell)
        if role == "check":
            continue
        if any(marker in cell.source for marker in HIDDEN_TEST_MARKERS):
            raise BookError(f"{source}: hidden tests outside a check cell "
                            f"(grade id {cell.metadata.get('nbgrader', {}).get('grade_id')!r}); "
                            "hidden tests belong in a locked check cell (grade: true, solution: false)")
        metadata = {key: copy.deepcopy(cell.metadata[key])
                    for key in KEPT_CELL_METADATA if key in cell.metadata}
        text = cell.source.strip("\n")
        if role == "answer" and cell.cell_type == "code":
            text = _without_solution_markers(text)
            metadata["tags"] = sorted(set(metadata.get("tags", [])) | {"hide-input"})
            metadata["mystnb"] = {**SOLUTION_PROMPTS, **metadata.get("mystnb", {})}
        elif role == "answer":
            text = _model_answer_dropdown(text)
        if cell.cell_type == "code":
            new = nbformat.v4.new_code_cell(text, metadata=metadata)
        elif cell.cell_type == "markdown":
            new = nbformat.v4.new_markdown_cell(text, metadata=metadata)
        else:
            new = nbformat.v4.new_raw_cell(text, metadata=metadata)
        new["id"] = _cell_id(cell, taken)
        cells.append(new)
        if len(cells) == 1:  # after the lesson's header: how this page differs from the notebook
            note = nbformat.v4.new_markdown_cell(_reader_note(source.stem, links))
            note["id"] = _cell_id({"metadata": {"nbgrader": {"grade_id": "book-note"}}}, taken)
            cells.append(note)
    kernelspec = lesson.metadata.get("kernelspec", {
        "display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"})
    return nbformat.v4.new_notebook(cells=cells, metadata={
        "kernelspec": kernelspec, "language_info": {"name": kernelspec.get("language", "python")}})


def _write_if_changed(path: Path, data: bytes) -> None:
    """Write only when the content differs: unchanged pages keep their mtime, so Sphinx does
    not re-read them."""
    if path.is_file() and path.read_bytes() == data:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def toc_files(toc_path: Path) -> list[str]:
    """Every ``file:`` (and ``root:``) entry of a Jupyter Book ``_toc.yml``, in order."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for key, value in node.items():
                if key in ("root", "file") and isinstance(value, str):
                    found.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load(toc_path.read_text(encoding="utf-8")))
    return found


def check_toc(root: Path, lessons: list[Path]) -> list[str]:
    """Check ``_toc.yml`` against the lessons and pages, and return the *planned* lessons.

    Every lesson of ``solutions/`` must be listed as ``lessons/NN-slug`` (with
    ``only_build_toc_files`` a lesson left out would silently vanish), and every other entry
    must name an existing page. The toc may list lessons not written yet: those are returned
    (as toc entries), and the book leaves them out until their source exists.

    Raises
    ------
    BookError
        Naming the lessons missing from the toc, or a toc entry without its page.
    """
    entries = toc_files(root / "_toc.yml")
    lesson_ids = {path.stem for path in lessons}
    listed = {e.split("/", 1)[1] for e in entries if e.startswith(f"{LESSON_FOLDER}/")}
    missing = sorted(lesson_ids - listed)
    if missing:
        raise BookError("lessons missing from _toc.yml (the book would silently leave them out): "
                        + ", ".join(missing) + f"; add `- file: {LESSON_FOLDER}/<id>` for each")
    for entry in entries:
        if not entry.startswith(f"{LESSON_FOLDER}/") and not any(
                (root / entry).with_suffix(suffix).is_file() for suffix in (".md", ".ipynb")):
            raise BookError(f"_toc.yml lists {entry}, but {entry}.md does not exist")
    return [e for e in entries if e.startswith(f"{LESSON_FOLDER}/") and e.split("/", 1)[1] not in lesson_ids]


def _toc_without(node, dropped: set[str]):
    """A parsed ``_toc.yml`` without the entries whose file is in ``dropped``, and without the
    parts or chapters that are left with nothing in them."""
    if isinstance(node, dict):
        return {key: _toc_without(value, dropped) for key, value in node.items()
                if not (isinstance(value, list) and not _toc_without(value, dropped))}
    if isinstance(node, list):
        kept = [_toc_without(item, dropped) for item in node
                if not (isinstance(item, dict) and item.get("file") in dropped)]
        return [item for item in kept if not isinstance(item, dict)
                or {"file", "glob", "url", "chapters", "sections", "parts"} & item.keys()]
    return node


def derive_book_source(root: Path) -> Path:
    """Write the book's source tree under ``<root>/_build/book-src`` and return its path.

    Copies ``_toc.yml``, ``_config.yml`` and the book-only pages (``book/``), writes each
    lesson as ``lessons/NN-slug.ipynb`` via :func:`derive_notebook`, the book's copy of its
    student notebook (``_extra/notebooks/NN-slug.ipynb``, :func:`tooling.launch.notebook_for_book`)
    and every lesson page's links (``_lesson_links.json``). Files left over from earlier runs (a
    renamed lesson, a deleted page) are removed. Deterministic: the same sources give the same
    bytes.

    Lessons the toc lists but ``solutions/`` does not have yet are left out of the copy's toc.

    Raises
    ------
    BookError
        If a lesson is missing from ``_toc.yml``, the toc names a page that does not exist, a
        lesson has hidden tests outside its check cells or no student release
        (``course/NN-slug/NN-slug.ipynb``), or the launch settings are wrong (``_config.yml``'s
        ``repository`` and ``launch_buttons``, ``pyproject.toml``).
    """
    root = Path(root).resolve()
    dest = root / BUILD_FOLDER / SOURCE_FOLDER
    lessons = lesson_sources(root)
    planned = check_toc(root, lessons)
    wanted: dict[Path, bytes] = {dest / name: (root / name).read_bytes() for name in ROOT_FILES}
    if planned:
        toc = _toc_without(yaml.safe_load((root / "_toc.yml").read_text(encoding="utf-8")), set(planned))
        wanted[dest / "_toc.yml"] = ("# Derived from ../../_toc.yml without the lessons not written yet: "
                                     + ", ".join(planned) + "\n"
                                     + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)).encode("utf-8")
    for page in sorted((root / BOOK_PAGES_FOLDER).rglob("*")):
        if page.is_file() and ".ipynb_checkpoints" not in page.parts:
            wanted[dest / page.relative_to(root)] = page.read_bytes()
    try:
        found = launch.read_settings(root) if lessons else None
    except launch.LaunchError as error:
        raise BookError(f"launch links: {error}") from None
    links = {}
    for source in lessons:
        release = root / launch.student_notebook(source.stem)
        if not release.is_file():
            raise BookError(f"{release.relative_to(root)} does not exist: the lesson page offers the "
                            "student notebook; run `make release`")
        links[f"{LESSON_FOLDER}/{source.stem}"] = lesson_links(found, source.stem)
        text = nbformat.writes(derive_notebook(source, links[f"{LESSON_FOLDER}/{source.stem}"])) + "\n"
        wanted[dest / LESSON_FOLDER / f"{source.stem}.ipynb"] = text.encode("utf-8")
        student = launch.notebook_for_book(nbformat.read(release, as_version=4), found)
        wanted[dest / book_site.EXTRA_FOLDER / launch.book_notebook(source.stem)] = (
            nbformat.writes(student) + "\n").encode("utf-8")
    if links:
        wanted[dest / book_site.LINKS_FILE] = (json.dumps(links, indent=1, sort_keys=True) + "\n").encode("utf-8")
    for path, data in wanted.items():
        _write_if_changed(path, data)
    if dest.is_dir():
        for path in sorted(dest.rglob("*"), reverse=True):
            if path.is_file() and path not in wanted:
                path.unlink()
            elif path.is_dir() and not any(path.iterdir()):
                path.rmdir()
    return dest


def uncached_lessons(root: Path) -> list[Path]:
    """The derived lessons (``_build/book-src/lessons/*.ipynb``) the execution cache has no
    result for: those whose code cells changed since they were last executed."""
    cache = get_cache(Path(root).resolve() / BUILD_FOLDER / ".jupyter_cache")
    notebooks = sorted((Path(root).resolve() / BUILD_FOLDER / SOURCE_FOLDER / LESSON_FOLDER).glob("*.ipynb"))
    uncached = []
    for notebook in notebooks:
        try:
            cache.match_cache_notebook(nbformat.read(notebook, as_version=4))
        except KeyError:
            uncached.append(notebook)
    return uncached


def execute_lessons(root: Path) -> dict[str, list[str]]:
    """Execute the derived lessons that the cache has no result for, in parallel (one process
    per core), and store them in ``_build/.jupyter_cache``.

    Only a speed-up: jupyter-book would execute the same notebooks one after the other, and
    finds these in the cache (the key is the code cells, see jupyter-cache). A lesson that
    fails here is simply not cached; the book build executes it again and reports the error.
    Call with ``MPLBACKEND`` unset or inline (see :func:`build`). Returns the paths that were
    executed, by outcome (``succeeded``, ``excepted``, ``errored``).
    """
    from jupyter_cache.executors import load_executor

    root = Path(root).resolve()
    notebooks = uncached_lessons(root)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    timeout = (config.get("execute") or {}).get("timeout", 30)
    cache = get_cache(root / BUILD_FOLDER / ".jupyter_cache")
    for notebook in notebooks:
        cache.add_nb_to_project(str(notebook))
    executor = load_executor("local-parallel", cache=cache)
    result = executor.run_and_cache(filter_uris=[str(p) for p in notebooks], timeout=timeout)
    return {"succeeded": result.succeeded, "excepted": result.excepted, "errored": result.errored}


def build(root: Path, *, log=sys.stdout) -> Path:
    """Derive the book's sources and build the website; return the ``_build/html`` folder.

    Lessons whose code changed are first executed in parallel (:func:`execute_lessons`), then
    ``jupyter-book build -W -n --keep-going --all`` renders everything: any warning (a broken
    reference, a lesson that raises or writes to stderr, a figure without a file) fails the
    build, on every run until it is fixed (``--all`` re-reads every page; pages read from the
    cache cost no execution). A lesson whose code cells are unchanged is never executed again.

    Raises
    ------
    BookError
        If deriving the sources fails or ``jupyter-book`` reports a warning or an error; the
        message quotes the warnings, with the traceback of a lesson that raised.
    """
    root = Path(root).resolve()
    source, env = _derive(root, log)
    started = time.perf_counter()
    _execute_uncached(root, env, log)
    executed = time.perf_counter()
    command = [*_jupyter_book(), "build", str(source), "--path-output", str(root),
               "-W", "-n", "--keep-going", "--all"]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    finished = time.perf_counter()
    output = ANSI_ESCAPE.sub("", result.stdout + result.stderr)
    warnings = _warnings_with_details(output)
    html = root / BUILD_FOLDER / "html"
    print(f"book: {finished - started:.1f} s (executing lessons {executed - started:.1f} s, "
          f"jupyter-book {finished - executed:.1f} s), {len(warnings)} warnings -> {html}/index.html",
          file=log)
    if result.returncode != 0 or warnings:
        raise BookError(f"jupyter-book build failed (exit {result.returncode}, "
                        f"{len(warnings)} warnings):\n" + "\n".join(warnings or output.splitlines()[-40:]))
    return html


def _derive(root: Path, log) -> tuple[Path, dict[str, str]]:
    """Derive the sources (:func:`derive_book_source`); return them and the environment that
    jupyter-book and the lessons' kernels run in."""
    source = derive_book_source(root)
    planned = check_toc(root, lesson_sources(root))
    if planned:
        print("book: in _toc.yml but not written yet, left out: " + ", ".join(planned), file=log)
    return source, {**os.environ, "MPLBACKEND": INLINE_BACKEND, "PYDEVD_DISABLE_FILE_VALIDATION": "1"}


def _execute_uncached(root: Path, env: dict[str, str], log=sys.stdout) -> None:
    """:func:`execute_lessons`, in a process of its own: its kernels need ``env``'s MPLBACKEND.

    A lesson that raised is named on `log` (the build executes it again and reports the error).

    Raises
    ------
    BookError
        If the pre-execution itself failed (not a lesson: the executor, the cache, an import), so
        that a broken pre-execution is never silently replaced by a slow serial execution.
    """
    if not uncached_lessons(root):
        return
    result = subprocess.run([sys.executable, "-m", "tooling.book", "--root", str(root), "--execute-only"],
                            cwd=root, env=env, capture_output=True, text=True, check=False)
    failed = [line for line in result.stdout.splitlines() if line.startswith(("excepted: ", "errored: "))]
    if result.returncode != 0 and not failed:
        output = ANSI_ESCAPE.sub("", result.stdout + result.stderr).strip().splitlines()
        raise BookError(f"the parallel execution of the lessons failed (exit {result.returncode}):\n"
                        + "\n".join(output[-40:]))
    if failed:
        print("book: lessons that failed in the parallel execution (the build runs them again and reports "
              "the error): " + ", ".join(Path(line.split(": ", 1)[1]).stem for line in failed), file=log)


def _jupyter_book() -> list[str]:
    jupyter_book = Path(sys.executable).with_name("jupyter-book")
    return [str(jupyter_book) if jupyter_book.exists() else "jupyter-book"]


def linkcheck(root: Path, *, log=sys.stdout) -> Path:
    """Check every external link of the book — references, data sources, each lesson's launch
    links and its student notebook on GitHub — with Sphinx's ``linkcheck`` builder, and return
    the report, ``_build/linkcheck/output.txt``. Needs the internet, so it is no part of the
    test suite (``make linkcheck``).

    Lessons are read from the execution cache; the ones not in it are executed first, as for
    :func:`build`.

    Raises
    ------
    BookError
        If a link is broken (the report lists them) or the check could not run.
    """
    root = Path(root).resolve()
    source, env = _derive(root, log)
    _execute_uncached(root, env, log)
    command = [*_jupyter_book(), "build", str(source), "--path-output", str(root),
               "--builder", "custom", "--custom-builder", "linkcheck"]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False)
    output = ANSI_ESCAPE.sub("", result.stdout + result.stderr)
    report = root / BUILD_FOLDER / "linkcheck" / "output.txt"
    broken = [line for line in output.splitlines() if re.match(r"\(.*\) +(broken|timeout)\s", line)]
    print("\n".join(broken) + f"\nbook: link check, {len(broken)} broken -> {report}", file=log)
    if result.returncode != 0:
        raise BookError(f"link check failed (exit {result.returncode}), {len(broken)} broken links; see {report}"
                        + ("" if broken else ":\n" + "\n".join(output.splitlines()[-40:])))
    return report


def _warnings_with_details(output: str) -> list[str]:
    """Sphinx's warnings in a build log. A lesson that raised is logged as a warning followed by
    its traceback, up to a line ending in the warning's type (``[mystnb.exec]``): keep those."""
    warnings, in_traceback = [], False
    for line in output.splitlines():
        if in_traceback:
            warnings[-1] += "\n" + line
            in_traceback = not WARNING_TYPE.search(line)
        elif SPHINX_WARNING.search(line):
            warnings.append(line)
        elif warnings and line.startswith("Traceback") and not WARNING_TYPE.search(warnings[-1]):
            warnings[-1] += "\n" + line
            in_traceback = True
    return warnings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.book", description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=Path.cwd(),
                        help="the course repository (default: the current directory)")
    stage = parser.add_mutually_exclusive_group()
    stage.add_argument("--derive-only", action="store_true",
                       help="only write the derived sources to _build/book-src")
    stage.add_argument("--execute-only", action="store_true",
                       help="only execute the derived lessons missing from the cache (in parallel)")
    stage.add_argument("--linkcheck", action="store_true",
                       help="check the book's external links (needs the internet): _build/linkcheck/")
    args = parser.parse_args(argv)
    try:
        if args.derive_only:
            print(derive_book_source(args.root))
        elif args.execute_only:
            outcome = execute_lessons(args.root)
            print("\n".join(f"{kind}: {path}" for kind, paths in outcome.items() for path in paths))
            return 1 if outcome["excepted"] or outcome["errored"] else 0
        elif args.linkcheck:
            linkcheck(args.root)
        else:
            build(args.root)
    except BookError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
