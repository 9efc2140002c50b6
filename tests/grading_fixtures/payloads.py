"""Active content that a hostile submission puts where graders look, and honest content to keep.

Every payload that a browser would run records its name in ``top.__pwned`` and requests
``CANARY/<name>`` (a local HTTP server of the test) and the Jupyter API (``/api/contents?<name>``);
the ones that only load a resource (CSS ``url()``, ``<link>``, a remote image) request the canary.
So a payload ran if ``__pwned`` is set, or if the canary or ``/api/`` was asked for anything.
Links and forms (``javascript:`` URLs) run only when clicked: the tests look for them in the page.

:func:`html_payloads` are HTML fragments (for ``text/html`` outputs, markdown answers and raw
cells), :func:`markdown_payloads` markdown-only ones, :func:`output_cell` the code of a cell that
displays every kind of active output, :func:`widget_state` notebook metadata for widgets.
"""
from __future__ import annotations

import base64

#: A 1x1 PNG: the honest image data the payload outputs carry.
PNG = ("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


def js(name: str, canary: str) -> str:
    """JavaScript that leaves a trace of `name` (no quotes: it goes inside any attribute)."""
    return (f"(top.__pwned=top.__pwned||[]).push(`{name}`);"
            f"fetch(`{canary}/{name}`,{{mode:`no-cors`}});fetch(`/api/contents?{name}`)")


def html_payloads(prefix: str, canary: str) -> dict[str, str]:
    """``{name: HTML}``: script-bearing tags, event handlers and resource loads."""
    def run(name):
        return js(prefix + name, canary)

    def url(name):
        return f"{canary}/{prefix}{name}"

    return {
        "img-onerror": f'<img src="x" onerror="{run("img-onerror")}">',
        "svg-onload": f'<svg onload="{run("svg-onload")}"><circle r="4"></circle></svg>',
        "svg-script": f'<svg><script>{run("svg-script")}</script></svg>',
        "svg-animate": f'<svg><animate onbegin="{run("svg-animate")}" attributeName="x" dur="1s"></animate></svg>',
        "svg-javascript-link": f'<svg><a href="javascript:{run("svg-link")}"><text y="20">svg link</text></a></svg>',
        "script": f'<script>{run("script")}</script>',
        "iframe-srcdoc": f'<iframe srcdoc="&lt;script&gt;{run("iframe-srcdoc")}&lt;/script&gt;"></iframe>',
        "iframe-javascript": f'<iframe src="javascript:{run("iframe-javascript")}"></iframe>',
        "details-ontoggle": f'<details open ontoggle="{run("details-ontoggle")}"><summary>s</summary>d</details>',
        "input-onfocus": f'<input autofocus onfocus="{run("input-onfocus")}">',
        "marquee-onstart": f'<marquee onstart="{run("marquee-onstart")}">m</marquee>',
        "video-onerror": f'<video><source onerror="{run("video-onerror")}"></video>',
        "body-onpageshow": f'<body onpageshow="{run("body-onpageshow")}" onmousemove="{run("body-onmousemove")}">',
        "mathml-mxss": (f'<math><mtext><table><mglyph><style><img src="x" onerror="{run("mathml-mxss")}">'
                        "</style></mglyph></table></mtext></math>"),
        "mathml-href": f'<math><mi href="javascript:{run("mathml-href")}">m</mi></math>',
        "noscript-mxss": f'<noscript><p title="</noscript><img src=x onerror={run("noscript-mxss")}>"></p></noscript>',
        "javascript-link": f'<a href="javascript:{run("javascript-link")}">a javascript: link</a>',
        "object": f'<object data="{url("object")}"></object><embed src="{url("embed")}">',
        "form": f'<form action="javascript:{run("form")}"><button formaction="{url("formaction")}">go</button></form>',
        "style-attribute": f'<div style="background:url({url("style-attribute")})">styled div</div>',
        "style-tag": f'<style>@import url("{url("style-import")}"); p {{ background: url({url("style-tag")}) }}</style>',
        "link-stylesheet": f'<link rel="stylesheet" href="{url("link-stylesheet")}">',
        "remote-image": f'<img src="{url("remote-image")}" srcset="{url("srcset")} 2x">',
        "table-background": f'<table background="{url("table-background")}"><tr><td>t</td></tr></table>',
        "meta-refresh": f'<meta http-equiv="refresh" content="0;url={url("meta-refresh")}">',
        "base-href": f'<base href="{canary}/{prefix}base/">',
        "formgrader-class": '<span class="btn btn-success full-credit tabbable score">fake button</span>',
    }


def markdown_payloads(prefix: str, canary: str) -> dict[str, str]:
    """``{name: markdown}``: payloads written with markdown syntax rather than HTML tags."""
    return {
        "md-javascript-link": "[a markdown link](javascript:top.__pwned=[1])",
        "md-javascript-autolink": "<javascript:top.__pwned=[2]>",
        "md-remote-image": f"![remote]({canary}/{prefix}md-remote-image)",
        "md-mermaid": f'```mermaid\n<img src="x" onerror="{js(prefix + "md-mermaid", canary)}">\n```',
        "md-inline-html": f'text with <img src="x" onerror="{js(prefix + "md-inline", canary)}"> inline',
    }


def markdown_answer(prefix: str, canary: str) -> str:
    """A markdown answer carrying every payload, one paragraph (or HTML block) each."""
    parts = ["A hostile answer, with maths $x < 1$ all the same."]
    parts += list(html_payloads(prefix, canary).values()) + list(markdown_payloads(prefix, canary).values())
    return "\n\n".join(parts) + "\n"


def svg(name: str, canary: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" onload="{js(name, canary)}">'
            f"<script>{js(name + '-script', canary)}</script></svg>")


def output_cell(prefix: str, canary: str) -> str:
    """Code that displays active content in every MIME type and output metadata."""
    fragment = "".join(html_payloads(prefix, canary).values())
    markdown = markdown_answer(prefix + "md-output-", canary)
    widget = {"model_id": "pwned", "version_major": 2, "version_minor": 0}
    return "\n".join([
        "from IPython.display import display, HTML, Javascript, Markdown, SVG",
        f"display(HTML({fragment!r}))",
        f"display(SVG({svg(prefix + 'svg-output', canary)!r}))",
        f"display(Javascript({js(prefix + 'javascript-output', canary)!r}))",
        f"display(Markdown({markdown!r}))",
        f"display({{'text/html': {fragment!r}, 'text/plain': 'isolated'}}, raw=True, "
        f"metadata={{'text/html': {{'isolated': True}}}})",
        f"display({{'image/png': {PNG!r}, 'text/plain': 'a png'}}, raw=True, metadata={{'image/png': "
        f"{{'width': '1 onerror={js(prefix + 'png-width', canary)}', 'height': 2}}, "
        f"'filenames': {{'image/png': '{canary}/{prefix}png-filename'}}}})",
        f"display({{'application/vnd.jupyter.widget-view+json': {widget!r}, 'text/plain': 'a widget'}}, raw=True)",
        "display({'text/vnd.mermaid': 'graph TD; A-->B', 'application/x-unknown': 'x', 'text/plain': 'm'}, raw=True)",
        f"HTML({fragment!r})  # an execute_result",
    ]) + "\n"


def widget_state(prefix: str, canary: str) -> dict:
    """Notebook metadata with a widget whose HTML value carries a payload."""
    model = {"model_name": "HTMLModel", "model_module": "@jupyter-widgets/controls",
             "model_module_version": "2.0.0",
             "state": {"value": html_payloads(prefix + "widget-", canary)["img-onerror"]}}
    return {"application/vnd.jupyter.widget-state+json": {
        "version_major": 2, "version_minor": 0, "state": {"pwned": model}}}


def svg_attachment(prefix: str, canary: str) -> dict:
    """A markdown cell's attachments: an SVG image with scripts."""
    return {"evil.svg": {"image/svg+xml": base64.b64encode(svg(prefix + "attachment", canary).encode()).decode()}}


#: An honest written answer: formatting, a list, a table and maths, no HTML.
HONEST_ANSWER = r"""**Averaging** $T$ frames divides the noise's standard deviation by $\sqrt{T}$, so the
mean image is *less noisy* than one frame:

- one frame: noise $\sigma$
- the mean of $T$ frames: $\sigma / \sqrt{T}$

| frames | noise |
|---|---|
| 1 | $\sigma$ |
| 30 | $\sigma/\sqrt{30}$ |

$$\mathrm{SNR} \propto \sqrt{T}$$
"""

#: An honest figure: a matplotlib line plot shown inline.
HONEST_FIGURE = """\
%matplotlib inline
import matplotlib.pyplot as plt
plt.plot(movie.mean(axis=(1, 2)))
plt.title("mean trace")
plt.show()
"""


# --- what the tests look for ---------------------------------------------------------------------
#: Elements that run or load something, or submit: none may reach a grader's page from a student.
ACTIVE_TAGS = {"script", "iframe", "frame", "object", "embed", "style", "link", "meta", "base", "form",
               "svg", "math", "audio", "video", "source", "marquee", "applet", "template", "body",
               "noscript"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "background", "srcset",
                  "xlink:href", "ping", "cite"}


def inert_problems(fragment: str) -> list[str]:
    """What in an HTML fragment could run or load something in a browser (empty: nothing)."""
    from html.parser import HTMLParser

    problems = []

    class Parser(HTMLParser):
        def handle_starttag(self, tag, attrs):
            if tag in ACTIVE_TAGS:
                problems.append(f"<{tag}>")
            for name, value in attrs:
                value = (value or "").strip().lower()
                if name.startswith("on"):
                    problems.append(f"<{tag} {name}>")
                elif name in URL_ATTRIBUTES and not (
                        value.startswith(("#", "http://", "https://", "mailto:")) and tag == "a"
                        or value.startswith(("data:image/png;", "data:image/jpeg;", "data:image/gif;"))
                        and tag == "img" and name == "src"):
                    problems.append(f"<{tag} {name}={value[:40]}>")
                elif name == "style" and ("url(" in value or "expression" in value or "@import" in value):
                    problems.append(f"<{tag} style={value[:40]}>")
                elif name == "class" and set(value.split()) & {"btn", "full-credit", "tabbable", "score"}:
                    problems.append(f"<{tag} class={value}>")

        handle_startendtag = handle_starttag

    Parser(convert_charrefs=True).feed(fragment)
    return problems
