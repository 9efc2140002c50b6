"""JupyterLab for the course's students: ``make lab``.

Loaded by pointing Jupyter at this folder, e.g. from the repository root::

    JUPYTER_CONFIG_PATH=.jupyter jupyter lab course

It is read *after* the student's own ``~/.jupyter``, which therefore still wins, and *before* the
environment's defaults (``.venv/etc/jupyter``), which it overrides. Nothing here is written to:
JupyterLab keeps the student's own settings and workspaces in ``~/.jupyter/lab``.
"""
import os
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (provided by Jupyter)
HERE = Path(__file__).resolve().parent

# Figures must show inline. Kernels inherit the server's environment, and a headless backend
# exported for batch runs (the Makefile exports MPLBACKEND=Agg for tests and builds) would hide
# every figure; ipykernel chooses its inline backend when the variable is unset.
if os.environ.get("MPLBACKEND", "").lower() == "agg":
    del os.environ["MPLBACKEND"]

# Course defaults for JupyterLab settings (lab/settings/overrides.json): `.py` files open as
# notebooks, no news or update prompts. A student's own settings still override them.
c.LabApp.app_settings_dir = str(HERE / "lab" / "settings")

# The course is used offline too: the server never fetches the news feed or looks for updates.
c.LabApp.news_url = None
c.LabApp.check_for_updates_class = "jupyterlab.NeverCheckForUpdate"
# Students install nothing from JupyterLab: the extension manager lists, it does not query PyPI.
c.LabApp.extension_manager = "readonly"

# nbgrader's instructor and exchange extensions have nothing to offer a student working from
# a clone (course list, formgrader, assignment list). Its "Validate" button stays, served by
# course_validate.py beside this file: nbgrader's own handler, which also validates a notebook
# opened from its paired `.py` (nbgrader's alone fails there).
sys.path.insert(0, str(HERE))
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": False,
    "course_validate": True,
}
