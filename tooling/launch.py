"""One click from a lesson page to working on it: launch links and the book's student notebooks.

Every lesson page of the book offers the lesson's **student** notebook — the release
``course/ID/ID.ipynb``, never the solutions — four ways:

- **download**: the book ships a copy at ``notebooks/ID.ipynb`` (see :func:`notebook_for_book`);
- **JupyterHub**: nbgitpuller pulls the repository into the reader's home on the instructor's hub
  and opens ``course/ID/ID.ipynb`` (the hub's environment must have the course installed);
- **Binder**: mybinder.org builds the repository's ``environment.yml`` (which installs the course
  package) and opens ``course/ID/ID.ipynb``;
- **Colab**: opens the book's copy from the branch the book is published on (GitHub Pages). Colab
  starts from a bare runtime, so that copy has one cell more than the release, before the
  lesson's set-up: it installs the course package, pinned to the course's version, when — and only
  when — it runs in Colab (:func:`colab_setup_source`).

Everything comes from the course's own files: the repository, its branches and the launch
services from ``_config.yml`` (``repository:`` and ``launch_buttons:``, Jupyter Book's keys, plus
``repository.pages_branch``), the package's name, version and dependencies from
``pyproject.toml``. Colab installs the course from the git tag ``v<version>`` of the repository.
"""
from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import nbformat
import yaml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: tomli, which Sphinx and jupytext install there
    import tomli as tomllib

# Where the book's copies of the student notebooks live in the site (and so on the pages branch).
BOOK_NOTEBOOK_FOLDER = "notebooks"
COLAB_CELL_ID = "colab-setup"
INTERFACES = {"jupyterlab": "lab/tree", "classic": "tree"}
# Dependencies that run the course (release, book, grading, JupyterLab) and that no lesson
# imports: Colab has its own notebook server, and installing these there would replace it.
TOOLING_ONLY = frozenset({"jupyterlab", "notebook", "jupytext", "nbgrader", "jupyter-book", "nh3",
                          "django-static-mathjax"})
LESSON_SETTINGS_HELP = ("set repository.url (https://github.com/OWNER/REPO) in _config.yml: "
                        "the launch buttons open the student notebooks from there")


class LaunchError(ValueError):
    """The course's settings cannot give launch links (the message says which setting)."""


@dataclass(frozen=True)
class Settings:
    """What the launch links and the Colab set-up cell are made from (see :func:`settings`)."""
    repository_url: str          # https://github.com/OWNER/REPO
    branch: str                  # the branch Binder and JupyterHub open
    pages_branch: str            # the branch the built book is published on (Colab opens it)
    interface: str               # "lab/tree" (JupyterLab) or "tree" (classic notebook)
    binderhub_url: str           # "" leaves the button out; likewise the two below
    jupyterhub_url: str
    colab_url: str
    package: str                 # the course package's distribution name
    version: str                 # its version; Colab installs the git tag v<version>
    requirements: tuple[str, ...]  # what the lessons need besides the package itself

    @property
    def owner_and_name(self) -> tuple[str, str]:
        match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", self.repository_url)
        if not match:
            raise LaunchError(f"repository.url is {self.repository_url!r}, not a GitHub repository; "
                              + LESSON_SETTINGS_HELP)
        return match.group(1), match.group(2)

    @property
    def package_requirement(self) -> str:
        """The course package, pinned to the course's version (its release tag)."""
        return f"{self.package} @ git+{self.repository_url.rstrip('/')}@v{self.version}"


def settings(config: dict, pyproject: dict) -> Settings:
    """The launch settings from a parsed ``_config.yml`` and ``pyproject.toml``.

    Raises
    ------
    LaunchError
        If ``repository.url`` is missing or not a GitHub repository (Colab and the URL forms
        here need GitHub), or the notebook interface is neither ``jupyterlab`` nor ``classic``.
    """
    repository = config.get("repository") or {}
    buttons = config.get("launch_buttons") or {}
    interface = buttons.get("notebook_interface", "jupyterlab")
    if interface not in INTERFACES:
        raise LaunchError(f"launch_buttons.notebook_interface is {interface!r}; "
                          f"use one of {sorted(INTERFACES)}")
    if not repository.get("url"):
        raise LaunchError("no repository.url in _config.yml; " + LESSON_SETTINGS_HELP)
    project = pyproject["project"]
    requirements = tuple(r for r in project.get("dependencies", [])
                         if distribution_name(r) not in TOOLING_ONLY)
    found = Settings(
        repository_url=str(repository["url"]).rstrip("/"),
        branch=str(repository.get("branch") or "main"),
        pages_branch=str(repository.get("pages_branch") or "gh-pages"),
        interface=INTERFACES[interface],
        binderhub_url=str(buttons.get("binderhub_url") or "").rstrip("/"),
        jupyterhub_url=str(buttons.get("jupyterhub_url") or "").rstrip("/"),
        colab_url=str(buttons.get("colab_url") or "").rstrip("/"),
        package=project["name"], version=str(project["version"]), requirements=requirements)
    found.owner_and_name  # noqa: B018 (validates the URL now, not at the first lesson)
    return found


def read_settings(root: Path) -> Settings:
    """:func:`settings` from ``<root>/_config.yml`` and ``<root>/pyproject.toml``."""
    root = Path(root)
    config = yaml.safe_load((root / "_config.yml").read_text(encoding="utf-8")) or {}
    pyproject_path = root / "pyproject.toml"
    if not pyproject_path.is_file():
        raise LaunchError(f"{pyproject_path} not found: the Colab set-up installs the package "
                          "it names, at its version")
    return settings(config, tomllib.loads(pyproject_path.read_text(encoding="utf-8")))


def distribution_name(requirement: str) -> str:
    """The normalised distribution name of a requirement (``PyWavelets>=1.7`` -> ``pywavelets``)."""
    name = re.match(r"\s*([A-Za-z0-9_.\-]+)", requirement).group(1)
    return re.sub(r"[-_.]+", "-", name).lower()


def student_notebook(lesson_id: str) -> str:
    """The student notebook's path in the repository (the nbgrader release)."""
    return f"course/{lesson_id}/{lesson_id}.ipynb"


def book_notebook(lesson_id: str) -> str:
    """The path of the book's copy of the student notebook, in the site and on the pages branch."""
    return f"{BOOK_NOTEBOOK_FOLDER}/{lesson_id}.ipynb"


def github_url(found: Settings, lesson_id: str) -> str:
    """The student notebook's page on GitHub (on the branch Binder and JupyterHub open)."""
    owner, name = found.owner_and_name
    return f"https://github.com/{owner}/{name}/blob/{quote(found.branch, safe='')}/{student_notebook(lesson_id)}"


def launch_urls(found: Settings, lesson_id: str) -> dict[str, str]:
    """The lesson's launch links, by service (``jupyterhub``, ``binder``, ``colab``); a service
    whose URL is empty in ``_config.yml`` is left out.

    - JupyterHub: ``HUB/hub/user-redirect/git-pull?repo=REPO_URL&urlpath=lab/tree/NAME/course/ID/ID.ipynb&branch=BRANCH``
      with the values URL-encoded (nbgitpuller clones into a folder named after the repository);
    - Binder: ``BINDER/v2/gh/OWNER/NAME/BRANCH?urlpath=lab/tree/course/ID/ID.ipynb``;
    - Colab: ``COLAB/github/OWNER/NAME/blob/PAGES_BRANCH/notebooks/ID.ipynb``.
    """
    owner, name = found.owner_and_name
    path = student_notebook(lesson_id)
    urls = {}
    if found.jupyterhub_url:
        query = urlencode({"repo": found.repository_url, "urlpath": f"{found.interface}/{name}/{path}",
                           "branch": found.branch})
        urls["jupyterhub"] = f"{found.jupyterhub_url}/hub/user-redirect/git-pull?{query}"
    if found.binderhub_url:
        urls["binder"] = (f"{found.binderhub_url}/v2/gh/{owner}/{name}/{quote(found.branch, safe='')}"
                          f"?urlpath={quote(f'{found.interface}/{path}', safe='/')}")
    if found.colab_url:
        urls["colab"] = (f"{found.colab_url}/github/{owner}/{name}/blob/"
                         f"{quote(found.pages_branch, safe='')}/{book_notebook(lesson_id)}")
    return urls


COLAB_SETUP = '''\
# Set-up for Google Colab, which starts without the course's package: this cell installs it
# ({package} {version}) and what the lessons use. Anywhere else it does nothing.
import subprocess
import sys

try:
    import google.colab  # noqa: F401  (importable only in Colab)
except ImportError:
    pass
else:
    pip = [sys.executable, "-m", "pip", "install", "--quiet"]
    subprocess.run(pip + [{requirements}], check=True)
    subprocess.run(pip + ["--no-deps", {package_requirement}], check=True)
    from importlib.metadata import version
    stale = [m for m in ("numpy", "scipy", "matplotlib") if m in sys.modules
             and getattr(sys.modules[m], "__version__", None) != version(m)]
    if stale:
        print("Colab updated " + ", ".join(stale) + ": restart the session "
              "(Runtime > Restart session), then run the notebook again from the top.")'''


def colab_setup_source(found: Settings) -> str:
    """The code of the cell that installs the course package in Colab, and only there.

    It installs the lessons' dependencies (with the course's version bounds) and then the
    package itself without dependencies, so the tools that run the course (JupyterLab,
    nbgrader, Jupyter Book) never replace Colab's own. A package that pip upgraded after the
    kernel had imported it needs a restart, and the cell says so.
    """
    requirements = "".join(f"\n        {json.dumps(r)}," for r in found.requirements) + "\n    "
    return COLAB_SETUP.format(package=found.package, version=found.version,
                              requirements=requirements if found.requirements else "",
                              package_requirement=json.dumps(found.package_requirement))


def notebook_for_book(release: nbformat.NotebookNode, found: Settings) -> nbformat.NotebookNode:
    """The book's copy of a student notebook: the release unchanged (nbgrader metadata and all,
    so it can be handed in), with the Colab set-up cell before its first code cell."""
    notebook = copy.deepcopy(release)
    if any(cell.get("id") == COLAB_CELL_ID for cell in notebook.cells):
        raise LaunchError(f"the release already has a cell with id {COLAB_CELL_ID!r}")
    cell = nbformat.v4.new_code_cell(colab_setup_source(found))
    cell["id"] = COLAB_CELL_ID
    first_code = next((i for i, c in enumerate(notebook.cells) if c.cell_type == "code"),
                      len(notebook.cells))
    notebook.cells.insert(first_code, cell)
    return notebook
