"""What a student wrote or produced, made safe to show to the instructor and to students.

A submission's outputs and its markdown and raw cells are the student's: a code cell can display
``<img src=x onerror=...>``, an answer can carry ``<svg onload=...>``. The formgrader renders the
autograded notebook with nbconvert in the Jupyter server's origin, where a script could use the
instructor's session (the contents API, kernels, grades); feedback pages render it too. Everything
in them therefore goes through this module first:

* code-cell outputs keep only passive MIME types: ``text/plain``, ``text/latex`` (escaped by the
  templates), ``image/png`` and ``image/jpeg`` (base64 checked), and ``text/html`` and
  ``text/markdown`` after sanitising; SVG, JavaScript, widgets and every other type are removed
  (an output left empty says so in ``text/plain``), and output metadata keeps only an image's
  numeric size, alt text and ``unconfined``;
* a markdown cell (and a ``text/markdown`` output) keeps its source when it holds no raw HTML and
  renders to nothing the allow-list removes: plain markdown, maths, tables, code, links to
  http(s)/mailto and embedded PNG/JPEG images. Otherwise its source becomes the sanitised HTML of
  its rendering (one line, so that markdown passes it through unchanged; maths stay ``$...$`` text
  for MathJax);
* raw cells with markup, attachments other than PNG/JPEG, widget state, malformed nbgrader grade
  ids and non-integer execution counts are cleaned too.

Sanitising is done by `nh3 <https://nh3.readthedocs.io>`_ (the Python binding of the Rust
``ammonia`` sanitizer, an html5ever parser) with an allow-list: formatting, lists, tables, links
and images, no scripts, event handlers, ``javascript:`` or other URLs that load anything (an image
is shown only from a ``data:image/png|jpeg|gif`` URL; a link goes to http(s), mailto or an anchor),
no iframes, forms, SVG or MathML, no ``<style>``, ``<link>`` or CSS beyond a few text properties,
and only the CSS classes nbconvert's own markup uses.

:class:`SanitizeAutograded` runs in ``Autograde.autograde_preprocessors`` after execution, so the
autograded notebook on disk is clean (and what was removed goes into the grading report);
:class:`SanitizeNotebook` runs again at the end of feedback, and :class:`SanitizeRendering` wherever
else nbgrader renders a notebook as HTML (the formgrader, through ``HTMLExporter.preprocessors``),
which covers notebooks graded before.
"""
from __future__ import annotations

import html
import json
import os
import re
from html.parser import HTMLParser

import nh3
from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath
from nbconvert.preprocessors import Preprocessor
from pygments.token import STANDARD_TYPES
from traitlets import Bool

from tooling.grading import sandbox

# --- the allow-list --------------------------------------------------------------------------------
TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "center", "cite", "code", "col", "colgroup",
    "dd", "del", "details", "dfn", "div", "dl", "dt", "em", "figcaption", "figure", "h1", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "input", "ins", "kbd", "li", "mark", "ol", "p",
    "pre", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "summary", "sup", "table",
    "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "u", "ul", "var", "wbr",
}
#: Tags removed with their content (the rest of a disallowed tag's content stays, as text).
DROPPED_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "embed", "noscript",
                        "textarea", "select", "svg", "math", "title", "xmp", "noembed", "noframes"}
_CELL = {"align", "colspan", "rowspan", "style", "valign"}
ATTRIBUTES = {
    "*": {"class", "title", "lang", "dir"},
    "a": {"href"}, "img": {"src", "alt", "width", "height"}, "ol": {"start", "type"},
    "details": {"open"}, "input": {"checked", "disabled"}, "col": {"span"}, "colgroup": {"span"},
    "td": _CELL, "th": _CELL | {"scope"}, "tr": {"align", "style", "valign"}, "table": {"border"},
    "p": {"align", "style"}, "div": {"align", "style"}, "span": {"style"},
    **{f"h{level}": {"id", "align", "style"} for level in range(1, 7)},
}
#: CSS properties kept in a style attribute: none of them can load anything (url() is not a colour).
STYLE_PROPERTIES = {"color", "background-color", "text-align", "font-weight", "font-style",
                    "text-decoration", "vertical-align"}
#: Classes nbconvert's markdown and pygments put in the HTML, and pandas' tables; the formgrader's
#: own classes (buttons, scores) are not among them.
CLASSES = ({"highlight", "anchor-link", "task-list-item", "task-list-item-checkbox", "dataframe"}
           | {name for name in STANDARD_TYPES.values() if name})
_LANGUAGE_CLASS = re.compile(r"language-[\w+#.-]+")
_IMAGE_URL = re.compile(r"data:image/(png|jpeg|gif);base64,[A-Za-z0-9+/=\s]*")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")
_CONTROL = re.compile(r"[\x00-\x20]")
#: Ids of the formgrader's page (a student's heading must not take them).
PAGE_IDS = {"statusmessage", "notebook", "notebook-container"}
GRADE_ID = re.compile(r"[A-Za-z0-9_-]+")  # what nbgrader's assignment editor accepts

#: Output MIME types kept as they are (the templates escape them) and sanitised ones.
PASSIVE = {"text/plain", "text/latex"}
IMAGES = {"image/png", "image/jpeg"}


def clean_html(fragment: str, reserved_ids: frozenset = frozenset()) -> str:
    """`fragment` sanitised with the allow-list (ids in `reserved_ids` or the page's are dropped)."""
    def keep(tag: str, attribute: str, value: str):
        if attribute == "class":
            names = [name for name in value.split() if name in CLASSES or _LANGUAGE_CLASS.fullmatch(name)]
            return " ".join(names) or None
        if attribute == "src":
            return value if _IMAGE_URL.fullmatch(value) else None
        if attribute == "href" and _CONTROL.sub("", value).lower().startswith("data:"):
            return None  # (only an image may be data; URL parsers drop controls and spaces)
        if attribute == "id" and (value in reserved_ids or value in PAGE_IDS):
            return None
        return value

    return nh3.clean(
        fragment, tags=TAGS, clean_content_tags=DROPPED_WITH_CONTENT, attributes=ATTRIBUTES,
        attribute_filter=keep, strip_comments=True, link_rel=None,
        url_schemes={"http", "https", "mailto", "data"},
        url_relative=lambda url: url if url.startswith("#") else None,
        tag_attribute_values={"input": {"type": {"checkbox"}}},
        set_tag_attribute_values={"input": {"disabled": ""}},
        filter_style_properties=STYLE_PROPERTIES)


# --- markdown --------------------------------------------------------------------------------------
class _Renderer(IPythonRenderer):
    """nbconvert's markdown renderer, noting whether the source put markup of its own in the HTML."""

    raw = False

    def block_html(self, html_text):
        self.raw = True
        return super().block_html(html_text)

    def inline_html(self, html_text):
        self.raw = True
        return super().inline_html(html_text)

    def block_mermaidjs(self, code):  # nbconvert copies a mermaid block's text into the HTML as is
        self.raw = True
        return super().block_mermaidjs(code)


class _Tokens(HTMLParser):
    """The tags, attributes and text of well-formed HTML, to compare two serialisations."""

    VOID = {"br", "hr", "img", "input", "wbr", "col"}

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tokens: list = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        kept = sorted((name, value or "") for name, value in attrs if value or name != "style")  # (style="")
        self.tokens.append(("<", tag, tuple(kept)))

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag not in self.VOID:
            self.tokens.append((">", tag))

    def handle_data(self, data):
        if self.tokens and self.tokens[-1][0] == "text":
            self.tokens[-1] = ("text", self.tokens[-1][1] + data)
        else:
            self.tokens.append(("text", data))

    def handle_comment(self, data):
        self.tokens.append(("comment", data))

    def unknown_decl(self, data):
        self.tokens.append(("decl", data))

    handle_decl = handle_pi = unknown_decl


#: Characters that markdown reads as line breaks: written as character references in a sanitised
#: block, so that it stays one line that markdown passes through as raw HTML.
_LINE_BREAKS = {ord(c): f"&#{ord(c)};" for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"}
_DIV = re.compile(r"<div[\s>]")


def as_html_block(fragment: str) -> str:
    """A markdown source that renders to `fragment` (sanitised HTML) unchanged: one line that
    starts with ``<div``, which markdown reads as one block of HTML and copies as it is."""
    fragment = fragment.strip()
    if not _DIV.match(fragment):
        fragment = f"<div>{fragment}</div>"
    return fragment.translate(_LINE_BREAKS)


def render_markdown(source: str, attachments: dict | None = None) -> tuple[str, bool]:
    """``(html, raw)``: `source` rendered as nbconvert does; `raw` when markup came from the source."""
    renderer = _Renderer(escape=False, attachments=attachments or {})
    return MarkdownWithMath(renderer=renderer).render(source), renderer.raw


def clean_markdown(source: str, attachments: dict | None = None,
                   reserved_ids: frozenset = frozenset()) -> tuple[str, str | None]:
    """``(source, what changed)``: `source` if it renders to safe HTML by itself, else a source
    holding the sanitised HTML of its rendering. The second value is None when nothing changed,
    ``"html"`` when harmless markup was only re-encoded and ``"removed"`` when something was cut."""
    try:
        rendered, raw = render_markdown(source, attachments)
    except Exception:  # noqa: BLE001 - e.g. a missing attachment: show the text itself
        return as_html_block(clean_html("<pre>" + html.escape(source) + "</pre>")), "removed"
    cleaned = clean_html(rendered, reserved_ids)
    same = _Tokens(cleaned).tokens == _Tokens(rendered).tokens
    if same and not raw:
        return source, None
    block = as_html_block(cleaned)
    if block == source:  # sanitised before (by the autograder): the same string again
        return source, None
    return block, "html" if same else "removed"


# --- notebooks -------------------------------------------------------------------------------------
def _text(value) -> str:
    return "".join(map(str, value)) if isinstance(value, list) else str(value)


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _image_metadata(metadata: dict) -> dict:
    kept = {}
    for key, value in metadata.items():
        if key in ("width", "height") and isinstance(value, (int, float)) and not isinstance(value, bool):
            kept[key] = value
        elif key == "unconfined" and isinstance(value, bool):
            kept[key] = value
        elif key == "alt" and isinstance(value, str):
            kept[key] = value
    return kept


def clean_output(output: dict, reserved_ids: frozenset = frozenset()) -> tuple[dict | None, list[str]]:
    """``(output or None, [what was removed])``: an output rebuilt from its passive parts."""
    kind = output.get("output_type")
    if kind == "stream":
        name = output.get("name") if output.get("name") in ("stdout", "stderr") else "stdout"
        return {"output_type": "stream", "name": name, "text": _text(output.get("text", ""))}, []
    if kind == "error":
        return {"output_type": "error", "ename": _text(output.get("ename", "")),
                "evalue": _text(output.get("evalue", "")),
                "traceback": [_text(line) for line in output.get("traceback", [])]}, []
    if kind not in ("display_data", "execute_result"):
        return None, [f"an output of type {kind!r}"]
    data, metadata, removed = {}, {}, []
    given = output.get("data") if isinstance(output.get("data"), dict) else {}
    for mime, value in given.items():
        value = value if isinstance(value, (str, list)) else json.dumps(value)
        if mime in PASSIVE:
            data[mime] = _text(value)
        elif mime in IMAGES and _BASE64.fullmatch(_text(value)):
            data[mime] = _text(value)
            described = _dict(_dict(output.get("metadata")).get(mime))
            kept = _image_metadata(described)
            if kept:
                metadata[mime] = kept
            if kept != described:
                removed.append(f"{mime} metadata")
        elif mime == "text/html":
            data[mime] = clean_html(_text(value), reserved_ids)
            if _Tokens(data[mime]).tokens != _Tokens(_text(value)).tokens:
                removed.append(f"parts of {mime}")
        elif mime == "text/markdown":
            data[mime], change = clean_markdown(_text(value), reserved_ids=reserved_ids)
            if change == "removed":
                removed.append(f"parts of {mime}")
        else:
            removed.append(mime)
    if "filenames" in _dict(output.get("metadata")):
        removed.append("file names in the metadata")
    if not data:
        data["text/plain"] = f"[output removed: {', '.join(removed) or 'no data'} is not shown to graders]"
    cleaned = {"output_type": kind, "data": data, "metadata": metadata}
    if kind == "execute_result":
        count = output.get("execution_count")
        cleaned["execution_count"] = count if isinstance(count, int) and not isinstance(count, bool) else None
    return cleaned, removed


def reserved_ids(nb) -> frozenset:
    """The element ids the formgrader gives a notebook's graded cells."""
    ids = set()
    for cell in nb.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if isinstance(grade_id, str):
            ids |= {grade_id, f"{grade_id}-comment", f"{grade_id}_extra_credit"}
    return frozenset(ids)


def sanitize_notebook(nb) -> list[str]:
    """Clean `nb` in place (see the module's docstring); return what was removed, one note per cell."""
    import nbformat

    notes = []
    nb.metadata.pop("widgets", None)
    taken = reserved_ids(nb)
    for index, cell in enumerate(nb.cells):
        removed = []
        meta = cell.get("metadata", {})
        grade_id = meta.get("nbgrader", {}).get("grade_id") if isinstance(meta.get("nbgrader"), dict) else None
        if "nbgrader" in meta and not (isinstance(grade_id, str) and GRADE_ID.fullmatch(grade_id)):
            del meta["nbgrader"]
            grade_id = None
            removed.append("nbgrader metadata with a malformed grade id")
        if cell.cell_type == "code":
            count = cell.get("execution_count")
            cell.execution_count = count if isinstance(count, int) and not isinstance(count, bool) else None
            outputs = []
            for output in cell.get("outputs", []):
                kept, gone = clean_output(output, taken)
                removed += gone
                if kept is not None:
                    outputs.append(nbformat.from_dict(kept))
            cell.outputs = outputs
        elif cell.cell_type == "markdown":
            attachments = {}
            for name, bundle in _dict(cell.get("attachments")).items():
                images = {m: _text(v) for m, v in _dict(bundle).items()
                          if m in IMAGES and _BASE64.fullmatch(_text(v))}
                if images:
                    attachments[name] = images
                if len(images) != len(_dict(bundle)) or not images:
                    removed.append(f"attachment {name!r} (not PNG or JPEG)")
            cell.source, change = clean_markdown(_text(cell.source), attachments, taken)
            if change is None and attachments:
                cell.attachments = nbformat.from_dict(attachments)
            else:  # images are in the sanitised HTML now
                cell.pop("attachments", None)
            if change == "removed":
                removed.append("markup or links in its text")
        elif cell.cell_type == "raw" and "<" in _text(cell.source):
            cleaned = clean_html(_text(cell.source), taken)
            if _Tokens(cleaned).tokens != _Tokens(_text(cell.source)).tokens:
                removed.append("markup in a raw cell")
            cell.source = cleaned
        if removed:
            where = f"cell {index}" + (f" ({grade_id})" if grade_id else "")
            notes.append(f"{where}: removed {', '.join(dict.fromkeys(removed))} (unsafe to display)")
    return notes


class SanitizeNotebook(Preprocessor):
    """Make a notebook's student content safe to render (see the module); for nbgrader's
    ``GenerateFeedback.preprocessors``, after hidden tests and mark schemes are cleared."""

    enabled = Bool(True, help="Sanitise (nbgrader registers its preprocessors without enabling them).").tag(config=True)

    def preprocess(self, nb, resources):
        for note in sanitize_notebook(nb):
            self.log.warning("Sanitized: %s", note)
        return nb, resources


class SanitizeRendering(SanitizeNotebook):
    """:class:`SanitizeNotebook` for ``HTMLExporter.preprocessors``: every notebook nbgrader renders
    as HTML, the formgrader's submission pages included. Within an nbgrader command (feedback),
    whose resources say which submission it converts, it leaves the work to that command's own
    list, where sanitising comes after clearing hidden tests and mark schemes (which look for
    their markers line by line)."""

    def preprocess(self, nb, resources):
        if "nbgrader" in resources:
            return nb, resources
        return super().preprocess(nb, resources)


class SanitizeAutograded(SanitizeNotebook):
    """:class:`SanitizeNotebook` for the autograded notebook; what it removed goes into the grading
    report written by :class:`~tooling.grading.execute.SandboxedExecute`."""

    def preprocess(self, nb, resources):
        notes = sanitize_notebook(nb)
        for note in notes:
            self.log.warning("Sanitized: %s", note)
        ids = resources.get("nbgrader", {})
        path = os.path.join(resources.get("metadata", {}).get("path") or ".",
                            str(ids.get("notebook")) + sandbox.REPORT_SUFFIX)
        if notes and os.path.exists(path):
            with open(path) as file:
                report = json.load(file)
            report["findings"] = report.get("findings", []) + notes
            with open(path, "w") as file:
                json.dump(report, file, indent=1)
        return nb, resources
