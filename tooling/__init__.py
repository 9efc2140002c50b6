"""What runs the course, as opposed to what students use (``helpers``); no lesson imports it.

``tooling.release``  the student release ``course/``, generated from ``solutions/``
``tooling.book``     the Jupyter Book: a derived copy of the lessons, executed and built
``tooling.grading``  the sandboxed, tamper-proof autograder (nbgrader preprocessors and CLI)
"""
