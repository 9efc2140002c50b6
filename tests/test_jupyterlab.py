"""The student's JupyterLab, end to end: in a real browser and from the command line.

What a student does after set-up is ``make lab``: JupyterLab on ``course/`` with the course's
settings in ``.jupyter/`` (``JUPYTER_CONFIG_PATH=.jupyter jupyter lab course``). These tests serve
a temporary copy of exactly that — ``course/`` (or, before the lead's first release, a release
generated in the copy), ``.jupyter/`` and ``nbgrader_config.py`` — on 127.0.0.1 with a token, and
drive Debian's Chromium with Playwright as a student would: open the lesson from the file
browser, run the first cells, answer an exercise right and then wrong, save, validate, and open
the paired ``.py``. Screenshots of every step go to ``test-artifacts/jupyterlab/`` (gitignored),
with the server log and the browser console.

Playwright never downloads a browser here: it is pointed at ``/usr/bin/chromium``. Without it the
browser test skips, saying what to install — except under ``CI=true``, where it fails.
"""
from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import jupytext
import pytest

import needs
from tooling import release

ROOT = Path(__file__).resolve().parents[1]
LESSON = "01-single-pixel"
ARTIFACTS = ROOT / "test-artifacts" / "jupyterlab"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# The lab plugins nbgrader installs that are for instructors or its exchange, not for students.
INSTRUCTOR_PLUGINS = {f"@jupyter/nbgrader:{name}" for name in
                      ("menu", "formgrader", "course-list", "assignment-list", "create-assignment")}
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def missing(what: str, install: str):
    """Fail under CI (which installs everything), skip elsewhere with what to install (needs.py)."""
    needs.unavailable(what, "it is missing", f"Install it: {install}.")


def lab_env(root: Path, home: Path) -> dict[str, str]:
    """The environment of ``make lab``, isolated from the tester's own Jupyter settings."""
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_PATH": str(root / ".jupyter"),
        # An empty user config and settings: only the course's configuration applies.
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "lab-settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "lab-workspaces"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    })
    return env


@pytest.fixture(scope="module")
def course_copy(tmp_path_factory) -> Path:
    """A temporary copy of what a student's clone serves: course/, .jupyter/, nbgrader_config.py."""
    root = tmp_path_factory.mktemp("student")
    shutil.copy(ROOT / "nbgrader_config.py", root)
    shutil.copytree(ROOT / ".jupyter", root / ".jupyter")
    if (ROOT / "course" / LESSON / f"{LESSON}.ipynb").exists():
        shutil.copytree(ROOT / "course" / LESSON, root / "course" / LESSON)
    else:  # before the first release is committed: release into the copy, never into the checkout
        shutil.copytree(ROOT / "solutions" / LESSON, root / "solutions" / LESSON)
        release.generate_release([LESSON], root)
        shutil.rmtree(root / "solutions")
    return root


def solution_lines() -> set[str]:
    """Lines of the lesson's solutions and hidden tests that its release must not contain."""
    lines, inside = set(), False
    for line in (ROOT / "solutions" / LESSON / f"{LESSON}.py").read_text().splitlines():
        if any(f"### {marker}" in line for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS")):
            inside = True
        elif any(f"### {marker}" in line for marker in ("END SOLUTION", "END HIDDEN TESTS")):
            inside = False
        elif inside and len(line.strip()) >= 12:  # skip short generic lines (`return x`, `)`)
            lines.add(line.strip())
    return lines


def assert_no_solutions(text: str, what: str, released: str) -> None:
    for marker in MARKERS:
        assert marker not in text, f"{what} contains the nbgrader marker {marker!r}"
    leaked = sorted(line for line in solution_lines() if line in text and line not in released)
    assert not leaked, f"{what} contains solution or hidden-test lines: {leaked[:3]}"


# --- configuration (fast) ------------------------------------------------------------------------

def test_course_settings_are_valid_for_the_installed_jupyterlab():
    """Each override names an installed plugin and fits its schema (a wrong plugin id or value
    type would be ignored by JupyterLab, silently bringing the pop-ups back)."""
    import jsonschema

    overrides = json.loads((ROOT / ".jupyter" / "lab" / "settings" / "overrides.json").read_text())
    schemas = Path(sys.prefix) / "share" / "jupyter" / "lab" / "schemas"
    for plugin, values in overrides.items():
        package, name = plugin.split(":")
        schema = json.loads((schemas / package / f"{name}.json").read_text())
        jsonschema.validate(values, schema)
    assert overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"] == {"python": "Jupytext Notebook"}
    assert overrides["@jupyterlab/apputils-extension:notification"] == {"fetchNews": "false", "checkForUpdates": False}


@pytest.mark.slow
def test_only_the_validate_plugin_of_nbgrader_is_left_enabled(tmp_path):
    env = lab_env(ROOT, tmp_path)
    listing = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"], env=env,
                             capture_output=True, text=True, check=True)
    text = listing.stdout + listing.stderr
    disabled = set(re.findall(r"^\s+(@jupyter/nbgrader:[\w-]+)", text.split("Disabled extensions:")[-1], re.M))
    assert disabled == INSTRUCTOR_PLUGINS, text
    assert re.search(r"@jupyter/nbgrader v[\d.]+ \S*enabled\S* \S*OK", text), text
    assert re.search(r"jupyterlab-jupytext v[\d.]+ \S*enabled\S* \S*OK", text), text


def test_nbgrader_lab_extension_is_the_installed_nbgrader():
    """The Validate button compares its version with the server extension's and refuses to work
    on a mismatch (its compatibility with JupyterLab is the "OK" of `jupyter labextension list`)."""
    package = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / "@jupyter" / "nbgrader" / "package.json"
    assert package.exists(), f"nbgrader's JupyterLab extension is not installed ({package} is missing)"
    assert json.loads(package.read_text())["version"] == importlib.metadata.version("nbgrader")


def load_course_validate():
    spec = importlib.util.spec_from_file_location("course_validate", ROOT / ".jupyter" / "course_validate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_validate_button_validates_the_ipynb_paired_with_a_py(tmp_path):
    paired_ipynb = load_course_validate().paired_ipynb
    lesson = tmp_path / "course" / "01-x"
    lesson.mkdir(parents=True)
    notebook = jupytext.reads("# %%\nx = 1\n", fmt="py:percent")
    notebook.metadata["jupytext"] = {"formats": "ipynb,py:percent"}
    jupytext.write(notebook, lesson / "01-x.ipynb")
    jupytext.write(notebook, lesson / "01-x.py", fmt="py:percent")
    notebook.metadata["jupytext"] = {"formats": "md,py:percent"}
    jupytext.write(notebook, lesson / "other.py", fmt="py:percent")
    jupytext.write(notebook, lesson / "other.ipynb")
    jupytext.write(notebook, lesson / "lonely.py", fmt="py:percent")
    root = tmp_path / "course"

    assert paired_ipynb(root, "01-x/01-x.py") == "01-x/01-x.ipynb"
    assert paired_ipynb(root, "01-x/01-x.ipynb") == "01-x/01-x.ipynb"
    assert paired_ipynb(root, "01-x/other.py") == "01-x/other.py"  # not paired with its .ipynb
    assert paired_ipynb(root, "01-x/lonely.py") == "01-x/lonely.py"  # no .ipynb at all
    # Outside the served folder nothing is read; nbgrader's handler then refuses the path.
    other_lesson = root / "02-y"
    other_lesson.mkdir()
    assert paired_ipynb(other_lesson, "../01-x/01-x.py") == "../01-x/01-x.py"


# --- nbgrader validate from the command line (a real kernel: ~15 s per notebook) -----------------

def completed(notebook_path: Path) -> None:
    """Fill every answer cell of a release notebook with the reference solution."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source
                 for c in jupytext.read(ROOT / "solutions" / LESSON / f"{LESSON}.py").cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    notebook = jupytext.read(notebook_path)
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            cell.source = "\n".join(line for line in solutions[meta["grade_id"]].splitlines()
                                    if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)
    jupytext.write(notebook, notebook_path)


def start_validate(root: Path) -> subprocess.Popen:
    """``nbgrader validate course/LESSON/LESSON.ipynb`` from a clone's root, as a student runs it."""
    return subprocess.Popen([sys.executable, "-m", "nbgrader", "validate", f"course/{LESSON}/{LESSON}.ipynb"],
                            cwd=root, env={**os.environ, "MPLBACKEND": "Agg"}, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.slow
def test_nbgrader_validate_on_the_command_line(course_copy, tmp_path):
    untouched_root, completed_root, wrong_root = tmp_path / "untouched", tmp_path / "completed", tmp_path / "wrong"
    for root in (untouched_root, completed_root, wrong_root):
        shutil.copytree(course_copy, root)
    completed(completed_root / "course" / LESSON / f"{LESSON}.ipynb")
    wrong_notebook = wrong_root / "course" / LESSON / f"{LESSON}.ipynb"
    completed(wrong_notebook)  # then one answer wrong: the duration in frames instead of seconds
    wrong_notebook.write_text(wrong_notebook.read_text().replace("movie.shape[0] / fs", "movie.shape[0] * 1.0"))
    runs = {"incomplete": start_validate(untouched_root), "complete": start_validate(completed_root),
            "wrong": start_validate(wrong_root)}
    out = {}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for name, run in runs.items():
        stdout, stderr = run.communicate(timeout=300)
        (ARTIFACTS / f"validate-{name}.txt").write_text(stdout + stderr)
        # nbgrader validate exits 0 whatever it finds: the verdict is in what it prints.
        assert run.returncode == 0, stderr
        out[name] = stdout

    assert "VALIDATION FAILED ON" in out["incomplete"]
    assert "is not written yet (it raises NotImplementedError)" in out["incomplete"]
    assert "You did not provide a response." in out["incomplete"]
    released = (course_copy / "course" / LESSON / f"{LESSON}.ipynb").read_text()
    assert_no_solutions(out["incomplete"], "the validate output", released)
    assert "Success! Your notebook passes all the tests." in out["complete"], out["complete"][-3000:]
    # A failed check shows its teaching message once, without a traceback or the package's internals.
    hint = "this is the number of frames: divide by the frame rate fs to get seconds"
    assert "VALIDATION FAILED ON 1 CELL(S)!" in out["wrong"], out["wrong"][-3000:]
    assert out["wrong"].count(hint) == 1, out["wrong"][-3000:]
    assert "Traceback" not in out["wrong"] and "helpers/" not in out["wrong"], out["wrong"][-3000:]


# --- the browser test ------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(course_copy, tmp_path_factory):
    """JupyterLab on the copy, as ``make lab`` starts it; stopped at the end whatever happens."""
    home = tmp_path_factory.mktemp("home")
    port, token = free_port(), os.urandom(16).hex()
    log_path = home / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "jupyter", "lab", "course", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}"],
            cwd=course_copy, env=lab_env(course_copy, home), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)  # its own process group, stopped as one
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                pytest.fail(f"JupyterLab exited with {server.returncode}:\n{log_path.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"JupyterLab did not answer within 90 s:\n{log_path.read_text()[-3000:]}")
            time.sleep(0.5)
        yield {"url": url, "token": token, "root": course_copy, "log": log_path}
    finally:
        stop(server)
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "server.log")


def process_start(pid: int) -> str | None:
    """A process's start time (Linux /proc), to tell it from a later process given the same id."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def children(pid: int) -> dict[int, str]:
    """Processes whose parent is ``pid``, with their start times: the kernels a server started."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(fields[1]) == pid:
            found[int(stat.parent.name)] = fields[19]
    return found


def stop(server: subprocess.Popen) -> None:
    """SIGTERM to the server (it shuts its kernels down), SIGKILL to whatever of it lingers.

    Kernels run in sessions of their own (jupyter_client starts them so), outside the server's
    process group: they are found by parent id first and, if still alive, ended by id."""
    kernels = children(server.pid)
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
    except ProcessLookupError:
        pass
    for pid, started in kernels.items():
        if process_start(pid) == started:  # the same process, not a newcomer with its id
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium driven by Playwright (requested before ``lab``: no server if missing)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("the Playwright Python client", "pip install -e '.[test]' (never `playwright install`)")
    if not Path(CHROMIUM).exists():
        missing(f"Chromium ({CHROMIUM})", "apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    console = []
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        page = context.new_page()
        page.set_default_timeout(120_000)  # safety timeout per action (a busy runner is slow)
        page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
        yield page
    finally:
        with contextlib.suppress(Exception):  # a crashed page must not hide the test's error
            page.screenshot(path=ARTIFACTS / "last-state.png")  # where the test ended, pass or fail
        (ARTIFACTS / "browser-console.txt").write_text("\n".join(console))
        context.close()


def shot(page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png")


def no_pop_ups(page) -> None:
    """No dialog and no toast: the news question, update checks and the like would show here."""
    toasts = page.locator(".Toastify__toast")
    assert toasts.count() == 0, f"unexpected notification: {toasts.first.inner_text()}"
    dialogs = page.locator(".jp-Dialog")
    assert dialogs.count() == 0, f"unexpected dialog: {dialogs.first.inner_text()}"


def run_cell(page, cell) -> None:
    """Select a cell, run it with Shift+Enter, wait until its prompt shows a new execution count."""
    from playwright.sync_api import expect

    prompt = cell.locator(".jp-InputPrompt")
    before = prompt.inner_text()
    prompt.click()
    page.keyboard.press("Shift+Enter")
    expect(prompt).not_to_have_text(before)
    expect(prompt).to_have_text(re.compile(r"\[\d+\]:"), timeout=120_000)


def type_answer(page, cell, answer: str) -> None:
    cell.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(answer)
    page.keyboard.press("Escape")


@pytest.mark.slow
def test_student_works_through_the_lesson_in_jupyterlab(browser, lab, page):
    from playwright.sync_api import expect

    lesson = lab["root"] / "course" / LESSON
    ipynb, paired = lesson / f"{LESSON}.ipynb", lesson / f"{LESSON}.py"
    released = paired.read_text() + ipynb.read_text()
    order = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in json.loads(ipynb.read_text())["cells"]]
    answer_index, check_index = order.index("ex-dims"), order.index("ex-dims-check")

    # 0. The server runs without nbgrader's instructor side (formgrader) but with Validate's routes.
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"{lab['url']}/formgrader?token={lab['token']}", timeout=10)
    with urllib.request.urlopen(f"{lab['url']}/nbgrader_version?version=0&token={lab['token']}", timeout=10) as reply:
        assert json.loads(reply.read())["success"] is False  # the version check answers

    # 1. JupyterLab opens on the course, with no pop-up; the lesson is opened from the file browser.
    page.goto(f"{lab['url']}/lab?token={lab['token']}")
    folder = page.locator(".jp-DirListing-item", has_text=LESSON).first
    folder.dblclick()
    page.locator(".jp-DirListing-item", has_text=f"{LESSON}.py").wait_for()
    shot(page, "01-file-browser")
    page.locator(".jp-DirListing-item", has_text=f"{LESSON}.ipynb").dblclick()
    notebook = page.locator(".jp-NotebookPanel").first
    cells = notebook.locator(".jp-Notebook .jp-Cell")
    expect(cells).to_have_count(len(order))
    assert notebook.locator(".validate-button").count() == 1, "nbgrader's Validate button is missing"
    expect(page.locator(".jp-StatusBar-Item", has_text="Python 3 (ipykernel) | Idle")).to_have_count(1)
    expect(page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader")).to_have_count(0)  # instructors' menu

    # 2. Run the first cells: the set-up (loads the movie) and the first example figure.
    run_cell(page, cells.nth(1))
    expect(cells.nth(1).locator(".jp-OutputArea-output")).to_contain_text("movie: shape")
    run_cell(page, cells.nth(3))
    expect(cells.nth(3).locator(".jp-OutputArea-output img")).to_have_count(1)  # an inline figure
    shot(page, "02-first-cells")

    # 3. A correct answer: its check cell runs silently.
    answer, check = cells.nth(answer_index), cells.nth(check_index)
    type_answer(page, answer, "n_frames, height, width = movie.shape")
    run_cell(page, answer)
    run_cell(page, check)
    expect(check.locator(".jp-OutputArea-output")).to_have_count(0)
    check.scroll_into_view_if_needed()
    shot(page, "03-correct-answer-passes")

    # 4. A wrong answer (width and height swapped): the check names the mistake.
    type_answer(page, answer, "n_frames, width, height = movie.shape")
    run_cell(page, answer)
    run_cell(page, check)
    output = check.locator(".jp-OutputArea-output")
    # The message alone, once: no traceback, no package internals.
    expect(output.first).to_contain_text("Check failed: `height`: is not right.")
    expect(output.first).to_contain_text("height is the number of rows, y (axis 1); you gave the width")
    expect(output.first).not_to_contain_text("Traceback")
    expect(output.first).not_to_contain_text("helpers/")
    check.scroll_into_view_if_needed()
    shot(page, "04-wrong-answer-hint")

    # 5. Saving writes both files of the pair; neither gets solutions or hidden tests.
    before = paired.stat().st_mtime_ns
    page.keyboard.press("Control+S")
    deadline = time.monotonic() + 180  # a safety timeout, not a speed requirement
    while "n_frames, width, height = movie.shape" not in paired.read_text():
        assert time.monotonic() < deadline, "saving the notebook did not update its paired .py"
        time.sleep(0.2)
    assert paired.stat().st_mtime_ns > before
    assert "n_frames, width, height = movie.shape" in ipynb.read_text()
    assert_no_solutions(paired.read_text(), f"the saved {paired.name}", released)
    assert_no_solutions(ipynb.read_text(), f"the saved {ipynb.name}", released)
    no_pop_ups(page)


    # 6. The paired .py opens as a notebook (Jupytext), not in the text editor.
    # Close the .ipynb first (one view of the pair at a time), as a student would: its tab's x.
    page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab", has_text=ipynb.name).locator(".lm-TabBar-tabCloseIcon").click()
    expect(page.locator(".jp-NotebookPanel")).to_have_count(0)
    page.locator(".jp-DirListing-item", has_text=paired.name).dblclick()
    expect(page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")).to_contain_text(paired.name)
    expect(page.locator(".jp-FileEditor")).to_have_count(0)
    py_notebook = page.locator(".jp-NotebookPanel").first
    py_cells = py_notebook.locator(".jp-Notebook .jp-Cell")
    expect(py_cells).to_have_count(len(order))
    expect(py_cells.nth(answer_index)).to_contain_text("n_frames, width, height = movie.shape")
    shot(page, "05-paired-py-as-notebook")

    # 7. Fixed in the .py view, then the toolbar's Validate: it saves (both files of the pair) and
    # runs nbgrader validate on the server, which reports the remaining failures in a dialog.
    type_answer(page, py_cells.nth(answer_index), "n_frames, height, width = movie.shape")
    py_notebook.locator(".validate-button").click()
    dialog = page.locator(".jp-Dialog")
    expect(dialog).to_contain_text("Validation Results", timeout=180_000)
    expect(dialog).to_contain_text("duration_s")  # the next exercise, not done yet
    expect(dialog).not_to_contain_text("you gave the width")
    assert "n_frames, height, width = movie.shape" in ipynb.read_text(), "the .ipynb missed an edit of its .py"
    assert_no_solutions(dialog.inner_text(), "the Validate dialog", released)
    shot(page, "06-validate-from-the-py-view")
    dialog.locator("button", has_text="Ok").click()
    expect(dialog).to_have_count(0)
    no_pop_ups(page)
