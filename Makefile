# bottlec developer tasks. Each target first builds .venv with Python 3.11+.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The daemons' own Python packages (mitmproxy, mcp, gitleaks for tests) live apart: mitmproxy
# pins versions the compiler's packages have moved past.
BUNDLE_VENV := .venv-bundle
BUNDLE_STAMP := $(BUNDLE_VENV)/.installed
# The editable install links each module into one `bottlec` tree (setuptools' strict mode),
# so a module added or removed means installing again; contents are picked up live.
SOURCES := $(sort $(wildcard compiler/*.py targets/*.py schemas/*.json))

.PHONY: demo test fuzz e2e lint bench clean FORCE

$(VENV)/.sources: FORCE
	@test -x $(BIN)/python || { PYTHON=$(PYTHON) scripts/prerequisites.sh venv && $(PYTHON) -m venv $(VENV); }
	@echo '$(SOURCES)' | cmp -s - $@ || echo '$(SOURCES)' > $@

$(STAMP): pyproject.toml $(VENV)/.sources
	$(BIN)/python -m pip install --quiet --upgrade 'pip>=24'
	$(BIN)/python -m pip install --quiet -e '.[test,lint]' --config-settings editable_mode=strict
	touch $@

$(BUNDLE_STAMP): bundle/requirements.txt bundle/requirements-test.txt
	test -x $(BUNDLE_VENV)/bin/python || { PYTHON=$(PYTHON) scripts/prerequisites.sh venv && \
		$(PYTHON) -m venv $(BUNDLE_VENV); }
	$(BUNDLE_VENV)/bin/python -m pip install --quiet --upgrade 'pip>=24'
	$(BUNDLE_VENV)/bin/python -m pip install --quiet --prefer-binary \
		-r bundle/requirements.txt -r bundle/requirements-test.txt
	touch $@

## demo: compile the bundled example and show what bottlec wrote
demo: $(STAMP)
	$(BIN)/bottlec compile examples/webapp/bottle.yaml --target all
	@for f in $$(find examples/webapp/bottle.out -type f -not -path '*/state/*' | sort); do \
		printf '\n\033[1m==> %s\033[0m\n' "$$f"; cat "$$f"; done

## test: the whole suite, the real judges included
test: $(STAMP) $(BUNDLE_STAMP)
	@PYTHON=$(PYTHON) scripts/prerequisites.sh tests
	$(BIN)/python -m pytest

## fuzz: the property tests with many more examples (and a fresh seed) than CI runs
fuzz: $(STAMP) $(BUNDLE_STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -p no:cacheprovider tests/test_fuzz.py tests/test_yaml_writer.py

## e2e: the sandbox-escape suite on a real Docker engine (as root; installs docker.io and
## debootstrap when missing, starts dockerd by hand and restores the host afterwards)
e2e: $(STAMP) $(BUNDLE_STAMP)
	@command -v dockerd >/dev/null && command -v debootstrap >/dev/null || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			docker.io debootstrap iptables iproute2; }
	$(BIN)/python -m pytest -p no:cacheprovider e2e

## lint: ruff and mypy, as pre-commit runs them
lint: $(STAMP) $(BUNDLE_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/mypy --strict --python-executable $(BUNDLE_VENV)/bin/python bundle/*.py

## bench: compile latency against Docker Compose's own `config`
bench: $(STAMP)
	$(BIN)/python benchmarks/bench.py

clean:
	rm -rf $(VENV) $(BUNDLE_VENV) build *.egg-info examples/*/bottle.out .pytest_cache .mypy_cache .ruff_cache
