"""Feedback pages a student can read: exercises named in the summary, figures described.

``nbgrader generate_feedback`` renders the course's template ``course_feedback`` (in
``templates/`` beside this module; nbgrader's feedback page with a different summary), after
:class:`LabelGradedCells` has named every graded cell after its exercise ("Exercise 1.1: check"
rather than nbgrader's "Test cell"). :class:`DescribeImages` gives figures a text alternative
(nbconvert otherwise warns, for every notebook, that alternative text is missing).
"""
from __future__ import annotations

import os
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

TEMPLATES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates")
TEMPLATE = "course_feedback"
_TITLE = re.compile(r"^\s*(?:\*\*(?P<bold>(?:Exercise|Question|Task)[^*]*?)\*\*|#{1,6}\s+(?P<heading>.+?)\s*#*\s*$)")


def exercise_title(markdown: str) -> str | None:
    """The exercise a markdown cell introduces (``**Exercise 1.1**``) or the heading it starts with."""
    lines = markdown.strip().splitlines()
    match = _TITLE.match(lines[0]) if lines else None
    if match is None:
        return None
    return (match.group("bold") or match.group("heading")).strip(" .:—-")


def _formgrader(*parts: str) -> str:
    import nbgrader

    return os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", *parts)


def template_basedirs() -> list[str]:
    """Where the feedback templates are: the course's, and nbgrader's (which the course's extends)."""
    return [TEMPLATES, _formgrader("templates")]


def template_paths() -> list[str]:
    """Folders searched for the files the templates load: nbgrader's templates (so that the
    course's can extend ``feedback/index.html.j2``) and the Bootstrap CSS nbgrader's inlines."""
    return [_formgrader("templates"), _formgrader("static", "node_modules", "bootstrap", "dist", "css")]


class LabelGradedCells(Preprocessor):
    """Name each graded or answer cell after the exercise above it (``metadata.nbgrader.label``)."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        title = None
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "markdown" and not meta.get("solution") and not meta.get("task"):
                title = exercise_title(cell.source) or title
            if not (meta.get("grade") or meta.get("task") or meta.get("solution")):
                continue
            if meta.get("task"):
                kind = "task (graded by hand)"
            elif meta.get("solution"):
                kind = "your code" if cell.cell_type == "code" else "your answer"
                kind += " (graded by hand)" if meta.get("grade") else ""
            else:
                kind = "check"
            meta["label"] = f"{title}: {kind}" if title else meta.get("grade_id", kind)
        return nb, resources


class DescribeImages(Preprocessor):
    """Give each figure output without one a text alternative, for screen readers."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        for cell in nb.cells:
            for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if {"image/png", "image/jpeg"} & set(output.get("data", {})):
                    metadata = output.setdefault("metadata", {})
                    described = any(isinstance(metadata.get(kind), dict) and metadata[kind].get("alt")
                                    for kind in ("image/png", "image/jpeg"))
                    if not described and not metadata.get("alt"):
                        metadata["alt"] = "a figure drawn by the code above"
        return nb, resources
