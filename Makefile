# Two set-up commands for a fresh machine: `make book` and `make test` (see README.md).
# Both create .venv on first use and skip the install when it is up to date. No root needed.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# CI installs the exact versions of constraints.txt; `make CONSTRAINTS= test` installs the latest.
CONSTRAINTS ?= -c constraints.txt
# The venv's bin first, so that Jupyter kernels started by nbval, the book build and the lab
# are this venv's Python, with aelib importable.
export PATH := $(abspath $(VENV))/bin:$(PATH)

.PHONY: book test lab lint clean

$(STAMP): requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt $(CONSTRAINTS)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Every chapter executed in full mode (quick mode with AELIB_QUICK=1), site in _build/html.
# --all: re-execute every page even if its source did not change (the mode may have).
book: $(STAMP)
	rm -f _build/results.jsonl
	AELIB_PROGRESS=none AELIB_RESULTS=$(abspath _build/results.jsonl) \
		$(VENV)/bin/jupyter-book build --all --warningiserror --keep-going --path-output . .

# aelib unit tests + every chapter through nbval, quick mode, offline. Site tests: tests/site.
test: $(STAMP)
	AELIB_QUICK=1 AELIB_OFFLINE=1 AELIB_PROGRESS=none $(PY) -m pytest tests chapters \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=600 -v

lab: $(STAMP)
	$(VENV)/bin/jupyter lab chapters

lint: $(STAMP)
	$(VENV)/bin/ruff check aelib tests conftest.py _ext .ci

clean:
	rm -rf _build
