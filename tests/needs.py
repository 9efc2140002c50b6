"""The one place where a test says what it needs from its environment, and what happens without it.

A test that needs something the Python environment cannot give it — a system program (Chromium,
bubblewrap, PostgreSQL, git), the course's data files, a working grading sandbox — asks here.
When the requirement is missing, the test is skipped with a message naming the real cause and
how to install it; under ``CI=true`` (in any case: ``true``, ``True``, ``1``, ``yes``), where
``.ci/run`` installs everything, it fails instead. And under CI a run that skipped anything at
all fails at the end, listing every skip and its reason (:func:`pytest_sessionfinish`, imported
by ``conftest.py``), so that a skip cannot hide a failure there.

Never use this for the project's own modules (``helpers``, ``tooling``): import them plainly — an
import that fails is a failure everywhere. ``conftest.py`` turns a skip caused by one into a
failure (:func:`pytest_runtest_makereport`).
"""
from __future__ import annotations

import glob
import importlib
import os
import shutil
from pathlib import Path
from typing import NoReturn

import pytest

#: The project's own top-level packages: a test never skips because one of them fails to import.
OWN_PACKAGES = ("helpers", "tooling")
_TRUE = {"true", "1", "yes", "on"}


def in_ci() -> bool:
    """Whether this run is CI's: the variable ``CI`` is true in any spelling."""
    return os.environ.get("CI", "").strip().lower() in _TRUE


def unavailable(what: str, cause: str, install: str) -> NoReturn:
    """Skip the test (fail it under CI): it needs `what`, missing here because of `cause`."""
    message = f"needs {what}, but {cause}. {install}".strip()
    if in_ci():
        pytest.fail(f"{message} (.ci/run installs every requirement: under CI=true a missing one is "
                    "an error)", pytrace=False)
    pytest.skip(message)


def program(name: str, *, package: str, path: str | None = None) -> str:
    """The path of a system program (`path` if given, else found on PATH); `package` is the
    Debian package that provides it."""
    found = path if path and os.access(path, os.X_OK) else (None if path else shutil.which(name))
    if not found:
        where = path or f"`{name}` on PATH"
        unavailable(f"the program {name}", f"{where} is not there",
                    f"Install it: sudo apt-get install {package} (make system-packages does it).")
    return found


def postgres_bin() -> Path:
    """The folder of PostgreSQL's server programs (initdb, pg_ctl: Debian's
    /usr/lib/postgresql/VERSION/bin)."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        unavailable("PostgreSQL's server programs", "/usr/lib/postgresql/*/bin/initdb is not there",
                    "Install it: sudo apt-get install postgresql (make system-packages does it).")
    return Path(found[-1]).parent


def module(name: str, *, install: str = "pip install -e '.[test]'"):
    """A third-party Python module a test needs beyond the course's dependencies (never one of the
    project's own packages: import those plainly)."""
    if name.split(".")[0] in OWN_PACKAGES:
        raise ValueError(f"import {name} plainly: a project module that fails to import is a failure")
    try:
        return importlib.import_module(name)
    except ImportError as err:
        unavailable(f"the Python module {name}", f"importing it failed ({err})", f"Install it: {install}.")


def data_folder() -> Path:
    """The data cache, located by ``helpers.data`` (``$CALCIUM_COURSE_DATA``, else its default)."""
    from helpers import data

    folder = data.cache_dir()
    if not folder.is_dir():
        unavailable("the course's data cache", f"{folder} ({_origin()}) is not a folder",
                    f"Fetch the data: {data.PREFETCH_COMMAND}, or set {data.CACHE_ENV} to the shared data folder.")
    return folder


def data_file(name: str) -> Path:
    """A file of the data cache, located by ``helpers.data``, without downloading it."""
    from helpers import data

    path = data_folder() / name
    if not path.is_file():
        unavailable(f"the data file {name}", f"it is not in the data cache {path.parent} ({_origin()})",
                    f"Fetch the data: {data.PREFETCH_COMMAND}, or set {data.CACHE_ENV} to the shared data folder.")
    return path


def _origin() -> str:
    from helpers import data

    return f"from ${data.CACHE_ENV}" if os.environ.get(data.CACHE_ENV) else "the default cache"


def sandbox() -> None:
    """The grading sandbox (bubblewrap, user namespaces) starts and isolates here."""
    from tooling.grading import sandbox as sb

    try:
        sb.probe()
    except sb.SandboxUnavailable as err:
        if shutil.which("bwrap") is None:
            unavailable("the grading sandbox", "bubblewrap is not installed",
                        "Install it: sudo apt-get install bubblewrap (make system-packages does it).")
        unavailable("the grading sandbox", f"it did not start here: {err}", "")


# --------------------------------------------------------------------------- pytest hooks
# Imported by conftest.py.

_SKIPS: list[tuple[str, str]] = []


def _skip_reason(report) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A skip caused by the project's own module failing to import (``importorskip``) is a failure."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and not hasattr(report, "wasxfail"):
        reason = _skip_reason(report)
        if any(f"could not import '{package}" in reason for package in OWN_PACKAGES):
            report.outcome = "failed"
            report.longrepr = (f"{reason}\nThe project's own modules are imported plainly: a failed import "
                               "is a failure, not a skip.")


def pytest_runtest_logreport(report):
    if report.skipped and not hasattr(report, "wasxfail"):
        _SKIPS.append((report.nodeid, _skip_reason(report)))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if in_ci() and _SKIPS:
        terminalreporter.section("skipped under CI", sep="=", red=True, bold=True)
        terminalreporter.line(f"{len(_SKIPS)} test(s) skipped; under CI=true every requirement is installed, "
                              "so the run fails:")
        for nodeid, reason in _SKIPS:
            terminalreporter.line(f"  {nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if in_ci() and _SKIPS and session.exitstatus == 0:
        session.exitstatus = 1
