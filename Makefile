# digest: `make run` builds the sample edition; `make test` runs the test suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SAMPLE := samples/greenwatch/editions/2024-11-22.toml
SAMPLE_OUT := samples/greenwatch/out/2024-11-22

.PHONY: run test test-latest lint lock bench clean catalogs caniemail readers-strings train-summarizer

# Installs are reproducible: `make run` and `make test` install the exact versions (with
# hashes) in requirements/*.txt, made from pyproject.toml's ranges by `make lock`.
# `make test-latest` runs the suite against the newest versions those ranges allow, in a
# venv of its own, so an upstream release that breaks us shows without blocking anyone.
LOCKS := requirements
LOCK_TOOL := uv==0.13.9
LATEST := .venv-latest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps re-run the install whenever pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml $(LOCKS)/run.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCKS)/run.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCKS)/test.txt | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r $(LOCKS)/test.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/digest build $(SAMPLE)
	@echo
	@echo "Open $(CURDIR)/$(SAMPLE_OUT)/digest.html in a browser"
	@echo "(plain text: digest.txt, message: digest.eml, report: report.json)."
	@echo
	@echo "digest is installed in $(CURDIR)/$(VENV). To type plain 'digest', as README.md does:"
	@echo "  source $(CURDIR)/$(BIN)/activate"
	@echo "or call it by its path: $(CURDIR)/$(BIN)/digest --help"

test: $(VENV)/.installed-test
	$(BIN)/pytest

# The newest versions pyproject.toml allows, not the locked ones: shows upstream breakage early.
test-latest:
	$(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/pip install --quiet --upgrade pip
	$(LATEST)/bin/pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	$(LATEST)/bin/pytest

# Refreshes the lock files from pyproject.toml's ranges, with hashes: pins still allowed are
# kept, so adding a dependency changes only its lines; `make lock UPGRADE=1` takes the newest.
lock: | $(BIN)/python
	$(BIN)/pip install --quiet $(LOCK_TOOL)
	mkdir -p $(LOCKS)
	$(BIN)/uv pip compile pyproject.toml $(if $(UPGRADE),--upgrade) --generate-hashes --python-version 3.11 \
		--quiet -o $(LOCKS)/run.txt
	$(BIN)/uv pip compile pyproject.toml $(if $(UPGRADE),--upgrade) --generate-hashes --python-version 3.11 \
		--extra test --quiet -o $(LOCKS)/test.txt
	$(BIN)/uv pip compile pyproject.toml $(if $(UPGRADE),--upgrade) --generate-hashes --python-version 3.11 \
		--extra test --extra bench --extra train --quiet -o $(LOCKS)/bench.txt

# The style holds at every commit: .ci/run runs this before the tests.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy digest

# Speed, size and quality figures; each script prints a table.
bench: $(VENV)/.installed-test
	$(BIN)/pip install --quiet --require-hashes -r $(LOCKS)/bench.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/theme.py
	$(BIN)/python benchmarks/fetch.py
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

# The message catalogs of the themes and of the readers' server: .po (edited by translators)
# -> .mo (shipped). tests/test_theme.py and tests/test_readers_pages.py fail when a .mo
# translates differently from its .po (compared as parsed messages, so the compiler version it
# records never matters). The server's new strings: `make readers-strings` updates its .pot.
LOCALE := templates/locale
READERS_LOCALE := digest/subscribers/locale
catalogs: $(VENV)/.installed-test
	$(BIN)/pybabel compile --domain digest --directory $(LOCALE) --statistics
	$(BIN)/pybabel compile --domain digest --directory $(READERS_LOCALE) --statistics

readers-strings: $(VENV)/.installed-test
	cd digest/subscribers && ../../$(BIN)/pybabel extract -F locale/babel.cfg -k N_ \
		--no-location --sort-output --omit-header -o locale/digest.pot .

# Rebuilds digest/summarize/learned_weights.json from ../shared/realworld/summaries/cnn-train.jsonl.gz;
# the same data gives the same file, byte for byte (`git diff` shows nothing).
train-summarizer: $(VENV)/.installed-test
	$(BIN)/pip install --quiet --require-hashes -r $(LOCKS)/bench.txt
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/python benchmarks/train_summarizer.py

# Refreshes digest/mail/caniemail/ (mail-client support data) from the npm package that ships
# it: the version pinned in SOURCE.toml, or `make caniemail VERSION=2.1.0`. Needs npm.
caniemail: $(VENV)/.installed-run
	$(BIN)/python benchmarks/refresh_caniemail.py $(if $(VERSION),--version $(VERSION))

clean:
	rm -rf $(VENV) $(LATEST) samples/greenwatch/out .pytest_cache .mypy_cache .ruff_cache
