"""Per-lesson reference set-ups and figures, one module per lesson (``helpers.lessons.single_pixel``
for lesson 01, ...).

A check cell never trusts values from the student's notebook (the check protocol): when an exercise
refers to something the lesson computed — "cell B's box", "the neuropil ring of cell 3" — the check
recomputes it by calling the same function here. Functions are deterministic and return fresh
objects, so nothing a notebook does to its copy can change another caller's. Figures specific to
one lesson live here too; figures several lessons use live in ``helpers.plots``.
"""
