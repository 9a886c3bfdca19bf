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

.PHONY: book test lab lint record margins bench-record clean

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

# A reference record of full mode: every chapter executed in full mode on RECORD_DATA (default
# fashion-mnist: the sizes of full MNIST, and installable offline) for two seeds, each from an
# empty model cache as on a first `make book`. The record starts with a line saying when, on
# which commit and machine it ran, then holds every check (value, threshold, verdict) and every
# record (run time, peak memory) of both runs; tests/test_margins.py holds the full-mode
# thresholds against it. About 60 minutes on 2 cores. The book keeps three records:
#   make record                                                    (Fashion-MNIST)
#   make record RECORD_DATA=mnist RECORD_DATA_DIR=<full MNIST root> (see .ci/full_mnist_root)
#   make record RECORD_DATA=mnist RECORD_NAME=mnist-10k             (the offline subset, ~25 min)
# RECORD_SEEDS=1 adds or redoes one seed; MARGINS_ARGS="--chapters NAME" one chapter.
RECORD_DATA ?= fashion-mnist
RECORD_NAME ?= $(RECORD_DATA)
RECORD_SEEDS ?= 0 1
record: $(STAMP)
	mkdir -p records
	$(PY) .ci/margins.py --mode full --seeds $(RECORD_SEEDS) --data $(RECORD_DATA) --about \
		$(if $(RECORD_DATA_DIR),--data-dir $(RECORD_DATA_DIR)) --out records/full-mode-$(RECORD_NAME).jsonl \
		$(MARGINS_ARGS)

# Every chapter in quick mode for three seeds, and once more on a reduced floating-point path
# (MKL and oneDNN one instruction set below this CPU's best), each run from an empty model
# cache: every check's value, by id, with the CPU, the path and a hash of the chapter's code,
# into records/margins-quick.jsonl; then the Fashion-MNIST quick book once (CI runs only MNIST).
# About 40 minutes on 2 cores. MARGINS_ARGS adds options,
# e.g. MARGINS_ARGS="--chapters 02_autoencoders" to redo one chapter.
margins: $(STAMP)
	status=0; \
	$(PY) .ci/margins.py --mode quick --seeds 0 1 2 --paths default --out records/margins-quick.jsonl \
		$(MARGINS_ARGS) || status=1; \
	$(PY) .ci/margins.py --mode quick --seeds 0 --paths reduced --out records/margins-quick.jsonl \
		$(MARGINS_ARGS) || status=1; \
	$(PY) .ci/margins.py --mode quick --seeds 0 --data fashion-mnist --out records/margins-quick.jsonl \
		$(MARGINS_ARGS) || status=1; exit $$status

# The benchmark suite at full sizes (python -m benchmarks, about 15 minutes on 2 cores; t-SNE
# scaling to 20,000 Fashion-MNIST images where that data is installed), for the Benchmarks page.
bench-record: $(STAMP)
	mkdir -p records
	AELIB_PROGRESS=none $(PY) -m benchmarks --out records/benchmarks-full.json

lab: $(STAMP)
	$(VENV)/bin/jupyter lab chapters

lint: $(STAMP)
	$(VENV)/bin/ruff check aelib benchmarks tests conftest.py _ext .ci

clean:
	rm -rf _build
