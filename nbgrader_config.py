"""nbgrader configuration of the course.

Release: `solutions/` is nbgrader's source folder and `course/` its release folder. The paired
Jupytext `.py` files carry the solutions, so they are never copied into a release.
"""
c = get_config()  # noqa: F821 (provided by nbgrader)

# CourseDirectory.root: the folder nbgrader runs in (its default; a relative "." made every command warn)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py", ".*"]

c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# --- Grading (book/instructors.md) ------------------------------------------------------------
# Student code runs only in the sandboxed kernel `calcium-sandbox` (install it once with
# `python -m tooling.grading install-kernel`); check cells run in a trusted checker process that no
# student code has touched, on the answers fetched from the kernel as plain data. Without a
# working sandbox grading refuses to run.
c.Autograde.autograde_preprocessors = [
    "tooling.grading.execute.SandboxedExecute",  # in place of nbgrader's Execute
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "tooling.grading.execute.LimitOutputBytes",
    "tooling.grading.sanitize.SanitizeAutograded",  # the autograded notebook is safe to display
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxedExecute.timeout = 60             # seconds per cell (a check: its calls included)
c.SandboxedExecute.notebook_timeout = 1800  # seconds per notebook; later cells are not graded
c.LimitOutput.max_lines = 1000              # lines of output kept per cell ...
c.LimitOutputBytes.max_bytes = 1_000_000    # ... and bytes (one long line counts in full)
c.OverwriteCells.add_missing_cells = True   # a deleted check cell is put back and graded

# Feedback never shows hidden tests or mark schemes (tracebacks of checks are one line and never
# quote the cell), and shows student content only sanitised.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "tooling.grading.execute.FeedbackClearHiddenTests",
    "tooling.grading.execute.FeedbackClearMarkScheme",
    "tooling.grading.sanitize.SanitizeNotebook",
]
# Student content never runs in a grader's browser: the autograded notebook is sanitised when it is
# written (above), and again whenever nbgrader renders a notebook as HTML (the formgrader's pages).
c.HTMLExporter.preprocessors = ["tooling.grading.sanitize.SanitizeRendering"]

# `nbgrader zip_collect`: files exported by the LMS, named STUDENTID_NOTEBOOK.ipynb, anywhere in
# downloaded/ASSIGNMENT/archive/ (zips are unpacked). The student id is letters, digits and . @ + -
# (no underscore): the formgrader prints it into its pages unescaped, so it must hold no markup.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>(?:[^\W_]|[.@+-])+)_(?P<file_id>[^/]+\.ipynb)$"
