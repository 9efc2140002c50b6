"""Sphinx extension of the course's book (``_config.yml`` lists it): a site that reads offline, and
lesson pages that open the **student** notebook.

- **Maths without a CDN.** MathJax 3 comes from the installed package ``django-static-mathjax``
  (the MathJax distribution as plain files; Django itself is neither needed nor installed): its
  ``es5`` folder is copied into the site as ``_static/mathjax/`` and ``mathjax_path`` points there.
- **Lesson pages.** The header's launch menu (the rocket) offers JupyterHub, Binder and Colab, and
  its download menu offers the exercise notebook first, from the links ``tooling.book`` wrote to
  ``_lesson_links.json`` in the derived source (see :mod:`tooling.launch`). The theme's own launch
  menu is removed: it would open the page's derived source, ``lessons/ID.ipynb``, which exists in
  no repository and holds the solutions.
- **Links with a query string** (``&``) work: MyST-Parser 3, the version Jupyter Book 1 pins,
  HTML-escapes a link's URL and the HTML writer escapes it again, so ``&`` reached the page as
  ``&amp;amp;`` (MyST-Parser issues 760 and 1116, fixed upstream in a later major version).
- **The book's student notebooks** (``_extra/notebooks/ID.ipynb`` in the derived source) are
  published as ``notebooks/ID.ipynb`` (``html_extra_path``).
"""
from __future__ import annotations

import json
from pathlib import Path

from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util.fileutil import copy_asset

MATHJAX_ENTRY = "tex-chtml.js"  # TeX in, HTML+CSS out; loads the rest (fonts, extensions) itself
# The other combined bundles of the distribution are alternatives to the entry, never loaded by
# it (latest.js would even fetch MathJax from a CDN): left out of the site.
MATHJAX_UNUSED = frozenset({
    "latest.js", "node-main.js", "mml-chtml.js", "mml-svg.js", "tex-chtml-full.js",
    "tex-chtml-full-speech.js", "tex-mml-chtml.js", "tex-mml-svg.js", "tex-svg.js", "tex-svg-full.js"})
EXTRA_FOLDER = "_extra"
LINKS_FILE = "_lesson_links.json"
LAUNCH_BUTTONS = (  # key in the links file, button text, icon (shipped with sphinx-book-theme)
    ("jupyterhub", "JupyterHub", "_static/images/logo_jupyterhub.svg"),
    ("binder", "Binder", "_static/images/logo_binder.svg"),
    ("colab", "Colab", "_static/images/logo_colab.png"),
)


def mathjax_folder() -> Path:
    """The installed MathJax distribution's ``es5`` folder.

    Raises
    ------
    ExtensionError
        If ``django-static-mathjax`` is not installed (``pip install -e .`` installs it).
    """
    try:
        import mathjax  # the module of django-static-mathjax
    except ImportError:
        mathjax = None
    folder = Path(mathjax.__file__).parent / "static" / "mathjax" / "es5" if mathjax else None
    if folder is None or not (folder / MATHJAX_ENTRY).is_file():
        raise ExtensionError("the book serves MathJax from the package django-static-mathjax, which "
                             "is not installed: pip install -e . (see pyproject.toml)")
    return folder


def _configure(app, config) -> None:
    mathjax_folder()  # fail at the start of the build, not after it
    config.mathjax_path = f"mathjax/{MATHJAX_ENTRY}"
    extra = Path(app.srcdir, EXTRA_FOLDER)
    if extra.is_dir() and str(extra) not in config.html_extra_path:
        config.html_extra_path = [*config.html_extra_path, str(extra)]


def _copy_mathjax(app, exception) -> None:
    if exception is None and app.builder.format == "html":
        copy_asset(str(mathjax_folder()), str(Path(app.outdir, "_static", "mathjax")),
                   excluded=lambda path: path in MATHJAX_UNUSED)


def _unescape_link_urls(app, doctree) -> None:
    # MyST's normalizeLink has percent-encoded <, > and " already: only & is left escaped.
    for node in doctree.findall(nodes.reference):
        if "&amp;" in node.get("refuri", ""):
            node["refuri"] = node["refuri"].replace("&amp;", "&")


def lesson_links(srcdir: Path) -> dict[str, dict[str, str]]:
    """The links file written by ``tooling.book``: page name -> {"download": path in the site,
    and a URL per launch service}; empty when there is none (a book without lessons)."""
    path = Path(srcdir, LINKS_FILE)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _lesson_buttons(app, pagename, templatename, context, doctree) -> None:
    buttons = context.get("header_buttons")
    if buttons is None:
        return
    theirs = [i for i, b in enumerate(buttons) if b.get("label") == "launch-buttons"]
    position = theirs[0] if theirs else 0
    buttons[:] = [b for b in buttons if b.get("label") != "launch-buttons"]
    links = lesson_links(app.srcdir).get(pagename)
    if not links:
        return
    launch = [{"type": "link", "text": text, "icon": icon, "url": links[key],
               "tooltip": f"Open the exercise notebook on {text}", "label": f"launch-{key}"}
              for key, text, icon in LAUNCH_BUTTONS if links.get(key)]
    if launch:
        buttons.insert(position, {"type": "group", "tooltip": "Work on this lesson",
                                  "icon": "fas fa-rocket", "buttons": launch, "label": "launch-buttons"})
    exercises = {"type": "link", "url": context["pathto"](links["download"], 1),
                 "text": "Exercises (.ipynb)", "icon": "fas fa-code",
                 "tooltip": "Download the exercise notebook", "label": "download-exercises-button"}
    download = next((b for b in buttons if b.get("label") == "download-buttons"), None)
    if download is None:
        buttons.append({"type": "group", "tooltip": "Download this lesson", "icon": "fas fa-download",
                        "buttons": [exercises], "label": "download-buttons"})
        return
    for button in download["buttons"]:
        if button.get("label") == "download-source-button" and str(button.get("url", "")).endswith(".ipynb"):
            button.update(text="With solutions (.ipynb)",
                          tooltip="Download this page as a notebook, solutions included")
    download["buttons"].insert(0, exercises)


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("build-finished", _copy_mathjax)
    app.connect("doctree-read", _unescape_link_urls)
    # after sphinx-book-theme's own header buttons (priority 501)
    app.connect("html-page-context", _lesson_buttons, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
