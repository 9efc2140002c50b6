"""The environment-requirement helper (needs.py): a missing requirement skips with its real cause,
fails under CI in any spelling, and under CI a run that skipped anything fails and lists why."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import needs

TESTS = Path(__file__).resolve().parent

SUITE = '''
import pytest
import needs

def test_passes():
    pass

def test_needs_a_program():
    needs.program("no-such-program-i32", package="no-such-package")

def test_own_module_by_importorskip():
    pytest.importorskip("helpers.no_such_module_i32")
'''


def _run(tmp_path: Path, ci: str | None) -> subprocess.CompletedProcess:
    (tmp_path / "conftest.py").write_text(textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(TESTS)!r})
        from needs import (pytest_runtest_logreport, pytest_runtest_makereport,  # noqa: F401
                           pytest_sessionfinish, pytest_terminal_summary)
        """))
    (tmp_path / "test_suite.py").write_text(SUITE)
    env = {k: v for k, v in __import__("os").environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:nbval", "-p", "no:cacheprovider",
                           "-o", "addopts=", "--rootdir", str(tmp_path), str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)


def test_outside_ci_a_missing_requirement_skips_and_names_its_cause(tmp_path):
    done = _run(tmp_path, None)
    assert "1 failed, 1 passed, 1 skipped" in done.stdout, done.stdout
    assert done.returncode == 1                                         # the own-module import
    assert "could not import 'helpers.no_such_module_i32'" in done.stdout
    assert "imported plainly" in done.stdout


@pytest.mark.parametrize("spelling, ci", [("true", True), ("True", True), ("TRUE", True), ("1", True), ("yes", True),
                                         ("", False), ("false", False), ("0", False)])
def test_ci_in_any_spelling(monkeypatch, spelling, ci):
    monkeypatch.setenv("CI", spelling)
    assert needs.in_ci() is ci


def test_under_ci_a_missing_requirement_fails(tmp_path):
    done = _run(tmp_path, "True")
    assert done.returncode == 1
    assert "no-such-program-i32" in done.stdout and "under CI=true a missing one is an error" in done.stdout
    assert "2 failed, 1 passed" in done.stdout, done.stdout


def test_under_ci_a_run_that_skipped_fails_and_lists_why(tmp_path):
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\n"
                                          "from needs import pytest_runtest_logreport, pytest_sessionfinish, "
                                          "pytest_terminal_summary  # noqa: F401\n")
    (tmp_path / "test_suite.py").write_text("import pytest\n\ndef test_passes():\n    pass\n\n"
                                            "@pytest.mark.skipif(True, reason='a widget is missing')\n"
                                            "def test_skipped():\n    pass\n")
    env = {k: v for k, v in __import__("os").environ.items() if k != "CI"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:nbval", "-p", "no:cacheprovider", "-o", "addopts=",
               "--rootdir", str(tmp_path), str(tmp_path)]
    quiet = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert quiet.returncode == 0, quiet.stdout                          # outside CI a skip is a skip
    loud = subprocess.run(command, cwd=tmp_path, env=env | {"CI": "yes"}, capture_output=True, text=True,
                          timeout=300)
    assert loud.returncode == 1, loud.stdout
    assert "skipped under CI" in loud.stdout and "test_suite.py::test_skipped: a widget is missing" in loud.stdout


def test_never_for_the_projects_own_modules():
    with pytest.raises(ValueError, match="plainly"):
        needs.module("helpers.data")


def test_data_is_located_through_helpers_data(monkeypatch, tmp_path):
    from helpers import data

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path))
    (tmp_path / "present.bin").write_bytes(b"x")
    assert needs.data_file("present.bin") == tmp_path / "present.bin"
    with pytest.raises(pytest.skip.Exception, match=r"absent\.bin.*not in the data cache"):
        needs.data_file("absent.bin")
    monkeypatch.setenv(data.CACHE_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(pytest.skip.Exception, match="data cache"):
        needs.data_folder()
    monkeypatch.setenv("CI", "True")
    with pytest.raises(pytest.fail.Exception, match="under CI=true"):
        needs.data_folder()


def test_a_sandbox_that_fails_for_another_reason_does_not_say_install_bubblewrap(monkeypatch):
    from tooling.grading import sandbox

    def broken():
        raise sandbox.SandboxUnavailable("ModuleNotFoundError: No module named 'helpers'")

    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(sandbox, "probe", broken)
    monkeypatch.setattr(needs.shutil, "which", lambda name: f"/usr/bin/{name}")
    with pytest.raises(pytest.skip.Exception) as skipped:
        needs.sandbox()
    assert "No module named 'helpers'" in str(skipped.value) and "apt-get install bubblewrap" not in str(skipped.value)
    monkeypatch.setattr(needs.shutil, "which", lambda name: None)
    with pytest.raises(pytest.skip.Exception, match="bubblewrap is not installed"):
        needs.sandbox()


def test_a_sandbox_whose_python_cannot_import_the_course_says_so(monkeypatch):
    """The probe's message names the import that failed, not "install bubblewrap"."""
    from tooling.grading import limits, sandbox

    def supervise(command, settings, user, stdout=None, stderr=None):
        stderr.write("Traceback (most recent call last):\nModuleNotFoundError: No module named 'helpers'\n")
        return 1

    monkeypatch.setattr(sandbox.shutil, "which", lambda name: "/usr/bin/bwrap")
    monkeypatch.setattr(limits, "supervise", supervise)
    sandbox.probe.cache_clear()  # (once per process: a probe that passed earlier in this run is cached)
    try:
        with pytest.raises(sandbox.SandboxUnavailable) as err:
            sandbox.probe()
    finally:
        sandbox.probe.cache_clear()
    assert "No module named 'helpers'" in str(err.value) and "pip install -e ." in str(err.value)
    assert "user namespaces" not in str(err.value)
