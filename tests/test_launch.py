"""Launch links and the book's student notebooks (tooling.launch): the URL forms, the Colab
set-up cell run in a simulated Colab (a fake ``google.colab`` and a fake ``pip`` that records
its arguments instead of installing), and the book's copy of each release."""
from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import nbformat
import pytest

from tooling import book, launch

ROOT = Path(__file__).resolve().parents[1]
LESSON_IDS = [path.stem for path in book.lesson_sources(ROOT)]
PYPROJECT = {"project": {"name": "calcium-imaging-course", "version": "1.2.3",
                         "dependencies": ["numpy>=2.1,<3", "nbgrader>=0.9.5,<0.10", "jupyter-book>=1,<2",
                                          "pooch>=1.8,<2"]}}
CONFIG = {"repository": {"url": "https://github.com/someone/calcium-course", "branch": "main",
                         "pages_branch": "gh-pages"},
          "launch_buttons": {"notebook_interface": "jupyterlab", "jupyterhub_url": "https://hub.uni.edu/",
                             "binderhub_url": "https://mybinder.org", "colab_url": "https://colab.research.google.com"}}


def _settings(**changes) -> launch.Settings:
    config = json.loads(json.dumps(CONFIG))
    for key, value in changes.items():
        section, name = key.split("__")
        config[section][name] = value
    return launch.settings(config, PYPROJECT)


# --- the URL forms -----------------------------------------------------------------------------

def test_launch_urls_open_the_student_notebook():
    urls = launch.launch_urls(_settings(), "04-baseline")
    assert urls == {
        "jupyterhub": "https://hub.uni.edu/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fsomeone"
                      "%2Fcalcium-course&urlpath=lab%2Ftree%2Fcalcium-course%2Fcourse%2F04-baseline%2F04-baseline.ipynb"
                      "&branch=main",
        "binder": "https://mybinder.org/v2/gh/someone/calcium-course/main"
                  "?urlpath=lab/tree/course/04-baseline/04-baseline.ipynb",
        "colab": "https://colab.research.google.com/github/someone/calcium-course/blob/gh-pages/notebooks/04-baseline.ipynb",
    }
    hub = parse_qs(urlsplit(urls["jupyterhub"]).query)
    # nbgitpuller clones into ~/calcium-course, so the notebook is course/... below that
    assert hub == {"repo": ["https://github.com/someone/calcium-course"], "branch": ["main"],
                   "urlpath": ["lab/tree/calcium-course/course/04-baseline/04-baseline.ipynb"]}
    assert all("solutions" not in url for url in urls.values())
    assert launch.github_url(_settings(), "04-baseline") == (
        "https://github.com/someone/calcium-course/blob/main/course/04-baseline/04-baseline.ipynb")


def test_an_empty_service_url_leaves_its_link_out_and_classic_opens_tree():
    urls = launch.launch_urls(_settings(launch_buttons__jupyterhub_url="", launch_buttons__colab_url="",
                                        launch_buttons__notebook_interface="classic"), "01-single-pixel")
    assert urls == {"binder": "https://mybinder.org/v2/gh/someone/calcium-course/main"
                              "?urlpath=tree/course/01-single-pixel/01-single-pixel.ipynb"}


@pytest.mark.parametrize("changes, message", [
    ({"repository__url": ""}, "no repository.url"),
    ({"repository__url": "https://gitlab.com/someone/calcium-course"}, "not a GitHub repository"),
    ({"launch_buttons__notebook_interface": "retro"}, "notebook_interface"),
])
def test_settings_that_cannot_give_links_are_refused(changes, message):
    with pytest.raises(launch.LaunchError, match=message):
        _settings(**changes)


def test_the_course_settings_give_every_lesson_its_three_launch_links():
    found = launch.read_settings(ROOT)
    assert found.version == tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    for lesson_id in LESSON_IDS:
        urls = launch.launch_urls(found, lesson_id)
        assert set(urls) == {"jupyterhub", "binder", "colab"}
        assert launch.student_notebook(lesson_id) in parse_qs(urlsplit(urls["jupyterhub"]).query)["urlpath"][0]
        assert urls["binder"].endswith(f"urlpath=lab/tree/course/{lesson_id}/{lesson_id}.ipynb")
        assert urls["colab"].endswith(f"/notebooks/{lesson_id}.ipynb")


# --- the Colab set-up cell in a simulated Colab --------------------------------------------------

FAKE_PIP = '''\
import json, os, sys
with open(os.environ["FAKE_PIP_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
'''


def _run_cell(tmp_path: Path, code: str, *, colab: bool) -> tuple[list[list[str]], str]:
    """Run a cell's code in a fresh interpreter whose ``pip`` only records its arguments, with
    a fake ``google.colab`` when ``colab``; return pip's calls and what the cell printed."""
    fakes = tmp_path / ("colab" if colab else "elsewhere")
    (fakes / "pip").mkdir(parents=True)
    (fakes / "pip" / "__init__.py").write_text("")
    (fakes / "pip" / "__main__.py").write_text(FAKE_PIP)
    if colab:
        (fakes / "google" / "colab").mkdir(parents=True)
        (fakes / "google" / "__init__.py").write_text("")
        (fakes / "google" / "colab" / "__init__.py").write_text("")
    log = fakes / "pip.log"
    env = {**os.environ, "PYTHONPATH": str(fakes), "FAKE_PIP_LOG": str(log)}
    result = subprocess.run([sys.executable, "-c", code], cwd=fakes, env=env, capture_output=True,
                            text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    calls = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    return calls, result.stdout


def test_the_colab_cell_installs_the_pinned_course_package_in_colab(tmp_path):
    found = _settings()
    calls, printed = _run_cell(tmp_path, launch.colab_setup_source(found), colab=True)
    assert calls == [
        ["install", "--quiet", "numpy>=2.1,<3", "pooch>=1.8,<2"],  # the lessons' needs, not the tooling's
        ["install", "--quiet", "--no-deps",
         "calcium-imaging-course @ git+https://github.com/someone/calcium-course@v1.2.3"],
    ]
    assert printed == ""


def test_the_colab_cell_does_nothing_anywhere_else(tmp_path):
    assert importlib.util.find_spec("google") is None, "this test needs an environment without google.*"
    calls, printed = _run_cell(tmp_path, launch.colab_setup_source(_settings()), colab=False)
    assert calls == [] and printed == ""


def test_the_colab_cell_asks_for_a_restart_when_pip_replaced_a_loaded_package(tmp_path):
    preloaded = "import sys, types\nsys.modules['numpy'] = types.SimpleNamespace(__version__='0.0.1')\n"
    calls, printed = _run_cell(tmp_path, preloaded + launch.colab_setup_source(_settings()), colab=True)
    assert len(calls) == 2
    assert "Colab updated numpy: restart the session" in printed


def test_colab_installs_what_the_lessons_import_and_none_of_the_tooling():
    """The lessons import only ``helpers`` and what it imports: every third-party module there must
    come with a Colab requirement (or one of their own dependencies), none from the tooling."""
    found = launch.read_settings(ROOT)
    requirements = {launch.distribution_name(r) for r in found.requirements}
    assert requirements and not requirements & launch.TOOLING_ONLY
    brought = set(requirements)
    for name in requirements:
        for requirement in importlib.metadata.requires(name) or []:
            if "extra ==" not in requirement:
                brought.add(launch.distribution_name(requirement))
    modules = set()
    for path in (ROOT / "helpers").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                modules.add(node.module.split(".")[0])
    distributions = importlib.metadata.packages_distributions()
    third_party = {m for m in modules - set(sys.stdlib_module_names) - {"helpers", "__future__"}}
    missing = {m: distributions.get(m) for m in third_party
               if not {launch.distribution_name(d) for d in distributions.get(m, [])} & brought}
    assert missing == {}, "helpers imports modules Colab would not install"


# --- the book's copy of the student notebooks ---------------------------------------------------

@pytest.mark.parametrize("lesson_id", LESSON_IDS)
def test_the_books_notebook_is_the_release_with_the_colab_cell(lesson_id):
    release = nbformat.read(ROOT / launch.student_notebook(lesson_id), as_version=4)
    copy = launch.notebook_for_book(release, launch.read_settings(ROOT))
    setup = [cell for cell in copy.cells if cell.get("id") == launch.COLAB_CELL_ID]
    assert len(setup) == 1 and setup[0].cell_type == "code"
    first_code = next(cell for cell in copy.cells if cell.cell_type == "code")
    assert first_code is setup[0], "the Colab set-up must run before the lesson's own set-up"
    assert [cell for cell in copy.cells if cell is not setup[0]] == release.cells
    assert copy.metadata == release.metadata
    text = nbformat.writes(copy)
    assert "BEGIN HIDDEN TESTS" not in text and "BEGIN SOLUTION" not in text
