"""The instructor's JupyterLab: ``python -m tooling.grading lab`` (``make grade-lab``).

Read before the course's student settings (``.jupyter/``, which turn nbgrader's instructor side
off): the formgrader is on, nbgrader's exchange (course list, assignment list) stays off, the
Validate button stays the course's own.
"""
import importlib.util

c = get_config()  # noqa: F821 (provided by Jupyter)

course_validate = importlib.util.find_spec("course_validate") is not None  # (.jupyter/ was read)
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": True,
    "nbgrader.server_extensions.assignment_list": False,
    "nbgrader.server_extensions.course_list": False,
    "nbgrader.server_extensions.validate_assignment": not course_validate,
    "course_validate": course_validate,
}
# The login cookie set by a link with ?token= is valid for the whole server. Without a path the
# browser scopes it to the link's folder: a formgrader page opened from such a link then had its
# data requests (/formgrader/api/...) sent without it, redirected to the login page.
c.IdentityProvider.cookie_options = {"path": "/"}
