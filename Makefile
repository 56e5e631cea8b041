# One command each: `make serve` sets everything up and starts the local skill server;
# `make test` sets everything up and runs every test and check.
PYTHON ?= .venv/bin/python
PORT ?= 5000

.PHONY: setup serve test lint bench package manifest models

setup:
	@bash .ci/setup

serve: setup
	$(PYTHON) -m skill serve --port $(PORT)

test:
	@bash .ci/setup --browser
	$(PYTHON) -m ruff check .
	$(PYTHON) -m skill validate
	$(PYTHON) -m skill coverage
	.venv/bin/cfn-lint template.yaml
	$(PYTHON) -m pytest -q -n auto

models: setup
	$(PYTHON) -m skill build-models

bench: setup
	$(PYTHON) -m skill bench

package: setup
	$(PYTHON) -m skill package --output build

manifest: setup
	$(PYTHON) -m skill manifest --output build/skill-package

# --- Lambda package for `sam build` (template.yaml: Metadata BuildMethod: makefile) --------------------
# sam build runs this target with ARTIFACTS_DIR set and `make --makefile <this file>`. By default it first copies
# the whole project folder (everything but .git and .aws-sam: .venv and build/ included) into a temporary folder
# and runs make there; `sam build --build-in-source` skips that copy. Either way we change back into this
# Makefile's folder, so the real tree (its .venv and its build/ download cache) is used, and the package
# command copies exactly the files of build/spine-coach-lambda.zip into ARTIFACTS_DIR, nothing else.
SAM_PROJECT_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))
SAM_PYTHON := $(if $(filter /%,$(PYTHON)),$(PYTHON),$(SAM_PROJECT_DIR)/$(PYTHON))

.PHONY: build-SpineCoachFunction
build-SpineCoachFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this target through sam build" >&2; exit 2; }
	@test "$(abspath $(CURDIR))" = "$(SAM_PROJECT_DIR)" || echo "note: sam build copied the whole project (.venv included) into $(CURDIR) before running make; 'sam build --build-in-source' skips that copy." >&2
	@test -x "$(SAM_PYTHON)" || { echo "sam build: $(SAM_PYTHON) not found. The Lambda package is built by the project's own Python 3.13: run 'make setup' in $(SAM_PROJECT_DIR) once, then 'sam build --build-in-source' again." >&2; exit 2; }
	cd "$(SAM_PROJECT_DIR)" && "$(SAM_PYTHON)" -m skill package --output build --unzipped-into "$(abspath $(ARTIFACTS_DIR))"
