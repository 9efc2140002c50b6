"""Keep the lesson files in step: paired notebooks, the student release.

The single source of truth of a lesson is ``solutions/ID/ID.py`` (Jupytext percent format). From
it this module derives

- ``solutions/ID/ID.ipynb``: the paired notebook (cell ids kept across updates, no outputs);
- ``course/ID/ID.ipynb``: the student release, made by ``nbgrader generate_assignment`` (solutions
  replaced by stubs, hidden tests removed, cells locked), and ``course/ID/ID.py``, its Jupytext
  pair so a student can read or diff it as text, written by :func:`pair_release`, which
  ``nbgrader_config.py`` makes nbgrader run after every ``generate_assignment`` (``--force``
  empties ``course/ID/``: without it the instructor's release would delete the tracked pair).

Usage, from the repository root::

    python -m tooling.release          # sync every lesson and regenerate course/
    python -m tooling.release 01-single-pixel
    python -m tooling.release --check  # exit 1 if anything committed is out of date (changes nothing)
"""
from __future__ import annotations

import argparse
import copy
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile

import jupytext

ROOT = pathlib.Path(__file__).resolve().parents[1]


def lesson_ids(root: pathlib.Path = ROOT) -> list[str]:
    """Every lesson id: a folder ``solutions/ID`` holding ``ID.py``."""
    return sorted(p.parent.name for p in (root / "solutions").glob("*/*.py") if p.stem == p.parent.name)


def sync_notebook(py: pathlib.Path) -> pathlib.Path:
    """Write the paired ``.ipynb`` of a Jupytext ``.py``, keeping the cell ids it already has."""
    ipynb = py.with_suffix(".ipynb")
    notebook = jupytext.read(py)
    if ipynb.exists():
        old = jupytext.read(ipynb)
        # Keep ids of cells whose position and type are unchanged, so diffs stay small.
        for new_cell, old_cell in zip(notebook.cells, old.cells):
            if new_cell.cell_type == old_cell.cell_type and "id" in old_cell:
                new_cell["id"] = old_cell["id"]
    jupytext.write(notebook, ipynb)
    return ipynb


def pair_release(notebooks: list[str], release_directory: str = "course") -> None:
    """Write the Jupytext pair (``.py``) of the release of each source notebook in `notebooks`.

    nbgrader's post-convert hook of ``generate_assignment`` (``nbgrader_config.py``), run in the
    course folder: the release of ``solutions/ID/NB.ipynb`` is ``course/ID/NB.ipynb``.
    """
    for source in map(pathlib.Path, notebooks):
        release = pathlib.Path(release_directory) / source.parent.name / source.name
        jupytext.write(jupytext.read(release), release.with_suffix(".py"), fmt="py:percent")
        token = release.parent / "calcium-variant.json"  # helpers.variants.TOKEN_NAME
        if token.exists():  # one student's variant handed to every student: never release it
            token.unlink()
            raise RuntimeError(f"{source.parent / token.name} is a student's variant token: it was removed "
                               "from the release; keep tokens out of the source folder")


def generate_release(ids: list[str], root: pathlib.Path = ROOT) -> None:
    """Run ``nbgrader generate_assignment`` for each lesson (which pairs each release notebook)."""
    for lesson in ids:
        sync_notebook(root / "solutions" / lesson / f"{lesson}.py")
        subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", lesson,
                        "--no-db", "--force", "--log-level=WARN"], cwd=root, check=True)
        if not (root / "course" / lesson / f"{lesson}.py").exists():
            raise RuntimeError(f"course/{lesson}/{lesson}.py was not written: is the post-convert hook "
                               "of nbgrader_config.py there?")


def normalised(path: pathlib.Path) -> str:
    """A notebook's or script's text without what tools rewrite on every run (ids, versions)."""
    if path.suffix != ".ipynb":
        return "\n".join(line for line in path.read_text().splitlines() if "jupytext_version" not in line)
    notebook = json.loads(path.read_text())
    notebook = copy.deepcopy(notebook)
    for cell in notebook["cells"]:
        cell.pop("id", None)
    notebook["metadata"].get("jupytext", {}).get("text_representation", {}).pop("jupytext_version", None)
    return json.dumps(notebook, indent=1, sort_keys=True)


def out_of_date(ids: list[str], root: pathlib.Path = ROOT) -> list[str]:
    """Regenerate in a temporary copy and list the committed files that differ (or are missing)."""
    with tempfile.TemporaryDirectory() as tmp:
        copy_root = pathlib.Path(tmp)
        shutil.copy(root / "nbgrader_config.py", copy_root)
        shutil.copytree(root / "solutions", copy_root / "solutions")
        generate_release(ids, copy_root)
        stale = []
        for lesson in ids:
            for relative in (f"solutions/{lesson}/{lesson}.ipynb",
                             f"course/{lesson}/{lesson}.ipynb", f"course/{lesson}/{lesson}.py"):
                committed, fresh = root / relative, copy_root / relative
                if not committed.exists() or normalised(committed) != normalised(fresh):
                    stale.append(relative)
            extra = {p.name for p in (root / "course" / lesson).glob("*")} - \
                    {p.name for p in (copy_root / "course" / lesson).glob("*")}
            stale += [f"course/{lesson}/{name} (not in a fresh release)" for name in sorted(extra)]
        return stale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tooling.release", description=__doc__.split("\n\n")[0])
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson in solutions/)")
    parser.add_argument("--check", action="store_true", help="only report files that are out of date")
    args = parser.parse_args(argv)
    ids = args.lessons or lesson_ids()
    unknown = sorted(set(ids) - set(lesson_ids()))
    if unknown:
        parser.error(f"no lesson {', '.join(unknown)} in solutions/ (known: {', '.join(lesson_ids())})")
    if args.check:
        stale = out_of_date(ids)
        for relative in stale:
            print(f"out of date: {relative}")
        print("release up to date" if not stale else "run `make release` and commit the result")
        return 1 if stale else 0
    generate_release(ids)
    print(f"released {len(ids)} lesson(s) into course/: {', '.join(ids)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
