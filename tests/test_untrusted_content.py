"""A student's notebook never runs in the instructor's browser (nor in a student's).

The grading cycle of ``book/instructors.md`` on the fixture lesson for a class of three: ``honest``
(a matplotlib figure, a written answer with formatting and maths), ``hostile`` (active content,
``grading_fixtures/payloads.py``, everywhere a student can put it: scripts, event handlers on many
tags, SVG and MathML, iframes, ``javascript:`` links, CSS and ``<link>`` loads, in HTML,
JavaScript, SVG, markdown and widget outputs, hostile output metadata, the markdown answer, an
added markdown cell with an SVG attachment, raw cells) and ``legacy``, whose autograded notebook
is replaced after grading by an unsanitised hostile one, as if graded before the sanitizer
existed. The class is collected from an LMS zip and graded with ``python -m tooling.grading
autograde``; feedback is generated; a Jupyter server with nbgrader's formgrader starts on
127.0.0.1 with a token, and Debian's Chromium, logged in as the instructor, opens every submission
in the formgrader and every feedback page.

A payload that ran would set ``window.__pwned`` or request a canary server of the test or the
Jupyter API: the tests assert that nothing of the kind happened (watching every request the pages
make), that the pages hold no active element from the student, and that the honest submission
still shows its figure, formatted text and maths. A control page first shows that the same
payloads, unsanitised, do run in this browser. Screenshots go to ``test-artifacts/untrusted/``.
"""
from __future__ import annotations

import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import nbformat
import pytest
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from nbgrader.api import Gradebook

from grading_fixtures import classroom, payloads
from test_jupyterlab import browser, free_port, lab_env, stop  # noqa: F401 (browser: a fixture)
from tooling.grading import sanitize

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
LESSON = "00-fixture"
ARTIFACTS = REPO / "test-artifacts" / "untrusted"
MATHJAX = "https://cdnjs.cloudflare.com/**"  # the templates' MathJax (offline here: refused at once)
#: What the page's own code may ask its server for; anything else is the student's doing.
OWN_PATHS = re.compile(r"/formgrader/(static/|api/|submissions/[\w-]+/?$)")
#: Elements and attributes that could run or load something, looked for in the rendered page.
AUDIT = """([container, tags]) => {
  const found = [];
  const root = document.querySelector(container);
  for (const el of [document.body, ...root.querySelectorAll('*')]) {
    const tag = el.tagName.toLowerCase();
    if (tags.includes(tag)) found.push('<' + tag + '>');
    for (const attr of el.attributes) {
      const value = attr.value.trim().toLowerCase();
      if (attr.name.startsWith('on')) found.push('<' + tag + ' ' + attr.name + '>');
      if (/^\\s*(javascript|vbscript|data:text)/.test(value)) found.push('<' + tag + ' ' + attr.name + '>');
      if (attr.name === 'style' && value.includes('url(')) found.push('<' + tag + ' style=url()>');
    }
  }
  return found;
}"""


# --- the class -----------------------------------------------------------------------------------------
def hostile_outputs(prefix: str, canary: str) -> list:
    """The outputs a code cell would have with every kind of active content (for ``legacy``)."""
    fragment = "".join(payloads.html_payloads(prefix, canary).values())
    data = [{"text/html": fragment, "text/plain": "h"},
            {"application/javascript": payloads.js(prefix + "js", canary)},
            {"text/markdown": payloads.markdown_answer(prefix + "md-", canary)},
            {"image/svg+xml": payloads.svg(prefix + "svg", canary)}]
    return [nbformat.v4.new_output("display_data", bundle) for bundle in data]


def submissions(lesson: classroom.Lesson, canary: str) -> dict:
    """``{student: notebook}``: the honest one, the hostile one, and ``legacy`` (honest when graded)."""
    setup = classroom._setup(lesson)
    honest = lesson.notebook({"q-interpret": payloads.HONEST_ANSWER}, insert={setup: payloads.HONEST_FIGURE})
    hostile = lesson.notebook({"q-interpret": payloads.markdown_answer("answer-", canary)},
                              insert={setup: payloads.output_cell("outputs-", canary)})
    hostile.metadata["widgets"] = payloads.widget_state("outputs-", canary)
    added = nbformat.v4.new_markdown_cell("An added cell: ![evil](attachment:evil.svg)\n\n"
                                          + payloads.markdown_answer("added-", canary))
    added.attachments = payloads.svg_attachment("added-", canary)
    fragment = "".join(payloads.html_payloads("raw-", canary).values())
    hostile.cells[2:2] = [added, nbformat.v4.new_raw_cell(fragment, metadata={"raw_mimetype": "text/html"}),
                          nbformat.v4.new_raw_cell(fragment, metadata={"format": "text/html"})]
    return {"honest": honest, "hostile": hostile, "legacy": lesson.notebook()}


@pytest.fixture(scope="module")
def canary():
    """A local HTTP server that records every request: a payload that ran would call it."""
    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(204)
            self.send_header("Access-Control-Allow-Origin", "*")
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def graded(tmp_path_factory, canary):
    """The class graded, ``legacy`` replaced by an unsanitised notebook, feedback generated."""
    classroom.require_sandbox()
    url, _ = canary
    base = tmp_path_factory.mktemp("untrusted")
    root, kernels = base / "course", base / "kernels"
    env = classroom.instructor_env(kernels / "share" / "jupyter")
    subprocess.run([sys.executable, "-m", "tooling.grading", "install-kernel", "--prefix", str(kernels),
                    "--memory", "2G"], check=True, env=env, capture_output=True)
    classroom.make_course(root, REPO, {LESSON: REPO / "tests" / "grading_fixtures" / LESSON})
    lesson = classroom.Lesson.read(LESSON, root / "course" / LESSON / f"{LESSON}.ipynb",
                                   root / "solutions" / LESSON / f"{LESSON}.ipynb")
    students = submissions(lesson, url)
    classroom.lms_zip(root, LESSON, {student: (notebook, set()) for student, notebook in students.items()})
    classroom.nbgrader(root, "zip_collect", LESSON, env=env)
    cli = subprocess.run([sys.executable, "-m", "tooling.grading", "autograde", LESSON], cwd=root, env=env,
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stdout + cli.stderr

    legacy = root / "autograded" / "legacy" / LESSON / f"{LESSON}.ipynb"
    notebook = nbformat.read(legacy, as_version=4)
    notebook.metadata["widgets"] = payloads.widget_state("legacy-", url)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id == "q-interpret":
            cell.source = payloads.markdown_answer("legacy-", url)
        elif grade_id == "setup":
            cell.outputs = hostile_outputs("legacy-", url)
    nbformat.write(notebook, legacy)
    assert len(sanitize.sanitize_notebook(notebook)) == 2, "legacy's notebook should be unsanitised"

    classroom.nbgrader(root, "generate_feedback", LESSON, env=env)
    with Gradebook(f"sqlite:///{root}/gradebook.db") as gradebook:
        ids = {student: gradebook.find_submission_notebook(LESSON, LESSON, student).id for student in students}
    return {"root": root, "students": students, "ids": ids, "cli": cli.stdout, "env": env}


@pytest.fixture(scope="module")
def formgrader(graded, tmp_path_factory):
    """A Jupyter server with nbgrader's formgrader on the course, as an instructor starts it there."""
    root, home = graded["root"], tmp_path_factory.mktemp("home")
    port, token = free_port(), os.urandom(16).hex()
    log_path = home / "server.log"
    env = {**lab_env(root, home), "PATH": graded["env"]["PATH"]}
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "server", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while not _answers(f"{url}/formgrader/?token={token}"):
            assert server.poll() is None, f"the server exited:\n{log_path.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"no formgrader within 90 s:\n{log_path.read_text()[-3000:]}"
            time.sleep(0.5)
        yield {"url": url, "token": token}
    finally:
        stop(server)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "server.log")


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as reply:
            return reply.status == 200
    except OSError:
        return False


# --- the browser -----------------------------------------------------------------------------------
@pytest.fixture
def instructor(browser, formgrader):
    """A browser page logged into the Jupyter server, recording every request it makes."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.route(MATHJAX, lambda route: route.abort())
    page.goto(f"{formgrader['url']}/formgrader/?token={formgrader['token']}")
    assert "/login" not in page.url, "the token did not log the instructor in"
    try:
        yield page
    finally:
        context.close()


def visit(page, url: str, name: str, canary) -> None:
    """Open `url`, give timers, autofocus and animations time, move the mouse over the page."""
    page.requests.clear()
    canary[1].clear()  # (each page is judged by what it asks for itself)
    page.goto(url)
    page.wait_for_load_state("load")
    for y in range(50, 900, 60):
        page.mouse.move(40 + y, y)
    page.wait_for_timeout(1000)  # (SVG animations, marquee, a meta refresh)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def assert_nothing_ran(page, url: str, canary) -> None:
    _, hits = canary
    assert page.url.split("#")[0] == url.split("#")[0], f"the page navigated away, to {page.url}"
    assert page.evaluate("window.__pwned") is None, f"payloads ran: {page.evaluate('window.__pwned')}"
    assert len(page.frames) == 1, f"frames were created: {[frame.url for frame in page.frames]}"
    here = urlsplit(url)
    strays = []
    for request in page.requests:
        parts = urlsplit(request)
        if parts.scheme == "data" or request.startswith("https://cdnjs.cloudflare.com/"):
            continue
        if parts.scheme == "file" and request == url:
            continue
        if parts.netloc == here.netloc and parts.scheme == here.scheme and OWN_PATHS.match(parts.path):
            continue
        strays.append(request)
    assert not strays, f"requests the page did not make itself: {strays}"
    assert not hits, f"the canary was called: {hits}"
    assert not [r for r in page.requests if urlsplit(r).path.startswith("/api/")]
    found = page.evaluate(AUDIT, ["#notebook-container", sorted(payloads.ACTIVE_TAGS - {"body"})])
    assert not found, f"active content in the page: {found}"


def test_the_payloads_run_when_nothing_sanitises_them(browser, canary, tmp_path):
    """Control: unsanitised, in this browser, the payloads do run (the checks below can see it)."""
    url, hits = canary
    answer = markdown2html_mistune(payloads.markdown_answer("control-", url))
    page_file = tmp_path / "control.html"
    page_file.write_text("<!DOCTYPE html><html><body>" + answer + "</body></html>")
    context = browser.new_context()
    page = context.new_page()
    try:
        page.goto(page_file.as_uri())
        page.mouse.move(100, 100)
        page.wait_for_timeout(1000)
        ran = set(page.evaluate("window.__pwned") or []) | {hit.strip("/") for hit in hits}
    finally:
        context.close()
        hits.clear()
    expected = {f"control-{name}" for name in ("img-onerror", "svg-onload", "script", "iframe-srcdoc",
                                                 "details-ontoggle", "style-attribute", "link-stylesheet",
                                                 "remote-image", "md-mermaid", "md-inline")}
    assert expected <= ran, f"these payloads did not run unsanitised: {sorted(expected - ran)}"
    (ARTIFACTS / "control-ran.txt").parent.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "control-ran.txt").write_text("\n".join(sorted(ran)))


def test_the_autograder_stores_sanitised_notebooks_and_reports_what_it_removed(graded):
    out = graded["cli"]
    hostile = out.split("] hostile:", 1)[1].split("\n[", 1)[0]
    for removed in ("cell 2: removed attachment 'evil.svg' (not PNG or JPEG), markup or links in its text",
                    "cell 3: removed markup in a raw cell", "(q-interpret): removed markup or links in its text",
                    "application/javascript", "image/svg+xml", "application/vnd.jupyter.widget-view+json"):
        assert removed in hostile, out
    assert "unsafe" not in out.split("] honest:", 1)[1].split("\n[", 1)[0], out
    for student in ("hostile", "honest"):
        notebook = nbformat.read(graded["root"] / "autograded" / student / LESSON / f"{LESSON}.ipynb", 4)
        assert sanitize.sanitize_notebook(notebook) == [], f"{student}'s autograded notebook is not clean"


def test_the_honest_submission_is_graded_exactly_as_it_was_written(graded):
    """The sanitizer changes nothing in it: the formgrader shows what it always showed."""
    path = graded["root"] / "autograded" / "honest" / LESSON / f"{LESSON}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    answer = next(c for c in notebook.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q-interpret")
    assert answer.source == payloads.HONEST_ANSWER
    figure = next(c for c in notebook.cells if "matplotlib" in c.source)
    assert any("image/png" in output.get("data", {}) for output in figure.outputs)
    before = nbformat.writes(notebook)
    assert sanitize.sanitize_notebook(notebook) == [] and nbformat.writes(notebook) == before


def assert_honest_work_shows(page) -> None:
    """The honest submission's figure, formatted answer and maths (as text for MathJax) are there."""
    figure = page.locator('#notebook-container .output_png img[src^="data:image/png;base64,"]')
    assert figure.count() == 1
    assert figure.evaluate("img => img.naturalWidth") > 200, "the figure does not show"
    answer = page.locator("#notebook-container .text_cell_render", has_text="Averaging")
    assert answer.count() == 1
    assert answer.locator("strong").inner_text() == "Averaging"
    assert answer.locator("em").inner_text() == "less noisy"
    assert answer.locator("li").count() == 2 and answer.locator("table tr").count() == 3
    text = answer.inner_text()
    for tex in (r"$\sqrt{T}$", r"$\sigma / \sqrt{T}$", r"$\sigma/\sqrt{30}$", r"$$\mathrm{SNR} \propto \sqrt{T}$$"):
        assert tex in text, f"{tex} is not in the answer for MathJax to typeset"
    assert answer.locator("code, pre").count() == 0  # maths are text, not code


def test_the_formgrader_runs_no_submission_and_shows_honest_work(graded, formgrader, instructor, canary):
    for student, submission_id in graded["ids"].items():
        url = f"{formgrader['url']}/formgrader/submissions/{submission_id}/"
        visit(instructor, url, f"formgrader-{student}", canary)
        assert instructor.locator("#notebook-container .cell").count() > 10, f"{student}: no notebook shown"
        assert_nothing_ran(instructor, url, canary)
        if student == "honest":
            assert_honest_work_shows(instructor)


def test_feedback_pages_run_no_submission_and_show_honest_work(graded, browser, canary):
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda request: page.requests.append(request.url))
    page.route(MATHJAX, lambda route: route.abort())
    try:
        for student in graded["students"]:
            url = (graded["root"] / "feedback" / student / LESSON / f"{LESSON}.html").as_uri()
            visit(page, url, f"feedback-{student}", canary)
            assert page.locator("#notebook-container .cell").count() > 10
            assert_nothing_ran(page, url, canary)
            if student == "honest":
                assert_honest_work_shows(page)
    finally:
        context.close()
