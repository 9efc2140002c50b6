"""nbgrader configuration of the course.

Release: `solutions/` is nbgrader's source folder and `course/` its release folder. The paired
Jupytext `.py` files carry the solutions, so they are never copied into a release; the release's
own pair `course/ID/ID.py` is written again after every `generate_assignment`.
"""
c = get_config()  # noqa: F821 (provided by nbgrader)

# CourseDirectory.root: the folder nbgrader runs in (its default; a relative "." made every command warn)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "course"
# Never copied by nbgrader: the solutions' .py, hidden files, and the grader's reports about a
# student (autograded/STUDENT/ID/*.grading-report.json stays out of feedback/).
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "*.py", ".*", "*.grading-report.json"]


def pair_release(assignment, student, notebooks):
    """`generate_assignment --force` empties course/ID/, the tracked pair course/ID/ID.py included."""
    from tooling.release import pair_release

    pair_release(notebooks, c.CourseDirectory.release_directory)


c.GenerateAssignment.post_convert_hook = pair_release

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
# quote the cell), and shows student content only sanitised. Its summary names each exercise.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "tooling.grading.execute.FeedbackClearHiddenTests",
    "tooling.grading.execute.FeedbackClearMarkScheme",
    "tooling.grading.sanitize.SanitizeNotebook",
    "tooling.grading.feedback.LabelGradedCells",
    "tooling.grading.feedback.DescribeImages",  # (after the sanitizer, which keeps no "alt")
]
from tooling.grading import feedback  # noqa: E402 (the course's feedback template)

c.GenerateFeedback.HTMLExporter.template_name = feedback.TEMPLATE
c.GenerateFeedback.HTMLExporter.extra_template_basedirs = feedback.template_basedirs()
c.GenerateFeedback.HTMLExporter.extra_template_paths = feedback.template_paths()
# Student content never runs in a grader's browser: the autograded notebook is sanitised when it is
# written (above), and again whenever nbgrader renders a notebook as HTML (the formgrader's pages).
# Figures get a text alternative (nbconvert warned about every one).
c.HTMLExporter.preprocessors = ["tooling.grading.sanitize.SanitizeRendering",
                                "tooling.grading.feedback.DescribeImages"]

# `nbgrader export`: grades.csv with a `status` column; a notebook that could not be graded, or no
# submission at all, gets no score rather than a 0 (tooling/grading/export.py).
c.ExportApp.plugin_class = "tooling.grading.export.CourseExport"

# `nbgrader zip_collect`: files exported by the LMS, named STUDENTID_NOTEBOOK.ipynb, anywhere in
# downloaded/ASSIGNMENT/archive/ (zips are unpacked). The student id is letters, digits and . @ + -
# (no underscore): the formgrader prints it into its pages unescaped, so it must hold no markup.
c.FileNameCollectorPlugin.named_regexp = r".*/(?P<student_id>(?:[^\W_]|[.@+-])+)_(?P<file_id>[^/]+\.ipynb)$"
