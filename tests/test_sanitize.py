"""The sanitizer of student content (tooling/grading/sanitize.py), without a browser.

Every payload of ``grading_fixtures/payloads.py`` comes out inert, as an HTML output, in a markdown
answer, a ``text/markdown`` output or a raw cell, and in the HTML that nbgrader's formgrader and
feedback templates make of a hostile notebook; honest content (figures, text, maths, tables, code,
the lessons' own markdown) comes out unchanged.
"""
from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbconvert.filters.markdown_mistune import markdown2html_mistune
from traitlets.config import Config

from grading_fixtures import payloads
from tooling.grading import sanitize

REPO = Path(__file__).resolve().parents[1]
CANARY = "http://127.0.0.1:9"
HTML = payloads.html_payloads("", CANARY)
MARKDOWN = {**HTML, **payloads.markdown_payloads("", CANARY)}


def rendered(markdown: str) -> str:
    """The HTML nbgrader's templates make of a markdown source (nbconvert's renderer)."""
    return markdown2html_mistune(markdown)


def test_the_payloads_are_active_before_sanitising():
    for name, fragment in HTML.items():
        assert payloads.inert_problems(fragment), name
    for name, source in payloads.markdown_payloads("", CANARY).items():
        if name != "md-remote-image":  # (an image that loads: a request, not a tag)
            assert payloads.inert_problems(rendered(source)) or "javascript:" in rendered(source), name


@pytest.mark.parametrize("name", sorted(HTML))
def test_html_payloads_are_stripped(name):
    cleaned = sanitize.clean_html(HTML[name])
    assert payloads.inert_problems(cleaned) == []


@pytest.mark.parametrize("link", ["javascript:x", "JaVa\tScRiPt:x", " \x01javascript:x", "vbscript:x",
                                  "data:text/html,x", "\x01 DATA:text/html,x", "file:///etc/passwd",
                                  "relative.html", "/api/contents", "//example.org/x"])
def test_links_go_only_to_the_web_mail_or_an_anchor(link):
    assert sanitize.clean_html(f'<a href="{link}">x</a>') == "<a>x</a>"
    assert sanitize.clean_html(f'<img src="{link}">') == "<img>"
    for kept in ["https://example.org/x?a=1&amp;b=2", "mailto:me@example.org", "#anchor"]:
        assert sanitize.clean_html(f'<a href="{kept}">x</a>') == f'<a href="{kept}">x</a>'


@pytest.mark.parametrize("name", sorted(MARKDOWN))
def test_markdown_payloads_render_inert(name):
    source, change = sanitize.clean_markdown(MARKDOWN[name])
    assert change == "removed"
    html = rendered(source)
    assert payloads.inert_problems(html) == []


def test_a_sanitised_answer_renders_as_the_html_it_holds():
    """Markdown copies the sanitised block as it is: no blank line (even from \\r or \\u2028 in the
    text, or in an attribute) lets markdown syntax, like a javascript: link, out of it."""
    fragment = ('<p>a&#13;&#13;&#8232;\u2029&#10;&#10;[x](javascript:top.__pwned=1)</p>\n<pre>\n\n# h\n\n    code</pre>'
                '<p title="a&#10;&#10;b">$x < y$</p>\n\n<https://example.org>')
    source = sanitize.as_html_block(sanitize.clean_html(fragment))
    assert "\n" not in source and "\r" not in source
    assert rendered(source).strip() == source
    assert "<a" not in source and "<h1" not in source and "$x &lt; y$" in source


def test_a_whole_hostile_answer_is_sanitised_once_and_then_left_alone():
    answer = payloads.markdown_answer("", CANARY)
    once, change = sanitize.clean_markdown(answer)
    assert change == "removed"
    assert payloads.inert_problems(rendered(once)) == []
    assert "$x &lt; 1$" in once  # the answer's maths, for MathJax
    assert sanitize.clean_markdown(once) == (once, None)


@pytest.mark.parametrize("source", [
    payloads.HONEST_ANSWER,
    "YOUR ANSWER HERE",
    "# A heading\n\nText with *emphasis*, **bold**, `code < 1` and ~~strike~~.  \nA line break.\n\n---\n",
    "1. one\n2. two\n   - nested\n\n> a quote\n\n- [x] done\n- [ ] to do\n",
    "```python\nmean = movie.mean(axis=0)  # x < y\n```\n\n    indented code\n",
    "Inline $\\Delta F / F_0 < 0.05$, display $$\\sum_i x_i^2$$ and \\begin{align}a &< b\\end{align}",
    "[the course](https://example.org/course) <https://example.org> and [top](#A-heading)\n\nterm\n: definition",
    "![a figure](data:image/png;base64," + payloads.PNG + ")",
])
def test_honest_markdown_is_kept_as_it_is(source):
    assert sanitize.clean_markdown(source) == (source, None)


def test_lesson_text_is_kept_as_it_is():
    """The instructor's markdown (locked cells) goes through the same sanitizer unchanged."""
    notebooks = sorted(REPO.glob("solutions/*/*.ipynb")) + [REPO / "tests/grading_fixtures/00-fixture/00-fixture.py"]
    cells = 0
    for path in notebooks:
        if path.suffix == ".py":
            import jupytext
            notebook = jupytext.read(path)
        else:
            notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                assert sanitize.clean_markdown(cell.source) == (cell.source, None), (path.name, cell.source[:80])
                cells += 1
    assert cells > 10


def test_harmless_html_is_kept_readable():
    source, change = sanitize.clean_markdown('H<sub>2</sub>O is <b>bold</b>, <span style="color: red; '
                                             'position: fixed">red</span><br>and $a<b$')
    assert change == "removed"  # (position: fixed)
    assert source == ('<div><p>H<sub>2</sub>O is <b>bold</b>, <span style="color:red">red</span><br>'
                      "and $a&lt;b$</p></div>")


def test_headings_cannot_take_the_formgraders_ids():
    source, change = sanitize.clean_markdown("# ex-mean-check\n\n## statusmessage",
                                             reserved_ids=frozenset({"ex-mean-check"}))
    assert change == "removed" and 'id="' not in source


# --- outputs and notebooks ---------------------------------------------------------------------------
def output(data: dict, metadata: dict | None = None, kind: str = "display_data") -> dict:
    out = {"output_type": kind, "data": data, "metadata": metadata or {}}
    if kind == "execute_result":
        out["execution_count"] = 3
    return out


FRAGMENT = "".join(HTML.values())
HOSTILE_OUTPUTS = [
    output({"text/html": FRAGMENT, "text/plain": "html"}),
    output({"text/html": FRAGMENT}, {"text/html": {"isolated": True}}, kind="execute_result"),
    output({"image/svg+xml": payloads.svg("svg", CANARY), "text/plain": "svg"}),
    output({"application/javascript": payloads.js("js", CANARY)}),
    output({"text/markdown": payloads.markdown_answer("md-", CANARY)}),
    output({"application/vnd.jupyter.widget-view+json": {"model_id": "x"}, "text/plain": "w"}),
    output({"image/png": payloads.PNG, "text/plain": "png"},
           {"image/png": {"width": "1 onerror=alert(1)", "height": 2, "alt": "a"},
            "filenames": {"image/png": CANARY + "/file.png"}}),
    output({"image/png": '"><img src=x onerror=alert(1)>'}),
    output({"text/vnd.mermaid": "graph TD; A-->B", "application/pdf": "JVBER", "text/plain": "other"}),
]


def test_outputs_keep_only_passive_and_sanitised_types():
    kept = [sanitize.clean_output(out) for out in HOSTILE_OUTPUTS]
    for (cleaned, removed), original in zip(kept, HOSTILE_OUTPUTS):
        assert set(cleaned["data"]) <= {"text/plain", "text/html", "text/markdown", "image/png", "image/jpeg"}
        assert payloads.inert_problems(cleaned["data"].get("text/html", "")) == []
        assert payloads.inert_problems(rendered(cleaned["data"].get("text/markdown", ""))) == []
        assert removed, original
    svg_only, _ = kept[3]
    assert svg_only["data"] == {"text/plain": "[output removed: application/javascript is not shown to graders]"}
    png, _ = kept[6]
    assert png["data"]["image/png"] == payloads.PNG
    assert png["metadata"] == {"image/png": {"height": 2, "alt": "a"}}
    assert kept[1][0]["metadata"] == {} and kept[1][0]["execution_count"] == 3


def test_honest_outputs_are_unchanged():
    honest = [
        {"output_type": "stream", "name": "stdout", "text": "movie: shape (30, 8, 10) <not a tag>\n"},
        {"output_type": "error", "ename": "CheckFailed", "evalue": "mean_image: <wrong>", "traceback": ["x"]},
        output({"image/png": payloads.PNG, "text/plain": "<Figure size 640x480 with 1 Axes>"},
               {"image/png": {"width": 400, "height": 300}}),
        output({"text/plain": "array([1, 2])", "text/latex": "$x^2$"}, kind="execute_result"),
    ]
    for out in honest:
        assert sanitize.clean_output(out) == (out, [])


def hostile_notebook() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = payloads.widget_state("", CANARY)
    code = nbformat.v4.new_code_cell("x = 1")
    code.outputs = [nbformat.from_dict(out) for out in HOSTILE_OUTPUTS]
    answer = nbformat.v4.new_markdown_cell(payloads.markdown_answer("", CANARY))
    answer.metadata["nbgrader"] = {"grade": True, "solution": True, "locked": False, "points": 1,
                                   "grade_id": "q-interpret", "schema_version": 3, "score": 0}
    task = nbformat.v4.new_markdown_cell("a task")
    task.metadata["nbgrader"] = {"task": True, "grade": False, "solution": False, "locked": False, "points": 1,
                                 "grade_id": '"><img src=x onerror=alert(1)>', "schema_version": 3}
    attached = nbformat.v4.new_markdown_cell("![evil](attachment:evil.svg)")
    attached.attachments = payloads.svg_attachment("", CANARY)
    raw = nbformat.v4.new_raw_cell(FRAGMENT, metadata={"raw_mimetype": "text/html"})
    nb.cells = [code, answer, task, attached, raw]
    return nb


def test_a_hostile_notebook_is_cleaned_and_every_cell_is_reported():
    nb = hostile_notebook()
    notes = sanitize.sanitize_notebook(nb)
    assert "widgets" not in nb.metadata
    assert [note.split(":")[0] for note in notes] == ["cell 0", "cell 1 (q-interpret)", "cell 2", "cell 3", "cell 4"]
    assert "application/javascript" in notes[0] and "image/svg+xml" in notes[0]
    assert "nbgrader" not in nb.cells[2].metadata
    assert nb.cells[1].metadata["nbgrader"]["grade_id"] == "q-interpret"
    assert "attachments" not in nb.cells[3]
    again = nbformat.writes(nb)
    assert sanitize.sanitize_notebook(nb) == [] and nbformat.writes(nb) == again  # nothing left to do
    nbformat.validate(nb)


@pytest.mark.parametrize("template", ["formgrade", "feedback"])
def test_nbgraders_pages_of_a_hostile_notebook_are_inert(template):
    """The formgrader's and the feedback's HTML, made as nbgrader makes them with the course's
    configuration (``HTMLExporter.preprocessors``), hold no active content from the notebook: all
    there is comes with the page (its buttons and score inputs), as for an empty notebook."""
    from nbgrader.server_extensions.formgrader import handlers

    config = Config()
    config.HTMLExporter.template_name = template
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    config.HTMLExporter.extra_template_paths = [str(Path(handlers.static_path) / "node_modules/bootstrap/dist/css")]
    config.HTMLExporter.preprocessors = ["tooling.grading.sanitize.SanitizeRendering"]
    resources = {"base_url": "", "index": 0, "total": 1, "notebook_id": "nb", "submission_id": "s"}
    if template == "feedback":  # nbgrader's feedback command: its own list ends with the sanitizer
        config.HTMLExporter.preprocessors.append("tooling.grading.sanitize.SanitizeNotebook")
        resources["nbgrader"] = {"notebook": "nb", "score": 0, "max_score": 1, "late_penalty": 0}

    def problems(nb):
        page, _ = HTMLExporter(config=config).from_notebook_node(nb, resources=dict(resources))
        return sorted(payloads.inert_problems(page.split("<body", 1)[1]))

    empty = hostile_notebook()
    for cell in empty.cells:
        cell.source, cell.outputs = "x", []
        cell.pop("attachments", None)
    assert problems(hostile_notebook()) == problems(empty)


def test_feedback_is_sanitised_after_mark_schemes_are_cleared():
    """Within nbgrader's feedback command the rendering sanitizer leaves the notebook to the
    command's own list, which clears mark schemes (line by line) before sanitising."""
    source = "<b>answer</b>\n=== BEGIN MARK SCHEME ===\n<i>secret</i>\n=== END MARK SCHEME ===\n"

    def rendering(resources):
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(source)])
        return sanitize.SanitizeRendering().preprocess(nb, resources)[0].cells[0].source

    assert rendering({"nbgrader": {"notebook": "nb"}}) == source  # feedback: later, in its own list
    assert "\n" not in rendering({})  # the formgrader: sanitised (into one line) at once


def test_the_autograder_writes_what_it_removed_into_the_grading_report(tmp_path):
    report = tmp_path / "nb.grading-report.json"
    report.write_text(json.dumps({"findings": ["earlier"]}))
    resources = {"metadata": {"path": str(tmp_path)}, "nbgrader": {"notebook": "nb"}}
    sanitize.SanitizeAutograded().preprocess(hostile_notebook(), resources)
    findings = json.loads(report.read_text())["findings"]
    assert findings[0] == "earlier" and len(findings) == 6
    assert "cell 1 (q-interpret): removed markup or links in its text (unsafe to display)" in findings


def test_a_student_id_from_an_lms_file_name_cannot_carry_markup():
    """The formgrader prints the student id into its pages unescaped: zip_collect takes none with markup."""
    import re

    from traitlets.config import PyFileConfigLoader

    config = PyFileConfigLoader("nbgrader_config.py", path=str(REPO)).load_config()
    pattern = config.FileNameCollectorPlugin.named_regexp
    for name, student in [("12345_01-single-pixel.ipynb", "12345"), ("jane.doe@uni.edu_01-x.ipynb", "jane.doe@uni.edu"),
                          ("Müller-2_01-x.ipynb", "Müller-2")]:
        assert re.match(pattern, f"downloaded/01-x/archive/{name}").group("student_id") == student
    for name in ["x<img src=y onerror=alert(1)>_01-x.ipynb", 'a"b_01-x.ipynb', "a b_01-x.ipynb", "a&lt;_01-x.ipynb"]:
        assert re.match(pattern, f"downloaded/01-x/archive/{name}") is None, name
