# Two commands for learners: `make lab` and `make test`. Everything else is for
# instructors and maintainers. Only python3 (3.11) and make are assumed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.course-installed
CONSTRAINTS := requirements/constraints.txt
PORT   ?= 8888
LAB_ARGS ?=
# `make demo` serves on 8866 (Voilà's usual port) unless PORT is given on the command line.
DEMO_PORT := $(if $(filter command line,$(origin PORT)),$(PORT),8866)
VOILA_ARGS ?=
# Jupyter refuses to run as root unless told; containers and CI machines often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
PYTEST_ARGS ?=
# `make course EDITION=student`: the lessons without their solution cells, into build/student/
EDITION ?= instructor
NOTEBOOKS ?= $(sort $(wildcard notebooks/*.ipynb))

.PHONY: setup browser lab demo annotate lint test test-all course model cutouts real-model real-default upgrade clean-venv help

help:
	@echo "make lab         set up .venv and open JupyterLab on notebooks/ (PORT=$(PORT))"
	@echo "make test        set up .venv, lint, and run the quick tests: every unit test and doctest, every lesson in smoke mode"
	@echo "make lint        ruff over the library, tests, scripts, benchmarks, notebooks and apps (make test runs it)"
	@echo "make test-all    set up .venv and run every test: lessons in fast mode, training, export, Dask, browser (after make browser)"
	@echo "make setup       create .venv and install the pinned kit (lab, demo, test, course and model do it first)"
	@echo "make demo        set up .venv and serve the comparison studio (apps/studio.ipynb) with Voila, offline (PORT=$(DEMO_PORT))"
	@echo "make annotate    set up .venv and serve the annotation tool (apps/annotate.ipynb) with Voila, offline (PORT=$(DEMO_PORT); COURSE_ANNOTATE_DIR=folder)"
	@echo "make browser     install Debian's chromium and chromium-driver with apt-get, for the browser tests (studio, annotation tool)"
	@echo "make course      execute every notebook into build/*.html (COURSE_FAST=1 for a quick build; EDITION=student: without solutions, into build/student/)"
	@echo "make model       re-train the shipped U-Net from scratch and rewrite its model card (about 70 min on 2 cores)"
	@echo "make cutouts     fetch Debian's Tux Paint stamps and photos (GPL-2+) into .cache/ with apt-get, check, unpack"
	@echo "make real-model  re-train the real-photo CNN on scenes with the stamps (resumable; about 25 min of one core), ship it, write its card"
	@echo "make real-default  train the real-photo CNN's other seeds (about 25 min of one core each), choose the tools' default on dev"
	@echo "make upgrade     re-resolve the pinned versions in $(CONSTRAINTS)"
	@echo "make clean-venv  delete .venv (the next command re-creates it)"
	@echo "make help        this list"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Re-installs only when pyproject.toml or the pins change: the stamp records that.
$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) pymatting
	@# pymatting compiles its numba kernels the first time it is imported (about 40 s of one core) and caches them
	@# in .venv: compile them on the other core while pip installs the rest, not later in every test worker and
	@# lesson kernel at once. A failed compile only leaves the cache cold.
	$(BIN)/python -c "import pymatting" >/dev/null 2>&1 & warm=$$!; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(CONSTRAINTS) -e ".[dev]"; \
		status=$$?; wait $$warm; exit $$status
	@if [ -d .git ]; then $(BIN)/nbstripout --install --attributes .gitattributes; fi
	@touch $(STAMP)
	@echo "course set-up complete: $(VENV)"

setup: $(STAMP)

lab: setup
	$(BIN)/jupyter lab --notebook-dir=notebooks --port=$(PORT) $(ROOT_FLAG) $(LAB_ARGS)

# The comparison studio as a web app: Voilà runs apps/studio.ipynb and shows only its widgets.
# Offline like the lessons: the `offline` template (apps/voila/templates/offline, found through
# JUPYTER_PATH) is Voilà's lab template without its CDN links; the icons' font comes from Voilà's own
# static files. On a taken port Voilà moves to the next free one and prints the URL.
VOILA_TEMPLATE := JUPYTER_PATH="$(CURDIR)/apps$(if $(JUPYTER_PATH),:$(JUPYTER_PATH))" $(BIN)/voila --template=offline
demo: setup
	@echo "starting the comparison studio on http://localhost:$(DEMO_PORT)/ (Voila prints the URL it got; Ctrl-C stops it)"
	$(VOILA_TEMPLATE) apps/studio.ipynb --port=$(DEMO_PORT) --no-browser $(VOILA_ARGS)

# The annotation tool as a web app, served like the studio: on the folder COURSE_ANNOTATE_DIR names, else
# on build/annotate-demo/ (three of the kit's photos, copied there the first time). A relative folder is made
# absolute here: Voilà's kernel runs in apps/.
annotate: setup
	@echo "starting the annotation tool on http://localhost:$(DEMO_PORT)/ (Voila prints the URL it got; Ctrl-C stops it)"
	$(if $(COURSE_ANNOTATE_DIR),COURSE_ANNOTATE_DIR="$(abspath $(COURSE_ANNOTATE_DIR))") $(VOILA_TEMPLATE) apps/annotate.ipynb --port=$(DEMO_PORT) --no-browser $(VOILA_ARGS)

# Only the repository changes (.venv, build/): the browser test skips, naming `make browser`, without chromium.
# `make test` leaves out the tests marked slow (pyproject.toml lists the markers; tests/conftest.py marks
# some by name): lessons run in smoke mode only (COURSE_FAST=smoke). `make test-all` runs every test.
# Two pytest-xdist workers (WORKERS=1 for one process): the lessons run in kernels of their own while
# the unit tests go on; --dist loadgroup keeps each lesson's tests on one worker (tests/conftest.py).
WORKERS ?= 2
PYTEST_XDIST = $(if $(filter-out 0 1,$(WORKERS)),-n $(WORKERS) --dist loadgroup,)
LINTED := course_lib tests scripts benchmarks notebooks apps
lint: setup
	$(BIN)/ruff check $(LINTED)

test: lint
	$(BIN)/python -m pytest $(PYTEST_XDIST) -m "not slow" $(PYTEST_ARGS)

test-all: lint
	$(BIN)/python -m pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

# The one target that changes the system, and only when asked: Debian's chromium and chromium-driver
# from apt-get (as root, or through sudo) for tests/test_studio_browser.py and tests/test_annotator_browser.py.
# Never a browser download by pip or selenium.
browser:
	@if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then \
		echo "chromium and chromedriver are installed: the browser test will run"; \
	else \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		echo "installing Debian's chromium and chromium-driver: $$sudo apt-get install chromium chromium-driver"; \
		$$sudo apt-get update && $$sudo apt-get install -y chromium chromium-driver; \
	fi

course: setup
	$(BIN)/python scripts/build_course.py --edition $(EDITION) $(NOTEBOOKS)

# Re-create the shipped checkpoint and its card from the seeded data recipe.
model: setup
	$(BIN)/python scripts/train_unet.py --force
	$(BIN)/python scripts/model_card.py

# Real object cut-outs and real background photos for training: Debian's tuxpaint-stamps-default and
# tuxpaint-data at pinned versions, `apt-get download`ed into .cache/tuxpaint (git-ignored), checked against
# pinned SHA-256s, unpacked; then every stamp of data/cutouts/stamps.csv is checked. Nothing is committed.
cutouts: setup
	$(BIN)/python scripts/fetch_cutouts.py

# Re-create the real-photo CNN (GPL-2: trained on the stamps): lesson 04b's vgg_real_parts recipe for 40 epochs,
# checkpointed every epoch (run it again after a stop: it resumes), saved without its optimiser, scored, carded.
REAL_SEED ?= 0
REAL_WORK_SIZE ?= 80
REAL_RECIPE = --encoder vgg --blocks 3 --size 64 --steps 100 --val 40 --scene-share 0.7 --stamps --busy-share 0.4 \
	--centred-share 0.3 --harmonise --epochs 40
REAL_RUN = build/runs/vgg3_real_parts_seed$(REAL_SEED)
REAL_OTHER_SEEDS ?= 1 2
# Train (or resume) the run in $(1) with training seed $(2).
real_run = if [ -f $(1)/state.json ]; then $(BIN)/python scripts/train_real_model.py --out $(1) --resume; \
	else $(BIN)/python scripts/train_real_model.py --out $(1) $(REAL_RECIPE) --seed $(2); fi
real-model: cutouts
	$(call real_run,$(REAL_RUN),$(REAL_SEED))
	$(BIN)/python scripts/pick_real_model.py $(REAL_RUN) --out build/real_model_choice.json \
		--ship data/models/candidates/vgg3_real_parts.keras
	$(BIN)/python scripts/candidate_card.py --model data/models/candidates/vgg3_real_parts.keras \
		--state data/models/candidates/vgg3_real_parts.training.json --work-size $(REAL_WORK_SIZE)

# The shipped CNN's recipe with its other training seeds, then the tools' default chosen on dev with all of them.
real-default: cutouts
	for seed in $(REAL_OTHER_SEEDS); do $(call real_run,build/runs/vgg3_real_parts_seed$$seed,$$seed); done
	$(BIN)/python scripts/choose_real_default.py \
		--training-runs $(foreach seed,$(REAL_OTHER_SEEDS),build/runs/vgg3_real_parts_seed$(seed))

# Refresh the pins: resolve pyproject.toml afresh in a scratch venv and freeze it.
upgrade:
	rm -rf build/upgrade-venv
	$(PYTHON) -m venv build/upgrade-venv
	build/upgrade-venv/bin/python -m pip install --quiet --upgrade pip
	build/upgrade-venv/bin/python -m pip install --quiet ".[dev]"
	build/upgrade-venv/bin/python -m pip freeze --exclude-editable \
		| grep -v -i '^course[-_]lib' > $(CONSTRAINTS)
	rm -rf build/upgrade-venv
	@echo "pins refreshed in $(CONSTRAINTS); run 'make test' and update environment.yml if a major version moved"

clean-venv:
	rm -rf $(VENV)
