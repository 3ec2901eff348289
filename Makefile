# ghstats: every set-up step lives here. `make test` and `make demo` work on a fresh machine
# with Python 3.11+ and Node 20 or newer (22 recommended).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: setup test demo bench synth lint clean

$(STAMP): requirements.txt requirements-dev.txt functions/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

setup: $(STAMP) $(NODE_STAMP)

test: setup
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 $(PY) -m pytest -n 2 -q

lint: setup
	$(VENV)/bin/ruff check .

demo: setup
	$(VENV)/bin/ghstats demo

bench: setup
	$(PY) -m bench
	$(PY) -m bench.collectors

synth: setup
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 npx cdk synth --quiet

clean:
	rm -rf $(VENV) node_modules cdk.out ghstats-data .pytest_cache
