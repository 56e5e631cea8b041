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
# sam build copies the project to a temporary folder, sets ARTIFACTS_DIR and runs this target there with
# `make --makefile <this file>`. We change back into this Makefile's folder so the real tree (and its
# build/ download cache) is used, and the package command copies exactly the files of
# build/spine-coach-lambda.zip into ARTIFACTS_DIR.
SAM_PROJECT_DIR := $(patsubst %/,%,$(dir $(abspath $(lastword $(MAKEFILE_LIST)))))

.PHONY: build-SpineCoachFunction
build-SpineCoachFunction:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set: run this target through sam build" >&2; exit 2; }
	cd "$(SAM_PROJECT_DIR)" && "$(PYTHON)" -m skill package --output build --unzipped-into "$(abspath $(ARTIFACTS_DIR))"
