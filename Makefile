# Xiao County Emergency Command Center
# `make run` and `make test` do their own set-up: virtual environment from the
# pinned lock, map assets from the npm lock, compiled translations.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP_VENV := $(VENV)/.stamp-lock
STAMP_NPM := resources/map/node_modules/.stamp-lock
TS := $(wildcard resources/i18n/*.ts)
QM := $(TS:.ts=.qm)

export QTWEBENGINE_DISABLE_SANDBOX ?= 1

.PHONY: run test setup lint fmt snapshot bench dist lock translations ts clean

run: setup
	$(PY) main.py $(ARGS)

test: setup
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest $(PYTEST_ARGS)

setup: $(STAMP_VENV) $(STAMP_NPM) $(QM)

$(STAMP_VENV): requirements.lock pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip==26.3
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	touch $@

$(STAMP_NPM): resources/map/package-lock.json resources/map/package.json
	cd resources/map && npm ci --no-audit --no-fund --ignore-scripts
	touch $@

resources/i18n/%.qm: resources/i18n/%.ts $(STAMP_VENV)
	$(VENV)/bin/pyside6-lrelease -silent $< -qm $@

translations: $(QM)

# Refresh the .ts files from the source (then translate the new entries).
ts: $(STAMP_VENV)
	$(VENV)/bin/pyside6-lupdate -no-obsolete -locations none $$(git ls-files 'app/*.py') -ts $(TS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

fmt: $(STAMP_VENV)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

snapshot: setup
	QT_QPA_PLATFORM=offscreen $(PY) main.py snapshot --out snapshots/main.png $(ARGS)

bench: setup
	$(PY) benchmarks/startup.py

dist: setup
	$(VENV)/bin/pyinstaller --noconfirm build.spec

lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet -e '.[dev]'
	(echo "# Full pinned dependency tree (pip freeze of 'pip install -e .[dev]'). Regenerate with 'make lock'."; \
	 .venv-lock/bin/pip freeze --exclude-editable | grep -v '^-e' | sort -f) > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf build dist $(VENV) resources/map/node_modules $(QM)
