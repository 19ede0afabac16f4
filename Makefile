# Two set-up commands: `make book` (site + claims.json) and `make test` (the whole suite);
# `make pdf` prints the built book to _build/book.pdf (Debian's chromium).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
JOBS ?= 2
FORCE ?=

.PHONY: book test data snapshot snapshot-check lint bench clean pdf

$(STAMP): requirements.txt pyproject.toml
	@echo "[setup] creating virtual environment $(VENV) and installing pinned packages (a few minutes the first time) ..."
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet --progress-bar off -r requirements.txt
	@$(PY) -m ipykernel install --sys-prefix --name python3 > /dev/null
	@touch $(STAMP)
	@echo "[setup] done"

book: $(STAMP)
	@$(PY) -m analysis.build.pipeline --jobs $(JOBS) $(if $(FORCE),--force,)

test: $(STAMP)
	@$(PY) -m ruff check .
	@$(PY) -m pytest -q

pdf: book
	@$(PY) -m analysis.build.pdf

data: $(STAMP)
	@$(PY) -m analysis.sources.download

# Rebuild data/ (snapshot tables, seed tables, manifest) from the raw archive (../shared/data or $$MUNI_RAW_DIR).
snapshot: $(STAMP)
	@$(PY) -m analysis.sources.snapshot build

# Verify data/ against data/MANIFEST.sha256 and the snapshot's schemas.
snapshot-check: $(STAMP)
	@$(PY) -m analysis.sources.snapshot check

lint: $(STAMP)
	@$(PY) -m ruff check .

# A fresh clone with no ../shared to a built site (install included) and `make test` there;
# then clean, no-op and one-chapter rebuilds of this checkout.
bench: $(STAMP)
	@mkdir -p _build
	@$(PY) benchmarks/fresh_clone.py --json _build/bench-fresh-clone.json
	@$(PY) benchmarks/build_times.py

clean:
	rm -rf _build book/*.ipynb book/.hashes book/.*.ipynb book/.*.tmp book/.*.ipynb.* book/_build
