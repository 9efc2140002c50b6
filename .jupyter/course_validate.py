"""nbgrader's "Validate" button, also for a notebook opened from its paired Jupytext ``.py``.

The course opens ``.py`` files as notebooks, and nbgrader puts its Validate button in their toolbar
too, but nbgrader's validate handler reads the file it is given as notebook JSON: from a ``.py``
it answered with a JSON traceback. This server extension serves the same two routes as nbgrader's
``validate_assignment`` extension (the course configuration turns that one off in its favour) and
validates the paired ``.ipynb`` instead — the file a student submits. The button saves the
notebook before validating, and Jupytext then writes both files of the pair, so they agree.
"""
from pathlib import Path

import jupytext
from jupyter_server.utils import url_path_join
from nbgrader.server_extensions.validate_assignment.handlers import (
    NbGraderVersionHandler,
    ValidateAssignmentHandler,
)


def paired_ipynb(root: Path, path: str) -> str:
    """The ``.ipynb`` paired with the text notebook at ``path`` (relative to ``root``, same folder
    and name, as the course pairs them), or ``path`` itself when it has none."""
    text_notebook = (root / path).resolve()
    ipynb = text_notebook.with_suffix(".ipynb")
    if text_notebook.suffix == ".ipynb" or not text_notebook.is_relative_to(root) or not ipynb.is_file():
        return path
    formats = jupytext.read(text_notebook).metadata.get("jupytext", {}).get("formats", "")
    if "ipynb" not in formats.split(","):
        return path
    return str(Path(path).with_suffix(".ipynb"))


class ValidatePairedHandler(ValidateAssignmentHandler):
    def validate_notebook(self, path):
        return super().validate_notebook(paired_ipynb(Path(self.root_dir).resolve(), path))


def _jupyter_server_extension_points():
    return [{"module": "course_validate"}]


def _load_jupyter_server_extension(serverapp):
    web_app = serverapp.web_app
    web_app.settings["root_dir"] = serverapp.root_dir  # what nbgrader's handler reads
    base_url = web_app.settings["base_url"]
    web_app.add_handlers(".*$", [
        (url_path_join(base_url, "/assignments/validate"), ValidatePairedHandler),
        (url_path_join(base_url, "/nbgrader_version"), NbGraderVersionHandler),
    ])
