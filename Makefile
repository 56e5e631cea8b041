# One command each: `make serve` sets everything up and starts the local skill server;
# `make test` sets everything up and runs every test and check.
PYTHON ?= .venv/bin/python
SPINE_COACH_STORE ?= sqlite:///$(HOME)/.spine-coach/progress.db
export SPINE_COACH_STORE

.PHONY: setup serve test lint bench package manifest models

setup:
	@bash .ci/setup

serve: setup
	$(PYTHON) -m skill serve

test:
	@bash .ci/setup --browser
	$(PYTHON) -m ruff check .
	$(PYTHON) -m skill validate
	$(PYTHON) -m skill coverage
	.venv/bin/cfn-lint template.yaml
	$(PYTHON) -m pytest -n auto

models: setup
	$(PYTHON) -m skill build-models

bench: setup
	$(PYTHON) -m skill bench

package: setup
	$(PYTHON) -m skill package --output build

manifest: setup
	$(PYTHON) -m skill manifest --output build/skill-package
