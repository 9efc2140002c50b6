"""``release.sync_notebook`` writes a lesson's paired ``.ipynb`` and keeps the cell ids it already
has (cells whose position and type are unchanged), so that a diff of the notebook shows the edit,
not a new id on every cell. Tested on the ids themselves (the lesson tests compare without ids)."""
from __future__ import annotations

import nbformat

from tooling import release

LESSON = '''\
# %% [markdown]
# # A lesson

# %%
x = 1

# %%
y = 2

# %% [markdown]
# The end.
'''


def _ids(path) -> list[str]:
    return [cell["id"] for cell in nbformat.read(path, as_version=4).cells]


def test_sync_keeps_the_ids_of_cells_that_kept_their_place_and_type(tmp_path):
    py = tmp_path / "99-x.py"
    py.write_text(LESSON)
    ipynb = release.sync_notebook(py)
    first = _ids(ipynb)
    assert ipynb == tmp_path / "99-x.ipynb" and len(first) == 4 and len(set(first)) == 4
    text = ipynb.read_text()
    release.sync_notebook(py)
    assert ipynb.read_text() == text                                    # nothing changed: same file

    py.write_text(LESSON.replace("y = 2", "y = 3\nz = 4").replace("The end.", "The very end."))
    release.sync_notebook(py)
    assert _ids(ipynb) == first                                         # edited in place: same ids
    assert "z = 4" in nbformat.read(ipynb, as_version=4).cells[2].source

    py.write_text(LESSON.replace("# %%\ny = 2", "# %% [markdown]\n# Now prose."))
    release.sync_notebook(py)
    now = _ids(ipynb)
    assert now[:2] == first[:2] and now[3] == first[3]                  # the others keep theirs
    assert now[2] not in first                                          # a cell that changed type: a new id
    nbformat.validate(nbformat.read(ipynb, as_version=4))

    py.write_text(LESSON.replace("# %%\ny = 2", "# %% [markdown]\n# Now prose.") + "\n# %%\nw = 5\n")
    release.sync_notebook(py)
    grown = _ids(ipynb)                                                 # a cell added at the end
    assert grown[:4] == now and grown[4] not in now and len(set(grown)) == 5
