# ghstats: every set-up step lives here. `make test` and `make demo` work on a fresh machine
# with Python 3.11+ and Node 20 or newer (22 recommended).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The report's browser test: Debian's Chromium and its chromedriver (tests/browser.py)
CHROMEDRIVER := /usr/bin/chromedriver
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
SCREENSHOT_DIR := .screenshot-demo

.PHONY: setup browser test demo bench bench-scale bench-aggregate synth lint clean report-screenshot

$(STAMP): requirements.txt requirements-dev.txt functions/requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet --no-deps -e .
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

$(CHROMEDRIVER):
	@command -v apt-get >/dev/null || { echo "the browser test needs Chromium and ChromeDriver at /usr/bin (Debian: chromium, chromium-driver)"; exit 1; }
	$(SUDO) apt-get update -q
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q --no-install-recommends chromium chromium-driver

setup: $(STAMP) $(NODE_STAMP)

browser: $(CHROMEDRIVER)

test: setup browser
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 $(PY) -m pytest -n 2 -q

lint: setup
	$(VENV)/bin/ruff check .

demo: setup
	$(VENV)/bin/ghstats demo
	$(VENV)/bin/ghstats webhooks demo

# Every step in one process, drawing from one time budget (bench/budget.py; 780 s, so with a fresh
# clone's set-up under 15 minutes on 2 cores): points per repository, the multi-collector run, the
# main rows (ghstats against serial batches of 65 and PyGithub at 1,000 and 10,000 repositories;
# 50,000 only when the budget holds it), several orgs, webhooks. A step that would overrun is
# scaled down, time-boxed or left out, and bench/results.md says which, why, and where the time
# went. E.g. BENCH_ARGS="--budget-s 1500" gives 50,000 room; BENCH_ARGS="--steps webhooks" one step.
BENCH_ARGS ?=
bench: setup
	$(PY) -m bench $(BENCH_ARGS)

# 200,000 repositories in one execution, locally (outside `make bench`: about 20 minutes on 2
# cores). No latency model: it measures what grows with the run (children, history, Aggregate's
# memory and time, S3 and DynamoDB requests), not GitHub's speed. bench/results-scale.md.
bench-scale: setup
	$(PY) -m bench --steps main --scales 200000 --approaches ghstats --latency-base-ms 0 --latency-per-repo-ms 0 \
		--latency-rest-ms 0 --no-profile --no-as-shipped --max-concurrency 16 --budget-s 7200 \
		--out bench/results-scale.md --json bench/results-scale.json

# Aggregate's memory and time against repositories (10,000 to 200,000: a real run's results
# replicated; a few minutes): bench/results-aggregate.md, which README's "Scale and limits" uses.
bench-aggregate: setup
	$(PY) -m bench.aggregate --scales 10000,50000,200000 --out bench/results-aggregate.md \
		--json bench/results-aggregate.json

# docs/report.png: the top of the demo's report, as Chromium shows it
report-screenshot: setup browser
	rm -rf $(SCREENSHOT_DIR)
	$(VENV)/bin/ghstats demo --out $(SCREENSHOT_DIR) > /dev/null
	$(PY) -m tests.browser $(SCREENSHOT_DIR)/s3/latest/report.html docs/report.png 2600
	rm -rf $(SCREENSHOT_DIR)

synth: setup
	JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1 npx cdk synth --quiet

clean:
	rm -rf $(VENV) node_modules cdk.out ghstats-data .pytest_cache $(SCREENSHOT_DIR)
