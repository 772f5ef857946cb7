# Quick start targets. Only Python 3.11 and make are needed; the venv is built on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test bench sample clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job on the bundled sample: validate, forecast November 2026, roster it (verified).
demo: $(STAMP)
	$(BIN)/plan check
	$(BIN)/plan forecast
	$(BIN)/plan roster --month 2026-11

test: $(STAMP)
	$(BIN)/pytest

sample: $(STAMP)
	$(BIN)/python -m plan.data.generate_sample

clean:
	rm -rf $(VENV) out
