# The README's two commands: `make app` and `make test`.
# Re-running either skips what is already installed (stamp files under .venv/).
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The CPU build of torch 2.13.0 lies on disk here; elsewhere pip takes the normal build.
TORCH_SPEC ?= torch==2.13.0
PORT ?= 8501

.PHONY: app test install install-dev bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# torch first, so that the project's `torch>=2.2` is already satisfied and pulls nothing else.
$(VENV)/.torch-installed: | $(BIN)/python
	$(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.torch-installed
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[dev,ray]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

app: $(VENV)/.installed
	$(BIN)/biofm app --port $(PORT)

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest -q -ra

bench: $(VENV)/.installed-dev
	$(BIN)/python bench/inference.py

clean:
	rm -rf $(VENV) .pytest_cache
