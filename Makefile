# Every target sets up what it needs from the committed lock files: a fresh clone needs only python3 and make.
PYTHON ?= python3
VENV := .venv
CHECKOV_VENV := .venv-checkov
BIN := $(VENV)/bin
PIP_INSTALL := --disable-pip-version-check --quiet --require-hashes --no-deps

.DEFAULT_GOAL := help
.PHONY: help setup test test-fast lint typecheck unit check bench docs clean engine

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The editable install serves people, mypy and IDEs alike: setuptools' own (an import hook, which mypy and IDEs cannot
# follow) gives the metadata and the `trailguard` command, and a .pth names build/editable/, where each import name is
# a link to its folder, so both see every module, also one added later, without installing again.
EDITABLE := build/editable
$(BIN)/.installed: requirements/dev.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install $(PIP_INSTALL) -r requirements/dev.lock
	$(BIN)/pip install --disable-pip-version-check --quiet --no-deps --no-build-isolation -e .
	mkdir -p $(EDITABLE)
	ln -sfn ../../components $(EDITABLE)/trailguard
	ln -sfn ../../gate $(EDITABLE)/trailguard_gate
	ln -sfn ../../policies $(EDITABLE)/trailguard_pack
	ln -sfn ../../policies/trailguard_policies $(EDITABLE)/trailguard_policies
	$(BIN)/python -c 'import pathlib, sys, sysconfig; pathlib.Path(sysconfig.get_path("purelib"), "trailguard-editable.pth").write_text(sys.argv[1] + "\n")' "$(abspath $(EDITABLE))"
	touch $@

$(CHECKOV_VENV)/bin/.installed: requirements/checkov.lock
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install $(PIP_INSTALL) -r requirements/checkov.lock
	touch $@

setup: $(BIN)/.installed $(CHECKOV_VENV)/bin/.installed ## create .venv and .venv-checkov from the lock files

lint: setup ## ruff over everything
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(BIN)/.installed ## mypy --strict on the library, the gate and the pack
	$(BIN)/mypy

unit: setup ## the pytest suite
	$(BIN)/pytest

test: lint typecheck engine unit ## the whole suite: lint, types, the engine, tests

test-fast: $(BIN)/.installed ## the inner loop: the tests not marked slow or checkov (make test runs them all)
	$(BIN)/pytest -m "not slow and not checkov" $(PYTEST_ARGS)

check: setup ## the offline gate: every stack through the policy pack and checkov, then the repository's own scan
	$(BIN)/trailguard check $(TRAILGUARD_CHECK_ARGS)
	$(MAKE) --no-print-directory check-examples check-repo

PYTHON_EXAMPLES := examples/python-consumer examples/lake examples/delegated-admin
.PHONY: check-examples
check-examples: setup ## the same gate over the example projects (each its own Pulumi project)
	@for project in $(PYTHON_EXAMPLES); do \
		echo "== $$project"; \
		$(BIN)/trailguard check --project-dir $$project --skips .checkov.skips.yaml || exit $$?; \
	done

.PHONY: check-repo
check-repo: setup ## checkov's secrets and github_actions frameworks over the repository (skips: .checkov.skips.yaml)
	$(BIN)/trailguard check-repo --checkov $(CHECKOV_VENV)/bin/checkov

# The real Pulumi CLI for tests/engine: $PULUMI, else `pulumi` on PATH, else built from the wrapper module engine/
# (go.mod pins the version) into .tools/bin. The build runs only when engine/go.mod or go.sum is newer than the binary.
GO ?= go
ENGINE_BIN := .tools/bin/pulumi
ENGINE_VERSION = $(shell sed -n 's|^[[:space:]]*github.com/pulumi/pulumi/pkg/v3 \(v[^ ]*\).*|\1|p' engine/go.mod)

engine: ## the Pulumi CLI for tests/engine: PULUMI=path, else pulumi on PATH, else built into .tools/bin
	@if [ -n "$$PULUMI" ]; then echo "engine: PULUMI=$$PULUMI"; \
	elif command -v pulumi >/dev/null 2>&1; then echo "engine: $$(command -v pulumi) (on PATH)"; \
	else $(MAKE) --no-print-directory $(ENGINE_BIN); fi

$(ENGINE_BIN): engine/go.mod engine/go.sum
	@if ! command -v $(GO) >/dev/null 2>&1; then \
		echo "engine: NO GO TOOLCHAIN: cannot build the Pulumi CLI; tests/engine will say they did not run" \
			"(install Go >= 1.26.6, or set PULUMI=/path/to/pulumi)"; \
	else \
		echo "engine: building pulumi $(ENGINE_VERSION) into $(ENGINE_BIN) (a cold build takes minutes)"; \
		cd engine && GOTOOLCHAIN=local GOFLAGS=-mod=readonly $(GO) build -trimpath \
			-ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$(ENGINE_VERSION)" \
			-o ../$(ENGINE_BIN) github.com/pulumi/pulumi/pkg/v3/cmd/pulumi; \
	fi

bench: setup ## benchmarks (not part of make test)
	$(BIN)/python benchmarks/run.py

docs: setup ## regenerate docs/components.md from the components' typed arguments
	mkdir -p build
	{ sed '/^### /,$$d' docs/components.md; $(BIN)/python scripts/component_inputs.py; } > build/components.md
	mv build/components.md docs/components.md

clean: ## remove the virtual environments and caches
	rm -rf $(VENV) $(CHECKOV_VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info .tools
