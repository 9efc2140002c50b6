"""Session-wide test set-up.

The data cache: tests never download. They point ``CALCIUM_COURSE_DATA`` at the shared data
folder beside the checkout (``../shared/data``, resolved once to an absolute path, because tests
and notebook kernels change directory), unless the variable is already set.
"""
import os
import pathlib

import pytest

# What a test needs from its environment, and no silent skips under CI: see needs.py.
from needs import (pytest_runtest_logreport, pytest_runtest_makereport,  # noqa: F401
                   pytest_sessionfinish, pytest_terminal_summary)

ROOT = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = (ROOT.parent / "shared" / "data").resolve()

if "CALCIUM_COURSE_DATA" not in os.environ and SHARED_DATA.is_dir():
    os.environ["CALCIUM_COURSE_DATA"] = str(SHARED_DATA)

# Matplotlib must never try to open a window in tests or kernels started by them.
os.environ.setdefault("MPLBACKEND", "Agg")
# Kernels started by tests inherit this: one BLAS thread is faster on a busy 2-core machine.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def repo_root() -> pathlib.Path:
    return ROOT


def pytest_ignore_collect(collection_path, config):
    """nbval executes the lessons in `solutions/` only: notebooks under `tests/` are fixtures
    (some of them hostile submissions for the grader) and must never be run as tests."""
    if collection_path.suffix == ".ipynb" and ROOT / "tests" in collection_path.parents:
        return True
    return None
