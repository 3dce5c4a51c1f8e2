# copygen-oscar: `make demo` runs the demo store, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
CELERY := $(VENV)/bin/celery
# The demo's worker shares the machine with the store: the idle scheduling class keeps pages fast (docs/deploy.md).
IDLE := $(shell command -v chrt >/dev/null 2>&1 && echo chrt --idle 0)
DEMO_EMAIL := demo@example.com
DEMO_PASSWORD := copygen-demo

# The test suite's real services (started by tests/services.py when installed but stopped).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/copygen
TEST_BROKER_URL ?= redis://127.0.0.1:6379/15

.PHONY: demo test install services browser bench clean default-model

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(VENV)/.installed

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py copygen_demo_catalogue
	@$(PY) manage.py shell --no-imports -c "from django.contrib.auth import get_user_model as U; raise SystemExit(U().objects.filter(email='$(DEMO_EMAIL)').exists())" \
		&& DJANGO_SUPERUSER_PASSWORD=$(DEMO_PASSWORD) $(PY) manage.py createsuperuser --noinput --username demo --email $(DEMO_EMAIL) || true
	@echo ""
	@echo "  Store:      http://127.0.0.1:8000/"
	@echo "  Dashboard:  http://127.0.0.1:8000/dashboard/   log in as $(DEMO_EMAIL) / $(DEMO_PASSWORD)"
	@echo "  Copy:       http://127.0.0.1:8000/dashboard/copygen/  (save a product without a description, watch its draft arrive)"
	@echo "  Shoppers:   $(PY) manage.py copygen_simulate_shoppers --prepare   (then Copy -> Experiments)"
	@echo "  Ctrl-C stops the store, the worker and beat."
	@echo ""
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(IDLE) $(CELERY) -A shop_demo worker -Q copygen_gpu,copygen_cpu --pool=solo -l warning -n demo@%h & \
	$(CELERY) -A shop_demo beat -l warning & \
	$(PY) manage.py runserver 127.0.0.1:8000

services: install
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) $(PY) -m tests.services

# The browser test drives Debian's Chromium (tests/test_browser.py); CI machines start without it (and run as root).
browser:
	@command -v chromium >/dev/null || (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium)

test: install services browser
	@echo "== PostgreSQL + Redis: the whole suite"
	DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) SHOP_VAR_DIR=var/test-pg \
		$(PY) -m pytest --nomigrations -q
	@echo "== SQLite + filesystem broker (the defaults), migrations included: end-to-end tests"
	DATABASE_URL= CELERY_BROKER_URL= SHOP_VAR_DIR=var/test-sqlite $(PY) -m pytest -m stack -q

# Every benchmark in benchmarks/, one table with each figure and its target in docs/benchmarks.md (tens of minutes).
bench: install
	$(PY) benchmarks/run_all.py

clean:
	rm -rf var/test-pg var/test-sqlite

# The default model shipped inside the package: the built-in corpus, a fixed recipe, 13 minutes on 2 CPU cores.
DEFAULT_MODEL_OPTIONS := --corpus builtin --layers 4 --width 192 --heads 4 --vocab 3000 --steps 2600 \
	--batch-size 16 --learning-rate 0.002 --eval-every 100 --patience 3 --seed 13 --fp16
default-model: install
	$(PY) manage.py copygen_train --output copygen_oscar/default_model $(DEFAULT_MODEL_OPTIONS) --overwrite --no-register
