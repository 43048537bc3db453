# digest: `make run` builds the sample edition; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := samples/greenwatch/editions/2024-11-22.toml
SAMPLE_OUT := samples/greenwatch/out/2024-11-22

.PHONY: run test lint bench clean catalogs train-summarizer

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/digest build $(SAMPLE)
	@echo
	@echo "Open $(CURDIR)/$(SAMPLE_OUT)/digest.html in a browser"
	@echo "(plain text: digest.txt, message: digest.eml, report: report.json)."

test: $(VENV)/.installed-test
	$(BIN)/pytest

# The style holds at every commit: .ci/run runs this before the tests.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy digest

# Speed, size and quality figures; each script prints a table.
bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/preview.py
	$(BIN)/python benchmarks/startup.py
	$(BIN)/python benchmarks/summaries.py --data ../shared/realworld/summaries/cnn-dev.jsonl --max-chars 350
	$(BIN)/python benchmarks/extraction.py
	$(BIN)/python benchmarks/leads.py
	$(BIN)/python benchmarks/send.py
	$(BIN)/python benchmarks/subscribers.py
	$(BIN)/python benchmarks/hardening.py
	$(BIN)/python benchmarks/recipients.py
	$(BIN)/python benchmarks/resume.py

# The theme's message catalogs: .po (edited by translators) -> .mo (shipped). Deterministic:
# the same .po files give the same bytes, and tests/test_i18n.py fails when a .mo is stale.
LOCALE := templates/default/locale
catalogs: $(VENV)/.installed-test
	$(BIN)/pybabel compile --domain digest --directory $(LOCALE) --statistics

# Rebuilds digest/summarize/learned_weights.json from ../shared/realworld/summaries/cnn-train.jsonl.gz;
# the same data gives the same file, byte for byte (`git diff` shows nothing).
train-summarizer: $(VENV)/.installed-test
	$(BIN)/pip install --quiet -e '.[test,train]'
	$(BIN)/python benchmarks/train_summarizer.py

clean:
	rm -rf $(VENV) samples/greenwatch/out .pytest_cache .mypy_cache .ruff_cache
