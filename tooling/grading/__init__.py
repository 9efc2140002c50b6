"""Tamper-proof autograding of the course with nbgrader (instructors only; nothing imports it).

See ``book/instructors.md`` for the workflow and the guarantees. Modules:

``sandbox``      the bubblewrap sandbox and the ``calcium-sandbox`` kernelspec
``limits``       the caps per submission (processes, memory, CPU, bytes written) and the supervisor
``plain``        plain-data answers: the only thing that leaves the student's kernel
``kernel_side``  what the grader runs inside the student's kernel (fetch answers, call functions)
``checker``      the trusted checker process that runs the check cells
``execute``      the nbgrader preprocessors: split execution, output limits, feedback
``worker``       one submission graded into a staging folder, without writing the gradebook
``record``       a staged submission's grades saved in the gradebook (one writer)
``sanitize``     student content (outputs, markdown, raw cells) made safe to show in a browser
``feedback``     the feedback page: exercises named, figures described
``export``       ``nbgrader export`` with a status, and no score where none was given
``lab``          the instructor's JupyterLab, formgrader on
``variants``     per-student variants: the course secret, students' tokens, copied answers found
``cli``          ``python -m tooling.grading``: install the kernel, grade a class, open the formgrader
"""
