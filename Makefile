# Calcium Imaging Analysis in Python — one entry point for set-up, the course build and tests.
#   make course   set up everything, execute every lesson and build the book (the main job)
#   make test     run the whole test suite
# Other targets: setup, sync, release, book, linkcheck, lab, clean.

SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# Offline machines: the datasets are read from this folder (see README, "Data"). When the course
# sits beside a `shared/data` folder, that is used; otherwise helpers.data's own default applies.
SHARED_DATA := $(abspath ../shared/data)
ifeq ($(origin CALCIUM_COURSE_DATA), undefined)
  ifneq ($(wildcard $(SHARED_DATA)/MANIFEST.md),)
    export CALCIUM_COURSE_DATA := $(SHARED_DATA)
  endif
endif
# Many small matrix products (registration, fits) run 10-30x slower with OpenBLAS's default
# threads on a busy 2-core machine; one thread per process is faster here.
export OPENBLAS_NUM_THREADS ?= 1

.PHONY: course setup system-packages sync release book linkcheck test lab clean

course: setup book

# --- set-up -----------------------------------------------------------------------------------
setup: $(VENV)/.installed

# Debian packages the tests need: Chromium (browser tests), bubblewrap (the grading sandbox),
# PostgreSQL (a gradebook on PostgreSQL; its programs live in /usr/lib/postgresql/VERSION/bin) and
# git (a test asks it which generated files are ignored). Under CI a missing one fails (tests/needs.py).
# Installed when running as root on Debian/Ubuntu; otherwise the tests that need them say so.
system-packages:
	@missing=""; for p in chromium:chromium bwrap:bubblewrap initdb:postgresql git:git; do \
	  (command -v $${p%%:*} || ls /usr/lib/postgresql/*/bin/$${p%%:*}) >/dev/null 2>&1 \
	  || missing="$$missing $${p##*:}"; done; \
	if [ -z "$$missing" ]; then echo "system packages: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "installing:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else echo "NOTE: install$$missing (Debian: sudo apt-get install$$missing) for the browser and grading tests"; fi

$(VENV)/.installed: pyproject.toml
	$(MAKE) --no-print-directory system-packages
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	$(PY) -m helpers.data fetch --all
	touch $@

# --- lessons ----------------------------------------------------------------------------------
sync: setup
	$(PY) -c "from tooling import release; [release.sync_notebook(p) for p in __import__('pathlib').Path('solutions').glob('*/*.py') if p.stem == p.parent.name]"

release: setup
	$(PY) -m tooling.release

# Publish the course: derived copy without check cells -> executed (cached) -> _build/html,
# zero warnings (the book executes every lesson, so this is also the "run every lesson" job).
book: setup
	$(PY) -m tooling.book

# Check every external link of the book (references, data sources, each lesson's launch links and
# its student notebook on GitHub); report in _build/linkcheck/output.txt. Needs the internet, so it
# is not part of `make test` or CI: run it before publishing, or nightly where there is a network.
linkcheck: setup
	$(PY) -m tooling.book --linkcheck

# --- tests ------------------------------------------------------------------------------------
# pytest exits 5 when it collects nothing: that is a broken suite, not a pass.
test: setup
	@$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: the test suite is missing" >&2; exit 1; fi; \
	exit $$status

# JupyterLab on the student release with the course's settings (.jupyter/). Run from the repo root:
# the Validate button reads nbgrader_config.py from the working directory. As root (containers)
# Jupyter needs --allow-root.
lab: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/.jupyter" $(VENV)/bin/jupyter lab course $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# --- instructors (book/instructors.md) ----------------------------------------------------------
# Once per machine: bubblewrap (apt-get, directly as root, through sudo otherwise), the sandbox
# kernel in the course's environment, and a check that grading can run here.
grading-setup: setup
	@if ! command -v bwrap >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then sudo=""; elif command -v sudo >/dev/null; then sudo=sudo; \
	  else echo "bubblewrap is missing: install it as root (Debian/Ubuntu: apt-get install bubblewrap)" >&2; exit 1; fi; \
	  if ! command -v apt-get >/dev/null; then \
	    echo "bubblewrap is missing: install it with your system's package manager (Fedora: dnf install bubblewrap)" >&2; exit 1; fi; \
	  echo "installing bubblewrap"; \
	  $$sudo apt-get update -qq && $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; \
	fi
	$(PY) -m tooling.grading install-kernel
	$(PY) -m tooling.grading check

# JupyterLab on the course folder with nbgrader's formgrader on, for manual grading (prints its links).
grade-lab: setup
	$(PY) -m tooling.grading lab

clean:
	rm -rf _build .pytest_cache
