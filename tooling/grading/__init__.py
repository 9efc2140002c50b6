"""Tamper-proof autograding of the course with nbgrader (instructors only; nothing imports it).

See ``book/instructors.md`` for the workflow and the guarantees. Modules:

``sandbox``      the bubblewrap sandbox and the ``calcium-sandbox`` kernelspec
``plain``        plain-data answers: the only thing that leaves the student's kernel
``kernel_side``  what the grader runs inside the student's kernel (fetch answers, call functions)
``checker``      the trusted checker process that runs the check cells
``execute``      the nbgrader preprocessors: split execution, output limits, feedback
``sanitize``     student content (outputs, markdown, raw cells) made safe to show in a browser
``cli``          ``python -m tooling.grading``: install the kernel, grade a class
"""
