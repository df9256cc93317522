# kgapi — the two commands: `make run` and `make test`. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: help install run test test-soak lint format neo4j-start neo4j-stop sdl clean

help:
	@echo "make run    set up, start Neo4j, seed, and serve http://127.0.0.1:8000/graphql"
	@echo "make test   set up, start Neo4j, run lint and the whole suite, stop what it started"
	@echo "make lint   ruff + mypy;  make sdl  regenerate schema/schema.graphql"

# The virtual environment, installed with every version pinned by constraints.txt.
$(INSTALLED): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $@

install: $(INSTALLED)

# Neo4j is started (downloaded from Maven Central the first time), the graph seeded, and the API
# served in the foreground; Ctrl-C stops the API and then the Neo4j this command started.
run: install
	$(BIN)/kgapi neo4j exec -- bash -c '$(BIN)/kgapi seed && exec $(BIN)/kgapi serve'

# Lint first, then the whole suite against a real Neo4j; Neo4j is stopped whatever the outcome.
# pytest's exit code 5 (no tests collected) is a failure like any other non-zero code.
test: install lint browser nginx
	$(BIN)/kgapi neo4j exec --isolated -- $(BIN)/pytest

# The long runs: 20,000 mixed requests at concurrency 32, and thousands of fuzzed queries.
test-soak: install
	KGAPI_FUZZ_EXAMPLES=3000 $(BIN)/kgapi neo4j exec --isolated -- $(BIN)/pytest -m "soak or not soak" \
		tests/reliability/test_load.py tests/security/test_fuzz.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

format: install
	$(BIN)/ruff format kgapi tests

neo4j-start: install
	$(BIN)/kgapi neo4j start

neo4j-stop: install
	$(BIN)/kgapi neo4j stop

sdl: install
	$(BIN)/kgapi schema export --out schema/schema.graphql

clean:
	-$(BIN)/kgapi neo4j stop
	rm -rf .neo4j $(VENV) .pytest_cache .mypy_cache .ruff_cache *.egg-info

# Headless Chromium for the explorer's browser tests (Debian's package; Playwright's own browser
# download does not work here).
.PHONY: browser explorer-assets
browser:
	command -v chromium >/dev/null || (apt-get update && apt-get install -y --no-install-recommends chromium)
	@# Bengali glyphs, so that the screenshots the browser tests save are legible.
	fc-list 2>/dev/null | grep -q "Noto Sans Bengali" || (apt-get update && apt-get install -y --no-install-recommends fonts-noto-core)

# nginx for the replicas tests (tests/integration/test_replicas.py runs deploy/nginx/kgapi.conf in
# front of three API processes), from Debian's package like chromium above. The tests run it in
# the foreground with every path under a temporary folder, so it needs no service and no root.
.PHONY: nginx
nginx:
	command -v nginx >/dev/null || test -x /usr/sbin/nginx || (apt-get update && apt-get install -y --no-install-recommends nginx)

# The explorer's vendored cytoscape.js, from the exact version kgapi/explorer/package-lock.json pins.
# The result is committed, so only a version bump needs this (and npm).
explorer-assets:
	cd kgapi/explorer && npm ci --no-audit --no-fund
	mkdir -p kgapi/explorer/static/vendor
	cp kgapi/explorer/node_modules/cytoscape/dist/cytoscape.min.js kgapi/explorer/static/vendor/cytoscape.min.js
	cp kgapi/explorer/node_modules/cytoscape/LICENSE kgapi/explorer/static/vendor/cytoscape.LICENSE

# GraphiQL's UMD builds (graphiql 3.x, its explorer plugin, React 18), from the exact versions
# kgapi/graphiql/package-lock.json pins; committed like the explorer's, so GraphiQL works offline.
# The plugin has no LICENSE file of its own: it is MIT from the GraphiQL monorepo (graphiql's
# LICENSE); graphiql-explorer, which its bundle contains, brings its own MIT LICENSE.
.PHONY: graphiql-assets
GRAPHIQL_NPM := kgapi/graphiql/node_modules
GRAPHIQL_VENDOR := kgapi/graphiql/static/vendor
graphiql-assets:
	cd kgapi/graphiql && npm ci --no-audit --no-fund
	mkdir -p $(GRAPHIQL_VENDOR)
	cp $(GRAPHIQL_NPM)/react/umd/react.production.min.js $(GRAPHIQL_VENDOR)/react.production.min.js
	cp $(GRAPHIQL_NPM)/react/LICENSE $(GRAPHIQL_VENDOR)/react.LICENSE
	cp $(GRAPHIQL_NPM)/react-dom/umd/react-dom.production.min.js $(GRAPHIQL_VENDOR)/react-dom.production.min.js
	cp $(GRAPHIQL_NPM)/react-dom/LICENSE $(GRAPHIQL_VENDOR)/react-dom.LICENSE
	cp $(GRAPHIQL_NPM)/graphiql/graphiql.min.js $(GRAPHIQL_VENDOR)/graphiql.min.js
	cp $(GRAPHIQL_NPM)/graphiql/graphiql.min.css $(GRAPHIQL_VENDOR)/graphiql.min.css
	cp $(GRAPHIQL_NPM)/graphiql/LICENSE $(GRAPHIQL_VENDOR)/graphiql.LICENSE
	cp $(GRAPHIQL_NPM)/@graphiql/plugin-explorer/dist/index.umd.js $(GRAPHIQL_VENDOR)/plugin-explorer.umd.js
	cp $(GRAPHIQL_NPM)/@graphiql/plugin-explorer/dist/style.css $(GRAPHIQL_VENDOR)/plugin-explorer.css
	cp $(GRAPHIQL_NPM)/@graphiql/plugin-explorer/node_modules/graphiql-explorer/LICENSE $(GRAPHIQL_VENDOR)/graphiql-explorer.LICENSE

# Benchmarks (issue 6, bench/ and BENCHMARKS.md): kgapi vs @neo4j/graphql vs the raw driver, on
# private Neo4j instances under bench/.data/ (never the team's). Neither is part of `make test`.
# `bench` is the quick one (10k and 100k relationships, 0.8 s per cell, under 5 minutes);
# `bench-full` adds 1M and measures 5 s per cell. Both end with the repeated-reads measurement
# (a second kgapi with KGAPI_READ_CACHE=true against the peer). Both print the ratio table and write
# bench/results/<timestamp>.json and a plot: latency_vs_size.png (bench-full; the quick run's is
# latency_vs_size-quick.png), which needs matplotlib.
# wrk times the repeated-reads measurement (the Python load client is slower than the read cache).
# Installed from Debian like `make browser`'s chromium; when that is impossible (no apt-get, not
# root, no network) this says why and the benchmark falls back to the Python client, and says so.
# `test-bench` runs the harness tests that need wrk (the `bench` marker; not part of `make test`).
.PHONY: bench bench-full wrk test-bench
wrk:
	@command -v wrk >/dev/null && exit 0; \
	if ! command -v apt-get >/dev/null; then \
		echo "wrk: not installed and apt-get is not available; the repeated-reads measurement will use the Python load client"; \
	elif ! (DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk); then \
		echo "wrk: apt-get install wrk failed (root and network are needed); the repeated-reads measurement will use the Python load client"; \
	fi

test-bench: install wrk
	$(BIN)/pytest -m bench tests/bench

bench: install wrk
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	cd bench/peers/neo4j-graphql && npm ci --no-audit --no-fund
	$(BIN)/python -m bench.run --sizes 10k,100k --concurrency 1,8,32 --seconds 0.8 --max-requests 1000 \
		--plot-name latency_vs_size-quick.png

bench-full: install wrk
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	cd bench/peers/neo4j-graphql && npm ci --no-audit --no-fund
	$(BIN)/python -m bench.run --sizes 10k,100k,1M --concurrency 1,8,32 --seconds 5 --max-requests 5000
