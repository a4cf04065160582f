# coopshop: `make run` sets everything up and serves the demo; `make test` runs the whole suite.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
UTRECHT := node_modules/@utrecht
VENDOR := static/vendor/utrecht

.PHONY: run setup test lint translations extract-messages clean

run: setup
	$(BIN)/coopshop db upgrade
	$(BIN)/coopshop demo
	$(BIN)/coopshop run --host 127.0.0.1 --port $(PORT)

setup: system-packages $(VENV)/.installed node_modules/.installed $(VENDOR)/.built translations instance/config.py

test: setup
	scripts/test

lint: $(VENV)/.installed
	$(BIN)/ruff check .

.PHONY: system-packages
system-packages:
	@scripts/install-system-packages

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "coopshop needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.built: node_modules/.installed
	mkdir -p $(VENDOR)
	cp $(UTRECHT)/design-tokens/dist/theme.css $(VENDOR)/theme.css
	cp $(UTRECHT)/component-library-css/dist/html.css $(VENDOR)/html.css
	cp $(UTRECHT)/component-library-css/dist/index.css $(VENDOR)/index.css
	touch $@

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --statistics -d coopshop/translations

instance/config.py:
	scripts/write-instance-config

# Re-extract the strings after changing texts, then translate the new entries in the .po file.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o coopshop/translations/messages.pot .
	$(BIN)/pybabel update -i coopshop/translations/messages.pot -d coopshop/translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) node_modules static/vendor
