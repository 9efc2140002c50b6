"""Per-student variants of the simulated data: each student's numbers are their own.

Off unless an instructor turns them on: the open course, a self-learner and every test see the
data exactly as without this module. When an instructor teaching the course for credit turns
them on (see the instructor guide), each student receives a small *token file*,
``calcium-variant.json``, which they put beside the lesson notebook (a course handed out through
an LMS) or which the instructor puts in their home folder (JupyterHub). It holds the student's id
and one *variant* per assignment: a 128-bit value the instructor derived from the student's id
and a course secret. :mod:`helpers.simulate` mixes the variant into the seed of every simulated
recording, so every set-up, check and hidden test recomputes that student's own recording, the
same on every run. There is no secret on the student's side: a student cannot compute another
student's variant, and copying another's token or numbers earns nothing, because the grader
derives the variant from the id nbgrader gives the submission, never from the notebook.

Where the variant comes from, first match wins:

1. ``$CALCIUM_VARIANT`` (set by the grader: 32 hex digits, or ``off``);
2. ``calcium-variant.json`` in the notebook's folder (the kernel's working folder);
3. ``calcium-variant.json`` in the home folder.

Without a token, variants are off. A token that is damaged, belongs to another JupyterHub user or
does not cover the notebook's assignment stops the data with a :class:`VariantError` saying what
to do: never someone else's data or the default data.
"""
from __future__ import annotations

import hashlib
import json
import os
import re

__all__ = ["TOKEN_NAME", "ENV", "VariantError", "current", "describe", "token_digest", "read_token"]

TOKEN_NAME = "calcium-variant.json"
ENV = "CALCIUM_VARIANT"
FORMAT = "calcium-variant/1"
ALL = "*"  # the key of a variant that holds for every assignment of the course
_HEX = re.compile(r"[0-9a-f]{32}")

#: How often :func:`current` was asked (the grader counts the simulated recordings a check uses).
consulted = 0
_override: tuple | None = None  # set by the grader's checker only (tooling.grading.variants.use)


class VariantError(RuntimeError):
    """The variant token is missing where it is required, damaged, or not this student's."""


def words(variant: str) -> tuple[int, ...]:
    """A variant (32 hex digits) as four 32-bit words, mixed into ``SeedSequence([seed, *words])``."""
    if not isinstance(variant, str) or not _HEX.fullmatch(variant):
        raise VariantError(f"a variant is 32 lower-case hex digits, not {str(variant)[:40]!r}")
    return tuple(int(variant[i:i + 8], 16) for i in range(0, 32, 8))


def token_digest(student: str, variants: dict) -> str:
    """The digest a token carries so that a damaged or hand-edited token is noticed (no secret)."""
    text = json.dumps([FORMAT, student, variants], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def read_token(path: str) -> dict:
    """The token at `path`, validated: ``{"student", "variants"}``.

    Raises
    ------
    VariantError
        If it is not a token of this format, or it was damaged or edited.
    """
    ask = "ask your instructor for your token file again"
    try:
        with open(path, encoding="utf-8") as file:
            token = json.load(file)
    except (OSError, ValueError) as err:
        raise VariantError(f"{path} is not a readable variant token ({type(err).__name__}): {ask}") from None
    if not isinstance(token, dict) or token.get("format") != FORMAT:
        raise VariantError(f"{path} is not a variant token of this course (format {FORMAT}): {ask}")
    student, variants = token.get("student"), token.get("variants")
    if not isinstance(student, str) or not student or not isinstance(variants, dict) or not variants:
        raise VariantError(f"{path} has no student id or no variants: {ask}")
    for value in variants.values():
        if value is not None:
            words(value)
    if token.get("check") != token_digest(student, variants):
        raise VariantError(f"{path} was changed after your instructor made it (its check does not match): {ask}")
    hub_user = os.environ.get("JUPYTERHUB_USER")
    if hub_user and hub_user != student:
        raise VariantError(f"{path} belongs to student {student!r}, but you are logged in as {hub_user!r}: "
                           "use your own token (ask your instructor)")
    return {"student": student, "variants": variants, "path": path}


def _cwd() -> str:
    try:
        return os.getcwd()
    except OSError:  # the working folder was deleted: nothing is beside the notebook
        return ""


def _assignment_names() -> list[str]:
    """Names the notebook's assignment may have: the notebook's own name, then its folder's."""
    names = []
    session = os.environ.get("JPY_SESSION_NAME", "")
    if session.endswith(".ipynb"):
        names.append(os.path.basename(session)[:-len(".ipynb")])
    return names + [os.path.basename(_cwd())]


def _find_token() -> str | None:
    for folder in (_cwd(), os.path.expanduser("~")):
        path = os.path.join(folder, TOKEN_NAME)
        if folder and os.path.isfile(path):
            return path
    return None


def _resolve(token: dict) -> str | None:
    """The token's variant for this notebook (None: variants are off for its assignment)."""
    variants = token["variants"]
    if ALL in variants:
        return variants[ALL]
    for name in _assignment_names():
        if name in variants:
            return variants[name]
    beside = os.path.dirname(os.path.abspath(token["path"])) == _cwd()
    if beside and len(variants) == 1:  # one assignment's token, handed out with its notebook
        return next(iter(variants.values()))
    raise VariantError(
        f"your variant token {token['path']} is for the assignments {', '.join(sorted(variants))}, and "
        f"this notebook ({' / '.join(_assignment_names())}) is none of them: open the notebook from its "
        "assignment's folder (named like the assignment), or put the token of this assignment beside it")


def current() -> tuple[int, ...]:
    """The variant to mix into every simulated recording's seed: ``()`` when variants are off.

    Raises
    ------
    VariantError
        If ``$CALCIUM_VARIANT`` or the token file is malformed, damaged, another JupyterHub user's,
        or does not cover this notebook.
    """
    global consulted
    consulted += 1
    if _override is not None:
        return _override
    if ENV in os.environ:
        value = os.environ[ENV].strip().lower()
        return () if value in ("", "off") else words(value)
    path = _find_token()
    if path is None:
        return ()
    variant = _resolve(read_token(path))
    return () if variant is None else words(variant)


def describe() -> str:
    """One line saying whose data this notebook works on, for a student who wonders."""
    if ENV in os.environ:
        return "the grader's variant" if current() else "the course's common data (variants off)"
    path = _find_token()
    if path is None:
        return "the course's common data (no variant token)"
    token = read_token(path)
    return (f"the data of student {token['student']} ({path})" if current()
            else f"the course's common data: this assignment has no variants ({path})")
